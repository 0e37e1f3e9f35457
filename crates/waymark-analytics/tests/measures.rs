//! The outcome and holistic measures on small hand-made tables: the worked value, no denominator,
//! one pupil, all suppressed, and a pupil who moves provision mid-term.

use chrono::NaiveDate;
use waymark_analytics::figure::{IntervalMethod, Status};
use waymark_analytics::holistic::*;
use waymark_analytics::inputs::*;
use waymark_analytics::measures::*;
use waymark_domain::instruments::SdqVersion;
use waymark_domain::AcademicYear;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const LA: u16 = 202;

fn placement(id: i64, pupil: i64, provision: i64, tier: u8, start: NaiveDate, end: Option<NaiveDate>) -> PlacementRow {
    PlacementRow {
        id,
        pupil,
        provision,
        referring_school: Some(1),
        la: LA,
        tier,
        start,
        end,
        outcome: if end.is_some() { PlacementOutcome::Other } else { PlacementOutcome::Ongoing },
    }
}

fn scope(by: GroupBy, as_of: NaiveDate) -> Scope {
    Scope { by, as_of }
}

fn roll(pupil: i64, setting: i64, start: NaiveDate, end: Option<NaiveDate>) -> RollRow {
    RollRow { pupil, setting, mainstream: true, start, end }
}

fn att(
    pupil: i64,
    setting: i64,
    year: i32,
    term: waymark_domain::Term,
    possible: u32,
    attended: u32,
) -> AttendanceTerm {
    AttendanceTerm { pupil, setting, term: TermRef { year: AcademicYear(year), term }, possible, attended }
}

#[test]
fn outreach_two_terms_after_support_began() {
    // 20 pupils given outreach by provision 100 from school 1 in autumn 2024; checked on the summer
    // 2025 census day (15 May 2025). Pupils 15 to 17 left school 1's roll in January; pupils 18 to
    // 20 were suspended in November. 14 of 20 retained.
    let mut t = Tables::default();
    for pupil in 1..=20 {
        t.placements.push(placement(pupil, pupil, 100, 1, d(2024, 9, 16), Some(d(2024, 12, 13))));
        let left = (15..=17).contains(&pupil).then(|| d(2025, 1, 31));
        t.rolls.push(roll(pupil, 1, d(2020, 9, 1), left));
        if pupil >= 18 {
            t.suspensions.push(SuspensionRow { pupil, start: d(2024, 11, 4) });
        }
    }
    // A suspension on the day support began is what led to it, not a suspension "again".
    t.suspensions.push(SuspensionRow { pupil: 1, start: d(2024, 9, 16) });
    // Support that began in June 2025 is checked in spring 2026, after the data ends: left out.
    t.placements.push(placement(21, 21, 100, 1, d(2025, 6, 2), None));
    // One pupil at another provision: shown as a count of one, suppressed.
    t.placements.push(placement(22, 22, 300, 1, d(2024, 9, 16), None));
    t.rolls.push(roll(22, 1, d(2020, 9, 1), None));
    // A provision with no tier 1 work: no data.
    t.placements.push(placement(23, 23, 200, 2, d(2024, 9, 16), None));
    t.validate().unwrap();

    let f = outreach(&t, &scope(GroupBy::Provision, d(2025, 8, 31)));
    let p100 = &f[&100];
    assert_eq!((p100.numerator, p100.denominator), (14.0, 20));
    assert_eq!(p100.status, Status::Shown);
    assert_eq!(p100.value, Some(0.7));
    assert_eq!(p100.definition.id, "outreach_retained");
    assert_eq!(p100.definition.version, 1);
    let i = p100.interval.unwrap();
    assert_eq!(i.method, IntervalMethod::Wilson);
    assert!(i.lower < 0.7 && i.upper > 0.7);
    assert_eq!((f[&300].status, f[&300].value), (Status::Suppressed, Some(1.0)), "one pupil");
    assert_eq!((f[&200].status, f[&200].value), (Status::NoData, None), "no denominator");

    // The same placements by referring school: every one came from school 1.
    let by_school = outreach(&t, &scope(GroupBy::ReferringSchool, d(2025, 8, 31)));
    assert_eq!(by_school[&1].numerator, 15.0);
    assert_eq!(by_school[&1].denominator, 21);
    // Earlier in the data, no check day has passed: no data anywhere.
    let early = outreach(&t, &scope(GroupBy::La, d(2025, 5, 14)));
    assert_eq!(early[&i64::from(LA)].status, Status::NoData);
}

