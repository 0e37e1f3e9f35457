//! Importing a whole population (settings, pupils, enrolments) in one transaction: all of it or
//! none of it. Every record is checked before anything is written, and a problem names the
//! record. The import is one audited change.

use crate::audit::{self, Event};
use crate::{Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use waymark_domain::{LeavingReason, NewEnrolment, NewPupil, NewSetting, RegistrationType, Upn};

/// A setting keyed by the file set's own id, with its parent (for an internal AP unit) by key.
#[derive(Debug, Clone)]
pub struct ImportSetting {
    pub key: String,
    /// `parent_id` is ignored: the parent is given by `parent_key`.
    pub setting: NewSetting,
    pub parent_key: Option<String>,
}

/// An enrolment that refers to its pupil by UPN and its setting by key.
#[derive(Debug, Clone)]
pub struct ImportEnrolment {
    pub upn: Upn,
    pub setting_key: String,
    pub registration: RegistrationType,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub leaving_reason: Option<LeavingReason>,
}

/// Everything to import.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub settings: Vec<ImportSetting>,
    pub pupils: Vec<NewPupil>,
    pub enrolments: Vec<ImportEnrolment>,
}

/// What was written, and the ids the settings got.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub settings: usize,
    pub pupils: usize,
    pub enrolments: usize,
    pub setting_ids: HashMap<String, i64>,
}

fn bad(what: String) -> StoreError {
    StoreError::Import(what)
}

impl Population {
    /// Check every record against the rules and the others, before any write.
    fn validate(&self, today: NaiveDate) -> Result<(), StoreError> {
        let keys: HashSet<&str> = self.settings.iter().map(|s| s.key.as_str()).collect();
        for s in &self.settings {
            let mut check = s.setting.clone();
            check.parent_id = s.parent_key.as_ref().map(|_| 0);
            check.validate().map_err(|e| bad(format!("setting {} ({}): {e}", s.key, s.setting.name)))?;
            if let Some(p) = &s.parent_key {
                if !keys.contains(p.as_str()) {
                    return Err(bad(format!("setting {}: its parent {p} is not in the import", s.key)));
                }
            }
        }
        let mut upns = HashSet::new();
        for p in &self.pupils {
            p.validate(today).map_err(|e| bad(format!("pupil {}: {e}", p.upn)))?;
            if !upns.insert(&p.upn) {
                return Err(bad(format!("pupil {} appears twice", p.upn)));
            }
        }
        for e in &self.enrolments {
            let enrolment = NewEnrolment {
                pupil_id: 0,
                setting_id: 0,
                start: e.start,
                end: e.end,
                registration: e.registration,
                leaving_reason: e.leaving_reason,
            };
            enrolment.validate().map_err(|err| bad(format!("enrolment of {} at {}: {err}", e.upn, e.setting_key)))?;
            if !keys.contains(e.setting_key.as_str()) || !upns.contains(&e.upn) {
                return Err(bad(format!(
                    "enrolment of {} at {}: no such pupil or setting in the import",
                    e.upn, e.setting_key
                )));
            }
        }
        Ok(())
    }
}

impl Store {
    /// Import a population in one transaction (administrators, or an LA for settings in its own
    /// area). Nothing is written unless everything is valid.
    pub async fn import_population(
        &self,
        caller: &Caller,
        population: &Population,
        today: NaiveDate,
    ) -> Result<ImportSummary, StoreError> {
        let allowed = match caller.role {
            Role::Admin => true,
            Role::La(n) => population.settings.iter().all(|s| s.setting.la_number == n),
            _ => false,
        };
        if !allowed {
            return Err(StoreError::NotFound);
        }
        population.validate(today)?;
        let mut tx = self.pool.begin().await?;
        let existing: HashSet<Vec<u8>> = sqlx::query("SELECT upn_hash FROM pupils")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get::<Vec<u8>, _>(0))
            .collect();
        // Parents before their units.
        let mut order: Vec<&ImportSetting> = population.settings.iter().collect();
        order.sort_by_key(|s| s.parent_key.is_some());
        let mut ids: HashMap<String, i64> = HashMap::new();
        for s in order {
            let parent = s.parent_key.as_ref().map(|k| ids[k]);
            let urn = s.setting.urn.map(|u| i64::from(u.get()));
            if let Some(u) = urn {
                if sqlx::query("SELECT 1 FROM settings WHERE urn = $1")
                    .bind(u)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some()
                {
                    return Err(bad(format!("setting {} ({}): URN {u} is already recorded", s.key, s.setting.name)));
                }
            }
            let id: i64 = sqlx::query(
                "INSERT INTO settings (name, urn, kind, la_number, parent_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(s.setting.name.trim())
            .bind(urn)
            .bind(s.setting.kind.code())
            .bind(i64::from(s.setting.la_number))
            .bind(parent)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            ids.insert(s.key.clone(), id);
        }
        let mut pupil_ids: HashMap<&Upn, i64> = HashMap::new();
        for p in &population.pupils {
            let hash = self.upn_hash(&p.upn);
            if existing.contains(&hash) {
                return Err(bad(format!("pupil {} is already recorded", p.upn)));
            }
            let id = self.insert_pupil(&mut tx, p, hash).await?;
            pupil_ids.insert(&p.upn, id);
        }
        for e in &population.enrolments {
            sqlx::query(
                "INSERT INTO enrolments (pupil_id, setting_id, start_date, end_date, registration, leaving_reason) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(pupil_ids[&e.upn])
            .bind(ids[&e.setting_key])
            .bind(e.start.to_string())
            .bind(e.end.map(|d| d.to_string()))
            .bind(e.registration.code())
            .bind(e.leaving_reason.map(|r| r.code()))
            .execute(&mut *tx)
            .await?;
        }
        let summary =
            format!("{} settings, {} pupils, {} enrolments", ids.len(), pupil_ids.len(), population.enrolments.len());
        audit::append(
            &mut tx,
            caller,
            Event { action: "population.import", object_type: "population", object_id: summary },
        )
        .await?;
        tx.commit().await?;
        Ok(ImportSummary {
            settings: ids.len(),
            pupils: pupil_ids.len(),
            enrolments: population.enrolments.len(),
            setting_ids: ids,
        })
    }
}
