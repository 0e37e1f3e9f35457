//! The calibration check: for every LA and school type, published against generated counts with
//! a 99% interval, and national odds ratios by characteristic, published against generated.
//!
//! It runs the same code as [`crate::generate`] for schools, pupils' characteristics and events
//! (the same random streams), but skips identities, dates and attendance, so a whole year of
//! England takes seconds.

use crate::events::{self, Draws};
use crate::model::{dimensions, RiskModel};
use crate::pupils::{self, Traits};
use crate::schools;
use crate::targets::{Group, LaTarget, Outcome, Phase, Source, Targets};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Published against generated for one LA, school type and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct CellCheck {
    pub la: u16,
    pub la_name: String,
    pub phase: Phase,
    pub outcome: Outcome,
    pub headcount: u32,
    /// Pupils generated in this LA and school type (the generator aims at `headcount` exactly).
    pub generated_headcount: u64,
    /// The target rate per 100 pupils.
    pub published_rate: f64,
    /// Whether the rate is the LA's own or a regional or national fallback.
    pub source: Source,
    pub expected: f64,
    pub generated: u64,
    /// The 99% interval: binomial(headcount, rate) for exclusions and one-plus counts, Poisson
    /// for suspension counts (a pupil can have several).
    pub low: u64,
    pub high: u64,
    pub pass: bool,
}

/// A national odds ratio (or, for suspension counts, a rate ratio), published against generated.
#[derive(Debug, Clone, PartialEq)]
pub struct OddsCheck {
    pub outcome: Outcome,
    pub group: Group,
    /// What the group is compared with, e.g. "sex: female" or "other years".
    pub reference: String,
    pub published: f64,
    /// From the drawn events.
    pub generated: f64,
    /// From the probabilities the events were drawn with (no sampling noise).
    pub expected: f64,
    /// (generated − published) / published × 100.
    pub diff_percent: f64,
    pub expected_diff_percent: f64,
    /// Whether both published counts are at least 1,000, so sampling noise is small enough to
    /// hold the drawn ratio to 10%.
    pub large: bool,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    pub year: waymark_domain::AcademicYear,
    pub characteristics_year: waymark_domain::AcademicYear,
    pub seed: u64,
    pub pupils: u64,
    pub cells: Vec<CellCheck>,
    pub odds: Vec<OddsCheck>,
}

impl CalibrationReport {
    pub fn passed(&self) -> usize {
        self.cells.iter().filter(|c| c.pass).count()
    }

    /// Cells whose generated count falls outside their 99% interval.
    pub fn failed(&self) -> usize {
        self.cells.len() - self.passed()
    }

    /// How many cells may fall outside their 99% intervals by chance alone: the 99% upper bound
    /// of Binomial(cells, 0.01). Each interval is central, so a well-calibrated cell falls
    /// outside it with probability at most 1%.
    pub fn allowed_failures(&self) -> u64 {
        binomial_upper_bound(self.cells.len() as u64, CELL_MISS, VERDICT_LEVEL)
    }

    /// Whether no more cells fall outside their intervals than chance allows.
    pub fn within_chance(&self) -> bool {
        self.failed() as u64 <= self.allowed_failures()
    }

    /// The verdict in one sentence.
    pub fn verdict(&self) -> String {
        format!(
            "{} of {} cells outside their 99% intervals; chance allows at most {} (the 99% bound of \
             Binomial({}, 0.01)): {}",
            self.failed(),
            self.cells.len(),
            self.allowed_failures(),
            self.cells.len(),
            if self.within_chance() { "calibrated" } else { "NOT CALIBRATED" }
        )
    }

    /// Cells whose target came from a fallback, as "LA phase measure: source".
    pub fn fallbacks(&self) -> Vec<String> {
        self.cells
            .iter()
            .filter(|c| c.source != Source::La)
            .map(|c| format!("{} {} {} {}: {}", c.la, c.la_name, c.phase.code(), c.outcome.code(), c.source.code()))
            .collect()
    }

