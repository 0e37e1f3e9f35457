//! Typed, validating, streaming readers for all thirteen CSV import templates
//! (`docs/import-format.md`, "Validation" lists every check).
//!
//! [`read_set`] reads whichever of the thirteen files a folder holds, one row at a time (no file
//! is ever held whole in memory), checks every cell, every id and every reference, and returns
//! either the whole [`FileSet`] or an [`ImportReport`] of every problem found in every file: the
//! first [`ImportReport::SHOWN`] in full, all of them counted by kind. Each problem names the
//! file, the row (the header is row 1), the column, what was found and what was expected.
//!
//! Files refer to each other in the order of [`FILES`] (an enrolment to a pupil and a setting,
//! attendance to an enrolment, a suspension to an incident, a placement to a referral, a
//! timetable to a placement), so each file is checked against those read before it and against
//! [`Known`], what the database already holds.

use crate::templates::ImportError;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::path::Path;
use waymark_domain::calendar::easter_sunday;
use waymark_domain::{
    ethnicity_label, AcademicYear, LeavingReason, LocalAuthority, NewPupil, RegistrationType, SenProvision,
    SettingKind, Sex, Term, Upn, Urn, YearGroup,
};

/// The thirteen templates' names (without `.csv`), in the order they are read (each refers
/// only to those before it).
pub const TEMPLATE_NAMES: [&str; 13] = FILES;

/// The same as [`TEMPLATE_NAMES`].
pub const FILES: [&str; 13] = [
    "settings",
    "pupils",
    "enrolments",
    "attendance",
    "incidents",
    "suspensions",
    "exclusions",
    "referrals",
    "placements",
    "timetables",
    "assessments",
    "interventions",
    "destinations",
];

const FILE_NAMES: [&str; 13] = [
    "settings.csv",
    "pupils.csv",
    "enrolments.csv",
    "attendance.csv",
    "incidents.csv",
    "suspensions.csv",
    "exclusions.csv",
    "referrals.csv",
    "placements.csv",
    "timetables.csv",
    "assessments.csv",
    "interventions.csv",
    "destinations.csv",
];

/// Every symbol that may appear in a marks string (`waymark_domain::attendance::SYMBOLS`).
pub const SYMBOLS: &str = waymark_domain::attendance::SYMBOLS;

/// `incidents.kind`.
pub const INCIDENT_KINDS: [&str; 6] =
    ["disruption", "verbal_abuse", "physical_assault", "damage", "refusal", "bullying"];
/// `incidents.outcome`.
pub const INCIDENT_OUTCOMES: [&str; 4] = ["detention", "suspension", "lunchtime_suspension", "permanent_exclusion"];
pub use waymark_domain::exclusion::{REASONS_BEFORE_2020, REASONS_FROM_2020};
/// `referrals.reason`.
pub const REFERRAL_REASONS: [&str; 5] =
    ["permanent_exclusion", "suspension", "repeated_suspensions", "behaviour", "health"];
/// `placements.outcome`.
pub const PLACEMENT_OUTCOMES: [&str; 6] =
    ["returned_mainstream", "returned_not_sustained", "extended", "special_school", "outreach_completed", "ongoing"];
/// `assessments.instrument`.
pub const INSTRUMENTS: [&str; 2] = ["sdq", "swemwbs"];
/// `assessments.version` for the SDQ (empty for SWEMWBS).
pub const SDQ_VERSIONS: [&str; 3] = ["teacher", "parent", "self"];
/// `assessments.occasion`.
pub const OCCASIONS: [&str; 3] = ["entry", "review", "exit"];
/// `interventions.kind`.
pub const INTERVENTION_KINDS: [&str; 7] =
    ["mentoring", "counselling", "literacy", "numeracy", "social_emotional_group", "family_support", "vocational"];
/// `destinations.destination`.
pub const DESTINATIONS: [&str; 5] = ["education", "apprenticeship", "employment", "neet", "unknown"];
/// `settings.phase` (empty for AP).
pub const PHASES: [&str; 3] = ["primary", "secondary", "special"];
const TERMS: [&str; 3] = ["autumn", "spring", "summer"];
const ITEMS: [&str; 25] = [
    "item_01", "item_02", "item_03", "item_04", "item_05", "item_06", "item_07", "item_08", "item_09", "item_10",
    "item_11", "item_12", "item_13", "item_14", "item_15", "item_16", "item_17", "item_18", "item_19", "item_20",
    "item_21", "item_22", "item_23", "item_24", "item_25",
];

/// The kinds of problem, as counted in [`ImportReport::counts`].
pub mod kind {
    pub const CANNOT_READ: &str = "cannot read";
    pub const NO_FILES: &str = "no template files";
    pub const UNKNOWN_FILE: &str = "unknown file";
    pub const NOT_UTF8: &str = "not UTF-8";
    pub const MISSING_COLUMN: &str = "missing column";
    pub const CUT_OFF: &str = "cut off";
    pub const MISSING_VALUE: &str = "missing value";
    pub const NOT_A_DATE: &str = "not a date";
    pub const NOT_A_NUMBER: &str = "not a number";
    pub const OUT_OF_RANGE: &str = "out of range";
    pub const UNKNOWN_CODE: &str = "unknown code";
    pub const UNKNOWN_MARK: &str = "unknown mark";
    pub const BAD_UPN: &str = "bad UPN";
    pub const BAD_URN: &str = "bad URN";
    pub const DUPLICATE_ID: &str = "duplicate id";
    pub const MISSING_REFERENCE: &str = "missing reference";
    pub const MISMATCH: &str = "does not match";
    pub const WRONG_MARKS_LENGTH: &str = "wrong marks length";
    pub const OUTSIDE_ENROLMENT: &str = "date outside enrolment";
    pub const END_BEFORE_START: &str = "end before start";
    pub const NOT_ALLOWED: &str = "not allowed";
}
use kind::*;

/// Every problem in a file set: the first [`ImportReport::SHOWN`] in full, all counted by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The first [`ImportReport::SHOWN`] problems, in the order found (file by file, row by row).
    pub errors: Vec<ImportError>,
    /// Every problem, by [`kind`].
    pub counts: BTreeMap<&'static str, usize>,
    /// Every problem.
    pub total: usize,
}

impl ImportReport {
    /// How many problems are kept in full.
    pub const SHOWN: usize = 100;

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Record a problem; `expected` is only worded for the ones kept in full.
    pub(crate) fn add(
        &mut self,
        kind: &'static str,
        file: &str,
        row: usize,
        column: &str,
        value: &str,
        expected: impl FnOnce() -> String,
    ) {
        self.total += 1;
        *self.counts.entry(kind).or_default() += 1;
        if self.errors.len() < Self::SHOWN {
            let value = if value.chars().count() > 300 {
                value.chars().take(300).chain("…".chars()).collect()
            } else {
                value.to_string()
            };
            self.errors.push(ImportError {
                file: file.to_string(),
                row,
                column: column.to_string(),
                value,
                expected: expected(),
                kind,
            });
        }
    }
}

