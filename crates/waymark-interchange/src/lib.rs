//! Readers and writers for files: CSV templates, Common Transfer File XML, exports.
//! Every reading error names the file, row and column; every export is plain and standard.

pub mod export;
pub mod templates;
