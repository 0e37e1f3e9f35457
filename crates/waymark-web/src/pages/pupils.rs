//! The pupil list (search and paging) and the pupil page.

use crate::auth::check_csrf;
use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::Form;
use serde::Deserialize;
use waymark_domain::{ethnicity_label_or_code, AcademicYear};
use waymark_domain::{SenProvision, YearGroup};
use waymark_store::{PupilFilter, PupilRecords};

const PER_PAGE: usize = 25;

struct Row {
    id: i64,
    name: String,
    upn: String,
    date_of_birth: String,
    year_group: String,
    /// Where the pupil is on roll today, among the settings the user can see.
    settings: String,
    dual_registered: bool,
}

pub enum PageLink {
    Number(usize, String, bool),
    Gap,
}

#[derive(Template)]
#[template(path = "pupils.html")]
struct PupilsPage {
    nav: Nav,
    /// The search, shown back in the box; it never appears in a URL.
    query: String,
    summary: String,
    rows: Vec<Row>,
    pages: Vec<PageLink>,
    previous: Option<String>,
    next: Option<String>,
    /// For a search, the pages are forms that post the search again.
    search_pages: Option<SearchPages>,
    /// The filters in force, as (name, value) pairs for hidden fields and links.
    filter_fields: Vec<(&'static str, String)>,
    /// Settings in scope for the filter: (id, name, selected).
    setting_options: Vec<(i64, String, bool)>,
    /// Year groups for the filter: (number, label, selected).
    year_options: Vec<(i8, String, bool)>,
    /// SEN options: (code, label, selected).
    sen_options: Vec<(&'static str, &'static str, bool)>,
    fsm: bool,
    in_ap: bool,
    suspended: bool,
}

struct SearchPages {
    current: usize,
    last: usize,
}

#[derive(Deserialize)]
pub struct ListParams {
    /// Kept as text so a malformed page number shows page 1 rather than an error.
    #[serde(default)]
    page: String,
    #[serde(flatten)]
    filter: FilterParams,
}

/// The year groups the filter offers: Reception to Year 13.
const YEAR_GROUPS: std::ops::RangeInclusive<i8> = 0..=13;

/// The list's filters as sent (a GET form, or hidden fields of the search): no names, so
/// they may appear in URLs.
#[derive(Deserialize, Default)]
pub struct FilterParams {
    #[serde(default)]
    setting: String,
    #[serde(default)]
    sen: String,
    #[serde(default)]
    fsm: String,
    #[serde(default)]
    in_ap: String,
    #[serde(default)]
    suspended: String,
    #[serde(default)]
    year: String,
}

impl FilterParams {
    /// The filter, or a message naming the field that was not understood.
    fn parse(&self) -> Result<PupilFilter, WebError> {
        let tick = |name: &str, value: &str| match value {
            "" => Ok(false),
            "yes" => Ok(true),
            _ => Err(WebError::BadRequest(format!("The filter {name} must be ticked or not, not {value:?}."))),
        };
        let setting_id = match self.setting.as_str() {
            "" => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                WebError::BadRequest(format!("The setting filter must be a setting from the list, not {text:?}."))
            })?),
        };
        let sen = match self.sen.as_str() {
            "" => None,
            code => Some(
                SenProvision::from_code(code)
                    .ok_or_else(|| WebError::BadRequest(format!("The SEN filter must be N, K or E, not {code:?}.")))?,
            ),
        };
        let year_group = match self.year.as_str() {
            "" => None,
            text => {
                Some(text.parse::<i8>().ok().filter(|y| YEAR_GROUPS.contains(y)).map(YearGroup).ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "The year group filter must be a year group from the list, not {text:?}."
                    ))
                })?)
            }
        };
        Ok(PupilFilter {
            year_group,
            setting_id,
            sen,
            fsm: tick("free school meals", &self.fsm)?,
            in_ap_now: tick("in AP now", &self.in_ap)?,
            suspended_this_term: tick("suspended this term", &self.suspended)?,
        })
    }
}

/// The filter as (name, value) pairs, only those in force.
fn filter_fields(filter: &PupilFilter) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if let Some(id) = filter.setting_id {
        fields.push(("setting", id.to_string()));
    }
    if let Some(yg) = filter.year_group {
        fields.push(("year", yg.0.to_string()));
    }
    if let Some(sen) = filter.sen {
        fields.push(("sen", sen.code().to_string()));
    }
    for (on, name) in [(filter.fsm, "fsm"), (filter.in_ap_now, "in_ap"), (filter.suspended_this_term, "suspended")] {
        if on {
            fields.push((name, "yes".to_string()));
        }
    }
    fields
}

