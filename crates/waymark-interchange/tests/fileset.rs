//! The thirteen-template reader: a good hand-made set, every kind of bad input, the report's
//! limits, `Known` and subsets.

use std::path::Path;
use waymark_domain::{AcademicYear, Term, Upn};
use waymark_interchange::fileset::{kind, FILES};
use waymark_interchange::{read_set, FileSet, ImportError, ImportReport, Known, NothingKnown};

/// Three valid UPNs (check letters computed, not typed).
fn upns() -> [String; 3] {
    ["202400116001", "202400116002", "202400115003"].map(|b| Upn::from_body(b).unwrap().to_string())
}

const SDQ: &str = "0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0";
const SWEMWBS: &str = "3,4,2,3,3,4,2,,,,,,,,,,,,,,,,,,";

/// A small LA-year in all thirteen files: a school with an internal unit, a PRU, three pupils
/// (one suspended, placed at tier 2 and back; one permanently excluded and placed at tier 3).
fn fixture(dir: &Path) {
    let [p1, p2, p3] = upns();
    let files: [(&str, String); 13] = [
        ("settings", "setting_id,urn,la,laestab,name,kind,phase,roll,parent_setting_id\n\
            100001,100001,202,2024001,Ash School,mainstream,secondary,900,\n\
            100002,100002,202,2021100,Birch PRU,pupil_referral_unit,,40,\n\
            100003,100003,202,2024002,Ash Unit,internal_ap_unit,,8,100001\n".into()),
        ("pupils", format!("upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity\n\
            {p1},202,Ada,Okafor,2001-02-03,F,11,1,K,0,0,BAFR\n\
            {p2},202,Ben,Smith,2002-05-06,M,10,0,N,1,0,WBRI\n\
            {p3},202,Cai,Jones,2003-07-08,M,9,1,E,0,1,\n")),
        ("enrolments", format!("enrolment_id,upn,setting_id,registration,start_date,end_date,leaving_reason\n\
            1,{p1},100001,C,2012-09-03,,\n\
            2,{p2},100001,M,2013-09-03,,\n\
            3,{p2},100002,S,2017-01-09,2017-03-31,return_to_mainstream\n\
            4,{p3},100001,C,2014-09-03,2017-02-10,permanent_exclusion\n\
            5,{p3},100002,C,2017-02-17,,\n")),
        ("attendance", format!("enrolment_id,upn,setting_id,academic_year,term,marks\n\
            1,{p1},100001,2016/17,autumn,/\\/\\IIL\\/\\\n\
            2,{p2},100001,2016/17,autumn,/\\EE/\\/\\/\\\n\
            4,{p3},100001,2016/17,autumn,/\\/\\/\\NN/\\\n\
            1,{p1},100001,2016/17,spring,/\\/\\/\\/\\\n\
            3,{p2},100002,2016/17,spring,ZZ22/\\/\\\n\
            5,{p3},100002,2016/17,spring,ZZZZ/\\/\\\n")),
        ("incidents", format!("incident_id,upn,setting_id,date,kind,severity,outcome\n\
            10,{p3},100001,2017-02-09,physical_assault,3,permanent_exclusion\n\
            11,{p2},100001,2016-11-14,disruption,2,suspension\n\
            12,{p1},100001,2016-10-03,refusal,1,lunchtime_suspension\n")),
        ("suspensions", format!("suspension_id,upn,setting_id,incident_id,category,start_date,length_days,reason_1,reason_2,reason_3\n\
            20,{p2},100001,11,FIXD,2016-11-14,2,DB,,\n\
            21,{p2},100001,,SUSP,2016-12-01,1.5,VA,,\n\
            22,{p1},100001,12,LNCH,2016-10-03,0.5,OT,,\n")),
        ("exclusions", format!("exclusion_id,upn,setting_id,incident_id,category,start_date,reason_1,reason_2,reason_3\n\
            30,{p3},100001,10,PERM,2017-02-09,PP,,\n")),
        ("referrals", format!("referral_id,upn,from_setting_id,date,reason,tier_requested\n\
            40,{p3},100001,2017-02-14,permanent_exclusion,3\n\
            41,{p2},100001,2017-01-04,repeated_suspensions,2\n")),
        ("placements", format!("placement_id,referral_id,upn,setting_id,tier,start_date,planned_end_date,end_date,outcome\n\
            50,40,{p3},100002,3,2017-02-17,2017-07-20,,ongoing\n\
            51,41,{p2},100002,2,2017-01-09,2017-03-31,2017-03-31,returned_mainstream\n")),
        ("timetables", "placement_id,from_date,ap_sessions_per_week,mainstream_sessions_per_week\n\
            51,2017-01-09,8,2\n\
            51,2017-02-06,6,4\n".into()),
        ("assessments", format!("assessment_id,upn,setting_id,date,instrument,version,occasion,item_01,item_02,item_03,item_04,item_05,item_06,item_07,item_08,item_09,item_10,item_11,item_12,item_13,item_14,item_15,item_16,item_17,item_18,item_19,item_20,item_21,item_22,item_23,item_24,item_25\n\
            60,{p3},100002,2017-02-17,sdq,teacher,entry,{SDQ}\n\
            61,{p3},100002,2017-02-17,swemwbs,,entry,{SWEMWBS}\n")),
        ("interventions", format!("intervention_id,upn,setting_id,kind,start_date,end_date,sessions_planned,sessions_attended\n\
            70,{p3},100002,mentoring,2017-02-20,2017-04-20,10,8\n")),
        ("destinations", format!("upn,ks4_year,destination,sustained\n{p1},2016/17,education,1\n")),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(format!("{name}.csv")), text).unwrap();
    }
}

