//! What a signed-in user needs today from running provision: pupils on roll in their
//! provisions now (with group, tier and part-time flag), reviews due in the next two weeks,
//! referrals in and out still open, their pupils in AP elsewhere, pupils in AP by provider,
//! suspensions and permanent exclusions this term by school, and pupils at risk this term (by a
//! stated rule: suspended, attendance below 90%, or 3 or more behaviour incidents).
//! Every list is scoped in SQL to the caller and the view is audited once.

use crate::audit::Event;
use crate::engine::on_pool;
use crate::placements::Group;
use crate::referrals::{NameRow, ReferralStatus, NAME_COLUMNS};
use crate::scope::{bind_args, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::{Duration, NaiveDate};
use waymark_domain::attendance::SessionCounts;
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

/// A pupil at risk this term at a setting in scope, by [`AT_RISK_RULE`]: suspended, attendance
/// below 90% or repeated behaviour incidents this term there.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspended {
    pub pupil_id: i64,
    pub name: String,
    pub setting: String,
    /// Suspensions starting this term, and their school days.
    pub suspensions: i64,
    pub days: f64,
    /// This term's attendance there when it is below [`AT_RISK_ATTENDANCE`] over at least
    /// [`AT_RISK_MIN_SESSIONS`] possible sessions.
    pub attendance: Option<f64>,
    /// Behaviour incidents this term there, when at least [`AT_RISK_INCIDENTS`].
    pub incidents: i64,
    /// Placed in AP today (anywhere).
    pub in_ap: bool,
}

impl Suspended {
    /// Why the pupil is listed, one phrase a reason: "Suspended twice (2.5 days)",
    /// "Attendance 84.2%", "4 behaviour incidents".
    pub fn reasons(&self) -> Vec<String> {
        let mut why = Vec::new();
        if self.suspensions > 0 {
            let times = match self.suspensions {
                1 => "once".to_string(),
                2 => "twice".to_string(),
                n => format!("{n} times"),
            };
            let days = if (self.days - 1.0).abs() < 1e-9 { "1 day".to_string() } else { format!("{} days", self.days) };
            why.push(format!("Suspended {times} ({days})"));
        }
        if let Some(rate) = self.attendance {
            why.push(format!("Attendance {:.1}%", rate * 100.0));
        }
        if self.incidents > 0 {
            why.push(format!("{} behaviour incidents", self.incidents));
        }
        why
    }
}

/// The rule for "pupils at risk this term", as the home page states it.
pub const AT_RISK_RULE: &str =
    "A pupil is at risk this term when, at a setting you can see, since the term began they \
     have been suspended, or their attendance is below 90% (they are persistently absent: missing 10% or more of the \
     sessions they could attend) over at least 10 possible sessions, or 3 or more behaviour incidents are recorded.";
/// Attendance below this share of possible sessions puts a pupil at risk (persistent absence).
pub const AT_RISK_ATTENDANCE: f64 = 0.9;
/// Fewer possible sessions than this this term say too little about attendance.
pub const AT_RISK_MIN_SESSIONS: i64 = 10;
/// This many behaviour incidents in a term or more put a pupil at risk.
pub const AT_RISK_INCIDENTS: i64 = 3;

