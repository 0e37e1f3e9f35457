//! A pupil's assessments: recorded item by item (SDQ, SWEMWBS), scored by the domain's
//! instruments, listed with their scores and drawn over time (an SVG chart with its table).

use crate::auth::{random_token, SignedIn};
use crate::charts::lines::{line_chart, Series};
use crate::format;
use crate::pages::layout::Nav;
use crate::pages::provision::{choices, error_for, read_form, store_errors, Choice, FormData};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use waymark_domain::instruments::{
    sdq_items, SdqVersion, SDQ_RESPONSES, SWEMWBS_CREDIT, SWEMWBS_ITEMS, SWEMWBS_RESPONSES,
};
use waymark_store::assessments::{Instrument, NewAssessment, OCCASIONS};
use waymark_store::SessionInfo;

type Errors = Vec<(&'static str, String)>;

/// `sdq-teacher`, `sdq-parent`, `sdq-self` or `swemwbs`.
fn instrument_of(code: &str) -> Option<Instrument> {
    match code.strip_prefix("sdq-") {
        Some(v) => SdqVersion::parse(v).ok().map(Instrument::Sdq),
        None => (code == "swemwbs").then_some(Instrument::Swemwbs),
    }
}

fn instrument_code(i: Instrument) -> String {
    match i {
        Instrument::Sdq(v) => format!("sdq-{}", v.code()),
        Instrument::Swemwbs => "swemwbs".into(),
    }
}

fn instrument_label(i: Instrument) -> String {
    match i {
        Instrument::Sdq(v) => format!("SDQ, {} version", v.label().to_lowercase()),
        Instrument::Swemwbs => "SWEMWBS".into(),
    }
}

/// One item with its answers.
struct Item {
    field: &'static str,
    label: String,
    answers: Vec<Choice>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "assessment_form.html")]
