//! What happens after exclusion (issue 12), as typed figures per measure, year and area: AP
//! places and their pupils, the Ofsted grades of AP schools, PRU attendance, exclusions of
//! children with a social worker, NEET by SEN status, and the national KS4 destinations of AP
//! leavers. Read from `dfe-ap-outcomes/` of the raw data folder (see its README) or from the
//! processed copy `after.csv.gz`; [`AfterExclusion::value`] answers one figure.
//!
//! Years: [`AfterMeasure::period`] says whether a year is an academic year (given by its start
//! year, 2022 = 2022/23) or a calendar year as the source labels it (NCCIS and Ofsted);
//! [`AfterMeasure::boundary_year`] maps either to the academic year whose LAs the figure uses.
//!
//! The DfE-MoJ linked LA figures (`2023_03_16_OFFSEN_*.xlsx`) are Excel workbooks and are not
//! read: Waymark reads CSV only. The LAIT extract (`lait_outcomes_by_la.csv`) is not used for
//! measures: its year labels do not match the EES files it comes from (its England KS4
//! destination figures match no year of the national KS4 file), as its README warns.

use crate::after_exclusion::{FOLDER, PLACEHOLDER_REGION};
use crate::ees::{Col, Row, Table};
use crate::error::OpenDataError;
use crate::exclusions::Area;
use crate::las::{region_by_name, LaLookup};
use crate::value::{Value, Vintage};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How a measure's year is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// An academic year by its start year (2022 = 2022/23).
    Academic,
    /// A calendar year as NCCIS writes it: the December–February average ending in it, so LAs
    /// as in the academic year that started the year before.
    CalendarSpring,
    /// A calendar year as the Ofsted figures write it: grades as at 31 August of it, so LAs as
    /// in the academic year that starts then (BCP, formed in April 2019, is in 2019's).
    CalendarAugust,
}

/// What a measure's number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Percent,
    Score,
}

/// Which way is worse for excluded children (for colour scales and the cold-spot index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsWorse,
    HigherIsBetter,
    /// A size or context figure: neither better nor worse.
    Context,
}

/// Every measure of the after-exclusion data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AfterMeasure {
    /// Pupils on roll in state-funded AP schools (incl. PRUs), January census.
    ApSchoolPupils,
    /// Pupils in AP placements funded by the LA (AP census).
    LaFundedApPlacements,
    /// Pupils in AP arranged by schools (school census, 2022/23 only).
    SchoolArrangedAp,
    /// % of pupils in state-funded AP schools with SEN (EHC plan or SEN support).
    ApSchoolSenPercent,
    /// % of pupils in state-funded AP schools with an EHC plan.
    ApSchoolEhcpPercent,
    /// % of pupils in state-funded AP schools eligible for free school meals.
    ApSchoolFsmPercent,
    /// % of state-funded AP schools judged good or outstanding (overall effectiveness).
    ApOfstedGoodPercent,
    /// State-funded AP schools with an Ofsted overall effectiveness grade (the denominator).
    ApOfstedSchools,
    /// PRU enrolments (autumn and spring terms).
    PruEnrolments,
    /// % of PRU sessions missed (overall absence, autumn and spring).
    PruAbsencePercent,
    /// % of PRU enrolments persistently absent (10% or more of sessions).
    PruPersistentAbsencePercent,
    /// % of PRU sessions missed because the pupil was excluded (sessions authorised as
    /// excluded over sessions possible).
    PruExcludedSessionsPercent,
    /// % of children in need permanently excluded.
    CinPermanentExclusionPercent,
    /// % of children in need with one or more suspensions.
    CinSuspensionPercent,
    /// % of children on a protection plan permanently excluded.
    CppPermanentExclusionPercent,
    /// % of children on a protection plan with one or more suspensions.
    CppSuspensionPercent,
    /// % of children looked after permanently excluded.
    ClaPermanentExclusionPercent,
    /// % of children looked after with one or more suspensions.
    ClaSuspensionPercent,
    /// Children in need permanently excluded (count).
    CinPermanentExclusions,
    /// Children in need in PRUs and AP schools (count).
    CinInPru,
    /// Overall absence % of children in need in state-funded AP schools.
    CinApAbsencePercent,
    /// % of children in need in state-funded AP schools persistently absent.
    CinApPersistentAbsencePercent,
    /// % of children in need achieving grade 4+ in English and maths at KS4.
    CinKs4EngMathsPercent,
    /// % of children looked after achieving grade 4+ in English and maths at KS4.
    ClaKs4EngMathsPercent,
    /// 16-17 year olds NEET or whose activity is not known, %.
    NeetNotKnownPercent,
    /// 16-17 year olds with SEN support NEET or not known, %.
    NeetNotKnownSenSupportPercent,
    /// 16-17 year olds with an EHC plan NEET or not known, %.
    NeetNotKnownEhcpPercent,
    /// 16-17 year olds with no SEN NEET or not known, %.
    NeetNotKnownNoSenPercent,
    /// AP leavers at KS4 (national).
    ApLeavers,
    /// % of AP leavers in a sustained destination (education, apprenticeship or work).
    ApLeaversSustainedPercent,
    /// % of leavers from state-place funded AP in a sustained destination.
    StatePlaceApSustainedPercent,
    /// % of leavers from state-funded mainstream and special schools in a sustained destination.
    MainstreamSustainedPercent,
    /// % of AP leavers whose destination was not sustained.
    ApLeaversNotSustainedPercent,
}

