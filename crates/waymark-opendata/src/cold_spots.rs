//! The cold-spot index: where excluded children have the poorest chance of a good education
//! afterwards. Each component measures something about the education after exclusion (the
//! quality of AP, attendance in PRUs, how much AP is unregistered, how many AP places there are
//! for each permanent exclusion, and whether young people with SEN end up NEET); the exclusion
//! rate is shown beside them as context with no weight. The method (percentile ranks, weights,
//! missing components, leave-one-component-out rank intervals) is
//! [`waymark_analytics::index`]; this module reads each component for every LA, says which year
//! and file it comes from, and ranks them.

use crate::after::AfterMeasure;
use crate::exclusions::{Area, SchoolType};
use crate::las::LaInfo;
use crate::national::{decimal, thousands, Base, Cell, Measure, Observatory};
use waymark_analytics::index::{self, Component, Ranked};
use waymark_domain::AcademicYear;

/// Where a component's figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// A measure of the after-exclusion tables, read for its latest year.
    After(AfterMeasure),
    /// A map measure (exclusions, school-arranged AP), read for the index year.
    Map(Measure),
    /// Pupils in state-funded AP schools plus LA-funded AP placements (January census and AP
    /// census of the index year), per permanent exclusion in that year. DfE publishes LAIT's
    /// 2017/18-on LA exclusion figures as rates only, so the exclusions are estimated as the
    /// year's permanent exclusion rate times the LA's pupil headcount in the latest year
    /// published with counts (2016/17).
    ApPlacesPerExclusion,
    /// Pupils in school-arranged AP with an "other unregistered provider", as a share of all
    /// pupils in school-arranged AP (January census of the index year,
    /// `spc_school_ap_characteristics.csv`). One-to-one tuition is a setting type of its own
    /// and is not counted.
    SchoolArrangedUnregistered,
}

/// One component of the cold-spot index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColdSpotComponent {
    pub figure: Figure,
    /// A stable code (CSV column names).
    pub code: &'static str,
    pub label: &'static str,
    /// Whether a higher value puts an LA nearer the cold end.
    pub higher_is_worse: bool,
    /// Its share of the index; 0 for context.
    pub weight: f64,
    /// Why it is there and why it weighs what it does.
    pub why: &'static str,
}

/// What the index measures, in one sentence, for every page that shows it.
pub const COLD_SPOT_MEASURES: &str = "where excluded children have the poorest chance of a good education afterwards: how little of the LA's state-funded alternative provision Ofsted judges good or outstanding, how many pupils in its pupil referral units are persistently absent, how much school-arranged AP is with unregistered providers, how few AP places there are for each child permanently excluded, and how many 16-17 year olds with special educational needs are not in education, employment or training (or not known). The exclusion rate is shown beside it as context and carries no weight.";

/// The setting type counted as unregistered.
const UNREGISTERED: &str = "Other unregistered provider";

/// LAs need at least this share of the index weight present to be ranked.
pub const COLD_SPOT_MIN_COVERAGE: f64 = 0.6;

