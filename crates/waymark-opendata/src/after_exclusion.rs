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
    // The files below have no figure quoted in the README. Each check is England's figure as the
    // file publishes it, and where another file of the folder publishes the same figure the two
    // must agree (LAIT against NCCIS and against the children-in-need KS4 file), so a changed
    // or shifted file is caught.
    CheckFigure {
        file: "cin_outcomes_ks4_la.csv",
        what: "CIN with grade 4+ English and maths 2022/23, % (= LAIT)",
        filters: &[
            ("time_period", "202223"),
            NATIONAL,
            ("social_care_group", "CINO at 31 March"),
            ("version", "Final"),
        ],
        column: "pt_l2basics_94",
        expected: "19.3",
    },
    CheckFigure {
        file: "lait_outcomes_by_la.csv",
        what: "CIN with grade 4+ English and maths, LAIT \"2023\", %",
        filters: &[("measure_code", "CIN_EngMaths9-4"), ("time_period", "2023"), ("la_number", "970")],
        column: "value",
        expected: "19.3",
    },
    CheckFigure {
        file: "lait_outcomes_by_la.csv",
        what: "16-17 NEET or not known, LAIT \"2023\", % (= NCCIS 2023)",
        filters: &[("measure_code", "16-17_not known_NEET"), ("time_period", "2023"), ("la_number", "970")],
        column: "value",
        expected: "5.2",
    },
    CheckFigure {
        file: "nccis_UD_NEETNK_LA_dashboard_2021_vg_removed.csv",
        what: "16-17 NEET or not known 2021, % (= LAIT)",
        filters: &[NATIONAL],
        column: "NEET_not_known_percent",
        expected: "5.5",
    },
    CheckFigure {
        file: "nccis_UD_NEETNK_LA_dashboard_2022_final.csv",
        what: "16-17 NEET or not known 2022, % (= LAIT)",
        filters: &[NATIONAL],
        column: "NEET_not_known_percent",
        expected: "4.7",
    },
    CheckFigure {
        file: "nccis_UD_NEETNK_LA_dashboard_2023_final.csv",
        what: "16-17 NEET or not known 2023, % (= LAIT)",
        filters: &[NATIONAL],
        column: "NEET_not_known_percent",
        expected: "5.2",
    },
    CheckFigure {
        file: "nccis_UD_NEETNK_LA_dashboard_final.csv",
        what: "16-17 NEET or not known 2025, % (= LAIT)",
        filters: &[NATIONAL],
        column: "NEET_not_known_percent",
        expected: "5.6",
    },
    CheckFigure {
        file: "nccis_UD_NEETNK_LA_dashboard_2023_final.csv",
        what: "16-17 with an EHC plan NEET or not known 2023, %",
        filters: &[NATIONAL],
        column: "NEET_NK_EHCP_percent",
        expected: "10.1",
    },
    CheckFigure {
        file: "cin_outcomes_absence_la.csv",
        what: "CIN in AP schools: overall absence 2022/23, %",
        filters: &[
            ("time_period", "202223"),
            NATIONAL,
            ("social_care_group", "CINO at 31 March"),
            ("phase_type_grouping", "State-funded alternative provision school"),
        ],
        column: "pt_overall",
        expected: "50.3",
    },
    CheckFigure {
        file: "sendap_ofsted_by_school_type_la_2019_2023.csv",
        what: "AP schools judged good, 2023 (of 324)",
        filters: &[
            ("Year", "2023"),
            NATIONAL,
            ("school_type", "State-funded AP school"),
            ("Overall effectiveness", "Good"),
            ("Measure", "Overall effectiveness (number of schools)"),
        ],
        column: "Value",
        expected: "219.0",
    },
    CheckFigure {
        file: "sendap_ap_characteristics_la_201718_202223.csv",
        what: "Pupils in AP schools with SEN, 2022/23",
        filters: &[
            ("time_period", "202223"),
            NATIONAL,
            ("prov_type", "State-funded AP school"),
            ("char_dv", "All SEN"),
        ],
        column: "pupils_dv",
        expected: "10886.0",
    },
];

/// The CSV files of the folder with no check figure: none since every file has one (kept so
/// the check table can say so if a file is ever added without one).
pub const UNCHECKED: &[&str] = &[];

