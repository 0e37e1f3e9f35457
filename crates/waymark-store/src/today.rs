//! What a signed-in user needs today from running provision: pupils on roll in their
//! provisions now (with group, tier and part-time flag), reviews due in the next two weeks,
//! referrals in and out still open, their pupils in AP elsewhere, and pupils in AP by provider.
//! Every list is scoped in SQL to the caller and the view is audited once.

use crate::audit::Event;
use crate::engine::on_pool;
use crate::referrals::{NameRow, ReferralStatus, NAME_COLUMNS};
use crate::scope::{bind_args, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::{Duration, NaiveDate};

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

impl Store {
    pub async fn today(&self, caller: &Caller, today: NaiveDate) -> Result<Today, StoreError> {
        let role = caller.role;
        let running = |side: &str| {
            let mut sql = SqlBuilder::new(&PLACEMENTS.replace("{names}", NAME_COLUMNS));
            sql.push(&format!("'{today}' AND (pl.end_date IS NULL OR pl.end_date >= '{today}') AND "));
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
        self.audit_alone(caller, Event { action: "today.view", object_type: "pupils", object_id: today.to_string() })
            .await?;
        Ok(Today { on_roll, away, referrals_in, referrals_out, by_provider })
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
