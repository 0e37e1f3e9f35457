//! The written files: deterministic, valid UPNs, well-formed attendance, exits before the census.

use std::collections::BTreeSet;
use std::path::PathBuf;
use waymark_domain::{AcademicYear, Term, Upn};
use waymark_synth::attendance::{possible_and_absent, SchoolCalendar, SYMBOLS};
use waymark_synth::{generate, Options};

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("waymark-synth-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(dir: &std::path::Path, table: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap()
}

const YEAR: AcademicYear = AcademicYear(2016);
/// Rutland: small enough for debug-mode tests at full size.
const LA: u16 = 857;

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let (a, b, c) = (out("a"), out("b"), out("c"));
    let o = Options { seed: 5, attendance: true, scale: 1.0 };
    generate(LA, YEAR, o, &a).unwrap();
    generate(LA, YEAR, o, &b).unwrap();
    generate(LA, YEAR, Options { seed: 6, ..o }, &c).unwrap();
    for (table, _) in waymark_synth::writer::TABLES {
        assert_eq!(read(&a, table), read(&b, table), "{table} differs for the same seed");
    }
    assert_ne!(read(&a, "pupils"), read(&c, "pupils"));
    assert_ne!(read(&a, "attendance"), read(&c, "attendance"));
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn upns_valid_and_unique_attendance_well_formed() {
    let dir = out("upn");
    let summary = generate(LA, YEAR, Options::default(), &dir).unwrap();
    let pupils = read(&dir, "pupils");
    let mut seen = BTreeSet::new();
    for line in pupils.lines().skip(1) {
        let upn = line.split(',').next().unwrap();
        Upn::parse(upn).unwrap_or_else(|e| panic!("{upn}: {e}"));
        assert!(seen.insert(upn.to_string()), "duplicate UPN {upn}");
    }
    assert_eq!(seen.len() as u64, summary.pupils);
    let cal = SchoolCalendar::for_year(YEAR);
    let (mut possible, mut absent) = (0u64, 0u64);
    let mut per_pupil: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    for line in read(&dir, "attendance").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let term = ["autumn", "spring", "summer"].iter().position(|t| *t == f[4]).unwrap();
        let marks = f[5];
        assert_eq!(marks.len(), cal.terms[term].len() * 2, "{line}");
        assert!(marks.chars().all(|c| SYMBOLS.contains(c)), "{marks}");
        let (p, a) = possible_and_absent(marks.as_bytes());
        possible += u64::from(p);
        absent += u64::from(a);
        let e = per_pupil.entry(f[1].to_string()).or_default();
        e.0 += p;
        e.1 += a;
    }
    let rate = absent as f64 / possible as f64;
    assert!((0.05..0.08).contains(&rate), "overall absence {rate}");
    let pa = per_pupil.values().filter(|(p, a)| *p > 0 && f64::from(*a) >= 0.1 * f64::from(*p)).count() as f64
        / per_pupil.len() as f64;
    assert!((0.13..0.22).contains(&pa), "persistent absence {pa}, overall {rate}");
    eprintln!("overall absence {rate:.4}, persistent absence {pa:.4}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Unexplained exits (not known, EHE, CME) cluster in the six weeks before the spring census.
#[test]
fn unexplained_exits_cluster_before_the_spring_census() {
    let dir = out("exits");
    generate(801, YEAR, Options { seed: 3, attendance: false, scale: 1.0 }, &dir).unwrap();
    let census = YEAR.census_day(Term::Spring);
    let window_start = census - chrono::Duration::days(42);
    let (mut inside, mut total) = (0, 0);
    for line in read(&dir, "enrolments").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if !matches!(f[6], "not_known" | "elective_home_education" | "missing_education") {
            continue;
        }
        let d: chrono::NaiveDate = f[5].parse().unwrap();
        total += 1;
        inside += usize::from(window_start <= d && d < census);
    }
    let cal = SchoolCalendar::for_year(YEAR);
    let uniform = cal.days().filter(|d| window_start <= *d && *d < census).count() as f64 / 190.0;
    let share = inside as f64 / total as f64;
    assert!(total > 50, "{total}");
    assert!(share > 2.0 * uniform, "share {share} vs uniform {uniform}");
    let _ = std::fs::remove_dir_all(dir);
}
