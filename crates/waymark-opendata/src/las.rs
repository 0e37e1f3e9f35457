//! Local authorities over time: DfE number, ONS codes (which change), names as the various
//! DfE files spell them, region, and the dated reorganisations (DOMAIN.md §4).
//!
//! Years here are academic years, given by the year they start in (2019 = 2019/20). An LA
//! abolished on 31 March 2019 still published figures for 2018/19, so its `last_year` is
//! 2018; its successors start on 1 April 2019 but publish from 2019/20, so their
//! `first_year` is 2019.

use crate::ees::Table;
use crate::error::OpenDataError;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// An English region, or one of the two statistical halves of London that the 2006–2017
/// files report instead of London as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// ONS code: E12 for regions, E13 for Inner and Outer London.
    pub code: &'static str,
    pub name: &'static str,
    /// Other spellings used by DfE files (LAIT writes "London (Inner)").
    pub aliases: &'static [&'static str],
}

/// The nine English regions, then Inner and Outer London.
pub const REGIONS: &[Region] = &[
    Region { code: "E12000001", name: "North East", aliases: &[] },
    Region { code: "E12000002", name: "North West", aliases: &[] },
    Region { code: "E12000003", name: "Yorkshire and The Humber", aliases: &[] },
    Region { code: "E12000004", name: "East Midlands", aliases: &[] },
    Region { code: "E12000005", name: "West Midlands", aliases: &[] },
    Region { code: "E12000006", name: "East of England", aliases: &["East"] },
    Region { code: "E12000007", name: "London", aliases: &[] },
    Region { code: "E12000008", name: "South East", aliases: &[] },
    Region { code: "E12000009", name: "South West", aliases: &[] },
    Region { code: "E13000001", name: "Inner London", aliases: &["London (Inner)"] },
    Region { code: "E13000002", name: "Outer London", aliases: &["London (Outer)"] },
];

/// The ONS code for England, used for the national level.
pub const ENGLAND: &str = "E92000001";

/// A region by ONS code.
pub fn region_by_code(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// A region by name or alias, ignoring case.
pub fn region_by_name(name: &str) -> Option<&'static Region> {
    let name = name.trim();
    REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(name) || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

/// The reorganisations since 2009: (predecessor, successor, first academic year of the
/// successor). Written out because no source file links predecessors to successors; each is
/// checked against the dates in `dfe_las_lookup.csv` when the lookup is built. Christchurch
/// moved from Dorset to BCP, so Dorset (835) has two successors.
pub const REORGANISATIONS: &[(u16, u16, i32)] = &[
    (820, 822, 2009), // Bedfordshire -> Bedford
    (820, 823, 2009), // Bedfordshire -> Central Bedfordshire
    (875, 895, 2009), // Cheshire -> Cheshire East
    (875, 896, 2009), // Cheshire -> Cheshire West and Chester
    (835, 838, 2019), // Dorset -> Dorset
    (835, 839, 2019), // Dorset (Christchurch) -> Bournemouth, Christchurch and Poole
    (836, 839, 2019), // Poole -> BCP
    (837, 839, 2019), // Bournemouth -> BCP
    (928, 940, 2021), // Northamptonshire -> North Northamptonshire
    (928, 941, 2021), // Northamptonshire -> West Northamptonshire
    (909, 942, 2023), // Cumbria -> Cumberland
    (909, 943, 2023), // Cumbria -> Westmorland and Furness
];

/// County ONS codes of 2009 whose LA became a unitary authority with the same DfE number:
/// `dfe_las_lookup.csv` lists them with no DfE number ("x").
const CONTINUED_IN_2009: &[(&str, u16)] =
    &[("E10000005", 908), ("E10000010", 840), ("E10000022", 929), ("E10000026", 893), ("E10000033", 865)];

/// Spellings in the 2006–2017 files that no lookup file has and normalising does not catch.
const EXTRA_ALIASES: &[(u16, &str)] = &[(840, "Durham"), (884, "Herefordshire")];

/// An ONS code with the academic years it was in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedCode {
    pub code: String,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

/// One local authority, past or present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaInfo {
    /// DfE 3-digit number.
    pub number: u16,
    /// The latest ONS code ("" for LAs abolished before ONS codes).
    pub ons_code: String,
    pub name: String,
    /// E12 region code ("" for LAs abolished before 1998).
    pub region_code: String,
    pub region_name: String,
    /// First academic year (start year) the LA existed; `None` = before our sources begin.
    pub first_year: Option<i32>,
    /// Last academic year (start year) the LA existed; `None` = still exists.
    pub last_year: Option<i32>,
    pub predecessors: Vec<u16>,
    pub successors: Vec<u16>,
    /// Every ONS code the LA has had, oldest first, with the years each was used.
    pub ons_codes: Vec<DatedCode>,
    /// Other names DfE files use for this LA (e.g. "Bournemouth (Pre LG)").
    pub aliases: Vec<String>,
}

