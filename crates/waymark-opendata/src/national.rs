//! The national model behind the public observatory: every map measure for every LA and year,
//! LA profiles (trends, reasons, rank, statistical neighbours, data gaps), the cold-spot index,
//! headline figures and the cost of exclusion. Everything is computed from the loaded open
//! data; nothing is typed in except the published cost estimate, which is shown with its source.

use crate::after::{AfterMeasure, Direction, Period, Unit as AfterUnit, MEASURES as AFTER_MEASURES};
use crate::ap::ApData;
pub use crate::cold_spots::{cold_spot_components, ColdSpotComponent, COLD_SPOT_MEASURES, COLD_SPOT_MIN_COVERAGE};
use crate::exclusions::{Area, LaitMeasure, Reason, SchoolType};
use crate::las::LaInfo;
use crate::value::Value;
use crate::OpenData;
use std::collections::{BTreeSet, HashMap};
pub use waymark_analytics::index::competition_ranks;
use waymark_domain::AcademicYear;

/// A base exclusion measure, by school type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    Perm,
    Susp,
    OnePlus,
}

impl Base {
    pub const ALL: [Base; 3] = [Base::Perm, Base::Susp, Base::OnePlus];

    pub fn code(self) -> &'static str {
        match self {
            Base::Perm => "perm",
            Base::Susp => "susp",
            Base::OnePlus => "one-plus",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Base::Perm => "Permanent exclusion rate",
            Base::Susp => "Suspension rate",
            Base::OnePlus => "Pupils with one or more suspensions",
        }
    }

    fn lait(self, st: SchoolType) -> LaitMeasure {
        match self {
            Base::Perm => LaitMeasure::PermRate(st),
            Base::Susp => LaitMeasure::SuspRate(st),
            Base::OnePlus => LaitMeasure::OnePlusRate(st),
        }
    }
}

/// Everything the map can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Rate(Base),
    /// Change in a base rate over `years` years (percentage points).
    Change(Base, u8),
    /// Exclusions for one reason per 10,000 pupils (permanent) — 2006/07 to 2016/17.
    PermReason(Reason),
    /// Suspensions for one reason per 100 pupils — 2006/07 to 2016/17.
    SuspReason(Reason),
    LacOnePlusSusp,
    CinOnePlusSusp,
    CinPerm,
    /// AP placements by setting type (count), January 2023 (see [`SETTING_FILE_CAVEAT`]).
    ApPlacements,
    /// The share of AP placements by setting type with unregistered providers, %.
    ApUnregisteredShare,
    /// Pupils in LA-arranged AP (AP census 2023).
    ApLaArranged,
    /// A measure of what happens after exclusion (issue 12), from `dfe-ap-outcomes/`. Its years
    /// are academic years (start years) here, whatever the source writes
    /// ([`AfterMeasure::boundary_year`]), so the map draws the LAs of the right year.
    After(AfterMeasure),
    ColdSpot,
}

/// How a measure is described to people.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureInfo {
    pub measure: Measure,
    pub code: String,
    pub label: String,
    pub unit: &'static str,
    /// Whether the school type choice applies.
    pub by_school_type: bool,
    pub source: &'static str,
    pub definition: String,
}

const SOURCE_2006_2017: &str =
    "DfE, Permanent and fixed-period exclusions in England (SFR35/2017 and the 2016/17 release)";
const SOURCE_LAIT: &str = "DfE Local Authority Interactive Tool (LAIT): suspensions and permanent exclusions; outcomes for children in need and looked after";
/// Why the setting-type file's placements are not labelled school-arranged, as its source labels
/// them: its totals match DfE's LA-funded counts (checked in `tests/observatory.rs`).
pub const SETTING_FILE_CAVEAT: &str = "Its source describes these as school-arranged placements, but its LA totals equal DfE's counts of LA-funded AP placements (sendap_ap_counts) for most LAs and not the school-arranged counts, so they are most likely LA-funded placements from the AP census: read with care.";
const SOURCE_AP: &str =
    "DfE, Schools, pupils and their characteristics 2022/23 (January 2023 census) and the AP census 2023";
/// The unregistered provider types in the school-arranged AP table. One-to-one tuition is a
/// setting type of its own: tutors may work for registered providers, so it is not counted.
const UNREGISTERED: [&str; 1] = ["Other unregistered provider"];
/// The change measures offered.
pub const CHANGE_YEARS: [u8; 2] = [3, 5];

impl Measure {
    pub fn all() -> Vec<Measure> {
        let mut all: Vec<Measure> = Base::ALL.iter().map(|b| Measure::Rate(*b)).collect();
        for b in Base::ALL {
            for n in CHANGE_YEARS {
                all.push(Measure::Change(b, n));
            }
        }
        all.extend([Measure::LacOnePlusSusp, Measure::CinOnePlusSusp, Measure::CinPerm]);
        all.extend(Reason::ALL.iter().map(|r| Measure::PermReason(*r)));
        all.extend(Reason::ALL.iter().map(|r| Measure::SuspReason(*r)));
        all.extend([Measure::ApPlacements, Measure::ApUnregisteredShare, Measure::ApLaArranged]);
        all.extend(AFTER_MEASURES.iter().filter(|m| !m.national_only).map(|m| Measure::After(m.measure)));
        all.push(Measure::ColdSpot);
        all
    }

    /// The after-exclusion measures published for England only (KS4 destinations of AP
    /// leavers): not on the map, shown on LA profiles as the national figure.
    pub fn national_only() -> Vec<Measure> {
        AFTER_MEASURES.iter().filter(|m| m.national_only).map(|m| Measure::After(m.measure)).collect()
    }