/// What is known about a measure, for pages and the cold-spot index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureInfo {
    pub measure: AfterMeasure,
    /// Stable code, used in the processed file and in URLs.
    pub code: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub period: Period,
    pub direction: Direction,
    /// The raw file in `dfe-ap-outcomes/`.
    pub source: &'static str,
    /// The publication it comes from.
    pub publication: &'static str,
    pub caveat: &'static str,
    /// Published for England only (no LA or region figures).
    pub national_only: bool,
}

const COUNTS: &str = "sendap_ap_counts_la_201718_202223.csv";
const CHARS: &str = "sendap_ap_characteristics_la_201718_202223.csv";
const OFSTED: &str = "sendap_ofsted_by_school_type_la_2019_2023.csv";
const PRU: &str = "absence_2term_pru_la_201314_202223.csv";
const CIN_EXCL: &str = "cin_outcomes_permanent_exclusions_and_suspensions_la_201516_202021.csv";
const CIN_TYPE: &str = "cin_outcomes_school_type_la_201617_202122.csv";
const CIN_ABS: &str = "cin_outcomes_absence_la.csv";
const CIN_KS4: &str = "cin_outcomes_ks4_la.csv";
const KS4: &str = "ks4_dm_ud_202223_nat_rev.csv";
/// The NCCIS scorecards, one file a year.
pub const NCCIS: [&str; 4] = [
    "nccis_UD_NEETNK_LA_dashboard_2021_vg_removed.csv",
    "nccis_UD_NEETNK_LA_dashboard_2022_final.csv",
    "nccis_UD_NEETNK_LA_dashboard_2023_final.csv",
    "nccis_UD_NEETNK_LA_dashboard_final.csv",
];

const SPC: &str = "Schools, pupils and their characteristics; AP census (DfE SEND and AP dashboard)";
const OFSTED_PUB: &str = "Ofsted management information (DfE SEND and AP dashboard)";
const ABS_PUB: &str = "Pupil absence in schools in England (PRU file, autumn and spring terms)";
const CIN_PUB: &str = "Outcomes for children in need, including children looked after";
const NCCIS_PUB: &str = "NEET and participation: LA scorecard (NCCIS), 16-17 year olds, December-February average";
const KS4_PUB: &str = "Key stage 4 destination measures 2022/23 (revised)";

macro_rules! info {
    ($m:ident, $code:literal, $label:literal, $unit:ident, $period:ident, $dir:ident, $src:expr, $publ:expr, $cav:literal, $nat:literal) => {
        MeasureInfo {
            measure: AfterMeasure::$m,
            code: $code,
            label: $label,
            unit: Unit::$unit,
            period: Period::$period,
            direction: Direction::$dir,
            source: $src,
            publication: $publ,
            caveat: $cav,
            national_only: $nat,
        }
    };
}