/// Pupil 1 moves from provision 100 to provision 101 in January 2025. Baseline: 180 of 240
/// sessions at school 1 in spring (100/120) and summer (80/120) 2024, 75%. Provision 100 recorded 130/140 in autumn
/// and 20/20 in January (150/160, 93.75%); provision 101 recorded 80/100 in spring and 100/120 in
/// summer (180/220, 81.82%). Each provision is credited with its own sessions, both against the
/// baseline before the pupil's first placement.
fn moved_mid_term() -> Tables {
    use waymark_domain::Term::*;
    let mut t = Tables::default();
    let mut first = placement(1, 1, 100, 2, d(2024, 9, 2), Some(d(2025, 1, 20)));
    first.outcome = PlacementOutcome::MovedProvision;
    t.placements.push(first);
    let mut second = placement(2, 1, 101, 2, d(2025, 1, 21), Some(d(2025, 7, 18)));
    second.outcome = PlacementOutcome::ReturnedToMainstream;
    t.placements.push(second);
    t.attendance = vec![
        att(1, 1, 2023, Spring, 120, 100),
        att(1, 1, 2023, Summer, 120, 80), // alone, 66.7%: a baseline from the wrong terms shows
        att(1, 1, 2023, Autumn, 120, 10), // three terms before: outside the baseline
        att(1, 100, 2024, Autumn, 140, 130),
        att(1, 100, 2024, Spring, 20, 20),
        att(1, 101, 2024, Spring, 100, 80),
        att(1, 101, 2024, Summer, 120, 100),
    ];
    t
}

#[test]
fn attendance_of_a_pupil_who_moves_provision_mid_term() {
    let t = moved_mid_term();
    t.validate().unwrap();
    let s = scope(GroupBy::Provision, d(2025, 8, 31));
    let change = attendance_change(&t, &s);
    assert!((change[&100].value.unwrap() - 18.75).abs() < 1e-9, "{:?}", change[&100]);
    assert!((change[&101].value.unwrap() - (180.0 / 220.0 - 0.75) * 100.0).abs() < 1e-9, "{:?}", change[&101]);
    assert_eq!(change[&101].status, Status::Suppressed, "one pupil");
    assert_eq!(change[&101].interval, None, "no interval from one value");
    let improved = attendance_improved(&t, &s);
    assert_eq!((improved[&100].numerator, improved[&101].numerator), (1.0, 1.0));
    let pa = persistent_absence(&t, &s);
    assert_eq!((pa[&100].numerator, pa[&101].numerator), (0.0, 1.0), "81.8% is below 90%; 93.75% is not");

    // By LA both placements count: the mean change is over two placements.
    let la = attendance_change(&t, &scope(GroupBy::La, d(2025, 8, 31)));
    assert_eq!(la[&i64::from(LA)].denominator, 2);
    assert!((la[&i64::from(LA)].value.unwrap() - (18.75 + (180.0 / 220.0 - 0.75) * 100.0) / 2.0).abs() < 1e-9);

    // Reintegration is credited to the provision the pupil returned from; the move is not an
    // ending for provision 100.
    let r = reintegration(&t, &s);
    assert_eq!((r[&101].numerator, r[&101].denominator), (1.0, 1));
    assert_eq!(r[&100].status, Status::NoData);
}

#[test]
fn attendance_with_no_baseline_is_no_data() {
    let mut t = moved_mid_term();
    t.attendance.retain(|a| a.setting != 1);
    let s = scope(GroupBy::Provision, d(2025, 8, 31));
    assert_eq!(attendance_change(&t, &s)[&100].status, Status::NoData);
    assert_eq!(attendance_improved(&t, &s)[&101].status, Status::NoData);
    assert_eq!(persistent_absence(&t, &s)[&101].denominator, 1, "persistent absence needs no baseline");
}

