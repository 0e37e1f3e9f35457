//! An LA's profile: trends against its region and England, reasons, rank, statistical
//! neighbours, alternative provision and the data that is missing.

use super::model::Explore;
use super::{csv_response, public_page, sections};
use crate::auth::MaybeSignedIn;
use crate::charts::lines::{line_chart, Series};
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::Uri;
use axum::response::Response;
use waymark_domain::AcademicYear;
use waymark_opendata::exclusions::{Area, Reason, SchoolType};
use waymark_opendata::gias::Establishment;
use waymark_opendata::las::LaInfo;
use waymark_opendata::national::{Base, Cell, Measure};
use waymark_opendata::AfterMeasure;

pub struct Trend {
    pub title: String,
    pub svg: String,
    /// The comparison area as named in the chart ("Inner London", not "London").
    pub region_name: String,
    pub rows: Vec<TrendRow>,
    /// "Source: X (2006/07 to 2016/17); Y (2017/18 to 2023/24)".
    pub sources: String,
}

/// The sources of a run of years, each with the years it covers.
fn sources_by_period(explore: &Explore, measure: Measure, years: &[i32]) -> String {
    let mut runs: Vec<(String, i32, i32)> = Vec::new();
    for &y in years {
        let source = explore.obs.source_for(measure, y);
        match runs.last_mut() {
            Some((s, _, last)) if *s == source => *last = y,
            _ => runs.push((source, y, y)),
        }
    }
    let parts: Vec<String> = runs
        .into_iter()
        .map(|(s, a, b)| {
            if a == b {
                format!("{s} ({})", AcademicYear(a))
            } else {
                format!("{s} ({} to {})", AcademicYear(a), AcademicYear(b))
            }
        })
        .collect();
    format!("Sources: {}.", parts.join("; "))
}

/// One year of a trend, as shown, with where its figures come from.
pub struct TrendRow {
    pub year: String,
    pub la: String,
    pub region: String,
    pub england: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "la.html")]
struct LaPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    la: LaInfo,
    status: String,
    trends: Vec<Trend>,
    region_note: String,
    reasons_year: String,
    reasons_source: String,
    ap_source: String,
    latest_year: String,
    reasons: Vec<(String, String, String, String, String)>,
    ranks: Vec<(String, String, String)>,
    neighbours: Vec<(u16, String, String)>,
    ap: Vec<(String, String)>,
    /// (name, URN, where the list comes from)
    ap_settings: Vec<(String, String, &'static str)>,
    gaps: Vec<(String, String, String)>,
    after: Vec<AfterLine>,
}

/// Find an LA by DfE number or ONS code; anything else is not found.
fn find<'a>(explore: &'a Explore, code: &str) -> Result<&'a LaInfo, WebError> {
    let code = code.trim_end_matches(".csv");
    let la = match code.parse::<u16>() {
        Ok(n) if code.len() == 3 => explore.obs.data.las.by_number(n),
        _ => explore.obs.data.las.by_ons_code(code),
    };
    la.filter(|l| !l.ons_code.is_empty()).ok_or(WebError::NotFound)
}

