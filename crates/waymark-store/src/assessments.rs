//! Assessments recorded in Waymark, item by item: SDQ (three versions), SWEMWBS, a reading test
//! (reading age and standardised score, with the gap to chronological age computed from the date
//! of birth) and the scales a provision defines for itself. Scores are computed from the answers
//! by `waymark_domain::instruments` and stored with the version; nobody types a score. An answer
//! out of range is refused, naming its item.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx, Tx};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::instruments::{
    check_reading_age_months, check_standardised_score, chronological_age_months, reading_gap_months, score_sdq,
    score_swemwbs, standardised_band, CustomScale, InstrumentError, SdqVersion, Subscale,
};
use waymark_domain::ValidationErrors;

/// The form field of each item, as errors name them (`item_1` to `item_50`: enough for the
/// largest custom scale).
pub const ITEM_FIELDS: [&str; 50] = [
    "item_1", "item_2", "item_3", "item_4", "item_5", "item_6", "item_7", "item_8", "item_9", "item_10", "item_11",
    "item_12", "item_13", "item_14", "item_15", "item_16", "item_17", "item_18", "item_19", "item_20", "item_21",
    "item_22", "item_23", "item_24", "item_25", "item_26", "item_27", "item_28", "item_29", "item_30", "item_31",
    "item_32", "item_33", "item_34", "item_35", "item_36", "item_37", "item_38", "item_39", "item_40", "item_41",
    "item_42", "item_43", "item_44", "item_45", "item_46", "item_47", "item_48", "item_49", "item_50",
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

/// The words for an occasion, as every page shows it: the form's label ("On entry"), or for a
/// code from elsewhere (an import) the code in words.
pub fn occasion_label(code: &str) -> String {
    if let Some((_, label)) = OCCASIONS.iter().find(|(c, _)| *c == code) {
        return label.to_string();
    }
    let text = code.replace('_', " ");
    let mut c = text.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

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
    /// For a custom scale: whether a higher score is better.
    pub higher_is_better: Option<bool>,
}

fn item_error(errors: &mut ValidationErrors, e: InstrumentError) {
    let field = match &e {
        InstrumentError::SdqItemOutOfRange { item, .. }
        | InstrumentError::SwemwbsItemOutOfRange { item, .. }
        | InstrumentError::ItemOutOfRange { item, .. } => ITEM_FIELDS.get(item - 1).copied().unwrap_or("items"),
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
        let (instrument, version) = new.instrument.columns();
        let mut tx = self.pool.begin_write().await?;
        let la = assessed_in_scope(&mut tx, caller, new.setting_id, new.pupil_id).await?;
        let row = Recorded {
            la,
            pupil_id: new.pupil_id,
            setting_id: new.setting_id,
            token: &new.token,
            assessed_on: new.assessed_on,
            instrument,
            version,
            scale_id: None,
            occasion: &new.occasion,
        };
        let answers: Vec<Option<i64>> = new.answers.iter().map(|a| a.map(i64::from)).collect();
        insert_recorded(tx, caller, &row, &computed, &answers).await
    }

    /// Record a reading test: the reading age in months and, if the test gives one, the
    /// standardised score. The gap to chronological age is computed from the pupil's date of
    /// birth (stored as the score, in months: negative reads below their age); nothing is typed
    /// but what the test reported. Refused with reasons: an implausible reading age or score, an
    /// assessment before the pupil was born, an unknown occasion.
    pub async fn record_reading(&self, caller: &Caller, new: &NewReading) -> Result<i64, StoreError> {
        let mut errors = check_common(&new.occasion, &new.token);
        if let Err(e) = check_reading_age_months(new.reading_age_months) {
            errors.push("reading_age", e.to_string());
        }
        if let Some(Err(e)) = new.standardised_score.map(check_standardised_score) {
            errors.push("standardised_score", e.to_string());
        }
        errors.into_result(())?;
        let mut tx = self.pool.begin_write().await?;
        let la = assessed_in_scope(&mut tx, caller, new.setting_id, new.pupil_id).await?;
        let born = self.date_of_birth_in(&mut tx, new.pupil_id).await?;
        let age = chronological_age_months(born, new.assessed_on).map_err(|e| {
            let mut errors = ValidationErrors::default();
            errors.push("assessed_on", e.to_string());
            StoreError::Invalid(errors)
        })?;
        let gap = reading_gap_months(new.reading_age_months, born, new.assessed_on);
        let mut detail = format!("age:{age}");
        if let Some(ss) = new.standardised_score {
            detail.push_str(&format!(",standardised:{ss}"));
        }
        let computed = Computed {
            score: Some(f64::from(gap)),
            band: new.standardised_score.map(|ss| standardised_band(ss).code().to_string()),
            raw_total: Some(i64::from(new.reading_age_months)),
            subscales: Some(detail),
        };
        let row = Recorded {
            la,
            pupil_id: new.pupil_id,
            setting_id: new.setting_id,
            token: &new.token,
            assessed_on: new.assessed_on,
            instrument: "reading",
            version: None,
            scale_id: None,
            occasion: &new.occasion,
        };
        let answers = [Some(i64::from(new.reading_age_months)), new.standardised_score.map(i64::from)];
        insert_recorded(tx, caller, &row, &computed, &answers).await
    }

    /// Record answers to one of a provision's own scales, at that provision (in the caller's
    /// scope). Scored as the total and the mean of the items answered (the mean is the headline:
    /// it compares forms with items skipped). An answer outside the scale's range is refused,
    /// naming its item, as is a form with fewer answers than the scale needs.
    pub async fn record_custom(&self, caller: &Caller, new: &NewCustomAssessment) -> Result<i64, StoreError> {
        let mut errors = check_common(&new.occasion, &new.token);
        let mut tx = self.pool.begin_write().await?;
        let scale = scale_in_scope(&mut tx, caller, new.scale_id).await?;
        let la = assessed_in_scope(&mut tx, caller, scale.setting_id, new.pupil_id).await?;
        let scored = match scale.scale.score(&new.answers) {
            Ok(s) => Some(s),
            Err(e) => {
                let field = match &e {
                    InstrumentError::ItemOutOfRange { item, .. } => {
                        ITEM_FIELDS.get(item - 1).copied().unwrap_or("items")
                    }
                    _ => "items",
                };
                errors.push(field, e.to_string());
                None
            }
        };
        let scored = errors.into_result(scored)?.expect("scored when there are no errors");
        let computed = Computed {
            score: Some((scored.mean * 100.0).round() / 100.0),
            band: None,
            raw_total: Some(i64::from(scored.total)),
            subscales: Some(format!("answered:{},items:{}", scored.answered, scale.scale.items.len())),
        };
        let row = Recorded {
            la,
            pupil_id: new.pupil_id,
            setting_id: scale.setting_id,
            token: &new.token,
            assessed_on: new.assessed_on,
            instrument: "custom",
            version: Some(&scale.scale.name),
            scale_id: Some(scale.id),
            occasion: &new.occasion,
        };
        let answers: Vec<Option<i64>> = new.answers.iter().map(|a| a.map(i64::from)).collect();
        insert_recorded(tx, caller, &row, &computed, &answers).await
    }

    /// Define a scale for a provision in the caller's scope. Refused with reasons: what
    /// [`CustomScale::validate`] finds, and a name the provision already uses. Resubmitting the
    /// same form returns the first scale.
    pub async fn create_custom_scale(
        &self,
        caller: &Caller,
        setting_id: i64,
        scale: &CustomScale,
        token: &str,
    ) -> Result<i64, StoreError> {
        let mut errors = match scale.validate() {
            Ok(()) => ValidationErrors::default(),
            Err(e) => e,
        };
        if scale.items.iter().any(|i| i.contains('\n')) {
            errors.push("items", "Put each item on its own line");
        }
        if !token_ok(token) {
            errors.push("token", "The form is missing its one-time token: reload the page and try again");
        }
        errors.into_result(())?;
        let mut tx = self.pool.begin_write().await?;
        let mut sql = SqlBuilder::new("SELECT s.la_number FROM settings s WHERE s.id = ");
        sql.bind(Arg::Int(setting_id)).push(" AND ").settings_in_scope(caller.role, "s");
        let la: Option<i64> =
            on_tx!(&mut tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?;
        let la = la.ok_or(StoreError::NotFound)?;
        let source_id = format!("form:{token}");
        if let Some(id) =
            crate::referrals::existing(&mut tx, "custom_scales", "setting_id", setting_id, &source_id).await?
        {
            return Ok(id);
        }
        let names: Vec<String> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT name FROM custom_scales WHERE setting_id = $1").bind(setting_id).fetch_all(c).await
        })?;
        let name = scale.name.trim();
        if names.iter().any(|n| n.to_lowercase() == name.to_lowercase()) {
            let mut errors = ValidationErrors::default();
            errors.push("name", format!("This provision already has a scale called {name}: choose another name"));
            return Err(errors.into());
        }
        let items: Vec<&str> = scale.items.iter().map(|i| i.trim()).collect();
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO custom_scales (la_number, setting_id, source_id, name, items, min_answer, max_answer, \
                 higher_is_better, min_answered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(la)
            .bind(setting_id)
            .bind(&source_id)
            .bind(name)
            .bind(items.join("\n"))
            .bind(i64::from(scale.min))
            .bind(i64::from(scale.max))
            .bind(scale.higher_is_better)
            .bind(scale.min_answered.map(|n| n as i64))
            .fetch_one(c)
            .await
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "custom_scale.create", object_type: "custom_scale", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The scales defined at settings in the caller's scope, by setting then name.
    pub async fn custom_scales(&self, caller: &Caller) -> Result<Vec<StoredScale>, StoreError> {
        let mut sql = SqlBuilder::new(&format!("{SCALE_SELECT} WHERE "));
        sql.settings_in_scope(caller.role, "s").push(" ORDER BY s.name, cs.name, cs.id");
        let rows: Vec<ScaleRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        rows.into_iter().map(ScaleRow::into_scale).collect()
    }

    /// One scale at a setting in the caller's scope.
    pub async fn custom_scale(&self, caller: &Caller, id: i64) -> Result<StoredScale, StoreError> {
        let sql = scale_query(caller, id);
        let row: Option<ScaleRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_scale()
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
        self.scored_assessments_of_visible(caller, pupil_id).await
    }

    /// As `scored_assessments_unaudited`, for a pupil the caller has already found in scope.
    pub(crate) async fn scored_assessments_of_visible(
        &self,
        caller: &Caller,
        pupil_id: i64,
    ) -> Result<Vec<ScoredAssessment>, StoreError> {
        let mut sql = SqlBuilder::new(
            "SELECT a.id, s.name AS setting, a.assessed_on, a.instrument, a.version, a.occasion, a.score, a.band, a.raw_total, \
             a.subscales, cs.higher_is_better FROM assessments a JOIN settings s ON s.id = a.setting_id \
             LEFT JOIN custom_scales cs ON cs.id = a.scale_id WHERE a.pupil_id = ",
        );
        sql.bind(Arg::Int(pupil_id))
            .push(" AND ")
            .settings_in_scope(caller.role, "s")
            .push(" ORDER BY a.assessed_on, a.id");
        let rows = on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        Ok(rows)
    }
}

/// The occasion and form token problems every assessment form shares.
fn check_common(occasion: &str, token: &str) -> ValidationErrors {
    let mut errors = ValidationErrors::default();
    if !OCCASIONS.iter().any(|(code, _)| *code == occasion) {
        errors.push("occasion", "Choose when the assessment was taken: on entry, a review or on leaving");
    }
    if !token_ok(token) {
        errors.push("token", "The form is missing its one-time token: reload the page and try again");
    }
    errors
}

fn token_ok(token: &str) -> bool {
    token.len() >= 16 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The LA of a setting in the caller's scope, when the pupil is one the caller can see.
async fn assessed_in_scope(tx: &mut Tx, caller: &Caller, setting_id: i64, pupil_id: i64) -> Result<i64, StoreError> {
    let mut sql = SqlBuilder::new("SELECT s.la_number FROM settings s WHERE s.id = ");
    sql.bind(Arg::Int(setting_id)).push(" AND ").settings_in_scope(caller.role, "s");
    sql.push(" AND EXISTS (SELECT 1 FROM pupils p WHERE p.id = ").bind(Arg::Int(pupil_id));
    sql.push(" AND ").pupils_in_scope(caller.role).push(")");
    let la: Option<i64> = on_tx!(tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?;
    la.ok_or(StoreError::NotFound)
}

/// What is stored about an assessment besides its scores.
struct Recorded<'a> {
    la: i64,
    pupil_id: i64,
    setting_id: i64,
    token: &'a str,
    assessed_on: NaiveDate,
    instrument: &'a str,
    version: Option<&'a str>,
    scale_id: Option<i64>,
    occasion: &'a str,
}

/// Insert an assessment with its answers (unless the same form was sent before: then the first
/// one's id), audit it and commit.
async fn insert_recorded(
    mut tx: Tx,
    caller: &Caller,
    row: &Recorded<'_>,
    computed: &Computed,
    answers: &[Option<i64>],
) -> Result<i64, StoreError> {
    let source_id = format!("form:{}", row.token);
    if let Some(id) =
        crate::referrals::existing(&mut tx, "assessments", "setting_id", row.setting_id, &source_id).await?
    {
        return Ok(id);
    }
    let id: i64 = on_tx!(&mut tx, c => {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO assessments (la_number, pupil_id, setting_id, source_id, assessed_on, instrument, version, occasion, \
             score, band, raw_total, subscales, scale_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             RETURNING id",
        )
        .bind(row.la)
        .bind(row.pupil_id)
        .bind(row.setting_id)
        .bind(&source_id)
        .bind(row.assessed_on)
        .bind(row.instrument)
        .bind(row.version)
        .bind(row.occasion)
        .bind(computed.score)
        .bind(computed.band.as_deref())
        .bind(computed.raw_total)
        .bind(computed.subscales.as_deref())
        .bind(row.scale_id)
        .fetch_one(&mut *c)
        .await?;
        for (i, answer) in answers.iter().enumerate() {
            if let Some(a) = answer {
                sqlx::query("INSERT INTO assessment_items (assessment_id, la_number, item, response) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(row.la)
                    .bind(i as i64 + 1)
                    .bind(*a)
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

/// A reading test as reported: the reading age in months and the standardised score if given.
#[derive(Debug, Clone)]
pub struct NewReading {
    pub pupil_id: i64,
    pub setting_id: i64,
    pub occasion: String,
    pub assessed_on: NaiveDate,
    pub reading_age_months: u16,
    pub standardised_score: Option<u16>,
    pub token: String,
}

/// Answers to a provision's own scale.
#[derive(Debug, Clone)]
pub struct NewCustomAssessment {
    pub pupil_id: i64,
    pub scale_id: i64,
    pub occasion: String,
    pub assessed_on: NaiveDate,
    /// One per item, item 1 first; `None` unanswered.
    pub answers: Vec<Option<u8>>,
    pub token: String,
}

/// A provision's scale as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScale {
    pub id: i64,
    pub setting_id: i64,
    pub setting: String,
    pub scale: CustomScale,
}

const SCALE_SELECT: &str = "SELECT cs.id, cs.setting_id, s.name AS setting, cs.name, cs.items, cs.min_answer, \
     cs.max_answer, cs.higher_is_better, cs.min_answered FROM custom_scales cs JOIN settings s ON s.id = cs.setting_id";

#[derive(sqlx::FromRow)]
struct ScaleRow {
    id: i64,
    setting_id: i64,
    setting: String,
    name: String,
    items: String,
    min_answer: i64,
    max_answer: i64,
    higher_is_better: bool,
    min_answered: Option<i64>,
}

impl ScaleRow {
    fn into_scale(self) -> Result<StoredScale, StoreError> {
        let bad = || StoreError::Config(format!("custom scale {} has a range that is not 0 to 255", self.id));
        Ok(StoredScale {
            id: self.id,
            setting_id: self.setting_id,
            setting: self.setting.clone(),
            scale: CustomScale {
                name: self.name.clone(),
                items: self.items.lines().map(str::to_string).collect(),
                min: u8::try_from(self.min_answer).map_err(|_| bad())?,
                max: u8::try_from(self.max_answer).map_err(|_| bad())?,
                higher_is_better: self.higher_is_better,
                min_answered: self.min_answered.map(|n| n.max(0) as usize),
            },
        })
    }
}

/// A scale at a setting in the caller's scope.
async fn scale_in_scope(tx: &mut Tx, caller: &Caller, id: i64) -> Result<StoredScale, StoreError> {
    let sql = scale_query(caller, id);
    let row: Option<ScaleRow> = on_tx!(tx, c => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)?.into_scale()
}

fn scale_query(caller: &Caller, id: i64) -> SqlBuilder {
    let mut sql = SqlBuilder::new(&format!("{SCALE_SELECT} WHERE cs.id = "));
    sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(caller.role, "s");
    sql
}