fn read(dir: &Path) -> Result<FileSet, ImportReport> {
    read_set(dir, &NothingKnown, &mut |_, _, _| {})
}

fn good_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    dir
}

/// Replace `from` with `to` in one file (exactly once).
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn append(dir: &Path, file: &str, line: &str) {
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(line);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
}

/// The one error a bad set gives.
fn only_error(dir: &Path) -> ImportError {
    let report = read(dir).unwrap_err();
    assert_eq!(report.total, 1, "{report}");
    report.errors[0].clone()
}

fn place(e: &ImportError) -> (&str, usize, &str, &str) {
    (e.file.as_str(), e.row, e.column.as_str(), e.kind)
}

#[test]
fn a_good_full_set_reads_whole() {
    let dir = good_dir();
    let mut calls: Vec<(String, u64, u64)> = Vec::new();
    let set = read_set(dir.path(), &NothingKnown, &mut |f, at, size| calls.push((f.to_string(), at, size)))
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(set.present, FILES.to_vec());
    let counts = [
        set.settings.len(),
        set.pupils.len(),
        set.enrolments.len(),
        set.attendance.len(),
        set.incidents.len(),
        set.suspensions.len(),
        set.exclusions.len(),
        set.referrals.len(),
        set.placements.len(),
        set.timetables.len(),
        set.assessments.len(),
        set.interventions.len(),
        set.destinations.len(),
    ];
    assert_eq!(counts, [3, 3, 5, 6, 3, 3, 1, 2, 2, 2, 2, 1, 1]);
    assert_eq!(set.record_count(), 34);
    // Values come through typed.
    assert_eq!(set.settings[0].laestab, Some(2_024_001));
    assert_eq!(set.settings[2].parent_id.as_deref(), Some("100001"));
    assert_eq!(set.settings[2].urn, None, "an internal unit has no URN of its own");
    assert_eq!(set.enrolments[2].enrolment_id, "3");
    assert_eq!(set.attendance[0].year, AcademicYear(2016));
    assert_eq!(set.attendance[3].term, Term::Spring);
    assert_eq!(set.attendance[0].marks, "/\\/\\IIL\\/\\");
    assert_eq!(set.suspensions[1].category, "FIXD", "SUSP is read as FIXD");
    assert_eq!(set.suspensions[1].length_days, 1.5);
    assert_eq!(set.suspensions[0].incident_id.as_deref(), Some("11"));
    assert_eq!(set.suspensions[1].incident_id, None);
    assert_eq!(set.exclusions[0].reasons, vec!["PP".to_string()]);
    assert_eq!(set.placements[0].end, None);
    assert_eq!(set.placements[1].outcome.as_deref(), Some("returned_mainstream"));
    assert_eq!(set.timetables[1].mainstream_sessions, 4);
    let sdq = &set.assessments[0];
    assert_eq!((sdq.items.len(), sdq.items[2], sdq.version.as_deref()), (25, Some(2), Some("teacher")));
    let swemwbs = &set.assessments[1];
    assert_eq!(swemwbs.items.len(), 25);
    assert_eq!(swemwbs.items[..7], [Some(3), Some(4), Some(2), Some(3), Some(3), Some(4), Some(2)]);
    assert!(swemwbs.items[7..].iter().all(Option::is_none));
    assert_eq!(swemwbs.version, None);
    assert!(set.destinations[0].sustained);
    assert_eq!(set.pupils[2].ethnicity, None);
    // Progress: every file starts at 0 and ends at its size.
    for name in FILES {
        let file = format!("{name}.csv");
        let mine: Vec<_> = calls.iter().filter(|c| c.0 == file).collect();
        let size = std::fs::metadata(dir.path().join(&file)).unwrap().len();
        assert_eq!(mine.first().map(|c| (c.1, c.2)), Some((0, size)), "{file}");
        assert_eq!(mine.last().map(|c| (c.1, c.2)), Some((size, size)), "{file}");
    }
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_fine() {
    let dir = good_dir();
    let path = dir.path().join("settings.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("\u{feff}{}\r\n", text.replace('\n', "\r\n").replacen("\r\n", "\r\n\r\n", 2)))
        .unwrap();
    let set = read(dir.path()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(set.settings.len(), 3);
    assert_eq!(set.settings[0].id, "100001");
}

#[test]
fn a_missing_column_is_one_error_naming_it_and_what_was_found() {
    let dir = good_dir();
    edit(dir.path(), "incidents.csv", "date,kind,severity", "date,type,severity");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("incidents.csv", 1, "kind", kind::MISSING_COLUMN));
    assert!(e.value.contains("date,type,severity"), "{e}");
    assert!(e.expected.contains("the column \"kind\""), "{e}");
    // The suspensions that name its incidents are not reported as well.
}

#[test]
fn unknown_codes_are_named() {
    let dir = good_dir();
    edit(dir.path(), "incidents.csv", "disruption", "shouting");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("incidents.csv", 3, "kind", kind::UNKNOWN_CODE));
    assert_eq!(e.value, "shouting");
    assert!(e.expected.contains("disruption"), "{e}");

    for (file, from, to, column) in [
        ("placements.csv", "returned_mainstream", "went_back", "outcome"),
        ("destinations.csv", "education", "college", "destination"),
        ("assessments.csv", "swemwbs", "wemwbs", "instrument"),
        ("assessments.csv", "teacher,entry", "teacher,start", "occasion"),
        ("settings.csv", "pupil_referral_unit", "pru", "kind"),
        ("enrolments.csv", "return_to_mainstream", "returned", "leaving_reason"),
        ("suspensions.csv", "SUSP", "SPND", "category"),
        ("referrals.csv", "repeated_suspensions", "suspensions", "reason"),
        ("interventions.csv", "mentoring", "tutoring", "kind"),
    ] {
        let dir = good_dir();
        edit(dir.path(), file, from, to);
        let e = only_error(dir.path());
        assert_eq!(
            (e.file.as_str(), e.column.as_str(), e.kind, e.value.as_str()),
            (file, column, kind::UNKNOWN_CODE, to.rsplit(',').next().unwrap())
        );
    }
}

#[test]
fn reason_codes_follow_the_year_of_the_start_date() {
    // OW is a 2020/21 code: not allowed in 2016/17.
    let dir = good_dir();
    edit(dir.path(), "suspensions.csv", "2016-11-14,2,DB", "2016-11-14,2,OW");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("suspensions.csv", 2, "reason_1", kind::UNKNOWN_CODE));
    assert!(e.expected.contains("before 2020/21"), "{e}");

    // OT was removed from 2020/21; up to three reasons are allowed then.
    let dir = good_dir();
    let [p1, ..] = upns();
    append(dir.path(), "suspensions.csv", &format!("23,{p1},100001,,FIXD,2021-03-01,1,PP,VA,DB"));
    append(dir.path(), "suspensions.csv", &format!("24,{p1},100001,,FIXD,2021-03-02,1,OT,,"));
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("suspensions.csv", 6, "reason_1", kind::UNKNOWN_CODE));
    assert!(e.expected.contains("from 2020/21"), "{e}");

    // Before 2020/21 only one reason.
    let dir = good_dir();
    edit(dir.path(), "exclusions.csv", "PERM,2017-02-09,PP,,", "PERM,2017-02-09,PP,VA,");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("exclusions.csv", 2, "reason_2", kind::NOT_ALLOWED));
}

