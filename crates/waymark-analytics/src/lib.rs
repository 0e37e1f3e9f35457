//! Figures: rates with Wilson intervals, disclosure control, and composite indices.
//!
//! Pure functions over in-memory values: loading is someone else's job, which keeps these
//! testable with small hand-made tables and fast on large ones. No I/O, no HTML.

pub mod disclosure;
pub mod index;
pub mod rates;
