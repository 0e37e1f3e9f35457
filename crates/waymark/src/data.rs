//! `waymark synth`, `waymark bench` and `waymark opendata`: thin wrappers over the synth and
//! open-data crates, with arguments checked and explained.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use waymark_domain::AcademicYear;
use waymark_opendata::OpenData;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SynthArgs {
    #[command(subcommand)]
    check: Option<SynthCommand>,
    /// The LA: DfE number (886), ONS code (E10000016) or name (Kent).
    #[arg(long)]
    la: Option<String>,
    /// `england` streams every LA of the year to --out, one LA at a time.
    #[arg(long)]
    scale: Option<String>,
    /// Academic year with published LA figures: 2006/07 to 2016/17.
    #[arg(long, default_value = "2016/17")]
    year: String,
    /// The same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write the CSV files into (created if missing).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Leave out attendance.csv (the largest table).
    #[arg(long)]
    no_attendance: bool,
}

#[derive(Subcommand)]
enum SynthCommand {
    /// Generate every LA (or those given) and compare with the published figures: each LA ×
    /// school type within the 99% interval of its published rate, and the national odds ratios.
    Check {
        #[arg(long, default_value = "2016/17")]
        year: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only these LAs (number, ONS code or name); all LAs if none.
        #[arg(long)]
        la: Vec<String>,
        /// List every cell, not only the failures and the summary.
        #[arg(long)]
        all_cells: bool,
        /// For testing the check: draw from every published rate times this factor, then
        /// compare with the published figures (a deliberately miscalibrated generator).
        #[arg(long, hide = true, default_value_t = 1.0)]
        miscalibrate_rates: f64,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Pupils/s, attendance marks/s and peak memory for one large LA (and England with --england).
    Synth {
        #[arg(long, default_value = "2016/17")]
        year: String,
        /// LAs to time (number, ONS code or name).
        #[arg(long, default_values_t = ["801".to_string(), "886".to_string()])]
        la: Vec<String>,
        /// Also stream all of England (about 8 million pupils, several GB of files).
        #[arg(long)]
        england: bool,
        /// Where to write the generated files (removed afterwards only if you remove them).
        #[arg(long, default_value = "waymark-bench")]
        out: PathBuf,
    },
    /// A synthetic LA-year (Bristol by default: 58,000 pupils, 22 million marks, all thirteen
    /// files) imported into a fresh SQLite file and into PostgreSQL, against DuckDB loading the
    /// same CSVs; then every pupil's attendance rate from each store. Prints times and ratios.
    Import {
        #[arg(long, default_value = "801")]
        la: String,
        #[arg(long, default_value = "2016/17")]
        year: String,
        /// PostgreSQL to measure too (a schema is made and dropped); `none` to skip it.
        #[arg(long, env = "WAYMARK_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
        /// A Python with the `duckdb` package (default: target/bench-venv, installed if missing).
        #[arg(long)]
        python: Option<PathBuf>,
        /// Working folder for the CSVs and the SQLite and DuckDB files.
        #[arg(long, default_value = "waymark-bench")]
        out: PathBuf,
    },
    /// Every LA of England (about 8.1 million pupils) generated and imported into PostgreSQL LA
    /// by LA; prints the time and the database size. Needs some 20 GB of free disk.
    England {
        #[arg(long, default_value = "2016/17")]
        year: String,
        #[arg(long, env = "WAYMARK_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
        /// Working folder for one or two LAs' CSVs at a time.
        #[arg(long, default_value = "waymark-bench")]
        out: PathBuf,
        /// Keep the schema afterwards (it is dropped by default).
        #[arg(long)]
        keep: bool,
    },
    /// A synthetic LA-year (Bristol 2016/17 by default: 58,000 pupils, 22 million marks) in a
    /// fresh SQLite file and PostgreSQL schema with provisions in use, then every outcome figure
    /// of every provision and referring school, timed; DuckDB computes the attendance and
    /// exclusion aggregations from the same CSVs, and the two are compared.
    Outcomes {
        #[arg(long, default_value = "801")]
        la: String,
        #[arg(long, default_value = "2016/17")]
        year: String,
        /// PostgreSQL to measure too (a schema is made and dropped); `none` to skip it.
        #[arg(long, env = "WAYMARK_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
        /// A Python with the `duckdb` package (default: target/bench-venv, installed if missing).
        #[arg(long)]
        python: Option<PathBuf>,
        /// Provisions put to use (groups, referrals, placements, check-ins, assessments).
        #[arg(long, default_value_t = 8)]
        provisions: usize,
        /// Times to compute every figure on each engine (the median is reported).
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        #[arg(long, default_value = "waymark-bench")]
        out: PathBuf,
    },
    /// The same LA with provisions in use and staff signed in, served as `waymark serve` serves
    /// it; concurrent clients on the waiting list, capacity, check-in and journey pages.
    Pages {
        #[arg(long, default_value = "801")]
        la: String,
        #[arg(long, default_value = "2016/17")]
        year: String,
        #[arg(long, env = "WAYMARK_TEST_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres_url: String,
        #[arg(long, default_value_t = 8)]
        provisions: usize,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Requests each client sends to each page.
        #[arg(long, default_value_t = 40)]
        requests: usize,
        /// At most this long per page.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long, default_value = "waymark-bench")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum OpendataCommand {
    /// Rebuild data/opendata/ (tables and simplified boundaries) from the raw files.
    Build {
        /// The raw `data` folder (with dfe-exclusion-statistics-2006-2017/, la-code-lookups/, …).
        #[arg(long)]
        from: PathBuf,
        #[arg(long, default_value = "data/opendata")]
        out: PathBuf,
    },
    /// Recompute every published rate from its counts and compare sources that overlap.
    Check {
        /// Check the raw files in this folder instead of the copy embedded in the binary.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

fn year(text: &str) -> Result<AcademicYear> {
    text.parse::<AcademicYear>().map_err(|e| anyhow::anyhow!("--year: {e}"))
}

fn data() -> Result<&'static OpenData> {
    OpenData::shared().map_err(|e| anyhow::anyhow!("the embedded open data would not load: {e}"))
}

fn la_number(text: &str) -> Result<u16> {
    Ok(data()?.las.parse(text).with_context(|| format!("--la {text:?}"))?.number)
}

/// `waymark synth check`: print the report, and fail when more cells fall outside their 99%
/// intervals than chance allows.
fn synth_check(y: &str, seed: u64, la: &[String], all_cells: bool, rate_factor: f64) -> Result<()> {
    if !(rate_factor.is_finite() && rate_factor > 0.0) {
        bail!("--miscalibrate-rates must be a positive number, found {rate_factor}");
    }
    let las = la.iter().map(|l| la_number(l)).collect::<Result<Vec<_>>>()?;
    eprintln!(
        "Generating and checking {} for {y} (seed {seed})…",
        if las.is_empty() { "every LA".to_string() } else { format!("{} LAs", las.len()) }
    );
    let report = waymark_synth::check_miscalibrated(year(y)?, seed, &las, 1.0, rate_factor)?;
    print!("{}", report.to_text(all_cells));
    if !report.within_chance() {
        bail!("the synthetic data is not calibrated: {}", report.verdict());
    }
    Ok(())
}

pub fn synth(args: SynthArgs) -> Result<()> {
    if let Some(SynthCommand::Check { year: y, seed, la, all_cells, miscalibrate_rates }) = args.check {
        return synth_check(&y, seed, &la, all_cells, miscalibrate_rates);
    }
    let year = year(&args.year)?;
    let out = args.out.context("--out DIR is required: the folder to write the CSV files into")?;
    let options = waymark_synth::Options { seed: args.seed, attendance: !args.no_attendance, scale: 1.0 };
    match (args.la, args.scale.as_deref()) {
        (Some(la), None) => {
            let la = la_number(&la)?;
            let s = waymark_synth::generate(la, year, options, &out)?;
            println!(
                "Wrote {} ({:03}) {year}: {} pupils, {} exclusions, {} suspensions into {}",
                s.name,
                s.la,
                s.pupils,
                s.exclusions,
                s.suspensions,
                out.display()
            );
        }
        (None, Some("england")) => {
            let started = std::time::Instant::now();
            let all = waymark_synth::generate_england(year, options, &out, |p| {
                eprintln!(
                    "[{:>3}/{}] {} ({} pupils) {:.0}s",
                    p.done,
                    p.total,
                    p.la.name,
                    p.la.pupils,
                    started.elapsed().as_secs_f64()
                );
            })?;
            let pupils: u64 = all.iter().map(|s| s.pupils).sum();
            println!(
                "Wrote {} LAs, {pupils} pupils, for {year} into {} in {:.0}s",
                all.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
        (None, Some(other)) => bail!("--scale accepts only `england` (found {other:?}); for one LA use --la"),
        (Some(_), Some(_)) => bail!("give either --la (one LA) or --scale england, not both"),
        (None, None) => bail!("say which LA with --la (number, ONS code or name), or --scale england for every LA"),
    }
    Ok(())
}

pub async fn bench(what: BenchCommand) -> Result<()> {
    let (y, la, england, out) = match what {
        BenchCommand::Synth { year, la, england, out } => (year, la, england, out),
        BenchCommand::England { year: y, postgres_url, out, keep } => {
            return crate::bench::england(year(&y)?, &postgres_url, &out, keep).await;
        }
        BenchCommand::Outcomes { la, year: y, postgres_url, python, provisions, repeat, out } => {
            return crate::bench::outcomes::outcomes(crate::bench::outcomes::OutcomesBench {
                la: la_number(&la)?,
                year: year(&y)?,
                postgres_url: (postgres_url != "none").then_some(postgres_url),
                work: out,
                python,
                provisions,
                repeat,
            })
            .await;
        }
        BenchCommand::Pages { la, year: y, postgres_url, provisions, clients, requests, seconds, out } => {
            return crate::bench::pages::pages(crate::bench::pages::PagesBench {
                la: la_number(&la)?,
                year: year(&y)?,
                postgres_url: (postgres_url != "none").then_some(postgres_url),
                work: out,
                provisions,
                clients,
                requests,
                seconds,
            })
            .await;
        }
        BenchCommand::Import { la, year: y, postgres_url, python, out } => {
            return crate::bench::import(crate::bench::ImportBench {
                la: la_number(&la)?,
                year: year(&y)?,
                postgres_url: (postgres_url != "none").then_some(postgres_url),
                work: out,
                python,
            })
            .await;
        }
    };
    let las = la.iter().map(|l| la_number(l)).collect::<Result<Vec<_>>>()?;
    let report = waymark_synth::bench::bench(year(&y)?, &las, england, 1, &out)?;
    print!("{}", report.to_text());
    Ok(())
}

/// Print the after-exclusion check figures as a table; true if every one matched.
fn after_exclusion_checks(dir: &std::path::Path) -> Result<bool> {
    use waymark_opendata::after_exclusion;
    let results = after_exclusion::check_all(dir)?;
    println!("{:<72} {:<50} {:>9} {:>9}", "file", "figure", "published", "found");
    for r in &results {
        let found = match (&r.found, r.rows) {
            (Some(f), _) => f.clone(),
            (None, n) => format!("{n} rows"),
        };
        let mark = if r.ok() { "" } else { "  MISMATCH" };
        println!("{:<72} {:<50} {:>9} {:>9}{mark}", r.check.file, r.check.what, r.check.expected, found);
    }
    for file in after_exclusion::UNCHECKED {
        println!("{file:<72} (its README quotes no figure: no check yet)");
    }
    let matched = results.iter().filter(|r| r.ok()).count();
    println!("after exclusion: {matched} of {} published figures found as published", results.len());
    let rules = after_exclusion::reproduce_all(dir)?;
    for r in &rules {
        let mark = match r.first_mismatch {
            Some((row, published, recomputed)) => format!("  MISMATCH row {row}: {published} against {recomputed:.3}"),
            None => String::new(),
        };
        println!("{:<50} {:>6} of {:>6} rows reproduce: {}{mark}", r.file, r.matched, r.checked, r.what);
    }
    Ok(matched == results.len() && rules.iter().all(|r| r.ok()))
}

pub fn opendata(command: OpendataCommand) -> Result<()> {
    match command {
        OpendataCommand::Build { from, out } => {
            let summary = waymark_opendata::build(&from, &out)?;
            for f in &summary.files {
                println!("{:<28} {:>7} rows {:>9} bytes", f.name, f.rows, f.bytes);
            }
            for d in &summary.dropped {
                println!("left out: {d}");
            }
            for (vintage, bytes) in waymark_opendata::boundaries::build_all(&from, &out.join("boundaries"))? {
                println!("boundaries {:<24} {bytes:>9} bytes of SVG path data", vintage.label());
            }
            println!("Rebuilt {}. Rebuild the binary to embed it.", out.display());
        }
        OpendataCommand::Check { from } => {
            let owned;
            let data = match &from {
                Some(dir) => {
                    owned = OpenData::from_raw(dir)?;
                    &owned
                }
                None => data()?,
            };
            let after_ok = match &from {
                Some(dir) => after_exclusion_checks(dir)?,
                None => {
                    println!("(the after-exclusion files are checked from the raw folder: add --from ../shared/data)");
                    true
                }
            };
            let report = waymark_opendata::reproduce(data);
            for t in &report.tables {
                println!("{:<40} {:>6} of {:>6} rates reproduce ({:?})", t.table, t.matched, t.checked, t.check);
            }
            for m in report.mismatches.iter().take(20) {
                println!("MISMATCH {m:?}");
            }
            let cmp = waymark_opendata::reproduce::compare_sources_report(data);
            println!(
                "LAIT against the 2006-2017 tables: {} of {} overlapping LA rates agree",
                cmp.agreed, cmp.compared
            );
            if !report.mismatches.is_empty() || cmp.agreed != cmp.compared || !after_ok {
                bail!("some published figures do not reproduce (listed above)");
            }
        }
    }
    Ok(())
}
