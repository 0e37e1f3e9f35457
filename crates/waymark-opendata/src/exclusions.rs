//! Suspensions and permanent exclusions: the 2006/07–2016/17 statistics (by area and school
//! type, by reason, by pupil characteristic) and LAIT's LA rates for 2015/16–2023/24.
//!
//! The 2006–2017 files name areas but give no codes, so names are matched to LA numbers
//! through [`LaLookup`]; any name that does not match is an error listing every such name.

use crate::ees::{Row, Table};
use crate::error::OpenDataError;
use crate::las::{region_by_code, region_by_name, LaLookup, ENGLAND};
use crate::value::{Value, Vintage};
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use waymark_domain::AcademicYear;

/// The school types of the exclusion tables. "Total" covers state-funded primary, secondary
/// and special schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchoolType {
    Total,
    Primary,
    Secondary,
    Special,
}

impl SchoolType {
    pub const ALL: [SchoolType; 4] =
        [SchoolType::Total, SchoolType::Primary, SchoolType::Secondary, SchoolType::Special];

    /// Every spelling the source files use.
    const SPELLINGS: &'static [(&'static str, SchoolType)] = &[
        ("Total", SchoolType::Total),
        ("Primary", SchoolType::Primary),
        ("State-funded primary", SchoolType::Primary),
        ("Secondary", SchoolType::Secondary),
        ("State-funded secondary", SchoolType::Secondary),
        ("Special", SchoolType::Special),
        ("special", SchoolType::Special),
        ("Special school", SchoolType::Special),
    ];

    pub fn label(self) -> &'static str {
        match self {
            SchoolType::Total => "Total",
            SchoolType::Primary => "Primary",
            SchoolType::Secondary => "Secondary",
            SchoolType::Special => "Special",
        }
    }

    fn read(row: &Row<'_>, col: &crate::ees::Col) -> Result<SchoolType, OpenDataError> {
        row.choice(col, SchoolType::SPELLINGS)
    }

    pub(crate) fn parse_label(text: &str) -> Result<SchoolType, String> {
        SchoolType::ALL
            .into_iter()
            .find(|t| t.label() == text)
            .ok_or_else(|| format!("expected one of Total, Primary, Secondary, Special, found {text:?}"))
    }
}

/// Where a figure applies: England, a region (ONS E12 code, or E13 for Inner/Outer London,
/// which the 2006–2017 files report instead of London) or an LA (DfE number).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    National,
    Region(String),
    La(u16),
}

/// Written as a code: `E92000001`, an E12/E13 region code, or the LA number.
impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Area::National => f.write_str(ENGLAND),
            Area::Region(code) => f.write_str(code),
            Area::La(number) => write!(f, "{number}"),
        }
    }
}

impl Area {
    /// Parse the form [`Area`]'s `Display` writes.
    pub fn parse_code(text: &str) -> Result<Area, String> {
        if text == ENGLAND {
            return Ok(Area::National);
        }
        if let Some(region) = region_by_code(text) {
            return Ok(Area::Region(region.code.to_string()));
        }
        match text.parse::<u16>() {
            Ok(number) if text.len() == 3 => Ok(Area::La(number)),
            _ => {
                Err(format!("expected {ENGLAND}, a region code (E12.../E13...) or a 3-digit LA number, found {text:?}"))
            }
        }
    }
}

/// One row of `clean_la_data.csv`: counts and rates for one year, area and school type.
#[derive(Debug, Clone, PartialEq)]
pub struct ExclusionRow {
    pub year: AcademicYear,
    pub area: Area,
    pub school_type: SchoolType,
    pub schools: Value,
    /// Pupils on roll at the January census (sole and dual main registrations).
    pub headcount: Value,
    pub perm: Value,
    pub perm_rate: Value,
    /// Suspensions (fixed-period exclusions in these files).
    pub susp: Value,
    pub susp_rate: Value,
    /// Pupils with one or more suspensions.
    pub one_plus: Value,
    pub one_plus_rate: Value,
}

