//! The cost of exclusion: the published lifetime cost per permanently excluded pupil applied to
//! an LA's or England's exclusions, with the assumptions editable on the page (and in the URL).

use super::model::Explore;
use super::{public_page, sections};
use crate::auth::MaybeSignedIn;
use crate::format::{decimal, thousands};
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use waymark_domain::AcademicYear;
use waymark_opendata::exclusions::Area;
use waymark_opendata::national::{Base, Measure, IPPR_COST};

#[derive(Deserialize, Default)]
pub struct CostParams {
    #[serde(default)]
    area: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    cost: String,
}

#[derive(Template)]
#[template(path = "cost.html")]
struct CostPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    areas: Vec<(String, String, bool)>,
    years: Vec<(String, bool)>,
    /// The cost as typed (kept as typed when it is wrong, so the reader can correct it).
    cost_input: String,
    area_name: String,
    year: String,
    /// The total, when every choice is valid and the count is published.
    total: Option<String>,
    excluded: String,
    counts_source: String,
    latest_counts: String,
    per_pupil: String,
    ippr_per_pupil: String,
    ippr_per_cohort: String,
    source: &'static str,
    price_year: &'static str,
    errors: Vec<(&'static str, String)>,
    /// The message for the cost field, shown by it.
    cost_error: Option<String>,
}

/// Money in whole pounds, with billions and millions in words for the headline.
fn money(pounds: f64) -> String {
    if pounds >= 1e9 {
        format!("£{} billion", decimal(pounds / 1e9, 2))
    } else if pounds >= 1e6 {
        format!("£{} million", decimal(pounds / 1e6, 1))
    } else {
        format!("£{}", thousands(pounds))
    }
}

/// The largest cost per pupil accepted: far above any published estimate, but a bound.
const MAX_COST: f64 = 100_000_000.0;

/// A cost per pupil as typed: whole pounds, with or without "£" and thousands commas.
fn parse_cost(text: &str) -> Result<f64, String> {
    let digits = text.trim().trim_start_matches('£').replace(',', "");
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match digits.parse::<f64>() {
        Ok(c) if valid && c > 0.0 && c <= MAX_COST => Ok(c),
        Ok(_) if valid => Err(format!("Enter a cost per pupil between £1 and £{}", thousands(MAX_COST))),
        _ => Err("Enter the cost per pupil in whole pounds, for example 370000".to_string()),
    }
}

pub async fn page(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
    Query(p): Query<CostParams>,
) -> Result<Response, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let choice = Choice::parse(&explore, &p);
    if choice.errors.is_empty() {
        return public_page(&state.pages, &uri, session.as_ref(), |nav| render(nav, &explore, &choice, &p));
    }
    // What was entered cannot be used: the form again with what is wrong, and no total; not cached.
    let nav = Nav::from_option(session.as_ref(), "explore");
    Ok((StatusCode::BAD_REQUEST, Html(render(nav, &explore, &choice, &p)?)).into_response())
}

/// The page's choices, with an error for each that cannot be used.
struct Choice {
    year: i32,
    area: Area,
    cost: Option<f64>,
    errors: Vec<(&'static str, String)>,
}

impl Choice {
    fn parse(explore: &Explore, p: &CostParams) -> Choice {
        let obs = &explore.obs;
        let mut errors = Vec::new();
        let years = counted_years(explore);
        let latest = obs.latest_detailed_year();
        let year = match p.year.parse::<AcademicYear>() {
            Ok(y) if years.contains(&y.0) => y.0,
            _ if p.year.is_empty() => latest,
            _ => {
                errors.push((
                    "year",
                    format!(
                        "Choose a year from {} to {}: counts of exclusions are published for those years",
                        AcademicYear(years[0]),
                        AcademicYear(latest)
                    ),
                ));
                latest
            }
        };
        let area = match p.area.as_str() {
            "" | "england" => Area::National,
            code => match code.parse::<u16>().ok().and_then(|n| obs.data.las.by_number(n)) {
                Some(la) => Area::La(la.number),
                None => {
                    errors.push(("area", format!("“{code}” is not an LA number; choose from the list")));
                    Area::National
                }
            },
        };
        let cost = if p.cost.trim().is_empty() {
            Some(IPPR_COST.per_pupil)
        } else {
            parse_cost(&p.cost).map_err(|e| errors.push(("cost", e))).ok()
        };
        Choice { year, area, cost, errors }
    }
}

fn counted_years(explore: &Explore) -> Vec<i32> {
    explore.obs.years(waymark_opendata::national::Measure::PermReason(waymark_opendata::exclusions::Reason::ALL[0]))
}

fn render(nav: Nav, explore: &Explore, c: &Choice, p: &CostParams) -> Result<String, WebError> {
    let obs = &explore.obs;
    let area_name = match &c.area {
        Area::La(n) => obs.data.las.by_number(*n).map_or_else(|| n.to_string(), |l| l.name.clone()),
        _ => "England".to_string(),
    };
    let excluded = obs.permanent_exclusions(c.year, &c.area);
    let mut areas: Vec<(String, String, bool)> = vec![("england".into(), "England".into(), c.area == Area::National)];
    let mut las: Vec<_> = obs.data.las.active_in(c.year).into_iter().filter(|l| !l.ons_code.is_empty()).collect();
    las.sort_by(|a, b| a.name.cmp(&b.name));
    areas.extend(las.iter().map(|l| (format!("{:03}", l.number), l.name.clone(), c.area == Area::La(l.number))));
    let total = match (c.errors.is_empty(), excluded, c.cost) {
        (true, Some(n), Some(cost)) => Some(money(n * cost)),
        _ => None,
    };
    let cost_input = match c.cost {
        Some(cost) if !c.errors.iter().any(|(f, _)| *f == "cost") => format!("{cost:.0}"),
        _ => p.cost.clone(),
    };
    let page = CostPage {
        nav,
        sections: sections("/explore/cost"),
        areas,
        years: counted_years(explore).iter().rev().map(|y| (AcademicYear(*y).to_string(), *y == c.year)).collect(),
        cost_input,
        excluded: excluded.map_or_else(
            || "not published (suppressed or no data)".into(),
            |n| format!("{} {}", thousands(n), if n == 1.0 { "pupil" } else { "pupils" }),
        ),
        total,
        counts_source: match &c.area {
            Area::La(n) => {
                format!("{}{}", obs.source_for(Measure::Rate(Base::Perm), c.year), obs.reattribution_note(c.year, *n))
            }
            _ => obs.source_for(Measure::Rate(Base::Perm), c.year),
        },
        latest_counts: AcademicYear(obs.latest_detailed_year()).to_string(),
        per_pupil: c.cost.map_or_else(|| "not given".into(), money),
        ippr_per_pupil: money(IPPR_COST.per_pupil),
        ippr_per_cohort: format!("£{} billion", decimal(IPPR_COST.per_cohort / 1e9, 1)),
        source: IPPR_COST.source,
        price_year: IPPR_COST.price_year,
        area_name,
        year: AcademicYear(c.year).to_string(),
        cost_error: c.errors.iter().find(|(f, _)| *f == "cost").map(|(_, m)| m.clone()),
        errors: c.errors.clone(),
    };
    Ok(page.render()?)
}