/// The components, their directions, weights and reasons. The weights sum to 1.
pub fn cold_spot_components() -> Vec<ColdSpotComponent> {
    vec![
        ColdSpotComponent {
            figure: Figure::After(AfterMeasure::ApOfstedGoodPercent),
            code: "ap_quality",
            label: "State-funded AP schools judged good or outstanding, %",
            higher_is_worse: false,
            weight: 0.25,
            why: "The only published judgement of the education itself in the AP excluded children are sent to. The largest weight, but not more: an LA with one or two AP schools swings between 0 and 100%, and LA-funded and unregistered AP is not inspected this way.",
        },
        ColdSpotComponent {
            figure: Figure::After(AfterMeasure::PruPersistentAbsencePercent),
            code: "pru_persistent_absence",
            label: "PRU enrolments persistently absent (10% or more of sessions), %",
            higher_is_worse: true,
            weight: 0.20,
            why: "A place is only education if the child attends. Persistent absence in PRUs (autumn and spring terms) is the attendance figure DfE publishes by LA for AP; AP academies and free schools are not in it.",
        },
        ColdSpotComponent {
            figure: Figure::ApPlacesPerExclusion,
            code: "ap_places_per_exclusion",
            label: "AP pupils per permanent exclusion",
            higher_is_worse: false,
            weight: 0.20,
            why: "Few AP places for each child permanently excluded means excluded children wait, or go part-time or unregistered. The exclusions are estimated from the year's rate and an older headcount, so it weighs less than quality.",
        },
        ColdSpotComponent {
            figure: Figure::SchoolArrangedUnregistered,
            code: "ap_unregistered_share",
            label: "Pupils in school-arranged AP with unregistered providers, %",
            higher_is_worse: true,
            weight: 0.15,
            why: "Unregistered providers are not schools and nobody inspects the education they give. A risk, not a finding of poor education, and it covers school-arranged AP, not AP after a permanent exclusion, so a smaller weight.",
        },
        ColdSpotComponent {
            figure: Figure::After(AfterMeasure::NeetNotKnownEhcpPercent),
            code: "neet_ehcp",
            label: "16-17 year olds with an EHC plan NEET or not known, %",
            higher_is_worse: true,
            weight: 0.10,
            why: "What happens afterwards. Most excluded pupils have SEN; NEET by SEN status is the nearest published LA figure to the destinations of excluded pupils (DfE's LA destination tables leave AP out). Not specific to excluded pupils, so half of a 20% weight shared with SEN support.",
        },
        ColdSpotComponent {
            figure: Figure::After(AfterMeasure::NeetNotKnownSenSupportPercent),
            code: "neet_sen_support",
            label: "16-17 year olds with SEN support NEET or not known, %",
            higher_is_worse: true,
            weight: 0.10,
            why: "The other half of the SEN outcome: SEN support (no EHC plan) is the larger group among excluded pupils. Kept as its own component because DfE publishes the two groups separately, without a combined rate.",
        },
        ColdSpotComponent {
            figure: Figure::Map(Measure::Rate(Base::Perm)),
            code: "perm_exclusion_rate",
            label: "Permanent exclusion rate, %",
            higher_is_worse: true,
            weight: 0.0,
            why: "Context, no weight: how many children need education after exclusion, not how good it is. It already enters the index once, as the denominator of AP places per exclusion.",
        },
    ]
}

/// One LA's row of the cold-spot index.
#[derive(Debug, Clone)]
pub struct ColdSpotRow<'a> {
    pub la: &'a LaInfo,
    /// Score, component ranks, rank (1 = coldest) and leave-one-out rank interval.
    pub ranked: Ranked,
    /// Each component's figure as read.
    pub cells: Vec<Cell>,
    /// The labels of the components with no figure for this LA.
    pub missing: Vec<&'static str>,
}

/// The computed index, kept by the observatory: the year, and per LA its number, place and
/// component figures.
pub(crate) struct ColdCache {
    year: i32,
    rows: Vec<(u16, Ranked, Vec<Cell>)>,
}

/// The index: the year it is for, and a row per LA active in that year.
pub struct ColdSpotIndex<'a> {
    pub year: i32,
    pub rows: Vec<ColdSpotRow<'a>>,
}

impl Observatory {
    /// The index year: the latest year of the AP census and school-arranged AP tables (the
    /// AP-places and unregistered components), at or before the latest exclusion rates.
    pub fn cold_spot_year(&self) -> Option<i32> {
        let latest = self.latest_year();
        // Not `years()`: that is worked out once for every measure, this one included.
        self.ap_years().into_iter().filter(|y| *y <= latest).max()
    }

    /// The year a component is read for: the index year for map measures and the AP-places
    /// ratio; the latest published year for the after-exclusion measures. (Calendar years for
    /// NCCIS and Ofsted, as the source labels them.)
    pub fn cold_spot_component_year(&self, c: &ColdSpotComponent, index_year: i32) -> i32 {
        match c.figure {
            Figure::After(m) => self.data.after.latest_year(m).unwrap_or(index_year),
            Figure::Map(_) | Figure::ApPlacesPerExclusion | Figure::SchoolArrangedUnregistered => index_year,
        }
    }

    /// The year as people read it ("2022/23", "2025").
    pub fn cold_spot_year_label(&self, c: &ColdSpotComponent, index_year: i32) -> String {
        let y = self.cold_spot_component_year(c, index_year);
        match c.figure {
            Figure::After(m) => m.year_label(y),
            _ => AcademicYear(y).to_string(),
        }
    }