#[test]
fn marks_are_checked_symbol_by_symbol_and_by_length() {
    // A retired code.
    let dir = good_dir();
    edit(dir.path(), "attendance.csv", "/\\/\\IIL\\/\\", "/\\/\\HHL\\/\\");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("attendance.csv", 2, "marks", kind::UNKNOWN_MARK));
    assert_eq!(e.value, "H");
    assert!(e.expected.contains("session 5 (day 3, morning)") && e.expected.contains("retired"), "{e}");

    // An odd number of marks.
    let dir = good_dir();
    edit(dir.path(), "attendance.csv", "ZZZZ/\\/\\", "ZZZZ/\\/");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("attendance.csv", 7, "marks", kind::WRONG_MARKS_LENGTH));
    assert!(e.expected.contains("even"), "{e}");

    // A row longer than the others at its setting in the same term.
    let dir = good_dir();
    edit(dir.path(), "attendance.csv", "/\\EE/\\/\\/\\", "/\\EE/\\/\\/\\/\\");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("attendance.csv", 3, "marks", kind::WRONG_MARKS_LENGTH));
    assert_eq!(e.value, "12 marks");
    assert!(
        e.expected.starts_with("10 marks (5 school days), as in 2 of the 3 rows for setting 100001 in autumn 2016/17"),
        "{e}"
    );
}