/// The reasons for exclusion used until 2019/20 (DOMAIN.md §6), in the files' column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    PhysicalAssaultPupil,
    PhysicalAssaultAdult,
    VerbalAbusePupil,
    VerbalAbuseAdult,
    Bullying,
    RacistAbuse,
    SexualMisconduct,
    DrugAlcohol,
    Damage,
    Theft,
    PersistentDisruptive,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 12] = [
        Reason::PhysicalAssaultPupil,
        Reason::PhysicalAssaultAdult,
        Reason::VerbalAbusePupil,
        Reason::VerbalAbuseAdult,
        Reason::Bullying,
        Reason::RacistAbuse,
        Reason::SexualMisconduct,
        Reason::DrugAlcohol,
        Reason::Damage,
        Reason::Theft,
        Reason::PersistentDisruptive,
        Reason::Other,
    ];

    /// The column name after `perm_` / `fixed_` in the source files.
    pub fn column(self) -> &'static str {
        match self {
            Reason::PhysicalAssaultPupil => "physical_pupils",
            Reason::PhysicalAssaultAdult => "physical_adult",
            Reason::VerbalAbusePupil => "verbal_pupil",
            Reason::VerbalAbuseAdult => "verbal_adult",
            Reason::Bullying => "bullying",
            Reason::RacistAbuse => "racist_abuse",
            Reason::SexualMisconduct => "sexual_misconduct",
            Reason::DrugAlcohol => "drug_alcohol",
            Reason::Damage => "damage",
            Reason::Theft => "theft",
            Reason::PersistentDisruptive => "persistent_disruptive",
            Reason::Other => "other",
        }
    }

    /// The school census code of the current list where one exists (`Other` has none since
    /// 2020/21).
    pub fn census_code(self) -> Option<&'static str> {
        Some(match self {
            Reason::PhysicalAssaultPupil => "PP",
            Reason::PhysicalAssaultAdult => "PA",
            Reason::VerbalAbusePupil => "VP",
            Reason::VerbalAbuseAdult => "VA",
            Reason::Bullying => "BU",
            Reason::RacistAbuse => "RA",
            Reason::SexualMisconduct => "SM",
            Reason::DrugAlcohol => "DA",
            Reason::Damage => "DM",
            Reason::Theft => "TH",
            Reason::PersistentDisruptive => "DB",
            Reason::Other => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::PhysicalAssaultPupil => "Physical assault against a pupil",
            Reason::PhysicalAssaultAdult => "Physical assault against an adult",
            Reason::VerbalAbusePupil => "Verbal abuse or threatening behaviour against a pupil",
            Reason::VerbalAbuseAdult => "Verbal abuse or threatening behaviour against an adult",
            Reason::Bullying => "Bullying",
            Reason::RacistAbuse => "Racist abuse",
            Reason::SexualMisconduct => "Sexual misconduct",
            Reason::DrugAlcohol => "Drug and alcohol related",
            Reason::Damage => "Damage",
            Reason::Theft => "Theft",
            Reason::PersistentDisruptive => "Persistent disruptive behaviour",
            Reason::Other => "Other",
        }
    }
}

/// Exclusions for one reason. In 2006/07–2009/10 some LA counts are fractional (e.g. 3.2):
/// they are kept as published.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonRow {
    pub year: AcademicYear,
    pub area: Area,
    pub school_type: SchoolType,
    pub reason: Reason,
    pub perm: Value,
    pub susp: Value,
}

/// National figures for one pupil characteristic (2011/12–2015/16).
#[derive(Debug, Clone, PartialEq)]
pub struct CharacteristicRow {
    pub year: AcademicYear,
    pub school_type: SchoolType,
    /// The characteristic's group as published: Gender, Age, NC_year, FSM_Eligible,
    /// SEN_provision, SEN_primary_need, Ethnicity, IDACI_decile, … (and `_gender` variants).
    pub group: String,
    /// The characteristic as published, e.g. `Gender_male`, `Age_14`.
    pub characteristic: String,
    /// `Total`, or `Male`/`Female` in the `_gender` groups.
    pub sex: String,
    pub headcount: Value,
    pub perm: Value,
    pub perm_rate: Value,
    pub susp: Value,
    pub susp_rate: Value,
    pub one_plus: Value,
    pub one_plus_rate: Value,
}

/// When a LAIT measure's period runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// An academic year, written `2016/17`.
    AcademicYear,
    /// The year ending 31 March, written `2017` (children in need and looked-after children).
    YearEndingMarch,
}

/// The 15 exclusion measures of DfE's Local Authority Interactive Tool (all per cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LaitMeasure {
    PermRate(SchoolType),
    SuspRate(SchoolType),
    OnePlusRate(SchoolType),
    /// Looked-after children with at least one suspension.
    LacOnePlusSusp,
    /// Children in need with at least one suspension.
    CinOnePlusSusp,
    /// Children in need with at least one permanent exclusion.
    CinPerm,
}