/// A search: posted, so names and UPNs stay out of URLs, logs and browser history.
#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
    #[serde(flatten)]
    filter: FilterParams,
}

/// A page of the list with the filters in force (values are ids, codes and "yes": nothing to escape).
fn page_href(page: usize, fields: &[(&'static str, String)]) -> String {
    let mut href = format!("/pupils?page={page}");
    for (name, value) in fields {
        href.push_str(&format!("&{name}={value}"));
    }
    href
}

/// Page numbers to show: first, last, and the current page with its neighbours.
fn page_links(current: usize, last: usize, fields: &[(&'static str, String)]) -> Vec<PageLink> {
    let mut links = Vec::new();
    let mut previous = 0;
    for n in 1..=last {
        if n == 1 || n == last || n.abs_diff(current) <= 1 {
            if previous != 0 && n > previous + 1 {
                links.push(PageLink::Gap);
            }
            links.push(PageLink::Number(n, page_href(n, fields), n == current));
            previous = n;
        }
    }
    links
}

/// Every pupil in scope, a page at a time (no search: a search is posted).
pub async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let Query(params) = params.unwrap_or(Query(ListParams { page: String::new(), filter: FilterParams::default() }));
    let page = params.page.parse::<usize>().unwrap_or(1).max(1);
    render_list(&state, &session, String::new(), params.filter.parse()?, page).await
}

/// A search by name or UPN, posted with the session's CSRF token.
pub async fn search(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Form(form): Form<SearchForm>,
) -> Result<Html<String>, WebError> {
    check_csrf(&session, &form.csrf)?;
    let query: String = form.q.trim().chars().take(100).collect();
    let page = form.page.parse::<usize>().unwrap_or(1).max(1);
    render_list(&state, &session, query, form.filter.parse()?, page).await
}

async fn render_list(
    state: &AppState,
    session: &waymark_store::SessionInfo,
    query: String,
    filter: PupilFilter,
    page: usize,
) -> Result<Html<String>, WebError> {
    let today = chrono::Local::now().date_naive();
    let caller = session.user.caller();
    let result = state.store.list_pupils_filtered(&caller, &query, filter, page, PER_PAGE, today).await?;
    let setting_options = state
        .store
        .list_settings(&caller)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name, filter.setting_id == Some(s.id)))
        .collect();
    let sen_options = [SenProvision::None, SenProvision::SenSupport, SenProvision::EhcPlan]
        .into_iter()
        .map(|sen| (sen.code(), sen.label(), filter.sen == Some(sen)))
        .collect();
    let fields = filter_fields(&filter);
    let last = result.total.div_ceil(PER_PAGE).max(1);
    let first_shown = (result.page - 1) * PER_PAGE + 1;
    let summary = if result.pupils.is_empty() {
        String::new()
    } else {
        format!("Showing {} to {} of {} pupils", first_shown, first_shown + result.pupils.len() - 1, result.total)
    };
    let rows = result
        .pupils
        .into_iter()
        .map(|p| Row {
            id: p.id,
            name: p.name,
            upn: p.upn,
            date_of_birth: format::date(p.date_of_birth),
            year_group: p.year_group.label(),
            settings: p.settings.join("; "),
            dual_registered: p.dual_registered,
        })
        .collect();
    let searching = !query.is_empty();
    let page_view = PupilsPage {
        nav: Nav::for_session(session, "pupils"),
        summary,
        rows,
        pages: if searching { Vec::new() } else { page_links(page.min(last), last, &fields) },
        previous: (!searching && page > 1 && page <= last).then(|| page_href(page - 1, &fields)),
        next: (!searching && page < last).then(|| page_href(page + 1, &fields)),
        filter_fields: fields,
        setting_options,
        sen_options,
        year_options: YEAR_GROUPS.map(|y| (y, YearGroup(y).label(), filter.year_group == Some(YearGroup(y)))).collect(),
        fsm: filter.fsm,
        in_ap: filter.in_ap_now,
        suspended: filter.suspended_this_term,
        search_pages: (searching && last > 1).then_some(SearchPages { current: page.min(last), last }),
        query,
    };
    Ok(Html(page_view.render()?))
}

struct EnrolmentRow {
    setting: String,
    registration: &'static str,
    start: String,
    end: String,
    reason: &'static str,
}

/// A table on the pupil page: caption, headers, rows of cells (already formatted).
struct RecordTable {
    id: &'static str,
    heading: &'static str,
    empty: &'static str,
    headers: Vec<&'static str>,
    /// Columns holding numbers, right-aligned.
    numeric: Vec<usize>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "pupil.html")]
