//! Referrals to a provision and the waiting list.
//!
//! A school refers a pupil it has on roll to a provision (its own internal unit, a PRU, an AP
//! school, outreach). Who sees a referral: the referring side (its `from` setting in scope) and
//! the receiving side (its `to` setting in scope): a referral is how a provision first learns of
//! a pupil, so the provision sees the pupil's name and the referral, not the rest of the file.
//! Every step of the workflow is kept with who, when and why, and audited.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx, Tx};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{now_unix, Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::attendance::SessionCounts;
use waymark_domain::{AcademicYear, SettingKind, ValidationErrors};

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralStatus {
    Submitted,
    UnderAssessment,
    Waiting,
    Offered,
    Placed,
    Declined,
    Withdrawn,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 7] = [
        ReferralStatus::Submitted,
        ReferralStatus::UnderAssessment,
        ReferralStatus::Waiting,
        ReferralStatus::Offered,
        ReferralStatus::Placed,
        ReferralStatus::Declined,
        ReferralStatus::Withdrawn,
    ];

    /// Still waiting for a place: on the provision's waiting list.
    pub const OPEN: [ReferralStatus; 4] =
        [ReferralStatus::Submitted, ReferralStatus::UnderAssessment, ReferralStatus::Waiting, ReferralStatus::Offered];

    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Submitted => "submitted",
            ReferralStatus::UnderAssessment => "under_assessment",
            ReferralStatus::Waiting => "waiting",
            ReferralStatus::Offered => "offered",
            ReferralStatus::Placed => "placed",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<ReferralStatus> {
        ReferralStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralStatus::Submitted => "Submitted",
            ReferralStatus::UnderAssessment => "Under assessment",
            ReferralStatus::Waiting => "Waiting for a place",
            ReferralStatus::Offered => "Place offered",
            ReferralStatus::Placed => "Placed",
            ReferralStatus::Declined => "Declined",
            ReferralStatus::Withdrawn => "Withdrawn",
        }
    }

    /// The states this one may move to. `Placed` is reached only by making the placement.
    pub fn next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Submitted => &[UnderAssessment, Declined, Withdrawn],
            UnderAssessment => &[Waiting, Offered, Declined, Withdrawn],
            Waiting => &[Offered, Declined, Withdrawn],
            Offered => &[Placed, Waiting, Declined, Withdrawn],
            Placed | Declined | Withdrawn => &[],
        }
    }

    /// Withdrawing is the referrer's act; every other move is the provision's.
    pub fn by_referrer(self) -> bool {
        self == ReferralStatus::Withdrawn
    }

    /// Moves that must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, ReferralStatus::Declined | ReferralStatus::Withdrawn)
    }
}

/// How soon a referral should be met: the waiting list's first order.
pub fn priority_label(priority: i64) -> &'static str {
    match priority {
        1 => "Urgent",
        2 => "High",
        _ => "Standard",
    }
}

/// What a school submits.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub pupil_id: i64,
    pub from_setting_id: i64,
    pub to_setting_id: i64,
    pub reason: String,
    pub needs: String,
    pub tried: String,
    pub tier_requested: i64,
    pub priority: i64,
    /// The form's one-time token: a second submission of the same form makes no second referral.
    pub token: String,
}

impl NewReferral {
    /// Every problem with the answers themselves (scope and destination are checked on submit).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        text_field(&mut errors, "reason", &self.reason, "Enter the reason for the referral");
        text_field(&mut errors, "needs", &self.needs, "Describe the pupil's needs");
        text_field(&mut errors, "tried", &self.tried, "Say what has been tried already");
        if !(1..=3).contains(&self.tier_requested) {
            errors.push("tier_requested", "Choose the tier asked for: 1, 2 or 3");
        }
        if !(1..=3).contains(&self.priority) {
            errors.push("priority", "Choose a priority: urgent, high or standard");
        }
        if self.token.len() < 16 || self.token.len() > 64 || !self.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push("token", "The form is missing its one-time token: reload the page and try again");
        }
        errors.into_result(())
    }
}

/// A required free-text field of at most 2,000 characters.
pub(crate) fn text_field(errors: &mut ValidationErrors, field: &'static str, value: &str, missing: &str) {
    if value.trim().is_empty() {
        errors.push(field, missing);
    } else if value.chars().count() > 2000 {
        errors.push(field, "Keep this to 2,000 characters or fewer");
    }
}