impl LaitMeasure {
    pub const ALL: [LaitMeasure; 15] = [
        LaitMeasure::PermRate(SchoolType::Total),
        LaitMeasure::PermRate(SchoolType::Primary),
        LaitMeasure::PermRate(SchoolType::Secondary),
        LaitMeasure::PermRate(SchoolType::Special),
        LaitMeasure::SuspRate(SchoolType::Total),
        LaitMeasure::SuspRate(SchoolType::Primary),
        LaitMeasure::SuspRate(SchoolType::Secondary),
        LaitMeasure::SuspRate(SchoolType::Special),
        LaitMeasure::OnePlusRate(SchoolType::Total),
        LaitMeasure::OnePlusRate(SchoolType::Primary),
        LaitMeasure::OnePlusRate(SchoolType::Secondary),
        LaitMeasure::OnePlusRate(SchoolType::Special),
        LaitMeasure::LacOnePlusSusp,
        LaitMeasure::CinOnePlusSusp,
        LaitMeasure::CinPerm,
    ];

    /// LAIT's code, exactly as LAIT writes it (some contain a space).
    pub fn code(self) -> &'static str {
        use SchoolType::*;
        match self {
            LaitMeasure::PermRate(Total) => "TotPermEx",
            LaitMeasure::PermRate(Primary) => "PriPermEx",
            LaitMeasure::PermRate(Secondary) => "SecPermEx",
            LaitMeasure::PermRate(Special) => "SpecPermEx",
            LaitMeasure::SuspRate(Total) => "TotFixedEx",
            LaitMeasure::SuspRate(Primary) => "PriFixedEx",
            LaitMeasure::SuspRate(Secondary) => "SecFixedEx",
            LaitMeasure::SuspRate(Special) => "SpecFixedEx",
            LaitMeasure::OnePlusRate(Total) => "Total_ Pup_FixedEx",
            LaitMeasure::OnePlusRate(Primary) => "Pri_ Pup_FixedEx",
            LaitMeasure::OnePlusRate(Secondary) => "Sec_ Pup_FixedEx",
            LaitMeasure::OnePlusRate(Special) => "Spec_ Pup_FixedEx",
            LaitMeasure::LacOnePlusSusp => "LAC_Fixed_ Ex",
            LaitMeasure::CinOnePlusSusp => "CINFixedExclusion",
            LaitMeasure::CinPerm => "CINPermExclusion",
        }
    }

    pub fn from_code(code: &str) -> Option<LaitMeasure> {
        LaitMeasure::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> String {
        match self {
            LaitMeasure::PermRate(t) => format!("Permanent exclusion rate ({})", t.label().to_lowercase()),
            LaitMeasure::SuspRate(t) => format!("Suspension rate ({})", t.label().to_lowercase()),
            LaitMeasure::OnePlusRate(t) => {
                format!("Pupils with one or more suspensions, % ({})", t.label().to_lowercase())
            }
            LaitMeasure::LacOnePlusSusp => "Looked-after children with at least one suspension, %".to_string(),
            LaitMeasure::CinOnePlusSusp => "Children in need with at least one suspension, %".to_string(),
            LaitMeasure::CinPerm => "Children in need with at least one permanent exclusion, %".to_string(),
        }
    }

    pub fn period_kind(self) -> PeriodKind {
        match self {
            LaitMeasure::LacOnePlusSusp | LaitMeasure::CinOnePlusSusp | LaitMeasure::CinPerm => {
                PeriodKind::YearEndingMarch
            }
            _ => PeriodKind::AcademicYear,
        }
    }

    /// The matching 2006–2017 table column, for the cross-source check.
    pub fn school_type(self) -> Option<SchoolType> {
        match self {
            LaitMeasure::PermRate(t) | LaitMeasure::SuspRate(t) | LaitMeasure::OnePlusRate(t) => Some(t),
            _ => None,
        }
    }
}

/// One LAIT value.
#[derive(Debug, Clone, PartialEq)]
pub struct LaitRow {
    pub measure: LaitMeasure,
    /// As published: `2016/17`, or `2017` for the year ending 31 March 2017.
    pub period: String,
    /// The academic year the period falls in (a year ending 31 March 2017 is in 2016/17).
    pub start_year: i32,
    pub area: Area,
    pub value: Value,
}

/// Parse a LAIT period and give its academic start year.
pub fn lait_start_year(measure: LaitMeasure, period: &str) -> Result<i32, String> {
    match measure.period_kind() {
        PeriodKind::AcademicYear => period.parse::<AcademicYear>().map(|y| y.0),
        PeriodKind::YearEndingMarch => period
            .parse::<i32>()
            .ok()
            .filter(|_| period.len() == 4)
            .map(|y| y - 1)
            .ok_or_else(|| format!("expected a year such as 2017 (year ending 31 March), found {period:?}")),
    }
}

