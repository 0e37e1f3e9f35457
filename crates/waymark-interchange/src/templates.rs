//! Readers for Waymark's CSV import templates (`docs/import-format.md`): settings, pupils and
//! enrolments. Every problem names the file, the row (the header is row 1), the column and what
//! was expected; a file set is read whole or not at all.

use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use waymark_domain::{LeavingReason, NewPupil, RegistrationType, SenProvision, SettingKind, Sex, Upn, Urn};

/// One problem in one cell (or a whole file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, row {row}, column {column}: {message}")]
pub struct ImportError {
    pub file: String,
    /// 1-based; the header is row 1; 0 when the problem is the file itself.
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// A setting as the template gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRecord {
    /// The file set's own id (the URN where there is one).
    pub id: String,
    pub urn: Option<Urn>,
    pub la: u16,
    pub name: String,
    pub kind: SettingKind,
    /// `primary`, `secondary` or `special` for schools in DfE's headcount; `None` for AP.
    pub phase: Option<String>,
    pub parent_id: Option<String>,
}

/// An enrolment as the template gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentRecord {
    pub upn: Upn,
    pub setting_id: String,
    pub registration: RegistrationType,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub leaving_reason: Option<LeavingReason>,
}

/// A whole file set.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSet {
    pub settings: Vec<SettingRecord>,
    pub pupils: Vec<NewPupil>,
    pub enrolments: Vec<EnrolmentRecord>,
}

/// One CSV file with columns found by name.
struct Sheet {
    file: String,
    columns: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Sheet {
    fn open(dir: &Path, name: &str, required: &[&str]) -> Result<Sheet, ImportError> {
        let path: PathBuf = dir.join(name);
        let file = path.display().to_string();
        let fail = |row, column: &str, message: String| ImportError {
            file: file.clone(),
            row,
            column: column.into(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(&path)
            .map_err(|e| fail(0, "-", format!("cannot be read: {e}")))?;
        let headers = reader.headers().map_err(|e| fail(1, "-", format!("has no header row: {e}")))?.clone();
        let columns: HashMap<String, usize> =
            headers.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i)).collect();
        for col in required {
            if !columns.contains_key(*col) {
                let found: Vec<&str> = headers.iter().collect();
                return Err(fail(
                    1,
                    col,
                    format!("the column {col:?} is missing (columns found: {})", found.join(", ")),
                ));
            }
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            rows.push(record.map_err(|e| fail(i + 2, "-", format!("is not valid CSV: {e}")))?);
        }
        Ok(Sheet { file, columns, rows })
    }

    fn cell<'a>(&self, row: &'a csv::StringRecord, column: &str) -> &'a str {
        row.get(self.columns[column]).unwrap_or("").trim()
    }

    fn error(&self, index: usize, column: &str, message: impl Into<String>) -> ImportError {
        ImportError { file: self.file.clone(), row: index + 2, column: column.into(), message: message.into() }
    }

    /// Parse a cell, naming the row and column if it will not parse.
    fn parse<T>(
        &self,
        index: usize,
        row: &csv::StringRecord,
        column: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ImportError> {
        f(self.cell(row, column)).map_err(|m| self.error(index, column, m))
    }
}

fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("expected a date as YYYY-MM-DD, found {text:?}"))
}

fn optional_date(text: &str) -> Result<Option<NaiveDate>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        date(text).map(Some)
    }
}

fn flag(text: &str) -> Result<bool, String> {
    match text {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("expected 0 or 1, found {text:?}")),
    }
}

fn la(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|n| waymark_domain::LocalAuthority::is_la_number(*n))
        .ok_or_else(|| format!("expected a DfE 3-digit LA number such as 202, found {text:?}"))
}

fn choice<T: Copy>(text: &str, all: &[T], code: impl Fn(T) -> &'static str) -> Result<T, String> {
    all.iter().copied().find(|v| code(*v) == text).ok_or_else(|| {
        let accepted: Vec<&str> = all.iter().map(|v| code(*v)).collect();
        format!("expected one of {}, found {text:?}", accepted.join(", "))
    })
}

