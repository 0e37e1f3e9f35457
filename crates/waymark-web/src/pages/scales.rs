//! A provision's own assessment scales: the ones it has defined (items, range, direction) and a
//! form to define another. Pupils' answers are recorded on the assessments page and scored by
//! `waymark_domain::instruments::custom`.

use crate::auth::{random_token, SignedIn};
use crate::pages::layout::Nav;
use crate::pages::provision::{choices, error_for, field, read_form, store_errors, Choice, Field, FormData};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use waymark_domain::instruments::custom::MAX_ITEMS;
use waymark_domain::instruments::CustomScale;
use waymark_store::SessionInfo;

type Errors = Vec<(&'static str, String)>;

/// One defined scale, as the page lists it.
struct ScaleRow {
    name: String,
    items: Vec<String>,
    range: String,
    direction: &'static str,
    needed: String,
}

#[derive(Template)]
#[template(path = "scales.html")]
struct ScalesPage {
    nav: Nav,
    setting_id: i64,
    setting: String,
    scales: Vec<ScaleRow>,
    errors: Errors,
    token: String,
    /// Name, items, lowest and highest answer.
    fields: Vec<Field>,
    /// How many must be answered (after the direction).
    last: Vec<Field>,
    directions: Vec<Choice>,
    direction_error: Option<String>,
    max_items: usize,
}

async fn render(
    state: &AppState,
    session: &SessionInfo,
    setting_id: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let setting = state.store.get_setting(&caller, setting_id).await?;
    let scales = state
        .store
        .custom_scales(&caller)
        .await?
        .into_iter()
        .filter(|s| s.setting_id == setting_id)
        .map(|s| ScaleRow {
            range: format!("{} to {}", s.scale.min, s.scale.max),
            direction: s.scale.direction_label(),
            needed: if s.scale.required_answers() < s.scale.items.len() {
                format!("{} of {}", s.scale.required_answers(), s.scale.items.len())
            } else {
                "Every item".into()
            },
            name: s.scale.name,
            items: s.scale.items,
        })
        .collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let directions =
        [("higher".to_string(), "Higher is better".to_string()), ("lower".into(), "Lower is better".into())];
    let page = ScalesPage {
        nav: Nav::for_session(session, "settings"),
        setting_id,
        setting: setting.name,
        scales,
        token: Some(get("token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token),
        fields: vec![
            field("name", "Name of the scale", "For example, Ready to learn", "govuk-input--width-20", &form, &errors),
            field(
                "items",
                "Items",
                "One statement or question a line, in the order the form asks them",
                "textarea",
                &form,
                &errors,
            ),
            field("min", "Lowest answer", "A whole number, for example 1", "govuk-input--width-3", &form, &errors),
            field("max", "Highest answer", "A whole number, for example 5", "govuk-input--width-3", &form, &errors),
        ],
        last: vec![field(
            "min_answered",
            "Items that must be answered for a score (optional)",
            "Leave empty if every item must be answered",
            "govuk-input--width-3",
            &form,
            &errors,
        )],
        directions: choices(&directions, &get("direction")),
        direction_error: error_for(&errors, "direction"),
        max_items: MAX_ITEMS,
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    render(&state, &session, id, FormData::new(), Vec::new()).await
}

/// Define a scale: every problem shown at once, with what was typed kept.
pub async fn create(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let form = read_form(form, &session)?;
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    let mut answer = |name: &'static str, what: &str| match get(name).parse::<u8>() {
        Ok(v) => v,
        Err(_) => {
            errors.push((name, format!("Enter the {what} as a whole number from 0 to 255")));
            0
        }
    };
    let min = answer("min", "lowest answer");
    let max = answer("max", "highest answer");
    let min_answered = match get("min_answered") {
        t if t.is_empty() => None,
        t => match t.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(("min_answered", "Enter how many items must be answered as a whole number".into()));
                None
            }
        },
    };
    let higher_is_better = match get("direction").as_str() {
        "higher" => true,
        "lower" => false,
        _ => {
            errors.push(("direction", "Choose whether a higher score is better or worse".into()));
            true
        }
    };
    let scale = CustomScale {
        name: get("name"),
        items: get("items").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        min,
        max,
        higher_is_better,
        min_answered,
    };
    // Every problem at once: the definition's own, beside those of the fields above.
    if let Err(found) = scale.validate() {
        for f in found.0 {
            if !errors.iter().any(|(k, _)| *k == f.field) {
                errors.push((f.field, f.message));
            }
        }
    }
    if errors.is_empty() {
        match state.store.create_custom_scale(&session.user.caller(), id, &scale, &get("token")).await {
            Ok(_) => return Ok(Redirect::to(&format!("/provisions/{id}/scales")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render(&state, &session, id, form, errors).await
}