    /// A plain-text rendering for the command line.
    pub fn to_text(&self, all_cells: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Calibration {} (characteristics {}), seed {}: {} pupils",
            self.year, self.characteristics_year, self.seed, self.pupils
        );
        let _ = writeln!(
            s,
            "{} of {} LA x school type x measure cells within the 99% interval ({} fallbacks to region/national)",
            self.passed(),
            self.cells.len(),
            self.fallbacks().len()
        );
        let _ = writeln!(s, "{}", self.verdict());
        let _ =
            writeln!(s, "\nla  name  type  measure  headcount  rate%  source  expected  generated  99%-interval  pass");
        for c in self.cells.iter().filter(|c| all_cells || !c.pass) {
            let _ = writeln!(
                s,
                "{} {} {} {} {} {:.4} {} {:.1} {} [{}, {}] {}",
                c.la,
                c.la_name,
                c.phase.code(),
                c.outcome.code(),
                c.headcount,
                c.published_rate,
                c.source.code(),
                c.expected,
                c.generated,
                c.low,
                c.high,
                if c.pass { "pass" } else { "FAIL" }
            );
        }
        let _ = writeln!(s, "\nmeasure  group  vs  published  generated  diff%  expected  diff%");
        for o in &self.odds {
            let _ = writeln!(
                s,
                "{} {} vs {}: {:.3} {:.3} {:+.1}% {:.3} {:+.1}%{}",
                o.outcome.code(),
                o.group.label(),
                o.reference,
                o.published,
                o.generated,
                o.diff_percent,
                o.expected,
                o.expected_diff_percent,
                if o.large { "" } else { " (small counts)" }
            );
        }
        s
    }
}

/// Counts for one group of pupils.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    pupils: f64,
    perm: f64,
    one_plus: f64,
    susp: f64,
    e_perm: f64,
    e_one_plus: f64,
    e_susp: f64,
}

impl Tally {
    fn add(&mut self, d: &Draws, i: usize) {
        self.pupils += 1.0;
        self.perm += f64::from(u8::from(d.perm[i]));
        self.one_plus += f64::from(u8::from(d.susp[i] > 0));
        self.susp += f64::from(d.susp[i]);
        self.e_perm += f64::from(d.p_perm[i]);
        self.e_one_plus += f64::from(d.p_one_plus[i]);
        self.e_susp += f64::from(d.e_susp[i]);
    }

    fn plus(mut self, o: &Tally) -> Tally {
        self.pupils += o.pupils;
        self.perm += o.perm;
        self.one_plus += o.one_plus;
        self.susp += o.susp;
        self.e_perm += o.e_perm;
        self.e_one_plus += o.e_one_plus;
        self.e_susp += o.e_susp;
        self
    }

    fn get(&self, outcome: Outcome, expected: bool) -> f64 {
        match (outcome, expected) {
            (Outcome::Perm, false) => self.perm,
            (Outcome::Perm, true) => self.e_perm,
            (Outcome::OnePlus, false) => self.one_plus,
            (Outcome::OnePlus, true) => self.e_one_plus,
            (Outcome::Susp, false) => self.susp,
            (Outcome::Susp, true) => self.e_susp,
        }
    }
}

/// The characteristics and events of one LA, as generated.
pub struct LaDraw {
    pub traits: Vec<Traits>,
    pub draws: Draws,
}

/// Schools, pupils' characteristics and events for one LA: the calibrated core of
/// [`crate::generate`].
pub fn draw_la(la: &LaTarget, model: &RiskModel, seed: u64, year: i32) -> (Vec<schools::School>, LaDraw) {
    let schools = schools::build(la, seed, year);
    let traits = pupils::draw_traits(&schools, seed, la.number, year);
    let draws = events::draw(la, &traits, model, seed, year);
    (schools, LaDraw { traits, draws })
}

/// Check every LA in `targets` (use [`Targets::only`] / [`Targets::scaled`] to narrow it).
pub fn check(targets: &Targets, seed: u64) -> CalibrationReport {
    check_with(&RiskModel::fit(targets), targets, seed)
}

/// [`check`] with a model fitted elsewhere (on all LAs, when `targets` holds only some).
pub fn check_with(model: &RiskModel, targets: &Targets, seed: u64) -> CalibrationReport {
    compare(model, targets, targets, seed)
}

