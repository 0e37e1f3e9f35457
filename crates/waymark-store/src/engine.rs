//! The two database engines behind the store's one API.
//!
//! Each engine keeps its own typed pool (`SqlitePool`, `PgPool`), so rows decode into typed
//! structs and PostgreSQL holds real dates and booleans. Queries are written once: the
//! [`on_pool!`] and [`on_tx!`] macros expand a body for each engine, and the compiler checks it
//! against each. An enum rather than a trait: the set of engines is closed, and an enum keeps
//! the store a plain value with no generic parameter leaking into the web and CLI crates.

use crate::StoreError;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::sync::Arc;

/// A connection pool on one of the two engines.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// SQLite has one writer at a time. Writers in this process queue on the mutex (woken in
    /// turn, at once) rather than on SQLite's busy handler, which sleeps for up to 100 ms
    /// between tries and so gives long tail latencies under load. Other processes are still
    /// waited for by the busy timeout.
    Sqlite(SqlitePool, Arc<tokio::sync::Mutex<()>>, AuditKeySlot),
    Postgres(PgPool, AuditKeySlot),
}

/// The key that MACs the audit chain, set once the master key is loaded. Every write
/// transaction carries it, so an append inside any transaction can key its entries without
/// each caller passing the key along.
pub(crate) type AuditKeySlot = Arc<std::sync::OnceLock<crate::crypto::AuditKey>>;

/// An open transaction on one of the two engines (on SQLite, holding the writer's turn).
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<tokio::sync::OwnedMutexGuard<()>>, crate::crypto::AuditKey),
    Postgres(Transaction<'static, Postgres>, crate::crypto::AuditKey),
}

/// Run `$body` with `$p` bound to the engine's typed pool.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::engine::Pool::Sqlite($p, ..) => $body,
            $crate::engine::Pool::Postgres($p, _) => $body,
        }
    };
}

/// Run `$body` with `$c` bound to the transaction's typed connection (`&mut SqliteConnection`
/// or `&mut PgConnection`); reborrow it per query with `&mut *$c`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::engine::Tx::Sqlite(t, ..) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::engine::Tx::Postgres(t, _) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

pub(crate) use on_pool;
pub(crate) use on_tx;

impl Pool {
    /// A transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so it waits its turn under the busy timeout instead of failing with
    /// "database is locked" when a read transaction later tries to become a write.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        let key = |slot: &AuditKeySlot| {
            slot.get().cloned().ok_or_else(|| StoreError::Config("the audit key is not loaded yet".into()))
        };
        Ok(match self {
            Pool::Sqlite(p, writer, slot) => {
                let key = key(slot)?;
                let turn = writer.clone().lock_owned().await;
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, Some(turn), key)
            }
            Pool::Postgres(p, slot) => Tx::Postgres(p.begin().await?, key(slot)?),
        })
    }

    /// Set the audit key once the master key has been loaded (later calls change nothing).
    pub fn set_audit_key(&self, key: crate::crypto::AuditKey) {
        let slot = match self {
            Pool::Sqlite(_, _, slot) | Pool::Postgres(_, slot) => slot,
        };
        let _ = slot.set(key);
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t, _turn, _) => t.commit().await?,
            Tx::Postgres(t, _) => t.commit().await?,
        }
        Ok(())
    }

    /// The key this transaction's audit entries are MACed with.
    pub fn audit_key(&self) -> &crate::crypto::AuditKey {
        match self {
            Tx::Sqlite(_, _, key) | Tx::Postgres(_, key) => key,
        }
    }
}
