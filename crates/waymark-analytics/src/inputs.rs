//! The plain tables the measures read. A store fills them with one scoped query each; every
//! field is a number, a date or a small enum so that an LA-year fits in memory and is cheap to scan.

use chrono::NaiveDate;
use std::collections::HashMap;
use waymark_domain::instruments::SdqVersion;
use waymark_domain::{AcademicYear, Term};

/// The store's pupil id (never a UPN: direct identifiers stay in the store).
pub type PupilId = i64;
/// The store's setting id (a provision or a school).
pub type SettingId = i64;
/// The store's placement id.
pub type PlacementId = i64;

/// A school term as one comparable value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TermRef {
    pub year: AcademicYear,
    pub term: Term,
}

impl TermRef {
    /// The term a date falls in (spring ends on Easter Sunday, as in `AcademicYear::term_of`).
    pub fn of(date: NaiveDate) -> TermRef {
        let year = AcademicYear::containing(date);
        TermRef { year, term: year.term_of(date).expect("a date is in the academic year that contains it") }
    }

    /// Terms counted from autumn of year 0, so that terms can be added and compared.
    pub fn ordinal(self) -> i32 {
        self.year.0 * 3 + self.term as i32
    }

    pub fn from_ordinal(ordinal: i32) -> TermRef {
        TermRef { year: AcademicYear(ordinal.div_euclid(3)), term: Term::ALL[ordinal.rem_euclid(3) as usize] }
    }

    /// The term `n` terms later (earlier when negative).
    pub fn plus(self, n: i32) -> TermRef {
        TermRef::from_ordinal(self.ordinal() + n)
    }

    /// The school census day of this term, the day follow-up checks are made on.
    pub fn census_day(self) -> NaiveDate {
        self.year.census_day(self.term)
    }
}

/// How a placement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementOutcome {
    /// Not ended yet.
    Ongoing,
    /// Returned to a mainstream school (the reintegration outcome).
    ReturnedToMainstream,
    /// Moved to another AP provision: the placement there carries the pupil's outcomes on.
    MovedProvision,
    /// Moved to a special school.
    SpecialSchool,
    /// Left at the end of Key Stage 4.
    Post16,
    /// Any other ending (moved away, elective home education, …).
    Other,
}

/// One placement of a pupil in AP (or tier 1 outreach support given to a pupil in their school).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementRow {
    pub id: PlacementId,
    pub pupil: PupilId,
    /// The AP provision that holds the place (or gives the outreach).
    pub provision: SettingId,
    /// The school the pupil came from (or is supported in, for tier 1), when known.
    pub referring_school: Option<SettingId>,
    /// The DfE number of the commissioning LA.
    pub la: u16,
    /// 1 outreach, 2 time-limited with planned return, 3 longer-term.
    pub tier: u8,
    pub start: NaiveDate,
    /// The last day of the placement; `None` while it goes on.
    pub end: Option<NaiveDate>,
    pub outcome: PlacementOutcome,
}

/// One spell on a school's roll.
#[derive(Debug, Clone, PartialEq)]
pub struct RollRow {
    pub pupil: PupilId,
    pub setting: SettingId,
    /// Whether the setting is a mainstream school (not AP, not special).
    pub mainstream: bool,
    pub start: NaiveDate,
    /// The last day on roll; `None` while on roll.
    pub end: Option<NaiveDate>,
}

/// One pupil's attendance at one setting in one term, counted from the marks.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceTerm {
    pub pupil: PupilId,
    pub setting: SettingId,
    pub term: TermRef,
    /// Possible sessions (DOMAIN.md §5: not-possible codes excluded).
    pub possible: u32,
    /// Present or at an approved educational activity.
    pub attended: u32,
}

/// A suspension (the start day is all the measures need).
#[derive(Debug, Clone, PartialEq)]
pub struct SuspensionRow {
    pub pupil: PupilId,
    pub start: NaiveDate,
}

/// A permanent exclusion.
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionRow {
    pub pupil: PupilId,
    pub date: NaiveDate,
}

/// A recorded behaviour incident, wherever it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub pupil: PupilId,
    pub date: NaiveDate,
}

/// Which scored instrument an assessment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// SDQ total difficulties (0 to 40) of this version.
    Sdq(SdqVersion),
    /// SWEMWBS metric score (7.00 to 35.00).
    Swemwbs,
    /// Reading age minus chronological age, in months.
    ReadingGap,
    /// A maths assessment score (the setting's own scale, the same each time).
    Maths,
}

/// One scored assessment, made at a setting.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRow {
    pub pupil: PupilId,
    pub setting: SettingId,
    pub instrument: Instrument,
    pub date: NaiveDate,
    /// Computed by `waymark_domain::instruments`, never typed.
    pub score: f64,
}

/// A pupil's Key Stage 4 results.
#[derive(Debug, Clone, PartialEq)]
pub struct Ks4Row {
    pub pupil: PupilId,
    /// The academic year in which the pupil finished KS4 (year 11).
    pub year: AcademicYear,
    /// Grade 4 or above in both English and maths.
    pub english_maths_4plus: bool,
    /// Qualifications passed, of any kind.
    pub passes: u32,
}

/// A pupil's post-16 destination.
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationRow {
    pub pupil: PupilId,
    pub ks4_year: AcademicYear,
    /// In education, employment or training for all of October to March of the year after KS4.
    pub sustained: bool,
}

/// A daily check-in rating (higher is better) recorded by a setting.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInRow {
    pub pupil: PupilId,
    pub setting: SettingId,
    pub date: NaiveDate,
    pub rating: f64,
}

