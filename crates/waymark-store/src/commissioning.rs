//! What a commissioner (an LA, or a trust for the pupils its schools refer) needs beside the
//! outcome tables: every placement it can see with its pupil, provision, weekly cost and dates;
//! the permanent exclusions whose sixth school day has passed, with the placements that followed;
//! and the duty-check limits an LA sets (migration 0009; defaults when it has set none).
//! Scoped in SQL like `outcomes.rs` (the provision or the referring school is in scope) and
//! audited once per call. Additive: it leaves `outcome_tables` alone.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::referrals::{NameRow, NAME_COLUMNS};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{now_unix, Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::ValidationErrors;

/// A part-time timetable may run this many weeks before the check lists it (DOMAIN.md §5).
pub const DEFAULT_PART_TIME_WEEKS: i64 = 6;
/// A pupil may wait this many days for a place before the check lists them.
pub const DEFAULT_WAIT_DAYS: i64 = 30;

/// The limits an LA's duty checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DutyLimits {
    pub part_time_weeks: i64,
    pub wait_days: i64,
    /// Whether the LA has set them (otherwise the defaults).
    pub set: bool,
}

impl Default for DutyLimits {
    fn default() -> DutyLimits {
        DutyLimits { part_time_weeks: DEFAULT_PART_TIME_WEEKS, wait_days: DEFAULT_WAIT_DAYS, set: false }
    }
}

/// One placement as its commissioner sees it.
#[derive(Debug, Clone)]
pub struct CommissionedPlacement {
    pub id: i64,
    pub pupil_id: i64,
    pub name: String,
    pub provision_id: i64,
    pub provision: String,
    pub referring_school_id: Option<i64>,
    pub referring_school: Option<String>,
    pub la_number: u16,
    pub tier: i64,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub weekly_cost_pence: Option<i64>,
    /// Who the provision recorded as commissioning it (free text).
    pub commissioner: Option<String>,
}

/// A permanent exclusion, with the placements of the same pupil that had not ended before it.
#[derive(Debug, Clone)]
pub struct ExcludedPupil {
    pub exclusion_id: i64,
    pub pupil_id: i64,
    pub name: String,
    pub school: String,
    pub start: NaiveDate,
    pub placements: Vec<ExclusionPlacement>,
}

/// A placement's dates and timetable steps.
#[derive(Debug, Clone)]
pub struct ExclusionPlacement {
    pub id: i64,
    pub provision: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// (from, sessions a week in AP and mainstream together), in date order.
    pub steps: Vec<(NaiveDate, i64)>,
}

#[derive(sqlx::FromRow)]
struct PlacementDb {
    id: i64,
    pupil_id: i64,
    setting_id: i64,
    provision: String,
    from_setting_id: Option<i64>,
    from_name: Option<String>,
    la_number: i64,
    tier: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    outcome: Option<String>,
    weekly_cost_pence: Option<i64>,
    commissioner: Option<String>,
    #[sqlx(flatten)]
    name: NameRow,
}

#[derive(sqlx::FromRow)]
struct ExclusionDb {
    id: i64,
    pupil_id: i64,
    school: String,
    start_date: NaiveDate,
    #[sqlx(flatten)]
    name: NameRow,
}