/// Every measure with its description, in display order.
pub const MEASURES: &[MeasureInfo] = &[
    info!(ApSchoolPupils, "ap_school_pupils", "Pupils in state-funded AP schools (incl. PRUs)", Count, Academic, Context, COUNTS, SPC,
        "Counted where the school is, not where the pupil lives; January census headcount.", false),
    info!(LaFundedApPlacements, "la_funded_ap", "Pupils in LA-funded AP placements", Count, Academic, Context, COUNTS, SPC,
        "AP census: placements the LA funds in independent or other settings; counted once per pupil.", false),
    info!(SchoolArrangedAp, "school_arranged_ap", "Pupils in school-arranged AP", Count, Academic, Context, COUNTS, SPC,
        "Collected for the first time in the January 2023 school census; no earlier years.", false),
    info!(ApSchoolSenPercent, "ap_school_sen", "Pupils in state-funded AP schools with SEN, %", Percent, Academic, Context, CHARS, SPC,
        "EHC plan or SEN support; share of the AP school headcount.", false),
    info!(ApSchoolEhcpPercent, "ap_school_ehcp", "Pupils in state-funded AP schools with an EHC plan, %", Percent, Academic, Context, CHARS, SPC,
        "Share of the AP school headcount.", false),
    info!(ApSchoolFsmPercent, "ap_school_fsm", "Pupils in state-funded AP schools eligible for free school meals, %", Percent, Academic, Context, CHARS, SPC,
        "Share of the AP school headcount.", false),
    info!(ApOfstedGoodPercent, "ap_ofsted_good", "State-funded AP schools judged good or outstanding, %", Percent, CalendarAugust, HigherIsBetter, OFSTED, OFSTED_PUB,
        "Latest overall effectiveness grade as at 31 August; an LA with one or two AP schools swings between 0 and 100%. LA-funded and unregistered AP is not inspected this way.", false),
    info!(ApOfstedSchools, "ap_ofsted_schools", "State-funded AP schools with an Ofsted grade", Count, CalendarAugust, Context, OFSTED, OFSTED_PUB,
        "The denominator of the good-or-outstanding share.", false),
    info!(PruEnrolments, "pru_enrolments", "PRU enrolments (autumn and spring terms)", Count, Academic, Context, PRU, ABS_PUB,
        "Enrolments, not pupils: a pupil enrolled twice counts twice. No figures for 2019/20 (COVID-19).", false),
    info!(PruAbsencePercent, "pru_absence", "Sessions missed in PRUs (overall absence), %", Percent, Academic, HigherIsWorse, PRU, ABS_PUB,
        "Autumn and spring terms only. No figures for 2019/20; 2020/21 was disrupted by COVID-19.", false),
    info!(PruPersistentAbsencePercent, "pru_persistent_absence", "PRU enrolments persistently absent (10%+ of sessions), %", Percent, Academic, HigherIsWorse, PRU, ABS_PUB,
        "Autumn and spring terms only. No figures for 2019/20.", false),
    info!(PruExcludedSessionsPercent, "pru_excluded_sessions", "PRU sessions missed as excluded, %", Percent, Academic, HigherIsWorse, PRU, ABS_PUB,
        "Computed here: sessions authorised as excluded over sessions possible, to one decimal place.", false),
    info!(CinPermanentExclusionPercent, "cin_perm_excl", "Children in need permanently excluded, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Children in need at 31 March; counts rounded to the nearest 10 and small numbers suppressed.", false),
    info!(CinSuspensionPercent, "cin_susp", "Children in need with one or more suspensions, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Children in need at 31 March; small numbers suppressed.", false),
    info!(CppPermanentExclusionPercent, "cpp_perm_excl", "Children on a protection plan permanently excluded, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Children on a child protection plan at 31 March; most LA figures are suppressed.", false),
    info!(CppSuspensionPercent, "cpp_susp", "Children on a protection plan with one or more suspensions, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Children on a child protection plan at 31 March.", false),
    info!(ClaPermanentExclusionPercent, "cla_perm_excl", "Children looked after permanently excluded, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Looked after for 12 months at 31 March; most LA figures are suppressed.", false),
    info!(ClaSuspensionPercent, "cla_susp", "Children looked after with one or more suspensions, %", Percent, Academic, HigherIsWorse, CIN_EXCL, CIN_PUB,
        "Looked after for 12 months at 31 March.", false),
    info!(CinPermanentExclusions, "cin_perm_excl_count", "Children in need permanently excluded", Count, Academic, Context, CIN_EXCL, CIN_PUB,
        "Rounded to the nearest 10.", false),
    info!(CinInPru, "cin_in_pru", "Children in need in PRUs and AP schools", Count, Academic, Context, CIN_TYPE, CIN_PUB,
        "Children in need at 31 March, by the type of school they attend; rounded to the nearest 10.", false),
    info!(CinApAbsencePercent, "cin_ap_absence", "Overall absence of children in need in AP schools, %", Percent, Academic, HigherIsWorse, CIN_ABS, CIN_PUB,
        "Six half terms. Most LA figures are suppressed (small numbers); no figures for 2019/20.", false),
    info!(CinApPersistentAbsencePercent, "cin_ap_persistent_absence", "Children in need in AP schools persistently absent, %", Percent, Academic, HigherIsWorse, CIN_ABS, CIN_PUB,
        "Six half terms; 10% or more of sessions missed. Most LA figures are suppressed.", false),
    info!(CinKs4EngMathsPercent, "cin_ks4_em", "Children in need with grade 4+ in English and maths at KS4, %", Percent, Academic, HigherIsBetter, CIN_KS4, CIN_PUB,
        "All children in need at KS4 wherever they attend: DfE does not publish KS4 results of AP pupils by LA.", false),
    info!(ClaKs4EngMathsPercent, "cla_ks4_em", "Children looked after with grade 4+ in English and maths at KS4, %", Percent, Academic, HigherIsBetter, CIN_KS4, CIN_PUB,
        "Looked after for 12 months at 31 March; small cohorts per LA.", false),
    info!(NeetNotKnownPercent, "neet_nk", "16-17 year olds NEET or not known, %", Percent, CalendarSpring, HigherIsWorse, NCCIS[0], NCCIS_PUB,
        "Year = the end of the December-February average; by LA of residence. No AP split is published.", false),
    info!(NeetNotKnownSenSupportPercent, "neet_nk_sen_support", "16-17 year olds with SEN support NEET or not known, %", Percent, CalendarSpring, HigherIsWorse, NCCIS[0], NCCIS_PUB,
        "By LA of residence; SEN status as recorded by the LA's tracking. From 2022: the 2021 scorecard has no LA figures by SEN status.", false),
    info!(NeetNotKnownEhcpPercent, "neet_nk_ehcp", "16-17 year olds with an EHC plan NEET or not known, %", Percent, CalendarSpring, HigherIsWorse, NCCIS[0], NCCIS_PUB,
        "By LA of residence.", false),
    info!(NeetNotKnownNoSenPercent, "neet_nk_no_sen", "16-17 year olds with no SEN NEET or not known, %", Percent, CalendarSpring, Context, NCCIS[0], NCCIS_PUB,
        "By LA of residence; the comparison group for SEN.", false),
    info!(ApLeavers, "ap_leavers", "AP leavers at key stage 4", Count, Academic, Context, KS4, KS4_PUB,
        "England only: DfE's LA destination tables leave AP out.", true),
    info!(ApLeaversSustainedPercent, "ap_sustained", "AP leavers in a sustained destination, %", Percent, Academic, HigherIsBetter, KS4, KS4_PUB,
        "Education, apprenticeship or employment for two terms after KS4. England only.", true),
    info!(StatePlaceApSustainedPercent, "ap_state_place_sustained", "State-place funded AP leavers in a sustained destination, %", Percent, Academic, HigherIsBetter, KS4, KS4_PUB,
        "England only; split published from 2015/16.", true),
    info!(MainstreamSustainedPercent, "mainstream_sustained", "Mainstream and special school leavers in a sustained destination, %", Percent, Academic, HigherIsBetter, KS4, KS4_PUB,
        "England only; the comparison for AP leavers.", true),
    info!(ApLeaversNotSustainedPercent, "ap_not_sustained", "AP leavers whose destination was not sustained, %", Percent, Academic, HigherIsWorse, KS4, KS4_PUB,
        "England only.", true),
];

