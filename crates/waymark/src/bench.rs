//! `waymark bench import`: a synthetic LA-year imported into a fresh SQLite file and into
//! PostgreSQL, the same files loaded by DuckDB, and every pupil's attendance rate computed by
//! each from its own store. Prints the times, the ratios, and whether the rates agree.
//! Figures only: nothing here passes or fails on speed. `bench outcomes` and `bench pages` are
//! in the modules below.

mod fixture;
pub mod outcomes;
pub mod pages;

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use waymark_domain::attendance::SessionCounts;
use waymark_domain::AcademicYear;
use waymark_interchange::{read_set, NothingKnown};
use waymark_store::{Caller, KeySource, Store};

pub struct ImportBench {
    pub la: u16,
    pub year: AcademicYear,
    pub postgres_url: Option<String>,
    pub work: PathBuf,
    pub python: Option<PathBuf>,
}

struct Side {
    name: String,
    load: f64,
    rates: f64,
    agree: String,
}

pub async fn import(b: ImportBench) -> Result<()> {
    std::fs::create_dir_all(&b.work)?;
    let csv = b.work.join("csv");
    let _ = std::fs::remove_dir_all(&csv);
    let started = Instant::now();
    let summary =
        waymark_synth::generate(b.la, b.year, waymark_synth::Options { seed: 1, attendance: true, scale: 1.0 }, &csv)?;
    println!(
        "generated LA {:03} {}: {} pupils, {:.1} M marks, {:.0} MiB of CSV in {:.2} s",
        b.la,
        b.year,
        summary.pupils,
        summary.attendance_marks as f64 / 1e6,
        dir_bytes(&csv) as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let duckdb = run_duckdb(&b, &csv)?;
    let mut sides = Vec::new();
    let db = b.work.join("bench.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let key =
        KeySource { env_value: Some(waymark_store::keyfile::generate_key_text()), file: b.work.join("unused.key") };
    let sqlite = Store::open(&format!("sqlite://{}", db.display()), &key).await?;
    sides.push(measure("Waymark, SQLite", &sqlite, &csv, &duckdb.1).await?);
    sqlite.close().await;
    if let Some(url) = &b.postgres_url {
        let schema = format!("wm_bench_{}", std::process::id());
        psql(url, &format!("CREATE SCHEMA {schema}"))?;
        let sep = if url.contains('?') { '&' } else { '?' };
        let store = Store::open(&format!("{url}{sep}options=-c%20search_path%3D{schema}"), &key).await;
        let result = match store {
            Ok(store) => {
                let side = measure("Waymark, PostgreSQL", &store, &csv, &duckdb.1).await;
                store.close().await;
                side
            }
            Err(e) => Err(e.into()),
        };
        psql(url, &format!("DROP SCHEMA {schema} CASCADE"))?;
        sides.push(result?);
    }
    println!();
    println!("| store | load (s) | load ÷ DuckDB | per-pupil rates (s) | DuckDB ÷ this | rates equal to DuckDB's |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    let (dl, dr) = (duckdb.0.load, duckdb.0.rates);
    println!("| DuckDB {} (peer) | {dl:.2} | 1.00 | {dr:.3} | 1.00 | - |", duckdb.0.name);
    for s in &sides {
        println!(
            "| {} | {:.2} | {:.2} | {:.3} | {:.2} | {} |",
            s.name,
            s.load,
            s.load / dl,
            s.rates,
            dr / s.rates,
            s.agree
        );
    }
    println!();
    println!(
        "Waymark's load = read and check every cell and reference, encrypt identifiers, upsert every table, audit, commit \
         (as `waymark import`). Rates = attended over possible sessions per pupil, from each side's own store."
    );
    Ok(())
}

async fn measure(name: &str, store: &Store, csv: &Path, peer: &HashMap<String, SessionCounts>) -> Result<Side> {
    let op = Caller::system("bench");
    let started = Instant::now();
    let set = read_set(csv, &NothingKnown, &mut |_, _, _| {}).map_err(|r| anyhow::anyhow!("{r}"))?;
    let counts = store.import_records(&op, &set, false, &mut |_| {}).await?;
    let load = started.elapsed().as_secs_f64();
    drop(set);
    println!("{name}: {counts} in {load:.2} s");
    let started = Instant::now();
    let rates = store.attendance_by_upn(&op).await?;
    let rates_time = started.elapsed().as_secs_f64();
    let differ =
        peer.iter().filter(|(upn, c)| rates.get(*upn) != Some(c)).count() + rates.len().saturating_sub(peer.len());
    let agree = if differ == 0 {
        format!("yes, all {} pupils", rates.len())
    } else {
        format!("NO: {differ} of {} pupils differ", peer.len())
    };
    Ok(Side { name: name.into(), load, rates: rates_time, agree })
}

struct Peer {
    name: String,
    load: f64,
    rates: f64,
}

/// Load the CSVs into DuckDB with scripts/bench_duckdb.py (installing DuckDB from PyPI into a
/// virtual environment under target/ if it is missing) and read back its per-pupil counts.
fn run_duckdb(b: &ImportBench, csv: &Path) -> Result<(Peer, HashMap<String, SessionCounts>)> {
    let rates_file = b.work.join("duckdb-rates.csv");
    let field = duckdb_script(b.python.as_deref(), csv, &b.work, &[("--rates-out", &rates_file)])?;
    let peer =
        Peer { name: field("duckdb_version")?, load: field("load_s")?.parse()?, rates: field("rates_s")?.parse()? };
    let mut rates = HashMap::new();
    for line in std::fs::read_to_string(&rates_file)?.lines().skip(1) {
        let mut parts = line.split(',');
        let (Some(upn), Some(a), Some(p)) = (parts.next(), parts.next(), parts.next()) else { continue };
        rates.insert(upn.to_string(), SessionCounts { attended: a.parse()?, possible: p.parse()? });
    }
    println!(
        "DuckDB {}: loaded in {:.2} s, rates for {} pupils in {:.3} s",
        peer.name,
        peer.load,
        rates.len(),
        peer.rates
    );
    Ok((peer, rates))
}

/// Run scripts/bench_duckdb.py on a set of CSVs with the given extra arguments (output files) and
/// return a reader of the JSON figures it prints on its last line. Shared by the import and
/// outcome benches.
pub(crate) fn duckdb_script(
    python: Option<&Path>,
    csv: &Path,
    work: &Path,
    extra: &[(&str, &Path)],
) -> Result<impl Fn(&str) -> Result<String>> {
    let python = match python {
        Some(p) => p.to_path_buf(),
        None => bench_python()?,
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_duckdb.py");
    let mut command = Command::new(&python);
    command.arg(&script).arg("--csv").arg(csv).arg("--db").arg(work.join("bench.duckdb"));
    for (flag, path) in extra {
        command.arg(flag).arg(path);
    }
    let out = command.output().with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        bail!("the DuckDB side failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let last = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").to_string();
    Ok(move |key: &str| -> Result<String> {
        let at = last.find(&format!("\"{key}\": ")).with_context(|| format!("no {key} in {last:?}"))? + key.len() + 4;
        Ok(last[at..].split([',', '}']).next().unwrap_or("").trim().trim_matches('"').to_string())
    })
}

/// A Python with DuckDB: target/bench-venv, created and filled from PyPI on first use.
fn bench_python() -> Result<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-venv");
    let python = venv.join("bin/python");
    let has = |p: &Path| Command::new(p).args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success());
    if python.exists() && has(&python) {
        return Ok(python);
    }
    println!("installing DuckDB from PyPI into {} …", venv.display());
    let ok = Command::new("python3").arg("-m").arg("venv").arg(&venv).status()?.success()
        && Command::new(venv.join("bin/pip")).args(["install", "--quiet", "duckdb"]).status()?.success();
    if !ok || !has(&python) {
        bail!("could not install DuckDB (python3 -m venv and pip install duckdb); give --python with a Python that has it");
    }
    Ok(python)
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let status = Command::new("psql")
        .arg(url)
        .args(["-qc", sql])
        .env("PGOPTIONS", "--client-min-messages=warning")
        .status()
        .context("running psql")?;
    if !status.success() {
        bail!("psql failed: {sql}");
    }
    Ok(())
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |d| d.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
}

/// `waymark bench england`: every LA of a year generated and imported into PostgreSQL one at a
/// time (the next LA is generated while the current one is imported), then the time and the
/// database's size.
pub async fn england(year: AcademicYear, url: &str, work: &Path, keep: bool) -> Result<()> {
    let las: Vec<u16> = waymark_synth::targets(year)?.las.iter().map(|l| l.number).collect();
    std::fs::create_dir_all(work)?;
    let schema = format!("wm_england_{}", std::process::id());
    psql(url, &format!("CREATE SCHEMA {schema}"))?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let key = KeySource { env_value: Some(waymark_store::keyfile::generate_key_text()), file: work.join("unused.key") };
    let store = Store::open(&format!("{url}{sep}options=-c%20search_path%3D{schema}"), &key).await?;
    let op = Caller::system("bench");
    let started = Instant::now();
    let generate = |la: u16| {
        let dir = work.join(format!("la-{la}"));
        let _ = std::fs::remove_dir_all(&dir);
        tokio::task::spawn_blocking(move || {
            waymark_synth::generate(la, year, waymark_synth::Options { seed: 1, attendance: true, scale: 1.0 }, &dir)
                .map(|_| dir)
        })
    };
    let mut next = Some(generate(las[0]));
    let (mut pupils, mut rows) = (0usize, 0u64);
    for (i, la) in las.iter().enumerate() {
        let dir = next.take().expect("generated").await?.map_err(|e| anyhow::anyhow!("LA {la}: {e}"))?;
        next = las.get(i + 1).map(|n| generate(*n));
        let set = read_set(&dir, &NothingKnown, &mut |_, _, _| {}).map_err(|r| anyhow::anyhow!("LA {la}: {r}"))?;
        let counts = store.import_records(&op, &set, false, &mut |_| {}).await?;
        pupils += counts.pupils;
        rows += counts.added;
        std::fs::remove_dir_all(&dir)?;
        println!(
            "[{:>3}/{}] LA {la:03}: {} pupils; {} pupils, {} rows so far, {:.0} s",
            i + 1,
            las.len(),
            counts.pupils,
            pupils,
            rows,
            started.elapsed().as_secs_f64()
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    store.close().await;
    let size = Command::new("psql")
        .arg(url)
        .args(["-tAc", &format!(
            "SELECT pg_size_pretty(SUM(pg_total_relation_size(c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'm')"
        )])
        .output()?;
    println!(
        "England {year}: {} LAs, {pupils} pupils, {rows} rows imported into PostgreSQL in {:.1} min; schema size {}",
        las.len(),
        elapsed / 60.0,
        String::from_utf8_lossy(&size.stdout).trim()
    );
    if keep {
        println!("kept in schema {schema}");
    } else {
        psql(url, &format!("DROP SCHEMA {schema} CASCADE"))?;
    }
    Ok(())
}
