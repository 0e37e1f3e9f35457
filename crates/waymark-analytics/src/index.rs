//! Composite indices built transparently from components.
//!
//! **Normalisation: percentile ranks.** Each component is turned into a percentile rank across
//! the units that have a value for it (0 = best placed, 100 = worst placed, ties share the mean
//! position). Percentile ranks, not z-scores, because the components an index like the cold-spot
//! index combines are skewed and lumpy: a ratio such as AP places per permanent exclusion is
//! huge where an LA excluded almost nobody, and a share judged good by Ofsted is 0, 50 or 100%
//! where an LA has one or two AP schools. A z-score lets one extreme LA stretch a component's
//! scale and so set how much that component counts for everyone else; a percentile rank gives
//! every component the same 0–100 scale whatever its distribution, so the weights mean what
//! they say. What is lost is distance (a rank does not say how far apart two LAs are); the raw
//! values are shown beside the ranks for that.
//!
//! **Weights and missing components.** The index of a unit is the weighted mean of its ranks
//! over the components it has. A component with weight 0 is context: shown, ranked, never in
//! the index. A unit with less than a minimum share of the total weight present gets no index
//! and no rank ("data not available"), never a guess; the components it lacks are listed.
//!
//! **Uncertainty: leave-one-component-out rank intervals.** The index is recomputed leaving out
//! each weighted component in turn (the others keep their weights, renormalised over what is
//! present); a unit's interval is the best and worst rank it takes across those and the full
//! index. A narrow interval means the place does not rest on any one figure.

/// One component of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    /// Its share of the index; 0 for context shown beside the index but not in it.
    pub weight: f64,
    /// Whether a higher raw value means worse chances.
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

impl Scored {
    /// The positions of the components this unit has no value for.
    pub fn missing(&self) -> Vec<usize> {
        self.ranks.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(i, _)| i).collect()
    }
}

/// Percentile ranks (0 to 100, ties share the mean rank) of the present values, oriented so that
/// 100 is worst. A single present value gets 50.
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
    let ranks: Vec<Vec<Option<f64>>> =
        components.iter().zip(values).map(|(c, v)| percentile_ranks(v, c.higher_is_worse)).collect();
    score_ranks(components, &ranks, min_coverage)
}

/// Score from component ranks already computed (`ranks[c][u]`).
fn score_ranks(components: &[Component], ranks: &[Vec<Option<f64>>], min_coverage: f64) -> Vec<Scored> {
    let units = ranks.first().map_or(0, Vec::len);
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
                score: (coverage >= min_coverage - 1e-12 && weight > 0.0).then(|| weighted / weight),
                ranks: unit_ranks,
                coverage,
            }
        })
        .collect()
}

/// Standard competition ranks, highest first ("1, 2, 2, 4"): equal values share a rank and the
/// next rank counts everyone above it. `None` values get no rank.
pub fn competition_ranks(values: &[Option<f64>]) -> Vec<Option<usize>> {
    values
        .iter()
        .map(|v| {
            let v = (*v)?;
            Some(1 + values.iter().filter(|o| o.is_some_and(|o| o > v)).count())
        })
        .collect()
}

/// A unit's place in an index: its score, its rank (1 = worst, highest score) and its rank
/// interval leaving out each weighted component in turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub scored: Scored,
    pub rank: Option<usize>,
    /// The best (lowest number) and worst rank across the full index and every leave-one-out
    /// index in which the unit still has a score. `None` when the unit has no rank.
    pub interval: Option<(usize, usize)>,
}