impl AfterMeasure {
    pub fn info(self) -> &'static MeasureInfo {
        MEASURES.iter().find(|m| m.measure == self).expect("every measure is described")
    }

    pub fn code(self) -> &'static str {
        self.info().code
    }

    pub fn from_code(code: &str) -> Option<AfterMeasure> {
        MEASURES.iter().find(|m| m.code == code).map(|m| m.measure)
    }

    pub fn all() -> impl Iterator<Item = AfterMeasure> {
        MEASURES.iter().map(|m| m.measure)
    }

    /// The academic year (start year) whose LAs a figure of `year` describes: see [`Period`].
    pub fn boundary_year(self, year: i32) -> i32 {
        match self.info().period {
            Period::Academic | Period::CalendarAugust => year,
            Period::CalendarSpring => year - 1,
        }
    }

    /// The source's own year for the academic year (start year) `start_year`: the inverse of
    /// [`AfterMeasure::boundary_year`].
    pub fn source_year(self, start_year: i32) -> i32 {
        match self.info().period {
            Period::Academic | Period::CalendarAugust => start_year,
            Period::CalendarSpring => start_year + 1,
        }
    }

    /// Decimal places to show: counts none, rates of permanent exclusion two (they are
    /// published to two, and most are below 1%), other percentages one.
    pub fn decimals(self) -> usize {
        use AfterMeasure::*;
        match (self.info().unit, self) {
            (Unit::Count, _) => 0,
            (_, CinPermanentExclusionPercent | CppPermanentExclusionPercent | ClaPermanentExclusionPercent) => 2,
            _ => 1,
        }
    }

    /// A year as people read it: `2022/23` or `2023`.
    pub fn year_label(self, year: i32) -> String {
        match self.info().period {
            Period::Academic => format!("{}/{:02}", year, (year + 1) % 100),
            Period::CalendarSpring | Period::CalendarAugust => year.to_string(),
        }
    }

    /// The NCCIS file of a calendar year, when this is an NCCIS measure.
    pub fn source_for(self, year: i32) -> &'static str {
        match (self.info().source, year) {
            (s, 2022) if s == NCCIS[0] => NCCIS[1],
            (s, 2023) if s == NCCIS[0] => NCCIS[2],
            (s, 2025) if s == NCCIS[0] => NCCIS[3],
            (s, _) => s,
        }
    }
}

/// One figure.
#[derive(Debug, Clone, PartialEq)]
pub struct AfterRow {
    pub measure: AfterMeasure,
    pub year: i32,
    pub area: Area,
    pub value: Value,
}

