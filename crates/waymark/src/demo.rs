//! `waymark demo`: a real local authority, generated.
//!
//! The demo LA is built by `waymark-synth` from DfE's published figures for that LA (Rutland by
//! default: a real LA of a few thousand pupils, with primary, secondary and special schools, a
//! pupil referral unit, internal AP units and unregistered AP), imported through the same CSV
//! templates and all-or-nothing import any LA would use. The latest year with LA-level figures
//! (2016/17) is moved forward to the last complete academic year, so ages are today's and every
//! record (attendance, incidents, placements) is already in the past.
//! Then there is a sign-in for each role. The national observatory's open data is embedded.

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use std::path::Path;
use waymark_domain::records::FileSet;
use waymark_domain::*;
use waymark_interchange::{read_set, NothingKnown};
use waymark_store::{Caller, KeySource, NewUser, Role, Store};

pub const PASSWORD: &str = "waymark-demo-2026";
/// The latest year with published LA exclusion figures: the generator's calibration year.
const CALIBRATION_YEAR: AcademicYear = AcademicYear(2016);
const SEED: u64 = 2026;

/// Who signs in as what, for the printout.
struct SignIn {
    role: &'static str,
    email: &'static str,
    sees: String,
}

/// Open the demo store, filling it if new. A SQLite demo is recreated from scratch each run;
/// a PostgreSQL database is filled if empty, reused if it already holds this demo, and
/// otherwise left alone with an error.
pub async fn prepare(data_dir: &Path, database_url: Option<&str>, la: &str) -> Result<Store> {
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
        println!("Reusing the demo already in this database (sign-ins as before; password {PASSWORD}).");
    } else if !users.is_empty() || !store.list_settings(&op).await?.is_empty() {
        bail!("this database already holds data that is not the demo; give `waymark demo` an empty database");
    } else {
        let started = std::time::Instant::now();
        let sign_ins = build(&store, &op, data_dir, la).await?;
        tracing::info!("demo built in {:.1}s", started.elapsed().as_secs_f64());
        print_sign_ins(&sign_ins);
    }
    match database_url {
        Some(_) => println!(
            "The demo lives in the PostgreSQL database you gave; its key is in {}.",
            data_dir.join("waymark.key").display()
        ),
        None => {
            println!("The demo database and its key are in {}/ and are recreated on every run.", data_dir.display())
        }
    }
    println!();
    Ok(store)
}

/// Generate the LA, import all thirteen files, and create the users.
async fn build(store: &Store, op: &Caller, data_dir: &Path, la: &str) -> Result<Vec<SignIn>> {
    let data = waymark_opendata::OpenData::shared()
        .map_err(|e| anyhow::anyhow!("the embedded open data would not load: {e}"))?;
    let la = data.las.parse(la).with_context(|| format!("--la {la:?}"))?.clone();
    let generated = data_dir.join("generated");
    let (set, last_complete) = dated_set(la.number, &generated, chrono::Local::now().date_naive())?;
    let counts = store.import_records(op, &set, false, &mut |_| {}).await?;
    let _ = std::fs::remove_dir_all(&generated);
    println!(
        "Generated {} ({:03}), calibrated to its published {CALIBRATION_YEAR} figures and dated {}: {} settings; {counts}.",
        la.name,
        la.number,
        last_complete,
        set.settings.len()
    );
    let ids = store.setting_ids_by_key(op).await?;
    let sign_ins = create_users(store, op, &set, &ids, &la).await?;
    let unit = set
        .settings
        .iter()
        .find(|s| s.kind == SettingKind::InternalApUnit && s.parent_id.is_some())
        .context("no unit")?;
    let pru = set.settings.iter().find(|s| s.kind == SettingKind::PupilReferralUnit).context("no PRU")?;
    let school = unit.parent_id.as_deref().context("no unit school")?;
    let summary = crate::demo_provision::build(store, ids[school], ids[&unit.id], ids[&pru.id]).await?;
    println!("{summary}");
    Ok(sign_ins)
}

