//! The risk model: each pupil's chance of a permanent exclusion, of one or more suspensions,
//! and how many further suspensions a suspended pupil has, as a product of one multiplier per
//! characteristic (sex, year group, FSM, SEN provision).
//!
//! The multipliers are fitted by iterative proportional fitting against the national
//! characteristics table over the same joint distribution the generator draws pupils from
//! ([`crate::composition`]). Boys are more often on SEN support, FSM pupils too, so the raw
//! published ratios would double-count; raking makes each published group rate come out right
//! after those overlaps. Each LA and school type then gets its own normalising constant so its
//! expected count equals the published count ([`normalise`]).

use crate::composition::{self, Cell};
use crate::targets::{Group, Outcome, Phase, SenKey, SexKey, Targets};

/// One multiplier per level of each characteristic.
#[derive(Debug, Clone, PartialEq)]
pub struct Multipliers {
    sex: [f64; 2],
    fsm: [f64; 2],
    sen: [f64; 3],
    /// Indexed by year group + 1 (-1 nursery to 12 "12 and above").
    year: [f64; 14],
}

impl Default for Multipliers {
    fn default() -> Self {
        Multipliers { sex: [1.0; 2], fsm: [1.0; 2], sen: [1.0; 3], year: [1.0; 14] }
    }
}

impl Multipliers {
    /// The product of the multipliers for a pupil.
    pub fn of(&self, sex: SexKey, year: i8, fsm: bool, sen: SenKey) -> f64 {
        self.sex[sex as usize] * self.fsm[usize::from(fsm)] * self.sen[sen as usize] * self.year[year_index(year)]
    }

    fn of_cell(&self, c: &Cell) -> f64 {
        self.of(c.sex, c.year, c.fsm, c.sen)
    }

    fn get_mut(&mut self, group: Group) -> &mut f64 {
        match group {
            Group::Sex(s) => &mut self.sex[s as usize],
            Group::Fsm(f) => &mut self.fsm[usize::from(f)],
            Group::Sen(s) => &mut self.sen[s as usize],
            Group::Year(y) => &mut self.year[year_index(y)],
        }
    }
}

fn year_index(year: i8) -> usize {
    (year.clamp(-1, 12) + 1) as usize
}

/// The fitted multipliers for the three things the generator draws.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskModel {
    /// Permanent exclusion.
    pub perm: Multipliers,
    /// One or more suspensions.
    pub one_plus: Multipliers,
    /// Suspensions beyond the first, among pupils with at least one.
    pub repeat: Multipliers,
}

/// A suppressed national count is small: fit as if it were 2 (DfE suppressed fewer than 5).
const SUPPRESSED_COUNT: f64 = 2.0;

/// Every characteristic group the table may report, by dimension.
pub fn dimensions() -> Vec<Vec<Group>> {
    vec![
        vec![Group::Sex(SexKey::Female), Group::Sex(SexKey::Male)],
        vec![Group::Fsm(false), Group::Fsm(true)],
        vec![Group::Sen(SenKey::None), Group::Sen(SenKey::Support), Group::Sen(SenKey::Ehc)],
        (-1..=12).map(Group::Year).collect(),
    ]
}

struct WeightedCell {
    cell: Cell,
    /// Pupils nationally in this cell.
    pupils: f64,
    /// A fixed per-pupil factor (1, or the one-plus probability when fitting repeats).
    factor: f64,
}

