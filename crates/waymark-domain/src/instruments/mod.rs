//! Wellbeing and progress instruments (DOMAIN.md section 7): item-by-item scoring, so a score is
//! always computed from the answers ticked and never typed.
//!
//! - [`sdq`]: Strengths and Difficulties Questionnaire (self-report 11 to 17, parent, teacher).
//! - [`swemwbs`]: Short Warwick-Edinburgh Mental Wellbeing Scale, raw total to metric score.
//! - [`reading`]: reading age against chronological age, and standardised score bands.
//! - [`custom`]: scales a provision defines for itself (items, range, direction).
//!
//! Pure functions only: no I/O. The scoring rules and their sources are in `docs/measures.md`.

pub mod custom;
pub mod reading;
pub mod sdq;
pub mod swemwbs;

pub use custom::{CustomScale, CustomScore};
pub use reading::{
    check_reading_age_months, check_standardised_score, chronological_age_months, reading_gap_months,
    standardised_band, StandardisedBand,
};
pub use sdq::{score_sdq, sdq_items, total_band, Band, SdqScores, SdqVersion, Subscale, SDQ_RESPONSES};
pub use swemwbs::{score_swemwbs, swemwbs_metric, SwemwbsScore, SWEMWBS_CREDIT, SWEMWBS_ITEMS, SWEMWBS_RESPONSES};

/// Why a set of answers could not be scored, in words a member of staff can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    /// An SDQ answer other than 0 "not true", 1 "somewhat true" or 2 "certainly true".
    #[error("Item {item} must be 0, 1 or 2; got {got}")]
    SdqItemOutOfRange { item: usize, got: u8 },
    /// A SWEMWBS answer other than 1 "none of the time" to 5 "all of the time".
    #[error("Item {item} must be 1, 2, 3, 4 or 5; got {got}")]
    SwemwbsItemOutOfRange { item: usize, got: u8 },
    /// A SWEMWBS form with unanswered items: the scale is validated only on complete forms.
    #[error("SWEMWBS not scored: every item must be answered, and {} unanswered", list_items(.unanswered))]
    SwemwbsIncomplete { unanswered: Vec<usize> },
    #[error("Unknown SDQ version {0:?}: expected self (self-report 11 to 17), parent or teacher")]
    UnknownSdqVersion(String),
    /// An answer to a custom scale outside the range the scale defines.
    #[error("Item {item} must be between {min} and {max}; got {got}")]
    ItemOutOfRange { item: usize, min: u8, max: u8, got: u8 },
    #[error("{scale} has {expected} items; got {got} answers")]
    WrongNumberOfAnswers { scale: String, expected: usize, got: usize },
    #[error("{scale} not scored: {answered} of {items} items answered and it needs at least {required}")]
    TooFewAnswered { scale: String, answered: usize, items: usize, required: usize },
    #[error("The assessment date {assessed_on} is before the date of birth {date_of_birth}")]
    AssessedBeforeBirth { date_of_birth: chrono::NaiveDate, assessed_on: chrono::NaiveDate },
    #[error("Reading age must be between {min} and {max} months; got {got}")]
    ReadingAgeOutOfRange { min: u16, max: u16, got: u16 },
    #[error("A standardised score must be between {min} and {max}; got {got}")]
    StandardisedScoreOutOfRange { min: u16, max: u16, got: u16 },
}

/// "item 3 is" / "items 2 and 5 are" / "items 1, 2 and 4 are".
fn list_items(items: &[usize]) -> String {
    let names: Vec<String> = items.iter().map(usize::to_string).collect();
    match names.as_slice() {
        [] => "no items are".to_string(),
        [one] => format!("item {one} is"),
        [init @ .., last] => format!("items {} and {last} are", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::list_items;

    #[test]
    fn lists_items_in_english() {
        assert_eq!(list_items(&[3]), "item 3 is");
        assert_eq!(list_items(&[2, 5]), "items 2 and 5 are");
        assert_eq!(list_items(&[1, 2, 4]), "items 1, 2 and 4 are");
    }
}
