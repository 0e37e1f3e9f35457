//! Running a provision: referring a pupil, the referral and its workflow, the waiting list,
//! making a placement, the placement with its hybrid timetable and reintegration plan, and the
//! capacity of the provision's groups. Every read and write goes through the store with the
//! signed-in user's scope; anything outside it is "not found".

use crate::auth::{check_csrf, random_token, SignedIn};
use crate::charts::lines::{line_chart, Series};
use crate::format;
use crate::pages::layout::Nav;
use crate::pages::sign_in::form_rejection;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use std::collections::HashMap;
use waymark_store::placements::{monday_of_week, tier_label};
use waymark_store::referrals::priority_label;
use waymark_store::{
    NewGroup, NewPlacement, NewReferral, PlacementOutcome, PlacementView, ReferralStatus, ReferralView, SessionInfo,
    Step, StoreError,
};

type Errors = Vec<(&'static str, String)>;
pub(crate) type FormData = HashMap<String, String>;

/// One text input: its name, label, hint, value as typed and error.
pub(crate) struct Field {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// A GOV.UK width class, or "" for full width; "textarea" for a text area.
    pub width: &'static str,
}

pub(crate) fn field(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    width: &'static str,
    form: &FormData,
    errors: &Errors,
) -> Field {
    Field {
        id,
        label,
        hint,
        width,
        value: form.get(id).cloned().unwrap_or_default(),
        error: errors.iter().find(|(f, _)| *f == id).map(|(_, m)| m.clone()),
    }
}

/// One choice among radios or a select.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub(crate) fn choices(options: &[(String, String)], current: &str) -> Vec<Choice> {
    options.iter().map(|(v, l)| Choice { value: v.clone(), label: l.clone(), checked: v == current }).collect()
}

