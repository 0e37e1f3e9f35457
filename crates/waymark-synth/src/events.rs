//! Who is permanently excluded and how many times each pupil is suspended: the calibrated core.
//!
//! For each LA and school type, each pupil's relative risk is the product of the fitted
//! characteristic multipliers ([`crate::model`]) and an unobserved behaviour propensity; one
//! constant per LA and school type turns risks into probabilities whose sum is the published
//! count. Pupils with one or more suspensions are drawn with their probability; each then has
//! 1 + Poisson(λᵢ) suspensions, with λᵢ scaled so the LA's expected suspension count is the
//! published count.

use crate::model::{normalise, Multipliers, RiskModel, MAX_PROBABILITY};
use crate::pupils::Traits;
use crate::random::{poisson, rng_for, Stream};
use crate::targets::{LaTarget, Outcome, Phase};
use rand::Rng;

/// The drawn events of every pupil, in the same order as their traits, and the probabilities
/// they were drawn with (for the calibration report's expected values).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draws {
    pub perm: Vec<bool>,
    /// Suspensions in the year (FIXD), 0 for most pupils.
    pub susp: Vec<u16>,
    pub p_perm: Vec<f32>,
    pub p_one_plus: Vec<f32>,
    /// Expected suspensions (probability of one or more × expected number given one or more).
    pub e_susp: Vec<f32>,
}

fn weight(m: &Multipliers, t: &Traits, behaviour_power: f32) -> f64 {
    m.of(t.sex, t.year, t.fsm, t.sen) * f64::from(t.behaviour.powf(behaviour_power))
}

/// Draw exclusions and suspensions for an LA's pupils.
pub fn draw(la: &LaTarget, traits: &[Traits], model: &RiskModel, seed: u64, year: i32) -> Draws {
    let mut rng = rng_for(seed, la.number, year, Stream::Events);
    let n = traits.len();
    let mut d = Draws {
        perm: vec![false; n],
        susp: vec![0; n],
        p_perm: vec![0.0; n],
        p_one_plus: vec![0.0; n],
        e_susp: vec![0.0; n],
    };
    for phase in Phase::ALL {
        let Some(target) = la.phase(phase) else { continue };
        let idx: Vec<usize> = (0..n).filter(|&i| traits[i].phase == phase).collect();
        if idx.is_empty() {
            continue;
        }
        for (outcome, m) in [(Outcome::Perm, &model.perm), (Outcome::OnePlus, &model.one_plus)] {
            let w: Vec<f64> = idx.iter().map(|&i| weight(m, &traits[i], 1.0)).collect();
            let c = normalise(&w, target.expected(outcome));
            for (k, &i) in idx.iter().enumerate() {
                let p = (c * w[k]).min(MAX_PROBABILITY);
                let hit = rng.gen::<f64>() < p;
                if outcome == Outcome::Perm {
                    d.p_perm[i] = p as f32;
                    d.perm[i] = hit;
                } else {
                    d.p_one_plus[i] = p as f32;
                    d.susp[i] = u16::from(hit);
                }
            }
        }
        let r: Vec<f64> = idx.iter().map(|&i| weight(&model.repeat, &traits[i], 0.5)).collect();
        let susp_target = target.expected(Outcome::Susp);
        // Drawn: scale repeats among the pupils actually suspended.
        let ones: f64 = idx.iter().map(|&i| f64::from(d.susp[i])).sum();
        let r_drawn: f64 = idx.iter().zip(&r).filter(|(&i, _)| d.susp[i] > 0).map(|(_, r)| r).sum();
        let k = if r_drawn > 0.0 { ((susp_target - ones) / r_drawn).max(0.0) } else { 0.0 };
        // Expected: the same with probabilities in place of draws.
        let p_sum: f64 = idx.iter().map(|&i| f64::from(d.p_one_plus[i])).sum();
        let pr_sum: f64 = idx.iter().zip(&r).map(|(&i, r)| f64::from(d.p_one_plus[i]) * r).sum();
        let k_exp = if pr_sum > 0.0 { ((susp_target - p_sum) / pr_sum).max(0.0) } else { 0.0 };
        for (j, &i) in idx.iter().enumerate() {
            if d.susp[i] > 0 {
                d.susp[i] += poisson(&mut rng, k * r[j]).min(60) as u16;
            }
            d.e_susp[i] = d.p_one_plus[i] * (1.0 + k_exp * r[j]) as f32;
        }
    }
    d
}
