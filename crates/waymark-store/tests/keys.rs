//! Keys and the binding of encrypted identifiers: a database that lost its key check is
//! refused, values moved between pupils do not decrypt, identifiers written before row binding
//! are bound at the next start, and the SQLite file is its owner's alone.

use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Caller, KeySource, Role, Store, StoreError};

both_backends!(missing_key_check_is_refused, swapped_identifiers_do_not_decrypt, unbound_identifiers_are_bound);

fn caller(role: Role) -> Caller {
    Caller { user_id: None, actor: format!("test:{role}"), role }
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 10).unwrap()
}

/// With pupils recorded and the key check gone, the store refuses to start, with the right key
/// or with none, and writes no new key.
async fn missing_key_check_is_refused(db: &TestDb) {
    World::build(&db.store).await;
    db.store.raw_execute("DELETE FROM meta WHERE key = 'key_check'").await.unwrap();
    let err = Store::open(&db.url, &db.key).await.err().expect("refused with the right key");
    assert!(err.to_string().contains("its key check is missing; refusing to start"), "{err}");
    let elsewhere = KeySource { env_value: None, file: db.dir().join("new.key") };
    let err = Store::open(&db.url, &elsewhere).await.err().expect("refused with no key");
    assert!(err.to_string().contains("its key check is missing"), "{err}");
    assert!(!db.dir().join("new.key").exists(), "no new key made for a database that holds pupils");
}

/// Copy one column's value from pupil `from` into pupil `to`, and `to`'s into `from`.
async fn swap(db: &TestDb, column: &str, a: i64, b: i64) {
    let sql = [
        format!("INSERT INTO meta (key, value) SELECT 'stash', {column} FROM pupils WHERE id = {a}"),
        format!("UPDATE pupils SET {column} = (SELECT {column} FROM pupils WHERE id = {b}) WHERE id = {a}"),
        format!("UPDATE pupils SET {column} = (SELECT value FROM meta WHERE key = 'stash') WHERE id = {b}"),
        "DELETE FROM meta WHERE key = 'stash'".to_string(),
    ];
    for s in sql {
        db.store.raw_execute(&s).await.unwrap();
    }
}

/// Two pupils' encrypted surnames swapped in the database: neither decrypts, and the error says
/// which value of which pupil. Swapped back, both read again (so it was the swap that failed).
async fn swapped_identifiers_do_not_decrypt(db: &TestDb) {
    let world = World::build(&db.store).await;
    let admin = Caller::system("test");
    let (a, b) = (world.pupils[0].0, world.pupils[1].0);
    let before = db.store.get_pupil(&admin, a).await.unwrap().0.record.legal_surname;
    swap(db, "legal_surname_enc", a, b).await;
    for (id, other) in [(a, b), (b, a)] {
        let err = db.store.get_pupil(&admin, id).await.expect_err("a value from another row is refused");
        assert!(matches!(err, StoreError::Decrypt(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(&format!("pupils.legal_surname_enc of pupil {id}")), "{text}");
        assert!(text.contains("copied from another row"), "{text}");
        assert!(!text.contains(&format!("pupil {other}:")), "{text}");
    }
    // The name index and the list read through the same binding.
    let la = caller(Role::La(world.la_a));
    let listed = db.store.list_pupils(&la, "", 1, 50, today()).await;
    assert!(matches!(listed, Err(StoreError::Decrypt(_))), "{listed:?}");
    swap(db, "legal_surname_enc", a, b).await;
    assert_eq!(db.store.get_pupil(&admin, a).await.unwrap().0.record.legal_surname, before);
    // A whole identity copied (every column) is refused too: the row is the UPN's keyed hash.
    for column in ["upn_enc", "legal_forename_enc", "date_of_birth_enc"] {
        swap(db, column, a, b).await;
        assert!(matches!(db.store.get_pupil(&admin, b).await, Err(StoreError::Decrypt(_))), "{column}");
        swap(db, column, a, b).await;
    }
    assert!(db.store.get_pupil(&admin, b).await.is_ok());
}

/// A database whose identifiers predate row binding (format 1) is bound at the next start, in
/// one audited step; every value is then in format 2 and reads as before.
async fn unbound_identifiers_are_bound(db: &TestDb) {
    let world = World::build(&db.store).await;
    let admin = Caller::system("test");
    let before: Vec<_> = {
        let mut v = Vec::new();
        for (id, _) in &world.pupils {
            v.push(db.store.get_pupil(&admin, *id).await.unwrap().0);
        }
        v
    };
    db.store.make_identifiers_unbound().await.unwrap();
    let formats = db.store.pupil_ciphertext_formats().await.unwrap();
    assert!(!formats.is_empty() && formats.iter().all(|f| *f == 1), "{formats:?}");
    assert!(matches!(db.store.get_pupil(&admin, world.pupils[0].0).await, Err(StoreError::Decrypt(_))));

    // Two servers starting at once bind once.
    let (reopened, other) = tokio::join!(Store::open(&db.url, &db.key), Store::open(&db.url, &db.key));
    let (reopened, other) = (reopened.unwrap(), other.unwrap());
    other.close().await;
    let formats = reopened.pupil_ciphertext_formats().await.unwrap();
    assert!(formats.iter().all(|f| *f == 2), "{formats:?}");
    for p in &before {
        assert_eq!(&reopened.get_pupil(&admin, p.id).await.unwrap().0, p);
    }
    let log = reopened.list_audit(&admin, 100, 0).await.unwrap();
    let bound: Vec<_> = log.iter().filter(|e| e.action == "store.identifiers_bound").collect();
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].object_id, format!("{} pupils", world.all_pupils().len()));
    assert_eq!(reopened.verify_audit().await.unwrap().problem, None);
    reopened.close().await;
    // Once only.
    let again = Store::open(&db.url, &db.key).await.unwrap();
    let log = again.list_audit(&admin, 100, 0).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "store.identifiers_bound").count(), 1);
    again.close().await;
}

/// The SQLite database and its -wal and -shm files are readable by their owner only.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite().await;
    World::build(&db.store).await;
    let path = db.sqlite_path.clone().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let mode = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{} has mode {:o}", file.display(), mode & 0o777);
    }
    db.finish().await;
}