    /// The stable code used in URLs.
    pub fn code(self) -> String {
        match self {
            Measure::Rate(b) => b.code().to_string(),
            Measure::Change(b, n) => format!("change-{}-{n}", b.code()),
            Measure::PermReason(r) => format!("perm-reason-{}", reason_slug(r)),
            Measure::SuspReason(r) => format!("susp-reason-{}", reason_slug(r)),
            Measure::LacOnePlusSusp => "cla-one-plus".into(),
            Measure::CinOnePlusSusp => "cin-one-plus".into(),
            Measure::CinPerm => "cin-perm".into(),
            Measure::ApPlacements => "ap-placements".into(),
            Measure::ApUnregisteredShare => "ap-unregistered".into(),
            Measure::ApLaArranged => "ap-la-arranged".into(),
            Measure::After(m) => format!("after-{}", m.code().replace('_', "-")),
            Measure::ColdSpot => "cold-spot".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Measure> {
        Measure::all().into_iter().find(|m| m.code() == code)
    }

    /// A map measure's unit and the source's own notion of its year, for an after-exclusion
    /// measure.
    fn after_info(m: AfterMeasure) -> (String, &'static str, bool, &'static str, String) {
        let i = m.info();
        let unit = match i.unit {
            AfterUnit::Count if i.label.contains("schools") && !i.label.contains("Pupils") => "schools",
            AfterUnit::Count => "pupils",
            AfterUnit::Percent => "%",
            AfterUnit::Score => "score",
        };
        let year = match i.period {
            Period::Academic => "Years are academic years.",
            Period::CalendarSpring => {
                "The source dates each year by the end of its December-to-February average: 2023 is shown as 2022/23."
            }
            Period::CalendarAugust => {
                "Grades as at 31 August at the start of the academic year: August 2023 is shown as 2023/24."
            }
        };
        let direction = match i.direction {
            Direction::HigherIsWorse => " Higher is worse for excluded children.",
            Direction::HigherIsBetter => " Higher is better for excluded children.",
            Direction::Context => "",
        };
        // The unit is shown with the figures, so ", %" is not repeated in headings.
        (i.label.trim_end_matches(", %").into(), unit, false, i.publication, format!("{} {year}{direction}", i.caveat))
    }

    pub fn info(self) -> MeasureInfo {
        let (label, unit, by_type, source, definition): (String, &str, bool, &str, String) = match self {
            Measure::Rate(b) => (
                b.label().into(),
                "%",
                true,
                SOURCE_2006_2017,
                format!("{} as a percentage of pupils on roll at the January census (sole and dual main registrations). 2006/07 to 2016/17 from DfE's exclusion statistics; later years from LAIT.", b.label()),
            ),
            Measure::Change(b, n) => (
                format!("Change in {} over {n} years", b.label().to_lowercase()),
                "percentage points",
                true,
                SOURCE_2006_2017,
                format!("The year's rate minus the rate {n} years earlier, in percentage points. Rising rates are orange, falling purple."),
            ),
            Measure::PermReason(r) => (
                format!("Permanent exclusions for {} per 10,000 pupils", r.label().to_lowercase()),
                "per 10,000 pupils",
                true,
                SOURCE_2006_2017,
                "Permanent exclusions recorded with this reason per 10,000 pupils on roll. Published for 2006/07 to 2016/17 with the older list of reasons.".into(),
            ),
            Measure::SuspReason(r) => (
                format!("Suspensions for {} per 100 pupils", r.label().to_lowercase()),
                "per 100 pupils",
                true,
                SOURCE_2006_2017,
                "Suspensions recorded with this reason per 100 pupils on roll, 2006/07 to 2016/17.".into(),
            ),
            Measure::LacOnePlusSusp => (LaitMeasure::LacOnePlusSusp.label(), "%", false, SOURCE_LAIT, "Children looked after continuously for 12 months with at least one suspension in the year.".into()),
            Measure::CinOnePlusSusp => (LaitMeasure::CinOnePlusSusp.label(), "%", false, SOURCE_LAIT, "Children in need at 31 March with at least one suspension in the academic year.".into()),
            Measure::CinPerm => (LaitMeasure::CinPerm.label(), "%", false, SOURCE_LAIT, "Children in need at 31 March with a permanent exclusion in the academic year.".into()),
            Measure::ApPlacements => (
                "AP placements by setting type".into(),
                "placements",
                false,
                SOURCE_AP,
                format!("Placements in alternative provision by setting type, January 2023 (spc_ap_setting.csv). {SETTING_FILE_CAVEAT} A rate per 1,000 pupils needs the 2022/23 pupil headcount by LA, which is not in the loaded data, so the count is shown."),
            ),
            Measure::ApUnregisteredShare => (
                "AP placements in unregistered provision".into(),
                "% of placements",
                false,
                SOURCE_AP,
                format!("Placements with {} as a share of all AP placements with a known setting type, January 2023. {SETTING_FILE_CAVEAT}", UNREGISTERED.join(" or ").to_lowercase()),
            ),
            Measure::ApLaArranged => ("Pupils in LA-arranged AP".into(), "pupils", false, SOURCE_AP, "Pupils in alternative provision arranged by the local authority, AP census January 2023.".into()),
            Measure::After(m) => Measure::after_info(m),
            Measure::ColdSpot => (
                "Cold-spot index (education after exclusion)".into(),
                "index (0 best placed, 100 coldest)",
                false,
                "Waymark, from DfE's published measures (see the cold-spot method)",
                format!("An index of {COLD_SPOT_MEASURES} Each component is read for its latest published year; see the cold-spot method."),
            ),
        };
        MeasureInfo { measure: self, code: self.code(), label, unit, by_school_type: by_type, source, definition }
    }
}

/// One figure for one LA: the number if there is one, and what to show either way.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Option<f64>,
    /// As people read it: "0.12", "c" (suppressed), "No data", …
    pub shown: String,
}

impl Cell {
    fn from_value(v: &Value, dp: usize) -> Cell {
        match v.number() {
            Some(n) => Cell { value: Some(n), shown: decimal(n, dp) },
            None => Cell { value: None, shown: describe_missing(v) },
        }
    }

