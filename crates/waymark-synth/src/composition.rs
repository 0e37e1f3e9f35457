//! Who the pupils are: the mix of sex, year group, free school meals and SEN provision in each
//! school type. The generator draws pupils from exactly these distributions, and the risk model
//! is fitted against them, so the two never disagree.
//!
//! Shares are rounded national figures (school census, around 2016): FSM about 14%, SEN
//! support about 11.5%, EHC plans about 2.8%, boys about two-thirds of pupils with SEN and
//! about 70% of special-school pupils.

use crate::targets::{Group, Phase, SenKey, SexKey};

/// Year groups and their relative sizes in a school type (national headcounts by NC year).
pub fn year_weights(phase: Phase) -> &'static [(i8, f64)] {
    match phase {
        Phase::Primary => {
            &[(-1, 316.0), (0, 662.0), (1, 654.0), (2, 643.0), (3, 645.0), (4, 621.0), (5, 600.0), (6, 588.0)]
        }
        Phase::Secondary => &[(7, 571.0), (8, 555.0), (9, 535.0), (10, 540.0), (11, 541.0), (12, 240.0), (13, 200.0)],
        Phase::Special => &[
            (0, 2.0),
            (1, 4.0),
            (2, 5.0),
            (3, 5.0),
            (4, 5.0),
            (5, 6.0),
            (6, 6.0),
            (7, 8.0),
            (8, 8.0),
            (9, 9.0),
            (10, 9.0),
            (11, 9.0),
            (12, 6.0),
            (13, 5.0),
            (14, 3.0),
        ],
    }
}

/// Probability that a pupil is a boy.
pub fn p_male(phase: Phase) -> f64 {
    match phase {
        Phase::Special => 0.72,
        _ => 0.51,
    }
}

/// Probability of being eligible for free school meals.
pub fn p_fsm(phase: Phase) -> f64 {
    match phase {
        Phase::Primary => 0.145,
        Phase::Secondary => 0.13,
        Phase::Special => 0.37,
    }
}

/// Probabilities of SEN provision none / support / EHC plan, given sex and FSM. Boys and FSM
/// pupils are more often identified, as in the census; the mix averages to the phase's shares.
pub fn p_sen(phase: Phase, sex: SexKey, fsm: bool) -> [f64; 3] {
    let (support, ehc) = match phase {
        Phase::Primary => (0.125, 0.014),
        Phase::Secondary => (0.11, 0.017),
        Phase::Special => return [0.0, 0.05, 0.95],
    };
    let pm = p_male(phase);
    let sex_factor = match sex {
        SexKey::Male => 1.33 / (pm * 1.33 + (1.0 - pm) * 0.66),
        SexKey::Female => 0.66 / (pm * 1.33 + (1.0 - pm) * 0.66),
    };
    let pf = p_fsm(phase);
    let fsm_factor = if fsm { 1.8 / (pf * 1.8 + (1.0 - pf)) } else { 1.0 / (pf * 1.8 + (1.0 - pf)) };
    let s = support * sex_factor * fsm_factor;
    let e = ehc * sex_factor * fsm_factor;
    [1.0 - s - e, s, e]
}

/// One cell of the joint distribution: a kind of pupil and its share of the phase.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub phase: Phase,
    pub sex: SexKey,
    pub year: i8,
    pub fsm: bool,
    pub sen: SenKey,
    /// Share of the phase's pupils in this cell (sums to 1 over the phase).
    pub share: f64,
}

impl Cell {
    /// The characteristic groups this cell belongs to, one per dimension.
    pub fn groups(&self) -> [Group; 4] {
        [Group::Sex(self.sex), Group::Fsm(self.fsm), Group::Sen(self.sen), Group::year(self.year)]
    }
}

/// Every cell of a phase's joint distribution.
pub fn cells(phase: Phase) -> Vec<Cell> {
    let years = year_weights(phase);
    let total: f64 = years.iter().map(|(_, w)| w).sum();
    let mut out = Vec::new();
    for (sex, ps) in [(SexKey::Female, 1.0 - p_male(phase)), (SexKey::Male, p_male(phase))] {
        for &(year, w) in years {
            for (fsm, pf) in [(false, 1.0 - p_fsm(phase)), (true, p_fsm(phase))] {
                let sen = p_sen(phase, sex, fsm);
                for (k, key) in [SenKey::None, SenKey::Support, SenKey::Ehc].into_iter().enumerate() {
                    let share = ps * (w / total) * pf * sen[k];
                    if share > 0.0 {
                        out.push(Cell { phase, sex, year, fsm, sen: key, share });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_in_every_phase() {
        for phase in Phase::ALL {
            let s: f64 = cells(phase).iter().map(|c| c.share).sum();
            assert!((s - 1.0).abs() < 1e-9, "{phase:?}: {s}");
        }
    }

    #[test]
    fn sen_mix_averages_to_the_phase_share() {
        let support: f64 = cells(Phase::Secondary).iter().filter(|c| c.sen == SenKey::Support).map(|c| c.share).sum();
        assert!((support - 0.11).abs() < 1e-9, "{support}");
    }
}
