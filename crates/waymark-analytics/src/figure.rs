//! One published figure: its numerator, denominator, value, interval, status and the definition
//! (id and version) it was computed with.

use crate::definitions::Definition;
use crate::disclosure::{MIN_RATE_DENOMINATOR, MIN_SHOWN_COUNT};
use crate::rates::{wilson, Z95};

/// Which definition a figure used: the id and the version, so a page can say exactly what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefinitionRef {
    pub id: &'static str,
    pub version: u32,
}

impl From<&Definition> for DefinitionRef {
    fn from(d: &Definition) -> DefinitionRef {
        DefinitionRef { id: d.id, version: d.version }
    }
}

/// Whether a figure may be shown (DOMAIN.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Shown,
    /// Shown as `c`: a count of 1 to 5 would be revealed, or the denominator is under 10.
    Suppressed,
    /// Nothing to compute from: the denominator is zero. A finding, not a zero.
    NoData,
}

/// How the interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalMethod {
    /// 95% Wilson score interval for a proportion.
    Wilson,
    /// 95% Student's t interval for a mean (n − 1 degrees of freedom).
    StudentT,
}

/// A 95% interval around the value, in the value's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
    pub method: IntervalMethod,
}

/// A computed figure. `value` and `interval` are kept even when suppressed so that the owning
/// setting (who may see its own numbers) can be shown them; anything published checks `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// For a proportion, the count meeting the measure; for a mean, the sum of the values.
    pub numerator: f64,
    /// The number of pupils (or placements) the figure is over.
    pub denominator: u64,
    /// A proportion (0 to 1) or a mean, as the definition says; `None` when there is no data.
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    pub status: Status,
    pub definition: DefinitionRef,
}

impl Figure {
    /// A proportion `numerator / denominator` with its Wilson interval. Suppressed when the
    /// numerator, the denominator or their difference (which a reader could subtract) is 1 to 5,
    /// or when the denominator is under 10.
    pub fn proportion(numerator: u64, denominator: u64, definition: DefinitionRef) -> Figure {
        assert!(numerator <= denominator, "{}: numerator {numerator} over denominator {denominator}", definition.id);
        let status = if denominator == 0 {
            Status::NoData
        } else if small(numerator)
            || small(denominator)
            || small(denominator - numerator)
            || denominator < MIN_RATE_DENOMINATOR
        {
            Status::Suppressed
        } else {
            Status::Shown
        };
        let interval = wilson(numerator, denominator, Z95).map(|(lower, upper)| Interval {
            lower,
            upper,
            method: IntervalMethod::Wilson,
        });
        Figure {
            numerator: numerator as f64,
            denominator,
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            interval,
            status,
            definition,
        }
    }

    /// The mean of `values` with a 95% t interval. Suppressed under 10 values (a mean of a
    /// handful of pupils is close to their own scores); no interval from one value.
    pub fn mean(values: &[f64], definition: DefinitionRef) -> Figure {
        let n = values.len() as u64;
        let sum: f64 = values.iter().sum();
        let status = match n {
            0 => Status::NoData,
            n if n < MIN_RATE_DENOMINATOR => Status::Suppressed,
            _ => Status::Shown,
        };
        let mean = (n > 0).then(|| sum / n as f64);
        let interval = mean.filter(|_| n > 1).map(|m| {
            let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = t975(n - 1) * (var / n as f64).sqrt();
            Interval { lower: m - half, upper: m + half, method: IntervalMethod::StudentT }
        });
        Figure { numerator: sum, denominator: n, value: mean, interval, status, definition }
    }

    /// A plain count of pupils (or events) with no rate: suppressed when 1 to 5.
    pub fn count(n: u64, definition: DefinitionRef) -> Figure {
        Figure {
            numerator: n as f64,
            denominator: n,
            value: Some(n as f64),
            interval: None,
            status: if small(n) { Status::Suppressed } else { Status::Shown },
            definition,
        }
    }

    /// The value if it may be published.
    pub fn shown_value(&self) -> Option<f64> {
        (self.status == Status::Shown).then_some(self.value).flatten()
    }
}

