//! The home page, the health check and the not-found page.

use crate::auth::MaybeSignedIn;
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    nav: Nav,
    /// The five coldest spots of the cold-spot index: (LA number, name, rank and interval).
    coldest: Vec<(u16, String, String)>,
}

pub async fn home(MaybeSignedIn(session): MaybeSignedIn) -> Result<Html<String>, WebError> {
    // The open data is embedded; if it would not load the explore pages say so, and the home
    // page simply leaves the cold spots out.
    let coldest = crate::pages::explore::model::Explore::shared()
        .map(|e| crate::pages::explore::cold_spots::coldest_five(&e.obs))
        .unwrap_or_default();
    Ok(Html(Home { nav: Nav::from_option(session.as_ref(), ""), coldest }.render()?))
}

/// 200 "ok" when the store answers; 503 otherwise (the reason goes to the log, not the page).
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}