    /// Where a component's figure comes from: the publication and the file.
    pub fn cold_spot_source(&self, c: &ColdSpotComponent, index_year: i32) -> String {
        let y = self.cold_spot_component_year(c, index_year);
        match c.figure {
            Figure::After(m) => {
                let info = m.info();
                format!("DfE, {} (dfe-ap-outcomes/{})", info.publication, m.source_for(y))
            }
            Figure::Map(m) => self.source_for(m, y),
            Figure::SchoolArrangedUnregistered => {
                format!("DfE, Schools, pupils and their characteristics {} (dfe-alternative-provision-2022-23/spc_school_ap_characteristics.csv)", AcademicYear(y))
            }
            Figure::ApPlacesPerExclusion => format!(
                "DfE, {} (dfe-ap-outcomes/{}); permanent exclusion rate: {}; headcount: {}",
                AfterMeasure::ApSchoolPupils.info().publication,
                AfterMeasure::ApSchoolPupils.source_for(y),
                self.source_for(Measure::Rate(Base::Perm), y),
                self.source_for(Measure::Rate(Base::Perm), self.latest_detailed_year()),
            ),
        }
    }

    /// A component's figure for one LA.
    pub fn cold_spot_cell(&self, c: &ColdSpotComponent, index_year: i32, la: u16) -> Cell {
        let y = self.cold_spot_component_year(c, index_year);
        let area = Area::La(la);
        match c.figure {
            Figure::Map(m) => self.cell(m, SchoolType::Total, y, &area),
            Figure::After(m) => match self.data.after.value(m, y, &area) {
                Some(v) => match v.number() {
                    Some(n) => Cell { value: Some(n), shown: decimal(n, 1) },
                    None => Cell { value: None, shown: crate::national::describe_missing(&v) },
                },
                None => Cell { value: None, shown: "Not published for this LA".into() },
            },
            Figure::ApPlacesPerExclusion => self.ap_places_per_exclusion(y, la),
            Figure::SchoolArrangedUnregistered => self.school_arranged_unregistered(y, la),
        }
    }

    fn school_arranged_unregistered(&self, year: i32, la: u16) -> Cell {
        let area = Area::La(la);
        let pupils = |setting: &str| {
            self.data.ap.characteristics.iter().find(|r| {
                r.year.0 == year
                    && r.area == area
                    && r.grouping == "Total"
                    && r.characteristic == "Total"
                    && r.setting_type == setting
            })
        };
        let Some(total) = pupils("Total") else {
            return Cell { value: None, shown: "No school-arranged AP published".into() };
        };
        let Some(total) = total.pupils.number() else {
            return Cell { value: None, shown: crate::national::describe_missing(&total.pupils) };
        };
        if total < crate::national::MIN_PUPILS {
            return Cell { value: None, shown: "Too few pupils to show a share".into() };
        }
        // No row for the setting type means no pupils with it; a suppressed count is not a zero.
        let unregistered = match pupils(UNREGISTERED) {
            None => 0.0,
            Some(r) if r.pupils == crate::value::Value::RoundsToZero => 0.0,
            Some(r) => match r.pupils.number() {
                Some(n) => n,
                None => return Cell { value: None, shown: "Suppressed (small numbers)".into() },
            },
        };
        let share = unregistered / total * 100.0;
        Cell {
            value: Some(share),
            shown: format!("{} ({} of {} pupils)", decimal(share, 1), thousands(unregistered), thousands(total)),
        }
    }

    fn ap_places_per_exclusion(&self, year: i32, la: u16) -> Cell {
        let area = Area::La(la);
        let count = |m: AfterMeasure| self.data.after.value(m, year, &area).and_then(|v| v.number());
        let (school, placements) = (count(AfterMeasure::ApSchoolPupils), count(AfterMeasure::LaFundedApPlacements));
        let places = match (school, placements) {
            (None, None) => return Cell { value: None, shown: "No AP pupils published".into() },
            (s, p) => s.unwrap_or(0.0) + p.unwrap_or(0.0),
        };
        let Some(rate) = self.rate(Base::Perm, SchoolType::Total, year, &area).value else {
            return Cell { value: None, shown: "No permanent exclusion rate".into() };
        };
        let from = self.latest_detailed_year();
        let Some(headcount) = self.headcount(from, &area) else {
            return Cell { value: None, shown: format!("No {} headcount (LA created since)", AcademicYear(from)) };
        };
        let exclusions = rate / 100.0 * headcount;
        if exclusions <= 0.0 {
            return Cell { value: None, shown: "No permanent exclusions: ratio not defined".into() };
        }
        let ratio = places / exclusions;
        Cell {
            value: Some(ratio),
            shown: format!(
                "{} ({} AP pupils, about {} exclusions)",
                decimal(ratio, 1),
                thousands(places),
                thousands(exclusions.round())
            ),
        }
    }

