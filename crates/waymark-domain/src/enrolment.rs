//! Enrolments: a pupil on a setting's register, from a start date to an optional end.

use crate::error::ValidationErrors;
use chrono::NaiveDate;

/// How the pupil is registered (school census enrolment status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationType {
    /// `C`: on this register only (the main and only registration).
    Single,
    /// `M`: dual registered, and this is the main registration.
    DualMain,
    /// `S`: dual registered, and this is the subsidiary registration (e.g. at a PRU).
    DualSubsidiary,
}

impl RegistrationType {
    pub const ALL: [RegistrationType; 3] =
        [RegistrationType::Single, RegistrationType::DualMain, RegistrationType::DualSubsidiary];

    /// The census enrolment status code.
    pub fn code(self) -> &'static str {
        match self {
            RegistrationType::Single => "C",
            RegistrationType::DualMain => "M",
            RegistrationType::DualSubsidiary => "S",
        }
    }

    pub fn from_code(code: &str) -> Option<RegistrationType> {
        RegistrationType::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            RegistrationType::Single => "Main (single registration)",
            RegistrationType::DualMain => "Dual registration, main",
            RegistrationType::DualSubsidiary => "Dual registration, subsidiary",
        }
    }

    /// Whether the pupil counts in this setting's headcount for exclusion rates (`C` and `M`).
    pub fn counts_in_headcount(self) -> bool {
        !matches!(self, RegistrationType::DualSubsidiary)
    }
}

/// Why an enrolment ended (DOMAIN.md §1, "ways out of a school").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeavingReason {
    PermanentExclusion,
    ManagedMove,
    MoveToAp,
    ReturnToMainstream,
    ElectiveHomeEducation,
    MissingEducation,
    ChangeOfAddress,
    TransferOther,
    Emigration,
    EndOfPhase,
    Death,
    /// Recorded as not known: these are the exits Waymark looks at most closely.
    NotKnown,
}

impl LeavingReason {
    pub const ALL: [LeavingReason; 12] = [
        LeavingReason::PermanentExclusion,
        LeavingReason::ManagedMove,
        LeavingReason::MoveToAp,
        LeavingReason::ReturnToMainstream,
        LeavingReason::ElectiveHomeEducation,
        LeavingReason::MissingEducation,
        LeavingReason::ChangeOfAddress,
        LeavingReason::TransferOther,
        LeavingReason::Emigration,
        LeavingReason::EndOfPhase,
        LeavingReason::Death,
        LeavingReason::NotKnown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LeavingReason::PermanentExclusion => "permanent_exclusion",
            LeavingReason::ManagedMove => "managed_move",
            LeavingReason::MoveToAp => "move_to_ap",
            LeavingReason::ReturnToMainstream => "return_to_mainstream",
            LeavingReason::ElectiveHomeEducation => "elective_home_education",
            LeavingReason::MissingEducation => "missing_education",
            LeavingReason::ChangeOfAddress => "change_of_address",
            LeavingReason::TransferOther => "transfer_other",
            LeavingReason::Emigration => "emigration",
            LeavingReason::EndOfPhase => "end_of_phase",
            LeavingReason::Death => "death",
            LeavingReason::NotKnown => "not_known",
        }
    }

    pub fn from_code(code: &str) -> Option<LeavingReason> {
        LeavingReason::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            LeavingReason::PermanentExclusion => "Permanent exclusion",
            LeavingReason::ManagedMove => "Managed move",
            LeavingReason::MoveToAp => "Moved to alternative provision",
            LeavingReason::ReturnToMainstream => "Returned to mainstream",
            LeavingReason::ElectiveHomeEducation => "Elective home education",
            LeavingReason::MissingEducation => "Child missing education",
            LeavingReason::ChangeOfAddress => "Moved school on a change of address",
            LeavingReason::TransferOther => "Moved to another school",
            LeavingReason::Emigration => "Emigrated",
            LeavingReason::EndOfPhase => "End of phase (normal transition)",
            LeavingReason::Death => "Died",
            LeavingReason::NotKnown => "Not known",
        }
    }
}

/// An enrolment to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEnrolment {
    pub pupil_id: i64,
    pub setting_id: i64,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub registration: RegistrationType,
    pub leaving_reason: Option<LeavingReason>,
}

impl NewEnrolment {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        match (self.end, self.leaving_reason) {
            (Some(end), _) if end < self.start => errors.push("end", "The end date must be on or after the start date"),
            (Some(_), None) => errors.push("leaving_reason", "Choose why the pupil left (or 'Not known')"),
            (None, Some(_)) => errors.push("leaving_reason", "A leaving reason needs an end date"),
            _ => {}
        }
        errors.into_result(())
    }

    /// Whether the enrolment is open on `date`.
    pub fn is_open_on(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }
}

/// A stored enrolment, with the setting's name for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub id: i64,
    pub record: NewEnrolment,
    pub setting_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_and_reason_go_together() {
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
        let open = NewEnrolment {
            pupil_id: 1,
            setting_id: 1,
            start: d(1, 10),
            end: None,
            registration: RegistrationType::Single,
            leaving_reason: None,
        };
        assert!(open.validate().is_ok());
        assert!(open.is_open_on(d(5, 1)));
        let backwards =
            NewEnrolment { end: Some(d(1, 1)), leaving_reason: Some(LeavingReason::ManagedMove), ..open.clone() };
        assert!(backwards.validate().unwrap_err().for_field("end").is_some());
        let no_reason = NewEnrolment { end: Some(d(3, 1)), ..open.clone() };
        assert!(no_reason.validate().unwrap_err().for_field("leaving_reason").is_some());
        assert!(!RegistrationType::DualSubsidiary.counts_in_headcount());
    }
}
