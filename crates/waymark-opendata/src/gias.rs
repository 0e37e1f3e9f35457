//! Schools: the Get Information About Schools (GIAS) establishment register
//! (`edubasealldata*.csv`) and DfE's 2017/18 school list (`school_data_sql.csv`).
//!
//! GIAS downloads are Windows-1252, not UTF-8 (names such as "St Thomas’" use byte 0x92), so
//! bytes are decoded with that code page unless the file is valid UTF-8.

use crate::ees::Table;
use crate::error::OpenDataError;
use std::path::Path;
use waymark_domain::AcademicYear;

/// GIAS `TypeOfEstablishment (code)` values that are state-funded alternative provision:
/// 14 Pupil referral unit, 38 Free schools alternative provision, 42 Academy alternative
/// provision converter, 43 Academy alternative provision sponsor led. (41 is Studio schools,
/// not AP.)
pub const AP_TYPE_CODES: [u16; 4] = [14, 38, 42, 43];

/// One establishment from GIAS.
#[derive(Debug, Clone, PartialEq)]
pub struct Establishment {
    pub urn: u32,
    pub name: String,
    pub la_number: u16,
    pub type_code: u16,
    pub type_name: String,
    /// `EstablishmentTypeGroup (name)`, e.g. "Academies", "Local authority maintained schools".
    pub group: String,
    /// Open, or open but proposed to close.
    pub open: bool,
    /// British National Grid; missing for some establishments (e.g. no address yet).
    pub easting: Option<f64>,
    pub northing: Option<f64>,
}

impl Establishment {
    /// A PRU, AP academy or AP free school ([`AP_TYPE_CODES`]).
    pub fn is_ap(&self) -> bool {
        AP_TYPE_CODES.contains(&self.type_code)
    }
}

/// Decode Windows-1252 bytes (or UTF-8, if they are valid UTF-8; a BOM is dropped).
pub fn decode_windows_1252(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
    }
    bytes.iter().map(|&b| windows_1252_char(b)).collect()
}

/// 0x80–0x9F are the printable characters Windows-1252 adds to Latin-1; the rest map to the
/// same code point (the five undefined bytes map to their C1 control, as browsers do).
fn windows_1252_char(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// Read a GIAS establishment download.
pub fn read_gias(path: &Path) -> Result<Vec<Establishment>, OpenDataError> {
    let bytes = crate::ees::read_bytes(path)?;
    let table = Table::parse_text(path, &decode_windows_1252(&bytes))?;
    let c = |name: &str| table.column(name);
    let (urn, la, name, type_code, type_name, group, status, easting, northing) = (
        c("URN")?,
        c("LA (code)")?,
        c("EstablishmentName")?,
        c("TypeOfEstablishment (code)")?,
        c("TypeOfEstablishment (name)")?,
        c("EstablishmentTypeGroup (name)")?,
        c("EstablishmentStatus (name)")?,
        c("Easting")?,
        c("Northing")?,
    );
    let mut out = Vec::with_capacity(table.len());
    for row in table.rows() {
        let status_text = row.text(&status);
        out.push(Establishment {
            urn: row.parse(&urn, |t| number(t, "a URN"))?,
            name: row.text(&name).to_string(),
            la_number: row.parse(&la, |t| number(t, "a 3-digit LA number"))?,
            type_code: row.parse(&type_code, |t| number(t, "an establishment type code"))?,
            type_name: row.text(&type_name).to_string(),
            group: row.text(&group).to_string(),
            open: status_text.starts_with("Open"),
            easting: row.parse(&easting, optional_coordinate)?,
            northing: row.parse(&northing, optional_coordinate)?,
        });
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("expected {what}, found {text:?}"))
}

fn optional_coordinate(text: &str) -> Result<Option<f64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .map(Some)
        .map_err(|_| format!("expected a grid coordinate in metres or nothing, found {text:?}"))
}

/// One school of DfE's school list (`school_data_sql.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub year: AcademicYear,
    pub la_number: u16,
    /// LA number and 4-digit establishment number, e.g. 2021048.
    pub laestab: u32,
    pub name: String,
    pub urn: u32,
}

impl School {
    /// A pupil referral unit by the list's own naming (the list has no type column): an
    /// establishment number of 1100–1199 is DfE's range for PRUs.
    pub fn is_pru_number(&self) -> bool {
        (1100..1200).contains(&(self.laestab % 10_000))
    }
}

/// Read `school_data_sql.csv` (columns AcademicYear, LA, LAEstab, SchoolName, URN).
pub fn read_school_list(path: &Path) -> Result<Vec<School>, OpenDataError> {
    let bytes = crate::ees::read_bytes(path)?;
    let table = Table::parse_text(path, &decode_windows_1252(&bytes))?;
    let c = |name: &str| table.column(name);
    let (year, la, laestab, name, urn) = (c("AcademicYear")?, c("LA")?, c("LAEstab")?, c("SchoolName")?, c("URN")?);
    let mut out = Vec::with_capacity(table.len());
    for row in table.rows() {
        out.push(School {
            year: row.parse(&year, AcademicYear::from_dfe_period)?,
            la_number: row.parse(&la, |t| number(t, "a 3-digit LA number"))?,
            laestab: row.parse(&laestab, |t| number(t, "a 7-digit LAEstab"))?,
            name: row.text(&name).to_string(),
            urn: row.parse(&urn, |t| number(t, "a URN"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_bytes_decode() {
        assert_eq!(decode_windows_1252(b"St Mary\x92s \x96 Caf\xe9"), "St Mary’s – Café");
        assert_eq!(decode_windows_1252("Café".as_bytes()), "Café");
    }
}
