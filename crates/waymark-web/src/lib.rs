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

/// What a route shows, and so who may reach it. The scope test in `tests/web.rs` walks every
/// [`Exposure::PupilData`] route with every role, taken from [`route_table`]: a new route that
/// shows pupil data and is not walked there fails the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Anyone: the observatory, sign-in, assets.
    Public,
    /// Signed-in users, but no pupil data (their settings, signing out).
    SignedIn,
    /// Pupil data: every read and write scoped by the store to the signed-in user.
    PupilData,
}

type Route = (&'static str, Exposure, axum::routing::MethodRouter<AppState>);

fn routes() -> Vec<Route> {
    use pages::*;
    use Exposure::*;
    vec![
        ("/", Public, get(home::home)),
        ("/healthz", Public, get(home::healthz)),
        ("/sign-in", Public, get(sign_in::form).post(sign_in::submit)),
        ("/sign-out", SignedIn, post(sign_in::sign_out)),
        ("/settings", SignedIn, get(settings::list)),
        ("/today", PupilData, get(today::today)),
        ("/pupils", PupilData, get(pupils::list).post(pupils::search)),
        ("/pupils/{id}", PupilData, get(pupils::show)),
        ("/pupils/{id}/assessments", PupilData, get(assessments::list)),
        ("/pupils/{id}/assessments/new", PupilData, get(assessments::form).post(assessments::record)),
        ("/pupils/{id}/journey", PupilData, get(journey::journey)),
        ("/pupils/{id}/interventions", PupilData, get(interventions::list).post(interventions::record)),
        ("/pupils/{id}/refer", PupilData, get(provision::refer_form).post(provision::refer)),
        ("/referrals/{id}", PupilData, get(provision::referral).post(provision::move_referral)),
        ("/referrals/{id}/place", PupilData, get(provision::place_form).post(provision::place)),
        ("/placements/{id}", PupilData, get(provision::placement)),
        ("/placements/{id}/timetable", PupilData, post(provision::add_step)),
        ("/placements/{id}/plan", PupilData, post(provision::set_plan)),
        ("/placements/{id}/end", PupilData, post(provision::end)),
        ("/provisions/{id}/waiting-list", PupilData, get(provision::waiting_list)),
        ("/groups/{id}/checkin", PupilData, get(checkin::form).post(checkin::record)),
        ("/groups/{id}/week", PupilData, get(checkin::week)),
        ("/provisions/{id}/capacity", PupilData, get(provision::capacity).post(provision::add_group)),
        (
            "/import",
            PupilData,
            get(import::form).post(import::upload).layer(DefaultBodyLimit::max(import::MAX_UPLOAD_BYTES)),
        ),
        ("/explore", Public, get(explore::map::map)),
        ("/explore.csv", Public, get(explore::map::csv)),
        ("/explore/la/{code}", Public, get(explore::la::profile)),
        ("/explore/cold-spots", Public, get(explore::cold_spots::page)),
        ("/explore/cold-spots.csv", Public, get(explore::cold_spots::csv)),
        ("/explore/cold-spots/method", Public, get(explore::cold_spots::method)),
        ("/explore/cost", Public, get(explore::cost::page)),
        ("/explore/timpson", Public, get(explore::timpson::tracker)),
        ("/explore/timpson.csv", Public, get(explore::timpson::csv)),
        ("/explore/timpson-progress.csv", Public, get(explore::timpson::progress_csv)),
        ("/explore/timpson/{key}", Public, get(explore::timpson::item).post(explore::timpson::update)),
        ("/assets/{*path}", Public, get(assets::serve)),
        ("/favicon.ico", Public, get(assets::favicon)),
    ]
}

/// Every route's path and what it shows, from the same table the router is built from.
pub fn route_table() -> Vec<(&'static str, Exposure)> {
    routes().into_iter().map(|(path, exposure, _)| (path, exposure)).collect()
}

/// The whole application, ready to serve (tests call this and serve it on a random port).
pub fn app(store: Store, config: WebConfig) -> Router {
    let state = AppState { store, config, pages: Default::default() };
    let mut router = Router::new();
    for (path, _, handler) in routes() {
        router = router.route(path, handler);
    }
    router
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
    // And the pupil list's name index (decrypting every name takes a few seconds for a large LA).
    let warming = store.clone();
    tokio::spawn(async move {
        if let Err(e) = warming.warm_name_index().await {
            tracing::error!("building the pupil name index: {e}");
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