    fn number(n: f64, dp: usize) -> Cell {
        Cell { value: Some(n), shown: decimal(n, dp) }
    }

    fn no_data() -> Cell {
        Cell { value: None, shown: "No data".into() }
    }
}

pub(crate) fn describe_missing(v: &Value) -> String {
    match v {
        Value::Suppressed => "Suppressed (small number)".into(),
        Value::NotApplicable => "Not applicable".into(),
        Value::LowReliability => "Low reliability".into(),
        Value::RoundsToZero => "Fewer than 0.5".into(),
        _ => "Not available".into(),
    }
}

/// One row of the map's table.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRow<'a> {
    pub la: &'a LaInfo,
    pub cell: Cell,
    /// 1 = highest value among LAs with data.
    pub rank: Option<usize>,
}

/// Rates on fewer pupils than this are not shown.
pub const MIN_PUPILS: f64 = 10.0;

const LONDON: &str = "E12000007";
/// ONS's statistical Inner London (the definition DfE's 2006–2017 tables use): City, Camden,
/// Hackney, Hammersmith and Fulham, Islington, Kensington and Chelsea, Lambeth, Lewisham,
/// Southwark, Tower Hamlets, Wandsworth, Westminster, Haringey and Newham.
const INNER_LONDON: [u16; 14] = [201, 202, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 309, 316];

/// The published lifetime cost of one permanently excluded pupil, and the source's own total.
pub struct CostSource {
    pub per_pupil: f64,
    /// The source's own figure for one year's cohort of permanently excluded pupils.
    pub per_cohort: f64,
    pub price_year: &'static str,
    pub source: &'static str,
}

/// IPPR, Making the difference (2017): about £370,000 per excluded pupil over a lifetime
/// (education, benefits, health and criminal justice), and £2.1 billion for each year's cohort.
pub const IPPR_COST: CostSource = CostSource {
    per_pupil: 370_000.0,
    per_cohort: 2.1e9,
    price_year: "2017",
    source: "IPPR, Making the difference: breaking the link between school exclusion and social exclusion (2017)",
};

/// A figure for the "exclusions in numbers" block.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub figure: String,
    pub text: String,
    pub year: String,
    pub source: &'static str,
}

/// A figure the seed quotes that the loaded data cannot give: shown with its source and marked
/// "quoted, not computed".
#[derive(Debug, Clone, PartialEq)]
pub struct QuotedFigure {
    pub figure: &'static str,
    pub text: &'static str,
    pub source: &'static str,
    /// Why Waymark cannot compute it.
    pub why_not_computed: &'static str,
}

const SEED: &str = "IntegratED, Exclusions in numbers (the partnership's own summary of DfE statistics)";

/// The seed's figures that no loaded file can reproduce.
pub const QUOTED: &[QuotedFigure] = &[
    QuotedFigure {
        figure: "830,000 days",
        text: "of school were lost to suspensions (fixed-period exclusions) in a year",
        source: SEED,
        why_not_computed: "DfE publishes suspensions as counts of suspensions and of pupils, not as days lost, in the files loaded here.",
    },
    QuotedFigure {
        figure: "4%",
        text: "of excluded pupils pass their English and maths GCSEs (64% of all pupils)",
        source: SEED,
        why_not_computed: "KS4 results of excluded pupils and of pupils in AP are not in the loaded data (by LA they are not published at all); the nearest computed figure is that of children in need, below.",
    },
    QuotedFigure {
        figure: "1 in 3",
        text: "pupils has a social worker at the point of exclusion",
        source: SEED,
        why_not_computed: "The loaded data has permanent exclusions of children in need but no count of all permanent exclusions for the same year (2020/21), so the share cannot be formed; the ratio of the two rates is computed instead.",
    },
];

/// A figure that is not published by LA at all (a gap in the published data, not in one LA's):
/// what, the year it concerns, and why, with England's figure where the data has it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedGap {
    pub what: String,
    pub year: String,
    pub why: String,
}

/// The observatory's model: the open data with lookups built once.
pub struct Observatory {
    pub data: OpenData,
    rows: HashMap<(i32, Area, SchoolType), usize>,
    lait: HashMap<(LaitMeasure, i32, Area), usize>,
    reasons: HashMap<(i32, Area, SchoolType, Reason), usize>,
    last_detailed_year: i32,
    last_lait_year: i32,
    /// (year, LA) whose counts were filed under their successors and are summed back here.
    reattributed: Vec<(i32, u16)>,
    /// Each measure's years, computed once.
    years: std::sync::OnceLock<HashMap<Measure, Vec<i32>>>,
    /// The cold-spot index, computed once (it ranks every LA on every component).
    pub(crate) cold: std::sync::OnceLock<Option<crate::cold_spots::ColdCache>>,
}