/// All after-exclusion figures, sorted by measure, year and area.
#[derive(Debug, Clone, Default)]
pub struct AfterExclusion {
    rows: Vec<AfterRow>,
    index: HashMap<(AfterMeasure, i32, Area), usize>,
    /// Each measure's years, oldest first: asked for by every map and profile (33 measures), so
    /// worked out once rather than by a pass over all the rows each time.
    years: HashMap<AfterMeasure, Vec<i32>>,
}

impl PartialEq for AfterExclusion {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}

impl AfterExclusion {
    /// From rows in any order; a second row for the same measure, year and area is an error.
    pub fn new(mut rows: Vec<AfterRow>) -> Result<AfterExclusion, String> {
        rows.sort_by(|a, b| (a.measure, a.year, &a.area).cmp(&(b.measure, b.year, &b.area)));
        let mut index = HashMap::with_capacity(rows.len());
        let mut years: HashMap<AfterMeasure, Vec<i32>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            if index.insert((r.measure, r.year, r.area.clone()), i).is_some() {
                return Err(format!("two figures for {} {} {}", r.measure.code(), r.year, r.area));
            }
            // Rows are sorted by measure then year, so a new year is always the list's last.
            let list = years.entry(r.measure).or_default();
            if list.last() != Some(&r.year) {
                list.push(r.year);
            }
        }
        Ok(AfterExclusion { rows, index, years })
    }

    pub fn rows(&self) -> &[AfterRow] {
        &self.rows
    }

    /// One figure: a number or a published symbol; `None` where the source has no row (an LA
    /// with no AP school has no Ofsted row, for instance).
    pub fn value(&self, measure: AfterMeasure, year: i32, area: &Area) -> Option<Value> {
        self.index.get(&(measure, year, area.clone())).map(|&i| self.rows[i].value)
    }

    /// The years a measure has figures for, oldest first.
    pub fn years(&self, measure: AfterMeasure) -> Vec<i32> {
        self.years.get(&measure).cloned().unwrap_or_default()
    }

    /// The latest year of a measure.
    pub fn latest_year(&self, measure: AfterMeasure) -> Option<i32> {
        self.years.get(&measure).and_then(|y| y.last().copied())
    }

    /// Every LA figure of a measure in a year, by LA number.
    pub fn la_values(&self, measure: AfterMeasure, year: i32) -> BTreeMap<u16, Value> {
        self.rows
            .iter()
            .filter(|r| r.measure == measure && r.year == year)
            .filter_map(|r| match r.area {
                Area::La(n) => Some((n, r.value)),
                _ => None,
            })
            .collect()
    }

    /// Every measure with the years it has, for pickers and the index.
    pub fn catalogue(&self) -> Vec<(&'static MeasureInfo, Vec<i32>)> {
        MEASURES.iter().map(|m| (m, self.years(m.measure))).collect()
    }

    /// Read the raw files from `data_dir/dfe-ap-outcomes/`.
    pub fn from_raw(data_dir: &Path, las: &LaLookup) -> Result<AfterExclusion, OpenDataError> {
        let dir = data_dir.join(FOLDER);
        let mut rows = Vec::new();
        read_counts(&dir.join(COUNTS), las, &mut rows)?;
        read_characteristics(&dir.join(CHARS), las, &mut rows)?;
        read_ofsted(&dir.join(OFSTED), las, &mut rows)?;
        read_pru(&dir.join(PRU), las, &mut rows)?;
        read_cin_exclusions(&dir.join(CIN_EXCL), las, &mut rows)?;
        read_cin_school_type(&dir.join(CIN_TYPE), las, &mut rows)?;
        read_cin_absence(&dir.join(CIN_ABS), las, &mut rows)?;
        read_cin_ks4(&dir.join(CIN_KS4), las, &mut rows)?;
        for name in NCCIS {
            read_nccis(&dir.join(name), las, &mut rows)?;
        }
        read_ks4(&dir.join(KS4), &mut rows)?;
        AfterExclusion::new(rows).map_err(|message| OpenDataError::File { file: dir, message })
    }

    /// The processed file's header.
    pub const HEADER: [&'static str; 4] = ["measure", "year", "area", "value"];

    /// The processed file's rows.
    pub fn compact_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                vec![
                    r.measure.code().to_string(),
                    r.year.to_string(),
                    r.area.to_string(),
                    r.value.to_text(Vintage::Ees),
                ]
            })
            .collect()
    }

    /// Read the processed file.
    pub fn from_compact(table: &Table) -> Result<AfterExclusion, OpenDataError> {
        let cols: Vec<Col> = Self::HEADER.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
        let mut rows = Vec::with_capacity(table.len());
        for row in table.rows() {
            rows.push(AfterRow {
                measure: row
                    .parse(&cols[0], |t| AfterMeasure::from_code(t).ok_or_else(|| format!("unknown measure {t:?}")))?,
                year: row.parse(&cols[1], |t| t.parse().map_err(|_| format!("expected a year, found {t:?}")))?,
                area: row.parse(&cols[2], Area::parse_code)?,
                value: row.value(&cols[3], Vintage::Ees)?,
            });
        }
        AfterExclusion::new(rows).map_err(|message| OpenDataError::File { file: table.file.clone(), message })
    }
}

