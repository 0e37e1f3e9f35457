//! One module per area of the site: each holds its handlers and the templates' view structs.

pub mod assessments;
pub mod checkin;
pub mod commissioner;
pub mod duty;
pub mod explore;
pub mod home;
pub mod import;
pub mod interventions;
pub mod journey;
pub mod layout;
pub mod outcomes;
pub mod provision;
pub mod pupils;
pub mod scales;
pub mod settings;
pub mod sign_in;
pub mod today;