struct FormPage {
    nav: Nav,
    pupil_id: i64,
    pupil_name: String,
    title: String,
    instrument: String,
    token: String,
    errors: Errors,
    settings: Vec<Choice>,
    setting_error: Option<String>,
    occasions: Vec<Choice>,
    occasion_error: Option<String>,
    assessed_on: String,
    assessed_on_error: Option<String>,
    items: Vec<Item>,
    credit: Option<&'static str>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

async fn render_form(
    state: &AppState,
    session: &SessionInfo,
    pupil: i64,
    instrument: Instrument,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let (on_roll, _) = state.store.referral_options(&caller, pupil, today()).await?;
    let (p, _) = state.store.get_pupil(&caller, pupil).await?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (labels, responses, first): (Vec<String>, &[&str], u8) = match instrument {
        Instrument::Sdq(v) => (sdq_items(v).iter().map(|s| s.to_string()).collect(), &SDQ_RESPONSES, 0),
        Instrument::Swemwbs => (SWEMWBS_ITEMS.iter().map(|s| s.to_string()).collect(), &SWEMWBS_RESPONSES, 1),
    };
    let mut answer_options: Vec<(String, String)> =
        responses.iter().enumerate().map(|(i, r)| ((first as usize + i).to_string(), r.to_string())).collect();
    if matches!(instrument, Instrument::Sdq(_)) {
        // SDQ subscales are prorated from 3 of 5 answers: an item may be left unanswered.
        answer_options.push((String::new(), "Not answered".into()));
    }
    let items = labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let field = waymark_store::assessments::ITEM_FIELDS[i];
            Item { field, label, answers: choices(&answer_options, &get(field)), error: error_for(&errors, field) }
        })
        .collect();
    let settings: Vec<(String, String)> = on_roll.into_iter().map(|(id, n)| (id.to_string(), n)).collect();
    let mut setting = get("setting_id");
    if setting.is_empty() && settings.len() == 1 {
        setting = settings[0].0.clone();
    }
    let occasions: Vec<(String, String)> = OCCASIONS.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
    let page = FormPage {
        nav: Nav::for_session(session, "pupils"),
        pupil_id: pupil,
        pupil_name: p.display_name(),
        title: instrument_label(instrument),
        instrument: instrument_code(instrument),
        token: Some(get("token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token),
        settings: choices(&settings, &setting),
        setting_error: error_for(&errors, "setting_id"),
        occasions: choices(&occasions, &get("occasion")),
        occasion_error: error_for(&errors, "occasion"),
        assessed_on: Some(get("assessed_on")).filter(|d| !d.is_empty()).unwrap_or_else(|| today().to_string()),
        assessed_on_error: error_for(&errors, "assessed_on"),
        items,
        credit: (instrument == Instrument::Swemwbs).then_some(SWEMWBS_CREDIT),
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(serde::Deserialize)]
pub struct Which {
    #[serde(default)]
    instrument: String,
}

pub async fn form(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    which: Result<Query<Which>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    let pupil: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let code = which.map(|q| q.0.instrument).unwrap_or_default();
    let instrument = instrument_of(&code).unwrap_or(Instrument::Sdq(SdqVersion::Teacher));
    render_form(&state, &session, pupil, instrument, FormData::new(), Vec::new()).await
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
    let instrument =
        instrument_of(&get("instrument")).ok_or_else(|| WebError::BadRequest("Unknown instrument".into()))?;
    let mut errors = Errors::new();
    let setting_id = get("setting_id").parse::<i64>().unwrap_or_else(|_| {
        errors.push(("setting_id", "Choose where the assessment was taken".into()));
        -1
    });
    let assessed_on = NaiveDate::parse_from_str(&get("assessed_on"), "%Y-%m-%d").ok();
    match assessed_on {
        None => errors.push(("assessed_on", "Enter the date of the assessment as YYYY-MM-DD".into())),
        Some(d) if d > today() => {
            errors.push(("assessed_on", "The date of the assessment cannot be in the future".into()))
        }
        _ => {}
    }
    let mut answers = Vec::with_capacity(instrument.items());
    for field in &waymark_store::assessments::ITEM_FIELDS[..instrument.items()] {
        let text = get(field);
        match text.parse::<u8>() {
            Ok(v) => answers.push(Some(v)),
            Err(_) if text.is_empty() => answers.push(None),
            Err(_) => {
                errors.push((field, "Choose one of the answers".into()));
                answers.push(None);
            }
        }
    }
    let new = NewAssessment {
        pupil_id: pupil,
        setting_id,
        instrument,
        occasion: get("occasion"),
        assessed_on: assessed_on.unwrap_or_else(today),
        answers,
        token: get("token"),
    };
    if errors.is_empty() {
        match state.store.record_assessment(&session.user.caller(), &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/pupils/{pupil}/assessments")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_form(&state, &session, pupil, instrument, form, errors).await
}

struct Row {
    date: String,
    setting: String,
    instrument: String,
    occasion: String,
    score: String,
    band: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    nav: Nav,
    pupil_id: i64,
    pupil_name: String,
    rows: Vec<Row>,
    charts: Vec<String>,
    credit: Option<&'static str>,
    forms: Vec<(String, String)>,
}

fn words(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut c = text.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let pupil: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let caller = session.user.caller();
    let scored = state.store.scored_assessments(&caller, pupil).await?;
    let (p, _) = state.store.get_pupil(&caller, pupil).await?;
    let rows = scored
        .iter()
        .map(|a| Row {
            date: format::date(a.assessed_on),
            setting: a.setting.clone(),
            instrument: match (a.instrument.as_str(), a.version.as_deref()) {
                ("sdq", Some(v)) => format!("SDQ ({v})"),
                ("swemwbs", _) => "SWEMWBS".into(),
                (i, _) => i.to_string(),
            },
            occasion: words(&a.occasion),
            score: match (a.instrument.as_str(), a.score, a.raw_total) {
                ("swemwbs", Some(m), Some(raw)) => format!("{m:.2} (raw {raw})"),
                ("sdq", Some(t), _) => format!("{t:.0} total difficulties"),
                (_, Some(s), _) => format!("{s}"),
                _ => "Not scored".into(),
            },
            band: a.band.as_deref().map(words).unwrap_or_default(),
            detail: a.subscales.clone().unwrap_or_default().replace(',', ", ").replace(':', " "),
        })
        .collect();
    let mut charts = Vec::new();
    for (instrument, title, axis) in [
        ("sdq", "SDQ total difficulties over time (0 to 40; lower is better)", "Total difficulties"),
        ("swemwbs", "SWEMWBS metric score over time (7 to 35; higher is better)", "Metric score"),
    ] {
        let points: Vec<_> = scored.iter().filter(|a| a.instrument == instrument && a.score.is_some()).collect();
        if points.len() >= 2 {
            let labels: Vec<String> = points.iter().map(|a| a.assessed_on.format("%-d %b %Y").to_string()).collect();
            let series = Series { name: axis.into(), values: points.iter().map(|a| a.score).collect() };
            charts.push(line_chart(title, axis, &labels, &[series]));
        }
    }
    let forms = [
        Instrument::Sdq(SdqVersion::Teacher),
        Instrument::Sdq(SdqVersion::Parent),
        Instrument::Sdq(SdqVersion::SelfReport),
        Instrument::Swemwbs,
    ]
    .into_iter()
    .map(|i| (instrument_code(i), instrument_label(i)))
    .collect();
    let page = ListPage {
        nav: Nav::for_session(&session, "pupils"),
        pupil_id: pupil,
        pupil_name: p.display_name(),
        credit: scored.iter().any(|a| a.instrument == "swemwbs").then_some(SWEMWBS_CREDIT),
        rows,
        charts,
        forms,
    };
    Ok(Html(page.render()?).into_response())
}
