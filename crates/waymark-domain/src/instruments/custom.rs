//! Scales a provision defines for itself: named items, each answered on the same whole-number
//! range, with a direction (whether a higher score is better). Scored as a total and a mean.

use super::InstrumentError;
use crate::error::ValidationErrors;
use serde::{Deserialize, Serialize};

/// Most items a custom scale may have: enough for any questionnaire, few enough for one page.
pub const MAX_ITEMS: usize = 50;

/// A provision's own scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomScale {
    pub name: String,
    /// The statements or questions, in form order.
    pub items: Vec<String>,
    /// The lowest and highest answer allowed for every item.
    pub min: u8,
    pub max: u8,
    /// Whether a higher score is the better outcome (shown with charts and changes over time).
    pub higher_is_better: bool,
    /// How many items must be answered for a score; `None` means every item.
    #[serde(default)]
    pub min_answered: Option<usize>,
}

/// A scored form. With items skipped the total covers only those answered: compare means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CustomScore {
    pub total: u32,
    pub mean: f64,
    pub answered: usize,
}

impl CustomScale {
    /// A scale in which every item must be answered.
    pub fn new(name: impl Into<String>, items: Vec<String>, min: u8, max: u8, higher_is_better: bool) -> CustomScale {
        CustomScale { name: name.into(), items, min, max, higher_is_better, min_answered: None }
    }

    /// Every problem with the definition, each against its form field (`name`, `items`, `max`,
    /// `min_answered`).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        match self.name.trim().chars().count() {
            0 => errors.push("name", "Enter a name for the scale"),
            n if n > 100 => errors.push("name", "The name must be 100 characters or fewer"),
            _ => {}
        }
        if let Some(message) = self.items_problem() {
            errors.push("items", message);
        }
        if self.min >= self.max {
            errors.push("max", format!("The highest answer must be above the lowest ({}); got {}", self.min, self.max));
        }
        match self.min_answered {
            Some(n) if n == 0 || n > self.items.len() => errors.push(
                "min_answered",
                format!("The items that must be answered must be from 1 to {}; got {n}", self.items.len()),
            ),
            _ => {}
        }
        errors.into_result(())
    }

    fn items_problem(&self) -> Option<String> {
        if self.items.is_empty() {
            return Some("Enter at least one item".into());
        }
        if self.items.len() > MAX_ITEMS {
            return Some(format!("A scale can have at most {MAX_ITEMS} items; got {}", self.items.len()));
        }
        if let Some(i) = self.items.iter().position(|t| t.trim().is_empty()) {
            return Some(format!("Item {} is blank: enter its wording or remove it", i + 1));
        }
        let key = |t: &String| t.trim().to_lowercase();
        (1..self.items.len()).find_map(|j| {
            let i = self.items[..j].iter().position(|t| key(t) == key(&self.items[j]))?;
            Some(format!("Items {} and {} are the same", i + 1, j + 1))
        })
    }

    /// How many answers a form needs to be scored.
    pub fn required_answers(&self) -> usize {
        self.min_answered.unwrap_or(self.items.len()).max(1)
    }

    pub fn direction_label(&self) -> &'static str {
        if self.higher_is_better {
            "Higher is better"
        } else {
            "Lower is better"
        }
    }

    /// Scores one form: one answer per item, `None` for unanswered.
    pub fn score(&self, answers: &[Option<u8>]) -> Result<CustomScore, InstrumentError> {
        if answers.len() != self.items.len() {
            return Err(InstrumentError::WrongNumberOfAnswers {
                scale: self.name.clone(),
                expected: self.items.len(),
                got: answers.len(),
            });
        }
        let range = self.min..=self.max;
        if let Some((i, got)) =
            answers.iter().enumerate().find_map(|(i, a)| a.filter(|v| !range.contains(v)).map(|v| (i, v)))
        {
            return Err(InstrumentError::ItemOutOfRange { item: i + 1, min: self.min, max: self.max, got });
        }
        let answered = answers.iter().flatten().count();
        if answered < self.required_answers() {
            return Err(InstrumentError::TooFewAnswered {
                scale: self.name.clone(),
                answered,
                items: self.items.len(),
                required: self.required_answers(),
            });
        }
        let total: u32 = answers.iter().flatten().map(|&v| u32::from(v)).sum();
        Ok(CustomScore { total, mean: f64::from(total) / answered as f64, answered })
    }
}
