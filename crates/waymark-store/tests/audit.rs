//! The keyed audit chain, on both engines: every way of rewriting the log that someone with
//! write access to the database (but not the key) could try is detected; a log written before
//! the chain was keyed is re-anchored, honestly; refused requests for pupils are audited.

use sha2::{Digest, Sha256};
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, AuditEntry, Caller, Role, Store, StoreError};

both_backends!(rewrites_are_detected, unkeyed_log_is_reanchored, cleared_head_is_not_reanchored, refusals_are_audited);

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

/// The whole log, oldest first.
async fn entries(store: &Store) -> Vec<AuditEntry> {
    let mut all = store.list_audit(&Caller::system("test"), 100_000, 0).await.unwrap();
    all.reverse();
    all
}

/// What an attacker without the key can compute: the unkeyed SHA-256 of an entry, laid out
/// as the chain lays out its fields.
fn sha256_of(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let (seq, at) = (e.seq.to_string(), e.at.to_string());
    for field in [&e.prev_hash, &seq, &at, &e.actor, &e.action, &e.object_type, &e.object_id, &e.scope] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

async fn insert(store: &Store, e: &AuditEntry) {
    let sql = format!(
        "INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, scope, prev_hash, hash) \
         VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})",
        e.seq,
        e.at,
        quote(&e.actor),
        quote(&e.action),
        quote(&e.object_type),
        quote(&e.object_id),
        quote(&e.scope),
        quote(&e.prev_hash),
        quote(&e.hash)
    );
    store.raw_execute(&sql).await.unwrap();
}

/// Replace entries from `from` on with `new` (same seqs), and point the head row at the last.
async fn replace_from(store: &Store, from: i64, new: &[AuditEntry]) {
    store.raw_execute(&format!("DELETE FROM audit_log WHERE seq >= {from}")).await.unwrap();
    for e in new {
        insert(store, e).await;
    }
    let last = new.last().unwrap();
    store
        .raw_execute(&format!(
            "UPDATE audit_head SET seq = {}, last_hash = {} WHERE id = 1",
            last.seq,
            quote(&last.hash)
        ))
        .await
        .unwrap();
}

/// Rewrite entries from `from` on with plain SHA-256, each linked to the one before.
fn rehash(mut chain: Vec<AuditEntry>, mut prev: String) -> Vec<AuditEntry> {
    for e in &mut chain {
        e.prev_hash = prev;
        e.hash = sha256_of(e);
        prev = e.hash.clone();
    }
    chain
}

fn problem(v: &waymark_store::AuditVerification) -> String {
    v.problem.clone().unwrap_or_default()
}

/// Middle deletion, insertion, truncation with the head row fixed to match, and a rewrite with
/// every SHA-256 recomputed: each is reported by `verify_audit`, and the log verifies again
/// once restored (so it is the tampering that was caught, nothing else).
async fn rewrites_are_detected(db: &TestDb) {
    let world = World::build(&db.store).await;
    let la = caller(Role::La(world.la_a));
    for (id, _) in &world.pupils[..2] {
        db.store.get_pupil(&la, *id).await.unwrap();
    }
    let store = &db.store;
    let original = entries(store).await;
    let n = original.len() as i64;
    assert!(n >= 8, "enough entries to tamper with: {n}");
    let intact = store.verify_audit().await.unwrap();
    assert_eq!(intact.problem, None);
    assert_eq!(intact.keyed_from, Some(1), "a new log is keyed from its first entry");
    assert_eq!(intact.entries, n);
    let head = store.audit_head().await.unwrap();
    assert_eq!((head.seq, head.hash.as_str()), (n, original.last().unwrap().hash.as_str()));
    assert_eq!(intact.head, head);
    let original_ref = &original;
    let restore = || async move {
        replace_from(store, 1, original_ref).await;
        assert_eq!(store.verify_audit().await.unwrap().problem, None, "restored");
    };

    // A middle entry deleted.
    store.raw_execute("DELETE FROM audit_log WHERE seq = 4").await.unwrap();
    assert!(problem(&store.verify_audit().await.unwrap()).contains("entry 4 is missing"));
    restore().await;

    // A middle entry deleted and the rest renumbered and re-linked with SHA-256.
    let mut shifted: Vec<AuditEntry> = original[4..].to_vec();
    for e in &mut shifted {
        e.seq -= 1;
    }
    replace_from(store, 4, &rehash(shifted, original[2].hash.clone())).await;
    assert!(problem(&store.verify_audit().await.unwrap()).contains("entry 4 has been altered"));
    restore().await;

    // An entry inserted after entry 3, the rest renumbered and re-linked with SHA-256.
    let forged = AuditEntry { action: "pupil.view".into(), object_id: "1".into(), ..original[2].clone() };
    let mut tail = vec![forged];
    tail.extend(original[3..].iter().cloned());
    for (i, e) in tail.iter_mut().enumerate() {
        e.seq = 4 + i as i64;
    }
    replace_from(store, 4, &rehash(tail, original[2].hash.clone())).await;
    assert!(problem(&store.verify_audit().await.unwrap()).contains("entry 4 has been altered"));
    restore().await;

    // The last two entries removed and the head row set to the new last entry.
    replace_from(store, n - 2, &original[(n - 3) as usize..(n - 2) as usize]).await;
    let truncated = store.verify_audit().await.unwrap();
    assert_eq!(truncated.entries, n - 2);
    assert!(problem(&truncated).contains("does not carry its tag"), "{truncated:?}");
    let refused = store.audit_head().await.expect_err("an altered head is not printed");
    assert!(refused.to_string().contains("head row has been altered"), "{refused}");
    restore().await;

    // Entry 3 rewritten (another actor) and every hash after it recomputed with SHA-256.
    let mut rewritten = original[2..].to_vec();
    rewritten[0].actor = "someone-else".into();
    replace_from(store, 3, &rehash(rewritten, original[1].hash.clone())).await;
    assert!(problem(&store.verify_audit().await.unwrap()).contains("entry 3 has been altered"));
    restore().await;

    // Keying moved to after the end, to pass off the keyed entries as unkeyed ones.
    replace_from(store, 1, &rehash(original.clone(), "0".repeat(64))).await;
    store.raw_execute(&format!("UPDATE audit_head SET keyed_from = {} WHERE id = 1", n + 1)).await.unwrap();
    assert!(problem(&store.verify_audit().await.unwrap()).contains("does not carry its tag"));
    store.raw_execute("UPDATE audit_head SET keyed_from = 1 WHERE id = 1").await.unwrap();
    restore().await;

    // Appends go on verifying after all that, and the head moves with them.
    store.get_pupil(&la, world.pupils[0].0).await.unwrap();
    assert_eq!(store.verify_audit().await.unwrap().problem, None);
    assert_eq!(store.audit_head().await.unwrap().seq, n + 1);
}

/// A log written before the chain was keyed (plain SHA-256, head row without keying, as
/// migration 0004 leaves it) is keyed at the next start from a recorded `audit.keyed` entry;
/// its old entries still verify by SHA-256, and rewriting them is still caught at the anchor.
async fn unkeyed_log_is_reanchored(db: &TestDb) {
    World::build(&db.store).await;
    let store = &db.store;
    let old = rehash(entries(store).await, "0".repeat(64));
    let n = old.len() as i64;
    replace_from(store, 1, &old).await;
    store.raw_execute("UPDATE audit_head SET keyed_from = NULL, head_tag = '' WHERE id = 1").await.unwrap();
    assert!(problem(&store.verify_audit().await.unwrap()).contains("does not say where the chain is keyed from"));

    // Two servers starting at once re-anchor once.
    let (reopened, other) = tokio::join!(Store::open(&db.url, &db.key), Store::open(&db.url, &db.key));
    let (reopened, other) = (reopened.unwrap(), other.unwrap());
    other.close().await;
    let v = reopened.verify_audit().await.unwrap();
    assert_eq!(v.problem, None, "{v:?}");
    assert_eq!((v.keyed_from, v.entries), (Some(n + 1), n + 1));
    let all = entries(&reopened).await;
    let anchor = all.last().unwrap();
    assert_eq!((anchor.action.as_str(), anchor.actor.as_str()), ("audit.keyed", "system:waymark"));
    assert!(anchor.object_id.contains(&format!("entries 1 to {n} were written before the chain was keyed")));
    reopened.close().await;

    // Opening again does not re-anchor.
    let again = Store::open(&db.url, &db.key).await.unwrap();
    assert_eq!(again.verify_audit().await.unwrap().entries, n + 1);
    // The unkeyed entries cannot be rewritten either: the anchor's keyed hash covers the link.
    let mut rewritten = old[1..].to_vec();
    rewritten[0].actor = "someone-else".into();
    let mut forged = rehash(rewritten, old[0].hash.clone());
    let mut anchor = anchor.clone();
    anchor.prev_hash = forged.last().unwrap().hash.clone();
    forged.push(anchor);
    replace_from(&again, 2, &forged).await;
    assert!(problem(&again.verify_audit().await.unwrap()).contains(&format!("entry {} has been altered", n + 1)));
    again.close().await;
}

/// Clearing a keyed log's head row (to have the next start re-anchor, and so pass off the
/// rewritten entries before it as unkeyed) is refused: the start leaves it for `verify` to report.
async fn cleared_head_is_not_reanchored(db: &TestDb) {
    World::build(&db.store).await;
    let n = entries(&db.store).await.len() as i64;
    db.store.raw_execute("UPDATE audit_head SET keyed_from = NULL, head_tag = '' WHERE id = 1").await.unwrap();
    let reopened = Store::open(&db.url, &db.key).await.unwrap();
    assert_eq!(entries(&reopened).await.len() as i64, n, "no anchor entry was added");
    let v = reopened.verify_audit().await.unwrap();
    assert!(problem(&v).contains("does not say where the chain is keyed from"), "{v:?}");
    reopened.close().await;
}

/// A request for a pupil out of scope, or for one that does not exist, is refused as "not found"
/// and audited with the id asked for, so probing leaves a trace.
async fn refusals_are_audited(db: &TestDb) {
    let world = World::build(&db.store).await;
    let la = caller(Role::La(world.la_a));
    let elsewhere = world.pupils.iter().find(|(_, s)| *s == world.school_b).unwrap().0;
    assert!(matches!(db.store.get_pupil(&la, elsewhere).await, Err(StoreError::NotFound)));
    assert!(matches!(db.store.pupil_file(&la, 987_654).await, Err(StoreError::NotFound)));
    let enrol = NewEnrolmentFor { pupil: elsewhere, setting: world.school_a };
    assert!(matches!(db.store.add_enrolment(&la, &enrol.into()).await, Err(StoreError::NotFound)));
    let log = entries(&db.store).await;
    let refused: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|e| e.action.ends_with("_refused"))
        .map(|e| (e.action.as_str(), e.object_id.as_str(), e.scope.as_str()))
        .collect();
    let elsewhere_id = elsewhere.to_string();
    let enrol_id = format!("pupil {elsewhere} at setting {}", world.school_a);
    assert_eq!(
        refused,
        [
            ("pupil.view_refused", elsewhere_id.as_str(), "la:202"),
            ("pupil.view_refused", "987654", "la:202"),
            ("enrolment.create_refused", enrol_id.as_str(), "la:202"),
        ]
    );
    assert!(log.iter().all(|e| e.action != "pupil.view"), "nothing was shown");
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

struct NewEnrolmentFor {
    pupil: i64,
    setting: i64,
}

impl From<NewEnrolmentFor> for waymark_domain::NewEnrolment {
    fn from(e: NewEnrolmentFor) -> Self {
        waymark_domain::NewEnrolment {
            pupil_id: e.pupil,
            setting_id: e.setting,
            start: chrono::NaiveDate::from_ymd_opt(2023, 9, 4).unwrap(),
            end: None,
            registration: waymark_domain::RegistrationType::Single,
            leaving_reason: None,
        }
    }
}
