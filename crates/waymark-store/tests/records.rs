//! Every record type through import, scoped read and audit, on SQLite and PostgreSQL.

use chrono::NaiveDate;
use waymark_domain::records::*;
use waymark_domain::*;
use waymark_store::testing::TestDb;
use waymark_store::{both_backends, Caller, PupilFilter, Role, StoreError};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn upn(i: usize) -> Upn {
    Upn::from_body(&format!("20212002420{i}")).unwrap()
}

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

fn setting(id: &str, urn: Option<&str>, kind: SettingKind, parent: Option<&str>) -> SettingRecord {
    SettingRecord {
        id: id.into(),
        urn: urn.map(|u| Urn::parse(u).unwrap()),
        la: 202,
        laestab: None,
        name: format!("Setting {id}"),
        kind,
        phase: None,
        roll: Some(100),
        parent_id: parent.map(str::to_string),
    }
}

fn pupil(i: usize) -> NewPupil {
    NewPupil {
        upn: upn(i),
        legal_forename: format!("Record{i}"),
        legal_surname: ["Okafor", "Nowak", "Singh"][i].into(),
        preferred_forename: None,
        preferred_surname: None,
        date_of_birth: d(2010, 3, 1 + i as u32),
        sex: Sex::Female,
        fsm_eligible: i == 1,
        sen: SenProvision::None,
        child_in_need: false,
        looked_after: false,
        ethnicity: None,
    }
}

fn enrolment(id: &str, i: usize, at: &str, registration: RegistrationType) -> EnrolmentRecord {
    EnrolmentRecord {
        enrolment_id: id.into(),
        upn: upn(i),
        setting_id: at.into(),
        registration,
        start: d(2023, 9, 4),
        end: None,
        leaving_reason: None,
    }
}

/// A small LA with one of every record: school S with internal unit U, PRU P (URNs for S
/// and P); pupil 0 at S (incident, suspension, exclusion), pupil 1 at S and referred to P
/// (placement with a hybrid timetable), pupil 2 at U (assessment, intervention, destination).
fn file_set() -> FileSet {
    let marks = |m: &str| m.repeat(10);
    FileSet {
        present: vec!["settings", "pupils", "enrolments"],
        settings: vec![
            setting("U1", None, SettingKind::InternalApUnit, Some("990001")),
            setting("990001", Some("990001"), SettingKind::Mainstream, None),
            setting("990002", Some("990002"), SettingKind::PupilReferralUnit, None),
        ],
        pupils: (0..3).map(pupil).collect(),
        enrolments: vec![
            enrolment("E0", 0, "990001", RegistrationType::Single),
            enrolment("E1", 1, "990001", RegistrationType::DualMain),
            enrolment("E2", 1, "990002", RegistrationType::DualSubsidiary),
            enrolment("E3", 2, "U1", RegistrationType::Single),
        ],
        attendance: vec![
            AttendanceRecord {
                enrolment_id: "E0".into(),
                upn: upn(0),
                setting_id: "990001".into(),
                year: AcademicYear(2023),
                term: Term::Autumn,
                marks: marks("/\\"),
            },
            AttendanceRecord {
                enrolment_id: "E1".into(),
                upn: upn(1),
                setting_id: "990001".into(),
                year: AcademicYear(2023),
                term: Term::Autumn,
                marks: marks("/D"),
            },
            AttendanceRecord {
                enrolment_id: "E2".into(),
                upn: upn(1),
                setting_id: "990002".into(),
                year: AcademicYear(2023),
                term: Term::Autumn,
                marks: marks("DN"),
            },
        ],
        incidents: vec![IncidentRecord {
            incident_id: "I1".into(),
            upn: upn(0),
            setting_id: "990001".into(),
            date: d(2023, 10, 2),
            kind: "physical_assault_pupil".into(),
            severity: 3,
            outcome: "suspension".into(),
        }],
        suspensions: vec![SuspensionRecord {
            suspension_id: "S1".into(),
            upn: upn(0),
            setting_id: "990001".into(),
            incident_id: Some("I1".into()),
            category: "FIXD".into(),
            start: d(2023, 10, 3),
            length_days: 2.0,
            reasons: vec!["PP".into()],
        }],
        exclusions: vec![ExclusionRecord {
            exclusion_id: "X1".into(),
            upn: upn(0),
            setting_id: "990001".into(),
            incident_id: None,
            start: d(2023, 11, 6),
            reasons: vec!["PA".into(), "VA".into()],
        }],
        referrals: vec![ReferralRecord {
            referral_id: "R1".into(),
            upn: upn(1),
            from_setting_id: "990001".into(),
            date: d(2023, 9, 20),
            reason: "persistent_disruption".into(),
            tier_requested: 2,
        }],
        placements: vec![PlacementRecord {
            placement_id: "P1".into(),
            referral_id: Some("R1".into()),
            upn: upn(1),
            setting_id: "990002".into(),
            tier: 2,
            start: d(2023, 10, 2),
            planned_end: Some(d(2024, 2, 9)),
            end: None,
            outcome: Some("ongoing".into()),
        }],
        timetables: vec![
            TimetableRecord { placement_id: "P1".into(), from: d(2023, 10, 2), ap_sessions: 6, mainstream_sessions: 0 },
            TimetableRecord { placement_id: "P1".into(), from: d(2023, 11, 6), ap_sessions: 6, mainstream_sessions: 4 },
        ],
        assessments: vec![AssessmentRecord {
            assessment_id: "A1".into(),
            upn: upn(2),
            setting_id: "U1".into(),
            date: d(2023, 9, 10),
            instrument: "sdq".into(),
            version: Some("teacher".into()),
            occasion: "entry".into(),
            items: (0..25).map(|i| Some((i % 3) as u8)).collect(),
        }],
        interventions: vec![InterventionRecord {
            intervention_id: "N1".into(),
            upn: upn(2),
            setting_id: "U1".into(),
            kind: "literacy".into(),
            start: d(2023, 9, 11),
            end: None,
            sessions_planned: 10,
            sessions_attended: 7,
        }],
        destinations: vec![DestinationRecord {
            upn: upn(2),
            ks4_year: AcademicYear(2023),
            destination: "education".into(),
            sustained: true,
        }],
    }
}

