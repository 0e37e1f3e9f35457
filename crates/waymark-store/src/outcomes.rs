//! The plain tables the outcome and holistic measures read (`waymark_analytics::inputs`),
//! loaded for the placements a caller may see: those at provisions in scope and those made
//! for pupils referred by settings in scope. The other tables hold only the rows of those
//! placements' pupils. One scoped query per table; the load is audited once.
//!
//! Not loaded yet: KS4 results (the store has no table for them) and maths assessments (no
//! maths instrument is recorded); their measures say "no data". Reading tests recorded in
//! Waymark carry their gap to chronological age as the score and feed `reading_progress`.

use crate::audit::Event;
use crate::engine::on_pool;
use crate::scope::{bind_args, SqlBuilder};
use crate::{Caller, Role, Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use waymark_analytics::inputs::*;
use waymark_domain::attendance::SessionCounts;
use waymark_domain::instruments::SdqVersion;
use waymark_domain::{AcademicYear, Term, ValidationErrors};

/// The joins that find a placement's provision and referring school.
const PLACEMENT_JOINS: &str =
    " JOIN settings s ON s.id = pl.setting_id LEFT JOIN referrals r ON r.id = pl.referral_id \
     LEFT JOIN settings fs ON fs.id = r.from_setting_id WHERE (";

/// `prefix` (ending in the joins) followed by the scope: the provision or the referring school
/// is in the caller's scope.
fn scoped(prefix: &str, role: Role) -> SqlBuilder {
    let mut sql = SqlBuilder::new(prefix);
    sql.settings_in_scope(role, "s").push(" OR ").settings_in_scope(role, "fs").push(")");
    sql
}

/// `SELECT <columns> FROM placements in scope`.
fn placements_in_scope(columns: &str, role: Role) -> SqlBuilder {
    scoped(&format!("SELECT {columns} FROM placements pl{PLACEMENT_JOINS}"), role)
}

/// `<select> WHERE <alias>.pupil_id IN (the pupils of placements in scope)`.
fn of_placed_pupils(select: &str, alias: &str, role: Role) -> SqlBuilder {
    let mut sql = scoped(
        &format!("{select} WHERE {alias}.pupil_id IN (SELECT pl.pupil_id FROM placements pl{PLACEMENT_JOINS}"),
        role,
    );
    sql.push(")");
    sql
}

#[derive(sqlx::FromRow)]
struct PlacementDb {
    id: i64,
    pupil_id: i64,
    setting_id: i64,
    from_setting_id: Option<i64>,
    la_number: i64,
    tier: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    outcome: Option<String>,
    referral_date: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct RollDb {
    pupil_id: i64,
    setting_id: i64,
    kind: String,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct AttendanceDb {
    pupil_id: i64,
    setting_id: i64,
    academic_year: i64,
    term: String,
    marks: String,
}

#[derive(sqlx::FromRow)]
struct DatedDb {
    pupil_id: i64,
    on_date: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct AssessmentDb {
    pupil_id: i64,
    setting_id: i64,
    instrument: String,
    version: Option<String>,
    assessed_on: NaiveDate,
    score: f64,
}

#[derive(sqlx::FromRow)]
struct DestinationDb {
    pupil_id: i64,
    ks4_year: i64,
    sustained: bool,
}

#[derive(sqlx::FromRow)]
struct CheckInDb {
    pupil_id: i64,
    setting_id: i64,
    on_date: NaiveDate,
    mood: i64,
}

#[derive(sqlx::FromRow)]
struct InterventionDb {
    pupil_id: i64,
    setting_id: i64,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    sessions_planned: i64,
    sessions_attended: i64,
}

#[derive(sqlx::FromRow)]
struct StepDb {
    placement_id: i64,
    from_date: NaiveDate,
    sessions: i64,
}

/// How a stored placement outcome reads for the measures. An ended placement with no recorded
/// outcome is "other": it ended, and nothing says it was a return.
fn outcome(code: Option<&str>, ended: bool) -> PlacementOutcome {
    match code {
        Some("reintegrated") => PlacementOutcome::ReturnedToMainstream,
        Some("another_ap") => PlacementOutcome::MovedProvision,
        Some("special_school") => PlacementOutcome::SpecialSchool,
        Some("post16") => PlacementOutcome::Post16,
        Some(_) => PlacementOutcome::Other,
        None if ended => PlacementOutcome::Other,
        None => PlacementOutcome::Ongoing,
    }
}

fn invalid(field: &'static str, message: String) -> StoreError {
    let mut errors = ValidationErrors::default();
    errors.push(field, message);
    StoreError::Invalid(errors)
}

impl Store {
    /// Every table the measures need, for the placements `caller` may see, as of `as_of`
    /// (rows dated after it are left out: the data runs to that day).
    pub async fn outcome_tables(&self, caller: &Caller, as_of: NaiveDate) -> Result<Tables, StoreError> {
        let role = caller.role;
        let mut t = Tables::default();

        let mut sql = placements_in_scope(
            "pl.id, pl.pupil_id, pl.setting_id, r.from_setting_id, pl.la_number, pl.tier, pl.start_date, pl.end_date, \
             pl.outcome, r.referral_date",
            role,
        );
        sql.push(" AND pl.start_date <= ").date(as_of).push(" ORDER BY pl.id");
        let rows: Vec<PlacementDb> = self.rows(&sql).await?;
        for p in rows {
            let end = p.end_date.filter(|e| *e <= as_of);
            let la = u16::try_from(p.la_number)
                .map_err(|_| invalid("la_number", format!("placement {} has LA number {}", p.id, p.la_number)))?;
            let tier = u8::try_from(p.tier).unwrap_or(0);
            let code = if end.is_some() { p.outcome.as_deref() } else { None };
            t.placements.push(PlacementRow {
                id: p.id,
                pupil: p.pupil_id,
                provision: p.setting_id,
                referring_school: p.from_setting_id,
                la,
                tier,
                start: p.start_date,
                end,
                outcome: outcome(code, end.is_some()),
            });
            // A referral recorded after the placement began (a record entered afterwards) is no
            // wait: leave it out rather than refuse every figure.
            if let Some(referred) = p.referral_date.filter(|r| *r <= p.start_date) {
                t.waits.push(WaitRow { placement: p.id, referred });
            }
        }

        let sql = of_placed_pupils(
            "SELECT e.pupil_id, e.setting_id, st.kind, e.start_date, e.end_date FROM enrolments e \
             JOIN settings st ON st.id = e.setting_id",
            "e",
            role,
        );
        for r in self.rows::<RollDb>(&sql).await? {
            if r.start_date <= as_of {
                t.rolls.push(RollRow {
                    pupil: r.pupil_id,
                    setting: r.setting_id,
                    mainstream: r.kind == "mainstream",
                    start: r.start_date,
                    end: r.end_date.filter(|e| *e <= as_of),
                });
            }
        }

        let sql = of_placed_pupils(
            "SELECT a.pupil_id, a.setting_id, a.academic_year, a.term, a.marks FROM attendance a",
            "a",
            role,
        );
        let mut terms: HashMap<(i64, i64, TermRef), SessionCounts> = HashMap::new();
        for a in self.rows::<AttendanceDb>(&sql).await? {
            let term = Term::from_code(&a.term)
                .ok_or_else(|| invalid("term", format!("attendance of pupil {} has term {:?}", a.pupil_id, a.term)))?;
            let year = AcademicYear(i32::try_from(a.academic_year).unwrap_or(0));
            terms
                .entry((a.pupil_id, a.setting_id, TermRef { year, term }))
                .or_default()
                .add(SessionCounts::of(&a.marks));
        }
        t.attendance = terms
            .into_iter()
            .map(|((pupil, setting, term), c)| AttendanceTerm {
                pupil,
                setting,
                term,
                possible: c.possible,
                attended: c.attended,
            })
            .collect();

        let dated = |table: &str, column: &str, extra: &str| {
            let mut sql =
                of_placed_pupils(&format!("SELECT x.pupil_id, x.{column} AS on_date FROM {table} x"), "x", role);
            sql.push(&format!(" AND x.{column} <= ")).date(as_of).push(extra);
            sql
        };
        for s in self.rows::<DatedDb>(&dated("suspensions", "start_date", "")).await? {
            t.suspensions.push(SuspensionRow { pupil: s.pupil_id, start: s.on_date });
        }
        for e in self.rows::<DatedDb>(&dated("exclusions", "start_date", "")).await? {
            t.exclusions.push(ExclusionRow { pupil: e.pupil_id, date: e.on_date });
        }
        for i in self.rows::<DatedDb>(&dated("incidents", "incident_date", "")).await? {
            t.incidents.push(IncidentRow { pupil: i.pupil_id, date: i.on_date });
        }

        let mut sql = of_placed_pupils(
            "SELECT x.pupil_id, x.setting_id, x.instrument, x.version, x.assessed_on, x.score FROM assessments x",
            "x",
            role,
        );
        sql.push(" AND x.score IS NOT NULL AND x.assessed_on <= ").date(as_of);
        for a in self.rows::<AssessmentDb>(&sql).await? {
            let instrument = match (a.instrument.as_str(), a.version.as_deref()) {
                ("sdq", Some(v)) => match SdqVersion::parse(v) {
                    Ok(v) => Instrument::Sdq(v),
                    Err(_) => continue,
                },
                ("swemwbs", _) => Instrument::Swemwbs,
                // A reading test's score is its gap to chronological age, in months.
                ("reading", _) => Instrument::ReadingGap,
                _ => continue,
            };
            t.assessments.push(AssessmentRow {
                pupil: a.pupil_id,
                setting: a.setting_id,
                instrument,
                date: a.assessed_on,
                score: a.score,
            });
        }

        let sql = of_placed_pupils("SELECT x.pupil_id, x.ks4_year, x.sustained FROM destinations x", "x", role);
        for d in self.rows::<DestinationDb>(&sql).await? {
            t.destinations.push(DestinationRow {
                pupil: d.pupil_id,
                ks4_year: AcademicYear(i32::try_from(d.ks4_year).unwrap_or(0)),
                sustained: d.sustained,
            });
        }

        let mut sql = of_placed_pupils(
            "SELECT x.pupil_id, g.setting_id, x.on_date, x.mood FROM checkins x JOIN provision_groups g ON g.id = x.group_id",
            "x",
            role,
        );
        sql.push(" AND x.on_date <= ").date(as_of);
        for c in self.rows::<CheckInDb>(&sql).await? {
            t.checkins.push(CheckInRow {
                pupil: c.pupil_id,
                setting: c.setting_id,
                date: c.on_date,
                rating: c.mood as f64,
            });
        }

        let mut sql = of_placed_pupils(
            "SELECT x.pupil_id, x.setting_id, x.start_date, x.end_date, x.sessions_planned, x.sessions_attended \
             FROM interventions x",
            "x",
            role,
        );
        sql.push(" AND x.start_date <= ").date(as_of);
        let interventions: Vec<InterventionDb> = self.rows(&sql).await?;
        t.interventions = attach_interventions(&t.placements, &interventions);

        let mut sql = scoped(
            &format!(
                "SELECT ts.placement_id, ts.from_date, ts.ap_sessions + ts.mainstream_sessions AS sessions \
                 FROM timetable_steps ts JOIN placements pl ON pl.id = ts.placement_id{PLACEMENT_JOINS}"
            ),
            role,
        );
        sql.push(" AND ts.from_date <= ").date(as_of).push(" AND pl.start_date <= ").date(as_of);
        for s in self.rows::<StepDb>(&sql).await? {
            t.timetables.push(TimetableRow {
                placement: s.placement_id,
                from: s.from_date,
                sessions_per_week: u8::try_from(s.sessions.clamp(0, 255)).unwrap_or(u8::MAX),
            });
        }

        t.validate().map_err(|e| invalid("outcomes", e.to_string()))?;
        self.audit_alone(
            caller,
            Event { action: "outcomes.load", object_type: "placements", object_id: as_of.to_string() },
        )
        .await?;
        Ok(t)
    }

    async fn rows<T>(&self, sql: &SqlBuilder) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        Ok(on_pool!(&self.pool, p => bind_args!(sqlx::query_as::<_, T>(sql.sql()), sql).fetch_all(p).await)?)
    }
}

/// An intervention belongs to the pupil's placement at the same setting that was running on the
/// day it started; one with no such placement is not part of any placement's figures.
fn attach_interventions(placements: &[PlacementRow], rows: &[InterventionDb]) -> Vec<InterventionRow> {
    rows.iter()
        .filter_map(|i| {
            let placement = placements.iter().find(|p| {
                p.pupil == i.pupil_id
                    && p.provision == i.setting_id
                    && p.start <= i.start_date
                    && p.end.is_none_or(|e| i.start_date <= e)
            })?;
            Some(InterventionRow {
                placement: placement.id,
                ended: i.end_date.is_some(),
                sessions_planned: u32::try_from(i.sessions_planned).unwrap_or(0),
                sessions_attended: u32::try_from(i.sessions_attended).unwrap_or(0),
            })
        })
        .collect()
}
