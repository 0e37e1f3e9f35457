//! Records as a file set gives them: each refers to its pupil by UPN and to settings,
//! enrolments, placements and referrals by the file set's own ids. The interchange crate reads
//! them from the import templates (`docs/import-format.md`); the store resolves the ids and
//! writes them. Codes are checked by the reader; these types only carry them.

use crate::{AcademicYear, LeavingReason, NewPupil, RegistrationType, SettingKind, Term, Upn, Urn};
use chrono::NaiveDate;

/// A setting as the template gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRecord {
    /// The file set's own id (the URN where there is one).
    pub id: String,
    pub urn: Option<Urn>,
    pub la: u16,
    pub laestab: Option<u32>,
    pub name: String,
    pub kind: SettingKind,
    /// `primary`, `secondary` or `special` for schools in DfE's headcount; `None` for AP.
    pub phase: Option<String>,
    /// Pupils on roll at the spring census (places, for AP).
    pub roll: Option<u32>,
    /// The school an internal AP unit belongs to, by the file set's id.
    pub parent_id: Option<String>,
}

/// An enrolment as the template gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentRecord {
    pub enrolment_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub registration: RegistrationType,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub leaving_reason: Option<LeavingReason>,
}

/// One enrolment's session marks for one term: one symbol per session, two per school day.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceRecord {
    pub enrolment_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub year: AcademicYear,
    pub term: Term,
    pub marks: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub incident_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub date: NaiveDate,
    pub kind: String,
    pub severity: u8,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SuspensionRecord {
    pub suspension_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub incident_id: Option<String>,
    /// `FIXD` or `LNCH`.
    pub category: String,
    pub start: NaiveDate,
    pub length_days: f64,
    /// One to three DfE reason codes.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionRecord {
    pub exclusion_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub incident_id: Option<String>,
    pub start: NaiveDate,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRecord {
    pub referral_id: String,
    pub upn: Upn,
    pub from_setting_id: String,
    pub date: NaiveDate,
    pub reason: String,
    pub tier_requested: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacementRecord {
    pub placement_id: String,
    pub referral_id: Option<String>,
    pub upn: Upn,
    pub setting_id: String,
    pub tier: u8,
    pub start: NaiveDate,
    pub planned_end: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// One step of a hybrid timetable: from this date, so many sessions a week in each place.
#[derive(Debug, Clone, PartialEq)]
pub struct TimetableRecord {
    pub placement_id: String,
    pub from: NaiveDate,
    pub ap_sessions: u8,
    pub mainstream_sessions: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    pub assessment_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub date: NaiveDate,
    /// `sdq` or `swemwbs`.
    pub instrument: String,
    pub version: Option<String>,
    pub occasion: String,
    /// Exactly 25 entries, `None` where the item is empty.
    pub items: Vec<Option<u8>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InterventionRecord {
    pub intervention_id: String,
    pub upn: Upn,
    pub setting_id: String,
    pub kind: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub sessions_planned: u32,
    pub sessions_attended: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DestinationRecord {
    pub upn: Upn,
    pub ks4_year: AcademicYear,
    pub destination: String,
    pub sustained: bool,
}

/// Everything one import brings, any subset of the thirteen files.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileSet {
    /// Which of the thirteen files were present (e.g. `"pupils"`).
    pub present: Vec<&'static str>,
    pub settings: Vec<SettingRecord>,
    pub pupils: Vec<NewPupil>,
    pub enrolments: Vec<EnrolmentRecord>,
    pub attendance: Vec<AttendanceRecord>,
    pub incidents: Vec<IncidentRecord>,
    pub suspensions: Vec<SuspensionRecord>,
    pub exclusions: Vec<ExclusionRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub placements: Vec<PlacementRecord>,
    pub timetables: Vec<TimetableRecord>,
    pub assessments: Vec<AssessmentRecord>,
    pub interventions: Vec<InterventionRecord>,
    pub destinations: Vec<DestinationRecord>,
}

impl FileSet {
    /// Records other than settings, pupils, enrolments and attendance.
    pub fn other_records(&self) -> usize {
        self.incidents.len()
            + self.suspensions.len()
            + self.exclusions.len()
            + self.referrals.len()
            + self.placements.len()
            + self.timetables.len()
            + self.assessments.len()
            + self.interventions.len()
            + self.destinations.len()
    }

    pub fn record_count(&self) -> usize {
        self.settings.len() + self.pupils.len() + self.enrolments.len() + self.attendance.len() + self.other_records()
    }
}
