//! The generated exclusions and suspensions match the targets (DfE's published figures): each
//! figure is counted from what was generated and compared with an interval computed here from
//! the target, not read back from the check's own verdict.

use std::collections::BTreeMap;
use waymark_domain::AcademicYear;
use waymark_synth::calibrate::{binomial_interval, binomial_upper_bound, check, poisson_interval, CellCheck};
use waymark_synth::targets::{Outcome, Phase, Targets};

/// LAs of different sizes: City of London, Rutland, Hartlepool, Camden, Bristol, Manchester,
/// Hampshire, Birmingham, Lancashire, Kent.
const SAMPLE: [u16; 10] = [201, 857, 805, 202, 801, 352, 850, 330, 888, 886];

/// The 99% interval of a cell's count, from the target alone: binomial(headcount, rate) for
/// exclusions and pupils with one or more suspensions, Poisson for suspension counts.
fn interval_from_target(targets: &Targets, la: u16, phase: Phase, outcome: Outcome) -> (u64, u64) {
    let t = targets.la(la).and_then(|l| l.phase(phase)).expect("a target for every checked cell");
    match outcome {
        Outcome::Susp => poisson_interval(t.expected(outcome), 0.99),
        _ => binomial_interval(u64::from(t.headcount), t.rate(outcome).fraction(), 0.99),
    }
}

/// The cells whose generated count lies outside the interval of their target.
fn outside<'a>(targets: &Targets, cells: &'a [CellCheck]) -> Vec<&'a CellCheck> {
    cells
        .iter()
        .filter(|c| {
            let (low, high) = interval_from_target(targets, c.la, c.phase, c.outcome);
            c.generated < low || c.generated > high
        })
        .collect()
}

/// For each sampled LA at its real headcount: as many pupils generated in each school type as
/// the target's headcount, and no more generated counts outside their target's 99% interval
/// than chance allows (the 99% bound of Binomial(cells, 0.01)). The seed is fixed, so the result
/// is deterministic.
#[test]
fn sampled_las_match_their_targets_at_full_headcount() {
    let targets = waymark_synth::targets(AcademicYear(2016)).unwrap().only(&SAMPLE);
    assert_eq!(targets.las.len(), SAMPLE.len());
    let report = check(&targets, 20_240_901);
    // Three measures for every LA and school type with pupils (City of London has only primary).
    let with_pupils = targets.las.iter().flat_map(|l| &l.phases).filter(|p| p.headcount > 0).count();
    assert_eq!(report.cells.len(), 3 * with_pupils);
    assert_eq!(report.cells.len(), 84);
    for c in &report.cells {
        let target = targets.la(c.la).and_then(|l| l.phase(c.phase)).unwrap();
        assert_eq!(c.generated_headcount, u64::from(target.headcount), "{} {} pupils", c.la_name, c.phase.code());
    }
    let kent: u64 =
        report.cells.iter().filter(|c| c.la == 886 && c.outcome == Outcome::Perm).map(|c| c.generated_headcount).sum();
    assert_eq!(kent, 228_507, "Kent's generated pupils");
    let missed = outside(&targets, &report.cells);
    let allowed = binomial_upper_bound(84, 0.01, 0.99);
    assert_eq!(allowed, 4, "Binomial(84, 0.01): P(X <= 3) = 0.98976, P(X <= 4) = 0.99840");
    assert!(missed.len() as u64 <= allowed, "{missed:#?}\n{}", report.to_text(false));
    // The check's own verdict agrees with the count made here.
    assert_eq!(report.failed(), missed.len());
    assert!(report.within_chance());
}

/// The data rows of a CSV file, split on commas (the generated files quote nothing).
fn rows(file: &str) -> Vec<Vec<String>> {
    file.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// The check's generated counts are those the generator writes: Rutland's files, counted by the
/// school type of the setting each event is at, give the same numbers, within the targets.
#[test]
fn the_written_files_hold_the_checked_counts() {
    let (year, seed) = (AcademicYear(2016), 4);
    let dir = tempfile::tempdir().unwrap();
    let options = waymark_synth::Options { seed, attendance: false, scale: 1.0 };
    waymark_synth::generate(857, year, options, dir.path()).unwrap();
    let read = |table: &str| std::fs::read_to_string(dir.path().join(format!("{table}.csv"))).unwrap();
    let settings = read("settings");
    let phase_of: BTreeMap<&str, Phase> = settings
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let phase = match f[6] {
                "primary" => Phase::Primary,
                "secondary" => Phase::Secondary,
                "special" => Phase::Special,
                _ => return None,
            };
            Some((f[0], phase))
        })
        .collect();
    let mut counted: BTreeMap<(Phase, Outcome), u64> = BTreeMap::new();
    let mut suspended = std::collections::BTreeSet::new();
    let (exclusions, suspensions) = (read("exclusions"), read("suspensions"));
    for f in rows(&exclusions).into_iter().filter(|f| f[4] == "PERM") {
        *counted.entry((phase_of[f[2].as_str()], Outcome::Perm)).or_default() += 1;
    }
    for f in rows(&suspensions).into_iter().filter(|f| f[4] == "FIXD") {
        let phase = phase_of[f[2].as_str()];
        *counted.entry((phase, Outcome::Susp)).or_default() += 1;
        if suspended.insert(f[1].clone()) {
            *counted.entry((phase, Outcome::OnePlus)).or_default() += 1;
        }
    }
    let targets = waymark_synth::targets(year).unwrap().only(&[857]);
    let report = check(&targets, seed);
    assert_eq!(report.cells.len(), 9);
    for c in &report.cells {
        let in_files = counted.get(&(c.phase, c.outcome)).copied().unwrap_or(0);
        assert_eq!(in_files, c.generated, "{} {}: files against the check", c.phase.code(), c.outcome.code());
        let (low, high) = interval_from_target(&targets, 857, c.phase, c.outcome);
        assert!(
            low <= in_files && in_files <= high,
            "{} {}: {in_files} outside [{low}, {high}]",
            c.phase.code(),
            c.outcome.code()
        );
    }
    assert!(counted.values().sum::<u64>() > 100, "{counted:?}");
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
    // Every LA cell too, against its target, with the bound chance allows.
    let missed = outside(&targets, &report.cells);
    let allowed = binomial_upper_bound(report.cells.len() as u64, 0.01, 0.99);
    assert!(
        missed.len() as u64 <= allowed,
        "{} of {} outside, {allowed} allowed\n{}",
        missed.len(),
        report.cells.len(),
        report.to_text(false)
    );
}

/// A generator drawing from rates 30% too high is caught: more cells fall outside than chance
/// allows.
#[test]
fn a_miscalibrated_generator_fails_the_check() {
    let report = waymark_synth::check_miscalibrated(AcademicYear(2016), 1, &[886, 857], 1.0, 1.3).unwrap();
    assert!(!report.within_chance(), "{}", report.to_text(false));
    let targets = waymark_synth::targets(AcademicYear(2016)).unwrap().only(&[886, 857]);
    assert!(outside(&targets, &report.cells).len() as u64 > report.allowed_failures());
}