    /// Every component's figure for every LA active in the index year, and the index over
    /// them: computed once (it ranks every LA on every component, leaving each out in turn).
    fn cold_cache(&self) -> Option<&ColdCache> {
        self.cold
            .get_or_init(|| {
                let year = self.cold_spot_year()?;
                let las: Vec<&LaInfo> =
                    self.data.las.active_in(year).into_iter().filter(|la| !la.ons_code.is_empty()).collect();
                let comps = cold_spot_components();
                let cells: Vec<Vec<Cell>> = comps
                    .iter()
                    .map(|c| las.iter().map(|la| self.cold_spot_cell(c, year, la.number)).collect())
                    .collect();
                let components: Vec<Component> = comps
                    .iter()
                    .map(|c| Component { name: c.code.into(), weight: c.weight, higher_is_worse: c.higher_is_worse })
                    .collect();
                let values: Vec<Vec<Option<f64>>> =
                    cells.iter().map(|cs| cs.iter().map(|c| c.value).collect()).collect();
                let ranked = index::rank_with_intervals(&components, &values, COLD_SPOT_MIN_COVERAGE);
                let rows = las
                    .iter()
                    .zip(ranked)
                    .enumerate()
                    .map(|(u, (la, r))| (la.number, r, cells.iter().map(|cs| cs[u].clone()).collect()))
                    .collect();
                Some(ColdCache { year, rows })
            })
            .as_ref()
    }

    /// The cold-spot index: every LA active in the index year, with its figures, score, rank,
    /// rank interval and missing components.
    pub fn cold_spot_index(&self) -> Option<ColdSpotIndex<'_>> {
        let cache = self.cold_cache()?;
        let comps = cold_spot_components();
        let rows = cache
            .rows
            .iter()
            .filter_map(|(n, ranked, cells)| {
                let la = self.data.las.by_number(*n)?;
                let missing =
                    comps.iter().zip(&ranked.scored.ranks).filter(|(_, r)| r.is_none()).map(|(c, _)| c.label).collect();
                Some(ColdSpotRow { la, ranked: ranked.clone(), cells: cells.clone(), missing })
            })
            .collect();
        Some(ColdSpotIndex { year: cache.year, rows })
    }

    /// An LA's index score, for the map.
    pub(crate) fn cold_spot_score(&self, year: i32, la: u16) -> Cell {
        if self.cold_spot_year() != Some(year) {
            return Cell { value: None, shown: "No data".into() };
        }
        self.cold_cache()
            .and_then(|c| c.rows.iter().find(|(n, _, _)| *n == la))
            .and_then(|(_, r, _)| r.scored.score)
            .map_or_else(
                || Cell { value: None, shown: "Data not available (too few components to rank)".into() },
                |s| Cell { value: Some(s), shown: decimal(s, 0) },
            )
    }

    /// The `n` coldest LAs (rank 1 first; equal ranks by name).
    pub fn coldest(&self, n: usize) -> Vec<ColdSpotRow<'_>> {
        let Some(index) = self.cold_spot_index() else { return Vec::new() };
        let mut rows: Vec<ColdSpotRow> = index.rows.into_iter().filter(|r| r.ranked.rank.is_some()).collect();
        rows.sort_by(|a, b| a.ranked.rank.cmp(&b.ranked.rank).then(a.la.name.cmp(&b.la.name)));
        rows.truncate(n);
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_context_has_none() {
        let comps = cold_spot_components();
        let total: f64 = comps.iter().map(|c| c.weight).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let perm = comps.iter().find(|c| c.figure == Figure::Map(Measure::Rate(Base::Perm))).unwrap();
        assert_eq!(perm.weight, 0.0);
        // No component is most of the weight.
        assert!(comps.iter().all(|c| c.weight <= 0.25));
    }
}
