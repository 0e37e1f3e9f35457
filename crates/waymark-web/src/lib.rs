//! The Waymark web application (axum): GOV.UK Frontend pages, sign-in, sessions, CSRF
//! protection and security headers.
//!
//! Handlers are thin: parse, call the store with the caller's scope, render a template. There is
//! no SQL here and no way to read a pupil without a [`waymark_store::Caller`].

mod assets;
mod auth;
mod cache;
mod charts;
mod error;
mod format;
mod pages;
mod security;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use waymark_store::Store;

pub use error::WebError;
pub use pages::import::StoreKnown;

/// Largest request body accepted by every route but the import upload (forms are small).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How the web app behaves, as chosen by the operator.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (sent over HTTPS only). Off only for plain-HTTP use on loopback.
    pub secure_cookies: bool,
    /// AP settings with locations, from an establishment register the operator loaded
    /// (`--establishments`), drawn as points on the public map.
    pub establishments: std::sync::Arc<Vec<waymark_opendata::gias::Establishment>>,
}

impl WebConfig {
    /// The defaults for local use: plain-HTTP cookies, no establishment register.
    pub fn local() -> WebConfig {
        WebConfig { secure_cookies: false, establishments: Default::default() }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: WebConfig,
    /// Rendered public pages for visitors who are not signed in.
    pub pages: std::sync::Arc<cache::PageCache>,
}

/// The whole application, ready to serve (tests call this and serve it on a random port).
pub fn app(store: Store, config: WebConfig) -> Router {
    let state = AppState { store, config, pages: Default::default() };
    Router::new()
        .route("/", get(pages::home::home))
        .route("/healthz", get(pages::home::healthz))
        .route("/sign-in", get(pages::sign_in::form).post(pages::sign_in::submit))
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/settings", get(pages::settings::list))
        .route("/pupils", get(pages::pupils::list).post(pages::pupils::search))
        .route(
            "/import",
            get(pages::import::form)
                .post(pages::import::upload)
                .layer(DefaultBodyLimit::max(pages::import::MAX_UPLOAD_BYTES)),
        )
        .route("/pupils/{id}", get(pages::pupils::show))
        .route("/explore", get(pages::explore::map::map))
        .route("/explore.csv", get(pages::explore::map::csv))
        .route("/explore/la/{code}", get(pages::explore::la::profile))
        .route("/explore/cold-spots", get(pages::explore::cold_spots::page))
        .route("/explore/cold-spots.csv", get(pages::explore::cold_spots::csv))
        .route("/explore/cold-spots/method", get(pages::explore::cold_spots::method))
        .route("/explore/cost", get(pages::explore::cost::page))
        .route("/explore/timpson", get(pages::explore::timpson::tracker))
        .route("/explore/timpson.csv", get(pages::explore::timpson::csv))
        .route("/explore/timpson-progress.csv", get(pages::explore::timpson::progress_csv))
        .route("/explore/timpson/{key}", get(pages::explore::timpson::item).post(pages::explore::timpson::update))
        .route("/assets/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(pages::home::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Serve until Ctrl-C (or SIGTERM), then finish in-flight requests.
pub async fn serve(store: Store, config: WebConfig, bind: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    serve_on(listener, store, config).await
}

/// Serve on a listener that is already bound (for tests and for printing the real port).
pub async fn serve_on(listener: tokio::net::TcpListener, store: Store, config: WebConfig) -> std::io::Result<()> {
    // Load the observatory's open data now rather than on the first visitor's request.
    tokio::task::spawn_blocking(|| {
        if let Err(e) = pages::explore::model::Explore::shared() {
            tracing::error!("{e}");
        }
    });
    axum::serve(listener, app(store, config)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
