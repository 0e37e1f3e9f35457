//! Reading age against chronological age, and standardised score bands (DOMAIN.md section 7).
//!
//! A standardised reading test reports a reading age (the age at which the average pupil reads
//! at this level) and a standardised score (mean 100, standard deviation 15, for the pupil's age).

use super::InstrumentError;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Plausible reading ages, 2 to 20 years in months: a guard against typing years for months, not
/// a published rule (tests report roughly 5 to 17 years).
const READING_AGE_MONTHS: std::ops::RangeInclusive<u16> = 24..=240;

/// Plausible standardised scores, 40 to 160 (the mean 100 ± 4 standard deviations of 15): a
/// guard against typing errors, not a published rule (most tests report about 70 to 140).
const STANDARDISED_SCORE: std::ops::RangeInclusive<u16> = 40..=160;

/// Checks a reading age in months is plausible.
pub fn check_reading_age_months(months: u16) -> Result<u16, InstrumentError> {
    if READING_AGE_MONTHS.contains(&months) {
        return Ok(months);
    }
    Err(InstrumentError::ReadingAgeOutOfRange {
        min: *READING_AGE_MONTHS.start(),
        max: *READING_AGE_MONTHS.end(),
        got: months,
    })
}

/// Checks a standardised score is plausible.
pub fn check_standardised_score(score: u16) -> Result<u16, InstrumentError> {
    if STANDARDISED_SCORE.contains(&score) {
        return Ok(score);
    }
    Err(InstrumentError::StandardisedScoreOutOfRange {
        min: *STANDARDISED_SCORE.start(),
        max: *STANDARDISED_SCORE.end(),
        got: score,
    })
}

/// Age in whole months completed on `on`. A month is complete on the same day of a later month,
/// or on that month's last day when it is shorter (born 31 January: one month on 28 February).
pub fn chronological_age_months(date_of_birth: NaiveDate, on: NaiveDate) -> Result<u16, InstrumentError> {
    if on < date_of_birth {
        return Err(InstrumentError::AssessedBeforeBirth { date_of_birth, assessed_on: on });
    }
    Ok(u16::try_from(whole_months(date_of_birth, on)).unwrap_or(u16::MAX))
}

/// Reading age minus chronological age, in months: negative when the pupil reads below their
/// age. Check the dates first with [`chronological_age_months`] (a form does); given an
/// assessment before birth this counts the age as negative rather than failing.
pub fn reading_gap_months(reading_age_months: u16, date_of_birth: NaiveDate, assessed_on: NaiveDate) -> i32 {
    let age = if assessed_on >= date_of_birth {
        whole_months(date_of_birth, assessed_on)
    } else {
        -whole_months(assessed_on, date_of_birth)
    };
    i32::from(reading_age_months) - age
}

/// Whole months from `from` to `to` (`to` not before `from`), with chrono's month arithmetic
/// (which clamps to the end of a shorter month).
fn whole_months(from: NaiveDate, to: NaiveDate) -> i32 {
    let guess = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let reached = |n: i32| from.checked_add_months(Months::new(n as u32)).is_some_and(|d| d <= to);
    if guess > 0 && !reached(guess) {
        guess - 1
    } else {
        guess
    }
}

/// The usual reading of a standardised score (mean 100, standard deviation 15): below 85 is
/// below average, 85 to 115 (within one standard deviation) average, above 115 above average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardisedBand {
    BelowAverage,
    Average,
    AboveAverage,
}

impl StandardisedBand {
    pub fn code(self) -> &'static str {
        match self {
            StandardisedBand::BelowAverage => "below_average",
            StandardisedBand::Average => "average",
            StandardisedBand::AboveAverage => "above_average",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StandardisedBand::BelowAverage => "Below average",
            StandardisedBand::Average => "Average",
            StandardisedBand::AboveAverage => "Above average",
        }
    }
}

/// The band of a standardised score: below 85, 85 to 115, above 115.
pub fn standardised_band(score: u16) -> StandardisedBand {
    match score {
        s if s < 85 => StandardisedBand::BelowAverage,
        s if s <= 115 => StandardisedBand::Average,
        _ => StandardisedBand::AboveAverage,
    }
}
