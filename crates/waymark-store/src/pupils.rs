//! Pupils and enrolments. Every read takes the caller and is filtered in SQL by their scope;
//! every write and every view of a pupil record is audited.

use crate::audit::{self, Event};
use crate::crypto::PupilField;
use crate::engine::{on_pool, on_tx, Tx};
use crate::names::{bump_directory, name_words};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Crypto, Role, Store, StoreError};
use chrono::NaiveDate;
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
    pub upn: String,
    pub date_of_birth: NaiveDate,
    pub year_group: YearGroup,
    /// The settings in the caller's scope where the pupil is on roll today, main registration
    /// first. Settings outside the scope are not named.
    pub settings: Vec<String>,
    /// Dual registered today (by an enrolment the caller can see, main or subsidiary).
    pub dual_registered: bool,
}

/// Filters on the pupil list; the default filters nothing. Every filter is applied in SQL
/// inside the caller's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PupilFilter {
    /// On roll today at this setting (ignored unless it is in scope: then nobody matches).
    pub setting_id: Option<i64>,
    pub sen: Option<SenProvision>,
    /// Eligible for free school meals.
    pub fsm: bool,
    /// Placed in AP today.
    pub in_ap_now: bool,
    /// Suspended at least once in the term containing today.
    pub suspended_this_term: bool,
    /// In this national curriculum year group this academic year (derived from the date of
    /// birth, which is encrypted: answered from the server's name index, not in SQL).
    pub year_group: Option<YearGroup>,
}

impl PupilFilter {
    pub fn is_empty(&self) -> bool {
        *self == PupilFilter::default()
    }

    /// The conditions on pupils (aliased `p`), each true for a pupil that passes.
    fn push_conditions(&self, sql: &mut SqlBuilder, role: Role, today: NaiveDate) {
        if let Some(id) = self.setting_id {
            sql.push(
                " AND EXISTS (SELECT 1 FROM enrolments fe JOIN settings s ON s.id = fe.setting_id WHERE fe.pupil_id = p.id \
                 AND fe.start_date <= ",
            )
            .date(today)
            .push(" AND (fe.end_date IS NULL OR fe.end_date >= ")
            .date(today)
            .push(") AND s.id = ");
            sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(role, "s").push(")");
        }
        if let Some(sen) = self.sen {
            sql.push(&format!(" AND p.sen = '{}'", sen.code()));
        }
        if self.fsm {
            sql.push(" AND p.fsm_eligible = TRUE");
        }
        if self.in_ap_now {
            sql.push(" AND EXISTS (SELECT 1 FROM placements pl WHERE pl.pupil_id = p.id AND pl.start_date <= ")
                .date(today)
                .push(" AND (pl.end_date IS NULL OR pl.end_date >= ")
                .date(today)
                .push("))");
        }
        if self.suspended_this_term {
            let (_, _, first, last) = AcademicYear::term_around(today);
            sql.push(" AND EXISTS (SELECT 1 FROM suspensions x WHERE x.pupil_id = p.id AND x.start_date >= ")
                .date(first)
                .push(" AND x.start_date <= ")
                .date(last)
                .push(")");
        }
    }
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

/// The encrypted identifiers of a pupil, as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct IdentityRow {
    pub id: i64,
    /// The row identity the identifiers are bound to (see [`crate::crypto::PupilField`]).
    upn_hash: Vec<u8>,
    upn_enc: Vec<u8>,
    legal_forename_enc: Vec<u8>,
    legal_surname_enc: Vec<u8>,
    preferred_forename_enc: Option<Vec<u8>>,
    preferred_surname_enc: Option<Vec<u8>>,
    date_of_birth_enc: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct PupilRow {
    #[sqlx(flatten)]
    identity: IdentityRow,
    sex: String,
    fsm_eligible: bool,
    sen: String,
    child_in_need: bool,
    looked_after: bool,
    ethnicity: Option<String>,
}

/// A pupil's row with one of their enrolments (none if they have none).
#[derive(sqlx::FromRow)]
struct PupilWithEnrolment {
    #[sqlx(flatten)]
    pupil: PupilRow,
    enrolment_id: Option<i64>,
    enrolment_setting_id: Option<i64>,
    enrolment_start: Option<NaiveDate>,
    enrolment_end: Option<NaiveDate>,
    enrolment_registration: Option<String>,
    enrolment_leaving_reason: Option<String>,
    enrolment_setting: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EnrolmentRow {
    id: i64,
    pupil_id: i64,
    setting_id: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    registration: String,
    leaving_reason: Option<String>,
    name: String,
}

const IDENTITY_COLUMNS: &str = "p.id, p.upn_hash, p.upn_enc, p.legal_forename_enc, p.legal_surname_enc, \
     p.preferred_forename_enc, p.preferred_surname_enc, p.date_of_birth_enc";

impl Store {
    pub(crate) fn upn_hash(&self, upn: &Upn) -> Vec<u8> {
        self.crypto.blind_index("upn", upn.as_str())
    }

