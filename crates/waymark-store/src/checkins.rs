//! The daily check-in: one form for a whole group, each pupil's mood (1 to 5), readiness to
//! learn (1 to 3) and a short note; and the week view. A group's pupils on a day are those with
//! a placement in the group that has started and not ended. Entering a day again replaces that
//! day's answers (so a form sent twice changes nothing).

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::placements::Group;
use crate::referrals::{NameRow, NAME_COLUMNS};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{now_unix, Caller, Store, StoreError};
use chrono::{Duration, NaiveDate};
use waymark_domain::ValidationErrors;

pub const READY_LABELS: [&str; 3] = ["Not ready", "Getting there", "Ready to learn"];

/// One pupil's answers for a day.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinEntry {
    pub pupil_id: i64,
    pub mood: i64,
    pub ready: i64,
    pub note: String,
}

/// A pupil of the group on a day, with what was entered for them, if anything.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterLine {
    pub pupil_id: i64,
    pub name: String,
    pub entry: Option<CheckinEntry>,
}

/// A pupil's week: Monday to Friday, (mood, ready) where entered.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekLine {
    pub pupil_id: i64,
    pub name: String,
    pub days: [Option<(i64, i64)>; 5],
}

#[derive(sqlx::FromRow)]
struct RosterRow {
    pupil_id: i64,
    #[sqlx(flatten)]
    name: NameRow,
}

impl CheckinEntry {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !(1..=5).contains(&self.mood) {
            errors.push("mood", "Mood must be a whole number from 1 to 5");
        }
        if !(1..=3).contains(&self.ready) {
            errors.push("ready", "Readiness must be 1 (not ready), 2 (getting there) or 3 (ready to learn)");
        }
        if self.note.chars().count() > 200 {
            errors.push("note", "Keep the note to 200 characters or fewer");
        }
        errors.into_result(())
    }
}