/// One step of a referral's history.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReferralEvent {
    pub status: String,
    pub at: i64,
    pub actor: String,
    pub reason: String,
}

/// A referral as its two sides see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralView {
    pub id: i64,
    pub pupil_id: i64,
    pub pupil_name: String,
    pub from_setting_id: i64,
    pub from_setting: String,
    pub to_setting_id: i64,
    pub to_setting: String,
    pub referral_date: NaiveDate,
    pub status: ReferralStatus,
    pub priority: i64,
    pub tier_requested: i64,
    pub reason: String,
    pub needs: String,
    pub tried: String,
    pub sessions: SessionCounts,
    pub incidents_year: i64,
    pub suspensions_year: i64,
    pub suspension_days_year: f64,
    pub events: Vec<ReferralEvent>,
    /// The caller may act for the provision (assess, offer, decline).
    pub provision_side: bool,
    /// The caller may act for the referrer (withdraw).
    pub referrer_side: bool,
}

/// One line of a provision's waiting list.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingEntry {
    pub referral_id: i64,
    pub pupil_id: i64,
    pub pupil_name: String,
    pub from_setting: String,
    pub referral_date: NaiveDate,
    pub days_waiting: i64,
    pub priority: i64,
    pub tier_requested: i64,
    pub status: ReferralStatus,
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: i64,
    pupil_id: i64,
    from_setting_id: i64,
    from_setting: String,
    to_setting_id: i64,
    to_setting: String,
    referral_date: NaiveDate,
    status: String,
    priority: i64,
    tier_requested: i64,
    reason: String,
    needs: Option<String>,
    tried: Option<String>,
    sessions_attended: Option<i64>,
    sessions_possible: Option<i64>,
    incidents_year: Option<i64>,
    suspensions_year: Option<i64>,
    suspension_days_year: Option<f64>,
    from_in_scope: Option<bool>,
    to_in_scope: Option<bool>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct NameRow {
    /// The pupil's id and keyed UPN hash: the row the encrypted names are bound to.
    pub name_pupil_id: i64,
    pub upn_hash: Vec<u8>,
    pub legal_forename_enc: Vec<u8>,
    pub legal_surname_enc: Vec<u8>,
    pub preferred_forename_enc: Option<Vec<u8>>,
    pub preferred_surname_enc: Option<Vec<u8>>,
}

pub(crate) const NAME_COLUMNS: &str = "p.id AS name_pupil_id, p.upn_hash, p.legal_forename_enc, p.legal_surname_enc, \
     p.preferred_forename_enc, p.preferred_surname_enc";

pub(crate) fn status_of(code: &str) -> Result<ReferralStatus, StoreError> {
    ReferralStatus::from_code(code).ok_or_else(|| StoreError::Config(format!("unknown referral status {code:?}")))
}

/// A referral's row with one of its events (none if it has none yet).
#[derive(sqlx::FromRow)]
struct ReferralWithEvent {
    #[sqlx(flatten)]
    referral: ReferralRow,
    event_status: Option<String>,
    event_at: Option<i64>,
    event_actor: Option<String>,
    event_reason: Option<String>,
}

impl ReferralRow {
    /// Either side of the referral is in the caller's scope.
    fn visible(&self) -> bool {
        self.from_in_scope == Some(true) || self.to_in_scope == Some(true)
    }
}

/// A referral's row with both sides' scope for `role`, up to `WHERE ` (the caller adds which).
fn referral_sql(role: Role) -> SqlBuilder {
    let mut sql = SqlBuilder::new(
        "SELECT r.id, r.pupil_id, r.from_setting_id, fs.name AS from_setting, r.to_setting_id, ts.name AS to_setting, \
         r.referral_date, r.status, r.priority, r.tier_requested, r.reason, r.needs, r.tried, r.sessions_attended, \
         r.sessions_possible, r.incidents_year, r.suspensions_year, r.suspension_days_year, ",
    );
    sql.push("(").settings_in_scope(role, "fs").push(") AS from_in_scope, (");
    sql.settings_in_scope(role, "ts").push(") AS to_in_scope ");
    sql.push("FROM referrals r JOIN settings fs ON fs.id = r.from_setting_id JOIN settings ts ON ts.id = r.to_setting_id WHERE ");
    sql
}

