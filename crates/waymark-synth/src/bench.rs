//! Throughput of the generator: pupils and attendance marks per second and peak memory, for one
//! large LA and optionally all of England. A command, never a timed test.

use crate::{generate, generate_england, Options, SynthError};
use std::path::Path;
use std::time::Instant;
use waymark_domain::AcademicYear;

/// One measured run.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRun {
    pub label: String,
    pub pupils: u64,
    pub marks: u64,
    pub seconds: f64,
    pub bytes_written: u64,
}

impl BenchRun {
    pub fn pupils_per_second(&self) -> f64 {
        self.pupils as f64 / self.seconds
    }

    pub fn marks_per_second(&self) -> f64 {
        self.marks as f64 / self.seconds
    }
}

/// The benchmark's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub runs: Vec<BenchRun>,
    /// Peak resident memory of the process (VmHWM), in MiB, if readable.
    pub peak_mib: Option<f64>,
}

impl BenchReport {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for r in &self.runs {
            s += &format!(
                "{}: {} pupils, {} marks in {:.2} s: {:.0} pupils/s, {:.0} marks/s, {:.0} MiB written\n",
                r.label,
                r.pupils,
                r.marks,
                r.seconds,
                r.pupils_per_second(),
                r.marks_per_second(),
                r.bytes_written as f64 / 1_048_576.0
            );
        }
        if let Some(p) = self.peak_mib {
            s += &format!("peak memory (VmHWM): {p:.0} MiB\n");
        }
        s
    }
}

/// Peak resident set size from `/proc/self/status` (Linux), in MiB.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// Generate `las` one by one (e.g. `[886]` for Kent), and all of England if `england`, into
/// `out_dir`, timing each.
pub fn bench(
    year: AcademicYear,
    las: &[u16],
    england: bool,
    seed: u64,
    out_dir: &Path,
) -> Result<BenchReport, SynthError> {
    let options = Options { seed, attendance: true, scale: 1.0 };
    let mut runs = Vec::new();
    for &la in las {
        let dir = out_dir.join(format!("la-{la}"));
        let start = Instant::now();
        let s = generate(la, year, options, &dir)?;
        runs.push(BenchRun {
            label: format!("{} {} {}", la, s.name, year),
            pupils: s.pupils,
            marks: s.attendance_marks,
            seconds: start.elapsed().as_secs_f64(),
            bytes_written: dir_bytes(&dir),
        });
    }
    if england {
        let dir = out_dir.join("england");
        let start = Instant::now();
        let all = generate_england(year, options, &dir, |_| {})?;
        runs.push(BenchRun {
            label: format!("England {year} ({} LAs)", all.len()),
            pupils: all.iter().map(|s| s.pupils).sum(),
            marks: all.iter().map(|s| s.attendance_marks).sum(),
            seconds: start.elapsed().as_secs_f64(),
            bytes_written: dir_bytes(&dir),
        });
    }
    Ok(BenchReport { runs, peak_mib: peak_memory_mib() })
}
