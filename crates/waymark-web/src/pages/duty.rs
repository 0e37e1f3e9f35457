//! Duty checks for a commissioner (an LA or a trust, or a provision for its own roll), listed by
//! pupil from the same scoped, audited store call as "Today": pupils in AP on fewer than 10
//! sessions a week (or with no timetable recorded), and referrals open for longer than a set
//! number of days. Not yet listed: permanently excluded pupils without full-time education from
//! the sixth school day, and part-time timetables longer than the LA's limit (no limit is stored).

use crate::auth::SignedIn;
use crate::pages::layout::Nav;
use crate::{format, AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};

/// Full time in AP is 10 sessions a week (DOMAIN.md: two sessions a day, five days).
const FULL_TIME: i64 = 10;
/// The wait listed when none is asked for.
const DEFAULT_WAIT_DAYS: i64 = 30;

#[derive(serde::Deserialize)]
pub struct Params {
    wait_days: Option<String>,
}

struct PartTime {
    placement_id: i64,
    name: String,
    provision: String,
    timetable: String,
}

struct Waiting {
    referral_id: i64,
    name: String,
    from: String,
    to: String,
    date: String,
    days: i64,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct Page {
    nav: Nav,
    date: String,
    wait_days: i64,
    part_time: Vec<PartTime>,
    waiting: Vec<Waiting>,
}

/// The wait limit asked for, or a clear refusal naming the field.
fn wait_days(raw: Option<&str>) -> Result<i64, WebError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(DEFAULT_WAIT_DAYS) };
    match raw.parse::<i64>() {
        Ok(n) if (1..=365).contains(&n) => Ok(n),
        _ => Err(WebError::BadRequest(format!("wait_days must be a whole number of days from 1 to 365; got {raw:?}"))),
    }
}

pub async fn page(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    let limit = wait_days(params.wait_days.as_deref())?;
    let day = chrono::Local::now().date_naive();
    let t = state.store.today(&session.user.caller(), day).await?;
    let part_time = t
        .on_roll
        .into_iter()
        .filter(|p| p.sessions < FULL_TIME)
        .map(|p| PartTime {
            placement_id: p.placement_id,
            timetable: if p.sessions == 0 {
                "no timetable recorded".into()
            } else {
                format!("{} sessions a week", p.sessions)
            },
            name: p.name,
            provision: p.provision,
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
    let page =
        Page { nav: Nav::for_session(&session, ""), date: format::date(day), wait_days: limit, part_time, waiting };
    Ok(Html(page.render()?).into_response())
}
