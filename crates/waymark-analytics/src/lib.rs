//! Figures: rates with Wilson intervals, disclosure control, composite indices, funnel plot
//! limits, and the AP outcome and holistic measures (each defined in `definitions` and
//! `docs/measures.md`).
//!
//! Pure functions over in-memory values: loading is someone else's job, which keeps these
//! testable with small hand-made tables and fast on large ones. No I/O, no HTML.

pub mod cost;
pub mod definitions;
pub mod disclosure;
pub mod duty;
pub mod figure;
pub mod funnel;
pub mod holistic;
pub mod index;
pub mod inputs;
pub mod measures;
pub mod rates;