impl Store {
    /// A group whose provision is in the caller's scope.
    async fn group_in_scope(&self, caller: &Caller, group_id: i64) -> Result<Group, StoreError> {
        let mut sql = SqlBuilder::new(
            "SELECT g.id, g.setting_id, g.name, g.size_limit, g.hard_limit, g.teacher, g.support_adult \
             FROM provision_groups g JOIN settings s ON s.id = g.setting_id WHERE g.id = ",
        );
        sql.bind(Arg::Int(group_id)).push(" AND ").settings_in_scope(caller.role, "s");
        let group: Option<Group> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(p).await)?;
        group.ok_or(StoreError::NotFound)
    }

    /// The group's pupils on `day` (placements started and not ended), by name.
    async fn roster(&self, group_id: i64, day: NaiveDate) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<RosterRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!(
                "SELECT DISTINCT pl.pupil_id, {NAME_COLUMNS} FROM placements pl JOIN pupils p ON p.id = pl.pupil_id \
                 WHERE pl.group_id = $1 AND pl.start_date <= $2 AND (pl.end_date IS NULL OR pl.end_date >= $2)"
            ))
            .bind(group_id)
            .bind(day)
            .fetch_all(p)
            .await
        })?;
        let mut out = rows
            .into_iter()
            .map(|r| Ok((r.pupil_id, self.display_name(&r.name)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// The check-in form's lines for a group on a day; audited as a view of the group.
    pub async fn checkin_roster(
        &self,
        caller: &Caller,
        group_id: i64,
        day: NaiveDate,
    ) -> Result<(Group, Vec<RosterLine>), StoreError> {
        let group = self.group_in_scope(caller, group_id).await?;
        let roster = self.roster(group_id, day).await?;
        let entered: Vec<(i64, i64, i64, Option<String>)> = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT pupil_id, mood, ready, note FROM checkins WHERE group_id = $1 AND on_date = $2")
                .bind(group_id)
                .bind(day)
                .fetch_all(p)
                .await
        })?;
        let lines = roster
            .into_iter()
            .map(|(pupil_id, name)| RosterLine {
                pupil_id,
                name,
                entry: entered.iter().find(|e| e.0 == pupil_id).map(|e| CheckinEntry {
                    pupil_id,
                    mood: e.1,
                    ready: e.2,
                    note: e.3.clone().unwrap_or_default(),
                }),
            })
            .collect();
        self.audit_alone(
            caller,
            Event { action: "checkin.view", object_type: "group", object_id: format!("{group_id}:{day}") },
        )
        .await?;
        Ok((group, lines))
    }

    /// Record a day's check-ins for the group. Every entry must be for a pupil of the group that
    /// day; entering the day again replaces the answers.
    pub async fn record_checkins(
        &self,
        caller: &Caller,
        group_id: i64,
        day: NaiveDate,
        entries: &[CheckinEntry],
    ) -> Result<usize, StoreError> {
        for e in entries {
            e.validate()?;
        }
        let group = self.group_in_scope(caller, group_id).await?;
        let roster = self.roster(group_id, day).await?;
        if entries.iter().any(|e| !roster.iter().any(|(p, _)| *p == e.pupil_id)) {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.pool.begin_write().await?;
        let la: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT la_number FROM settings WHERE id = $1").bind(group.setting_id).fetch_one(c).await
        })?;
        let at = now_unix();
        for e in entries {
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO checkins (la_number, group_id, pupil_id, on_date, mood, ready, note, actor, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (group_id, pupil_id, on_date) DO UPDATE SET mood = excluded.mood, ready = excluded.ready, \
                     note = excluded.note, actor = excluded.actor, at = excluded.at",
                )
                .bind(la)
                .bind(group_id)
                .bind(e.pupil_id)
                .bind(day)
                .bind(e.mood)
                .bind(e.ready)
                .bind(Some(e.note.trim()).filter(|n| !n.is_empty()))
                .bind(&caller.actor)
                .bind(at)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        audit::append(
            &mut tx,
            caller,
            Event {
                action: "checkin.record",
                object_type: "group",
                object_id: format!("{group_id}:{day}:{}", entries.len()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(entries.len())
    }

    /// The week from `monday` for each pupil of the group during it.
    pub async fn checkin_week(
        &self,
        caller: &Caller,
        group_id: i64,
        monday: NaiveDate,
    ) -> Result<(Group, Vec<WeekLine>), StoreError> {
        let group = self.group_in_scope(caller, group_id).await?;
        let friday = monday + Duration::days(4);
        let mut pupils: Vec<(i64, String)> = Vec::new();
        for d in 0..5 {
            for p in self.roster(group_id, monday + Duration::days(d)).await? {
                if !pupils.iter().any(|q| q.0 == p.0) {
                    pupils.push(p);
                }
            }
        }
        pupils.sort_by(|a, b| a.1.cmp(&b.1));
        let rows: Vec<(i64, NaiveDate, i64, i64)> = on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT pupil_id, on_date, mood, ready FROM checkins WHERE group_id = $1 AND on_date >= $2 AND on_date <= $3",
            )
            .bind(group_id)
            .bind(monday)
            .bind(friday)
            .fetch_all(p)
            .await
        })?;
        let lines = pupils
            .into_iter()
            .map(|(pupil_id, name)| {
                let mut days = [None; 5];
                for (p, d, mood, ready) in &rows {
                    let i = (*d - monday).num_days();
                    if *p == pupil_id && (0..5).contains(&i) {
                        days[i as usize] = Some((*mood, *ready));
                    }
                }
                WeekLine { pupil_id, name, days }
            })
            .collect();
        self.audit_alone(
            caller,
            Event { action: "checkin.week", object_type: "group", object_id: format!("{group_id}:{monday}") },
        )
        .await?;
        Ok((group, lines))
    }
}

/// One week of a pupil's check-ins: Monday, mean mood, mean readiness, days checked in.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekTrend {
    pub monday: NaiveDate,
    pub mood: f64,
    pub ready: f64,
    pub days: i64,
}

impl Store {
    /// A pupil's check-ins week by week, at groups whose provision is in the caller's scope.
    pub async fn checkin_trend(&self, caller: &Caller, pupil_id: i64) -> Result<Vec<WeekTrend>, StoreError> {
        let mut sql = SqlBuilder::new(
            "SELECT c.on_date, c.mood, c.ready FROM checkins c JOIN provision_groups g ON g.id = c.group_id \
             JOIN settings s ON s.id = g.setting_id WHERE c.pupil_id = ",
        );
        sql.bind(Arg::Int(pupil_id)).push(" AND ").settings_in_scope(caller.role, "s").push(" ORDER BY c.on_date");
        let rows: Vec<(NaiveDate, i64, i64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        Ok(weekly_trend(rows))
    }
}

/// Daily (date, mood, readiness) in date order, averaged week by week (Monday to Sunday).
pub fn weekly_trend(days: impl IntoIterator<Item = (NaiveDate, i64, i64)>) -> Vec<WeekTrend> {
    let mut weeks: Vec<WeekTrend> = Vec::new();
    for (day, mood, ready) in days {
        let monday = crate::placements::monday_of_week(day);
        match weeks.last_mut().filter(|w| w.monday == monday) {
            Some(w) => {
                w.mood += mood as f64;
                w.ready += ready as f64;
                w.days += 1;
            }
            None => weeks.push(WeekTrend { monday, mood: mood as f64, ready: ready as f64, days: 1 }),
        }
    }
    for w in &mut weeks {
        w.mood /= w.days as f64;
        w.ready /= w.days as f64;
    }
    weeks
}
