//! `waymark demo`: a small hand-made local authority to try Waymark with.
//!
//! Camden's LA number (202) with invented schools: three mainstream secondaries (one with an
//! internal AP unit), a special school and a pupil referral unit, plus one school over the border
//! in Islington (206) that shares a trust with a Camden school, so every role sees something
//! different. 200 pupils, generated deterministically, with realistic journeys: most stay put,
//! some are permanently excluded to the PRU, some are dual registered, some leave.
//! The names are invented; the URNs (900001 onwards) are not real schools'.

use anyhow::{bail, Context, Result};
use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use waymark_domain::*;
use waymark_store::{Caller, KeySource, NewUser, Role, Store};

pub const PASSWORD: &str = "waymark-demo-2026";
const PUPILS: usize = 200;

const FORENAMES_F: &[&str] = &[
    "Amelia", "Aisha", "Chloe", "Fatima", "Grace", "Hannah", "Imani", "Isla", "Jasmine", "Keira", "Layla", "Maya",
    "Mia", "Nadia", "Olivia", "Priya", "Ruby", "Sofia", "Tia", "Zara", "Ella", "Freya", "Leah", "Amara", "Eden",
];
const FORENAMES_M: &[&str] = &[
    "Adam", "Ali", "Ben", "Callum", "Daniel", "Dylan", "Ethan", "Harry", "Ibrahim", "Jack", "Jayden", "Kai", "Kofi",
    "Leo", "Liam", "Mason", "Mohammed", "Noah", "Oscar", "Reuben", "Ryan", "Samuel", "Theo", "Tyler", "Zain",
];
const SURNAMES: &[&str] = &[
    "Adeyemi", "Ahmed", "Ali", "Baker", "Begum", "Brown", "Campbell", "Chen", "Clarke", "Davies", "Evans", "Francis",
    "Green", "Hall", "Hassan", "Hughes", "Hussain", "Islam", "Jackson", "James", "Johnson", "Kaur", "Kelly", "Khan",
    "Lewis", "Mensah", "Miah", "Morris", "Murphy", "Nowak", "O'Brien", "Okafor", "Osei", "Patel", "Price", "Rahman",
    "Roberts", "Robinson", "Scott", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Turner", "Walker", "Ward", "White",
    "Williams", "Wilson", "Wood", "Wright", "Yilmaz",
];
/// Ethnicity codes with rough London secondary weights.
const ETHNICITIES: &[(&str, u32)] = &[
    ("WBRI", 30),
    ("WOTH", 12),
    ("WIRI", 1),
    ("MWBC", 4),
    ("MWBA", 2),
    ("MWAS", 2),
    ("MOTH", 4),
    ("AIND", 3),
    ("APKN", 2),
    ("ABAN", 12),
    ("AOTH", 3),
    ("BCRB", 4),
    ("BAFR", 11),
    ("BOTH", 2),
    ("CHNE", 1),
    ("OOTH", 4),
    ("REFU", 2),
    ("NOBT", 1),
];

/// The demo's settings, by role in the story.
struct Settings {
    northgate: i64,
    harbour: i64,
    heathside: i64,
    fleet_valley: i64,
    parkhill: i64,
    pru: i64,
    canonbury: i64,
    trust: i64,
}

/// Open the demo store, filling it if new. A SQLite demo is recreated from scratch each run;
/// a PostgreSQL database is filled if empty, reused if it already holds this demo, and
/// otherwise left alone with an error.
pub async fn prepare(data_dir: &Path, database_url: Option<&str>) -> Result<Store> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("could not create the demo folder {}", data_dir.display()))?;
    let key_file = data_dir.join("waymark.key");
    let store = match database_url {
        None => {
            let db = data_dir.join("waymark.db");
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{}{suffix}", db.display());
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => bail!("could not remove the previous demo database {path}: {e}"),
                }
            }
            let _ = std::fs::remove_file(&key_file);
            Store::open(&format!("sqlite://{}", db.display()), &KeySource { env_value: None, file: key_file }).await?
        }
        Some(url) => {
            Store::open(url, &KeySource { env_value: std::env::var("WAYMARK_KEY").ok(), file: key_file }).await?
        }
    };
    let op = Caller::system("demo");
    let users = store.list_users(&op).await?;
    if users.iter().any(|u| u.email == "admin@demo.waymark.test") {
        println!("Reusing the demo already in this database.");
    } else if !users.is_empty() || !store.list_settings(&op).await?.is_empty() {
        bail!("this database already holds data that is not the demo; give `waymark demo` an empty database");
    } else {
        let started = std::time::Instant::now();
        let settings = create_settings(&store, &op).await?;
        create_pupils(&store, &op, &settings).await?;
        create_users(&store, &op, &settings).await?;
        tracing::info!("demo built in {:.1}s", started.elapsed().as_secs_f64());
    }
    print_sign_ins(data_dir, database_url.is_some());
    Ok(store)
}