struct PupilPage {
    nav: Nav,
    id: i64,
    name: String,
    details: Vec<(&'static str, String)>,
    enrolments: Vec<EnrolmentRow>,
    attendance_summary: Option<String>,
    tables: Vec<RecordTable>,
}

fn percent(n: u32, d: u32) -> String {
    if d == 0 {
        "No possible sessions".into()
    } else {
        format!("{}%", crate::format::decimal(f64::from(n) * 100.0 / f64::from(d), 1))
    }
}

fn reasons(r1: &str, r2: &Option<String>, r3: &Option<String>) -> String {
    [Some(r1), r2.as_deref(), r3.as_deref()]
        .into_iter()
        .flatten()
        .map(waymark_domain::exclusion::reason_label)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A stored code such as `persistent_disruption` as words: "Persistent disruption".
fn words(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn optional_date(d: Option<chrono::NaiveDate>) -> String {
    d.map(format::date).unwrap_or_default()
}

fn destination_label(code: &str) -> String {
    match code {
        "education" => "Education".into(),
        "apprenticeship" => "Apprenticeship".into(),
        "employment" => "Employment".into(),
        "neet" => "Not in education, employment or training".into(),
        "unknown" => "Not known".into(),
        other => other.to_string(),
    }
}

/// The record tables, in the order a teacher reads a pupil's story.
fn record_tables(r: &PupilRecords) -> Vec<RecordTable> {
    let attendance = RecordTable {
        id: "attendance",
        heading: "Attendance",
        empty: "No attendance is recorded at settings you can see.",
        headers: vec!["Year", "Term", "Setting", "Possible sessions", "Attended", "Attendance"],
        numeric: vec![3, 4, 5],
        rows: r
            .attendance
            .iter()
            .map(|a| {
                vec![
                    a.year.to_string(),
                    a.term.label().to_string(),
                    a.setting.clone(),
                    a.sessions.possible.to_string(),
                    a.sessions.attended.to_string(),
                    percent(a.sessions.attended, a.sessions.possible),
                ]
            })
            .collect(),
    };
    let incidents = RecordTable {
        id: "incidents",
        heading: "Behaviour incidents",
        empty: "No incidents are recorded.",
        headers: vec!["Date", "Setting", "Kind", "Severity", "Outcome"],
        numeric: vec![3],
        rows: r
            .incidents
            .iter()
            .map(|i| {
                vec![
                    format::date(i.incident_date),
                    i.setting.clone(),
                    words(&i.kind),
                    i.severity.to_string(),
                    words(&i.outcome),
                ]
            })
            .collect(),
    };
    let suspensions = RecordTable {
        id: "suspensions",
        heading: "Suspensions",
        empty: "No suspensions are recorded.",
        headers: vec!["Start", "Setting", "Category", "Days", "Reasons"],
        numeric: vec![3],
        rows: r
            .suspensions
            .iter()
            .map(|x| {
                vec![
                    format::date(x.start_date),
                    x.setting.clone(),
                    if x.category == "LNCH" { "Lunchtime".into() } else { "Suspension".into() },
                    format!("{}", x.length_days),
                    reasons(&x.reason_1, &x.reason_2, &x.reason_3),
                ]
            })
            .collect(),
    };
    let exclusions = RecordTable {
        id: "exclusions",
        heading: "Permanent exclusions",
        empty: "No permanent exclusions are recorded.",
        headers: vec!["Start", "Setting", "Reasons"],
        numeric: vec![],
        rows: r
            .exclusions
            .iter()
            .map(|x| {
                vec![format::date(x.start_date), x.setting.clone(), reasons(&x.reason_1, &x.reason_2, &x.reason_3)]
            })
            .collect(),
    };
    let referrals = RecordTable {
        id: "referrals",
        heading: "Referrals",
        empty: "No referrals are recorded.",
        headers: vec!["Date", "Referred by", "Reason", "Tier asked for"],
        numeric: vec![3],
        rows: r
            .referrals
            .iter()
            .map(|x| {
                vec![format::date(x.referral_date), x.setting.clone(), words(&x.reason), x.tier_requested.to_string()]
            })
            .collect(),
    };
    let placements = RecordTable {
        id: "placements",
        heading: "Placements and timetables",
        empty: "No placements are recorded.",
        headers: vec![
            "Provision",
            "Tier",
            "Started",
            "Planned end",
            "Ended",
            "Outcome",
            "Timetable (AP + mainstream sessions a week)",
        ],
        numeric: vec![1],
        rows: r
            .placements
            .iter()
            .map(|p| {
                let steps = p
                    .steps
                    .iter()
                    .map(|s| {
                        let part = if s.part_time() { " (part-time)" } else { "" };
                        format!(
                            "from {}: {} + {}{part}",
                            format::date(s.from_date),
                            s.ap_sessions,
                            s.mainstream_sessions
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                vec![
                    p.setting.clone(),
                    p.tier.to_string(),
                    format::date(p.start_date),
                    optional_date(p.planned_end_date),
                    optional_date(p.end_date),
                    words(p.outcome.as_deref().unwrap_or("")),
                    steps,
                ]
            })
            .collect(),
    };
    let assessments = RecordTable {
        id: "assessments",
        heading: "Assessments",
        empty: "No assessments are recorded.",
        headers: vec!["Date", "Setting", "Instrument", "Occasion", "Items answered"],
        numeric: vec![4],
        rows: r
            .assessments
            .iter()
            .map(|a| {
                let instrument = crate::pages::assessments::instrument_name(&a.instrument, a.version.as_deref());
                vec![
                    format::date(a.assessed_on),
                    a.setting.clone(),
                    instrument,
                    waymark_store::assessments::occasion_label(&a.occasion),
                    a.items.len().to_string(),
                ]
            })
            .collect(),
    };
    let interventions = RecordTable {
        id: "interventions",
        heading: "Interventions",
        empty: "No interventions are recorded.",
        headers: vec!["Kind", "Setting", "Started", "Ended", "Sessions attended of planned"],
        numeric: vec![4],
        rows: r
            .interventions
            .iter()
            .map(|i| {
                vec![
                    words(&i.kind),
                    i.setting.clone(),
                    format::date(i.start_date),
                    optional_date(i.end_date),
                    format!("{} of {}", i.sessions_attended, i.sessions_planned),
                ]
            })
            .collect(),
    };
    let destinations = RecordTable {
        id: "destinations",
        heading: "Destinations after key stage 4",
        empty: "No destinations are recorded.",
        headers: vec!["Key stage 4 year", "Destination", "Sustained"],
        numeric: vec![],
        rows: r
            .destinations
            .iter()
            .map(|d| {
                vec![
                    waymark_domain::AcademicYear(d.ks4_year as i32).to_string(),
                    destination_label(&d.destination),
                    format::yes_no(d.sustained).to_string(),
                ]
            })
            .collect(),
    };
    vec![
        attendance,
        incidents,
        suspensions,
        exclusions,
        referrals,
        placements,
        assessments,
        interventions,
        destinations,
    ]
}

/// A pupil's page. A malformed id is "not found", like an id outside the caller's scope.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let file = state.store.pupil_file(&session.user.caller(), id).await?;
    let (pupil, enrolments) = (&file.pupil, &file.enrolments);
    let r = &pupil.record;
    let year = AcademicYear::containing(chrono::Local::now().date_naive());
    let legal = format!("{} {}", r.legal_forename, r.legal_surname);
    let details = vec![
        ("Legal name", legal),
        ("UPN", r.upn.to_string()),
        ("Date of birth", format::date(r.date_of_birth)),
        ("Year group", format!("{} (for age, {year})", pupil.year_group(year).label())),
        ("Sex", r.sex.label().to_string()),
        ("Eligible for free school meals", format::yes_no(r.fsm_eligible).to_string()),
        ("SEN provision", r.sen.label().to_string()),
        ("Child in need", format::yes_no(r.child_in_need).to_string()),
        ("Looked after", format::yes_no(r.looked_after).to_string()),
        ("Ethnicity", r.ethnicity.as_deref().map(ethnicity_label_or_code).unwrap_or_else(|| "Not recorded".into())),
    ];
    let enrolments = enrolments
        .iter()
        .map(|e| EnrolmentRow {
            setting: e.setting_name.clone(),
            registration: e.record.registration.label(),
            start: format::date(e.record.start),
            end: e.record.end.map(format::date).unwrap_or_else(|| "Current".into()),
            reason: e.record.leaving_reason.map(|r| r.label()).unwrap_or(""),
        })
        .collect();
    let mut year_sessions = waymark_domain::attendance::SessionCounts::default();
    let latest = file.records.attendance.iter().map(|a| a.year).max();
    for a in file.records.attendance.iter().filter(|a| Some(a.year) == latest) {
        year_sessions.add(a.sessions);
    }
    let attendance_summary = latest.map(|y| {
        format!(
            "{}: attended {} of {} possible sessions ({})",
            y,
            year_sessions.attended,
            year_sessions.possible,
            percent(year_sessions.attended, year_sessions.possible)
        )
    });
    Ok(Html(
        PupilPage {
            nav: Nav::for_session(&session, "pupils"),
            id,
            name: pupil.display_name(),
            details,
            enrolments,
            attendance_summary,
            tables: record_tables(&file.records),
        }
        .render()?,
    ))
}
