//! The one error type of this crate. Every variant that comes from a file says which file, and
//! where it can, which row (1-based, the header is row 1) and which column, so a user can open
//! the file and find the cell.

use std::path::PathBuf;

/// Something went wrong reading or writing open data.
#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    /// The file could not be opened, read or written.
    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself is malformed (e.g. a truncated row with too few fields, or broken quoting).
    #[error("{file}, row {row}: {message}")]
    Csv { file: PathBuf, row: u64, message: String },
    /// A column the reader needs is not in the header.
    #[error("{file}: expected a column named {expected:?}, but the header has only: {found}")]
    MissingColumn { file: PathBuf, expected: String, found: String },
    /// One cell does not hold what its column should.
    #[error("{file}, row {row}, column {column:?}: {message}")]
    Cell { file: PathBuf, row: u64, column: String, message: String },
    /// Names that could not be matched to a local authority or region.
    #[error(
        "{file}: {count} area name(s) could not be matched to a local authority or region: {names}. \
             Valid names are the LA names in la-code-lookups/gias_english_la_name_codes.csv or the region names; \
             add an alias in waymark-opendata/src/las.rs if DfE wrote a new spelling"
    )]
    UnresolvedNames { file: PathBuf, count: usize, names: String },
    /// A lookup argument (e.g. an LA typed by a user) was not recognised.
    #[error("{0}")]
    Lookup(String),
    /// A file is missing altogether, or is empty.
    #[error("{file}: {message}")]
    File { file: PathBuf, message: String },
}

impl OpenDataError {
    /// A cell error, for parsers that know the file, row and column.
    pub fn cell(file: impl Into<PathBuf>, row: u64, column: &str, message: impl Into<String>) -> OpenDataError {
        OpenDataError::Cell { file: file.into(), row, column: column.to_string(), message: message.into() }
    }
}