#[test]
fn dates_outside_the_enrolment_are_named() {
    // Attendance for a term the dual registration never reached (it ended in March).
    let dir = good_dir();
    let [_, p2, p3] = upns();
    append(dir.path(), "attendance.csv", &format!("3,{p2},100002,2016/17,summer,ZZZZ"));
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("attendance.csv", 8, "term", kind::OUTSIDE_ENROLMENT));
    assert!(e.expected.contains("2017-01-09 to 2017-03-31"), "{e}");

    // An incident at the school after the pupil was excluded from it.
    let dir = good_dir();
    append(dir.path(), "incidents.csv", &format!("13,{p3},100001,2017-03-01,damage,1,detention"));
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("incidents.csv", 5, "date", kind::OUTSIDE_ENROLMENT));
    assert!(e.expected.contains("2014-09-03 to 2017-02-10"), "{e}");

    // A suspension before the pupil joined.
    let dir = good_dir();
    edit(dir.path(), "suspensions.csv", "2016-12-01", "2010-12-01");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("suspensions.csv", 3, "start_date", kind::OUTSIDE_ENROLMENT));
}

#[test]
fn duplicate_ids_are_named() {
    let [p1, p2, p3] = upns();
    let cases: [(&str, String, usize, &str); 7] = [
        ("incidents.csv", format!("12,{p1},100001,2016-10-04,refusal,1,detention"), 5, "incident_id"),
        ("pupils.csv", format!("{p2},202,Ben,Smyth,2002-05-06,M,10,0,N,1,0,WBRI"), 5, "upn"),
        ("enrolments.csv", format!("3,{p2},100002,S,2017-04-24,2017-05-31,return_to_mainstream"), 7, "enrolment_id"),
        ("attendance.csv", format!("5,{p3},100002,2016/17,spring,ZZZZ/\\/\\"), 8, "enrolment_id"),
        ("timetables.csv", "51,2017-02-06,5,5".to_string(), 4, "from_date"),
        ("destinations.csv", format!("{p1},2016/17,employment,1"), 3, "upn"),
        ("settings.csv", "100002,100002,202,2021100,Birch PRU,pupil_referral_unit,,40,".to_string(), 5, "setting_id"),
    ];
    for (file, line, row, column) in cases {
        let dir = good_dir();
        append(dir.path(), file, &line);
        let e = only_error(dir.path());
        assert_eq!(place(&e), (file, row, column, kind::DUPLICATE_ID));
    }
    // An enrolment id is unique within its setting only.
    let dir = good_dir();
    append(dir.path(), "enrolments.csv", &format!("3,{p1},100003,S,2016-11-21,2017-01-20,return_to_mainstream"));
    assert!(read(dir.path()).is_ok());
}

