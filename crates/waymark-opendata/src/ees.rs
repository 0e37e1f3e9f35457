//! Reading CSV files: the plain table layer every reader shares (BOM, quotes, gzip and zip
//! input, columns found by name, errors with file, row and column), and on top of it the
//! DfE Explore Education Statistics (EES) layout.
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is
//! row 2.

use crate::error::OpenDataError;
use crate::exclusions::Area;
use crate::value::{Value, Vintage};
use flate2::read::{DeflateDecoder, MultiGzDecoder};
use std::io::Read;
use std::path::{Path, PathBuf};
use waymark_domain::AcademicYear;

/// Read a file's bytes, decompressing it if it is gzip or a one-file zip archive.
///
/// DfE publishes `.csv.gz` files, but some of them (the AP census file here) are really zip
/// archives with a `.gz` name, so the format is taken from the magic bytes, not the name.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, OpenDataError> {
    let raw = std::fs::read(path).map_err(|source| OpenDataError::Io { file: path.to_path_buf(), source })?;
    decompress(path, raw)
}

/// Decompress gzip or single-entry zip bytes; return anything else unchanged.
pub fn decompress(file: &Path, raw: Vec<u8>) -> Result<Vec<u8>, OpenDataError> {
    let io = |source| OpenDataError::Io { file: file.to_path_buf(), source };
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        MultiGzDecoder::new(&raw[..]).read_to_end(&mut out).map_err(io)?;
        return Ok(out);
    }
    if raw.starts_with(b"PK\x03\x04") {
        return unzip_first_entry(file, &raw);
    }
    Ok(raw)
}

/// The first entry of a zip archive, read from its local header (stored or deflated). The
/// deflate stream ends itself, so a missing size (data descriptor flag) does not matter.
fn unzip_first_entry(file: &Path, raw: &[u8]) -> Result<Vec<u8>, OpenDataError> {
    let bad = |message: &str| OpenDataError::File { file: file.to_path_buf(), message: message.to_string() };
    if raw.len() < 30 {
        return Err(bad("the zip archive is truncated"));
    }
    let u16_at = |at: usize| u16::from_le_bytes([raw[at], raw[at + 1]]) as usize;
    let method = u16_at(8);
    let start = 30 + u16_at(26) + u16_at(28);
    let body = raw.get(start..).ok_or_else(|| bad("the zip archive is truncated"))?;
    match method {
        0 => {
            let size = u32::from_le_bytes([raw[18], raw[19], raw[20], raw[21]]) as usize;
            body.get(..size).map(<[u8]>::to_vec).ok_or_else(|| bad("the zip entry is truncated"))
        }
        8 => {
            let mut out = Vec::new();
            DeflateDecoder::new(body)
                .read_to_end(&mut out)
                .map_err(|source| OpenDataError::Io { file: file.to_path_buf(), source })?;
            Ok(out)
        }
        _ => Err(bad("the zip entry uses a compression method other than deflate")),
    }
}

/// A CSV file held in memory: its header and its records.
#[derive(Debug)]
pub struct Table {
    /// The file name used in error messages.
    pub file: PathBuf,
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
    /// Each record's spreadsheet row number.
    numbers: Vec<u64>,
}

impl Table {
    /// Read a CSV (or compressed CSV) from disk.
    pub fn read(path: &Path) -> Result<Table, OpenDataError> {
        let bytes = read_bytes(path)?;
        Table::from_bytes(path, &bytes)
    }

