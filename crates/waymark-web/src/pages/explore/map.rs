//! The map of England's LAs: a measure, a school type and a year, as a choropleth with a
//! legend and a sortable table of the same figures (also as CSV).

use super::model::Explore;
use super::{csv_response, public_page, sections};
use crate::auth::MaybeSignedIn;
use crate::charts::map::{choropleth, legend, MapArea, MapPoint};
use crate::charts::scale::{Scale, SEQUENTIAL};
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;
use waymark_domain::AcademicYear;
use waymark_opendata::boundaries::viewbox;
use waymark_opendata::exclusions::SchoolType;
use waymark_opendata::gias::Establishment;
use waymark_opendata::national::{Base, Measure, MeasureInfo};

/// The choices a map URL encodes (all optional: defaults are the latest permanent exclusion rate).
#[derive(Deserialize, Default)]
pub struct MapParams {
    #[serde(default)]
    measure: String,
    #[serde(default, rename = "type")]
    school_type: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    sort: String,
}

/// The parsed choices.
pub struct Choice {
    pub measure: Measure,
    pub info: MeasureInfo,
    pub school_type: SchoolType,
    pub year: i32,
    pub years: Vec<i32>,
    pub sort: &'static str,
}

pub fn school_type_code(st: SchoolType) -> &'static str {
    match st {
        SchoolType::Total => "total",
        SchoolType::Primary => "primary",
        SchoolType::Secondary => "secondary",
        SchoolType::Special => "special",
    }
}

impl Choice {
    /// Read the URL's choices; a value that is not recognised is a clear error listing what is.
    pub fn parse(explore: &Explore, p: &MapParams) -> Result<Choice, WebError> {
        let measure = if p.measure.is_empty() {
            Measure::Rate(Base::Perm)
        } else {
            Measure::from_code(&p.measure).ok_or_else(|| {
                let codes: Vec<String> = Measure::all().iter().map(|m| m.code()).collect();
                WebError::BadRequest(format!(
                    "There is no measure called “{}”. Measures: {}.",
                    p.measure,
                    codes.join(", ")
                ))
            })?
        };
        let info = measure.info();
        let school_type = match p.school_type.as_str() {
            "" => SchoolType::Total,
            code => SchoolType::ALL.into_iter().find(|t| school_type_code(*t) == code).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "“{code}” is not a school type. Choose total, primary, secondary or special."
                ))
            })?,
        };
        let school_type = if info.by_school_type { school_type } else { SchoolType::Total };
        let years = explore.obs.years(measure);
        let year = if p.year.is_empty() {
            *years.last().ok_or_else(|| WebError::Internal(format!("no years for {}", info.code)))?
        } else {
            let y: AcademicYear = p.year.parse().map_err(|e: String| WebError::BadRequest(format!("{e}.")))?;
            if !years.contains(&y.0) {
                let first = years.first().map(|y| AcademicYear(*y).to_string()).unwrap_or_default();
                let last = years.last().map(|y| AcademicYear(*y).to_string()).unwrap_or_default();
                return Err(WebError::BadRequest(format!(
                    "{} is published for {first} to {last}; there is no figure for {y}.",
                    info.label
                )));
            }
            y.0
        };
        let sort = match p.sort.as_str() {
            "name" => "name",
            "region" => "region",
            _ => "value",
        };
        Ok(Choice { measure, info, school_type, year, years, sort })
    }

    /// The query string for these choices with another sort.
    pub fn query(&self, sort: &str) -> String {
        format!(
            "measure={}&type={}&year={}&sort={sort}",
            self.info.code,
            school_type_code(self.school_type),
            AcademicYear(self.year)
        )
    }
}

/// The options of a `<select>`: (value, label, selected).
pub type SelectOptions = Vec<(String, String, bool)>;

pub struct TableRow {
    pub code: u16,
    pub name: String,
    pub region: String,
    pub shown: String,
    pub rank: String,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    heading: String,
    info: MeasureInfo,
    measure_groups: Vec<(&'static str, SelectOptions)>,
    school_types: Vec<(&'static str, &'static str, bool)>,
    by_school_type: bool,
    years: Vec<(String, bool)>,
    map_svg: String,
    legend_svg: String,
    rows: Vec<TableRow>,
    with_data: usize,
    without_data: usize,
    sort_links: Vec<(&'static str, &'static str, String, bool)>,
    csv_href: String,
    boundaries_label: &'static str,
    /// AP settings drawn as points (0 when no establishment register is loaded).
    ap_points: usize,
    headlines: Vec<waymark_opendata::national::Headline>,
}

fn measure_groups(current: Measure) -> Vec<(&'static str, SelectOptions)> {
    let group = |m: &Measure| match m {
        Measure::Rate(_) | Measure::Change(..) => "Exclusions and suspensions",
        Measure::LacOnePlusSusp | Measure::CinOnePlusSusp | Measure::CinPerm => {
            "Children looked after and children in need"
        }
        Measure::PermReason(_) => "Permanent exclusions by reason",
        Measure::SuspReason(_) => "Suspensions by reason",
        Measure::ApPlacements | Measure::ApUnregisteredShare | Measure::ApLaArranged => "Alternative provision",
        Measure::ColdSpot => "Cold spots",
    };
    let mut groups: Vec<(&'static str, SelectOptions)> = Vec::new();
    for m in Measure::all() {
        let g = group(&m);
        let item = (m.code(), m.info().label, m == current);
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, items)) => items.push(item),
            None => groups.push((g, vec![item])),
        }
    }
    groups
}