#[test]
fn a_bad_check_letter_is_named() {
    let dir = good_dir();
    let [p1, ..] = upns();
    let wrong = if p1.starts_with('A') { "B" } else { "A" };
    let bad = format!("{wrong}{}", &p1[1..]);
    edit(dir.path(), "destinations.csv", &p1, &bad);
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("destinations.csv", 2, "upn", kind::BAD_UPN));
    assert!(e.expected.contains("check letter"), "{e}");
}

#[test]
fn references_to_records_nowhere_are_named() {
    let [_, _, p3] = upns();
    // A placement at a setting that does not exist.
    let dir = good_dir();
    edit(dir.path(), "placements.csv", "50,40,", "50,,");
    edit(dir.path(), "placements.csv", &format!("{p3},100002,3"), &format!("{p3},999999,3"));
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("placements.csv", 2, "setting_id", kind::MISSING_REFERENCE));
    assert!(e.expected.contains("settings.csv or already in Waymark"), "{e}");

    for (file, line, column) in [
        ("timetables.csv", "52,2017-01-09,8,2".to_string(), "placement_id"),
        ("placements.csv", format!("52,49,{p3},100002,3,2017-02-17,,,ongoing"), "referral_id"),
        ("attendance.csv", format!("9,{p3},100002,2016/17,summer,/\\"), "enrolment_id"),
        ("suspensions.csv", format!("25,{p3},100001,19,FIXD,2016-10-03,1,DB,,"), "incident_id"),
        ("destinations.csv", format!("{},2016/17,neet,0", Upn::from_body("202400117009").unwrap()), "upn"),
        ("enrolments.csv", format!("6,{p3},100009,C,2017-02-17,,"), "setting_id"),
    ] {
        let dir = good_dir();
        append(dir.path(), file, &line);
        let e = only_error(dir.path());
        assert_eq!((e.file.as_str(), e.column.as_str(), e.kind), (file, column, kind::MISSING_REFERENCE), "{e}");
    }

    // An internal AP unit needs a parent, and the parent must exist.
    let dir = good_dir();
    edit(dir.path(), "settings.csv", "internal_ap_unit,,8,100001", "internal_ap_unit,,8,");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("settings.csv", 4, "parent_setting_id", kind::MISSING_VALUE));
    let dir = good_dir();
    edit(dir.path(), "settings.csv", "internal_ap_unit,,8,100001", "internal_ap_unit,,8,100077");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("settings.csv", 4, "parent_setting_id", kind::MISSING_REFERENCE));

    // A row that contradicts the record it names.
    let dir = good_dir();
    let [p1, ..] = upns();
    edit(dir.path(), "attendance.csv", &format!("5,{p3},"), &format!("5,{p1},"));
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("attendance.csv", 7, "upn", kind::MISMATCH));
}

/// A database that holds one more setting, pupil, enrolment, placement and referral.
struct Db;

impl Known for Db {
    fn setting(&self, id: &str) -> bool {
        id == "999999"
    }
    fn pupil(&self, upn: &Upn) -> bool {
        upn.as_str() == Upn::from_body("202400117009").unwrap().as_str()
    }
    fn enrolment(&self, setting: &str, id: &str) -> bool {
        (setting, id) == ("999999", "900")
    }
    fn placement(&self, id: &str) -> bool {
        id == "800"
    }
    fn referral(&self, id: &str) -> bool {
        id == "700"
    }
}