impl Observatory {
    pub fn new(mut data: OpenData) -> Observatory {
        let reattributed = reattribute_to_predecessors(&mut data);
        let rows =
            data.exclusions.iter().enumerate().map(|(i, r)| ((r.year.0, r.area.clone(), r.school_type), i)).collect();
        let lait = data.lait.iter().enumerate().map(|(i, r)| ((r.measure, r.start_year, r.area.clone()), i)).collect();
        let reasons = data
            .reasons
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.year.0, r.area.clone(), r.school_type, r.reason), i))
            .collect();
        let last_detailed_year = data.exclusions.iter().map(|r| r.year.0).max().unwrap_or(2016);
        let last_lait_year = data.lait.iter().map(|r| r.start_year).max().unwrap_or(last_detailed_year);
        Observatory {
            data,
            rows,
            lait,
            reasons,
            last_detailed_year,
            last_lait_year,
            reattributed,
            years: std::sync::OnceLock::new(),
            cold: std::sync::OnceLock::new(),
        }
    }

    /// Work out now what pages otherwise work out on first use and keep (each measure's years,
    /// the cold-spot index, the AP census totals), so that no visitor's first page pays for it.
    pub fn prepare(&self) {
        let _ = self.years(Measure::ColdSpot);
        let _ = self.cold_spot_index();
        self.data.ap.prepare();
    }

    /// The academic years (start years) a measure has data for.
    pub fn years(&self, measure: Measure) -> Vec<i32> {
        // Asked on every map request (the form lists every measure's years): work them out once.
        self.years
            .get_or_init(|| {
                Measure::all().into_iter().chain(Measure::national_only()).map(|m| (m, self.compute_years(m))).collect()
            })
            .get(&measure)
            .cloned()
            .unwrap_or_default()
    }

    fn compute_years(&self, measure: Measure) -> Vec<i32> {
        let first_detailed = self.data.exclusions.iter().map(|r| r.year.0).min().unwrap_or(2006);
        let lait_years = |m: LaitMeasure| -> Vec<i32> {
            let set: BTreeSet<i32> = self.data.lait.iter().filter(|r| r.measure == m).map(|r| r.start_year).collect();
            set.into_iter().collect()
        };
        match measure {
            Measure::Rate(_) => (first_detailed..=self.last_lait_year).collect(),
            Measure::Change(_, n) => (first_detailed + i32::from(n)..=self.last_lait_year).collect(),
            Measure::PermReason(_) | Measure::SuspReason(_) => (first_detailed..=self.last_detailed_year).collect(),
            Measure::LacOnePlusSusp => lait_years(LaitMeasure::LacOnePlusSusp),
            Measure::CinOnePlusSusp => lait_years(LaitMeasure::CinOnePlusSusp),
            Measure::CinPerm => lait_years(LaitMeasure::CinPerm),
            Measure::ApPlacements | Measure::ApUnregisteredShare | Measure::ApLaArranged => self.ap_years(),
            Measure::After(m) => self.data.after.years(m).into_iter().map(|y| m.boundary_year(y)).collect(),
            Measure::ColdSpot => self.cold_spot_year().into_iter().collect(),
        }
    }

    pub(crate) fn ap_years(&self) -> Vec<i32> {
        let set: BTreeSet<i32> = self.data.ap.settings.iter().map(|r| r.year.0).collect();
        set.into_iter().collect()
    }

    /// A base rate for an area: the 2006–2017 tables where they cover the year (they have counts),
    /// LAIT after.
    pub fn rate(&self, base: Base, st: SchoolType, year: i32, area: &Area) -> Cell {
        if let Some(few) = self.too_few_pupils(st, year, area) {
            return few;
        }
        if year <= self.last_detailed_year {
            if let Some(&i) = self.rows.get(&(year, area.clone(), st)) {
                let r = &self.data.exclusions[i];
                let v = match base {
                    Base::Perm => &r.perm_rate,
                    Base::Susp => &r.susp_rate,
                    Base::OnePlus => &r.one_plus_rate,
                };
                return Cell::from_value(v, 2);
            }
        }
        self.lait_cell(base.lait(st), year, area)
    }

    /// A rate on fewer than [`MIN_PUPILS`] pupils says almost nothing and can point at a child
    /// (Rutland has one special school, of 9 pupils in 2016/17), so it is not shown. LAIT
    /// publishes no headcount, so its years use the latest headcount published with counts.
    fn too_few_pupils(&self, st: SchoolType, year: i32, area: &Area) -> Option<Cell> {
        let from = year.min(self.last_detailed_year);
        let h = self.rows.get(&(from, area.clone(), st)).and_then(|&i| self.data.exclusions[i].headcount.number())?;
        // A headcount of 0 says nothing about size (a rate over it is "not applicable" as published).
        if h >= MIN_PUPILS || h == 0.0 {
            return None;
        }
        let shown = if from == year {
            format!("Not shown: fewer than {MIN_PUPILS:.0} pupils")
        } else {
            format!(
                "Not shown: fewer than {MIN_PUPILS:.0} pupils in {}, the latest headcount published",
                AcademicYear(from)
            )
        };
        Some(Cell { value: None, shown })
    }

    fn lait_cell(&self, m: LaitMeasure, year: i32, area: &Area) -> Cell {
        match self.lait.get(&(m, year, area.clone())) {
            Some(&i) => Cell::from_value(&self.data.lait[i].value, 2),
            None => Cell::no_data(),
        }
    }

    /// The rate for an LA's region. DfE's 2006–2017 tables (and LAIT until 2021/22) publish Inner
    /// and Outer London rather than London, so a London borough gets its half of London where
    /// London is not published; the second value names the half when it was used.
    pub fn region_rate(&self, base: Base, st: SchoolType, year: i32, la: &LaInfo) -> (Cell, Option<&'static str>) {
        let cell = self.rate(base, st, year, &Area::Region(la.region_code.clone()));
        if cell.value.is_some() || la.region_code != LONDON {
            return (cell, None);
        }
        let (code, name) = if INNER_LONDON.contains(&la.number) {
            ("E13000001", "Inner London")
        } else {
            ("E13000002", "Outer London")
        };
        let half = self.rate(base, st, year, &Area::Region(code.into()));
        if half.value.is_some() {
            (half, Some(name))
        } else {
            (cell, None)
        }
    }

    /// A measure's figure for an LA (or the nation or a region, where the data has it).
    pub fn cell(&self, measure: Measure, st: SchoolType, year: i32, area: &Area) -> Cell {
        match measure {
            Measure::Rate(b) => self.rate(b, st, year, area),
            Measure::Change(b, n) => {
                let (now, then) = (self.rate(b, st, year, area), self.rate(b, st, year - i32::from(n), area));
                match (now.value, then.value) {
                    (Some(a), Some(b)) => Cell { value: Some(a - b), shown: signed_decimal(a - b, 2) },
                    _ => Cell {
                        value: None,
                        shown: format!(
                            "No data for both {} and {}",
                            AcademicYear(year - i32::from(n)),
                            AcademicYear(year)
                        ),
                    },
                }
            }
            Measure::PermReason(r) | Measure::SuspReason(r) => self.reason_rate(measure, r, st, year, area),
            Measure::LacOnePlusSusp => self.lait_cell(LaitMeasure::LacOnePlusSusp, year, area),
            Measure::CinOnePlusSusp => self.lait_cell(LaitMeasure::CinOnePlusSusp, year, area),
            Measure::CinPerm => self.lait_cell(LaitMeasure::CinPerm, year, area),
            Measure::ApPlacements => ap_placements(&self.data.ap, year, area, None),
            Measure::ApUnregisteredShare => ap_unregistered_share(&self.data.ap, year, area),
            Measure::ApLaArranged => match self.data.ap.census_total(AcademicYear(year), area) {
                Some(v) => Cell::from_value(&v, 0),
                None => Cell::no_data(),
            },
            Measure::After(m) => match self.data.after.value(m, m.source_year(year), area) {
                Some(v) => Cell::from_value(&v, m.decimals()),
                None => Cell::no_data(),
            },
            Measure::ColdSpot => match area {
                Area::La(n) => self.cold_spot_score(year, *n),
                _ => Cell::no_data(),
            },
        }
    }

    fn reason_rate(&self, measure: Measure, reason: Reason, st: SchoolType, year: i32, area: &Area) -> Cell {
        let (Some(&ri), Some(&hi)) =
            (self.reasons.get(&(year, area.clone(), st, reason)), self.rows.get(&(year, area.clone(), st)))
        else {
            return Cell::no_data();
        };
        let r = &self.data.reasons[ri];
        let (count, per) = match measure {
            Measure::PermReason(_) => (&r.perm, 10_000.0),
            _ => (&r.susp, 100.0),
        };
        match (count.number(), self.data.exclusions[hi].headcount.number()) {
            (Some(_), Some(h)) if h > 0.0 && h < MIN_PUPILS => {
                Cell { value: None, shown: format!("Not shown: fewer than {MIN_PUPILS:.0} pupils") }
            }
            (Some(c), Some(h)) if h > 0.0 => Cell::number(c / h * per, 2),
            (None, _) => Cell { value: None, shown: describe_missing(count) },
            _ => Cell::no_data(),
        }
    }

    /// Every LA that existed in the year, with its figure and rank (1 = highest).
    pub fn map_rows(&self, measure: Measure, st: SchoolType, year: i32) -> Vec<MapRow<'_>> {
        let mut rows: Vec<MapRow> = self
            .data
            .las
            .active_in(year)
            .into_iter()
            .filter(|la| !la.ons_code.is_empty())
            .map(|la| MapRow { la, cell: self.cell(measure, st, year, &Area::La(la.number)), rank: None })
            .collect();
        let keys: Vec<Option<f64>> = rows.iter().map(|r| rank_key(&r.cell)).collect();
        for (row, rank) in rows.iter_mut().zip(competition_ranks(&keys)) {
            row.rank = rank;
        }
        rows
    }

    /// Whether an LA's counts for a year were summed back from its successors' (see
    /// `reattribute_to_predecessors`).
    pub fn reattributed(&self, year: i32, la: u16) -> bool {
        self.reattributed.contains(&(year, la))
    }

    /// What to add to a source where an LA's counts for a year were summed back from its
    /// successors', naming them; empty otherwise.
    pub fn reattribution_note(&self, year: i32, la: u16) -> String {
        if !self.reattributed(year, la) {
            return String::new();
        }
        let names: Vec<String> = self
            .data
            .las
            .by_number(la)
            .map(|l| l.successors.iter().filter_map(|n| self.data.las.by_number(*n)).map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        format!(
            "; DfE's file lists this year's exclusions under {}, which had no pupils yet: Waymark sums them and divides by this LA's pupils",
            names.join(" and ")
        )
    }

    /// The latest year any exclusion rate is published for.
    pub fn latest_year(&self) -> i32 {
        self.last_lait_year
    }

    /// The latest year with counts (not only rates).
    pub fn latest_detailed_year(&self) -> i32 {
        self.last_detailed_year
    }

    /// Pupils on roll (sole and dual main registrations, January census) for an area in a year
    /// with counts.
    pub fn headcount(&self, year: i32, area: &Area) -> Option<f64> {
        self.rows
            .get(&(year, area.clone(), SchoolType::Total))
            .and_then(|&i| self.data.exclusions[i].headcount.number())
            .filter(|h| *h > 0.0)
    }

    /// Permanent exclusions (a count) for an area in a year with counts.
    pub fn permanent_exclusions(&self, year: i32, area: &Area) -> Option<f64> {
        self.rows.get(&(year, area.clone(), SchoolType::Total)).and_then(|&i| self.data.exclusions[i].perm.number())
    }

    /// Where a year's figures for a measure come from: DfE's 2006–2017 release for the years it
    /// covers, LAIT after; a change over years names both ends' sources when they differ.
    pub fn source_for(&self, measure: Measure, year: i32) -> String {
        let rate_source = |y: i32| self.rate_source(y);
        match measure {
            Measure::Rate(_) => rate_source(year).to_string(),
            Measure::Change(_, n) => {
                let (then, now) = (rate_source(year - i32::from(n)), rate_source(year));
                if then == now {
                    now.to_string()
                } else {
                    format!("{} ({}) and {} ({})", then, AcademicYear(year - i32::from(n)), now, AcademicYear(year))
                }
            }
            Measure::After(m) => {
                let own = match m.info().period {
                    Period::Academic => String::new(),
                    _ => format!(", the source's {}", m.source_year(year)),
                };
                format!("DfE, {} ({}{own})", m.info().publication, m.source_for(m.source_year(year)))
            }
            other => other.info().source.to_string(),
        }
    }

    /// Headline figures computed from the data, each with its year, source and unit: the latest
    /// rates first (LAIT's latest year), then the latest counts, then alternative provision.
    pub fn headlines(&self) -> Vec<Headline> {
        let mut out = Vec::new();
        let latest = self.last_lait_year;
        let rates: [(Base, &str, &str); 3] = [
            (Base::Perm, "% of pupils", "were permanently excluded from state-funded schools in England"),
            (Base::Susp, " suspensions per 100 pupils", "were given in state-funded schools in England"),
            (Base::OnePlus, "% of pupils", "had one or more suspensions"),
        ];
        for (base, unit, text) in rates {
            if let Some(v) = self.rate(base, SchoolType::Total, latest, &Area::National).value {
                out.push(Headline {
                    figure: format!("{}{unit}", decimal(v, 2)),
                    text: text.into(),
                    year: AcademicYear(latest).to_string(),
                    source: self.rate_source(latest),
                });
            }
        }
        let y = self.last_detailed_year;
        let year = AcademicYear(y).to_string();
        let counted = "in England: the latest year for which the data Waymark holds has counts, not only rates";
        if let Some(row) = self.rows.get(&(y, Area::National, SchoolType::Total)).map(|&i| &self.data.exclusions[i]) {
            if let Some(p) = row.perm.number() {
                out.push(Headline {
                    figure: format!("{} pupils", thousands(p)),
                    text: format!("were permanently excluded {counted}"),
                    year: year.clone(),
                    source: SOURCE_2006_2017,
                });
            }
            if let Some(s) = row.susp.number() {
                out.push(Headline {
                    figure: format!("{} suspensions", thousands(s)),
                    text: format!("(fixed-period exclusions) were given {counted}"),
                    year: year.clone(),
                    source: SOURCE_2006_2017,
                });
            }
        }
        let ap_year = self.ap_years().last().copied().unwrap_or(2022);
        if let Some(total) = ap_placements(&self.data.ap, ap_year, &Area::National, None).value {
            out.push(Headline {
                figure: format!("{} placements", thousands(total)),
                text: "in alternative provision were arranged by schools".into(),
                year: format!("January {} census", ap_year + 1),
                source: SOURCE_AP,
            });
            if let Some(share) = ap_unregistered_share(&self.data.ap, ap_year, &Area::National).value {
                out.push(Headline {
                    figure: format!("{}% of those placements", decimal(share, 0)),
                    text: "were with unregistered providers (one-to-one tuition counted separately)".into(),
                    year: format!("January {} census", ap_year + 1),
                    source: SOURCE_AP,
                });
            }
        }
        out
    }

    /// What happens after exclusion, in numbers, each computed from the loaded data for the
    /// latest year it holds: permanent exclusions, pupils in AP schools and LA-funded AP, PRU
    /// enrolments, how much likelier children in need are to be permanently excluded, the AP
    /// destination gap and the KS4 results of children in need. See [`QUOTED`] for the rest.
    pub fn after_headlines(&self) -> Vec<Headline> {
        use AfterMeasure::*;
        let after = &self.data.after;
        let national = |m: AfterMeasure| -> Option<(i32, f64)> {
            let y = after.latest_year(m)?;
            Some((y, after.value(m, y, &Area::National)?.number()?))
        };
        let src = |m: AfterMeasure| m.info().publication;
        let mut out = Vec::new();
        let y = self.last_detailed_year;
        if let Some(p) = self.permanent_exclusions(y, &Area::National) {
            out.push(Headline {
                figure: format!("{} pupils", thousands(p)),
                text: "were permanently excluded from state-funded schools in England (the latest year with counts in the loaded data; later years are published here as rates only)".into(),
                year: AcademicYear(y).to_string(),
                source: SOURCE_2006_2017,
            });
        }
        if let Some((y, n)) = national(ApSchoolPupils) {
            out.push(Headline {
                figure: format!("{} pupils", thousands(n)),
                text: "were on roll in state-funded schools for excluded children (AP schools, including pupil referral units) at the January census".into(),
                year: ApSchoolPupils.year_label(y),
                source: src(ApSchoolPupils),
            });
        }
        if let Some((y, n)) = national(LaFundedApPlacements) {
            out.push(Headline {
                figure: format!("{} more pupils", thousands(n)),
                text: "were in alternative provision placements funded by local authorities (AP census; not in the count above)".into(),
                year: LaFundedApPlacements.year_label(y),
                source: src(LaFundedApPlacements),
            });
        }
        if let Some((y, n)) = national(PruEnrolments) {
            out.push(Headline {
                figure: format!("{} enrolments", thousands(n)),
                text: "in pupil referral units over the autumn and spring terms (a pupil enrolled twice counts twice)"
                    .into(),
                year: PruEnrolments.year_label(y),
                source: src(PruEnrolments),
            });
        }
        let cin_year = after.latest_year(CinPermanentExclusionPercent);
        let all_rate = cin_year.and_then(|cy| self.rate(Base::Perm, SchoolType::Total, cy, &Area::National).value);
        if let (Some(cy), Some(all)) = (cin_year, all_rate) {
            let cin = after.value(CinPermanentExclusionPercent, cy, &Area::National).and_then(Value::number);
            if let Some(cin) = cin.filter(|_| all > 0.0) {
                let n = after.value(CinPermanentExclusions, cy, &Area::National).and_then(Value::number);
                out.push(Headline {
                    figure: format!("{} times as likely", decimal(cin / all, 1)),
                    text: format!(
                        "to be permanently excluded: children in need (with a social worker), {}% of whom were ({} children), against {}% of all pupils",
                        decimal(cin, 2),
                        n.map_or_else(|| "count not published".into(), thousands),
                        decimal(all, 2)
                    ),
                    year: AcademicYear(cy).to_string(),
                    source: "DfE, Outcomes for children in need, including children looked after; all pupils' rate from LAIT",
                });
            }
        }
        if let (Some((y, ap)), Some(main)) = (
            national(ApLeaversSustainedPercent),
            after
                .value(
                    MainstreamSustainedPercent,
                    after.latest_year(ApLeaversSustainedPercent).unwrap_or(0),
                    &Area::National,
                )
                .and_then(Value::number),
        ) {
            out.push(Headline {
                figure: format!("{}% against {}%", decimal(ap, 1), decimal(main, 1)),
                text: "of leavers from alternative provision were in a sustained destination (education, apprenticeship or work) after key stage 4, against leavers from mainstream and special schools".into(),
                year: ApLeaversSustainedPercent.year_label(y),
                source: src(ApLeaversSustainedPercent),
            });
        }
        if let Some((y, em)) = national(CinKs4EngMathsPercent) {
            out.push(Headline {
                figure: format!("{}%", decimal(em, 1)),
                text: "of children in need achieved grade 4 or above in English and maths at key stage 4 (excluded pupils' results are not in the loaded data)".into(),
                year: CinKs4EngMathsPercent.year_label(y),
                source: src(CinKs4EngMathsPercent),
            });
        }
        out
    }

    /// What DfE does not publish by LA (or what Waymark cannot read), for every LA's data gaps
    /// and the observatory's list of places where data is simply not available.
    pub fn unpublished_by_la(&self) -> Vec<PublishedGap> {
        use AfterMeasure::*;
        let after = &self.data.after;
        let england = |m: AfterMeasure| -> Option<(i32, f64)> {
            let y = after.latest_year(m)?;
            Some((y, after.value(m, y, &Area::National)?.number()?))
        };
        let mut out = Vec::new();
        let cin = england(CinKs4EngMathsPercent).map_or_else(String::new, |(y, v)| {
            format!(
                " The nearest computed figure: {}% of children in need in England ({}).",
                decimal(v, 1),
                CinKs4EngMathsPercent.year_label(y)
            )
        });
        out.push(PublishedGap {
            what: "KS4 results (English and maths) of pupils in alternative provision".into(),
            year: "Every year".into(),
            why: format!("Not published by LA. England's figure for excluded pupils is not in the loaded data either: the 4% quoted on the observatory page is quoted, not computed.{cin}"),
        });
        if let (Some((y, ap)), Some((_, main))) =
            (england(ApLeaversSustainedPercent), england(MainstreamSustainedPercent))
        {
            out.push(PublishedGap {
                what: "KS4 destinations of AP leavers".into(),
                year: ApLeaversSustainedPercent.year_label(y),
                why: format!("DfE's LA destination tables leave AP out (the LA file with an AP split was not obtainable here). England: {}% of AP leavers in a sustained destination, against {}% from mainstream and special schools.", decimal(ap, 1), decimal(main, 1)),
            });
        }
        if let Some(y) = after.latest_year(ApSchoolPupils) {
            out.push(PublishedGap {
                what: "AP places per 1,000 pupils".into(),
                year: ApSchoolPupils.year_label(y),
                why: "Needs the pupil headcount by LA for the same year, which is not in the loaded data: the counts of AP pupils are shown instead.".into(),
            });
        }
        out.push(PublishedGap {
            what: "Share of pupils ever in AP, for all pupils and for children who offended (DfE-MoJ linked data)"
                .into(),
            year: "KS4 2012/13 to 2017/18".into(),
            why: "Published by LA only as Excel workbooks, which Waymark does not read.".into(),
        });
        out
    }

    fn rate_source(&self, year: i32) -> &'static str {
        if year <= self.last_detailed_year {
            SOURCE_2006_2017
        } else {
            SOURCE_LAIT
        }
    }

    /// Statistical neighbours: the `k` LAs most like this one on the standardised profile of
    /// pupil numbers (log), the primary/secondary/special mix, and the exclusion and suspension
    /// rates in the latest year with counts. Euclidean distance. Only LAs that exist in
    /// `shown_year` are candidates, so an LA is never compared with one abolished since.
    pub fn neighbours(&self, la: u16, k: usize, shown_year: i32) -> Vec<(&LaInfo, f64)> {
        let y = self.last_detailed_year;
        let features = |n: u16| -> Option<Vec<f64>> {
            let get = |st| self.rows.get(&(y, Area::La(n), st)).map(|&i| &self.data.exclusions[i]);
            let total = get(SchoolType::Total)?;
            let h = total.headcount.number()?;
            let share = |st| get(st).and_then(|r| r.headcount.number()).map(|x| x / h);
            Some(vec![
                h.ln(),
                share(SchoolType::Secondary)?,
                share(SchoolType::Special).unwrap_or(0.0),
                total.perm_rate.number()?,
                total.susp_rate.number()?,
            ])
        };
        let all: Vec<(&LaInfo, Vec<f64>)> =
            self.data.las.active_in(y).into_iter().filter_map(|l| features(l.number).map(|f| (l, f))).collect();
        let Some(me) = all.iter().find(|(l, _)| l.number == la).map(|(_, f)| f.clone()) else { return Vec::new() };
        let dims = me.len();
        let (mean, sd): (Vec<f64>, Vec<f64>) = (0..dims)
            .map(|d| {
                let xs: Vec<f64> = all.iter().map(|(_, f)| f[d]).collect();
                let m = xs.iter().sum::<f64>() / xs.len() as f64;
                let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
                (m, v.sqrt().max(1e-9))
            })
            .unzip();
        let z = |f: &Vec<f64>| -> Vec<f64> { (0..dims).map(|d| (f[d] - mean[d]) / sd[d]).collect() };
        let mz = z(&me);
        let mut out: Vec<(&LaInfo, f64)> = all
            .iter()
            .filter(|(l, _)| l.number != la)
            .map(|(l, f)| (*l, z(f).iter().zip(&mz).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt()))
            .collect();
        out.retain(|(l, _)| l.active_in(shown_year));
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out.truncate(k);
        out
    }

    /// The measures with no figure for an LA in their latest year: the LA's data gaps.
    pub fn gaps(&self, la: u16) -> Vec<(MeasureInfo, i32, String)> {
        Measure::all()
            .into_iter()
            .filter(|m| {
                matches!(
                    m,
                    Measure::Rate(_)
                        | Measure::LacOnePlusSusp
                        | Measure::CinOnePlusSusp
                        | Measure::CinPerm
                        | Measure::ApPlacements
                        | Measure::ApUnregisteredShare
                        | Measure::ApLaArranged
                        | Measure::After(_)
                )
            })
            .filter_map(|m| {
                let year = *self.years(m).last()?;
                let cell = self.cell(m, SchoolType::Total, year, &Area::La(la));
                cell.value.is_none().then(|| (m.info(), year, cell.shown))
            })
            .collect()
    }
}

