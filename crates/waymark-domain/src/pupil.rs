//! Pupils and their characteristics (as the school census records them).

use crate::calendar::{AcademicYear, YearGroup};
use crate::error::ValidationErrors;
use crate::upn::Upn;
use chrono::NaiveDate;

/// Sex as recorded in the school census.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// Census code: `F` or `M`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "F" => Some(Sex::Female),
            "M" => Some(Sex::Male),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
        }
    }
}

/// Special educational needs provision (census codes N, K, E).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenProvision {
    None,
    SenSupport,
    EhcPlan,
}

impl SenProvision {
    pub fn code(self) -> &'static str {
        match self {
            SenProvision::None => "N",
            SenProvision::SenSupport => "K",
            SenProvision::EhcPlan => "E",
        }
    }

    pub fn from_code(code: &str) -> Option<SenProvision> {
        match code {
            "N" => Some(SenProvision::None),
            "K" => Some(SenProvision::SenSupport),
            "E" => Some(SenProvision::EhcPlan),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SenProvision::None => "No SEN provision",
            SenProvision::SenSupport => "SEN support",
            SenProvision::EhcPlan => "EHC plan",
        }
    }
}

/// The school census main ethnicity codes (a pupil may also be recorded as refused or not obtained).
pub const ETHNICITY_CODES: &[(&str, &str)] = &[
    ("WBRI", "White British"),
    ("WIRI", "White Irish"),
    ("WIRT", "Traveller of Irish heritage"),
    ("WROM", "Gypsy / Roma"),
    ("WOTH", "Any other White background"),
    ("MWBC", "White and Black Caribbean"),
    ("MWBA", "White and Black African"),
    ("MWAS", "White and Asian"),
    ("MOTH", "Any other mixed background"),
    ("AIND", "Indian"),
    ("APKN", "Pakistani"),
    ("ABAN", "Bangladeshi"),
    ("AOTH", "Any other Asian background"),
    ("BCRB", "Black Caribbean"),
    ("BAFR", "Black African"),
    ("BOTH", "Any other Black background"),
    ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"),
    ("REFU", "Refused"),
    ("NOBT", "Information not yet obtained"),
];

/// The label for an ethnicity code.
pub fn ethnicity_label(code: &str) -> Option<&'static str> {
    ETHNICITY_CODES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label for an ethnicity code, or the code itself if it is not a main census code.
pub fn ethnicity_label_or_code(code: &str) -> String {
    ethnicity_label(code).map_or_else(|| code.to_string(), str::to_string)
}

/// A pupil's record as entered or imported.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPupil {
    pub upn: Upn,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub preferred_surname: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub fsm_eligible: bool,
    pub sen: SenProvision,
    pub child_in_need: bool,
    pub looked_after: bool,
    /// Special category data: optional, and never used to score a pupil.
    pub ethnicity: Option<String>,
}

impl NewPupil {
    /// Check names, date of birth and codes. `today` bounds the date of birth (the domain has
    /// no clock of its own).
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_name(&mut errors, "legal_forename", "legal first name", Some(&self.legal_forename));
        check_name(&mut errors, "legal_surname", "legal last name", Some(&self.legal_surname));
        check_name(&mut errors, "preferred_forename", "preferred first name", self.preferred_forename.as_deref());
        check_name(&mut errors, "preferred_surname", "preferred last name", self.preferred_surname.as_deref());
        if self.date_of_birth > today {
            errors.push("date_of_birth", "Date of birth must be in the past");
        } else {
            let age_years = (today - self.date_of_birth).num_days() / 365;
            if !(2..=25).contains(&age_years) {
                errors.push(
                    "date_of_birth",
                    format!("A pupil must be aged 2 to 25; this date of birth gives {age_years}"),
                );
            }
        }
        if let Some(code) = &self.ethnicity {
            if ethnicity_label(code).is_none() {
                errors.push(
                    "ethnicity",
                    format!("{code:?} is not a census ethnicity code (for example WBRI, BCRB, REFU)"),
                );
            }
        }
        errors.into_result(())
    }
}

fn check_name(errors: &mut ValidationErrors, field: &'static str, what: &str, value: Option<&str>) {
    let required = !field.starts_with("preferred");
    match value.map(str::trim) {
        None | Some("") if required => errors.push(field, format!("Enter the pupil's {what}")),
        None | Some("") => {}
        Some(v) if v.chars().count() > 100 => errors.push(field, format!("The {what} must be 100 characters or fewer")),
        Some(v) if v.chars().any(char::is_control) => {
            errors.push(field, format!("The {what} contains a control character"))
        }
        Some(_) => {}
    }
}

/// A stored pupil, decrypted for a caller allowed to see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pupil {
    pub id: i64,
    pub record: NewPupil,
}

impl Pupil {
    /// The name to call the pupil by: preferred names where recorded.
    pub fn display_name(&self) -> String {
        let r = &self.record;
        let forename = r.preferred_forename.as_deref().unwrap_or(&r.legal_forename);
        let surname = r.preferred_surname.as_deref().unwrap_or(&r.legal_surname);
        format!("{forename} {surname}")
    }

    /// The national curriculum year group for the pupil's age in `year`.
    pub fn year_group(&self, year: AcademicYear) -> YearGroup {
        YearGroup::for_birth_date(self.record.date_of_birth, year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> NewPupil {
        NewPupil {
            upn: Upn::parse("B801200005001").unwrap(),
            legal_forename: "Amelia".into(),
            legal_surname: "Okafor".into(),
            preferred_forename: Some("Millie".into()),
            preferred_surname: None,
            date_of_birth: NaiveDate::from_ymd_opt(2011, 3, 14).unwrap(),
            sex: Sex::Female,
            fsm_eligible: true,
            sen: SenProvision::SenSupport,
            child_in_need: false,
            looked_after: false,
            ethnicity: Some("BAFR".into()),
        }
    }

    #[test]
    fn valid_pupil_and_display_name() {
        let today = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert!(sample().validate(today).is_ok());
        let p = Pupil { id: 1, record: sample() };
        assert_eq!(p.display_name(), "Millie Okafor");
        assert_eq!(p.year_group(AcademicYear(2023)).label(), "Year 8");
    }

    #[test]
    fn every_problem_named() {
        let today = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let bad = NewPupil {
            legal_forename: " ".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            ethnicity: Some("XXXX".into()),
            ..sample()
        };
        let errors = bad.validate(today).unwrap_err();
        assert!(errors.for_field("legal_forename").is_some());
        assert!(errors.for_field("date_of_birth").is_some());
        assert!(errors.for_field("ethnicity").is_some());
        assert_eq!(errors.0.len(), 3);
    }
}