#[test]
fn known_records_satisfy_references() {
    let dir = good_dir();
    let [_, _, p3] = upns();
    let old = Upn::from_body("202400117009").unwrap();
    append(dir.path(), "placements.csv", &format!("52,700,{p3},999999,2,2017-04-24,2017-06-30,,ongoing"));
    append(dir.path(), "timetables.csv", "800,2017-04-24,6,4");
    append(dir.path(), "attendance.csv", &format!("900,{old},999999,2016/17,summer,/\\"));
    append(dir.path(), "destinations.csv", &format!("{old},2015/16,neet,0"));
    let report = read(dir.path()).unwrap_err();
    assert_eq!(report.counts.get(kind::MISSING_REFERENCE), Some(&report.total), "{report}");
    assert!(report.total >= 5, "{report}");
    let set = read_set(dir.path(), &Db, &mut |_, _, _| {}).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!((set.placements.len(), set.timetables.len(), set.attendance.len()), (3, 3, 7));
}

#[test]
fn any_subset_of_files_works() {
    let dir = good_dir();
    for name in ["settings", "enrolments", "attendance", "incidents", "suspensions", "exclusions", "referrals"] {
        std::fs::remove_file(dir.path().join(format!("{name}.csv"))).unwrap();
    }
    // Placements and assessments refer to settings that are not here.
    let report = read(dir.path()).unwrap_err();
    assert!(report.errors.iter().all(|e| e.kind == kind::MISSING_REFERENCE), "{report}");
    let e = report.errors.iter().find(|e| e.column == "setting_id").unwrap();
    assert!(e.expected.contains("settings.csv is not in this folder"), "{report}");
    for name in ["placements", "timetables", "assessments", "interventions"] {
        std::fs::remove_file(dir.path().join(format!("{name}.csv"))).unwrap();
    }
    let set = read(dir.path()).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(set.present, vec!["pupils", "destinations"]);
    assert_eq!((set.pupils.len(), set.destinations.len(), set.settings.len()), (3, 1, 0));
}

#[test]
fn folders_with_no_templates_or_misspelt_files_are_named() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "hello").unwrap();
    let report = read(empty.path()).unwrap_err();
    assert_eq!((report.total, report.errors[0].kind, report.errors[0].row), (1, kind::NO_FILES, 0));

    let dir = good_dir();
    std::fs::rename(dir.path().join("pupils.csv"), dir.path().join("pupil.csv")).unwrap();
    let report = read(dir.path()).unwrap_err();
    let e = &report.errors[0];
    assert_eq!(place(e), ("pupil.csv", 0, "-", kind::UNKNOWN_FILE));
    assert!(e.expected.contains("did you mean pupils.csv?"), "{e}");
}

#[test]
fn a_cut_off_file_is_named() {
    let dir = good_dir();
    edit(dir.path(), "interventions.csv", "2017-04-20,10,8\n", "2017-04");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("interventions.csv", 2, "-", kind::CUT_OFF));
    assert!(
        e.expected.contains("row 2 has 6 fields but the header has 8: the file may be cut off or have a stray comma"),
        "{e}"
    );
}

#[test]
fn windows_1252_is_named() {
    let dir = good_dir();
    let path = dir.path().join("pupils.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).position(|w| w == b"Cai").unwrap();
    bytes.splice(at..at + 3, b"Zo\xEB".iter().copied());
    std::fs::write(&path, bytes).unwrap();
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("pupils.csv", 4, "given_name", kind::NOT_UTF8));
    assert!(e
        .expected
        .contains("this file is not UTF-8 (it looks like Windows-1252, as Excel saves): save it as CSV UTF-8"));
    assert_eq!(e.value, "Zo\u{fffd}");
}

