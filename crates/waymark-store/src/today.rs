//! What a signed-in user needs today from running provision: pupils on roll in their
//! provisions now (with group, tier and part-time flag), reviews due in the next two weeks,
//! referrals in and out still open, their pupils in AP elsewhere, pupils in AP by provider, and
//! suspensions and permanent exclusions this term by school.
//! Every list is scoped in SQL to the caller and the view is audited once.

use crate::audit::Event;
use crate::engine::on_pool;
use crate::placements::Group;
use crate::referrals::{NameRow, ReferralStatus, NAME_COLUMNS};
use crate::scope::{bind_args, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::{Duration, NaiveDate};
use waymark_domain::Setting;
use waymark_domain::{AcademicYear, Term};

/// A placement running today.
#[derive(Debug, Clone, PartialEq)]
pub struct OnRoll {
    pub placement_id: i64,
    pub pupil_id: i64,
    pub name: String,
    pub provision: String,
    pub home: Option<String>,
    pub group: Option<String>,
    pub tier: i64,
    pub review: Option<NaiveDate>,
    /// Sessions a week in all, from the step in force today.
    pub sessions: i64,
}

/// An open referral.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenReferral {
    pub referral_id: i64,
    pub name: String,
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
    pub status: ReferralStatus,
}

/// Suspensions and permanent exclusions that started this term at one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct TermExclusions {
    pub setting_id: i64,
    pub setting: String,
    pub suspensions: i64,
    /// Pupils with at least one suspension this term.
    pub pupils_suspended: i64,
    /// School days of suspension, summed over this term's suspensions.
    pub days: f64,
    pub permanent: i64,
}

/// A pupil suspended this term at a setting in scope: at risk of exclusion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspended {
    pub pupil_id: i64,
    pub name: String,
    pub setting: String,
    pub suspensions: i64,
    pub days: f64,
    /// Placed in AP today (anywhere).
    pub in_ap: bool,
}

/// At most this many suspended pupils are listed (most suspended first); the rest are counted.
pub const SUSPENDED_SHOWN: usize = 50;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Today {
    /// Placements at provisions in scope.
    pub on_roll: Vec<OnRoll>,
    /// Placements elsewhere of pupils the caller's settings referred.
    pub away: Vec<OnRoll>,
    pub referrals_in: Vec<OpenReferral>,
    pub referrals_out: Vec<OpenReferral>,
    /// (provision, pupils placed there today), for settings in scope.
    pub by_provider: Vec<(String, i64)>,
    /// The term containing the day asked about, its first and last days, and what started in
    /// it at each setting in scope that had any, by setting name.
    pub term: Option<(AcademicYear, Term, NaiveDate, NaiveDate)>,
    pub exclusions: Vec<TermExclusions>,
    /// Pupils suspended this term, most suspended first, at most [`SUSPENDED_SHOWN`].
    pub suspended: Vec<Suspended>,
    /// How many (pupil, setting) pairs had a suspension this term, listed or not.
    pub suspended_total: usize,
}

#[derive(sqlx::FromRow)]
struct PlacementRow {
    id: i64,
    pupil_id: i64,
    provision: String,
    home: Option<String>,
    group_name: Option<String>,
    tier: i64,
    review_date: Option<NaiveDate>,
    #[sqlx(flatten)]
    name: NameRow,
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: i64,
    from_name: String,
    to_name: String,
    referral_date: NaiveDate,
    status: String,
    #[sqlx(flatten)]
    name: NameRow,
}

const PLACEMENTS: &str = "SELECT pl.id, pl.pupil_id, s.name AS provision, fs.name AS home, g.name AS group_name, pl.tier, \
     pl.review_date, {names} FROM placements pl JOIN settings s ON s.id = pl.setting_id JOIN pupils p ON p.id = pl.pupil_id \
     LEFT JOIN provision_groups g ON g.id = pl.group_id LEFT JOIN referrals r ON r.id = pl.referral_id \
     LEFT JOIN settings fs ON fs.id = r.from_setting_id WHERE pl.start_date <= ";

/// One setting's page: its roll today, its groups, and the placements running there.
#[derive(Debug, Clone)]
pub struct SettingOverview {
    pub setting: Setting,
    /// Pupils on roll today (any registration), and of them dual registered.
    pub on_roll: i64,
    pub dual_registered: i64,
    pub groups: Vec<Group>,
    pub placements: Vec<OnRoll>,
}

