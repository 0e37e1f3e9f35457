//! Interventions recorded in Waymark: kind, how often, who delivers, start, end, sessions
//! planned and attended. Written at a setting in the caller's scope for a pupil the caller can
//! see; read, like every record, only at settings in the caller's scope.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::referrals::text_field;
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::ValidationErrors;

/// The kinds of support internal AP offers (seed 002): code and label.
pub const KINDS: [(&str, &str); 8] = [
    ("literacy", "Literacy"),
    ("speech_language", "Speech and language"),
    ("emotional_regulation", "Emotional regulation"),
    ("social_skills", "Social skills"),
    ("therapeutic", "Therapeutic"),
    ("mentoring", "Mentoring"),
    ("enrichment", "Enrichment (for example gardening or cooking)"),
    ("vocational", "Vocational learning"),
];

#[derive(Debug, Clone)]
pub struct NewIntervention {
    pub pupil_id: i64,
    pub setting_id: i64,
    pub kind: String,
    pub frequency: String,
    pub delivered_by: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub sessions_planned: i64,
    pub sessions_attended: i64,
    pub token: String,
}

impl NewIntervention {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !KINDS.iter().any(|(c, _)| *c == self.kind) {
            errors.push("kind", "Choose the kind of intervention");
        }
        text_field(&mut errors, "frequency", &self.frequency, "Say how often, for example twice a week");
        text_field(&mut errors, "delivered_by", &self.delivered_by, "Say who delivers it");
        if self.end.is_some_and(|e| e < self.start) {
            errors.push("end", "The end must be on or after the start");
        }
        if !(1..=500).contains(&self.sessions_planned) {
            errors.push("sessions_planned", "Sessions planned must be a whole number from 1 to 500");
        }
        if self.sessions_attended < 0 || self.sessions_attended > self.sessions_planned.max(0) {
            errors.push("sessions_attended", "Sessions attended must be from 0 to the number planned");
        }
        if self.token.len() < 16 || !self.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push("token", "The form is missing its one-time token: reload the page and try again");
        }
        errors.into_result(())
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InterventionRow {
    pub setting: String,
    pub kind: String,
    pub frequency: Option<String>,
    pub delivered_by: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub sessions_planned: i64,
    pub sessions_attended: i64,
}

impl Store {
    /// Record an intervention; a form sent twice records one.
    pub async fn record_intervention(&self, caller: &Caller, new: &NewIntervention) -> Result<i64, StoreError> {
        new.validate()?;
        let mut tx = self.pool.begin_write().await?;
        let mut sql = SqlBuilder::new("SELECT s.la_number FROM settings s WHERE s.id = ");
        sql.bind(Arg::Int(new.setting_id)).push(" AND ").settings_in_scope(caller.role, "s");
        sql.push(" AND EXISTS (SELECT 1 FROM pupils p WHERE p.id = ").bind(Arg::Int(new.pupil_id));
        sql.push(" AND ").pupils_in_scope(caller.role).push(")");
        let la: Option<i64> =
            on_tx!(&mut tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?;
        let la = la.ok_or(StoreError::NotFound)?;
        let source_id = format!("form:{}", new.token);
        if let Some(id) =
            crate::referrals::existing(&mut tx, "interventions", "setting_id", new.setting_id, &source_id).await?
        {
            return Ok(id);
        }
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO interventions (la_number, pupil_id, setting_id, source_id, kind, start_date, end_date, \
                 sessions_planned, sessions_attended, frequency, delivered_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(la)
            .bind(new.pupil_id)
            .bind(new.setting_id)
            .bind(&source_id)
            .bind(&new.kind)
            .bind(new.start)
            .bind(new.end)
            .bind(new.sessions_planned)
            .bind(new.sessions_attended)
            .bind(new.frequency.trim())
            .bind(new.delivered_by.trim())
            .fetch_one(c)
            .await
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "intervention.create", object_type: "intervention", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A pupil's interventions at settings in the caller's scope, oldest first; audited.
    pub async fn interventions(&self, caller: &Caller, pupil_id: i64) -> Result<Vec<InterventionRow>, StoreError> {
        let mut visible = SqlBuilder::new("SELECT p.id FROM pupils p WHERE p.id = ");
        visible.bind(Arg::Int(pupil_id)).push(" AND ").pupils_in_scope(caller.role);
        let found: Option<i64> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(visible.sql()), visible).fetch_optional(p).await)?;
        found.ok_or(StoreError::NotFound)?;
        let mut sql = SqlBuilder::new(
            "SELECT s.name AS setting, r.kind, r.frequency, r.delivered_by, r.start_date, r.end_date, r.sessions_planned, \
             r.sessions_attended FROM interventions r JOIN settings s ON s.id = r.setting_id WHERE r.pupil_id = ",
        );
        sql.bind(Arg::Int(pupil_id))
            .push(" AND ")
            .settings_in_scope(caller.role, "s")
            .push(" ORDER BY r.start_date, r.id");
        let rows = on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        self.audit_alone(
            caller,
            Event { action: "interventions.view", object_type: "pupil", object_id: pupil_id.to_string() },
        )
        .await?;
        Ok(rows)
    }
}
