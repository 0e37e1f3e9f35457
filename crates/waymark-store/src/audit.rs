//! The audit log: every write and every view of a pupil record (and every refused request for
//! one), chained so that an edited, inserted or removed entry is detectable by
//! `waymark admin audit verify`.
//!
//! The chain is keyed: each entry's hash is an HMAC-SHA-256, under a key derived from the master
//! key, of the hash before it and its own fields. Someone who can write to the database but does
//! not hold the key cannot recompute the chain after rewriting it. The head row (last sequence
//! number and hash, and the entry the keying starts from) carries an HMAC of its own, so the log
//! cannot be truncated and the head moved back to match. Entries written before the chain was
//! keyed (databases made before migration 0004) keep their plain SHA-256 hashes; the first start
//! with the key records an `audit.keyed` entry from which everything is keyed.

use crate::crypto::AuditKey;
use crate::engine::{on_pool, on_tx, Pool, Tx};
use crate::{now_unix, Caller, Role, Store, StoreError};
use sha2::{Digest, Sha256};

/// One entry in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub scope: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain's tip: the last entry's sequence number and hash (0 and the genesis hash when the
/// log is empty). Printed by `waymark admin audit head` for an external log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
    /// The first entry whose hash is keyed (1 unless the log predates keying).
    pub keyed_from: Option<i64>,
    /// The last entry that checked out.
    pub head: AuditHead,
    /// `None` if the chain is intact; otherwise where and how it breaks.
    pub problem: Option<String>,
}

/// What an audit entry records besides who and when.
pub(crate) struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the entry from which the chain is keyed, when it was keyed after entries existed.
pub const KEYED_ACTION: &str = "audit.keyed";

/// The fields an entry's hash covers, in order: the link to the entry before, then its own.
fn hashed_fields(e: &AuditEntry) -> [String; 8] {
    [
        e.prev_hash.clone(),
        e.seq.to_string(),
        e.at.to_string(),
        e.actor.clone(),
        e.action.clone(),
        e.object_type.clone(),
        e.object_id.clone(),
        e.scope.clone(),
    ]
}

/// The keyed hash of an entry's contents and its link to the entry before (its own `hash` is
/// ignored).
fn entry_mac(key: &AuditKey, e: &AuditEntry) -> String {
    let fields = hashed_fields(e);
    let parts: Vec<&[u8]> = fields.iter().map(|f| f.as_bytes()).collect();
    key.mac(&parts)
}

/// The unkeyed SHA-256 of entries written before the chain was keyed (same length-prefixed layout).
fn legacy_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    for field in hashed_fields(e) {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The head row's tag: binds the last sequence number, its hash and where keying starts, so none
/// of them can be changed (to hide a truncation, or to treat keyed entries as unkeyed).
fn head_tag(key: &AuditKey, seq: i64, last_hash: &str, keyed_from: Option<i64>) -> String {
    key.mac(&head_fields(seq, last_hash, keyed_from).each_ref().map(|f| f.as_bytes()))
}

fn head_fields(seq: i64, last_hash: &str, keyed_from: Option<i64>) -> [String; 4] {
    let keyed = keyed_from.map(|k| k.to_string()).unwrap_or_default();
    ["waymark audit head".to_string(), seq.to_string(), last_hash.to_string(), keyed]
}

/// The head row as stored.
#[derive(sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    last_hash: String,
    keyed_from: Option<i64>,
    head_tag: String,
}

impl HeadRow {
    fn tag_ok(&self, key: &AuditKey) -> bool {
        let fields = head_fields(self.seq, &self.last_hash, self.keyed_from);
        self.keyed_from.is_some() && key.verify(&fields.each_ref().map(|f| f.as_bytes()), &self.head_tag)
    }
}

const HEAD_COLUMNS: &str = "seq, last_hash, keyed_from, head_tag";