#[test]
fn reintegration_and_whether_it_was_sustained() {
    use waymark_domain::Term::*;
    // 20 tier 2 placements at provision 100 ended in December 2024: 12 returned to mainstream,
    // 8 did not. The check is the summer 2025 census day (15 May 2025).
    let mut t = Tables::default();
    for pupil in 1..=20 {
        let mut p = placement(pupil, pupil, 100, 2, d(2024, 9, 2), Some(d(2024, 12, 13)));
        if pupil <= 12 {
            p.outcome = PlacementOutcome::ReturnedToMainstream;
        }
        t.placements.push(p);
    }
    // Of the 12: 1 to 8 attend 100/120 at school 2 (83%); 9 and 10 attend 90/120 (75%); 11 left
    // the roll in April; 12 is on roll with no attendance recorded.
    for pupil in 1..=12 {
        let left = (pupil == 11).then(|| d(2025, 4, 1));
        t.rolls.push(roll(pupil, 2, d(2025, 1, 6), left));
    }
    for pupil in 1..=10 {
        t.attendance.push(att(pupil, 2, 2024, Summer, 120, if pupil <= 8 { 100 } else { 90 }));
    }
    // A tier 2 placement still going, and a tier 3 one that ended: neither counts.
    t.placements.push(placement(21, 21, 100, 2, d(2024, 9, 2), None));
    t.placements.push(placement(22, 22, 100, 3, d(2024, 9, 2), Some(d(2024, 12, 13))));

    let s = scope(GroupBy::Provision, d(2025, 8, 31));
    let r = &reintegration(&t, &s)[&100];
    assert_eq!((r.numerator, r.denominator, r.status), (12.0, 20, Status::Shown));
    assert_eq!(r.value, Some(0.6));
    let sus = &reintegration_sustained(&t, &s)[&100];
    assert_eq!((sus.numerator, sus.denominator), (8.0, 12));
    assert_eq!(sus.status, Status::Suppressed, "12 − 8 = 4 not sustained would be a count under 6");
    // Before the check day the returns are not yet in the denominator.
    let early = &reintegration_sustained(&t, &scope(GroupBy::Provision, d(2025, 5, 1)))[&100];
    assert_eq!(early.status, Status::NoData);
}

#[test]
fn ks4_and_destinations_are_credited_where_ap_ended() {
    // Pupil 1 finished year 11 in 2023/24 after moving from provision 100 to 101 in January.
    let mut t = Tables::default();
    let mut first = placement(1, 1, 100, 3, d(2023, 9, 4), Some(d(2024, 1, 19)));
    first.outcome = PlacementOutcome::MovedProvision;
    let mut second = placement(2, 1, 101, 3, d(2024, 1, 22), Some(d(2024, 7, 19)));
    second.outcome = PlacementOutcome::Post16;
    t.placements = vec![first, second];
    t.ks4.push(Ks4Row { pupil: 1, year: AcademicYear(2023), english_maths_4plus: false, passes: 3 });
    t.destinations.push(DestinationRow { pupil: 1, ks4_year: AcademicYear(2023), sustained: true });
    let s = scope(GroupBy::Provision, d(2025, 8, 31));
    let em = ks4_english_maths(&t, &s);
    assert_eq!((em[&101].numerator, em[&101].denominator), (0.0, 1));
    assert_eq!(em[&100].status, Status::NoData);
    let any = ks4_any_pass(&t, &s);
    assert_eq!((any[&101].numerator, any[&101].denominator), (1.0, 1));
    let dest = post16_sustained(&t, &s);
    assert_eq!((dest[&101].numerator, dest[&100].denominator), (1.0, 0));
}

fn assessment(pupil: i64, setting: i64, instrument: Instrument, date: NaiveDate, score: f64) -> AssessmentRow {
    AssessmentRow { pupil, setting, instrument, date, score }
}