/// Generate the LA's files into `dir`, read them, and date them to the last academic year that
/// is complete on `today`, so that nothing in the demo lies after today.
fn dated_set(la_number: u16, dir: &Path, today: NaiveDate) -> Result<(FileSet, AcademicYear)> {
    let _ = std::fs::remove_dir_all(dir);
    let options = waymark_synth::Options { seed: SEED, attendance: true, scale: 1.0 };
    waymark_synth::generate(la_number, CALIBRATION_YEAR, options, dir)?;
    let mut set = read_set(dir, &NothingKnown, &mut |_, _, _| {})
        .map_err(|report| anyhow::anyhow!("the generated files did not pass the importer's checks:\n{report}"))?;
    let last_complete = AcademicYear(AcademicYear::containing(today).0 - 1);
    shift_set(&mut set, last_complete.0 - CALIBRATION_YEAR.0);
    Ok((set, last_complete))
}

/// Move a date forward by whole years (29 February becomes 28 February where needed).
fn shift_date(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years).or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28)).unwrap_or(d)
}

/// Move every date and year in the file set forward `years` years. Session marks keep their
/// lengths: the demo's terms are the calibration year's, relabelled.
pub(crate) fn shift_set(set: &mut FileSet, years: i32) {
    let d = |x: &mut NaiveDate| *x = shift_date(*x, years);
    let o = |x: &mut Option<NaiveDate>| *x = x.map(|v| shift_date(v, years));
    set.pupils.iter_mut().for_each(|p| d(&mut p.date_of_birth));
    set.enrolments.iter_mut().for_each(|e| {
        d(&mut e.start);
        o(&mut e.end);
    });
    set.attendance.iter_mut().for_each(|a| a.year = AcademicYear(a.year.0 + years));
    set.incidents.iter_mut().for_each(|r| d(&mut r.date));
    set.suspensions.iter_mut().for_each(|r| d(&mut r.start));
    set.exclusions.iter_mut().for_each(|r| d(&mut r.start));
    set.referrals.iter_mut().for_each(|r| d(&mut r.date));
    set.placements.iter_mut().for_each(|r| {
        d(&mut r.start);
        o(&mut r.planned_end);
        o(&mut r.end);
    });
    set.timetables.iter_mut().for_each(|r| d(&mut r.from));
    set.assessments.iter_mut().for_each(|r| d(&mut r.date));
    set.interventions.iter_mut().for_each(|r| {
        d(&mut r.start);
        o(&mut r.end);
    });
    set.destinations.iter_mut().for_each(|r| r.ks4_year = AcademicYear(r.ks4_year.0 + years));
}

