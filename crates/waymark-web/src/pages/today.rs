//! "Today": what a signed-in user needs from running provision, whatever their role: the
//! inclusion lead's open referrals and pupils in AP with their provision; the AP lead's roll,
//! groups, referrals in and reviews due; the LA's pupils in AP by provider; and everyone's
//! pupils at risk this term (with the reasons) and suspensions and permanent exclusions this term
//! by school.

use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use waymark_store::today::{OnRoll, OpenReferral, Suspended, TermExclusions};

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

struct ExclusionRow {
    setting: String,
    suspensions: i64,
    pupils_suspended: i64,
    days: String,
    permanent: i64,
}

/// The term and its dates in words ("Autumn term 2023/24: 1 September 2023 to 31 December 2023"),
/// and a row a school.
fn exclusion_rows(today: &waymark_store::today::Today) -> (String, Vec<ExclusionRow>) {
    let term = today.term.map_or_else(String::new, |(year, term, first, last)| {
        format!("{} term {year}: {} to {}", term.label(), format::date(first), format::date(last))
    });
    let rows = today.exclusions.iter().map(exclusion_row).collect();
    (term, rows)
}

struct SuspendedRow {
    pupil_id: i64,
    name: String,
    setting: String,
    suspensions: i64,
    days: String,
    in_ap: bool,
    /// Why the pupil is at risk, in words.
    reasons: String,
}

fn suspended_row(s: &Suspended) -> SuspendedRow {
    SuspendedRow {
        pupil_id: s.pupil_id,
        name: s.name.clone(),
        setting: s.setting.clone(),
        suspensions: s.suspensions,
        days: days(s.days),
        in_ap: s.in_ap,
        reasons: s.reasons().join("; "),
    }
}

/// Suspensions run in whole and half days; show 2 and 2.5, not 2.0.
fn days(d: f64) -> String {
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.1}")
    }
}

fn exclusion_row(e: &TermExclusions) -> ExclusionRow {
    ExclusionRow {
        setting: e.setting.clone(),
        suspensions: e.suspensions,
        pupils_suspended: e.pupils_suspended,
        days: days(e.days),
        permanent: e.permanent,
    }
}

fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn exclusions_caption(rows: &[ExclusionRow]) -> String {
    format!(
        "{} and {} this term at {}",
        count(rows.iter().map(|e| e.suspensions).sum(), "suspension", "suspensions"),
        count(rows.iter().map(|e| e.permanent).sum(), "permanent exclusion", "permanent exclusions"),
        count(rows.len() as i64, "setting", "settings"),
    )
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
    term: String,
    exclusions: Vec<ExclusionRow>,
    /// "3 suspensions and 1 permanent exclusion this term at 2 settings".
    exclusions_caption: String,
    suspended: Vec<SuspendedRow>,
    /// Pupils at risk not listed (beyond the first 50).
    suspended_more: usize,
    /// The rule that lists a pupil as at risk.
    at_risk_rule: &'static str,
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
    let (term, exclusions) = exclusion_rows(&t);
    let on_roll = placement_rows(t.on_roll, day);
    let page = Page {
        exclusions_caption: exclusions_caption(&exclusions),
        suspended: t.suspended.iter().map(suspended_row).collect(),
        suspended_more: t.suspended_total.saturating_sub(t.suspended.len()),
        at_risk_rule: waymark_store::today::AT_RISK_RULE,
        term,
        exclusions,
        nav: Nav::for_session(&session, "today"),
        date: format::date(day),
        reviews_due: on_roll.iter().filter(|p| p.review_due).count(),
        on_roll,
        away: placement_rows(t.away, day),
        referrals_in: referral_rows(t.referrals_in),
        referrals_out: referral_rows(t.referrals_out),
        by_provider: t.by_provider,
        commissioner: matches!(session.user.role, waymark_store::Role::La(_) | waymark_store::Role::Trust(_)),
    };
    Ok(Html(page.render()?).into_response())
}
