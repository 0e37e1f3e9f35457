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
}

pub async fn home(MaybeSignedIn(session): MaybeSignedIn) -> Result<Html<String>, WebError> {
    Ok(Html(Home { nav: Nav::from_option(session.as_ref(), "") }.render()?))
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
