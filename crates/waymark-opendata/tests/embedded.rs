//! The processed copy committed under `data/opendata/` is what the raw files say, and
//! rebuilding it changes no byte. Set `WAYMARK_OPENDATA_WRITE=1` to rewrite the committed copy
//! after changing a reader (then rebuild so the new files are embedded).

mod common;

use std::time::Instant;
use waymark_opendata::{build, OpenData};

#[test]
fn rebuild_is_byte_identical_to_the_committed_copy() {
    let Some(raw) = common::raw_dir() else { return };
    let committed = common::committed_dir();
    if std::env::var_os("WAYMARK_OPENDATA_WRITE").is_some() {
        let summary = build(&raw, &committed).unwrap();
        println!("{summary:#?}");
    }
    let out = tempfile::tempdir().unwrap();
    let summary = build(&raw, out.path()).unwrap();
    let mut names: Vec<String> = summary.files.iter().map(|f| f.name.clone()).collect();
    names.extend(["PROVENANCE.md".to_string(), "LICENCE-OGL.txt".to_string()]);
    for name in names {
        let built = std::fs::read(out.path().join(&name)).unwrap();
        let saved = std::fs::read(committed.join(&name)).unwrap_or_default();
        assert!(built == saved, "data/opendata/{name} differs from a rebuild: run with WAYMARK_OPENDATA_WRITE=1");
    }
    let total: u64 = summary.files.iter().map(|f| f.bytes).sum();
    assert!(total < 4_000_000, "processed copy should stay compact, is {total} bytes");
}

#[test]
fn embedded_copy_equals_the_raw_files() {
    let started = Instant::now();
    let embedded = OpenData::embedded().unwrap();
    println!("embedded copy parsed in {:?}", started.elapsed());
    let Some(raw) = common::raw_dir() else { return };
    let from_raw = OpenData::from_raw(&raw).unwrap();
    assert_eq!(embedded.las, from_raw.las);
    assert_eq!(embedded.exclusions, from_raw.exclusions);
    assert_eq!(embedded.reasons, from_raw.reasons);
    assert_eq!(embedded.characteristics, from_raw.characteristics);
    assert_eq!(embedded.lait, from_raw.lait);
    assert_eq!(embedded.ap, from_raw.ap);
    assert_eq!(embedded.schools, from_raw.schools);
    assert_eq!(embedded.after, from_raw.after);
    assert!(embedded.after.rows().len() > 10_000, "{} after-exclusion rows", embedded.after.rows().len());
}
