//! [`ImportError`], one problem in an import, and [`read_dir`], which reads just the settings,
//! pupils and enrolments templates (`docs/import-format.md`). The readers
//! themselves, for all thirteen templates, are in [`crate::fileset`]. Every problem names the
//! file, the row (the header is row 1), the column, what was found and what was expected; a
//! file set is read whole or not at all.

use crate::fileset::{read_files, ImportReport, NothingKnown};
use std::path::Path;
use waymark_domain::NewPupil;

/// One problem in one cell, one row, one file or the folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, row {row}, column {column}: found {value:?}, expected {expected}")]
pub struct ImportError {
    /// The file's name (`pupils.csv`), or the folder for a problem with the folder itself.
    pub file: String,
    /// 1-based line number: the header is row 1; 0 when the problem is the file (or folder) itself.
    pub row: usize,
    /// The column's name, or `-` when the problem is not in one column.
    pub column: String,
    /// What was found (cut to 300 characters).
    pub value: String,
    /// What was expected, in words a user can act on.
    pub expected: String,
    /// A short category for counting, one of [`crate::fileset::kind`].
    pub kind: &'static str,
}

pub use waymark_domain::records::{EnrolmentRecord, SettingRecord};

/// Settings, pupils and enrolments only ([`read_dir`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSet {
    pub settings: Vec<SettingRecord>,
    pub pupils: Vec<NewPupil>,
    pub enrolments: Vec<EnrolmentRecord>,
}

/// Read `settings.csv`, `pupils.csv` and `enrolments.csv` from a folder (any other template
/// files there are left unread), and check that every enrolment points at a pupil and a
/// setting in the set. Every problem is reported, as [`crate::fileset::read_set`] does.
pub fn read_dir(dir: &Path) -> Result<ImportSet, ImportReport> {
    let set = read_files(dir, &NothingKnown, &mut |_, _, _| {}, &["settings", "pupils", "enrolments"])?;
    Ok(ImportSet { settings: set.settings, pupils: set.pupils, enrolments: set.enrolments })
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_domain::LeavingReason;

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
        let r = read_dir(dir.path()).unwrap_err();
        let e = &r.errors[0];
        assert_eq!(
            (e.file.as_str(), e.row, e.column.as_str(), e.kind),
            ("pupils.csv", 2, "date_of_birth", "not a date")
        );
        assert!(
            e.to_string().starts_with(
                "pupils.csv, row 2, column date_of_birth: found \"03/02/2011\", expected a date as YYYY-MM-DD"
            ),
            "{e}"
        );
        // The pupil's row is bad but its UPN is good: the enrolments that name it are not also reported.
        assert_eq!(r.total, 1, "{r}");

        good(dir.path());
        write(dir.path(), "enrolments.csv", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n1,B801200005001,900001,X,2022-09-01,,\n");
        let r = read_dir(dir.path()).unwrap_err();
        assert!(r.errors[0].expected.contains("one of C, M, S"), "{r}");

        good(dir.path());
        write(dir.path(), "settings.csv", "setting_id,urn,la,name,type,parent_setting_id\n1,,202,X,mainstream,\n");
        let r = read_dir(dir.path()).unwrap_err();
        let e = &r.errors[0];
        assert_eq!((e.row, e.column.as_str(), e.kind), (1, "kind", "missing column"));
        assert!(e.expected.contains("the column \"kind\"") && e.value.contains("setting_id,urn,la,name,type"), "{e}");

        good(dir.path());
        write(dir.path(), "enrolments.csv", "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n1,B801200005001,999,C,2022-09-01,,\n");
        let r = read_dir(dir.path()).unwrap_err();
        let e = &r.errors[0];
        assert_eq!((e.row, e.column.as_str(), e.kind), (2, "setting_id", "missing reference"));
    }
}
