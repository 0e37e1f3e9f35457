//! The Timpson review tracker: public to read; administrators record updates.

use super::{csv_response, sections};
use crate::auth::{self, MaybeSignedIn};
use crate::pages::layout::Nav;
use crate::pages::sign_in::form_rejection;
use crate::{format, AppState, WebError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use waymark_store::{Recommendation, Role, SessionInfo, StoreError, TimpsonChange, TimpsonStatus};

/// The review made 30 recommendations (CP 92, 2019); the tracker lists those identified.
const TOTAL_IN_REVIEW: usize = 30;

const THEMES: [(&str, &str); 4] = [
    ("leadership", "Ambitious leadership: setting high expectations for every child"),
    ("equipping", "Equipping: giving schools the skills and capacity to deliver"),
    ("incentivising", "Incentivising: creating the best conditions for every child"),
    ("safeguarding", "Safeguarding: ensuring no child misses out on education"),
];

fn theme_title(theme: &str) -> &'static str {
    THEMES.iter().find(|(t, _)| *t == theme).map_or("Other", |(_, title)| title)
}

fn tag_class(status: TimpsonStatus) -> &'static str {
    match status {
        TimpsonStatus::NotAssessed => "govuk-tag--grey",
        TimpsonStatus::NotStarted => "govuk-tag--red",
        TimpsonStatus::InProgress => "govuk-tag--yellow",
        TimpsonStatus::Implemented => "govuk-tag--green",
        TimpsonStatus::Dropped => "govuk-tag--orange",
    }
}

fn heading(rec: &Recommendation) -> String {
    match &rec.number {
        Some(n) => format!("Recommendation {n}"),
        None => format!("Recommendation {} (number to be confirmed)", rec.key),
    }
}

struct Row {
    key: String,
    number: Option<String>,
    text: String,
    who_acts: String,
    status: &'static str,
    tag_class: &'static str,
}

