//! The real binary: admin commands, the audit commands, clear errors for bad configuration, and
//! `demo` run twice in the same folder.

mod common;

use common::{text, waymark};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn admin_users_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--email",
            "lead@school.test",
            "--name",
            "Inclusion Lead",
            "--role",
            "la",
            "--la",
            "E09000007",
        ],
    )
    .env("WAYMARK_NEW_PASSWORD", "a long enough password")
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Created user lead@school.test"));
    assert!(dir.path().join("waymark.key").exists(), "key created beside the database");

    let out = waymark(dir.path(), &["admin", "list-users"]).output().unwrap();
    assert!(text(&out).contains("lead@school.test") && text(&out).contains("la:202"), "{}", text(&out));

    let out = waymark(dir.path(), &["admin", "audit", "verify"]).output().unwrap();
    assert!(out.status.success());
    assert!(text(&out).contains("Audit log intact: 1 entries"), "{}", text(&out));
    let out = waymark(dir.path(), &["admin", "audit", "list"]).output().unwrap();
    assert!(text(&out).contains("user.create") && text(&out).contains("system:admin"), "{}", text(&out));

    // Bad arguments are explained.
    let out = waymark(
        dir.path(),
        &["admin", "create-user", "--email", "x@y.test", "--name", "X", "--role", "la", "--la", "999"],
    )
    .env("WAYMARK_NEW_PASSWORD", "a long enough password")
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("not a DfE LA number"), "{}", text(&out));
    let out = waymark(dir.path(), &["admin", "create-user", "--email", "x@y.test", "--name", "X", "--role", "admin"])
        .env("WAYMARK_NEW_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(text(&out).contains("at least 12 characters"), "{}", text(&out));
}

#[test]
fn bad_configuration_is_explained_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let ok = waymark(dir.path(), &["admin", "list-users"]).output().unwrap();
    assert!(ok.status.success(), "{}", text(&ok));

    let wrong = waymark(dir.path(), &["admin", "list-users"])
        .env("WAYMARK_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("not the key this database was created with"), "{}", text(&wrong));

    std::fs::rename(dir.path().join("waymark.key"), dir.path().join("moved.key")).unwrap();
    let missing = waymark(dir.path(), &["admin", "list-users"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(text(&missing).contains("restore the key file"), "{}", text(&missing));

    let unreachable = waymark(
        dir.path(),
        &["admin", "list-users", "--database-url", "postgres://waymark:hunter2@127.0.0.1:9/nothing"],
    )
    .output()
    .unwrap();
    assert!(!unreachable.status.success());
    let message = text(&unreachable);
    assert!(message.contains("could not open the database") && !message.contains("hunter2"), "{message}");

    for out in [&wrong, &missing, &unreachable] {
        assert!(!text(out).contains("panicked"));
    }
}

/// `audit head` prints the head for an external log; `audit verify --expect-head` fails once the
/// log no longer ends there, including when the whole database is put back to an older copy
/// (which the chain alone cannot tell from the real thing).
#[test]
fn audit_head_and_expected_head() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str| {
        let out = waymark(dir.path(), &["admin", "create-user", "--email", email, "--name", "A", "--role", "admin"])
            .env("WAYMARK_NEW_PASSWORD", "a long enough password")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    let head = || {
        let out = waymark(dir.path(), &["admin", "audit", "head"]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let printed = String::from_utf8(out.stdout).unwrap();
        let (seq, hash) = printed.trim().split_once(' ').expect("head prints `SEQ HASH`");
        assert_eq!(hash.len(), 64, "{printed}");
        (seq.parse::<i64>().unwrap(), hash.to_string())
    };
    let verify = |expected: &str| {
        waymark(dir.path(), &["admin", "audit", "verify", "--expect-head", expected]).output().unwrap()
    };
    create("one@school.test");
    let (seq, first) = head();
    assert_eq!(seq, 1);
    let out = verify(&first);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("Head: 1 {first}")), "{}", text(&out));

    // A copy of the database as it is now, to put back later.
    let files = ["waymark.db", "waymark.db-wal", "waymark.db-shm"];
    for f in files {
        if dir.path().join(f).exists() {
            std::fs::copy(dir.path().join(f), dir.path().join(format!("old-{f}"))).unwrap();
        }
    }
    create("two@school.test");
    let (seq, second) = head();
    assert_eq!(seq, 2);
    let out = verify(&first);
    assert!(!out.status.success(), "a head that is no longer the end fails");
    assert!(text(&out).contains("does not end at the expected head") && text(&out).contains(&second), "{}", text(&out));
    assert!(verify(&second).status.success());

    // The older copy put back: the chain in it is whole, but it does not end at the recorded head.
    for f in files {
        let _ = std::fs::remove_file(dir.path().join(f));
        if dir.path().join(format!("old-{f}")).exists() {
            std::fs::rename(dir.path().join(format!("old-{f}")), dir.path().join(f)).unwrap();
        }
    }
    let plain = waymark(dir.path(), &["admin", "audit", "verify"]).output().unwrap();
    assert!(plain.status.success(), "{}", text(&plain));
    let out = verify(&second);
    assert!(!out.status.success());
    assert!(text(&out).contains("ends at entry 1"), "{}", text(&out));

    let out = verify("not-a-hash");
    assert!(!out.status.success());
    assert!(text(&out).contains("64 hexadecimal digits"), "{}", text(&out));
}

/// `serve` must be told where the key is; `--key-file` or `WAYMARK_KEY` gets past that check
/// (here to a bad database URL, which stops it before it serves).
#[test]
fn serve_needs_a_key_location() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(dir.path(), &["serve", "--bind", "127.0.0.1:0"]).env_remove("WAYMARK_KEY_FILE").output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("serve needs to be told where the encryption key is"), "{}", text(&out));
    assert!(!dir.path().join("waymark.key").exists() && !dir.path().join("waymark.db").exists(), "nothing created");
    let bad_url = ["serve", "--bind", "127.0.0.1:0", "--database-url", "mysql://x"];
    let with_file = waymark(dir.path(), &[&bad_url[..], &["--key-file", "k.key"]].concat()).output().unwrap();
    let with_env = waymark(dir.path(), &bad_url)
        .env_remove("WAYMARK_KEY_FILE")
        .env("WAYMARK_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .output()
        .unwrap();
    for out in [with_file, with_env] {
        assert!(!out.status.success());
        assert!(text(&out).contains("must start with sqlite:// or postgres://"), "{}", text(&out));
    }
}

