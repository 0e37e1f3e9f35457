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

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::timeout::TimeoutLayer;
use waymark_store::Store;

pub use error::WebError;
pub use pages::import::StoreKnown;

/// Largest request body accepted by every route but the import upload (forms are small).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// How the web app behaves, as chosen by the operator.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (sent over HTTPS only) and send HSTS. Off only for plain-HTTP use on
    /// loopback.
    pub secure_cookies: bool,
    /// How long slow or idle clients may hold a connection or a request.
    pub timeouts: Timeouts,
    /// AP settings with locations, from an establishment register the operator loaded
    /// (`--establishments`), drawn as points on the public map.
    pub establishments: std::sync::Arc<Vec<waymark_opendata::gias::Establishment>>,
}

impl WebConfig {
    /// The defaults for local use: plain-HTTP cookies, no establishment register.
    pub fn local() -> WebConfig {
        WebConfig { secure_cookies: false, timeouts: Timeouts::default(), establishments: Default::default() }
    }
}

/// Limits on how long a client may take, so slow or idle clients cannot hold connections open.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To send a request's headers, and to start the next request on a kept-alive connection
    /// (hyper starts this timer whenever a connection waits for headers, so it is also the idle
    /// limit).
    pub header_read: Duration,
    /// To send a request's body and get its response, on every route but the import upload.
    pub request: Duration,
    /// The same for the import upload (a large file over a school's connection).
    pub upload: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(60),
            upload: Duration::from_secs(15 * 60),
        }
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
        ("/settings/{id}", PupilData, get(settings::show)),
        ("/today", PupilData, get(today::today)),
        ("/duty-checks", PupilData, get(duty::page)),
        ("/duty-checks/limits", PupilData, post(duty::set_limits)),
        ("/commissioner", PupilData, get(commissioner::page)),
        ("/commissioner/providers.csv", PupilData, get(commissioner::providers_csv)),
        ("/commissioner/completeness.csv", PupilData, get(commissioner::completeness_csv)),
        ("/commissioner/placements.csv", PupilData, get(commissioner::placements_csv)),
        ("/commissioner/costs.csv", PupilData, get(commissioner::costs_csv)),
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
        ("/provisions/{id}/scales", SignedIn, get(scales::page).post(scales::create)),
        ("/provisions/{id}/outcomes", PupilData, get(outcomes::provision)),
        ("/provisions/{id}/outcomes.csv", PupilData, get(outcomes::provision_csv)),
        ("/provisions/{id}/report", PupilData, get(outcomes::provision_report)),
        ("/schools/{id}/report", PupilData, get(outcomes::school_report)),
        ("/schools/{id}/outcomes", PupilData, get(outcomes::school)),
        ("/schools/{id}/outcomes.csv", PupilData, get(outcomes::school_csv)),
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
    let timeouts = config.timeouts;
    let state = AppState { store, config, pages: Default::default() };
    let mut router = Router::new();
    for (path, _, handler) in routes() {
        let limit = if path == "/import" { timeouts.upload } else { timeouts.request };
        router = router.route(path, handler.layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limit)));
    }
    router
        .fallback(pages::home::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::signed_in_error_pages))
        .layer(axum::middleware::from_fn(security::reject_undecodable_paths))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn(cache::serve_compressed))
        // Quality 4 (gzip and brotli alike): most of the saving of the highest levels at a
        // fraction of their time, since pages are compressed on every response.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .with_state(state)
}

/// Serve until Ctrl-C (or SIGTERM), then finish in-flight requests.
pub async fn serve(store: Store, config: WebConfig, bind: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    serve_on(listener, store, config).await
}

/// Serve on a listener that is already bound (for tests and for printing the real port).
pub async fn serve_on(listener: tokio::net::TcpListener, store: Store, config: WebConfig) -> std::io::Result<()> {
    warm(&store);
    let timeouts = config.timeouts;
    serve_router(listener, app(store, config), timeouts, shutdown_signal()).await
}

/// Accept connections and serve `router` on each until `shutdown` resolves, then let in-flight
/// requests finish. Written out (rather than `axum::serve`) to set hyper's header-read timer,
/// which `axum::serve` leaves unset, and to hand each request its client's address.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.header_read);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(timeouts.header_read);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    // In-flight requests get a little time to finish.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("some connections did not close in time"),
    }
    Ok(())
}

/// Load what the first visitors would otherwise wait for.
fn warm(store: &Store) {
    // Load the observatory's open data now rather than on the first visitor's request, and work
    // out what every page asks of it once per process (each measure's years, the cold-spot
    // index, the AP census totals), so no visitor's first page pays for them.
    tokio::task::spawn_blocking(|| match pages::explore::model::Explore::shared() {
        Ok(explore) => explore.obs.prepare(),
        Err(e) => tracing::error!("{e}"),
    });
    // And the pupil list's name index (decrypting every name takes a few seconds for a large LA).
    let warming = store.clone();
    tokio::spawn(async move {
        if let Err(e) = warming.warm_name_index().await {
            tracing::error!("building the pupil name index: {e}");
        }
    });
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
