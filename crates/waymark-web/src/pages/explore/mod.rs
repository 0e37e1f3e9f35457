//! The public observatory: pages anyone can read without signing in. They show published,
//! aggregate figures only; nothing here reads pupil records.

pub mod cold_spots;
pub mod cost;
pub mod la;
pub mod map;
pub mod model;
pub mod timpson;

/// The links between the explore pages: (href, label, is this the current one).
pub fn sections(current: &str) -> Vec<(&'static str, &'static str, bool)> {
    [
        ("/explore", "Map"),
        ("/explore/cold-spots", "Cold spots"),
        ("/explore/timpson", "Timpson review tracker"),
        ("/explore/cost", "Cost of exclusion"),
    ]
    .into_iter()
    .map(|(href, label)| (href, label, href == current))
    .collect()
}

/// Serve a public page: from the page cache for visitors who are not signed in (the page then
/// depends only on its URL), rendered afresh for signed-in users (their header differs).
pub fn public_page(
    pages: &crate::cache::PageCache,
    uri: &axum::http::Uri,
    session: Option<&waymark_store::SessionInfo>,
    render: impl FnOnce(crate::pages::layout::Nav) -> Result<String, crate::WebError>,
) -> Result<axum::response::Response, crate::WebError> {
    use axum::response::{Html, IntoResponse};
    let nav = crate::pages::layout::Nav::from_option(session, "explore");
    match session {
        Some(_) => Ok(Html(render(nav)?).into_response()),
        None => pages.get_or_render(uri, || render(nav)),
    }
}

/// A CSV download response.
pub fn csv_response(filename: &str, body: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        body,
    )
        .into_response()
}