    /// The LA of `setting_id` if it is within the caller's scope.
    async fn setting_la_in_scope(&self, tx: &mut Tx, role: Role, setting_id: i64) -> Result<Option<i64>, StoreError> {
        let mut sql = SqlBuilder::new("SELECT s.la_number FROM settings s WHERE s.id = ");
        sql.bind(Arg::Int(setting_id)).push(" AND ").settings_in_scope(role, "s");
        Ok(on_tx!(tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?)
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
        let mut tx = self.pool.begin_write().await?;
        let la = self.setting_la_in_scope(&mut tx, caller.role, first.setting_id).await?.ok_or(StoreError::NotFound)?;
        let upn_hash = self.upn_hash(&pupil.upn);
        let taken: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM pupils WHERE upn_hash = $1").bind(&upn_hash).fetch_optional(c).await
        })?;
        if taken.is_some() {
            let mut errors = ValidationErrors::default();
            errors.push("upn", "A pupil with this UPN is already recorded: find them and add an enrolment instead");
            return Err(errors.into());
        }
        let seq = bump_directory(&mut tx).await?;
        let id = self.insert_pupil(&mut tx, pupil, upn_hash, la, seq).await?;
        insert_enrolment(&mut tx, &NewEnrolment { pupil_id: id, ..first.clone() }, la).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "pupil.create", object_type: "pupil", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Insert one pupil with its identifiers encrypted; returns the new id.
    pub(crate) async fn insert_pupil(
        &self,
        tx: &mut Tx,
        pupil: &NewPupil,
        upn_hash: Vec<u8>,
        la: i64,
        name_seq: i64,
    ) -> Result<i64, StoreError> {
        let sealed = seal_identity(&self.crypto, pupil, &upn_hash);
        let id = on_tx!(tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO pupils (upn_hash, upn_enc, legal_forename_enc, legal_surname_enc, preferred_forename_enc, \
                 preferred_surname_enc, date_of_birth_enc, sex, fsm_eligible, sen, child_in_need, looked_after, ethnicity, \
                 la_number, name_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(upn_hash)
            .bind(sealed.upn)
            .bind(sealed.legal_forename)
            .bind(sealed.legal_surname)
            .bind(sealed.preferred_forename)
            .bind(sealed.preferred_surname)
            .bind(sealed.date_of_birth)
            .bind(pupil.sex.code())
            .bind(pupil.fsm_eligible)
            .bind(pupil.sen.code())
            .bind(pupil.child_in_need)
            .bind(pupil.looked_after)
            .bind(pupil.ethnicity.as_deref())
            .bind(la)
            .bind(name_seq)
            .fetch_one(conn)
            .await
        })?;
        Ok(id)
    }

