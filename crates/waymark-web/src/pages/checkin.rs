//! The daily check-in for a whole group, made to be entered in seconds from the keyboard (two
//! digits and a tab per pupil), and the group's week.

use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::pages::provision::{read_form, FormData};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Duration, NaiveDate};
use waymark_store::checkins::{CheckinEntry, READY_LABELS};
use waymark_store::placements::monday_of_week;
use waymark_store::{SessionInfo, StoreError};

#[derive(serde::Deserialize, Default)]
pub struct Day {
    #[serde(default)]
    date: String,
}

fn day_of(q: Result<Query<Day>, QueryRejection>) -> NaiveDate {
    let text = q.map(|q| q.0.date).unwrap_or_default();
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").unwrap_or_else(|_| chrono::Local::now().date_naive())
}

struct Line {
    pupil_id: i64,
    name: String,
    mood: String,
    ready: String,
    note: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    nav: Nav,
    group_id: i64,
    group: String,
    date: String,
    day_label: String,
    monday: String,
    lines: Vec<Line>,
    errors: Vec<(String, String)>,
    saved: bool,
}

async fn render(
    state: &AppState,
    session: &SessionInfo,
    group_id: i64,
    day: NaiveDate,
    form: Option<FormData>,
    errors: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let (group, roster) = state.store.checkin_roster(&session.user.caller(), group_id, day).await?;
    let saved = form.is_none() && roster.iter().any(|l| l.entry.is_some());
    let lines = roster
        .into_iter()
        .map(|l| {
            let typed =
                |k: &str| form.as_ref().map(|f| f.get(&format!("{k}_{}", l.pupil_id)).cloned().unwrap_or_default());
            let e = l.entry.as_ref();
            Line {
                mood: typed("mood").unwrap_or_else(|| e.map(|e| e.mood.to_string()).unwrap_or_default()),
                ready: typed("ready").unwrap_or_else(|| e.map(|e| e.ready.to_string()).unwrap_or_default()),
                note: typed("note").unwrap_or_else(|| e.map(|e| e.note.clone()).unwrap_or_default()),
                error: errors.iter().find(|(f, _)| *f == format!("mood_{}", l.pupil_id)).map(|(_, m)| m.clone()),
                pupil_id: l.pupil_id,
                name: l.name,
            }
        })
        .collect();
    let page = CheckinPage {
        nav: Nav::for_session(session, "settings"),
        group_id,
        group: group.name,
        date: day.to_string(),
        day_label: day.format("%A %-d %B %Y").to_string(),
        monday: monday_of_week(day).to_string(),
        lines,
        saved,
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((status, Html(page.render()?)).into_response())
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.parse().map_err(|_| WebError::NotFound)
}

pub async fn form(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    q: Result<Query<Day>, QueryRejection>,
) -> Result<Response, WebError> {
    render(&state, &session, id_of(&id)?, day_of(q), None, Vec::new()).await
}

/// Save the day: a pupil with neither mood nor readiness is left out (absent); half an answer is an error.
pub async fn record(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    q: Result<Query<Day>, QueryRejection>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let group_id = id_of(&id)?;
    let day = day_of(q);
    let form = read_form(form, &session)?;
    let caller = session.user.caller();
    let (_, roster) = state.store.checkin_roster(&caller, group_id, day).await?;
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    for line in &roster {
        let get =
            |k: &str| form.get(&format!("{k}_{}", line.pupil_id)).map(|v| v.trim().to_string()).unwrap_or_default();
        let (mood, ready, note) = (get("mood"), get("ready"), get("note"));
        if mood.is_empty() && ready.is_empty() {
            continue;
        }
        let entry = CheckinEntry {
            pupil_id: line.pupil_id,
            mood: mood.parse().unwrap_or(0),
            ready: ready.parse().unwrap_or(0),
            note,
        };
        if let Err(e) = entry.validate() {
            let why = e.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ");
            errors.push((format!("mood_{}", line.pupil_id), format!("{}: {why}", line.name)));
        }
        entries.push(entry);
    }
    if errors.is_empty() {
        match state.store.record_checkins(&caller, group_id, day, &entries).await {
            Ok(_) => return Ok(Redirect::to(&format!("/groups/{group_id}/checkin?date={day}")).into_response()),
            Err(StoreError::Invalid(e)) => errors.extend(e.0.into_iter().map(|f| (f.field.to_string(), f.message))),
            Err(e) => return Err(e.into()),
        }
    }
    render(&state, &session, group_id, day, Some(form), errors).await
}

#[derive(Template)]
#[template(path = "checkin_week.html")]
struct WeekPage {
    nav: Nav,
    group_id: i64,
    group: String,
    heading: String,
    days: Vec<(String, String)>,
    rows: Vec<(String, Vec<String>)>,
    previous: String,
    next: String,
    ready_labels: [&'static str; 3],
}

pub async fn week(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    q: Result<Query<Day>, QueryRejection>,
) -> Result<Response, WebError> {
    let group_id = id_of(&id)?;
    let monday = monday_of_week(day_of(q));
    let (group, lines) = state.store.checkin_week(&session.user.caller(), group_id, monday).await?;
    let days = (0..5)
        .map(|d| {
            let day = monday + Duration::days(d);
            (day.format("%A %-d %b").to_string(), day.to_string())
        })
        .collect();
    let rows = lines
        .into_iter()
        .map(|l| {
            let cells = l
                .days
                .iter()
                .map(|d| {
                    d.map_or_else(|| "–".to_string(), |(m, r)| format!("Mood {m}, {}", READY_LABELS[(r - 1) as usize]))
                })
                .collect();
            (l.name, cells)
        })
        .collect();
    let page = WeekPage {
        nav: Nav::for_session(&session, "settings"),
        group_id,
        group: group.name,
        heading: format!("Week of {}", format::date(monday)),
        days,
        rows,
        previous: (monday - Duration::days(7)).to_string(),
        next: (monday + Duration::days(7)).to_string(),
        ready_labels: READY_LABELS,
    };
    Ok(Html(page.render()?).into_response())
}
