//! Assessments recorded in Waymark, item by item: SDQ (three versions) and SWEMWBS. Scores are
//! computed from the answers by `waymark_domain::instruments` and stored with the version;
//! nobody types a score. An answer out of range is refused, naming its item.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::instruments::{score_sdq, score_swemwbs, InstrumentError, SdqVersion, Subscale};
use waymark_domain::ValidationErrors;

/// The form field of each item, as errors name them (`item_1` to `item_25`).
pub const ITEM_FIELDS: [&str; 25] = [
    "item_1", "item_2", "item_3", "item_4", "item_5", "item_6", "item_7", "item_8", "item_9", "item_10", "item_11",
    "item_12", "item_13", "item_14", "item_15", "item_16", "item_17", "item_18", "item_19", "item_20", "item_21",
    "item_22", "item_23", "item_24", "item_25",
];

/// Which instrument, and for the SDQ which version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrument {
    Sdq(SdqVersion),
    Swemwbs,
}

impl Instrument {
    pub fn items(self) -> usize {
        match self {
            Instrument::Sdq(_) => 25,
            Instrument::Swemwbs => 7,
        }
    }

    fn columns(self) -> (&'static str, Option<&'static str>) {
        match self {
            Instrument::Sdq(v) => ("sdq", Some(v.code())),
            Instrument::Swemwbs => ("swemwbs", None),
        }
    }
}

pub const OCCASIONS: [(&str, &str); 3] = [("entry", "On entry"), ("review", "Review"), ("exit", "On leaving")];

#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub pupil_id: i64,
    pub setting_id: i64,
    pub instrument: Instrument,
    pub occasion: String,
    pub assessed_on: NaiveDate,
    /// Answers as ticked, item 1 first; `None` unanswered.
    pub answers: Vec<Option<u8>>,
    pub token: String,
}

/// What was computed from the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub score: Option<f64>,
    pub band: Option<String>,
    pub raw_total: Option<i64>,
    pub subscales: Option<String>,
}

/// An assessment with its stored scores.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ScoredAssessment {
    pub id: i64,
    pub setting: String,
    pub assessed_on: NaiveDate,
    pub instrument: String,
    pub version: Option<String>,
    pub occasion: String,
    pub score: Option<f64>,
    pub band: Option<String>,
    pub raw_total: Option<i64>,
    pub subscales: Option<String>,
}

fn item_error(errors: &mut ValidationErrors, e: InstrumentError) {
    let field = match &e {
        InstrumentError::SdqItemOutOfRange { item, .. } | InstrumentError::SwemwbsItemOutOfRange { item, .. } => {
            ITEM_FIELDS.get(item - 1).copied().unwrap_or("items")
        }
        InstrumentError::SwemwbsIncomplete { unanswered } => {
            unanswered.first().and_then(|i| ITEM_FIELDS.get(i - 1)).copied().unwrap_or("items")
        }
        _ => "items",
    };
    errors.push(field, e.to_string());
}