/// A sign-in for each role: the LA; a trust of two secondary schools; the secondary school
/// with an internal AP unit; the pupil referral unit.
async fn create_users(
    store: &Store,
    op: &Caller,
    set: &FileSet,
    ids: &std::collections::HashMap<String, i64>,
    la: &waymark_opendata::LaInfo,
) -> Result<Vec<SignIn>> {
    let name_of = |key: &str| set.settings.iter().find(|s| s.id == key).map_or_else(String::new, |s| s.name.clone());
    let unit = set
        .settings
        .iter()
        .find(|s| s.kind == SettingKind::InternalApUnit && s.parent_id.is_some())
        .context("the generated LA has no internal AP unit")?;
    let school_key = unit.parent_id.clone().expect("checked");
    let pru = set
        .settings
        .iter()
        .find(|s| s.kind == SettingKind::PupilReferralUnit)
        .context("the generated LA has no pupil referral unit")?;
    let other_secondary = set
        .settings
        .iter()
        .find(|s| s.phase.as_deref() == Some("secondary") && s.id != school_key)
        .context("the generated LA has only one secondary school")?;
    let secondaries = [school_key.as_str(), other_secondary.id.as_str()];
    let trust_ids: Vec<i64> = secondaries.iter().map(|k| ids[*k]).collect();
    let trust = store.create_trust(op, "Demo Learning Trust", &trust_ids).await?;
    let trust_names: Vec<String> = secondaries.iter().map(|k| name_of(k)).collect();
    let users = [
        ("admin", "admin@demo.waymark.test", "Alex Morgan", Role::Admin, "everything".to_string()),
        (
            "la",
            "la@demo.waymark.test",
            "Lola Adebayo",
            Role::La(la.number),
            format!("{} ({:03}): every setting in the LA", la.name, la.number),
        ),
        (
            "trust",
            "trust@demo.waymark.test",
            "Tomas Novak",
            Role::Trust(trust),
            format!("Demo Learning Trust: {}", trust_names.join(" and ")),
        ),
        (
            "setting",
            "setting@demo.waymark.test",
            "Sam Patel",
            Role::Setting(ids[&school_key]),
            format!("{} and its internal AP unit", name_of(&school_key)),
        ),
        (
            "setting",
            "pru@demo.waymark.test",
            "Priya Shah",
            Role::Setting(ids[&pru.id]),
            format!("{}: the PRU's head", pru.name),
        ),
        (
            "setting",
            "inclusion@demo.waymark.test",
            "Ines Okoro",
            Role::Setting(ids[&school_key]),
            format!("{}: its inclusion lead, who refers", name_of(&school_key)),
        ),
        (
            "setting",
            "unit@demo.waymark.test",
            "Uma Hughes",
            Role::Setting(ids[&unit.id]),
            format!("{}: the internal AP unit's lead", unit.name),
        ),
    ];
    let mut out = Vec::new();
    for (role, email, name, scope, sees) in users {
        store
            .create_user(
                op,
                NewUser { email: email.into(), display_name: name.into(), password: PASSWORD.into(), role: scope },
            )
            .await?;
        out.push(SignIn { role, email, sees });
    }
    Ok(out)
}

fn print_sign_ins(sign_ins: &[SignIn]) {
    println!();
    println!("Sign in at /sign-in with any of these; the password for all is {PASSWORD}");
    for s in sign_ins {
        println!("  {:<9} {:<27} {}", s.role, s.email, s.sees);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every dated record in the demo is on or before the day it is built, on a day in term
    /// and on a day in the summer holiday.
    #[test]
    fn nothing_in_the_demo_lies_after_today() {
        let dir = tempfile::tempdir().unwrap();
        let rutland = 857;
        for today in [NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), NaiveDate::from_ymd_opt(2027, 8, 20).unwrap()] {
            let (set, year) = dated_set(rutland, &dir.path().join("g"), today).unwrap();
            let mut dates: Vec<(&str, NaiveDate)> = Vec::new();
            for e in &set.enrolments {
                dates.push(("enrolment start", e.start));
                dates.extend(e.end.map(|d| ("enrolment end", d)));
            }
            dates.extend(set.incidents.iter().map(|r| ("incident", r.date)));
            dates.extend(set.suspensions.iter().map(|r| ("suspension", r.start)));
            dates.extend(set.exclusions.iter().map(|r| ("exclusion", r.start)));
            dates.extend(set.referrals.iter().map(|r| ("referral", r.date)));
            for p in &set.placements {
                dates.push(("placement start", p.start));
                dates.extend(p.end.map(|d| ("placement end", d)));
            }
            dates.extend(set.timetables.iter().map(|r| ("timetable step", r.from)));
            dates.extend(set.assessments.iter().map(|r| ("assessment", r.date)));
            for i in &set.interventions {
                dates.push(("intervention start", i.start));
                dates.extend(i.end.map(|d| ("intervention end", d)));
            }
            assert!(dates.len() > 1000, "the demo has records ({})", dates.len());
            let late: Vec<_> = dates.iter().filter(|(_, d)| *d > today).take(5).collect();
            assert!(late.is_empty(), "built on {today}, these lie after it: {late:?}");
            assert!(year.last_day() <= today, "the demo year {year} has not ended on {today}");
            assert!(set.attendance.iter().all(|a| a.year <= year));
            assert!(set.destinations.iter().all(|d| d.ks4_year <= year));
        }
    }
}
