//! All the open data in one value, loaded from the processed copy embedded in the binary or
//! from the raw DfE files, and the queries the web map uses.

use crate::after::AfterExclusion;
use crate::ap::{ApCensusRow, ApData, ApPupilRow, ApSettingRow};
use crate::ees::{decompress, Row, Table};
use crate::error::OpenDataError;
use crate::exclusions::{
    read_characteristics, read_clean_la_data, read_lait, read_reasons, Area, CharacteristicRow, ExclusionRow,
    LaitMeasure, LaitRow, Reason, ReasonRow, SchoolType,
};
use crate::gias::{read_school_list, School};
use crate::las::LaLookup;
use crate::value::{Value, Vintage};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use waymark_domain::AcademicYear;

/// Every open-data table Waymark uses.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenData {
    pub las: LaLookup,
    /// 2006/07–2016/17, England, regions and LAs, by school type.
    pub exclusions: Vec<ExclusionRow>,
    /// 2006/07–2016/17 by reason.
    pub reasons: Vec<ReasonRow>,
    /// England 2011/12–2015/16 by pupil characteristic.
    pub characteristics: Vec<CharacteristicRow>,
    /// LAIT rates 2015/16–2023/24.
    pub lait: Vec<LaitRow>,
    pub ap: ApData,
    /// DfE's 2017/18 school list.
    pub schools: Vec<School>,
    /// What happens after exclusion (issue 12): AP, PRU absence, children in need, NEET,
    /// destinations.
    pub after: AfterExclusion,
}

/// The raw files, relative to the `data` folder.
pub mod raw {
    pub const EXCLUSIONS_DIR: &str = "dfe-exclusion-statistics-2006-2017";
    pub const LAIT: &str = "dfe-lait-exclusion-rates-2015-2024/lait_exclusion_rates_by_la.csv";
    pub const AP_DIR: &str = "dfe-alternative-provision-2022-23";
}