fn referral_view(row: ReferralRow, pupil_name: String, events: Vec<ReferralEvent>) -> Result<ReferralView, StoreError> {
    Ok(ReferralView {
        id: row.id,
        pupil_id: row.pupil_id,
        pupil_name,
        from_setting_id: row.from_setting_id,
        from_setting: row.from_setting,
        to_setting_id: row.to_setting_id,
        to_setting: row.to_setting,
        referral_date: row.referral_date,
        status: status_of(&row.status)?,
        priority: row.priority,
        tier_requested: row.tier_requested,
        reason: row.reason,
        needs: row.needs.unwrap_or_default(),
        tried: row.tried.unwrap_or_default(),
        sessions: SessionCounts {
            attended: row.sessions_attended.unwrap_or(0) as u32,
            possible: row.sessions_possible.unwrap_or(0) as u32,
        },
        incidents_year: row.incidents_year.unwrap_or(0),
        suspensions_year: row.suspensions_year.unwrap_or(0),
        suspension_days_year: row.suspension_days_year.unwrap_or(0.0),
        events,
        provision_side: row.to_in_scope == Some(true),
        referrer_side: row.from_in_scope == Some(true),
    })
}

impl Store {
    /// A pupil's name as shown on a page (preferred names where recorded).
    pub(crate) fn display_name(&self, row: &NameRow) -> Result<String, StoreError> {
        use crate::crypto::PupilField;
        let open = |field, data: &[u8]| self.crypto.open_pupil(field, &row.upn_hash, row.name_pupil_id, data);
        let forename = match &row.preferred_forename_enc {
            Some(v) => open(PupilField::PreferredForename, v)?,
            None => open(PupilField::LegalForename, &row.legal_forename_enc)?,
        };
        let surname = match &row.preferred_surname_enc {
            Some(v) => open(PupilField::PreferredSurname, v)?,
            None => open(PupilField::LegalSurname, &row.legal_surname_enc)?,
        };
        Ok(format!("{forename} {surname}"))
    }