/// Columns that say where a row is.
struct Place {
    level: Col,
    region: Col,
    la_code: Option<Col>,
    la_name: Col,
}

impl Place {
    fn find(
        table: &Table,
        level: &str,
        region: &str,
        la_code: Option<&str>,
        la_name: &str,
    ) -> Result<Place, OpenDataError> {
        Ok(Place {
            level: table.column(level)?,
            region: table.column(region)?,
            la_code: la_code.map(|c| table.column(c)).transpose()?,
            la_name: table.column(la_name)?,
        })
    }

    /// The row's area in the academic year starting `start_year`; `None` for the placeholder
    /// region and for levels other than England, region and LA.
    fn area(&self, row: &Row<'_>, las: &LaLookup, start_year: i32) -> Result<Option<Area>, OpenDataError> {
        match row.text(&self.level) {
            "National" => Ok(Some(Area::National)),
            "Regional" | "Region" => {
                let name = row.text(&self.region);
                if name == PLACEHOLDER_REGION {
                    return Ok(None);
                }
                let region =
                    region_by_name(name).ok_or_else(|| row.error(&self.region, format!("unknown region {name:?}")))?;
                Ok(Some(Area::Region(region.code.to_string())))
            }
            "Local authority" => {
                if row.text(&self.region) == PLACEHOLDER_REGION {
                    return Ok(None);
                }
                let code = self.la_code.as_ref().map(|c| (c, row.text(c))).filter(|(_, t)| !t.is_empty());
                let number = match code {
                    Some((col, text)) => {
                        // The R-derived files write some LA numbers as floats ("301.0").
                        let digits = text.strip_suffix(".0").unwrap_or(text);
                        let n: u16 =
                            digits.parse().ok().filter(|_| digits.len() == 3).ok_or_else(|| {
                                row.error(col, format!("expected a 3-digit LA number, found {text:?}"))
                            })?;
                        las.by_number(n).ok_or_else(|| row.error(col, format!("{n} is not a known LA number")))?;
                        n
                    }
                    None => {
                        let name = row.text(&self.la_name);
                        las.resolve_name(name, start_year).ok_or_else(|| {
                            row.error(&self.la_name, format!("{name:?} is not a known LA name in {start_year}"))
                        })?
                    }
                };
                Ok(Some(Area::La(number)))
            }
            _ => Ok(None),
        }
    }
}

fn ees_place(table: &Table) -> Result<Place, OpenDataError> {
    Place::find(table, "geographic_level", "region_name", Some("old_la_code"), "la_name")
}

fn academic(row: &Row<'_>, col: &Col) -> Result<i32, OpenDataError> {
    row.parse(col, |t| waymark_domain::AcademicYear::from_dfe_period(t).map(|y| y.0))
}

fn calendar(row: &Row<'_>, col: &Col) -> Result<i32, OpenDataError> {
    row.parse(col, |t| match t.parse::<i32>() {
        Ok(y) if (2000..2100).contains(&y) => Ok(y),
        _ => Err(format!("expected a calendar year such as 2023, found {t:?}")),
    })
}

