//! Duty checks for a commissioner (an LA or a trust, or a provision for its own roll), listed by
//! pupil from scoped, audited store calls (DOMAIN.md sections 5 and 6):
//! - permanently excluded pupils without full-time education from the sixth school day;
//! - part-time timetables running longer than the LA's limit (stored, migration 0009; default 6 weeks);
//! - pupils in AP on fewer than 10 sessions a week (or with no timetable recorded);
//! - referrals open for longer than the LA's limit on waiting (default 30 days).
//!
//! An LA's own users set its limits here; a trust or a provision sees the defaults. The date
//! rules are `waymark_analytics::duty`.

use crate::auth::SignedIn;
use crate::pages::layout::Nav;
use crate::pages::provision::{read_form, FormData};
use crate::{format, AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::collections::HashMap;
use waymark_analytics::duty::{sixth_day, SixthDay, Spell, FULL_TIME};
use waymark_store::commissioning::DutyLimits;
use waymark_store::{Role, SessionInfo, StoreError};

/// How far back the sixth-day check looks for permanent exclusions.
const EXCLUSIONS_DAYS: i64 = 365;

#[derive(serde::Deserialize)]
pub struct Params {
    wait_days: Option<String>,
}

struct PartTime {
    placement_id: i64,
    name: String,
    provision: String,
    timetable: String,
    since: String,
    weeks: i64,
}

struct Waiting {
    referral_id: i64,
    name: String,
    from: String,
    to: String,
    date: String,
    days: i64,
}

struct Excluded {
    pupil_id: i64,
    name: String,
    school: String,
    date: String,
    sixth_day: String,
    finding: String,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct Page {
    nav: Nav,
    date: String,
    wait_days: i64,
    limits: DutyLimits,
    /// The LA whose limits these are, when the caller may set them.
    la: Option<u16>,
    errors: Vec<(String, String)>,
    excluded: Vec<Excluded>,
    long_part_time: Vec<PartTime>,
    part_time: Vec<PartTime>,
    waiting: Vec<Waiting>,
}

/// A whole number in `range` asked for, or a clear refusal naming the field.
fn whole(raw: Option<&str>, field: &str, range: std::ops::RangeInclusive<i64>, default: i64) -> Result<i64, WebError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(default) };
    match raw.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(WebError::BadRequest(format!(
            "{field} must be a whole number of days from {} to {}; got {raw:?}",
            range.start(),
            range.end()
        ))),
    }
}

fn finding(check: &SixthDay) -> String {
    match check {
        SixthDay::Nothing(_) => "No placement recorded".into(),
        SixthDay::Late { from, .. } => format!("Placement from {} only", format::date(*from)),
        SixthDay::PartTime { sessions: 0, .. } => "Placed, but no timetable recorded on the sixth day".into(),
        SixthDay::PartTime { sessions, .. } => format!("Placed on {sessions} sessions a week on the sixth day"),
        SixthDay::NotYet(_) | SixthDay::FullTime(_) => String::new(),
    }
}

fn la_of(session: &SessionInfo) -> Option<u16> {
    match session.user.caller().role {
        Role::La(la) => Some(la),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    session: &SessionInfo,
    wait_days: Option<&str>,
    errors: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let caller = session.user.caller();
    let la = la_of(session);
    let limits = match la {
        Some(la) => state.store.duty_limits(la).await?,
        None => DutyLimits::default(),
    };
    let limit = whole(wait_days, "wait_days", 1..=365, limits.wait_days)?;
    let day = chrono::Local::now().date_naive();
    let t = state.store.today(&caller, day).await?;

    let since = day - chrono::Duration::days(EXCLUSIONS_DAYS);
    let excluded = state
        .store
        .permanent_exclusions_with_placements(&caller, since, day)
        .await?
        .into_iter()
        .filter_map(|x| {
            let spells: Vec<Spell> =
                x.placements.iter().map(|p| Spell { start: p.start, end: p.end, steps: p.steps.clone() }).collect();
            let check = sixth_day(x.start, day, &spells);
            let sixth = match check {
                SixthDay::NotYet(d)
                | SixthDay::FullTime(d)
                | SixthDay::PartTime { day: d, .. }
                | SixthDay::Late { day: d, .. }
                | SixthDay::Nothing(d) => d,
            };
            check.breached().then(|| Excluded {
                pupil_id: x.pupil_id,
                name: x.name,
                school: x.school,
                date: format::date(x.start),
                sixth_day: format::date(sixth),
                finding: finding(&check),
            })
        })
        .collect();

    let spells: HashMap<i64, Spell> = state
        .store
        .running_timetables(&caller, day)
        .await?
        .into_iter()
        .map(|p| (p.id, Spell { start: p.start, end: p.end, steps: p.steps }))
        .collect();
    let part_time: Vec<PartTime> = t
        .on_roll
        .into_iter()
        .filter(|p| p.sessions < FULL_TIME)
        .map(|p| {
            let since = spells.get(&p.placement_id).and_then(|s| s.part_time_since(day)).unwrap_or(day);
            PartTime {
                placement_id: p.placement_id,
                timetable: if p.sessions == 0 {
                    "no timetable recorded".into()
                } else {
                    format!("{} sessions a week", p.sessions)
                },
                name: p.name,
                provision: p.provision,
                since: format::date(since),
                weeks: (day - since).num_days() / 7,
            }
        })
        .collect();
    let long_part_time = part_time
        .iter()
        .filter(|p| p.weeks > limits.part_time_weeks)
        .map(|p| PartTime {
            placement_id: p.placement_id,
            name: p.name.clone(),
            provision: p.provision.clone(),
            timetable: p.timetable.clone(),
            since: p.since.clone(),
            weeks: p.weeks,
        })
        .collect();
    let waiting = t
        .referrals_in
        .into_iter()
        .map(|r| (r.date, (day - r.date).num_days(), r))
        .filter(|(_, days, _)| *days > limit)
        .map(|(date, days, r)| Waiting {
            referral_id: r.referral_id,
            name: r.name,
            from: r.from,
            to: r.to,
            date: format::date(date),
            days,
        })
        .collect();
    let page = Page {
        nav: Nav::for_session(session, ""),
        date: format::date(day),
        wait_days: limit,
        limits,
        la,
        errors,
        excluded,
        long_part_time,
        part_time,
        waiting,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    render(&state, &session, params.wait_days.as_deref(), Vec::new()).await
}

/// An LA sets its limits: weeks a part-time timetable may run, days a pupil may wait.
pub async fn set_limits(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    form: Result<Form<FormData>, FormRejection>,
) -> Result<Response, WebError> {
    let form = read_form(form, &session)?;
    let Some(la) = la_of(&session) else { return Err(WebError::NotFound) };
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Vec::new();
    let weeks = get("part_time_weeks").parse::<i64>().unwrap_or(0);
    let days = get("wait_days").parse::<i64>().unwrap_or(0);
    match state.store.set_duty_limits(&session.user.caller(), la, weeks, days).await {
        Ok(()) => return Ok(Redirect::to("/duty-checks").into_response()),
        Err(StoreError::Invalid(e)) => errors.extend(e.0.into_iter().map(|f| (f.field.to_string(), f.message))),
        Err(e) => return Err(e.into()),
    }
    render(&state, &session, None, errors).await
}
