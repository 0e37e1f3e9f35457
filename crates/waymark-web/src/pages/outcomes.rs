//! A provision's outcomes (and a referring school's: the pupils it moved out, for three years
//! after the move): the five AP outcomes and the holistic measures beside them, each with
//! its numerator, denominator, 95% interval, status and definition version, against its LA.
//! The figures are over the placements the LA commissioned, so that the provisions of an LA add
//! up to the LA's figure and secondary suppression (`figure::suppress_siblings`) can protect
//! them; a CSV in the Explore Education Statistics layout carries the same published cells.

use crate::auth::SignedIn;
use crate::pages::explore::csv_response;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use std::collections::HashSet;
use waymark_analytics::definitions::{self, Kind};
use waymark_analytics::figure::{suppress_siblings, Figure, Status};
use waymark_analytics::holistic::every_figure;
use waymark_analytics::inputs::Tables;
use waymark_analytics::measures::{GroupBy, Scope};
use waymark_store::{Caller, Role, SessionInfo};

/// One published cell: what a reader outside the setting may see.
pub struct Cell {
    pub value: String,
    /// For the CSV: the count meeting the measure (`z` for a mean) and the pupils counted.
    pub numerator: String,
    pub denominator: String,
    pub count: String,
    pub interval: String,
    /// `shown`, `c` or `no data`.
    pub status: &'static str,
}

pub struct MeasureRow {
    pub id: String,
    pub title: String,
    pub definition: String,
    pub version: u32,
    pub outcome: bool,
    pub provision: Cell,
    /// `None` when the caller cannot see all of the LA's placements.
    pub la: Option<Cell>,
}

#[derive(Template)]
#[template(path = "outcomes.html")]
struct Page {
    nav: Nav,
    id: i64,
    unit: Unit,
    name: String,
    la_name: String,
    la_number: u16,
    as_of: String,
    sections: Vec<Section>,
}

/// The outcomes' table, then the holistic measures' table beside it.
struct Section {
    caption: &'static str,
    rows: Vec<MeasureRow>,
}

/// Whose figures a page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The AP provision holding the places.
    Provision,
    /// The school that referred the pupils, for the placements that began in the last three years.
    School,
}

impl Unit {
    fn by(self) -> GroupBy {
        match self {
            Unit::Provision => GroupBy::Provision,
            Unit::School => GroupBy::ReferringSchool,
        }
    }

    /// The URL segment, the heading of the unit's column and its EES geographic level.
    pub fn path(self) -> &'static str {
        match self {
            Unit::Provision => "provisions",
            Unit::School => "schools",
        }
    }

    pub fn column(self) -> &'static str {
        match self {
            Unit::Provision => "This provision",
            Unit::School => "Pupils this school moved out",
        }
    }

    fn level(self) -> (&'static str, &'static str) {
        match self {
            Unit::Provision => ("Provider", "provider_name"),
            Unit::School => ("School", "school_name"),
        }
    }
}

/// A referring school answers for the pupils it moved out for three years after the move.
const SCHOOL_YEARS: i64 = 3;

/// The five outcomes' measures; everything else is holistic.
const OUTCOMES: [&str; 11] = [
    "outreach_retained",
    "attendance_improved",
    "attendance_change",
    "persistent_absence",
    "reintegration",
    "reintegration_sustained",
    "ks4_english_maths",
    "ks4_any_pass",
    "reading_progress",
    "maths_progress",
    "post16_sustained",
];

fn cell(f: Option<&Figure>, kind: Kind) -> Cell {
    let Some(f) = f.filter(|f| f.status != Status::NoData) else {
        return Cell {
            value: "no data".into(),
            numerator: "0".into(),
            denominator: "0".into(),
            count: "0".into(),
            interval: String::new(),
            status: "no data",
        };
    };
    if f.status == Status::Suppressed {
        return Cell {
            value: "c".into(),
            numerator: "c".into(),
            denominator: "c".into(),
            count: "c".into(),
            interval: String::new(),
            status: "c",
        };
    }
    let show = |v: f64| match kind {
        Kind::Proportion => format!("{:.1}%", v * 100.0),
        Kind::Mean => format!("{v:.1}"),
    };
    let value = f.shown_value().map(show).unwrap_or_default();
    let count = match kind {
        Kind::Proportion => format!("{} of {}", f.numerator, f.denominator),
        Kind::Mean => format!("{} pupils", f.denominator),
    };
    let interval = f.interval.map(|i| format!("{} to {}", show(i.lower), show(i.upper))).unwrap_or_default();
    let numerator = match kind {
        Kind::Proportion => f.numerator.to_string(),
        Kind::Mean => "z".into(),
    };
    Cell { value, numerator, denominator: f.denominator.to_string(), count, interval, status: "shown" }
}

/// Keep only the placements commissioned by LA `la`, and the rows that hang on them.
pub(crate) fn commissioned_by(mut t: Tables, la: u16) -> Tables {
    t.placements.retain(|p| p.la == la);
    let kept: HashSet<i64> = t.placements.iter().map(|p| p.id).collect();
    t.waits.retain(|w| kept.contains(&w.placement));
    t.timetables.retain(|s| kept.contains(&s.placement));
    t.interventions.retain(|i| kept.contains(&i.placement));
    t
}

/// Whether the caller sees every placement the LA commissioned (so the LA's figure is whole).
fn sees_whole_la(caller: &Caller, la: u16) -> bool {
    matches!(caller.role, Role::Admin) || caller.role == Role::La(la)
}

