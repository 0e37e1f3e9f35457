//! Cold spots: where excluded children have the poorest chance of a good education afterwards,
//! by a transparent index, with every component, its year and source shown, the rank
//! intervals, the method on its own page, and the LAs whose data is not available listed.

use super::model::Explore;
use super::{csv_response, public_page, sections};
use crate::auth::MaybeSignedIn;
use crate::format::decimal;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use waymark_domain::AcademicYear;
use waymark_opendata::national::{cold_spot_components, Observatory, COLD_SPOT_MEASURES, COLD_SPOT_MIN_COVERAGE};

pub struct Row {
    pub code: u16,
    pub name: String,
    pub score: String,
    /// "12 (5 to 30)": the rank, and the range it takes leaving out any one component.
    pub rank: String,
    /// Each component's figure as shown, then its rank (0 best, 100 worst).
    pub parts: Vec<(String, String)>,
    pub coverage: String,
    /// The components it has no figure for, or "None".
    pub missing: String,
}

/// A component as the pages describe it.
pub struct ComponentText {
    pub label: &'static str,
    pub weight: String,
    pub direction: &'static str,
    pub year: String,
    pub source: String,
    pub why: &'static str,
}

/// The components, in index order, for `year`.
fn component_texts(obs: &Observatory, year: i32) -> Vec<ComponentText> {
    cold_spot_components()
        .iter()
        .map(|c| ComponentText {
            label: c.label,
            weight: if c.weight > 0.0 { format!("{}%", decimal(c.weight * 100.0, 0)) } else { "0% (context)".into() },
            direction: if c.higher_is_worse { "Higher is nearer the cold end" } else { "Lower is nearer the cold end" },
            year: obs.cold_spot_year_label(c, year),
            source: obs.cold_spot_source(c, year),
            why: c.why,
        })
        .collect()
}

/// The index year, the components, the ranked LAs (coldest first) and those without a rank.
type Built = (i32, Vec<ComponentText>, Vec<Row>, Vec<Row>);

fn build(obs: &Observatory) -> Result<Built, WebError> {
    let index = obs.cold_spot_index().ok_or_else(|| WebError::Internal("no year for the cold-spot index".into()))?;
    let comps = component_texts(obs, index.year);
    let mut ranked = Vec::new();
    let mut missing = Vec::new();
    for r in index.rows {
        let parts = r
            .cells
            .iter()
            .zip(&r.ranked.scored.ranks)
            .map(|(cell, rank)| (cell.shown.clone(), rank.map_or_else(|| "no rank".into(), |r| decimal(r, 0))))
            .collect();
        let rank = match (r.ranked.rank, r.ranked.interval) {
            (Some(k), Some((lo, hi))) if lo == hi => format!("{k} (always {k})"),
            (Some(k), Some((lo, hi))) => format!("{k} ({lo} to {hi})"),
            _ => "No rank".into(),
        };
        let row = Row {
            code: r.la.number,
            name: r.la.name.clone(),
            score: r.ranked.scored.score.map_or_else(|| "Data not available".into(), |v| decimal(v, 0)),
            rank,
            parts,
            coverage: format!("{}%", decimal(r.ranked.scored.coverage * 100.0, 0)),
            missing: if r.missing.is_empty() { "None".into() } else { r.missing.join("; ") },
        };
        match r.ranked.rank {
            Some(k) => ranked.push((k, row)),
            None => missing.push(row),
        }
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
    missing.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((index.year, comps, ranked.into_iter().map(|(_, r)| r).collect(), missing))
}

#[derive(Template)]
#[template(path = "cold_spots.html")]
struct ColdSpotsPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    year: String,
    headers: Vec<String>,
    coldest: Vec<Row>,
    rows: Vec<Row>,
    missing: Vec<Row>,
    measures: &'static str,
    min_coverage: String,
    /// How many ranked LAs lack a component.
    partial: usize,
}

pub async fn page(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), render_page)
}

/// A column heading: the component, its year and its direction.
fn header(c: &ComponentText) -> String {
    format!("{}, {}", c.label, c.year)
}

fn render_page(nav: Nav) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let (year, comps, mut rows, missing) = build(&explore.obs)?;
    let rest = rows.split_off(5.min(rows.len()));
    let coldest = rows;
    let page = ColdSpotsPage {
        nav,
        sections: sections("/explore/cold-spots"),
        year: AcademicYear(year).to_string(),
        headers: comps.iter().map(header).collect(),
        partial: coldest.iter().chain(&rest).filter(|r| r.missing != "None").count(),
        coldest,
        rows: rest,
        missing,
        measures: COLD_SPOT_MEASURES,
        min_coverage: format!("{}%", decimal(COLD_SPOT_MIN_COVERAGE * 100.0, 0)),
    };
    Ok(page.render()?)
}

pub async fn csv() -> Result<Response, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let (year, comps, rows, missing) = build(&explore.obs)?;
    let mut head: Vec<String> = vec![
        "index_year".into(),
        "la_number".into(),
        "la_name".into(),
        "index".into(),
        "rank_and_range_leaving_one_component_out".into(),
        "weight_with_data".into(),
        "missing_components".into(),
    ];
    for c in &comps {
        let h = format!("{} ({}; weight {}; {})", c.label, c.year, c.weight, c.source);
        head.push(h.clone());
        head.push(format!("{h}: rank (0 best, 100 worst)"));
    }
    let body_rows: Vec<Vec<String>> = rows
        .iter()
        .chain(&missing)
        .map(|r| {
            let mut v = vec![
                AcademicYear(year).to_string(),
                format!("{:03}", r.code),
                r.name.clone(),
                r.score.clone(),
                r.rank.clone(),
                r.coverage.clone(),
                r.missing.clone(),
            ];
            for (shown, rank) in &r.parts {
                v.push(shown.clone());
                v.push(rank.clone());
            }
            v
        })
        .collect();
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    Ok(csv_response("waymark-cold-spots.csv", waymark_interchange::export::csv_table(&head_refs, &body_rows)))
}

#[derive(Template)]
#[template(path = "cold_spots_method.html")]
struct MethodPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    year: String,
    components: Vec<ComponentText>,
    min_coverage: String,
    measures: &'static str,
    ranked: usize,
    unranked: usize,
}

pub async fn method(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), render_method)
}

fn render_method(nav: Nav) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let (year, components, ranked, unranked) = build(&explore.obs)?;
    let page = MethodPage {
        nav,
        sections: sections("/explore/cold-spots"),
        year: AcademicYear(year).to_string(),
        components,
        min_coverage: format!("{}%", decimal(COLD_SPOT_MIN_COVERAGE * 100.0, 0)),
        measures: COLD_SPOT_MEASURES,
        ranked: ranked.len(),
        unranked: unranked.len(),
    };
    Ok(page.render()?)
}

/// The five coldest spots, for the home page: (LA number, name, rank text).
pub fn coldest_five(obs: &Observatory) -> Vec<(u16, String, String)> {
    obs.coldest(5)
        .into_iter()
        .map(|r| {
            let rank = match (r.ranked.rank, r.ranked.interval) {
                (Some(k), Some((lo, hi))) if lo != hi => {
                    format!("rank {k} ({lo} to {hi} leaving out any one component)")
                }
                (Some(k), _) => format!("rank {k}"),
                _ => String::new(),
            };
            (r.la.number, r.la.name.clone(), rank)
        })
        .collect()
}
