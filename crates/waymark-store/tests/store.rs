//! The store's behaviour, run against SQLite and (where reachable) PostgreSQL.

use chrono::NaiveDate;
use waymark_domain::*;
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Caller, KeySource, NewUser, Role, SignInOutcome, Store, StoreError};

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 10).unwrap()
}

both_backends!(
    scope_matrix,
    no_plaintext,
    audit_chain,
    sign_in_and_lockout,
    search_and_paging,
    rules_enforced,
    wrong_and_missing_key,
    list_names_settings_and_dual_registration
);

/// Every role sees exactly the pupils its scope allows, in lists and by id; out of scope is
/// "not found", never "forbidden".
async fn scope_matrix(db: &TestDb) {
    let world = World::build(&db.store).await;
    let all = world.all_pupils();
    for role in world.roles() {
        let who = caller(role);
        let mut expected = world.visible_to(role);
        expected.sort();
        let page = db.store.list_pupils(&who, "", 1, 200, today()).await.unwrap();
        let mut listed: Vec<i64> = page.pupils.iter().map(|p| p.id).collect();
        listed.sort();
        assert_eq!(listed, expected, "list for {role}");
        for id in &all {
            let result = db.store.get_pupil(&who, *id).await;
            if expected.contains(id) {
                assert_eq!(result.unwrap().0.id, *id, "{role} should see pupil {id}");
            } else {
                assert!(matches!(result, Err(StoreError::NotFound)), "{role} must not see pupil {id}");
            }
        }
        // Searching by a name the caller may not see finds nothing.
        for (i, surname) in waymark_store::testing::WORLD_SURNAMES.iter().enumerate() {
            let found = db.store.list_pupils(&who, surname, 1, 50, today()).await.unwrap();
            assert_eq!(found.total, usize::from(expected.contains(&all[i])), "{role} searching {surname}");
        }
    }
    assert!(world.visible_to(Role::Admin).len() == 5 && world.visible_to(Role::Public).is_empty());
    // The pupil in two scopes is seen from both LAs, the trust and both settings.
    for role in [Role::La(world.la_a), Role::La(world.la_b), Role::Trust(world.trust), Role::Setting(world.school_b)] {
        assert!(world.visible_to(role).contains(&world.mover.0), "{role}");
    }
}

