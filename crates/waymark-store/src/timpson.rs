//! The Timpson review tracker: the review's recommendations, their status and dated history.
//! Public data (no pupil is involved): anyone may read it; only administrators change it, and
//! every change is kept as a dated update and audited.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::{now_unix, Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::ValidationErrors;

/// Where a recommendation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimpsonStatus {
    /// Nobody has assessed it yet: the honest starting point (no status is invented).
    NotAssessed,
    NotStarted,
    InProgress,
    Implemented,
    Dropped,
}

impl TimpsonStatus {
    pub const ALL: [TimpsonStatus; 5] = [
        TimpsonStatus::NotAssessed,
        TimpsonStatus::NotStarted,
        TimpsonStatus::InProgress,
        TimpsonStatus::Implemented,
        TimpsonStatus::Dropped,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TimpsonStatus::NotAssessed => "not_assessed",
            TimpsonStatus::NotStarted => "not_started",
            TimpsonStatus::InProgress => "in_progress",
            TimpsonStatus::Implemented => "implemented",
            TimpsonStatus::Dropped => "dropped",
        }
    }

    pub fn from_code(code: &str) -> Option<TimpsonStatus> {
        TimpsonStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            TimpsonStatus::NotAssessed => "Status not yet assessed",
            TimpsonStatus::NotStarted => "Not started",
            TimpsonStatus::InProgress => "In progress",
            TimpsonStatus::Implemented => "Implemented",
            TimpsonStatus::Dropped => "Dropped",
        }
    }
}

/// One recommendation as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub key: String,
    /// The review's own number, where public summaries confirm it.
    pub number: Option<String>,
    /// leadership, equipping, incentivising or safeguarding.
    pub theme: String,
    pub who_acts: String,
    pub text: String,
    pub status: TimpsonStatus,
    pub updated_at: i64,
}

/// One dated change to a recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct TimpsonUpdate {
    pub as_of: NaiveDate,
    pub recorded_at: i64,
    pub actor: String,
    pub status: TimpsonStatus,
    pub number: Option<String>,
    pub text: String,
    pub note: String,
    pub evidence_url: Option<String>,
}

/// Aggregate progress as others published it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimpsonProgress {
    pub as_of: NaiveDate,
    pub implemented: i64,
    pub some_action: i64,
    pub no_action: i64,
    pub note: String,
    pub source: String,
}

/// What an administrator submits.
#[derive(Debug, Clone)]
pub struct TimpsonChange {
    pub status: TimpsonStatus,
    pub number: Option<String>,
    pub text: String,
    pub note: String,
    pub evidence_url: Option<String>,
    pub as_of: NaiveDate,
}

impl TimpsonChange {
    fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(n) = &self.number {
            if !n.parse::<u8>().is_ok_and(|n| (1..=30).contains(&n)) {
                errors.push(
                    "number",
                    "The review's number is a whole number from 1 to 30, or leave it blank if not confirmed",
                );
            }
        }
        if self.text.trim().is_empty() {
            errors.push("text", "Enter the recommendation");
        } else if self.text.chars().count() > 1000 {
            errors.push("text", "The recommendation must be 1,000 characters or fewer");
        }
        if self.note.trim().is_empty() {
            errors.push("note", "Say what changed and why (this is kept in the public history)");
        } else if self.note.chars().count() > 2000 {
            errors.push("note", "The note must be 2,000 characters or fewer");
        }
        if let Some(url) = &self.evidence_url {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() > 500
                || url.contains(char::is_whitespace)
            {
                errors.push("evidence_url", "Evidence must be a web address starting https:// (or leave it blank)");
            }
        }
        if self.as_of > today {
            errors.push("as_of", "The date of the update must be today or in the past");
        }
        errors.into_result(())
    }
}

fn status(code: &str) -> Result<TimpsonStatus, StoreError> {
    TimpsonStatus::from_code(code).ok_or_else(|| StoreError::Config(format!("unknown Timpson status {code:?}")))
}

#[derive(sqlx::FromRow)]
struct RecommendationRow {
    key: String,
    number: Option<String>,
    theme: String,
    who_acts: String,
    text: String,
    status: String,
    updated_at: i64,
    #[sqlx(default)]
    id: Option<i64>,
}

