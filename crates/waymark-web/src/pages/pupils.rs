//! The pupil list (search and paging) and the pupil page.

use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use waymark_domain::{ethnicity_label_or_code, AcademicYear};

const PER_PAGE: usize = 25;

struct Row {
    id: i64,
    name: String,
    upn: String,
    date_of_birth: String,
    year_group: String,
}

pub enum PageLink {
    Number(usize, String, bool),
    Gap,
}

#[derive(Template)]
#[template(path = "pupils.html")]
struct PupilsPage {
    nav: Nav,
    query: String,
    summary: String,
    rows: Vec<Row>,
    pages: Vec<PageLink>,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    /// Kept as text so a malformed page number shows page 1 rather than an error.
    #[serde(default)]
    page: String,
}

fn page_href(query: &str, page: usize) -> String {
    let mut params = Vec::new();
    if !query.is_empty() {
        params.push(format!("q={}", urlencode(query)));
    }
    params.push(format!("page={page}"));
    format!("/pupils?{}", params.join("&"))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Page numbers to show: first, last, and the current page with its neighbours.
fn page_links(query: &str, current: usize, last: usize) -> Vec<PageLink> {
    let mut links = Vec::new();
    let mut previous = 0;
    for n in 1..=last {
        if n == 1 || n == last || n.abs_diff(current) <= 1 {
            if previous != 0 && n > previous + 1 {
                links.push(PageLink::Gap);
            }
            links.push(PageLink::Number(n, page_href(query, n), n == current));
            previous = n;
        }
    }
    links
}

pub async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Html<String>, WebError> {
    let Query(params) = params.unwrap_or(Query(ListParams { q: String::new(), page: String::new() }));
    let query: String = params.q.trim().chars().take(100).collect();
    let page = params.page.parse::<usize>().unwrap_or(1).max(1);
    let today = chrono::Local::now().date_naive();
    let result = state.store.list_pupils(&session.user.caller(), &query, page, PER_PAGE, today).await?;
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
        })
        .collect();
    let page = PupilsPage {
        nav: Nav::for_session(&session, "pupils"),
        summary,
        rows,
        pages: page_links(&query, page.min(last), last),
        previous: (page > 1 && page <= last).then(|| page_href(&query, page - 1)),
        next: (page < last).then(|| page_href(&query, page + 1)),
        query,
    };
    Ok(Html(page.render()?))
}

struct EnrolmentRow {
    setting: String,
    registration: &'static str,
    start: String,
    end: String,
    reason: &'static str,
}

#[derive(Template)]
#[template(path = "pupil.html")]
struct PupilPage {
    nav: Nav,
    name: String,
    details: Vec<(&'static str, String)>,
    enrolments: Vec<EnrolmentRow>,
}

/// A pupil's page. A malformed id is "not found", like an id outside the caller's scope.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (pupil, enrolments) = state.store.get_pupil(&session.user.caller(), id).await?;
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
    Ok(Html(
        PupilPage { nav: Nav::for_session(&session, "pupils"), name: pupil.display_name(), details, enrolments }
            .render()?,
    ))
}