/// Draw each LA from `drawn` and compare with `targets`. The same targets for both is the
/// check; different ones (e.g. [`Targets::rates_times`]) make a deliberately miscalibrated
/// generator, to show the check catches one.
pub fn compare(model: &RiskModel, drawn: &Targets, targets: &Targets, seed: u64) -> CalibrationReport {
    let mut cells = Vec::new();
    let mut groups: BTreeMap<Group, Tally> = BTreeMap::new();
    let mut pupils = 0;
    for la in &targets.las {
        let from = drawn.la(la.number).unwrap_or(la);
        let (_, d) = draw_la(from, model, seed, targets.year.0);
        pupils += d.traits.len() as u64;
        let mut by_phase = [Tally::default(); 3];
        for (i, t) in d.traits.iter().enumerate() {
            by_phase[t.phase.index()].add(&d.draws, i);
            for g in [Group::Sex(t.sex), Group::Fsm(t.fsm), Group::Sen(t.sen), Group::year(t.year)] {
                groups.entry(g).or_default().add(&d.draws, i);
            }
        }
        for p in &la.phases {
            if p.headcount == 0 {
                continue;
            }
            let tally = &by_phase[p.phase.index()];
            for outcome in Outcome::ALL {
                let mut cell = cell_check(la, p, outcome, tally.get(outcome, false) as u64);
                cell.generated_headcount = tally.pupils as u64;
                cells.push(cell);
            }
        }
    }
    CalibrationReport {
        year: targets.year,
        characteristics_year: targets.characteristics.year,
        seed,
        pupils,
        cells,
        odds: odds_checks(targets, &groups),
    }
}

fn cell_check(la: &LaTarget, p: &crate::targets::PhaseTarget, outcome: Outcome, generated: u64) -> CellCheck {
    let rate = p.rate(outcome);
    let n = u64::from(p.headcount);
    let (low, high) = match outcome {
        Outcome::Susp => poisson_interval(p.expected(outcome), 0.99),
        _ => binomial_interval(n, rate.fraction(), 0.99),
    };
    CellCheck {
        la: la.number,
        la_name: la.name.clone(),
        phase: p.phase,
        outcome,
        headcount: p.headcount,
        generated_headcount: 0,
        published_rate: rate.percent,
        source: rate.source,
        expected: p.expected(outcome),
        generated,
        low,
        high,
        pass: low <= generated && generated <= high,
    }
}

/// Odds ratios of each group against its reference: male vs female, FSM vs not, SEN support and
/// EHC plan vs no SEN, and each year group vs all other years.
fn odds_checks(targets: &Targets, generated: &BTreeMap<Group, Tally>) -> Vec<OddsCheck> {
    let ch = &targets.characteristics;
    let mut out = Vec::new();
    for dim in dimensions() {
        let pairs: Vec<(Group, Vec<Group>, String)> = match dim[0] {
            Group::Year(_) => dim
                .iter()
                .map(|&g| (g, dim.iter().copied().filter(|&o| o != g).collect(), "other years".to_string()))
                .collect(),
            _ => dim[1..].iter().map(|&g| (g, vec![dim[0]], dim[0].label())).collect(),
        };
        for (group, reference, label) in pairs {
            for outcome in Outcome::ALL {
                let Some(pub_g) = ch.get(group) else { continue };
                let refs: Vec<_> = reference.iter().filter_map(|g| ch.get(*g)).collect();
                let (Some(a), Some(n_a)) = (pub_g.count(outcome), Some(pub_g.headcount)) else { continue };
                let b: Option<f64> = refs.iter().map(|r| r.count(outcome)).sum();
                let Some(b) = b else { continue };
                let n_b: f64 = refs.iter().map(|r| r.headcount).sum();
                let gen_g = generated.get(&group).copied().unwrap_or_default();
                let gen_r =
                    reference.iter().filter_map(|g| generated.get(g)).fold(Tally::default(), |acc, t| acc.plus(t));
                if n_a <= 0.0 || gen_g.pupils == 0.0 || a <= 0.0 || b <= 0.0 {
                    continue;
                }
                let published = ratio(outcome, a, n_a, b, n_b);
                let g =
                    ratio(outcome, gen_g.get(outcome, false), gen_g.pupils, gen_r.get(outcome, false), gen_r.pupils);
                let e = ratio(outcome, gen_g.get(outcome, true), gen_g.pupils, gen_r.get(outcome, true), gen_r.pupils);
                out.push(OddsCheck {
                    outcome,
                    group,
                    reference: label.clone(),
                    published,
                    generated: g,
                    expected: e,
                    diff_percent: (g - published) / published * 100.0,
                    expected_diff_percent: (e - published) / published * 100.0,
                    large: a >= 1000.0 && b >= 1000.0,
                });
            }
        }
    }
    out
}

