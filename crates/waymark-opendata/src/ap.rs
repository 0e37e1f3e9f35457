//! Alternative provision, from the 2022/23 "Schools, pupils and their characteristics" AP
//! tables (placements arranged by schools, January 2023 census) and the AP census (placements
//! arranged by LAs, 2017/18–2022/23).

use crate::ees::{read_ees, EesRow, EesTable, TimePeriod};
use crate::error::OpenDataError;
use crate::exclusions::Area;
use crate::las::LaLookup;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;
use waymark_domain::AcademicYear;

/// School-arranged AP placements by setting type (`spc_ap_setting.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApSettingRow {
    pub year: AcademicYear,
    pub area: Area,
    /// e.g. "One on one tuition", "Education setting with URN", "Total".
    pub setting_type: String,
    pub placements: Value,
}

/// Pupils in school-arranged AP by one characteristic and setting type
/// (`spc_school_ap_placement.csv` for reasons, `spc_school_ap_characteristics.csv` for pupil
/// characteristics).
#[derive(Debug, Clone, PartialEq)]
pub struct ApPupilRow {
    pub year: AcademicYear,
    pub area: Area,
    /// e.g. "Placement Reason", "Age", "Gender", "FSM eligibility", "SEN on entry", "Total".
    pub grouping: String,
    /// e.g. "Suspension", "14", "Boys".
    pub characteristic: String,
    pub setting_type: String,
    pub pupils: Value,
}

/// Pupils in LA-arranged AP (AP census), counted by one characteristic at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct ApCensusRow {
    pub year: AcademicYear,
    pub area: Area,
    /// "Total", "gender", "age", "ethnicity_minor" or "fsm" (the source column).
    pub grouping: String,
    /// e.g. "Boys", "Age 14", "Asian - Indian", "FSM eligible"; "Total" for the total.
    pub characteristic: String,
    pub pupils: Value,
}

/// All AP tables.
#[derive(Debug, Clone, Default)]
pub struct ApData {
    pub settings: Vec<ApSettingRow>,
    pub reasons: Vec<ApPupilRow>,
    pub characteristics: Vec<ApPupilRow>,
    pub census: Vec<ApCensusRow>,
    /// The census totals by year and area, made on first use from `census`.
    pub(crate) census_totals: std::sync::OnceLock<std::collections::HashMap<(AcademicYear, Area), Value>>,
}

impl PartialEq for ApData {
    fn eq(&self, other: &Self) -> bool {
        (&self.settings, &self.reasons, &self.characteristics, &self.census)
            == (&other.settings, &other.reasons, &other.characteristics, &other.census)
    }
}

/// The AP census dimensions; a row is kept when at most one of them is not "Total".
pub const CENSUS_DIMENSIONS: [&str; 4] = ["gender", "age", "ethnicity_minor", "fsm"];

impl ApData {
    /// Read the four files from `dfe-alternative-provision-2022-23/`.
    pub fn from_raw(dir: &Path, las: &LaLookup) -> Result<ApData, OpenDataError> {
        Ok(ApData {
            settings: read_settings(&dir.join("spc_ap_setting.csv"), las)?,
            reasons: read_pupils(&dir.join("spc_school_ap_placement.csv"), las)?,
            characteristics: read_pupils(&dir.join("spc_school_ap_characteristics.csv"), las)?,
            census: read_census(&dir.join("ap_placements_ap_census.csv.gz"), las)?,
            census_totals: Default::default(),
        })
    }

    /// LA-arranged AP pupils in an area and year (the census total).
    pub fn census_total(&self, year: AcademicYear, area: &Area) -> Option<Value> {
        self.census_totals().get(&(year, area.clone())).copied()
    }

    /// Index the census totals now rather than on first use.
    pub fn prepare(&self) {
        self.census_totals();
    }

    /// The census totals by year and area: a small share of the census rows (most are
    /// characteristics), indexed on first use rather than searched for each figure.
    fn census_totals(&self) -> &std::collections::HashMap<(AcademicYear, Area), Value> {
        self.census_totals.get_or_init(|| {
            self.census.iter().filter(|r| r.grouping == "Total").map(|r| ((r.year, r.area.clone()), r.pupils)).collect()
        })
    }
}

