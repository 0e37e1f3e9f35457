//! The vocabulary of Waymark: settings, pupils, enrolments, identifiers, the school calendar
//! and the validation rules that keep them right.
//!
//! This crate is pure: no I/O, no async, no database types. Every other crate speaks its types.
//! The rules follow the project's domain primer (`DOMAIN.md`): UPN check letters, academic years
//! and census days, national curriculum year groups.

pub mod attendance;
pub mod calendar;
pub mod enrolment;
pub mod error;
pub mod exclusion;
pub mod instruments;
pub mod la;
mod la_table;
pub mod pupil;
pub mod records;
pub mod setting;
pub mod upn;

pub use calendar::{AcademicYear, Term, YearGroup};
pub use enrolment::{Enrolment, LeavingReason, NewEnrolment, RegistrationType};
pub use error::{FieldError, ValidationErrors};
pub use instruments::InstrumentError;
pub use la::LocalAuthority;
pub use pupil::{ethnicity_label, ethnicity_label_or_code, NewPupil, Pupil, SenProvision, Sex};
pub use setting::{NewSetting, Setting, SettingKind, Urn};
pub use upn::Upn;