/// The odds ratio for a pupil-level outcome, the rate ratio for suspension counts.
fn ratio(outcome: Outcome, a: f64, n_a: f64, b: f64, n_b: f64) -> f64 {
    match outcome {
        Outcome::Susp => (a / n_a) / (b / n_b),
        _ => (a / (n_a - a)) / (b / (n_b - b)),
    }
}

/// The chance that a well-calibrated cell falls outside its central 99% interval (at most).
pub const CELL_MISS: f64 = 0.01;
/// The confidence of the verdict on the number of cells outside their intervals.
pub const VERDICT_LEVEL: f64 = 0.99;

/// The smallest k with P(X ≤ k) ≥ `level` for X ~ Binomial(n, p), from the exact CDF.
///
/// The probabilities are summed in logarithms (each term from the last by the ratio
/// (n − k)/(k + 1) · p/q), so n·p in the thousands does not underflow q^n.
pub fn binomial_upper_bound(n: u64, p: f64, level: f64) -> u64 {
    assert!((0.0..=1.0).contains(&p) && level > 0.0 && level < 1.0, "p = {p}, level = {level}");
    if n == 0 || p == 0.0 {
        return 0;
    }
    if p == 1.0 {
        return n;
    }
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let target = level.ln();
    let mut ln_pmf = n as f64 * ln_q;
    let mut ln_cdf = ln_pmf;
    let mut k = 0;
    // A relative margin of 1e-12 keeps rounding from deciding a CDF that equals the level.
    while ln_cdf < target - 1e-12 && k < n {
        ln_pmf += ((n - k) as f64 / (k + 1) as f64).ln() + ln_p - ln_q;
        k += 1;
        ln_cdf = log_add(ln_cdf, ln_pmf);
    }
    k
}

/// ln(e^a + e^b) without overflow or underflow.
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// Central `level` interval of a binomial(n, p): exact for small means, normal with continuity
/// correction otherwise.
pub fn binomial_interval(n: u64, p: f64, level: f64) -> (u64, u64) {
    let mean = n as f64 * p;
    if p <= 0.0 || n == 0 {
        return (0, 0);
    }
    if mean > 200.0 && n as f64 * (1.0 - p) > 200.0 {
        return normal_interval(mean, (mean * (1.0 - p)).sqrt(), level, n);
    }
    let q = 1.0 - p;
    // pmf by recurrence from 0; mean ≤ 200 keeps q^n representable.
    let mut pmf = q.powf(n as f64);
    discrete_interval(level, n, |k| {
        let cur = pmf;
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / q;
        cur
    })
}

/// Central `level` interval of a Poisson(mean).
pub fn poisson_interval(mean: f64, level: f64) -> (u64, u64) {
    if mean <= 0.0 {
        return (0, 0);
    }
    if mean > 200.0 {
        return normal_interval(mean, mean.sqrt(), level, u64::MAX);
    }
    let mut pmf = (-mean).exp();
    discrete_interval(level, u64::MAX, |k| {
        let cur = pmf;
        pmf *= mean / (k + 1) as f64;
        cur
    })
}

