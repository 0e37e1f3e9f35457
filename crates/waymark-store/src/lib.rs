//! Persistence for Waymark behind one API, over SQLite (the embedded default) and PostgreSQL.
//!
//! - Migrations for both backends run when the store opens.
//! - Every write runs in a transaction, together with its audit entry.
//! - **No query without a scope**: every function that reads pupil data takes the caller's
//!   [`Caller`] and filters in SQL; there is no unscoped way to read a pupil.
//! - Direct identifiers (names, UPN, date of birth) are encrypted with AES-256-GCM; UPN lookups
//!   and name search use keyed hashes (a blind index), never plaintext.

pub mod audit;
mod crypto;
pub mod error;
pub mod import;
pub mod keyfile;
pub mod pupils;
pub mod scope;
pub mod settings;
pub mod timpson;
pub mod users;

pub use audit::{AuditEntry, AuditVerification};
pub use crypto::Crypto;
pub use error::StoreError;
pub use import::{ImportEnrolment, ImportSetting, ImportSummary, Population};
pub use keyfile::KeySource;
pub use pupils::{PupilPage, PupilSummary};
pub use scope::{Caller, Role};
pub use timpson::{Recommendation, TimpsonChange, TimpsonProgress, TimpsonStatus, TimpsonUpdate};
pub use users::{NewUser, SessionInfo, SignInOutcome, User};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use std::str::FromStr;
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a connection pool and the keys that protect identifiers.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    crypto: Crypto,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Open (creating if needed) the database at `url` (`sqlite://path` or `postgres://...`),
    /// run migrations, and load or create the encryption key.
    pub async fn open(url: &str, key: &KeySource) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "the database URL must start with sqlite:// or postgres:// (found {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Config(format!("the database URL is not valid: {e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; a busy timeout queues writers.
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unreachable(describe_connect_error(&url, &e)))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.map_err(|e| StoreError::Migration(e.to_string()))?;
        let crypto = keyfile::load_or_create(&pool, key).await?;
        Ok(Store { pool, backend, crypto })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Close the pool, flushing SQLite's WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Say where we tried to connect without echoing a password.
fn describe_connect_error(url: &str, err: &sqlx::Error) -> String {
    let shown = match url.split_once('@') {
        Some((scheme_user, host)) => {
            let scheme = scheme_user.split("://").next().unwrap_or("");
            format!("{scheme}://…@{host}")
        }
        None => url.to_string(),
    };
    format!("could not open the database at {shown}: {err}")
}

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(feature = "testing")]
pub mod testing;