/// A row's numeric cells by column name.
pub type Cells<'a> = &'a dyn Fn(&str) -> Option<f64>;
/// (published, recomputed) from a row's cells, or `None` where the row has no figure.
pub type Rule = fn(Cells) -> Option<(f64, f64)>;

/// A rule that every row of a file must satisfy: a published percentage recomputed from the
/// file's own counts (as `reproduce` does for the exclusion tables).
#[derive(Debug, Clone, Copy)]
pub struct Reproduction {
    pub file: &'static str,
    pub what: &'static str,
    /// The rule: (published, recomputed) from a row, or `None` where the row has no figure
    /// (suppressed or not applicable cells).
    pub rule: Rule,
    /// How far apart the two may be (the published rounding).
    pub tolerance: f64,
}

/// A percentage published from unrounded counts beside counts rounded to within `half`: the
/// recomputed figure is the nearest value the true counts allow to the published one (so a
/// published rate outside every possible true rate is a mismatch, one inside is not).
fn percent_of_rounded(
    cell: &dyn Fn(&str) -> Option<f64>,
    rate: &str,
    count: &str,
    base: &str,
    half: f64,
) -> Option<(f64, f64)> {
    let (published, n, d) = (cell(rate)?, cell(count)?, cell(base)?);
    if d - half <= 0.0 {
        return None;
    }
    let lowest = ((n - half).max(0.0) / (d + half) * 100.0).min(100.0);
    let highest = ((n + half) / (d - half) * 100.0).min(100.0);
    Some((published, published.clamp(lowest, highest)))
}

/// The reproduction rules, one or more per file.
pub const REPRODUCTIONS: &[Reproduction] = &[
    Reproduction {
        file: "cin_outcomes_absence_la.csv",
        what: "overall absence % = sessions missed / possible (counts rounded to 10)",
        rule: |c| percent_of_rounded(c, "pt_overall", "t_sess_overall", "t_sess_possible", 5.0),
        tolerance: 0.05 + 1e-9,
    },
    Reproduction {
        file: "sendap_ofsted_by_school_type_la_2019_2023.csv",
        what: "% of schools = number / schools (same school type and grade)",
        rule: |_| None, // paired rows: checked by `ofsted_shares` below
        tolerance: 0.005 + 1e-9,
    },
    Reproduction {
        file: "nccis_UD_NEETNK_LA_dashboard_2021_vg_removed.csv",
        what: "NEET or not known % = NEET % + not known %",
        rule: neet_sum,
        tolerance: 0.1 + 1e-9,
    },
    Reproduction {
        file: "nccis_UD_NEETNK_LA_dashboard_2022_final.csv",
        what: "NEET or not known % = NEET % + not known %",
        rule: neet_sum,
        tolerance: 0.1 + 1e-9,
    },
    Reproduction {
        file: "nccis_UD_NEETNK_LA_dashboard_2023_final.csv",
        what: "NEET or not known % = NEET % + not known %",
        rule: neet_sum,
        tolerance: 0.1 + 1e-9,
    },
    Reproduction {
        file: "nccis_UD_NEETNK_LA_dashboard_final.csv",
        what: "NEET or not known % = NEET % + not known %",
        rule: neet_sum,
        tolerance: 0.1 + 1e-9,
    },
    Reproduction {
        file: "sendap_ap_characteristics_la_201718_202223.csv",
        what: "share = pupils with the characteristic / pupils (each breakdown sums to 1)",
        rule: |_| None, // grouped rows: checked by `shares_sum_to_one` below
        tolerance: 0.001,
    },
];

fn neet_sum(c: &dyn Fn(&str) -> Option<f64>) -> Option<(f64, f64)> {
    Some((c("NEET_not_known_percent")?, c("NEET_percent")? + c("Notknown_percent")?))
}

/// The NCCIS dashboard's 2021 file carries a made-up row for its dashboard's demo region
/// (region_name "Region demo", a round 120,000 cohort whose figures do not add up). It is not
/// data: this check found it, and every reader of these files must leave it out.
pub const PLACEHOLDER_REGION: &str = "Region demo";

/// How one rule fared on one file.
#[derive(Debug, Clone)]
pub struct ReproductionResult {
    pub file: &'static str,
    pub what: &'static str,
    pub checked: usize,
    pub matched: usize,
    /// The first row that did not reproduce: (row number, published, recomputed).
    pub first_mismatch: Option<(u64, f64, f64)>,
}

impl ReproductionResult {
    pub fn ok(&self) -> bool {
        self.checked > 0 && self.matched == self.checked
    }
}

