//! Pupils and enrolments. Every read takes the caller and is filtered in SQL by their scope;
//! every write and every view of a pupil record is audited in the same transaction.

use crate::audit::{self, Event};
use crate::scope::{Arg, SqlBuilder};
use crate::{Caller, Crypto, Role, Store, StoreError};
use chrono::NaiveDate;
use sqlx::Row;
use waymark_domain::{
    AcademicYear, Enrolment, LeavingReason, NewEnrolment, NewPupil, Pupil, RegistrationType, SenProvision, Sex, Upn,
    ValidationErrors, YearGroup,
};

/// One row of the pupil list.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilSummary {
    pub id: i64,
    /// Preferred names where recorded.
    pub name: String,
    pub sort_key: String,
    pub upn: String,
    pub date_of_birth: NaiveDate,
    pub year_group: YearGroup,
}

/// A page of the pupil list.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilPage {
    pub pupils: Vec<PupilSummary>,
    /// All matches within scope, across pages.
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
}

/// Name search uses a blind index: keyed hashes of lower-cased prefixes (2 to 12 characters) of
/// each name word. Searching "oka" finds "Okafor" without the database ever holding the name.
const MIN_PREFIX: usize = 2;
const MAX_PREFIX: usize = 12;

fn name_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.to_lowercase().replace('\'', ""))
        .filter(|w| w.chars().count() >= MIN_PREFIX)
        .collect()
}

fn search_tokens(crypto: &Crypto, pupil: &NewPupil) -> Vec<Vec<u8>> {
    let names = [
        Some(&pupil.legal_forename),
        Some(&pupil.legal_surname),
        pupil.preferred_forename.as_ref(),
        pupil.preferred_surname.as_ref(),
    ];
    let mut prefixes: Vec<String> = Vec::new();
    for word in names.into_iter().flatten().flat_map(|n| name_words(n)) {
        let chars: Vec<char> = word.chars().collect();
        for len in MIN_PREFIX..=chars.len().min(MAX_PREFIX) {
            prefixes.push(chars[..len].iter().collect());
        }
    }
    prefixes.sort();
    prefixes.dedup();
    prefixes.iter().map(|p| crypto.blind_index("name-prefix", p)).collect()
}