fn read_settings(dir: &Path) -> Result<Vec<SettingRecord>, ImportError> {
    let s = Sheet::open(dir, "settings.csv", &["setting_id", "urn", "la", "name", "kind", "parent_setting_id"])?;
    let mut out = Vec::with_capacity(s.rows.len());
    for (i, row) in s.rows.iter().enumerate() {
        let urn = s.parse(i, row, "urn", |t| if t.is_empty() { Ok(None) } else { Urn::parse(t).map(Some) })?;
        let kind = s.parse(i, row, "kind", |t| choice(t, &SettingKind::ALL, SettingKind::code))?;
        let id = s.cell(row, "setting_id").to_string();
        if id.is_empty() {
            return Err(s.error(i, "setting_id", "every setting needs an id"));
        }
        let parent = s.cell(row, "parent_setting_id");
        let phase = s
            .columns
            .get("phase")
            .and_then(|&c| row.get(c))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        out.push(SettingRecord {
            id,
            urn: urn.filter(|_| kind.has_own_urn()),
            la: s.parse(i, row, "la", la)?,
            name: s.cell(row, "name").to_string(),
            kind,
            phase,
            parent_id: (!parent.is_empty()).then(|| parent.to_string()),
        });
    }
    Ok(out)
}

fn read_pupils(dir: &Path) -> Result<Vec<NewPupil>, ImportError> {
    let cols =
        ["upn", "given_name", "family_name", "date_of_birth", "sex", "fsm", "sen_provision", "cin", "cla", "ethnicity"];
    let s = Sheet::open(dir, "pupils.csv", &cols)?;
    let mut out = Vec::with_capacity(s.rows.len());
    for (i, row) in s.rows.iter().enumerate() {
        let ethnicity = s.cell(row, "ethnicity");
        out.push(NewPupil {
            upn: s.parse(i, row, "upn", Upn::parse)?,
            legal_forename: s.cell(row, "given_name").to_string(),
            legal_surname: s.cell(row, "family_name").to_string(),
            preferred_forename: None,
            preferred_surname: None,
            date_of_birth: s.parse(i, row, "date_of_birth", date)?,
            sex: s
                .parse(i, row, "sex", |t| Sex::from_code(t).ok_or_else(|| format!("expected F or M, found {t:?}")))?,
            fsm_eligible: s.parse(i, row, "fsm", flag)?,
            sen: s.parse(i, row, "sen_provision", |t| {
                SenProvision::from_code(t).ok_or_else(|| format!("expected N, K or E, found {t:?}"))
            })?,
            child_in_need: s.parse(i, row, "cin", flag)?,
            looked_after: s.parse(i, row, "cla", flag)?,
            ethnicity: (!ethnicity.is_empty()).then(|| ethnicity.to_string()),
        });
    }
    Ok(out)
}

fn read_enrolments(dir: &Path) -> Result<Vec<EnrolmentRecord>, ImportError> {
    let cols = ["upn", "setting_id", "registration", "start_date", "end_date", "leaving_reason"];
    let s = Sheet::open(dir, "enrolments.csv", &cols)?;
    let mut out = Vec::with_capacity(s.rows.len());
    for (i, row) in s.rows.iter().enumerate() {
        let reason = s.cell(row, "leaving_reason");
        out.push(EnrolmentRecord {
            upn: s.parse(i, row, "upn", Upn::parse)?,
            setting_id: s.cell(row, "setting_id").to_string(),
            registration: s
                .parse(i, row, "registration", |t| choice(t, &RegistrationType::ALL, RegistrationType::code))?,
            start: s.parse(i, row, "start_date", date)?,
            end: s.parse(i, row, "end_date", optional_date)?,
            leaving_reason: if reason.is_empty() {
                None
            } else {
                Some(s.parse(i, row, "leaving_reason", |t| choice(t, &LeavingReason::ALL, LeavingReason::code))?)
            },
        });
    }
    Ok(out)
}

