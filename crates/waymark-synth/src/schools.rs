//! Schools and AP providers of an LA: as many primary, secondary and special schools as DfE
//! published, sized so their rolls add up to the published headcount, plus pupil referral units
//! and other AP sized for the LA.

use crate::random::{lognormal_mean_one, Stream};
use crate::targets::{LaTarget, Phase};
use rand::Rng;
use waymark_domain::SettingKind;

/// A setting in the generated LA.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    /// Index in the LA's list, also the `setting_id` in the files.
    pub id: u32,
    pub urn: u32,
    /// The 4-digit establishment number (with the LA number it makes the LAESTAB).
    pub estab: u16,
    pub name: String,
    pub kind: SettingKind,
    /// The published school type, for schools counted in the headcount.
    pub phase: Option<Phase>,
    /// Pupils on roll at the spring census (for AP: places).
    pub roll: u32,
    /// For an internal AP unit, the school it belongs to.
    pub parent: Option<u32>,
}

const PLACES: &[&str] = &[
    "Oakfield",
    "Riverside",
    "Hillcrest",
    "Meadow",
    "Ashgrove",
    "Kingsway",
    "Parkside",
    "Fairfield",
    "Brookside",
    "Highfield",
    "Westwood",
    "Eastbrook",
    "Northgate",
    "Southfields",
    "Beacon",
    "Elmwood",
    "Greenacre",
    "Hollybank",
    "Larkrise",
    "Millbrook",
    "Orchard",
    "Redhill",
    "Stonebridge",
    "Thornbury",
    "Woodlands",
    "Willow",
    "Castle",
    "Abbey",
    "Chestnut",
    "Summerfield",
];

/// Typical rolls when a school count is not published.
fn typical_roll(phase: Phase) -> u32 {
    match phase {
        Phase::Primary => 300,
        Phase::Secondary => 1000,
        Phase::Special => 100,
    }
}

fn estab_base(kind: SettingKind, phase: Option<Phase>) -> u16 {
    match (kind, phase) {
        (_, Some(Phase::Primary)) => 2000,
        (_, Some(Phase::Secondary)) => 4000,
        (_, Some(Phase::Special)) => 7000,
        (SettingKind::PupilReferralUnit, _) => 1100,
        _ => 6000,
    }
}

/// Build an LA's settings. Mainstream and special rolls sum exactly to the published headcounts.
pub fn build(la: &LaTarget, seed: u64, year: i32) -> Vec<School> {
    let mut rng = crate::random::rng_for(seed, la.number, year, Stream::Schools);
    let mut out: Vec<School> = Vec::new();
    for phase in Phase::ALL {
        let Some(t) = la.phase(phase) else { continue };
        if t.headcount == 0 {
            continue;
        }
        let count = t.schools.filter(|&n| n > 0).unwrap_or_else(|| (t.headcount / typical_roll(phase)).max(1));
        let count = count.min(t.headcount).min(999);
        let weights: Vec<f64> = (0..count).map(|_| lognormal_mean_one(&mut rng, 0.35)).collect();
        let kind = if phase == Phase::Special { SettingKind::Special } else { SettingKind::Mainstream };
        for (i, roll) in allocate(t.headcount, &weights).into_iter().enumerate() {
            push(&mut out, la.number, kind, Some(phase), i as u32, roll, None);
        }
    }
    add_ap(&mut out, la, &mut rng);
    out
}

/// PRUs (about one 60-place PRU per 40,000 pupils), independent and unregistered AP, and an
/// internal AP unit in about a third of secondary schools.
fn add_ap(out: &mut Vec<School>, la: &LaTarget, rng: &mut impl Rng) {
    let pupils = la.headcount() as u32;
    let prus = (pupils / 40_000).max(1);
    for i in 0..prus {
        let roll = rng.gen_range(40..=80);
        push(out, la.number, SettingKind::PupilReferralUnit, None, i, roll, None);
    }
    for (kind, n) in
        [(SettingKind::IndependentAp, 1 + pupils / 60_000), (SettingKind::UnregisteredAp, 2 + pupils / 50_000)]
    {
        for i in 0..n {
            let roll = rng.gen_range(10..=40);
            push(out, la.number, kind, None, i, roll, None);
        }
    }
    let secondaries: Vec<u32> = out.iter().filter(|s| s.phase == Some(Phase::Secondary)).map(|s| s.id).collect();
    for (i, id) in secondaries.into_iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        push(out, la.number, SettingKind::InternalApUnit, None, i as u32, 8, Some(id));
    }
}

fn push(
    out: &mut Vec<School>,
    la: u16,
    kind: SettingKind,
    phase: Option<Phase>,
    i: u32,
    roll: u32,
    parent: Option<u32>,
) {
    let id = out.len() as u32;
    let estab = estab_base(kind, phase) + (i as u16 % 1000);
    let place = PLACES[(i as usize * 7 + la as usize) % PLACES.len()];
    let label = match (kind, phase) {
        (_, Some(Phase::Primary)) => "Primary School",
        (_, Some(Phase::Secondary)) => "Academy",
        (_, Some(Phase::Special)) => "Special School",
        (SettingKind::PupilReferralUnit, _) => "Pupil Referral Unit",
        (SettingKind::IndependentAp, _) => "Independent Learning Centre",
        (SettingKind::UnregisteredAp, _) => "Skills Project",
        _ => "Inclusion Unit",
    };
    let name = match parent {
        Some(p) => format!("{} {label}", out[p as usize].name),
        None => format!("{place} {label} {}", i / PLACES.len() as u32 + 1),
    };
    let urn = 100_000 + (u32::from(la).saturating_sub(200)) * 1_200 + id;
    out.push(School { id, urn, estab, name, kind, phase, roll, parent });
}

/// Split `total` in proportion to `weights`, exactly (largest remainder).
pub fn allocate(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * f64::from(total)).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut short = total - out.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for i in order {
        if short == 0 {
            break;
        }
        out[i] += 1;
        short -= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_is_exact() {
        let a = allocate(1001, &[1.0, 2.0, 3.3]);
        assert_eq!(a.iter().sum::<u32>(), 1001);
    }
}