/// An intervention given during a placement.
#[derive(Debug, Clone, PartialEq)]
pub struct InterventionRow {
    pub placement: PlacementId,
    pub ended: bool,
    pub sessions_planned: u32,
    pub sessions_attended: u32,
}

/// When the pupil was referred for a placement.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitRow {
    pub placement: PlacementId,
    pub referred: NaiveDate,
}

/// One step of a placement's timetable: from this date, so many sessions a week in all (AP and
/// mainstream together; full time is 10).
#[derive(Debug, Clone, PartialEq)]
pub struct TimetableRow {
    pub placement: PlacementId,
    pub from: NaiveDate,
    pub sessions_per_week: u8,
}

/// Everything the measures read. Any table may be empty: the measures that need it then give
/// "no data".
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub placements: Vec<PlacementRow>,
    pub rolls: Vec<RollRow>,
    pub attendance: Vec<AttendanceTerm>,
    pub suspensions: Vec<SuspensionRow>,
    pub exclusions: Vec<ExclusionRow>,
    pub incidents: Vec<IncidentRow>,
    pub assessments: Vec<AssessmentRow>,
    pub ks4: Vec<Ks4Row>,
    pub destinations: Vec<DestinationRow>,
    pub checkins: Vec<CheckInRow>,
    pub interventions: Vec<InterventionRow>,
    pub waits: Vec<WaitRow>,
    pub timetables: Vec<TimetableRow>,
}

/// A row the measures cannot use, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("placement {0} ends before it starts")]
    PlacementEndsBeforeStart(PlacementId),
    #[error("placement {0} has tier {1}; tiers are 1, 2 and 3")]
    Tier(PlacementId, u8),
    #[error("placement {0} has an end date but its outcome is \"ongoing\"")]
    EndedButOngoing(PlacementId),
    #[error("pupil {pupil} attended {attended} of {possible} possible sessions at setting {setting}")]
    Attendance { pupil: PupilId, setting: SettingId, attended: u32, possible: u32 },
    #[error("placement {0} attended more intervention sessions than were planned")]
    Intervention(PlacementId),
    #[error("placement {placement} starts before its referral on {referred}")]
    ReferredAfterStart { placement: PlacementId, referred: NaiveDate },
    #[error("{table} row refers to placement {placement}, which is not in the placements")]
    UnknownPlacement { table: &'static str, placement: PlacementId },
}

impl Tables {
    /// Check the rows the measures rely on, naming the first that is wrong.
    pub fn validate(&self) -> Result<(), InputError> {
        let by_id: HashMap<PlacementId, &PlacementRow> = self.placements.iter().map(|p| (p.id, p)).collect();
        for p in &self.placements {
            if p.end.is_some_and(|e| e < p.start) {
                return Err(InputError::PlacementEndsBeforeStart(p.id));
            }
            if !(1..=3).contains(&p.tier) {
                return Err(InputError::Tier(p.id, p.tier));
            }
            if p.end.is_some() && p.outcome == PlacementOutcome::Ongoing {
                return Err(InputError::EndedButOngoing(p.id));
            }
        }
        if let Some(a) = self.attendance.iter().find(|a| a.attended > a.possible) {
            return Err(InputError::Attendance {
                pupil: a.pupil,
                setting: a.setting,
                attended: a.attended,
                possible: a.possible,
            });
        }
        let known =
            |table, placement| by_id.get(&placement).copied().ok_or(InputError::UnknownPlacement { table, placement });
        for i in &self.interventions {
            known("intervention", i.placement)?;
            if i.sessions_attended > i.sessions_planned {
                return Err(InputError::Intervention(i.placement));
            }
        }
        for w in &self.waits {
            if known("wait", w.placement)?.start < w.referred {
                return Err(InputError::ReferredAfterStart { placement: w.placement, referred: w.referred });
            }
        }
        for t in &self.timetables {
            known("timetable", t.placement)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn terms_count_and_wrap() {
        let t = TermRef::of(d(2024, 11, 5));
        assert_eq!(t, TermRef { year: AcademicYear(2024), term: Term::Autumn });
        assert_eq!(t.plus(2), TermRef { year: AcademicYear(2024), term: Term::Summer });
        assert_eq!(t.plus(3), TermRef { year: AcademicYear(2025), term: Term::Autumn });
        assert_eq!(t.plus(-1), TermRef { year: AcademicYear(2023), term: Term::Summer });
        assert_eq!(t.plus(1).census_day(), d(2025, 1, 16), "third Thursday of January 2025");
    }

    #[test]
    fn validation_names_the_row() {
        let p = PlacementRow {
            id: 7,
            pupil: 1,
            provision: 10,
            referring_school: None,
            la: 202,
            tier: 2,
            start: d(2024, 9, 10),
            end: Some(d(2024, 9, 1)),
            outcome: PlacementOutcome::Other,
        };
        let mut t = Tables { placements: vec![p.clone()], ..Tables::default() };
        assert_eq!(t.validate().unwrap_err().to_string(), "placement 7 ends before it starts");
        t.placements[0].end = None;
        t.placements[0].outcome = PlacementOutcome::Ongoing;
        assert_eq!(t.validate(), Ok(()));
        t.waits.push(WaitRow { placement: 7, referred: d(2024, 9, 11) });
        assert_eq!(t.validate().unwrap_err().to_string(), "placement 7 starts before its referral on 2024-09-11");
        t.waits.clear();
        t.timetables.push(TimetableRow { placement: 8, from: d(2024, 9, 10), sessions_per_week: 5 });
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "timetable row refers to placement 8, which is not in the placements"
        );
    }
}
