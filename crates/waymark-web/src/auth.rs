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
            // Come back here after signing in (a page, not a form's target).
            None => {
                let back = (parts.method == axum::http::Method::GET).then(|| parts.uri.to_string());
                Err(WebError::SignInRequired(back.and_then(|b| safe_next(&b))))
            }
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

/// `next` if it is a path on this site (so a sign-in link cannot send anyone elsewhere): one
/// leading slash, no scheme or host, no backslashes or control characters, not too long.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && !next.starts_with("/sign-in");
    ok.then(|| next.to_string())
}

/// The client's network address, for the per-address sign-in limit. Behind a reverse proxy on
/// the same machine (the connection comes from loopback) the last `X-Forwarded-For` entry, the
/// one that proxy added, is the client; from anywhere else only the connection's own address
/// counts, so a client cannot name its own.
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let forwarded = || {
            let header = parts.headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
            header.rsplit(',').next()?.trim().parse::<std::net::IpAddr>().ok()
        };
        Ok(ClientAddress(match peer {
            Some(ip) if ip.is_loopback() => Some(forwarded().unwrap_or(ip).to_string()),
            Some(ip) => Some(ip.to_string()),
            None => None,
        }))
    }
}