/// Every measure's published cells for provision `id` and its LA, as of `as_of`.
pub fn rows(t: Tables, unit: Unit, id: i64, la: u16, whole_la: bool, as_of: NaiveDate) -> Vec<MeasureRow> {
    let mut t = commissioned_by(t, la);
    if unit == Unit::School {
        // Only referred placements: the schools' figures then add up to the LA's.
        let since = as_of - chrono::Duration::days(365 * SCHOOL_YEARS);
        t.placements.retain(|p| p.referring_school.is_some() && p.start >= since);
        t = commissioned_by(t, la);
    }
    let by_provision = every_figure(&t, &Scope { by: unit.by(), as_of });
    let by_la = every_figure(&t, &Scope { by: GroupBy::La, as_of });
    by_provision
        .into_iter()
        .zip(by_la)
        .filter_map(|((measure, mut units), (_, la_figures))| {
            let base = measure.split('/').next().unwrap_or(&measure);
            let def = definitions::current(base).ok()?;
            let total = la_figures.get(&i64::from(la));
            if let Some(total) = total.filter(|_| whole_la) {
                suppress_siblings(&mut units, total);
            }
            let version = measure.split('/').nth(1).map(|v| format!(" ({v})")).unwrap_or_default();
            Some(MeasureRow {
                title: format!("{}{version}", def.title),
                definition: def.definition.to_string(),
                version: units.get(&id).map(|f| f.definition.version).unwrap_or(def.version),
                outcome: OUTCOMES.contains(&base),
                provision: cell(units.get(&id), def.kind),
                la: whole_la.then(|| cell(total, def.kind)),
                id: measure,
            })
        })
        .collect()
}

async fn load(state: &AppState, session: &SessionInfo, unit: Unit, id: i64) -> Result<(Page, NaiveDate), WebError> {
    let caller = &session.user.caller();
    let setting = state.store.get_setting(caller, id).await?;
    let as_of = chrono::Local::now().date_naive();
    let t = state.store.outcome_tables(caller, as_of).await?;
    let la = setting.la.number;
    let (outcomes, holistic) =
        rows(t, unit, id, la, sees_whole_la(caller, la), as_of).into_iter().partition(|r| r.outcome);
    let sections = vec![
        Section { caption: "The five AP outcomes", rows: outcomes },
        Section { caption: "Holistic measures", rows: holistic },
    ];
    let page = Page {
        nav: Nav::for_session(session, "settings"),
        id,
        unit,
        name: setting.name,
        la_name: setting.la.name.to_string(),
        la_number: la,
        as_of: crate::format::date(as_of),
        sections,
    };
    Ok((page, as_of))
}

pub async fn provision(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    page(&state, &session, Unit::Provision, id).await
}

pub async fn school(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    page(&state, &session, Unit::School, id).await
}

async fn page(state: &AppState, session: &SessionInfo, unit: Unit, id: i64) -> Result<Response, WebError> {
    let (page, _) = load(state, session, unit, id).await?;
    Ok(Html(page.render()?).into_response())
}

pub async fn provision_csv(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    csv(&state, &session, Unit::Provision, id).await
}

pub async fn school_csv(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    csv(&state, &session, Unit::School, id).await
}

/// The same cells as CSV, one row per unit and measure, in the Explore Education Statistics
/// layout (time and geography columns first, then filters, then indicators; `c` and `x` typed).
async fn csv(state: &AppState, session: &SessionInfo, unit: Unit, id: i64) -> Result<Response, WebError> {
    let (page, as_of) = load(state, session, unit, id).await?;
    let (level, name_column) = unit.level();
    let year = waymark_domain::AcademicYear::containing(as_of).0;
    let period = format!("{year}{:02}", (year + 1) % 100);
    let mut out = Vec::new();
    for r in page.sections.iter().flat_map(|s| &s.rows) {
        let units = [(level, page.name.as_str(), Some(&r.provision)), ("Local authority", "", r.la.as_ref())];
        for (level, provider, cell) in units {
            let Some(c) = cell else { continue };
            let (value, lower, upper) = match c.status {
                "shown" => {
                    let (lo, hi) = c.interval.split_once(" to ").unwrap_or(("", ""));
                    let bare = |v: &str| v.trim_end_matches('%').to_string();
                    (bare(&c.value), bare(lo), bare(hi))
                }
                "c" => ("c".into(), "c".into(), "c".into()),
                _ => ("x".into(), "x".into(), "x".into()),
            };
            out.push(vec![
                period.clone(),
                "Academic year".into(),
                level.into(),
                "E92000001".into(),
                "England".into(),
                page.la_number.to_string(),
                page.la_name.clone(),
                provider.into(),
                r.id.clone(),
                r.version.to_string(),
                c.numerator.clone(),
                c.denominator.clone(),
                value,
                lower,
                upper,
            ]);
        }
    }
    let body = waymark_interchange::export::csv_table(
        &[
            "time_period",
            "time_identifier",
            "geographic_level",
            "country_code",
            "country_name",
            "old_la_code",
            "la_name",
            name_column,
            "measure",
            "definition_version",
            "numerator",
            "denominator",
            "value",
            "lower_95",
            "upper_95",
        ],
        &out,
    );
    Ok(csv_response(&format!("{}-{id}-outcomes.csv", unit.path()), body))
}
