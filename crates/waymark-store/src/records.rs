//! The records that hang off a pupil: attendance, incidents, suspensions, exclusions,
//! referrals, placements with their timetable steps, assessments with item responses,
//! interventions and destinations. Written by [`crate::import`]; read here, only through the
//! caller's scope: the pupil must be visible to the caller, and each record is shown only if
//! its setting is in the caller's scope too (a school sees what happened at its own settings;
//! an LA what happened in its area). Destinations belong to the pupil, not a setting.

use crate::audit::Event;
use crate::engine::on_pool;
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use waymark_domain::attendance::SessionCounts;
use waymark_domain::{AcademicYear, Enrolment, Pupil, Term};

/// Everything the caller may see about one pupil.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilFile {
    pub pupil: Pupil,
    pub enrolments: Vec<Enrolment>,
    pub records: PupilRecords,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PupilRecords {
    pub attendance: Vec<AttendanceTerm>,
    pub incidents: Vec<Incident>,
    pub suspensions: Vec<Suspension>,
    pub exclusions: Vec<Exclusion>,
    pub referrals: Vec<Referral>,
    pub placements: Vec<Placement>,
    pub assessments: Vec<Assessment>,
    pub interventions: Vec<Intervention>,
    pub destinations: Vec<Destination>,
    /// Daily check-ins at groups of provisions in scope, oldest first.
    pub checkins: Vec<CheckIn>,
}

