//! Where the store is and where its key is: one place for both, from flags or environment.

use anyhow::Result;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use waymark_store::{KeySource, Store};

#[derive(Args, Clone)]
pub struct StoreArgs {
    /// Database: `sqlite://FILE` (the default, created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "WAYMARK_DATABASE_URL", default_value = "sqlite://waymark.db")]
    pub database_url: String,
    /// Encryption key file (created with the database; back it up). The environment variable
    /// WAYMARK_KEY (base64 of 32 bytes) takes precedence when set.
    #[arg(long, global = true, env = "WAYMARK_KEY_FILE", default_value = "waymark.key")]
    pub key_file: PathBuf,
}

impl StoreArgs {
    pub async fn open(&self) -> Result<Store> {
        let key = KeySource {
            env_value: std::env::var("WAYMARK_KEY").ok().filter(|v| !v.is_empty()),
            file: self.key_file.clone(),
        };
        Ok(Store::open(&self.database_url, &key).await?)
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