fn discrete_interval(level: f64, max: u64, mut pmf: impl FnMut(u64) -> f64) -> (u64, u64) {
    let tail = (1.0 - level) / 2.0;
    let mut cdf = 0.0;
    let mut low = None;
    let mut k = 0;
    loop {
        cdf += pmf(k);
        if low.is_none() && cdf > tail {
            low = Some(k);
        }
        if cdf >= 1.0 - tail || k == max {
            return (low.unwrap_or(k), k);
        }
        k += 1;
    }
}

fn normal_interval(mean: f64, sd: f64, level: f64, max: u64) -> (u64, u64) {
    let z = if level >= 0.99 { 2.5758 } else { 1.96 };
    let low = (mean - z * sd - 0.5).ceil().max(0.0) as u64;
    let high = ((mean + z * sd + 0.5).floor() as u64).min(max);
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against values from the exact CDF, computed with rational arithmetic (Python's
    /// `fractions`): e.g. Binomial(100, 0.01) has P(X ≤ 3) = 0.98163 and P(X ≤ 4) = 0.99657.
    /// (n, p, level, bound): P(X ≤ bound) ≥ level > P(X ≤ bound − 1).
    const KNOWN: [(u64, f64, f64, u64); 8] = [
        (9, 0.01, 0.99, 1),     // P(X ≤ 1) = 0.99656
        (100, 0.01, 0.99, 4),   // P(X ≤ 4) = 0.99657
        (270, 0.01, 0.99, 7),   // P(X ≤ 7) = 0.99368
        (1000, 0.01, 0.99, 18), // P(X ≤ 18) = 0.99310
        (1368, 0.01, 0.99, 23), // P(X ≤ 23) = 0.99308
        (50, 0.1, 0.95, 9),     // P(X ≤ 9) = 0.97546
        (20, 0.5, 0.99, 15),    // P(X ≤ 15) = 0.99409
        (1000, 0.01, 0.5, 10),  // the median-ish: P(X ≤ 10) = 0.58304
    ];

    #[test]
    fn binomial_upper_bound_matches_the_exact_cdf() {
        for (n, p, level, bound) in KNOWN {
            assert_eq!(binomial_upper_bound(n, p, level), bound, "Binomial({n}, {p}) at {level}");
        }
        assert_eq!(binomial_upper_bound(0, 0.01, 0.99), 0);
        assert_eq!(binomial_upper_bound(10, 0.0, 0.99), 0);
        assert_eq!(binomial_upper_bound(10, 1.0, 0.99), 10);
        // n·p = 1,000: q^n is about 1e-437, below f64, but the bound is still found.
        let big = binomial_upper_bound(100_000, 0.01, 0.99);
        assert_eq!(big, 1074, "P(X ≤ 1074) = 0.99048 by the log-gamma sum");
    }

    #[test]
    fn the_verdict_counts_failures_against_the_bound() {
        let cell = |pass| CellCheck {
            la: 857,
            la_name: "Rutland".into(),
            phase: Phase::Primary,
            outcome: Outcome::Perm,
            headcount: 100,
            generated_headcount: 100,
            published_rate: 1.0,
            source: Source::La,
            expected: 1.0,
            generated: 1,
            low: 0,
            high: 4,
            pass,
        };
        let report = |failed: usize| CalibrationReport {
            year: waymark_domain::AcademicYear(2016),
            characteristics_year: waymark_domain::AcademicYear(2015),
            seed: 1,
            pupils: 100,
            cells: (0..100).map(|i| cell(i >= failed)).collect(),
            odds: vec![],
        };
        // Binomial(100, 0.01): the 99% bound is 4.
        assert!(report(4).within_chance() && report(0).within_chance());
        assert!(!report(5).within_chance());
        assert!(report(5).verdict().contains("5 of 100 cells") && report(5).verdict().contains("NOT CALIBRATED"));
    }

    #[test]
    fn intervals_are_sensible() {
        assert_eq!(binomial_interval(1000, 0.0, 0.99), (0, 0));
        let (lo, hi) = binomial_interval(10_000, 0.001, 0.99);
        assert!(lo <= 3 && (17..=20).contains(&hi), "{lo} {hi}");
        let (lo, hi) = poisson_interval(10_000.0, 0.99);
        assert!(lo > 9700 && hi < 10_300);
    }
}