/// One day's check-in: mood 1 to 5, readiness to learn 1 to 3.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    pub setting: String,
    pub on_date: NaiveDate,
    pub mood: i64,
    pub ready: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceTerm {
    pub setting: String,
    pub year: AcademicYear,
    pub term: Term,
    pub marks: String,
    pub sessions: SessionCounts,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Incident {
    pub setting: String,
    pub incident_date: NaiveDate,
    pub kind: String,
    pub severity: i64,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Suspension {
    pub setting: String,
    pub category: String,
    pub start_date: NaiveDate,
    pub length_days: f64,
    pub reason_1: String,
    pub reason_2: Option<String>,
    pub reason_3: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Exclusion {
    pub setting: String,
    pub start_date: NaiveDate,
    pub reason_1: String,
    pub reason_2: Option<String>,
    pub reason_3: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Referral {
    pub setting: String,
    pub referral_date: NaiveDate,
    pub reason: String,
    pub tier_requested: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Placement {
    pub id: i64,
    pub setting: String,
    pub tier: i64,
    pub start_date: NaiveDate,
    pub planned_end_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub outcome: Option<String>,
    #[sqlx(skip)]
    pub steps: Vec<TimetableStep>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TimetableStep {
    pub placement_id: i64,
    pub from_date: NaiveDate,
    pub ap_sessions: i64,
    pub mainstream_sessions: i64,
}

impl TimetableStep {
    /// Fewer than ten sessions a week in all is a part-time timetable (DOMAIN.md section 5).
    pub fn part_time(&self) -> bool {
        self.ap_sessions + self.mainstream_sessions < 10
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Assessment {
    pub id: i64,
    pub setting: String,
    pub assessed_on: NaiveDate,
    pub instrument: String,
    pub version: Option<String>,
    pub occasion: String,
    /// (item number from 1, response as ticked).
    #[sqlx(skip)]
    pub items: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Intervention {
    pub setting: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub sessions_planned: i64,
    pub sessions_attended: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Destination {
    pub ks4_year: i64,
    pub destination: String,
    pub sustained: bool,
}

#[derive(sqlx::FromRow)]
struct AttendanceRow {
    setting: String,
    academic_year: i64,
    term: String,
    marks: String,
}

const TAG_INCIDENT: i64 = 1;
const TAG_SUSPENSION: i64 = 2;
const TAG_EXCLUSION: i64 = 3;
const TAG_REFERRAL: i64 = 4;
const TAG_INTERVENTION: i64 = 5;
const TAG_DESTINATION: i64 = 6;
const TAG_CHECKIN: i64 = 7;

/// One row of the records read together: which table (tag), its id and setting, then its
/// dates, texts, whole numbers and one decimal in the columns each table uses (by position:
/// a union's column names are its first branch's).
type RecordRow = (
    i64,
    i64,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<f64>,
);

/// `SELECT {columns} FROM {table} r JOIN settings s ON s.id = r.{setting_col}` for one pupil,
/// kept to settings in the role's scope.
fn scoped_rows(role: Role, pupil_id: i64, columns: &str, table: &str, setting_col: &str, order: &str) -> SqlBuilder {
    let mut sql = SqlBuilder::new(&format!(
        "SELECT s.name AS setting, {columns} FROM {table} r JOIN settings s ON s.id = r.{setting_col} WHERE r.pupil_id = "
    ));
    sql.bind(Arg::Int(pupil_id)).push(" AND ").settings_in_scope(role, "s").push(&format!(" ORDER BY {order}"));
    sql
}

macro_rules! fetch_all {
    ($store:expr, $sql:expr) => {{
        let sql = $sql;
        on_pool!(&$store.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?
    }};
}

impl Store {
    /// One pupil's whole file as the caller may see it; the view is audited once.
    pub async fn pupil_file(&self, caller: &Caller, id: i64) -> Result<PupilFile, StoreError> {
        let file = self.pupil_file_unaudited(caller, id).await?;
        self.audit_alone(caller, Event { action: "pupil.view", object_type: "pupil", object_id: id.to_string() })
            .await?;
        Ok(file)
    }

    /// As `pupil_file`, scoped the same way, for a caller that audits the whole view itself.
    pub(crate) async fn pupil_file_unaudited(&self, caller: &Caller, id: i64) -> Result<PupilFile, StoreError> {
        let (pupil, enrolments) = self.pupil_for_view(caller, id).await?;
        let records = self.records_of(caller.role, id).await?;
        Ok(PupilFile { pupil, enrolments, records })
    }

    /// The records of a pupil already found within the role's scope.
    async fn records_of(&self, role: Role, id: i64) -> Result<PupilRecords, StoreError> {
        let rows: Vec<AttendanceRow> = fetch_all!(
            self,
            scoped_rows(
                role,
                id,
                "r.academic_year, r.term, r.marks",
                "attendance",
                "setting_id",
                "r.academic_year, r.term, s.name"
            )
        );
        let mut attendance: Vec<AttendanceTerm> = rows
            .into_iter()
            .filter_map(|r| {
                Some(AttendanceTerm {
                    sessions: SessionCounts::of(&r.marks),
                    setting: r.setting,
                    year: AcademicYear(i32::try_from(r.academic_year).ok()?),
                    term: Term::from_code(&r.term)?,
                    marks: r.marks,
                })
            })
            .collect();
        attendance.sort_by_key(|a| (a.year, a.term));
        let mut placements: Vec<Placement> = fetch_all!(
            self,
            scoped_rows(
                role,
                id,
                "r.id, r.tier, r.start_date, r.planned_end_date, r.end_date, r.outcome",
                "placements",
                "setting_id",
                "r.start_date, r.id"
            )
        );
        if !placements.is_empty() {
            // The steps of all the pupil's placements, kept below only for placements in scope:
            // one SQL text for every pupil, so each connection prepares it once.
            let steps: Vec<TimetableStep> = on_pool!(&self.pool, p => {
                sqlx::query_as(
                    "SELECT t.placement_id, t.from_date, t.ap_sessions, t.mainstream_sessions FROM timetable_steps t \
                     JOIN placements pl ON pl.id = t.placement_id WHERE pl.pupil_id = $1 ORDER BY t.from_date",
                )
                .bind(id)
                .fetch_all(p)
                .await
            })?;
            for p in &mut placements {
                p.steps = steps.iter().filter(|s| s.placement_id == p.id).cloned().collect();
            }
        }
        let mut assessments: Vec<Assessment> = fetch_all!(
            self,
            scoped_rows(
                role,
                id,
                "r.id, r.assessed_on, r.instrument, r.version, r.occasion",
                "assessments",
                "setting_id",
                "r.assessed_on, r.id"
            )
        );
        if !assessments.is_empty() {
            // As the steps: every item of the pupil's assessments, kept only for those in scope.
            let items: Vec<(i64, i64, i64)> = on_pool!(&self.pool, p => {
                sqlx::query_as(
                    "SELECT i.assessment_id, i.item, i.response FROM assessment_items i \
                     JOIN assessments a ON a.id = i.assessment_id WHERE a.pupil_id = $1 ORDER BY i.item",
                )
                .bind(id)
                .fetch_all(p)
                .await
            })?;
            for a in &mut assessments {
                a.items = items.iter().filter(|i| i.0 == a.id).map(|i| (i.1, i.2)).collect();
            }
        }
        Ok(PupilRecords { attendance, placements, assessments, ..self.dated_records_of(role, id).await? })
    }

    /// The pupil's incidents, suspensions, exclusions, referrals, interventions, check-ins and
    /// destinations (a pupil already found within the role's scope); attendance, placements and
    /// assessments are left empty for the caller to fill or not.
    pub(crate) async fn dated_records_of(&self, role: Role, id: i64) -> Result<PupilRecords, StoreError> {
        // The pupil's incidents, suspensions, exclusions, referrals, interventions, check-ins
        // and destinations in one statement: a branch per table (each kept to settings in scope,
        // as on their own; destinations belong to the pupil), rows told apart by `tag`.
        let mut sql = SqlBuilder::new("");
        let branches: [(i64, &str, &str); 6] = [
            (
                TAG_INCIDENT,
                "r.incident_date, CAST(NULL AS DATE), r.kind, r.outcome, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                 r.severity, CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION)",
                "incidents r JOIN settings s ON s.id = r.setting_id",
            ),
            (
                TAG_SUSPENSION,
                "r.start_date, CAST(NULL AS DATE), r.category, r.reason_1, r.reason_2, r.reason_3, \
                 CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), r.length_days",
                "suspensions r JOIN settings s ON s.id = r.setting_id",
            ),
            (
                TAG_EXCLUSION,
                "r.start_date, CAST(NULL AS DATE), r.reason_1, r.reason_2, r.reason_3, CAST(NULL AS TEXT), \
                 CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION)",
                "exclusions r JOIN settings s ON s.id = r.setting_id",
            ),
            (
                TAG_REFERRAL,
                "r.referral_date, CAST(NULL AS DATE), r.reason, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                 CAST(NULL AS TEXT), r.tier_requested, CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE PRECISION)",
                "referrals r JOIN settings s ON s.id = r.from_setting_id",
            ),
            (
                TAG_INTERVENTION,
                "r.start_date, r.end_date, r.kind, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                 r.sessions_planned, r.sessions_attended, CAST(NULL AS DOUBLE PRECISION)",
                "interventions r JOIN settings s ON s.id = r.setting_id",
            ),
            (
                TAG_CHECKIN,
                "r.on_date, CAST(NULL AS DATE), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
                 CAST(NULL AS TEXT), r.mood, r.ready, CAST(NULL AS DOUBLE PRECISION)",
                "checkins r JOIN provision_groups g ON g.id = r.group_id JOIN settings s ON s.id = g.setting_id",
            ),
        ];
        for (tag, columns, from) in branches {
            sql.push(&format!("SELECT CAST({tag} AS BIGINT) AS tag, r.id, s.name AS setting, {columns} FROM {from} WHERE r.pupil_id = "));
            sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(role, "s").push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT CAST({TAG_DESTINATION} AS BIGINT) AS tag, d.id, CAST('' AS TEXT) AS setting, CAST(NULL AS DATE), \
             CAST(NULL AS DATE), d.destination, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), d.ks4_year, \
             CAST(CASE WHEN d.sustained THEN 1 ELSE 0 END AS BIGINT), CAST(NULL AS DOUBLE PRECISION) \
             FROM destinations d WHERE d.pupil_id = "
        ));
        sql.bind(Arg::Int(id)).push(" ORDER BY 1, 4, 2");
        let rows: Vec<RecordRow> = fetch_all!(self, sql);
        let mut records = PupilRecords::default();
        let dated = |d: Option<NaiveDate>| d.ok_or_else(|| StoreError::Config("a record without its date".into()));
        for (tag, _id, setting, d1, d2, t1, t2, t3, t4, n1, n2, f1) in rows {
            let text = |t: Option<String>| t.unwrap_or_default();
            match tag {
                TAG_INCIDENT => records.incidents.push(Incident {
                    setting,
                    incident_date: dated(d1)?,
                    kind: text(t1),
                    severity: n1.unwrap_or_default(),
                    outcome: text(t2),
                }),
                TAG_SUSPENSION => records.suspensions.push(Suspension {
                    setting,
                    category: text(t1),
                    start_date: dated(d1)?,
                    length_days: f1.unwrap_or_default(),
                    reason_1: text(t2),
                    reason_2: t3,
                    reason_3: t4,
                }),
                TAG_EXCLUSION => records.exclusions.push(Exclusion {
                    setting,
                    start_date: dated(d1)?,
                    reason_1: text(t1),
                    reason_2: t2,
                    reason_3: t3,
                }),
                TAG_REFERRAL => records.referrals.push(Referral {
                    setting,
                    referral_date: dated(d1)?,
                    reason: text(t1),
                    tier_requested: n1.unwrap_or_default(),
                }),
                TAG_INTERVENTION => records.interventions.push(Intervention {
                    setting,
                    kind: text(t1),
                    start_date: dated(d1)?,
                    end_date: d2,
                    sessions_planned: n1.unwrap_or_default(),
                    sessions_attended: n2.unwrap_or_default(),
                }),
                TAG_CHECKIN => records.checkins.push(CheckIn {
                    setting,
                    on_date: dated(d1)?,
                    mood: n1.unwrap_or_default(),
                    ready: n2.unwrap_or_default(),
                }),
                _ => records.destinations.push(Destination {
                    ks4_year: n1.unwrap_or_default(),
                    destination: text(t1),
                    sustained: n2 == Some(1),
                }),
            }
        }
        records.destinations.sort_by_key(|d| d.ks4_year);
        Ok(records)
    }
}

impl Store {
    /// Every visible pupil's attended and possible sessions over all their attendance rows
    /// (attendance at settings in the caller's scope), keyed by UPN. A read of identifiers for
    /// many pupils at once, audited as one export.
    pub async fn attendance_by_upn(
        &self,
        caller: &Caller,
    ) -> Result<std::collections::HashMap<String, SessionCounts>, StoreError> {
        let started = std::time::Instant::now();
        // Two halves of the table by id, read and counted on two connections at once (SQLite
        // and PostgreSQL each give a connection its own thread or process).
        let (low, high): (Option<i64>, Option<i64>) = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT MIN(id), MAX(id) FROM attendance").fetch_one(p).await
        })?;
        let (low, high) = (low.unwrap_or(0), high.unwrap_or(-1));
        let middle = low + (high - low) / 2;
        let half = |from: i64, to: i64| {
            let mut sql = SqlBuilder::new(
                "SELECT a.pupil_id, a.marks FROM attendance a JOIN settings s ON s.id = a.setting_id WHERE a.id >= ",
            );
            sql.bind(Arg::Int(from)).push(" AND a.id <= ").bind(Arg::Int(to)).push(" AND ");
            sql.settings_in_scope(caller.role, "s");
            async move {
                let rows: Vec<(i64, String)> =
                    on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
                let mut counts: std::collections::HashMap<i64, SessionCounts> = std::collections::HashMap::new();
                for (pupil, marks) in &rows {
                    counts.entry(*pupil).or_default().add(SessionCounts::of(marks));
                }
                Ok::<_, StoreError>(counts)
            }
        };
        let (a, b) = tokio::join!(half(low, middle), half(middle + 1, high));
        let mut by_pupil = a?;
        for (pupil, c) in b? {
            by_pupil.entry(pupil).or_default().add(c);
        }
        tracing::debug!(pupils = by_pupil.len(), ms = started.elapsed().as_millis() as u64, "attendance counted");
        let mut sql = SqlBuilder::new("SELECT p.id, p.upn_hash, p.upn_enc FROM pupils p WHERE ");
        sql.pupils_in_scope(caller.role);
        let upns: Vec<(i64, Vec<u8>, Vec<u8>)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "counted and UPNs fetched");
        let mut out = std::collections::HashMap::with_capacity(by_pupil.len());
        for (id, upn_hash, enc) in upns {
            if let Some(counts) = by_pupil.remove(&id) {
                out.insert(self.crypto.open_pupil(crate::crypto::PupilField::Upn, &upn_hash, id, &enc)?, counts);
            }
        }
        tracing::debug!(ms = started.elapsed().as_millis() as u64, "UPNs decrypted");
        self.audit_alone(
            caller,
            Event { action: "attendance.export", object_type: "pupils", object_id: format!("{} pupils", out.len()) },
        )
        .await?;
        Ok(out)
    }
}
