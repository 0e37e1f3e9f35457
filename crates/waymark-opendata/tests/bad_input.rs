//! Bad input gives an error that names the file, the row (header = row 1) and the column.
//! Each case takes a small fixture cut from the real file (its header and a few rows, in
//! `tests/fixtures/`), breaks one thing in a temporary copy and reads it with the real reader, so
//! these tests need no `../shared`. One case also breaks a copy of the whole raw folder, when
//! `../shared` is present (required in CI), to show the error comes through `OpenData::from_raw`.

mod common;

use std::path::{Path, PathBuf};
use waymark_opendata::exclusions::{read_clean_la_data, read_lait};
use waymark_opendata::{Area, LaLookup, OpenData, SchoolType};

const CLEAN: &str = "clean_la_data.csv";
const LAIT: &str = "lait_exclusion_rates_by_la.csv";

/// The LA lookup the readers match names and numbers against (the embedded copy of the raw one).
fn las() -> &'static LaLookup {
    &OpenData::shared().expect("embedded open data").las
}

/// The fixture `name` with `edit` applied, written under its own name in a temporary folder.
fn broken_fixture(name: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let text = std::fs::read_to_string(common::fixture(name)).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change {name}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, edited).unwrap();
    (dir, path)
}

fn clean_error(edit: impl Fn(&str) -> String) -> String {
    let (_dir, path) = broken_fixture(CLEAN, edit);
    read_clean_la_data(&path, las()).unwrap_err().to_string()
}

fn lait_error(edit: impl Fn(&str) -> String) -> String {
    let (_dir, path) = broken_fixture(LAIT, edit);
    read_lait(&path, las()).unwrap_err().to_string()
}

/// The fixtures themselves read cleanly, so each error below comes from its one edit.
#[test]
fn the_unbroken_fixtures_read() {
    let (rows, dropped) = read_clean_la_data(&common::fixture(CLEAN), las()).unwrap();
    assert_eq!((rows.len(), dropped.len()), (7, 0));
    let rutland = rows.iter().find(|r| r.area == Area::La(857) && r.school_type == SchoolType::Total).unwrap();
    assert_eq!(rutland.perm.number(), Some(8.0));
    let lait = read_lait(&common::fixture(LAIT), las()).unwrap();
    assert_eq!(lait.len(), 5);
    assert!(lait.iter().all(|r| matches!(r.area, Area::La(301 | 857))));
}

#[test]
fn a_truncated_file() {
    // Cut the file in the middle of row 3.
    let err = clean_error(|t| {
        let rows: Vec<&str> = t.lines().collect();
        format!("{}\n{}\n{}", rows[0], rows[1], &rows[2][..30])
    });
    assert!(err.contains("clean_la_data.csv, row 3") && err.contains("expected 12 fields"), "{err}");
}

#[test]
fn a_renamed_column() {
    let err = clean_error(|t| t.replacen("\"perm_excl_rate\"", "\"perm_rate\"", 1));
    assert!(err.contains("clean_la_data.csv") && err.contains("\"perm_excl_rate\""), "{err}");
    assert!(err.contains("perm_rate") && err.contains("headcount"), "lists the columns found: {err}");
}

#[test]
fn a_bad_symbol() {
    // Row 2 is England 2016/17 Total; its permanent exclusion count becomes "n/a".
    let err = clean_error(|t| t.replacen("\"7720\"", "\"n/a\"", 1));
    assert!(err.contains("clean_la_data.csv, row 2, column \"perm_excl\""), "{err}");
    assert!(err.contains("x (suppressed)") && err.contains("\"n/a\""), "lists the accepted symbols: {err}");
}

#[test]
fn an_ees_symbol_in_a_legacy_file_is_an_error() {
    let err = clean_error(|t| t.replacen("\"7720\"", "\"c\"", 1));
    assert!(err.contains("row 2, column \"perm_excl\""), "{err}");
}

#[test]
fn an_unknown_la_name() {
    let err = clean_error(|t| t.replace("\"Camden\"", "\"Camdenn\"").replace("\"Barnet\"", "\"Barnett\""));
    assert!(err.contains("clean_la_data.csv") && err.contains("2 area name(s)"), "{err}");
    assert!(err.contains("\"Barnett\"") && err.contains("\"Camdenn\""), "{err}");
}

#[test]
fn a_bad_school_type_lists_the_accepted_ones() {
    let err = clean_error(|t| t.replacen("\"Primary\"", "\"Infant\"", 1));
    assert!(err.contains("row 3, column \"school_type\"") && err.contains("State-funded primary"), "{err}");
}

#[test]
fn an_unknown_lait_area() {
    let err = lait_error(|t| t.replacen(",301,", ",399,", 1));
    assert!(err.contains("lait_exclusion_rates_by_la.csv, row 2, column \"la_number\""), "{err}");
}

#[test]
fn a_missing_folder() {
    let err = OpenData::from_raw(Path::new("/nonexistent/data")).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/data") && err.contains("not a folder"), "{err}");
}

/// The same break in a copy of the whole raw folder comes out of `OpenData::from_raw` unchanged.
#[test]
fn a_break_in_the_raw_folder_is_reported_by_from_raw() {
    let Some(raw) = common::raw_dir() else { return };
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&raw, copy.path());
    let path = copy.path().join("dfe-lait-exclusion-rates-2015-2024").join(LAIT);
    let text = std::fs::read_to_string(&path).unwrap();
    // The raw files are read-only; the copy must be writable.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&path, text.replacen(",301,", ",399,", 1)).unwrap();
    let err = OpenData::from_raw(copy.path()).unwrap_err().to_string();
    assert!(err.contains("lait_exclusion_rates_by_la.csv, row 2, column \"la_number\""), "{err}");
}

/// Copy the raw folder, less the boundary shapefiles (the readers under test never open them).
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
