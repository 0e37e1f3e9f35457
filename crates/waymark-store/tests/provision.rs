//! Running a provision: referrals and their workflow, the waiting list, placements with hybrid
//! timetables and reintegration, groups and capacity; on SQLite and PostgreSQL.

use chrono::NaiveDate;
use waymark_domain::*;
use waymark_store::testing::{TestDb, World};
use waymark_store::{
    both_backends, Caller, NewGroup, NewPlacement, NewReferral, PlacementOutcome, ReferralStatus, Role, Step,
    StoreError,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

/// The field a refusal names, or a panic if it was not a refusal with reasons.
fn refused(result: Result<impl std::fmt::Debug, StoreError>) -> Vec<&'static str> {
    match result {
        Err(StoreError::Invalid(e)) => e.0.iter().map(|f| f.field).collect(),
        other => panic!("expected a refusal with reasons, got {other:?}"),
    }
}

/// Another pupil on the roll of `setting`, with surname `surname`.
async fn pupil_at(db: &TestDb, setting: i64, i: u32, surname: &str) -> i64 {
    let pupil = NewPupil {
        upn: Upn::from_body(&format!("2021200243{i:02}")).unwrap(),
        legal_forename: format!("Extra{i}"),
        legal_surname: surname.into(),
        preferred_forename: None,
        preferred_surname: None,
        date_of_birth: d(2010, 4, 1 + i),
        sex: Sex::Female,
        fsm_eligible: false,
        sen: SenProvision::None,
        child_in_need: false,
        looked_after: false,
        ethnicity: None,
    };
    let first = NewEnrolment {
        pupil_id: 0,
        setting_id: setting,
        start: d(2023, 9, 1),
        end: None,
        registration: RegistrationType::Single,
        leaving_reason: None,
    };
    db.store.create_pupil(&Caller::system("test"), &pupil, &first, d(2024, 1, 10)).await.unwrap()
}

fn referral(pupil: i64, from: i64, to: i64, priority: i64, token: &str) -> NewReferral {
    NewReferral {
        pupil_id: pupil,
        from_setting_id: from,
        to_setting_id: to,
        reason: "Persistent disruption and rising absence".into(),
        needs: "Social, emotional and mental health".into(),
        tried: "Mentoring, a reduced timetable for two weeks".into(),
        tier_requested: 2,
        priority,
        token: token.into(),
    }
}

both_backends!(
    referral_workflow,
    placements_and_reintegration,
    groups_and_capacity,
    assessments_scored,
    daily_checkins,
    interventions_recorded,
    placed_again_the_day_the_last_placement_ended,
    placed_with_no_home_school,
    reading_and_custom_scales,
    setting_overview_scoped
);

