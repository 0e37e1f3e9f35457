//! The pupil list's name index, held in the server's memory only.
//!
//! Names are encrypted in the database with random nonces, so the database cannot sort or
//! search them, and it must not hold deterministic name tokens either (a stolen copy could be
//! frequency-analysed). Instead the server decrypts each pupil's names once, keeps a sort key
//! and the lower-cased name words here, and pages the list from memory: only the rows shown are
//! then read from the database (still through the caller's scope) and decrypted.
//!
//! Freshness across processes: every write that changes pupils, enrolments, settings or trusts
//! bumps one counter row (`counters.directory`) in its own transaction; pupils carry the counter
//! value of their last name change (`pupils.name_seq`). A list request reads the counter (one
//! row) and, if it moved, folds in just the pupils changed since and drops the cached scopes.

use crate::engine::{on_pool, on_tx, Pool, Tx};
use crate::{Crypto, Role, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One pupil's names as the list sorts and searches them.
struct Entry {
    /// Shown surname then forename, lower-cased, NUL-separated.
    sort_key: String,
    /// Every word of every name (legal and preferred), lower-cased, apostrophes dropped.
    words: Vec<String>,
}

#[derive(Default)]
struct State {
    /// The directory counter this state reflects (0 before the first load; the counter starts at 1).
    directory: i64,
    /// The highest `pupils.name_seq` folded in.
    name_seq: i64,
    entries: HashMap<i64, Entry>,
    /// Every pupil id in list order, and each id's position in it.
    rank: HashMap<i64, u32>,
    /// For each role seen since the last change: its pupils' ids in list order.
    scopes: HashMap<Role, Arc<Vec<i64>>>,
}

/// Most roles cached at once; a busy LA service has a handful of distinct scopes.
const MAX_CACHED_SCOPES: usize = 256;

#[derive(Default)]
pub(crate) struct NameIndex {
    state: RwLock<State>,
    /// One refresh at a time; the others wait and then find the state fresh.
    refresh: tokio::sync::Mutex<()>,
}

/// The words a name is searched by.
pub(crate) fn name_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.to_lowercase().replace('\'', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

#[derive(sqlx::FromRow)]
struct NameRow {
    id: i64,
    name_seq: i64,
    legal_forename_enc: Vec<u8>,
    legal_surname_enc: Vec<u8>,
    preferred_forename_enc: Option<Vec<u8>>,
    preferred_surname_enc: Option<Vec<u8>>,
}

/// Bump the directory counter inside a writing transaction; returns the new value.
pub(crate) async fn bump_directory(tx: &mut Tx) -> Result<i64, StoreError> {
    Ok(on_tx!(tx, c => {
        sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'directory' RETURNING value")
            .fetch_one(c)
            .await
    })?)
}

async fn directory_version(pool: &Pool) -> Result<i64, StoreError> {
    Ok(on_pool!(pool, p => {
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'directory'").fetch_one(p).await
    })?)
}

impl NameIndex {
    /// Bring the index up to date with the database.
    async fn refresh(&self, pool: &Pool, crypto: &Crypto) -> Result<(), StoreError> {
        let current = directory_version(pool).await?;
        if self.state.read().expect("name index lock").directory == current {
            return Ok(());
        }
        let _one = self.refresh.lock().await;
        let (seen_directory, since) = {
            let s = self.state.read().expect("name index lock");
            (s.directory, s.name_seq)
        };
        if seen_directory == current {
            return Ok(());
        }
        let rows: Vec<NameRow> = on_pool!(pool, p => {
            sqlx::query_as(
                "SELECT id, name_seq, legal_forename_enc, legal_surname_enc, preferred_forename_enc, preferred_surname_enc \
                 FROM pupils WHERE name_seq > $1",
            )
            .bind(if self.loaded() { since } else { -1 })
            .fetch_all(p)
            .await
        })?;
        let mut fresh = Vec::with_capacity(rows.len());
        let mut max_seq = since;
        for row in rows {
            max_seq = max_seq.max(row.name_seq);
            fresh.push((row.id, entry(crypto, &row)?));
        }
        let mut s = self.state.write().expect("name index lock");
        let changed = !fresh.is_empty();
        for (id, e) in fresh {
            s.entries.insert(id, e);
        }
        if changed || s.rank.len() != s.entries.len() {
            let mut order: Vec<(&String, i64)> = s.entries.iter().map(|(id, e)| (&e.sort_key, *id)).collect();
            order.sort_unstable();
            let rank = order.iter().enumerate().map(|(i, (_, id))| (*id, i as u32)).collect();
            s.rank = rank;
        }
        s.name_seq = max_seq;
        s.directory = current;
        s.scopes.clear();
        Ok(())
    }

    fn loaded(&self) -> bool {
        self.state.read().expect("name index lock").directory > 0
    }

    /// The ids of the pupils `role` may see, in list order. `ids_in_scope` is the scoped query
    /// that answers the database's side; its result is cached until the directory changes.
    pub(crate) async fn scoped<F, Fut>(
        &self,
        pool: &Pool,
        crypto: &Crypto,
        role: Role,
        ids_in_scope: F,
    ) -> Result<Arc<Vec<i64>>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<i64>, StoreError>>,
    {
        self.refresh(pool, crypto).await?;
        if let Some(ids) = self.state.read().expect("name index lock").scopes.get(&role) {
            return Ok(ids.clone());
        }
        let mut ids = ids_in_scope().await?;
        let mut s = self.state.write().expect("name index lock");
        ids.sort_unstable_by_key(|id| (s.rank.get(id).copied().unwrap_or(u32::MAX), *id));
        let ids = Arc::new(ids);
        if s.scopes.len() >= MAX_CACHED_SCOPES {
            s.scopes.clear();
        }
        s.scopes.insert(role, ids.clone());
        Ok(ids)
    }

    /// Keep the ids whose names have every query word as the start of one of their words.
    pub(crate) fn matching(&self, ids: &[i64], query_words: &[String]) -> Vec<i64> {
        let s = self.state.read().expect("name index lock");
        ids.iter()
            .copied()
            .filter(|id| {
                s.entries
                    .get(id)
                    .is_some_and(|e| query_words.iter().all(|q| e.words.iter().any(|w| w.starts_with(q.as_str()))))
            })
            .collect()
    }
}

fn entry(crypto: &Crypto, row: &NameRow) -> Result<Entry, StoreError> {
    let forename = crypto.decrypt_string("legal_forename", &row.legal_forename_enc)?;
    let surname = crypto.decrypt_string("legal_surname", &row.legal_surname_enc)?;
    let pref_fore =
        row.preferred_forename_enc.as_ref().map(|v| crypto.decrypt_string("preferred_forename", v)).transpose()?;
    let pref_sur =
        row.preferred_surname_enc.as_ref().map(|v| crypto.decrypt_string("preferred_surname", v)).transpose()?;
    let mut words = Vec::new();
    for name in [Some(&forename), Some(&surname), pref_fore.as_ref(), pref_sur.as_ref()].into_iter().flatten() {
        words.extend(name_words(name));
    }
    words.sort();
    words.dedup();
    let shown_sur = pref_sur.as_ref().unwrap_or(&surname);
    let shown_fore = pref_fore.as_ref().unwrap_or(&forename);
    Ok(Entry { sort_key: format!("{}\u{0}{}", shown_sur.to_lowercase(), shown_fore.to_lowercase()), words })
}