/// Round a computed percentage to one decimal place, as DfE publishes.
fn one_dp(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn push(rows: &mut Vec<AfterRow>, measure: AfterMeasure, year: i32, area: &Area, value: Value) {
    rows.push(AfterRow { measure, year, area: area.clone(), value });
}

fn read_counts(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let (period, kind, total) = (table.column("time_period")?, table.column("prov_type")?, table.column("total")?);
    for row in table.rows() {
        let year = academic(&row, &period)?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        let measure = row.choice(
            &kind,
            &[
                ("State-funded AP school", AfterMeasure::ApSchoolPupils),
                ("LA funded AP placements", AfterMeasure::LaFundedApPlacements),
                ("School arranged AP", AfterMeasure::SchoolArrangedAp),
            ],
        )?;
        push(rows, measure, year, &area, row.value(&total, Vintage::Ees)?);
    }
    Ok(())
}

fn read_characteristics(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> = ["time_period", "prov_type", "pupil_characteristic", "char_dv", "char_per"]
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    for row in table.rows() {
        if row.text(&cols[1]) != "State-funded AP school" {
            continue;
        }
        let measure = match (row.text(&cols[2]), row.text(&cols[3])) {
            ("All SEN", "All SEN") => AfterMeasure::ApSchoolSenPercent,
            ("SEN status", "EHC plan") => AfterMeasure::ApSchoolEhcpPercent,
            ("Free school meal status", "FSM eligible") => AfterMeasure::ApSchoolFsmPercent,
            _ => continue,
        };
        let year = academic(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        let value = match row.value(&cols[4], Vintage::Ees)? {
            Value::Number(share) => Value::Number(one_dp(share * 100.0)),
            symbol => symbol,
        };
        push(rows, measure, year, &area, value);
    }
    Ok(())
}

/// Ofsted: the good-or-outstanding share of state-funded AP schools, from the numbers of
/// schools per grade over the graded total (the file's grades sum to its total).
fn read_ofsted(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = Place::find(&table, "geographic_level", "Region", None, "la_name")?;
    let cols: Vec<Col> = ["Year", "school_type", "Overall effectiveness", "Measure", "grand_total_schools", "Value"]
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    let mut good: BTreeMap<(i32, Area), (f64, f64)> = BTreeMap::new();
    for row in table.rows() {
        if row.text(&cols[1]) != "State-funded AP school" || !row.text(&cols[3]).contains("(number of schools)") {
            continue;
        }
        let year = calendar(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, AfterMeasure::ApOfstedSchools.boundary_year(year))? else { continue };
        let number = |col: &Col| {
            row.parse(col, |t| t.parse::<f64>().map_err(|_| format!("expected a number of schools, found {t:?}")))
        };
        let (n, total) = (number(&cols[5])?, number(&cols[4])?);
        let entry = good.entry((year, area)).or_insert((0.0, total));
        if entry.1 != total {
            return Err(row.error(&cols[4], "the total differs between grades of one school type and area"));
        }
        if matches!(row.text(&cols[2]), "Good" | "Outstanding") {
            entry.0 += n;
        }
    }
    for ((year, area), (n, total)) in good {
        push(rows, AfterMeasure::ApOfstedSchools, year, &area, Value::Number(total));
        let share = if total > 0.0 { Value::Number(one_dp(n / total * 100.0)) } else { Value::NotApplicable };
        push(rows, AfterMeasure::ApOfstedGoodPercent, year, &area, share);
    }
    Ok(())
}

fn read_pru(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> = [
        "time_period",
        "enrolments",
        "sess_overall_percent",
        "enrolments_pa_10_exact_percent",
        "sess_auth_excluded",
        "sess_possible",
    ]
    .iter()
    .map(|c| table.column(c))
    .collect::<Result<_, _>>()?;
    for row in table.rows() {
        let year = academic(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        let v = |i: usize| row.value(&cols[i], Vintage::Ees);
        push(rows, AfterMeasure::PruEnrolments, year, &area, v(1)?);
        push(rows, AfterMeasure::PruAbsencePercent, year, &area, v(2)?);
        push(rows, AfterMeasure::PruPersistentAbsencePercent, year, &area, v(3)?);
        let excluded = match (v(4)?, v(5)?) {
            (Value::Number(e), Value::Number(p)) if p > 0.0 => Value::Number(one_dp(e / p * 100.0)),
            (Value::Number(_), Value::Number(_)) => Value::NotApplicable,
            (Value::Number(_), symbol) | (symbol, _) => symbol,
        };
        push(rows, AfterMeasure::PruExcludedSessionsPercent, year, &area, excluded);
    }
    Ok(())
}

const CINO: &str = "CINO at 31 March";
const CPPO: &str = "CPPO at 31 March";
const CLA: &str = "CLA 12 months at 31 March";

fn read_cin_exclusions(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> = ["time_period", "social_care_group", "t_perm_excl", "pt_perm_excl", "pt_one_plus_sus"]
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    use AfterMeasure::*;
    for row in table.rows() {
        let year = academic(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        let (perm, susp) = row.choice(
            &cols[1],
            &[
                (CINO, (CinPermanentExclusionPercent, CinSuspensionPercent)),
                (CPPO, (CppPermanentExclusionPercent, CppSuspensionPercent)),
                (CLA, (ClaPermanentExclusionPercent, ClaSuspensionPercent)),
            ],
        )?;
        push(rows, perm, year, &area, row.value(&cols[3], Vintage::Ees)?);
        push(rows, susp, year, &area, row.value(&cols[4], Vintage::Ees)?);
        if perm == CinPermanentExclusionPercent {
            push(rows, CinPermanentExclusions, year, &area, row.value(&cols[2], Vintage::Ees)?);
        }
    }
    Ok(())
}

fn read_cin_school_type(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let (period, group, pru) =
        (table.column("time_period")?, table.column("social_care_group")?, table.column("t_pru")?);
    for row in table.rows() {
        if row.text(&group) != CINO {
            continue;
        }
        let year = academic(&row, &period)?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        push(rows, AfterMeasure::CinInPru, year, &area, row.value(&pru, Vintage::Ees)?);
    }
    Ok(())
}

fn read_cin_absence(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> =
        ["time_period", "social_care_group", "phase_type_grouping", "pt_overall", "pt_pupils_pa_10_exact"]
            .iter()
            .map(|c| table.column(c))
            .collect::<Result<_, _>>()?;
    for row in table.rows() {
        if row.text(&cols[1]) != CINO || row.text(&cols[2]) != "State-funded alternative provision school" {
            continue;
        }
        let year = academic(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        push(rows, AfterMeasure::CinApAbsencePercent, year, &area, row.value(&cols[3], Vintage::Ees)?);
        push(rows, AfterMeasure::CinApPersistentAbsencePercent, year, &area, row.value(&cols[4], Vintage::Ees)?);
    }
    Ok(())
}

/// KS4 of children in need: each year appears once per version; the latest version wins
/// (Final over Revised).
fn read_cin_ks4(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> = ["time_period", "social_care_group", "version", "pt_l2basics_94"]
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    let mut best: BTreeMap<(AfterMeasure, i32, Area), (u8, Value)> = BTreeMap::new();
    for row in table.rows() {
        let measure = match row.text(&cols[1]) {
            CINO => AfterMeasure::CinKs4EngMathsPercent,
            CLA => AfterMeasure::ClaKs4EngMathsPercent,
            _ => continue,
        };
        let rank = row.choice(&cols[2], &[("Provisional", 0u8), ("Revised", 1), ("Final", 2)])?;
        let year = academic(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, year)? else { continue };
        let value = row.value(&cols[3], Vintage::Ees)?;
        let entry = best.entry((measure, year, area)).or_insert((rank, value));
        if rank > entry.0 {
            *entry = (rank, value);
        }
    }
    rows.extend(best.into_iter().map(|((measure, year, area), (_, value))| AfterRow { measure, year, area, value }));
    Ok(())
}

fn read_nccis(path: &Path, las: &LaLookup, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let place = ees_place(&table)?;
    let cols: Vec<Col> = [
        "time_period",
        "NEET_not_known_percent",
        "NEET_NK_SENDsupport_percent",
        "NEET_NK_EHCP_percent",
        "NEET_NK_noSEN_percent",
    ]
    .iter()
    .map(|c| table.column(c))
    .collect::<Result<_, _>>()?;
    use AfterMeasure::*;
    let measures =
        [NeetNotKnownPercent, NeetNotKnownSenSupportPercent, NeetNotKnownEhcpPercent, NeetNotKnownNoSenPercent];
    for row in table.rows() {
        let year = calendar(&row, &cols[0])?;
        let Some(area) = place.area(&row, las, NeetNotKnownPercent.boundary_year(year))? else { continue };
        for (i, measure) in measures.into_iter().enumerate() {
            // Regions leave the SEN columns empty: no figure, not a zero. The 2021 file has SEN
            // figures for England only, and they equal the 2022 file's to the digit, so they
            // are not taken as 2021's.
            if row.text(&cols[i + 1]).is_empty() || (i > 0 && year == 2021) {
                continue;
            }
            push(rows, measure, year, &area, row.value(&cols[i + 1], Vintage::Ees)?);
        }
    }
    Ok(())
}

fn read_ks4(path: &Path, rows: &mut Vec<AfterRow>) -> Result<(), OpenDataError> {
    let table = Table::read(path)?;
    let cols: Vec<Col> = [
        "time_period",
        "geographic_level",
        "institution_group",
        "institution_type",
        "breakdown_topic",
        "data_type",
        "cohort",
        "overall",
        "all_notsust",
    ]
    .iter()
    .map(|c| table.column(c))
    .collect::<Result<_, _>>()?;
    use AfterMeasure::*;
    for row in table.rows() {
        if row.text(&cols[1]) != "National" || row.text(&cols[4]) != "Total" {
            continue;
        }
        let group = (row.text(&cols[2]), row.text(&cols[3]));
        let percent = row.text(&cols[5]) == "Percentage";
        let year = academic(&row, &cols[0])?;
        let v = |i: usize| row.value(&cols[i], Vintage::Ees);
        match (group, percent) {
            (("Alternative provision", "Total"), false) => push(rows, ApLeavers, year, &Area::National, v(6)?),
            (("Alternative provision", "Total"), true) => {
                push(rows, ApLeaversSustainedPercent, year, &Area::National, v(7)?);
                push(rows, ApLeaversNotSustainedPercent, year, &Area::National, v(8)?);
            }
            (("Alternative provision", "State-place funded alternative provision"), true) => {
                push(rows, StatePlaceApSustainedPercent, year, &Area::National, v(7)?)
            }
            (("State-funded mainstream & special schools", "Total"), true) => {
                push(rows, MainstreamSustainedPercent, year, &Area::National, v(7)?)
            }
            _ => {}
        }
    }
    Ok(())
}