/// Names, UPNs and dates of birth are not in the database in plaintext.
async fn no_plaintext(db: &TestDb) {
    let world = World::build(&db.store).await;
    let op = Caller::system("test");
    let upn = Upn::from_body("202120024099").unwrap();
    let pupil = NewPupil {
        upn: upn.clone(),
        legal_forename: "Zephyrine".into(),
        legal_surname: "Quillfeather".into(),
        preferred_forename: Some("Zeph".into()),
        preferred_surname: None,
        date_of_birth: NaiveDate::from_ymd_opt(2011, 2, 27).unwrap(),
        sex: Sex::Female,
        fsm_eligible: false,
        sen: SenProvision::EhcPlan,
        child_in_need: true,
        looked_after: false,
        ethnicity: Some("WBRI".into()),
    };
    let first = NewEnrolment {
        pupil_id: 0,
        setting_id: world.school_a,
        start: today(),
        end: None,
        registration: RegistrationType::Single,
        leaving_reason: None,
    };
    let id = db.store.create_pupil(&op, &pupil, &first, today()).await.unwrap();
    let (back, _) = db.store.get_pupil(&op, id).await.unwrap();
    assert_eq!(back.record, pupil, "round trip through encryption");
    let mut secrets: Vec<String> =
        ["Zephyrine", "Quillfeather", "Zeph", upn.as_str(), "2011-02-27"].map(String::from).to_vec();
    secrets.extend(waymark_store::testing::WORLD_SURNAMES.map(String::from));
    for other in world.all_pupils() {
        secrets.push(db.store.get_pupil(&op, other).await.unwrap().0.record.upn.as_str().to_string());
    }
    // Every table and every column that can hold text, on both engines, listed from the
    // database's own catalogue so a table added later is scanned too.
    let cells = db.store.raw_text_cells().await.unwrap();
    let tables: std::collections::BTreeSet<&str> = cells.iter().map(|c| c.table.as_str()).collect();
    for expected in ["pupils", "enrolments", "settings", "audit_log"] {
        assert!(tables.contains(expected), "{expected} was not scanned: {tables:?}");
    }
    // The scan sees plaintext where it is allowed: setting names are not secret.
    assert!(cells.iter().any(|c| c.table == "settings" && c.contains("Ash Grove Academy")), "the scan reads text");
    for cell in &cells {
        for secret in &secrets {
            assert!(!cell.contains(secret), "{secret} in plaintext in {}.{}", cell.table, cell.column);
        }
    }
    if let Some(path) = &db.sqlite_path {
        // And the file's bytes, free pages and write-ahead log included.
        db.store.raw_execute("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        assert!(bytes.len() > 4096);
        for secret in &secrets {
            let found = bytes.windows(secret.len()).any(|w| w.eq_ignore_ascii_case(secret.as_bytes()));
            assert!(!found, "{secret} found in plaintext in the SQLite file");
        }
    }
}

/// The audit chain records writes and views, verifies, and catches edits and truncation.
async fn audit_chain(db: &TestDb) {
    let world = World::build(&db.store).await;
    let la = caller(Role::La(world.la_a));
    db.store.get_pupil(&la, world.pupils[0].0).await.unwrap();
    let entries = db.store.list_audit(&Caller::system("test"), 100, 0).await.unwrap();
    let newest = &entries[0];
    assert_eq!((newest.action.as_str(), newest.scope.as_str()), ("pupil.view", "la:202"));
    assert_eq!(newest.object_id, world.pupils[0].0.to_string());
    assert!(entries.iter().any(|e| e.action == "pupil.create"));
    assert!(matches!(db.store.list_audit(&la, 10, 0).await, Err(StoreError::NotFound)), "only admins read the log");

    let ok = db.store.verify_audit().await.unwrap();
    assert_eq!(ok.problem, None);
    assert_eq!(ok.entries as usize, entries.len());

    db.store.raw_execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").await.unwrap();
    let bad = db.store.verify_audit().await.unwrap();
    assert!(bad.problem.unwrap().contains("entry 3 has been altered"));
    let original = entries.iter().find(|e| e.seq == 3).unwrap();
    db.store.raw_execute(&format!("UPDATE audit_log SET actor = '{}' WHERE seq = 3", original.actor)).await.unwrap();
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None, "restored");

    db.store.raw_execute(&format!("DELETE FROM audit_log WHERE seq = {}", newest.seq)).await.unwrap();
    assert!(db.store.verify_audit().await.unwrap().problem.unwrap().contains("removed"));
}