impl fmt::Display for ImportReport {
    /// One line per problem kept in full, then `and N more: K unknown code, M not a date, …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        let more = self.total.saturating_sub(self.errors.len());
        if more > 0 {
            let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
            for e in &self.errors {
                *shown.entry(e.kind).or_default() += 1;
            }
            let mut rest: Vec<(&str, usize)> = self
                .counts
                .iter()
                .map(|(k, n)| (*k, n.saturating_sub(shown.get(k).copied().unwrap_or(0))))
                .filter(|(_, n)| *n > 0)
                .collect();
            rest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let rest: Vec<String> = rest.iter().map(|(k, n)| format!("{n} {k}")).collect();
            if !self.errors.is_empty() {
                f.write_str("\n")?;
            }
            write!(f, "and {more} more: {}", rest.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportReport {}

/// What the database already holds, for files that refer to records not in this file set.
pub trait Known {
    /// A setting by the file set's id for it (the URN, or the setting's own id).
    fn setting(&self, setting_id: &str) -> bool;
    fn pupil(&self, upn: &Upn) -> bool;
    fn enrolment(&self, setting_id: &str, enrolment_id: &str) -> bool;
    fn placement(&self, placement_id: &str) -> bool;
    fn referral(&self, referral_id: &str) -> bool;
    /// An incident, for suspensions and exclusions that name one (checked only when
    /// `incidents.csv` is in the file set).
    fn incident(&self, _incident_id: &str) -> bool {
        false
    }
}

/// An empty database: everything referred to must be in the file set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NothingKnown;

impl Known for NothingKnown {
    fn setting(&self, _: &str) -> bool {
        false
    }
    fn pupil(&self, _: &Upn) -> bool {
        false
    }
    fn enrolment(&self, _: &str, _: &str) -> bool {
        false
    }
    fn placement(&self, _: &str) -> bool {
        false
    }
    fn referral(&self, _: &str) -> bool {
        false
    }
}

/// The record types are the domain's (`waymark_domain::records`), shared with the store.
pub use waymark_domain::records::{
    AssessmentRecord, AttendanceRecord, DestinationRecord, EnrolmentRecord, ExclusionRecord, FileSet, IncidentRecord,
    InterventionRecord, PlacementRecord, ReferralRecord, SettingRecord, SuspensionRecord, TimetableRecord,
};

/// Read every template file in `dir`, checking each against the others and against `known`.
///
/// `progress` is called with the file's name, the bytes read so far and the file's size: at the
/// start and end of each file and about every 64 KiB between.
pub fn read_set(
    dir: &Path,
    known: &dyn Known,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<FileSet, ImportReport> {
    read_files(dir, known, progress, &FILES)
}

/// [`read_set`] for only the `wanted` templates (others in the folder are left unread).
pub(crate) fn read_files(
    dir: &Path,
    known: &dyn Known,
    progress: &mut dyn FnMut(&str, u64, u64),
    wanted: &[&str],
) -> Result<FileSet, ImportReport> {
    let mut cx =
        Cx { report: ImportReport::default(), idx: Index::default(), known, present: Vec::new(), unread: Vec::new() };
    let folder = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            cx.report.add(CANNOT_READ, &folder, 0, "-", &folder, || format!("a folder that can be read ({e})"));
            return Err(cx.report);
        }
    };
    let mut found = [false; 13];
    let mut others = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(i) = FILE_NAMES.iter().position(|f| *f == name) {
            found[i] = true;
        } else if name.to_ascii_lowercase().ends_with(".csv") && !name.starts_with('.') && !name.starts_with("~$") {
            others.push(name);
        }
    }
    others.sort();
    for name in &others {
        cx.report.add(UNKNOWN_FILE, name, 0, "-", name, || suggest_file(name));
    }
    cx.present = (0..13).filter(|&i| found[i] && wanted.contains(&FILES[i])).map(|i| FILES[i]).collect();
    if cx.present.is_empty() {
        let names: Vec<String> = wanted.iter().map(|w| format!("{w}.csv")).collect();
        cx.report.add(NO_FILES, &folder, 0, "-", &folder, || {
            format!("a folder holding at least one of the template files {}", names.join(", "))
        });
        return Err(cx.report);
    }
    let mut set = FileSet { present: cx.present.clone(), ..FileSet::default() };
    for i in 0..13 {
        if !cx.present.contains(&FILES[i]) {
            continue;
        }
        let Some(mut s) = Sheet::open(dir, FILE_NAMES[i], REQUIRED[i], &mut cx.report, &mut *progress) else {
            cx.unread.push(FILES[i]);
            continue;
        };
        match FILES[i] {
            "settings" => read_settings(&mut s, &mut cx, &mut set.settings),
            "pupils" => read_pupils(&mut s, &mut cx, &mut set.pupils),
            "enrolments" => read_enrolments(&mut s, &mut cx, &mut set.enrolments),
            "attendance" => read_attendance(&mut s, &mut cx, &mut set.attendance),
            "incidents" => read_incidents(&mut s, &mut cx, &mut set.incidents),
            "suspensions" => read_suspensions(&mut s, &mut cx, &mut set.suspensions),
            "exclusions" => read_exclusions(&mut s, &mut cx, &mut set.exclusions),
            "referrals" => read_referrals(&mut s, &mut cx, &mut set.referrals),
            "placements" => read_placements(&mut s, &mut cx, &mut set.placements),
            "timetables" => read_timetables(&mut s, &mut cx, &mut set.timetables),
            "assessments" => read_assessments(&mut s, &mut cx, &mut set.assessments),
            "interventions" => read_interventions(&mut s, &mut cx, &mut set.interventions),
            _ => read_destinations(&mut s, &mut cx, &mut set.destinations),
        }
    }
    if cx.report.is_empty() {
        Ok(set)
    } else {
        Err(cx.report)
    }
}

/// The columns each template must have (others it may have are optional: `settings.laestab`,
/// `phase`, `roll`; `pupils.la`, `year_group`; `suspensions` and `exclusions` `reason_2`, `reason_3`).
#[rustfmt::skip]
const REQUIRED: [&[&str]; 13] = [
    &["setting_id", "urn", "la", "name", "kind", "parent_setting_id"],
    &["upn", "given_name", "family_name", "date_of_birth", "sex", "fsm", "sen_provision", "cin", "cla", "ethnicity"],
    &["enrolment_id", "upn", "setting_id", "registration", "start_date", "end_date", "leaving_reason"],
    &["enrolment_id", "upn", "setting_id", "academic_year", "term", "marks"],
    &["incident_id", "upn", "setting_id", "date", "kind", "severity", "outcome"],
    &["suspension_id", "upn", "setting_id", "incident_id", "category", "start_date", "length_days", "reason_1"],
    &["exclusion_id", "upn", "setting_id", "incident_id", "category", "start_date", "reason_1"],
    &["referral_id", "upn", "from_setting_id", "date", "reason", "tier_requested"],
    &["placement_id", "referral_id", "upn", "setting_id", "tier", "start_date", "planned_end_date", "end_date", "outcome"],
    &["placement_id", "from_date", "ap_sessions_per_week", "mainstream_sessions_per_week"],
    &[
        "assessment_id", "upn", "setting_id", "date", "instrument", "version", "occasion",
        "item_01", "item_02", "item_03", "item_04", "item_05", "item_06", "item_07", "item_08", "item_09", "item_10",
        "item_11", "item_12", "item_13", "item_14", "item_15", "item_16", "item_17", "item_18", "item_19", "item_20",
        "item_21", "item_22", "item_23", "item_24", "item_25",
    ],
    &["intervention_id", "upn", "setting_id", "kind", "start_date", "end_date", "sessions_planned", "sessions_attended"],
    &["upn", "ks4_year", "destination", "sustained"],
];

/// "one of the template names", with the nearest if the name looks misspelt.
fn suggest_file(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".csv").unwrap_or(&lower);
    let (best, distance) =
        FILES.iter().map(|f| (*f, edit_distance(stem, f))).min_by_key(|(_, d)| *d).expect("thirteen files");
    if distance <= 3 {
        format!("one of the thirteen template names (did you mean {best}.csv?)")
    } else {
        format!("one of the thirteen template names: {}", FILE_NAMES.join(", "))
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Reading one file.

const PROGRESS_STEP: u64 = 64 * 1024;

/// A column found by name (`index` is `None` for an optional column the file does not have).
#[derive(Debug, Clone, Copy)]
struct Col {
    index: Option<usize>,
    name: &'static str,
}

/// One CSV file, read a row at a time with its buffers reused.
struct Sheet<'p> {
    file: &'static str,
    reader: csv::Reader<File>,
    headers: Vec<String>,
    record: csv::StringRecord,
    size: u64,
    reported: u64,
    not_utf8: bool,
    progress: &'p mut dyn FnMut(&str, u64, u64),
}

const NOT_UTF8_HELP: &str = "UTF-8 text: this file is not UTF-8 (it looks like Windows-1252, as Excel saves): save it as CSV UTF-8 (in Excel: Save As, \"CSV UTF-8 (Comma delimited)\")";

/// Why bytes are not UTF-8, in words for the person who saved the file.
fn encoding_help(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        "UTF-8 text: this file is UTF-16 (Excel's \"Unicode Text\"): save it as CSV UTF-8".to_string()
    } else if bytes.iter().any(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)) {
        "UTF-8 text: this file is not UTF-8: save it as CSV UTF-8".to_string()
    } else {
        NOT_UTF8_HELP.to_string()
    }
}