#[test]
fn progress_and_wellbeing_first_to_last() {
    let mut t = Tables::default();
    t.placements.push(placement(1, 1, 100, 2, d(2024, 9, 2), None));
    t.placements.push(placement(2, 2, 100, 2, d(2024, 9, 2), None));
    let teacher = Instrument::Sdq(SdqVersion::Teacher);
    t.assessments = vec![
        assessment(1, 100, Instrument::ReadingGap, d(2024, 9, 10), -30.0),
        assessment(1, 100, Instrument::ReadingGap, d(2025, 3, 10), -24.0),
        assessment(1, 100, Instrument::ReadingGap, d(2025, 6, 10), -18.0),
        assessment(1, 1, Instrument::ReadingGap, d(2025, 7, 1), 0.0), // at another setting
        assessment(2, 100, Instrument::ReadingGap, d(2024, 9, 10), -12.0), // one assessment only
        assessment(1, 100, teacher, d(2024, 9, 10), 20.0),            // very high (19–40)
        assessment(1, 100, teacher, d(2025, 6, 10), 14.0),            // slightly raised (12–15)
        assessment(1, 100, Instrument::Sdq(SdqVersion::Parent), d(2025, 6, 10), 30.0),
        assessment(2, 100, teacher, d(2024, 9, 10), 16.0), // high
        assessment(2, 100, teacher, d(2025, 6, 10), 18.0), // still high
        assessment(1, 100, Instrument::Swemwbs, d(2024, 9, 10), 17.43),
        assessment(1, 100, Instrument::Swemwbs, d(2025, 6, 10), 21.54),
    ];
    let s = scope(GroupBy::Provision, d(2025, 8, 31));
    let reading = &reading_progress(&t, &s)[&100];
    assert_eq!((reading.value, reading.denominator), (Some(12.0), 1));
    assert_eq!(maths_progress(&t, &s)[&100].status, Status::NoData);
    let sdq = &sdq_total_change(&t, &s, SdqVersion::Teacher)[&100];
    assert_eq!((sdq.value, sdq.denominator), (Some(-2.0), 2), "(−6 + 2) / 2");
    let band = &sdq_band_improved(&t, &s, SdqVersion::Teacher)[&100];
    assert_eq!((band.numerator, band.denominator), (1.0, 2));
    assert_eq!(sdq_total_change(&t, &s, SdqVersion::Parent)[&100].status, Status::NoData, "one parent form");
    let sw = &swemwbs_change(&t, &s)[&100];
    assert!((sw.value.unwrap() - 4.11).abs() < 1e-9);
}

