//! The list of settings within the caller's scope.

use crate::auth::SignedIn;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use std::collections::HashMap;

struct Row {
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
