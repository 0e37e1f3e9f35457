//! Errors as pages: a clear message for the person, details only in the operator's log, never a
//! stack trace in a page.

use crate::pages::layout::Nav;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use waymark_store::StoreError;

#[derive(Debug)]
pub enum WebError {
    /// Not found, or not within the caller's scope (indistinguishable on purpose).
    NotFound,
    /// The request needs a signed-in user; the page to return to afterwards, if any.
    SignInRequired(Option<String>),
    /// A form was posted without a valid CSRF token.
    BadCsrf,
    /// The request body was too large or malformed.
    BadRequest(String),
    PayloadTooLarge,
    /// Something went wrong on our side: logged, and shown as a generic message.
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            WebError::SignInRequired(next) => {
                let to = match next {
                    Some(next) => format!("/sign-in?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default()),
                    None => "/sign-in".into(),
                };
                return Redirect::to(&to).into_response();
            }
            WebError::NotFound => (StatusCode::NOT_FOUND, "Page not found", "If you typed the web address, check it is correct. If you followed a link, the record may not exist or may not be one you can see."),
            WebError::BadCsrf => (StatusCode::FORBIDDEN, "Your form has expired", "For your security, forms can only be sent from a page you opened in this service. Go back, reload the page and try again."),
            WebError::BadRequest(why) => (StatusCode::BAD_REQUEST, "There is a problem with your request", why.as_str()),
            WebError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "What you sent is too large", "The form you sent was larger than this service accepts. Shorten it and try again."),
            WebError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service", "Try again later. If it keeps happening, tell your Waymark administrator the time it happened.")
            }
        };
        let page = ErrorPage { nav: Nav::anonymous(), title, message };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title.to_string()).into_response(),
        };
        // Marked so that [`signed_in_error_pages`] can draw the signed-in header on it.
        response.extensions_mut().insert(ErrorShown { title: title.to_string(), message: message.to_string() });
        response
    }
}

/// What an error page said, kept on its response.
#[derive(Clone)]
struct ErrorShown {
    title: String,
    message: String,
}

/// Error pages are made where the session is not at hand (an extractor's rejection, the
/// fallback): this draws them again with the signed-in header (the user's name, role and Sign
/// out) when the request came from a live session, so a signed-in person is not shown "Sign in".
pub async fn signed_in_error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = crate::auth::cookie(request.headers(), crate::auth::SESSION_COOKIE);
    let response = next.run(request).await;
    let (Some(shown), Some(token)) = (response.extensions().get::<ErrorShown>().cloned(), token) else {
        return response;
    };
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return response;
    }
    let Ok(Some(session)) = state.store.session(&token).await else {
        return response;
    };
    let page = ErrorPage { nav: Nav::for_session(&session, ""), title: &shown.title, message: &shown.message };
    match page.render() {
        Ok(html) => (response.status(), Html(html)).into_response(),
        Err(_) => response,
    }
}
