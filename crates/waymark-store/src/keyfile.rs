//! Where the master key comes from, and the check that it is the key this database was made with.

use crate::audit::{self, Event};
use crate::crypto::PupilField;
use crate::engine::{on_pool, on_tx, Pool};
use crate::{Caller, Crypto, StoreError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;
use std::path::PathBuf;

/// Where to find the master key: the environment variable's value if set, else a key file.
#[derive(Debug, Clone)]
pub struct KeySource {
    /// The value of `WAYMARK_KEY` (base64 of 32 bytes), if set.
    pub env_value: Option<String>,
    /// The key file, created on first run if the database is new.
    pub file: PathBuf,
}

/// The key check's plaintext in a database whose pupil identifiers are bound only to their
/// column (format 1, before row binding).
pub(crate) const CHECK_PLAINTEXT: &[u8] = b"waymark key check v1";
/// The key check's plaintext once every identifier is bound to its table, column and row.
const CHECK_ROWS_BOUND: &[u8] = b"waymark key check v2";

/// The key, and whether the database's identifiers still need binding to their rows.
pub(crate) struct Loaded {
    pub crypto: Crypto,
    pub bind_rows: bool,
}

/// Load the key and prove it opens this database; on a brand-new database with no key anywhere,
/// create one and tell the operator to back it up.
pub(crate) async fn load_or_create(pool: &Pool, source: &KeySource) -> Result<Loaded, StoreError> {
    let check: Option<Vec<u8>> = on_pool!(pool, p => {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'key_check'").fetch_optional(p).await
    })?;
    if check.is_none() {
        // A database with pupils but no key check has lost its check row: making a new key now
        // would lock the real one out, so refuse instead.
        let pupils: i64 = on_pool!(pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM pupils").fetch_one(p).await)?;
        if pupils > 0 {
            return Err(StoreError::Key(
                "this database holds pupil records but its key check is missing; refusing to start rather than \
                 create a new key. Restore the database's meta table from a backup"
                    .into(),
            ));
        }
    }
    let key = read_key(source)?;
    let mut bind_rows = false;
    let crypto = match (key, check) {
        (Some(key), Some(check)) => {
            let crypto = Crypto::from_master_key(&key);
            match crypto.decrypt("key_check", &check) {
                Ok(p) if p == CHECK_ROWS_BOUND => crypto,
                Ok(p) if p == CHECK_PLAINTEXT => {
                    bind_rows = true;
                    crypto
                }
                _ => {
                    return Err(StoreError::Key(format!(
                        "the encryption key ({}) is not the key this database was created with; \
                         use the right key file or WAYMARK_KEY (restore it from your backup)",
                        describe(source)
                    )))
                }
            }
        }
        (Some(key), None) => {
            let crypto = Crypto::from_master_key(&key);
            write_check(pool, &crypto).await?;
            crypto
        }
        (None, Some(_)) => {
            return Err(StoreError::Key(format!(
                "this database holds encrypted pupil data but no encryption key was found (looked for WAYMARK_KEY and {}); \
                 restore the key file from your backup: without it the data cannot be read",
                source.file.display()
            )))
        }
        (None, None) => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            write_key_file(source, &key)?;
            tracing::warn!(
                "created a new encryption key at {}: BACK IT UP somewhere safe and separate from the database; \
                 without it the pupil data cannot be read",
                source.file.display()
            );
            let crypto = Crypto::from_master_key(&key);
            write_check(pool, &crypto).await?;
            crypto
        }
    };
    Ok(Loaded { crypto, bind_rows })
}

#[derive(sqlx::FromRow)]
struct UnboundRow {
    id: i64,
    upn_hash: Vec<u8>,
    upn_enc: Vec<u8>,
    legal_forename_enc: Vec<u8>,
    legal_surname_enc: Vec<u8>,
    preferred_forename_enc: Option<Vec<u8>>,
    preferred_surname_enc: Option<Vec<u8>>,
    date_of_birth_enc: Vec<u8>,
}

/// Re-encrypt identifiers written before row binding (format 1: bound to their column only)
/// so each is bound to its table, column and row, then mark the key check accordingly. One
/// transaction with its audit entry: a crash leaves the database as it was, to be done again
/// at the next start. Run once, at the first start after the upgrade.
pub(crate) async fn bind_identifiers_to_rows(pool: &Pool, crypto: &Crypto) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let mut tx = pool.begin_write().await?;
    // Lock the key check and read it again: another server starting at the same time on one
    // PostgreSQL may have bound the identifiers while this one waited.
    let check: Vec<u8> = on_tx!(&mut tx, c => {
        sqlx::query_scalar("UPDATE meta SET value = value WHERE key = 'key_check' RETURNING value").fetch_one(&mut *c).await
    })?;
    if crypto.decrypt("key_check", &check)? == CHECK_ROWS_BOUND {
        return Ok(());
    }
    let (mut after, mut count) = (0i64, 0u64);
    loop {
        let rows: Vec<UnboundRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, upn_hash, upn_enc, legal_forename_enc, legal_surname_enc, preferred_forename_enc, \
                 preferred_surname_enc, date_of_birth_enc FROM pupils WHERE id > $1 ORDER BY id LIMIT 1000",
            )
            .bind(after)
            .fetch_all(&mut *c)
            .await
        })?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            let rebind = |field, data: &[u8]| -> Result<Vec<u8>, StoreError> {
                let text = crypto.open_pupil_legacy(field, r.id, data)?;
                Ok(crypto.seal_pupil(field, &r.upn_hash, &text))
            };
            let optional = |field, v: &Option<Vec<u8>>| v.as_deref().map(|v| rebind(field, v)).transpose();
            let values = (
                rebind(PupilField::Upn, &r.upn_enc)?,
                rebind(PupilField::LegalForename, &r.legal_forename_enc)?,
                rebind(PupilField::LegalSurname, &r.legal_surname_enc)?,
                optional(PupilField::PreferredForename, &r.preferred_forename_enc)?,
                optional(PupilField::PreferredSurname, &r.preferred_surname_enc)?,
                rebind(PupilField::DateOfBirth, &r.date_of_birth_enc)?,
            );
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "UPDATE pupils SET upn_enc = $1, legal_forename_enc = $2, legal_surname_enc = $3, \
                     preferred_forename_enc = $4, preferred_surname_enc = $5, date_of_birth_enc = $6 WHERE id = $7",
                )
                .bind(&values.0).bind(&values.1).bind(&values.2).bind(&values.3).bind(&values.4).bind(&values.5)
                .bind(r.id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
            count += 1;
        }
    }
    let check = crypto.encrypt("key_check", CHECK_ROWS_BOUND);
    on_tx!(&mut tx, c => {
        sqlx::query("UPDATE meta SET value = $1 WHERE key = 'key_check'").bind(&check).execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    let event =
        Event { action: "store.identifiers_bound", object_type: "pupils", object_id: format!("{count} pupils") };
    audit::append(&mut tx, &Caller::system("waymark"), event).await?;
    tx.commit().await?;
    tracing::info!(
        pupils = count,
        ms = started.elapsed().as_millis() as u64,
        "bound every pupil's encrypted identifiers to their row"
    );
    Ok(())
}

fn describe(source: &KeySource) -> String {
    if source.env_value.is_some() {
        "from WAYMARK_KEY".to_string()
    } else {
        format!("from {}", source.file.display())
    }
}

fn decode(text: &str, origin: &str) -> Result<[u8; 32], StoreError> {
    let bytes = B64.decode(text.trim()).map_err(|_| {
        StoreError::Key(format!("{origin} is not base64: expected 44 characters of base64 encoding 32 bytes"))
    })?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| StoreError::Key(format!("{origin} holds {} bytes; an AES-256 key is 32 bytes", b.len())))
}

