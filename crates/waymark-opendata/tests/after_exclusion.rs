//! The after-exclusion files (issue 12) hold the figures their README quotes from DfE.

use waymark_opendata::after_exclusion::{check_all, CHECKS, FOLDER, REPRODUCTIONS, UNCHECKED};

#[test]
fn every_check_figure_is_found_as_published() {
    let Some(data) = waymark_testkit::shared_path("data") else { return };
    let results = check_all(&data).unwrap();
    assert_eq!(results.len(), CHECKS.len());
    for r in &results {
        assert!(
            r.ok(),
            "{}: {} published {} but the file has {:?} ({} rows)",
            r.check.file,
            r.check.what,
            r.check.expected,
            r.found,
            r.rows
        );
    }
    // Every CSV in the folder has a check figure (issue 12: one from every new file).
    assert!(UNCHECKED.is_empty(), "files with no check figure: {UNCHECKED:?}");
    for entry in std::fs::read_dir(data.join(FOLDER)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".csv") && name != "lait_outcomes_measures.csv" {
            assert!(CHECKS.iter().any(|c| c.file == name), "{name} has no check figure");
        }
    }
    // Every CSV in the folder is either checked or listed as having no figure yet.
    let mut listed: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.file)
        .chain(REPRODUCTIONS.iter().map(|r| r.file))
        .chain(UNCHECKED.iter().copied())
        .collect();
    listed.push("lait_outcomes_measures.csv"); // the dictionary of lait_outcomes_by_la.csv
    for entry in std::fs::read_dir(data.join(FOLDER)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".csv") {
            assert!(listed.contains(&name.as_str()), "{name} is neither checked nor listed");
        }
    }
}

#[test]
fn a_changed_figure_is_a_mismatch() {
    let Some(data) = waymark_testkit::shared_path("data") else { return };
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(FOLDER);
    std::fs::create_dir(&folder).unwrap();
    for file in CHECKS.iter().map(|c| c.file) {
        std::fs::copy(data.join(FOLDER).join(file), folder.join(file)).unwrap();
    }
    let target = folder.join("sendap_ap_counts_la_201718_202223.csv");
    let text = std::fs::read_to_string(&target)
        .unwrap()
        .replace("LA funded AP placements,40904", "LA funded AP placements,40905");
    std::fs::write(&target, text).unwrap();
    let results = check_all(dir.path()).unwrap();
    let bad: Vec<_> = results.iter().filter(|r| !r.ok()).map(|r| r.check.what).collect();
    assert_eq!(bad, ["LA-funded AP placements, 2022/23"]);
}

#[test]
fn each_rule_reproduces_on_its_file() {
    let Some(data) = waymark_testkit::shared_path("data") else { return };
    let results = waymark_opendata::after_exclusion::reproduce_all(&data).unwrap();
    assert_eq!(results.len(), waymark_opendata::after_exclusion::REPRODUCTIONS.len());
    for r in &results {
        println!("{}: {} of {} ({})", r.file, r.matched, r.checked, r.what);
        assert!(r.checked > 100, "{}: only {} rows checked", r.file, r.checked);
        assert!(r.ok(), "{}: {} of {} reproduce; first mismatch {:?}", r.file, r.matched, r.checked, r.first_mismatch);
    }
}
