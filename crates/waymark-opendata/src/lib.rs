//! waymark-opendata: the public data behind Waymark's national picture.
//!
//! - [`value`]: a published cell, number or DfE symbol, read by the file's vintage;
//! - [`ees`]: CSV reading (BOM, gzip, columns by name, errors with file/row/column) and the
//!   Explore Education Statistics layout;
//! - [`las`]: local authorities over time (numbers, ONS codes, names, reorganisations);
//! - [`exclusions`]: suspensions and permanent exclusions 2006/07–2016/17 and LAIT's LA rates;
//! - [`ap`]: alternative provision 2022/23 and the AP census;
//! - [`gias`]: the GIAS establishment register and DfE's school list;
//! - [`reproduce`]: recomputing published rates and comparing sources;
//! - [`model`] and [`build()`]: all of it in [`OpenData`], embedded in the binary from
//!   `data/opendata/`, or read from the raw files.

pub mod after;
pub mod after_exclusion;
pub mod ap;
pub mod boundaries;
mod build;
pub mod cold_spots;
pub mod ees;
mod error;
pub mod exclusions;
pub mod gias;
pub mod las;
pub mod model;
pub mod national;
pub mod reproduce;
pub mod value;

pub use after::{AfterExclusion, AfterMeasure};
pub use ap::ApData;
pub use build::{build, BuildSummary, BuiltFile};
pub use error::OpenDataError;
pub use exclusions::{Area, CharacteristicRow, ExclusionRow, LaitMeasure, LaitRow, Reason, ReasonRow, SchoolType};
pub use las::{LaInfo, LaLookup};
pub use model::OpenData;
pub use reproduce::{compare_sources, reproduce, ReproductionReport, SourceDifference};
pub use value::{Value, Vintage};
