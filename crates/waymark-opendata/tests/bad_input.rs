//! Bad input gives an error that names the file, the row (header = row 1) and the column.
//! Each case copies the real files into a temporary folder and breaks one thing.

mod common;

use std::path::{Path, PathBuf};
use waymark_opendata::OpenData;

const CLEAN: &str = "dfe-exclusion-statistics-2006-2017/clean_la_data.csv";

/// A copy of the raw folder with `edit` applied to one file's text.
fn broken_copy(raw: &Path, file: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(raw, dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    // The raw files are read-only; the copy must be writable.
    let writable: std::fs::Permissions = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    std::fs::set_permissions(&path, writable).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let root = dir.path().to_path_buf();
    (dir, root)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name().to_string_lossy().contains("boundaries") {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn error_for(file: &str, edit: impl Fn(&str) -> String) -> Option<String> {
    let raw = common::raw_dir()?;
    let (_dir, root) = broken_copy(&raw, file, edit);
    Some(OpenData::from_raw(&root).unwrap_err().to_string())
}

#[test]
fn a_truncated_file() {
    // Cut the file in the middle of row 3.
    let Some(err) = error_for(CLEAN, |t| {
        let rows: Vec<&str> = t.lines().collect();
        format!("{}\n{}\n{}", rows[0], rows[1], &rows[2][..30])
    }) else {
        return;
    };
    assert!(err.contains("clean_la_data.csv, row 3") && err.contains("expected 12 fields"), "{err}");
}

#[test]
fn a_renamed_column() {
    let Some(err) = error_for(CLEAN, |t| t.replacen("\"perm_excl_rate\"", "\"perm_rate\"", 1)) else { return };
    assert!(err.contains("clean_la_data.csv") && err.contains("\"perm_excl_rate\""), "{err}");
    assert!(err.contains("perm_rate") && err.contains("headcount"), "lists the columns found: {err}");
}

#[test]
fn a_bad_symbol() {
    // Row 2 is England 2016/17 Total; its permanent exclusion count becomes "n/a".
    let Some(err) = error_for(CLEAN, |t| t.replacen("\"7720\"", "\"n/a\"", 1)) else { return };
    assert!(err.contains("clean_la_data.csv, row 2, column \"perm_excl\""), "{err}");
    assert!(err.contains("x (suppressed)") && err.contains("\"n/a\""), "lists the accepted symbols: {err}");
}

#[test]
fn an_ees_symbol_in_a_legacy_file_is_an_error() {
    let Some(err) = error_for(CLEAN, |t| t.replacen("\"7720\"", "\"c\"", 1)) else { return };
    assert!(err.contains("row 2, column \"perm_excl\""), "{err}");
}

#[test]
fn an_unknown_la_name() {
    let Some(err) = error_for(CLEAN, |t| t.replace("\"Camden\"", "\"Camdenn\"").replace("\"Barnet\"", "\"Barnett\""))
    else {
        return;
    };
    assert!(err.contains("clean_la_data.csv") && err.contains("2 area name(s)"), "{err}");
    assert!(err.contains("\"Barnett\"") && err.contains("\"Camdenn\""), "{err}");
}

#[test]
fn a_bad_school_type_lists_the_accepted_ones() {
    let Some(err) = error_for(CLEAN, |t| t.replacen("\"Primary\"", "\"Infant\"", 1)) else { return };
    assert!(err.contains("row 3, column \"school_type\"") && err.contains("State-funded primary"), "{err}");
}

#[test]
fn an_unknown_lait_area() {
    let lait = "dfe-lait-exclusion-rates-2015-2024/lait_exclusion_rates_by_la.csv";
    let Some(err) = error_for(lait, |t| t.replacen(",301,", ",399,", 1)) else { return };
    assert!(err.contains("lait_exclusion_rates_by_la.csv, row 2, column \"la_number\""), "{err}");
}

#[test]
fn a_missing_folder() {
    let err = OpenData::from_raw(Path::new("/nonexistent/data")).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/data") && err.contains("not a folder"), "{err}");
}
