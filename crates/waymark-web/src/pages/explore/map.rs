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
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
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
    /// The school types with a figure for this measure and year (only Total where the measure is
    /// not published by school type).
    pub types: Vec<SchoolType>,
    pub sort: &'static str,
    /// What was changed to make the choice possible ("not published for 2019/20; showing …").
    pub notices: Vec<String>,
}

/// A choice no map can show: (the form field it concerns, what to do about it).
pub type FormErrors = Vec<(&'static str, String)>;

pub fn school_type_code(st: SchoolType) -> &'static str {
    match st {
        SchoolType::Total => "total",
        SchoolType::Primary => "primary",
        SchoolType::Secondary => "secondary",
        SchoolType::Special => "special",
    }
}

/// The published year nearest to `year` (the later one when two are as near).
fn nearest(years: &[i32], year: i32) -> Option<i32> {
    years.iter().copied().min_by_key(|y| ((y - year).abs(), -y))
}

impl Choice {
    /// Read the URL's choices. The form cannot know, without JavaScript, which years and types
    /// the newly chosen measure has, so a year the measure lacks snaps to its nearest published
    /// year, and a school type without figures to all schools, each with a notice. Only what no
    /// form offers (an unknown measure or type, a year outside every measure's range, text that
    /// is not a year) is an error, listing what is wrong.
    pub fn parse(explore: &Explore, p: &MapParams) -> Result<Choice, FormErrors> {
        let obs = &explore.obs;
        let mut errors = FormErrors::new();
        let measure = match p.measure.as_str() {
            "" => Measure::Rate(Base::Perm),
            code => Measure::from_code(code).unwrap_or_else(|| {
                errors
                    .push(("measure", format!("There is no measure called “{code}”. Choose a measure from the list.")));
                Measure::Rate(Base::Perm)
            }),
        };
        let asked_type = match p.school_type.as_str() {
            "" => SchoolType::Total,
            code => SchoolType::ALL.into_iter().find(|t| school_type_code(*t) == code).unwrap_or_else(|| {
                errors.push((
                    "type",
                    format!("“{code}” is not a school type. Choose total, primary, secondary or special."),
                ));
                SchoolType::Total
            }),
        };
        let info = measure.info();
        let years = obs.years(measure);
        let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
            return Err(vec![("measure", format!("{} has no published years.", info.label))]);
        };
        let span = all_years(explore);
        let mut notices = Vec::new();
        let year = match p.year.as_str() {
            "" => last,
            text => match text.parse::<AcademicYear>() {
                Ok(y) if years.contains(&y.0) => y.0,
                Ok(y) if span.contains(&y.0) => {
                    let near = nearest(&years, y.0).unwrap_or(last);
                    notices.push(format!(
                        "{} is published for {} to {}, not for {y}: this is {}, the nearest year it is.",
                        info.label,
                        AcademicYear(first),
                        AcademicYear(last),
                        AcademicYear(near)
                    ));
                    near
                }
                Ok(y) => {
                    errors.push((
                        "year",
                        format!(
                            "There are no figures for {y}. Choose a year from {} to {}.",
                            AcademicYear(*span.start()),
                            AcademicYear(*span.end())
                        ),
                    ));
                    last
                }
                Err(e) => {
                    errors.push(("year", format!("{e}. Choose a year from the list.")));
                    last
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let types = if info.by_school_type {
            SchoolType::ALL
                .into_iter()
                .filter(|t| obs.map_rows(measure, *t, year).iter().any(|r| r.cell.value.is_some()))
                .collect()
        } else {
            vec![SchoolType::Total]
        };
        let school_type = if !info.by_school_type {
            SchoolType::Total
        } else if types.contains(&asked_type) {
            asked_type
        } else {
            notices.push(format!(
                "{} has no figures for {} schools in {}: this is all schools.",
                info.label,
                asked_type.label().to_lowercase(),
                AcademicYear(year)
            ));
            SchoolType::Total
        };
        let sort = match p.sort.as_str() {
            "name" => "name",
            "region" => "region",
            _ => "value",
        };
        Ok(Choice { measure, info, school_type, year, years, types, sort, notices })
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

/// Every year some measure is published for: the years the form can ever offer.
fn all_years(explore: &Explore) -> std::ops::RangeInclusive<i32> {
    let years: Vec<i32> = Measure::all().into_iter().flat_map(|m| explore.obs.years(m)).collect();
    years.iter().copied().min().unwrap_or(0)..=years.iter().copied().max().unwrap_or(0)
}

/// London's boroughs are drawn again, enlarged, in the map's inset.
const LONDON_REGION: &str = "E12000007";

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
    /// What happens after exclusion, computed from the data.
    after_headlines: Vec<waymark_opendata::national::Headline>,
    /// The seed's figures that the data cannot give.
    quoted: &'static [waymark_opendata::national::QuotedFigure],
    /// Where this year's figures come from.
    source: String,
    notices: Vec<String>,
    errors: FormErrors,
}

fn measure_groups(explore: &Explore, current: Measure) -> Vec<(&'static str, SelectOptions)> {
    let group = |m: &Measure| match m {
        Measure::Rate(_) | Measure::Change(..) => "Exclusions and suspensions",
        Measure::LacOnePlusSusp | Measure::CinOnePlusSusp | Measure::CinPerm => {
            "Children looked after and children in need"
        }
        Measure::PermReason(_) => "Permanent exclusions by reason",
        Measure::SuspReason(_) => "Suspensions by reason",
        Measure::ApPlacements | Measure::ApUnregisteredShare | Measure::ApLaArranged => "Alternative provision",
        Measure::After(a) => after_group(*a),
        Measure::ColdSpot => "Cold spots",
    };
    let mut groups: Vec<(&'static str, SelectOptions)> = Vec::new();
    for m in Measure::all() {
        let g = group(&m);
        // The years in the label, so a reader sees what each measure covers before choosing.
        let years = explore.obs.years(m);
        let span = match (years.first(), years.last()) {
            (Some(a), Some(b)) if a == b => format!(" ({})", AcademicYear(*a)),
            (Some(a), Some(b)) => format!(" ({} to {})", AcademicYear(*a), AcademicYear(*b)),
            _ => String::new(),
        };
        let item = (m.code(), format!("{}{span}", m.info().label), m == current);
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, items)) => items.push(item),
            None => groups.push((g, vec![item])),
        }
    }
    groups
}

/// The group of an after-exclusion measure in the measure list.
fn after_group(m: waymark_opendata::AfterMeasure) -> &'static str {
    use waymark_opendata::AfterMeasure::*;
    match m {
        ApSchoolPupils | LaFundedApPlacements | SchoolArrangedAp | ApSchoolSenPercent | ApSchoolEhcpPercent
        | ApSchoolFsmPercent => "After exclusion: places in alternative provision",
        ApOfstedGoodPercent | ApOfstedSchools => "After exclusion: quality of AP schools (Ofsted)",
        PruEnrolments | PruAbsencePercent | PruPersistentAbsencePercent | PruExcludedSessionsPercent => {
            "After exclusion: attendance in pupil referral units"
        }
        NeetNotKnownPercent | NeetNotKnownSenSupportPercent | NeetNotKnownEhcpPercent | NeetNotKnownNoSenPercent => {
            "After exclusion: 16-17 year olds not in education, employment or training"
        }
        ApLeavers
        | ApLeaversSustainedPercent
        | StatePlaceApSustainedPercent
        | MainstreamSustainedPercent
        | ApLeaversNotSustainedPercent => "After exclusion: destinations",
        _ => "After exclusion: children with a social worker",
    }
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
    // A visitor's page already rendered is served before the choices are parsed again: parsing
    // works out which school types have figures, a pass over every LA (measured: half the cached
    // throughput). Only valid choices are ever stored, so a hit needs no parsing.
    if session.is_none() {
        if let Some(page) = crate::cache::key(&uri).and_then(|k| state.pages.get(&k)) {
            return Ok(page.into_response());
        }
    }
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let establishments = &state.config.establishments;
    match Choice::parse(&explore, &params) {
        Ok(c) => public_page(&state.pages, &uri, session.as_ref(), |nav| {
            render_map(nav, &explore, &c, Vec::new(), establishments)
        }),
        // A URL no form offers: the default map with the form and what was wrong, not cached.
        Err(errors) => {
            let nav = Nav::from_option(session.as_ref(), "explore");
            let c = Choice::parse(&explore, &MapParams::default()).map_err(|e| WebError::Internal(format!("{e:?}")))?;
            let html = render_map(nav, &explore, &c, errors, establishments)?;
            Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
        }
    }
}

