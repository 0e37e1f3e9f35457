//! `cargo run --release -p waymark-synth --example check [year]`: the calibration check for every
//! LA at real headcounts (the release-mode check of all LAs).

use waymark_domain::AcademicYear;

fn main() {
    let year: AcademicYear = std::env::args().nth(1).unwrap_or("2016/17".into()).parse().expect("a year like 2016/17");
    let report = waymark_synth::check(year, 1, &[], 1.0).expect("check");
    print!("{}", report.to_text(false));
}