impl RecommendationRow {
    fn into_recommendation(self) -> Result<Recommendation, StoreError> {
        Ok(Recommendation {
            status: status(&self.status)?,
            key: self.key,
            number: self.number,
            theme: self.theme,
            who_acts: self.who_acts,
            text: self.text,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct UpdateRow {
    as_of: NaiveDate,
    recorded_at: i64,
    actor: String,
    status: String,
    number: Option<String>,
    text: String,
    note: String,
    evidence_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProgressRow {
    as_of: NaiveDate,
    implemented: i64,
    some_action: i64,
    no_action: i64,
    note: String,
    source: String,
}

const COLUMNS: &str = "key, number, theme, who_acts, text, status, updated_at";

impl Store {
    /// Every recommendation, confirmed numbers first in order, then the rest by key.
    pub async fn timpson_recommendations(&self) -> Result<Vec<Recommendation>, StoreError> {
        let rows: Vec<RecommendationRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM timpson_recommendations")).fetch_all(p).await
        })?;
        let mut recs = rows.into_iter().map(RecommendationRow::into_recommendation).collect::<Result<Vec<_>, _>>()?;
        recs.sort_by_key(|r| {
            (r.number.as_deref().and_then(|n| n.parse::<u8>().ok()).unwrap_or(u8::MAX), r.key.clone())
        });
        Ok(recs)
    }

    /// One recommendation and its history, newest first.
    pub async fn timpson_recommendation(&self, key: &str) -> Result<(Recommendation, Vec<TimpsonUpdate>), StoreError> {
        let row: RecommendationRow = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {COLUMNS}, id FROM timpson_recommendations WHERE key = $1"))
                .bind(key)
                .fetch_optional(p)
                .await
        })?
        .ok_or(StoreError::NotFound)?;
        let rows: Vec<UpdateRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT as_of, recorded_at, actor, status, number, text, note, evidence_url FROM timpson_updates \
                 WHERE recommendation_id = $1 ORDER BY as_of DESC, id DESC",
            )
            .bind(row.id)
            .fetch_all(p)
            .await
        })?;
        let history = rows
            .into_iter()
            .map(|r| {
                Ok(TimpsonUpdate {
                    as_of: r.as_of,
                    recorded_at: r.recorded_at,
                    actor: r.actor,
                    status: status(&r.status)?,
                    number: r.number,
                    text: r.text,
                    note: r.note,
                    evidence_url: r.evidence_url,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((row.into_recommendation()?, history))
    }

    /// Published aggregate progress, oldest first.
    pub async fn timpson_progress(&self) -> Result<Vec<TimpsonProgress>, StoreError> {
        let rows: Vec<ProgressRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT as_of, implemented, some_action, no_action, note, source FROM timpson_progress ORDER BY as_of",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| TimpsonProgress {
                as_of: r.as_of,
                implemented: r.implemented,
                some_action: r.some_action,
                no_action: r.no_action,
                note: r.note,
                source: r.source,
            })
            .collect())
    }

    /// Change a recommendation (administrators only): the new state replaces the old, and the
    /// change is kept in its history and audited.
    pub async fn update_timpson(
        &self,
        caller: &Caller,
        key: &str,
        change: &TimpsonChange,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        change.validate(today)?;
        let mut tx = self.pool.begin_write().await?;
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM timpson_recommendations WHERE key = $1").bind(key).fetch_optional(c).await
        })?
        .ok_or(StoreError::NotFound)?;
        let now = now_unix();
        on_tx!(&mut tx, c => {
        sqlx::query(
            "UPDATE timpson_recommendations SET number = $1, text = $2, status = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(change.number.as_deref())
        .bind(change.text.trim())
        .bind(change.status.code())
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "INSERT INTO timpson_updates (recommendation_id, as_of, recorded_at, actor, status, number, text, note, evidence_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(change.as_of)
        .bind(now)
        .bind(&caller.actor)
        .bind(change.status.code())
        .bind(change.number.as_deref())
        .bind(change.text.trim())
        .bind(change.note.trim())
        .bind(change.evidence_url.as_deref())
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "timpson.update", object_type: "timpson", object_id: key.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