    /// Where the caller may refer a pupil from (settings in scope where the pupil is on roll on
    /// `today`) and to (AP in those settings' areas, and their own internal units).
    pub async fn referral_options(
        &self,
        caller: &Caller,
        pupil_id: i64,
        today: NaiveDate,
    ) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), StoreError> {
        let mut sql = on_roll_sql(pupil_id, today, caller.role);
        sql.push(" ORDER BY s.name");
        let from: Vec<(i64, String, i64)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        if from.is_empty() {
            return Err(StoreError::NotFound);
        }
        let las = from.iter().map(|f| f.2.to_string()).collect::<Vec<_>>().join(", ");
        let candidates: Vec<(i64, String, String, Option<i64>)> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!(
                "SELECT id, name, kind, parent_id FROM settings WHERE la_number IN ({las}) \
                 AND kind NOT IN ('mainstream', 'special') ORDER BY name, id"
            ))
            .fetch_all(p)
            .await
        })?;
        let to = candidates
            .into_iter()
            .filter(|(_, _, kind, parent)| {
                kind != SettingKind::InternalApUnit.code() || from.iter().any(|f| Some(f.0) == *parent)
            })
            .map(|(id, name, _, _)| (id, name))
            .collect();
        Ok((from.into_iter().map(|(id, name, _)| (id, name)).collect(), to))
    }

    /// Submit a referral for a pupil on roll at a setting in the caller's scope; a pupil the
    /// caller cannot see is "not found". Resubmitting the same form returns the first referral.
    pub async fn submit_referral(
        &self,
        caller: &Caller,
        new: &NewReferral,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        new.validate()?;
        let mut tx = self.pool.begin_write().await?;
        let mut sql = on_roll_sql(new.pupil_id, today, caller.role);
        sql.push(" AND s.id = ").bind(Arg::Int(new.from_setting_id));
        let from: Option<(i64, String, i64)> =
            on_tx!(&mut tx, c => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(c).await)?;
        let Some((_, _, la)) = from else { return Err(StoreError::NotFound) };
        check_destination(&mut tx, new.from_setting_id, new.to_setting_id).await?;
        let source_id = format!("form:{}", new.token);
        if let Some(id) = existing(&mut tx, "referrals", "from_setting_id", new.from_setting_id, &source_id).await? {
            return Ok(id);
        }
        let summary = record_summary(&mut tx, new.pupil_id, new.from_setting_id, today).await?;
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO referrals (la_number, pupil_id, from_setting_id, source_id, referral_date, reason, \
                 tier_requested, to_setting_id, status, priority, needs, tried, sessions_attended, sessions_possible, \
                 incidents_year, suspensions_year, suspension_days_year) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
            )
            .bind(la)
            .bind(new.pupil_id)
            .bind(new.from_setting_id)
            .bind(&source_id)
            .bind(today)
            .bind(new.reason.trim())
            .bind(new.tier_requested)
            .bind(new.to_setting_id)
            .bind(new.priority)
            .bind(new.needs.trim())
            .bind(new.tried.trim())
            .bind(i64::from(summary.0.attended))
            .bind(i64::from(summary.0.possible))
            .bind(summary.1)
            .bind(summary.2)
            .bind(summary.3)
            .fetch_one(c)
            .await
        })?;
        add_event(&mut tx, la, id, ReferralStatus::Submitted, caller, new.reason.trim()).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "referral.create", object_type: "referral", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One referral, if either of its sides is in the caller's scope; the view is audited.
    pub async fn referral(&self, caller: &Caller, id: i64) -> Result<ReferralView, StoreError> {
        let view = self.referral_unaudited(caller, id).await?;
        self.audit_alone(caller, Event { action: "referral.view", object_type: "referral", object_id: id.to_string() })
            .await?;
        Ok(view)
    }

    /// As `referral`, scoped the same way, for a caller that audits the whole view itself.
    pub(crate) async fn referral_unaudited(&self, caller: &Caller, id: i64) -> Result<ReferralView, StoreError> {
        let mut sql = referral_sql(caller.role);
        sql.push("r.id = ").bind(Arg::Int(id));
        let row: Option<ReferralRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(p).await)?;
        let row = row.filter(ReferralRow::visible).ok_or(StoreError::NotFound)?;
        let name: NameRow = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {NAME_COLUMNS} FROM pupils p WHERE p.id = $1")).bind(row.pupil_id).fetch_one(p).await
        })?;
        let events: Vec<ReferralEvent> = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT status, at, actor, reason FROM referral_events WHERE referral_id = $1 ORDER BY at, id")
                .bind(id)
                .fetch_all(p)
                .await
        })?;
        referral_view(row, self.display_name(&name)?, events)
    }

    /// Every referral of pupil `pupil_id` to a provision that the caller may see (either side in
    /// scope, as `referral`), oldest first, with their events: one statement. The pupil's
    /// name is the caller's to give (already read and decrypted with the pupil's file).
    pub(crate) async fn referrals_of_pupil(
        &self,
        caller: &Caller,
        pupil_id: i64,
        pupil_name: &str,
    ) -> Result<Vec<ReferralView>, StoreError> {
        // One statement: each referral row once per event (events left-joined, in order).
        let mut sql = referral_sql(caller.role);
        sql.push("r.pupil_id = ").bind(Arg::Int(pupil_id)).prepend(
            "SELECT x.*, ev.status AS event_status, ev.at AS event_at, ev.actor AS event_actor, \
             ev.reason AS event_reason FROM (",
        );
        sql.push(
            ") x LEFT JOIN referral_events ev ON ev.referral_id = x.id ORDER BY x.referral_date, x.id, ev.at, ev.id",
        );
        let rows: Vec<ReferralWithEvent> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut grouped: Vec<(ReferralRow, Vec<ReferralEvent>)> = Vec::new();
        for row in rows.into_iter().filter(|r| r.referral.visible()) {
            let event = match (row.event_status, row.event_at, row.event_actor, row.event_reason) {
                (Some(status), Some(at), Some(actor), Some(reason)) => {
                    Some(ReferralEvent { status, at, actor, reason })
                }
                _ => None,
            };
            match grouped.last_mut() {
                Some((last, events)) if last.id == row.referral.id => events.extend(event),
                _ => grouped.push((row.referral, event.into_iter().collect())),
            }
        }
        grouped.into_iter().map(|(row, events)| referral_view(row, pupil_name.to_string(), events)).collect()
    }

    /// Move a referral on. The provision assesses, lists, offers and declines; the referrer
    /// withdraws. A move the workflow does not allow is refused with the reason.
    pub async fn move_referral(
        &self,
        caller: &Caller,
        id: i64,
        to: ReferralStatus,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let (current, la) = self.referral_for_change(&mut tx, caller.role, id, to.by_referrer()).await?;
        let mut errors = ValidationErrors::default();
        if to == ReferralStatus::Placed {
            errors.push("status", "A referral becomes placed when its placement is made: use \"Make the placement\"");
        } else if !current.next().contains(&to) {
            errors.push(
                "status",
                format!(
                    "A referral that is {} cannot become {}",
                    current.label().to_lowercase(),
                    to.label().to_lowercase()
                ),
            );
        }
        if to.needs_reason() && reason.trim().is_empty() {
            errors.push("reason", format!("Say why the referral is {}", to.label().to_lowercase()));
        } else if reason.chars().count() > 2000 {
            errors.push("reason", "Keep the reason to 2,000 characters or fewer");
        }
        errors.into_result(())?;
        set_status(&mut tx, la, id, to, caller, reason.trim()).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "referral.status", object_type: "referral", object_id: format!("{id}:{}", to.code()) },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A referral's status and LA, if the caller acts for the side that makes this move.
    async fn referral_for_change(
        &self,
        tx: &mut Tx,
        role: Role,
        id: i64,
        referrer: bool,
    ) -> Result<(ReferralStatus, i64), StoreError> {
        let column = if referrer { "from_setting_id" } else { "to_setting_id" };
        let mut sql = SqlBuilder::new(&format!(
            "SELECT r.status, r.la_number FROM referrals r JOIN settings s ON s.id = r.{column} WHERE r.id = "
        ));
        sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(role, "s");
        let row: Option<(String, i64)> =
            on_tx!(tx, c => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(c).await)?;
        let (status, la) = row.ok_or(StoreError::NotFound)?;
        Ok((status_of(&status)?, la))
    }

    /// A provision's waiting list: open referrals to it, by priority and then by time waited.
    pub async fn waiting_list(
        &self,
        caller: &Caller,
        setting_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<WaitingEntry>, StoreError> {
        self.get_setting(caller, setting_id).await?;
        let open = ReferralStatus::OPEN.iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ");
        let rows: Vec<WaitingRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!(
                "SELECT r.id, r.pupil_id, fs.name AS from_setting, r.referral_date, r.priority, r.tier_requested, r.status, {NAME_COLUMNS} \
                 FROM referrals r JOIN settings fs ON fs.id = r.from_setting_id JOIN pupils p ON p.id = r.pupil_id \
                 WHERE r.to_setting_id = $1 AND r.status IN ({open}) ORDER BY r.priority, r.referral_date, r.id"
            ))
            .bind(setting_id)
            .fetch_all(p)
            .await
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(WaitingEntry {
                referral_id: r.id,
                pupil_id: r.pupil_id,
                pupil_name: self.display_name(&r.name)?,
                from_setting: r.from_setting,
                days_waiting: (today - r.referral_date).num_days(),
                referral_date: r.referral_date,
                priority: r.priority,
                tier_requested: r.tier_requested,
                status: status_of(&r.status)?,
            });
        }
        self.audit_alone(
            caller,
            Event { action: "waiting_list.view", object_type: "setting", object_id: setting_id.to_string() },
        )
        .await?;
        Ok(out)
    }
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: i64,
    pupil_id: i64,
    from_setting: String,
    referral_date: NaiveDate,
    priority: i64,
    tier_requested: i64,
    status: String,
    #[sqlx(flatten)]
    name: NameRow,
}