impl<'p> Sheet<'p> {
    /// Open a file and find its columns; `None` (with the problem reported) if it cannot be read
    /// or lacks a required column, in which case its rows are not read.
    fn open(
        dir: &Path,
        file: &'static str,
        required: &[&str],
        report: &mut ImportReport,
        progress: &'p mut dyn FnMut(&str, u64, u64),
    ) -> Option<Sheet<'p>> {
        let f = match File::open(dir.join(file)) {
            Ok(f) => f,
            Err(e) => {
                report.add(CANNOT_READ, file, 0, "-", file, || format!("a file that can be opened ({e})"));
                return None;
            }
        };
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        progress(file, 0, size);
        let mut reader = csv::ReaderBuilder::new().buffer_capacity(1 << 16).from_reader(f);
        let raw = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                report.add(CANNOT_READ, file, 1, "-", "", || format!("a readable header row ({e})"));
                return None;
            }
        };
        let mut headers = Vec::with_capacity(raw.len());
        for (i, h) in raw.iter().enumerate() {
            let h = if i == 0 { h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h) } else { h };
            match std::str::from_utf8(h) {
                Ok(t) => headers.push(t.trim().to_ascii_lowercase()),
                Err(_) => {
                    let all = raw.as_slice();
                    report.add(NOT_UTF8, file, 1, "-", &String::from_utf8_lossy(h), || encoding_help(all));
                    return None;
                }
            }
        }
        let missing: Vec<&str> = required.iter().copied().filter(|c| !headers.iter().any(|h| h == c)).collect();
        if !missing.is_empty() {
            let found = headers.join(",");
            let (what, list) = if missing.len() == 1 {
                ("the column", format!("{:?}", missing[0]))
            } else {
                ("the columns", missing.iter().map(|m| format!("{m:?}")).collect::<Vec<_>>().join(", "))
            };
            report.add(MISSING_COLUMN, file, 1, &missing.join(", "), &found, || {
                format!(
                    "{what} {list} (the header row found is {found:?}; the template's is {:?}: see docs/import-format.md)",
                    template_header(file)
                )
            });
            return None;
        }
        Some(Sheet {
            file,
            reader,
            headers,
            record: csv::StringRecord::new(),
            size,
            reported: 0,
            not_utf8: false,
            progress,
        })
    }

    fn col(&self, name: &'static str) -> Col {
        Col { index: self.headers.iter().position(|h| h == name), name }
    }

    fn cols<const N: usize>(&self, names: [&'static str; N]) -> [Col; N] {
        names.map(|n| self.col(n))
    }

    /// The next row, or `None` at the end of the file. A row with the wrong number of fields is
    /// reported and skipped; the first row that is not UTF-8 is reported, and it and any others
    /// are checked as if the bad bytes were U+FFFD.
    fn next(&mut self, report: &mut ImportReport) -> Option<Row<'_>> {
        loop {
            let mut rec = std::mem::take(&mut self.record).into_byte_record();
            let read = self.reader.read_byte_record(&mut rec);
            let at = self.reader.position().byte();
            if at >= self.reported + PROGRESS_STEP {
                self.reported = at;
                (self.progress)(self.file, at, self.size.max(at));
            }
            match read {
                Ok(true) => {}
                Ok(false) => {
                    (self.progress)(self.file, self.size, self.size);
                    return None;
                }
                Err(e) => {
                    if let csv::ErrorKind::UnequalLengths { pos, expected_len, len } = e.kind() {
                        let line = pos.as_ref().map_or(0, |p| p.line() as usize);
                        let text: Vec<String> = rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
                        report.add(CUT_OFF, self.file, line, "-", &text.join(","), || {
                            format!("{expected_len} fields: row {line} has {len} fields but the header has {expected_len}: the file may be cut off or have a stray comma")
                        });
                        self.record = csv::StringRecord::from_byte_record_lossy(rec);
                        continue;
                    }
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    report.add(CANNOT_READ, self.file, line, "-", "", || {
                        format!("a file that can be read to the end ({e})")
                    });
                    return None;
                }
            }
            let line = rec.position().map_or(0, |p| p.line() as usize);
            match csv::StringRecord::from_byte_record(rec) {
                Ok(s) => {
                    self.record = s;
                    return Some(Row { rec: &self.record, file: self.file, line });
                }
                Err(e) => {
                    let field = e.utf8_error().field();
                    let rec = e.into_byte_record();
                    if !self.not_utf8 {
                        self.not_utf8 = true;
                        let bytes = rec.get(field).unwrap_or_default();
                        let column = self.headers.get(field).map_or("-", String::as_str);
                        report.add(NOT_UTF8, self.file, line, column, &String::from_utf8_lossy(bytes), || {
                            encoding_help(bytes)
                        });
                    }
                    // Checked all the same (its ids count for later files); the set is not returned.
                    self.record = csv::StringRecord::from_byte_record_lossy(rec);
                    return Some(Row { rec: &self.record, file: self.file, line });
                }
            }
        }
    }
}

fn template_header(file: &str) -> &'static str {
    match file {
        "settings.csv" => "setting_id,urn,la,laestab,name,kind,phase,roll,parent_setting_id",
        "pupils.csv" => {
            "upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity"
        }
        "enrolments.csv" => "enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason",
        "attendance.csv" => "enrolment_id,upn,setting_id,academic_year,term,marks",
        "incidents.csv" => "incident_id,upn,setting_id,date,kind,severity,outcome",
        "suspensions.csv" => {
            "suspension_id,upn,setting_id,incident_id,category,start_date,length_days,reason_1,reason_2,reason_3"
        }
        "exclusions.csv" => "exclusion_id,upn,setting_id,incident_id,category,start_date,reason_1,reason_2,reason_3",
        "referrals.csv" => "referral_id,upn,from_setting_id,date,reason,tier_requested",
        "placements.csv" => "placement_id,referral_id,upn,setting_id,tier,start_date,planned_end_date,end_date,outcome",
        "timetables.csv" => "placement_id,from_date,ap_sessions_per_week,mainstream_sessions_per_week",
        "assessments.csv" => "assessment_id,upn,setting_id,date,instrument,version,occasion,item_01,…,item_25",
        "interventions.csv" => {
            "intervention_id,upn,setting_id,kind,start_date,end_date,sessions_planned,sessions_attended"
        }
        _ => "upn,ks4_year,destination,sustained",
    }
}

/// One row, with helpers that check a cell and report what is wrong with it.
struct Row<'a> {
    rec: &'a csv::StringRecord,
    file: &'static str,
    line: usize,
}

fn one_of(allowed: &[&str]) -> String {
    format!("one of {}", allowed.join(", "))
}

/// `YYYY-MM-DD`, without the cost of a format parser.
fn parse_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| s.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    NaiveDate::from_ymd_opt(num(&b[0..4])? as i32, num(&b[5..7])?, num(&b[8..10])?)
}

