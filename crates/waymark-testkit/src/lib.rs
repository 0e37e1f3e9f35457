//! Test-only helpers shared by the Waymark crates (a dev-dependency, never linked into the binary).
//!
//! Some tests read the project's `../shared` folder (DfE's raw files, the worked reference
//! vectors), which lives beside the repository and is absent from a fresh clone. The one rule,
//! here and nowhere else: a test whose files are missing is skipped with a message, unless
//! `WAYMARK_REQUIRE_SHARED=1` is set (as `.ci/run` does), when it fails. So CI cannot report "ok"
//! for a test that checked nothing.
//!
//! The same rule for PostgreSQL lives in `waymark_store::testing` (`WAYMARK_REQUIRE_POSTGRES=1`),
//! using [`required`] to read the variable.

use std::path::{Path, PathBuf};

/// The variable that turns a missing `../shared` into a test failure.
pub const REQUIRE_SHARED: &str = "WAYMARK_REQUIRE_SHARED";

/// Whether the environment variable `name` is set to a true value (`1`, `true`, `yes`).
/// Anything else set is refused, so a typo cannot quietly switch the requirement off.
pub fn required(name: &str) -> bool {
    flag(name, std::env::var(name).ok().as_deref())
}

/// The value of a yes/no variable, apart from the environment, so it can be tested.
fn flag(name: &str, value: Option<&str>) -> bool {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) => match v.as_str() {
            "1" | "true" | "yes" => true,
            "" | "0" | "false" | "no" => false,
            other => panic!("{name} must be 1 or 0, found {other:?}"),
        },
    }
}

/// The `shared` folder: `$WAYMARK_SHARED`, or `../shared` beside the repository root.
pub fn shared_root() -> PathBuf {
    std::env::var_os("WAYMARK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// `relative` inside the `shared` folder if it exists. If it does not: `None` with a "skipped"
/// message, or a panic naming the missing path when `WAYMARK_REQUIRE_SHARED=1`.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = shared_root().join(relative);
    existing_or_skip(path, required(REQUIRE_SHARED))
}

/// The decision itself, apart from the environment, so it can be tested.
fn existing_or_skip(path: PathBuf, required: bool) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    if required {
        panic!(
            "{REQUIRE_SHARED}=1 but {} is missing: put the project's shared folder beside the repository \
             (or set WAYMARK_SHARED to it)",
            path.display()
        );
    }
    eprintln!("skipped: {} not found (set {REQUIRE_SHARED}=1 to make this a failure)", path.display());
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_yes_and_no() {
        assert!(!flag("X", None));
        for yes in ["1", "true", "YES", " 1 "] {
            assert!(flag("X", Some(yes)), "{yes:?}");
        }
        for no in ["", "0", "false", "No"] {
            assert!(!flag("X", Some(no)), "{no:?}");
        }
    }

    #[test]
    #[should_panic(expected = "WAYMARK_REQUIRE_SHARED must be 1 or 0, found \"ture\"")]
    fn a_misspelt_flag_is_refused() {
        flag(REQUIRE_SHARED, Some("ture"));
    }

    #[test]
    fn an_existing_path_is_returned() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(existing_or_skip(here.clone(), true), Some(here.clone()));
        assert_eq!(existing_or_skip(here.clone(), false), Some(here));
    }

    #[test]
    fn a_missing_path_is_skipped_when_not_required() {
        assert_eq!(existing_or_skip(PathBuf::from("/nonexistent/waymark/shared"), false), None);
    }

    #[test]
    #[should_panic(expected = "WAYMARK_REQUIRE_SHARED=1 but /nonexistent/waymark/shared is missing")]
    fn a_missing_path_fails_when_required() {
        existing_or_skip(PathBuf::from("/nonexistent/waymark/shared"), true);
    }
}
