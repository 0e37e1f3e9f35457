//! A small committed extract of DfE's exclusion statistics (SFR35/2017: LA figures for 2015/16
//! and 2016/17, national rates by characteristic for 2015/16), so the generator and its tests run
//! without the full open-data crate. [`crate::opendata`] builds the same [`Targets`] from
//! `waymark-opendata` for every published year.
//!
//! Older DfE files write `x` for a suppressed number: it stays `None`, never zero.

use crate::targets::{
    Characteristics, Group, GroupRates, LaTarget, Phase, PhaseTarget, Rate, SenKey, SexKey, Source, Targets,
};
use std::collections::BTreeMap;
use waymark_domain::{AcademicYear, LocalAuthority};

const LA_CSV: &str = include_str!("../data/la_exclusions_2015_2017.csv");
const REGIONS_CSV: &str = include_str!("../data/la_regions.csv");
const CHARACTERISTICS_CSV: &str = include_str!("../data/characteristics_2015_16.csv");

/// Years the committed extract covers.
pub const YEARS: [AcademicYear; 2] = [AcademicYear(2015), AcademicYear(2016)];

/// Split one CSV line, honouring double quotes (LA names such as "Bristol, City of").
fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

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

fn normalise_name(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', "and").replace("st.", "st").replace("upon", "on");
    let lower = lower.strip_suffix(", city of").map(|s| s.to_string()).unwrap_or(lower);
    let lower = lower.strip_prefix("city of ").map(|s| s.to_string()).unwrap_or(lower);
    lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// LA names as DfE's 2006-2017 files write them, to LA numbers.
pub fn la_number(name: &str) -> Option<u16> {
    // Names the 2006-2017 files spell differently from the dated LA table.
    const ALIASES: &[(&str, u16)] = &[
        ("Bournemouth", 837),
        ("Poole", 836),
        ("Cumbria", 909),
        ("Durham", 840),
        ("Herefordshire", 884),
        ("Northamptonshire", 928),
        ("Bristol City of", 801),
        ("Kingston upon Hull City of", 810),
    ];
    if let Some((_, n)) = ALIASES.iter().find(|(a, _)| *a == name) {
        return Some(*n);
    }
    let want = normalise_name(name);
    (200..=999u16).find(|&n| LocalAuthority::by_number(n).is_some_and(|la| normalise_name(la.name) == want))
}

/// Targets for a year from the committed extract (2015/16 or 2016/17).
pub fn targets(year: AcademicYear) -> Option<Targets> {
    let period = year.dfe_period();
    let mut national: BTreeMap<Phase, Published> = BTreeMap::new();
    let mut regions: BTreeMap<(String, Phase), Published> = BTreeMap::new();
    let mut las: BTreeMap<(String, Phase), Published> = BTreeMap::new();
    for line in LA_CSV.lines().skip(1) {
        let f = split(line);
        if f.len() < 12 || f[0] != period {
            continue;
        }
        let phase = match f[3].as_str() {
            "Primary" => Phase::Primary,
            "Secondary" => Phase::Secondary,
            "Special" => Phase::Special,
            _ => continue,
        };
        let p = Published {
            schools: num(&f[4]),
            headcount: num(&f[5]),
            perm: num(&f[6]),
            perm_rate: num(&f[7]),
            susp: num(&f[8]),
            susp_rate: num(&f[9]),
            one_plus: num(&f[10]),
            one_plus_rate: num(&f[11]),
        };
        match f[1].as_str() {
            "National" => {
                national.insert(phase, p);
            }
            "Region" => {
                regions.insert((f[2].clone(), phase), p);
            }
            _ => {
                las.insert((f[2].clone(), phase), p);
            }
        }
    }
    if national.is_empty() {
        return None;
    }
    let region_of: BTreeMap<String, String> =
        REGIONS_CSV.lines().skip(1).map(split).filter(|f| f.len() > 4).map(|f| (f[4].clone(), f[3].clone())).collect();
    let names: Vec<String> =
        las.keys().map(|(n, _)| n.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut out = Vec::new();
    for name in names {
        let Some(number) = la_number(&name) else { continue };
        let region = region_of.get(&name).cloned().unwrap_or_default();
        let phases = Phase::ALL
            .iter()
            .filter_map(|&phase| {
                let p = las.get(&(name.clone(), phase))?;
                let fallbacks = [regions.get(&(region.clone(), phase)).copied(), national.get(&phase).copied()];
                Some(phase_target(phase, p, &fallbacks))
            })
            .collect();
        out.push(LaTarget { number, name, region, phases });
    }
    out.sort_by_key(|l| l.number);
    Some(Targets { year, las: out, characteristics: characteristics() })
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

/// The national characteristics table, 2015/16, school type "Total".
pub fn characteristics() -> Characteristics {
    let mut total = None;
    let mut groups = Vec::new();
    for line in CHARACTERISTICS_CSV.lines().skip(1) {
        let f = split(line);
        if f.len() < 15 {
            continue;
        }
        let rates = GroupRates {
            headcount: num(&f[8]).unwrap_or(0.0),
            perm: num(&f[9]),
            susp: num(&f[11]),
            one_plus: num(&f[13]),
        };
        match characteristic_group(&f[6]) {
            Some(g) => groups.push((g, rates)),
            None if f[6] == "Total" => total = Some(rates),
            None => {}
        }
    }
    Characteristics { year: AcademicYear(2015), total: total.expect("the extract has a total row"), groups }
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
    fn every_la_in_the_extract_is_found() {
        let t = targets(AcademicYear(2016)).unwrap();
        let names: std::collections::BTreeSet<String> = LA_CSV
            .lines()
            .map(split)
            .filter(|f| f.len() > 2 && f[0] == "201617" && f[1] == "Local authority")
            .map(|f| f[2].clone())
            .collect();
        let missing: Vec<_> = names.iter().filter(|n| la_number(n).is_none()).collect();
        assert!(missing.is_empty(), "unmatched LA names: {missing:?}");
        assert_eq!(t.las.len(), names.len());
        let kent = t.la(886).unwrap();
        assert_eq!(kent.phase(Phase::Secondary).unwrap().headcount, 99_502);
    }
}