both_backends!(
    every_record_type,
    reimport_and_changes,
    import_scope,
    dry_run_writes_nothing,
    many_at_once,
    exclusions_this_term,
    pupil_list_filters
);

async fn import(db: &TestDb, who: &Caller, set: &FileSet) -> Result<waymark_store::ImportCounts, StoreError> {
    db.store.import_records(who, set, false, &mut |_| {}).await
}

/// Every record type is written, read back through the scope, and the import audited.
async fn every_record_type(db: &TestDb) {
    let admin = Caller::system("test");
    let counts = import(db, &admin, &file_set()).await.unwrap();
    assert_eq!(
        counts.to_string(),
        "imported: 3 pupils, 4 enrolments, 3 attendance terms, 13 other records; added 23, changed 0, unchanged 0"
    );
    let ids = db.store.setting_ids_by_key(&admin).await.unwrap();
    let la = caller(Role::La(202));
    let page = db.store.list_pupils(&la, "", 1, 10, d(2024, 1, 10)).await.unwrap();
    assert_eq!(page.total, 3);
    let id_of = |surname: &str| page.pupils.iter().find(|p| p.name.ends_with(surname)).unwrap().id;

    let f0 = db.store.pupil_file(&la, id_of("Okafor")).await.unwrap();
    assert_eq!(f0.records.attendance.len(), 1);
    assert_eq!(f0.records.attendance[0].sessions.possible, 20);
    assert_eq!(f0.records.incidents[0].severity, 3);
    assert_eq!(f0.records.suspensions[0].length_days, 2.0);
    assert_eq!(f0.records.exclusions[0].reason_2.as_deref(), Some("VA"));

    let f1 = db.store.pupil_file(&la, id_of("Nowak")).await.unwrap();
    let rates: Vec<(u32, u32)> =
        f1.records.attendance.iter().map(|a| (a.sessions.attended, a.sessions.possible)).collect();
    assert!(rates.contains(&(10, 10)) && rates.contains(&(0, 10)), "{rates:?}");
    assert_eq!(f1.records.referrals[0].tier_requested, 2);
    let placement = &f1.records.placements[0];
    assert_eq!((placement.tier, placement.steps.len()), (2, 2));
    assert!(placement.steps[0].part_time() && !placement.steps[1].part_time());

    let f2 = db.store.pupil_file(&la, id_of("Singh")).await.unwrap();
    assert_eq!(f2.records.assessments[0].items.len(), 25);
    assert_eq!(f2.records.assessments[0].items[4], (5, 1));
    assert_eq!(f2.records.interventions[0].sessions_attended, 7);
    assert!(f2.records.destinations[0].sustained);

    // The school sees its own records; the PRU sees only what happened at the PRU.
    let pru = caller(Role::Setting(ids["990002"]));
    let seen_by_pru = db.store.pupil_file(&pru, id_of("Nowak")).await.unwrap();
    assert_eq!(seen_by_pru.records.attendance.len(), 1);
    assert!(seen_by_pru.records.referrals.is_empty(), "the referral was made by the school");
    assert_eq!(seen_by_pru.records.placements.len(), 1);
    assert!(matches!(db.store.pupil_file(&pru, id_of("Okafor")).await, Err(StoreError::NotFound)));
    // The school's scope includes its internal unit's records.
    let school = caller(Role::Setting(ids["990001"]));
    assert_eq!(db.store.pupil_file(&school, id_of("Singh")).await.unwrap().records.interventions.len(), 1);
    assert!(matches!(db.store.pupil_file(&caller(Role::La(203)), id_of("Singh")).await, Err(StoreError::NotFound)));

    let log = db.store.list_audit(&admin, 50, 0).await.unwrap();
    assert!(log.iter().any(|e| e.action == "records.import" && e.object_id.contains("added 23")));
    assert_eq!(log.iter().filter(|e| e.action == "pupil.view").count(), 5, "five views succeeded");
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

/// Importing the same set again changes nothing; a changed record is updated alone.
async fn reimport_and_changes(db: &TestDb) {
    let admin = Caller::system("test");
    let mut set = file_set();
    import(db, &admin, &set).await.unwrap();
    let again = import(db, &admin, &set).await.unwrap();
    assert_eq!((again.added, again.changed, again.unchanged), (0, 0, 23));
    set.pupils[0].legal_surname = "Okafor-Bello".into();
    set.attendance[0].marks = "/N".repeat(10);
    set.timetables.push(TimetableRecord {
        placement_id: "P1".into(),
        from: d(2023, 12, 4),
        ap_sessions: 4,
        mainstream_sessions: 6,
    });
    let changed = import(db, &admin, &set).await.unwrap();
    assert_eq!((changed.added, changed.changed, changed.unchanged), (1, 2, 21));
    let la = caller(Role::La(202));
    let found = db.store.list_pupils(&la, "okafor-bello", 1, 10, d(2024, 1, 10)).await.unwrap();
    assert_eq!(found.total, 1, "the in-memory name index sees the new name");
    let file = db.store.pupil_file(&la, found.pupils[0].id).await.unwrap();
    assert_eq!(file.records.attendance[0].sessions.attended, 10);
    // Just the timetable, on its own: it names a placement imported before.
    let only = FileSet { timetables: set.timetables.clone(), ..FileSet::default() };
    let t = import(db, &admin, &only).await.unwrap();
    assert_eq!((t.added, t.changed, t.unchanged), (0, 0, 3));
}

/// A setting imports only its own records; an LA only in its area; the public nothing.
async fn import_scope(db: &TestDb) {
    let admin = Caller::system("test");
    import(db, &admin, &file_set()).await.unwrap();
    let ids = db.store.setting_ids_by_key(&admin).await.unwrap();
    let pru = caller(Role::Setting(ids["990002"]));
    let mut theirs = FileSet { incidents: file_set().incidents, ..FileSet::default() };
    let err = import(db, &pru, &theirs).await.unwrap_err().to_string();
    assert!(err.contains("setting 990001 is not recorded, or is not one you may import"), "{err}");
    theirs.incidents[0].setting_id = "990002".into();
    let err = import(db, &pru, &theirs).await.unwrap_err().to_string();
    assert!(err.contains("pupil") && err.contains("not one you may import"), "the PRU cannot see pupil 0: {err}");
    // Its own pupil at its own setting is fine.
    theirs.incidents[0].upn = upn(1);
    let ok = import(db, &pru, &theirs).await.unwrap();
    assert_eq!(ok.added, 1);
    let settings_elsewhere =
        FileSet { settings: vec![SettingRecord { la: 203, ..file_set().settings[1].clone() }], ..FileSet::default() };
    assert!(import(db, &caller(Role::La(202)), &settings_elsewhere).await.is_err());
    assert!(matches!(import(db, &Caller::public(), &theirs).await, Err(StoreError::NotFound)));
}

/// A dry run counts the changes and writes nothing.
async fn dry_run_writes_nothing(db: &TestDb) {
    let admin = Caller::system("test");
    let counts = db.store.import_records(&admin, &file_set(), true, &mut |_| {}).await.unwrap();
    assert_eq!(counts.added, 23);
    assert!(db.store.list_settings(&admin).await.unwrap().is_empty());
    assert_eq!(db.store.list_pupils(&admin, "", 1, 10, d(2024, 1, 10)).await.unwrap().total, 0);
    let real = import(db, &admin, &file_set()).await.unwrap();
    assert_eq!(real.added, 23, "the dry run left nothing behind");
}

/// Many readers (each view writes an audit entry) and an import at the same moment: no
/// request fails because another holds a lock, and the audit chain stays whole.
async fn many_at_once(db: &TestDb) {
    let admin = Caller::system("test");
    import(db, &admin, &file_set()).await.unwrap();
    let la = caller(Role::La(202));
    let ids: Vec<i64> =
        db.store.list_pupils(&la, "", 1, 10, d(2024, 1, 10)).await.unwrap().pupils.iter().map(|p| p.id).collect();
    let mut tasks = Vec::new();
    for i in 0..48 {
        let store = db.store.clone();
        let la = la.clone();
        let id = ids[i % ids.len()];
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                store.pupil_file(&la, id).await?;
                store.list_pupils(&la, "nowak", 1, 25, d(2024, 1, 10)).await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    // Writers that read before they write (a pupil added at a setting): on SQLite a deferred
    // transaction would fail here with "database is locked" when its read turns into a write.
    let school = db.store.setting_ids_by_key(&admin).await.unwrap()["990001"];
    for i in 0..16 {
        let store = db.store.clone();
        let la = la.clone();
        tasks.push(tokio::spawn(async move {
            let new = NewPupil { upn: Upn::from_body(&format!("2021200243{i:02}")).unwrap(), ..pupil(0) };
            let first = NewEnrolment {
                pupil_id: 0,
                setting_id: school,
                start: d(2023, 9, 4),
                end: None,
                registration: RegistrationType::Single,
                leaving_reason: None,
            };
            store.create_pupil(&la, &new, &first, d(2024, 1, 10)).await?;
            Ok(())
        }));
    }
    let mut changed = file_set();
    changed.pupils[1].legal_forename = "Renamed".into();
    let writer = import(db, &admin, &changed);
    let (written, reads) = tokio::join!(writer, futures_join(tasks));
    written.unwrap();
    for r in reads {
        r.unwrap().unwrap();
    }
    let log = db.store.verify_audit().await.unwrap();
    assert_eq!(log.problem, None);
    assert!(log.entries > 48 * 10);
}

async fn futures_join(
    tasks: Vec<tokio::task::JoinHandle<Result<(), StoreError>>>,
) -> Vec<Result<Result<(), StoreError>, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await);
    }
    out
}

