//! The commissioner's view: an LA (the placements it commissions) or a trust (the placements its
//! schools referred pupils to). Providers compared on each share-type measure against the
//! commissioner's own rate in a funnel plot (Spiegelhalter 95% and 99.8% limits, outliers named,
//! the same numbers in a table beside it); data completeness per provision ("no data" is a
//! finding); and every placement with its weekly cost, duration and, per provision, the cost per
//! outcome achieved (`waymark_analytics::cost`).
//!
//! The funnel publishes through `suppress_siblings`: a hidden figure stays `c` and is not placed.
//! The placement list is pupil-level data for the commissioner's own users, scoped and audited in
//! the store; it is never published beyond them.

use crate::auth::SignedIn;
use crate::charts::funnel::{funnel_chart, Point};
use crate::pages::explore::csv_response;
use crate::pages::layout::Nav;
use crate::pages::outcomes;
use crate::{format, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use std::collections::{HashMap, HashSet};
use waymark_analytics::cost;
use waymark_analytics::definitions::{self, Kind};
use waymark_analytics::figure::{Figure, Status};
use waymark_analytics::funnel::{classify, Position};
use waymark_analytics::inputs::Tables;
use waymark_analytics::measures::GroupBy;
use waymark_store::{Role, SessionInfo};

struct ProviderRow {
    name: String,
    value: String,
    numerator: String,
    n: String,
    interval: String,
    at95: &'static str,
    at998: &'static str,
    /// For the CSV: numerator, denominator, value, lower and upper 95% limit, bare (`c`, `x`).
    csv: [String; 5],
}

struct MeasureTable {
    title: String,
    id: String,
    version: u32,
    la_rate: String,
    /// The commissioner's own figure for the CSV, as the grid published it.
    total: [String; 5],
    providers: Vec<ProviderRow>,
    outliers: Vec<String>,
    /// The funnel plot, when the commissioner's rate is shown and between 0 and 100%.
    svg: Option<String>,
}

struct Completeness {
    name: String,
    no_data: Vec<String>,
    measures: usize,
}

struct PlacementLine {
    /// For the CSV: the provision's id (its cost per outcome achieved) and the bare figures.
    provision_id: i64,
    start_iso: String,
    end_iso: String,
    weeks_raw: Option<f64>,
    weekly_pence: Option<i64>,
    cost_pence: Option<i64>,
    achieved: Option<bool>,
    id: i64,
    name: String,
    provision: String,
    school: String,
    tier: i64,
    start: String,
    end: String,
    weeks: String,
    weekly: String,
    cost: String,
    outcome: String,
}

struct CostLine {
    /// For the CSV: the figures as computed.
    raw: cost::ProvisionCost,
    name: String,
    placements: u64,
    mean_weekly: String,
    median_weeks: String,
    ended_costed: u64,
    ended_cost: String,
    achieved: u64,
    per_outcome: String,
}

#[derive(Template)]
#[template(path = "commissioner.html")]
struct Page {
    nav: Nav,
    who: String,
    /// For the CSV: the commissioner's geographic level, old LA code and trust id.
    level: &'static str,
    la_code: String,
    trust_id: String,
    rate_of: &'static str,
    as_of: String,
    as_of_date: chrono::NaiveDate,
    tables: Vec<MeasureTable>,
    completeness: Vec<Completeness>,
    placements: Vec<PlacementLine>,
    costs: Vec<CostLine>,
}

fn position(p: Position) -> &'static str {
    match p {
        Position::Below => "below",
        Position::Within => "within",
        Position::Above => "above",
    }
}

/// Pounds from pence: "£1,234".
pub(crate) fn pounds(pence: i64) -> String {
    format!("£{}", format::thousands((pence as f64 / 100.0).round()))
}

/// Whose placements the view covers.
#[derive(Clone, Copy)]
enum Commissioner {
    /// An LA: the placements commissioned under its number.
    La(u16),
    /// A trust: the placements its schools referred pupils to.
    Trust,
}

