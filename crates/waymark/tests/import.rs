//! `waymark import` end to end with the real binary: a generated LA imported, imported again
//! (nothing changes), bad files refused with their place named and nothing written, and
//! `kill -9` at random moments leaving the store before or after an import, never between.

mod common;

use common::{text, waymark};
use std::path::{Path, PathBuf};
use std::process::Output;

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").to_string()
}

/// Rutland 2016/17, all thirteen files.
fn generate(dir: &Path) -> PathBuf {
    let set = dir.join("set");
    let out =
        waymark(dir, &["synth", "--la", "857", "--year", "2016/17", "--seed", "3", "--out", "set"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_dir(&set).unwrap().count(), 13);
    set
}

/// (added, changed, unchanged) from the last line.
fn counts(line: &str) -> (u64, u64, u64) {
    let tail = line.split("; ").nth(1).unwrap_or_else(|| panic!("no counts in {line:?}"));
    let n: Vec<u64> = tail.split(", ").map(|p| p.rsplit(' ').next().unwrap().parse().unwrap()).collect();
    (n[0], n[1], n[2])
}

fn copy_set(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Replace the `n`th line (0 = header) of a file.
fn edit_line(file: &Path, n: usize, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(file).unwrap();
    let lines: Vec<String> = text.lines().enumerate().map(|(i, l)| if i == n { f(l) } else { l.to_string() }).collect();
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

fn import_entries(dir: &Path) -> usize {
    let out = waymark(dir, &["admin", "audit", "list", "--limit", "1000"]).output().unwrap();
    text(&out).matches("records.import").count()
}

#[test]
fn import_reimport_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let set = generate(dir.path());
    let out = waymark(dir.path(), &["import", "set"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let line = last_line(&out);
    assert!(
        line.starts_with("imported: ") && line.contains(" pupils, ") && line.contains(" attendance terms, "),
        "{line}"
    );
    let (added, changed, unchanged) = counts(&line);
    assert!(added > 10_000 && changed == 0 && unchanged == 0, "{line}");

    let again = waymark(dir.path(), &["import", "set"]).output().unwrap();
    assert_eq!(counts(&last_line(&again)), (0, 0, added), "a re-import changes nothing");
    assert_eq!(import_entries(dir.path()), 2);

    // Each bad file is refused with its place named, and nothing is written.
    type Break = (&'static str, fn(&Path), &'static [&'static str]);
    let cases: [Break; 8] = [
        (
            "wrong header",
            |s| edit_line(&s.join("pupils.csv"), 0, |l| l.replace("given_name", "forename")),
            &["pupils.csv", "row 1", "given_name"],
        ),
        (
            "bad check letter",
            |s| {
                edit_line(&s.join("pupils.csv"), 2, |l| {
                    let c = if l.starts_with('A') { "B" } else { "A" };
                    format!("{c}{}", &l[1..])
                })
            },
            &["pupils.csv", "row 3", "upn"],
        ),
        (
            "Windows-1252",
            |s| {
                let mut bytes = std::fs::read(s.join("pupils.csv")).unwrap();
                let at = bytes.iter().position(|b| *b == b'\n').unwrap() + 20;
                bytes[at] = 0xE9;
                std::fs::write(s.join("pupils.csv"), bytes).unwrap();
            },
            &["pupils.csv", "UTF-8"],
        ),
        (
            "cut off mid-row",
            |s| {
                let text = std::fs::read_to_string(s.join("enrolments.csv")).unwrap();
                let cut = text.trim_end().rfind(',').unwrap();
                std::fs::write(s.join("enrolments.csv"), &text[..cut - 12]).unwrap();
            },
            &["enrolments.csv", "cut off"],
        ),
        (
            "marks of the wrong length",
            |s| edit_line(&s.join("attendance.csv"), 2, |l| l[..l.len() - 2].to_string()),
            &["attendance.csv", "row 3", "marks"],
        ),
        (
            "placement at a setting that does not exist",
            |s| {
                edit_line(&s.join("placements.csv"), 1, |l| {
                    let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
                    f[3] = "999999".into();
                    f.join(",")
                })
            },
            &["placements.csv", "row 2", "setting_id", "999999"],
        ),
        (
            "duplicate id",
            |s| {
                let text = std::fs::read_to_string(s.join("incidents.csv")).unwrap();
                let second = text.lines().nth(1).unwrap().to_string();
                std::fs::write(s.join("incidents.csv"), format!("{}{second}\n", text)).unwrap();
            },
            &["incidents.csv", "incident_id"],
        ),
        (
            "unknown code",
            |s| {
                edit_line(&s.join("destinations.csv"), 1, |l| {
                    let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
                    f[2] = "gap_year".into();
                    f.join(",")
                })
            },
            &["destinations.csv", "row 2", "destination", "gap_year"],
        ),
    ];
    for (name, breaks, expect) in cases {
        let bad = dir.path().join(format!("bad-{}", name.replace(' ', "-")));
        copy_set(&set, &bad);
        breaks(&bad);
        let out = waymark(dir.path(), &["import", bad.to_str().unwrap()]).output().unwrap();
        let said = text(&out);
        assert!(!out.status.success(), "{name}: accepted\n{said}");
        assert!(said.contains("nothing was imported"), "{name}: {said}");
        for e in expect {
            assert!(said.contains(e), "{name}: expected {e:?} in\n{said}");
        }
    }
    assert_eq!(import_entries(dir.path()), 2, "no bad import wrote anything");
    let dry = waymark(dir.path(), &["import", "set", "--dry-run"]).output().unwrap();
    assert_eq!(counts(&last_line(&dry)), (0, 0, added), "{}", text(&dry));
    let verify = waymark(dir.path(), &["admin", "audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", text(&verify));
}

/// `kill -9` during an import, twenty times at random moments: each time the store holds
/// either nothing of the import or all of it.
#[test]
fn killed_imports_leave_the_store_before_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let set = generate(dir.path());
    // How long a whole import takes here, to spread the kills across it.
    let started = std::time::Instant::now();
    let probe = tempfile::tempdir().unwrap();
    let out = waymark(probe.path(), &["import", set.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let total = counts(&last_line(&out)).0;
    let whole = started.elapsed();
    let mut seen = (0, 0);
    let mut rng = 0x9E3779B97F4A7C15u64;
    for attempt in 0..20 {
        let work = dir.path().join(format!("kill-{attempt}"));
        std::fs::create_dir_all(&work).unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = whole.mul_f64((rng % 1000) as f64 / 1000.0 * 1.1);
        let mut child = waymark(&work, &["import", set.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !work.join("waymark.key").exists() {
            continue; // killed before the store was even created
        }
        let dry = waymark(&work, &["import", set.to_str().unwrap(), "--dry-run"]).output().unwrap();
        assert!(dry.status.success(), "attempt {attempt}: {}", text(&dry));
        match counts(&last_line(&dry)) {
            (a, 0, 0) if a == total => seen.0 += 1,
            (0, 0, u) if u == total => seen.1 += 1,
            other => panic!("attempt {attempt} (killed after {delay:?}): the store is between states: {other:?}"),
        }
        let verify = waymark(&work, &["admin", "audit", "verify"]).output().unwrap();
        assert!(verify.status.success(), "attempt {attempt}: {}", text(&verify));
        std::fs::remove_dir_all(&work).unwrap();
    }
    eprintln!("killed 20 imports: {} left nothing, {} had finished", seen.0, seen.1);
    assert!(seen.0 + seen.1 >= 15, "most attempts reached the store: {seen:?}");
}