    /// Parse CSV bytes (UTF-8, optionally with a BOM). Every record must have as many fields as
    /// the header: a short row is how a truncated file shows itself.
    pub fn from_bytes(file: &Path, bytes: &[u8]) -> Result<Table, OpenDataError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| OpenDataError::File {
            file: file.to_path_buf(),
            message: format!("is not UTF-8 text (invalid byte at offset {})", e.valid_up_to()),
        })?;
        Table::parse_text(file, text)
    }

    /// Parse CSV text.
    pub fn parse_text(file: &Path, text: &str) -> Result<Table, OpenDataError> {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        // The csv crate miscounts lines when rows end in CRLF (as GIAS files do), so rows are
        // numbered from the byte offset instead.
        let mut lines = LineCounter::new(text);
        let csv_error = |e: csv::Error| {
            let row = e.position().map_or(0, |p| LineCounter::new(text).line_at(p.byte()));
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                    "expected {expected_len} fields as in the header, found {len} (is the file truncated or a \
                     delimiter missing?)"
                ),
                _ => e.to_string(),
            };
            OpenDataError::Csv { file: file.to_path_buf(), row, message }
        };
        let header: Vec<String> = reader.headers().map_err(csv_error)?.iter().map(|h| h.trim().to_string()).collect();
        if header.iter().all(String::is_empty) {
            return Err(OpenDataError::File { file: file.to_path_buf(), message: "is empty (no header row)".into() });
        }
        let records = reader.records().collect::<Result<Vec<_>, _>>().map_err(csv_error)?;
        let numbers = records.iter().map(|r| lines.line_at(r.position().map_or(0, |p| p.byte()))).collect();
        Ok(Table { file: file.to_path_buf(), header, records, numbers })
    }

    /// The header, as written.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The index of a column, or an error naming the file, the column expected and the columns
    /// found (so a renamed column is easy to spot).
    pub fn column(&self, name: &str) -> Result<Col, OpenDataError> {
        self.header.iter().position(|h| h == name).map(|index| Col { index, name: name.to_string() }).ok_or_else(|| {
            OpenDataError::MissingColumn {
                file: self.file.clone(),
                expected: name.to_string(),
                found: self.header.join(", "),
            }
        })
    }

    /// The index of a column if it exists.
    pub fn optional_column(&self, name: &str) -> Option<Col> {
        self.column(name).ok()
    }

    /// The data rows, with their spreadsheet row numbers.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().zip(&self.numbers).map(move |(record, &number)| Row { file: &self.file, number, record })
    }

    /// The number of data rows.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the table has no data rows.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Turns byte offsets (in increasing order) into 1-based line numbers.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        // After a CRLF the csv crate reports the record as starting at the LF.
        if self.text.get(byte) == Some(&b'\n') {
            byte += 1;
        }
        if byte < self.offset {
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.text[self.offset..byte].iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset = byte;
        self.line
    }
}

/// A column found by name.
#[derive(Debug, Clone)]
pub struct Col {
    index: usize,
    name: String,
}

/// One data row.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    file: &'a Path,
    number: u64,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The spreadsheet row number (header = 1).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The cell's text, trimmed.
    pub fn text(&self, col: &Col) -> &'a str {
        self.record.get(col.index).unwrap_or("").trim()
    }

    /// The cell as a published value of the given vintage.
    pub fn value(&self, col: &Col, vintage: Vintage) -> Result<Value, OpenDataError> {
        Value::parse(self.text(col), vintage).map_err(|message| self.error(col, message))
    }

    /// An error about this row's cell in `col`.
    pub fn error(&self, col: &Col, message: impl Into<String>) -> OpenDataError {
        OpenDataError::cell(self.file, self.number, &col.name, message)
    }

    /// The cell parsed with `parse`, whose error text gets file, row and column added.
    pub fn parse<T>(&self, col: &Col, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, OpenDataError> {
        parse(self.text(col)).map_err(|message| self.error(col, message))
    }

    /// The cell as one of a fixed set of names, or an error listing the accepted names.
    pub fn choice<T: Copy>(&self, col: &Col, choices: &[(&str, T)]) -> Result<T, OpenDataError> {
        let text = self.text(col);
        choices.iter().find(|(name, _)| *name == text).map(|(_, v)| *v).ok_or_else(|| {
            let accepted: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            self.error(col, format!("expected one of {}, found {text:?}", accepted.join(", ")))
        })
    }
}

