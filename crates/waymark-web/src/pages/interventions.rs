//! A pupil's interventions: the list at settings the caller can see, and a form to add one.

use crate::auth::{random_token, SignedIn};
use crate::format;
use crate::pages::layout::Nav;
use crate::pages::provision::{choices, error_for, field, read_form, store_errors, Choice, Field, FormData};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use waymark_store::interventions::{NewIntervention, KINDS};
use waymark_store::SessionInfo;

type Errors = Vec<(&'static str, String)>;

#[derive(Template)]
#[template(path = "interventions.html")]
struct Page {
    nav: Nav,
    pupil_id: i64,
    pupil_name: String,
    rows: Vec<Vec<String>>,
    errors: Errors,
    token: String,
    settings: Vec<Choice>,
    setting_error: Option<String>,
    kinds: Vec<Choice>,
    kind_error: Option<String>,
    fields: Vec<Field>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

async fn render(
    state: &AppState,
    session: &SessionInfo,
    pupil: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let list = state.store.interventions(&caller, pupil).await?;
    let (p, _) = state.store.get_pupil(&caller, pupil).await?;
    let (on_roll, _) = state.store.referral_options(&caller, pupil, today()).await.unwrap_or_default();
    let label = |code: &str| KINDS.iter().find(|(c, _)| *c == code).map_or(code.to_string(), |(_, l)| l.to_string());
    let rows = list
        .iter()
        .map(|r| {
            vec![
                label(&r.kind),
                r.setting.clone(),
                r.frequency.clone().unwrap_or_default(),
                r.delivered_by.clone().unwrap_or_default(),
                format::date(r.start_date),
                r.end_date.map(format::date).unwrap_or_else(|| "Continuing".into()),
                format!("{} of {}", r.sessions_attended, r.sessions_planned),
            ]
        })
        .collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let settings: Vec<(String, String)> = on_roll.into_iter().map(|(id, n)| (id.to_string(), n)).collect();
    let mut setting = get("setting_id");
    if setting.is_empty() && settings.len() == 1 {
        setting = settings[0].0.clone();
    }
    let kinds: Vec<(String, String)> = KINDS.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
    let page = Page {
        nav: Nav::for_session(session, "pupils"),
        pupil_id: pupil,
        pupil_name: p.display_name(),
        rows,
        token: Some(get("token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token),
        settings: choices(&settings, &setting),
        setting_error: error_for(&errors, "setting_id"),
        kinds: choices(&kinds, &get("kind")),
        kind_error: error_for(&errors, "kind"),
        fields: vec![
            field("frequency", "How often", "For example twice a week", "govuk-input--width-20", &form, &errors),
            field("delivered_by", "Delivered by", "", "govuk-input--width-20", &form, &errors),
            field("start", "Start date", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("end", "End date (optional)", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("sessions_planned", "Sessions planned", "", "govuk-input--width-3", &form, &errors),
            field("sessions_attended", "Sessions attended so far", "", "govuk-input--width-3", &form, &errors),
        ],
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let pupil: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    render(&state, &session, pupil, FormData::new(), Vec::new()).await
}

pub async fn record(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let pupil: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let form = read_form(form, &session)?;
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    let mut number = |k: &'static str, message: &str| {
        get(k).parse::<i64>().unwrap_or_else(|_| {
            errors.push((k, message.to_string()));
            0
        })
    };
    let setting_id = number("setting_id", "Choose where the intervention happens");
    let sessions_planned = number("sessions_planned", "Enter the sessions planned as a whole number");
    let sessions_attended = number("sessions_attended", "Enter the sessions attended as a whole number");
    let date = |k: &str| NaiveDate::parse_from_str(&get(k), "%Y-%m-%d").ok();
    let start = date("start");
    if start.is_none() {
        errors.push(("start", "Enter the start date as YYYY-MM-DD".into()));
    }
    let end = date("end");
    if end.is_none() && !get("end").is_empty() {
        errors.push(("end", "Enter the end date as YYYY-MM-DD, or leave it blank".into()));
    }
    let new = NewIntervention {
        pupil_id: pupil,
        setting_id,
        kind: get("kind"),
        frequency: get("frequency"),
        delivered_by: get("delivered_by"),
        start: start.unwrap_or_else(today),
        end,
        sessions_planned,
        sessions_attended,
        token: get("token"),
    };
    if let Err(e) = new.validate() {
        for f in e.0 {
            if !errors.iter().any(|(field, _)| *field == f.field) {
                errors.push((f.field, f.message));
            }
        }
    }
    if errors.is_empty() {
        match state.store.record_intervention(&session.user.caller(), &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/pupils/{pupil}/interventions")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render(&state, &session, pupil, form, errors).await
}
