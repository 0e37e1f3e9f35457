//! Sessions from cookies, and CSRF checks.
//!
//! The session cookie carries a random bearer token (the store keeps only its hash). Forms of a
//! signed-in user carry the session's CSRF token; the sign-in form, which has no session yet,
//! uses a double-submit token: the same random value in a cookie and in a hidden field.

use crate::{AppState, WebError};
use axum::extract::FromRequestParts;
use axum::http::header::{HeaderMap, HeaderValue, COOKIE};
use axum::http::request::Parts;
use rand::RngCore;
use waymark_store::SessionInfo;

pub const SESSION_COOKIE: &str = "waymark_session";
pub const CSRF_COOKIE: &str = "waymark_csrf";

/// A signed-in user; handlers that take this redirect anonymous visitors to the sign-in page.
pub struct SignedIn(pub SessionInfo);

/// A visitor who may or may not be signed in.
pub struct MaybeSignedIn(pub Option<SessionInfo>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match cookie(&parts.headers, SESSION_COOKIE) {
            // Tokens are 64 hex characters; anything else is not worth a query.
            Some(token) if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(MaybeSignedIn(state.store.session(&token).await?))
            }
            _ => Ok(MaybeSignedIn(None)),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeSignedIn::from_request_parts(parts, state).await?.0 {
            Some(session) => Ok(SignedIn(session)),
            None => Err(WebError::SignInRequired),
        }
    }
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly always, `Secure` when configured, `max_age` 0 to delete.
pub fn set_cookie(name: &str, value: &str, max_age: i64, same_site: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"))
        .expect("cookie values are hex")
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compare tokens in time independent of where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Check a signed-in form's token against the session's.
pub fn check_csrf(session: &SessionInfo, submitted: &str) -> Result<(), WebError> {
    if tokens_match(&session.csrf_token, submitted) {
        Ok(())
    } else {
        Err(WebError::BadCsrf)
    }
}