#[derive(sqlx::FromRow)]
struct LaterPlacementDb {
    id: i64,
    pupil_id: i64,
    provision: String,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct StepDb {
    placement_id: i64,
    from_date: NaiveDate,
    sessions: i64,
}

#[derive(sqlx::FromRow)]
struct LimitsDb {
    part_time_weeks: i64,
    wait_days: i64,
}

impl Store {
    /// Every placement `caller` may see (its provision or its referring school in scope) that
    /// had started by `as_of`, with its pupil's name and its weekly cost. Audited once.
    pub async fn commissioned_placements(
        &self,
        caller: &Caller,
        as_of: NaiveDate,
    ) -> Result<Vec<CommissionedPlacement>, StoreError> {
        let role = caller.role;
        let mut sql = SqlBuilder::new(&format!(
            "SELECT pl.id, pl.pupil_id, pl.setting_id, s.name AS provision, r.from_setting_id, fs.name AS from_name, \
             pl.la_number, pl.tier, pl.start_date, pl.end_date, pl.outcome, pl.weekly_cost_pence, pl.commissioner, \
             {NAME_COLUMNS} FROM placements pl JOIN settings s ON s.id = pl.setting_id \
             JOIN pupils p ON p.id = pl.pupil_id LEFT JOIN referrals r ON r.id = pl.referral_id \
             LEFT JOIN settings fs ON fs.id = r.from_setting_id WHERE pl.start_date <= "
        ));
        sql.date(as_of).push(" AND (");
        sql.settings_in_scope(role, "s").push(" OR ").settings_in_scope(role, "fs").push(")");
        sql.push(" ORDER BY s.name, pl.start_date, pl.id");
        let rows: Vec<PlacementDb> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let out = rows
            .into_iter()
            .map(|r| {
                Ok(CommissionedPlacement {
                    id: r.id,
                    pupil_id: r.pupil_id,
                    name: self.display_name(&r.name)?,
                    provision_id: r.setting_id,
                    provision: r.provision,
                    referring_school_id: r.from_setting_id,
                    referring_school: r.from_name,
                    la_number: u16::try_from(r.la_number).unwrap_or(0),
                    tier: r.tier,
                    start: r.start_date,
                    end: r.end_date.filter(|e| *e <= as_of),
                    outcome: r.outcome.filter(|_| r.end_date.is_some_and(|e| e <= as_of)),
                    weekly_cost_pence: r.weekly_cost_pence,
                    commissioner: r.commissioner,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.audit_alone(
            caller,
            Event { action: "commissioning.placements", object_type: "placements", object_id: as_of.to_string() },
        )
        .await?;
        Ok(out)
    }

    /// The permanent exclusions from schools in `caller`'s scope dated from `since` to `as_of`,
    /// each with every placement of the same pupil that had started by `as_of` and had not
    /// ended before the exclusion, and those placements' timetable steps. Audited once.
    pub async fn permanent_exclusions_with_placements(
        &self,
        caller: &Caller,
        since: NaiveDate,
        as_of: NaiveDate,
    ) -> Result<Vec<ExcludedPupil>, StoreError> {
        let role = caller.role;
        let mut sql = SqlBuilder::new(&format!(
            "SELECT x.id, x.pupil_id, s.name AS school, x.start_date, {NAME_COLUMNS} FROM exclusions x \
             JOIN settings s ON s.id = x.setting_id JOIN pupils p ON p.id = x.pupil_id WHERE x.start_date >= "
        ));
        sql.date(since).push(" AND x.start_date <= ").date(as_of).push(" AND ");
        sql.settings_in_scope(role, "s").push(" ORDER BY x.start_date, x.id");
        let rows: Vec<ExclusionDb> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            // The pupil is in scope (excluded from a school in scope): their placements follow.
            let mut sql = SqlBuilder::new(
                "SELECT pl.id, pl.pupil_id, s.name AS provision, pl.start_date, pl.end_date FROM placements pl \
                 JOIN settings s ON s.id = pl.setting_id WHERE pl.pupil_id = ",
            );
            sql.bind(Arg::Int(r.pupil_id)).push(" AND pl.start_date <= ").date(as_of);
            sql.push(" AND (pl.end_date IS NULL OR pl.end_date >= ")
                .date(r.start_date)
                .push(") ORDER BY pl.start_date");
            let later: Vec<LaterPlacementDb> =
                on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
            let mut placements = Vec::with_capacity(later.len());
            for l in later {
                debug_assert_eq!(l.pupil_id, r.pupil_id);
                let steps: Vec<(NaiveDate, i64)> = on_pool!(&self.pool, p => {
                    sqlx::query_as(
                        "SELECT from_date, ap_sessions + mainstream_sessions FROM timetable_steps \
                         WHERE placement_id = $1 ORDER BY from_date",
                    )
                    .bind(l.id)
                    .fetch_all(p)
                    .await
                })?;
                placements.push(ExclusionPlacement {
                    id: l.id,
                    provision: l.provision,
                    start: l.start_date,
                    end: l.end_date,
                    steps,
                });
            }
            out.push(ExcludedPupil {
                exclusion_id: r.id,
                pupil_id: r.pupil_id,
                name: self.display_name(&r.name)?,
                school: r.school,
                start: r.start_date,
                placements,
            });
        }
        self.audit_alone(
            caller,
            Event { action: "commissioning.exclusions", object_type: "exclusions", object_id: as_of.to_string() },
        )
        .await?;
        Ok(out)
    }

    /// The placements running on `today` at provisions in `caller`'s scope, each with its start,
    /// end and timetable steps (from, AP + mainstream sessions a week) in date order: what the
    /// part-time checks read. Audited once.
    pub async fn running_timetables(
        &self,
        caller: &Caller,
        today: NaiveDate,
    ) -> Result<Vec<ExclusionPlacement>, StoreError> {
        let mut sql = SqlBuilder::new(
            "SELECT pl.id, pl.pupil_id, s.name AS provision, pl.start_date, pl.end_date FROM placements pl \
             JOIN settings s ON s.id = pl.setting_id WHERE pl.start_date <= ",
        );
        sql.date(today).push(" AND (pl.end_date IS NULL OR pl.end_date >= ").date(today).push(") AND ");
        sql.settings_in_scope(caller.role, "s").push(" ORDER BY pl.id");
        let rows: Vec<LaterPlacementDb> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut sql = SqlBuilder::new(
            "SELECT ts.placement_id, ts.from_date, ts.ap_sessions + ts.mainstream_sessions AS sessions \
             FROM timetable_steps ts JOIN placements pl ON pl.id = ts.placement_id \
             JOIN settings s ON s.id = pl.setting_id WHERE pl.start_date <= ",
        );
        sql.date(today).push(" AND (pl.end_date IS NULL OR pl.end_date >= ").date(today).push(") AND ");
        sql.settings_in_scope(caller.role, "s").push(" ORDER BY ts.placement_id, ts.from_date");
        let steps: Vec<StepDb> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut by_placement: std::collections::HashMap<i64, Vec<(NaiveDate, i64)>> = Default::default();
        for s in steps {
            by_placement.entry(s.placement_id).or_default().push((s.from_date, s.sessions));
        }
        self.audit_alone(
            caller,
            Event { action: "commissioning.timetables", object_type: "placements", object_id: today.to_string() },
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ExclusionPlacement {
                id: r.id,
                provision: r.provision,
                start: r.start_date,
                end: r.end_date,
                steps: by_placement.remove(&r.id).unwrap_or_default(),
            })
            .collect())
    }

    /// The duty-check limits LA `la` has set, or the defaults.
    pub async fn duty_limits(&self, la: u16) -> Result<DutyLimits, StoreError> {
        let row: Option<LimitsDb> = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT part_time_weeks, wait_days FROM duty_limits WHERE la_number = $1")
                .bind(i64::from(la))
                .fetch_optional(p)
                .await
        })?;
        Ok(row.map_or_else(DutyLimits::default, |r| DutyLimits {
            part_time_weeks: r.part_time_weeks,
            wait_days: r.wait_days,
            set: true,
        }))
    }