/// Settings in the role's scope where the pupil is on roll on `today` (id, name, LA).
fn on_roll_sql(pupil_id: i64, today: NaiveDate, role: Role) -> SqlBuilder {
    let mut sql = SqlBuilder::new(
        "SELECT s.id, s.name, s.la_number FROM enrolments e JOIN settings s ON s.id = e.setting_id WHERE e.pupil_id = ",
    );
    sql.bind(Arg::Int(pupil_id));
    sql.push(" AND e.start_date <= ")
        .date(today)
        .push(" AND (e.end_date IS NULL OR e.end_date >= ")
        .date(today)
        .push(") AND ");
    sql.settings_in_scope(role, "s");
    sql
}

/// The provision asked for must be AP; an internal unit takes only its own school's pupils.
async fn check_destination(tx: &mut Tx, from: i64, to: i64) -> Result<(), StoreError> {
    let row: Option<(String, Option<i64>)> = on_tx!(tx, c => {
        sqlx::query_as("SELECT kind, parent_id FROM settings WHERE id = $1").bind(to).fetch_optional(c).await
    })?;
    let mut errors = ValidationErrors::default();
    match row.and_then(|(k, parent)| SettingKind::from_code(&k).map(|k| (k, parent))) {
        None => errors.push("to_setting_id", "Choose the provision you are referring to"),
        Some((SettingKind::Mainstream | SettingKind::Special, _)) => {
            errors.push("to_setting_id", "Choose an alternative provision, not a mainstream or special school")
        }
        Some((SettingKind::InternalApUnit, parent)) if parent != Some(from) => {
            errors.push("to_setting_id", "An internal unit takes pupils only from its own school")
        }
        Some(_) => {}
    }
    errors.into_result(())?;
    Ok(())
}

