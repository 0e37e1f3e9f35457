//! What `waymark bench outcomes` and `waymark bench pages` share: a synthetic LA-year generated
//! as CSV, read and dated to the last complete academic year (as `waymark demo` does, so that
//! "today" falls just after it), imported into a fresh SQLite file or PostgreSQL schema, and
//! provisions put to use through the store's own functions: groups, referrals (some still on the
//! waiting list), placements in those groups with hybrid timetables, a term of daily check-ins,
//! and entry and review assessments.

use crate::demo_provision::{caller, monday, on_roll, record_assessments, record_checkins, token, Rng};
use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use waymark_domain::records::FileSet;
use waymark_domain::{AcademicYear, SettingKind};
use waymark_interchange::{read_set, NothingKnown};
use waymark_store::{
    Caller, KeySource, NewGroup, NewPlacement, NewReferral, PlacementOutcome, ReferralStatus, Role, Store, StoreError,
};

/// The two engines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// A store opened for one run; `close` drops the PostgreSQL schema.
pub struct Opened {
    pub store: Store,
    schema: Option<(String, String)>,
}

impl Opened {
    pub async fn open(engine: Engine, work: &Path, url: &str) -> Result<Opened> {
        let key =
            KeySource { env_value: Some(waymark_store::keyfile::generate_key_text()), file: work.join("unused.key") };
        match engine {
            Engine::Sqlite => {
                let db = work.join("bench.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
                Ok(Opened { store: Store::open(&format!("sqlite://{}", db.display()), &key).await?, schema: None })
            }
            Engine::Postgres => {
                let schema = format!("wm_bench_{}", std::process::id());
                super::psql(url, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))?;
                let sep = if url.contains('?') { '&' } else { '?' };
                match Store::open(&format!("{url}{sep}options=-c%20search_path%3D{schema}"), &key).await {
                    Ok(store) => Ok(Opened { store, schema: Some((url.to_string(), schema)) }),
                    Err(e) => {
                        super::psql(url, &format!("DROP SCHEMA {schema} CASCADE"))?;
                        Err(e.into())
                    }
                }
            }
        }
    }

    pub async fn close(self) -> Result<()> {
        self.store.close().await;
        if let Some((url, schema)) = self.schema {
            super::psql(&url, &format!("DROP SCHEMA {schema} CASCADE"))?;
        }
        Ok(())
    }
}

/// Generate LA `la` in `year` as CSV under `work/csv`; print and return the pupils and marks.
pub fn generate(la: u16, year: AcademicYear, work: &Path) -> Result<(PathBuf, u64, u64)> {
    std::fs::create_dir_all(work)?;
    let csv = work.join("csv");
    let _ = std::fs::remove_dir_all(&csv);
    let started = Instant::now();
    let s = waymark_synth::generate(la, year, waymark_synth::Options { seed: 1, attendance: true, scale: 1.0 }, &csv)?;
    println!(
        "generated LA {la:03} {year}: {} pupils, {} attendance marks ({:.1} M) in {:.2} s",
        s.pupils,
        s.attendance_marks,
        s.attendance_marks as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok((csv, s.pupils, s.attendance_marks))
}

/// The CSVs read and checked as `waymark import` reads them, then dated so that the year is the
/// last complete one before `today` (as the demo does): today's pages then have a term to show.
pub fn read_dated(csv: &Path, year: AcademicYear, today: NaiveDate) -> Result<FileSet> {
    let mut set = read_set(csv, &NothingKnown, &mut |_, _, _| {}).map_err(|r| anyhow::anyhow!("{r}"))?;
    let last_complete = AcademicYear::containing(today).0 - 1;
    crate::demo::shift_set(&mut set, last_complete - year.0);
    Ok(set)
}

/// One provision put to use, and who works there.
pub struct Provision {
    pub id: i64,
    pub staff: Caller,
    pub groups: Vec<i64>,
    /// The school that referred its pupils.
    pub school: i64,
    /// Pupils referred (placed or waiting).
    pub pupils: Vec<i64>,
}

pub struct Activity {
    pub provisions: Vec<Provision>,
    pub referrals: usize,
    pub placements: usize,
    pub waiting: usize,
    pub checkins: usize,
    pub assessments: usize,
    pub refused: usize,
    pub seconds: f64,
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} provisions with {} groups: {} referrals ({} waiting), {} placements, {} check-ins, {} assessments \
             ({} refused by the store's checks) in {:.1} s",
            self.provisions.len(),
            self.provisions.iter().map(|p| p.groups.len()).sum::<usize>(),
            self.referrals,
            self.waiting,
            self.placements,
            self.checkins,
            self.assessments,
            self.refused,
            self.seconds
        )
    }
}