/// In the year before a reorganisation DfE's raw file can file an LA's exclusions under its
/// successors (Bedfordshire and Cheshire in 2008/09: the successors have counts but a headcount
/// of 0, the LA a headcount but counts of 0). Published as is, the LA shows a rate of 0.00 and
/// ranks last. Where every successor has a zero headcount and the LA none of the counts, the
/// LA's counts are the successors' summed, and its rates are recomputed from its own headcount.
/// Returns the (year, LA) pairs changed, so pages can say so.
fn reattribute_to_predecessors(data: &mut OpenData) -> Vec<(i32, u16)> {
    let index: HashMap<(i32, Area, SchoolType), usize> =
        data.exclusions.iter().enumerate().map(|(i, r)| ((r.year.0, r.area.clone(), r.school_type), i)).collect();
    let mut changed = Vec::new();
    for la in data.las.all() {
        if la.successors.is_empty() {
            continue;
        }
        for (&(year, ref area, st), &i) in &index {
            if area != &Area::La(la.number) || !la.active_in(year) {
                continue;
            }
            let row = &data.exclusions[i];
            let zero = |v: &Value| v.number() == Some(0.0);
            if !(zero(&row.perm) && zero(&row.susp) && zero(&row.one_plus)) {
                continue;
            }
            let succ: Option<Vec<&crate::ExclusionRow>> = la
                .successors
                .iter()
                .map(|n| index.get(&(year, Area::La(*n), st)).map(|&j| &data.exclusions[j]))
                .collect();
            let Some(succ) = succ.filter(|s| s.iter().all(|r| zero(&r.headcount))) else { continue };
            let sum = |f: fn(&crate::ExclusionRow) -> &Value| -> Option<f64> {
                succ.iter().map(|r| f(r).number()).sum::<Option<f64>>()
            };
            let (Some(perm), Some(susp), Some(one_plus), Some(h)) =
                (sum(|r| &r.perm), sum(|r| &r.susp), sum(|r| &r.one_plus), row.headcount.number())
            else {
                continue;
            };
            if h <= 0.0 || perm + susp + one_plus == 0.0 {
                continue;
            }
            let row = &mut data.exclusions[i];
            row.perm = Value::Number(perm);
            row.susp = Value::Number(susp);
            row.one_plus = Value::Number(one_plus);
            row.perm_rate = Value::Number(perm / h * 100.0);
            row.susp_rate = Value::Number(susp / h * 100.0);
            row.one_plus_rate = Value::Number(one_plus / h * 100.0);
            if st == SchoolType::Total {
                changed.push((year, la.number));
            }
        }
    }
    changed.sort();
    changed
}

