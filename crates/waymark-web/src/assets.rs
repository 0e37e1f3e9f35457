//! GOV.UK Frontend, htmx and Waymark's own CSS and scripts, embedded in the binary.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.txt"]
#[exclude = "GOVUK-FRONTEND-VERSION"]
#[exclude = "HTMX-VERSION"]
struct Assets;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

pub async fn serve(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [(header::CONTENT_TYPE, content_type(&path)), (header::CACHE_CONTROL, "public, max-age=3600")],
            file.data.into_owned(),
        )
            .into_response(),
        None => crate::WebError::NotFound.into_response(),
    }
}

pub async fn favicon() -> Redirect {
    Redirect::permanent("/assets/waymark-icon.svg")
}