/// Today counts the suspensions and permanent exclusions that started this term, per school in
/// the caller's scope: not last term's, not another LA's, not a school the caller cannot see.
async fn exclusions_this_term(db: &TestDb) {
    let admin = Caller::system("test");
    let mut set = file_set();
    // A second, half-day suspension of the same pupil late in the autumn term, and one in spring.
    let mut again = set.suspensions[0].clone();
    again.suspension_id = "S2".into();
    again.incident_id = None;
    again.start = d(2023, 12, 15);
    again.length_days = 0.5;
    let mut spring = again.clone();
    spring.suspension_id = "S3".into();
    spring.start = d(2024, 1, 8);
    // And a day's suspension of the pupil placed at the PRU since October.
    let mut placed = again.clone();
    placed.suspension_id = "S4".into();
    placed.upn = upn(1);
    placed.start = d(2023, 11, 20);
    placed.length_days = 1.0;
    set.suspensions.extend([again, spring, placed]);
    // Three behaviour incidents this autumn for the pupil at the unit (two would not be enough).
    for (i, day) in [d(2023, 11, 1), d(2023, 11, 8), d(2023, 12, 1)].into_iter().enumerate() {
        set.incidents.push(IncidentRecord {
            incident_id: format!("IU{i}"),
            upn: upn(2),
            setting_id: "U1".into(),
            date: day,
            kind: "verbal_abuse_adult".into(),
            severity: 1,
            outcome: "detention".into(),
        });
    }
    import(db, &admin, &set).await.unwrap();
    let ids = db.store.setting_ids_by_key(&admin).await.unwrap();

    let autumn = db.store.today(&caller(Role::La(202)), d(2023, 12, 20)).await.unwrap();
    let (year, term, first, last) = autumn.term.unwrap();
    assert_eq!((year, term, first, last), (AcademicYear(2023), Term::Autumn, d(2023, 9, 1), d(2023, 12, 31)));
    assert_eq!(autumn.exclusions.len(), 1, "{:?}", autumn.exclusions);
    let row = &autumn.exclusions[0];
    assert_eq!(row.setting_id, ids["990001"]);
    assert_eq!(row.setting, "Setting 990001");
    assert_eq!((row.suspensions, row.pupils_suspended, row.permanent), (3, 2, 1), "one pupil suspended twice");
    assert!((row.days - 3.5).abs() < 1e-9, "{}", row.days);

    let spring = db.store.today(&caller(Role::La(202)), d(2024, 2, 1)).await.unwrap();
    assert_eq!(spring.term.unwrap().1, Term::Spring);
    let row = &spring.exclusions[0];
    assert_eq!((row.suspensions, row.pupils_suspended, row.permanent), (1, 1, 0), "only spring's suspension");
    assert!((row.days - 0.5).abs() < 1e-9);
    let summer = db.store.today(&caller(Role::La(202)), d(2024, 5, 1)).await.unwrap();
    assert!(summer.exclusions.is_empty(), "{:?}", summer.exclusions);

    // The pupils at risk, by the stated rule, most suspended first: Okafor twice, not in AP;
    // Nowak once, in AP; Singh with three incidents at the unit; and Nowak again at the PRU,
    // whose autumn marks there are all unauthorised absence (attendance 0% of 10 sessions).
    assert_eq!(autumn.suspended_total, 4, "{:?}", autumn.suspended);
    let placed = &autumn.suspended[1];
    assert_eq!((placed.name.as_str(), placed.suspensions, placed.in_ap), ("Record1 Nowak", 1, true));
    let who = &autumn.suspended[0];
    assert_eq!(
        (who.name.as_str(), who.setting.as_str(), who.suspensions, who.in_ap),
        ("Record0 Okafor", "Setting 990001", 2, false)
    );
    assert!((who.days - 2.5).abs() < 1e-9);
    assert_eq!(who.reasons(), ["Suspended twice (2.5 days)"]);
    let unruly = &autumn.suspended[2];
    assert_eq!((unruly.name.as_str(), unruly.incidents, unruly.suspensions), ("Record2 Singh", 3, 0));
    assert_eq!(unruly.reasons(), ["3 behaviour incidents"]);
    let absent = &autumn.suspended[3];
    assert_eq!((absent.name.as_str(), absent.setting.as_str()), ("Record1 Nowak", "Setting 990002"));
    assert_eq!(absent.attendance, Some(0.0));
    assert_eq!(absent.reasons(), ["Attendance 0.0%"]);
    // Okafor's autumn attendance (all present) and Nowak's at the school (present or at the
    // PRU) do not count against them.
    assert!(autumn.suspended.iter().all(|p| p.setting != "Setting 990001" || p.attendance.is_none()));

    let school = db.store.today(&caller(Role::Setting(ids["990001"])), d(2023, 12, 20)).await.unwrap();
    assert_eq!(school.suspended, autumn.suspended[..3], "the school sees its own pupils at risk, and its unit's");
    assert_eq!(school.exclusions, autumn.exclusions, "the school sees its own");
    let pru = db.store.today(&caller(Role::Setting(ids["990002"])), d(2023, 12, 20)).await.unwrap();
    assert!(pru.exclusions.is_empty(), "the PRU sees the school's exclusions: {:?}", pru.exclusions);
    assert_eq!(pru.suspended, autumn.suspended[3..], "the PRU sees only its own absence");
    let seen = db.store.today(&caller(Role::La(203)), d(2023, 12, 20)).await.unwrap();
    assert!(seen.exclusions.is_empty(), "another LA sees the exclusions: {:?}", seen.exclusions);
    assert!(seen.suspended.is_empty() && seen.suspended_total == 0, "another LA sees a pupil at risk");
    // Spring: only the spring suspension; the autumn attendance and incidents are last term's.
    assert_eq!(spring.suspended_total, 1, "{:?}", spring.suspended);
}

