//! Importing a file set (any subset of the thirteen templates) in one all-or-nothing
//! transaction. The reader (`waymark-interchange`) has already checked every cell and every
//! reference it can see, asking [`ImportContext`] about records already stored; here the
//! store resolves the file set's ids to its own, checks the caller may write each record, and
//! upserts table by table through [`crate::bulk`]. One audit entry records the import.
//!
//! Upsert keys: settings by LA and the file's setting id (or URN); pupils by UPN; enrolments,
//! incidents, suspensions, exclusions, assessments and interventions by setting and the
//! record's own id; referrals by referring setting and id; attendance by enrolment, year and
//! term; timetable steps by placement and date; destinations by pupil and year.

use crate::audit::{self, Event};
use crate::bulk::{self, Kind, Outcome, Table, Val};
use crate::engine::{on_pool, on_tx, Tx};
use crate::names::bump_directory;
use crate::scope::{bind_args, SqlBuilder};
use crate::{Caller, Crypto, Role, Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::fmt;
use waymark_domain::records::FileSet;
use waymark_domain::{NewPupil, Upn};

/// What an import did, in the words of its last line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub pupils: usize,
    pub enrolments: usize,
    pub attendance_terms: usize,
    pub other: usize,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl fmt::Display for ImportCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported: {} pupils, {} enrolments, {} attendance terms, {} other records; added {}, changed {}, unchanged {}",
            self.pupils, self.enrolments, self.attendance_terms, self.other, self.added, self.changed, self.unchanged
        )
    }
}

/// What the caller can already see, for the reader's reference checks: file-set ids of
/// settings, enrolments, placements and referrals in scope, and keyed hashes of visible pupils.
pub struct ImportContext {
    crypto: Crypto,
    settings: HashSet<String>,
    pupils: HashSet<Vec<u8>>,
    enrolments: HashSet<(String, String)>,
    placements: HashSet<String>,
    referrals: HashSet<String>,
}

impl ImportContext {
    pub fn setting(&self, setting_id: &str) -> bool {
        self.settings.contains(setting_id)
    }
    pub fn pupil(&self, upn: &Upn) -> bool {
        self.pupils.contains(&self.crypto.blind_index("upn", upn.as_str()))
    }
    pub fn enrolment(&self, setting_id: &str, enrolment_id: &str) -> bool {
        self.enrolments.contains(&(setting_id.to_string(), enrolment_id.to_string()))
    }
    pub fn placement(&self, placement_id: &str) -> bool {
        self.placements.contains(placement_id)
    }
    pub fn referral(&self, referral_id: &str) -> bool {
        self.referrals.contains(referral_id)
    }
}

/// A setting in scope as the import refers to it.
#[derive(sqlx::FromRow)]
struct ScopedSetting {
    id: i64,
    la_number: i64,
    source_key: Option<String>,
    urn: Option<i64>,
}

impl ScopedSetting {
    /// The ids a file set may use for it: its own key from an earlier import, and its URN.
    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.source_key.iter().cloned().chain(self.urn.map(|u| u.to_string()))
    }
}

#[derive(sqlx::FromRow)]
struct StoredPupil {
    #[sqlx(flatten)]
    identity: crate::pupils::IdentityRow,
    upn_hash: Vec<u8>,
    sex: String,
    fsm_eligible: bool,
    sen: String,
    child_in_need: bool,
    looked_after: bool,
    ethnicity: Option<String>,
    la_number: i64,
}

impl StoredPupil {
    fn id(&self) -> i64 {
        self.identity.id
    }
}

fn refused(what: String) -> StoreError {
    StoreError::Import(what)
}

/// Rows per `IN (…)` list when looking rows up by key.
const LOOKUP_CHUNK: usize = 500;