/// Append an entry inside the caller's transaction. The first statement updates the chain's
/// head row, which serialises concurrent appends on both backends (a row lock on PostgreSQL,
/// the write lock on SQLite), so the chain never forks. Callers append last, just before
/// commit, so the head row is held for as short a time as possible.
pub(crate) async fn append(tx: &mut Tx, caller: &Caller, event: Event<'_>) -> Result<(), StoreError> {
    let pending = [Pending::new(caller, event)];
    append_all(tx, &pending).await
}

/// One entry waiting to be written.
struct Pending {
    actor: String,
    scope: String,
    action: String,
    object_type: String,
    object_id: String,
}

impl Pending {
    fn new(caller: &Caller, event: Event<'_>) -> Pending {
        Pending {
            actor: caller.actor.clone(),
            scope: caller.role.to_string(),
            action: event.action.to_string(),
            object_type: event.object_type.to_string(),
            object_id: event.object_id,
        }
    }
}

/// Append entries in order: one head update for all of them and one multi-row insert.
async fn append_all(tx: &mut Tx, pending: &[Pending]) -> Result<(), StoreError> {
    let n = pending.len() as i64;
    let key = tx.audit_key().clone();
    on_tx!(tx, c => {
        let mut head: HeadRow = sqlx::query_as(&format!(
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING {HEAD_COLUMNS}"
        ))
        .bind(n)
        .fetch_one(&mut *c)
        .await?;
        head.seq -= n;
        // A head row that does not carry its tag has been altered. The entries are still
        // written (refusing would stop the service), but the new head gets no valid tag, so
        // `audit verify` keeps reporting the alteration instead of this append blessing it.
        let intact = head.tag_ok(&key);
        if !intact {
            tracing::error!("the audit log's head row has been altered (its tag does not match); run `waymark admin audit verify`");
        }
        let at = now_unix();
        let mut prev_hash = head.last_hash.clone();
        let mut entries = Vec::with_capacity(pending.len());
        for (i, p) in pending.iter().enumerate() {
            let mut entry = AuditEntry {
                seq: head.seq + 1 + i as i64,
                at,
                actor: p.actor.clone(),
                action: p.action.clone(),
                object_type: p.object_type.clone(),
                object_id: p.object_id.clone(),
                scope: p.scope.clone(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            entry.hash = entry_mac(&key, &entry);
            prev_hash = entry.hash.clone();
            entries.push(entry);
        }
        let rows = (0..entries.len())
            .map(|i| {
                let b = i * 9;
                format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, scope, prev_hash, hash) VALUES {rows}"
        );
        let mut q = sqlx::query(&sql);
        for e in &entries {
            q = q
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.object_type)
                .bind(&e.object_id)
                .bind(&e.scope)
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut *c).await?;
        let tag = if intact { head_tag(&key, head.seq + n, &prev_hash, head.keyed_from) } else { String::new() };
        sqlx::query("UPDATE audit_head SET last_hash = $1, head_tag = $2 WHERE id = 1")
            .bind(&prev_hash)
            .bind(&tag)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Key the chain at start-up if it is not keyed yet: a new log is keyed from its first entry;
/// a log that already has entries (made before migration 0004) gets an `audit.keyed` entry,
/// and is keyed from that entry on. The entries before it keep their SHA-256 hashes, and
/// `audit verify` says how many there are. A chain whose head says it is not keyed but whose
/// last entry carries a valid keyed hash has had its head row altered: it is left for
/// `audit verify` to report rather than re-anchored.
pub(crate) async fn key_chain(pool: &Pool) -> Result<(), StoreError> {
    let mut tx = pool.begin_write().await?;
    let key = tx.audit_key().clone();
    // A no-op update takes the head row's lock, so servers starting together on one PostgreSQL
    // re-anchor once: the second waits, then sees the chain keyed.
    let head: HeadRow = on_tx!(&mut tx, c => {
        sqlx::query_as(&format!("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING {HEAD_COLUMNS}"))
            .fetch_one(&mut *c)
            .await
    })?;
    if head.keyed_from.is_some() || !head.head_tag.is_empty() {
        return Ok(());
    }
    if head.seq > 0 {
        let last: Option<AuditEntry> = on_tx!(&mut tx, c => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq = $1"))
                .bind(head.seq)
                .fetch_optional(&mut *c)
                .await
        })?;
        if last.is_some_and(|e| entry_mac(&key, &e) == e.hash) {
            tracing::error!(
                "the audit log is keyed but its head row has been cleared; run `waymark admin audit verify`"
            );
            return Ok(());
        }
    }
    let keyed_from = head.seq + 1;
    on_tx!(&mut tx, c => {
        sqlx::query("UPDATE audit_head SET keyed_from = $1, head_tag = $2 WHERE id = 1")
            .bind(keyed_from)
            .bind(head_tag(&key, head.seq, &head.last_hash, Some(keyed_from)))
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    if head.seq > 0 {
        let note = format!(
            "entries 1 to {} were written before the chain was keyed (plain SHA-256); keyed from this entry on",
            head.seq
        );
        let event = Event { action: KEYED_ACTION, object_type: "audit_log", object_id: note };
        append(&mut tx, &Caller::system("waymark"), event).await?;
        tracing::warn!(
            "the audit log's {} earlier entries predate keying; the chain is keyed from entry {keyed_from}",
            head.seq
        );
    }
    tx.commit().await
}

/// Views are audited through one writer that groups the entries of concurrent requests into
/// one transaction: one head update, one insert and one commit for many views, instead of
/// every page view queueing for the head row on its own. A request returns only once its
/// entry is committed.
#[derive(Clone)]
pub(crate) struct AuditQueue {
    sender: tokio::sync::mpsc::Sender<(Pending, tokio::sync::oneshot::Sender<Result<(), String>>)>,
}

/// Most entries written in one transaction.
const MAX_BATCH: usize = 256;

impl AuditQueue {
    pub(crate) fn start(pool: crate::engine::Pool) -> AuditQueue {
        let (sender, mut receiver) =
            tokio::sync::mpsc::channel::<(Pending, tokio::sync::oneshot::Sender<Result<(), String>>)>(4096);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                let (pending, waiting): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let result = async {
                    let mut tx = pool.begin_write().await?;
                    append_all(&mut tx, &pending).await?;
                    tx.commit().await
                }
                .await
                .map_err(|e: StoreError| e.to_string());
                for w in waiting {
                    let _ = w.send(result.clone());
                }
            }
        });
        AuditQueue { sender }
    }

    async fn submit(&self, pending: Pending) -> Result<(), StoreError> {
        let (done, wait) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Config("the audit writer has stopped".into());
        self.sender.send((pending, done)).await.map_err(|_| gone())?;
        wait.await.map_err(|_| gone())?.map_err(|e| StoreError::Config(format!("audit append failed: {e}")))
    }
}

const COLUMNS: &str = "seq, at, actor, action, object_type, object_id, scope, prev_hash, hash";

impl Store {
    /// Record an event that is not tied to a write of its own (e.g. a sign-in), in its own transaction.
    pub(crate) async fn audit_alone(&self, caller: &Caller, event: Event<'_>) -> Result<(), StoreError> {
        self.audit.submit(Pending::new(caller, event)).await
    }

    /// Recompute every entry's hash (keyed from `keyed_from` on) and check each links to the
    /// one before, that the head row carries its tag and matches the last entry (so entries
    /// removed from the end are caught too).
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        let key = self.crypto.audit_key();
        let head = self.audit_head_row().await?;
        let keyed_from = head.keyed_from;
        if keyed_from.is_none() {
            // Only a tampered head lacks it: the store keys the chain when it opens.
            let problem = "the head row does not say where the chain is keyed from: it has been altered";
            return Ok(AuditVerification {
                entries: 0,
                keyed_from,
                head: AuditHead { seq: 0, hash: GENESIS.to_string() },
                problem: Some(problem.to_string()),
            });
        }
        let is_keyed = |seq: i64| keyed_from.is_some_and(|k| seq >= k);
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut entries = 0;
        let mut after = 0i64;
        let verified = |entries: i64, prev: &str, problem: Option<String>| AuditVerification {
            entries,
            keyed_from,
            head: AuditHead { seq: entries, hash: prev.to_string() },
            problem,
        };
        loop {
            // Keyset pagination: each page starts after the last seq seen, so the walk is linear
            // and a long history never sits in memory at once.
            let rows: Vec<AuditEntry> = on_pool!(&self.pool, p => {
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000"))
                    .bind(after)
                    .fetch_all(p)
                    .await
            })?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for e in rows {
                let expected_hash = if is_keyed(e.seq) { entry_mac(&key, &e) } else { legacy_hash(&e) };
                let problem = if e.seq != expected_seq {
                    Some(format!("entry {expected_seq} is missing (found {} next)", e.seq))
                } else if e.prev_hash != prev {
                    Some(format!("entry {} does not link to the entry before it", e.seq))
                } else if expected_hash != e.hash {
                    Some(format!("entry {} has been altered: its contents do not match its hash", e.seq))
                } else if keyed_from.is_some_and(|k| k > 1 && k == e.seq && e.action != KEYED_ACTION) {
                    Some(format!("entry {} should record that the chain is keyed from there, and does not", e.seq))
                } else {
                    None
                };
                if problem.is_some() {
                    return Ok(verified(entries, &prev, problem));
                }
                prev = e.hash;
                expected_seq += 1;
                entries += 1;
            }
        }
        let problem = if head.seq != entries || head.last_hash != prev {
            Some(format!(
                "the log ends at entry {entries} but its head records entry {}: entries have been removed or added",
                head.seq
            ))
        } else if !head.tag_ok(&key) {
            Some(format!(
                "the head row (entry {}) does not carry its tag: it has been altered, e.g. moved back after entries \
                 were removed from the end",
                head.seq
            ))
        } else {
            None
        };
        Ok(verified(entries, &prev, problem))
    }

    /// The chain's head, for an external log: checked against its tag and against the last
    /// entry's keyed hash, so an altered head is refused rather than printed. (The whole chain
    /// is checked by [`Store::verify_audit`].)
    pub async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        let key = self.crypto.audit_key();
        let head = self.audit_head_row().await?;
        let altered = |what: &str| {
            StoreError::Conflict(format!("{what}; run `waymark admin audit verify` to see where the chain breaks"))
        };
        if !head.tag_ok(&key) {
            return Err(altered("the audit log's head row has been altered (its tag does not match)"));
        }
        if head.seq > 0 {
            let last: Option<AuditEntry> = on_pool!(&self.pool, p => {
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log WHERE seq = $1"))
                    .bind(head.seq)
                    .fetch_optional(p)
                    .await
            })?;
            let keyed = head.keyed_from.is_some_and(|k| head.seq >= k);
            let ok = last.is_some_and(|e| {
                e.hash == head.last_hash && (if keyed { entry_mac(&key, &e) } else { legacy_hash(&e) }) == e.hash
            });
            if !ok {
                return Err(altered(&format!("the audit log's last entry ({}) does not match its head", head.seq)));
            }
        }
        Ok(AuditHead { seq: head.seq, hash: head.last_hash })
    }

    async fn audit_head_row(&self) -> Result<HeadRow, StoreError> {
        Ok(on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {HEAD_COLUMNS} FROM audit_head WHERE id = 1")).fetch_one(p).await
        })?)
    }

    /// The most recent entries, newest first (administrators only; anyone else sees nothing).
    pub async fn list_audit(&self, caller: &Caller, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        let rows = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1 OFFSET $2"))
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await
        })?;
        Ok(rows)
    }
}