fn render_map(
    nav: Nav,
    explore: &Explore,
    c: &Choice,
    errors: FormErrors,
    establishments: &[Establishment],
) -> Result<String, WebError> {
    let rows = explore.obs.map_rows(c.measure, c.school_type, c.year);
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.cell.value).collect();
    let dp = if c.info.unit.contains("pupils")
        || c.info.unit == "placements"
        || c.info.unit == "schools"
        || c.info.unit.starts_with("index")
    {
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
                inset: r.la.region_code == LONDON_REGION,
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
        measure_groups: measure_groups(explore, c.measure),
        school_types: c.types.iter().map(|t| (school_type_code(*t), t.label(), *t == c.school_type)).collect(),
        by_school_type: c.info.by_school_type,
        years: c.years.iter().rev().map(|y| (AcademicYear(*y).to_string(), *y == c.year)).collect(),
        without_data: rows.len() - with_data,
        with_data,
        rows: table_rows(explore, c),
        sort_links: [("value", "Highest first"), ("name", "Name"), ("region", "Region")]
            .into_iter()
            .map(|(key, label)| (key, label, format!("/explore?{}", c.query(key)), key == c.sort))
            .collect(),
        csv_href: format!("/explore.csv?{}", c.query(c.sort)),
        boundaries_label: waymark_opendata::boundaries::BoundaryVintage::for_year(c.year).label(),
        ap_points: establishments.len(),
        headlines: explore.obs.headlines(),
        after_headlines: explore.obs.after_headlines(),
        quoted: waymark_opendata::national::QUOTED,
        source: explore.obs.source_for(c.measure, c.year),
        notices: c.notices.clone(),
        errors,
        info: c.info.clone(),
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
    let c = Choice::parse(&explore, &params)
        .map_err(|errors| WebError::BadRequest(errors.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" ")))?;
    let year = AcademicYear(c.year).to_string();
    let source = explore.obs.source_for(c.measure, c.year);
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
                source.clone(),
            ]
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &["academic_year", "la_number", "la_name", "region", "measure", "school_type", "value", "rank", "source"],
        &rows,
    );
    Ok(csv_response(
        &format!("waymark-{}-{}-{}.csv", c.info.code, school_type_code(c.school_type), year.replace('/', "-")),
        body,
    ))
}