impl Store {
    /// Everything the reader needs to check references to records already stored.
    pub async fn import_context(&self, caller: &Caller) -> Result<ImportContext, StoreError> {
        let role = caller.role;
        let settings = self.settings_for_import(role).await?;
        let keys_of: HashMap<i64, Vec<String>> = settings.iter().map(|s| (s.id, s.keys().collect())).collect();
        let mut sql = SqlBuilder::new("SELECT p.upn_hash FROM pupils p WHERE ");
        sql.pupils_in_scope(role);
        let pupils: Vec<Vec<u8>> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_all(p).await)?;
        let scoped = |table: &str, setting_col: &str| {
            let mut sql = SqlBuilder::new(&format!(
                "SELECT r.{setting_col}, r.source_id FROM {table} r JOIN settings s ON s.id = r.{setting_col} \
                 WHERE r.source_id IS NOT NULL AND "
            ));
            sql.settings_in_scope(role, "s");
            sql
        };
        let fetch = |sql: SqlBuilder| async move {
            let rows: Vec<(i64, String)> =
                on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
            Ok::<_, StoreError>(rows)
        };
        let mut enrolments = HashSet::new();
        for (setting, source) in fetch(scoped("enrolments", "setting_id")).await? {
            for key in keys_of.get(&setting).into_iter().flatten() {
                enrolments.insert((key.clone(), source.clone()));
            }
        }
        let placements = fetch(scoped("placements", "setting_id")).await?.into_iter().map(|(_, s)| s).collect();
        let referrals = fetch(scoped("referrals", "from_setting_id")).await?.into_iter().map(|(_, s)| s).collect();
        Ok(ImportContext {
            crypto: self.crypto.clone(),
            settings: keys_of.into_values().flatten().collect(),
            pupils: pupils.into_iter().collect(),
            enrolments,
            placements,
            referrals,
        })
    }

    /// Refresh the query planner's statistics after a bulk load. Without this, PostgreSQL plans
    /// the scoped queries that follow a first large import as if the tables were still empty
    /// (seen: the pupil list at 11 requests a second for Kent instead of thousands).
    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match &self.pool {
            crate::engine::Pool::Postgres(p, _) => {
                sqlx::query(
                    "ANALYZE settings, pupils, enrolments, attendance, incidents, suspensions, exclusions, referrals, \
                     placements, timetable_steps, assessments, assessment_items, interventions, destinations",
                )
                .execute(p)
                .await?;
            }
            crate::engine::Pool::Sqlite(p, ..) => {
                sqlx::query("PRAGMA optimize").execute(p).await?;
            }
        }
        Ok(())
    }

    async fn settings_for_import(&self, role: Role) -> Result<Vec<ScopedSetting>, StoreError> {
        let mut sql = SqlBuilder::new("SELECT s.id, s.la_number, s.source_key, s.urn FROM settings s WHERE ");
        sql.settings_in_scope(role, "s");
        Ok(on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?)
    }

    /// Import a file set in one transaction: everything or nothing. With `dry_run` the work is
    /// done and counted, then rolled back. `progress` hears each table's name as it starts.
    pub async fn import_records(
        &self,
        caller: &Caller,
        set: &FileSet,
        dry_run: bool,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ImportCounts, StoreError> {
        let role = caller.role;
        if role == Role::Public {
            return Err(StoreError::NotFound);
        }
        for s in &set.settings {
            let may = role == Role::Admin || role == Role::La(s.la);
            if !may {
                return Err(refused(format!(
                    "settings.csv: setting {} ({}) is in LA {:03}; settings can be added or changed only by an \
                     administrator or by their own LA",
                    s.id, s.name, s.la
                )));
            }
        }
        let mut outcome = Outcome::default();
        let mut tx = self.pool.begin_write().await?;
        let seq = bump_directory(&mut tx).await?;
        let started = std::time::Instant::now();
        let mut progress = |step: &str| {
            tracing::debug!(step, ms = started.elapsed().as_millis() as u64, "import step");
            progress(step)
        };

        progress("settings");
        let (settings, o) = self.import_settings(&mut tx, role, set).await?;
        outcome += o;
        let setting = |file: &str, key: &str| {
            settings.get(key).copied().ok_or_else(|| {
                refused(format!("{file}: setting {key} is not recorded, or is not one you may import records for"))
            })
        };

        let touched = touched_settings(set, &settings);
        let la_of_setting: HashMap<i64, i64> = settings.values().copied().collect();
        // A timetable or placement may name a placement or referral imported earlier at any
        // of the caller's settings.
        let all_settings: Vec<i64> = la_of_setting.keys().copied().collect();

        progress("pupils");
        let enrolled: HashSet<&Upn> = set.enrolments.iter().map(|e| &e.upn).collect();
        let (pupil_ids, o) = self.import_pupils(&mut tx, role, set, &enrolled, seq, &settings).await?;
        outcome += o;
        let pupil = |file: &str, upn: &Upn| {
            pupil_ids.get(upn).copied().ok_or_else(|| {
                refused(format!("{file}: pupil {upn} is not recorded, or is not one you may import records for"))
            })
        };

        progress("enrolments");
        let mut rows = Vec::with_capacity(set.enrolments.len());
        for e in &set.enrolments {
            let (sid, la) = setting("enrolments.csv", &e.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("enrolments.csv", &e.upn)?.into(),
                sid.into(),
                e.start.into(),
                e.end.into(),
                e.registration.code().into(),
                e.leaving_reason.map(|r| r.code()).into(),
                e.enrolment_id.as_str().into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &ENROLMENTS, &rows).await?;
        let enrolment_ids = source_ids(&mut tx, "enrolments", "setting_id", &touched).await?;

        progress("attendance");
        let mut rows = Vec::with_capacity(set.attendance.len());
        for a in &set.attendance {
            let (sid, la) = setting("attendance.csv", &a.setting_id)?;
            let enrolment = enrolment_ids.get(&(sid, a.enrolment_id.clone())).copied().ok_or_else(|| {
                refused(format!(
                    "attendance.csv: enrolment {} at setting {} is not recorded",
                    a.enrolment_id, a.setting_id
                ))
            })?;
            rows.push(vec![
                la.into(),
                enrolment.into(),
                pupil("attendance.csv", &a.upn)?.into(),
                sid.into(),
                i64::from(a.year.0).into(),
                a.term.code().into(),
                a.marks.as_str().into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &ATTENDANCE, &rows).await?;

        progress("incidents");
        let mut rows = Vec::new();
        for r in &set.incidents {
            let (sid, la) = setting("incidents.csv", &r.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("incidents.csv", &r.upn)?.into(),
                sid.into(),
                r.incident_id.as_str().into(),
                r.date.into(),
                r.kind.as_str().into(),
                i64::from(r.severity).into(),
                r.outcome.as_str().into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &INCIDENTS, &rows).await?;
        let incident_ids = source_ids(&mut tx, "incidents", "setting_id", &touched).await?;
        let incident = |file: &str, sid: i64, id: &Option<String>| -> Result<Val, StoreError> {
            match id {
                None => Ok(Val::Null),
                Some(id) => incident_ids
                    .get(&(sid, id.clone()))
                    .map(|v| Val::Int(*v))
                    .ok_or_else(|| refused(format!("{file}: incident {id} is not recorded at that setting"))),
            }
        };
        let reason = |reasons: &[String], i: usize| Val::from(reasons.get(i).cloned());

        progress("suspensions");
        let mut rows = Vec::new();
        for r in &set.suspensions {
            let (sid, la) = setting("suspensions.csv", &r.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("suspensions.csv", &r.upn)?.into(),
                sid.into(),
                r.suspension_id.as_str().into(),
                incident("suspensions.csv", sid, &r.incident_id)?,
                r.category.as_str().into(),
                r.start.into(),
                r.length_days.into(),
                reason(&r.reasons, 0),
                reason(&r.reasons, 1),
                reason(&r.reasons, 2),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &SUSPENSIONS, &rows).await?;

        progress("exclusions");
        let mut rows = Vec::new();
        for r in &set.exclusions {
            let (sid, la) = setting("exclusions.csv", &r.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("exclusions.csv", &r.upn)?.into(),
                sid.into(),
                r.exclusion_id.as_str().into(),
                incident("exclusions.csv", sid, &r.incident_id)?,
                r.start.into(),
                reason(&r.reasons, 0),
                reason(&r.reasons, 1),
                reason(&r.reasons, 2),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &EXCLUSIONS, &rows).await?;

        progress("referrals");
        let mut rows = Vec::new();
        for r in &set.referrals {
            let (sid, la) = setting("referrals.csv", &r.from_setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("referrals.csv", &r.upn)?.into(),
                sid.into(),
                r.referral_id.as_str().into(),
                r.date.into(),
                r.reason.as_str().into(),
                i64::from(r.tier_requested).into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &REFERRALS, &rows).await?;
        let referral_ids = by_source_alone(
            source_ids(&mut tx, "referrals", "from_setting_id", &all_settings).await?,
            set.referrals.iter().map(|r| (settings.get(&r.from_setting_id).map(|s| s.0), r.referral_id.as_str())),
            &la_of_setting,
        );

        progress("placements");
        let mut rows = Vec::new();
        for r in &set.placements {
            let (sid, la) = setting("placements.csv", &r.setting_id)?;
            let referral = match &r.referral_id {
                None => Val::Null,
                Some(id) => Val::Int(referral_ids.resolve("placements.csv", "referral", id)?),
            };
            rows.push(vec![
                la.into(),
                pupil("placements.csv", &r.upn)?.into(),
                sid.into(),
                r.placement_id.as_str().into(),
                referral,
                i64::from(r.tier).into(),
                r.start.into(),
                r.planned_end.into(),
                r.end.into(),
                r.outcome.clone().into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &PLACEMENTS, &rows).await?;
        let placement_ids = by_source_alone(
            source_ids(&mut tx, "placements", "setting_id", &all_settings).await?,
            set.placements.iter().map(|r| (settings.get(&r.setting_id).map(|s| s.0), r.placement_id.as_str())),
            &la_of_setting,
        );

        progress("timetables");
        let mut rows = Vec::new();
        for r in &set.timetables {
            let placement = placement_ids.resolve("timetables.csv", "placement", &r.placement_id)?;
            rows.push(vec![
                placement_ids.la_of(placement).into(),
                placement.into(),
                r.from.into(),
                i64::from(r.ap_sessions).into(),
                i64::from(r.mainstream_sessions).into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &TIMETABLE_STEPS, &rows).await?;

        progress("assessments");
        let mut rows = Vec::new();
        for r in &set.assessments {
            let (sid, la) = setting("assessments.csv", &r.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("assessments.csv", &r.upn)?.into(),
                sid.into(),
                r.assessment_id.as_str().into(),
                r.date.into(),
                r.instrument.as_str().into(),
                r.version.clone().into(),
                r.occasion.as_str().into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &ASSESSMENTS, &rows).await?;
        let assessment_ids = source_ids(&mut tx, "assessments", "setting_id", &touched).await?;
        let mut rows = Vec::new();
        for r in &set.assessments {
            let (sid, la) = setting("assessments.csv", &r.setting_id)?;
            let id = assessment_ids[&(sid, r.assessment_id.clone())];
            for (i, response) in r.items.iter().enumerate() {
                if let Some(v) = response {
                    rows.push(vec![id.into(), la.into(), (i as i64 + 1).into(), i64::from(*v).into()]);
                }
            }
        }
        // Item responses are part of their assessment: counted with it, not on their own.
        bulk::upsert(&mut tx, &ASSESSMENT_ITEMS, &rows).await?;

        progress("interventions");
        let mut rows = Vec::new();
        for r in &set.interventions {
            let (sid, la) = setting("interventions.csv", &r.setting_id)?;
            rows.push(vec![
                la.into(),
                pupil("interventions.csv", &r.upn)?.into(),
                sid.into(),
                r.intervention_id.as_str().into(),
                r.kind.as_str().into(),
                r.start.into(),
                r.end.into(),
                i64::from(r.sessions_planned).into(),
                i64::from(r.sessions_attended).into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &INTERVENTIONS, &rows).await?;

        progress("destinations");
        let pupil_las = pupil_las(&mut tx, pupil_ids.values().copied().collect()).await?;
        let mut rows = Vec::new();
        for r in &set.destinations {
            let id = pupil("destinations.csv", &r.upn)?;
            rows.push(vec![
                pupil_las.get(&id).copied().unwrap_or(0).into(),
                id.into(),
                i64::from(r.ks4_year.0).into(),
                r.destination.as_str().into(),
                r.sustained.into(),
            ]);
        }
        outcome += bulk::upsert(&mut tx, &DESTINATIONS, &rows).await?;

        let counts = ImportCounts {
            pupils: set.pupils.len(),
            enrolments: set.enrolments.len(),
            attendance_terms: set.attendance.len(),
            other: set.other_records() + set.settings.len(),
            added: outcome.added,
            changed: outcome.changed,
            unchanged: outcome.unchanged,
        };
        audit::append(
            &mut tx,
            caller,
            Event { action: "records.import", object_type: "import", object_id: counts.to_string() },
        )
        .await?;
        if dry_run {
            drop(tx); // rolled back
        } else {
            progress("commit");
            tx.commit().await?;
            if counts.added + counts.changed > 0 {
                progress("statistics");
                self.refresh_statistics().await?;
            }
        }
        Ok(counts)
    }

    /// Upsert the set's settings (parents first) and return every setting the import may use,
    /// by the file set's ids: those in the caller's scope plus the ones just written.
    async fn import_settings(
        &self,
        tx: &mut Tx,
        role: Role,
        set: &FileSet,
    ) -> Result<(HashMap<String, (i64, i64)>, Outcome), StoreError> {
        let mut map: HashMap<String, (i64, i64)> = HashMap::new();
        // Through the import's own transaction: asking the pool for a second connection while
        // holding this one could wait for ever on writers that wait for this transaction.
        let mut sql = SqlBuilder::new("SELECT s.id, s.la_number, s.source_key, s.urn FROM settings s WHERE ");
        sql.settings_in_scope(role, "s");
        let scoped: Vec<ScopedSetting> =
            on_tx!(&mut *tx, c => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(c).await)?;
        for s in scoped {
            for key in s.keys() {
                map.insert(key, (s.id, s.la_number));
            }
        }
        let mut outcome = Outcome::default();
        let mut order: Vec<_> = set.settings.iter().collect();
        order.sort_by_key(|s| s.parent_id.is_some());
        for s in order {
            let parent = match &s.parent_id {
                None => None,
                Some(p) => Some(map.get(p).map(|v| v.0).ok_or_else(|| {
                    refused(format!("settings.csv: setting {}: its parent {p} is not recorded", s.id))
                })?),
            };
            let urn = s.urn.map(|u| i64::from(u.get()));
            let la = i64::from(s.la);
            let existing: Option<(i64, i64)> = on_tx!(&mut *tx, c => {
                sqlx::query_as(
                    "SELECT id, la_number FROM settings WHERE (la_number = $1 AND source_key = $2) OR (urn IS NOT NULL AND urn = $3)",
                )
                .bind(la)
                .bind(&s.id)
                .bind(urn)
                .fetch_optional(c)
                .await
            })?;
            let values = (
                s.name.trim(),
                urn,
                s.kind.code(),
                la,
                parent,
                s.id.as_str(),
                s.laestab.map(i64::from),
                s.phase.as_deref(),
                s.roll.map(i64::from),
            );
            let id = match existing {
                Some((_, other_la)) if other_la != la => {
                    return Err(refused(format!(
                        "settings.csv: setting {} has URN {} which is recorded in LA {other_la:03}, not {la:03}",
                        s.id,
                        urn.unwrap_or_default()
                    )))
                }
                Some((id, _)) => {
                    let changed = on_tx!(&mut *tx, c => {
                        sqlx::query(
                            "UPDATE settings SET name = $1, urn = $2, kind = $3, la_number = $4, parent_id = $5, source_key = $6, \
                             laestab = $7, phase = $8, roll = $9 WHERE id = $10 AND (name IS DISTINCT FROM $1 OR urn IS DISTINCT FROM $2 \
                             OR kind IS DISTINCT FROM $3 OR parent_id IS DISTINCT FROM $5 OR source_key IS DISTINCT FROM $6 \
                             OR laestab IS DISTINCT FROM $7 OR phase IS DISTINCT FROM $8 OR roll IS DISTINCT FROM $9)",
                        )
                        .bind(values.0).bind(values.1).bind(values.2).bind(values.3).bind(values.4)
                        .bind(values.5).bind(values.6).bind(values.7).bind(values.8).bind(id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected())
                    })?;
                    if changed > 0 {
                        outcome.changed += 1;
                    } else {
                        outcome.unchanged += 1;
                    }
                    id
                }
                None => {
                    outcome.added += 1;
                    on_tx!(&mut *tx, c => {
                        sqlx::query_scalar(
                            "INSERT INTO settings (name, urn, kind, la_number, parent_id, source_key, laestab, phase, roll) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                        )
                        .bind(values.0).bind(values.1).bind(values.2).bind(values.3).bind(values.4)
                        .bind(values.5).bind(values.6).bind(values.7).bind(values.8)
                        .fetch_one(c)
                        .await
                    })?
                }
            };
            map.insert(s.id.clone(), (id, la));
            if let Some(u) = urn {
                map.insert(u.to_string(), (id, la));
            }
        }
        Ok((map, outcome))
    }

    /// Upsert the set's pupils and return the ids of every pupil the import may refer to.
    /// Stored identifiers are encrypted with random nonces, so a pupil has changed only if its
    /// decrypted values differ. A pupil the caller cannot yet see is linked (the import must
    /// enrol them at one of the caller's settings) but their stored details are left as they are.
    async fn import_pupils(
        &self,
        tx: &mut Tx,
        role: Role,
        set: &FileSet,
        enrolled: &HashSet<&Upn>,
        seq: i64,
        settings: &HashMap<String, (i64, i64)>,
    ) -> Result<(HashMap<Upn, i64>, Outcome), StoreError> {
        // Every UPN the set mentions, with its keyed hash.
        let mut upns: HashMap<Vec<u8>, Upn> = HashMap::new();
        let mentioned = set
            .pupils
            .iter()
            .map(|p| &p.upn)
            .chain(set.enrolments.iter().map(|e| &e.upn))
            .chain(set.attendance.iter().map(|r| &r.upn))
            .chain(set.incidents.iter().map(|r| &r.upn))
            .chain(set.suspensions.iter().map(|r| &r.upn))
            .chain(set.exclusions.iter().map(|r| &r.upn))
            .chain(set.referrals.iter().map(|r| &r.upn))
            .chain(set.placements.iter().map(|r| &r.upn))
            .chain(set.assessments.iter().map(|r| &r.upn))
            .chain(set.interventions.iter().map(|r| &r.upn))
            .chain(set.destinations.iter().map(|r| &r.upn));
        for upn in mentioned {
            upns.entry(self.upn_hash(upn)).or_insert_with(|| upn.clone());
        }
        let hashes: Vec<Vec<u8>> = upns.keys().cloned().collect();
        let stored = self.stored_pupils(tx, &hashes).await?;
        let visible: HashSet<i64> = if role == Role::Admin {
            stored.iter().map(StoredPupil::id).collect()
        } else {
            self.visible_among(tx, role, stored.iter().map(StoredPupil::id).collect()).await?
        };
        let by_hash: HashMap<&[u8], &StoredPupil> = stored.iter().map(|p| (p.upn_hash.as_slice(), p)).collect();
        // Each pupil's LA: that of their earliest enrolment in the set.
        let mut first: HashMap<&Upn, (chrono::NaiveDate, i64)> = HashMap::new();
        for e in &set.enrolments {
            if let Some((_, la)) = settings.get(&e.setting_id) {
                let slot = first.entry(&e.upn).or_insert((e.start, *la));
                if e.start < slot.0 {
                    *slot = (e.start, *la);
                }
            }
        }
        let mut outcome = Outcome::default();
        let mut rows = Vec::new();
        for p in &set.pupils {
            let hash = self.upn_hash(&p.upn);
            let la = first.get(&p.upn).map(|v| v.1);
            match by_hash.get(hash.as_slice()) {
                Some(s) if visible.contains(&s.id()) => {
                    if self.same_pupil(s, p)? {
                        outcome.unchanged += 1;
                    } else {
                        outcome.changed += 1;
                        rows.push(self.pupil_row(p, hash, la.unwrap_or(s.la_number), seq));
                    }
                }
                Some(_) if enrolled.contains(&p.upn) => outcome.unchanged += 1,
                Some(_) => {
                    return Err(refused(format!(
                    "pupils.csv: pupil {} is recorded elsewhere; enrol them at one of your settings in enrolments.csv",
                    p.upn
                )))
                }
                None if la.is_some() || role == Role::Admin => {
                    outcome.added += 1;
                    rows.push(self.pupil_row(p, hash, la.unwrap_or(0), seq));
                }
                None => {
                    return Err(refused(format!(
                        "pupils.csv: pupil {} has no enrolment in enrolments.csv at a setting you may import for",
                        p.upn
                    )))
                }
            }
        }
        // The identifiers always differ as ciphertext, so only new and changed pupils are
        // staged; the upsert then writes each of them.
        bulk::upsert(tx, &PUPILS, &rows).await?;
        let ids = self.stored_pupils(tx, &hashes).await?;
        let visible_now: HashSet<i64> = if role == Role::Admin {
            ids.iter().map(StoredPupil::id).collect()
        } else {
            let newly: HashSet<&Upn> = set.pupils.iter().map(|p| &p.upn).filter(|u| enrolled.contains(u)).collect();
            let mut v = self.visible_among(tx, role, ids.iter().map(StoredPupil::id).collect()).await?;
            v.extend(ids.iter().filter(|p| newly.contains(&upns[&p.upn_hash])).map(StoredPupil::id));
            v
        };
        let map = ids
            .into_iter()
            .filter(|p| visible_now.contains(&p.id()) || enrolled.contains(&upns[&p.upn_hash]))
            .map(|p| (upns[&p.upn_hash].clone(), p.id()))
            .collect();
        Ok((map, outcome))
    }

    fn pupil_row(&self, p: &NewPupil, hash: Vec<u8>, la: i64, seq: i64) -> Vec<Val> {
        let sealed = crate::pupils::seal_identity(&self.crypto, p, &hash);
        vec![
            Val::Bytes(hash),
            Val::Bytes(sealed.upn),
            Val::Bytes(sealed.legal_forename),
            Val::Bytes(sealed.legal_surname),
            sealed.preferred_forename.map(Val::Bytes).into(),
            sealed.preferred_surname.map(Val::Bytes).into(),
            Val::Bytes(sealed.date_of_birth),
            p.sex.code().into(),
            p.fsm_eligible.into(),
            p.sen.code().into(),
            p.child_in_need.into(),
            p.looked_after.into(),
            p.ethnicity.clone().into(),
            la.into(),
            seq.into(),
        ]
    }

    fn same_pupil(&self, s: &StoredPupil, p: &NewPupil) -> Result<bool, StoreError> {
        let names = self.identity(&s.identity)?;
        Ok(names.legal_forename == p.legal_forename.trim()
            && names.legal_surname == p.legal_surname.trim()
            && names.preferred_forename.as_deref() == p.preferred_forename.as_deref().map(str::trim)
            && names.preferred_surname.as_deref() == p.preferred_surname.as_deref().map(str::trim)
            && names.date_of_birth == p.date_of_birth
            && s.sex == p.sex.code()
            && s.fsm_eligible == p.fsm_eligible
            && s.sen == p.sen.code()
            && s.child_in_need == p.child_in_need
            && s.looked_after == p.looked_after
            && s.ethnicity == p.ethnicity)
    }

    async fn stored_pupils(&self, tx: &mut Tx, hashes: &[Vec<u8>]) -> Result<Vec<StoredPupil>, StoreError> {
        const COLUMNS: &str = "id, upn_hash, upn_enc, legal_forename_enc, legal_surname_enc, preferred_forename_enc, \
             preferred_surname_enc, date_of_birth_enc, sex, fsm_eligible, sen, child_in_need, looked_after, ethnicity, la_number";
        if let Tx::Postgres(t, _) = tx {
            // One round trip with an array, rather than a list of placeholders per 500 pupils.
            return Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM pupils WHERE upn_hash = ANY($1)"))
                .bind(hashes)
                .fetch_all(&mut **t)
                .await?);
        }
        let mut out = Vec::with_capacity(hashes.len());
        for chunk in hashes.chunks(LOOKUP_CHUNK) {
            let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT {COLUMNS} FROM pupils WHERE upn_hash IN ({marks})");
            let rows: Vec<StoredPupil> = on_tx!(&mut *tx, c => {
                let mut q = sqlx::query_as(&sql);
                for h in chunk {
                    q = q.bind(h.as_slice());
                }
                q.fetch_all(c).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Which of `ids` the role may see.
    async fn visible_among(&self, tx: &mut Tx, role: Role, ids: Vec<i64>) -> Result<HashSet<i64>, StoreError> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let mut sql = SqlBuilder::new(&format!("SELECT p.id FROM pupils p WHERE p.id IN ({list}) AND "));
            sql.pupils_in_scope(role);
            let rows: Vec<i64> =
                on_tx!(&mut *tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_all(c).await)?;
            out.extend(rows);
        }
        Ok(out)
    }
}

/// The ids of the settings the set's records name.
fn touched_settings(set: &FileSet, settings: &HashMap<String, (i64, i64)>) -> Vec<i64> {
    let keys = set
        .settings
        .iter()
        .map(|s| &s.id)
        .chain(set.enrolments.iter().map(|r| &r.setting_id))
        .chain(set.attendance.iter().map(|r| &r.setting_id))
        .chain(set.incidents.iter().map(|r| &r.setting_id))
        .chain(set.suspensions.iter().map(|r| &r.setting_id))
        .chain(set.exclusions.iter().map(|r| &r.setting_id))
        .chain(set.referrals.iter().map(|r| &r.from_setting_id))
        .chain(set.placements.iter().map(|r| &r.setting_id))
        .chain(set.assessments.iter().map(|r| &r.setting_id))
        .chain(set.interventions.iter().map(|r| &r.setting_id));
    let mut ids: Vec<i64> = keys.filter_map(|k| settings.get(k).map(|v| v.0)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Ids of `table`'s rows at `setting_ids`, by (setting, the record's own id), with their LA.
async fn source_ids(
    tx: &mut Tx,
    table: &str,
    setting_col: &str,
    setting_ids: &[i64],
) -> Result<HashMap<(i64, String), i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in setting_ids.chunks(LOOKUP_CHUNK) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {setting_col}, source_id, id FROM {table} WHERE source_id IS NOT NULL AND {setting_col} IN ({list})"
        );
        let rows: Vec<(i64, String, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(&sql).fetch_all(c).await)?;
        out.extend(rows.into_iter().map(|(s, src, id)| ((s, src), id)));
    }
    Ok(out)
}

/// Records that other files name by their own id alone (a timetable names its placement, a
/// placement its referral): the set's own rows first, else the one row in scope with that id.
struct BySource {
    exact: HashMap<String, i64>,
    ambiguous: HashSet<String>,
    la: HashMap<i64, i64>,
}

fn by_source_alone<'a>(
    stored: HashMap<(i64, String), i64>,
    in_set: impl Iterator<Item = (Option<i64>, &'a str)>,
    la_of_setting: &HashMap<i64, i64>,
) -> BySource {
    let mut exact = HashMap::new();
    let mut ambiguous = HashSet::new();
    let mut la = HashMap::new();
    for ((setting, src), id) in &stored {
        if exact.insert(src.clone(), *id).is_some() {
            ambiguous.insert(src.clone());
        }
        la.insert(*id, la_of_setting.get(setting).copied().unwrap_or(0));
    }
    for (setting, src) in in_set {
        if let Some(id) = setting.and_then(|s| stored.get(&(s, src.to_string()))) {
            exact.insert(src.to_string(), *id);
            ambiguous.remove(src);
        }
    }
    BySource { exact, ambiguous, la }
}

impl BySource {
    fn resolve(&self, file: &str, what: &str, id: &str) -> Result<i64, StoreError> {
        if self.ambiguous.contains(id) {
            return Err(refused(format!(
                "{file}: {what} {id} matches records at more than one of your settings; import it with its setting's files"
            )));
        }
        self.exact.get(id).copied().ok_or_else(|| refused(format!("{file}: {what} {id} is not recorded")))
    }

    fn la_of(&self, id: i64) -> i64 {
        self.la.get(&id).copied().unwrap_or(0)
    }
}

async fn pupil_las(tx: &mut Tx, ids: Vec<i64>) -> Result<HashMap<i64, i64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT id, la_number FROM pupils WHERE id IN ({list})");
        let rows: Vec<(i64, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(&sql).fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}

const PUPILS: Table = Table {
    name: "pupils",
    columns: &[
        ("upn_hash", Kind::Bytes),
        ("upn_enc", Kind::Bytes),
        ("legal_forename_enc", Kind::Bytes),
        ("legal_surname_enc", Kind::Bytes),
        ("preferred_forename_enc", Kind::Bytes),
        ("preferred_surname_enc", Kind::Bytes),
        ("date_of_birth_enc", Kind::Bytes),
        ("sex", Kind::Text),
        ("fsm_eligible", Kind::Bool),
        ("sen", Kind::Text),
        ("child_in_need", Kind::Bool),
        ("looked_after", Kind::Bool),
        ("ethnicity", Kind::Text),
        ("la_number", Kind::Int),
        ("name_seq", Kind::Int),
    ],
    key: &["upn_hash"],
};

const ENROLMENTS: Table = Table {
    name: "enrolments",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("start_date", Kind::Date),
        ("end_date", Kind::Date),
        ("registration", Kind::Text),
        ("leaving_reason", Kind::Text),
        ("source_id", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const ATTENDANCE: Table = Table {
    name: "attendance",
    columns: &[
        ("la_number", Kind::Int),
        ("enrolment_id", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("academic_year", Kind::Int),
        ("term", Kind::Text),
        ("marks", Kind::Text),
    ],
    key: &["enrolment_id", "academic_year", "term"],
};

const INCIDENTS: Table = Table {
    name: "incidents",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("incident_date", Kind::Date),
        ("kind", Kind::Text),
        ("severity", Kind::Int),
        ("outcome", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const SUSPENSIONS: Table = Table {
    name: "suspensions",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("incident_id", Kind::Int),
        ("category", Kind::Text),
        ("start_date", Kind::Date),
        ("length_days", Kind::Real),
        ("reason_1", Kind::Text),
        ("reason_2", Kind::Text),
        ("reason_3", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const EXCLUSIONS: Table = Table {
    name: "exclusions",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("incident_id", Kind::Int),
        ("start_date", Kind::Date),
        ("reason_1", Kind::Text),
        ("reason_2", Kind::Text),
        ("reason_3", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const REFERRALS: Table = Table {
    name: "referrals",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("from_setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("referral_date", Kind::Date),
        ("reason", Kind::Text),
        ("tier_requested", Kind::Int),
    ],
    key: &["from_setting_id", "source_id"],
};

const PLACEMENTS: Table = Table {
    name: "placements",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("referral_id", Kind::Int),
        ("tier", Kind::Int),
        ("start_date", Kind::Date),
        ("planned_end_date", Kind::Date),
        ("end_date", Kind::Date),
        ("outcome", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const TIMETABLE_STEPS: Table = Table {
    name: "timetable_steps",
    columns: &[
        ("la_number", Kind::Int),
        ("placement_id", Kind::Int),
        ("from_date", Kind::Date),
        ("ap_sessions", Kind::Int),
        ("mainstream_sessions", Kind::Int),
    ],
    key: &["placement_id", "from_date"],
};

const ASSESSMENTS: Table = Table {
    name: "assessments",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("assessed_on", Kind::Date),
        ("instrument", Kind::Text),
        ("version", Kind::Text),
        ("occasion", Kind::Text),
    ],
    key: &["setting_id", "source_id"],
};

const ASSESSMENT_ITEMS: Table = Table {
    name: "assessment_items",
    columns: &[("assessment_id", Kind::Int), ("la_number", Kind::Int), ("item", Kind::Int), ("response", Kind::Int)],
    key: &["assessment_id", "item"],
};

const INTERVENTIONS: Table = Table {
    name: "interventions",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("setting_id", Kind::Int),
        ("source_id", Kind::Text),
        ("kind", Kind::Text),
        ("start_date", Kind::Date),
        ("end_date", Kind::Date),
        ("sessions_planned", Kind::Int),
        ("sessions_attended", Kind::Int),
    ],
    key: &["setting_id", "source_id"],
};

const DESTINATIONS: Table = Table {
    name: "destinations",
    columns: &[
        ("la_number", Kind::Int),
        ("pupil_id", Kind::Int),
        ("ks4_year", Kind::Int),
        ("destination", Kind::Text),
        ("sustained", Kind::Bool),
    ],
    key: &["pupil_id", "ks4_year"],
};
