//! What happens after exclusion (issue 12): DfE's tables on AP places, PRU absence, children in
//! need, KS4 destinations and NEET, in `dfe-ap-outcomes/` of the raw data folder.
//!
//! This first step reads each file through the shared CSV layer (columns found by name, errors
//! with file, row and column) and checks one figure per file against the figure its README
//! quotes from the publication, so a wrong file, a renamed column or a changed release is caught
//! before any of it is shown. A file whose README quotes no figure is listed with no check
//! rather than given an invented one.

use crate::ees::Table;
use crate::error::OpenDataError;
use std::path::Path;

/// The folder of these files inside the raw data folder.
pub const FOLDER: &str = "dfe-ap-outcomes";

/// One published figure to find in one file: the row picked by column values, and the cell.
#[derive(Debug, Clone, Copy)]
pub struct CheckFigure {
    pub file: &'static str,
    /// What the figure is, in words.
    pub what: &'static str,
    /// (column, value) pairs that pick exactly one row.
    pub filters: &'static [(&'static str, &'static str)],
    pub column: &'static str,
    /// The figure as published (the file's own text, e.g. `66.5`).
    pub expected: &'static str,
}

const NATIONAL: (&str, &str) = ("geographic_level", "National");

/// The check figures, from `dfe-ap-outcomes/README.md`.
pub const CHECKS: &[CheckFigure] = &[
    CheckFigure {
        file: "ks4_dm_ud_202223_nat_rev.csv",
        what: "AP leavers 2022/23 (KS4 cohort)",
        filters: &[
            ("time_period", "202223"),
            ("institution_group", "Alternative provision"),
            ("institution_type", "Total"),
            ("breakdown_topic", "Total"),
            ("data_type", "Number of pupils"),
        ],
        column: "cohort",
        expected: "7133",
    },
    CheckFigure {
        file: "ks4_dm_ud_202223_nat_rev.csv",
        what: "AP leavers 2022/23 in a sustained destination, %",
        filters: &[
            ("time_period", "202223"),
            ("institution_group", "Alternative provision"),
            ("institution_type", "Total"),
            ("breakdown_topic", "Total"),
            ("data_type", "Percentage"),
        ],
        column: "overall",
        expected: "66.5",
    },
    CheckFigure {
        file: "ks4_dm_ud_202223_nat_rev.csv",
        what: "State-place funded AP leavers 2022/23 sustained, %",
        filters: &[
            ("time_period", "202223"),
            ("institution_group", "Alternative provision"),
            ("institution_type", "State-place funded alternative provision"),
            ("breakdown_topic", "Total"),
            ("data_type", "Percentage"),
        ],
        column: "overall",
        expected: "57.3",
    },
    CheckFigure {
        file: "absence_2term_pru_la_201314_202223.csv",
        what: "PRUs in England, 2022/23",
        filters: &[("time_period", "202223"), NATIONAL],
        column: "num_schools",
        expected: "331",
    },
    CheckFigure {
        file: "absence_2term_pru_la_201314_202223.csv",
        what: "PRU enrolments in England, 2022/23",
        filters: &[("time_period", "202223"), NATIONAL],
        column: "enrolments",
        expected: "34739",
    },
    CheckFigure {
        file: "sendap_ap_counts_la_201718_202223.csv",
        what: "Pupils in state-funded AP schools, 2017/18",
        filters: &[("time_period", "201718"), NATIONAL, ("prov_type", "State-funded AP school")],
        column: "total",
        expected: "16732",
    },
    CheckFigure {
        file: "sendap_ap_counts_la_201718_202223.csv",
        what: "LA-funded AP placements, 2022/23",
        filters: &[("time_period", "202223"), NATIONAL, ("prov_type", "LA funded AP placements")],
        column: "total",
        expected: "40904",
    },
    CheckFigure {
        file: "cin_outcomes_permanent_exclusions_and_suspensions_la_201516_202021.csv",
        what: "Children in need permanently excluded, 2020/21",
        filters: &[("time_period", "202021"), NATIONAL, ("social_care_group", "CINO at 31 March")],
        column: "t_perm_excl",
        expected: "510",
    },
    CheckFigure {
        file: "cin_outcomes_permanent_exclusions_and_suspensions_la_201516_202021.csv",
        what: "Children in need permanently excluded, 2020/21, %",
        filters: &[("time_period", "202021"), NATIONAL, ("social_care_group", "CINO at 31 March")],
        column: "pt_perm_excl",
        expected: "0.38",
    },
    CheckFigure {
        file: "cin_outcomes_school_type_la_201617_202122.csv",
        what: "Children in need in PRUs, 2021/22",
        filters: &[("time_period", "202122"), NATIONAL, ("social_care_group", "CINO at 31 March")],
        column: "t_pru",
        expected: "1840",
    },
];

/// The CSV files of the folder that have no check figure yet (their README quotes none).
pub const UNCHECKED: &[&str] = &[
    "cin_outcomes_absence_la.csv",
    "cin_outcomes_ks4_la.csv",
    "lait_outcomes_by_la.csv",
    "nccis_UD_NEETNK_LA_dashboard_2021_vg_removed.csv",
    "nccis_UD_NEETNK_LA_dashboard_2022_final.csv",
    "nccis_UD_NEETNK_LA_dashboard_2023_final.csv",
    "nccis_UD_NEETNK_LA_dashboard_final.csv",
    "sendap_ap_characteristics_la_201718_202223.csv",
    "sendap_ofsted_by_school_type_la_2019_2023.csv",
];

/// A check figure and what the file holds.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub check: CheckFigure,
    /// The cell's text, if exactly one row matched.
    pub found: Option<String>,
    /// Rows that matched the filters (1 when the file is as expected).
    pub rows: usize,
}

impl CheckResult {
    pub fn ok(&self) -> bool {
        self.rows == 1 && self.found.as_deref() == Some(self.check.expected)
    }
}

/// Check every figure against the files in `data_dir/dfe-ap-outcomes/`. A file that cannot be
/// read, or lacks a column, is an error naming it.
pub fn check_all(data_dir: &Path) -> Result<Vec<CheckResult>, OpenDataError> {
    let dir = data_dir.join(FOLDER);
    let mut results = Vec::new();
    let mut loaded: Vec<(&str, Table)> = Vec::new();
    for check in CHECKS {
        if !loaded.iter().any(|(f, _)| *f == check.file) {
            loaded.push((check.file, Table::read(&dir.join(check.file))?));
        }
        let table = &loaded.iter().find(|(f, _)| *f == check.file).expect("loaded above").1;
        results.push(check_one(table, check)?);
    }
    Ok(results)
}

fn check_one(table: &Table, check: &CheckFigure) -> Result<CheckResult, OpenDataError> {
    let filters: Vec<_> =
        check.filters.iter().map(|(c, v)| Ok((table.column(c)?, *v))).collect::<Result<_, OpenDataError>>()?;
    let column = table.column(check.column)?;
    let matches: Vec<String> = table
        .rows()
        .filter(|row| filters.iter().all(|(col, v)| row.text(col) == *v))
        .map(|row| row.text(&column).to_string())
        .collect();
    Ok(CheckResult { check: *check, rows: matches.len(), found: (matches.len() == 1).then(|| matches[0].clone()) })
}