/// LAIT's own codes for England and the regions.
const LAIT_AREAS: &[(u16, &str)] = &[
    (970, ENGLAND),
    (980, "E12000001"),
    (981, "E12000002"),
    (982, "E12000003"),
    (983, "E12000004"),
    (984, "E12000005"),
    (985, "E12000006"),
    (986, "E12000007"),
    (987, "E13000001"),
    (988, "E13000002"),
    (989, "E12000008"),
    (990, "E12000009"),
];

/// Rows the readers left out on purpose, with the reason, for the build summary.
pub type Dropped = Vec<String>;

/// Collects names that do not resolve, so one error can list them all.
struct Resolver<'a> {
    las: &'a LaLookup,
    unresolved: BTreeSet<String>,
}

impl<'a> Resolver<'a> {
    fn new(las: &'a LaLookup) -> Self {
        Resolver { las, unresolved: BTreeSet::new() }
    }

    /// England, a region by name, or an LA by name as it was in `year`.
    fn area(&mut self, name: &str, year: AcademicYear) -> Option<Area> {
        if name == "England" {
            return Some(Area::National);
        }
        if let Some(region) = region_by_name(name) {
            return Some(Area::Region(region.code.to_string()));
        }
        let found = self.las.resolve_name(name, year.0).map(Area::La);
        if found.is_none() {
            self.unresolved.insert(name.to_string());
        }
        found
    }

    fn finish(self, file: &Path) -> Result<(), OpenDataError> {
        if self.unresolved.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = self.unresolved.iter().map(|n| format!("{n:?}")).collect();
        Err(OpenDataError::UnresolvedNames { file: file.to_path_buf(), count: names.len(), names: names.join(", ") })
    }
}

fn year(row: &Row<'_>, col: &crate::ees::Col) -> Result<AcademicYear, OpenDataError> {
    row.parse(col, AcademicYear::from_dfe_period)
}

/// `la_name` "NULL" marks two 2006/07 rows with no area (one school, no pupils, 20
/// permanent exclusions): they are left out and reported.
fn is_null_area(name: &str) -> bool {
    name == "NULL"
}

/// Read `clean_la_data.csv`.
pub fn read_clean_la_data(path: &Path, las: &LaLookup) -> Result<(Vec<ExclusionRow>, Dropped), OpenDataError> {
    let table = Table::read(path)?;
    let c = |name: &str| table.column(name);
    let (year_col, level_col, name_col, type_col) = (c("year")?, c("level")?, c("la_name")?, c("school_type")?);
    let numbers = [
        "num_schools",
        "headcount",
        "perm_excl",
        "perm_excl_rate",
        "fixed_excl",
        "fixed_excl_rate",
        "one_plus_fixed",
        "one_or_more_fixed_excl_rate",
    ]
    .map(|n| table.column(n));
    let numbers: Vec<_> = numbers.into_iter().collect::<Result<_, _>>()?;
    let levels = [("National", 0), ("Region", 1), ("Local authority", 2)];
    let mut resolver = Resolver::new(las);
    let (mut rows, mut dropped) = (Vec::new(), Vec::new());
    for row in table.rows() {
        let year = year(&row, &year_col)?;
        row.choice(&level_col, &levels)?;
        let name = row.text(&name_col);
        if is_null_area(name) {
            dropped.push(format!("{}, row {}: la_name is NULL", path.display(), row.number()));
            continue;
        }
        let school_type = SchoolType::read(&row, &type_col)?;
        let v: Vec<Value> = numbers.iter().map(|col| row.value(col, Vintage::Legacy)).collect::<Result<_, _>>()?;
        let Some(area) = resolver.area(name, year) else { continue };
        rows.push(ExclusionRow {
            year,
            area,
            school_type,
            schools: v[0],
            headcount: v[1],
            perm: v[2],
            perm_rate: v[3],
            susp: v[4],
            susp_rate: v[5],
            one_plus: v[6],
            one_plus_rate: v[7],
        });
    }
    resolver.finish(path)?;
    Ok((rows, dropped))
}

