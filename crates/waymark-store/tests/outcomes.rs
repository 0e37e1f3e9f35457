//! The tables the outcome measures read, loaded from the store for the placements a caller may
//! see; on SQLite and PostgreSQL.

use chrono::NaiveDate;
use waymark_analytics::figure::Status;
use waymark_analytics::inputs::{PlacementOutcome, TermRef};
use waymark_analytics::measures::{self, GroupBy, Scope};
use waymark_domain::{AcademicYear, Term};
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Caller, Role};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

both_backends!(outcome_tables_scoped);

async fn exec(db: &TestDb, sql: &str) {
    db.store.raw_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Pupil 0 (Ash Grove Academy, LA 202) is referred to Camden PRU and returns in December;
/// pupil 3 (Greenwich High, LA 203) is referred to Camden PRU and is still there.
async fn placements(db: &TestDb, w: &World) -> (i64, i64) {
    let (p0, p3) = (w.pupils[0].0, w.pupils[3].0);
    let (school, pru, greenwich) = (w.school_a, w.school_a2, w.school_b);
    exec(db, &format!(
        "INSERT INTO referrals (id, la_number, pupil_id, from_setting_id, to_setting_id, source_id, referral_date, reason, tier_requested) VALUES \
         (901, 202, {p0}, {school}, {pru}, 'r1', '2024-08-20', 'disruption', 2), \
         (902, 203, {p3}, {greenwich}, {pru}, 'r2', '2024-10-01', 'disruption', 3)"
    )).await;
    exec(db, &format!(
        "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, referral_id, tier, start_date, end_date, outcome) VALUES \
         (801, 202, {p0}, {pru}, 'p1', 901, 2, '2024-09-09', '2024-12-13', 'reintegrated'), \
         (802, 203, {p3}, {pru}, 'p2', 902, 3, '2024-10-14', NULL, NULL)"
    )).await;
    exec(
        db,
        &format!(
            "INSERT INTO enrolments (pupil_id, setting_id, start_date, end_date, registration, la_number) VALUES \
         ({p0}, {pru}, '2024-09-09', '2024-12-13', 'S', 202)"
        ),
    )
    .await;
    // Baseline at the school (8 of 10, one session not possible), then 9 of 10 at the PRU.
    exec(
        db,
        &format!(
            "INSERT INTO attendance (la_number, enrolment_id, pupil_id, setting_id, academic_year, term, marks) \
         SELECT 202, e.id, e.pupil_id, e.setting_id, 2023, 'summer', '////////OOZ' FROM enrolments e \
         WHERE e.pupil_id = {p0} AND e.setting_id = {school}"
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO attendance (la_number, enrolment_id, pupil_id, setting_id, academic_year, term, marks) \
         SELECT 202, e.id, e.pupil_id, e.setting_id, 2024, 'autumn', '/////////O' FROM enrolments e \
         WHERE e.pupil_id = {p0} AND e.setting_id = {pru}"
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO attendance (la_number, enrolment_id, pupil_id, setting_id, academic_year, term, marks) \
         SELECT 203, e.id, e.pupil_id, e.setting_id, 2024, 'autumn', '//////////' FROM enrolments e \
         WHERE e.pupil_id = {p3} AND e.setting_id = {greenwich}"
        ),
    )
    .await;
    exec(
        db,
        "INSERT INTO timetable_steps (la_number, placement_id, from_date, ap_sessions, mainstream_sessions) VALUES \
         (202, 801, '2024-09-09', 4, 2), (202, 801, '2024-10-07', 6, 4)",
    )
    .await;
    exec(db, &format!(
        "INSERT INTO incidents (la_number, pupil_id, setting_id, source_id, incident_date, kind, severity, outcome) VALUES \
         (202, {p0}, {school}, 'i1', '2024-06-03', 'disruption', 2, 'detention'), \
         (202, {p0}, {pru}, 'i2', '2025-03-03', 'disruption', 2, 'none')"
    )).await;
    exec(db, &format!(
        "INSERT INTO suspensions (la_number, pupil_id, setting_id, source_id, category, start_date, length_days, reason_1) VALUES \
         (202, {p0}, {school}, 's1', 'suspension', '2024-06-10', 2, 'PP')"
    )).await;
    (p0, p3)
}

async fn outcome_tables_scoped(db: &TestDb) {
    let w = World::build(&db.store).await;
    let (p0, p3) = placements(db, &w).await;
    let as_of = d(2025, 1, 31);

    let all = db.store.outcome_tables(&caller(Role::Admin), as_of).await.unwrap();
    assert_eq!(all.placements.len(), 2);
    let returned = &all.placements[0];
    assert_eq!((returned.id, returned.pupil, returned.provision), (801, p0, w.school_a2));
    assert_eq!(returned.referring_school, Some(w.school_a));
    assert_eq!((returned.la, returned.tier, returned.end), (202, 2, Some(d(2024, 12, 13))));
    assert_eq!(returned.outcome, PlacementOutcome::ReturnedToMainstream);
    assert_eq!(all.placements[1].outcome, PlacementOutcome::Ongoing);
    assert_eq!(all.placements[1].end, None);
    assert_eq!(all.waits.len(), 2);
    assert!(all.waits.iter().any(|w| w.placement == 801 && w.referred == d(2024, 8, 20)));

    let term = |y, t| TermRef { year: AcademicYear(y), term: t };
    let mut att: Vec<_> = all.attendance.iter().map(|a| (a.pupil, a.setting, a.term, a.attended, a.possible)).collect();
    att.sort_by_key(|a| (a.0, a.2, a.1));
    assert_eq!(
        att,
        vec![
            (p0, w.school_a, term(2023, Term::Summer), 8, 10),
            (p0, w.school_a2, term(2024, Term::Autumn), 9, 10),
            (p3, w.school_b, term(2024, Term::Autumn), 10, 10),
        ]
    );
    let school_roll = all.rolls.iter().find(|r| r.pupil == p0 && r.setting == w.school_a).unwrap();
    assert!(school_roll.mainstream);
    let pru_roll = all.rolls.iter().find(|r| r.pupil == p0 && r.setting == w.school_a2).unwrap();
    assert!(!pru_roll.mainstream);
    assert_eq!(pru_roll.end, Some(d(2024, 12, 13)));
    let mut steps: Vec<_> = all.timetables.iter().map(|s| (s.placement, s.from, s.sessions_per_week)).collect();
    steps.sort();
    assert_eq!(steps, vec![(801, d(2024, 9, 9), 6), (801, d(2024, 10, 7), 10)]);
    // The incident after the as-of day is not yet part of the data.
    assert_eq!(all.incidents.len(), 1);
    assert_eq!(all.suspensions.len(), 1);

    // The measures run on what was loaded: one return of one, suppressed as a count under 6.
    let scope = Scope { by: GroupBy::Provision, as_of };
    let reint = measures::reintegration(&all, &scope);
    let pru = &reint[&w.school_a2];
    assert_eq!((pru.numerator, pru.denominator, pru.status), (1.0, 1, Status::Suppressed));
    let improved = measures::attendance_improved(&all, &scope);
    assert_eq!(improved[&w.school_a2].numerator, 1.0, "90% at the PRU against 80% before");

    // As of a day inside the first placement, it has not ended; before it started, it is not there.
    let early = db.store.outcome_tables(&caller(Role::Admin), d(2024, 10, 1)).await.unwrap();
    assert_eq!(early.placements.len(), 1);
    assert_eq!((early.placements[0].end, early.placements[0].outcome), (None, PlacementOutcome::Ongoing));
    assert_eq!(early.timetables.len(), 1);

    // Scope: the provision and LA A see both (the PRU holds them); Greenwich High sees only the
    // pupil it referred, and none of the other pupil's rows; the public sees nothing.
    for role in [Role::Setting(w.school_a2), Role::La(w.la_a)] {
        let t = db.store.outcome_tables(&caller(role), as_of).await.unwrap();
        assert_eq!(t.placements.len(), 2, "{role}");
    }
    let school = db.store.outcome_tables(&caller(Role::Setting(w.school_a)), as_of).await.unwrap();
    assert_eq!(school.placements.iter().map(|p| p.id).collect::<Vec<_>>(), vec![801]);
    let greenwich = db.store.outcome_tables(&caller(Role::Setting(w.school_b)), as_of).await.unwrap();
    assert_eq!(greenwich.placements.iter().map(|p| p.id).collect::<Vec<_>>(), vec![802]);
    assert!(greenwich.attendance.iter().all(|a| a.pupil == p3), "no rows of pupils it cannot see");
    assert!(greenwich.incidents.is_empty() && greenwich.suspensions.is_empty() && greenwich.timetables.is_empty());
    for role in [Role::Public, Role::La(204), Role::Setting(w.unit_a)] {
        let t = db.store.outcome_tables(&caller(role), as_of).await.unwrap();
        assert!(t.placements.is_empty() && t.attendance.is_empty() && t.rolls.is_empty(), "{role}");
    }

    let log = db.store.list_audit(&Caller::system("test"), 1000, 0).await.unwrap();
    assert!(log.iter().filter(|e| e.action == "outcomes.load").count() >= 8, "every load audited");
}