/// Start `demo` on a free port, wait until it serves, return the sign-in page, and stop it.
fn run_demo(dir: &std::path::Path) -> (String, String) {
    let log = std::fs::File::create(dir.join("demo.log")).unwrap();
    let mut child = waymark(dir, &["demo", "--bind", "127.0.0.1:0", "--data-dir", "demo"])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut url = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("Waymark is serving at ") {
            url = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("demo did not start: {printed}"));
    let health = Command::new("curl")
        .args(["-sf", &format!("{url}healthz")])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    (printed, health)
}

#[test]
fn demo_runs_twice_in_the_same_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (first, health) = run_demo(dir.path());
    assert!(first.contains("admin@demo.waymark.test") && first.contains("waymark-demo-2026"), "{first}");
    // Eight of the referred pupils suspended this term (none only on a term's first day).
    assert!(first.contains(" 8 suspensions this term") || first.contains(" 0 suspensions this term"), "{first}");
    assert_eq!(health, "ok");
    // The log went to a file, not a terminal: plain text, no colour codes.
    let log = std::fs::read_to_string(dir.path().join("demo.log")).unwrap();
    assert!(log.contains("WARN"), "the log has lines to check: {log}");
    assert!(!log.contains('\u{1b}'), "ANSI escape codes in a log that is not a terminal: {log:?}");
    let (second, _) = run_demo(dir.path());
    assert!(second.contains("recreated on every run"), "{second}");
    let out = waymark(
        dir.path(),
        &["admin", "audit", "verify", "--database-url", "sqlite://demo/waymark.db", "--key-file", "demo/waymark.key"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("intact"));
}

#[test]
fn synth_and_opendata_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(
        dir.path(),
        &["synth", "--la", "Rutland", "--year", "2015/16", "--seed", "3", "--out", "r", "--no-attendance"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Wrote Rutland (857) 2015/16"), "{}", text(&out));
    let pupils = std::fs::read_to_string(dir.path().join("r/pupils.csv")).unwrap();
    assert!(pupils.starts_with("upn,la,given_name") && pupils.lines().count() > 4000);

    let bad_la = waymark(dir.path(), &["synth", "--la", "Narnia", "--out", "x"]).output().unwrap();
    assert!(!bad_la.status.success() && text(&bad_la).contains("DfE 3-digit LA number"), "{}", text(&bad_la));
    let bad_year = waymark(dir.path(), &["synth", "--la", "886", "--year", "2030/31", "--out", "x"]).output().unwrap();
    assert!(text(&bad_year).contains("covers 2006/07 to 2016/17"), "{}", text(&bad_year));
    let no_out = waymark(dir.path(), &["synth", "--la", "886"]).output().unwrap();
    assert!(text(&no_out).contains("--out DIR is required"), "{}", text(&no_out));

    let check = waymark(dir.path(), &["opendata", "check"]).output().unwrap();
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("18828 of  18828") && text(&check).contains("3440 of 3440"), "{}", text(&check));
    let missing = waymark(dir.path(), &["opendata", "build", "--from", "nowhere", "--out", "o"]).output().unwrap();
    assert!(!missing.status.success() && text(&missing).contains("nowhere"), "{}", text(&missing));
}

/// `waymark synth check` exits 0 when no more cells miss their 99% intervals than chance allows,
/// and non-zero when a deliberately miscalibrated generator (every rate 30% too high) is checked.
#[test]
fn synth_check_fails_when_more_cells_miss_than_chance_allows() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["synth", "check", "--year", "2016/17", "--la", "886", "--la", "Rutland"];
    let good = waymark(dir.path(), &args).output().unwrap();
    assert!(good.status.success(), "{}", text(&good));
    assert!(
        text(&good).contains("chance allows at most 2 (the 99% bound of Binomial(18, 0.01)): calibrated"),
        "{}",
        text(&good)
    );

    let bad = waymark(dir.path(), &[&args[..], &["--miscalibrate-rates", "1.3"]].concat()).output().unwrap();
    assert!(!bad.status.success(), "{}", text(&bad));
    assert!(
        text(&bad).contains("error: the synthetic data is not calibrated") && text(&bad).contains("NOT CALIBRATED"),
        "{}",
        text(&bad)
    );

    let nonsense = waymark(dir.path(), &[&args[..], &["--miscalibrate-rates=-1"]].concat()).output().unwrap();
    assert!(
        !nonsense.status.success() && text(&nonsense).contains("--miscalibrate-rates must be a positive number"),
        "{}",
        text(&nonsense)
    );
}