    /// Add an enrolment for a pupil the caller can see, at a setting within their scope.
    pub async fn add_enrolment(&self, caller: &Caller, enrolment: &NewEnrolment) -> Result<i64, StoreError> {
        enrolment.validate()?;
        let mut tx = self.pool.begin_write().await?;
        let la = self.setting_la_in_scope(&mut tx, caller.role, enrolment.setting_id).await?;
        let (Some(la), true) = (la, self.pupil_visible(&mut tx, caller.role, enrolment.pupil_id).await?) else {
            drop(tx);
            // Audited like a refused view: asking to enrol a pupil one cannot see is a probe too.
            let id = format!("pupil {} at setting {}", enrolment.pupil_id, enrolment.setting_id);
            let event = Event { action: "enrolment.create_refused", object_type: "enrolment", object_id: id };
            self.audit_alone(caller, event).await?;
            return Err(StoreError::NotFound);
        };
        let id = insert_enrolment(&mut tx, enrolment, la).await?;
        bump_directory(&mut tx).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "enrolment.create", object_type: "enrolment", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn pupil_visible(&self, tx: &mut Tx, role: Role, pupil_id: i64) -> Result<bool, StoreError> {
        let mut sql = SqlBuilder::new("SELECT p.id FROM pupils p WHERE p.id = ");
        sql.bind(Arg::Int(pupil_id)).push(" AND ").pupils_in_scope(role);
        let found: Option<i64> =
            on_tx!(tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?;
        Ok(found.is_some())
    }

    /// Build the in-memory name index now (it is otherwise built by the first pupil list), so
    /// the first person to open the list after a start does not wait for it.
    pub async fn warm_name_index(&self) -> Result<(), StoreError> {
        self.names.warm(&self.pool, &self.crypto).await
    }

    /// One page of the pupils within scope, optionally filtered by a search: a full UPN, or
    /// name words (each word must begin one of the pupil's names). Sorted by surname then
    /// forename from the in-memory name index; only the rows shown are read and decrypted.
    pub async fn list_pupils(
        &self,
        caller: &Caller,
        search: &str,
        page: usize,
        per_page: usize,
        today: NaiveDate,
    ) -> Result<PupilPage, StoreError> {
        self.list_pupils_filtered(caller, search, PupilFilter::default(), page, per_page, today).await
    }

    /// [`Store::list_pupils`] narrowed by a [`PupilFilter`]: the pupils passing it are found in
    /// SQL (within scope) and the name-ordered list kept to them.
    pub async fn list_pupils_filtered(
        &self,
        caller: &Caller,
        search: &str,
        filter: PupilFilter,
        page: usize,
        per_page: usize,
        today: NaiveDate,
    ) -> Result<PupilPage, StoreError> {
        let per_page = per_page.clamp(1, 200);
        let page = page.max(1);
        let role = caller.role;
        let in_scope = self
            .names
            .scoped(&self.pool, &self.crypto, role, || async {
                let mut sql = SqlBuilder::new("SELECT p.id FROM pupils p WHERE ");
                sql.pupils_in_scope(role);
                Ok(on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_all(p).await)?)
            })
            .await?;
        let search = search.trim();
        let page_of = |ids: &[i64]| ids.iter().skip((page - 1) * per_page).take(per_page).copied().collect::<Vec<_>>();
        let sql_filter = PupilFilter { year_group: None, ..filter };
        let passing = if sql_filter.is_empty() {
            None
        } else {
            let mut sql = SqlBuilder::new("SELECT p.id FROM pupils p WHERE ");
            sql.pupils_in_scope(role);
            filter.push_conditions(&mut sql, role, today);
            let ids: Vec<i64> =
                on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_all(p).await)?;
            Some(ids.into_iter().collect::<std::collections::HashSet<i64>>())
        };
        // A year group is the pupils born from 1 September to 31 August of one year.
        let born = filter.year_group.map(|yg| {
            let start = AcademicYear::containing(today).0 - i32::from(yg.0) - 5;
            (
                NaiveDate::from_ymd_opt(start, 9, 1).expect("valid date"),
                NaiveDate::from_ymd_opt(start + 1, 8, 31).expect("valid date"),
            )
        });
        let keep = |ids: Vec<i64>| {
            let ids: Vec<i64> = match &passing {
                Some(set) => ids.into_iter().filter(|id| set.contains(id)).collect(),
                None => ids,
            };
            match born {
                Some((first, last)) => self.names.born_between(ids, first, last),
                None => ids,
            }
        };
        let (total, shown) = if search.is_empty() && passing.is_none() && born.is_none() {
            (in_scope.ordered.len(), page_of(&in_scope.ordered))
        } else if search.is_empty() {
            let ids: Vec<i64> = keep(in_scope.ordered.clone());
            (ids.len(), page_of(&ids))
        } else if let Ok(upn) = Upn::parse(&search.to_uppercase()) {
            let mut sql = SqlBuilder::new("SELECT p.id FROM pupils p WHERE p.upn_hash = ");
            sql.bind(Arg::Bytes(self.upn_hash(&upn))).push(" AND ").pupils_in_scope(role);
            let ids: Vec<i64> =
                keep(on_pool!(&self.pool, p => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_all(p).await)?);
            (ids.len(), page_of(&ids))
        } else {
            let words: Vec<String> = name_words(search).into_iter().take(5).collect();
            let ids = keep(self.names.matching(&in_scope, &words));
            (ids.len(), page_of(&ids))
        };
        let pupils = self.summaries(role, &shown, today).await?;
        // Audit the listing (who looked, which records were shown), never the search text,
        // which may hold a name.
        let ids = pupils.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(",");
        self.audit_alone(
            caller,
            Event { action: "pupil.list", object_type: "pupils", object_id: format!("page {page}: {ids}") },
        )
        .await?;
        Ok(PupilPage { pupils, total, page, per_page })
    }

