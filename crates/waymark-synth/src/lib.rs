//! waymark-synth: synthetic LA populations whose aggregates match DfE's published statistics.
//!
//! The CLI is a thin wrapper over four calls:
//! - [`targets`] to load a year's published figures,
//! - [`generate`] for one LA-year in the import format (`docs/import-format.md`),
//! - [`generate_england`] to stream every LA of a year to disk,
//! - [`check`] for the calibration report, and [`bench::bench`] for throughput figures.
//!
//! Output depends only on (seed, LA, year): each part draws from its own ChaCha8 stream
//! ([`random`]) and everything is iterated in a fixed order.

pub mod ap;
pub mod attendance;
pub mod bench;
pub mod calibrate;
pub mod composition;
pub mod dfe;
pub mod events;
pub mod generate;
pub mod model;
pub mod pupils;
pub mod random;
pub mod schools;
pub mod targets;
pub mod wellbeing;
pub mod writer;

pub use calibrate::{CalibrationReport, CellCheck, OddsCheck};
pub use generate::LaSummary;
pub use targets::{Phase, Targets};

use std::path::Path;
use waymark_domain::AcademicYear;

/// This crate's one error type.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("no published LA exclusion figures for {0}: the open data covers 2006/07 to 2016/17")]
    NoYear(AcademicYear),
    #[error("the embedded open data would not load: {0}")]
    OpenData(String),
    #[error("LA {0} has no published exclusion figures for {1}; try an LA number such as 886 (Kent)")]
    NoLa(u16, AcademicYear),
    #[error("writing {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io { path: path.display().to_string(), source }
}

/// A year's targets: every LA's published figures and the national characteristics table.
pub fn targets(year: AcademicYear) -> Result<Targets, SynthError> {
    let data = waymark_opendata::OpenData::shared().map_err(|e| SynthError::OpenData(e.to_string()))?;
    dfe::targets(data, year).ok_or(SynthError::NoYear(year))
}

/// Options shared by the generating calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub seed: u64,
    /// Write `attendance.csv` (the largest table).
    pub attendance: bool,
    /// Multiply headcounts and school counts (1.0 = the published figures).
    pub scale: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { seed: 1, attendance: true, scale: 1.0 }
    }
}

/// Write one LA-year into `out_dir` (created if missing; files overwritten).
pub fn generate(la: u16, year: AcademicYear, options: Options, out_dir: &Path) -> Result<LaSummary, SynthError> {
    let all = targets(year)?;
    let model = model::RiskModel::fit(&all);
    let scaled = all.clone().only(&[la]).scaled(options.scale);
    let target = scaled.las.first().ok_or(SynthError::NoLa(la, year))?;
    let mut tables = writer::Tables::create(out_dir, options.attendance).map_err(io_err(out_dir))?;
    let summary = generate::write_la(target, year, &model, options.seed, options.attendance, &mut tables)
        .map_err(io_err(out_dir))?;
    tables.flush().map_err(io_err(out_dir))?;
    Ok(summary)
}

/// Progress of [`generate_england`]: called after each LA is written and flushed.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub la: LaSummary,
}

/// Stream every LA of a year into one set of files in `out_dir`, one LA at a time (written,
/// flushed, dropped), so memory stays at the size of the largest LA.
pub fn generate_england(
    year: AcademicYear,
    options: Options,
    out_dir: &Path,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<LaSummary>, SynthError> {
    let all = targets(year)?;
    let model = model::RiskModel::fit(&all);
    let scaled = all.scaled(options.scale);
    let mut tables = writer::Tables::create(out_dir, options.attendance).map_err(io_err(out_dir))?;
    let mut out = Vec::new();
    for (i, la) in scaled.las.iter().enumerate() {
        let s = generate::write_la(la, year, &model, options.seed, options.attendance, &mut tables)
            .map_err(io_err(out_dir))?;
        tables.flush().map_err(io_err(out_dir))?;
        progress(Progress { done: i + 1, total: scaled.las.len(), la: s.clone() });
        out.push(s);
    }
    Ok(out)
}

/// The calibration check for a year: every LA (or only `las`, if not empty) at `scale`.
pub fn check(year: AcademicYear, seed: u64, las: &[u16], scale: f64) -> Result<CalibrationReport, SynthError> {
    check_miscalibrated(year, seed, las, scale, 1.0)
}

/// [`check`] of a generator deliberately miscalibrated: it draws from every published rate
/// multiplied by `rate_factor` but is compared with the published figures. A factor of 1 is
/// [`check`] itself.
pub fn check_miscalibrated(
    year: AcademicYear,
    seed: u64,
    las: &[u16],
    scale: f64,
    rate_factor: f64,
) -> Result<CalibrationReport, SynthError> {
    let all = targets(year)?;
    let model = model::RiskModel::fit(&all);
    let chosen = if las.is_empty() { all } else { all.only(las) }.scaled(scale);
    let drawn = chosen.clone().rates_times(rate_factor);
    Ok(calibrate::compare(&model, &drawn, &chosen, seed))
}
