//! Every figure for every provision, school and LA over an in-memory LA-year of 60,000 pupils.
//! Ignored by default (it is a measurement); run with
//! `cargo test --release -p waymark-analytics --test scale -- --ignored --nocapture`.

use chrono::{Days, NaiveDate};
use std::time::Instant;
use waymark_analytics::figure::Status;
use waymark_analytics::holistic::every_figure;
use waymark_analytics::inputs::*;
use waymark_analytics::measures::{GroupBy, Scope};
use waymark_domain::instruments::SdqVersion;
use waymark_domain::{AcademicYear, Term};

/// A small deterministic generator (64-bit LCG), so the run is the same every time.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn la_year() -> Tables {
    let mut rng = Lcg(11);
    let day0 = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
    let mut t = Tables::default();
    for pupil in 0..60_000i64 {
        let school = 1_000 + pupil % 80;
        t.rolls.push(RollRow { pupil, setting: school, mainstream: true, start: day0, end: None });
        for (year, term) in [(2023, Term::Autumn), (2023, Term::Spring), (2023, Term::Summer)].into_iter().chain([
            (2024, Term::Autumn),
            (2024, Term::Spring),
            (2024, Term::Summer),
        ]) {
            let possible = 110 + rng.below(20) as u32;
            let attended = possible - rng.below(30) as u32;
            t.attendance.push(AttendanceTerm {
                pupil,
                setting: school,
                term: TermRef { year: AcademicYear(year), term },
                possible,
                attended,
            });
        }
        if rng.below(3) == 0 {
            t.incidents.push(IncidentRow { pupil, date: day0 + Days::new(rng.below(300)) });
        }
    }
    for id in 0..2_000i64 {
        let pupil = id * 29;
        let provision = 1 + id % 20;
        let start = day0 + Days::new(rng.below(120));
        let ended = rng.below(2) == 0;
        let end = ended.then(|| start + Days::new(60 + rng.below(90)));
        let outcome = match (ended, rng.below(3)) {
            (false, _) => PlacementOutcome::Ongoing,
            (true, 0) => PlacementOutcome::Other,
            _ => PlacementOutcome::ReturnedToMainstream,
        };
        let tier = 1 + (id % 3) as u8;
        let school = 1_000 + pupil % 80;
        t.placements.push(PlacementRow {
            id,
            pupil,
            provision,
            referring_school: Some(school),
            la: 202,
            tier,
            start,
            end,
            outcome,
        });
        t.waits.push(WaitRow { placement: id, referred: start - Days::new(rng.below(60)) });
        t.timetables.push(TimetableRow { placement: id, from: start, sessions_per_week: 4 + rng.below(7) as u8 });
        t.interventions.push(InterventionRow {
            placement: id,
            ended: true,
            sessions_planned: 10,
            sessions_attended: rng.below(11) as u32,
        });
        for k in 0..2u64 {
            let date = start + Days::new(1 + k * 50);
            t.assessments.push(AssessmentRow {
                pupil,
                setting: provision,
                instrument: Instrument::Sdq(SdqVersion::Teacher),
                date,
                score: rng.below(41) as f64,
            });
            t.assessments.push(AssessmentRow {
                pupil,
                setting: provision,
                instrument: Instrument::ReadingGap,
                date,
                score: -(rng.below(40) as f64),
            });
        }
        for day in 0..40 {
            t.checkins.push(CheckInRow {
                pupil,
                setting: provision,
                date: start + Days::new(day),
                rating: rng.below(5) as f64 + 1.0,
            });
        }
        t.ks4.push(Ks4Row {
            pupil,
            year: AcademicYear(2024),
            english_maths_4plus: rng.below(20) == 0,
            passes: rng.below(4) as u32,
        });
        t.destinations.push(DestinationRow { pupil, ks4_year: AcademicYear(2024), sustained: rng.below(2) == 0 });
    }
    t
}

#[test]
#[ignore]
fn every_figure_for_an_la_year() {
    let t = la_year();
    t.validate().unwrap();
    let as_of = NaiveDate::from_ymd_opt(2025, 8, 31).unwrap();
    let started = Instant::now();
    let mut figures = 0;
    let mut shown = 0;
    for by in [GroupBy::Provision, GroupBy::ReferringSchool, GroupBy::La] {
        for (_, f) in every_figure(&t, &Scope { by, as_of }) {
            figures += f.len();
            shown += f.values().filter(|f| f.status == Status::Shown).count();
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{figures} figures ({shown} shown) for 20 provisions, 80 schools and 1 LA from {} attendance rows and {} placements in {elapsed:?}",
        t.attendance.len(),
        t.placements.len()
    );
    assert_eq!(figures, 24 * (20 + 80 + 1));
    assert!(shown > 100, "a large LA has figures to show: {shown}");
}
