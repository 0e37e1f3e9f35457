//! `waymark bench outcomes`: a synthetic LA-year in the store with provisions in use, then every
//! figure of every provision's and every referring school's outcome page (the five AP outcomes
//! and the holistic measures, each against the LA with secondary suppression), timed from the
//! store's scoped load (`outcome_tables`) to the last figure. DuckDB computes the attendance and
//! exclusion aggregations from the same CSVs; the two are checked pupil by pupil.

use super::fixture::{activity, generate, read_dated, Engine, Opened};
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use waymark_analytics::figure::suppress_siblings;
use waymark_analytics::holistic::every_figure;
use waymark_analytics::inputs::Tables;
use waymark_analytics::measures::{GroupBy, Scope};
use waymark_domain::AcademicYear;
use waymark_store::{Caller, Role, Store};

pub struct OutcomesBench {
    pub la: u16,
    pub year: AcademicYear,
    pub postgres_url: Option<String>,
    pub work: PathBuf,
    pub python: Option<PathBuf>,
    pub provisions: usize,
    pub repeat: usize,
}

/// A referring school answers for the pupils it moved out for three years (as the school page).
const SCHOOL_YEARS: i64 = 3;

/// Per pupil: attended, possible, suspensions, exclusions.
type Counts = (u32, u32, usize, usize);

struct Timing {
    engine: &'static str,
    load: Vec<f64>,
    figures: Vec<f64>,
    total: Vec<f64>,
    placements: usize,
    units: usize,
    cells: usize,
    agree: String,
}

