//! Rates and their uncertainty.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A proportion with its 95% Wilson score interval (DOMAIN.md §8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// As a proportion (0 to 1).
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Rate {
    /// `None` when the denominator is zero (a rate of nothing is not a rate).
    pub fn new(numerator: u64, denominator: u64) -> Option<Rate> {
        let (lower, upper) = wilson(numerator, denominator, Z95)?;
        Some(Rate { numerator, denominator, value: numerator as f64 / denominator as f64, lower, upper })
    }

    /// As a percentage.
    pub fn percent(&self) -> f64 {
        self.value * 100.0
    }
}

/// The Wilson score interval for `successes` out of `trials`:
/// centre (p + z²/2n) / (1 + z²/n), half-width z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n).
pub fn wilson(successes: u64, trials: u64, z: f64) -> Option<(f64, f64)> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Round half up to `dp` decimal places, the way DfE publishes rates, working in integers so
/// that 0.125 rounds to 0.13 whatever binary floating point makes of it.
pub fn percent_rounded(count: u64, headcount: u64, dp: u32) -> Option<f64> {
    if headcount == 0 {
        return None;
    }
    let scale = 10u128.pow(dp);
    let numerator = u128::from(count) * 100 * scale * 2 + u128::from(headcount);
    let rounded = numerator / (u128::from(headcount) * 2);
    Some(rounded as f64 / scale as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_reference_vectors() {
        // Skipped without `../shared`, unless WAYMARK_REQUIRE_SHARED=1 (as in CI).
        let Some(path) = waymark_testkit::shared_path("reference/vectors/wilson95.csv") else { return };
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut checked = 0;
        for line in text.lines().skip(1) {
            let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
            let (lo, hi) = wilson(f[0] as u64, f[1] as u64, Z95).unwrap();
            assert!((lo - f[2]).abs() < 1e-9 && (hi - f[3]).abs() < 1e-9, "{line}: got {lo} {hi}");
            checked += 1;
        }
        assert!(checked >= 15);
    }

    #[test]
    fn dfe_rounding() {
        assert_eq!(percent_rounded(7720, 8_025_075, 2), Some(0.1));
        assert_eq!(percent_rounded(1, 800, 2), Some(0.13)); // 0.125 rounds half up
        assert_eq!(percent_rounded(1, 0, 2), None);
        assert!(Rate::new(1, 0).is_none());
        assert!((Rate::new(5, 10).unwrap().percent() - 50.0).abs() < 1e-12);
    }
}