async fn sign_in_and_lockout(db: &TestDb) {
    let op = Caller::system("test");
    let new = |email: &str, password: &str| NewUser {
        email: email.into(),
        display_name: "Test".into(),
        password: password.into(),
        role: Role::La(202),
    };
    assert!(matches!(db.store.create_user(&op, new("a@b.test", "short")).await, Err(StoreError::Invalid(_))));
    let user = db.store.create_user(&op, new("Lead@Example.org", "correct horse battery")).await.unwrap();
    assert_eq!(user.email, "lead@example.org");
    assert!(matches!(
        db.store.create_user(&op, new("lead@example.org", "another long password")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        db.store.create_user(&caller(Role::La(202)), new("x@y.test", "long enough password")).await,
        Err(StoreError::NotFound)
    ));

    let SignInOutcome::SignedIn(session) =
        db.store.sign_in("lead@example.org", "correct horse battery", None).await.unwrap()
    else {
        panic!("sign in")
    };
    assert_eq!(session.user.role, Role::La(202));
    let found = db.store.session(&session.token).await.unwrap().expect("session lives");
    assert_eq!(found.csrf_token, session.csrf_token);
    assert!(db.store.session("not-a-token").await.unwrap().is_none());
    db.store.sign_out(&session).await.unwrap();
    assert!(db.store.session(&session.token).await.unwrap().is_none(), "signed out");

    for _ in 0..5 {
        assert!(matches!(
            db.store.sign_in("lead@example.org", "wrong password!", None).await.unwrap(),
            SignInOutcome::WrongCredentials
        ));
    }
    assert!(matches!(
        db.store.sign_in("nobody@example.org", "whatever", None).await.unwrap(),
        SignInOutcome::WrongCredentials
    ));
    match db.store.sign_in("lead@example.org", "correct horse battery", None).await.unwrap() {
        SignInOutcome::Locked { minutes } => assert!((1..=15).contains(&minutes)),
        other => panic!("expected a lockout, got {other:?}"),
    }
}

async fn search_and_paging(db: &TestDb) {
    let world = World::build(&db.store).await;
    let op = Caller::system("test");
    let page = db.store.list_pupils(&op, "", 1, 3, today()).await.unwrap();
    assert_eq!((page.total, page.pupils.len()), (5, 3));
    let names: Vec<&str> = page.pupils.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Pupil0 Adeyemi", "Pupil1 Brown", "Pupil2 Chowdhury"], "sorted by surname");
    let page2 = db.store.list_pupils(&op, "", 2, 3, today()).await.unwrap();
    let names2: Vec<&str> = page2.pupils.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names2, ["Pupil3 Davies", "Pupil4 Evans"]);
    assert!(db.store.list_pupils(&op, "", 3, 3, today()).await.unwrap().pupils.is_empty(), "past the end");
    assert_eq!(db.store.list_pupils(&op, "chow", 1, 10, today()).await.unwrap().total, 1);
    assert_eq!(db.store.list_pupils(&op, "pupil3 dav", 1, 10, today()).await.unwrap().pupils[0].id, world.pupils[3].0);
    assert_eq!(
        db.store.list_pupils(&op, "pupil3 chow", 1, 10, today()).await.unwrap().total,
        0,
        "every word must match"
    );
    let upn = page.pupils[1].upn.to_lowercase();
    let by_upn = db.store.list_pupils(&op, &upn, 1, 10, today()).await.unwrap();
    assert_eq!(by_upn.pupils.len(), 1);
    assert_eq!(by_upn.pupils[0].name, "Pupil1 Brown");
}

