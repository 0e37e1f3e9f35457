//! The cost of exclusion: the published lifetime cost per permanently excluded pupil applied to
//! an LA's or England's exclusions, with the assumptions editable on the page (and in the URL).

use super::model::Explore;
use super::{public_page, sections};
use crate::auth::MaybeSignedIn;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;
use waymark_domain::AcademicYear;
use waymark_opendata::exclusions::Area;
use waymark_opendata::national::{thousands, IPPR_COST};

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
    cost_input: String,
    area_name: String,
    year: String,
    excluded: String,
    total: String,
    per_pupil: String,
    default_cost: String,
    source: &'static str,
    price_year: &'static str,
    errors: Vec<(&'static str, String)>,
}

/// Money in whole pounds, with billions and millions in words for the headline.
fn money(pounds: f64) -> String {
    if pounds >= 1e9 {
        format!("£{:.2} billion", pounds / 1e9)
    } else if pounds >= 1e6 {
        format!("£{:.1} million", pounds / 1e6)
    } else {
        format!("£{}", thousands(pounds))
    }
}

pub async fn page(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
    Query(p): Query<CostParams>,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), |nav| render(nav, &p))
}

fn render(nav: Nav, p: &CostParams) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let obs = &explore.obs;
    let mut errors = Vec::new();
    let detailed_years: Vec<i32> =
        obs.years(waymark_opendata::national::Measure::PermReason(waymark_opendata::exclusions::Reason::ALL[0]));
    let latest = obs.latest_detailed_year();
    let year = match p.year.parse::<AcademicYear>() {
        Ok(y) if detailed_years.contains(&y.0) => y.0,
        Ok(_) | Err(_) if !p.year.is_empty() => {
            errors.push((
                "year",
                format!(
                    "Choose a year from {} to {}: counts of exclusions are published for those years",
                    AcademicYear(detailed_years[0]),
                    AcademicYear(latest)
                ),
            ));
            latest
        }
        _ => latest,
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
        IPPR_COST.per_pupil
    } else {
        match p.cost.replace([',', '£', ' '], "").parse::<f64>() {
            Ok(c) if (0.0..=100_000_000.0).contains(&c) => c,
            _ => {
                errors.push(("cost", "Enter the cost per pupil in pounds, for example 370000".to_string()));
                IPPR_COST.per_pupil
            }
        }
    };
    let area_name = match &area {
        Area::La(n) => obs.data.las.by_number(*n).map_or_else(|| n.to_string(), |l| l.name.clone()),
        _ => "England".to_string(),
    };
    let excluded = obs.permanent_exclusions(year, &area);
    let mut areas: Vec<(String, String, bool)> = vec![("england".into(), "England".into(), area == Area::National)];
    let mut las: Vec<_> = obs.data.las.active_in(year).into_iter().filter(|l| !l.ons_code.is_empty()).collect();
    las.sort_by(|a, b| a.name.cmp(&b.name));
    areas.extend(las.iter().map(|l| (format!("{:03}", l.number), l.name.clone(), area == Area::La(l.number))));
    let page = CostPage {
        nav,
        sections: sections("/explore/cost"),
        areas,
        years: detailed_years.iter().rev().map(|y| (AcademicYear(*y).to_string(), *y == year)).collect(),
        cost_input: format!("{cost:.0}"),
        excluded: excluded.map_or_else(|| "not published (suppressed or no data)".into(), thousands),
        total: excluded.map_or_else(|| "cannot be calculated".into(), |n| money(n * cost)),
        per_pupil: money(cost),
        default_cost: money(IPPR_COST.per_pupil),
        source: IPPR_COST.source,
        price_year: IPPR_COST.price_year,
        area_name,
        year: AcademicYear(year).to_string(),
        errors,
    };
    Ok(page.render()?)
}
