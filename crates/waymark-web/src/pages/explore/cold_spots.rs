//! Cold spots: where an excluded child's chances look poorest, by a transparent index, with
//! every component shown, the method on its own page, and the LAs without data listed.

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
use waymark_opendata::exclusions::{Area, SchoolType};
use waymark_opendata::national::{cold_spot_components, Measure, COLD_SPOT_MEASURES, COLD_SPOT_MIN_COVERAGE};

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

/// The index year, the component headings, the scored LAs (coldest first) and those without a score.
type Built = (i32, Vec<String>, Vec<Row>, Vec<Row>);

fn build(explore: &Explore) -> Result<Built, WebError> {
    let obs = &explore.obs;
    let year = *obs
        .years(Measure::ColdSpot)
        .last()
        .ok_or_else(|| WebError::Internal("no year for the cold-spot index".into()))?;
    let comps = cold_spot_components();
    let years: Vec<i32> = comps.iter().map(|c| obs.component_year(c.measure, year)).collect();
    let headers = comps
        .iter()
        .zip(&years)
        .map(|(c, y)| format!("{}, {} ({})", c.measure.info().label, AcademicYear(*y), obs.source_for(c.measure, *y)))
        .collect();
    let mut scored = Vec::new();
    let mut missing = Vec::new();
    for r in obs.cold_spot_table(year) {
        let parts = comps
            .iter()
            .zip(&r.scored.ranks)
            .zip(&years)
            .map(|((c, rank), y)| {
                let cell = obs.cell(c.measure, SchoolType::Total, *y, &Area::La(r.la.number));
                (cell.shown, rank.map_or_else(|| "No data".into(), |r| decimal(r, 0)))
            })
            .collect();
        let rank = match (r.rank, r.rank_range) {
            (Some(k), Some((lo, hi))) if lo == hi => format!("{k} (always {k})"),
            (Some(k), Some((lo, hi))) => format!("{k} ({lo} to {hi})"),
            _ => "No rank".into(),
        };
        let row = Row {
            code: r.la.number,
            name: r.la.name.clone(),
            score: r.scored.score.map_or_else(|| "No data".into(), |v| decimal(v, 0)),
            rank,
            parts,
            coverage: format!("{}%", decimal(r.scored.coverage * 100.0, 0)),
            missing: if r.missing.is_empty() { "None".into() } else { r.missing.join("; ") },
        };
        match (r.scored.score, r.rank) {
            (Some(_), Some(k)) => scored.push((k, row)),
            _ => missing.push(row),
        }
    }
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
    Ok((year, headers, scored.into_iter().map(|(_, r)| r).collect(), missing))
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
    /// How many scored LAs lack a component.
    partial: usize,
}

pub async fn page(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), render_page)
}

fn render_page(nav: Nav) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let (year, headers, mut rows, missing) = build(&explore)?;
    let rest = rows.split_off(5.min(rows.len()));
    let coldest = rows;
    let page = ColdSpotsPage {
        nav,
        sections: sections("/explore/cold-spots"),
        year: AcademicYear(year).to_string(),
        headers,
        partial: coldest.iter().chain(&rest).filter(|r| r.missing != "None").count(),
        coldest,
        rows: rest,
        missing,
        measures: COLD_SPOT_MEASURES,
    };
    Ok(page.render()?)
}

pub async fn csv() -> Result<Response, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let (year, headers, rows, missing) = build(&explore)?;
    let mut head: Vec<String> = vec![
        "academic_year".into(),
        "la_number".into(),
        "la_name".into(),
        "index".into(),
        "rank_and_range_leaving_one_component_out".into(),
        "weight_with_data".into(),
        "missing_components".into(),
    ];
    for h in &headers {
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
    components: Vec<(String, String, String, String, String)>,
    min_coverage: String,
    measures: &'static str,
}

pub async fn method(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), render_method)
}

fn render_method(nav: Nav) -> Result<String, WebError> {
    let components = cold_spot_components()
        .into_iter()
        .map(|c| {
            let info = c.measure.info();
            let direction =
                if c.higher_is_worse { "Higher is nearer the cold end" } else { "Lower is nearer the cold end" };
            (
                info.label,
                format!("{}%", decimal(c.weight * 100.0, 0)),
                direction.to_string(),
                c.why.to_string(),
                info.source.to_string(),
            )
        })
        .collect();
    let page = MethodPage {
        nav,
        sections: sections("/explore/cold-spots"),
        components,
        min_coverage: format!("{}%", decimal(COLD_SPOT_MIN_COVERAGE * 100.0, 0)),
        measures: COLD_SPOT_MEASURES,
    };
    Ok(page.render()?)
}