impl LaInfo {
    /// Whether the LA existed in the academic year starting in `start_year`.
    pub fn active_in(&self, start_year: i32) -> bool {
        self.first_year.is_none_or(|f| f <= start_year) && self.last_year.is_none_or(|l| start_year <= l)
    }

    /// The ONS code in use in a given academic year (the latest code if none is dated to it).
    pub fn ons_code_in(&self, start_year: i32) -> &str {
        self.ons_codes
            .iter()
            .find(|c| c.first_year.is_none_or(|f| f <= start_year) && c.last_year.is_none_or(|l| start_year <= l))
            .map_or(self.ons_code.as_str(), |c| c.code.as_str())
    }
}

/// All LAs, with lookups by number, ONS code and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaLookup {
    las: Vec<LaInfo>,
    by_name: HashMap<String, Vec<u16>>,
}

impl LaLookup {
    /// Build from a list of LAs (sorted by number).
    pub fn new(mut las: Vec<LaInfo>) -> LaLookup {
        las.sort_by_key(|la| la.number);
        let mut by_name: HashMap<String, Vec<u16>> = HashMap::new();
        for la in &las {
            for name in std::iter::once(&la.name).chain(&la.aliases) {
                let numbers = by_name.entry(normalise(name)).or_default();
                if !numbers.contains(&la.number) {
                    numbers.push(la.number);
                }
            }
        }
        LaLookup { las, by_name }
    }

    /// Every LA, past and present, by number.
    pub fn all(&self) -> &[LaInfo] {
        &self.las
    }

    pub fn by_number(&self, number: u16) -> Option<&LaInfo> {
        self.las.binary_search_by_key(&number, |la| la.number).ok().map(|i| &self.las[i])
    }

    /// By any ONS code the LA has had (case-insensitive).
    pub fn by_ons_code(&self, code: &str) -> Option<&LaInfo> {
        let code = code.trim();
        self.las.iter().find(|la| la.ons_codes.iter().any(|c| c.code.eq_ignore_ascii_case(code)))
    }

    /// Parse what a user typed: a DfE number, an ONS code, or a name (case-insensitive; where
    /// two LAs share a name, as the old and new Dorset do, the current one).
    pub fn parse(&self, text: &str) -> Result<&LaInfo, OpenDataError> {
        let text = text.trim();
        let found = match text.parse::<u16>() {
            Ok(number) => self.by_number(number),
            Err(_) => self.by_ons_code(text).or_else(|| self.by_exact_name(text)),
        };
        found.ok_or_else(|| {
            OpenDataError::Lookup(format!(
                "{text:?} is not a local authority we know. Give a DfE 3-digit LA number (e.g. 202), an ONS code \
                 (e.g. E09000007) or the LA's name (e.g. Camden); `waymark` lists them all in the open-data LA table \
                 (data/opendata/las.csv)"
            ))
        })
    }

    fn by_exact_name(&self, name: &str) -> Option<&LaInfo> {
        let mut matches: Vec<&LaInfo> = self.las.iter().filter(|la| la.name.eq_ignore_ascii_case(name)).collect();
        matches.sort_by_key(|la| la.last_year.map_or(i32::MAX, |y| y));
        matches.pop()
    }

    /// The LAs that existed in the academic year starting in `start_year`.
    pub fn active_in(&self, start_year: i32) -> Vec<&LaInfo> {
        self.las.iter().filter(|la| la.active_in(start_year)).collect()
    }

