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

use crate::crypto::PupilField;
use crate::engine::{on_pool, on_tx, Pool, Tx};
use crate::{Crypto, Role, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One pupil's names as the list sorts and searches them.
struct Entry {
    /// Shown surname then forename, lower-cased, NUL-separated.
    sort_key: String,
    /// Every word of every name (legal and preferred), lower-cased, apostrophes dropped.
    words: Vec<String>,
    /// Date of birth: the year group filter is answered here, since the database holds it
    /// encrypted.
    born: NaiveDate,
}

#[derive(Default)]
struct State {
    /// The directory counter this state reflects (0 before the first load; the counter starts at 1).
    directory: i64,
    /// The highest `pupils.name_seq` folded in.
    name_seq: i64,
    entries: HashMap<i64, Entry>,
    /// Every pupil id in list order (a pupil's position here is their rank), and each id's rank.
    order: Vec<i64>,
    rank: HashMap<i64, u32>,
    /// Every name word with its pupil's rank, sorted by word: a prefix is a range found by
    /// binary search, and ranks sort and intersect as plain integers.
    words: Vec<(String, u32)>,
    /// For each role seen since the last change: its pupils.
    scopes: HashMap<Role, Arc<Scope>>,
}

/// The pupils one role may see: in list order, and as a bitset over ranks for membership.
pub(crate) struct Scope {
    pub ordered: Vec<i64>,
    members: Vec<u64>,
}

impl Scope {
    fn has(&self, rank: u32) -> bool {
        self.members.get(rank as usize / 64).is_some_and(|w| w & (1 << (rank % 64)) != 0)
    }
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
    upn_hash: Vec<u8>,
    legal_forename_enc: Vec<u8>,
    legal_surname_enc: Vec<u8>,
    preferred_forename_enc: Option<Vec<u8>>,
    preferred_surname_enc: Option<Vec<u8>>,
    date_of_birth_enc: Vec<u8>,
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
                "SELECT id, name_seq, upn_hash, legal_forename_enc, legal_surname_enc, preferred_forename_enc, preferred_surname_enc, \
                 date_of_birth_enc FROM pupils WHERE name_seq > $1",
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
            let order: Vec<i64> = order.into_iter().map(|(_, id)| id).collect();
            let rank: HashMap<i64, u32> = order.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
            let mut words: Vec<(String, u32)> = s
                .entries
                .iter()
                .flat_map(|(id, e)| {
                    let r = rank[id];
                    e.words.iter().map(move |w| (w.clone(), r))
                })
                .collect();
            words.sort_unstable();
            s.order = order;
            s.rank = rank;
            s.words = words;
        }
        s.name_seq = max_seq;
        s.directory = current;
        s.scopes.clear();
        Ok(())
    }

    pub(crate) async fn warm(&self, pool: &Pool, crypto: &Crypto) -> Result<(), StoreError> {
        self.refresh(pool, crypto).await
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
    ) -> Result<Arc<Scope>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<i64>, StoreError>>,
    {
        self.refresh(pool, crypto).await?;
        if let Some(ids) = self.state.read().expect("name index lock").scopes.get(&role) {
            return Ok(ids.clone());
        }
        let ids = ids_in_scope().await?;
        let mut s = self.state.write().expect("name index lock");
        // Ranks once, then an integer sort; pupils not yet in the index (added since the last
        // refresh by another process) go last.
        let mut ranked: Vec<u32> = Vec::with_capacity(ids.len());
        let mut unranked: Vec<i64> = Vec::new();
        for id in ids {
            match s.rank.get(&id) {
                Some(r) => ranked.push(*r),
                None => unranked.push(id),
            }
        }
        ranked.sort_unstable();
        let mut members = vec![0u64; s.order.len().div_ceil(64)];
        for r in &ranked {
            members[*r as usize / 64] |= 1 << (r % 64);
        }
        let mut ordered: Vec<i64> = ranked.iter().map(|r| s.order[*r as usize]).collect();
        unranked.sort_unstable();
        ordered.extend(unranked);
        let ids = Arc::new(Scope { members, ordered });
        if s.scopes.len() >= MAX_CACHED_SCOPES {
            s.scopes.clear();
        }
        s.scopes.insert(role, ids.clone());
        Ok(ids)
    }

    /// Those of `ids` (kept in order) born from `first` to `last` inclusive; pupils not yet in
    /// the index are left out.
    pub(crate) fn born_between(&self, ids: Vec<i64>, first: NaiveDate, last: NaiveDate) -> Vec<i64> {
        let s = self.state.read().expect("name index lock");
        ids.into_iter().filter(|id| s.entries.get(id).is_some_and(|e| e.born >= first && e.born <= last)).collect()
    }

    /// The pupils in `scope` with every query word as the start of one of their name words,
    /// in list order. Each word's matches come from a binary search of the sorted word list.
    pub(crate) fn matching(&self, scope: &Scope, query_words: &[String]) -> Vec<i64> {
        let s = self.state.read().expect("name index lock");
        let mut found: Option<Vec<u32>> = None;
        for q in query_words {
            let start = s.words.partition_point(|(w, _)| w.as_str() < q.as_str());
            let mut ranks: Vec<u32> = s.words[start..]
                .iter()
                .take_while(|(w, _)| w.starts_with(q.as_str()))
                .map(|(_, r)| *r)
                .filter(|r| scope.has(*r))
                .collect();
            ranks.sort_unstable();
            ranks.dedup();
            found = Some(match found {
                None => ranks,
                Some(before) => before.into_iter().filter(|r| ranks.binary_search(r).is_ok()).collect(),
            });
        }
        found.unwrap_or_default().into_iter().map(|r| s.order[r as usize]).collect()
    }
}

fn entry(crypto: &Crypto, row: &NameRow) -> Result<Entry, StoreError> {
    // The same binding as every other reader of pupils (`Crypto::open_pupil`).
    let open = |field, data: &[u8]| crypto.open_pupil(field, &row.upn_hash, row.id, data);
    let forename = open(PupilField::LegalForename, &row.legal_forename_enc)?;
    let surname = open(PupilField::LegalSurname, &row.legal_surname_enc)?;
    let pref_fore =
        row.preferred_forename_enc.as_deref().map(|v| open(PupilField::PreferredForename, v)).transpose()?;
    let pref_sur = row.preferred_surname_enc.as_deref().map(|v| open(PupilField::PreferredSurname, v)).transpose()?;
    let mut words = Vec::new();
    for name in [Some(&forename), Some(&surname), pref_fore.as_ref(), pref_sur.as_ref()].into_iter().flatten() {
        words.extend(name_words(name));
    }
    words.sort();
    words.dedup();
    let shown_sur = pref_sur.as_ref().unwrap_or(&surname);
    let shown_fore = pref_fore.as_ref().unwrap_or(&forename);
    let born = open(PupilField::DateOfBirth, &row.date_of_birth_enc)?;
    let born = crate::pupils::parse_date(&born)?;
    Ok(Entry { sort_key: format!("{}\u{0}{}", shown_sur.to_lowercase(), shown_fore.to_lowercase()), words, born })
}