/// Keep only the commissioner's placements and the rows that hang on them, and give every kept
/// placement the same `la` key (`KEY`) so that `GroupBy::La` yields the commissioner's own total.
fn commissioned(mut t: Tables, who: Commissioner, schools: &HashSet<i64>) -> Tables {
    match who {
        Commissioner::La(la) => t.placements.retain(|p| p.la == la),
        Commissioner::Trust => t.placements.retain(|p| p.referring_school.is_some_and(|s| schools.contains(&s))),
    }
    for p in &mut t.placements {
        p.la = KEY;
    }
    let kept: HashSet<i64> = t.placements.iter().map(|p| p.id).collect();
    t.waits.retain(|w| kept.contains(&w.placement));
    t.timetables.retain(|s| kept.contains(&s.placement));
    t.interventions.retain(|i| kept.contains(&i.placement));
    t
}

/// The `la` every kept placement is given: the commissioner's total is the figure under it.
const KEY: u16 = 0;

fn outcome_label(code: Option<&str>, ended: bool) -> String {
    match (code, ended) {
        (_, false) => "ongoing".into(),
        (Some("reintegrated"), _) => "returned to mainstream".into(),
        (Some("another_ap"), _) => "moved to another AP".into(),
        (Some("special_school"), _) => "moved to a special school".into(),
        (Some("post16"), _) => "moved on to post-16".into(),
        (Some(other), _) => other.replace('_', " "),
        (None, true) => "ended, no outcome recorded".into(),
    }
}

pub async fn page(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    Ok(Html(load(&state, &session).await?.render()?).into_response())
}

/// A published figure's bare CSV cells: numerator, denominator, value, lower and upper limit;
/// `c` when hidden, `x` (with zero counts) when there is no data, as the outcome CSVs do.
fn csv_cells(f: &Figure) -> [String; 5] {
    match f.status {
        Status::NoData => ["0".into(), "0".into(), "x".into(), "x".into(), "x".into()],
        Status::Suppressed => ["c".into(), "c".into(), "c".into(), "c".into(), "c".into()],
        Status::Shown => {
            let pct = |v: f64| format!("{:.1}", v * 100.0);
            [
                format!("{}", f.numerator as u64),
                f.denominator.to_string(),
                f.value.map(pct).unwrap_or_else(|| "x".into()),
                f.interval.map(|i| pct(i.lower)).unwrap_or_default(),
                f.interval.map(|i| pct(i.upper)).unwrap_or_default(),
            ]
        }
    }
}

