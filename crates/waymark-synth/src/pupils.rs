//! Pupils: first their characteristics (drawn from [`crate::composition`], all the calibrated
//! path needs), then their identity (UPN, name, date of birth, ethnicity), drawn from a
//! separate random stream so the fast calibration path and the full output agree.

use crate::composition;
use crate::random::{lognormal_mean_one, pick, rng_for, Stream};
use crate::schools::School;
use crate::targets::{Phase, SenKey, SexKey};
use chrono::{Duration, NaiveDate};
use rand::Rng;
use std::collections::BTreeMap;
use waymark_domain::{SenProvision, Sex, Upn};

/// What the risk model and the attendance model need to know about a pupil.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// The school whose census roll the pupil is on (index into the LA's schools).
    pub school: u32,
    pub phase: Phase,
    pub sex: SexKey,
    /// National curriculum year group (-1 nursery .. 14).
    pub year: i8,
    pub fsm: bool,
    pub sen: SenKey,
    pub cin: bool,
    pub cla: bool,
    /// Unobserved behaviour propensity, mean 1, shared by exclusion and suspension risk.
    pub behaviour: f32,
    /// Unobserved absence propensity, mean 1.
    pub absence: f32,
}

/// A pupil's identity as written to `pupils.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub upn: Upn,
    pub given: &'static str,
    pub family: &'static str,
    pub dob: NaiveDate,
    pub ethnicity: &'static str,
}

/// Draw the characteristics of every pupil on roll at the census: each school's roll, in school
/// order, so the headcount by school type equals the published headcount.
pub fn draw_traits(schools: &[School], seed: u64, la: u16, year: i32) -> Vec<Traits> {
    let mut rng = rng_for(seed, la, year, Stream::Characteristics);
    let mut out = Vec::with_capacity(schools.iter().map(|s| s.roll as usize).sum());
    for school in schools {
        let Some(phase) = school.phase else { continue };
        for _ in 0..school.roll {
            out.push(draw_one(&mut rng, school.id, phase));
        }
    }
    out
}

/// One pupil of a phase (also used for in-year joiners).
pub fn draw_one(rng: &mut impl Rng, school: u32, phase: Phase) -> Traits {
    let sex = if rng.gen_bool(composition::p_male(phase)) { SexKey::Male } else { SexKey::Female };
    let years: Vec<(i8, f64)> = composition::year_weights(phase).to_vec();
    let year = *pick(rng, &years);
    let fsm = rng.gen_bool(composition::p_fsm(phase));
    let p = composition::p_sen(phase, sex, fsm);
    let u: f64 = rng.gen();
    let sen = if u < p[0] {
        SenKey::None
    } else if u < p[0] + p[1] {
        SenKey::Support
    } else {
        SenKey::Ehc
    };
    let social: f64 = if fsm { 3.0 } else { 0.6 } * if sen != SenKey::None { 1.8 } else { 1.0 };
    let cin = rng.gen_bool((0.025 * social).min(0.5));
    let cla = rng.gen_bool((0.004 * social).min(0.2));
    let behaviour = lognormal_mean_one(rng, 0.7) as f32;
    let absence = lognormal_mean_one(rng, 1.0) as f32;
    Traits { school, phase, sex, year, fsm, sen, cin, cla, behaviour, absence }
}

impl Traits {
    pub fn sex(&self) -> Sex {
        match self.sex {
            SexKey::Male => Sex::Male,
            SexKey::Female => Sex::Female,
        }
    }

    pub fn sen_provision(&self) -> SenProvision {
        match self.sen {
            SenKey::None => SenProvision::None,
            SenKey::Support => SenProvision::SenSupport,
            SenKey::Ehc => SenProvision::EhcPlan,
        }
    }
}