/// The pupil list's filters, alone and together, each inside the caller's scope.
async fn pupil_list_filters(db: &TestDb) {
    let admin = Caller::system("test");
    import(db, &admin, &file_set()).await.unwrap();
    let ids = db.store.setting_ids_by_key(&admin).await.unwrap();
    let la = caller(Role::La(202));
    let surnames = |filter: PupilFilter, who: Caller, day: NaiveDate| {
        let store = db.store.clone();
        async move {
            let page = store.list_pupils_filtered(&who, "", filter, 1, 50, day).await.unwrap();
            assert_eq!(page.total, page.pupils.len());
            page.pupils.iter().map(|p| p.name.rsplit(' ').next().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    let autumn = d(2023, 12, 20);
    let none = PupilFilter::default();
    assert_eq!(surnames(none, la.clone(), autumn).await, ["Nowak", "Okafor", "Singh"]);
    let in_ap = PupilFilter { in_ap_now: true, ..none };
    assert_eq!(surnames(in_ap, la.clone(), autumn).await, ["Nowak"], "placed at the PRU since October");
    assert!(surnames(in_ap, la.clone(), d(2023, 9, 20)).await.is_empty(), "before the placement");
    let suspended = PupilFilter { suspended_this_term: true, ..none };
    assert_eq!(surnames(suspended, la.clone(), autumn).await, ["Okafor"]);
    assert!(surnames(suspended, la.clone(), d(2024, 2, 1)).await.is_empty(), "last term's suspension");
    assert_eq!(surnames(PupilFilter { fsm: true, ..none }, la.clone(), autumn).await, ["Nowak"]);
    let ehc = PupilFilter { sen: Some(SenProvision::EhcPlan), ..none };
    assert!(surnames(ehc, la.clone(), autumn).await.is_empty());
    let no_sen = PupilFilter { sen: Some(SenProvision::None), ..none };
    assert_eq!(surnames(no_sen, la.clone(), autumn).await.len(), 3);
    let at_unit = PupilFilter { setting_id: Some(ids["U1"]), ..none };
    assert_eq!(surnames(at_unit, la.clone(), autumn).await, ["Singh"]);
    let at_pru = PupilFilter { setting_id: Some(ids["990002"]), ..none };
    assert_eq!(surnames(at_pru, la.clone(), autumn).await, ["Nowak"], "dual registered there");
    // Filters combine; a setting outside the scope matches nobody.
    assert!(surnames(PupilFilter { in_ap_now: true, ..at_unit }, la.clone(), autumn).await.is_empty());
    assert!(surnames(at_pru, caller(Role::La(203)), autumn).await.is_empty());
    let school = caller(Role::Setting(ids["990001"]));
    assert!(surnames(at_pru, school.clone(), autumn).await.is_empty(), "the PRU is not in the school's scope");
    // Year group: all three were born in March 2010, so Year 9 in 2023/24 and Year 10 in 2024/25.
    let year = |n: i8| PupilFilter { year_group: Some(YearGroup(n)), ..none };
    assert_eq!(surnames(year(9), la.clone(), autumn).await, ["Nowak", "Okafor", "Singh"]);
    assert!(surnames(year(8), la.clone(), autumn).await.is_empty(), "nobody in Year 8");
    assert!(surnames(year(10), la.clone(), autumn).await.is_empty(), "nobody in Year 10 yet");
    assert_eq!(surnames(year(10), la.clone(), d(2024, 9, 20)).await.len(), 3, "a year on");
    assert_eq!(surnames(PupilFilter { in_ap_now: true, ..year(9) }, la.clone(), autumn).await, ["Nowak"]);
    assert!(surnames(year(9), caller(Role::La(203)), autumn).await.is_empty(), "another LA's scope");
    let found = db.store.list_pupils_filtered(&la, "singh", year(9), 1, 50, autumn).await.unwrap();
    assert_eq!(found.total, 1);
    // With a search, only the matching pupils that pass.
    let found = db.store.list_pupils_filtered(&la, "nowak", in_ap, 1, 50, autumn).await.unwrap();
    assert_eq!(found.total, 1);
    let found = db.store.list_pupils_filtered(&la, "okafor", in_ap, 1, 50, autumn).await.unwrap();
    assert_eq!(found.total, 0);
}