/// Read `settings.csv`, `pupils.csv` and `enrolments.csv` from a folder, and check that every
/// enrolment points at a pupil and a setting in the set.
pub fn read_dir(dir: &Path) -> Result<ImportSet, ImportError> {
    let set = ImportSet { settings: read_settings(dir)?, pupils: read_pupils(dir)?, enrolments: read_enrolments(dir)? };
    let settings: std::collections::HashSet<&str> = set.settings.iter().map(|s| s.id.as_str()).collect();
    let pupils: std::collections::HashSet<&Upn> = set.pupils.iter().map(|p| &p.upn).collect();
    let file = dir.join("enrolments.csv").display().to_string();
    for (i, e) in set.enrolments.iter().enumerate() {
        let problem = if !settings.contains(e.setting_id.as_str()) {
            Some(("setting_id", format!("no setting with id {:?} in settings.csv", e.setting_id)))
        } else if !pupils.contains(&e.upn) {
            Some(("upn", format!("no pupil with UPN {} in pupils.csv", e.upn)))
        } else {
            None
        };
        if let Some((column, message)) = problem {
            return Err(ImportError { file, row: i + 2, column: column.into(), message });
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn good(dir: &Path) {
        write(dir, "settings.csv", "setting_id,urn,la,laestab,name,kind,phase,roll,parent_setting_id\n900001,900001,202,2024000,Ash School,mainstream,secondary,900,\nU1,,202,,Ash Unit,internal_ap_unit,,8,900001\n");
        write(dir, "pupils.csv", "upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity\nB801200005001,202,Ada,Okafor,2011-02-03,F,8,1,K,0,0,BAFR\n");
        write(dir, "enrolments.csv", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n1,B801200005001,900001,C,2022-09-01,,\n2,B801200005001,U1,S,2023-01-09,2023-03-31,return_to_mainstream\n");
    }

    #[test]
    fn reads_a_good_set() {
        let dir = tempfile::tempdir().unwrap();
        good(dir.path());
        let set = read_dir(dir.path()).unwrap();
        assert_eq!((set.settings.len(), set.pupils.len(), set.enrolments.len()), (2, 1, 2));
        assert_eq!(set.settings[1].parent_id.as_deref(), Some("900001"));
        assert_eq!(set.enrolments[1].leaving_reason, Some(LeavingReason::ReturnToMainstream));
    }

    #[test]
    fn bad_cells_are_named() {
        let dir = tempfile::tempdir().unwrap();
        good(dir.path());
        write(dir.path(), "pupils.csv", "upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity\nB801200005001,202,Ada,Okafor,03/02/2011,F,8,1,K,0,0,BAFR\n");
        let e = read_dir(dir.path()).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (2, "date_of_birth"));
        assert!(e.to_string().contains("pupils.csv, row 2, column date_of_birth: expected a date as YYYY-MM-DD"));

        good(dir.path());
        write(dir.path(), "enrolments.csv", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n1,B801200005001,900001,X,2022-09-01,,\n");
        let e = read_dir(dir.path()).unwrap_err();
        assert!(e.message.contains("expected one of C, M, S"), "{e}");

        good(dir.path());
        write(dir.path(), "settings.csv", "setting_id,urn,la,name,type,parent_setting_id\n1,,202,X,mainstream,\n");
        let e = read_dir(dir.path()).unwrap_err();
        assert!(e.message.contains("the column \"kind\" is missing") && e.message.contains("columns found"), "{e}");

        good(dir.path());
        write(dir.path(), "enrolments.csv", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n1,B801200005001,999,C,2022-09-01,,\n");
        let e = read_dir(dir.path()).unwrap_err();
        assert_eq!((e.row, e.column.as_str()), (2, "setting_id"));
    }
}