    /// The list rows for `ids` (in that order), read through the scope again and decrypted.
    async fn summaries(&self, role: Role, ids: &[i64], today: NaiveDate) -> Result<Vec<PupilSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = SqlBuilder::new(&format!("SELECT {IDENTITY_COLUMNS} FROM pupils p WHERE p.id IN ("));
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Int(*id));
        }
        sql.push(") AND ").pupils_in_scope(role);
        let rows: Vec<IdentityRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let year = AcademicYear::containing(today);
        let mut by_id = std::collections::HashMap::new();
        for row in rows {
            let names = self.identity(&row)?;
            let shown_sur = names.preferred_surname.clone().unwrap_or(names.legal_surname.clone());
            let shown_fore = names.preferred_forename.clone().unwrap_or(names.legal_forename.clone());
            by_id.insert(
                row.id,
                PupilSummary {
                    id: row.id,
                    name: format!("{shown_fore} {shown_sur}"),
                    upn: names.upn,
                    date_of_birth: names.date_of_birth,
                    year_group: YearGroup::for_birth_date(names.date_of_birth, year),
                    settings: Vec::new(),
                    dual_registered: false,
                },
            );
        }
        for (pupil_id, name, registration) in self.current_enrolments(role, ids, today).await? {
            if let Some(summary) = by_id.get_mut(&pupil_id) {
                summary.settings.push(name);
                summary.dual_registered |= registration != RegistrationType::Single.code();
            }
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// (pupil, setting name, registration code) for each enrolment of `ids` running on `today`
    /// at a setting in scope, main registration first.
    async fn current_enrolments(
        &self,
        role: Role,
        ids: &[i64],
        today: NaiveDate,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let mut sql = SqlBuilder::new(&format!(
            "SELECT e.pupil_id, s.name, e.registration FROM enrolments e JOIN settings s ON s.id = e.setting_id \
             WHERE e.pupil_id IN ({list}) AND e.start_date <= "
        ));
        sql.date(today).push(" AND (e.end_date IS NULL OR e.end_date >= ").date(today).push(") AND ");
        sql.settings_in_scope(role, "s").push(&format!(
            " ORDER BY e.pupil_id, CASE e.registration WHEN '{}' THEN 1 ELSE 0 END, s.name",
            RegistrationType::DualSubsidiary.code()
        ));
        Ok(on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?)
    }

    /// One pupil's record and enrolments, if within the caller's scope. The view is audited
    /// before the record is returned.
    pub async fn get_pupil(&self, caller: &Caller, id: i64) -> Result<(Pupil, Vec<Enrolment>), StoreError> {
        let found = self.pupil_for_view(caller, id).await?;
        self.audit_alone(caller, Event { action: "pupil.view", object_type: "pupil", object_id: id.to_string() })
            .await?;
        Ok(found)
    }

    /// A pupil and their enrolments for a view by `caller`. A refusal (out of scope or no such
    /// pupil, which look the same to the caller) is audited as `pupil.view_refused` with the id
    /// asked for, so probing for records leaves a trace; a successful view is audited by the caller.
    pub(crate) async fn pupil_for_view(&self, caller: &Caller, id: i64) -> Result<(Pupil, Vec<Enrolment>), StoreError> {
        match self.pupil_and_enrolments(caller.role, id).await {
            Err(StoreError::NotFound) => {
                let event = Event { action: "pupil.view_refused", object_type: "pupil", object_id: id.to_string() };
                self.audit_alone(caller, event).await?;
                Err(StoreError::NotFound)
            }
            found => found,
        }
    }

    /// A pupil and their enrolments, if within the role's scope (not audited: callers audit).
    pub(crate) async fn pupil_and_enrolments(
        &self,
        role: Role,
        id: i64,
    ) -> Result<(Pupil, Vec<Enrolment>), StoreError> {
        // One statement: the pupil's row once per enrolment (left-joined, newest first).
        let mut sql = SqlBuilder::new(&format!(
            "SELECT {IDENTITY_COLUMNS}, p.sex, p.fsm_eligible, p.sen, p.child_in_need, p.looked_after, p.ethnicity, \
             en.id AS enrolment_id, en.setting_id AS enrolment_setting_id, en.start_date AS enrolment_start, \
             en.end_date AS enrolment_end, en.registration AS enrolment_registration, \
             en.leaving_reason AS enrolment_leaving_reason, es.name AS enrolment_setting \
             FROM pupils p LEFT JOIN enrolments en ON en.pupil_id = p.id LEFT JOIN settings es ON es.id = en.setting_id \
             WHERE p.id = "
        ));
        sql.bind(Arg::Int(id)).push(" AND ").pupils_in_scope(role).push(" ORDER BY en.start_date DESC, en.id DESC");
        let rows: Vec<PupilWithEnrolment> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let pupil = self.pupil_from_row(&rows.first().ok_or(StoreError::NotFound)?.pupil)?;
        let enrolments = rows
            .into_iter()
            .filter_map(|r| {
                Some(EnrolmentRow {
                    id: r.enrolment_id?,
                    pupil_id: id,
                    setting_id: r.enrolment_setting_id?,
                    start_date: r.enrolment_start?,
                    end_date: r.enrolment_end,
                    registration: r.enrolment_registration?,
                    leaving_reason: r.enrolment_leaving_reason,
                    name: r.enrolment_setting?,
                })
            })
            .map(enrolment_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((pupil, enrolments))
    }

    /// A pupil's date of birth, decrypted (scope is the caller's to check first).
    pub(crate) async fn date_of_birth_in(&self, tx: &mut Tx, pupil_id: i64) -> Result<NaiveDate, StoreError> {
        let row: Option<IdentityRow> = on_tx!(tx, c => {
            sqlx::query_as(&format!("SELECT {IDENTITY_COLUMNS} FROM pupils p WHERE p.id = $1"))
                .bind(pupil_id)
                .fetch_optional(c)
                .await
        })?;
        Ok(self.identity(&row.ok_or(StoreError::NotFound)?)?.date_of_birth)
    }

    pub(crate) fn identity(&self, row: &IdentityRow) -> Result<Identity, StoreError> {
        let open = |field, data: &[u8]| self.crypto.open_pupil(field, &row.upn_hash, row.id, data);
        let optional = |field, v: &Option<Vec<u8>>| v.as_deref().map(|v| open(field, v)).transpose();
        Ok(Identity {
            upn: open(PupilField::Upn, &row.upn_enc)?,
            legal_forename: open(PupilField::LegalForename, &row.legal_forename_enc)?,
            legal_surname: open(PupilField::LegalSurname, &row.legal_surname_enc)?,
            preferred_forename: optional(PupilField::PreferredForename, &row.preferred_forename_enc)?,
            preferred_surname: optional(PupilField::PreferredSurname, &row.preferred_surname_enc)?,
            date_of_birth: parse_date(&open(PupilField::DateOfBirth, &row.date_of_birth_enc)?)?,
        })
    }

    fn pupil_from_row(&self, row: &PupilRow) -> Result<Pupil, StoreError> {
        let names = self.identity(&row.identity)?;
        let bad = |what: &str| StoreError::Decrypt(format!("stored {what} is not valid"));
        Ok(Pupil {
            id: row.identity.id,
            record: NewPupil {
                upn: Upn::parse(&names.upn).map_err(|_| bad("UPN"))?,
                legal_forename: names.legal_forename,
                legal_surname: names.legal_surname,
                preferred_forename: names.preferred_forename,
                preferred_surname: names.preferred_surname,
                date_of_birth: names.date_of_birth,
                sex: Sex::from_code(&row.sex).ok_or_else(|| bad("sex"))?,
                fsm_eligible: row.fsm_eligible,
                sen: SenProvision::from_code(&row.sen).ok_or_else(|| bad("SEN provision"))?,
                child_in_need: row.child_in_need,
                looked_after: row.looked_after,
                ethnicity: row.ethnicity.clone(),
            },
        })
    }
}

/// A pupil's identifiers as stored: encrypted, each bound to its column and to the pupil's row.
pub(crate) struct SealedIdentity {
    pub upn: Vec<u8>,
    pub legal_forename: Vec<u8>,
    pub legal_surname: Vec<u8>,
    pub preferred_forename: Option<Vec<u8>>,
    pub preferred_surname: Option<Vec<u8>>,
    pub date_of_birth: Vec<u8>,
}

/// Encrypt a pupil's identifiers for the row whose keyed UPN hash is `upn_hash`: the one way
/// both the single insert and the bulk import seal them.
pub(crate) fn seal_identity(crypto: &Crypto, pupil: &NewPupil, upn_hash: &[u8]) -> SealedIdentity {
    let seal = |field, text: &str| crypto.seal_pupil(field, upn_hash, text.trim());
    SealedIdentity {
        upn: seal(PupilField::Upn, pupil.upn.as_str()),
        legal_forename: seal(PupilField::LegalForename, &pupil.legal_forename),
        legal_surname: seal(PupilField::LegalSurname, &pupil.legal_surname),
        preferred_forename: pupil.preferred_forename.as_deref().map(|v| seal(PupilField::PreferredForename, v)),
        preferred_surname: pupil.preferred_surname.as_deref().map(|v| seal(PupilField::PreferredSurname, v)),
        date_of_birth: seal(PupilField::DateOfBirth, &pupil.date_of_birth.to_string()),
    }
}

/// A pupil's decrypted direct identifiers.
pub(crate) struct Identity {
    pub upn: String,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub preferred_surname: Option<String>,
    pub date_of_birth: NaiveDate,
}

/// Insert an enrolment. A main registration (single `C` or main dual `M`) overlapping another
/// of the same pupil is refused: a pupil has one main registration at a time (DOMAIN.md
/// section 1); the second school's registration is subsidiary (`S`).
async fn insert_enrolment(tx: &mut Tx, e: &NewEnrolment, la: i64) -> Result<i64, StoreError> {
    if e.registration.counts_in_headcount() {
        let clash: Option<(NaiveDate, Option<NaiveDate>)> = on_tx!(tx, c => {
            sqlx::query_as(
                "SELECT start_date, end_date FROM enrolments WHERE pupil_id = $1 AND registration IN ('C', 'M') \
                 AND (end_date IS NULL OR end_date >= $2) AND ($3 IS NULL OR start_date <= $3) ORDER BY start_date LIMIT 1",
            )
            .bind(e.pupil_id)
            .bind(e.start)
            .bind(e.end)
            .fetch_optional(c)
            .await
        })?;
        if let Some((start, end)) = clash {
            let mut errors = ValidationErrors::default();
            let span = match end {
                Some(end) => format!("from {start} to {end}"),
                None => format!("from {start}, with no end"),
            };
            errors.push(
                "registration",
                format!(
                    "The pupil already has a main registration {span}, and a pupil has one main registration at a \
                     time: register this one as subsidiary (dual registration), or end the other first"
                ),
            );
            return Err(errors.into());
        }
    }
    Ok(on_tx!(tx, c => {
        sqlx::query_scalar(
            "INSERT INTO enrolments (pupil_id, setting_id, start_date, end_date, registration, leaving_reason, la_number) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.pupil_id)
        .bind(e.setting_id)
        .bind(e.start)
        .bind(e.end)
        .bind(e.registration.code())
        .bind(e.leaving_reason.map(|r| r.code()))
        .bind(la)
        .fetch_one(c)
        .await
    })?)
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Decrypt(format!("stored date {text:?} is not a date")))
}

fn enrolment_from_row(row: EnrolmentRow) -> Result<Enrolment, StoreError> {
    Ok(Enrolment {
        id: row.id,
        record: NewEnrolment {
            pupil_id: row.pupil_id,
            setting_id: row.setting_id,
            start: row.start_date,
            end: row.end_date,
            registration: RegistrationType::from_code(&row.registration)
                .ok_or_else(|| StoreError::Config(format!("unknown registration {:?}", row.registration)))?,
            leaving_reason: row.leaving_reason.as_deref().and_then(LeavingReason::from_code),
        },
        setting_name: row.name,
    })
}