async fn create_settings(store: &Store, op: &Caller) -> Result<Settings> {
    let mk = |name: &str, urn: Option<&str>, kind, la, parent| NewSetting {
        name: name.into(),
        urn: urn.map(|u| Urn::parse(u).expect("demo URN")),
        kind,
        la_number: la,
        parent_id: parent,
    };
    let northgate =
        store.create_setting(op, mk("Northgate Academy", Some("900001"), SettingKind::Mainstream, 202, None)).await?.id;
    let harbour = store
        .create_setting(
            op,
            mk("The Harbour (Northgate internal AP unit)", None, SettingKind::InternalApUnit, 202, Some(northgate)),
        )
        .await?
        .id;
    let heathside =
        store.create_setting(op, mk("Heathside School", Some("900002"), SettingKind::Mainstream, 202, None)).await?.id;
    let fleet_valley = store
        .create_setting(op, mk("Fleet Valley School", Some("900003"), SettingKind::Mainstream, 202, None))
        .await?
        .id;
    let parkhill =
        store.create_setting(op, mk("Parkhill School", Some("900004"), SettingKind::Special, 202, None)).await?.id;
    let pru = store
        .create_setting(op, mk("Camden Bridge PRU", Some("900005"), SettingKind::PupilReferralUnit, 202, None))
        .await?
        .id;
    let canonbury =
        store.create_setting(op, mk("Canonbury High", Some("900006"), SettingKind::Mainstream, 206, None)).await?.id;
    let trust = store.create_trust(op, "Riverside Learning Trust", &[northgate, canonbury]).await?;
    Ok(Settings { northgate, harbour, heathside, fleet_valley, parkhill, pru, canonbury, trust })
}

/// One enrolment in a journey: setting, start, end, registration, why it ended.
type Step = (i64, NaiveDate, Option<NaiveDate>, RegistrationType, Option<LeavingReason>);

/// One pupil's journey: where they are enrolled, from when, and how each enrolment ended.
fn journey(rng: &mut ChaCha8Rng, s: &Settings, i: usize, entry: NaiveDate, today: NaiveDate) -> (i64, Vec<Step>) {
    use LeavingReason::*;
    use RegistrationType::*;
    let home = match i % 20 {
        0..=5 => s.northgate,
        6..=9 => s.heathside,
        10..=13 => s.fleet_valley,
        14 => s.parkhill,
        _ => s.canonbury,
    };
    let recent =
        |rng: &mut ChaCha8Rng| (today - Duration::days(rng.gen_range(20..300))).max(entry + Duration::days(30));
    let mut steps = Vec::new();
    match i {
        // Permanently excluded, now at the PRU from the sixth school day or so.
        0..=7 => {
            let home = [s.northgate, s.heathside, s.fleet_valley][i % 3];
            let excluded = recent(rng);
            steps.push((home, entry, Some(excluded), Single, Some(PermanentExclusion)));
            steps.push((s.pru, excluded + Duration::days(8), None, Single, None));
        }
        // Dual registered: on their school's roll (main) and attending the PRU (subsidiary).
        8..=14 => {
            let home = [s.northgate, s.heathside, s.fleet_valley, s.canonbury][i % 4];
            steps.push((home, entry, None, DualMain, None));
            steps.push((s.pru, recent(rng), None, DualSubsidiary, None));
        }
        // In Northgate's internal AP unit, still on Northgate's roll.
        15..=24 => {
            steps.push((s.northgate, entry, None, Single, None));
            steps.push((s.harbour, recent(rng), None, DualSubsidiary, None));
        }
        // Managed moves between schools.
        25..=28 => {
            let moved = recent(rng);
            steps.push((s.heathside, entry, Some(moved), Single, Some(ManagedMove)));
            steps.push((s.fleet_valley, moved + Duration::days(1), None, Single, None));
        }
        // Left for elective home education, or left with no reason known, in the weeks before
        // a January census: the pattern off-rolling leaves behind.
        29..=33 => {
            let year = AcademicYear::containing(today);
            let census = year.census_day(Term::Spring);
            let census = if census > today { AcademicYear(year.0 - 1).census_day(Term::Spring) } else { census };
            let left = (census - Duration::days(rng.gen_range(3..40))).max(entry + Duration::days(30));
            let reason = if i.is_multiple_of(2) { ElectiveHomeEducation } else { NotKnown };
            steps.push(([s.northgate, s.fleet_valley][i % 2], entry, Some(left), Single, Some(reason)));
        }
        // Moved house across the border.
        34..=36 => {
            let moved = recent(rng);
            steps.push((s.heathside, entry, Some(moved), Single, Some(ChangeOfAddress)));
            steps.push((s.canonbury, moved + Duration::days(5), None, Single, None));
        }
        _ => steps.push((home, entry, None, Single, None)),
    }
    (home, steps)
}