/// Read `clean_la_exclusions_data.csv` (no level column: England, regions and LAs by name).
pub fn read_reasons(path: &Path, las: &LaLookup) -> Result<(Vec<ReasonRow>, Dropped), OpenDataError> {
    let table = Table::read(path)?;
    let (year_col, name_col, type_col) =
        (table.column("year")?, table.column("la_name")?, table.column("school_type")?);
    let mut reason_cols = Vec::new();
    for reason in Reason::ALL {
        let perm = table.column(&format!("perm_{}", reason.column()))?;
        let susp = table.column(&format!("fixed_{}", reason.column()))?;
        reason_cols.push((reason, perm, susp));
    }
    let mut resolver = Resolver::new(las);
    let (mut rows, mut dropped) = (Vec::new(), Vec::new());
    for row in table.rows() {
        let year = year(&row, &year_col)?;
        let name = row.text(&name_col);
        if is_null_area(name) {
            dropped.push(format!("{}, row {}: la_name is NULL", path.display(), row.number()));
            continue;
        }
        let school_type = SchoolType::read(&row, &type_col)?;
        let Some(area) = resolver.area(name, year) else { continue };
        for (reason, perm, susp) in &reason_cols {
            rows.push(ReasonRow {
                year,
                area: area.clone(),
                school_type,
                reason: *reason,
                perm: row.value(perm, Vintage::Legacy)?,
                susp: row.value(susp, Vintage::Legacy)?,
            });
        }
    }
    resolver.finish(path)?;
    Ok((rows, dropped))
}

/// Read `SFR35_2017_National_characteristics.csv` (England only; counts may have thousands
/// separators).
pub fn read_characteristics(path: &Path) -> Result<Vec<CharacteristicRow>, OpenDataError> {
    let table = Table::read(path)?;
    let c = |name: &str| table.column(name);
    let (year_col, type_col, group_col, c1, c2) =
        (c("year")?, c("school_type")?, c("characteristic_desc")?, c("characteristic_1")?, c("characteristic_2")?);
    let numbers: Vec<_> = [
        "headcount",
        "perm_excl",
        "perm_excl_rate",
        "fixed_excl",
        "fixed_excl_rate",
        "one_plus_fixed",
        "one_plus_fixed_rate",
    ]
    .iter()
    .map(|n| table.column(n))
    .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for row in table.rows() {
        let v: Vec<Value> = numbers.iter().map(|col| row.value(col, Vintage::Legacy)).collect::<Result<_, _>>()?;
        rows.push(CharacteristicRow {
            year: year(&row, &year_col)?,
            school_type: SchoolType::read(&row, &type_col)?,
            group: row.text(&group_col).to_string(),
            characteristic: row.text(&c1).to_string(),
            sex: row.text(&c2).to_string(),
            headcount: v[0],
            perm: v[1],
            perm_rate: v[2],
            susp: v[3],
            susp_rate: v[4],
            one_plus: v[5],
            one_plus_rate: v[6],
        });
    }
    Ok(rows)
}

/// Read LAIT's `lait_exclusion_rates_by_la.csv`. LAIT gives LA numbers, so no names are
/// matched; every number must be a known LA or one of LAIT's England/region codes.
pub fn read_lait(path: &Path, las: &LaLookup) -> Result<Vec<LaitRow>, OpenDataError> {
    let table = Table::read(path)?;
    let c = |name: &str| table.column(name);
    let (code_col, period_col, number_col, value_col) =
        (c("measure_code")?, c("time_period")?, c("la_number")?, c("value")?);
    let measures: Vec<(&str, LaitMeasure)> = LaitMeasure::ALL.iter().map(|m| (m.code(), *m)).collect();
    let mut rows = Vec::new();
    for row in table.rows() {
        let measure = row.choice(&code_col, &measures)?;
        let period = row.text(&period_col).to_string();
        let start_year = row.parse(&period_col, |p| lait_start_year(measure, p))?;
        let number: u16 =
            row.parse(&number_col, |t| t.parse().map_err(|_| format!("expected an LA number, found {t:?}")))?;
        let area = lait_area(number, las).ok_or_else(|| {
            row.error(
                &number_col,
                format!(
                    "{number} is neither a known LA number nor LAIT's code for England (970) or a region (980-990)"
                ),
            )
        })?;
        rows.push(LaitRow { measure, period, start_year, area, value: row.value(&value_col, Vintage::Lait)? });
    }
    Ok(rows)
}

fn lait_area(number: u16, las: &LaLookup) -> Option<Area> {
    if let Some((_, code)) = LAIT_AREAS.iter().find(|(n, _)| *n == number) {
        return Area::parse_code(code).ok();
    }
    las.by_number(number).map(|_| Area::La(number))
}
