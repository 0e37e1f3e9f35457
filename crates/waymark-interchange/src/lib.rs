//! Readers and writers for files: CSV templates, Common Transfer File XML, exports.
//! Every reading error names the file, row and column; every export is plain and standard.

pub mod export;
pub mod fileset;
pub mod templates;

pub use fileset::{
    read_set, AssessmentRecord, AttendanceRecord, DestinationRecord, EnrolmentRecord, ExclusionRecord, FileSet,
    ImportReport, IncidentRecord, InterventionRecord, Known, NothingKnown, PlacementRecord, ReferralRecord,
    SettingRecord, SuspensionRecord, TimetableRecord, TEMPLATE_NAMES,
};
pub use templates::ImportError;