async fn load(state: &AppState, session: &SessionInfo) -> Result<Page, WebError> {
    let caller = session.user.caller();
    let settings = state.store.list_settings(&caller).await?;
    // Only an LA's or a trust's own users commission: a provision or school is not a commissioner.
    let (who, label, rate_of, level, la_code, trust_id) = match caller.role {
        Role::La(la) => (
            Commissioner::La(la),
            format!("Local authority {la}"),
            "LA",
            "Local authority",
            la.to_string(),
            String::new(),
        ),
        Role::Trust(id) => {
            (Commissioner::Trust, format!("Trust {id}"), "trust", "Multi-academy trust", String::new(), id.to_string())
        }
        _ => return Err(WebError::NotFound),
    };
    let schools: HashSet<i64> = settings.iter().map(|s| s.id).collect();
    let names: HashMap<i64, String> = settings.into_iter().map(|s| (s.id, s.name)).collect();
    let as_of = chrono::Local::now().date_naive();
    let t = commissioned(state.store.outcome_tables(&caller, as_of).await?, who, &schools);
    let listed = state.store.commissioned_placements(&caller, as_of).await?;
    let kept: HashSet<i64> = t.placements.iter().map(|p| p.id).collect();
    let listed: Vec<_> = listed.into_iter().filter(|p| kept.contains(&p.id)).collect();
    let mut provision_names = names.clone();
    for p in &listed {
        provision_names.entry(p.provision_id).or_insert_with(|| p.provision.clone());
    }
    let name = |id: &i64| provision_names.get(id).cloned().unwrap_or_else(|| format!("Setting {id}"));

    let mut tables = Vec::new();
    let mut gaps: HashMap<i64, Vec<String>> = HashMap::new();
    let mut measures = 0;
    // The same grid as the provision pages (units by period, with their totals), so that what
    // one page hides this one does not give away.
    let periods = outcomes::periods(as_of);
    for p in outcomes::published(&t, GroupBy::Provision, i64::from(KEY), as_of, &periods) {
        let measure = p.measure;
        let base = measure.split('/').next().unwrap_or(&measure).to_string();
        let Ok(def) = definitions::current(&base) else { continue };
        measures += 1;
        let units: Vec<(i64, Figure)> = p.units.iter().copied().zip(p.grid.row_totals).collect();
        let total = Some(&p.grid.grand);
        let version = measure.split('/').nth(1).map(|v| format!(" ({v})")).unwrap_or_default();
        let title = format!("{}{version}", def.title);
        for (id, f) in &units {
            let entry = gaps.entry(*id).or_default();
            if f.status == Status::NoData {
                entry.push(title.clone());
            }
        }
        if def.kind != Kind::Proportion {
            continue;
        }
        let p0 = total.and_then(|t| t.shown_value()).filter(|p| *p > 0.0 && *p < 1.0);
        let mut providers = Vec::new();
        let mut outliers = Vec::new();
        let mut points = Vec::new();
        for (id, f) in &units {
            let mut row = ProviderRow {
                name: name(id),
                value: "no data".into(),
                numerator: "0".into(),
                n: "0".into(),
                interval: String::new(),
                at95: "",
                at998: "",
                csv: csv_cells(f),
            };
            match f.status {
                Status::NoData => {}
                Status::Suppressed => {
                    (row.value, row.numerator, row.n) = ("c".into(), "c".into(), "c".into());
                }
                Status::Shown => {
                    let rate = f.value.unwrap_or(0.0);
                    row.value = format!("{:.1}%", rate * 100.0);
                    row.numerator = format!("{}", f.numerator as u64);
                    row.n = f.denominator.to_string();
                    row.interval = f
                        .interval
                        .map(|i| format!("{:.1}% to {:.1}%", i.lower * 100.0, i.upper * 100.0))
                        .unwrap_or_default();
                    if let Some(c) = p0.and_then(|p0| classify(p0, f.numerator as u64, f.denominator).ok()) {
                        row.at95 = position(c.at95);
                        row.at998 = position(c.at998);
                        let outlier = c.at998 != Position::Within;
                        if outlier {
                            outliers.push(format!("{} ({} the 99.8% limit)", row.name, row.at998));
                        }
                        points.push(Point { name: row.name.clone(), n: f.denominator, rate, outlier });
                    }
                }
            }
            providers.push(row);
        }
        let svg = p0.filter(|_| !points.is_empty()).map(|p0| funnel_chart(&title, p0, &points));
        tables.push(MeasureTable {
            title,
            id: measure.clone(),
            version: def.version,
            la_rate: p0.map(|p| format!("{:.1}%", p * 100.0)).unwrap_or_else(|| "not shown".into()),
            total: csv_cells(&p.grid.grand),
            providers,
            outliers,
            svg,
        });
    }
    let mut completeness: Vec<Completeness> = gaps
        .into_iter()
        .map(|(id, mut no_data)| {
            no_data.dedup();
            Completeness { name: name(&id), no_data, measures }
        })
        .collect();
    completeness.sort_by(|a, b| b.no_data.len().cmp(&a.no_data.len()).then(a.name.cmp(&b.name)));

    let weekly: HashMap<i64, i64> = listed.iter().filter_map(|p| Some((p.id, p.weekly_cost_pence?))).collect();
    let costed = cost::placements(&t.placements, &weekly, as_of);
    let by_id: HashMap<i64, &cost::CostedPlacement> = costed.iter().map(|c| (c.placement, c)).collect();
    let placements = listed
        .iter()
        .map(|p| {
            let c = by_id.get(&p.id);
            PlacementLine {
                provision_id: p.provision_id,
                start_iso: p.start.to_string(),
                end_iso: p.end.map(|e| e.to_string()).unwrap_or_default(),
                weeks_raw: c.map(|c| c.weeks),
                weekly_pence: p.weekly_cost_pence,
                cost_pence: c.and_then(|c| c.cost_pence),
                achieved: c.and_then(|c| c.achieved),
                id: p.id,
                name: p.name.clone(),
                provision: p.provision.clone(),
                school: p.referring_school.clone().unwrap_or_else(|| "not recorded".into()),
                tier: p.tier,
                start: format::date(p.start),
                end: p.end.map(format::date).unwrap_or_else(|| "ongoing".into()),
                weeks: c.map(|c| format::decimal(c.weeks, 1)).unwrap_or_default(),
                weekly: p.weekly_cost_pence.map(pounds).unwrap_or_else(|| "not recorded".into()),
                cost: c.and_then(|c| c.cost_pence).map(pounds).unwrap_or_else(|| "not recorded".into()),
                outcome: outcome_label(p.outcome.as_deref(), p.end.is_some()),
            }
        })
        .collect();
    let costs = cost::by_provision(&costed)
        .into_values()
        .map(|c| CostLine {
            name: name(&c.provision),
            placements: c.placements,
            mean_weekly: c.mean_weekly_pence.map(pounds).unwrap_or_else(|| "no data".into()),
            median_weeks: c.median_weeks.map(|w| format::decimal(w, 1)).unwrap_or_else(|| "no data".into()),
            ended_costed: c.ended_costed,
            ended_cost: if c.ended_costed == 0 { "no data".into() } else { pounds(c.ended_cost_pence) },
            achieved: c.achieved,
            per_outcome: match (c.ended_costed, c.cost_per_outcome_pence) {
                (0, _) => "no data".into(),
                (_, None) => "no outcome achieved".into(),
                (_, Some(p)) => pounds(p),
            },
            raw: c,
        })
        .collect();
    let page = Page {
        nav: Nav::for_session(session, ""),
        who: label,
        level,
        la_code,
        trust_id,
        rate_of,
        as_of: format::date(as_of),
        as_of_date: as_of,
        tables,
        completeness,
        placements,
        costs,
    };
    Ok(page)
}

