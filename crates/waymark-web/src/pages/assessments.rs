//! A pupil's assessments: recorded item by item (SDQ, SWEMWBS, a provision's own scales) or as a
//! reading test reported them (reading age, standardised score), scored by the domain's
//! instruments, listed with their scores and drawn over time (an SVG chart with its table).

use crate::auth::{random_token, SignedIn};
use crate::charts::lines::{line_chart, Series};
use crate::format;
use crate::pages::layout::Nav;
use crate::pages::provision::{choices, error_for, field, read_form, store_errors, Choice, Field, FormData};
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
use waymark_store::assessments::{
    occasion_label, Instrument, NewAssessment, NewCustomAssessment, NewReading, ScoredAssessment, StoredScale,
    OCCASIONS,
};
use waymark_store::SessionInfo;

type Errors = Vec<(&'static str, String)>;

/// Which form: a scored questionnaire, a reading test, or one of a provision's own scales.
enum Kind {
    Scored(Instrument),
    Reading,
    Custom(StoredScale),
}

/// `sdq-teacher`, `sdq-parent`, `sdq-self`, `swemwbs`, `reading` or `custom-{scale id}`.
async fn kind_of(state: &AppState, session: &SessionInfo, code: &str) -> Result<Option<Kind>, WebError> {
    if code == "reading" {
        return Ok(Some(Kind::Reading));
    }
    if let Some(id) = code.strip_prefix("custom-") {
        let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
        return Ok(Some(Kind::Custom(state.store.custom_scale(&session.user.caller(), id).await?)));
    }
    Ok(match code.strip_prefix("sdq-") {
        Some(v) => SdqVersion::parse(v).ok().map(|v| Kind::Scored(Instrument::Sdq(v))),
        None => (code == "swemwbs").then_some(Kind::Scored(Instrument::Swemwbs)),
    })
}

impl Kind {
    fn code(&self) -> String {
        match self {
            Kind::Scored(Instrument::Sdq(v)) => format!("sdq-{}", v.code()),
            Kind::Scored(Instrument::Swemwbs) => "swemwbs".into(),
            Kind::Reading => "reading".into(),
            Kind::Custom(s) => format!("custom-{}", s.id),
        }
    }

    fn label(&self) -> String {
        match self {
            Kind::Scored(Instrument::Sdq(v)) => format!("SDQ, {} version", v.label().to_lowercase()),
            Kind::Scored(Instrument::Swemwbs) => "SWEMWBS".into(),
            Kind::Reading => "Reading test".into(),
            Kind::Custom(s) => format!("{} ({})", s.scale.name, s.setting),
        }
    }

    /// "Record an SDQ, teacher version", "Record a reading test".
    fn link_text(&self) -> String {
        match self {
            Kind::Scored(_) => format!("Record an {}", self.label()),
            Kind::Reading => "Record a reading test".into(),
            Kind::Custom(s) => format!("Record {}, {}’s own scale", s.scale.name, s.setting),
        }
    }
}

/// The instrument as the list and the journey name it.
pub(crate) fn instrument_name(instrument: &str, version: Option<&str>) -> String {
    match (instrument, version) {
        ("sdq", Some(v)) => format!("SDQ ({v})"),
        ("swemwbs", _) => "SWEMWBS".into(),
        ("reading", _) => "Reading test".into(),
        ("custom", Some(name)) => name.to_string(),
        (i, _) => i.to_uppercase(),
    }
}

/// Months as "9 years 4 months".
fn years_months(months: i64) -> String {
    let (y, m) = (months / 12, months % 12);
    let unit = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (y, m) {
        (0, m) => unit(m, "month", "months"),
        (y, 0) => unit(y, "year", "years"),
        (y, m) => format!("{} {}", unit(y, "year", "years"), unit(m, "month", "months")),
    }
}

/// A value from a stored "name:value,…" detail.
fn detail_value(detail: Option<&str>, name: &str) -> Option<i64> {
    detail?.split(',').find_map(|part| part.strip_prefix(name)?.strip_prefix(':')?.parse().ok())
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
    /// Text inputs (the reading test's).
    fields: Vec<Field>,
    /// What the form asks for, under the heading.
    intro: String,
    /// A problem with the answers as a whole (too few answered).
    items_error: Option<String>,
    credit: Option<&'static str>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

async fn render_form(
    state: &AppState,
    session: &SessionInfo,
    pupil: i64,
    kind: &Kind,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let (on_roll, _) = state.store.referral_options(&caller, pupil, today()).await?;
    let (p, _) = state.store.get_pupil(&caller, pupil).await?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (labels, answer_options, intro): (Vec<String>, Vec<(String, String)>, String) = match kind {
        Kind::Scored(instrument) => {
            let (labels, responses, first): (Vec<String>, &[&str], usize) = match instrument {
                Instrument::Sdq(v) => (sdq_items(*v).iter().map(|s| s.to_string()).collect(), &SDQ_RESPONSES, 0),
                Instrument::Swemwbs => (SWEMWBS_ITEMS.iter().map(|s| s.to_string()).collect(), &SWEMWBS_RESPONSES, 1),
            };
            let mut options: Vec<(String, String)> =
                responses.iter().enumerate().map(|(i, r)| ((first + i).to_string(), r.to_string())).collect();
            if matches!(instrument, Instrument::Sdq(_)) {
                // SDQ subscales are prorated from 3 of 5 answers: an item may be left unanswered.
                options.push((String::new(), "Not answered".into()));
            }
            (
                labels,
                options,
                "Record the answers as ticked on the form. Waymark works out the scores; they are never typed.".into(),
            )
        }
        Kind::Reading => (
            Vec::new(),
            Vec::new(),
            "Enter the reading age and, if the test gives one, the standardised score, as the test reported them. \
             Waymark works out the pupil’s age on the day and the gap between the two from the date of birth; they are \
             never typed."
                .into(),
        ),
        Kind::Custom(s) => {
            let mut options: Vec<(String, String)> =
                (s.scale.min..=s.scale.max).map(|v| (v.to_string(), v.to_string())).collect();
            if s.scale.required_answers() < s.scale.items.len() {
                options.push((String::new(), "Not answered".into()));
            }
            let intro = format!(
                "{}’s own scale: each item is answered from {} to {}; {}. Waymark works out the total and the mean \
                 of the items answered{}.",
                s.setting,
                s.scale.min,
                s.scale.max,
                s.scale.direction_label().to_lowercase(),
                if s.scale.required_answers() < s.scale.items.len() {
                    format!(" (at least {} of {} must be answered)", s.scale.required_answers(), s.scale.items.len())
                } else {
                    " (every item must be answered)".into()
                }
            );
            (s.scale.items.clone(), options, intro)
        }
    };
    let items = labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let field = waymark_store::assessments::ITEM_FIELDS[i];
            Item {
                field,
                label: format!("{}. {label}", i + 1),
                answers: choices(&answer_options, &get(field)),
                error: error_for(&errors, field),
            }
        })
        .collect();
    let fields = match kind {
        Kind::Reading => vec![
            field("reading_age", "Reading age: years", "For example, 9", "govuk-input--width-3", &form, &errors),
            field("reading_age_months", "Reading age: months", "0 to 11", "govuk-input--width-3", &form, &errors),
            field(
                "standardised_score",
                "Standardised score (optional)",
                "The mean is 100; most tests report from about 70 to 140",
                "govuk-input--width-4",
                &form,
                &errors,
            ),
        ],
        _ => Vec::new(),
    };
    let mut settings: Vec<(String, String)> = on_roll.into_iter().map(|(id, n)| (id.to_string(), n)).collect();
    if let Kind::Custom(s) = kind {
        // A provision's scale is taken there.
        settings = vec![(s.setting_id.to_string(), s.setting.clone())];
    }
    let mut setting = get("setting_id");
    if setting.is_empty() && settings.len() == 1 {
        setting = settings[0].0.clone();
    }
    let occasions: Vec<(String, String)> = OCCASIONS.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
    let page = FormPage {
        nav: Nav::for_session(session, "pupils"),
        pupil_id: pupil,
        pupil_name: p.display_name(),
        title: kind.label(),
        instrument: kind.code(),
        token: Some(get("token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token),
        settings: choices(&settings, &setting),
        setting_error: error_for(&errors, "setting_id"),
        occasions: choices(&occasions, &get("occasion")),
        occasion_error: error_for(&errors, "occasion"),
        assessed_on: Some(get("assessed_on")).filter(|d| !d.is_empty()).unwrap_or_else(|| today().to_string()),
        assessed_on_error: error_for(&errors, "assessed_on"),
        items,
        fields,
        intro,
        items_error: error_for(&errors, "items"),
        credit: matches!(kind, Kind::Scored(Instrument::Swemwbs)).then_some(SWEMWBS_CREDIT),
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
    let kind = kind_of(&state, &session, &code).await?.unwrap_or(Kind::Scored(Instrument::Sdq(SdqVersion::Teacher)));
    render_form(&state, &session, pupil, &kind, FormData::new(), Vec::new()).await
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
    let kind = kind_of(&state, &session, &get("instrument"))
        .await?
        .ok_or_else(|| WebError::BadRequest("Unknown instrument".into()))?;
    let mut errors = Errors::new();
    let setting_id = match &kind {
        Kind::Custom(s) => s.setting_id,
        _ => get("setting_id").parse::<i64>().unwrap_or_else(|_| {
            errors.push(("setting_id", "Choose where the assessment was taken".into()));
            -1
        }),
    };
    let assessed_on = NaiveDate::parse_from_str(&get("assessed_on"), "%Y-%m-%d").ok();
    match assessed_on {
        None => errors.push(("assessed_on", "Enter the date of the assessment as YYYY-MM-DD".into())),
        Some(d) if d > today() => {
            errors.push(("assessed_on", "The date of the assessment cannot be in the future".into()))
        }
        _ => {}
    }
    let item_count = match &kind {
        Kind::Scored(i) => i.items(),
        Kind::Reading => 0,
        Kind::Custom(s) => s.scale.items.len(),
    };
    let mut answers = Vec::with_capacity(item_count);
    for field in &waymark_store::assessments::ITEM_FIELDS[..item_count] {
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
    let occasion = get("occasion");
    let assessed_on = assessed_on.unwrap_or_else(today);
    let caller = session.user.caller();
    let saved = match &kind {
        Kind::Scored(instrument) if errors.is_empty() => {
            let new = NewAssessment {
                pupil_id: pupil,
                setting_id,
                instrument: *instrument,
                occasion,
                assessed_on,
                answers,
                token: get("token"),
            };
            Some(state.store.record_assessment(&caller, &new).await)
        }
        Kind::Custom(scale) if errors.is_empty() => {
            let new = NewCustomAssessment {
                pupil_id: pupil,
                scale_id: scale.id,
                occasion,
                assessed_on,
                answers,
                token: get("token"),
            };
            Some(state.store.record_custom(&caller, &new).await)
        }
        Kind::Reading => {
            let whole = |name: &'static str, text: String, what: &str, errors: &mut Errors| match text.parse::<u16>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push((name, format!("Enter {what} as a whole number")));
                    None
                }
            };
            let years = match get("reading_age") {
                t if t.is_empty() => {
                    errors.push(("reading_age", "Enter the reading age in years and months".into()));
                    None
                }
                t => whole("reading_age", t, "the reading age’s years", &mut errors),
            };
            let months = match get("reading_age_months") {
                t if t.is_empty() => Some(0),
                t => whole("reading_age_months", t, "the reading age’s months", &mut errors).filter(|m| {
                    let ok = *m < 12;
                    if !ok {
                        errors.push(("reading_age_months", "The months must be from 0 to 11".into()));
                    }
                    ok
                }),
            };
            let standardised = match get("standardised_score") {
                t if t.is_empty() => Some(None),
                t => whole("standardised_score", t, "the standardised score", &mut errors).map(Some),
            };
            match (years, months, standardised) {
                (Some(y), Some(m), Some(ss)) if errors.is_empty() => {
                    let new = NewReading {
                        pupil_id: pupil,
                        setting_id,
                        occasion,
                        assessed_on,
                        reading_age_months: y.saturating_mul(12).saturating_add(m),
                        standardised_score: ss,
                        token: get("token"),
                    };
                    Some(state.store.record_reading(&caller, &new).await)
                }
                _ => None,
            }
        }
        _ => None,
    };
    match saved {
        Some(Ok(_)) => return Ok(Redirect::to(&format!("/pupils/{pupil}/assessments")).into_response()),
        Some(Err(e)) => store_errors(e, &mut errors)?,
        None => {}
    }
    render_form(&state, &session, pupil, &kind, form, errors).await
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
        .map(|a| {
            let detail = a.subscales.as_deref();
            let (score, band, detail) = match (a.instrument.as_str(), a.score, a.raw_total) {
                ("swemwbs", Some(m), Some(raw)) => (format!("{m:.2} (raw {raw})"), String::new(), String::new()),
                ("sdq", Some(t), _) => (
                    format!("{t:.0} total difficulties"),
                    a.band.as_deref().map(words).unwrap_or_default(),
                    detail.unwrap_or_default().replace(',', ", ").replace(':', " "),
                ),
                ("reading", Some(gap), Some(age)) => {
                    let gap = gap as i64;
                    let gap_words = match gap {
                        0 => "at chronological age".to_string(),
                        g if g < 0 => format!("{} below chronological age", years_months(-g)),
                        g => format!("{} above chronological age", years_months(g)),
                    };
                    let band = match (a.band.as_deref(), detail_value(detail, "standardised")) {
                        (Some(b), Some(ss)) => format!("{} (standardised score {ss})", words(b)),
                        _ => "No standardised score".into(),
                    };
                    let chrono = detail_value(detail, "age")
                        .map(|m| format!("Chronological age {}", years_months(m)))
                        .unwrap_or_default();
                    (format!("Reading age {} ({gap_words})", years_months(age)), band, chrono)
                }
                ("custom", Some(mean), Some(total)) => {
                    let answered = detail_value(detail, "answered").unwrap_or(0);
                    let items = detail_value(detail, "items").unwrap_or(0);
                    let direction = match a.higher_is_better {
                        Some(true) => "; higher is better",
                        Some(false) => "; lower is better",
                        None => "",
                    };
                    (
                        format!("Mean {mean:.2}, total {total}"),
                        String::new(),
                        format!("{answered} of {items} items answered{direction}"),
                    )
                }
                (_, Some(s), _) => (format!("{s}"), a.band.as_deref().map(words).unwrap_or_default(), String::new()),
                _ => ("Not scored".into(), String::new(), String::new()),
            };
            Row {
                date: format::date(a.assessed_on),
                setting: a.setting.clone(),
                instrument: instrument_name(&a.instrument, a.version.as_deref()),
                occasion: occasion_label(&a.occasion),
                score,
                band,
                detail,
            }
        })
        .collect();
    let mut charts = Vec::new();
    let dates = |points: &[&ScoredAssessment]| -> Vec<String> {
        points.iter().map(|a| a.assessed_on.format("%-d %b %Y").to_string()).collect()
    };
    for (instrument, title, axis) in [
        ("sdq", "SDQ total difficulties over time (0 to 40; lower is better)", "Total difficulties"),
        ("swemwbs", "SWEMWBS metric score over time (7 to 35; higher is better)", "Metric score"),
    ] {
        let points: Vec<_> = scored.iter().filter(|a| a.instrument == instrument && a.score.is_some()).collect();
        if points.len() >= 2 {
            let series = Series { name: axis.into(), values: points.iter().map(|a| a.score).collect() };
            charts.push(line_chart(title, axis, &dates(&points), &[series]));
        }
    }
    let reading: Vec<_> = scored.iter().filter(|a| a.instrument == "reading" && a.raw_total.is_some()).collect();
    if reading.len() >= 2 {
        let age = Series {
            name: "Reading age (months)".into(),
            values: reading.iter().map(|a| a.raw_total.map(|m| m as f64)).collect(),
        };
        let chrono = Series {
            name: "Chronological age (months)".into(),
            values: reading.iter().map(|a| detail_value(a.subscales.as_deref(), "age").map(|m| m as f64)).collect(),
        };
        charts.push(line_chart(
            "Reading age against chronological age, in months",
            "Months",
            &dates(&reading),
            &[age, chrono],
        ));
    }
    let mut scales: Vec<&str> =
        scored.iter().filter(|a| a.instrument == "custom").filter_map(|a| a.version.as_deref()).collect();
    scales.sort_unstable();
    scales.dedup();
    for name in scales {
        let points: Vec<_> =
            scored.iter().filter(|a| a.instrument == "custom" && a.version.as_deref() == Some(name)).collect();
        if points.len() >= 2 {
            let direction = match points[0].higher_is_better {
                Some(false) => "lower is better",
                _ => "higher is better",
            };
            let series =
                Series { name: "Mean of the items answered".into(), values: points.iter().map(|a| a.score).collect() };
            charts.push(line_chart(&format!("{name} over time ({direction})"), "Mean", &dates(&points), &[series]));
        }
    }
    let mut kinds = vec![
        Kind::Scored(Instrument::Sdq(SdqVersion::Teacher)),
        Kind::Scored(Instrument::Sdq(SdqVersion::Parent)),
        Kind::Scored(Instrument::Sdq(SdqVersion::SelfReport)),
        Kind::Scored(Instrument::Swemwbs),
        Kind::Reading,
    ];
    kinds.extend(state.store.custom_scales(&caller).await?.into_iter().map(Kind::Custom));
    let forms = kinds.iter().map(|k| (k.code(), k.link_text())).collect();
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
