//! The GIAS reader on a small hand-made file in GIAS's layout and encoding (Windows-1252,
//! CRLF), and DfE's school list.

mod common;

use std::path::Path;
use waymark_opendata::gias::{read_gias, read_school_list};

#[test]
fn reads_a_gias_download() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edubasealldata_sample.csv");
    let schools = read_gias(&path).unwrap();
    assert_eq!(schools.len(), 6);
    let pru = &schools[0];
    assert!(pru.is_ap() && pru.open);
    assert_eq!((pru.urn, pru.la_number, pru.type_code), (100007, 202, 14));
    assert_eq!((pru.easting, pru.northing), (Some(528790.0), Some(184930.0)));
    let mainstream = &schools[1];
    assert!(!mainstream.is_ap() && mainstream.name.contains('&'));
    let closed = &schools[2];
    assert!(!closed.open);
    assert_eq!(closed.name, "St Mary’s Closed School", "Windows-1252 0x92 is a right quote");
    let academy = &schools[3];
    assert!(academy.is_ap() && academy.open, "open but proposed to close is open");
    assert_eq!((academy.easting, academy.northing), (None, None));
    assert_eq!(academy.name, "The Café AP Academy");
    let free_school = &schools[4];
    assert!(free_school.is_ap() && !free_school.open);
    assert!(!schools[5].is_ap(), "type 41 is a studio school, not AP");
}

#[test]
fn a_bad_coordinate_names_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edubasealldata_sample.csv");
    let text = std::fs::read(source).unwrap();
    let bad = String::from_utf8_lossy(&text).replace("528105", "five").into_bytes();
    let path = dir.path().join("edubasealldata20240101.csv");
    std::fs::write(&path, bad).unwrap();
    let err = read_gias(&path).unwrap_err().to_string();
    assert!(err.contains("edubasealldata20240101.csv, row 3, column \"Easting\""), "{err}");
}

#[test]
fn reads_the_school_list() {
    let Some(raw) = common::raw_dir() else { return };
    let schools = read_school_list(&raw.join("dfe-exclusion-statistics-2006-2017/school_data_sql.csv")).unwrap();
    assert_eq!(schools.len(), 26_346);
    let pru = schools.iter().find(|s| s.urn == 100007).unwrap();
    assert_eq!((pru.la_number, pru.laestab), (202, 2021101));
    assert!(pru.is_pru_number());
}