impl<'a> Row<'a> {
    fn text(&self, c: Col) -> &'a str {
        c.index.and_then(|i| self.rec.get(i)).unwrap_or("").trim()
    }

    fn fail(&self, r: &mut ImportReport, kind: &'static str, c: Col, value: &str, expected: impl FnOnce() -> String) {
        r.add(kind, self.file, self.line, c.name, value, expected);
    }

    fn missing(&self, r: &mut ImportReport, c: Col, expected: impl FnOnce() -> String) {
        self.fail(r, MISSING_VALUE, c, "", expected);
    }

    /// A cell that must not be empty.
    fn required(&self, r: &mut ImportReport, c: Col) -> Option<&'a str> {
        let t = self.text(c);
        if t.is_empty() {
            self.missing(r, c, || format!("a value: {} cannot be empty", c.name));
            None
        } else {
            Some(t)
        }
    }

    fn date(&self, r: &mut ImportReport, c: Col) -> Option<NaiveDate> {
        let t = self.text(c);
        if t.is_empty() {
            self.missing(r, c, || "a date as YYYY-MM-DD".to_string());
            return None;
        }
        self.date_text(r, c, t)
    }

    fn date_text(&self, r: &mut ImportReport, c: Col, t: &str) -> Option<NaiveDate> {
        match parse_date(t) {
            Some(d) if (1980..=2100).contains(&chrono::Datelike::year(&d)) => Some(d),
            Some(_) => {
                self.fail(r, OUT_OF_RANGE, c, t, || "a date between 1980 and 2100".to_string());
                None
            }
            None => {
                self.fail(r, NOT_A_DATE, c, t, || "a date as YYYY-MM-DD, such as 2016-09-05".to_string());
                None
            }
        }
    }

    /// `Some(None)` for an empty cell; `None` if the cell is not a date.
    fn opt_date(&self, r: &mut ImportReport, c: Col) -> Option<Option<NaiveDate>> {
        let t = self.text(c);
        if t.is_empty() {
            Some(None)
        } else {
            self.date_text(r, c, t).map(Some)
        }
    }

    fn upn(&self, r: &mut ImportReport, c: Col) -> Option<Upn> {
        let t = self.text(c);
        if t.is_empty() {
            self.missing(r, c, || "a UPN".to_string());
            return None;
        }
        Upn::parse(t).map_err(|m| self.fail(r, BAD_UPN, c, t, || format!("a valid UPN: {m}"))).ok()
    }

    fn code(&self, r: &mut ImportReport, c: Col, allowed: &[&'static str]) -> Option<&'static str> {
        let t = self.text(c);
        if let Some(code) = allowed.iter().find(|a| **a == t) {
            return Some(code);
        }
        let kind = if t.is_empty() { MISSING_VALUE } else { UNKNOWN_CODE };
        self.fail(r, kind, c, t, || one_of(allowed));
        None
    }

    /// `Some(None)` for an empty cell.
    fn opt_code(&self, r: &mut ImportReport, c: Col, allowed: &[&'static str]) -> Option<Option<&'static str>> {
        if self.text(c).is_empty() {
            Some(None)
        } else {
            self.code(r, c, allowed).map(Some)
        }
    }

    fn choice<T: Copy>(&self, r: &mut ImportReport, c: Col, all: &[T], code: impl Fn(T) -> &'static str) -> Option<T> {
        let t = self.text(c);
        if let Some(v) = all.iter().copied().find(|v| code(*v) == t) {
            return Some(v);
        }
        let kind = if t.is_empty() { MISSING_VALUE } else { UNKNOWN_CODE };
        self.fail(r, kind, c, t, || {
            let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
            one_of(&codes)
        });
        None
    }

    /// A whole number from `lo` to `hi`; `what` names it ("a severity").
    fn int(&self, r: &mut ImportReport, c: Col, lo: i64, hi: i64, what: &str) -> Option<i64> {
        let t = self.text(c);
        if t.is_empty() {
            self.missing(r, c, || format!("{what}, a whole number from {lo} to {hi}"));
            return None;
        }
        match t.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            Ok(_) => {
                self.fail(r, OUT_OF_RANGE, c, t, || format!("{what} from {lo} to {hi}"));
                None
            }
            Err(_) => {
                self.fail(r, NOT_A_NUMBER, c, t, || format!("{what}, a whole number from {lo} to {hi}"));
                None
            }
        }
    }

    fn flag(&self, r: &mut ImportReport, c: Col) -> Option<bool> {
        match self.text(c) {
            "0" => Some(false),
            "1" => Some(true),
            t => {
                let kind = if t.is_empty() { MISSING_VALUE } else { UNKNOWN_CODE };
                self.fail(r, kind, c, t, || "0 or 1".to_string());
                None
            }
        }
    }

    fn la(&self, r: &mut ImportReport, c: Col) -> Option<u16> {
        let t = self.text(c);
        match t.parse::<u16>() {
            Ok(n) if LocalAuthority::is_la_number(n) => Some(n),
            _ => {
                let kind = if t.is_empty() { MISSING_VALUE } else { UNKNOWN_CODE };
                self.fail(r, kind, c, t, || "a DfE 3-digit LA number such as 202".to_string());
                None
            }
        }
    }

    fn year(&self, r: &mut ImportReport, c: Col) -> Option<AcademicYear> {
        let t = self.text(c);
        if t.is_empty() {
            self.missing(r, c, || "an academic year such as 2016/17".to_string());
            return None;
        }
        match t.parse::<AcademicYear>() {
            Ok(y) if (1980..=2100).contains(&y.0) => Some(y),
            Ok(_) => {
                self.fail(r, OUT_OF_RANGE, c, t, || "an academic year between 1980/81 and 2100/01".to_string());
                None
            }
            Err(_) => {
                self.fail(r, NOT_A_DATE, c, t, || "an academic year such as 2016/17".to_string());
                None
            }
        }
    }

    /// An optional end date that must not come before `start`.
    fn end_date(
        &self,
        r: &mut ImportReport,
        c: Col,
        start: Option<NaiveDate>,
        start_col: &str,
    ) -> Option<Option<NaiveDate>> {
        let end = self.opt_date(r, c)?;
        if let (Some(end), Some(start)) = (end, start) {
            if end < start {
                self.fail(r, END_BEFORE_START, c, &end.to_string(), || {
                    format!("a date on or after the {start_col} ({start})")
                });
                return None;
            }
        }
        Some(end)
    }
}

// ---------------------------------------------------------------------------------------------
// What earlier files held, for checking references.

/// An enrolment in the set, as later files need it.
struct EnrolmentEntry {
    /// Its place in enrolments.csv (among rows with an id), for compact keys.
    ix: u32,
    upn: Box<str>,
    span: Option<(NaiveDate, NaiveDate)>,
}

#[derive(Default)]
struct Index {
    settings: HashMap<String, Option<SettingKind>>,
    pupils: HashSet<String>,
    /// Keyed `setting_id \u{1f} enrolment_id`.
    enrolments: HashMap<String, EnrolmentEntry>,
    /// Each pupil's enrolment dates at each setting (open ends as `NaiveDate::MAX`), keyed `upn \u{1f} setting_id`.
    spans: HashMap<String, Vec<(NaiveDate, NaiveDate)>>,
    incidents: HashSet<String>,
    /// Referral id to the referred pupil's UPN.
    referrals: HashMap<String, Box<str>>,
    placements: HashSet<String>,
    /// Scratch for building keys without allocating.
    key: String,
}

fn key<'k>(buf: &'k mut String, parts: &[&str]) -> &'k str {
    buf.clear();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            buf.push('\u{1f}');
        }
        buf.push_str(p);
    }
    buf.as_str()
}

struct Cx<'k> {
    report: ImportReport,
    idx: Index,
    known: &'k dyn Known,
    present: Vec<&'static str>,
    /// Files present whose rows could not be read (a missing column): references into them
    /// are not checked, so one bad header gives one error, not one per reference.
    unread: Vec<&'static str>,
}