    /// Match a name as a DfE file wrote it to an LA number: spelling differences (commas,
    /// "City of", "Pre LG" markers, case) are normalised away, and where a name belonged to
    /// two LAs (Dorset before and after 2019) the one that existed in `start_year` wins.
    pub fn resolve_name(&self, name: &str, start_year: i32) -> Option<u16> {
        let numbers = self.by_name.get(&normalise(name))?;
        if let [only] = numbers[..] {
            return Some(only);
        }
        let active: Vec<u16> =
            numbers.iter().copied().filter(|n| self.by_number(*n).is_some_and(|la| la.active_in(start_year))).collect();
        match active[..] {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Build from the raw lookups: `la-code-lookups/*.csv` and LAIT's LA list for its spellings.
    pub fn from_raw(data_dir: &Path) -> Result<LaLookup, OpenDataError> {
        let lookups = data_dir.join("la-code-lookups");
        let mut las = read_gias(&Table::read(&lookups.join("gias_english_la_name_codes.csv"))?)?;
        apply_dfe_lookup(&mut las, &Table::read(&lookups.join("dfe_las_lookup.csv"))?)?;
        apply_la_by_year(&mut las, &Table::read(&lookups.join("la_by_year_2017_2025.csv"))?)?;
        let lait = data_dir.join("dfe-lait-exclusion-rates-2015-2024/lait_la_code_list.csv");
        add_lait_aliases(&mut las, &Table::read(&lait)?)?;
        for (number, alias) in EXTRA_ALIASES {
            add_alias(las.get_mut(number), alias);
        }
        link_reorganisations(&mut las)?;
        Ok(LaLookup::new(las.into_values().collect()))
    }
}

/// Lower case, punctuation to spaces, and the words that differ between spellings of the same
/// LA dropped: "Pre LG", "Pre LGR (2009)", years, a trailing "City of"/"County of"/"Borough",
/// a leading "County".
pub fn normalise(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', " and ");
    let cleaned: String = lower.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let words: Vec<&str> = cleaned.split_whitespace().filter(|w| !is_marker_word(w)).collect();
    let mut text = words.join(" ");
    for suffix in [" city of", " county of", " borough"] {
        if let Some(stripped) = text.strip_suffix(suffix) {
            text = stripped.to_string();
        }
    }
    text.strip_prefix("county ").map(str::to_string).unwrap_or(text)
}

/// Words of "Pre LGR (2009)"-style markers: "pre", "lg", "lgr" and 4-digit years.
fn is_marker_word(word: &str) -> bool {
    matches!(word, "pre" | "lg" | "lgr") || (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
}

fn add_alias(la: Option<&mut LaInfo>, alias: &str) {
    if let Some(la) = la {
        if la.name != alias && !la.aliases.iter().any(|a| a == alias) {
            la.aliases.push(alias.to_string());
        }
    }
}

/// GIAS's list has every LA number ever used. Those abolished before ONS codes have code
/// `X999999` and a name such as "Pre LGR (1997) Bedfordshire": the year is when it ended.
fn read_gias(table: &Table) -> Result<BTreeMap<u16, LaInfo>, OpenDataError> {
    let name_col = table.column("English local authority (LA) name")?;
    let number_col = table.column("Get Information about Schools (GIAS) local authority (LA) code")?;
    let ons_col = table.column(
        "Office for National Statistics (ONS) local authority (LA) code (also known as Government Statistical \
         Service (GSS) local authority (LA) code on GIAS)",
    )?;
    let mut las = BTreeMap::new();
    for row in table.rows() {
        let number: u16 =
            row.parse(&number_col, |t| t.parse().map_err(|_| format!("expected an LA number, found {t:?}")))?;
        let name = row.text(&name_col).to_string();
        let ons = row.text(&ons_col);
        let ons_code = if ons.starts_with('E') { ons.to_string() } else { String::new() };
        let last_year = pre_lgr_1990s_year(&name).map(|y| y - 1);
        let ons_codes = if ons_code.is_empty() {
            vec![]
        } else {
            vec![DatedCode { code: ons_code.clone(), first_year: None, last_year: None }]
        };
        las.insert(
            number,
            LaInfo {
                number,
                ons_code,
                name,
                region_code: String::new(),
                region_name: String::new(),
                first_year: None,
                last_year,
                predecessors: vec![],
                successors: vec![],
                ons_codes,
                aliases: vec![],
            },
        );
    }
    Ok(las)
}

/// "Pre LGR (1997) Bedfordshire" -> 1997 (the 1990s reorganisations took effect on 1 April).
fn pre_lgr_1990s_year(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("Pre LGR (")?;
    rest.get(..4)?.parse().ok()
}

/// A `dd/mm/yyyy` date as (year, month, day).
fn parse_date(text: &str) -> Result<(i32, u32, u32), String> {
    let parts: Vec<&str> = text.split('/').collect();
    let bad = || format!("expected a date dd/mm/yyyy, found {text:?}");
    let [d, m, y] = parts[..] else { return Err(bad()) };
    Ok((y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?))
}

/// The first academic year that starts on or after a date of operation.
fn first_year_from(date: (i32, u32, u32)) -> i32 {
    let (y, m, d) = date;
    if m > 9 || (m == 9 && d > 1) {
        y + 1
    } else {
        y
    }
}

/// The academic year that contains a date of termination.
fn last_year_from(date: (i32, u32, u32)) -> i32 {
    if date.1 >= 9 {
        date.0
    } else {
        date.0 - 1
    }
}

/// Dates, regions, names and ONS code history from the EES screener's LA list. 01/01/2009 is
/// that list's start, not a real date of operation, so it means "before the list began".
fn apply_dfe_lookup(las: &mut BTreeMap<u16, LaInfo>, table: &Table) -> Result<(), OpenDataError> {
    let code_col = table.column("new_la_code")?;
    let name_col = table.column("la_name")?;
    let start_col = table.column("date_of_operation")?;
    let end_col = table.column("date_of_termination")?;
    let region_col = table.column("parent_geography_code")?;
    let number_col = table.column("old_la_code")?;
    let mut rows_by_la: BTreeMap<u16, Vec<(DatedCode, String, String)>> = BTreeMap::new();
    for row in table.rows() {
        let ons = row.text(&code_col);
        if ons.contains(" / ") || !ons.starts_with('E') {
            continue; // combined rows used by some EES files, and British Forces overseas (702)
        }
        let number = match row.text(&number_col).parse::<u16>() {
            Ok(n) => n,
            Err(_) => number_for_unnumbered(las, ons)
                .ok_or_else(|| row.error(&number_col, format!("no DfE LA number is known for ONS code {ons}")))?,
        };
        if !las.contains_key(&number) {
            return Err(row.error(&number_col, format!("LA {number} is not in GIAS's list of LA codes")));
        }
        let first_year = match row.text(&start_col) {
            "01/01/2009" | "" => None,
            _ => Some(first_year_from(row.parse(&start_col, parse_date)?)),
        };
        let last_year = match row.text(&end_col) {
            "" => None,
            _ => Some(last_year_from(row.parse(&end_col, parse_date)?)),
        };
        let code = DatedCode { code: ons.to_string(), first_year, last_year };
        let region = row.text(&region_col).to_string();
        rows_by_la.entry(number).or_default().push((code, row.text(&name_col).to_string(), region));
    }
    for (number, mut rows) in rows_by_la {
        rows.sort_by_key(|(c, _, _)| (c.first_year.unwrap_or(i32::MIN), c.last_year.unwrap_or(i32::MAX)));
        let la = las.get_mut(&number).expect("checked above");
        let (latest, latest_name, latest_region) = rows.last().expect("one row").clone();
        if la.name != latest_name {
            let gias_name = std::mem::replace(&mut la.name, latest_name);
            add_alias(Some(la), &gias_name);
        }
        for (_, name, _) in &rows {
            add_alias(Some(la), name);
        }
        if let Some(region) = region_by_code(&latest_region) {
            la.region_code = region.code.to_string();
            la.region_name = region.name.to_string();
        }
        let codes: Vec<DatedCode> = rows.into_iter().map(|(c, _, _)| c).collect();
        la.first_year = codes.iter().map(|c| c.first_year).min().flatten();
        la.last_year = if codes.iter().any(|c| c.last_year.is_none()) { None } else { latest.last_year };
        la.ons_code = latest.code;
        la.ons_codes = codes;
    }
    Ok(())
}

/// Rows with no DfE number: a pre-2009 county whose ONS code GIAS still lists (Bedfordshire,
/// Cheshire), or one that continued as a unitary authority with the same number.
fn number_for_unnumbered(las: &BTreeMap<u16, LaInfo>, ons: &str) -> Option<u16> {
    las.values()
        .find(|la| la.ons_code == ons)
        .map(|la| la.number)
        .or_else(|| CONTINUED_IN_2009.iter().find(|(c, _)| *c == ons).map(|(_, n)| *n))
}

/// ONS codes that changed after the EES list was made (Barnsley and Sheffield from 2025):
/// rows with no DfE number ("z") whose name and region match exactly one LA.
fn apply_la_by_year(las: &mut BTreeMap<u16, LaInfo>, table: &Table) -> Result<(), OpenDataError> {
    let number_col = table.column("old_la_code")?;
    let code_col = table.column("new_la_code")?;
    let name_col = table.column("la_name")?;
    let region_col = table.column("region_code")?;
    let first_col = table.column("first_year")?;
    for row in table.rows() {
        let code = row.text(&code_col);
        if row.text(&number_col).parse::<u16>().is_ok()
            || las.values().any(|la| la.ons_codes.iter().any(|c| c.code == code))
        {
            continue;
        }
        let first: i32 = row.parse(&first_col, |t| t.parse().map_err(|_| format!("expected a year, found {t:?}")))?;
        let (name, region) = (row.text(&name_col), row.text(&region_col));
        let matches: Vec<u16> = las
            .values()
            .filter(|la| la.last_year.is_none() && la.name == name && la.region_code == region)
            .map(|la| la.number)
            .collect();
        let [number] = matches[..] else {
            return Err(row.error(&name_col, format!("cannot tell which LA the new ONS code {code} belongs to")));
        };
        let la = las.get_mut(&number).expect("found above");
        if let Some(current) = la.ons_codes.iter_mut().find(|c| c.last_year.is_none()) {
            current.last_year = Some(first - 1);
        }
        la.ons_codes.push(DatedCode { code: code.to_string(), first_year: Some(first), last_year: None });
        la.ons_code = code.to_string();
    }
    Ok(())
}

/// LAIT's names ("Bournemouth (Pre LG)", "Bedford Borough") become aliases, so LAIT rows can
/// be checked against their LA numbers.
fn add_lait_aliases(las: &mut BTreeMap<u16, LaInfo>, table: &Table) -> Result<(), OpenDataError> {
    let number_col = table.column("LA Number")?;
    let name_col = table.column("LA Name")?;
    for row in table.rows() {
        if let Ok(number) = row.text(&number_col).parse::<u16>() {
            add_alias(las.get_mut(&number), row.text(&name_col));
        }
    }
    Ok(())
}

/// Fill predecessors and successors from [`REORGANISATIONS`], checking each against the dates
/// read from the lookup so a wrong entry cannot slip in.
fn link_reorganisations(las: &mut BTreeMap<u16, LaInfo>) -> Result<(), OpenDataError> {
    for &(before, after, year) in REORGANISATIONS {
        let (Some(old), Some(new)) = (las.get(&before), las.get(&after)) else {
            return Err(OpenDataError::Lookup(format!(
                "reorganisation {before} -> {after}: LA missing from GIAS list"
            )));
        };
        if old.last_year != Some(year - 1) || new.first_year != Some(year) {
            return Err(OpenDataError::Lookup(format!(
                "reorganisation {before} -> {after} in {year}: the lookup dates say {} ended {:?} and {} began {:?}",
                old.name, old.last_year, new.name, new.first_year
            )));
        }
        las.get_mut(&before).expect("checked").successors.push(after);
        las.get_mut(&after).expect("checked").predecessors.push(before);
    }
    // A new ONS code alone (Isles of Scilly in 2009) does not make a new DfE LA: only
    // successors of a reorganisation begin in a known year.
    for la in las.values_mut().filter(|la| la.predecessors.is_empty()) {
        la.first_year = None;
    }
    Ok(())
}

/// The header of the compact LA table.
pub(crate) const COMPACT_HEADER: [&str; 10] = [
    "number",
    "ons_code",
    "name",
    "region_code",
    "first_year",
    "last_year",
    "predecessors",
    "successors",
    "ons_codes",
    "aliases",
];

fn join_numbers(numbers: &[u16]) -> String {
    numbers.iter().map(u16::to_string).collect::<Vec<_>>().join("|")
}

fn year_text(year: Option<i32>) -> String {
    year.map_or(String::new(), |y| y.to_string())
}

impl LaLookup {
    /// Rows of the compact table: lists joined with `|`, ONS codes as `code:first-last`.
    pub(crate) fn compact_rows(&self) -> Vec<Vec<String>> {
        self.las
            .iter()
            .map(|la| {
                let codes: Vec<String> = la
                    .ons_codes
                    .iter()
                    .map(|c| format!("{}:{}-{}", c.code, year_text(c.first_year), year_text(c.last_year)))
                    .collect();
                vec![
                    la.number.to_string(),
                    la.ons_code.clone(),
                    la.name.clone(),
                    la.region_code.clone(),
                    year_text(la.first_year),
                    year_text(la.last_year),
                    join_numbers(&la.predecessors),
                    join_numbers(&la.successors),
                    codes.join("|"),
                    la.aliases.join("|"),
                ]
            })
            .collect()
    }

    /// Read the compact table written by [`LaLookup::compact_rows`].
    pub(crate) fn from_compact(table: &Table) -> Result<LaLookup, OpenDataError> {
        let cols: Vec<_> = COMPACT_HEADER.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
        let mut las = Vec::new();
        for row in table.rows() {
            let year = |i: usize| row.parse(&cols[i], parse_optional_year);
            let numbers = |i: usize| row.parse(&cols[i], parse_number_list);
            let region = region_by_code(row.text(&cols[3]));
            las.push(LaInfo {
                number: row
                    .parse(&cols[0], |t| t.parse().map_err(|_| format!("expected an LA number, found {t:?}")))?,
                ons_code: row.text(&cols[1]).to_string(),
                name: row.text(&cols[2]).to_string(),
                region_code: region.map_or("", |r| r.code).to_string(),
                region_name: region.map_or("", |r| r.name).to_string(),
                first_year: year(4)?,
                last_year: year(5)?,
                predecessors: numbers(6)?,
                successors: numbers(7)?,
                ons_codes: row.parse(&cols[8], parse_dated_codes)?,
                aliases: split_list(row.text(&cols[9])).map(str::to_string).collect(),
            });
        }
        Ok(LaLookup::new(las))
    }
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split('|').filter(|s| !s.is_empty())
}

fn parse_optional_year(text: &str) -> Result<Option<i32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| format!("expected a year or nothing, found {text:?}"))
}

fn parse_number_list(text: &str) -> Result<Vec<u16>, String> {
    split_list(text)
        .map(|n| n.parse().map_err(|_| format!("expected LA numbers separated by |, found {text:?}")))
        .collect()
}

fn parse_dated_codes(text: &str) -> Result<Vec<DatedCode>, String> {
    split_list(text)
        .map(|item| {
            let bad = || format!("expected CODE:FIRST-LAST, found {item:?}");
            let (code, years) = item.split_once(':').ok_or_else(bad)?;
            let (first, last) = years.split_once('-').ok_or_else(bad)?;
            Ok(DatedCode {
                code: code.to_string(),
                first_year: parse_optional_year(first)?,
                last_year: parse_optional_year(last)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalise_together() {
        assert_eq!(normalise("Bristol, City of"), normalise("Bristol City of"));
        assert_eq!(normalise("Kingston Upon Hull, City of"), normalise("Kingston upon Hull City of"));
        assert_eq!(normalise("Bournemouth (Pre LG)"), "bournemouth");
        assert_eq!(normalise("Pre-LGR 2019 Dorset"), "dorset");
        assert_eq!(normalise("Bedfordshire (Pre LGR 2009)"), "bedfordshire");
        assert_eq!(normalise("Bedford Borough"), "bedford");
        assert_eq!(normalise("County Durham"), "durham");
        assert_eq!(normalise("St. Helens"), "st helens");
        assert_eq!(normalise("Stockton-on-Tees"), "stockton on tees");
        assert_ne!(normalise("Central Bedfordshire"), normalise("Bedfordshire"));
    }

    #[test]
    fn academic_years_from_dates() {
        assert_eq!(first_year_from((2019, 4, 1)), 2019);
        assert_eq!(first_year_from((2019, 9, 1)), 2019);
        assert_eq!(first_year_from((2019, 10, 1)), 2020);
        assert_eq!(last_year_from((2019, 3, 31)), 2018);
        assert_eq!(last_year_from((2019, 12, 31)), 2019);
    }
}