impl Store {
    /// A setting within the caller's scope (else not found), its roll on `today`, groups and
    /// running placements; the view is audited.
    pub async fn setting_overview(
        &self,
        caller: &Caller,
        setting_id: i64,
        today: NaiveDate,
    ) -> Result<SettingOverview, StoreError> {
        let setting = self.get_setting(caller, setting_id).await?;
        let (on_roll, dual_registered): (i64, i64) = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!(
                "SELECT COUNT(*), COUNT(CASE WHEN registration <> '{}' THEN 1 END) FROM enrolments \
                 WHERE setting_id = $1 AND start_date <= $2 AND (end_date IS NULL OR end_date >= $2)",
                waymark_domain::RegistrationType::Single.code()
            ))
            .bind(setting_id)
            .bind(today)
            .fetch_one(p)
            .await
        })?;
        let groups = self.groups(caller, setting_id).await?;
        let mut sql = SqlBuilder::new(&PLACEMENTS.replace("{names}", NAME_COLUMNS));
        sql.date(today)
            .push(" AND (pl.end_date IS NULL OR pl.end_date >= ")
            .date(today)
            .push(") AND pl.setting_id = ")
            .bind(crate::scope::Arg::Int(setting_id))
            .push(" AND ")
            .settings_in_scope(caller.role, "s")
            .push(" ORDER BY pl.start_date, pl.id");
        let placements = self.running(sql, today).await?;
        self.audit_alone(
            caller,
            Event { action: "setting.view", object_type: "setting", object_id: setting_id.to_string() },
        )
        .await?;
        Ok(SettingOverview { setting, on_roll, dual_registered, groups, placements })
    }

    pub async fn today(&self, caller: &Caller, today: NaiveDate) -> Result<Today, StoreError> {
        let role = caller.role;
        let running = |side: &str| {
            let mut sql = SqlBuilder::new(&PLACEMENTS.replace("{names}", NAME_COLUMNS));
            sql.date(today).push(" AND (pl.end_date IS NULL OR pl.end_date >= ").date(today).push(") AND ");
            sql.settings_in_scope(role, side).push(" ORDER BY s.name, pl.start_date, pl.id");
            sql
        };
        let on_roll = self.running(running("s"), today).await?;
        let mut away = self.running(running("fs"), today).await?;
        away.retain(|a| !on_roll.iter().any(|o| o.placement_id == a.placement_id));
        let open = ReferralStatus::OPEN.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ");
        let referrals = |side: &str| {
            let mut sql = SqlBuilder::new(&format!(
                "SELECT r.id, fs.name AS from_name, ts.name AS to_name, r.referral_date, r.status, {NAME_COLUMNS} FROM referrals r \
                 JOIN settings fs ON fs.id = r.from_setting_id JOIN settings ts ON ts.id = r.to_setting_id \
                 JOIN pupils p ON p.id = r.pupil_id WHERE r.status IN ({open}) AND "
            ));
            sql.settings_in_scope(role, side).push(" ORDER BY r.priority, r.referral_date, r.id");
            sql
        };
        let referrals_in = self.open_referrals(referrals("ts")).await?;
        let referrals_out = self.open_referrals(referrals("fs")).await?;
        let mut by_provider: Vec<(String, i64)> = Vec::new();
        for p in &on_roll {
            match by_provider.iter_mut().find(|(name, _)| *name == p.provision) {
                Some(entry) => entry.1 += 1,
                None => by_provider.push((p.provision.clone(), 1)),
            }
        }
        let term = AcademicYear::term_around(today);
        let exclusions = self.term_exclusions(caller, term.2, term.3).await?;
        let (suspended, suspended_total) = self.suspended_pupils(caller, term.2, term.3, today).await?;
        self.audit_alone(caller, Event { action: "today.view", object_type: "pupils", object_id: today.to_string() })
            .await?;
        Ok(Today {
            on_roll,
            away,
            referrals_in,
            referrals_out,
            by_provider,
            term: Some(term),
            exclusions,
            suspended,
            suspended_total,
        })
    }

    async fn running(&self, sql: SqlBuilder, today: NaiveDate) -> Result<Vec<OnRoll>, StoreError> {
        let rows: Vec<PlacementRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids = rows.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(", ");
        let steps: Vec<(i64, NaiveDate, i64)> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!(
                "SELECT placement_id, from_date, ap_sessions + mainstream_sessions FROM timetable_steps \
                 WHERE placement_id IN ({ids}) ORDER BY from_date"
            ))
            .fetch_all(p)
            .await
        })?;
        rows.into_iter()
            .map(|r| {
                let sessions = steps.iter().rev().find(|s| s.0 == r.id && s.1 <= today).map_or(0, |s| s.2);
                Ok(OnRoll {
                    placement_id: r.id,
                    pupil_id: r.pupil_id,
                    name: self.display_name(&r.name)?,
                    provision: r.provision,
                    home: r.home,
                    group: r.group_name,
                    tier: r.tier,
                    review: r.review_date,
                    sessions,
                })
            })
            .collect()
    }

    /// Suspensions and permanent exclusions starting between `from` and `to` (inclusive) at
    /// settings in the caller's scope, one row per setting that had any. Counts only: the
    /// pupils behind them are read through their own pages.
    async fn term_exclusions(
        &self,
        caller: &Caller,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TermExclusions>, StoreError> {
        let grouped = |select: &str, table: &str| {
            let mut sql = SqlBuilder::new(&format!(
                "SELECT s.id, s.name, {select} FROM {table} x JOIN settings s ON s.id = x.setting_id \
                 WHERE x.start_date >= "
            ));
            sql.date(from).push(" AND x.start_date <= ").date(to).push(" AND ");
            sql.settings_in_scope(caller.role, "s").push(" GROUP BY s.id, s.name");
            sql
        };
        let sql = grouped("COUNT(*), COUNT(DISTINCT x.pupil_id), SUM(x.length_days)", "suspensions");
        let suspended: Vec<(i64, String, i64, i64, f64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let sql = grouped("COUNT(*)", "exclusions");
        let excluded: Vec<(i64, String, i64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut rows: Vec<TermExclusions> = suspended
            .into_iter()
            .map(|(setting_id, setting, suspensions, pupils_suspended, days)| TermExclusions {
                setting_id,
                setting,
                suspensions,
                pupils_suspended,
                days,
                permanent: 0,
            })
            .collect();
        for (setting_id, setting, permanent) in excluded {
            match rows.iter_mut().find(|r| r.setting_id == setting_id) {
                Some(row) => row.permanent = permanent,
                None => rows.push(TermExclusions {
                    setting_id,
                    setting,
                    suspensions: 0,
                    pupils_suspended: 0,
                    days: 0.0,
                    permanent,
                }),
            }
        }
        rows.sort_by(|a, b| a.setting.cmp(&b.setting).then(a.setting_id.cmp(&b.setting_id)));
        Ok(rows)
    }

    /// Pupils with a suspension starting between `from` and `to` at a setting in scope, with how
    /// many and how long, and whether they are in AP on `today`; most suspended first.
    async fn suspended_pupils(
        &self,
        caller: &Caller,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<(Vec<Suspended>, usize), StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            pupil_id: i64,
            setting: String,
            suspensions: i64,
            days: f64,
            in_ap: bool,
            #[sqlx(flatten)]
            name: NameRow,
        }
        // Grouped by the pupil's key, so PostgreSQL lets the pupil's other columns be selected.
        let mut sql = SqlBuilder::new(
            "SELECT p.id AS pupil_id, s.name AS setting, COUNT(*) AS suspensions, SUM(x.length_days) AS days, \
             EXISTS (SELECT 1 FROM placements pl WHERE pl.pupil_id = p.id AND pl.start_date <= ",
        );
        sql.date(today).push(" AND (pl.end_date IS NULL OR pl.end_date >= ").date(today).push(&format!(
            ")) AS in_ap, {NAME_COLUMNS} \
             FROM suspensions x JOIN settings s ON s.id = x.setting_id JOIN pupils p ON p.id = x.pupil_id \
             WHERE x.start_date >= "
        ));
        sql.date(from).push(" AND x.start_date <= ").date(to).push(" AND ");
        sql.settings_in_scope(caller.role, "s")
            .push(" GROUP BY p.id, s.id, s.name ORDER BY COUNT(*) DESC, SUM(x.length_days) DESC, p.id, s.id");
        let rows: Vec<Row> = on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let total = rows.len();
        let shown = rows
            .into_iter()
            .take(SUSPENDED_SHOWN)
            .map(|r| {
                Ok(Suspended {
                    pupil_id: r.pupil_id,
                    name: self.display_name(&r.name)?,
                    setting: r.setting,
                    suspensions: r.suspensions,
                    days: r.days,
                    in_ap: r.in_ap,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((shown, total))
    }

    async fn open_referrals(&self, sql: SqlBuilder) -> Result<Vec<OpenReferral>, StoreError> {
        let rows: Vec<ReferralRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                Ok(OpenReferral {
                    referral_id: r.id,
                    name: self.display_name(&r.name)?,
                    from: r.from_name,
                    to: r.to_name,
                    date: r.referral_date,
                    status: crate::referrals::status_of(&r.status)?,
                })
            })
            .collect()
    }
}

impl OnRoll {
    /// A review in the next two weeks (or overdue).
    pub fn review_due(&self, today: NaiveDate) -> bool {
        self.review.is_some_and(|r| r <= today + Duration::days(14))
    }
}