impl Cx<'_> {
    /// "a pupil in pupils.csv or already in Waymark", or the same without the file if it is not here.
    fn where_(&self, what: &str, file: &str) -> String {
        if self.present.contains(&file) {
            format!("{what} in {file}.csv or already in Waymark")
        } else {
            format!("{what} already in Waymark ({file}.csv is not in this folder)")
        }
    }

    fn setting_ref(&mut self, row: &Row, c: Col, id: &str) -> bool {
        if self.idx.settings.contains_key(id) || self.known.setting(id) || self.unread.contains(&"settings") {
            return true;
        }
        let expected = self.where_("the id of a setting", "settings");
        row.fail(&mut self.report, MISSING_REFERENCE, c, id, || expected);
        false
    }

    fn pupil_ref(&mut self, row: &Row, c: Col, upn: &Upn) -> bool {
        if self.idx.pupils.contains(upn.as_str()) || self.known.pupil(upn) || self.unread.contains(&"pupils") {
            return true;
        }
        let expected = self.where_("the UPN of a pupil", "pupils");
        row.fail(&mut self.report, MISSING_REFERENCE, c, upn.as_str(), || expected);
        false
    }

    /// The pupil's enrolments at the setting in this file set, if any: a date outside all of them
    /// is reported. (With none in the set the enrolment may already be in Waymark: not checked.)
    fn within_enrolment(&mut self, row: &Row, c: Col, upn: &Upn, setting: &str, date: NaiveDate) {
        let Some(spans) = self.idx.spans.get(key(&mut self.idx.key, &[upn.as_str(), setting])) else { return };
        if spans.iter().any(|(s, e)| *s <= date && date <= *e) {
            return;
        }
        let listed: Vec<String> = spans
            .iter()
            .take(3)
            .map(|(s, e)| if *e == NaiveDate::MAX { format!("from {s}") } else { format!("{s} to {e}") })
            .collect();
        row.fail(&mut self.report, OUTSIDE_ENROLMENT, c, &date.to_string(), || {
            format!(
                "a date while pupil {upn} was enrolled at setting {setting} (enrolments.csv: {})",
                listed.join("; ")
            )
        });
    }

    /// For files whose ids must be unique: report a repeat.
    fn duplicate(&mut self, row: &Row, c: Col, id: &str, first_time: bool, what: &str) {
        if !first_time {
            row.fail(&mut self.report, DUPLICATE_ID, c, id, || format!("{what} used once in {}", row.file));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The thirteen readers. Each checks every cell of every row and keeps a record only if all of
// its cells are good; ids are remembered (for duplicates and references) as soon as they parse.

fn read_settings(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<SettingRecord>) {
    let [c_id, c_urn, c_la, c_laestab, c_name, c_kind, c_phase, c_roll, c_parent] =
        s.cols(["setting_id", "urn", "la", "laestab", "name", "kind", "phase", "roll", "parent_setting_id"]);
    let mut parents: Vec<(usize, String)> = Vec::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let urn = match row.text(c_urn) {
            "" => Some(None),
            t => Urn::parse(t).map(Some).map_err(|m| row.fail(r, BAD_URN, c_urn, t, || m)).ok(),
        };
        let la = row.la(r, c_la);
        let laestab = match row.text(c_laestab) {
            "" => Some(None),
            t => match t.parse::<u32>() {
                Ok(n) if (1_000_000..10_000_000).contains(&n) && la.is_none_or(|la| n / 10_000 == u32::from(la)) => {
                    Some(Some(n))
                }
                _ => {
                    row.fail(r, OUT_OF_RANGE, c_laestab, t, || match la {
                        Some(la) => format!("a 7-digit LAESTAB starting with the LA number, such as {la}4001"),
                        None => "a 7-digit LAESTAB: the LA number and the 4-digit establishment number".to_string(),
                    });
                    None
                }
            },
        };
        let name = row.required(r, c_name);
        let kind = row.choice(r, c_kind, &SettingKind::ALL, SettingKind::code);
        let phase = row.opt_code(r, c_phase, &PHASES);
        let roll = match row.text(c_roll) {
            "" => Some(None),
            _ => row.int(r, c_roll, 0, 100_000, "a number of pupils on roll").map(|n| Some(n as u32)),
        };
        let parent = row.text(c_parent);
        let mut parent_ok = true;
        match kind {
            Some(SettingKind::InternalApUnit) if parent.is_empty() => {
                row.missing(r, c_parent, || "the setting_id of the school this internal AP unit belongs to".into());
                parent_ok = false;
            }
            Some(k) if k != SettingKind::InternalApUnit && !parent.is_empty() => {
                row.fail(r, NOT_ALLOWED, c_parent, parent, || {
                    "an empty cell: only an internal AP unit belongs to another setting".into()
                });
                parent_ok = false;
            }
            _ => {}
        }
        if !parent.is_empty() && Some(parent) == id {
            row.fail(r, NOT_ALLOWED, c_parent, parent, || "the id of another setting, not this one".into());
            parent_ok = false;
        }
        if let Some(id) = id {
            let first = !cx.idx.settings.contains_key(id);
            cx.duplicate(&row, c_id, id, first, "a setting_id");
            if first {
                cx.idx.settings.insert(id.to_string(), kind);
            }
        }
        if !parent.is_empty() && parent_ok {
            parents.push((row.line, parent.to_string()));
        }
        let (Some(id), Some(urn), Some(la), Some(laestab), Some(name), Some(kind), Some(phase), Some(roll), true) =
            (id, urn, la, laestab, name, kind, phase, roll, parent_ok)
        else {
            continue;
        };
        out.push(SettingRecord {
            id: id.to_string(),
            urn: urn.filter(|_| kind.has_own_urn()),
            la,
            name: name.to_string(),
            kind,
            laestab,
            phase: phase.map(str::to_string),
            roll,
            parent_id: (!parent.is_empty()).then(|| parent.to_string()),
        });
    }
    // Parents may come after their units in the file.
    for (line, parent) in parents {
        let expected = match cx.idx.settings.get(&parent) {
            Some(Some(k)) if k.is_ap() => Some("the id of a school (mainstream or special), not of AP".to_string()),
            Some(_) => None,
            None if cx.known.setting(&parent) => None,
            None => Some("the id of a setting in settings.csv or already in Waymark".to_string()),
        };
        if let Some(expected) = expected {
            let kind = if cx.idx.settings.contains_key(&parent) { NOT_ALLOWED } else { MISSING_REFERENCE };
            cx.report.add(kind, s.file, line, c_parent.name, &parent, || expected);
        }
    }
}

fn read_pupils(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<NewPupil>) {
    let [c_upn, c_la, c_given, c_family, c_dob, c_sex, c_year, c_fsm, c_sen, c_cin, c_cla, c_eth] = s.cols([
        "upn",
        "la",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "year_group",
        "fsm",
        "sen_provision",
        "cin",
        "cla",
        "ethnicity",
    ]);
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let upn = row.upn(r, c_upn);
        let la_ok = row.text(c_la).is_empty() || row.la(r, c_la).is_some();
        let given = row.required(r, c_given);
        let family = row.required(r, c_family);
        let dob = row.date(r, c_dob);
        let sex = row.code(r, c_sex, &["F", "M"]).and_then(Sex::from_code);
        let year_ok = match row.text(c_year) {
            "" => true,
            t => t
                .parse::<YearGroup>()
                .map_err(|_| {
                    row.fail(r, OUT_OF_RANGE, c_year, t, || {
                        "a national curriculum year group from -2 (nursery) to 14, or R for reception".into()
                    })
                })
                .is_ok(),
        };
        let fsm = row.flag(r, c_fsm);
        let sen = row.code(r, c_sen, &["N", "K", "E"]).and_then(SenProvision::from_code);
        let cin = row.flag(r, c_cin);
        let cla = row.flag(r, c_cla);
        let ethnicity = match row.text(c_eth) {
            "" => Some(None),
            t if ethnicity_label(t).is_some() => Some(Some(t)),
            t => {
                row.fail(r, UNKNOWN_CODE, c_eth, t, || {
                    "a school census main ethnicity code such as WBRI, BCRB or REFU, or an empty cell".into()
                });
                None
            }
        };
        if let Some(upn) = &upn {
            let first = cx.idx.pupils.insert(upn.as_str().to_string());
            cx.duplicate(&row, c_upn, upn.as_str(), first, "a UPN");
        }
        let (Some(upn), Some(given), Some(family), Some(dob), Some(sex), Some(fsm), Some(sen), Some(cin), Some(cla)) =
            (upn, given, family, dob, sex, fsm, sen, cin, cla)
        else {
            continue;
        };
        let (true, true, Some(ethnicity)) = (la_ok, year_ok, ethnicity) else { continue };
        out.push(NewPupil {
            upn,
            legal_forename: given.to_string(),
            legal_surname: family.to_string(),
            preferred_forename: None,
            preferred_surname: None,
            date_of_birth: dob,
            sex,
            fsm_eligible: fsm,
            sen,
            child_in_need: cin,
            looked_after: cla,
            ethnicity: ethnicity.map(str::to_string),
        });
    }
}

fn read_enrolments(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<EnrolmentRecord>) {
    let [c_id, c_upn, c_setting, c_reg, c_start, c_end, c_reason] =
        s.cols(["enrolment_id", "upn", "setting_id", "registration", "start_date", "end_date", "leaving_reason"]);
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let registration = row.choice(r, c_reg, &RegistrationType::ALL, RegistrationType::code);
        let start = row.date(r, c_start);
        let end = row.end_date(r, c_end, start, "start_date");
        let reason = if row.text(c_reason).is_empty() {
            Some(None)
        } else {
            row.choice(r, c_reason, &LeavingReason::ALL, LeavingReason::code).map(Some)
        };
        let mut paired = true;
        match (end, reason) {
            (Some(Some(_)), Some(None)) => {
                row.missing(r, c_reason, || {
                    "a leaving reason, since end_date is given (not_known if it is not known)".into()
                });
                paired = false;
            }
            (Some(None), Some(Some(_))) => {
                row.missing(r, c_end, || "the date the pupil left, since leaving_reason is given".into());
                paired = false;
            }
            _ => {}
        }
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let setting_ok = setting.is_some_and(|s| cx.setting_ref(&row, c_setting, s));
        if let (Some(id), Some(setting)) = (id, setting) {
            let k = key(&mut cx.idx.key, &[setting, id]);
            let first = !cx.idx.enrolments.contains_key(k);
            if first {
                let span = start.zip(end).map(|(s, e)| (s, e.unwrap_or(NaiveDate::MAX)));
                let upn_text = upn.as_ref().map_or("", Upn::as_str);
                let ix = cx.idx.enrolments.len() as u32;
                cx.idx.enrolments.insert(k.to_string(), EnrolmentEntry { ix, upn: upn_text.into(), span });
                if let (Some(upn), Some(span)) = (&upn, span) {
                    let k = key(&mut cx.idx.key, &[upn.as_str(), setting]);
                    match cx.idx.spans.get_mut(k) {
                        Some(v) => v.push(span),
                        None => {
                            cx.idx.spans.insert(k.to_string(), vec![span]);
                        }
                    }
                }
            }
            cx.duplicate(&row, c_id, id, first, "an enrolment_id (within its setting)");
        }
        let (Some(id), Some(upn), Some(setting), Some(registration), Some(start), Some(end), Some(reason)) =
            (id, upn, setting, registration, start, end, reason)
        else {
            continue;
        };
        if !(paired && upn_ok && setting_ok) {
            continue;
        }
        out.push(EnrolmentRecord {
            enrolment_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            registration,
            start,
            end,
            leaving_reason: reason,
        });
    }
}

/// `ok[b]` for each byte allowed in a marks string.
const MARK_OK: [bool; 256] = {
    let mut ok = [false; 256];
    let b = SYMBOLS.as_bytes();
    let mut i = 0;
    while i < b.len() {
        ok[b[i] as usize] = true;
        i += 1;
    }
    ok
};