/// The region series for an LA's trend: its name (saying which half of London stands in where
/// London is not published), and per year the cell and the half used, if any.
fn region_series(
    explore: &Explore,
    la: &LaInfo,
    base: Base,
    years: &[i32],
) -> (String, Vec<(Cell, Option<&'static str>)>) {
    let cells: Vec<(Cell, Option<&'static str>)> =
        years.iter().map(|y| explore.obs.region_rate(base, SchoolType::Total, *y, la)).collect();
    let name = match cells.iter().find_map(|(_, used)| *used) {
        Some(h) if cells.iter().all(|(c, used)| used.is_some() || c.value.is_none()) => h.to_string(),
        Some(h) => format!("{h}, or {} where published", la.region_name),
        None => la.region_name.clone(),
    };
    (name, cells)
}

fn trend(explore: &Explore, la: &LaInfo, base: Base) -> Trend {
    let years = explore.obs.years(Measure::Rate(base));
    let series_for = |area: &Area| -> Vec<Cell> {
        years.iter().map(|y| explore.obs.rate(base, SchoolType::Total, *y, area)).collect()
    };
    let (region_name, theirs) = region_series(explore, la, base, &years);
    let (mine, england) = (series_for(&Area::La(la.number)), series_for(&Area::National));
    let labels: Vec<String> = years.iter().map(|y| AcademicYear(*y).to_string()).collect();
    let title = format!("{}, {} against {} and England", base.label(), la.name, region_name);
    let svg = line_chart(
        &title,
        "% of pupils",
        &labels,
        &[
            Series { name: la.name.clone(), values: mine.iter().map(|c| c.value).collect() },
            Series { name: region_name.clone(), values: theirs.iter().map(|(c, _)| c.value).collect() },
            Series { name: "England".into(), values: england.iter().map(|c| c.value).collect() },
        ],
    );
    let rows = (0..years.len())
        .map(|i| {
            let (cell, half) = &theirs[i];
            let region = match half {
                Some(h) => format!("{} ({h})", cell.shown),
                None => cell.shown.clone(),
            };
            TrendRow {
                year: labels[i].clone(),
                la: mine[i].shown.clone(),
                region,
                england: england[i].shown.clone(),
                source: format!(
                    "{}{}",
                    explore.obs.source_for(Measure::Rate(base), years[i]),
                    explore.obs.reattribution_note(years[i], la.number)
                ),
            }
        })
        .collect();
    let sources = sources_by_period(explore, Measure::Rate(base), &years);
    Trend { title, svg, region_name, rows, sources }
}

fn status(explore: &Explore, la: &LaInfo) -> String {
    let names = |ns: &[u16]| -> String {
        ns.iter()
            .filter_map(|n| explore.obs.data.las.by_number(*n))
            .map(|l| l.name.clone())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    match (la.last_year, la.successors.is_empty(), la.predecessors.is_empty()) {
        (Some(last), false, _) => {
            format!("Abolished after {}; succeeded by {}.", AcademicYear(last), names(&la.successors))
        }
        (_, _, false) => format!(
            "Formed in {} from {}.",
            la.first_year.map(|y| AcademicYear(y).to_string()).unwrap_or_default(),
            names(&la.predecessors)
        ),
        _ => String::new(),
    }
}

/// Exclusions by reason in the latest year with counts, per 10,000 (permanent) and per 100
/// (suspensions) pupils, against England: (reason, LA permanent, England, LA suspensions, England).
fn reasons_table(explore: &Explore, la: &LaInfo) -> Vec<(String, String, String, String, String)> {
    let obs = &explore.obs;
    let detailed = obs.latest_detailed_year();
    let area = Area::La(la.number);
    Reason::ALL
        .iter()
        .map(|r| {
            let p = obs.cell(Measure::PermReason(*r), SchoolType::Total, detailed, &area);
            let s = obs.cell(Measure::SuspReason(*r), SchoolType::Total, detailed, &area);
            let e = obs.cell(Measure::PermReason(*r), SchoolType::Total, detailed, &Area::National);
            let es = obs.cell(Measure::SuspReason(*r), SchoolType::Total, detailed, &Area::National);
            (r.label().to_string(), p.shown, e.shown, s.shown, es.shown)
        })
        .collect()
}

/// The LA's latest figure and rank on the headline measures: (measure and year, figure, rank).
fn ranks_table(explore: &Explore, la: &LaInfo) -> Vec<(String, String, String)> {
    let obs = &explore.obs;
    let mut ranks = Vec::new();
    for m in [
        Measure::Rate(Base::Perm),
        Measure::Rate(Base::Susp),
        Measure::Rate(Base::OnePlus),
        Measure::CinPerm,
        Measure::ColdSpot,
    ] {
        let Some(&year) = obs.years(m).last() else { continue };
        let rows = obs.map_rows(m, SchoolType::Total, year);
        let with_data = rows.iter().filter(|r| r.cell.value.is_some()).count();
        if let Some(r) = rows.iter().find(|r| r.la.number == la.number) {
            let rank = r.rank.map_or_else(|| "No rank (no data)".to_string(), |k| format!("{k} of {with_data}"));
            let info = m.info();
            let figure = match r.cell.value {
                Some(_) if info.unit == "%" => format!("{}%", r.cell.shown),
                Some(_) => format!("{} ({})", r.cell.shown, info.unit),
                None => r.cell.shown.clone(),
            };
            ranks.push((format!("{} ({})", info.label, AcademicYear(year)), figure, rank));
        }
    }
    ranks
}

/// One line of the "After exclusion" section: the LA's latest figure on a measure against
/// England's for the same year.
pub struct AfterLine {
    pub measure: String,
    pub year: String,
    pub la: String,
    pub england: String,
    pub source: String,
}

/// The measures of the "After exclusion" section, in the order shown.
const AFTER_SECTION: [AfterMeasure; 19] = [
    AfterMeasure::ApSchoolPupils,
    AfterMeasure::LaFundedApPlacements,
    AfterMeasure::SchoolArrangedAp,
    AfterMeasure::ApOfstedGoodPercent,
    AfterMeasure::PruEnrolments,
    AfterMeasure::PruAbsencePercent,
    AfterMeasure::PruPersistentAbsencePercent,
    AfterMeasure::PruExcludedSessionsPercent,
    AfterMeasure::CinPermanentExclusionPercent,
    AfterMeasure::CinSuspensionPercent,
    AfterMeasure::ClaPermanentExclusionPercent,
    AfterMeasure::CinInPru,
    AfterMeasure::CinApPersistentAbsencePercent,
    AfterMeasure::CinKs4EngMathsPercent,
    AfterMeasure::NeetNotKnownPercent,
    AfterMeasure::NeetNotKnownSenSupportPercent,
    AfterMeasure::NeetNotKnownEhcpPercent,
    AfterMeasure::ApLeaversSustainedPercent,
    AfterMeasure::MainstreamSustainedPercent,
];

fn with_unit(cell: &Cell, unit: &str) -> String {
    match cell.value {
        Some(_) if unit == "%" => format!("{}%", cell.shown),
        _ => cell.shown.clone(),
    }
}

/// The "After exclusion" section: each measure's latest year in which the LA existed, the LA's
/// figure and England's. Measures DfE publishes for England only say so in the LA column.
pub fn after_lines(explore: &Explore, la: &LaInfo) -> Vec<AfterLine> {
    let obs = &explore.obs;
    AFTER_SECTION
        .iter()
        .filter_map(|&m| {
            let measure = Measure::After(m);
            let info = measure.info();
            let national_only = m.info().national_only;
            let year = *obs.years(measure).iter().rev().find(|y| national_only || la.active_in(**y))?;
            let england = with_unit(&obs.cell(measure, SchoolType::Total, year, &Area::National), info.unit);
            let la_figure = if national_only {
                "Not published by LA".to_string()
            } else {
                let cell = obs.cell(measure, SchoolType::Total, year, &Area::La(la.number));
                let shown = with_unit(&cell, info.unit);
                match m {
                    // The share of AP schools with a good grade means little without how many schools.
                    AfterMeasure::ApOfstedGoodPercent if cell.value.is_some() => {
                        let n = obs.cell(
                            Measure::After(AfterMeasure::ApOfstedSchools),
                            SchoolType::Total,
                            year,
                            &Area::La(la.number),
                        );
                        format!("{shown} of {} schools", n.shown)
                    }
                    _ => shown,
                }
            };
            Some(AfterLine {
                measure: info.label,
                year: AcademicYear(year).to_string(),
                la: la_figure,
                england,
                source: obs.source_for(measure, year),
            })
        })
        .collect()
}

/// State-funded AP settings in the LA: from a loaded establishment register where there is one,
/// else DfE's school list, in which establishment numbers 1100 to 1199 are pupil referral units
/// and AP academies and free schools.
fn ap_settings(
    explore: &Explore,
    la: &LaInfo,
    establishments: &[Establishment],
) -> Vec<(String, String, &'static str)> {
    let mut list: Vec<(String, String, &'static str)> = if establishments.is_empty() {
        explore
            .obs
            .data
            .schools
            .iter()
            .filter(|s| s.la_number == la.number && (1100..1200).contains(&(s.laestab % 10_000)))
            .map(|s| (s.name.clone(), s.urn.to_string(), "DfE school list 2017/18"))
            .collect()
    } else {
        establishments
            .iter()
            .filter(|e| e.la_number == la.number)
            .map(|e| (format!("{} ({})", e.name, e.type_name), e.urn.to_string(), "establishment register"))
            .collect()
    };
    list.sort();
    list
}

/// `?table=` picks which of the profile's tables a `.csv` download holds.
#[derive(serde::Deserialize, Default)]
pub struct LaParams {
    #[serde(default)]
    table: String,
}

/// `/explore/la/{code}`: the profile page, or its CSV when the code ends in `.csv`.
pub async fn profile(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
    Path(code): Path<String>,
    Query(params): Query<LaParams>,
) -> Result<Response, WebError> {
    if code.ends_with(".csv") {
        return csv(&code, &params.table).await;
    }
    public_page(&state.pages, &uri, session.as_ref(), |nav| profile_page(nav, &code, &state.config.establishments))
}

fn profile_page(nav: Nav, code: &str, establishments: &[Establishment]) -> Result<String, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let la = find(&explore, code)?.clone();
    let obs = &explore.obs;
    let trends: Vec<Trend> = Base::ALL.iter().map(|b| trend(&explore, &la, *b)).collect();
    let detailed = obs.latest_detailed_year();
    let area = Area::La(la.number);
    let reasons = reasons_table(&explore, &la);
    let ranks = ranks_table(&explore, &la);
    let perm_latest = obs.latest_year();
    let neighbours = obs
        .neighbours(la.number, 5, perm_latest)
        .into_iter()
        .map(|(n, _)| {
            (n.number, n.name.clone(), obs.rate(Base::Perm, SchoolType::Total, perm_latest, &Area::La(n.number)).shown)
        })
        .collect();
    let ap = [Measure::ApPlacements, Measure::ApUnregisteredShare, Measure::ApLaArranged]
        .iter()
        .filter_map(|m| {
            obs.years(*m).last().map(|y| (m.info().label, obs.cell(*m, SchoolType::Total, *y, &area).shown))
        })
        .collect();
    let ap_settings = ap_settings(&explore, &la, establishments);
    let gaps = gap_rows(&explore, la.number);
    let page = LaPage {
        nav,
        sections: sections(""),
        status: status(&explore, &la),
        trends,
        region_note: "DfE's 2006/07 to 2016/17 tables publish Inner and Outer London rather than London; LAIT publishes London from 2022/23. A London borough is compared with its half of London where London is not published, and the line has a gap where neither is.".into(),
        reasons_year: AcademicYear(detailed).to_string(),
        latest_year: AcademicYear(perm_latest).to_string(),
        reasons_source: obs.source_for(Measure::PermReason(Reason::ALL[0]), detailed),
        ap_source: Measure::ApPlacements.info().source.to_string(),
        reasons,
        ranks,
        neighbours,
        ap,
        ap_settings,
        gaps,
        after: after_lines(&explore, &la),
        la,
    };
    Ok(page.render()?)
}

/// The measures with no figure for the LA, then the figures DfE does not publish by LA at all
/// (each with England's figure where there is one): (measure, year, why).
fn gap_rows(explore: &Explore, la: u16) -> Vec<(String, String, String)> {
    let obs = &explore.obs;
    let mut rows: Vec<(String, String, String)> =
        obs.gaps(la).into_iter().map(|(info, year, why)| (info.label, AcademicYear(year).to_string(), why)).collect();
    rows.extend(obs.unpublished_by_la().into_iter().map(|g| (g.what, g.year, g.why)));
    rows
}

/// The LA's trends as CSV.
pub async fn csv(code: &str, table: &str) -> Result<Response, WebError> {
    let explore = Explore::shared().map_err(WebError::Internal)?;
    let la = find(&explore, code)?.clone();
    let id = [format!("{:03}", la.number), la.name.clone()];
    let with_id = |rest: Vec<String>| -> Vec<String> { id.iter().cloned().chain(rest).collect() };
    let (headers, rows): (Vec<&str>, Vec<Vec<String>>) = match table {
        "" | "trends" => (
            vec!["la_number", "la_name", "measure", "academic_year", "la", "region", "england", "source"],
            Base::ALL
                .iter()
                .flat_map(|b| trend(&explore, &la, *b).rows.into_iter().map(move |r| (b.label(), r)))
                .map(|(b, r)| with_id(vec![b.to_string(), r.year, r.la, r.region, r.england, r.source]))
                .collect(),
        ),
        "reasons" => (
            vec![
                "la_number",
                "la_name",
                "reason",
                "permanent_per_10000",
                "england_permanent_per_10000",
                "suspensions_per_100",
                "england_suspensions_per_100",
            ],
            reasons_table(&explore, &la).into_iter().map(|(r, p, pe, s, se)| with_id(vec![r, p, pe, s, se])).collect(),
        ),
        "ranks" => (
            vec!["la_number", "la_name", "measure", "figure", "rank"],
            ranks_table(&explore, &la).into_iter().map(|(m, v, r)| with_id(vec![m, v, r])).collect(),
        ),
        "gaps" => (
            vec!["la_number", "la_name", "measure", "academic_year", "why_no_figure"],
            gap_rows(&explore, la.number).into_iter().map(|(m, y, why)| with_id(vec![m, y, why])).collect(),
        ),
        "after" => (
            vec!["la_number", "la_name", "measure", "academic_year", "la", "england", "source"],
            after_lines(&explore, &la)
                .into_iter()
                .map(|l| with_id(vec![l.measure, l.year, l.la, l.england, l.source]))
                .collect(),
        ),
        other => {
            return Err(WebError::BadRequest(format!(
                "There is no table called “{other}”. Tables: trends, reasons, ranks, after, gaps."
            )))
        }
    };
    let name = if table.is_empty() { "trends" } else { table };
    Ok(csv_response(
        &format!("waymark-la-{:03}-{name}.csv", la.number),
        waymark_interchange::export::csv_table(&headers, &rows),
    ))
}