    /// Set LA `la`'s limits: only that LA's own users (or an administrator) may. Audited.
    pub async fn set_duty_limits(
        &self,
        caller: &Caller,
        la: u16,
        part_time_weeks: i64,
        wait_days: i64,
    ) -> Result<(), StoreError> {
        if !(caller.role == Role::La(la) || caller.role == Role::Admin) {
            return Err(StoreError::NotFound);
        }
        let mut errors = ValidationErrors::default();
        if !(1..=52).contains(&part_time_weeks) {
            errors.push("part_time_weeks", "Enter a number of weeks from 1 to 52");
        }
        if !(1..=365).contains(&wait_days) {
            errors.push("wait_days", "Enter a number of days from 1 to 365");
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.pool.begin_write().await?;
        let at = now_unix();
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO duty_limits (la_number, part_time_weeks, wait_days, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (la_number) DO UPDATE SET \
                 part_time_weeks = excluded.part_time_weeks, wait_days = excluded.wait_days, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(i64::from(la))
            .bind(part_time_weeks)
            .bind(wait_days)
            .bind(&caller.actor)
            .bind(at)
            .execute(c)
            .await
            .map(|_| ())
        })?;
        audit::append(
            &mut tx,
            caller,
            Event {
                action: "duty_limits.set",
                object_type: "la",
                object_id: format!("{la}:{part_time_weeks}:{wait_days}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