fn query_token(crypto: &Crypto, word: &str) -> Vec<u8> {
    let prefix: String = word.chars().take(MAX_PREFIX).collect();
    crypto.blind_index("name-prefix", &prefix)
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

impl Store {
    pub(crate) fn upn_hash(&self, upn: &Upn) -> Vec<u8> {
        self.crypto.blind_index("upn", upn.as_str())
    }

    /// Whether `setting_id` is within the caller's scope.
    async fn setting_in_scope(
        &self,
        conn: &mut sqlx::AnyConnection,
        role: Role,
        setting_id: i64,
    ) -> Result<bool, StoreError> {
        let mut sql = SqlBuilder::new("SELECT 1 FROM settings s WHERE s.id = ");
        sql.bind(Arg::Int(setting_id)).push(" AND ").settings_in_scope(role, "s");
        Ok(sql.query().fetch_optional(conn).await?.is_some())
    }

    /// Record a new pupil with their first enrolment, at a setting within the caller's scope.
    pub async fn create_pupil(
        &self,
        caller: &Caller,
        pupil: &NewPupil,
        first: &NewEnrolment,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        pupil.validate(today)?;
        first.validate()?;
        let mut tx = self.pool.begin().await?;
        if !self.setting_in_scope(&mut tx, caller.role, first.setting_id).await? {
            return Err(StoreError::NotFound);
        }
        let upn_hash = self.upn_hash(&pupil.upn);
        if sqlx::query("SELECT 1 FROM pupils WHERE upn_hash = $1")
            .bind(upn_hash.clone())
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            let mut errors = ValidationErrors::default();
            errors.push("upn", "A pupil with this UPN is already recorded: find them and add an enrolment instead");
            return Err(errors.into());
        }
        let id = self.insert_pupil(&mut tx, pupil, upn_hash).await?;
        insert_enrolment(&mut tx, &NewEnrolment { pupil_id: id, ..first.clone() }).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "pupil.create", object_type: "pupil", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Insert one pupil with its identifiers encrypted and its search tokens; returns the new id.
    pub(crate) async fn insert_pupil(
        &self,
        conn: &mut sqlx::AnyConnection,
        pupil: &NewPupil,
        upn_hash: Vec<u8>,
    ) -> Result<i64, StoreError> {
        let c = &self.crypto;
        let id: i64 = sqlx::query(
            "INSERT INTO pupils (upn_hash, upn_enc, legal_forename_enc, legal_surname_enc, preferred_forename_enc, preferred_surname_enc, \
             date_of_birth_enc, sex, fsm_eligible, sen, child_in_need, looked_after, ethnicity) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(upn_hash)
        .bind(c.encrypt_str("upn", pupil.upn.as_str()))
        .bind(c.encrypt_str("legal_forename", pupil.legal_forename.trim()))
        .bind(c.encrypt_str("legal_surname", pupil.legal_surname.trim()))
        .bind(pupil.preferred_forename.as_deref().map(|v| c.encrypt_str("preferred_forename", v.trim())))
        .bind(pupil.preferred_surname.as_deref().map(|v| c.encrypt_str("preferred_surname", v.trim())))
        .bind(c.encrypt_str("date_of_birth", &pupil.date_of_birth.to_string()))
        .bind(pupil.sex.code())
        .bind(flag(pupil.fsm_eligible))
        .bind(pupil.sen.code())
        .bind(flag(pupil.child_in_need))
        .bind(flag(pupil.looked_after))
        .bind(pupil.ethnicity.as_deref())
        .fetch_one(&mut *conn)
        .await?
        .get(0);
        // All the pupil's search tokens in one statement: a few round trips per pupil, even
        // when importing thousands over a network.
        let tokens = search_tokens(c, pupil);
        if !tokens.is_empty() {
            let placeholders: Vec<String> = (0..tokens.len()).map(|i| format!("($1, ${})", i + 2)).collect();
            let sql = format!("INSERT INTO pupil_search_tokens (pupil_id, token) VALUES {}", placeholders.join(", "));
            let mut q = sqlx::query(&sql).bind(id);
            for t in tokens {
                q = q.bind(t);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(id)
    }

    /// Add an enrolment for a pupil the caller can see, at a setting within their scope.
    pub async fn add_enrolment(&self, caller: &Caller, enrolment: &NewEnrolment) -> Result<i64, StoreError> {
        enrolment.validate()?;
        let mut tx = self.pool.begin().await?;
        if !self.pupil_visible(&mut tx, caller.role, enrolment.pupil_id).await?
            || !self.setting_in_scope(&mut tx, caller.role, enrolment.setting_id).await?
        {
            return Err(StoreError::NotFound);
        }
        let id = insert_enrolment(&mut tx, enrolment).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "enrolment.create", object_type: "enrolment", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn pupil_visible(
        &self,
        conn: &mut sqlx::AnyConnection,
        role: Role,
        pupil_id: i64,
    ) -> Result<bool, StoreError> {
        let mut sql = SqlBuilder::new("SELECT 1 FROM pupils p WHERE p.id = ");
        sql.bind(Arg::Int(pupil_id)).push(" AND ").pupils_in_scope(role);
        Ok(sql.query().fetch_optional(conn).await?.is_some())
    }

    /// One page of the pupils within scope, optionally filtered by a search: a full UPN, or
    /// name words (each word must begin one of the pupil's names). Sorted by surname then
    /// forename. Names are encrypted, so sorting happens after decryption, over the scoped,
    /// filtered rows only.
    pub async fn list_pupils(
        &self,
        caller: &Caller,
        search: &str,
        page: usize,
        per_page: usize,
        today: NaiveDate,
    ) -> Result<PupilPage, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let mut sql = SqlBuilder::new(
            "SELECT p.id, p.upn_enc, p.legal_forename_enc, p.legal_surname_enc, p.preferred_forename_enc, p.preferred_surname_enc, \
             p.date_of_birth_enc FROM pupils p WHERE ",
        );
        sql.pupils_in_scope(caller.role);
        let search = search.trim();
        let as_upn = Upn::parse(&search.to_uppercase()).ok();
        if let Some(upn) = &as_upn {
            sql.push(" AND p.upn_hash = ").bind(Arg::Bytes(self.upn_hash(upn)));
        } else {
            for word in name_words(search).iter().take(5) {
                sql.push(" AND p.id IN (SELECT t.pupil_id FROM pupil_search_tokens t WHERE t.token = ")
                    .bind(Arg::Bytes(query_token(&self.crypto, word)))
                    .push(")");
            }
        }
        let rows = sql.query().fetch_all(&self.pool).await?;
        let year = AcademicYear::containing(today);
        let c = &self.crypto;
        let mut pupils = Vec::with_capacity(rows.len());
        for row in &rows {
            let forename = c.decrypt_string("legal_forename", &row.get::<Vec<u8>, _>(2))?;
            let surname = c.decrypt_string("legal_surname", &row.get::<Vec<u8>, _>(3))?;
            let pref_fore =
                row.get::<Option<Vec<u8>>, _>(4).map(|v| c.decrypt_string("preferred_forename", &v)).transpose()?;
            let pref_sur =
                row.get::<Option<Vec<u8>>, _>(5).map(|v| c.decrypt_string("preferred_surname", &v)).transpose()?;
            let dob = parse_date(&c.decrypt_string("date_of_birth", &row.get::<Vec<u8>, _>(6))?)?;
            let shown_sur = pref_sur.unwrap_or(surname);
            let shown_fore = pref_fore.unwrap_or(forename);
            pupils.push(PupilSummary {
                id: row.get(0),
                sort_key: format!("{}\u{0}{}", shown_sur.to_lowercase(), shown_fore.to_lowercase()),
                name: format!("{shown_fore} {shown_sur}"),
                upn: c.decrypt_string("upn", &row.get::<Vec<u8>, _>(1))?,
                date_of_birth: dob,
                year_group: YearGroup::for_birth_date(dob, year),
            });
        }
        pupils.sort_by(|a, b| a.sort_key.cmp(&b.sort_key).then(a.id.cmp(&b.id)));
        let total = pupils.len();
        let pupils: Vec<PupilSummary> = pupils.into_iter().skip((page - 1) * per_page).take(per_page).collect();
        // Audit the listing (who looked, how many records were shown), never the search text,
        // which may hold a name.
        let shown = pupils.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(",");
        self.audit_alone(
            caller,
            Event { action: "pupil.list", object_type: "pupils", object_id: format!("page {page}: {shown}") },
        )
        .await?;
        Ok(PupilPage { pupils, total, page, per_page })
    }

    /// One pupil's record and enrolments, if within the caller's scope. The view is audited.
    pub async fn get_pupil(&self, caller: &Caller, id: i64) -> Result<(Pupil, Vec<Enrolment>), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut sql = SqlBuilder::new(
            "SELECT p.id, p.upn_enc, p.legal_forename_enc, p.legal_surname_enc, p.preferred_forename_enc, p.preferred_surname_enc, \
             p.date_of_birth_enc, p.sex, p.fsm_eligible, p.sen, p.child_in_need, p.looked_after, p.ethnicity FROM pupils p WHERE p.id = ",
        );
        sql.bind(Arg::Int(id)).push(" AND ").pupils_in_scope(caller.role);
        let row = sql.query().fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let pupil = self.pupil_from_row(&row)?;
        let rows = sqlx::query(
            "SELECT e.id, e.pupil_id, e.setting_id, e.start_date, e.end_date, e.registration, e.leaving_reason, s.name \
             FROM enrolments e JOIN settings s ON s.id = e.setting_id WHERE e.pupil_id = $1 ORDER BY e.start_date DESC, e.id DESC",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let enrolments = rows.iter().map(enrolment_from_row).collect::<Result<Vec<_>, _>>()?;
        audit::append(&mut tx, caller, Event { action: "pupil.view", object_type: "pupil", object_id: id.to_string() })
            .await?;
        tx.commit().await?;
        Ok((pupil, enrolments))
    }

    fn pupil_from_row(&self, row: &sqlx::any::AnyRow) -> Result<Pupil, StoreError> {
        let c = &self.crypto;
        let text = |i: usize, field: &str| -> Result<String, StoreError> {
            c.decrypt_string(field, &row.get::<Vec<u8>, _>(i))
        };
        let optional = |i: usize, field: &str| -> Result<Option<String>, StoreError> {
            row.get::<Option<Vec<u8>>, _>(i).map(|v| c.decrypt_string(field, &v)).transpose()
        };
        let upn_text = text(1, "upn")?;
        let sex: String = row.get(7);
        let sen: String = row.get(9);
        let bad = |what: &str| StoreError::Decrypt(format!("stored {what} is not valid"));
        Ok(Pupil {
            id: row.get(0),
            record: NewPupil {
                upn: Upn::parse(&upn_text).map_err(|_| bad("UPN"))?,
                legal_forename: text(2, "legal_forename")?,
                legal_surname: text(3, "legal_surname")?,
                preferred_forename: optional(4, "preferred_forename")?,
                preferred_surname: optional(5, "preferred_surname")?,
                date_of_birth: parse_date(&text(6, "date_of_birth")?)?,
                sex: Sex::from_code(&sex).ok_or_else(|| bad("sex"))?,
                fsm_eligible: row.get::<i64, _>(8) != 0,
                sen: SenProvision::from_code(&sen).ok_or_else(|| bad("SEN provision"))?,
                child_in_need: row.get::<i64, _>(10) != 0,
                looked_after: row.get::<i64, _>(11) != 0,
                ethnicity: row.get(12),
            },
        })
    }
}

async fn insert_enrolment(conn: &mut sqlx::AnyConnection, e: &NewEnrolment) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO enrolments (pupil_id, setting_id, start_date, end_date, registration, leaving_reason) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(e.pupil_id)
    .bind(e.setting_id)
    .bind(e.start.to_string())
    .bind(e.end.map(|d| d.to_string()))
    .bind(e.registration.code())
    .bind(e.leaving_reason.map(|r| r.code()))
    .fetch_one(conn)
    .await?
    .get(0))
}

fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Decrypt(format!("stored date {text:?} is not a date")))
}

fn enrolment_from_row(row: &sqlx::any::AnyRow) -> Result<Enrolment, StoreError> {
    let registration: String = row.get(5);
    let reason: Option<String> = row.get(6);
    let end: Option<String> = row.get(4);
    Ok(Enrolment {
        id: row.get(0),
        record: NewEnrolment {
            pupil_id: row.get(1),
            setting_id: row.get(2),
            start: parse_date(&row.get::<String, _>(3))?,
            end: end.as_deref().map(parse_date).transpose()?,
            registration: RegistrationType::from_code(&registration)
                .ok_or_else(|| StoreError::Config(format!("unknown registration {registration:?}")))?,
            leaving_reason: reason.as_deref().and_then(LeavingReason::from_code),
        },
        setting_name: row.get(7),
    })
}
