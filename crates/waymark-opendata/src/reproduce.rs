//! Checks that the published figures hang together (DOMAIN.md §8): every rate is recomputed
//! from its count and headcount, and LAIT's LA rates are compared with the 2006–2017 tables
//! for the years both cover.
//!
//! All arithmetic is on exact decimals (integers scaled by a power of ten), never on floats, so
//! a rate such as 0.125 rounds half up to 0.13 and not to whatever the nearest double gives.

use crate::exclusions::{Area, ExclusionRow, LaitMeasure, SchoolType};
use crate::model::OpenData;
use crate::value::Value;
use std::collections::HashMap;
use waymark_domain::AcademicYear;

/// An exact decimal: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dec {
    mantissa: i128,
    scale: u32,
}

impl Dec {
    /// The decimal a published number was written as. Rust prints the shortest text that
    /// reads back to the same double, which for these files is the text as published.
    fn of(n: f64) -> Option<Dec> {
        let text = format!("{n}");
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Dec { mantissa, scale: frac.len() as u32 })
    }

    /// This value in units of 10^-places, if it has no more decimal places than that.
    fn in_units(self, places: u32) -> Option<i128> {
        (self.scale <= places).then(|| self.mantissa * 10i128.pow(places - self.scale))
    }
}

/// `count / headcount × 100` rounded half up to `places` decimal places, in units of
/// 10^-places.
fn rate_units(count: Dec, headcount: i128, places: u32) -> i128 {
    let num = 2 * count.mantissa * 100 * 10i128.pow(places) + 10i128.pow(count.scale) * headcount;
    num.div_euclid(2 * 10i128.pow(count.scale) * headcount)
}

/// Whether a published 2 dp rate is consistent with a count published rounded to the nearest
/// 5 (and, with `headcount_rounded`, a headcount rounded likewise): some count within ±2.5,
/// over some headcount within ±2.5, gives that rate. Multiplying out by 4 × 10^4 keeps it in
/// integers: (2n ∓ 5) · 2·10^4 against (2P ± 1)(2h ± slack).
fn within_rounding_to_5(count: Dec, headcount: i128, published_hundredths: i128, headcount_rounded: bool) -> bool {
    let unit = 10i128.pow(count.scale);
    let slack = if headcount_rounded { 5 } else { 0 };
    let lowest = (2 * count.mantissa - 5 * unit) * 20_000;
    let highest = (2 * count.mantissa + 5 * unit) * 20_000;
    lowest <= (2 * published_hundredths + 1) * (2 * headcount + slack) * unit
        && highest >= (2 * published_hundredths - 1) * (2 * headcount - slack) * unit
}

fn format_units(units: i128, places: u32) -> String {
    let scale = 10i128.pow(places);
    format!("{}.{:0width$}", units / scale, units % scale, width = places as usize)
}

/// How strictly a table's rates must reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Exactly, to the published 2 dp.
    Exact,
    /// Within the rounding of counts to the nearest 5 (regional and national tables).
    CountsRoundedTo5,
    /// Within the rounding of counts and headcounts to the nearest 5 (the national
    /// characteristics table, whose headcounts are rounded too: e.g. 595 Traveller of Irish
    /// heritage boys).
    CountsAndHeadcountsRoundedTo5,
}

/// One rate that did not reproduce.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub table: String,
    pub year: AcademicYear,
    pub area: Area,
    pub school_type: SchoolType,
    pub measure: &'static str,
    pub published: Value,
    /// The recomputed rate to 2 dp, or why it could not be recomputed.
    pub recomputed: String,
}

/// The outcome for one table (or one level of a table).
#[derive(Debug, Clone, PartialEq)]
pub struct TableReproduction {
    pub table: String,
    pub check: Check,
    /// Rate cells holding a number.
    pub checked: usize,
    pub matched: usize,
}

/// Every table's outcome, and every mismatch.
#[derive(Debug, Clone, PartialEq)]
pub struct ReproductionReport {
    pub tables: Vec<TableReproduction>,
    pub mismatches: Vec<Mismatch>,
}

impl ReproductionReport {
    /// The outcome for a table by name.
    pub fn table(&self, name: &str) -> Option<&TableReproduction> {
        self.tables.iter().find(|t| t.table == name)
    }
}