const GIVEN_F: &[&str] = &[
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Willow",
    "Florence",
    "Emily",
    "Ella",
    "Poppy",
    "Evie",
    "Elsie",
    "Charlotte",
    "Aisha",
    "Zara",
    "Maryam",
    "Amira",
];
const GIVEN_M: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore",
    "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo", "Ibrahim", "Kai", "Joshua",
    "Ethan",
];
const FAMILY: &[&str] = &[
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris",
    "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
    "Khan", "Ahmed", "Ali", "Begum", "Okafor", "Nowak", "Kowalski", "Campbell",
];

/// School census ethnicity codes with rough national shares of pupils.
const ETHNICITY: &[(&str, f64)] = &[
    ("WBRI", 66.0),
    ("WIRI", 0.3),
    ("WIRT", 0.1),
    ("WROM", 0.3),
    ("WOTH", 6.0),
    ("MWBC", 1.5),
    ("MWBA", 0.8),
    ("MWAS", 1.5),
    ("MOTH", 2.0),
    ("AIND", 3.0),
    ("APKN", 4.0),
    ("ABAN", 1.7),
    ("AOTH", 1.7),
    ("BCRB", 1.2),
    ("BAFR", 4.0),
    ("BOTH", 0.8),
    ("CHNE", 0.4),
    ("OOTH", 1.8),
    ("REFU", 1.0),
    ("NOBT", 0.6),
];

/// Issues UPNs: LA number, the school's establishment number, the year the pupil started school
/// and a serial per school and start year, so they are unique within the LA.
#[derive(Debug, Default)]
pub struct UpnIssuer {
    next: BTreeMap<(u16, u16), u16>,
}

impl UpnIssuer {
    pub fn issue(&mut self, la: u16, estab: u16, entry_year: i32) -> Upn {
        let yy = entry_year.rem_euclid(100) as u16;
        let serial = self.next.entry((estab, yy)).or_insert(0);
        // Schools never admit 1,000 pupils in one cohort; wrap into the next issue year if so.
        let (yy, s) = ((yy + *serial / 1000) % 100, *serial % 1000);
        *serial += 1;
        Upn::from_body(&format!("{la:03}{estab:04}{yy:02}{s:03}")).expect("a well-formed UPN body")
    }
}

/// Draw a pupil's identity.
pub fn draw_identity(
    rng: &mut impl Rng,
    issuer: &mut UpnIssuer,
    la: u16,
    school: &School,
    t: &Traits,
    year: i32,
) -> Identity {
    let given = match t.sex {
        SexKey::Female => GIVEN_F[rng.gen_range(0..GIVEN_F.len())],
        SexKey::Male => GIVEN_M[rng.gen_range(0..GIVEN_M.len())],
    };
    let family = FAMILY[rng.gen_range(0..FAMILY.len())];
    // Year group = age on 31 August before the year starts, minus 4.
    let born_from = NaiveDate::from_ymd_opt(year - 5 - i32::from(t.year), 9, 1).expect("valid date");
    let dob = born_from + Duration::days(rng.gen_range(0..365));
    let ethnicity = *pick(rng, ETHNICITY);
    let entry_year = year - i32::from(t.year.max(0));
    let upn = issuer.issue(la, school.estab, entry_year);
    Identity { upn, given, family, dob, ethnicity }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_domain::{AcademicYear, YearGroup};

    #[test]
    fn date_of_birth_matches_year_group() {
        let school = School {
            id: 0,
            urn: 100_000,
            estab: 2000,
            name: "x".into(),
            kind: waymark_domain::SettingKind::Mainstream,
            phase: Some(Phase::Primary),
            roll: 1,
            parent: None,
        };
        let mut rng = rng_for(1, 886, 2016, Stream::Identity);
        let mut issuer = UpnIssuer::default();
        for _ in 0..500 {
            let t = draw_one(&mut rng, 0, Phase::Secondary);
            let id = draw_identity(&mut rng, &mut issuer, 886, &school, &t, 2016);
            assert_eq!(YearGroup::for_birth_date(id.dob, AcademicYear(2016)), YearGroup(t.year));
        }
    }
}