/// The processed files, as (name, bytes) embedded at compile time.
pub(crate) const EMBEDDED: &[(&str, &[u8])] = &[
    ("las.csv", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/las.csv"))),
    ("exclusions.csv", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/exclusions.csv"))),
    ("reasons.csv.gz", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/reasons.csv.gz"))),
    (
        "characteristics.csv.gz",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/characteristics.csv.gz")),
    ),
    ("lait.csv.gz", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/lait.csv.gz"))),
    (
        "ap_settings.csv.gz",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/ap_settings.csv.gz")),
    ),
    (
        "ap_reasons.csv.gz",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/ap_reasons.csv.gz")),
    ),
    (
        "ap_characteristics.csv.gz",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/ap_characteristics.csv.gz")),
    ),
    ("ap_census.csv.gz", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/ap_census.csv.gz"))),
    ("schools.csv.gz", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/schools.csv.gz"))),
    ("after.csv.gz", include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/opendata/after.csv.gz"))),
];

/// Headers of the processed files.
pub(crate) mod header {
    pub const EXCLUSIONS: [&str; 11] = [
        "year",
        "area",
        "school_type",
        "schools",
        "headcount",
        "perm",
        "perm_rate",
        "susp",
        "susp_rate",
        "one_plus",
        "one_plus_rate",
    ];
    pub const CHARACTERISTICS: [&str; 12] = [
        "year",
        "school_type",
        "group",
        "characteristic",
        "sex",
        "headcount",
        "perm",
        "perm_rate",
        "susp",
        "susp_rate",
        "one_plus",
        "one_plus_rate",
    ];
    pub const LAIT: [&str; 4] = ["measure_code", "period", "area", "value"];
    pub const AP_SETTINGS: [&str; 4] = ["year", "area", "setting_type", "placements"];
    pub const AP_PUPILS: [&str; 6] = ["year", "area", "grouping", "characteristic", "setting_type", "pupils"];
    pub const AP_CENSUS: [&str; 5] = ["year", "area", "grouping", "characteristic", "pupils"];
    pub const SCHOOLS: [&str; 5] = ["year", "la", "laestab", "name", "urn"];
}

fn embedded_table(name: &str) -> Result<Table, OpenDataError> {
    let (_, bytes) = EMBEDDED.iter().find(|(n, _)| *n == name).expect("every processed file is embedded");
    let file = Path::new("data/opendata").join(name);
    let bytes = decompress(&file, bytes.to_vec())?;
    Table::from_bytes(&file, &bytes)
}

impl OpenData {
    /// The processed copy compiled into the binary (`data/opendata/`), so Waymark needs no
    /// data download. Parses everything; call once and keep the result (or use
    /// [`OpenData::shared`]).
    pub fn embedded() -> Result<OpenData, OpenDataError> {
        let table = |name: &str| embedded_table(name);
        Ok(OpenData {
            las: LaLookup::from_compact(&table("las.csv")?)?,
            exclusions: read_compact(&table("exclusions.csv")?, &header::EXCLUSIONS, exclusion_from)?,
            reasons: read_compact_reasons(&table("reasons.csv.gz")?)?,
            characteristics: read_compact(
                &table("characteristics.csv.gz")?,
                &header::CHARACTERISTICS,
                characteristic_from,
            )?,
            lait: read_compact(&table("lait.csv.gz")?, &header::LAIT, lait_from)?,
            ap: ApData {
                settings: read_compact(&table("ap_settings.csv.gz")?, &header::AP_SETTINGS, ap_setting_from)?,
                reasons: read_compact(&table("ap_reasons.csv.gz")?, &header::AP_PUPILS, ap_pupil_from)?,
                characteristics: read_compact(&table("ap_characteristics.csv.gz")?, &header::AP_PUPILS, ap_pupil_from)?,
                census: read_compact(&table("ap_census.csv.gz")?, &header::AP_CENSUS, ap_census_from)?,
                census_totals: Default::default(),
            },
            schools: read_compact(&table("schools.csv.gz")?, &header::SCHOOLS, school_from)?,
            after: AfterExclusion::from_compact(&table("after.csv.gz")?)?,
        })
    }

    /// The embedded data, parsed on first use and shared after that.
    pub fn shared() -> Result<&'static OpenData, &'static OpenDataError> {
        static DATA: OnceLock<Result<OpenData, OpenDataError>> = OnceLock::new();
        DATA.get_or_init(OpenData::embedded).as_ref()
    }

    /// Read the raw files from a folder laid out like `../shared/data`.
    pub fn from_raw(raw_data_dir: &Path) -> Result<OpenData, OpenDataError> {
        load_raw(raw_data_dir).map(|(data, _)| data)
    }

    /// The academic years of the 2006–2017 exclusion table, oldest first.
    pub fn years(&self) -> Vec<AcademicYear> {
        let years: BTreeSet<AcademicYear> = self.exclusions.iter().map(|r| r.year).collect();
        years.into_iter().collect()
    }

    /// The exclusion figures for one year, area and school type.
    pub fn exclusion(&self, year: AcademicYear, area: &Area, school_type: SchoolType) -> Option<&ExclusionRow> {
        self.exclusions.iter().find(|r| r.year == year && &r.area == area && r.school_type == school_type)
    }

    /// One LAIT value.
    pub fn lait(&self, measure: LaitMeasure, start_year: i32, area: &Area) -> Option<&LaitRow> {
        self.lait.iter().find(|r| r.measure == measure && r.start_year == start_year && &r.area == area)
    }
}

/// Read everything raw, returning also the rows left out on purpose (with reasons).
pub(crate) fn load_raw(dir: &Path) -> Result<(OpenData, Vec<String>), OpenDataError> {
    if !dir.is_dir() {
        return Err(OpenDataError::File {
            file: dir.to_path_buf(),
            message: "is not a folder; give the `data` folder that holds dfe-exclusion-statistics-2006-2017/ etc."
                .into(),
        });
    }
    let las = LaLookup::from_raw(dir)?;
    let exclusions_dir = dir.join(raw::EXCLUSIONS_DIR);
    let (exclusions, mut dropped) = read_clean_la_data(&exclusions_dir.join("clean_la_data.csv"), &las)?;
    let (reasons, dropped_reasons) = read_reasons(&exclusions_dir.join("clean_la_exclusions_data.csv"), &las)?;
    dropped.extend(dropped_reasons);
    // Name files relative to the data folder, so the build summary does not depend on where
    // the folder is.
    let prefix = format!("{}/", dir.display());
    let dropped = dropped.into_iter().map(|d| d.replace(&prefix, "")).collect();
    let data = OpenData {
        characteristics: read_characteristics(&exclusions_dir.join("SFR35_2017_National_characteristics.csv"))?,
        lait: read_lait(&dir.join(raw::LAIT), &las)?,
        ap: ApData::from_raw(&dir.join(raw::AP_DIR), &las)?,
        schools: read_school_list(&exclusions_dir.join("school_data_sql.csv"))?,
        after: AfterExclusion::from_raw(dir, &las)?,
        exclusions,
        reasons,
        las,
    };
    Ok((data, dropped))
}

/// Read a processed table: find its columns by name, then build each row.
fn read_compact<T>(
    table: &Table,
    header: &[&str],
    build: impl Fn(&Row<'_>, &[crate::ees::Col]) -> Result<T, OpenDataError>,
) -> Result<Vec<T>, OpenDataError> {
    let cols: Vec<_> = header.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
    table.rows().map(|row| build(&row, &cols)).collect()
}

type Cols = [crate::ees::Col];

fn year_of(row: &Row<'_>, col: &crate::ees::Col) -> Result<AcademicYear, OpenDataError> {
    row.parse(col, |t| t.parse())
}

fn area_of(row: &Row<'_>, col: &crate::ees::Col) -> Result<Area, OpenDataError> {
    row.parse(col, Area::parse_code)
}

fn school_type_of(row: &Row<'_>, col: &crate::ees::Col) -> Result<SchoolType, OpenDataError> {
    row.parse(col, SchoolType::parse_label)
}

fn values(row: &Row<'_>, cols: &[crate::ees::Col], vintage: Vintage) -> Result<Vec<Value>, OpenDataError> {
    cols.iter().map(|c| row.value(c, vintage)).collect()
}

fn exclusion_from(row: &Row<'_>, c: &Cols) -> Result<ExclusionRow, OpenDataError> {
    let v = values(row, &c[3..], Vintage::Legacy)?;
    Ok(ExclusionRow {
        year: year_of(row, &c[0])?,
        area: area_of(row, &c[1])?,
        school_type: school_type_of(row, &c[2])?,
        schools: v[0],
        headcount: v[1],
        perm: v[2],
        perm_rate: v[3],
        susp: v[4],
        susp_rate: v[5],
        one_plus: v[6],
        one_plus_rate: v[7],
    })
}

fn characteristic_from(row: &Row<'_>, c: &Cols) -> Result<CharacteristicRow, OpenDataError> {
    let v = values(row, &c[5..], Vintage::Legacy)?;
    Ok(CharacteristicRow {
        year: year_of(row, &c[0])?,
        school_type: school_type_of(row, &c[1])?,
        group: row.text(&c[2]).to_string(),
        characteristic: row.text(&c[3]).to_string(),
        sex: row.text(&c[4]).to_string(),
        headcount: v[0],
        perm: v[1],
        perm_rate: v[2],
        susp: v[3],
        susp_rate: v[4],
        one_plus: v[5],
        one_plus_rate: v[6],
    })
}

fn lait_from(row: &Row<'_>, c: &Cols) -> Result<LaitRow, OpenDataError> {
    let measure =
        row.parse(&c[0], |t| LaitMeasure::from_code(t).ok_or_else(|| format!("unknown LAIT measure {t:?}")))?;
    let period = row.text(&c[1]).to_string();
    Ok(LaitRow {
        start_year: row.parse(&c[1], |p| crate::exclusions::lait_start_year(measure, p))?,
        measure,
        period,
        area: area_of(row, &c[2])?,
        value: row.value(&c[3], Vintage::Lait)?,
    })
}

fn ap_setting_from(row: &Row<'_>, c: &Cols) -> Result<ApSettingRow, OpenDataError> {
    Ok(ApSettingRow {
        year: year_of(row, &c[0])?,
        area: area_of(row, &c[1])?,
        setting_type: row.text(&c[2]).to_string(),
        placements: row.value(&c[3], Vintage::Ees)?,
    })
}

fn ap_pupil_from(row: &Row<'_>, c: &Cols) -> Result<ApPupilRow, OpenDataError> {
    Ok(ApPupilRow {
        year: year_of(row, &c[0])?,
        area: area_of(row, &c[1])?,
        grouping: row.text(&c[2]).to_string(),
        characteristic: row.text(&c[3]).to_string(),
        setting_type: row.text(&c[4]).to_string(),
        pupils: row.value(&c[5], Vintage::Ees)?,
    })
}

fn ap_census_from(row: &Row<'_>, c: &Cols) -> Result<ApCensusRow, OpenDataError> {
    Ok(ApCensusRow {
        year: year_of(row, &c[0])?,
        area: area_of(row, &c[1])?,
        grouping: row.text(&c[2]).to_string(),
        characteristic: row.text(&c[3]).to_string(),
        pupils: row.value(&c[4], Vintage::Ees)?,
    })
}

fn school_from(row: &Row<'_>, c: &Cols) -> Result<School, OpenDataError> {
    let number = |t: &str| t.parse().map_err(|_| format!("expected a number, found {t:?}"));
    Ok(School {
        year: year_of(row, &c[0])?,
        la_number: row.parse(&c[1], number)?,
        laestab: row.parse(&c[2], |t| t.parse().map_err(|_| format!("expected a number, found {t:?}")))?,
        name: row.text(&c[3]).to_string(),
        urn: row.parse(&c[4], |t| t.parse().map_err(|_| format!("expected a number, found {t:?}")))?,
    })
}

/// The reasons table is stored wide (one row per year, area and school type, a permanent and
/// a suspension column per reason), as the source is, which keeps it a tenth of the size.
pub(crate) fn reason_header() -> Vec<String> {
    let mut header = vec!["year".to_string(), "area".to_string(), "school_type".to_string()];
    header.extend(Reason::ALL.iter().map(|r| format!("perm_{}", r.column())));
    header.extend(Reason::ALL.iter().map(|r| format!("susp_{}", r.column())));
    header
}

fn read_compact_reasons(table: &Table) -> Result<Vec<ReasonRow>, OpenDataError> {
    let header = reason_header();
    let cols: Vec<_> = header.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
    let n = Reason::ALL.len();
    let mut rows = Vec::with_capacity(table.len() * n);
    for row in table.rows() {
        let (year, area, school_type) =
            (year_of(&row, &cols[0])?, area_of(&row, &cols[1])?, school_type_of(&row, &cols[2])?);
        for (i, reason) in Reason::ALL.into_iter().enumerate() {
            rows.push(ReasonRow {
                year,
                area: area.clone(),
                school_type,
                reason,
                perm: row.value(&cols[3 + i], Vintage::Legacy)?,
                susp: row.value(&cols[3 + n + i], Vintage::Legacy)?,
            });
        }
    }
    Ok(rows)
}
