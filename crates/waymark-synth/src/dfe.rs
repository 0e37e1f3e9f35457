//! Calibration targets from DfE's published exclusion statistics, read through
//! `waymark-opendata` (the processed copy embedded in the binary): every LA's figures by school
//! type for 2006/07 to 2016/17, and the national rates by pupil characteristic.
//!
//! Suppressed figures stay `None`, never zero; the LA's rate then comes from its region, then
//! England, and the calibration report says so.

use crate::targets::{
    Characteristics, Group, GroupRates, LaTarget, Phase, PhaseTarget, Rate, SenKey, SexKey, Source, Targets,
};
use std::collections::BTreeMap;
use waymark_domain::AcademicYear;
use waymark_opendata::{Area, ExclusionRow, OpenData, SchoolType};

/// The published counts of one area and school type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Published {
    pub schools: Option<f64>,
    pub headcount: Option<f64>,
    pub perm: Option<f64>,
    pub perm_rate: Option<f64>,
    pub susp: Option<f64>,
    pub susp_rate: Option<f64>,
    pub one_plus: Option<f64>,
    pub one_plus_rate: Option<f64>,
}

impl Published {
    fn of(r: &ExclusionRow) -> Published {
        Published {
            schools: r.schools.number(),
            headcount: r.headcount.number(),
            perm: r.perm.number(),
            perm_rate: r.perm_rate.number(),
            susp: r.susp.number(),
            susp_rate: r.susp_rate.number(),
            one_plus: r.one_plus.number(),
            one_plus_rate: r.one_plus_rate.number(),
        }
    }
}

fn phase_of(st: SchoolType) -> Option<Phase> {
    match st {
        SchoolType::Primary => Some(Phase::Primary),
        SchoolType::Secondary => Some(Phase::Secondary),
        SchoolType::Special => Some(Phase::Special),
        SchoolType::Total => None,
    }
}

/// Targets for a year with published LA figures, or `None` for a year outside the data.
pub fn targets(data: &OpenData, year: AcademicYear) -> Option<Targets> {
    let mut national: BTreeMap<Phase, Published> = BTreeMap::new();
    let mut regions: BTreeMap<(String, Phase), Published> = BTreeMap::new();
    let mut las: BTreeMap<(u16, Phase), Published> = BTreeMap::new();
    for r in data.exclusions.iter().filter(|r| r.year == year) {
        let Some(phase) = phase_of(r.school_type) else { continue };
        match &r.area {
            Area::National => {
                national.insert(phase, Published::of(r));
            }
            Area::Region(code) => {
                regions.insert((code.clone(), phase), Published::of(r));
            }
            Area::La(n) => {
                las.insert((*n, phase), Published::of(r));
            }
        }
    }
    if national.is_empty() {
        return None;
    }
    let numbers: std::collections::BTreeSet<u16> = las.keys().map(|(n, _)| *n).collect();
    let mut out = Vec::new();
    for number in numbers {
        let Some(la) = data.las.by_number(number) else { continue };
        let phases = Phase::ALL
            .iter()
            .filter_map(|&phase| {
                let p = las.get(&(number, phase))?;
                let fallbacks = [regions.get(&(la.region_code.clone(), phase)).copied(), national.get(&phase).copied()];
                Some(phase_target(phase, p, &fallbacks))
            })
            .collect();
        out.push(LaTarget { number, name: la.name.clone(), region: la.region_name.clone(), phases });
    }
    Some(Targets { year, las: out, characteristics: characteristics(data, year) })
}