/// The first and last day a term can hold (autumn 1 September to 31 December, spring to the
/// day before Easter Sunday, summer from Easter Sunday to 31 August).
fn term_bounds(year: AcademicYear, term: Term) -> (NaiveDate, NaiveDate) {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
    let easter = easter_sunday(year.0 + 1);
    match term {
        Term::Autumn => (d(year.0, 9, 1), d(year.0, 12, 31)),
        Term::Spring => (d(year.0 + 1, 1, 1), easter.pred_opt().expect("valid date")),
        Term::Summer => (easter, d(year.0 + 1, 8, 31)),
    }
}

fn read_attendance(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<AttendanceRecord>) {
    let [c_id, c_upn, c_setting, c_year, c_term, c_marks] =
        s.cols(["enrolment_id", "upn", "setting_id", "academic_year", "term", "marks"]);
    // Rows seen, by (enrolment in the set, year, term), or by text for enrolments not in the set.
    let mut seen: HashSet<(u32, i32, Term)> = HashSet::new();
    let mut seen_other: HashSet<String> = HashSet::new();
    // Marks lengths by (setting, year, term): all pupils at one setting share a calendar.
    let mut setting_ix: HashMap<String, u32> = HashMap::new();
    let mut group_ix: HashMap<(u32, i32, Term), u32> = HashMap::new();
    let mut groups: Vec<HashMap<usize, u32>> = Vec::new();
    let mut rows: Vec<(u32, u32)> = Vec::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let year = row.year(r, c_year);
        let term = row.code(r, c_term, &TERMS).map(|t| match t {
            "autumn" => Term::Autumn,
            "spring" => Term::Spring,
            _ => Term::Summer,
        });
        let marks = row.required(r, c_marks);
        let marks_ok = marks.is_some_and(|m| {
            if let Some(i) = m.bytes().position(|b| !MARK_OK[b as usize]) {
                let symbol = m[i..].chars().next().unwrap_or('?');
                let session = i + 1;
                row.fail(r, UNKNOWN_MARK, c_marks, &symbol.to_string(), || {
                    let retired = if "HFJY".contains(symbol) {
                        " (H, F, J and Y were retired in 2024: write C, J1 as j, Y1-Y7 as a-g)"
                    } else {
                        ""
                    };
                    format!(
                        "an attendance symbol, one of {SYMBOLS}, at session {session} (day {}, {}){retired}; multi-character codes are one symbol: C1 as 1, C2 as 2, J1 as j, Y1-Y7 as a-g",
                        session.div_ceil(2),
                        if session % 2 == 1 { "morning" } else { "afternoon" }
                    )
                });
                false
            } else if m.len() % 2 == 1 {
                row.fail(r, WRONG_MARKS_LENGTH, c_marks, &format!("{} marks", m.len()), || {
                    "an even number of marks: two sessions a school day, morning then afternoon".into()
                });
                false
            } else {
                true
            }
        });
        // The enrolment: in this set (then the row must match it) or already in Waymark.
        let mut refs_ok = true;
        let mut enrolment_ix = None;
        if let (Some(id), Some(setting)) = (id, setting) {
            match cx.idx.enrolments.get(key(&mut cx.idx.key, &[setting, id])) {
                Some(e) => {
                    enrolment_ix = Some(e.ix);
                    if let Some(upn) = upn.as_ref().filter(|u| u.as_str() != &*e.upn) {
                        let theirs = e.upn.clone();
                        row.fail(&mut cx.report, MISMATCH, c_upn, upn.as_str(), || {
                            format!("{theirs}, the UPN of enrolment {id} at setting {setting} in enrolments.csv")
                        });
                        refs_ok = false;
                    }
                    if let (Some((start, end)), Some(year), Some(term)) = (e.span, year, term) {
                        let (first, last) = term_bounds(year, term);
                        if last < start || end < first {
                            let t = TERMS[term as usize];
                            let ends = if end == NaiveDate::MAX { "open".to_string() } else { end.to_string() };
                            row.fail(&mut cx.report, OUTSIDE_ENROLMENT, c_term, t, || {
                                format!("a term within enrolment {id} ({start} to {ends}); {t} {year} runs {first} to {last}")
                            });
                            refs_ok = false;
                        }
                    }
                }
                None if cx.known.enrolment(setting, id) || cx.unread.contains(&"enrolments") => {}
                None => {
                    let expected = cx.where_("an enrolment_id at this setting_id", "enrolments");
                    row.fail(&mut cx.report, MISSING_REFERENCE, c_id, id, || expected);
                    refs_ok = false;
                }
            }
        }
        if let (Some(id), Some(setting), Some(year), Some(term)) = (id, setting, year, term) {
            let first = match enrolment_ix {
                Some(ix) => seen.insert((ix, year.0, term)),
                None => {
                    let k = key(&mut cx.idx.key, &[setting, id, &year.to_string(), TERMS[term as usize]]);
                    seen_other.insert(k.to_string())
                }
            };
            if !first {
                let t = TERMS[term as usize];
                row.fail(&mut cx.report, DUPLICATE_ID, c_id, id, || {
                    format!("one row for enrolment {id} at setting {setting} in {t} {year}")
                });
            }
        }
        let (Some(id), Some(upn), Some(setting), Some(year), Some(term), Some(marks), true, true) =
            (id, upn, setting, year, term, marks, marks_ok, refs_ok)
        else {
            continue;
        };
        let six = match setting_ix.get(setting) {
            Some(&i) => i,
            None => {
                let i = setting_ix.len() as u32;
                setting_ix.insert(setting.to_string(), i);
                i
            }
        };
        let g = *group_ix.entry((six, year.0, term)).or_insert_with(|| {
            groups.push(HashMap::new());
            (groups.len() - 1) as u32
        });
        *groups[g as usize].entry(marks.len()).or_default() += 1;
        rows.push((row.line as u32, g));
        out.push(AttendanceRecord {
            enrolment_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            year,
            term,
            marks: marks.to_string(),
        });
    }
    // Rows whose length differs from the most common for their setting and term.
    let modes: Vec<(usize, u32, u32)> = groups
        .iter()
        .map(|lengths| {
            let (len, n) = lengths.iter().max_by_key(|(len, n)| (**n, **len)).map(|(l, n)| (*l, *n)).unwrap_or((0, 0));
            (len, n, lengths.values().sum())
        })
        .collect();
    for (rec, (line, g)) in out.iter().zip(&rows) {
        let (len, n, total) = modes[*g as usize];
        if rec.marks.len() != len {
            let t = TERMS[rec.term as usize];
            cx.report.add(WRONG_MARKS_LENGTH, s.file, *line as usize, c_marks.name, &format!("{} marks", rec.marks.len()), || {
                format!(
                    "{len} marks ({} school days), as in {n} of the {total} rows for setting {} in {t} {}: all pupils at one setting share a calendar",
                    len / 2,
                    rec.setting_id,
                    rec.year
                )
            });
        }
    }
}

fn read_incidents(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<IncidentRecord>) {
    let [c_id, c_upn, c_setting, c_date, c_kind, c_severity, c_outcome] =
        s.cols(["incident_id", "upn", "setting_id", "date", "kind", "severity", "outcome"]);
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let date = row.date(r, c_date);
        let kind = row.code(r, c_kind, &INCIDENT_KINDS);
        let severity = row.int(r, c_severity, 1, 3, "a severity");
        let outcome = row.code(r, c_outcome, &INCIDENT_OUTCOMES);
        if let Some(id) = id {
            let first = cx.idx.incidents.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "an incident_id");
        }
        let refs_ok = pupil_and_setting(cx, &row, c_upn, &upn, c_setting, setting, c_date, date);
        let (Some(id), Some(upn), Some(setting), Some(date), Some(kind), Some(severity), Some(outcome), true) =
            (id, upn, setting, date, kind, severity, outcome, refs_ok)
        else {
            continue;
        };
        out.push(IncidentRecord {
            incident_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            date,
            kind: kind.to_string(),
            severity: severity as u8,
            outcome: outcome.to_string(),
        });
    }
}

/// Check a row's pupil and setting exist, and that its date falls in one of the pupil's
/// enrolments there (where the set has them). True if all is well.
#[allow(clippy::too_many_arguments)]
fn pupil_and_setting(
    cx: &mut Cx,
    row: &Row,
    c_upn: Col,
    upn: &Option<Upn>,
    c_setting: Col,
    setting: Option<&str>,
    c_date: Col,
    date: Option<NaiveDate>,
) -> bool {
    let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(row, c_upn, u));
    let setting_ok = setting.is_some_and(|s| cx.setting_ref(row, c_setting, s));
    if let (Some(upn), Some(setting), Some(date), true, true) = (upn, setting, date, upn_ok, setting_ok) {
        let before = cx.report.total;
        cx.within_enrolment(row, c_date, upn, setting, date);
        return cx.report.total == before;
    }
    upn_ok && setting_ok
}

