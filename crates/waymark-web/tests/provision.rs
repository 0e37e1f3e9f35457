//! Running a provision over HTTP, on SQLite and (where reachable) PostgreSQL: every referral,
//! placement, waiting-list and capacity route walked with every role (the routes `tests/web.rs`
//! lists as walked here), and the flow refer → offer → place → timetable → plan → end through
//! the forms, with bad input and double submissions.

mod common;
use common::*;

use chrono::NaiveDate;
use reqwest::{Client, StatusCode};
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Caller, NewGroup, NewPlacement, NewReferral, ReferralStatus, Role};

/// The session's CSRF token, from any signed-in page.
async fn csrf(c: &Client, base: &str) -> String {
    hidden(&c.get(format!("{base}/settings")).send().await.unwrap().text().await.unwrap(), "csrf")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn new_referral(pupil: i64, from: i64, to: i64, token: &str) -> NewReferral {
    NewReferral {
        pupil_id: pupil,
        from_setting_id: from,
        to_setting_id: to,
        reason: "Rising absence".into(),
        needs: "SEMH".into(),
        tried: "Mentoring".into(),
        tier_requested: 2,
        priority: 2,
        token: token.into(),
    }
}

both_backends!(
    provision_routes_every_role,
    refer_to_reintegrate,
    today_exclusions_by_school,
    reading_and_custom_scales,
    signed_in_extras
);

/// Each role, on each route: in scope it gets the page (or its form back with errors), out of
/// scope "not found", and a write it may not make is "not found" too.
async fn provision_routes_every_role(db: &TestDb) {
    let w = World::build(&db.store).await;
    let base = start(db).await;
    let (school, pru) = (Caller::system("school"), Caller::system("pru"));
    // r1: Ash Grove refers its pupil to the PRU, which places them. r2: the unit refers its pupil, offered.
    let r1 = db
        .store
        .submit_referral(
            &school,
            &new_referral(w.pupils[0].0, w.school_a, w.school_a2, "tokenW1xxxxxxxxxxxxxx"),
            today(),
        )
        .await
        .unwrap();
    let r2 = db
        .store
        .submit_referral(&school, &new_referral(w.pupils[1].0, w.unit_a, w.school_a2, "tokenW2xxxxxxxxxxxxxx"), today())
        .await
        .unwrap();
    for r in [r1, r2] {
        db.store.move_referral(&pru, r, ReferralStatus::UnderAssessment, "").await.unwrap();
        db.store.move_referral(&pru, r, ReferralStatus::Offered, "").await.unwrap();
    }
    let group = NewGroup {
        setting_id: w.school_a2,
        name: "Rowan".into(),
        size_limit: 8,
        hard_limit: 10,
        teacher: "Ms Ode".into(),
        support_adult: "Mr Lee".into(),
    };
    let group = db.store.create_group(&pru, &group).await.unwrap();
    let placement = NewPlacement {
        referral_id: Some(r1),
        pupil_id: w.pupils[0].0,
        setting_id: w.school_a2,
        tier: 2,
        start: d(2024, 1, 15),
        review: None,
        planned_end: None,
        commissioner: "Ash Grove Academy".into(),
        weekly_cost_pence: None,
        ap_sessions: 8,
        mainstream_sessions: 0,
        mainstream_subjects: String::new(),
        group_id: Some(group),
        over_limit_reason: String::new(),
        token: "tokenW3xxxxxxxxxxxxxx".into(),
    };
    let pl = db.store.create_placement(&pru, &placement).await.unwrap();

    let roles: Vec<Role> = w.roles().into_iter().filter(|r| *r != Role::Public).collect();
    for (i, role) in roles.into_iter().enumerate() {
        let c = sign_in_as(db, &base, "prov", i, role).await;
        let token = csrf(&c, &base).await;
        let in_scope = |settings: &[i64]| match role {
            Role::Admin => true,
            Role::La(la) => la == w.la_a && !settings.contains(&w.school_b),
            Role::Trust(_) => settings.contains(&w.school_a2) || settings.contains(&w.school_b),
            Role::Setting(s) if s == w.school_a => settings.contains(&w.school_a) || settings.contains(&w.unit_a),
            Role::Setting(s) => settings.contains(&s),
            Role::Public => false,
        };
        let pru_side = in_scope(&[w.school_a2]);
        let expect = |ok: bool, good: StatusCode| if ok { good } else { StatusCode::NOT_FOUND };
        let get = |path: String| {
            let c = c.clone();
            let base = base.clone();
            async move { c.get(format!("{base}{path}")).send().await.unwrap().status() }
        };
        let post = |path: String, form: Vec<(&'static str, String)>| {
            let (c, base, token) = (c.clone(), base.clone(), token.clone());
            async move {
                let mut form = form;
                form.push(("csrf", token));
                c.post(format!("{base}{path}")).form(&form).send().await.unwrap().status()
            }
        };
        // Referring: any pupil the role can see and who is on roll in its scope.
        for pupil in w.all_pupils() {
            // The placement registered the first pupil at the PRU: its side sees them now too.
            let visible = w.visible_to(role).contains(&pupil) || (pupil == w.pupils[0].0 && pru_side);
            assert_eq!(
                get(format!("/pupils/{pupil}/refer")).await,
                expect(visible, StatusCode::OK),
                "{role} refer form {pupil}"
            );
            assert_eq!(
                post(format!("/pupils/{pupil}/refer"), vec![("reason", String::new())]).await,
                expect(visible, StatusCode::BAD_REQUEST),
                "{role} refer {pupil}"
            );
            assert_eq!(
                get(format!("/pupils/{pupil}/assessments")).await,
                expect(visible, StatusCode::OK),
                "{role} assessments {pupil}"
            );
            assert_eq!(
                get(format!("/pupils/{pupil}/interventions")).await,
                expect(visible, StatusCode::OK),
                "{role} interventions {pupil}"
            );
            assert_eq!(
                post(format!("/pupils/{pupil}/interventions"), vec![("kind", "mentoring".into())]).await,
                expect(visible, StatusCode::BAD_REQUEST),
                "{role} add intervention {pupil}"
            );
            assert_eq!(
                get(format!("/pupils/{pupil}/assessments/new?instrument=swemwbs")).await,
                expect(visible, StatusCode::OK),
                "{role} assessment form {pupil}"
            );
            assert_eq!(
                post(format!("/pupils/{pupil}/assessments/new"), vec![("instrument", "sdq-teacher".into())]).await,
                expect(visible, StatusCode::BAD_REQUEST),
                "{role} record assessment {pupil}"
            );
        }
        // A referral: both its sides see it.
        for (r, from) in [(r1, w.school_a), (r2, w.unit_a)] {
            let sees = in_scope(&[from]) || pru_side;
            assert_eq!(get(format!("/referrals/{r}")).await, expect(sees, StatusCode::OK), "{role} referral {r}");
            assert_eq!(
                post(format!("/referrals/{r}"), vec![("status", "nonsense".into())]).await,
                expect(sees, StatusCode::BAD_REQUEST),
                "{role} move referral {r}"
            );
        }
        // Placing: the provision only.
        assert_eq!(get(format!("/referrals/{r2}/place")).await, expect(pru_side, StatusCode::OK), "{role} place form");
        assert_eq!(
            post(format!("/referrals/{r2}/place"), vec![]).await,
            expect(pru_side, StatusCode::BAD_REQUEST),
            "{role} place"
        );
        // The placement: the provision and the referring school see it; only the provision changes it.
        let sees = pru_side || in_scope(&[w.school_a]);
        assert_eq!(get(format!("/placements/{pl}")).await, expect(sees, StatusCode::OK), "{role} placement");
        for path in ["timetable", "plan", "end"] {
            assert_eq!(
                post(format!("/placements/{pl}/{path}"), vec![]).await,
                expect(sees, StatusCode::BAD_REQUEST),
                "{role} {path} with nothing filled in"
            );
        }
        let step = vec![
            ("from_date", format!("2024-02-{:02}", 10 + i)),
            ("ap_sessions", "6".into()),
            ("mainstream_sessions", "2".into()),
        ];
        assert_eq!(
            post(format!("/placements/{pl}/timetable"), step).await,
            expect(pru_side, StatusCode::SEE_OTHER),
            "{role} changes the timetable"
        );
        // The daily check-in and the week: the provision's staff only.
        let p0 = w.pupils[0].0;
        // Leaked once per role: the form helper takes static field names.
        let mood: &'static str = format!("mood_{p0}").leak();
        let ready: &'static str = format!("ready_{p0}").leak();
        assert_eq!(
            get(format!("/groups/{group}/checkin?date=2024-01-16")).await,
            expect(pru_side, StatusCode::OK),
            "{role} check-in"
        );
        assert_eq!(
            post(format!("/groups/{group}/checkin?date=2024-01-16"), vec![(mood, "9".into())]).await,
            expect(pru_side, StatusCode::BAD_REQUEST),
            "{role} check-in out of range"
        );
        assert_eq!(
            post(format!("/groups/{group}/checkin?date=2024-01-16"), vec![(mood, "4".into()), (ready, "3".into())])
                .await,
            expect(pru_side, StatusCode::SEE_OTHER),
            "{role} check-in"
        );
        assert_eq!(
            get(format!("/groups/{group}/week?date=2024-01-16")).await,
            expect(pru_side, StatusCode::OK),
            "{role} week"
        );
        // Today: the placement shows to the PRU (on roll) and to Ash Grove (its pupil in AP); the
        // open referral from the unit to the PRU and to whoever sees the unit.
        let res = c.get(format!("{base}/today")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{role} today");
        let page = res.text().await.unwrap();
        assert_eq!(page.contains("Adeyemi"), pru_side || in_scope(&[w.school_a]), "{role} today shows the placement");
        assert_eq!(page.contains("Brown"), pru_side || in_scope(&[w.unit_a]), "{role} today shows the open referral");
        // The PRU's own page lists the placement running there, with its group's links.
        let res = c.get(format!("{base}/settings/{}", w.school_a2)).send().await.unwrap();
        if pru_side {
            let page = res.text().await.unwrap();
            let here = &page[page.find("id=\"placements-here\"").expect("placements at the PRU")..];
            assert!(here.contains("Adeyemi"), "{role} sees the placement on the PRU's page");
            assert!(page.contains(&format!("/groups/{group}/checkin")), "{role}: the group's check-in link");
        }
        for path in ["waiting-list", "capacity"] {
            assert_eq!(
                get(format!("/provisions/{}/{path}", w.school_a2)).await,
                expect(pru_side, StatusCode::OK),
                "{role} {path}"
            );
        }
        assert_eq!(
            post(format!("/provisions/{}/capacity", w.school_a2), vec![("name", String::new())]).await,
            expect(pru_side, StatusCode::BAD_REQUEST),
            "{role} add group"
        );
    }
    let (_, week) = db.store.checkin_week(&Caller::system("test"), group, d(2024, 1, 15)).await.unwrap();
    assert_eq!(week[0].days[1], Some((4, 3)), "the check-in was saved");
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

/// The whole flow through the forms, as the school and as the PRU.
async fn refer_to_reintegrate(db: &TestDb) {
    let w = World::build(&db.store).await;
    let base = start(db).await;
    let school = sign_in_as(db, &base, "prov", 0, Role::Setting(w.school_a)).await;
    let pru = sign_in_as(db, &base, "prov", 1, Role::Setting(w.school_a2)).await;
    let pupil = w.pupils[0].0;

    // Bad input: every missing answer in the summary, linked to its field, typed values kept.
    let form = school.get(format!("{base}/pupils/{pupil}/refer")).send().await.unwrap().text().await.unwrap();
    assert!(
        form.contains("Camden PRU") && form.contains("Ash Grove Inclusion Unit") && !form.contains("Greenwich High")
    );
    let (school_csrf, token) = (hidden(&form, "csrf"), hidden(&form, "token"));
    let res = school
        .post(format!("{base}/pupils/{pupil}/refer"))
        .form(&[("csrf", school_csrf.as_str()), ("token", &token), ("reason", "Kept <reason>"), ("priority", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    for (field, message) in [
        ("to_setting_id", "Choose the provision"),
        ("tier_requested", "Choose the tier"),
        ("needs", "Describe the pupil"),
        ("tried", "Say what has been tried"),
    ] {
        assert!(page.contains(&format!("href=\"#{field}\"")), "summary links to {field}");
        assert!(page.contains(message), "{message}");
    }
    assert!(page.contains("Kept &lt;reason&gt;"), "the typed reason is kept, escaped");
    assert_eq!(hidden(&page, "token"), token, "the same one-time token is kept");

    // Sent twice (a double click): one referral.
    let full = [
        ("csrf", school_csrf.as_str()),
        ("token", &token),
        ("from_setting_id", &w.school_a.to_string()),
        ("to_setting_id", &w.school_a2.to_string()),
        ("tier_requested", "2"),
        ("priority", "1"),
        ("reason", "Persistent disruption"),
        ("needs", "SEMH"),
        ("tried", "Mentoring"),
    ];
    let first = school.post(format!("{base}/pupils/{pupil}/refer")).form(&full).send().await.unwrap();
    let second = school.post(format!("{base}/pupils/{pupil}/refer")).form(&full).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let location = first.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        second.headers()["location"].to_str().unwrap(),
        location,
        "the second submission lands on the same referral"
    );
    let list =
        pru.get(format!("{base}/provisions/{}/waiting-list", w.school_a2)).send().await.unwrap().text().await.unwrap();
    assert_eq!(list.matches("href=\"/referrals/").count(), 1, "one referral on the waiting list");
    assert!(list.contains("Adeyemi") && list.contains("Urgent"));

    // The PRU assesses and offers; skipping ahead is refused with the reason.
    let pru_csrf = csrf(&pru, &base).await;
    let step = |status: &'static str| {
        let (pru, base, location, pru_csrf) = (pru.clone(), base.clone(), location.clone(), pru_csrf.clone());
        async move {
            pru.post(format!("{base}{location}"))
                .form(&[("csrf", pru_csrf.as_str()), ("status", status)])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = step("offered").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("A referral that is submitted cannot become place offered"));
    assert_eq!(step("under_assessment").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(step("offered").await.status(), StatusCode::SEE_OTHER);

    // Place: a planned end before the start is refused; then placed, part-time.
    let place = format!("{base}{location}/place");
    let form = pru.get(&place).send().await.unwrap().text().await.unwrap();
    let token = hidden(&form, "token");
    let mut fields = vec![
        ("csrf", pru_csrf.clone()),
        ("token", token),
        ("tier", "2".to_string()),
        ("start", "2024-01-15".into()),
        ("planned_end", "2024-01-01".into()),
        ("commissioner", "Ash Grove Academy".into()),
        ("weekly_cost", "450".into()),
        ("ap_sessions", "6".into()),
        ("mainstream_sessions", "2".into()),
        ("mainstream_subjects", "Maths".into()),
    ];
    let res = pru.post(&place).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("The planned end must be on or after the start date"));
    fields[4].1 = "2024-04-26".into();
    let res = pru.post(&place).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let placement = res.headers()["location"].to_str().unwrap().to_string();
    let page = pru.get(format!("{base}{placement}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Part-time timetable for") && page.contains("£450.00 a week"));
    // The referring school sees it but has no forms to change it.
    let seen = school.get(format!("{base}{placement}")).send().await.unwrap().text().await.unwrap();
    assert!(seen.contains("Adeyemi") && !seen.contains("End the placement"));

    // Two more mainstream sessions; a step before the placement is refused.
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let (pru, base, placement, pru_csrf) = (pru.clone(), base.clone(), placement.clone(), pru_csrf.clone());
        async move {
            let mut form: Vec<(&str, String)> = form.into_iter().map(|(k, v)| (k, v.to_string())).collect();
            form.push(("csrf", pru_csrf));
            pru.post(format!("{base}{placement}/{path}")).form(&form).send().await.unwrap()
        }
    };
    let early =
        post("timetable", vec![("from_date", "2024-01-01"), ("ap_sessions", "6"), ("mainstream_sessions", "4")]).await;
    assert_eq!(early.status(), StatusCode::BAD_REQUEST);
    assert!(early.text().await.unwrap().contains("A timetable step cannot start before the placement"));
    let more =
        post("timetable", vec![("from_date", "2024-02-05"), ("ap_sessions", "6"), ("mainstream_sessions", "4")]).await;
    assert_eq!(more.status(), StatusCode::SEE_OTHER);
    let plan = post("plan", vec![("first", "2024-02-26"), ("add", "2"), ("every_weeks", "3")]).await;
    assert_eq!(plan.status(), StatusCode::SEE_OTHER);
    let page = pru.get(format!("{base}{placement}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("Mainstream sessions a week: plan and actual"));
    assert!(!page.contains("Part-time timetable for"), "10 sessions a week is full-time");

    // The end: not before the start; then reintegrated.
    let early = post("end", vec![("end_date", "2024-01-01"), ("outcome", "reintegrated")]).await;
    assert_eq!(early.status(), StatusCode::BAD_REQUEST);
    assert!(early.text().await.unwrap().contains("A placement cannot end before it starts"));
    assert_eq!(
        post("end", vec![("end_date", "2024-04-12"), ("outcome", "reintegrated")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = school.get(format!("{base}{placement}")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Reintegrated into mainstream") && page.contains("12 April 2024"));

    // An SDQ, item by item, scored by Waymark: one answer out of range is refused by item.
    let form = school
        .get(format!("{base}/pupils/{pupil}/assessments/new?instrument=sdq-teacher"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden(&form, "token");
    let mut answers: Vec<(String, String)> = vec![
        ("csrf".into(), school_csrf.clone()),
        ("token".into(), token),
        ("instrument".into(), "sdq-teacher".into()),
        ("setting_id".into(), w.school_a.to_string()),
        ("occasion".into(), "entry".into()),
        ("assessed_on".into(), "2024-01-16".into()),
    ];
    for i in 1..=25 {
        if i != 3 && i != 8 {
            answers.push((format!("item_{i}"), if i == 4 { "3".into() } else { "1".into() }));
        }
    }
    let res = school.post(format!("{base}/pupils/{pupil}/assessments/new")).form(&answers).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#item_4\"") && page.contains("Item 4 must be 0, 1 or 2; got 3"));
    let at = answers.iter().position(|(k, _)| k == "item_4").unwrap();
    answers[at].1 = "1".into();
    let res = school.post(format!("{base}/pupils/{pupil}/assessments/new")).form(&answers).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = school.get(format!("{base}/pupils/{pupil}/assessments")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("20 total difficulties") && page.contains("Very high") && page.contains("SDQ (teacher)"),
        "{page}"
    );

    // An intervention, sent twice: recorded once; a bad end date is refused with the reason.
    let form = school.get(format!("{base}/pupils/{pupil}/interventions")).send().await.unwrap().text().await.unwrap();
    let token = hidden(&form, "token");
    let mut fields = vec![
        ("csrf", school_csrf.clone()),
        ("token", token),
        ("setting_id", w.school_a.to_string()),
        ("kind", "literacy".to_string()),
        ("frequency", "Twice a week".into()),
        ("delivered_by", "Mr Hale".into()),
        ("start", "2024-01-16".into()),
        ("end", "2024-01-01".into()),
        ("sessions_planned", "12".into()),
        ("sessions_attended", "4".into()),
    ];
    let res = school.post(format!("{base}/pupils/{pupil}/interventions")).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("The end must be on or after the start"));
    fields[7].1 = String::new();
    for _ in 0..2 {
        let res = school.post(format!("{base}/pupils/{pupil}/interventions")).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let page = school.get(format!("{base}/pupils/{pupil}/interventions")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("Twice a week").count(), 1, "one intervention after a double submission");
    assert!(page.contains("4 of 12"));

    // The journey: the school sees the PRU placement, its timetable steps, its end and the SDQ.
    let page = school.get(format!("{base}/pupils/{pupil}/journey")).send().await.unwrap().text().await.unwrap();
    for text in [
        "Referred by Ash Grove Academy to Camden PRU",
        "Placed at Camden PRU",
        "6 sessions at Camden PRU, 2 in mainstream (part-time)",
        "Placement at Camden PRU ended: Reintegrated into mainstream",
        "SDQ (teacher) on entry: 20.00",
    ] {
        assert!(page.contains(text), "journey shows {text}");
    }
    let outsider = sign_in_as(db, &base, "prov", 2, Role::Setting(w.school_b)).await;
    let res = outsider.get(format!("{base}/pupils/{pupil}/journey")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// A school in LA 202 with two pupils: one suspended twice this term (once for half a day) and
/// permanently excluded, the other suspended last academic year.
fn excluding_school(today: NaiveDate) -> waymark_domain::records::FileSet {
    use waymark_domain::records::*;
    use waymark_domain::*;
    let upn = |i: usize| Upn::from_body(&format!("20212002431{i}")).unwrap();
    let term_start = AcademicYear::term_around(today).2;
    let pupil = |i: usize| NewPupil {
        upn: upn(i),
        legal_forename: format!("Term{i}"),
        legal_surname: ["Kowalski", "Mensah"][i].into(),
        preferred_forename: None,
        preferred_surname: None,
        date_of_birth: d(2011, 5, 1 + i as u32),
        sex: Sex::Male,
        fsm_eligible: false,
        sen: SenProvision::None,
        child_in_need: false,
        looked_after: false,
        ethnicity: None,
    };
    let suspension = |id: &str, i: usize, start: NaiveDate, length_days: f64| SuspensionRecord {
        suspension_id: id.into(),
        upn: upn(i),
        setting_id: "T1".into(),
        incident_id: None,
        category: "FIXD".into(),
        start,
        length_days,
        reasons: vec!["PP".into()],
    };
    FileSet {
        present: vec!["settings", "pupils", "enrolments"],
        settings: vec![SettingRecord {
            id: "T1".into(),
            urn: None,
            la: 202,
            laestab: None,
            name: "Thornbury High".into(),
            kind: SettingKind::Mainstream,
            phase: None,
            roll: Some(900),
            parent_id: None,
        }],
        pupils: vec![pupil(0), pupil(1)],
        enrolments: (0..2)
            .map(|i| EnrolmentRecord {
                enrolment_id: format!("TE{i}"),
                upn: upn(i),
                setting_id: "T1".into(),
                registration: RegistrationType::Single,
                start: d(2020, 9, 1),
                end: None,
                leaving_reason: None,
            })
            .collect(),
        suspensions: vec![
            suspension("TS1", 0, term_start, 2.0),
            suspension("TS2", 0, today, 0.5),
            suspension("TS3", 1, term_start - chrono::Duration::days(400), 3.0),
        ],
        exclusions: vec![ExclusionRecord {
            exclusion_id: "TX1".into(),
            upn: upn(0),
            setting_id: "T1".into(),
            incident_id: None,
            start: today,
            reasons: vec!["PA".into()],
        }],
        ..FileSet::default()
    }
}

/// Today shows this term's suspensions and permanent exclusions by school to whoever sees the
/// school (its LA, the school) and not to another LA.
async fn today_exclusions_by_school(db: &TestDb) {
    let base = start(db).await;
    let admin = Caller::system("test");
    db.store.import_records(&admin, &excluding_school(today()), false, &mut |_| {}).await.unwrap();
    let school = db.store.setting_ids_by_key(&admin).await.unwrap()["T1"];
    let term = waymark_domain::AcademicYear::term_around(today()).1.label();
    for (i, role, sees) in [(0, Role::La(202), true), (1, Role::Setting(school), true), (2, Role::La(203), false)] {
        let c = sign_in_as(db, &base, "prov", 40 + i, role).await;
        let res = c.get(format!("{base}/today")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{role} today");
        let page = res.text().await.unwrap();
        assert!(page.contains(&format!("{term} term ")), "{role}: the term is named");
        assert_eq!(page.contains("Thornbury High"), sees, "{role} sees the school's row");
        assert_eq!(page.contains("Term0 Kowalski"), sees, "{role} sees the suspended pupil");
        assert!(!page.contains("Mensah"), "{role}: last year's suspension is not this term's");
        if sees {
            let listed = &page[page.find("id=\"at-risk-pupils\"").expect("the pupils")..];
            let link = "href=\"/pupils/";
            assert_eq!(listed[..listed.find("</table>").unwrap()].matches(link).count(), 1, "one pupil listed");
            let table = &page[page.find("id=\"term-exclusions\"").expect("the table")..];
            assert!(table.contains("2 suspensions and 1 permanent exclusion this term at 1 setting"), "{table}");
            let cells: Vec<&str> =
                table.split("govuk-table__cell--numeric\">").skip(1).map(|c| &c[..c.find('<').unwrap()]).collect();
            assert_eq!(cells, ["2", "1", "2.5", "1"], "suspensions, pupils, days, permanent: {table}");
        } else {
            assert!(page.contains("No suspensions or permanent exclusions are recorded this term"), "{role}");
        }
    }
}

/// The fields of a form post, as owned pairs.
fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A reading test (the gap to chronological age computed from the date of birth) and a scale the
/// school defines for itself, through the forms: errors summarised and linked, values kept, an
/// item out of range refused, then scored.
async fn reading_and_custom_scales(db: &TestDb) {
    let w = World::build(&db.store).await;
    let base = start(db).await;
    let school = sign_in_as(db, &base, "scale", 0, Role::Setting(w.school_a)).await;
    let token = csrf(&school, &base).await;
    let pupil = w.pupils[0].0; // born 1 May 2010
    let new = format!("{base}/pupils/{pupil}/assessments/new");

    let form = school.get(format!("{new}?instrument=reading")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Reading age: years") && form.contains("Standardised score"), "{form}");
    let once = hidden(&form, "token");
    let mut reading = fields(&[
        ("csrf", &token),
        ("token", &once),
        ("instrument", "reading"),
        ("setting_id", &w.school_a.to_string()),
        ("occasion", "entry"),
        ("assessed_on", "2024-01-16"),
        ("reading_age", "nine"),
        ("reading_age_months", "4"),
        ("standardised_score", "88"),
    ]);
    let res = school.post(&new).form(&reading).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#reading_age\"") && page.contains("value=\"nine\""), "{page}");
    reading[6].1 = "30".into();
    let page = school.post(&new).form(&reading).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Reading age must be between 24 and 240 months; got 364"), "{page}");
    reading[6].1 = "9".into();
    for _ in 0..2 {
        assert_eq!(school.post(&new).form(&reading).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    }
    let list = school.get(format!("{base}/pupils/{pupil}/assessments")).send().await.unwrap().text().await.unwrap();
    // 13 years 8 months old on 16 January 2024; reading age 9 years 4 months: 52 months below.
    for text in [
        "Reading age 9 years 4 months (4 years 4 months below chronological age)",
        ">Average (standardised score 88)<",
        "Chronological age 13 years 8 months",
        "On entry",
    ] {
        assert!(list.contains(text), "the list shows {text}: {list}");
    }
    assert_eq!(list.matches("Reading age 9 years").count(), 1, "a double submission records once");
    let journey = school.get(format!("{base}/pupils/{pupil}/journey")).send().await.unwrap().text().await.unwrap();
    assert!(journey.contains("Reading test on entry: -52 months against chronological age"), "{journey}");

    // The school defines a scale: every problem at once, then a good one.
    let scales = format!("{base}/provisions/{}/scales", w.school_a);
    let form = school.get(&scales).send().await.unwrap().text().await.unwrap();
    let once = hidden(&form, "token");
    let mut define = fields(&[
        ("csrf", &token),
        ("token", &once),
        ("name", ""),
        ("items", "I feel calm\n\nI can ask for help\nI feel calm"),
        ("min", "5"),
        ("max", "1"),
        ("min_answered", "2"),
    ]);
    let res = school.post(&scales).form(&define).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    for link in ["#name", "#items", "#max", "#direction"] {
        assert!(page.contains(&format!("href=\"{link}\"")), "the summary links {link}: {page}");
    }
    assert!(page.contains("Items 1 and 3 are the same") && page.contains("I can ask for help"), "{page}");
    define[2].1 = "Ready to learn".into();
    define[3].1 = "I feel calm\nI can ask for help\nI finished my work".into();
    define[4].1 = "1".into();
    define[5].1 = "5".into();
    define.push(("direction".into(), "higher".into()));
    assert_eq!(school.post(&scales).form(&define).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    let page = school.get(&scales).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Ready to learn") && page.contains("1 to 5") && page.contains("2 of 3"), "{page}");
    // Another school does not see it, nor may it add one here.
    let other = sign_in_as(db, &base, "scale", 1, Role::Setting(w.school_b)).await;
    assert_eq!(other.get(&scales).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Answers to it: out of range refused by item, too few refused, then scored.
    let list = school.get(format!("{base}/pupils/{pupil}/assessments")).send().await.unwrap().text().await.unwrap();
    let at = list.find("instrument=custom-").expect("a link to the scale's form") + "instrument=".len();
    let code = list[at..at + list[at..].find('"').unwrap()].to_string();
    let form = school.get(format!("{new}?instrument={code}")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("1. I feel calm") && form.contains("higher is better"), "{form}");
    let once = hidden(&form, "token");
    let mut answers = fields(&[
        ("csrf", &token),
        ("token", &once),
        ("instrument", &code),
        ("occasion", "review"),
        ("assessed_on", "2024-02-01"),
        ("item_1", "9"),
        ("item_2", "5"),
    ]);
    let res = school.post(&new).form(&answers).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#item_1\"") && page.contains("Item 1 must be between 1 and 5; got 9"), "{page}");
    answers[5].1 = String::new();
    let page = school.post(&new).form(&answers).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"#items\"") && page.contains("1 of 3 items answered"), "{page}");
    answers[5].1 = "4".into();
    assert_eq!(school.post(&new).form(&answers).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    let list = school.get(format!("{base}/pupils/{pupil}/assessments")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Mean 4.50, total 9") && list.contains("2 of 3 items answered; higher is better"), "{list}");
}

/// The pupil list's year group filter, and error pages that keep the signed-in header.
async fn signed_in_extras(db: &TestDb) {
    let w = World::build(&db.store).await;
    let base = start(db).await;
    let school = sign_in_as(db, &base, "extra", 0, Role::Setting(w.school_a)).await;
    // The World's pupils were born in May 2010: their year group this year follows from that.
    let year =
        waymark_domain::YearGroup::for_birth_date(d(2010, 5, 1), waymark_domain::AcademicYear::containing(today()));
    let list = |q: String| {
        let school = school.clone();
        let base = base.clone();
        async move { school.get(format!("{base}/pupils?{q}")).send().await.unwrap() }
    };
    let page = list(format!("year={}", year.0)).await.text().await.unwrap();
    assert!(page.contains("Adeyemi") && page.contains(&format!("value=\"{}\" selected", year.0)), "{page}");
    let page = list(format!("year={}", year.0 - 1)).await.text().await.unwrap();
    assert!(!page.contains("Adeyemi") && page.contains("No pupils you can see match these filters"), "{page}");
    assert_eq!(list("year=99".into()).await.status(), StatusCode::BAD_REQUEST);

    // A page not found, signed in: the header says who is signed in and offers Sign out.
    let res = school.get(format!("{base}/pupils/999999")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Page not found") && page.contains("Sign out") && !page.contains("href=\"/sign-in\""),
        "{page}"
    );
    assert!(page.contains("Signed in as User 0"), "{page}");
    // htmx is served by the app itself, and no page carries an inline script (the CSP allows none).
    let res = client().get(format!("{base}/assets/htmx.min.js")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(res.text().await.unwrap().contains("htmx"));
    let csp = res_csp(&school, &base).await;
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    for tag in page.split("<script").skip(1) {
        assert!(tag[..tag.find('>').unwrap()].contains(" src=\"/assets/"), "an inline script: <script{tag}");
    }
    // Anonymous: still the sign-in link.
    let page = client().get(format!("{base}/no-such-page")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/sign-in\"") && !page.contains("Sign out"), "{page}");
}

/// The Content-Security-Policy of a signed-in page.
async fn res_csp(c: &Client, base: &str) -> String {
    let res = c.get(format!("{base}/today")).send().await.unwrap();
    res.headers()["content-security-policy"].to_str().unwrap().to_string()
}
