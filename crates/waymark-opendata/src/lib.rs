//! waymark-opendata
pub mod boundaries;