async fn rules_enforced(db: &TestDb) {
    let world = World::build(&db.store).await;
    let op = Caller::system("test");
    // A unit must belong to a school in the same LA.
    let unit = NewSetting {
        name: "Unit".into(),
        urn: None,
        kind: SettingKind::InternalApUnit,
        la_number: 203,
        parent_id: Some(world.school_a),
    };
    let Err(StoreError::Invalid(errors)) = db.store.create_setting(&op, unit).await else {
        panic!("cross-LA unit accepted")
    };
    assert!(errors.for_field("parent").unwrap().contains("same LA"));
    // An LA cannot create settings elsewhere; it can in its own area.
    let school = |la| NewSetting {
        name: "New School".into(),
        urn: Some(Urn::parse("999001").unwrap()),
        kind: SettingKind::Mainstream,
        la_number: la,
        parent_id: None,
    };
    assert!(matches!(db.store.create_setting(&caller(Role::La(202)), school(203)).await, Err(StoreError::NotFound)));
    db.store.create_setting(&caller(Role::La(202)), school(202)).await.unwrap();
    assert!(matches!(db.store.create_setting(&op, school(202)).await, Err(StoreError::Conflict(_))), "URN is unique");
    // A duplicate UPN is refused, naming the field.
    let (pupil, _) = db.store.get_pupil(&op, world.pupils[0].0).await.unwrap();
    let first = NewEnrolment {
        pupil_id: 0,
        setting_id: world.school_b,
        start: today(),
        end: None,
        registration: RegistrationType::Single,
        leaving_reason: None,
    };
    let Err(StoreError::Invalid(errors)) = db.store.create_pupil(&op, &pupil.record, &first, today()).await else {
        panic!("duplicate UPN")
    };
    assert!(errors.for_field("upn").is_some());
    // A setting user cannot enrol a pupil they cannot see, nor into a setting outside scope.
    let b_user = caller(Role::Setting(world.school_b));
    let enrol = |pupil_id, setting_id| NewEnrolment {
        pupil_id,
        setting_id,
        start: today(),
        end: None,
        registration: RegistrationType::DualSubsidiary,
        leaving_reason: None,
    };
    assert!(matches!(
        db.store.add_enrolment(&b_user, &enrol(world.pupils[0].0, world.school_b)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.store.add_enrolment(&b_user, &enrol(world.pupils[3].0, world.school_a)).await,
        Err(StoreError::NotFound)
    ));
    // Dual registration at the PRU makes the pupil visible to the PRU.
    let pru = caller(Role::Setting(world.school_a2));
    assert!(db.store.get_pupil(&pru, world.pupils[0].0).await.is_err());
    db.store.add_enrolment(&op, &enrol(world.pupils[0].0, world.school_a2)).await.unwrap();
    let (_, enrolments) = db.store.get_pupil(&pru, world.pupils[0].0).await.unwrap();
    assert_eq!(enrolments.len(), 2);
    // Settings lists are scoped too.
    let names: Vec<String> = db
        .store
        .list_settings(&caller(Role::Setting(world.school_a)))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Ash Grove Academy", "Ash Grove Inclusion Unit"]);
    assert!(db.store.list_settings(&Caller::public()).await.unwrap().is_empty());
}

/// Reopening with the wrong key, or with the key file gone, fails with a clear message.
async fn wrong_and_missing_key(db: &TestDb) {
    World::build(&db.store).await;
    let wrong = KeySource { env_value: Some(waymark_store::keyfile::generate_key_text()), file: db.key.file.clone() };
    let err = Store::open(&db.url, &wrong).await.err().expect("wrong key refused");
    assert!(err.to_string().contains("not the key this database was created with"), "{err}");
    let garbage = KeySource { env_value: Some("not base64!".into()), file: db.key.file.clone() };
    assert!(Store::open(&db.url, &garbage).await.err().unwrap().to_string().contains("base64"));
    let missing = KeySource { env_value: None, file: db.dir().join("nowhere.key") };
    let err = Store::open(&db.url, &missing).await.err().expect("missing key refused");
    assert!(err.to_string().contains("restore the key file"), "{err}");
    assert!(!db.dir().join("nowhere.key").exists(), "no new key written over an existing database");
    // The right key still works.
    Store::open(&db.url, &db.key).await.unwrap().close().await;
}

#[tokio::test]
async fn unreachable_database_is_a_clear_error() {
    let key = KeySource { env_value: Some(waymark_store::keyfile::generate_key_text()), file: "unused.key".into() };
    let err = Store::open("postgres://nobody:secret@127.0.0.1:1/none", &key).await.err().unwrap();
    let text = err.to_string();
    assert!(text.contains("could not open the database"), "{text}");
    assert!(!text.contains("secret"), "password not echoed: {text}");
    assert!(Store::open("mysql://x", &key).await.err().unwrap().to_string().contains("sqlite:// or postgres://"));
}

both_backends!(timpson_tracker);

/// The tracker is seeded honestly, only admins change it, and every change is kept.
async fn timpson_tracker(db: &TestDb) {
    use waymark_store::{TimpsonChange, TimpsonStatus};
    let recs = db.store.timpson_recommendations().await.unwrap();
    assert_eq!(recs.len(), 27);
    assert!(recs.iter().all(|r| r.status == TimpsonStatus::NotAssessed), "no invented statuses");
    let numbered: Vec<&str> = recs.iter().filter_map(|r| r.number.as_deref()).collect();
    assert_eq!(numbered, ["1", "2", "3", "4", "21"], "confirmed numbers only, in order");
    let progress = db.store.timpson_progress().await.unwrap();
    assert_eq!(progress.iter().map(|p| p.implemented + p.some_action + p.no_action).collect::<Vec<_>>(), [30, 30]);

    let change = TimpsonChange {
        status: TimpsonStatus::InProgress,
        number: Some("19".into()),
        text: "Review how the reasons for exclusion are recorded.".into(),
        note: "DfE consulted on new reason codes".into(),
        evidence_url: Some("https://www.gov.uk/".into()),
        as_of: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
    };
    assert!(matches!(
        db.store.update_timpson(&caller(Role::La(202)), "N", &change, today()).await,
        Err(StoreError::NotFound)
    ));
    let bad = TimpsonChange {
        number: Some("31".into()),
        evidence_url: Some("javascript:alert(1)".into()),
        note: " ".into(),
        ..change.clone()
    };
    let Err(StoreError::Invalid(errors)) = db.store.update_timpson(&Caller::system("test"), "N", &bad, today()).await
    else {
        panic!()
    };
    assert_eq!(errors.0.len(), 3);
    db.store.update_timpson(&Caller::system("test"), "N", &change, today()).await.unwrap();
    let later = TimpsonChange {
        status: TimpsonStatus::Implemented,
        note: "New codes in use from 2020/21".into(),
        as_of: NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(),
        ..change.clone()
    };
    db.store.update_timpson(&Caller::system("test"), "N", &later, today()).await.unwrap();
    let (rec, history) = db.store.timpson_recommendation("N").await.unwrap();
    assert_eq!((rec.status, rec.number.as_deref()), (TimpsonStatus::Implemented, Some("19")));
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].status, TimpsonStatus::Implemented, "newest first");
    assert_eq!(history[1].note, "DfE consulted on new reason codes");
    assert!(matches!(db.store.timpson_recommendation("ZZ").await, Err(StoreError::NotFound)));
    let log = db.store.list_audit(&Caller::system("test"), 5, 0).await.unwrap();
    assert_eq!(log[0].action, "timpson.update");
}