impl RiskModel {
    /// Fit the model to a year's targets.
    pub fn fit(targets: &Targets) -> RiskModel {
        let mut cells = Vec::new();
        let mut phase_rates = [[0.0; 3]; 3];
        for phase in Phase::ALL {
            let (head, r) = targets.national_phase(phase);
            phase_rates[phase.index()] = [r.perm, r.one_plus, (r.susp - r.one_plus).max(0.0)];
            for cell in composition::cells(phase) {
                cells.push(WeightedCell { cell, pupils: cell.share * head, factor: 1.0 });
            }
        }
        let ch = &targets.characteristics;
        let ratio = |outcome: Outcome| {
            move |g: Group| -> Option<f64> {
                let total = ch.total.rate(outcome)?;
                let r = ch.get(g)?;
                let count = r.count(outcome).unwrap_or(SUPPRESSED_COUNT);
                (r.headcount > 0.0).then(|| count / r.headcount / total)
            }
        };
        let (perm, _) = rake(&cells, |p| phase_rates[p.index()][0], ratio(Outcome::Perm));
        let (one_plus, b1) = rake(&cells, |p| phase_rates[p.index()][1], ratio(Outcome::OnePlus));
        for wc in &mut cells {
            wc.factor = b1[wc.cell.phase.index()] * one_plus.of_cell(&wc.cell);
        }
        let excess_ratio = |g: Group| -> Option<f64> {
            let excess = |r: &crate::targets::GroupRates| -> Option<f64> {
                Some((r.susp? - r.one_plus?).max(0.0) / r.headcount)
            };
            let r = ch.get(g)?;
            (r.headcount > 0.0).then_some(())?;
            Some(excess(r)? / excess(&ch.total)?)
        };
        let (repeat, _) = rake(&cells, |p| phase_rates[p.index()][2], excess_ratio);
        RiskModel { perm, one_plus, repeat }
    }
}

/// Iterative proportional fitting: find multipliers (and a base per phase) so that each phase's
/// rate equals `phase_rate` and each group's rate relative to the whole equals `group_ratio`.
fn rake(
    cells: &[WeightedCell],
    phase_rate: impl Fn(Phase) -> f64,
    group_ratio: impl Fn(Group) -> Option<f64>,
) -> (Multipliers, [f64; 3]) {
    let mut m = Multipliers::default();
    let dims = dimensions();
    for _ in 0..60 {
        for dim in &dims {
            let base = phase_bases(cells, &m, &phase_rate);
            let rate = |wc: &WeightedCell| base[wc.cell.phase.index()] * wc.factor * m.of_cell(&wc.cell);
            let (num, den) = cells.iter().fold((0.0, 0.0), |(n, d), wc| (n + wc.pupils * rate(wc), d + wc.pupils));
            let overall = num / den;
            let mut updates = Vec::new();
            for &g in dim {
                let Some(target) = group_ratio(g) else { continue };
                let (n, d) = cells
                    .iter()
                    .filter(|wc| wc.cell.groups().contains(&g))
                    .fold((0.0, 0.0), |(n, d), wc| (n + wc.pupils * rate(wc), d + wc.pupils));
                if d > 0.0 && n > 0.0 {
                    updates.push((g, target / (n / d / overall)));
                }
            }
            for (g, factor) in updates {
                *m.get_mut(g) *= factor;
            }
        }
    }
    let base = phase_bases(cells, &m, &phase_rate);
    (m, base)
}

fn phase_bases(cells: &[WeightedCell], m: &Multipliers, phase_rate: &impl Fn(Phase) -> f64) -> [f64; 3] {
    let mut base = [0.0; 3];
    for phase in Phase::ALL {
        let (n, d) = cells
            .iter()
            .filter(|wc| wc.cell.phase == phase)
            .fold((0.0, 0.0), |(n, d), wc| (n + wc.pupils * wc.factor * m.of_cell(&wc.cell), d + wc.pupils));
        base[phase.index()] = if n > 0.0 { phase_rate(phase) * d / n } else { 0.0 };
    }
    base
}

/// The highest probability any one pupil is given, so no pupil is certain to be excluded.
pub const MAX_PROBABILITY: f64 = 0.9;

/// The constant `c` with Σ min(c·wᵢ, [`MAX_PROBABILITY`]) = `target`: scales relative risks
/// `weights` into probabilities whose sum is the LA's expected count.
pub fn normalise(weights: &[f64], target: f64) -> f64 {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || target <= 0.0 {
        return 0.0;
    }
    let target = target.min(MAX_PROBABILITY * weights.len() as f64 * 0.99);
    let total = |c: f64| -> f64 { weights.iter().map(|w| (c * w).min(MAX_PROBABILITY)).sum() };
    // The total is increasing in c: bracket, then bisect.
    let (mut lo, mut hi) = (target / sum, target / sum);
    while total(hi) < target {
        hi *= 2.0;
    }
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if total(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_hits_the_target_even_when_capped() {
        let w = [1.0, 1.0, 50.0, 0.5];
        let c = normalise(&w, 1.5);
        let s: f64 = w.iter().map(|x| (c * x).min(MAX_PROBABILITY)).sum();
        assert!((s - 1.5).abs() < 1e-6, "{s}");
    }
}