/// Run every reproduction rule on the files in `data_dir/dfe-ap-outcomes/`.
pub fn reproduce_all(data_dir: &Path) -> Result<Vec<ReproductionResult>, OpenDataError> {
    let dir = data_dir.join(FOLDER);
    let mut out = Vec::new();
    for rule in REPRODUCTIONS {
        let table = Table::read(&dir.join(rule.file))?;
        let mut result =
            ReproductionResult { file: rule.file, what: rule.what, checked: 0, matched: 0, first_mismatch: None };
        let mut tally = |row: u64, published: f64, recomputed: f64, tolerance: f64| {
            result.checked += 1;
            if (published - recomputed).abs() <= tolerance {
                result.matched += 1;
            } else if result.first_mismatch.is_none() {
                result.first_mismatch = Some((row, published, recomputed));
            }
        };
        match rule.file {
            "sendap_ofsted_by_school_type_la_2019_2023.csv" => ofsted_shares(&table, &mut tally, rule.tolerance)?,
            "sendap_ap_characteristics_la_201718_202223.csv" => shares_sum_to_one(&table, &mut tally, rule.tolerance)?,
            _ => {
                let region = table.optional_column("region_name");
                for row in table.rows().filter(|r| region.as_ref().is_none_or(|c| r.text(c) != PLACEHOLDER_REGION)) {
                    let cell = |name: &str| table.optional_column(name).and_then(|c| row.text(&c).parse::<f64>().ok());
                    if let Some((published, recomputed)) = (rule.rule)(&cell) {
                        tally(row.number(), published, recomputed, rule.tolerance);
                    }
                }
            }
        }
        out.push(result);
    }
    Ok(out)
}

/// Ofsted: each "% of schools" row against its "number of schools" row over the total.
fn ofsted_shares(
    table: &Table,
    tally: &mut dyn FnMut(u64, f64, f64, f64),
    tolerance: f64,
) -> Result<(), OpenDataError> {
    let key_cols: Vec<_> = ["Year", "geographic_level", "Region", "la_name", "school_type", "Overall effectiveness"]
        .iter()
        .map(|c| table.column(c))
        .collect::<Result<_, _>>()?;
    let (measure, total, value) =
        (table.column("Measure")?, table.column("grand_total_schools")?, table.column("Value")?);
    let mut numbers = std::collections::HashMap::new();
    for row in table.rows().filter(|r| r.text(&measure).contains("(number of schools)")) {
        let key: Vec<&str> = key_cols.iter().map(|c| row.text(c)).collect();
        if let (Ok(n), Ok(t)) = (row.text(&value).parse::<f64>(), row.text(&total).parse::<f64>()) {
            numbers.insert(key.join("|"), (n, t));
        }
    }
    for row in table.rows().filter(|r| r.text(&measure).contains("(% of schools)")) {
        let key: Vec<&str> = key_cols.iter().map(|c| row.text(c)).collect();
        if let (Some((n, t)), Ok(pct)) = (numbers.get(&key.join("|")), row.text(&value).parse::<f64>()) {
            if *t > 0.0 {
                tally(row.number(), pct, n / t * 100.0, tolerance);
            }
        }
    }
    Ok(())
}

/// AP characteristics: within one year, area, provision type and breakdown the shares sum to 1.
fn shares_sum_to_one(
    table: &Table,
    tally: &mut dyn FnMut(u64, f64, f64, f64),
    tolerance: f64,
) -> Result<(), OpenDataError> {
    let key_cols: Vec<_> =
        ["time_period", "geographic_level", "region_name", "la_name", "prov_type", "pupil_characteristic"]
            .iter()
            .map(|c| table.column(c))
            .collect::<Result<_, _>>()?;
    let share = table.column("char_per")?;
    let mut sums: Vec<(String, u64, f64)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for row in table.rows() {
        let Ok(v) = row.text(&share).parse::<f64>() else { continue };
        let key: Vec<&str> = key_cols.iter().map(|c| row.text(c)).collect();
        let key = key.join("|");
        let at = *index.entry(key.clone()).or_insert_with(|| {
            sums.push((key, row.number(), 0.0));
            sums.len() - 1
        });
        sums[at].2 += v;
    }
    for (_, first_row, sum) in sums {
        tally(first_row, 1.0, sum, tolerance);
    }
    Ok(())
}

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