/// One LA's figures for a school type, with suppressed rates taken from the region, then England.
pub fn phase_target(phase: Phase, p: &Published, fallbacks: &[Option<Published>; 2]) -> PhaseTarget {
    let headcount = p.headcount.unwrap_or(0.0);
    let pick = |count: fn(&Published) -> Option<f64>, rate: fn(&Published) -> Option<f64>| -> Rate {
        if let (Some(c), true) = (count(p), headcount > 0.0) {
            return Rate { percent: c / headcount * 100.0, source: Source::La };
        }
        for (fb, source) in fallbacks.iter().zip([Source::Region, Source::National]) {
            if let Some(fb) = fb {
                if let (Some(c), Some(h)) = (count(fb), fb.headcount.filter(|h| *h > 0.0)) {
                    return Rate { percent: c / h * 100.0, source };
                }
                if let Some(r) = rate(fb) {
                    return Rate { percent: r, source };
                }
            }
        }
        Rate { percent: 0.0, source: Source::National }
    };
    let susp = pick(|p| p.susp, |p| p.susp_rate);
    let mut one_plus = pick(|p| p.one_plus, |p| p.one_plus_rate);
    // A fallback one-plus rate must not exceed the LA's own suspension rate: every pupil with a
    // suspension has at least one.
    if one_plus.percent > susp.percent {
        one_plus.percent = susp.percent;
    }
    PhaseTarget {
        phase,
        schools: p.schools.map(|s| s as u32),
        headcount: headcount as u32,
        perm: pick(|p| p.perm, |p| p.perm_rate),
        susp,
        one_plus,
    }
}

/// The national characteristics table for school type "Total": the published year nearest to
/// `year` (the table covers 2011/12 to 2015/16; later years use 2015/16, earlier ones 2011/12).
pub fn characteristics(data: &OpenData, year: AcademicYear) -> Characteristics {
    let years: std::collections::BTreeSet<AcademicYear> = data.characteristics.iter().map(|r| r.year).collect();
    let chosen = years.iter().rev().find(|y| **y <= year).or_else(|| years.iter().next()).copied().unwrap_or(year);
    let mut total = None;
    let mut groups = Vec::new();
    for r in data
        .characteristics
        .iter()
        .filter(|r| r.year == chosen && r.school_type == SchoolType::Total && r.sex == "Total")
    {
        let rates = GroupRates {
            headcount: r.headcount.number().unwrap_or(0.0),
            perm: r.perm.number(),
            susp: r.susp.number(),
            one_plus: r.one_plus.number(),
        };
        match characteristic_group(&r.characteristic) {
            Some(g) => groups.push((g, rates)),
            None if r.characteristic == "Total" => total = Some(rates),
            None => {}
        }
    }
    let total = total.unwrap_or(GroupRates { headcount: 0.0, perm: None, susp: None, one_plus: None });
    Characteristics { year: chosen, total, groups }
}

/// The group a SFR35 `characteristic_1` value names, if the generator models it.
pub fn characteristic_group(value: &str) -> Option<Group> {
    Some(match value {
        "Gender_male" => Group::Sex(SexKey::Male),
        "Gender_female" => Group::Sex(SexKey::Female),
        "FSM_Eligible" => Group::Fsm(true),
        "FSM_NotEligible" => Group::Fsm(false),
        "SEN_Provision_No_SEN" => Group::Sen(SenKey::None),
        "SEN_provision_SEN_without_statement" => Group::Sen(SenKey::Support),
        "SEN_provision_SEN_with_statement_EHC" => Group::Sen(SenKey::Ehc),
        "NC_Year_Nursery" => Group::Year(-1),
        "NC_Year_Reception" => Group::Year(0),
        "NC_Year_12_and_above" => Group::Year(12),
        v => Group::Year(v.strip_prefix("NC_Year_")?.parse().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_year_has_targets_for_every_la() {
        let data = OpenData::shared().unwrap();
        for year in data.years() {
            let t = targets(data, year).unwrap();
            assert!(t.las.len() >= 150, "{year}: {} LAs", t.las.len());
            assert!(t.characteristics.groups.len() > 10, "{year}: characteristics");
        }
        let t = targets(data, AcademicYear(2016)).unwrap();
        assert_eq!(t.la(886).unwrap().phase(Phase::Secondary).unwrap().headcount, 99_502);
        assert!(targets(data, AcademicYear(2030)).is_none());
    }
}