/// The year and area of an EES row, checking that an LA number is one we know.
fn year_area(table: &EesTable, row: &EesRow, las: &LaLookup) -> Result<Option<(AcademicYear, Area)>, OpenDataError> {
    let TimePeriod::Academic(year) = row.time_period else {
        return Err(cell(table, row, "time_period", "expected an academic year such as 202223"));
    };
    let area = match row.area() {
        Some(Area::La(n)) if las.by_number(n).is_none() => {
            return Err(cell(table, row, "old_la_code", &format!("{n} is not a known LA number")))
        }
        None if row.level == crate::ees::GeographicLevel::LocalAuthority => {
            return Err(cell(table, row, "old_la_code", "expected a 3-digit LA number"))
        }
        None => return Ok(None),
        Some(area) => area,
    };
    Ok(Some((year, area)))
}

fn cell(table: &EesTable, row: &EesRow, column: &str, message: &str) -> OpenDataError {
    OpenDataError::cell(&table.file, row.row, column, message)
}

fn filter<'a>(table: &EesTable, row: &'a EesRow, name: &str) -> Result<&'a str, OpenDataError> {
    let i = table.filter(name).ok_or_else(|| OpenDataError::MissingColumn {
        file: table.file.clone(),
        expected: name.to_string(),
        found: table.filters.join(", "),
    })?;
    Ok(&row.filters[i])
}

fn read_settings(path: &Path, las: &LaLookup) -> Result<Vec<ApSettingRow>, OpenDataError> {
    let table = read_ees(path, &["placements"])?;
    let mut rows = Vec::new();
    for row in &table.rows {
        let Some((year, area)) = year_area(&table, row, las)? else { continue };
        let setting_type = filter(&table, row, "setting_type")?.to_string();
        rows.push(ApSettingRow { year, area, setting_type, placements: row.indicators[0] });
    }
    Ok(rows)
}

fn read_pupils(path: &Path, las: &LaLookup) -> Result<Vec<ApPupilRow>, OpenDataError> {
    let table = read_ees(path, &["pupils"])?;
    let mut rows = Vec::new();
    for row in &table.rows {
        let Some((year, area)) = year_area(&table, row, las)? else { continue };
        rows.push(ApPupilRow {
            year,
            area,
            grouping: filter(&table, row, "characteristic_grouping")?.to_string(),
            characteristic: filter(&table, row, "pupil_characteristic")?.to_string(),
            setting_type: filter(&table, row, "setting_type")?.to_string(),
            pupils: row.indicators[0],
        });
    }
    Ok(rows)
}

/// The AP census file crosses gender × age and has each other dimension on its own; only the
/// one-dimension rows (and the total) are kept, which is what the map and LA profiles use.
fn read_census(path: &Path, las: &LaLookup) -> Result<Vec<ApCensusRow>, OpenDataError> {
    let table = read_ees(path, &["number_of_pupils"])?;
    let dims: Vec<usize> = CENSUS_DIMENSIONS
        .iter()
        .map(|d| {
            table.filter(d).ok_or_else(|| OpenDataError::MissingColumn {
                file: table.file.clone(),
                expected: d.to_string(),
                found: table.filters.join(", "),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut rows = BTreeMap::new();
    for row in &table.rows {
        let Some((year, area)) = year_area(&table, row, las)? else { continue };
        let split: Vec<usize> = (0..dims.len()).filter(|&i| row.filters[dims[i]] != "Total").collect();
        let (grouping, characteristic) = match split[..] {
            [] => ("Total".to_string(), "Total".to_string()),
            [i] => (CENSUS_DIMENSIONS[i].to_string(), row.filters[dims[i]].clone()),
            _ => continue,
        };
        let key = (year, area.clone(), grouping.clone(), characteristic.clone());
        if rows.insert(key, row.indicators[0]).is_some() {
            return Err(cell(&table, row, "number_of_pupils", "duplicate row for this year, area and characteristic"));
        }
    }
    Ok(rows
        .into_iter()
        .map(|((year, area, grouping, characteristic), pupils)| ApCensusRow {
            year,
            area,
            grouping,
            characteristic,
            pupils,
        })
        .collect())
}
