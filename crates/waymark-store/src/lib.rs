//! Persistence for Waymark behind one API, over SQLite (the embedded default) and PostgreSQL.
//!
//! - Migrations for both backends run when the store opens.
//! - Every write runs in a transaction, together with its audit entry.
//! - **No query without a scope**: every function that reads pupil data takes the caller's
//!   [`Caller`] and filters in SQL; there is no unscoped way to read a pupil.
//! - Direct identifiers (names, UPN, date of birth) are encrypted with AES-256-GCM; UPN lookups
//!   and name search use keyed hashes (a blind index), never plaintext.

pub mod assessments;
pub mod audit;
mod bulk;
pub mod checkins;
mod crypto;
mod engine;
pub mod error;
pub mod import;
pub mod interventions;
pub mod keyfile;
mod names;
pub mod placements;
pub mod pupils;
pub mod records;
pub mod referrals;
pub mod scope;
pub mod settings;
pub mod signin;
pub mod timpson;
pub mod today;
pub mod users;

pub use audit::{AuditEntry, AuditVerification};
pub use crypto::Crypto;
pub use error::StoreError;
pub use import::{ImportContext, ImportCounts};
pub use keyfile::KeySource;
pub use placements::{Group, GroupCapacity, NewGroup, NewPlacement, PlacementOutcome, PlacementView, Step};
pub use pupils::{PupilFilter, PupilPage, PupilSummary};
pub use records::{PupilFile, PupilRecords};
pub use referrals::{NewReferral, ReferralStatus, ReferralView, WaitingEntry};
pub use scope::{Caller, Role};
pub use signin::PasswordPolicy;
pub use timpson::{Recommendation, TimpsonChange, TimpsonProgress, TimpsonStatus, TimpsonUpdate};
pub use users::{NewUser, SessionInfo, SignInOutcome, User};

use engine::{on_pool, Pool};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::ConnectOptions;
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
    pool: Pool,
    crypto: Crypto,
    /// Decrypted names, in memory only, for sorting and searching the pupil list.
    names: std::sync::Arc<names::NameIndex>,
    /// The writer that audits views in groups.
    audit: audit::AuditQueue,
    /// Password hashing, its limits and its concurrency cap.
    signin: std::sync::Arc<signin::SignInGuard>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a writer waits for SQLite's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Open (creating if needed) the database at `url` (`sqlite://path` or `postgres://...`),
    /// run migrations, and load or create the encryption key.
    pub async fn open(url: &str, key: &KeySource) -> Result<Store, StoreError> {
        let invalid = |e: sqlx::Error| StoreError::Config(format!("the database URL is not valid: {e}"));
        let unreachable = |e: sqlx::Error| StoreError::Unreachable(describe_connect_error(url, &e));
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(invalid)?
                .create_if_missing(true)
                // WAL lets readers run beside the one writer; writers queue on the busy timeout.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // Import staging tables live in memory, not in a temporary file.
                .pragma("temp_store", "memory")
                .disable_statement_logging();
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(SQLITE_BUSY_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            Pool::Sqlite(pool, Default::default())
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(invalid)?.disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::Config(format!(
                "the database URL must start with sqlite:// or postgres:// (found {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let migrated = match &pool {
            Pool::Sqlite(p, _) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        };
        migrated.map_err(|e| StoreError::Migration(e.to_string()))?;
        let crypto = keyfile::load_or_create(&pool, key).await?;
        let audit = audit::AuditQueue::start(pool.clone());
        Ok(Store {
            pool,
            crypto,
            names: Default::default(),
            audit,
            signin: signin::SignInGuard::new(Default::default()),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Close the pool, flushing SQLite's WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(&self.pool, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
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