/// An EES `time_period`: an academic year (`201617`) or a 4-digit calendar or financial year,
/// kept as written because its meaning depends on `time_identifier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimePeriod {
    Academic(AcademicYear),
    Year(i32),
}

impl TimePeriod {
    /// Parse `201617` or `2017`.
    pub fn parse(text: &str) -> Result<TimePeriod, String> {
        match text.len() {
            6 => AcademicYear::from_dfe_period(text).map(TimePeriod::Academic),
            4 if text.bytes().all(|b| b.is_ascii_digit()) => Ok(TimePeriod::Year(text.parse().expect("digits"))),
            _ => Err(format!("expected a 6-digit academic year such as 201617 or a 4-digit year, found {text:?}")),
        }
    }
}

/// EES `geographic_level`. Levels other than these three are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GeographicLevel {
    National,
    Regional,
    LocalAuthority,
    Other(String),
}

impl GeographicLevel {
    fn parse(text: &str) -> GeographicLevel {
        match text {
            "National" => GeographicLevel::National,
            "Regional" => GeographicLevel::Regional,
            "Local authority" => GeographicLevel::LocalAuthority,
            other => GeographicLevel::Other(other.to_string()),
        }
    }
}

/// The standard EES columns, which every EES file at LA level has (in varying order).
pub const EES_COLUMNS: [&str; 10] = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "new_la_code",
    "la_name",
    "old_la_code",
];

/// One row of an EES file.
#[derive(Debug, Clone, PartialEq)]
pub struct EesRow {
    /// Spreadsheet row number in the source file.
    pub row: u64,
    pub time_period: TimePeriod,
    pub time_identifier: String,
    pub level: GeographicLevel,
    pub country_code: String,
    pub country_name: String,
    pub region_code: String,
    pub region_name: String,
    pub new_la_code: String,
    pub la_name: String,
    pub old_la_code: String,
    /// The filter columns' text, in [`EesTable::filters`] order.
    pub filters: Vec<String>,
    /// The indicator columns' values, in [`EesTable::indicators`] order.
    pub indicators: Vec<Value>,
}

impl EesRow {
    /// The area this row describes: England, a region (E12 code) or an LA (DfE number). `None`
    /// for other levels.
    pub fn area(&self) -> Option<Area> {
        match self.level {
            GeographicLevel::National => Some(Area::National),
            GeographicLevel::Regional => Some(Area::Region(self.region_code.clone())),
            GeographicLevel::LocalAuthority => self.old_la_code.parse().ok().map(Area::La),
            GeographicLevel::Other(_) => None,
        }
    }
}

/// An EES file: the filter and indicator column names and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct EesTable {
    pub file: PathBuf,
    pub filters: Vec<String>,
    pub indicators: Vec<String>,
    pub rows: Vec<EesRow>,
}

impl EesTable {
    /// The position of a filter column.
    pub fn filter(&self, name: &str) -> Option<usize> {
        self.filters.iter().position(|f| f == name)
    }

    /// The position of an indicator column.
    pub fn indicator(&self, name: &str) -> Option<usize> {
        self.indicators.iter().position(|f| f == name)
    }
}

/// Read an EES CSV (plain, gzip or zip). `indicators` names the indicator columns; every other
/// non-standard column is a filter. Indicator cells are parsed with EES symbols.
pub fn read_ees(path: &Path, indicators: &[&str]) -> Result<EesTable, OpenDataError> {
    parse_ees(&Table::read(path)?, indicators)
}