/// Score the answers, or say which item is wrong.
pub fn compute(instrument: Instrument, answers: &[Option<u8>]) -> Result<Computed, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if answers.len() != instrument.items() {
        errors.push("items", format!("Expected {} answers, got {}", instrument.items(), answers.len()));
        return Err(errors);
    }
    let computed = match instrument {
        Instrument::Sdq(version) => {
            let items: [Option<u8>; 25] = answers.try_into().expect("length checked");
            score_sdq(version, &items).map(|s| {
                let subscales = Subscale::ALL
                    .iter()
                    .map(|sub| {
                        let name = format!("{sub:?}").to_lowercase();
                        format!("{name}:{}", s.subscale(*sub).map_or("-".to_string(), |v| v.to_string()))
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                Computed {
                    score: s.total_difficulties.map(f64::from),
                    band: s.total_band.map(|b| b.code().to_string()),
                    raw_total: s.total_difficulties.map(i64::from),
                    subscales: Some(subscales),
                }
            })
        }
        Instrument::Swemwbs => {
            let items: [Option<u8>; 7] = answers.try_into().expect("length checked");
            score_swemwbs(&items).map(|s| Computed {
                score: Some(s.metric),
                band: None,
                raw_total: Some(i64::from(s.raw)),
                subscales: None,
            })
        }
    };
    computed.map_err(|e| {
        item_error(&mut errors, e);
        errors
    })
}

impl Store {
    /// Record an assessment at a setting in the caller's scope, of a pupil the caller can see.
    /// Resubmitting the same form returns the first record.
    pub async fn record_assessment(&self, caller: &Caller, new: &NewAssessment) -> Result<i64, StoreError> {
        let mut errors = ValidationErrors::default();
        if !OCCASIONS.iter().any(|(code, _)| *code == new.occasion) {
            errors.push("occasion", "Choose when the assessment was taken: on entry, a review or on leaving");
        }
        let computed = match compute(new.instrument, &new.answers) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        if new.token.len() < 16 || !new.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push("token", "The form is missing its one-time token: reload the page and try again");
        }
        let computed = errors.into_result(computed)?.expect("scored when there are no errors");
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
            crate::referrals::existing(&mut tx, "assessments", "setting_id", new.setting_id, &source_id).await?
        {
            return Ok(id);
        }
        let (instrument, version) = new.instrument.columns();
        let id: i64 = on_tx!(&mut tx, c => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO assessments (la_number, pupil_id, setting_id, source_id, assessed_on, instrument, version, occasion, \
                 score, band, raw_total, subscales) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(la)
            .bind(new.pupil_id)
            .bind(new.setting_id)
            .bind(&source_id)
            .bind(new.assessed_on)
            .bind(instrument)
            .bind(version)
            .bind(&new.occasion)
            .bind(computed.score)
            .bind(computed.band.as_deref())
            .bind(computed.raw_total)
            .bind(computed.subscales.as_deref())
            .fetch_one(&mut *c)
            .await?;
            for (i, answer) in new.answers.iter().enumerate() {
                if let Some(a) = answer {
                    sqlx::query("INSERT INTO assessment_items (assessment_id, la_number, item, response) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(la)
                        .bind(i as i64 + 1)
                        .bind(i64::from(*a))
                        .execute(&mut *c)
                        .await?;
                }
            }
            Ok::<i64, sqlx::Error>(id)
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "assessment.create", object_type: "assessment", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A pupil's assessments at settings in the caller's scope, oldest first, with their scores.
    pub async fn scored_assessments(
        &self,
        caller: &Caller,
        pupil_id: i64,
    ) -> Result<Vec<ScoredAssessment>, StoreError> {
        let rows = self.scored_assessments_unaudited(caller, pupil_id).await?;
        self.audit_alone(
            caller,
            Event { action: "assessments.view", object_type: "pupil", object_id: pupil_id.to_string() },
        )
        .await?;
        Ok(rows)
    }

    /// As `scored_assessments`, scoped the same way, for a caller that audits the whole view itself.
    pub(crate) async fn scored_assessments_unaudited(
        &self,
        caller: &Caller,
        pupil_id: i64,
    ) -> Result<Vec<ScoredAssessment>, StoreError> {
        let mut visible = SqlBuilder::new("SELECT p.id FROM pupils p WHERE p.id = ");
        visible.bind(Arg::Int(pupil_id)).push(" AND ").pupils_in_scope(caller.role);
        let found: Option<i64> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(visible.sql()), visible).fetch_optional(p).await)?;
        found.ok_or(StoreError::NotFound)?;
        let mut sql = SqlBuilder::new(
            "SELECT a.id, s.name AS setting, a.assessed_on, a.instrument, a.version, a.occasion, a.score, a.band, a.raw_total, \
             a.subscales FROM assessments a JOIN settings s ON s.id = a.setting_id WHERE a.pupil_id = ",
        );
        sql.bind(Arg::Int(pupil_id))
            .push(" AND ")
            .settings_in_scope(caller.role, "s")
            .push(" ORDER BY a.assessed_on, a.id");
        let rows = on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        Ok(rows)
    }
}