#[derive(Template)]
#[template(path = "timpson.html")]
struct TrackerPage {
    nav: Nav,
    sections: Vec<(&'static str, &'static str, bool)>,
    total_in_review: usize,
    recs: Vec<Recommendation>,
    by_status: Vec<(&'static str, usize)>,
    themes: Vec<(&'static str, &'static str, Vec<Row>)>,
    progress: Vec<(String, i64, i64, i64, String)>,
}

pub async fn tracker(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
) -> Result<Response, WebError> {
    let key = crate::cache::key(&uri);
    if let (None, Some(hit)) = (&session, key.as_deref().and_then(|k| state.pages.get(k))) {
        return Ok(hit.into_response());
    }
    let recs = state.store.timpson_recommendations().await?;
    let by_status = TimpsonStatus::ALL
        .into_iter()
        .map(|s| (s.label(), recs.iter().filter(|r| r.status == s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let themes = THEMES
        .iter()
        .map(|(theme, title)| {
            let rows = recs
                .iter()
                .filter(|r| r.theme == *theme)
                .map(|r| Row {
                    key: r.key.clone(),
                    number: r.number.clone(),
                    text: r.text.clone(),
                    who_acts: r.who_acts.clone(),
                    status: r.status.label(),
                    tag_class: tag_class(r.status),
                })
                .collect();
            (*theme, *title, rows)
        })
        .collect();
    let progress = state
        .store
        .timpson_progress()
        .await?
        .into_iter()
        .map(|p| (format::date(p.as_of), p.implemented, p.some_action, p.no_action, p.source))
        .collect();
    let page = TrackerPage {
        nav: Nav::from_option(session.as_ref(), "explore"),
        sections: sections("/explore/timpson"),
        total_in_review: TOTAL_IN_REVIEW,
        recs,
        by_status,
        themes,
        progress,
    };
    let html = Bytes::from(page.render()?);
    if let (None, Some(key)) = (&session, key) {
        state.pages.put(&key, html.clone());
    }
    Ok(Html(html).into_response())
}

pub async fn csv(State(state): State<AppState>) -> Result<Response, WebError> {
    let recs = state.store.timpson_recommendations().await?;
    let rows: Vec<Vec<String>> = recs
        .iter()
        .map(|r| {
            vec![
                r.number.clone().unwrap_or_else(|| "to be confirmed".into()),
                r.key.clone(),
                r.theme.clone(),
                r.text.clone(),
                r.who_acts.clone(),
                r.status.label().to_string(),
            ]
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &["number", "key", "theme", "recommendation", "who_acts", "status"],
        &rows,
    );
    Ok(csv_response("timpson-tracker.csv", body))
}

/// The published progress table as CSV.
pub async fn progress_csv(State(state): State<AppState>) -> Result<Response, WebError> {
    let rows: Vec<Vec<String>> = state
        .store
        .timpson_progress()
        .await?
        .into_iter()
        .map(|p| {
            vec![
                p.as_of.to_string(),
                p.implemented.to_string(),
                p.some_action.to_string(),
                p.no_action.to_string(),
                p.note,
                p.source,
            ]
        })
        .collect();
    let body = waymark_interchange::export::csv_table(
        &["as_of", "implemented", "some_action", "no_action", "note", "source"],
        &rows,
    );
    Ok(csv_response("timpson-published-progress.csv", body))
}

#[derive(Template)]
#[template(path = "timpson_item.html")]
struct ItemPage {
    nav: Nav,
    heading: String,
    theme: &'static str,
    tag_class: &'static str,
    rec: Recommendation,
    history: Vec<(String, &'static str, String, Option<String>)>,
    can_edit: bool,
    errors: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    form_number: String,
    form_text: String,
    form_note: String,
    form_evidence: String,
    form_as_of: String,
}

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    as_of: String,
}

fn is_admin(session: Option<&SessionInfo>) -> bool {
    session.is_some_and(|s| s.user.role == Role::Admin)
}

async fn render_item(
    state: &AppState,
    session: Option<&SessionInfo>,
    key: &str,
    form: Option<UpdateForm>,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, WebError> {
    let (rec, history) = state.store.timpson_recommendation(key).await?;
    let form = form.unwrap_or_else(|| UpdateForm {
        status: rec.status.code().into(),
        number: rec.number.clone().unwrap_or_default(),
        text: rec.text.clone(),
        as_of: chrono::Local::now().date_naive().to_string(),
        ..UpdateForm::default()
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = ItemPage {
        nav: Nav::from_option(session, "explore"),
        heading: heading(&rec),
        theme: theme_title(&rec.theme),
        tag_class: tag_class(rec.status),
        history: history
            .into_iter()
            .map(|u| (format::date(u.as_of), u.status.label(), u.note, u.evidence_url))
            .collect(),
        can_edit: is_admin(session),
        errors,
        statuses: TimpsonStatus::ALL.into_iter().map(|s| (s.code(), s.label(), s.code() == form.status)).collect(),
        form_number: form.number,
        form_text: form.text,
        form_note: form.note,
        form_evidence: form.evidence_url,
        form_as_of: form.as_of,
        rec,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn item(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    uri: Uri,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let cache_key = crate::cache::key(&uri);
    if let (None, Some(hit)) = (&session, cache_key.as_deref().and_then(|k| state.pages.get(k))) {
        return Ok(hit.into_response());
    }
    let response = render_item(&state, session.as_ref(), &key, None, Vec::new()).await?;
    let (None, Some(cache_key)) = (&session, cache_key) else {
        return Ok(response);
    };
    // Keep the anonymous rendering (a 404 for an unknown key never gets here).
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| WebError::Internal(e.to_string()))?;
    state.pages.put(&cache_key, bytes.clone());
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

/// Record an update (administrators only; anyone else gets "not found", as for pupils).
pub async fn update(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    Path(key): Path<String>,
    form: Result<Form<UpdateForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Some(session) = session.filter(|s| s.user.role == Role::Admin) else {
        return Err(WebError::NotFound);
    };
    let Form(form) = form.map_err(form_rejection)?;
    auth::check_csrf(&session, &form.csrf)?;
    let mut errors = Vec::new();
    let status = TimpsonStatus::from_code(&form.status);
    if status.is_none() {
        errors.push(("status", "Choose a status".to_string()));
    }
    let as_of = NaiveDate::parse_from_str(form.as_of.trim(), "%Y-%m-%d").ok();
    if as_of.is_none() {
        errors.push(("as_of", "Enter the date of the update as YYYY-MM-DD, for example 2023-03-07".to_string()));
    }
    if let (Some(status), Some(as_of)) = (status, as_of) {
        let blank_to_none = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let change = TimpsonChange {
            status,
            number: blank_to_none(&form.number),
            text: form.text.clone(),
            note: form.note.clone(),
            evidence_url: blank_to_none(&form.evidence_url),
            as_of,
        };
        match state.store.update_timpson(&session.user.caller(), &key, &change, chrono::Local::now().date_naive()).await
        {
            Ok(()) => {
                state.pages.clear();
                return Ok(Redirect::to(&format!("/explore/timpson/{key}")).into_response());
            }
            Err(StoreError::Invalid(e)) => errors.extend(e.0.into_iter().map(|f| (f.field, f.message))),
            Err(e) => return Err(e.into()),
        }
    }
    render_item(&state, Some(&session), &key, Some(form), errors).await
}
