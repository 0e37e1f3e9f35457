//! Signing in and out.

use crate::auth::{self, ClientAddress, MaybeSignedIn, SignedIn, CSRF_COOKIE, SESSION_COOKIE};
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use waymark_store::SignInOutcome;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    nav: Nav,
    csrf: String,
    email: String,
    error: Option<String>,
    /// Where to go after signing in (a same-site path, already checked), or empty.
    next: String,
}

/// Where a signed-in user goes when no page was asked for.
const LANDING: &str = "/pupils";

/// Render the form with a fresh double-submit token in a cookie and a hidden field.
fn render(
    state: &AppState,
    status: StatusCode,
    email: String,
    error: Option<String>,
    next: Option<String>,
) -> Result<Response, WebError> {
    let csrf = auth::random_token();
    let next = next.unwrap_or_default();
    let page = SignInPage { nav: Nav::anonymous(), csrf: csrf.clone(), email, error, next };
    let cookie = auth::set_cookie(CSRF_COOKIE, &csrf, 3600, "Strict", state.config.secure_cookies);
    Ok((status, [(SET_COOKIE, cookie)], Html(page.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    MaybeSignedIn(session): MaybeSignedIn,
    query: Result<Query<Next>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    let next = query.ok().and_then(|Query(q)| q.next).and_then(|n| auth::safe_next(&n));
    if session.is_some() {
        return Ok(Redirect::to(next.as_deref().unwrap_or(LANDING)).into_response());
    }
    render(&state, StatusCode::OK, String::new(), None, next)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Map a form that would not parse (too large, wrong type, malformed) to a clear page.
pub fn form_rejection(rejection: FormRejection) -> WebError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::PayloadTooLarge
    } else {
        WebError::BadRequest("The form could not be read. Go back and try again.".into())
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_rejection)?;
    let next = auth::safe_next(&form.next);
    let cookie = auth::cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if !auth::tokens_match(&cookie, &form.csrf) {
        return Err(WebError::BadCsrf);
    }
    if form.email.trim().is_empty() || form.password.is_empty() {
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            form.email,
            Some("Enter your email address and password".into()),
            next,
        );
    }
    match state.store.sign_in(&form.email, &form.password, client.as_deref()).await? {
        SignInOutcome::SignedIn(session) => {
            let secure = state.config.secure_cookies;
            let session_cookie =
                auth::set_cookie(SESSION_COOKIE, &session.token, waymark_store::users::SESSION_SECONDS, "Lax", secure);
            let clear_csrf = auth::set_cookie(CSRF_COOKIE, "", 0, "Strict", secure);
            let mut response = Redirect::to(next.as_deref().unwrap_or(LANDING)).into_response();
            response.headers_mut().append(SET_COOKIE, session_cookie);
            response.headers_mut().append(SET_COOKIE, clear_csrf);
            Ok(response)
        }
        SignInOutcome::WrongCredentials => render(
            &state,
            StatusCode::UNAUTHORIZED,
            form.email,
            Some("The email address or password is not right".into()),
            next,
        ),
        SignInOutcome::Locked { minutes } => render(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            form.email,
            Some(format!("There have been too many attempts to sign in. Try again in {minutes} minutes")),
            next,
        ),
        SignInOutcome::Busy => render(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            form.email,
            Some("Too many people are signing in at once. Wait a minute and try again".into()),
            next,
        ),
    }
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    form: Result<Form<SignOutForm>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(form) = form.map_err(form_rejection)?;
    auth::check_csrf(&session, &form.csrf)?;
    state.store.sign_out(&session).await?;
    let clear = auth::set_cookie(SESSION_COOKIE, "", 0, "Lax", state.config.secure_cookies);
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(SET_COOKIE, clear);
    Ok(response)
}
