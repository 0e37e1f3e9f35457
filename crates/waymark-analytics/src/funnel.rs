//! Funnel plot control limits for proportions (Spiegelhalter, "Funnel plots for comparing
//! institutional performance", Statistics in Medicine 2005): limits around a target p0 as
//! functions of the unit size n, at 95% and 99.8%. For n up to `EXACT_UP_TO` the limits are the
//! exact binomial quantiles, interpolated as in the paper's appendix so that they vary smoothly
//! with n; above it the normal approximation p0 ± z·sqrt(p0(1 − p0)/n).

/// z for the two-sided 95% limits.
pub const Z95: f64 = 1.959_963_984_540_054;
/// z for the two-sided 99.8% limits.
pub const Z998: f64 = 3.090_232_306_167_813;
/// The largest n for which exact binomial limits are used.
pub const EXACT_UP_TO: u64 = 1000;

/// Lower and upper limits of one level, as proportions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub lower: f64,
    pub upper: f64,
}

/// Both levels of limits at one n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunnelLimits {
    pub n: u64,
    pub p95: Limits,
    pub p998: Limits,
}

/// Where a unit sits against one level of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Below,
    Within,
    Above,
}

/// A unit's place on the funnel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classified {
    pub proportion: f64,
    pub limits: FunnelLimits,
    pub at95: Position,
    pub at998: Position,
}

/// A target outside (0, 1) gives no funnel: every unit would be "above" or "below" by construction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FunnelError {
    #[error("the funnel's target rate must be between 0 and 1 exclusive; got {0}")]
    Target(f64),
    #[error("a unit with no pupils has no place on a funnel plot")]
    Empty,
    #[error("a unit cannot have {events} events out of {n}")]
    Impossible { events: u64, n: u64 },
}

/// The 95% and 99.8% limits around `p0` for a unit of size `n`.
pub fn limits(p0: f64, n: u64) -> Result<FunnelLimits, FunnelError> {
    if !(p0 > 0.0 && p0 < 1.0) {
        return Err(FunnelError::Target(p0));
    }
    if n == 0 {
        return Err(FunnelError::Empty);
    }
    let level = |z: f64, tail: f64| {
        if n <= EXACT_UP_TO {
            let cdf = BinomialCdf::new(n, p0);
            Limits { lower: cdf.interpolated_quantile(tail), upper: cdf.interpolated_quantile(1.0 - tail) }
        } else {
            let half = z * (p0 * (1.0 - p0) / n as f64).sqrt();
            Limits { lower: (p0 - half).max(0.0), upper: (p0 + half).min(1.0) }
        }
    };
    Ok(FunnelLimits { n, p95: level(Z95, 0.025), p998: level(Z998, 0.001) })
}

/// Place a unit with `events` out of `n` against the limits around `p0`. A unit on a limit is
/// within it.
pub fn classify(p0: f64, events: u64, n: u64) -> Result<Classified, FunnelError> {
    if events > n {
        return Err(FunnelError::Impossible { events, n });
    }
    let limits = limits(p0, n)?;
    let proportion = events as f64 / n as f64;
    let at = |l: Limits| {
        if proportion < l.lower {
            Position::Below
        } else if proportion > l.upper {
            Position::Above
        } else {
            Position::Within
        }
    };
    Ok(Classified { proportion, limits, at95: at(limits.p95), at998: at(limits.p998) })
}

/// The binomial(n, p) distribution function, tabulated once (n is at most `EXACT_UP_TO`).
struct BinomialCdf {
    n: u64,
    cdf: Vec<f64>,
}

impl BinomialCdf {
    fn new(n: u64, p: f64) -> BinomialCdf {
        // Log probabilities keep (1 − p)^n from underflowing for n near 1000.
        let mut ln_fact = vec![0.0f64; n as usize + 1];
        for k in 1..=n as usize {
            ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
        }
        let (lp, lq) = (p.ln(), (1.0 - p).ln());
        let nu = n as usize;
        let mut acc = 0.0;
        let cdf = (0..=nu)
            .map(|k| {
                acc += (ln_fact[nu] - ln_fact[k] - ln_fact[nu - k] + k as f64 * lp + (nu - k) as f64 * lq).exp();
                acc.min(1.0)
            })
            .collect();
        BinomialCdf { n, cdf }
    }