/// Score, rank and give each unit its leave-one-component-out rank interval.
pub fn rank_with_intervals(components: &[Component], values: &[Vec<Option<f64>>], min_coverage: f64) -> Vec<Ranked> {
    let ranks: Vec<Vec<Option<f64>>> =
        components.iter().zip(values).map(|(c, v)| percentile_ranks(v, c.higher_is_worse)).collect();
    let full = score_ranks(components, &ranks, min_coverage);
    let full_ranks = competition_ranks(&full.iter().map(|s| s.score).collect::<Vec<_>>());
    // Leaving out a zero-weight component changes nothing, so only weighted ones are left out.
    let left_out: Vec<Vec<Option<usize>>> = (0..components.len())
        .filter(|&drop| components[drop].weight > 0.0)
        .map(|drop| {
            let comps: Vec<Component> =
                components.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, c)| c.clone()).collect();
            let kept: Vec<Vec<Option<f64>>> =
                ranks.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, r)| r.clone()).collect();
            let scores: Vec<Option<f64>> = score_ranks(&comps, &kept, min_coverage).iter().map(|s| s.score).collect();
            competition_ranks(&scores)
        })
        .collect();
    full.into_iter()
        .enumerate()
        .map(|(u, scored)| {
            let rank = full_ranks[u];
            let interval =
                rank.map(|k| left_out.iter().filter_map(|r| r[u]).fold((k, k), |(lo, hi), r| (lo.min(r), hi.max(r))));
            Ranked { scored, rank, interval }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(name: &str, weight: f64, higher_is_worse: bool) -> Component {
        Component { name: name.into(), weight, higher_is_worse }
    }

    #[test]
    fn ranks_orient_and_share_ties() {
        let r = percentile_ranks(&[Some(1.0), Some(3.0), None, Some(3.0), Some(5.0)], true);
        assert_eq!(r, vec![Some(0.0), Some(50.0), None, Some(50.0), Some(100.0)]);
        let r = percentile_ranks(&[Some(1.0), Some(2.0)], false);
        assert_eq!(r, vec![Some(100.0), Some(0.0)]);
        assert_eq!(percentile_ranks(&[None, Some(7.0)], true), vec![None, Some(50.0)]);
    }

    #[test]
    fn weighted_score_and_no_data() {
        let comps = vec![comp("a", 2.0, true), comp("b", 1.0, true)];
        let values = vec![vec![Some(1.0), Some(2.0), None], vec![Some(2.0), Some(1.0), None]];
        let s = score(&comps, &values, 0.5);
        assert_eq!(s[0].score, Some((0.0 * 2.0 + 100.0) / 3.0));
        assert_eq!(s[1].score, Some((100.0 * 2.0 + 0.0) / 3.0));
        assert_eq!(s[2].score, None, "no data is no data");
        assert_eq!(s[2].coverage, 0.0);
        assert_eq!(s[2].missing(), vec![0, 1]);
    }

    /// A unit lacking a component is scored over the others, renormalised, when it keeps enough
    /// weight; below the minimum it has no score and no rank.
    #[test]
    fn missing_component_renormalises_or_unscores() {
        let comps = vec![comp("a", 0.5, true), comp("b", 0.3, true), comp("c", 0.2, false)];
        // Four units; unit 2 lacks c (keeps 0.8), unit 3 lacks a and b (keeps 0.2).
        let values = vec![
            vec![Some(10.0), Some(20.0), Some(30.0), None],
            vec![Some(3.0), Some(1.0), Some(2.0), None],
            vec![Some(0.9), Some(0.5), None, Some(0.1)],
        ];
        let r = rank_with_intervals(&comps, &values, 0.6);
        // a: ranks 0, 50, 100 (higher worse). b: 3 → 100, 1 → 0, 2 → 50.
        // c (lower worse, present for units 0, 1, 3): 0.9 → 0, 0.5 → 50, 0.1 → 100.
        assert_eq!(r[0].scored.ranks, vec![Some(0.0), Some(100.0), Some(0.0)]);
        assert_eq!(r[0].scored.score, Some((0.5 * 0.0 + 0.3 * 100.0 + 0.2 * 0.0) / 1.0));
        assert_eq!(r[1].scored.score, Some((0.5 * 50.0 + 0.3 * 0.0 + 0.2 * 50.0) / 1.0));
        assert_eq!(r[2].scored.score, Some((0.5 * 100.0 + 0.3 * 50.0) / 0.8));
        assert!((r[2].scored.coverage - 0.8).abs() < 1e-12);
        assert_eq!(r[2].scored.missing(), vec![2]);
        assert_eq!(r[3].scored.score, None);
        assert_eq!((r[3].rank, r[3].interval), (None, None), "too little data: no rank at all");
        // Scores 30, 35, 81.25: ranks 3, 2, 1.
        assert_eq!([r[0].rank, r[1].rank, r[2].rank], [Some(3), Some(2), Some(1)]);
    }

    /// Equal scores share a rank, and the next rank counts everyone above.
    #[test]
    fn ties_share_a_rank() {
        assert_eq!(
            competition_ranks(&[Some(3.0), Some(1.0), Some(3.0), None, Some(2.0)]),
            vec![Some(1), Some(4), Some(1), None, Some(3)]
        );
        let comps = vec![comp("a", 1.0, true), comp("b", 1.0, true)];
        // Units 0 and 1 mirror each other: 0+100 and 100+0 both average 50.
        let values = vec![vec![Some(1.0), Some(3.0), Some(2.0)], vec![Some(3.0), Some(1.0), Some(2.0)]];
        let r = rank_with_intervals(&comps, &values, 0.5);
        assert_eq!(r.iter().map(|x| x.scored.score).collect::<Vec<_>>(), vec![Some(50.0); 3]);
        assert_eq!(r.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![Some(1); 3]);
        // Leaving out a: unit 0 is worst (b = 100), unit 1 best; leaving out b the reverse.
        assert_eq!(r[0].interval, Some((1, 3)));
        assert_eq!(r[1].interval, Some((1, 3)));
        assert_eq!(r[2].interval, Some((1, 2)), "unit 2 is 50 on both, second when either is left out");
    }

    /// The interval is the range over the full index and each leave-one-out index, worked by hand;
    /// a zero-weight component is context and moves nothing.
    #[test]
    fn leave_one_out_intervals_by_hand() {
        let comps = vec![comp("a", 0.5, true), comp("b", 0.25, true), comp("c", 0.25, true), comp("ctx", 0.0, true)];
        let values = vec![
            vec![Some(1.0), Some(2.0), Some(3.0)],
            vec![Some(3.0), Some(1.0), Some(2.0)],
            vec![Some(3.0), Some(2.0), Some(1.0)],
            vec![Some(9.0), Some(1.0), Some(5.0)],
        ];
        let r = rank_with_intervals(&comps, &values, 0.5);
        // Ranks: a 0/50/100, b 100/0/50, c 100/50/0.
        // Full: u0 = 0.5·0 + 0.25·100 + 0.25·100 = 50; u1 = 25 + 0 + 12.5 = 37.5; u2 = 50 + 12.5 + 0 = 62.5.
        assert_eq!(r.iter().map(|x| x.scored.score.unwrap()).collect::<Vec<_>>(), vec![50.0, 37.5, 62.5]);
        assert_eq!(r.iter().map(|x| x.rank.unwrap()).collect::<Vec<_>>(), vec![2, 3, 1]);
        // Without a: u0 100, u1 25, u2 25 → ranks 1, 2, 2.
        // Without b: (0.5·a + 0.25·c)/0.75: u0 33.3, u1 50, u2 66.7 → 3, 2, 1.
        // Without c: (0.5·a + 0.25·b)/0.75: u0 33.3, u1 33.3, u2 83.3 → 2, 2, 1.
        assert_eq!(r[0].interval, Some((1, 3)));
        assert_eq!(r[1].interval, Some((2, 3)));
        assert_eq!(r[2].interval, Some((1, 2)));
        // The context component is ranked but carries no weight.
        assert_eq!(r[0].scored.ranks[3], Some(100.0));
        assert!((r[0].scored.coverage - 1.0).abs() < 1e-12);
    }

    /// A unit that only just has enough weight loses its score when a component it has is left
    /// out; that variant does not count towards its interval.
    #[test]
    fn leave_one_out_skips_variants_without_a_score() {
        let comps = vec![comp("a", 0.6, true), comp("b", 0.4, true)];
        let values = vec![vec![Some(1.0), Some(2.0), None], vec![Some(1.0), Some(2.0), Some(3.0)]];
        let r = rank_with_intervals(&comps, &values, 0.4);
        // Unit 2 has only b (0.4 of the weight, exactly the minimum): score 100, rank 1.
        assert_eq!((r[2].scored.score, r[2].rank), (Some(100.0), Some(1)));
        // Without b it has nothing; without a it is 100 against 0 and 50: still rank 1.
        assert_eq!(r[2].interval, Some((1, 1)));
        // Unit 0 (0 on both): third, third without a, second without b (unit 2 then unscored).
        assert_eq!(r[0].interval, Some((2, 3)));
    }
}