#[test]
fn numbers_out_of_range_are_named() {
    let [_, p2, p3] = upns();
    let cases: Vec<(&str, String, String, &str)> = vec![
        ("incidents.csv", "disruption,2,".into(), "disruption,4,".into(), "severity"),
        ("referrals.csv", "permanent_exclusion,3".into(), "permanent_exclusion,0".into(), "tier_requested"),
        ("placements.csv", format!("{p2},100002,2,"), format!("{p2},100002,5,"), "tier"),
        ("assessments.csv", format!("entry,{SDQ}"), format!("entry,3,{}", &SDQ[2..]), "item_01"),
        ("assessments.csv", format!("entry,{SWEMWBS}"), format!("entry,6,{}", &SWEMWBS[2..]), "item_01"),
        ("timetables.csv", "2017-01-09,8,2".into(), "2017-01-09,11,0".into(), "ap_sessions_per_week"),
        ("timetables.csv", "2017-02-06,6,4".into(), "2017-02-06,6,5".into(), "mainstream_sessions_per_week"),
        ("interventions.csv", "10,8".into(), "10,11".into(), "sessions_attended"),
        ("suspensions.csv", "2016-11-14,2,".into(), "2016-11-14,0.3,".into(), "length_days"),
        ("suspensions.csv", "2016-12-01,1.5,".into(), "2016-12-01,-1,".into(), "length_days"),
        ("suspensions.csv", "2016-10-03,0.5,".into(), "2016-10-03,1,".into(), "length_days"),
    ];
    for (file, from, to, column) in cases {
        let dir = good_dir();
        edit(dir.path(), file, &from, &to);
        let e = only_error(dir.path());
        assert_eq!((e.file.as_str(), e.column.as_str(), e.kind), (file, column, kind::OUT_OF_RANGE), "{e}");
    }
    // SWEMWBS has seven items.
    let dir = good_dir();
    edit(
        dir.path(),
        "assessments.csv",
        &format!("entry,{SWEMWBS}"),
        &format!("entry,{},3", &SWEMWBS[..SWEMWBS.len() - 1]),
    );
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("assessments.csv", 3, "item_25", kind::NOT_ALLOWED));
    // An end before its start.
    let dir = good_dir();
    edit(dir.path(), "placements.csv", "2017-03-31,2017-03-31,", "2017-03-31,2016-12-31,");
    let e = only_error(dir.path());
    assert_eq!(place(&e), ("placements.csv", 3, "end_date", kind::END_BEFORE_START));
    let _ = p3;
}

#[test]
fn every_error_is_counted_and_the_first_hundred_kept() {
    let dir = tempfile::tempdir().unwrap();
    let [p1, ..] = upns();
    let mut text = String::from(
        "upn,la,given_name,family_name,date_of_birth,sex,year_group,fsm,sen_provision,cin,cla,ethnicity\n",
    );
    for i in 0..180 {
        let upn = Upn::from_body(&format!("202400116{:03}", i)).unwrap();
        let (dob, sex) = if i < 130 { ("3/2/2001", "F") } else { ("2001-02-03", "X") };
        text.push_str(&format!("{upn},202,Ada,Okafor,{dob},{sex},11,1,K,0,0,BAFR\n"));
    }
    std::fs::write(dir.path().join("pupils.csv"), text).unwrap();
    let report = read(dir.path()).unwrap_err();
    assert_eq!(report.total, 180);
    assert_eq!(report.errors.len(), ImportReport::SHOWN);
    assert_eq!(report.counts.get(kind::NOT_A_DATE), Some(&130));
    assert_eq!(report.counts.get(kind::UNKNOWN_CODE), Some(&50));
    assert_eq!(report.errors[99].row, 101);
    let shown = report.to_string();
    assert_eq!(shown.lines().count(), 101);
    assert_eq!(shown.lines().last(), Some("and 80 more: 50 unknown code, 30 not a date"));
    assert!(
        shown.starts_with("pupils.csv, row 2, column date_of_birth: found \"3/2/2001\", expected a date as YYYY-MM-DD")
    );
    let _ = p1;
}

/// Time a real generated set: `WAYMARK_SET=/tmp/bristol cargo test --release -p waymark-interchange
/// --test fileset -- --ignored --nocapture`. Measured: Bristol 2016/17 (`synth --la 801 --year 2016/17
/// --seed 1`, 39 MB, 172,672 attendance rows, 320,109 records) in about 0.3 s on one core.
#[test]
#[ignore]
fn time_a_generated_set() {
    let Some(dir) = std::env::var_os("WAYMARK_SET") else { return };
    let started = std::time::Instant::now();
    let result = read_set(Path::new(&dir), &NothingKnown, &mut |_, _, _| {});
    let took = started.elapsed();
    match result {
        Ok(set) => println!(
            "{} records, {} marks rows, read and checked in {took:?}",
            set.record_count(),
            set.attendance.len()
        ),
        Err(report) => println!("{} problems in {took:?}:\n{report}", report.total),
    }
}
