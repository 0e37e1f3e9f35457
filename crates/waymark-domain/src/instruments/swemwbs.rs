//! The Short Warwick-Edinburgh Mental Wellbeing Scale (DOMAIN.md section 7): seven statements
//! answered 1 "none of the time" to 5 "all of the time" over the last two weeks. The raw total
//! (7 to 35) is converted to a metric score with the published Rasch conversion table before it
//! is averaged or compared.

use super::InstrumentError;
use serde::{Deserialize, Serialize};

/// The seven statements, in the order of the form.
pub const SWEMWBS_ITEMS: [&str; 7] = [
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling close to other people",
    "I've been able to make up my own mind about things",
];

/// The answer labels, in the order of their values 1 to 5.
pub const SWEMWBS_RESPONSES: [&str; 5] = ["None of the time", "Rarely", "Some of the time", "Often", "All of the time"];

/// The credit the scale's licence asks to be shown on every copy of the scale and with results.
pub const SWEMWBS_CREDIT: &str = "Short Warwick Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, \
University of Warwick and University of Edinburgh, 2008, all rights reserved.";

/// Metric scores for raw totals 7 to 35 (DOMAIN.md section 7).
const METRIC: [f64; 29] = [
    7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59, 19.25, 19.98,
    20.73, 21.54, 22.35, 23.21, 24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55, 35.00,
];

/// A scored form: the raw total and its metric score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SwemwbsScore {
    pub raw: u8,
    pub metric: f64,
}

/// The metric score of a raw total, or `None` if the total is not 7 to 35.
pub fn swemwbs_metric(raw: u8) -> Option<f64> {
    raw.checked_sub(7).and_then(|i| METRIC.get(usize::from(i))).copied()
}

/// Scores a form of seven answers (`None` = unanswered). Incomplete forms are not scored: the
/// conversion table holds only for complete ones.
pub fn score_swemwbs(items: &[Option<u8>; 7]) -> Result<SwemwbsScore, InstrumentError> {
    if let Some((i, got)) =
        items.iter().enumerate().find_map(|(i, a)| a.filter(|v| !(1..=5).contains(v)).map(|v| (i, v)))
    {
        return Err(InstrumentError::SwemwbsItemOutOfRange { item: i + 1, got });
    }
    let unanswered: Vec<usize> = (1..=7).filter(|n| items[n - 1].is_none()).collect();
    if !unanswered.is_empty() {
        return Err(InstrumentError::SwemwbsIncomplete { unanswered });
    }
    let raw: u8 = items.iter().flatten().sum();
    let metric = swemwbs_metric(raw).expect("seven answers of 1 to 5 total 7 to 35");
    Ok(SwemwbsScore { raw, metric })
}
