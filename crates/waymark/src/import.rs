//! `waymark import DIR [--dry-run]`: read a folder of import templates, check every cell and
//! reference, and write it all in one transaction, or nothing.

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use waymark_interchange::read_set;
use waymark_store::{Caller, ImportCounts, Store};
use waymark_web::StoreKnown;

/// Import `dir` as `caller`, with a progress bar on a terminal. Returns what was done.
pub async fn run(store: &Store, caller: &Caller, dir: &Path, dry_run: bool) -> Result<ImportCounts> {
    if !dir.is_dir() {
        bail!("{} is not a folder: give the folder that holds the import CSV files", dir.display());
    }
    let known = StoreKnown(store.import_context(caller).await?);
    let total: u64 = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "csv"))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:40}] {bytes}/{total_bytes} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix("checking");
    let mut done_before = 0u64;
    let mut current = String::new();
    let mut current_size = 0u64;
    let read = read_set(dir, &known, &mut |file: &str, read: u64, size: u64| {
        if file != current {
            done_before += current_size;
            current = file.to_string();
            current_size = size;
            bar.set_message(file.to_string());
        }
        bar.set_position(done_before + read);
    });
    let set = match read {
        Ok(set) => set,
        Err(report) => {
            bar.finish_and_clear();
            eprintln!("{report}");
            bail!(
                "nothing was imported: {} problem{} in {}",
                report.total,
                if report.total == 1 { "" } else { "s" },
                dir.display()
            );
        }
    };
    bar.set_position(total);
    bar.set_prefix("writing");
    let tables = 14u64;
    bar.set_length(tables);
    bar.set_position(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:40}] {msg}").expect("a valid template").progress_chars("=> "),
    );
    let counts = store
        .import_records(caller, &set, dry_run, &mut |table: &str| {
            bar.inc(1);
            bar.set_message(table.to_string());
        })
        .await?;
    bar.finish_and_clear();
    Ok(counts)
}