/// The figures for the chosen map, sorted as asked.
pub fn table_rows(explore: &Explore, c: &Choice) -> Vec<TableRow> {
    let mut rows: Vec<(TableRow, Option<f64>)> = explore
        .obs
        .map_rows(c.measure, c.school_type, c.year)
        .into_iter()
        .map(|r| {
            (
                TableRow {
                    code: r.la.number,
                    name: r.la.name.clone(),
                    region: r.la.region_name.clone(),
                    shown: r.cell.shown.clone(),
                    rank: r.rank.map(|n| n.to_string()).unwrap_or_default(),
                },
                r.cell.value,
            )
        })
        .collect();
    match c.sort {
        "name" => rows.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        "region" => rows.sort_by(|a, b| a.0.region.cmp(&b.0.region).then(a.0.name.cmp(&b.0.name))),
        _ => rows.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.name.cmp(&b.0.name),
        }),
    }
    rows.into_iter().map(|(r, _)| r).collect()
}

pub async fn map(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
    params: Query<MapParams>,
) -> Result<Response, WebError> {
    public_page(&state.pages, &uri, session.as_ref(), |nav| render_map(nav, &params, &state.config.establishments))
}

fn render_map(nav: Nav, params: &MapParams, establishments: &[Establishment]) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let c = Choice::parse(&explore, params)?;
    let rows = explore.obs.map_rows(c.measure, c.school_type, c.year);
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.cell.value).collect();
    let dp = if c.info.unit.contains("pupils") || c.info.unit == "placements" || c.info.unit.starts_with("index") {
        0
    } else {
        2
    };
    let scale = if matches!(c.measure, Measure::Change(..)) {
        Scale::diverging(&values, dp)
    } else {
        Scale::quantiles(&values, &SEQUENTIAL, dp)
    };
    let year_text = AcademicYear(c.year).to_string();
    let type_text = if c.info.by_school_type {
        format!(", {} schools", c.school_type.label().to_lowercase())
    } else {
        String::new()
    };
    let paths: Vec<Option<String>> = rows.iter().map(|r| explore.path_for(r.la.number, c.year)).collect();
    let areas: Vec<MapArea> = rows
        .iter()
        .zip(&paths)
        .filter_map(|(r, path)| {
            Some(MapArea {
                name: &r.la.name,
                path: path.as_deref()?,
                href: format!("/explore/la/{}", r.la.number),
                value: r.cell.value,
                shown: r.cell.shown.clone(),
            })
        })
        .collect();
    let heading = format!("{}{type_text}, {year_text}", c.info.label);
    let map_svg = choropleth(
        viewbox(),
        &heading,
        &format!(
            "A map of England's {} local authorities shaded by {}; the table below gives every figure.",
            areas.len(),
            c.info.label.to_lowercase()
        ),
        &areas,
        &scale,
        &ap_points(establishments),
    );
    let with_data = rows.iter().filter(|r| r.cell.value.is_some()).count();
    let page = MapPage {
        nav,
        sections: sections("/explore"),
        legend_svg: legend(&scale, c.info.unit),
        map_svg,
        heading,
        measure_groups: measure_groups(c.measure),
        school_types: SchoolType::ALL.iter().map(|t| (school_type_code(*t), t.label(), *t == c.school_type)).collect(),
        by_school_type: c.info.by_school_type,
        years: c.years.iter().rev().map(|y| (AcademicYear(*y).to_string(), *y == c.year)).collect(),
        without_data: rows.len() - with_data,
        with_data,
        rows: table_rows(&explore, &c),
        sort_links: [("value", "Highest first"), ("name", "Name"), ("region", "Region")]
            .into_iter()
            .map(|(key, label)| (key, label, format!("/explore?{}", c.query(key)), key == c.sort))
            .collect(),
        csv_href: format!("/explore.csv?{}", c.query(c.sort)),
        boundaries_label: waymark_opendata::boundaries::BoundaryVintage::for_year(c.year).label(),
        ap_points: establishments.len(),
        headlines: explore.obs.headlines(),
        info: c.info,
    };
    Ok(page.render()?)
}

/// Open AP settings from a loaded establishment register, as points.
fn ap_points(establishments: &[Establishment]) -> Vec<MapPoint> {
    establishments
        .iter()
        .filter_map(|e| {
            let (x, y) = waymark_opendata::boundaries::project(e.easting?, e.northing?);
            Some(MapPoint { x, y, label: format!("{} ({}, URN {})", e.name, e.type_name, e.urn) })
        })
        .collect()
}

pub async fn csv(params: Query<MapParams>) -> Result<Response, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let c = Choice::parse(&explore, &params)?;
    let year = AcademicYear(c.year).to_string();
    let rows: Vec<Vec<String>> = table_rows(&explore, &c)
        .into_iter()
        .map(|r| {
            vec![
                year.clone(),
                format!("{:03}", r.code),
                r.name,
                r.region,
                c.info.label.clone(),
                c.school_type.label().into(),
                r.shown,
                r.rank,
            ]
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &["academic_year", "la_number", "la_name", "region", "measure", "school_type", "value", "rank"],
        &rows,
    );
    Ok(csv_response(
        &format!("waymark-{}-{}-{}.csv", c.info.code, school_type_code(c.school_type), year.replace('/', "-")),
        body,
    ))
}