pub async fn outcomes(b: OutcomesBench) -> Result<()> {
    let today = chrono::Local::now().date_naive();
    let (csv, pupils, marks) = generate(b.la, b.year, &b.work)?;
    let (duck_name, duck_time, placed_time, duck) = run_duckdb(&b, &csv)?;
    let mut timings = Vec::new();
    let mut engines = vec![Engine::Sqlite];
    if b.postgres_url.is_some() {
        engines.push(Engine::Postgres);
    }
    for engine in engines {
        let opened = Opened::open(engine, &b.work, b.postgres_url.as_deref().unwrap_or("")).await?;
        let result = run(&b, engine, &opened.store, &csv, today, &duck).await;
        opened.close().await?;
        timings.push(result?);
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!();
    println!(
        "LA {:03} {} ({pupils} pupils, {marks} marks), data dated to the year before {today}; {} runs each, median \
         (min–max):",
        b.la, b.year, b.repeat
    );
    println!();
    println!(
        "| engine | placements | pages (provisions + schools) | published cells | load tables (s) | figures (s) | \
         total (s) | DuckDB, all pupils (s) | Waymark ÷ DuckDB | DuckDB, placed pupils (s) | Waymark ÷ DuckDB \
         (placed) | aggregates equal |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for t in &timings {
        let range = |v: &[f64]| {
            let (lo, hi) = v.iter().fold((f64::MAX, 0f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            format!("{:.3} ({lo:.3}–{hi:.3})", median(v))
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {duck_time:.3} | {:.2} | {placed_time:.3} | {:.2} | {} |",
            t.engine,
            t.placements,
            t.units,
            t.cells,
            range(&t.load),
            range(&t.figures),
            range(&t.total),
            median(&t.total) / duck_time,
            median(&t.total) / placed_time,
            t.agree
        );
    }
    println!();
    println!(
        "DuckDB {duck_name}: per-pupil attended and possible sessions with suspension and exclusion counts, and \
         suspensions and exclusions per setting, for all {} pupils of its CSV tables (loaded beforehand, not timed); \
         then the per-pupil part for the pupils of placements.csv only (the rows Waymark's outcome load reads are \
         its placed pupils'). Waymark: the scoped, audited load of every table the measures read plus every figure \
         of every outcome page.",
        duck.len()
    );
    Ok(())
}

async fn run(
    b: &OutcomesBench,
    engine: Engine,
    store: &Store,
    csv: &Path,
    today: NaiveDate,
    duck: &HashMap<String, Counts>,
) -> Result<Timing> {
    let op = Caller::system("bench");
    let started = Instant::now();
    let set = read_dated(csv, b.year, today)?;
    let counts = store.import_records(&op, &set, false, &mut |_| {}).await?;
    println!("{}: imported {counts} in {:.2} s", engine.name(), started.elapsed().as_secs_f64());
    let a = activity(store, &set, b.provisions, today).await?;
    drop(set);
    println!("{}: {a}", engine.name());
    let la = Caller { user_id: None, actor: "system:bench:la".into(), role: Role::La(b.la) };
    let mut t = Timing {
        engine: engine.name(),
        load: Vec::new(),
        figures: Vec::new(),
        total: Vec::new(),
        placements: 0,
        units: 0,
        cells: 0,
        agree: String::new(),
    };
    let mut last = None;
    for _ in 0..b.repeat.max(1) {
        let started = Instant::now();
        let tables = store.outcome_tables(&la, today).await?;
        let load = started.elapsed().as_secs_f64();
        let (units, cells) = every_page(&tables, b.la, today);
        let total = started.elapsed().as_secs_f64();
        t.load.push(load);
        t.figures.push(total - load);
        t.total.push(total);
        t.units = units;
        t.cells = cells;
        t.placements = tables.placements.len();
        last = Some(tables);
    }
    let tables = last.context("no run")?;
    t.agree = agree(store, &la, &tables, duck).await?;
    println!(
        "{}: {} placements, {} pages, {} cells; tables {:.3} s, figures {:.3} s; equal to DuckDB: {}",
        engine.name(),
        t.placements,
        t.units,
        t.cells,
        t.load[0],
        t.figures[0],
        t.agree
    );
    Ok(t)
}

/// Every figure of every provision page and every referring school page, as those pages compute
/// them (`waymark_web`'s outcome pages: the LA's commissioned placements, each unit against the
/// LA with secondary suppression), but for all units at once: one pass per grouping rather than
/// one per page. Returns the number of units (pages) and of published cells.
fn every_page(t: &Tables, la: u16, as_of: NaiveDate) -> (usize, usize) {
    let t = commissioned_by(t.clone(), la, |_| true);
    let since = as_of - chrono::Duration::days(365 * SCHOOL_YEARS);
    let schools = commissioned_by(t.clone(), la, |p| p.referring_school.is_some() && p.start >= since);
    let mut units = 0;
    let mut cells = 0;
    for (t, by) in [(&t, GroupBy::Provision), (&schools, GroupBy::ReferringSchool)] {
        let by_unit = every_figure(t, &Scope { by, as_of });
        let by_la = every_figure(t, &Scope { by: GroupBy::La, as_of });
        let mut seen = HashSet::new();
        for ((_, mut figures), (_, la_figures)) in by_unit.into_iter().zip(by_la) {
            if let Some(total) = la_figures.get(&i64::from(la)) {
                suppress_siblings(&mut figures, total);
            }
            cells += figures.len() + 1;
            seen.extend(figures.keys().copied());
        }
        units += seen.len();
    }
    (units, cells)
}

/// As the outcome pages: only the placements LA `la` commissioned that `keep` keeps, and the rows
/// hanging on them.
fn commissioned_by(mut t: Tables, la: u16, keep: impl Fn(&waymark_analytics::inputs::PlacementRow) -> bool) -> Tables {
    t.placements.retain(|p| p.la == la && keep(p));
    let kept: HashSet<i64> = t.placements.iter().map(|p| p.id).collect();
    t.waits.retain(|w| kept.contains(&w.placement));
    t.timetables.retain(|s| kept.contains(&s.placement));
    t.interventions.retain(|i| kept.contains(&i.placement));
    t
}

/// Whether Waymark's tables give every placed pupil the same attended and possible sessions,
/// suspensions and exclusions as DuckDB computed from the CSVs (UPNs looked up through the
/// store, outside the timing).
async fn agree(store: &Store, la: &Caller, t: &Tables, duck: &HashMap<String, Counts>) -> Result<String> {
    let mut ours: BTreeMap<i64, Counts> = BTreeMap::new();
    for p in &t.placements {
        ours.entry(p.pupil).or_default();
    }
    for a in &t.attendance {
        let e = ours.entry(a.pupil).or_default();
        e.0 += a.attended;
        e.1 += a.possible;
    }
    for s in &t.suspensions {
        ours.entry(s.pupil).or_default().2 += 1;
    }
    for x in &t.exclusions {
        ours.entry(x.pupil).or_default().3 += 1;
    }
    let mut differ = 0;
    let mut example = String::new();
    for (pupil, counts) in &ours {
        let upn = store.get_pupil(la, *pupil).await?.0.record.upn.to_string();
        let theirs = duck.get(&upn).copied().unwrap_or_default();
        if theirs != *counts {
            differ += 1;
            if example.is_empty() {
                example = format!(" (e.g. pupil {pupil}: Waymark {counts:?}, DuckDB {theirs:?})");
            }
        }
    }
    Ok(if differ == 0 {
        format!("yes, all {} placed pupils", ours.len())
    } else {
        format!("NO: {differ} of {} placed pupils differ{example}", ours.len())
    })
}

/// Load the CSVs into DuckDB and time its aggregations (scripts/bench_duckdb.py --counts-out).
fn run_duckdb(b: &OutcomesBench, csv: &Path) -> Result<(String, f64, f64, HashMap<String, Counts>)> {
    let out_file = b.work.join("duckdb-counts.csv");
    let rates_file = b.work.join("duckdb-rates.csv");
    let field = super::duckdb_script(
        b.python.as_deref(),
        csv,
        &b.work,
        &[("--rates-out", &rates_file), ("--counts-out", &out_file)],
    )?;
    let name = field("duckdb_version")?;
    let time: f64 = field("counts_s")?.parse()?;
    let placed: f64 = field("placed_s")?.parse()?;
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(&out_file)?.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 5 {
            bail!("{}: unexpected line {line:?}", out_file.display());
        }
        counts.insert(f[0].to_string(), (f[1].parse()?, f[2].parse()?, f[3].parse()?, f[4].parse()?));
    }
    println!(
        "DuckDB {name}: aggregations for {} pupils in {time:.3} s; for the placed pupils only in {placed:.3} s",
        counts.len()
    );
    Ok((name, time, placed, counts))
}