    fn at(&self, r: i64) -> f64 {
        if r < 0 {
            0.0
        } else {
            self.cdf[r as usize]
        }
    }

    /// Spiegelhalter's interpolated quantile: r is the smallest count with F(r) ≥ q, and
    /// α = (F(r) − q) / (F(r) − F(r − 1)); the limit is (r − α) / n, kept within 0 to 1.
    fn interpolated_quantile(&self, q: f64) -> f64 {
        let r = self.cdf.iter().position(|&f| f >= q).unwrap_or(self.n as usize) as i64;
        let (f, before) = (self.at(r), self.at(r - 1));
        let alpha = if f > before { (f - q) / (f - before) } else { 0.0 };
        ((r as f64 - alpha) / self.n as f64).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// Hand-worked from the binomial probabilities. n = 10, p0 = 0.2: F(4) = 0.967207,
    /// F(5) = 0.993631, so the upper 95% limit is r = 5, α = (0.993631 − 0.975) / (0.993631 −
    /// 0.967207) = 0.70508, (5 − 0.70508) / 10 = 0.429494. The lower limits fall below 0 and are 0.
    #[test]
    fn exact_limits_by_hand() {
        let l = limits(0.2, 10).unwrap();
        assert!(close(l.p95.upper, 0.429_494) && close(l.p998.upper, 0.597_536), "{l:?}");
        assert_eq!((l.p95.lower, l.p998.lower), (0.0, 0.0));
        let l = limits(0.3, 50).unwrap();
        assert!(close(l.p95.lower, 0.166_139) && close(l.p95.upper, 0.420_136), "{l:?}");
        assert!(close(l.p998.lower, 0.103_13) && close(l.p998.upper, 0.499_07), "{l:?}");
        let l = limits(0.5, 20).unwrap();
        assert!(close(l.p95.lower, 0.255_824) && close(l.p95.upper, 0.694_176), "{l:?}");
        assert!(close(l.p95.lower + l.p95.upper, 0.95), "symmetric about a half: 0.255824 + 0.694176");
    }

    #[test]
    fn normal_limits_for_large_n() {
        // 0.3 ± 1.96·sqrt(0.21/2000) and 0.3 + 3.09·sqrt(0.21/2000).
        let l = limits(0.3, 2000).unwrap();
        assert!(close(l.p95.lower, 0.279_916_35) && close(l.p998.upper, 0.331_665_46), "{l:?}");
        // Near the switch the exact and normal limits agree closely.
        let exact = limits(0.3, 1000).unwrap();
        let normal = 0.3 + Z95 * (0.21f64 / 1000.0).sqrt();
        assert!((exact.p95.upper - normal).abs() < 0.002, "{exact:?} vs {normal}");
    }

    #[test]
    fn classification() {
        let c = classify(0.2, 5, 10).unwrap(); // 0.5: above 0.4295 but below 0.5975
        assert_eq!((c.at95, c.at998), (Position::Above, Position::Within));
        let c = classify(0.2, 7, 10).unwrap();
        assert_eq!((c.at95, c.at998), (Position::Above, Position::Above));
        let c = classify(0.3, 7, 50).unwrap(); // 0.14: below 0.166 but above 0.103
        assert_eq!((c.at95, c.at998), (Position::Below, Position::Within));
        let c = classify(0.3, 15, 50).unwrap();
        assert_eq!((c.at95, c.at998), (Position::Within, Position::Within));
        assert_eq!(
            classify(0.0, 1, 10).unwrap_err().to_string(),
            "the funnel's target rate must be between 0 and 1 exclusive; got 0"
        );
        assert_eq!(classify(0.2, 0, 0).unwrap_err(), FunnelError::Empty);
        assert_eq!(classify(0.2, 11, 10).unwrap_err(), FunnelError::Impossible { events: 11, n: 10 });
    }
}