/// An optional incident id, checked against incidents.csv when it is in the set.
fn incident_ref<'a>(cx: &mut Cx, row: &Row<'a>, c: Col) -> Option<Option<&'a str>> {
    let id = row.text(c);
    if id.is_empty() {
        return Some(None);
    }
    let checkable = cx.present.contains(&"incidents") && !cx.unread.contains(&"incidents");
    if checkable && !cx.idx.incidents.contains(id) && !cx.known.incident(id) {
        row.fail(&mut cx.report, MISSING_REFERENCE, c, id, || {
            "the id of an incident in incidents.csv or already in Waymark, or an empty cell".into()
        });
        return None;
    }
    Some(Some(id))
}

/// One to three reason codes, from the list for the academic year of `start`.
fn reasons(r: &mut ImportReport, row: &Row, cols: [Col; 3], start: Option<NaiveDate>) -> Option<Vec<String>> {
    let year = start.map(AcademicYear::containing);
    let every: Vec<&'static str> = waymark_domain::exclusion::REASONS.iter().map(|(c, _)| *c).collect();
    let list: &[&'static str] = match year {
        Some(y) => waymark_domain::exclusion::reasons_for(y),
        None => &every,
    };
    let mut out = Vec::with_capacity(3);
    let mut ok = true;
    for (i, c) in cols.into_iter().enumerate() {
        let t = row.text(c);
        if t.is_empty() {
            if i == 0 {
                row.missing(r, c, || format!("a reason code, {}", one_of(list)));
                ok = false;
            }
            continue;
        }
        if i > 0 && year.is_some_and(|y| y.0 < 2020) {
            row.fail(r, NOT_ALLOWED, c, t, || {
                format!(
                    "an empty cell: before 2020/21 the census takes one reason ({} is in {})",
                    start.expect("year"),
                    year.expect("year")
                )
            });
            ok = false;
            continue;
        }
        if !list.contains(&t) {
            row.fail(r, UNKNOWN_CODE, c, t, || match year {
                Some(y) if y.0 < 2020 => format!("{} (the reasons before 2020/21; this is in {y})", one_of(list)),
                Some(y) => format!("{} (the reasons from 2020/21, without OT \"other\"; this is in {y})", one_of(list)),
                None => one_of(list),
            });
            ok = false;
            continue;
        }
        if out.iter().any(|o: &String| o == t) {
            row.fail(r, NOT_ALLOWED, c, t, || "a reason not already given in this row".into());
            ok = false;
            continue;
        }
        out.push(t.to_string());
    }
    ok.then_some(out)
}

fn read_suspensions(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<SuspensionRecord>) {
    let [c_id, c_upn, c_setting, c_incident, c_category, c_start, c_length] =
        s.cols(["suspension_id", "upn", "setting_id", "incident_id", "category", "start_date", "length_days"]);
    let c_reasons = s.cols(["reason_1", "reason_2", "reason_3"]);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let category = row.code(r, c_category, &["FIXD", "SUSP", "LNCH"]).map(|c| if c == "SUSP" { "FIXD" } else { c });
        let start = row.date(r, c_start);
        let length = match row.text(c_length) {
            "" => {
                row.missing(r, c_length, || "a length in school days, such as 1 or 0.5".into());
                None
            }
            t => match t.parse::<f64>() {
                Ok(x) if category == Some("LNCH") && x != 0.5 => {
                    row.fail(r, OUT_OF_RANGE, c_length, t, || {
                        "0.5: a lunchtime suspension counts as half a day".into()
                    });
                    None
                }
                Ok(x) if x > 0.0 && x <= 45.0 && (x * 2.0).fract() == 0.0 => Some(x),
                Ok(_) => {
                    row.fail(r, OUT_OF_RANGE, c_length, t, || {
                        "a length in school days above 0 and up to 45, in whole or half days".into()
                    });
                    None
                }
                Err(_) => {
                    row.fail(r, NOT_A_NUMBER, c_length, t, || "a length in school days, such as 1 or 0.5".into());
                    None
                }
            },
        };
        let reasons = reasons(r, &row, c_reasons, start);
        if let Some(id) = id {
            let first = seen.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "a suspension_id");
        }
        let incident = incident_ref(cx, &row, c_incident);
        let refs_ok = pupil_and_setting(cx, &row, c_upn, &upn, c_setting, setting, c_start, start);
        let (
            Some(id),
            Some(upn),
            Some(setting),
            Some(incident),
            Some(category),
            Some(start),
            Some(length),
            Some(reasons),
        ) = (id, upn, setting, incident, category, start, length, reasons)
        else {
            continue;
        };
        if !refs_ok {
            continue;
        }
        out.push(SuspensionRecord {
            suspension_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            incident_id: incident.map(str::to_string),
            category: category.to_string(),
            start,
            length_days: length,
            reasons,
        });
    }
}

fn read_exclusions(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<ExclusionRecord>) {
    let [c_id, c_upn, c_setting, c_incident, c_category, c_start] =
        s.cols(["exclusion_id", "upn", "setting_id", "incident_id", "category", "start_date"]);
    let c_reasons = s.cols(["reason_1", "reason_2", "reason_3"]);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let category = row.code(r, c_category, &["PERM"]);
        let start = row.date(r, c_start);
        let reasons = reasons(r, &row, c_reasons, start);
        if let Some(id) = id {
            let first = seen.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "an exclusion_id");
        }
        let incident = incident_ref(cx, &row, c_incident);
        let refs_ok = pupil_and_setting(cx, &row, c_upn, &upn, c_setting, setting, c_start, start);
        let (Some(id), Some(upn), Some(setting), Some(incident), Some(_), Some(start), Some(reasons), true) =
            (id, upn, setting, incident, category, start, reasons, refs_ok)
        else {
            continue;
        };
        out.push(ExclusionRecord {
            exclusion_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            incident_id: incident.map(str::to_string),
            start,
            reasons,
        });
    }
}

fn read_referrals(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<ReferralRecord>) {
    let [c_id, c_upn, c_setting, c_date, c_reason, c_tier] =
        s.cols(["referral_id", "upn", "from_setting_id", "date", "reason", "tier_requested"]);
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let date = row.date(r, c_date);
        let reason = row.code(r, c_reason, &REFERRAL_REASONS);
        let tier = row.int(r, c_tier, 1, 3, "a tier");
        if let Some(id) = id {
            let first = !cx.idx.referrals.contains_key(id);
            if first {
                cx.idx.referrals.insert(id.to_string(), upn.as_ref().map_or("", Upn::as_str).into());
            }
            cx.duplicate(&row, c_id, id, first, "a referral_id");
        }
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let setting_ok = setting.is_some_and(|s| cx.setting_ref(&row, c_setting, s));
        let (Some(id), Some(upn), Some(setting), Some(date), Some(reason), Some(tier), true, true) =
            (id, upn, setting, date, reason, tier, upn_ok, setting_ok)
        else {
            continue;
        };
        out.push(ReferralRecord {
            referral_id: id.to_string(),
            upn,
            from_setting_id: setting.to_string(),
            date,
            reason: reason.to_string(),
            tier_requested: tier as u8,
        });
    }
}

fn read_placements(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<PlacementRecord>) {
    let [c_id, c_referral, c_upn, c_setting, c_tier, c_start, c_planned, c_end, c_outcome] = s.cols([
        "placement_id",
        "referral_id",
        "upn",
        "setting_id",
        "tier",
        "start_date",
        "planned_end_date",
        "end_date",
        "outcome",
    ]);
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let tier = row.int(r, c_tier, 1, 3, "a tier");
        let start = row.date(r, c_start);
        let planned = row.end_date(r, c_planned, start, "start_date");
        let end = row.end_date(r, c_end, start, "start_date");
        let outcome = row.opt_code(r, c_outcome, &PLACEMENT_OUTCOMES);
        if let Some(id) = id {
            let first = cx.idx.placements.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "a placement_id");
        }
        let referral = match row.text(c_referral) {
            "" => Some(None),
            rid => match cx.idx.referrals.get(rid) {
                Some(theirs) => match &upn {
                    Some(upn) if !theirs.is_empty() && upn.as_str() != &**theirs => {
                        let theirs = theirs.clone();
                        row.fail(&mut cx.report, MISMATCH, c_upn, upn.as_str(), || {
                            format!("{theirs}, the UPN of referral {rid} in referrals.csv")
                        });
                        None
                    }
                    _ => Some(Some(rid)),
                },
                None if cx.known.referral(rid) || cx.unread.contains(&"referrals") => Some(Some(rid)),
                None => {
                    let expected = cx.where_("the id of a referral", "referrals");
                    row.fail(&mut cx.report, MISSING_REFERENCE, c_referral, rid, || {
                        format!("{expected}, or an empty cell")
                    });
                    None
                }
            },
        };
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let setting_ok = setting.is_some_and(|s| cx.setting_ref(&row, c_setting, s));
        let (Some(id), Some(referral), Some(upn), Some(setting), Some(tier), Some(start), Some(planned), Some(end)) =
            (id, referral, upn, setting, tier, start, planned, end)
        else {
            continue;
        };
        let (Some(outcome), true, true) = (outcome, upn_ok, setting_ok) else { continue };
        out.push(PlacementRecord {
            placement_id: id.to_string(),
            referral_id: referral.map(str::to_string),
            upn,
            setting_id: setting.to_string(),
            tier: tier as u8,
            start,
            planned_end: planned,
            end,
            outcome: outcome.map(str::to_string),
        });
    }
}

