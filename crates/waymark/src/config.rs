//! Where the store is and where its key is: one place for both, from flags or environment.

use anyhow::Result;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use waymark_store::{KeySource, PasswordPolicy, Store};

#[derive(Args, Clone)]
pub struct StoreArgs {
    /// Database: `sqlite://FILE` (the default, created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "WAYMARK_DATABASE_URL", default_value = "sqlite://waymark.db")]
    pub database_url: String,
    /// Encryption key file (created with the database; back it up). The environment variable
    /// WAYMARK_KEY (base64 of 32 bytes) takes precedence when set. `serve` needs one of the two
    /// given explicitly; the other commands default to `waymark.key`.
    #[arg(long, global = true, env = "WAYMARK_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// The key file the commands other than `serve` use when none is given.
const DEFAULT_KEY_FILE: &str = "waymark.key";

impl StoreArgs {
    pub async fn open(&self) -> Result<Store> {
        let file = self.key_file.clone().unwrap_or_else(|| DEFAULT_KEY_FILE.into());
        Ok(Store::open(&self.database_url, &KeySource { env_value: key_from_env(), file }).await?)
    }

    /// Open for `serve`: the key's location must be given (`--key-file`, `WAYMARK_KEY_FILE` or
    /// `WAYMARK_KEY`), so a server started from the wrong folder cannot quietly create a new
    /// key beside an empty new database, or look for the key somewhere no one meant.
    pub async fn open_for_serve(&self) -> Result<Store> {
        if self.key_file.is_none() && key_from_env().is_none() {
            anyhow::bail!(
                "serve needs to be told where the encryption key is: pass --key-file FILE (or set WAYMARK_KEY_FILE), \
                 or set WAYMARK_KEY to the key itself (base64 of 32 bytes). A new database gets a new key at that \
                 path; back it up apart from the database. (`waymark demo` keeps its key in its --data-dir.)"
            );
        }
        self.open().await
    }
}

fn key_from_env() -> Option<String> {
    std::env::var("WAYMARK_KEY").ok().filter(|v| !v.is_empty())
}

/// How passwords are hashed (argon2id) and how many may be checked at once. Hashes made with
/// other parameters are rehashed at their user's next sign-in.
#[derive(Args, Clone)]
pub struct PasswordArgs {
    /// Argon2id memory cost in KiB per password check.
    #[arg(long, env = "WAYMARK_ARGON2_MEMORY_KIB", default_value_t = PasswordPolicy::default().memory_kib)]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    #[arg(long, env = "WAYMARK_ARGON2_ITERATIONS", default_value_t = PasswordPolicy::default().iterations)]
    pub argon2_iterations: u32,
    /// Argon2id parallelism (lanes).
    #[arg(long, env = "WAYMARK_ARGON2_PARALLELISM", default_value_t = PasswordPolicy::default().parallelism)]
    pub argon2_parallelism: u32,
    /// Password checks allowed at once (each holds the memory cost); others queue. Default: the
    /// number of CPU cores.
    #[arg(long, env = "WAYMARK_MAX_PASSWORD_CHECKS")]
    pub max_password_checks: Option<usize>,
}

impl PasswordArgs {
    pub fn policy(&self) -> PasswordPolicy {
        let default = PasswordPolicy::default();
        PasswordPolicy {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
            max_concurrent_verifications: self.max_password_checks.unwrap_or(default.max_concurrent_verifications),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SecureCookies {
    /// Secure unless listening on a loopback address (local use over plain HTTP).
    Auto,
    Always,
    Never,
}

impl SecureCookies {
    pub fn resolve(self, bind: SocketAddr) -> bool {
        match self {
            SecureCookies::Auto => !bind.ip().is_loopback(),
            SecureCookies::Always => true,
            SecureCookies::Never => false,
        }
    }
}

/// Read an establishment register if one was given, keeping the open AP settings with a location.
pub fn establishments(path: Option<PathBuf>) -> Result<std::sync::Arc<Vec<waymark_opendata::gias::Establishment>>> {
    let Some(path) = path else { return Ok(Default::default()) };
    let all = waymark_opendata::gias::read_gias(&path)?;
    let ap: Vec<_> =
        all.into_iter().filter(|e| e.is_ap() && e.open && e.easting.is_some() && e.northing.is_some()).collect();
    tracing::info!("{} open AP settings with locations loaded from {}", ap.len(), path.display());
    Ok(std::sync::Arc::new(ap))
}
