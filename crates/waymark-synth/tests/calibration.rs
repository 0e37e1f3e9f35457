//! The generated exclusions and suspensions match DfE's published figures.

use waymark_domain::AcademicYear;
use waymark_synth::calibrate::check;

/// LAs of different sizes: City of London, Rutland, Hartlepool, Camden, Bristol, Manchester,
/// Hampshire, Birmingham, Lancashire, Kent.
const SAMPLE: [u16; 10] = [201, 857, 805, 202, 801, 352, 850, 330, 888, 886];

/// For each sampled LA at its real headcount, every published cell (LA × school type × measure)
/// must lie within the 99% interval of binomial(headcount, published rate) (Poisson for
/// suspension counts). With 90 cells about one could fail by chance at 99%; the seed is fixed,
/// so the result is deterministic, and we allow at most two.
#[test]
fn sampled_las_match_published_counts_at_full_headcount() {
    let targets = waymark_synth::targets(AcademicYear(2016)).unwrap().only(&SAMPLE);
    assert_eq!(targets.las.len(), SAMPLE.len());
    let report = check(&targets, 20_240_901);
    let failed: Vec<_> = report.cells.iter().filter(|c| !c.pass).collect();
    assert!(failed.len() <= 2, "{}", report.to_text(false));
    let kent_headcount: u32 = report.cells.iter().filter(|c| c.la == 886).map(|c| c.headcount).sum::<u32>() / 3;
    assert_eq!(kent_headcount, 228_507);
}

/// Odds ratios by sex, FSM, SEN provision and year group over a national-sized population:
/// those computed from the draw probabilities must be within 10% of the published ones for every
/// group, and those from the drawn events too where the published counts are large (≥ 1,000 in
/// both groups, so sampling noise is a few per cent).
#[test]
fn national_odds_ratios_match_the_characteristics_table() {
    let targets = waymark_synth::targets(AcademicYear(2015)).unwrap();
    let report = check(&targets, 7);
    let bad: Vec<String> = report
        .odds
        .iter()
        .filter(|o| o.expected_diff_percent.abs() > 10.0 || (o.large && o.diff_percent.abs() > 10.0))
        .map(|o| {
            format!(
                "{} {} vs {}: {:+.1}% / {:+.1}%",
                o.outcome.code(),
                o.group.label(),
                o.reference,
                o.diff_percent,
                o.expected_diff_percent
            )
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}\n{}", report.to_text(false));
    assert!(report.passed() as f64 >= 0.98 * report.cells.len() as f64, "{}", report.to_text(false));
}