fn read_timetables(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<TimetableRecord>) {
    let [c_id, c_from, c_ap, c_ms] =
        s.cols(["placement_id", "from_date", "ap_sessions_per_week", "mainstream_sessions_per_week"]);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let from = row.date(r, c_from);
        let ap = row.int(r, c_ap, 0, 10, "AP sessions a week");
        let mut ms = row.int(r, c_ms, 0, 10, "mainstream sessions a week");
        if let (Some(a), Some(m)) = (ap, ms) {
            if a + m > 10 {
                row.fail(r, OUT_OF_RANGE, c_ms, &m.to_string(), || {
                    format!("at most {} mainstream sessions: a week has 10 sessions, and {a} are in AP", 10 - a)
                });
                ms = None;
            }
        }
        if let (Some(id), Some(from)) = (id, from) {
            let first = seen.insert(key(&mut cx.idx.key, &[id, &from.to_string()]).to_string());
            if !first {
                row.fail(&mut cx.report, DUPLICATE_ID, c_from, &from.to_string(), || {
                    format!("one row for placement {id} from {from}")
                });
            }
        }
        let placement_ok = id.is_some_and(|id| {
            if cx.idx.placements.contains(id) || cx.known.placement(id) || cx.unread.contains(&"placements") {
                return true;
            }
            let expected = cx.where_("the id of a placement", "placements");
            row.fail(&mut cx.report, MISSING_REFERENCE, c_id, id, || expected);
            false
        });
        let (Some(id), Some(from), Some(ap), Some(ms), true) = (id, from, ap, ms, placement_ok) else { continue };
        out.push(TimetableRecord {
            placement_id: id.to_string(),
            from,
            ap_sessions: ap as u8,
            mainstream_sessions: ms as u8,
        });
    }
}

fn read_assessments(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<AssessmentRecord>) {
    let [c_id, c_upn, c_setting, c_date, c_instrument, c_version, c_occasion] =
        s.cols(["assessment_id", "upn", "setting_id", "date", "instrument", "version", "occasion"]);
    let c_items = s.cols(ITEMS);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let date = row.date(r, c_date);
        let instrument = row.code(r, c_instrument, &INSTRUMENTS);
        let version = match instrument {
            Some("sdq") => row.code(r, c_version, &SDQ_VERSIONS).map(Some),
            Some(_) => match row.text(c_version) {
                "" => Some(None),
                t => {
                    row.fail(r, NOT_ALLOWED, c_version, t, || "an empty cell: SWEMWBS has one version".into());
                    None
                }
            },
            None => Some(None),
        };
        let occasion = row.code(r, c_occasion, &OCCASIONS);
        let mut items = Vec::with_capacity(25);
        let mut items_ok = true;
        for (i, c) in c_items.into_iter().enumerate() {
            let t = row.text(c);
            if t.is_empty() {
                items.push(None);
                continue;
            }
            let (lo, hi, what) = match instrument {
                Some("sdq") => (0, 2, "an SDQ answer as ticked"),
                Some(_) if i >= 7 => {
                    row.fail(r, NOT_ALLOWED, c, t, || "an empty cell: SWEMWBS has 7 items".into());
                    items_ok = false;
                    items.push(None);
                    continue;
                }
                Some(_) => (1, 5, "a SWEMWBS answer"),
                None => (0, 5, "an answer"),
            };
            match row.int(r, c, lo, hi, what) {
                Some(n) => items.push(Some(n as u8)),
                None => {
                    items_ok = false;
                    items.push(None);
                }
            }
        }
        if let Some(id) = id {
            let first = seen.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "an assessment_id");
        }
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let setting_ok = setting.is_some_and(|s| cx.setting_ref(&row, c_setting, s));
        let (Some(id), Some(upn), Some(setting), Some(date), Some(instrument), Some(version), Some(occasion)) =
            (id, upn, setting, date, instrument, version, occasion)
        else {
            continue;
        };
        if !(items_ok && upn_ok && setting_ok) {
            continue;
        }
        out.push(AssessmentRecord {
            assessment_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            date,
            instrument: instrument.to_string(),
            version: version.map(str::to_string),
            occasion: occasion.to_string(),
            items,
        });
    }
}

fn read_interventions(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<InterventionRecord>) {
    let [c_id, c_upn, c_setting, c_kind, c_start, c_end, c_planned, c_attended] = s.cols([
        "intervention_id",
        "upn",
        "setting_id",
        "kind",
        "start_date",
        "end_date",
        "sessions_planned",
        "sessions_attended",
    ]);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let id = row.required(r, c_id);
        let upn = row.upn(r, c_upn);
        let setting = row.required(r, c_setting);
        let kind = row.code(r, c_kind, &INTERVENTION_KINDS);
        let start = row.date(r, c_start);
        let end = row.end_date(r, c_end, start, "start_date");
        let planned = row.int(r, c_planned, 0, 10_000, "a number of sessions");
        let mut attended = row.int(r, c_attended, 0, 10_000, "a number of sessions");
        if let (Some(p), Some(a)) = (planned, attended) {
            if a > p {
                row.fail(r, OUT_OF_RANGE, c_attended, &a.to_string(), || {
                    format!("at most sessions_planned ({p}) sessions attended")
                });
                attended = None;
            }
        }
        if let Some(id) = id {
            let first = seen.insert(id.to_string());
            cx.duplicate(&row, c_id, id, first, "an intervention_id");
        }
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let setting_ok = setting.is_some_and(|s| cx.setting_ref(&row, c_setting, s));
        let (Some(id), Some(upn), Some(setting), Some(kind), Some(start), Some(end), Some(planned), Some(attended)) =
            (id, upn, setting, kind, start, end, planned, attended)
        else {
            continue;
        };
        if !(upn_ok && setting_ok) {
            continue;
        }
        out.push(InterventionRecord {
            intervention_id: id.to_string(),
            upn,
            setting_id: setting.to_string(),
            kind: kind.to_string(),
            start,
            end,
            sessions_planned: planned as u32,
            sessions_attended: attended as u32,
        });
    }
}

fn read_destinations(s: &mut Sheet, cx: &mut Cx, out: &mut Vec<DestinationRecord>) {
    let [c_upn, c_year, c_destination, c_sustained] = s.cols(["upn", "ks4_year", "destination", "sustained"]);
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(row) = s.next(&mut cx.report) {
        let r = &mut cx.report;
        let upn = row.upn(r, c_upn);
        let year = row.year(r, c_year);
        let destination = row.code(r, c_destination, &DESTINATIONS);
        let mut sustained = row.flag(r, c_sustained);
        if let (Some(true), Some(d @ ("neet" | "unknown"))) = (sustained, destination) {
            row.fail(r, NOT_ALLOWED, c_sustained, "1", || {
                format!("0: only education, apprenticeship or employment can be sustained, not {d}")
            });
            sustained = None;
        }
        if let (Some(upn), Some(year)) = (&upn, year) {
            let first = seen.insert(key(&mut cx.idx.key, &[upn.as_str(), &year.to_string()]).to_string());
            if !first {
                row.fail(&mut cx.report, DUPLICATE_ID, c_upn, upn.as_str(), || {
                    format!("one row for pupil {upn} with KS4 year {year}")
                });
            }
        }
        let upn_ok = upn.as_ref().is_some_and(|u| cx.pupil_ref(&row, c_upn, u));
        let (Some(upn), Some(year), Some(destination), Some(sustained), true) =
            (upn, year, destination, sustained, upn_ok)
        else {
            continue;
        };
        out.push(DestinationRecord { upn, ks4_year: year, destination: destination.to_string(), sustained });
    }
}