async fn create_pupils(store: &Store, op: &Caller, s: &Settings) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let today = chrono::Local::now().date_naive();
    let year = AcademicYear::containing(today);
    let ethnicity_total: u32 = ETHNICITIES.iter().map(|(_, w)| w).sum();
    for i in 0..PUPILS {
        // Years 7 to 11: born between 1 September and 31 August of the cohort's year.
        let year_group = 7 + (i % 5) as i32;
        let born_from = NaiveDate::from_ymd_opt(year.0 - year_group - 5, 9, 1).expect("valid");
        let dob = born_from + Duration::days(rng.gen_range(0..365));
        let entry = AcademicYear(year.0 - (year_group - 7)).first_day();
        let (home, steps) = journey(&mut rng, s, i, entry, today);
        let in_ap = i < 25;
        let male = rng.gen_bool(if in_ap { 0.75 } else { 0.5 });
        let forename = *(if male { FORENAMES_M } else { FORENAMES_F }).choose(&mut rng).expect("names");
        let surname = *SURNAMES.choose(&mut rng).expect("names");
        let sen = if home == s.parkhill {
            SenProvision::EhcPlan
        } else {
            match rng.gen_range(0.0..1.0) {
                x if x < if in_ap { 0.10 } else { 0.03 } => SenProvision::EhcPlan,
                x if x < if in_ap { 0.55 } else { 0.17 } => SenProvision::SenSupport,
                _ => SenProvision::None,
            }
        };
        let mut pick = rng.gen_range(0..ethnicity_total);
        let ethnicity = ETHNICITIES
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(c, _)| c.to_string());
        let pupil = NewPupil {
            upn: Upn::from_body(&format!("202{:04}{:02}{:03}", 4000 + i % 7, (entry.year() - 7) % 100, i))
                .expect("demo UPN"),
            legal_forename: forename.into(),
            legal_surname: surname.into(),
            preferred_forename: (rng.gen_range(0..20) == 0).then(|| forename.chars().take(3).collect()),
            preferred_surname: None,
            date_of_birth: dob,
            sex: if male { Sex::Male } else { Sex::Female },
            fsm_eligible: rng.gen_bool(if in_ap { 0.6 } else { 0.27 }),
            sen,
            child_in_need: rng.gen_bool(if in_ap { 0.2 } else { 0.03 }),
            looked_after: rng.gen_bool(if in_ap { 0.08 } else { 0.01 }),
            ethnicity: ethnicity.filter(|_| rng.gen_range(0..20) != 0),
        };
        let mut steps = steps.into_iter();
        let (setting_id, start, end, registration, leaving_reason) =
            steps.next().expect("every journey starts somewhere");
        let first = NewEnrolment { pupil_id: 0, setting_id, start, end, registration, leaving_reason };
        let id = store.create_pupil(op, &pupil, &first, today).await.with_context(|| format!("demo pupil {i}"))?;
        for (setting_id, start, end, registration, leaving_reason) in steps {
            store
                .add_enrolment(op, &NewEnrolment { pupil_id: id, setting_id, start, end, registration, leaving_reason })
                .await?;
        }
    }
    Ok(())
}

async fn create_users(store: &Store, op: &Caller, s: &Settings) -> Result<()> {
    let users = [
        ("admin@demo.waymark.test", "Alex Admin", Role::Admin),
        ("la@demo.waymark.test", "Lola Inclusion (Camden LA)", Role::La(202)),
        ("trust@demo.waymark.test", "Tomas Trust (Riverside Learning Trust)", Role::Trust(s.trust)),
        ("setting@demo.waymark.test", "Sam Setting (Northgate Academy)", Role::Setting(s.northgate)),
        ("pru@demo.waymark.test", "Priya PRU (Camden Bridge PRU)", Role::Setting(s.pru)),
    ];
    for (email, name, role) in users {
        store
            .create_user(
                op,
                NewUser { email: email.into(), display_name: name.into(), password: PASSWORD.into(), role },
            )
            .await?;
    }
    Ok(())
}

fn print_sign_ins(data_dir: &Path, postgres: bool) {
    println!();
    println!("Waymark demo: a hand-made local authority (Camden, 202) with {PUPILS} pupils.");
    println!("Sign in at /sign-in with any of these; the password for all is {PASSWORD}");
    println!("  admin     admin@demo.waymark.test     sees everything");
    println!("  la        la@demo.waymark.test        Camden (202): every setting in the LA");
    println!("  trust     trust@demo.waymark.test     Riverside Learning Trust: Northgate Academy and Canonbury High (Islington)");
    println!("  setting   setting@demo.waymark.test   Northgate Academy and its internal AP unit, The Harbour");
    println!("  setting   pru@demo.waymark.test       Camden Bridge PRU");
    if postgres {
        println!(
            "The demo lives in the PostgreSQL database you gave; its key is in {}.",
            data_dir.join("waymark.key").display()
        );
    } else {
        println!("The demo database and its key are in {}/ and are recreated on every run.", data_dir.display());
    }
    println!();
}