/// Groups per provision, referrals per provision and how many of them are placed.
const GROUPS: usize = 3;
const REFERRALS: usize = 30;
const PLACED: usize = 21;

/// Up to `max` provisions of the LA (PRUs and AP schools first, then internal units), each with
/// three groups, thirty referrals from one school and twenty-one placements over the last twelve
/// weeks, then a term of check-ins and the assessments, all through the store's functions with
/// the staff's own scopes (audited as real use).
pub async fn activity(store: &Store, set: &FileSet, max: usize, today: NaiveDate) -> Result<Activity> {
    let started = Instant::now();
    let op = Caller::system("bench");
    let ids: HashMap<String, i64> = store.setting_ids_by_key(&op).await?.into_iter().collect();
    let secondaries: Vec<&str> = set
        .settings
        .iter()
        .filter(|s| s.kind == SettingKind::Mainstream && s.phase.as_deref() == Some("secondary"))
        .map(|s| s.id.as_str())
        .collect();
    let mut chosen: Vec<(&str, &str)> = Vec::new();
    let mut next_school = 0;
    for s in &set.settings {
        let kind = s.kind;
        if matches!(kind, SettingKind::PupilReferralUnit | SettingKind::ApAcademy | SettingKind::ApFreeSchool) {
            let school = *secondaries.get(next_school % secondaries.len().max(1)).context("no secondary school")?;
            next_school += 1;
            chosen.push((s.id.as_str(), school));
        }
    }
    for s in &set.settings {
        if s.kind == SettingKind::InternalApUnit {
            if let Some(parent) = s.parent_id.as_deref() {
                chosen.push((s.id.as_str(), parent));
            }
        }
    }
    chosen.truncate(max);
    // Each school's pupils on roll at the start of the term, shared out without repeats.
    let term_start = monday(today - Duration::weeks(12));
    let mut wanted: HashMap<&str, usize> = HashMap::new();
    for (_, school) in &chosen {
        *wanted.entry(*school).or_default() += REFERRALS;
    }
    let mut pools: HashMap<&str, Vec<i64>> = HashMap::new();
    for (school, want) in &wanted {
        let lead = caller(Role::Setting(ids[*school]), "inclusion-lead");
        let mut pupils = on_roll(store, &lead, ids[*school], term_start, *want).await?;
        pupils.reverse();
        pools.insert(*school, pupils);
    }
    let mut rng = Rng(2026);
    let mut a = Activity {
        provisions: Vec::new(),
        referrals: 0,
        placements: 0,
        waiting: 0,
        checkins: 0,
        assessments: 0,
        refused: 0,
        seconds: 0.0,
    };
    let mut tag = 0usize;
    for (p_index, (key, school_key)) in chosen.iter().enumerate() {
        let (id, school) = (ids[*key], ids[*school_key]);
        let staff = caller(Role::Setting(id), &format!("provision-{id}"));
        let lead = caller(Role::Setting(school), &format!("inclusion-lead-{school}"));
        // An internal unit's groups are made by its school (the unit is in the school's scope).
        let maker = if set.settings.iter().any(|s| s.id == *key && s.kind == SettingKind::InternalApUnit) {
            &lead
        } else {
            &staff
        };
        let mut groups = Vec::new();
        for g in 0..GROUPS {
            let new = NewGroup {
                setting_id: id,
                name: format!("Group {}", g + 1),
                size_limit: 8,
                hard_limit: 10,
                teacher: format!("Teacher {}", g + 1),
                support_adult: format!("Support {}", g + 1),
            };
            groups.push(store.create_group(maker, &new).await?);
        }
        let mut pupils = Vec::new();
        let pool = pools.get_mut(school_key).context("no pool")?;
        for i in 0..REFERRALS {
            let Some(pupil) = pool.pop() else { break };
            tag += 1;
            let date = term_start + Duration::days((i as i64 * 2) % 40);
            let new = NewReferral {
                pupil_id: pupil,
                from_setting_id: school,
                to_setting_id: id,
                reason: "Persistent disruption in lessons".into(),
                needs: "Social, emotional and mental health".into(),
                tried: "Mentoring and a pastoral support plan".into(),
                tier_requested: 2,
                priority: 1 + rng.below(3) as i64,
                token: token("ref", tag),
            };
            let referral = match store.submit_referral(&lead, &new, date).await {
                Ok(r) => r,
                Err(StoreError::Invalid(_) | StoreError::NotFound) => {
                    a.refused += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            a.referrals += 1;
            pupils.push(pupil);
            if i >= PLACED {
                store.move_referral(&staff, referral, ReferralStatus::UnderAssessment, "").await?;
                if i % 2 == 0 {
                    store.move_referral(&staff, referral, ReferralStatus::Waiting, "").await?;
                }
                a.waiting += 1;
                continue;
            }
            store.move_referral(&staff, referral, ReferralStatus::UnderAssessment, "Entry assessment booked").await?;
            store.move_referral(&staff, referral, ReferralStatus::Offered, "Place offered").await?;
            let start = monday(date + Duration::days(7));
            let new = NewPlacement {
                referral_id: Some(referral),
                pupil_id: pupil,
                setting_id: id,
                tier: 2,
                start,
                review: Some(start + Duration::weeks(6)),
                planned_end: Some(start + Duration::weeks(16)),
                commissioner: "The referring school".into(),
                weekly_cost_pence: Some(42_000),
                ap_sessions: if i % 4 == 0 { 6 } else { 8 },
                mainstream_sessions: 2,
                mainstream_subjects: "PE, art".into(),
                group_id: Some(groups[i % GROUPS]),
                over_limit_reason: String::new(),
                token: token("place", tag),
            };
            let placement = match store.create_placement(&staff, &new).await {
                Ok(p) => p,
                Err(StoreError::Invalid(_)) => {
                    a.refused += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            a.placements += 1;
            let step_from = start + Duration::weeks(3);
            if step_from < today {
                store.set_reintegration_plan(&staff, placement, step_from, 2, 3).await?;
                let step = waymark_store::Step {
                    from_date: step_from,
                    ap_sessions: 6,
                    mainstream_sessions: 4,
                    mainstream_subjects: Some("PE, art, maths, English".into()),
                };
                store.add_timetable_step(&staff, placement, &step).await?;
            }
            let before = if start + Duration::weeks(6) <= today { 4 } else { 2 };
            record_assessments(store, &staff, pupil, id, start, today, &mut rng, p_index * 100 + i).await?;
            a.assessments += before;
            if i < 3 && start + Duration::weeks(9) < today {
                store
                    .end_placement(&staff, placement, start + Duration::weeks(9), PlacementOutcome::Reintegrated)
                    .await?;
            }
        }
        a.provisions.push(Provision { id, staff, groups, school, pupils });
    }
    let groups: Vec<(&Caller, i64)> =
        a.provisions.iter().flat_map(|p| p.groups.iter().map(move |g| (&p.staff, *g))).collect();
    a.checkins = record_checkins(store, &groups, term_start, today, &mut rng).await?;
    a.seconds = started.elapsed().as_secs_f64();
    Ok(a)
}
