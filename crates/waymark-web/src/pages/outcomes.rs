//! A provision's outcomes (and a referring school's: the pupils it moved out, for three years
//! after the move): the five AP outcomes and the holistic measures beside them, each with
//! its numerator, denominator, 95% interval, status and definition version, against its LA.
//! The figures are over the placements the LA commissioned, so that the provisions of an LA add
//! up to the LA's figure and secondary suppression (`figure::suppress_siblings`) can protect
//! them; a CSV in the Explore Education Statistics layout carries the same published cells.

use crate::auth::SignedIn;
use crate::charts::lines::{line_chart, Series};
use crate::pages::explore::csv_response;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use std::collections::HashSet;
use waymark_analytics::definitions::{self, Kind};
use waymark_analytics::figure::{Figure, FigureGrid, Status};
use waymark_analytics::holistic::every_figure;
use waymark_analytics::inputs::Tables;
use waymark_analytics::measures::{Figures, GroupBy, Scope};
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
    /// The shown value in the page's units (per cent for a share), for charts.
    pub number: Option<f64>,
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
    /// A share (charted 0 to 100%) rather than a mean.
    pub proportion: bool,
    /// The same figures by period.
    pub trend: Vec<TrendCell>,
}

/// One period's figures: the unit's and the LA's.
pub struct TrendCell {
    pub period: String,
    pub provision: Cell,
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
    periods: Vec<String>,
}

/// The printable report: one page per outcome measure (its chart with its numbers beside it),
/// then the holistic measures.
#[derive(Template)]
#[template(path = "outcomes_report.html")]
struct Report {
    nav: Nav,
    id: i64,
    unit: Unit,
    name: String,
    la_name: String,
    la_number: u16,
    as_of: String,
    pages: Vec<ReportPage>,
    holistic: Vec<MeasureRow>,
}

struct ReportPage {
    row: MeasureRow,
    /// The chart over the periods, or why there is none (the table stands alone).
    svg: Result<String, &'static str>,
}

/// A line chart of the unit against its LA over the periods, or why there is none.
fn trend_chart(r: &MeasureRow, unit: Unit, la_name: &str) -> Result<String, &'static str> {
    let labels: Vec<String> = r.trend.iter().map(|t| t.period.clone()).collect();
    let own: Vec<Option<f64>> = r.trend.iter().map(|t| t.provision.number).collect();
    let la: Vec<Option<f64>> = r.trend.iter().map(|t| t.la.as_ref().and_then(|c| c.number)).collect();
    if own.iter().chain(&la).flatten().next().is_none() {
        return Err("No chart: no figure may be shown in any year (each is c or no data).");
    }
    if own.iter().chain(&la).flatten().any(|v| *v < 0.0) {
        return Err("No chart: a mean change below zero is shown in the table only.");
    }
    let mut series = vec![Series { name: unit.column().to_string(), values: own }];
    if r.la.is_some() {
        series.push(Series { name: la_name.to_string(), values: la });
    }
    let y = if r.proportion { "%" } else { "mean" };
    Ok(line_chart(&r.title, y, &labels, &series))
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