/// Secondary suppression across units whose figures add up to a published total (the provisions
/// or schools of an LA, and the LA's own figure). Their numerators and denominators sum to the
/// total's, so with exactly one unit suppressed a reader could subtract the others from the total
/// and recover it: then the shown unit with the smallest denominator is suppressed too. A unit with
/// no data is known to be zero and is no help to hide. A suppressed figure publishes nothing, not
/// even its denominator. Does nothing when the total itself is not shown.
pub fn suppress_siblings<K>(units: &mut std::collections::BTreeMap<K, Figure>, total: &Figure) {
    if total.status != Status::Shown {
        return;
    }
    let hidden = units.values().filter(|f| f.status == Status::Suppressed).count();
    if hidden != 1 {
        return;
    }
    if let Some(f) = units.values_mut().filter(|f| f.status == Status::Shown).min_by_key(|f| f.denominator) {
        f.status = Status::Suppressed;
    }
}

/// A grid of figures published with its totals: units (rows) × periods (columns), each unit's
/// figure over every period (`row_totals`), each period's figure over every unit
/// (`column_totals`) and the figure over everything (`grand`). The cells of a row add up to its
/// total (numerators and denominators alike) when the periods partition the placements, and so
/// do the cells of a column, the row totals and the column totals.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureGrid {
    pub cells: Vec<Vec<Figure>>,
    pub row_totals: Vec<Figure>,
    pub column_totals: Vec<Figure>,
    pub grand: Figure,
}

impl FigureGrid {
    fn columns(&self) -> usize {
        self.column_totals.len()
    }

    /// Flat positions: cells row by row, then row totals, column totals, the grand total.
    fn at(&self, i: usize) -> &Figure {
        let (rows, columns) = (self.row_totals.len(), self.columns());
        let cells = rows * columns;
        if i < cells {
            &self.cells[i / columns][i % columns]
        } else if i < cells + rows {
            &self.row_totals[i - cells]
        } else if i < cells + rows + columns {
            &self.column_totals[i - cells - rows]
        } else {
            &self.grand
        }
    }

    fn hide(&mut self, i: usize) {
        let (rows, columns) = (self.row_totals.len(), self.columns());
        let cells = rows * columns;
        let f = if i < cells {
            &mut self.cells[i / columns][i % columns]
        } else if i < cells + rows {
            &mut self.row_totals[i - cells]
        } else if i < cells + rows + columns {
            &mut self.column_totals[i - cells - rows]
        } else {
            &mut self.grand
        };
        f.status = Status::Suppressed;
    }

    /// Every additive line: its parts, then its total.
    fn lines(&self) -> Vec<Vec<usize>> {
        let (rows, columns) = (self.row_totals.len(), self.columns());
        let cells = rows * columns;
        let grand = cells + rows + columns;
        let mut lines: Vec<Vec<usize>> = Vec::new();
        for r in 0..rows {
            lines.push((0..columns).map(|c| r * columns + c).chain([cells + r]).collect());
        }
        for c in 0..columns {
            lines.push((0..rows).map(|r| r * columns + c).chain([cells + rows + c]).collect());
        }
        lines.push((0..rows).map(|r| cells + r).chain([grand]).collect());
        lines.push((0..columns).map(|c| cells + rows + c).chain([grand]).collect());
        lines
    }

