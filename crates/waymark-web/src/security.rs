//! Security headers on every response, and requests refused before they reach a handler.

use crate::{AppState, WebError};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Strict CSP: only our own scripts, styles, images and fonts; no framing; forms post only to us.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A year, the usual HSTS lifetime; sent only when cookies are secure (so the site is on HTTPS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if !is_asset {
        // Pages may hold pupil data: never keep them in a shared or back-forward cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A path whose percent-escapes do not decode to UTF-8 gets the service's own 400 page here,
/// rather than the router's plain-text rejection later.
pub async fn reject_undecodable_paths(request: Request, next: Next) -> Response {
    if percent_encoding::percent_decode_str(request.uri().path()).decode_utf8().is_err() {
        return WebError::BadRequest(
            "The web address has characters this service cannot read. Check it, or go to the home page.".into(),
        )
        .into_response();
    }
    next.run(request).await
}