/// The id of a record already made from the same form (same setting, same token).
pub(crate) async fn existing(
    tx: &mut Tx,
    table: &str,
    setting_column: &str,
    setting: i64,
    source_id: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(on_tx!(tx, c => {
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE {setting_column} = $1 AND source_id = $2"))
            .bind(setting)
            .bind(source_id)
            .fetch_optional(c)
            .await
    })?)
}

/// This academic year's attendance at the referring setting, and the past year's incidents and
/// suspensions there: the summary a provision reads with the referral.
async fn record_summary(
    tx: &mut Tx,
    pupil: i64,
    setting: i64,
    today: NaiveDate,
) -> Result<(SessionCounts, i64, i64, f64), StoreError> {
    let year = i64::from(AcademicYear::containing(today).0);
    let since = today - chrono::Duration::days(365);
    let marks: Vec<String> = on_tx!(tx, c => {
        sqlx::query_scalar("SELECT marks FROM attendance WHERE pupil_id = $1 AND setting_id = $2 AND academic_year = $3")
            .bind(pupil)
            .bind(setting)
            .bind(year)
            .fetch_all(c)
            .await
    })?;
    let mut sessions = SessionCounts::default();
    for m in &marks {
        sessions.add(SessionCounts::of(m));
    }
    let incidents: i64 = on_tx!(tx, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE pupil_id = $1 AND setting_id = $2 AND incident_date >= $3")
            .bind(pupil)
            .bind(setting)
            .bind(since)
            .fetch_one(c)
            .await
    })?;
    let (suspensions, days): (i64, Option<f64>) = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT COUNT(*), SUM(length_days) FROM suspensions WHERE pupil_id = $1 AND setting_id = $2 AND start_date >= $3",
        )
        .bind(pupil)
        .bind(setting)
        .bind(since)
        .fetch_one(c)
        .await
    })?;
    Ok((sessions, incidents, suspensions, days.unwrap_or(0.0)))
}

pub(crate) async fn add_event(
    tx: &mut Tx,
    la: i64,
    referral: i64,
    status: ReferralStatus,
    caller: &Caller,
    reason: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, c => {
        sqlx::query("INSERT INTO referral_events (la_number, referral_id, status, at, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(la)
            .bind(referral)
            .bind(status.code())
            .bind(now_unix())
            .bind(&caller.actor)
            .bind(reason)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Set the status and keep the step in the referral's history.
pub(crate) async fn set_status(
    tx: &mut Tx,
    la: i64,
    id: i64,
    to: ReferralStatus,
    caller: &Caller,
    reason: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE referrals SET status = $1 WHERE id = $2").bind(to.code()).bind(id).execute(c).await.map(|r| r.rows_affected())
    })?;
    add_event(tx, la, id, to, caller, reason).await
}
