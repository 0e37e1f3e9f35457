//! waymark-synth: synthetic LA populations whose aggregates match DfE's published statistics.

pub mod calibrate;
pub mod composition;
pub mod dfe;
pub mod events;
pub mod model;
pub mod pupils;
pub mod random;
pub mod schools;
pub mod targets;