/// Interpret an already-read table as EES.
pub fn parse_ees(table: &Table, indicators: &[&str]) -> Result<EesTable, OpenDataError> {
    let standard: Vec<Col> = EES_COLUMNS.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
    let indicator_cols: Vec<Col> = indicators.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
    let filters: Vec<String> = table
        .header()
        .iter()
        .filter(|h| !EES_COLUMNS.contains(&h.as_str()) && !indicators.contains(&h.as_str()))
        .cloned()
        .collect();
    let filter_cols: Vec<Col> = filters.iter().map(|c| table.column(c)).collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(table.len());
    for row in table.rows() {
        let text = |i: usize| row.text(&standard[i]).to_string();
        rows.push(EesRow {
            row: row.number(),
            time_period: row.parse(&standard[0], TimePeriod::parse)?,
            time_identifier: text(1),
            level: GeographicLevel::parse(row.text(&standard[2])),
            country_code: text(3),
            country_name: text(4),
            region_code: text(5),
            region_name: text(6),
            new_la_code: text(7),
            la_name: text(8),
            old_la_code: text(9),
            filters: filter_cols.iter().map(|c| row.text(c).to_string()).collect(),
            indicators: indicator_cols.iter().map(|c| row.value(c, Vintage::Ees)).collect::<Result<_, _>>()?,
        });
    }
    Ok(EesTable {
        file: table.file.clone(),
        filters,
        indicators: indicators.iter().map(|s| s.to_string()).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\u{feff}time_period,time_identifier,geographic_level,country_code,country_name,\
region_name,region_code,old_la_code,la_name,new_la_code,setting_type,placements\n\
202223,Academic year,Local authority,E92000001,England,North East,E12000001,805,Hartlepool,E06000001,\"Tuition, one to one\",c\n\
202223,Academic year,National,E92000001,England,,,,,,Total,1234\n";

    #[test]
    fn reads_columns_by_name_whatever_their_order() {
        let table = Table::from_bytes(Path::new("sample.csv"), SAMPLE.as_bytes()).unwrap();
        let ees = parse_ees(&table, &["placements"]).unwrap();
        assert_eq!(ees.filters, ["setting_type"]);
        let first = &ees.rows[0];
        assert_eq!(first.row, 2);
        assert_eq!(first.time_period, TimePeriod::Academic(AcademicYear(2022)));
        assert_eq!(first.area(), Some(Area::La(805)));
        assert_eq!(first.filters[0], "Tuition, one to one");
        assert_eq!(first.indicators[0], Value::Suppressed);
        assert_eq!(ees.rows[1].area(), Some(Area::National));
        assert_eq!(ees.rows[1].indicators[0], Value::Number(1234.0));
    }

    #[test]
    fn a_missing_column_lists_what_was_found() {
        let text = SAMPLE.replace("old_la_code", "la_code_old");
        let table = Table::from_bytes(Path::new("sample.csv"), text.as_bytes()).unwrap();
        let err = parse_ees(&table, &["placements"]).unwrap_err().to_string();
        assert!(err.contains("sample.csv") && err.contains("\"old_la_code\"") && err.contains("la_code_old"), "{err}");
    }

    #[test]
    fn gzip_input_is_read() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(SAMPLE.as_bytes()).unwrap();
        let bytes = decompress(Path::new("x.csv.gz"), enc.finish().unwrap()).unwrap();
        assert_eq!(bytes, SAMPLE.as_bytes());
    }

    #[test]
    fn rows_are_numbered_with_crlf_too() {
        for text in ["a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4\n", "a,b\n\"1\n1\",2\n3,4\n"] {
            let table = Table::parse_text(Path::new("p.csv"), text).unwrap();
            let numbers: Vec<u64> = table.rows().map(|r| r.number()).collect();
            let expected = if text.contains("\"1") { [2, 4] } else { [2, 3] };
            assert_eq!(numbers, expected, "{text:?}");
        }
        let err = Table::parse_text(Path::new("p.csv"), "a,b\r\n1,2\r\n3\r\n").unwrap_err().to_string();
        assert!(err.starts_with("p.csv, row 3:"), "{err}");
    }

    #[test]
    fn time_periods() {
        assert_eq!(TimePeriod::parse("201617"), Ok(TimePeriod::Academic(AcademicYear(2016))));
        assert_eq!(TimePeriod::parse("2017"), Ok(TimePeriod::Year(2017)));
        assert!(TimePeriod::parse("2016/17").is_err());
    }
}
