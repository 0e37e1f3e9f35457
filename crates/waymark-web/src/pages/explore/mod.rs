//! The public observatory: pages anyone can read without signing in. They show published,
//! aggregate figures only; nothing here reads pupil records.

pub mod timpson;

/// The links between the explore pages: (href, label, is this the current one).
pub fn sections(current: &str) -> Vec<(&'static str, &'static str, bool)> {
    [("/explore/timpson", "Timpson review tracker")]
        .into_iter()
        .map(|(href, label)| (href, label, href == current))
        .collect()
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