#[test]
fn check_ins_incidents_waiting_timetables_interventions() {
    let mut t = Tables::default();
    t.placements.push(placement(1, 1, 100, 2, d(2025, 1, 1), None));
    t.placements.push(placement(2, 2, 100, 2, d(2025, 1, 1), None));
    // Ratings 1, 2, 3 a fortnight apart: 2 points per 28 days.
    for (day, rating) in [(1, 1.0), (15, 2.0), (29, 3.0)] {
        t.checkins.push(CheckInRow { pupil: 1, setting: 100, date: d(2025, 1, day), rating });
    }
    // 13 incidents in the 182 days before (2 per 28 days), 1 in the 28 days of placement so far.
    for i in 0..13 {
        t.incidents.push(IncidentRow { pupil: 1, date: d(2024, 8, 1) + chrono::Days::new(i * 10) });
    }
    t.incidents.push(IncidentRow { pupil: 1, date: d(2025, 1, 20) });
    t.waits.push(WaitRow { placement: 1, referred: d(2024, 12, 18) });
    // Pupil 1 on 5 sessions a week for 6 weeks, then full time; pupil 2 full time throughout.
    t.timetables.push(TimetableRow { placement: 1, from: d(2025, 1, 1), sessions_per_week: 5 });
    t.timetables.push(TimetableRow { placement: 1, from: d(2025, 2, 12), sessions_per_week: 10 });
    t.timetables.push(TimetableRow { placement: 2, from: d(2025, 1, 1), sessions_per_week: 10 });
    for (ended, planned, attended) in [(true, 10, 8), (true, 10, 5), (false, 10, 1), (true, 0, 0)] {
        t.interventions.push(InterventionRow {
            placement: 1,
            ended,
            sessions_planned: planned,
            sessions_attended: attended,
        });
    }
    t.validate().unwrap();
    let s = scope(GroupBy::Provision, d(2025, 1, 28));

    let trend = &checkin_trend(&t, &s)[&100];
    assert_eq!(trend.denominator, 1, "the check-in on 29 January is after the data ends: two points left");
    assert!((trend.value.unwrap() - 2.0).abs() < 1e-9);
    let incidents = &incidents_change(&t, &s)[&100];
    assert_eq!(incidents.denominator, 2);
    assert!((incidents.value.unwrap() - (-1.0 + 0.0) / 2.0).abs() < 1e-9, "{incidents:?}");
    assert_eq!(days_waited(&t, &s)[&100].value, Some(14.0));
    let pt = &part_time(&t, &s)[&100];
    assert_eq!((pt.numerator, pt.denominator), (1.0, 2));
    // As of 28 January the part-time spell has lasted 28 days; by the end of February, 6 weeks.
    assert_eq!(part_time_weeks(&t, &s)[&100].value, Some(4.0));
    let later = scope(GroupBy::Provision, d(2025, 2, 28));
    assert_eq!(part_time_weeks(&t, &later)[&100].value, Some(6.0));
    let iv = &interventions_completed(&t, &s)[&100];
    assert_eq!((iv.numerator, iv.denominator), (1.0, 2), "8 of 10 completes, 5 of 10 does not");
}

/// A tiny provision: every figure is suppressed or has no data; none is shown.
#[test]
fn a_small_provision_shows_nothing() {
    let mut t = moved_mid_term();
    t.placements.iter_mut().for_each(|p| p.provision = 100);
    t.attendance.iter_mut().filter(|a| a.setting == 101).for_each(|a| a.setting = 100);
    // Both forms in the second placement (after the move), so that placement has a change.
    t.assessments.push(assessment(1, 100, Instrument::Swemwbs, d(2025, 2, 10), 17.43));
    t.assessments.push(assessment(1, 100, Instrument::Swemwbs, d(2025, 6, 10), 21.54));
    let figures = every_figure(&t, &scope(GroupBy::Provision, d(2025, 8, 31)));
    assert_eq!(figures.len(), 24);
    let mut suppressed = 0;
    for (id, f) in &figures {
        let f = &f[&100];
        assert_ne!(f.status, Status::Shown, "{id}: {f:?}");
        assert_eq!(f.shown_value(), None, "{id}");
        suppressed += usize::from(f.status == Status::Suppressed);
    }
    assert!(suppressed >= 6, "attendance (3), reintegration, SWEMWBS and incidents have data: {suppressed}");
}

#[test]
fn no_placements_no_figures() {
    let t = Tables::default();
    for (id, f) in every_figure(&t, &scope(GroupBy::La, d(2025, 8, 31))) {
        assert!(f.is_empty(), "{id}");
    }
}

/// Every definition in the table is computed, and every figure names the definition it was
/// computed with.
#[test]
fn every_definition_is_computed_and_named() {
    use std::collections::BTreeSet;
    use waymark_analytics::definitions::{current, DEFINITIONS};
    let t = moved_mid_term();
    let figures = every_figure(&t, &scope(GroupBy::Provision, d(2025, 8, 31)));
    let mut computed = BTreeSet::new();
    for (label, f) in &figures {
        let id = label.split('/').next().unwrap();
        for figure in f.values() {
            assert_eq!(figure.definition.id, id, "{label}");
            assert_eq!(figure.definition.version, current(id).unwrap().version, "{label}");
        }
        computed.insert(id.to_string());
    }
    let defined: BTreeSet<String> = DEFINITIONS.iter().map(|d| d.id.to_string()).collect();
    assert_eq!(computed, defined);
}
