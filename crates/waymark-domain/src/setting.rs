//! Settings: the schools and provisions pupils are enrolled at.

use crate::error::ValidationErrors;
use crate::la::LocalAuthority;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of setting this is (DOMAIN.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKind {
    Mainstream,
    Special,
    PupilReferralUnit,
    ApAcademy,
    ApFreeSchool,
    IndependentAp,
    UnregisteredAp,
    /// An in-school unit: its pupils stay on its school's roll.
    InternalApUnit,
}

impl SettingKind {
    pub const ALL: [SettingKind; 8] = [
        SettingKind::Mainstream,
        SettingKind::Special,
        SettingKind::PupilReferralUnit,
        SettingKind::ApAcademy,
        SettingKind::ApFreeSchool,
        SettingKind::IndependentAp,
        SettingKind::UnregisteredAp,
        SettingKind::InternalApUnit,
    ];

    /// The stable code used in storage and files.
    pub fn code(self) -> &'static str {
        match self {
            SettingKind::Mainstream => "mainstream",
            SettingKind::Special => "special",
            SettingKind::PupilReferralUnit => "pupil_referral_unit",
            SettingKind::ApAcademy => "ap_academy",
            SettingKind::ApFreeSchool => "ap_free_school",
            SettingKind::IndependentAp => "independent_ap",
            SettingKind::UnregisteredAp => "unregistered_ap",
            SettingKind::InternalApUnit => "internal_ap_unit",
        }
    }

    pub fn from_code(code: &str) -> Option<SettingKind> {
        SettingKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            SettingKind::Mainstream => "Mainstream school",
            SettingKind::Special => "Special school",
            SettingKind::PupilReferralUnit => "Pupil referral unit",
            SettingKind::ApAcademy => "AP academy",
            SettingKind::ApFreeSchool => "AP free school",
            SettingKind::IndependentAp => "Independent AP",
            SettingKind::UnregisteredAp => "Unregistered AP",
            SettingKind::InternalApUnit => "Internal AP unit",
        }
    }

    /// Whether this is alternative provision of any kind.
    pub fn is_ap(self) -> bool {
        !matches!(self, SettingKind::Mainstream | SettingKind::Special)
    }

    /// Registered schools have a URN; unregistered AP and internal units do not have their own.
    pub fn has_own_urn(self) -> bool {
        !matches!(self, SettingKind::UnregisteredAp | SettingKind::InternalApUnit)
    }
}

impl fmt::Display for SettingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A URN: the 6-digit establishment id from Get Information About Schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Urn(u32);

impl Urn {
    pub fn parse(text: &str) -> Result<Urn, String> {
        let t = text.trim();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0') {
            Ok(Urn(t.parse().expect("digits")))
        } else {
            Err(format!("a URN is 6 digits, such as 100000; found {text:?}"))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A setting to be created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSetting {
    pub name: String,
    pub urn: Option<Urn>,
    pub kind: SettingKind,
    /// DfE 3-digit LA number.
    pub la_number: u16,
    /// For an internal AP unit: the school it belongs to.
    pub parent_id: Option<i64>,
}

impl NewSetting {
    /// Check the rules that need no other records (the store checks that a parent exists and
    /// is a school in the same LA).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("name", "Enter the setting's name");
        } else if name.chars().count() > 200 {
            errors.push("name", "A setting's name must be 200 characters or fewer");
        }
        match LocalAuthority::by_number(self.la_number) {
            None => errors.push("la", format!("{:03} is not a DfE LA number", self.la_number)),
            Some(la) if la.ons_code.is_empty() => errors.push(
                "la",
                format!("{} ({:03}) was abolished before ONS codes; choose a current LA", la.name, la.number),
            ),
            Some(_) => {}
        }
        if self.urn.is_some() && !self.kind.has_own_urn() {
            errors.push(
                "urn",
                format!("{} does not have a URN of its own; leave the URN blank", self.kind.label().to_lowercase()),
            );
        }
        match (self.kind, self.parent_id) {
            (SettingKind::InternalApUnit, None) => {
                errors.push("parent", "An internal AP unit belongs to a school: choose its school")
            }
            (SettingKind::InternalApUnit, Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.push("parent", "Only an internal AP unit belongs to another setting"),
        }
        errors.into_result(())
    }
}

/// A stored setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub id: i64,
    pub name: String,
    pub urn: Option<Urn>,
    pub kind: SettingKind,
    pub la: LocalAuthority,
    pub parent_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> NewSetting {
        NewSetting {
            name: "The Bridge".into(),
            urn: None,
            kind: SettingKind::InternalApUnit,
            la_number: 202,
            parent_id: Some(1),
        }
    }

    #[test]
    fn internal_unit_needs_a_school_and_no_urn() {
        assert!(unit().validate().is_ok());
        let orphan = NewSetting { parent_id: None, ..unit() };
        assert!(orphan.validate().unwrap_err().for_field("parent").is_some());
        let with_urn = NewSetting { urn: Some(Urn::parse("100001").unwrap()), ..unit() };
        assert!(with_urn.validate().unwrap_err().for_field("urn").is_some());
        let school_with_parent = NewSetting { kind: SettingKind::Mainstream, ..unit() };
        assert!(school_with_parent.validate().is_err());
    }

    #[test]
    fn urn_and_la_checked() {
        assert!(Urn::parse("12345").is_err());
        assert!(Urn::parse("012345").is_err());
        let bad_la = NewSetting { la_number: 999, kind: SettingKind::Mainstream, parent_id: None, ..unit() };
        assert!(bad_la.validate().unwrap_err().for_field("la").unwrap().contains("999"));
        for kind in SettingKind::ALL {
            assert_eq!(SettingKind::from_code(kind.code()), Some(kind));
        }
    }
}