/// The pupil list names the settings in scope where each pupil is on roll today (main first)
/// and marks dual registration; a setting outside the caller's scope is never named.
async fn list_names_settings_and_dual_registration(db: &TestDb) {
    let w = World::build(&db.store).await;
    let row = |page: &waymark_store::PupilPage, surname: &str| {
        page.pupils.iter().find(|p| p.name.ends_with(surname)).cloned().unwrap_or_else(|| panic!("{surname} listed"))
    };
    let la_a = db.store.list_pupils(&caller(Role::La(w.la_a)), "", 1, 50, today()).await.unwrap();
    let adeyemi = row(&la_a, "Adeyemi");
    assert_eq!((adeyemi.settings, adeyemi.dual_registered), (vec!["Ash Grove Academy".to_string()], false));
    let evans = row(&la_a, "Evans");
    assert_eq!((evans.settings, evans.dual_registered), (vec!["Ash Grove Inclusion Unit".to_string()], true));
    let la_b = db.store.list_pupils(&caller(Role::La(w.la_b)), "", 1, 50, today()).await.unwrap();
    let evans = row(&la_b, "Evans");
    assert_eq!((evans.settings, evans.dual_registered), (vec!["Greenwich High".to_string()], true));
    let all = db.store.list_pupils(&Caller::system("test"), "", 1, 50, today()).await.unwrap();
    assert_eq!(row(&all, "Evans").settings, ["Greenwich High", "Ash Grove Inclusion Unit"], "main registration first");
    // Before the enrolments started, no one is on roll anywhere.
    let august = NaiveDate::from_ymd_opt(2023, 8, 1).unwrap();
    let before = db.store.list_pupils(&Caller::system("test"), "", 1, 50, august).await.unwrap();
    assert!(before.pupils.iter().all(|p| p.settings.is_empty() && !p.dual_registered));
}
