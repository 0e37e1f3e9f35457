//! `cargo run --release -p waymark-synth --example bench [--england]`: generator throughput.

use waymark_domain::AcademicYear;

fn main() {
    let england = std::env::args().any(|a| a == "--england");
    let out = std::env::temp_dir().join("waymark-synth-bench");
    // Kent (886) is the largest LA; Bristol (801) is close to 60,000 pupils.
    let report = waymark_synth::bench::bench(AcademicYear(2016), &[801, 886], england, 1, &out).expect("bench");
    print!("{}", report.to_text());
    let _ = std::fs::remove_dir_all(&out);
}