pub(crate) fn cell(f: Option<&Figure>, kind: Kind) -> Cell {
    let Some(f) = f.filter(|f| f.status != Status::NoData) else {
        return Cell {
            value: "no data".into(),
            numerator: "0".into(),
            denominator: "0".into(),
            count: "0".into(),
            interval: String::new(),
            status: "no data",
            number: None,
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
            number: None,
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
    let number = f.shown_value().map(|v| if kind == Kind::Proportion { v * 100.0 } else { v });
    Cell { value, numerator, denominator: f.denominator.to_string(), count, interval, status: "shown", number }
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

/// A period the placements are grouped by: those that started in it. The periods partition the
/// placements (the first takes everything before the others), so a unit's figures over the
/// periods add up to its overall figure and the grid's secondary suppression can protect them.
#[derive(Debug, Clone)]
pub struct Period {
    pub label: String,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
}

/// How many academic years the trend shows one by one (the earlier years are one period).
const TREND_YEARS: i32 = 3;

/// The periods up to `as_of`: everything before the last `TREND_YEARS` academic years, then each
/// of those years (the current one to date).
pub fn periods(as_of: NaiveDate) -> Vec<Period> {
    let current = waymark_domain::AcademicYear::containing(as_of).0;
    let first = waymark_domain::AcademicYear(current - TREND_YEARS + 1);
    let mut out = vec![Period {
        label: format!("Before {first}"),
        from: None,
        to: first.first_day().pred_opt().unwrap_or(as_of),
    }];
    for y in (current - TREND_YEARS + 1)..=current {
        let year = waymark_domain::AcademicYear(y);
        out.push(Period { label: year.to_string(), from: Some(year.first_day()), to: year.last_day().min(as_of) });
    }
    out
}

fn in_period(t: &Tables, p: &Period) -> Tables {
    let mut t = t.clone();
    t.placements.retain(|pl| p.from.is_none_or(|f| pl.start >= f) && pl.start <= p.to);
    let kept: HashSet<i64> = t.placements.iter().map(|p| p.id).collect();
    t.waits.retain(|w| kept.contains(&w.placement));
    t.timetables.retain(|s| kept.contains(&s.placement));
    t.interventions.retain(|i| kept.contains(&i.placement));
    t
}

/// Every measure's figures, as `every_figure` gives them.
type MeasureFigures = Vec<(String, Figures)>;

fn no_data(definition: waymark_analytics::figure::DefinitionRef) -> Figure {
    Figure { numerator: 0.0, denominator: 0, value: None, interval: None, status: Status::NoData, definition }
}

/// One measure's published figures: every unit (rows) by period (columns) with their totals,
/// after secondary suppression across the whole grid.
pub struct Published {
    pub measure: String,
    pub units: Vec<i64>,
    pub grid: FigureGrid,
}

impl Published {
    /// Unit `id`'s overall figure and its figures by period.
    pub fn unit(&self, id: i64) -> Option<(&Figure, &[Figure])> {
        let r = self.units.iter().position(|u| *u == id)?;
        Some((&self.grid.row_totals[r], &self.grid.cells[r]))
    }
}

/// Every measure's figures for the units `by` groups into, by period, with the commissioner's
/// (the `la` key's) figures as the totals; `t` holds only the commissioner's placements.
pub fn published(t: &Tables, by: GroupBy, la: i64, as_of: NaiveDate, periods: &[Period]) -> Vec<Published> {
    let overall = every_figure(t, &Scope { by, as_of });
    let overall_la = every_figure(t, &Scope { by: GroupBy::La, as_of });
    let split: Vec<(MeasureFigures, MeasureFigures)> = periods
        .iter()
        .map(|p| {
            let tp = in_period(t, p);
            (every_figure(&tp, &Scope { by, as_of }), every_figure(&tp, &Scope { by: GroupBy::La, as_of }))
        })
        .collect();
    overall
        .into_iter()
        .zip(overall_la)
        .enumerate()
        .map(|(m, ((measure, units), (_, totals)))| {
            let definition = units
                .values()
                .next()
                .map(|f| f.definition)
                .or_else(|| totals.values().next().map(|f| f.definition))
                .unwrap_or(waymark_analytics::figure::DefinitionRef { id: "unknown", version: 0 });
            let mut keys: Vec<i64> = units.keys().copied().collect();
            for (u, _) in &split {
                keys.extend(u[m].1.keys().copied());
            }
            keys.sort_unstable();
            keys.dedup();
            let cell = |f: Option<&Figure>| f.cloned().unwrap_or_else(|| no_data(definition));
            let mut grid = FigureGrid {
                cells: keys.iter().map(|k| split.iter().map(|(u, _)| cell(u[m].1.get(k))).collect()).collect(),
                row_totals: keys.iter().map(|k| cell(units.get(k))).collect(),
                column_totals: split.iter().map(|(_, l)| cell(l[m].1.get(&la))).collect(),
                grand: cell(totals.get(&la)),
            };
            grid.suppress();
            Published { measure, units: keys, grid }
        })
        .collect()
}

/// The measure rows of a unit's page: its overall figure and the LA's, then both by period.
pub fn rows(t: Tables, unit: Unit, id: i64, la: u16, whole_la: bool, as_of: NaiveDate) -> Vec<MeasureRow> {
    let mut t = commissioned_by(t, la);
    if unit == Unit::School {
        // Only referred placements: the schools' figures then add up to the LA's.
        let since = as_of - chrono::Duration::days(365 * SCHOOL_YEARS);
        t.placements.retain(|p| p.referring_school.is_some() && p.start >= since);
        t = commissioned_by(t, la);
    }
    let periods = periods(as_of);
    published(&t, unit.by(), i64::from(la), as_of, &periods)
        .into_iter()
        .filter_map(|p| {
            let measure = p.measure.clone();
            let base = measure.split('/').next().unwrap_or(&measure);
            let def = definitions::current(base).ok()?;
            let version = measure.split('/').nth(1).map(|v| format!(" ({v})")).unwrap_or_default();
            let (own, own_periods) = match p.unit(id) {
                Some((f, by)) => (Some(f.clone()), by.to_vec()),
                None => (None, Vec::new()),
            };
            let trend = periods
                .iter()
                .enumerate()
                .map(|(i, period)| TrendCell {
                    period: period.label.clone(),
                    provision: cell(own_periods.get(i), def.kind),
                    la: whole_la.then(|| cell(p.grid.column_totals.get(i), def.kind)),
                })
                .collect();
            Some(MeasureRow {
                title: format!("{}{version}", def.title),
                definition: def.definition.to_string(),
                version: own.as_ref().map(|f| f.definition.version).unwrap_or(def.version),
                outcome: OUTCOMES.contains(&base),
                proportion: def.kind == Kind::Proportion,
                provision: cell(own.as_ref(), def.kind),
                la: whole_la.then(|| cell(Some(&p.grid.grand), def.kind)),
                trend,
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
        periods: periods(as_of).into_iter().map(|p| p.label).collect(),
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

pub async fn provision_report(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    report(&state, &session, Unit::Provision, id).await
}

pub async fn school_report(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    report(&state, &session, Unit::School, id).await
}

async fn report(state: &AppState, session: &SessionInfo, unit: Unit, id: i64) -> Result<Response, WebError> {
    let (page, _) = load(state, session, unit, id).await?;
    let mut sections = page.sections.into_iter();
    let outcomes = sections.next().map(|s| s.rows).unwrap_or_default();
    let holistic = sections.next().map(|s| s.rows).unwrap_or_default();
    let pages =
        outcomes.into_iter().map(|row| ReportPage { svg: trend_chart(&row, unit, &page.la_name), row }).collect();
    let report = Report {
        nav: page.nav,
        id,
        unit,
        name: page.name,
        la_name: page.la_name,
        la_number: page.la_number,
        as_of: page.as_of,
        pages,
        holistic,
    };
    Ok(Html(report.render()?).into_response())
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
    fn cells_of<'a>(
        r: &'a MeasureRow,
        period: &str,
        as_of: NaiveDate,
    ) -> Vec<(String, &'static str, &'a Cell, Option<&'a Cell>)> {
        // Every figure: the whole (`Total`), then by the year placements began (the years the
        // page shows one by one; the earlier period has no single year to file it under).
        let mut v: Vec<(String, &'static str, &Cell, Option<&Cell>)> =
            vec![(period.to_string(), "Total", &r.provision, r.la.as_ref())];
        for (t, p) in r.trend.iter().zip(periods(as_of)) {
            if let Some(from) = p.from {
                let y = waymark_domain::AcademicYear::containing(from).0;
                v.push((format!("{y}{:02}", (y + 1) % 100), "Began in year", &t.provision, t.la.as_ref()));
            }
        }
        v
    }
    for r in page.sections.iter().flat_map(|s| &s.rows) {
        for (time_period, began, own, la) in cells_of(r, &period, as_of) {
            let units = [(level, page.name.as_str(), Some(own)), ("Local authority", "", la)];
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
                    time_period.clone(),
                    "Academic year".into(),
                    level.into(),
                    "E92000001".into(),
                    "England".into(),
                    page.la_number.to_string(),
                    page.la_name.clone(),
                    provider.into(),
                    began.into(),
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
            "placements_began",
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
