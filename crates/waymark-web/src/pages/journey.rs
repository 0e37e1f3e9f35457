//! The pupil's journey: one timeline across settings (enrolments, referrals and their steps,
//! placements and timetable changes, incidents, suspensions and exclusions, assessments,
//! interventions, destinations), assessments and check-ins drawn over time with their tables.
//! What appears is what the caller may see (docs/architecture.md says exactly what).

use crate::auth::SignedIn;
use crate::charts::lines::{line_chart, Series};
use crate::format;
use crate::pages::assessments::instrument_name;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use waymark_store::assessments::occasion_label;
use waymark_store::placements::tier_label;
use waymark_store::ReferralStatus;

/// One line of the timeline.
struct Event {
    date: NaiveDate,
    shown: String,
    kind: &'static str,
    text: String,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "journey.html")]
struct Page {
    nav: Nav,
    pupil_id: i64,
    name: String,
    events: Vec<Event>,
    charts: Vec<String>,
    scores: Vec<(String, String, String)>,
    trend: Vec<(String, String, String, i64)>,
}

fn words(code: &str) -> String {
    let text = code.replace('_', " ");
    let mut c = text.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn event(date: NaiveDate, kind: &'static str, text: String, link: Option<String>) -> Event {
    Event { date, shown: format::date(date), kind, text, link }
}

pub async fn journey(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let pupil: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let caller = session.user.caller();
    // One scoped read of the whole journey, audited once.
    let waymark_store::journey::Journey {
        pupil: child,
        enrolments,
        records,
        referrals,
        placements,
        assessments,
        trend,
    } = state.store.pupil_journey(&caller, pupil).await?;
    let mut events = Vec::new();
    for e in &enrolments {
        let r = &e.record;
        events.push(event(
            r.start,
            "Enrolment",
            format!("Joined {} ({})", e.setting_name, r.registration.label()),
            None,
        ));
        if let Some(end) = r.end {
            let why = r.leaving_reason.map(|l| format!(": {}", l.label())).unwrap_or_default();
            events.push(event(end, "Enrolment", format!("Left {}{why}", e.setting_name), None));
        }
    }
    for r in &referrals {
        let link = Some(format!("/referrals/{}", r.id));
        events.push(event(
            r.referral_date,
            "Referral",
            format!("Referred by {} to {}: {}", r.from_setting, r.to_setting, r.reason),
            link.clone(),
        ));
        for e in r.events.iter().skip(1) {
            if let Some(day) = chrono::DateTime::from_timestamp(e.at, 0).map(|t| t.date_naive()) {
                let label = ReferralStatus::from_code(&e.status).map_or("Changed", |s| s.label());
                events.push(event(day, "Referral", format!("{label} ({})", r.to_setting), link.clone()));
            }
        }
    }
    for p in &placements {
        let link = Some(format!("/placements/{}", p.id));
        events.push(event(
            p.start,
            "Placement",
            format!("Placed at {}: {}", p.setting, tier_label(p.tier)),
            link.clone(),
        ));
        for s in &p.steps {
            let part = if s.part_time() { " (part-time)" } else { "" };
            events.push(event(
                s.from_date,
                "Timetable",
                format!("{} sessions at {}, {} in mainstream{part}", s.ap_sessions, p.setting, s.mainstream_sessions),
                link.clone(),
            ));
        }
        if let (Some(end), Some(outcome)) = (p.end, p.outcome) {
            events.push(event(
                end,
                "Placement",
                format!("Placement at {} ended: {}", p.setting, outcome.label()),
                link.clone(),
            ));
        }
    }
    let r = &records;
    for i in &r.incidents {
        events.push(event(
            i.incident_date,
            "Incident",
            format!("{} at {} (severity {})", words(&i.kind), i.setting, i.severity),
            None,
        ));
    }
    for s in &r.suspensions {
        events.push(event(s.start_date, "Suspension", format!("{} days at {}", s.length_days, s.setting), None));
    }
    for x in &r.exclusions {
        events.push(event(x.start_date, "Permanent exclusion", format!("From {}", x.setting), None));
    }
    for a in &assessments {
        let score = match (a.instrument.as_str(), a.score) {
            ("reading", Some(gap)) => format!(": {gap:+.0} months against chronological age"),
            (_, Some(s)) => format!(": {s:.2}"),
            _ => String::new(),
        };
        events.push(event(
            a.assessed_on,
            "Assessment",
            format!(
                "{} {}{score} at {}",
                instrument_name(&a.instrument, a.version.as_deref()),
                occasion_label(&a.occasion).to_lowercase(),
                a.setting
            ),
            None,
        ));
    }
    for i in &r.interventions {
        events.push(event(i.start_date, "Intervention", format!("{} at {}", words(&i.kind), i.setting), None));
    }
    events.sort_by_key(|e| e.date);
    let mut charts = Vec::new();
    let sdq: Vec<_> = assessments.iter().filter(|a| a.instrument == "sdq" && a.score.is_some()).collect();
    if sdq.len() >= 2 {
        let labels: Vec<String> = sdq.iter().map(|a| a.assessed_on.format("%-d %b %Y").to_string()).collect();
        let series = Series { name: "Total difficulties".into(), values: sdq.iter().map(|a| a.score).collect() };
        charts.push(line_chart("SDQ total difficulties (lower is better)", "Total difficulties", &labels, &[series]));
    }
    if trend.len() >= 2 {
        let labels: Vec<String> = trend.iter().map(|w| w.monday.format("%-d %b").to_string()).collect();
        let mood = Series { name: "Mood (1 to 5)".into(), values: trend.iter().map(|w| Some(w.mood)).collect() };
        let ready = Series { name: "Readiness (1 to 3)".into(), values: trend.iter().map(|w| Some(w.ready)).collect() };
        charts.push(line_chart("Check-ins, weekly average", "Average", &labels, &[mood, ready]));
    }
    let scores = assessments
        .iter()
        .map(|a| {
            let what = format!(
                "{}, {}",
                instrument_name(&a.instrument, a.version.as_deref()),
                occasion_label(&a.occasion).to_lowercase()
            );
            (format::date(a.assessed_on), what, a.score.map_or_else(|| "Not scored".into(), |s| format!("{s:.2}")))
        })
        .collect();
    let trend = trend
        .iter()
        .map(|w| (format::date(w.monday), format!("{:.1}", w.mood), format!("{:.1}", w.ready), w.days))
        .collect();
    for d in &r.destinations {
        let year = waymark_domain::AcademicYear(d.ks4_year as i32);
        let sustained = if d.sustained { "sustained" } else { "not sustained" };
        if let Some(day) = NaiveDate::from_ymd_opt(d.ks4_year as i32 + 1, 9, 1) {
            events.push(event(
                day,
                "Destination",
                format!("After key stage 4 in {year}: {} ({sustained})", words(&d.destination)),
                None,
            ));
        }
    }
    let page = Page {
        nav: Nav::for_session(&session, "pupils"),
        pupil_id: pupil,
        name: child.display_name(),
        events,
        charts,
        scores,
        trend,
    };
    Ok(Html(page.render()?).into_response())
}