/// AP placements by setting type for an area, optionally for one setting type.
fn ap_placements(ap: &ApData, year: i32, area: &Area, setting_type: Option<&str>) -> Cell {
    let want = setting_type.unwrap_or("Total");
    ap.settings
        .iter()
        .find(|r| r.year.0 == year && &r.area == area && r.setting_type == want)
        .map_or_else(Cell::no_data, |r| Cell::from_value(&r.placements, 0))
}

/// Unregistered placements as a share of placements with a known setting type.
fn ap_unregistered_share(ap: &ApData, year: i32, area: &Area) -> Cell {
    let rows: Vec<_> =
        ap.settings.iter().filter(|r| r.year.0 == year && &r.area == area && r.setting_type != "Total").collect();
    if rows.is_empty() {
        return Cell::no_data();
    }
    let known: Vec<_> = rows.iter().filter(|r| r.setting_type != "Unknown").collect();
    if known.iter().any(|r| r.placements.number().is_none() && r.placements != Value::RoundsToZero) {
        return Cell { value: None, shown: "Suppressed (small numbers)".into() };
    }
    let total: f64 = known.iter().filter_map(|r| r.placements.number()).sum();
    let unregistered: f64 = known
        .iter()
        .filter(|r| UNREGISTERED.contains(&r.setting_type.as_str()))
        .filter_map(|r| r.placements.number())
        .sum();
    if total < 10.0 {
        return Cell { value: None, shown: "Too few placements to show a share".into() };
    }
    Cell::number(unregistered / total * 100.0, 1)
}

/// What a cell is ranked on: the figure as shown, so two LAs that read the same rank the same.
fn rank_key(cell: &Cell) -> Option<f64> {
    let v = cell.value?;
    Some(cell.shown.trim_start_matches('+').parse().unwrap_or(v))
}

/// A URL-safe name for a reason: "Physical assault against a pupil" → "physical-assault-against-a-pupil".
fn reason_slug(r: Reason) -> String {
    let mut slug = String::new();
    for c in r.label().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// A number to `dp` decimal places, as every page shows numbers. A value that rounds to zero
/// is written "0.0", never "-0.0": Rust keeps the sign of a negative number that rounds away.
pub fn decimal(n: f64, dp: usize) -> String {
    let s = format!("{n:.dp$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// A change to `dp` places with its sign ("+0.12", "-0.05"); one that rounds to zero has none.
pub fn signed_decimal(n: f64, dp: usize) -> String {
    let s = decimal(n, dp);
    if s.starts_with('-') || s.bytes().all(|b| b == b'0' || b == b'.') {
        s
    } else {
        format!("+{s}")
    }
}

/// 7720 → "7,720".
pub fn thousands(n: f64) -> String {
    let s = decimal(n, 0);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}