/// At most this many pupils at risk are listed (most reasons first); the rest are counted.
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
    /// Pupils at risk this term (see [`AT_RISK_RULE`]), those with most reasons and most
    /// suspended first, at most [`SUSPENDED_SHOWN`].
    pub suspended: Vec<Suspended>,
    /// How many (pupil, setting) pairs are at risk this term, listed or not.
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
        let (suspended, suspended_total) = self.at_risk_pupils(caller, term, today).await?;
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

    /// Pupils at risk in `term` at settings in scope (see [`AT_RISK_RULE`]), with their reasons
    /// and whether they are in AP on `today`: most reasons first, then most suspended.
    async fn at_risk_pupils(
        &self,
        caller: &Caller,
        term: (AcademicYear, Term, NaiveDate, NaiveDate),
        today: NaiveDate,
    ) -> Result<(Vec<Suspended>, usize), StoreError> {
        let (year, term, from, to) = term;
        let role = caller.role;
        // (pupil, setting) → (setting name, suspensions, days, attendance, incidents)
        type Found = (String, i64, f64, Option<f64>, i64);
        let mut found: std::collections::BTreeMap<(i64, i64), Found> = Default::default();
        let mut sql = SqlBuilder::new(
            "SELECT x.pupil_id, s.id, s.name, COUNT(*), SUM(x.length_days) FROM suspensions x \
             JOIN settings s ON s.id = x.setting_id WHERE x.start_date >= ",
        );
        sql.date(from).push(" AND x.start_date <= ").date(to).push(" AND ");
        sql.settings_in_scope(role, "s").push(" GROUP BY x.pupil_id, s.id, s.name");
        let rows: Vec<(i64, i64, String, i64, f64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        for (pupil, setting, name, n, days) in rows {
            let e = found.entry((pupil, setting)).or_insert((name, 0, 0.0, None, 0));
            (e.1, e.2) = (n, days);
        }
        // This term's marks at settings in scope (one row a pupil, enrolment and term: found by
        // the `attendance_term` index), counted here with `waymark_domain::attendance`.
        let mut sql = SqlBuilder::new(
            "SELECT a.pupil_id, s.id, s.name, a.marks FROM attendance a JOIN settings s ON s.id = a.setting_id \
             WHERE a.academic_year = ",
        );
        sql.bind(crate::scope::Arg::Int(i64::from(year.0))).push(&format!(" AND a.term = '{}' AND ", term.code()));
        sql.settings_in_scope(role, "s");
        let rows: Vec<(i64, i64, String, String)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut counts: std::collections::HashMap<(i64, i64), (String, SessionCounts)> = Default::default();
        for (pupil, setting, name, marks) in rows {
            counts.entry((pupil, setting)).or_insert((name, SessionCounts::default())).1.add(SessionCounts::of(&marks));
        }
        for ((pupil, setting), (name, c)) in counts {
            if i64::from(c.possible) < AT_RISK_MIN_SESSIONS {
                continue;
            }
            if let Some(rate) = c.rate().filter(|r| *r < AT_RISK_ATTENDANCE) {
                found.entry((pupil, setting)).or_insert((name, 0, 0.0, None, 0)).3 = Some(rate);
            }
        }
        let mut sql = SqlBuilder::new(
            "SELECT x.pupil_id, s.id, s.name, COUNT(*) FROM incidents x JOIN settings s ON s.id = x.setting_id \
             WHERE x.incident_date >= ",
        );
        sql.date(from).push(" AND x.incident_date <= ").date(to).push(" AND ");
        sql.settings_in_scope(role, "s")
            .push(&format!(" GROUP BY x.pupil_id, s.id, s.name HAVING COUNT(*) >= {AT_RISK_INCIDENTS}"));
        let rows: Vec<(i64, i64, String, i64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        for (pupil, setting, name, n) in rows {
            found.entry((pupil, setting)).or_insert((name, 0, 0.0, None, 0)).4 = n;
        }
        let total = found.len();
        let reasons = |f: &Found| i64::from(f.1 > 0) + i64::from(f.3.is_some()) + i64::from(f.4 > 0);
        let mut ranked: Vec<((i64, i64), Found)> = found.into_iter().collect();
        ranked.sort_by(|(ka, a), (kb, b)| {
            reasons(b)
                .cmp(&reasons(a))
                .then(b.1.cmp(&a.1))
                .then(b.2.total_cmp(&a.2))
                .then(b.4.cmp(&a.4))
                .then(a.3.unwrap_or(1.0).total_cmp(&b.3.unwrap_or(1.0)))
                .then(ka.cmp(kb))
        });
        ranked.truncate(SUSPENDED_SHOWN);
        if ranked.is_empty() {
            return Ok((Vec::new(), total));
        }
        // Names and whether in AP today, for the pupils listed (all seen through a setting in scope).
        let ids = ranked.iter().map(|((p, _), _)| p.to_string()).collect::<Vec<_>>().join(", ");
        #[derive(sqlx::FromRow)]
        struct Row {
            pupil_id: i64,
            in_ap: bool,
            #[sqlx(flatten)]
            name: NameRow,
        }
        let mut sql = SqlBuilder::new(
            "SELECT p.id AS pupil_id, EXISTS (SELECT 1 FROM placements pl WHERE pl.pupil_id = p.id AND pl.start_date <= ",
        );
        sql.date(today)
            .push(" AND (pl.end_date IS NULL OR pl.end_date >= ")
            .date(today)
            .push(&format!(")) AS in_ap, {NAME_COLUMNS} FROM pupils p WHERE p.id IN ({ids})"));
        let rows: Vec<Row> = on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let by_id: std::collections::HashMap<i64, &Row> = rows.iter().map(|r| (r.pupil_id, r)).collect();
        let shown = ranked
            .into_iter()
            .filter_map(|((pupil, _), f)| by_id.get(&pupil).map(|r| (r, f)))
            .map(|(r, (setting, suspensions, days, attendance, incidents))| {
                Ok(Suspended {
                    pupil_id: r.pupil_id,
                    name: self.display_name(&r.name)?,
                    setting,
                    suspensions,
                    days,
                    attendance,
                    incidents,
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
