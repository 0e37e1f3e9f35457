//! Where the raw data and the committed processed copy are.
#![allow(dead_code)]

use std::path::PathBuf;

/// The raw `data` folder of `../shared` (or `$WAYMARK_SHARED/data`). `None`, and the test prints
/// "skipped", when it is not there (a fresh clone); a failure instead when
/// `WAYMARK_REQUIRE_SHARED=1`, as in CI.
pub fn raw_dir() -> Option<PathBuf> {
    let exclusions = waymark_testkit::shared_path("data/dfe-exclusion-statistics-2006-2017")?;
    Some(exclusions.parent().expect("a folder inside data").to_path_buf())
}

/// The committed processed copy, `data/opendata/`.
pub fn committed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/opendata")
}

/// A small file cut from a raw one (its header and a few rows), committed under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}