fn read_key(source: &KeySource) -> Result<Option<[u8; 32]>, StoreError> {
    if let Some(value) = &source.env_value {
        return decode(value, "WAYMARK_KEY").map(Some);
    }
    match std::fs::read_to_string(&source.file) {
        Ok(text) => decode(&text, &format!("the key file {}", source.file.display())).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Key(format!("could not read the key file {}: {e}", source.file.display()))),
    }
}

fn write_key_file(source: &KeySource, key: &[u8; 32]) -> Result<(), StoreError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&source.file)
        .map_err(|e| StoreError::Key(format!("could not create the key file {}: {e}", source.file.display())))?;
    writeln!(file, "{}", B64.encode(key))
        .and_then(|_| file.sync_all())
        .map_err(|e| StoreError::Key(format!("could not write the key file {}: {e}", source.file.display())))
}

async fn write_check(pool: &Pool, crypto: &Crypto) -> Result<(), StoreError> {
    // Only written when the database holds no pupils, so nothing needs binding.
    let check = crypto.encrypt("key_check", CHECK_ROWS_BOUND);
    on_pool!(pool, p => {
        sqlx::query("INSERT INTO meta (key, value) VALUES ('key_check', $1)").bind(&check).execute(p).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A fresh random key in the form the key file and `WAYMARK_KEY` hold.
pub fn generate_key_text() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    B64.encode(key)
}
