//! Composite indices built transparently from components: each component is turned into a
//! percentile rank across the units (0 = best, 100 = worst), weighted, and averaged over the
//! components a unit has. A unit missing too much is "no data", never a guess.

/// One component of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    pub weight: f64,
    /// Whether a higher raw value means worse chances (true for exclusion rates).
    pub higher_is_worse: bool,
}

/// A unit's result: its score and each component's rank (None where the value is missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// 0 (best) to 100 (worst); `None` when less than the required share of weight is present.
    pub score: Option<f64>,
    pub ranks: Vec<Option<f64>>,
    /// The share of the total weight that had data, 0 to 1.
    pub coverage: f64,
}

/// Percentile ranks (0 to 100, ties share the mean rank) of the present values, oriented so that
/// 100 is worst.
pub fn percentile_ranks(values: &[Option<f64>], higher_is_worse: bool) -> Vec<Option<f64>> {
    let mut present: Vec<(usize, f64)> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    present.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n = present.len();
    let mut ranks = vec![None; values.len()];
    let mut start = 0;
    while start < n {
        let mut end = start;
        while end + 1 < n && present[end + 1].1 == present[start].1 {
            end += 1;
        }
        let mean_position = (start + end) as f64 / 2.0;
        let pct = if n > 1 { mean_position / (n - 1) as f64 * 100.0 } else { 50.0 };
        for &(i, _) in &present[start..=end] {
            ranks[i] = Some(if higher_is_worse { pct } else { 100.0 - pct });
        }
        start = end + 1;
    }
    ranks
}

/// Score every unit. `values[c][u]` is component `c` for unit `u`. A unit needs at least
/// `min_coverage` of the total weight present to get a score.
pub fn score(components: &[Component], values: &[Vec<Option<f64>>], min_coverage: f64) -> Vec<Scored> {
    let units = values.first().map_or(0, Vec::len);
    let ranks: Vec<Vec<Option<f64>>> =
        components.iter().zip(values).map(|(c, v)| percentile_ranks(v, c.higher_is_worse)).collect();
    let total_weight: f64 = components.iter().map(|c| c.weight).sum();
    (0..units)
        .map(|u| {
            let unit_ranks: Vec<Option<f64>> = ranks.iter().map(|r| r[u]).collect();
            let (weighted, weight) = components.iter().zip(&unit_ranks).fold((0.0, 0.0), |(s, w), (c, r)| match r {
                Some(r) => (s + r * c.weight, w + c.weight),
                None => (s, w),
            });
            let coverage = if total_weight > 0.0 { weight / total_weight } else { 0.0 };
            Scored {
                score: (coverage >= min_coverage && weight > 0.0).then(|| weighted / weight),
                ranks: unit_ranks,
                coverage,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_orient_and_share_ties() {
        let r = percentile_ranks(&[Some(1.0), Some(3.0), None, Some(3.0), Some(5.0)], true);
        assert_eq!(r, vec![Some(0.0), Some(50.0), None, Some(50.0), Some(100.0)]);
        let r = percentile_ranks(&[Some(1.0), Some(2.0)], false);
        assert_eq!(r, vec![Some(100.0), Some(0.0)]);
    }

    #[test]
    fn weighted_score_and_no_data() {
        let comps = vec![
            Component { name: "a".into(), weight: 2.0, higher_is_worse: true },
            Component { name: "b".into(), weight: 1.0, higher_is_worse: true },
        ];
        let values = vec![vec![Some(1.0), Some(2.0), None], vec![Some(2.0), Some(1.0), None]];
        let s = score(&comps, &values, 0.5);
        assert_eq!(s[0].score, Some((0.0 * 2.0 + 100.0) / 3.0));
        assert_eq!(s[1].score, Some((100.0 * 2.0 + 0.0) / 3.0));
        assert_eq!(s[2].score, None, "no data is no data");
        assert_eq!(s[2].coverage, 0.0);
    }
}
