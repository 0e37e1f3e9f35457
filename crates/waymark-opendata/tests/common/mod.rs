//! Where the raw data and the committed processed copy are.
#![allow(dead_code)]

use std::path::PathBuf;

/// The raw `data` folder: `$WAYMARK_RAW_DATA`, or `../shared/data` beside the repository.
/// `None` (and the test prints "skipped") when it is not there, e.g. on a fresh clone.
pub fn raw_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WAYMARK_RAW_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.join("dfe-exclusion-statistics-2006-2017").is_dir() {
        Some(dir)
    } else {
        println!("skipped: raw data folder {} not found (set WAYMARK_RAW_DATA)", dir.display());
        None
    }
}

/// The committed processed copy, `data/opendata/`.
pub fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/opendata")
}
