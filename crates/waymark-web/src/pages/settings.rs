//! The list of settings within the caller's scope, and one setting's page (roll, groups,
//! placements running there, links).

use crate::auth::SignedIn;
use crate::format;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use std::collections::HashMap;

struct Row {
    setting_id: i64,
    name: String,
    kind: &'static str,
    urn: String,
    la: String,
    parent: String,
    /// Alternative provision: it has a waiting list and groups.
    id: Option<i64>,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    nav: Nav,
    rows: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Html<String>, WebError> {
    let settings = state.store.list_settings(&session.user.caller()).await?;
    let names: HashMap<i64, String> = settings.iter().map(|s| (s.id, s.name.clone())).collect();
    let rows = settings
        .iter()
        .map(|s| Row {
            setting_id: s.id,
            name: s.name.clone(),
            kind: s.kind.label(),
            urn: s.urn.map(|u| u.to_string()).unwrap_or_else(|| "None".into()),
            la: format!("{} ({:03})", s.la.name, s.la.number),
            parent: s.parent_id.and_then(|p| names.get(&p).cloned()).unwrap_or_default(),
            id: (!matches!(s.kind, waymark_domain::SettingKind::Mainstream | waymark_domain::SettingKind::Special))
                .then_some(s.id),
        })
        .collect();
    Ok(Html(SettingsPage { nav: Nav::for_session(&session, "settings"), rows }.render()?))
}

struct PlacedRow {
    id: i64,
    name: String,
    home: String,
    group: String,
    tier: i64,
    timetable: String,
}

#[derive(Template)]
#[template(path = "setting.html")]
struct SettingPage {
    nav: Nav,
    id: i64,
    name: String,
    kind: &'static str,
    la: String,
    date: String,
    on_roll: i64,
    dual_registered: i64,
    /// Alternative provision: it has a waiting list, groups and check-ins.
    is_ap: bool,
    /// (id, name, size limit, hard limit, teacher, support adult).
    groups: Vec<(i64, String, i64, i64, String, String)>,
    placements: Vec<PlacedRow>,
}

/// One setting in scope (else not found): its roll today, groups and placements, with links.
pub async fn show(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let today = chrono::Local::now().date_naive();
    let o = state.store.setting_overview(&session.user.caller(), id, today).await?;
    let placements = o
        .placements
        .into_iter()
        .map(|p| PlacedRow {
            id: p.placement_id,
            name: p.name,
            home: p.home.unwrap_or_default(),
            group: p.group.unwrap_or_default(),
            tier: p.tier,
            // Under 10 sessions a week is a part-time timetable: flagged wherever it shows.
            timetable: if p.sessions < 10 {
                format!("{} sessions: part-time", p.sessions)
            } else {
                format!("{} sessions", p.sessions)
            },
        })
        .collect();
    let page = SettingPage {
        nav: Nav::for_session(&session, "settings"),
        id,
        kind: o.setting.kind.label(),
        la: format!("{} ({:03})", o.setting.la.name, o.setting.la.number),
        is_ap: !matches!(
            o.setting.kind,
            waymark_domain::SettingKind::Mainstream | waymark_domain::SettingKind::Special
        ),
        name: o.setting.name,
        date: format::date(today),
        on_roll: o.on_roll,
        dual_registered: o.dual_registered,
        groups: o
            .groups
            .into_iter()
            .map(|g| {
                (
                    g.id,
                    g.name,
                    g.size_limit,
                    g.hard_limit,
                    g.teacher.unwrap_or_default(),
                    g.support_adult.unwrap_or_default(),
                )
            })
            .collect(),
        placements,
    };
    Ok(Html(page.render()?))
}