pub(crate) fn error_for(errors: &Errors, id: &str) -> Option<String> {
    errors.iter().find(|(f, _)| *f == id).map(|(_, m)| m.clone())
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.parse().map_err(|_| WebError::NotFound)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn get(form: &FormData, key: &str) -> String {
    form.get(key).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A whole number in a form, or an error on that field.
fn number(form: &FormData, key: &'static str, message: &str, errors: &mut Errors) -> i64 {
    get(form, key).parse().unwrap_or_else(|_| {
        errors.push((key, message.to_string()));
        -1
    })
}

/// A date typed as YYYY-MM-DD; blank is `None` when optional.
fn date(form: &FormData, key: &'static str, label: &str, required: bool, errors: &mut Errors) -> Option<NaiveDate> {
    let text = get(form, key);
    if text.is_empty() && !required {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.push((key, format!("Enter {label} as YYYY-MM-DD, for example 2024-01-15")));
    }
    parsed
}

pub(crate) fn store_errors(e: StoreError, errors: &mut Errors) -> Result<(), WebError> {
    match e {
        StoreError::Invalid(v) => {
            errors.extend(v.0.into_iter().map(|f| (f.field, f.message)));
            Ok(())
        }
        other => Err(other.into()),
    }
}

fn with_status(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

fn status_for(errors: &Errors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    }
}

pub(crate) fn read_form(
    form: Result<Form<FormData>, FormRejection>,
    session: &SessionInfo,
) -> Result<FormData, WebError> {
    let Form(form) = form.map_err(form_rejection)?;
    check_csrf(session, form.get("csrf").map(String::as_str).unwrap_or(""))?;
    Ok(form)
}

// ---------------------------------------------------------------- referring

#[derive(Template)]
#[template(path = "referral_form.html")]
struct ReferPage {
    nav: Nav,
    pupil_id: i64,
    pupil_name: String,
    token: String,
    errors: Errors,
    from: Vec<Choice>,
    from_error: Option<String>,
    to: Vec<Choice>,
    to_error: Option<String>,
    tiers: Vec<Choice>,
    tier_error: Option<String>,
    priorities: Vec<Choice>,
    priority_error: Option<String>,
    texts: Vec<Field>,
}

const TIERS: [i64; 3] = [1, 2, 3];

async fn render_refer(
    state: &AppState,
    session: &SessionInfo,
    pupil: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let (from, to) = state.store.referral_options(&caller, pupil, today()).await?;
    let (p, _) = state.store.get_pupil(&caller, pupil).await?;
    let as_choices = |v: Vec<(i64, String)>| v.into_iter().map(|(id, n)| (id.to_string(), n)).collect::<Vec<_>>();
    let mut from_value = get(&form, "from_setting_id");
    if from_value.is_empty() && from.len() == 1 {
        from_value = from[0].0.to_string();
    }
    let tiers: Vec<(String, String)> = TIERS.iter().map(|t| (t.to_string(), tier_label(*t).to_string())).collect();
    let priorities: Vec<(String, String)> = (1..=3).map(|p| (p.to_string(), priority_label(p).to_string())).collect();
    let token = Some(get(&form, "token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token);
    let texts = vec![
        field("reason", "Why are you referring this pupil?", "", "textarea", &form, &errors),
        field(
            "needs",
            "The pupil's needs",
            "For example social, emotional and mental health; speech and language; literacy",
            "textarea",
            &form,
            &errors,
        ),
        field(
            "tried",
            "What has been tried already",
            "Support in school so far, and how it went",
            "textarea",
            &form,
            &errors,
        ),
    ];
    let page = ReferPage {
        nav: Nav::for_session(session, "pupils"),
        pupil_id: pupil,
        pupil_name: p.display_name(),
        token,
        from: choices(&as_choices(from), &from_value),
        from_error: error_for(&errors, "from_setting_id"),
        to: choices(&as_choices(to), &get(&form, "to_setting_id")),
        to_error: error_for(&errors, "to_setting_id"),
        tiers: choices(&tiers, &get(&form, "tier_requested")),
        tier_error: error_for(&errors, "tier_requested"),
        priorities: choices(&priorities, &Some(get(&form, "priority")).filter(|p| !p.is_empty()).unwrap_or("3".into())),
        priority_error: error_for(&errors, "priority"),
        texts,
        errors,
    };
    Ok(with_status(status_for(&page.errors), page.render()?))
}

/// The referral form for a pupil on roll at a setting in the caller's scope.
pub async fn refer_form(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_refer(&state, &session, id_of(&id)?, FormData::new(), Vec::new()).await
}

pub async fn refer(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let pupil = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    let from = number(&form, "from_setting_id", "Choose the school making the referral", &mut errors);
    let to = number(&form, "to_setting_id", "Choose the provision you are referring to", &mut errors);
    let tier = number(&form, "tier_requested", "Choose the tier asked for", &mut errors);
    let priority = number(&form, "priority", "Choose a priority", &mut errors);
    let new = NewReferral {
        pupil_id: pupil,
        from_setting_id: from,
        to_setting_id: to,
        reason: get(&form, "reason"),
        needs: get(&form, "needs"),
        tried: get(&form, "tried"),
        tier_requested: tier,
        priority,
        token: get(&form, "token"),
    };
    // Report every problem at once: the answers' own checks beside the unreadable choices.
    if let Err(e) = new.validate() {
        for f in e.0 {
            if !errors.iter().any(|(field, _)| *field == f.field) {
                errors.push((f.field, f.message));
            }
        }
    }
    if errors.is_empty() {
        match state.store.submit_referral(&session.user.caller(), &new, today()).await {
            Ok(id) => return Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_refer(&state, &session, pupil, form, errors).await
}

// ---------------------------------------------------------------- one referral

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    nav: Nav,
    r: ReferralView,
    status_label: &'static str,
    priority: &'static str,
    tier: &'static str,
    date: String,
    attendance: String,
    behaviour: String,
    events: Vec<(String, &'static str, String, String)>,
    moves: Vec<Choice>,
    can_place: bool,
    errors: Errors,
    status_error: Option<String>,
    reason: Vec<Field>,
}

async fn render_referral(
    state: &AppState,
    session: &SessionInfo,
    id: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let r = state.store.referral(&session.user.caller(), id).await?;
    let moves: Vec<(String, String)> = r
        .status
        .next()
        .iter()
        .filter(|s| **s != ReferralStatus::Placed)
        .filter(|s| if s.by_referrer() { r.referrer_side } else { r.provision_side })
        .map(|s| (s.code().to_string(), s.label().to_string()))
        .collect();
    let attendance = if r.sessions.possible == 0 {
        "No attendance recorded at the referring school this year".to_string()
    } else {
        format!(
            "{:.1}% this year ({} of {} possible sessions)",
            f64::from(r.sessions.attended) * 100.0 / f64::from(r.sessions.possible),
            r.sessions.attended,
            r.sessions.possible
        )
    };
    let behaviour = format!(
        "In the past year: {} incidents, {} suspensions ({} days)",
        r.incidents_year, r.suspensions_year, r.suspension_days_year
    );
    let events = r
        .events
        .iter()
        .map(|e| {
            let when = chrono::DateTime::from_timestamp(e.at, 0)
                .map(|t| t.format("%-d %B %Y %H:%M").to_string())
                .unwrap_or_default();
            let label = ReferralStatus::from_code(&e.status).map_or("Unknown", |s| s.label());
            (when, label, e.actor.clone(), e.reason.clone())
        })
        .collect();
    let page = ReferralPage {
        nav: Nav::for_session(session, "pupils"),
        status_label: r.status.label(),
        priority: priority_label(r.priority),
        tier: tier_label(r.tier_requested),
        date: format::date(r.referral_date),
        attendance,
        behaviour,
        events,
        moves: choices(&moves, &get(&form, "status")),
        can_place: r.provision_side && r.status == ReferralStatus::Offered,
        status_error: error_for(&errors, "status"),
        reason: vec![field(
            "reason",
            "Why (needed to decline or withdraw)",
            "Kept in the referral's history",
            "textarea",
            &form,
            &errors,
        )],
        errors,
        r,
    };
    Ok(with_status(status_for(&page.errors), page.render()?))
}

pub async fn referral(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_referral(&state, &session, id_of(&id)?, FormData::new(), Vec::new()).await
}

/// Move a referral on in its workflow.
pub async fn move_referral(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    match ReferralStatus::from_code(&get(&form, "status")) {
        None => errors.push(("status", "Choose what happens next".into())),
        Some(to) => match state.store.move_referral(&session.user.caller(), id, to, &get(&form, "reason")).await {
            Ok(()) => return Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        },
    }
    render_referral(&state, &session, id, form, errors).await
}

// ---------------------------------------------------------------- waiting list

/// (referral, pupil, referred by, referred on, days waiting, priority, tier, status)
type WaitingRow = (i64, String, String, String, i64, &'static str, i64, &'static str);

#[derive(Template)]
#[template(path = "waiting_list.html")]
struct WaitingPage {
    nav: Nav,
    setting_id: i64,
    setting: String,
    rows: Vec<WaitingRow>,
}

pub async fn waiting_list(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let caller = session.user.caller();
    let setting = state.store.get_setting(&caller, id).await?;
    let rows = state
        .store
        .waiting_list(&caller, id, today())
        .await?
        .into_iter()
        .map(|e| {
            (
                e.referral_id,
                e.pupil_name,
                e.from_setting,
                format::date(e.referral_date),
                e.days_waiting,
                priority_label(e.priority),
                e.tier_requested,
                e.status.label(),
            )
        })
        .collect();
    let page = WaitingPage { nav: Nav::for_session(&session, "settings"), setting_id: id, setting: setting.name, rows };
    Ok(Html(page.render()?).into_response())
}

// ---------------------------------------------------------------- placing

#[derive(Template)]
#[template(path = "placement_form.html")]
struct PlacePage {
    nav: Nav,
    r: ReferralView,
    token: String,
    errors: Errors,
    tiers: Vec<Choice>,
    tier_error: Option<String>,
    groups: Vec<Choice>,
    group_error: Option<String>,
    dates: Vec<Field>,
    money: Vec<Field>,
    sessions: Vec<Field>,
    over: Vec<Field>,
}

async fn render_place(
    state: &AppState,
    session: &SessionInfo,
    referral: i64,
    mut form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let r = state.store.referral(&caller, referral).await?;
    if !r.provision_side {
        return Err(WebError::NotFound);
    }
    let groups = state.store.groups(&caller, r.to_setting_id).await?;
    if form.is_empty() {
        form.insert("tier".into(), r.tier_requested.to_string());
        form.insert("commissioner".into(), r.from_setting.clone());
        form.insert("start".into(), today().to_string());
    }
    let tiers: Vec<(String, String)> = TIERS.iter().map(|t| (t.to_string(), tier_label(*t).to_string())).collect();
    let mut group_options = vec![(String::new(), "No group".to_string())];
    group_options.extend(
        groups
            .iter()
            .map(|g| (g.id.to_string(), format!("{} (size {}, hard limit {})", g.name, g.size_limit, g.hard_limit))),
    );
    let page = PlacePage {
        nav: Nav::for_session(session, "settings"),
        token: Some(get(&form, "token")).filter(|t| !t.is_empty()).unwrap_or_else(random_token),
        tiers: choices(&tiers, &get(&form, "tier")),
        tier_error: error_for(&errors, "tier"),
        groups: choices(&group_options, &get(&form, "group_id")),
        group_error: error_for(&errors, "group_id"),
        dates: vec![
            field("start", "Start date", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("review", "First review (optional)", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("planned_end", "Planned end (optional)", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
        ],
        money: vec![
            field(
                "commissioner",
                "Commissioned by",
                "The school or local authority paying for the place",
                "",
                &form,
                &errors,
            ),
            field(
                "weekly_cost",
                "Weekly cost in pounds (optional)",
                "For example 450 or 450.50",
                "govuk-input--width-5",
                &form,
                &errors,
            ),
        ],
        sessions: vec![
            field(
                "ap_sessions",
                "Sessions a week in the provision",
                "A school week has 10 sessions (mornings and afternoons)",
                "govuk-input--width-2",
                &form,
                &errors,
            ),
            field("mainstream_sessions", "Sessions a week in mainstream", "", "govuk-input--width-2", &form, &errors),
            field("mainstream_subjects", "Mainstream lessons (optional)", "For example maths, PE", "", &form, &errors),
        ],
        over: vec![field(
            "over_limit_reason",
            "If the group is full: why it must take this pupil",
            "Needed only over the group's hard limit",
            "textarea",
            &form,
            &errors,
        )],
        errors,
        r,
    };
    Ok(with_status(status_for(&page.errors), page.render()?))
}

pub async fn place_form(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_place(&state, &session, id_of(&id)?, FormData::new(), Vec::new()).await
}

/// Pounds as typed ("450", "450.50", "£450") in pence.
fn pence(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches('£').replace(',', "");
    let (pounds, pennies) = text.split_once('.').unwrap_or((&text, "0"));
    let pennies = format!("{pennies:0<2}");
    if pennies.len() != 2 || pounds.is_empty() {
        return None;
    }
    Some(pounds.parse::<i64>().ok()? * 100 + pennies.parse::<i64>().ok()?)
}

pub async fn place(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let referral = id_of(&id)?;
    let form = read_form(form, &session)?;
    let caller = session.user.caller();
    let r = state.store.referral(&caller, referral).await?;
    let mut errors = Errors::new();
    let tier = number(&form, "tier", "Choose the tier", &mut errors);
    let start = date(&form, "start", "the start date", true, &mut errors);
    let review = date(&form, "review", "the first review date", false, &mut errors);
    let planned_end = date(&form, "planned_end", "the planned end", false, &mut errors);
    let cost_text = get(&form, "weekly_cost");
    let weekly_cost_pence = if cost_text.is_empty() { None } else { pence(&cost_text) };
    if !cost_text.is_empty() && weekly_cost_pence.is_none() {
        errors.push(("weekly_cost", "Enter the weekly cost in pounds, for example 450 or 450.50".into()));
    }
    let ap = number(&form, "ap_sessions", "Enter the sessions a week in the provision, from 0 to 10", &mut errors);
    let mainstream =
        number(&form, "mainstream_sessions", "Enter the sessions a week in mainstream, from 0 to 10", &mut errors);
    let group_text = get(&form, "group_id");
    let group_id = if group_text.is_empty() { None } else { group_text.parse().ok() };
    if let (Some(start), true) = (start, errors.is_empty()) {
        let new = NewPlacement {
            referral_id: Some(referral),
            pupil_id: r.pupil_id,
            setting_id: r.to_setting_id,
            tier,
            start,
            review,
            planned_end,
            commissioner: get(&form, "commissioner"),
            weekly_cost_pence,
            ap_sessions: ap,
            mainstream_sessions: mainstream,
            mainstream_subjects: get(&form, "mainstream_subjects"),
            group_id,
            over_limit_reason: get(&form, "over_limit_reason"),
            token: get(&form, "token"),
        };
        match state.store.create_placement(&caller, &new).await {
            Ok(id) => return Ok(Redirect::to(&format!("/placements/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_place(&state, &session, referral, form, errors).await
}

// ---------------------------------------------------------------- one placement

struct StepRow {
    from: String,
    until: String,
    ap: i64,
    mainstream: i64,
    total: i64,
    subjects: String,
    part_time: bool,
}

#[derive(Template)]
#[template(path = "placement.html")]
struct PlacementPage {
    nav: Nav,
    p: PlacementView,
    details: Vec<(&'static str, String)>,
    part_time: Option<String>,
    steps: Vec<StepRow>,
    chart: String,
    /// (week, target mainstream sessions, actual mainstream sessions)
    plan_rows: Vec<(String, String, String)>,
    errors: Errors,
    step_fields: Vec<Field>,
    plan_fields: Vec<Field>,
    end_field: Vec<Field>,
    outcomes: Vec<Choice>,
    outcome_error: Option<String>,
}

/// Weeks as "N weeks" or "N days" for a short spell.
fn length(days: i64) -> String {
    match days {
        0..=13 => format!("{days} days"),
        _ => format!("{} weeks", days / 7),
    }
}

/// The value of a step function (dated steps) in force on `day`.
fn in_force(steps: &[(NaiveDate, i64)], day: NaiveDate) -> Option<i64> {
    steps.iter().rev().find(|(from, _)| *from <= day).map(|(_, v)| *v)
}

/// Week by week from the start: the target and the actual mainstream sessions.
fn plan_weeks(p: &PlacementView, today: NaiveDate) -> Vec<(NaiveDate, Option<i64>, Option<i64>)> {
    let actual: Vec<(NaiveDate, i64)> = p.steps.iter().map(|s| (s.from_date, s.mainstream_sessions)).collect();
    let last_target = p.targets.last().map(|t| t.0);
    let until =
        [Some(p.end.unwrap_or(today)), last_target, p.planned_end].into_iter().flatten().max().unwrap_or(p.start);
    let first = monday_of_week(p.start);
    let weeks = ((until - first).num_days() / 7 + 1).clamp(1, 104);
    (0..weeks)
        .map(|w| {
            let monday = first + chrono::Duration::weeks(w);
            let sunday = monday + chrono::Duration::days(6);
            let target = in_force(&p.targets, sunday);
            let shown_actual = (sunday >= p.start && p.end.is_none_or(|e| monday <= e) && monday <= today)
                .then(|| in_force(&actual, sunday))
                .flatten();
            (monday, target, shown_actual)
        })
        .collect()
}

async fn render_placement(
    state: &AppState,
    session: &SessionInfo,
    id: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let p = state.store.placement(&session.user.caller(), id).await?;
    let today = today();
    let money = p
        .weekly_cost_pence
        .map(|c| format!("£{}.{:02} a week", c / 100, c % 100))
        .unwrap_or_else(|| "Not recorded".into());
    let details = vec![
        ("Pupil", p.pupil_name.clone()),
        ("Provision", p.setting.clone()),
        ("Tier", tier_label(p.tier).to_string()),
        ("Started", format::date(p.start)),
        ("First review", p.review.map(format::date).unwrap_or_else(|| "Not set".into())),
        ("Planned end", p.planned_end.map(format::date).unwrap_or_else(|| "Not set".into())),
        ("Ended", p.end.map(format::date).unwrap_or_else(|| "Not ended".into())),
        ("Outcome", p.outcome.map(|o| o.label().to_string()).unwrap_or_default()),
        ("Commissioned by", p.commissioner.clone()),
        ("Weekly cost", money),
        ("Group", p.group.clone().unwrap_or_else(|| "None".into())),
    ];
    let mut details = details;
    if let Some(why) = &p.over_limit_reason {
        details.push(("Over the group's hard limit because", why.clone()));
    }
    let steps = p
        .spans(today)
        .into_iter()
        .map(|(s, until)| StepRow {
            from: format::date(s.from_date),
            until: format::date(until),
            ap: s.ap_sessions,
            mainstream: s.mainstream_sessions,
            total: s.ap_sessions + s.mainstream_sessions,
            subjects: s.mainstream_subjects.clone().unwrap_or_default(),
            part_time: s.part_time(),
        })
        .collect();
    let weeks = plan_weeks(&p, today);
    let labels: Vec<String> = weeks.iter().map(|w| w.0.format("%-d %b").to_string()).collect();
    let as_f = |v: Option<i64>| v.map(|n| n as f64);
    let chart = if p.targets.is_empty() {
        String::new()
    } else {
        line_chart(
            "Mainstream sessions a week: plan and actual",
            "Sessions",
            &labels,
            &[
                Series { name: "Target".into(), values: weeks.iter().map(|w| as_f(w.1)).collect() },
                Series { name: "Actual".into(), values: weeks.iter().map(|w| as_f(w.2)).collect() },
            ],
        )
    };
    let show = |v: Option<i64>| v.map_or_else(|| "–".to_string(), |n| n.to_string());
    let plan_rows = if p.targets.is_empty() {
        Vec::new()
    } else {
        weeks.iter().map(|w| (format::date(w.0), show(w.1), show(w.2))).collect()
    };
    let outcomes: Vec<(String, String)> =
        PlacementOutcome::ALL.iter().map(|o| (o.code().to_string(), o.label().to_string())).collect();
    let page = PlacementPage {
        nav: Nav::for_session(session, "settings"),
        details,
        part_time: p.part_time_days(today).map(length),
        steps,
        chart,
        plan_rows,
        step_fields: vec![
            field("from_date", "From", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("ap_sessions", "Sessions a week in the provision", "", "govuk-input--width-2", &form, &errors),
            field("mainstream_sessions", "Sessions a week in mainstream", "", "govuk-input--width-2", &form, &errors),
            field("mainstream_subjects", "Mainstream lessons (optional)", "", "", &form, &errors),
        ],
        plan_fields: vec![
            field("first", "First step on", "YYYY-MM-DD", "govuk-input--width-10", &form, &errors),
            field("add", "Mainstream sessions to add at each step", "", "govuk-input--width-2", &form, &errors),
            field("every_weeks", "Every how many weeks", "", "govuk-input--width-2", &form, &errors),
        ],
        end_field: vec![field(
            "end_date",
            "Last day of the placement",
            "YYYY-MM-DD",
            "govuk-input--width-10",
            &form,
            &errors,
        )],
        outcomes: choices(&outcomes, &get(&form, "outcome")),
        outcome_error: error_for(&errors, "outcome"),
        errors,
        p,
    };
    Ok(with_status(status_for(&page.errors), page.render()?))
}

pub async fn placement(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_placement(&state, &session, id_of(&id)?, FormData::new(), Vec::new()).await
}

/// A change to the hybrid timetable from a date.
pub async fn add_step(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    let from = date(&form, "from_date", "the date the timetable changes", true, &mut errors);
    let ap = number(&form, "ap_sessions", "Enter the sessions a week in the provision, from 0 to 10", &mut errors);
    let mainstream =
        number(&form, "mainstream_sessions", "Enter the sessions a week in mainstream, from 0 to 10", &mut errors);
    if let (Some(from_date), true) = (from, errors.is_empty()) {
        let subjects = Some(get(&form, "mainstream_subjects")).filter(|s| !s.is_empty());
        let step = Step { from_date, ap_sessions: ap, mainstream_sessions: mainstream, mainstream_subjects: subjects };
        match state.store.add_timetable_step(&session.user.caller(), id, &step).await {
            Ok(()) => return Ok(Redirect::to(&format!("/placements/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_placement(&state, &session, id, form, errors).await
}

/// Set the reintegration plan.
pub async fn set_plan(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    let first = date(&form, "first", "the first step's date", true, &mut errors);
    let add = number(&form, "add", "Enter the sessions to add at each step, from 1 to 10", &mut errors);
    let every = number(&form, "every_weeks", "Enter how many weeks between steps, from 1 to 12", &mut errors);
    if let (Some(first), true) = (first, errors.is_empty()) {
        match state.store.set_reintegration_plan(&session.user.caller(), id, first, add, every).await {
            Ok(_) => return Ok(Redirect::to(&format!("/placements/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_placement(&state, &session, id, form, errors).await
}

/// End the placement with its outcome.
pub async fn end(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    let end = date(&form, "end_date", "the last day of the placement", true, &mut errors);
    let outcome = PlacementOutcome::from_code(&get(&form, "outcome"));
    if outcome.is_none() {
        errors.push(("outcome", "Choose how the placement ended".into()));
    }
    if let (Some(end), Some(outcome)) = (end, outcome) {
        match state.store.end_placement(&session.user.caller(), id, end, outcome).await {
            Ok(()) => return Ok(Redirect::to(&format!("/placements/{id}")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_placement(&state, &session, id, form, errors).await
}

// ---------------------------------------------------------------- capacity

struct CapacityRow {
    id: i64,
    name: String,
    staff: String,
    size_limit: i64,
    hard_limit: i64,
    /// Each week: used (free), or used and which limit it is over.
    weeks: Vec<String>,
}

#[derive(Template)]
#[template(path = "capacity.html")]
struct CapacityPage {
    nav: Nav,
    setting_id: i64,
    setting: String,
    week_labels: Vec<String>,
    rows: Vec<CapacityRow>,
    warnings: Vec<String>,
    errors: Errors,
    fields: Vec<Field>,
}

async fn render_capacity(
    state: &AppState,
    session: &SessionInfo,
    id: i64,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let setting = state.store.get_setting(&caller, id).await?;
    let capacity = state.store.capacity(&caller, id, today()).await?;
    let week_labels = capacity
        .first()
        .map(|c| c.weeks.iter().map(|w| w.0.format("%-d %b").to_string()).collect())
        .unwrap_or_default();
    let warnings = capacity.iter().flat_map(|c| c.warnings.clone()).collect();
    let rows = capacity
        .into_iter()
        .map(|c| CapacityRow {
            staff: format!(
                "Teacher: {}. Support adult: {}.",
                c.group.teacher.as_deref().unwrap_or("none"),
                c.group.support_adult.as_deref().unwrap_or("none")
            ),
            weeks: c
                .weeks
                .iter()
                .map(|(_, used)| {
                    if *used > c.group.hard_limit {
                        format!("{used} (over the hard limit)")
                    } else if *used > c.group.size_limit {
                        format!("{used} (over size)")
                    } else {
                        format!("{used} ({} free)", c.group.size_limit - used)
                    }
                })
                .collect(),
            id: c.group.id,
            name: c.group.name,
            size_limit: c.group.size_limit,
            hard_limit: c.group.hard_limit,
        })
        .collect();
    let page = CapacityPage {
        nav: Nav::for_session(session, "settings"),
        setting_id: id,
        setting: setting.name,
        week_labels,
        rows,
        warnings,
        fields: vec![
            field("name", "Group name", "", "govuk-input--width-20", &form, &errors),
            field("size_limit", "Group size", "Ideally under 10", "govuk-input--width-2", &form, &errors),
            field(
                "hard_limit",
                "Hard limit",
                "Above this a placement needs a reason",
                "govuk-input--width-2",
                &form,
                &errors,
            ),
            field("teacher", "Teacher (optional)", "", "govuk-input--width-20", &form, &errors),
            field("support_adult", "Support adult (optional)", "", "govuk-input--width-20", &form, &errors),
        ],
        errors,
    };
    Ok(with_status(status_for(&page.errors), page.render()?))
}

pub async fn capacity(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_capacity(&state, &session, id_of(&id)?, FormData::new(), Vec::new()).await
}

/// Add a group to the provision.
pub async fn add_group(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let id = id_of(&id)?;
    let form = read_form(form, &session)?;
    let mut errors = Errors::new();
    let size_limit = number(&form, "size_limit", "Enter the group size as a whole number", &mut errors);
    let hard_limit = number(&form, "hard_limit", "Enter the hard limit as a whole number", &mut errors);
    let new = NewGroup {
        setting_id: id,
        name: get(&form, "name"),
        size_limit,
        hard_limit,
        teacher: get(&form, "teacher"),
        support_adult: get(&form, "support_adult"),
    };
    if errors.is_empty() {
        match state.store.create_group(&session.user.caller(), &new).await {
            Ok(_) => return Ok(Redirect::to(&format!("/provisions/{id}/capacity")).into_response()),
            Err(e) => store_errors(e, &mut errors)?,
        }
    }
    render_capacity(&state, &session, id, form, errors).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn pounds_to_pence() {
        assert_eq!(super::pence("450"), Some(45_000));
        assert_eq!(super::pence("£1,250.5"), Some(125_050));
        assert_eq!(super::pence("12.345"), None);
        assert_eq!(super::pence("ten"), None);
    }
}