async fn referral_workflow(db: &TestDb) {
    let w = World::build(&db.store).await;
    let school = caller(Role::Setting(w.school_a));
    let pru = caller(Role::Setting(w.school_a2));
    let other = caller(Role::Setting(w.school_b));
    let pupil = w.pupils[0].0;
    let today = d(2024, 1, 10);

    // Where from and to: the school itself; the PRU in its LA and its own internal unit.
    let (from, to) = db.store.referral_options(&school, pupil, today).await.unwrap();
    assert_eq!(from, vec![(w.school_a, "Ash Grove Academy".to_string())]);
    let to_ids: Vec<i64> = to.iter().map(|t| t.0).collect();
    assert_eq!(to_ids, vec![w.unit_a, w.school_a2]);

    let id = db
        .store
        .submit_referral(&school, &referral(pupil, w.school_a, w.school_a2, 3, "tokenAAAAAAAAAAAAAAAA1"), today)
        .await
        .unwrap();
    // The same form sent twice makes one referral.
    let again = db
        .store
        .submit_referral(&school, &referral(pupil, w.school_a, w.school_a2, 3, "tokenAAAAAAAAAAAAAAAA1"), today)
        .await
        .unwrap();
    assert_eq!(again, id);
    let waiting = db.store.waiting_list(&pru, w.school_a2, today).await.unwrap();
    assert_eq!(waiting.len(), 1, "one referral after a double submission");

    // A pupil outside the referrer's scope is not found; a mainstream school is no provision;
    // another school's unit takes none of this school's pupils.
    let outside = referral(w.pupils[3].0, w.school_a, w.school_a2, 3, "tokenBBBBBBBBBBBBBBBB1");
    assert!(matches!(db.store.submit_referral(&school, &outside, today).await, Err(StoreError::NotFound)));
    let outside = referral(w.pupils[3].0, w.school_b, w.school_a2, 3, "tokenBBBBBBBBBBBBBBBB2");
    assert!(matches!(db.store.submit_referral(&school, &outside, today).await, Err(StoreError::NotFound)));
    let mainstream = referral(pupil, w.school_a, w.school_b, 3, "tokenCCCCCCCCCCCCCCCC1");
    assert_eq!(refused(db.store.submit_referral(&school, &mainstream, today).await), vec!["to_setting_id"]);
    let mut blank = referral(pupil, w.school_a, w.school_a2, 7, "short");
    blank.reason = " ".into();
    assert_eq!(refused(db.store.submit_referral(&school, &blank, today).await), vec!["reason", "priority", "token"]);

    // The summary was taken from the record and both sides see the referral; others do not.
    let view = db.store.referral(&pru, id).await.unwrap();
    assert_eq!((view.status, view.provision_side, view.referrer_side), (ReferralStatus::Submitted, true, false));
    assert!(view.pupil_name.contains("Adeyemi"));
    assert!(db.store.referral(&school, id).await.unwrap().referrer_side);
    assert!(matches!(db.store.referral(&other, id).await, Err(StoreError::NotFound)));

    // The workflow: no skipping to an offer, no placing by hand, a reason for declining.
    assert_eq!(refused(db.store.move_referral(&pru, id, ReferralStatus::Offered, "").await), vec!["status"]);
    assert_eq!(refused(db.store.move_referral(&pru, id, ReferralStatus::Placed, "").await), vec!["status"]);
    // The referrer cannot assess at the provision; the provision cannot withdraw the referral.
    assert!(matches!(
        db.store.move_referral(&school, id, ReferralStatus::UnderAssessment, "").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store.move_referral(&pru, id, ReferralStatus::Withdrawn, "x").await,
        Err(StoreError::NotFound)
    ));
    db.store.move_referral(&pru, id, ReferralStatus::UnderAssessment, "Visit booked").await.unwrap();
    db.store.move_referral(&pru, id, ReferralStatus::Waiting, "").await.unwrap();
    assert_eq!(refused(db.store.move_referral(&pru, id, ReferralStatus::Declined, " ").await), vec!["reason"]);
    let view = db.store.referral(&school, id).await.unwrap();
    let steps: Vec<(&str, &str)> = view.events.iter().map(|e| (e.status.as_str(), e.actor.as_str())).collect();
    let (s, p) = (school.actor.as_str(), pru.actor.as_str());
    assert_eq!(steps, vec![("submitted", s), ("under_assessment", p), ("waiting", p)]);
    assert_eq!(view.events[1].reason, "Visit booked");

    // The waiting list: priority first, then the longest wait.
    let p2 = pupil_at(db, w.school_a, 1, "Foster").await;
    let p3 = pupil_at(db, w.school_a, 2, "Gill").await;
    let older = db
        .store
        .submit_referral(&school, &referral(p2, w.school_a, w.school_a2, 3, "tokenDDDDDDDDDDDDDDDD1"), d(2023, 12, 1))
        .await
        .unwrap();
    let urgent = db
        .store
        .submit_referral(&school, &referral(p3, w.school_a, w.school_a2, 1, "tokenEEEEEEEEEEEEEEEE1"), today)
        .await
        .unwrap();
    let list = db.store.waiting_list(&pru, w.school_a2, today).await.unwrap();
    let order: Vec<(i64, i64)> = list.iter().map(|e| (e.referral_id, e.days_waiting)).collect();
    assert_eq!(order, vec![(urgent, 0), (older, 40), (id, 0)]);
    assert!(matches!(db.store.waiting_list(&other, w.school_a2, today).await, Err(StoreError::NotFound)));

    // Withdrawn by the referrer with a reason: off the list, and final.
    db.store.move_referral(&school, older, ReferralStatus::Withdrawn, "Family moved away").await.unwrap();
    assert_eq!(db.store.waiting_list(&pru, w.school_a2, today).await.unwrap().len(), 2);
    assert_eq!(refused(db.store.move_referral(&pru, older, ReferralStatus::Offered, "").await), vec!["status"]);

    let log = db.store.list_audit(&Caller::system("test"), 1000, 0).await.unwrap();
    for action in ["referral.create", "referral.status", "referral.view", "waiting_list.view"] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

/// The journey's one read gives exactly what each part's own read gives the same caller: the
/// file, the referrals and placements (with events, steps and targets), the assessments and the
/// check-in trend.
async fn journey_matches_its_parts(db: &TestDb, who: &Caller, pupil: i64) -> waymark_store::journey::Journey {
    let journey = db.store.pupil_journey(who, pupil).await.unwrap();
    let file = db.store.pupil_file(who, pupil).await.unwrap();
    assert_eq!((&journey.pupil, &journey.enrolments), (&file.pupil, &file.enrolments));
    // The dated records as the file has them; attendance, placements and assessments come from
    // their own views (below), not read twice.
    let dated =
        waymark_store::PupilRecords { attendance: vec![], placements: vec![], assessments: vec![], ..file.records };
    assert_eq!(journey.records, dated);
    let (referrals, placements) = db.store.pupil_provision(who, pupil).await.unwrap();
    assert_eq!(journey.referrals, referrals);
    assert_eq!(journey.placements, placements);
    assert_eq!(journey.assessments, db.store.scored_assessments(who, pupil).await.unwrap());
    assert_eq!(journey.trend, db.store.checkin_trend(who, pupil).await.unwrap());
    journey
}

fn placement(referral: Option<i64>, pupil: i64, setting: i64, token: &str) -> NewPlacement {
    NewPlacement {
        referral_id: referral,
        pupil_id: pupil,
        setting_id: setting,
        tier: 2,
        start: d(2024, 1, 15),
        review: Some(d(2024, 2, 12)),
        planned_end: Some(d(2024, 4, 26)),
        commissioner: "Ash Grove Academy".into(),
        weekly_cost_pence: Some(45_000),
        ap_sessions: 6,
        mainstream_sessions: 2,
        mainstream_subjects: "Maths, PE".into(),
        group_id: None,
        over_limit_reason: String::new(),
        token: token.into(),
    }
}

async fn placements_and_reintegration(db: &TestDb) {
    let w = World::build(&db.store).await;
    let school = caller(Role::Setting(w.school_a));
    let pru = caller(Role::Setting(w.school_a2));
    let other = caller(Role::Setting(w.school_b));
    let pupil = w.pupils[0].0;
    let today = d(2024, 1, 10);
    let id = db
        .store
        .submit_referral(&school, &referral(pupil, w.school_a, w.school_a2, 2, "tokenAAAAAAAAAAAAAAAA2"), today)
        .await
        .unwrap();
    db.store.move_referral(&pru, id, ReferralStatus::UnderAssessment, "").await.unwrap();

    // Not yet offered: no placement. Then offered.
    let new = placement(Some(id), pupil, w.school_a2, "tokenPPPPPPPPPPPPPPPP1");
    assert_eq!(refused(db.store.create_placement(&pru, &new).await), vec!["referral"]);
    db.store.move_referral(&pru, id, ReferralStatus::Offered, "Place in the spring").await.unwrap();
    // Bad dates and sessions are refused with every reason at once.
    let bad = NewPlacement {
        planned_end: Some(d(2024, 1, 1)),
        review: Some(d(2024, 1, 2)),
        ap_sessions: 8,
        mainstream_sessions: 4,
        ..new.clone()
    };
    assert_eq!(refused(db.store.create_placement(&pru, &bad).await), vec!["review", "planned_end", "ap_sessions"]);
    // Only the provision places; a school elsewhere cannot.
    assert!(matches!(db.store.create_placement(&other, &new).await, Err(StoreError::NotFound)));
    let pl = db.store.create_placement(&pru, &new).await.unwrap();
    assert_eq!(db.store.create_placement(&pru, &new).await.unwrap(), pl, "a double submission makes one placement");
    assert_eq!(db.store.referral(&pru, id).await.unwrap().status, ReferralStatus::Placed);
    // The PRU now has the pupil on its roll (subsidiary registration) and sees the pupil's file.
    let (_, enrolments) = db.store.get_pupil(&pru, pupil).await.unwrap();
    let at_pru = enrolments.iter().find(|e| e.record.setting_id == w.school_a2).expect("registered at the PRU");
    assert_eq!(at_pru.record.registration, RegistrationType::DualSubsidiary);
    // And the home school's registration is now the main dual one.
    let home_registration = |who: Caller| {
        let store = db.store.clone();
        async move {
            let (_, enrolments) = store.get_pupil(&who, pupil).await.unwrap();
            enrolments.iter().find(|e| e.record.setting_id == w.school_a).unwrap().record.registration
        }
    };
    assert_eq!(home_registration(school.clone()).await, RegistrationType::DualMain);
    // A second main registration while one runs is refused with a reason.
    let second_main = NewEnrolment {
        pupil_id: pupil,
        setting_id: w.school_a2,
        start: d(2024, 1, 15),
        end: None,
        registration: RegistrationType::Single,
        leaving_reason: None,
    };
    let Err(StoreError::Invalid(errors)) = db.store.add_enrolment(&Caller::system("test"), &second_main).await else {
        panic!("two main registrations at once")
    };
    let message = errors.for_field("registration").expect("names the registration");
    assert!(message.contains("one main registration at a time"), "{message}");

    // Part-time: 8 sessions a week from the start.
    let view = db.store.placement(&school, pl).await.unwrap();
    assert!(!view.provision_side, "the referring school sees but does not change the placement");
    assert_eq!(view.part_time_days(d(2024, 1, 29)), Some(14));
    assert!(matches!(db.store.placement(&other, pl).await, Err(StoreError::NotFound)));

    // A step before the placement is refused; a step on the same day twice too.
    let step = |from, ap, ms| Step {
        from_date: from,
        ap_sessions: ap,
        mainstream_sessions: ms,
        mainstream_subjects: Some("English".into()),
    };
    assert_eq!(refused(db.store.add_timetable_step(&pru, pl, &step(d(2024, 1, 8), 6, 4)).await), vec!["from_date"]);
    assert!(matches!(
        db.store.add_timetable_step(&school, pl, &step(d(2024, 2, 5), 6, 4)).await,
        Err(StoreError::NotFound)
    ));
    db.store.add_timetable_step(&pru, pl, &step(d(2024, 2, 5), 6, 4)).await.unwrap();
    assert_eq!(refused(db.store.add_timetable_step(&pru, pl, &step(d(2024, 2, 5), 5, 5)).await), vec!["from_date"]);
    assert_eq!(refused(db.store.add_timetable_step(&pru, pl, &step(d(2024, 3, 4), 7, 4)).await), vec!["ap_sessions"]);

    // The plan: two more mainstream sessions every three weeks, from 4 now to full-time.
    let targets = db.store.set_reintegration_plan(&pru, pl, d(2024, 2, 26), 2, 3).await.unwrap();
    assert_eq!(targets, vec![(d(2024, 2, 26), 6), (d(2024, 3, 18), 8), (d(2024, 4, 8), 10)]);
    assert_eq!(refused(db.store.set_reintegration_plan(&pru, pl, d(2024, 1, 1), 2, 3).await), vec!["first"]);
    db.store.add_timetable_step(&pru, pl, &step(d(2024, 2, 26), 4, 6)).await.unwrap();
    let view = db.store.placement(&pru, pl).await.unwrap();
    assert_eq!(view.steps.len(), 3);
    assert_eq!(view.targets.len(), 3);
    assert_eq!(view.part_time_days(d(2024, 3, 1)), None, "10 sessions a week is full-time");

    // The end: not before the start, nor before the last step; then once only.
    assert_eq!(
        refused(db.store.end_placement(&pru, pl, d(2024, 1, 12), PlacementOutcome::Reintegrated).await),
        vec!["end_date"]
    );
    assert_eq!(
        refused(db.store.end_placement(&pru, pl, d(2024, 2, 20), PlacementOutcome::Reintegrated).await),
        vec!["end_date"]
    );
    db.store.end_placement(&pru, pl, d(2024, 4, 12), PlacementOutcome::Reintegrated).await.unwrap();
    assert_eq!(
        refused(db.store.end_placement(&pru, pl, d(2024, 4, 19), PlacementOutcome::Unknown).await),
        vec!["end_date"]
    );
    let view = db.store.placement(&school, pl).await.unwrap();
    assert_eq!((view.end, view.outcome), (Some(d(2024, 4, 12)), Some(PlacementOutcome::Reintegrated)));
    let (_, enrolments) = db.store.get_pupil(&pru, pupil).await.unwrap();
    let at_pru = enrolments.iter().find(|e| e.record.setting_id == w.school_a2).unwrap();
    assert_eq!(
        (at_pru.record.end, at_pru.record.leaving_reason),
        (Some(d(2024, 4, 12)), Some(LeavingReason::ReturnToMainstream))
    );
    assert_eq!(home_registration(school.clone()).await, RegistrationType::Single, "single again after the end");

    // The journey, for the provision, the referring school and the LA: the same parts as their
    // own reads, with the referral's events and the placement's steps and targets.
    let la = caller(Role::La(w.la_a));
    for who in [&pru, &school, &la] {
        let journey = journey_matches_its_parts(db, who, pupil).await;
        assert_eq!(journey.referrals.len(), 1);
        assert_eq!(journey.referrals[0].events.len(), 4, "submitted, under assessment, offered, placed");
        assert_eq!(journey.placements.len(), 1);
        assert_eq!((journey.placements[0].steps.len(), journey.placements[0].targets.len()), (3, 3));
        assert_eq!(journey.placements[0].provision_side, who.role != Role::Setting(w.school_a));
    }
    assert!(matches!(db.store.pupil_journey(&other, pupil).await, Err(StoreError::NotFound)));
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

/// A pupil with no main registration elsewhere (the home school's ended, say after a permanent
/// exclusion) is registered single (`C`) at the provision, not subsidiary.
async fn placed_with_no_home_school(db: &TestDb) {
    let w = World::build(&db.store).await;
    let pru = caller(Role::Setting(w.school_a2));
    let excluded = NewPupil {
        upn: Upn::from_body("202120024399").unwrap(),
        legal_forename: "Extra99".into(),
        legal_surname: "Ekwueme".into(),
        preferred_forename: None,
        preferred_surname: None,
        date_of_birth: d(2010, 6, 1),
        sex: Sex::Male,
        fsm_eligible: false,
        sen: SenProvision::None,
        child_in_need: false,
        looked_after: false,
        ethnicity: None,
    };
    let ended = NewEnrolment {
        pupil_id: 0,
        setting_id: w.school_a,
        start: d(2023, 9, 1),
        end: Some(d(2023, 12, 1)),
        registration: RegistrationType::Single,
        leaving_reason: Some(LeavingReason::PermanentExclusion),
    };
    let admin = Caller::system("test");
    let pupil = db.store.create_pupil(&admin, &excluded, &ended, d(2024, 1, 10)).await.unwrap();
    // The PRU cannot see the pupil yet: the LA's operator places them directly.
    let new = placement(None, pupil, w.school_a2, "tokenNOHOMEAAAAAAAAAA1");
    db.store.create_placement(&admin, &new).await.unwrap();
    let (_, enrolments) = db.store.get_pupil(&pru, pupil).await.unwrap();
    let at_pru = enrolments.iter().find(|e| e.record.setting_id == w.school_a2).expect("registered at the PRU");
    assert_eq!(at_pru.record.registration, RegistrationType::Single);
    let home = enrolments.iter().find(|e| e.record.setting_id == w.school_a).expect("the ended one");
    assert_eq!(home.record.registration, RegistrationType::Single, "an ended registration is left alone");
}

async fn groups_and_capacity(db: &TestDb) {
    let w = World::build(&db.store).await;
    let unit = caller(Role::Setting(w.unit_a));
    let school = caller(Role::Setting(w.school_a));
    let group = NewGroup {
        setting_id: w.unit_a,
        name: "Oak".into(),
        size_limit: 1,
        hard_limit: 2,
        teacher: "Ms Patel".into(),
        support_adult: String::new(),
    };
    assert_eq!(
        refused(db.store.create_group(&unit, &NewGroup { hard_limit: 0, ..group.clone() }).await),
        vec!["hard_limit"]
    );
    assert!(matches!(
        db.store.create_group(&caller(Role::Setting(w.school_b)), &group).await,
        Err(StoreError::NotFound)
    ));
    let oak = db.store.create_group(&unit, &group).await.unwrap();
    assert_eq!(refused(db.store.create_group(&unit, &group).await), vec!["name"]);

    // The school places its own pupils in its unit (no referral needed for pupils it can see).
    let pupils =
        [w.pupils[0].0, pupil_at(db, w.school_a, 3, "Hughes").await, pupil_at(db, w.school_a, 4, "Iqbal").await];
    let mut new = placement(None, pupils[0], w.unit_a, "tokenGGGGGGGGGGGGGGGG1");
    new.group_id = Some(oak);
    db.store.create_placement(&school, &new).await.unwrap();
    let second = NewPlacement {
        pupil_id: pupils[1],
        token: "tokenGGGGGGGGGGGGGGGG2".into(),
        start: d(2024, 2, 5),
        ..new.clone()
    };
    db.store.create_placement(&school, &second).await.unwrap();
    // The hard limit is reached: a third needs a reason.
    let third = NewPlacement {
        pupil_id: pupils[2],
        token: "tokenGGGGGGGGGGGGGGGG3".into(),
        start: d(2024, 2, 5),
        ..new.clone()
    };
    assert_eq!(refused(db.store.create_placement(&school, &third).await), vec!["over_limit_reason"]);
    let third = NewPlacement { over_limit_reason: "Sibling already in the group; extra adult funded".into(), ..third };
    let over = db.store.create_placement(&school, &third).await.unwrap();
    let view = db.store.placement(&unit, over).await.unwrap();
    assert_eq!(view.over_limit_reason.as_deref(), Some("Sibling already in the group; extra adult funded"));
    assert_eq!(view.group.as_deref(), Some("Oak"));

    let capacity = db.store.capacity(&unit, w.unit_a, d(2024, 1, 17)).await.unwrap();
    assert_eq!(capacity.len(), 1);
    let weeks: Vec<i64> = capacity[0].weeks.iter().map(|w| w.1).collect();
    // Week of 15 Jan: 1; from 5 Feb: 3; after the planned end on 26 April: 0.
    assert_eq!(weeks, vec![1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    assert_eq!(capacity[0].weeks[0].0, d(2024, 1, 15));
    let warnings = capacity[0].warnings.join("; ");
    assert!(warnings.contains("will have 3 pupils in the week of 2024-02-05"), "{warnings}");
    assert!(warnings.contains("no support adult"), "{warnings}");
    let later = db.store.capacity(&unit, w.unit_a, d(2024, 4, 29)).await.unwrap();
    assert_eq!(later[0].weeks[0].1, 0, "planned ends free places");
    assert!(matches!(
        db.store.capacity(&caller(Role::Setting(w.school_b)), w.unit_a, d(2024, 1, 17)).await,
        Err(StoreError::NotFound)
    ));
}

async fn assessments_scored(db: &TestDb) {
    use waymark_domain::instruments::SdqVersion;
    use waymark_store::assessments::{Instrument, NewAssessment};
    let w = World::build(&db.store).await;
    let unit = caller(Role::Setting(w.unit_a));
    let pupil = w.pupils[1].0;
    // Every item "somewhat true" (reversed items too score 1), items 3 and 8 unanswered: the
    // emotional subscale is prorated from 3 answers (3 × 5 / 3 = 5), so the total is 20, very
    // high on the teacher version (19 to 40).
    let mut answers = vec![Some(1u8); 25];
    answers[2] = None;
    answers[7] = None;
    let sdq = NewAssessment {
        pupil_id: pupil,
        setting_id: w.unit_a,
        instrument: Instrument::Sdq(SdqVersion::Teacher),
        occasion: "entry".into(),
        assessed_on: d(2024, 1, 16),
        answers: answers.clone(),
        token: "tokenSSSSSSSSSSSSSSSS1".into(),
    };
    let id = db.store.record_assessment(&unit, &sdq).await.unwrap();
    assert_eq!(db.store.record_assessment(&unit, &sdq).await.unwrap(), id, "a double submission records one");
    let mut bad = sdq.clone();
    bad.answers[3] = Some(3);
    bad.occasion = "whenever".into();
    assert_eq!(refused(db.store.record_assessment(&unit, &bad).await), vec!["occasion", "item_4"]);
    assert!(matches!(
        db.store
            .record_assessment(
                &caller(Role::Setting(w.school_b)),
                &NewAssessment { setting_id: w.school_b, ..sdq.clone() }
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let swemwbs = NewAssessment {
        instrument: Instrument::Swemwbs,
        answers: vec![Some(3); 7],
        token: "tokenSSSSSSSSSSSSSSSS2".into(),
        ..sdq.clone()
    };
    db.store.record_assessment(&unit, &swemwbs).await.unwrap();
    let incomplete = NewAssessment {
        answers: vec![Some(3), Some(3), None, Some(3), Some(3), Some(3), Some(3)],
        token: "tokenSSSSSSSSSSSSSSSS3".into(),
        ..swemwbs.clone()
    };
    assert_eq!(refused(db.store.record_assessment(&unit, &incomplete).await), vec!["item_3"]);

    let scored = db.store.scored_assessments(&unit, pupil).await.unwrap();
    assert_eq!(scored.len(), 2);
    assert_eq!((scored[0].instrument.as_str(), scored[0].version.as_deref()), ("sdq", Some("teacher")));
    assert_eq!((scored[0].score, scored[0].band.as_deref()), (Some(20.0), Some("very_high")));
    assert_eq!(scored[0].subscales.as_deref(), Some("emotional:5,conduct:5,hyperactivity:5,peer:5,prosocial:5"));
    assert_eq!((scored[1].raw_total, scored[1].score), (Some(21), Some(19.25)));
    // The items are kept as ticked (23 answered of the SDQ's 25).
    let file = db.store.pupil_file(&unit, pupil).await.unwrap();
    assert_eq!(file.records.assessments[0].items.len(), 23);
    assert!(matches!(
        db.store.scored_assessments(&caller(Role::Setting(w.school_b)), pupil).await,
        Err(StoreError::NotFound)
    ));

    // The journey page's read: the same parts, scoped the same way, audited as one entry.
    let op = Caller::system("test");
    let before = db.store.list_audit(&op, 100_000, 0).await.unwrap();
    let journey = db.store.pupil_journey(&unit, pupil).await.unwrap();
    let after = db.store.list_audit(&op, 100_000, 0).await.unwrap();
    assert_eq!(after.len(), before.len() + 1, "one audit entry for the whole journey");
    assert_eq!(after.iter().filter(|e| e.action == "pupil.journey").count(), 1);
    assert_eq!(journey.assessments.len(), 2);
    assert_eq!(journey.assessments[0].score, Some(20.0));
    let (referrals, placements) = db.store.pupil_provision(&unit, pupil).await.unwrap();
    assert_eq!((journey.referrals.len(), journey.placements.len()), (referrals.len(), placements.len()));
    journey_matches_its_parts(db, &unit, pupil).await;
    assert!(matches!(
        db.store.pupil_journey(&caller(Role::Setting(w.school_b)), pupil).await,
        Err(StoreError::NotFound)
    ));
}

/// A reading test (gap computed from the date of birth, never typed) and a provision's own
/// scale (defined, answered, an item out of range refused, scored as total and mean).
async fn reading_and_custom_scales(db: &TestDb) {
    use waymark_domain::instruments::CustomScale;
    use waymark_store::assessments::{NewCustomAssessment, NewReading};
    let w = World::build(&db.store).await;
    let unit = caller(Role::Setting(w.unit_a));
    let pupil = w.pupils[1].0; // born 2 May 2010
                               // 13 years 8 months (164 months) on 16 January 2024; reading age 9 years 4 months (112).
    let reading = NewReading {
        pupil_id: pupil,
        setting_id: w.unit_a,
        occasion: "entry".into(),
        assessed_on: d(2024, 1, 16),
        reading_age_months: 112,
        standardised_score: Some(84),
        token: "tokenREADREADREADREAD1".into(),
    };
    let id = db.store.record_reading(&unit, &reading).await.unwrap();
    assert_eq!(db.store.record_reading(&unit, &reading).await.unwrap(), id, "a double submission records one");
    let bad = NewReading {
        reading_age_months: 300,
        standardised_score: Some(200),
        occasion: "sometime".into(),
        token: "tokenREADREADREADREAD2".into(),
        ..reading.clone()
    };
    assert_eq!(
        refused(db.store.record_reading(&unit, &bad).await),
        vec!["occasion", "reading_age", "standardised_score"]
    );
    let unborn = NewReading { assessed_on: d(2009, 1, 1), token: "tokenREADREADREADREAD3".into(), ..reading.clone() };
    assert_eq!(refused(db.store.record_reading(&unit, &unborn).await), vec!["assessed_on"]);
    let elsewhere = caller(Role::Setting(w.school_b));
    let theirs = NewReading { setting_id: w.school_b, token: "tokenREADREADREADREAD4".into(), ..reading.clone() };
    assert!(matches!(db.store.record_reading(&elsewhere, &theirs).await, Err(StoreError::NotFound)));
    // Six months on, no standardised score: the gap narrowed to 40 months.
    let later = NewReading {
        assessed_on: d(2024, 7, 16),
        occasion: "review".into(),
        reading_age_months: 130,
        standardised_score: None,
        token: "tokenREADREADREADREAD5".into(),
        ..reading.clone()
    };
    db.store.record_reading(&unit, &later).await.unwrap();

    // The unit's own scale.
    let scale = CustomScale {
        name: "Ready to learn".into(),
        items: vec!["I feel calm".into(), "I can ask for help".into(), "I finished my work".into()],
        min: 1,
        max: 5,
        higher_is_better: true,
        min_answered: Some(2),
    };
    let bad_scale = CustomScale { name: " ".into(), min: 5, max: 1, ..scale.clone() };
    assert_eq!(
        refused(db.store.create_custom_scale(&unit, w.unit_a, &bad_scale, "tokenSCALESCALESCALE1").await),
        vec!["name", "max"]
    );
    let scale_id = db.store.create_custom_scale(&unit, w.unit_a, &scale, "tokenSCALESCALESCALE2").await.unwrap();
    assert_eq!(db.store.create_custom_scale(&unit, w.unit_a, &scale, "tokenSCALESCALESCALE2").await.unwrap(), scale_id);
    let renamed = CustomScale { name: "READY TO LEARN".into(), ..scale.clone() };
    assert_eq!(
        refused(db.store.create_custom_scale(&unit, w.unit_a, &renamed, "tokenSCALESCALESCALE3").await),
        vec!["name"],
        "a name the unit already uses"
    );
    assert!(matches!(
        db.store.create_custom_scale(&elsewhere, w.unit_a, &scale, "tokenSCALESCALESCALE4").await,
        Err(StoreError::NotFound)
    ));
    let listed = db.store.custom_scales(&unit).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, &listed[0].scale), (scale_id, &scale));
    assert!(db.store.custom_scales(&elsewhere).await.unwrap().is_empty());
    assert!(matches!(db.store.custom_scale(&elsewhere, scale_id).await, Err(StoreError::NotFound)));

    let answers = NewCustomAssessment {
        pupil_id: pupil,
        scale_id,
        occasion: "entry".into(),
        assessed_on: d(2024, 1, 17),
        answers: vec![Some(4), Some(9), None],
        token: "tokenCUSTOMCUSTOMCUST1".into(),
    };
    assert_eq!(refused(db.store.record_custom(&unit, &answers).await), vec!["item_2"]);
    let too_few = NewCustomAssessment { answers: vec![Some(4), None, None], ..answers.clone() };
    assert_eq!(refused(db.store.record_custom(&unit, &too_few).await), vec!["items"]);
    let good = NewCustomAssessment { answers: vec![Some(4), Some(5), None], ..answers.clone() };
    db.store.record_custom(&unit, &good).await.unwrap();
    assert!(matches!(db.store.record_custom(&elsewhere, &good).await, Err(StoreError::NotFound)));

    let scored = db.store.scored_assessments(&unit, pupil).await.unwrap();
    assert_eq!(scored.len(), 3);
    let (first, custom, second) = (&scored[0], &scored[1], &scored[2]);
    assert_eq!((first.instrument.as_str(), first.score, first.raw_total), ("reading", Some(-52.0), Some(112)));
    assert_eq!(
        (first.band.as_deref(), first.subscales.as_deref()),
        (Some("below_average"), Some("age:164,standardised:84"))
    );
    assert_eq!(
        (second.score, second.band.as_deref(), second.subscales.as_deref()),
        (Some(-40.0), None, Some("age:170"))
    );
    assert_eq!((custom.instrument.as_str(), custom.version.as_deref()), ("custom", Some("Ready to learn")));
    assert_eq!((custom.score, custom.raw_total, custom.higher_is_better), (Some(4.5), Some(9), Some(true)));
    assert_eq!(custom.subscales.as_deref(), Some("answered:2,items:3"));
    // The answers are kept as given: the reading age and score, the two items answered.
    let file = db.store.pupil_file(&unit, pupil).await.unwrap();
    let items: Vec<usize> = file.records.assessments.iter().map(|a| a.items.len()).collect();
    assert_eq!(items, [2, 2, 1]);
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

async fn daily_checkins(db: &TestDb) {
    use waymark_store::checkins::CheckinEntry;
    let w = World::build(&db.store).await;
    let unit = caller(Role::Setting(w.unit_a));
    let group = NewGroup {
        setting_id: w.unit_a,
        name: "Willow".into(),
        size_limit: 8,
        hard_limit: 10,
        teacher: "Mr Shah".into(),
        support_adult: "Ms Cole".into(),
    };
    let willow = db.store.create_group(&unit, &group).await.unwrap();
    let pupils = [pupil_at(db, w.school_a, 5, "Jones").await, pupil_at(db, w.school_a, 6, "Khan").await];
    for (i, p) in pupils.iter().enumerate() {
        let mut new = placement(None, *p, w.unit_a, &format!("tokenCHECKIN{i}xxxxxxxxx"));
        new.group_id = Some(willow);
        new.start = d(2024, 1, 15 + i as u32);
        db.store.create_placement(&caller(Role::Setting(w.school_a)), &new).await.unwrap();
    }
    // Monday: only the first pupil has started.
    let (_, roster) = db.store.checkin_roster(&unit, willow, d(2024, 1, 15)).await.unwrap();
    assert_eq!(roster.iter().map(|l| l.pupil_id).collect::<Vec<_>>(), vec![pupils[0]]);
    let entry = |p: i64, mood, ready| CheckinEntry { pupil_id: p, mood, ready, note: "Settled".into() };
    assert!(matches!(
        db.store.record_checkins(&unit, willow, d(2024, 1, 15), &[entry(pupils[1], 3, 2)]).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        refused(db.store.record_checkins(&unit, willow, d(2024, 1, 15), &[entry(pupils[0], 6, 0)]).await),
        vec!["mood", "ready"]
    );
    db.store.record_checkins(&unit, willow, d(2024, 1, 15), &[entry(pupils[0], 2, 1)]).await.unwrap();
    // Entering Tuesday twice keeps the last answers, one row each.
    let tuesday = [entry(pupils[0], 3, 2), entry(pupils[1], 4, 3)];
    db.store.record_checkins(&unit, willow, d(2024, 1, 16), &tuesday).await.unwrap();
    db.store
        .record_checkins(&unit, willow, d(2024, 1, 16), &[entry(pupils[0], 4, 3), entry(pupils[1], 4, 3)])
        .await
        .unwrap();
    let (_, week) = db.store.checkin_week(&unit, willow, d(2024, 1, 15)).await.unwrap();
    assert_eq!(week.len(), 2);
    assert_eq!(week[0].days, [Some((2, 1)), Some((4, 3)), None, None, None]);
    assert_eq!(week[1].days, [None, Some((4, 3)), None, None, None]);
    assert!(matches!(
        db.store.checkin_roster(&caller(Role::Setting(w.school_b)), willow, d(2024, 1, 16)).await,
        Err(StoreError::NotFound)
    ));
}

async fn interventions_recorded(db: &TestDb) {
    use waymark_store::interventions::NewIntervention;
    let w = World::build(&db.store).await;
    let unit = caller(Role::Setting(w.unit_a));
    let new = NewIntervention {
        pupil_id: w.pupils[1].0,
        setting_id: w.unit_a,
        kind: "emotional_regulation".into(),
        frequency: "Twice a week".into(),
        delivered_by: "Ms Cole (ELSA)".into(),
        start: d(2024, 1, 16),
        end: None,
        sessions_planned: 12,
        sessions_attended: 5,
        token: "tokenINTERVENTION0001".into(),
    };
    let id = db.store.record_intervention(&unit, &new).await.unwrap();
    assert_eq!(db.store.record_intervention(&unit, &new).await.unwrap(), id, "one record for a double submission");
    let bad = NewIntervention { kind: "magic".into(), end: Some(d(2024, 1, 1)), sessions_attended: 13, ..new.clone() };
    assert_eq!(refused(db.store.record_intervention(&unit, &bad).await), vec!["kind", "end", "sessions_attended"]);
    let elsewhere = NewIntervention { pupil_id: w.pupils[3].0, token: "tokenINTERVENTION0002".into(), ..new.clone() };
    assert!(matches!(db.store.record_intervention(&unit, &elsewhere).await, Err(StoreError::NotFound)));
    let rows = db.store.interventions(&unit, w.pupils[1].0).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].delivered_by.as_deref(), rows[0].sessions_attended), (Some("Ms Cole (ELSA)"), 5));
    assert!(db.store.interventions(&caller(Role::Setting(w.school_b)), w.pupils[1].0).await.is_err());
}

/// A pupil placed at a provision, reintegrated, and placed there again from the day the first
/// placement ended stays on the provision's roll for the whole second placement, whether the
/// second was made after the first ended or while it still ran: the provision can still open
/// the pupil's file and record for them. Ending the second takes the pupil off the roll.
async fn placed_again_the_day_the_last_placement_ended(db: &TestDb) {
    let w = World::build(&db.store).await;
    let (school, pru) = (&caller(Role::Setting(w.school_a)), &caller(Role::Setting(w.school_a2)));
    let (school_id, pru_id) = (w.school_a, w.school_a2);
    let (first_start, first_end, second_end) = (d(2024, 1, 15), d(2024, 3, 1), d(2024, 5, 24));
    let at_school = [w.pupils[0].0, pupil_at(db, school_id, 7, "Again").await];
    for (k, end_first_before_placing) in [(0, true), (1, false)] {
        let pupil = at_school[k];
        let place = |i: usize, start: NaiveDate| {
            let token = format!("tokenAGAIN{k}AGAIN{i}AGAIN");
            let referral = referral(pupil, school_id, pru_id, 2, &token);
            async move {
                let id = db.store.submit_referral(school, &referral, start).await.unwrap();
                db.store.move_referral(pru, id, ReferralStatus::UnderAssessment, "").await.unwrap();
                db.store.move_referral(pru, id, ReferralStatus::Offered, "").await.unwrap();
                let new = NewPlacement {
                    start,
                    review: None,
                    planned_end: None,
                    ..placement(Some(id), pupil, pru_id, &format!("tokenPLACE{k}PLACE{i}PLACE"))
                };
                db.store.create_placement(pru, &new).await.unwrap()
            }
        };
        let first = place(1, first_start).await;
        let end_first = || db.store.end_placement(pru, first, first_end, PlacementOutcome::Reintegrated);
        let second = if end_first_before_placing {
            end_first().await.unwrap();
            place(2, first_end).await
        } else {
            let second = place(2, first_end).await;
            end_first().await.unwrap();
            second
        };

        // After the first placement's last day the pupil is still on the PRU's roll.
        let (on_roll, _) = db.store.referral_options(pru, pupil, d(2024, 4, 10)).await.unwrap();
        assert_eq!(on_roll.iter().map(|s| s.0).collect::<Vec<_>>(), vec![pru_id], "case {k}: on roll in April");

        // Ending the second takes the pupil off the PRU's roll after its last day.
        db.store.end_placement(pru, second, second_end, PlacementOutcome::Reintegrated).await.unwrap();
        assert!(
            matches!(db.store.referral_options(pru, pupil, d(2024, 6, 3)).await, Err(StoreError::NotFound)),
            "case {k}: off the roll in June"
        );
        let (_, enrolments) = db.store.get_pupil(pru, pupil).await.unwrap();
        let mut at_pru: Vec<_> = enrolments
            .iter()
            .filter(|e| e.record.setting_id == pru_id)
            .map(|e| (e.record.start, e.record.end))
            .collect();
        at_pru.sort();
        let expected = if end_first_before_placing {
            // A registration for each placement, the second from the day after the first ended.
            vec![(first_start, Some(first_end)), (d(2024, 3, 2), Some(second_end))]
        } else {
            // The first placement's registration passed to the second.
            vec![(first_start, Some(second_end))]
        };
        assert_eq!(at_pru, expected, "case {k}: registrations at the PRU");
    }
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

/// A setting's page: its roll today (with dual registrations), groups and running placements;
/// not found outside the scope; audited.
async fn setting_overview_scoped(db: &TestDb) {
    let w = World::build(&db.store).await;
    let school = caller(Role::Setting(w.school_a));
    let pru = caller(Role::Setting(w.school_a2));
    let pupil = w.pupils[0].0;
    let id = db
        .store
        .submit_referral(
            &school,
            &referral(pupil, w.school_a, w.school_a2, 2, "tokenOVOVOVOVOVOVOVOV1"),
            d(2024, 1, 10),
        )
        .await
        .unwrap();
    db.store.move_referral(&pru, id, ReferralStatus::UnderAssessment, "").await.unwrap();
    db.store.move_referral(&pru, id, ReferralStatus::Offered, "").await.unwrap();
    db.store.create_placement(&pru, &placement(Some(id), pupil, w.school_a2, "tokenOVOVOVOVOVOVOVOV2")).await.unwrap();
    let group = NewGroup {
        setting_id: w.school_a2,
        name: "Oak".into(),
        size_limit: 8,
        hard_limit: 10,
        teacher: "Ms Okoro".into(),
        support_adult: String::new(),
    };
    db.store.create_group(&pru, &group).await.unwrap();

    let during = db.store.setting_overview(&pru, w.school_a2, d(2024, 2, 1)).await.unwrap();
    assert_eq!(during.setting.name, "Camden PRU");
    assert_eq!((during.on_roll, during.dual_registered), (2, 1), "its own pupil and the placed one, dual registered");
    assert_eq!(during.groups.len(), 1);
    assert_eq!(during.placements.len(), 1);
    assert_eq!(during.placements[0].pupil_id, pupil);
    let before = db.store.setting_overview(&pru, w.school_a2, d(2024, 1, 12)).await.unwrap();
    assert!(before.placements.is_empty(), "the placement starts on 15 January");
    let la = db.store.setting_overview(&caller(Role::La(w.la_a)), w.school_a2, d(2024, 2, 1)).await.unwrap();
    assert_eq!(la.placements.len(), 1);
    for outside in [Role::Setting(w.school_b), Role::La(w.la_b), Role::Setting(w.school_a)] {
        let seen = db.store.setting_overview(&caller(outside), w.school_a2, d(2024, 2, 1)).await;
        assert!(matches!(seen, Err(StoreError::NotFound)), "{outside}");
    }
    let log = db.store.list_audit(&Caller::system("test"), 100, 0).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "setting.view").count(), 3);
}
