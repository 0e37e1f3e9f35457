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
pub mod commissioning;
mod crypto;
mod engine;
pub mod error;
pub mod import;
pub mod interventions;
pub mod journey;
pub mod keyfile;
mod names;
pub mod outcomes;
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

pub use audit::{AuditEntry, AuditHead, AuditVerification};
pub use crypto::Crypto;
pub use error::StoreError;
pub use import::{ImportContext, ImportCounts};
pub use keyfile::KeySource;
pub use placements::{Group, GroupCapacity, NewGroup, NewPlacement, PlacementOutcome, PlacementView, Step};
pub use pupils::{PupilFilter, PupilPage, PupilSummary};
pub use records::{CheckIn, PupilFile, PupilRecords};
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

/// Connections to PostgreSQL: twice the cores, at least 4. Each connection is a server process;
/// more of them than the cores can run only queue inside the kernel. Measured with `waymark
/// bench pages` on 2 cores (server, PostgreSQL and clients on one machine): 16 connections
/// served the pupil journey at 409 requests/s, 4 at 453, 2 at 423 (docs/performance.md).
fn postgres_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 32)
}

/// How long a writer waits for SQLite's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Open (creating if needed) the database at `url` (`sqlite://path` or `postgres://...`),
    /// run migrations, and load or create the encryption key.
    pub async fn open(url: &str, key: &KeySource) -> Result<Store, StoreError> {
        let invalid = |e: sqlx::Error| StoreError::Config(format!("the database URL is not valid: {e}"));
        let unreachable = |e: sqlx::Error| StoreError::Unreachable(describe_connect_error(url, &e));
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url).map_err(invalid)?;
            create_owner_only(options.get_filename())?;
            let options = options
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
            Pool::Sqlite(pool, Default::default(), Default::default())
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url).map_err(invalid)?.disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(postgres_pool_size())
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(unreachable)?;
            Pool::Postgres(pool, Default::default())
        } else {
            return Err(StoreError::Config(format!(
                "the database URL must start with sqlite:// or postgres:// (found {:?})",
                url.split(':').next().unwrap_or("")
            )));
        };
        let migrated = match &pool {
            Pool::Sqlite(p, ..) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Postgres(p, _) => POSTGRES_MIGRATIONS.run(p).await,
        };
        migrated.map_err(|e| StoreError::Migration(e.to_string()))?;
        let loaded = keyfile::load_or_create(&pool, key).await?;
        let crypto = loaded.crypto;
        pool.set_audit_key(crypto.audit_key());
        audit::key_chain(&pool).await?;
        if loaded.bind_rows {
            keyfile::bind_identifiers_to_rows(&pool, &crypto).await?;
        }
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
            Pool::Postgres(..) => Backend::Postgres,
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

/// Create a new SQLite database file readable and writable by its owner only (mode 0600), before
/// SQLite opens it: SQLite gives the `-wal` and `-shm` files it makes the database file's mode, so
/// they are owner-only too. An existing file is left as it is, with a warning if others can read it.
fn create_owner_only(path: &std::path::Path) -> Result<(), StoreError> {
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(meta) = std::fs::metadata(path) {
                    if meta.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(
                            "the database file {} can be read by users other than its owner; it holds pupil data \
                             (chmod 600 it, and its -wal and -shm files)",
                            path.display()
                        );
                    }
                }
            }
            Ok(())
        }
        Err(e) => Err(StoreError::Unreachable(format!("could not create the database file {}: {e}", path.display()))),
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