/// One (count, rate) pair of a row, with the measure's name.
type Pair = (&'static str, Value, Value);

fn exclusion_pairs(row: &ExclusionRow) -> [Pair; 3] {
    [
        ("permanent exclusion rate", row.perm, row.perm_rate),
        ("suspension rate", row.susp, row.susp_rate),
        ("one or more suspensions rate", row.one_plus, row.one_plus_rate),
    ]
}

/// Check one rate; `None` if it matched.
fn check_rate(check: Check, count: Value, headcount: Value, rate: f64) -> Option<String> {
    let (Some(count), Some(headcount)) = (count.number().and_then(Dec::of), headcount.number()) else {
        return Some("cannot recompute: the count or headcount is not a number".into());
    };
    if headcount <= 0.0 || headcount.fract() != 0.0 {
        return Some(format!("cannot recompute: headcount {headcount}"));
    }
    let headcount = headcount as i128;
    let recomputed = rate_units(count, headcount, 2);
    let published = Dec::of(rate).and_then(|d| d.in_units(2));
    let ok = match (check, published) {
        (_, None) => false,
        (Check::Exact, Some(p)) => p == recomputed,
        (Check::CountsRoundedTo5, Some(p)) => within_rounding_to_5(count, headcount, p, false),
        (Check::CountsAndHeadcountsRoundedTo5, Some(p)) => within_rounding_to_5(count, headcount, p, true),
    };
    (!ok).then(|| format_units(recomputed, 2))
}

/// A table level: its name, which areas it holds, and how strictly it must reproduce.
type Level = (&'static str, fn(&Area) -> bool, Check);

/// Recompute every rate of the exclusion and characteristics tables.
pub fn reproduce(data: &OpenData) -> ReproductionReport {
    let mut report = ReproductionReport { tables: vec![], mismatches: vec![] };
    let levels: [Level; 3] = [
        ("clean_la_data: local authorities", |a| matches!(a, Area::La(_)), Check::Exact),
        ("clean_la_data: regions", |a| matches!(a, Area::Region(_)), Check::CountsRoundedTo5),
        ("clean_la_data: England", |a| matches!(a, Area::National), Check::CountsRoundedTo5),
    ];
    for (name, keep, check) in levels {
        let rows = data.exclusions.iter().filter(|r| keep(&r.area));
        let cells = rows.flat_map(|r| {
            exclusion_pairs(r).map(|(measure, count, rate)| {
                (r.year, r.area.clone(), r.school_type, measure, count, r.headcount, rate)
            })
        });
        add_table(&mut report, name, check, cells);
    }
    let characteristics = data.characteristics.iter().flat_map(|r| {
        [
            ("permanent exclusion rate", r.perm, r.perm_rate),
            ("suspension rate", r.susp, r.susp_rate),
            ("one or more suspensions rate", r.one_plus, r.one_plus_rate),
        ]
        .map(|(measure, count, rate)| (r.year, Area::National, r.school_type, measure, count, r.headcount, rate))
    });
    add_table(
        &mut report,
        "SFR35_2017_National_characteristics",
        Check::CountsAndHeadcountsRoundedTo5,
        characteristics,
    );
    report
}

type Cell = (AcademicYear, Area, SchoolType, &'static str, Value, Value, Value);

fn add_table(report: &mut ReproductionReport, name: &str, check: Check, cells: impl Iterator<Item = Cell>) {
    let mut outcome = TableReproduction { table: name.to_string(), check, checked: 0, matched: 0 };
    for (year, area, school_type, measure, count, headcount, rate) in cells {
        let Value::Number(published) = rate else { continue };
        outcome.checked += 1;
        match check_rate(check, count, headcount, published) {
            None => outcome.matched += 1,
            Some(recomputed) => report.mismatches.push(Mismatch {
                table: name.to_string(),
                year,
                area,
                school_type,
                measure,
                published: rate,
                recomputed,
            }),
        }
    }
    report.tables.push(outcome);
}

/// Where LAIT and the 2006–2017 tables disagree about the same LA, year and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDifference {
    pub measure: LaitMeasure,
    pub year: AcademicYear,
    pub area: Area,
    /// LAIT's value (5 dp).
    pub lait: Value,
    /// The 2006–2017 table's published rate (2 dp).
    pub published: Value,
    pub reason: String,
}

/// The outcome of comparing LAIT with the 2006–2017 tables.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceComparison {
    /// Cells where both sources give a number.
    pub compared: usize,
    pub agreed: usize,
    /// Of those, cells where LAIT's 5 dp rate was also recomputed exactly from the counts.
    pub recomputed_5dp: usize,
    /// Cells where one source gives a number and the other a symbol (e.g. LAIT gives a rate
    /// the 2006–2017 table suppressed): reported, not counted as differences.
    pub one_side_only: usize,
    pub differences: Vec<SourceDifference>,
}

/// Compare LAIT's LA rates with the 2006–2017 table wherever both have the same LA, year and
/// measure. LAIT gives LA numbers; the older table's names are matched to numbers by the LA
/// lookup (so LAIT's "Dorset (Pre LG)", 835, meets the older file's "Dorset", not the new
/// Dorset, 838).
///
/// LAIT publishes 5 dp and the older table 2 dp: they agree when LAIT's rate is within half a
/// hundredth of the 2 dp rate (so 0.02500 agrees with 0.02, rounded down from 0.024996...),
/// and, where the counts are published, when LAIT's rate equals count / headcount × 100
/// rounded half up to 5 dp.
pub fn compare_sources_report(data: &OpenData) -> SourceComparison {
    let older: HashMap<(AcademicYear, &Area, SchoolType), &ExclusionRow> =
        data.exclusions.iter().map(|r| ((r.year, &r.area, r.school_type), r)).collect();
    let mut out = SourceComparison { compared: 0, agreed: 0, recomputed_5dp: 0, one_side_only: 0, differences: vec![] };
    for lait in &data.lait {
        let (Some(school_type), Area::La(_)) = (lait.measure.school_type(), &lait.area) else { continue };
        let year = AcademicYear(lait.start_year);
        let Some(row) = older.get(&(year, &lait.area, school_type)) else { continue };
        let (count, published) = match lait.measure {
            LaitMeasure::PermRate(_) => (row.perm, row.perm_rate),
            LaitMeasure::SuspRate(_) => (row.susp, row.susp_rate),
            _ => (row.one_plus, row.one_plus_rate),
        };
        let (Some(l), Some(p)) = (lait.value.number().and_then(Dec::of), published.number().and_then(Dec::of)) else {
            if lait.value.number().is_some() != published.number().is_some() {
                out.one_side_only += 1;
            }
            continue;
        };
        out.compared += 1;
        let difference = |reason: String| SourceDifference {
            measure: lait.measure,
            year,
            area: lait.area.clone(),
            lait: lait.value,
            published,
            reason,
        };
        let (Some(l5), Some(p5)) = (l.in_units(5), p.in_units(5)) else {
            out.differences.push(difference("more decimal places than expected".into()));
            continue;
        };
        if (l5 - p5).abs() > 500 {
            out.differences.push(difference(format!(
                "differs by {} (more than the 2 dp rounding)",
                format_units((l5 - p5).abs(), 5)
            )));
            continue;
        }
        if let (Some(c), Some(h)) = (count.number().and_then(Dec::of), row.headcount.number()) {
            if h > 0.0 {
                let recomputed = rate_units(c, h as i128, 5);
                if recomputed != l5 {
                    out.differences
                        .push(difference(format!("count / headcount gives {}", format_units(recomputed, 5))));
                    continue;
                }
                out.recomputed_5dp += 1;
            }
        }
        out.agreed += 1;
    }
    out
}

/// The differences between LAIT and the 2006–2017 tables (empty when they agree).
pub fn compare_sources(data: &OpenData) -> Vec<SourceDifference> {
    compare_sources_report(data).differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(n: f64) -> Dec {
        Dec::of(n).unwrap()
    }

    #[test]
    fn rounds_half_up_exactly() {
        // 1 / 800 × 100 = 0.125 exactly: half up gives 0.13 (floats might give 0.12).
        assert_eq!(rate_units(dec(1.0), 800, 2), 13);
        assert_eq!(rate_units(dec(7720.0), 8_025_075, 2), 10);
        assert_eq!(rate_units(dec(45.9412), 42688, 2), 11);
        assert_eq!(format_units(rate_units(dec(381865.0), 8_025_075, 2), 2), "4.76");
    }

    #[test]
    fn rounding_to_5_tolerance() {
        // 7720 ± 2.5 over 8,025,075 is 0.0962..0.0965 %, which rounds to 0.10.
        assert!(within_rounding_to_5(dec(7720.0), 8_025_075, 10, false));
        assert!(!within_rounding_to_5(dec(7720.0), 8_025_075, 11, false));
        // 490 of 595 is 82.35 %, published 81.74: possible only if the headcount was rounded.
        assert!(!within_rounding_to_5(dec(490.0), 595, 8174, false));
        assert!(within_rounding_to_5(dec(490.0), 595, 8174, true));
    }

    #[test]
    fn decimals_from_published_numbers() {
        assert_eq!(dec(0.00386), Dec { mantissa: 386, scale: 5 });
        assert_eq!(dec(4.7).in_units(2), Some(470));
        assert_eq!(dec(0.125).in_units(2), None);
    }
}
