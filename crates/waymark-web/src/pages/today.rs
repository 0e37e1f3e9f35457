//! "Today": what a signed-in user needs from running provision, whatever their role: the
//! inclusion lead's open referrals and pupils in AP with their provision; the AP lead's roll,
//! groups, referrals in and reviews due; the LA's pupils in AP by provider.

use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use waymark_store::today::{OnRoll, OpenReferral};

struct PlacementRow {
    id: i64,
    name: String,
    provision: String,
    home: String,
    group: String,
    tier: i64,
    timetable: String,
    review: String,
    review_due: bool,
}

struct ReferralRow {
    id: i64,
    name: String,
    from: String,
    to: String,
    date: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "today.html")]
struct Page {
    nav: Nav,
    date: String,
    on_roll: Vec<PlacementRow>,
    away: Vec<PlacementRow>,
    referrals_in: Vec<ReferralRow>,
    referrals_out: Vec<ReferralRow>,
    by_provider: Vec<(String, i64)>,
    reviews_due: usize,
    /// An LA's users also compare the providers it commissions.
    commissioner: bool,
}

fn placement_rows(list: Vec<OnRoll>, today: chrono::NaiveDate) -> Vec<PlacementRow> {
    list.into_iter()
        .map(|p| PlacementRow {
            review_due: p.review_due(today),
            id: p.placement_id,
            name: p.name,
            provision: p.provision,
            home: p.home.unwrap_or_default(),
            group: p.group.unwrap_or_default(),
            tier: p.tier,
            timetable: if p.sessions < 10 {
                format!("{} sessions: part-time", p.sessions)
            } else {
                format!("{} sessions", p.sessions)
            },
            review: p.review.map(format::date).unwrap_or_default(),
        })
        .collect()
}

fn referral_rows(list: Vec<OpenReferral>) -> Vec<ReferralRow> {
    list.into_iter()
        .map(|r| ReferralRow {
            id: r.referral_id,
            name: r.name,
            from: r.from,
            to: r.to,
            date: format::date(r.date),
            status: r.status.label(),
        })
        .collect()
}

pub async fn today(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    let day = chrono::Local::now().date_naive();
    let t = state.store.today(&session.user.caller(), day).await?;
    let on_roll = placement_rows(t.on_roll, day);
    let page = Page {
        nav: Nav::for_session(&session, "today"),
        date: format::date(day),
        reviews_due: on_roll.iter().filter(|p| p.review_due).count(),
        on_roll,
        away: placement_rows(t.away, day),
        referrals_in: referral_rows(t.referrals_in),
        referrals_out: referral_rows(t.referrals_out),
        by_provider: t.by_provider,
        commissioner: matches!(session.user.role, waymark_store::Role::La(_)),
    };
    Ok(Html(page.render()?).into_response())
}