/// The columns every commissioner CSV starts with, in the Explore Education Statistics layout:
/// time, then geography (the commissioner: an LA's old code or a trust's id).
const LEADING: [&str; 8] = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "old_la_code",
    "trust_id",
    "provider_name",
];

impl Page {
    /// The leading cells of a row at `level` for `provider` (empty for the commissioner's own).
    fn leading(&self, level: &str, provider: &str) -> Vec<String> {
        let year = waymark_domain::AcademicYear::containing(self.as_of_date).0;
        vec![
            format!("{year}{:02}", (year + 1) % 100),
            "Academic year".into(),
            level.into(),
            "E92000001".into(),
            "England".into(),
            self.la_code.clone(),
            self.trust_id.clone(),
            provider.into(),
        ]
    }
}

fn headers(rest: &[&'static str]) -> Vec<&'static str> {
    LEADING.iter().chain(rest).copied().collect()
}

/// Pounds from pence, bare and rounded as the page shows them: "10920".
fn bare_pounds(pence: Option<i64>) -> String {
    pence.map(|p| format!("{}", (p as f64 / 100.0).round() as i64)).unwrap_or_else(|| "x".into())
}

/// Providers compared, as CSV: the commissioner's own figure then each provider's, per
/// share-type measure, with the same published (secondary-suppressed) cells as the page.
pub async fn providers_csv(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    let page = load(&state, &session).await?;
    let mut out = Vec::new();
    for m in &page.tables {
        let mut row = page.leading(page.level, "");
        row.extend([m.id.clone(), m.version.to_string()]);
        row.extend(m.total.iter().cloned());
        row.extend([String::new(), String::new()]);
        out.push(row);
        for p in &m.providers {
            let mut row = page.leading("Provider", &p.name);
            row.extend([m.id.clone(), m.version.to_string()]);
            row.extend(p.csv.iter().cloned());
            row.extend([p.at95.to_string(), p.at998.to_string()]);
            out.push(row);
        }
    }
    let body = waymark_interchange::export::csv_table(
        &headers(&[
            "measure",
            "definition_version",
            "numerator",
            "denominator",
            "value",
            "lower_95",
            "upper_95",
            "funnel_95",
            "funnel_998",
        ]),
        &out,
    );
    Ok(csv_response("commissioner-providers.csv", body))
}

/// Data completeness per provider, as CSV: how many measures have no data, and which.
pub async fn completeness_csv(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, WebError> {
    let page = load(&state, &session).await?;
    let out: Vec<Vec<String>> = page
        .completeness
        .iter()
        .map(|c| {
            let mut row = page.leading("Provider", &c.name);
            row.extend([c.measures.to_string(), c.no_data.len().to_string(), c.no_data.join("; ")]);
            row
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &headers(&["measures", "measures_no_data", "measures_with_no_data"]),
        &out,
    );
    Ok(csv_response("commissioner-completeness.csv", body))
}

/// Every placement, as CSV: pupil-level, for the commissioner's own users only (scoped and
/// audited in the store exactly as the page is), with its provider's cost per outcome achieved.
pub async fn placements_csv(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    let page = load(&state, &session).await?;
    let per_outcome: HashMap<i64, &CostLine> = page.costs.iter().map(|c| (c.raw.provision, c)).collect();
    let out: Vec<Vec<String>> = page
        .placements
        .iter()
        .map(|p| {
            let mut row = page.leading("Provider", &p.provision);
            let cost_line = per_outcome.get(&p.provision_id);
            row.extend([
                p.id.to_string(),
                p.name.clone(),
                p.school.clone(),
                p.tier.to_string(),
                p.start_iso.clone(),
                if p.end_iso.is_empty() { "z".into() } else { p.end_iso.clone() },
                p.weeks_raw.map(|w| format::decimal(w, 1)).unwrap_or_else(|| "x".into()),
                bare_pounds(p.weekly_pence),
                bare_pounds(p.cost_pence),
                p.outcome.clone(),
                match p.achieved {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "z".into(),
                },
                cost_line.map(|c| per_outcome_cell(&c.raw)).unwrap_or_else(|| "x".into()),
            ]);
            row
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &headers(&[
            "placement_id",
            "pupil_name",
            "referring_school",
            "tier",
            "start_date",
            "end_date",
            "weeks",
            "weekly_cost_gbp",
            "cost_gbp",
            "outcome",
            "outcome_achieved",
            "provider_cost_per_outcome_achieved_gbp",
        ]),
        &out,
    );
    Ok(csv_response("commissioner-placements.csv", body))
}

/// A provider's cost per outcome achieved: `x` with no ended, costed placement; `z` when none
/// of them achieved an outcome (the page's "no outcome achieved"); else whole pounds.
fn per_outcome_cell(c: &cost::ProvisionCost) -> String {
    match (c.ended_costed, c.cost_per_outcome_pence) {
        (0, _) => "x".into(),
        (_, None) => "z".into(),
        (_, Some(p)) => bare_pounds(Some(p)),
    }
}

/// Cost and duration by provider, as CSV: the same figures as the page's table.
pub async fn costs_csv(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    let page = load(&state, &session).await?;
    let out: Vec<Vec<String>> = page
        .costs
        .iter()
        .map(|c| {
            let r = &c.raw;
            let mut row = page.leading("Provider", &c.name);
            row.extend([
                r.placements.to_string(),
                bare_pounds(r.mean_weekly_pence),
                r.median_weeks.map(|w| format::decimal(w, 1)).unwrap_or_else(|| "x".into()),
                r.ended_costed.to_string(),
                if r.ended_costed == 0 { "x".into() } else { bare_pounds(Some(r.ended_cost_pence)) },
                r.achieved.to_string(),
                per_outcome_cell(r),
            ]);
            row
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &headers(&[
            "placements",
            "mean_weekly_cost_gbp",
            "median_weeks",
            "ended_costed",
            "ended_cost_gbp",
            "outcomes_achieved",
            "cost_per_outcome_achieved_gbp",
        ]),
        &out,
    );
    Ok(csv_response("commissioner-costs.csv", body))
}