    /// Secondary suppression across the whole grid (as `disclosure::table` does for counts): until
    /// no line has exactly one hidden member, hide in each such line the shown member with the
    /// smallest denominator (a cell before a total). A figure with no data is known to be zero
    /// and is neither hidden nor picked. Afterwards no hidden figure can be worked out from the
    /// shown ones by adding or subtracting along rows and columns.
    pub fn suppress(&mut self) {
        assert!(self.cells.iter().all(|r| r.len() == self.columns()), "every row must have one cell per column");
        assert_eq!(self.cells.len(), self.row_totals.len(), "one row total per row");
        let lines = self.lines();
        let cells = self.cells.len() * self.columns();
        loop {
            let mut changed = false;
            for line in &lines {
                let hidden = line.iter().filter(|&&i| self.at(i).status == Status::Suppressed).count();
                if hidden != 1 {
                    continue;
                }
                let pick = line
                    .iter()
                    .copied()
                    .filter(|&i| self.at(i).status == Status::Shown)
                    .min_by_key(|&i| (i >= cells, self.at(i).denominator));
                if let Some(i) = pick {
                    self.hide(i);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
}

fn small(n: u64) -> bool {
    (1..MIN_SHOWN_COUNT).contains(&n)
}

/// The 97.5th percentile of Student's t with `df` degrees of freedom: the published table for
/// 1 to 30, then the Cornish–Fisher expansion about the normal quantile (error under 1e-5 there).
pub fn t975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706_205, 4.302_653, 3.182_446, 2.776_445, 2.570_582, 2.446_912, 2.364_624, 2.306_004, 2.262_157, 2.228_139,
        2.200_985, 2.178_813, 2.160_369, 2.144_787, 2.131_450, 2.119_905, 2.109_816, 2.100_922, 2.093_024, 2.085_963,
        2.079_614, 2.073_873, 2.068_658, 2.063_899, 2.059_539, 2.055_529, 2.051_831, 2.048_407, 2.045_230, 2.042_272,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df as usize - 1],
        _ => {
            let z = Z95;
            let v = df as f64;
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: DefinitionRef = DefinitionRef { id: "test", version: 1 };

    #[test]
    fn proportion_status() {
        assert_eq!(Figure::proportion(0, 0, D).status, Status::NoData);
        assert_eq!(Figure::proportion(0, 0, D).value, None);
        assert_eq!(Figure::proportion(6, 9, D).status, Status::Suppressed, "denominator under 10");
        assert_eq!(Figure::proportion(3, 40, D).status, Status::Suppressed, "numerator 1 to 5");
        assert_eq!(Figure::proportion(37, 40, D).status, Status::Suppressed, "40 − 37 = 3 would be revealed");
        let f = Figure::proportion(10, 40, D);
        assert_eq!(f.status, Status::Shown);
        assert_eq!(f.shown_value(), Some(0.25));
        assert_eq!(f.interval.unwrap().method, IntervalMethod::Wilson);
        assert_eq!(Figure::proportion(0, 12, D).status, Status::Shown, "zero is shown");
        assert_eq!(Figure::count(0, D).status, Status::Shown);
        assert_eq!(Figure::count(5, D).status, Status::Suppressed);
        assert_eq!(Figure::count(6, D).shown_value(), Some(6.0));
    }

    #[test]
    fn a_single_suppressed_sibling_takes_another_with_it() {
        use std::collections::BTreeMap;
        // LA 35/51 shown; provision 1 has 1 of 1 (suppressed), so 35 − 14 − 20 = 1 would give it
        // away: the smaller shown provision (2, 14 of 20) is hidden too; 3 (20 of 30) stays.
        let mut units = BTreeMap::from([
            (1, Figure::proportion(1, 1, D)),
            (2, Figure::proportion(14, 20, D)),
            (3, Figure::proportion(20, 30, D)),
            (4, Figure::proportion(0, 0, D)),
        ]);
        let total = Figure::proportion(35, 51, D);
        suppress_siblings(&mut units, &total);
        let status: Vec<Status> = units.values().map(|f| f.status).collect();
        assert_eq!(status, vec![Status::Suppressed, Status::Suppressed, Status::Shown, Status::NoData]);
        // Two hidden already: nothing more to do.
        let before = units.clone();
        suppress_siblings(&mut units, &total);
        assert_eq!(units, before);
        // Means too: the total's sum minus the shown units' sums is the hidden unit's sum.
        let ten: Vec<f64> = (0..10).map(f64::from).collect();
        let mut means =
            BTreeMap::from([(1, Figure::mean(&[4.0], D)), (2, Figure::mean(&ten, D)), (3, Figure::mean(&ten, D))]);
        let all: Vec<f64> = ten.iter().chain(&ten).chain(&[4.0]).copied().collect();
        suppress_siblings(&mut means, &Figure::mean(&all, D));
        assert_eq!(means.values().filter(|f| f.status == Status::Suppressed).count(), 2);
    }

    #[test]
    fn t_quantiles() {
        assert!((t975(10) - 2.228_139).abs() < 1e-6);
        assert!((t975(31) - 2.039_513).abs() < 1e-5);
        assert!((t975(60) - 2.000_298).abs() < 1e-5);
        assert!((t975(120) - 1.979_930).abs() < 1e-5);
    }

    #[test]
    fn mean_interval_by_hand() {
        // 1..=10: mean 5.5, sd sqrt(55/6) = 3.02765, se 0.957427, t(9) = 2.262157: ± 2.16585.
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let f = Figure::mean(&values, D);
        assert_eq!(f.status, Status::Shown);
        assert_eq!(f.value, Some(5.5));
        let i = f.interval.unwrap();
        assert!((i.lower - 3.334_15).abs() < 1e-4 && (i.upper - 7.665_85).abs() < 1e-4, "{i:?}");
        let one = Figure::mean(&[3.0], D);
        assert_eq!((one.status, one.interval), (Status::Suppressed, None));
        assert_eq!(Figure::mean(&[], D).status, Status::NoData);
    }
}
