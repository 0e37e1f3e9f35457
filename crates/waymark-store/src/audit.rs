//! The audit log: every write and every view of a pupil record, hash-chained so that an edited,
//! inserted or removed entry is detectable by `waymark admin audit verify`.

use crate::engine::{on_pool, on_tx, Tx};
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

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
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

/// The hash of an entry's contents and its link to the entry before (its own `hash` is ignored).
fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let (seq, at) = (e.seq.to_string(), e.at.to_string());
    // Length-prefix each field so no two different entries hash the same text.
    for field in [&e.prev_hash, &seq, &at, &e.actor, &e.action, &e.object_type, &e.object_id, &e.scope] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

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
    on_tx!(tx, c => {
        let (last_seq, mut prev_hash): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, last_hash")
                .bind(n)
                .fetch_one(&mut *c)
                .await?;
        let at = now_unix();
        let mut entries = Vec::with_capacity(pending.len());
        for (i, p) in pending.iter().enumerate() {
            let mut entry = AuditEntry {
                seq: last_seq - n + 1 + i as i64,
                at,
                actor: p.actor.clone(),
                action: p.action.clone(),
                object_type: p.object_type.clone(),
                object_id: p.object_id.clone(),
                scope: p.scope.clone(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            entry.hash = entry_hash(&entry);
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
        sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&prev_hash).execute(&mut *c).await?;
    });
    Ok(())
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

    /// Recompute every entry's hash and check each links to the one before, and that the head
    /// row matches the last entry (so removing entries from the end is caught too).
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        let (head_seq, head_hash): (i64, String) = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT seq, last_hash FROM audit_head WHERE id = 1").fetch_one(p).await
        })?;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut entries = 0;
        let mut after = 0i64;
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
                let problem = if e.seq != expected_seq {
                    Some(format!("entry {expected_seq} is missing (found {} next)", e.seq))
                } else if e.prev_hash != prev {
                    Some(format!("entry {} does not link to the entry before it", e.seq))
                } else if entry_hash(&e) != e.hash {
                    Some(format!("entry {} has been altered: its contents do not match its hash", e.seq))
                } else {
                    None
                };
                if problem.is_some() {
                    return Ok(AuditVerification { entries, problem });
                }
                prev = e.hash;
                expected_seq += 1;
                entries += 1;
            }
        }
        let problem = (head_seq != entries || head_hash != prev).then(|| {
            format!("the log ends at entry {entries} but its head records entry {head_seq}: entries have been removed or added")
        });
        Ok(AuditVerification { entries, problem })
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
