//! Where the master key comes from, and the check that it is the key this database was made with.

use crate::engine::{on_pool, Pool};
use crate::{Crypto, StoreError};
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

const CHECK_PLAINTEXT: &[u8] = b"waymark key check v1";

/// Load the key and prove it opens this database; on a brand-new database with no key anywhere,
/// create one and tell the operator to back it up.
pub(crate) async fn load_or_create(pool: &Pool, source: &KeySource) -> Result<Crypto, StoreError> {
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
    let crypto = match (key, check) {
        (Some(key), Some(check)) => {
            let crypto = Crypto::from_master_key(&key);
            match crypto.decrypt("key_check", &check) {
                Ok(p) if p == CHECK_PLAINTEXT => crypto,
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
    Ok(crypto)
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
    let check = crypto.encrypt("key_check", CHECK_PLAINTEXT);
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
