//! The Strengths and Difficulties Questionnaire (Goodman; DOMAIN.md section 7, youthinmind's
//! scoring instructions at sdqinfo.org).
//!
//! Items are taken as ticked on the form (0 "not true", 1 "somewhat true", 2 "certainly true");
//! the five positively worded items are reversed here, so callers store what was ticked.

use super::InstrumentError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The answer labels, in the order of their values 0, 1, 2.
pub const SDQ_RESPONSES: [&str; 3] = ["Not true", "Somewhat true", "Certainly true"];

/// Items scored 2/1/0 rather than 0/1/2: 7 obedient, 11 has a good friend, 14 generally liked,
/// 21 thinks before acting, 25 sees tasks through.
const REVERSED: [usize; 5] = [7, 11, 14, 21, 25];

/// Who filled in the form. Every score is shown with its version: the bands differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SdqVersion {
    /// Self-report, for young people aged 11 to 17.
    #[serde(rename = "self")]
    SelfReport,
    #[serde(rename = "parent")]
    Parent,
    #[serde(rename = "teacher")]
    Teacher,
}

impl SdqVersion {
    pub const ALL: [SdqVersion; 3] = [SdqVersion::SelfReport, SdqVersion::Parent, SdqVersion::Teacher];

    /// The stable code used in storage and the import format (`self`, `parent`, `teacher`).
    pub fn code(self) -> &'static str {
        match self {
            SdqVersion::SelfReport => "self",
            SdqVersion::Parent => "parent",
            SdqVersion::Teacher => "teacher",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SdqVersion::SelfReport => "Self-report (11 to 17)",
            SdqVersion::Parent => "Parent",
            SdqVersion::Teacher => "Teacher",
        }
    }

    /// Reads a code; `self-report` and `self_report` are taken as `self`, case and spaces ignored.
    pub fn parse(text: &str) -> Result<SdqVersion, InstrumentError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "self" | "self_report" | "self-report" => Ok(SdqVersion::SelfReport),
            "parent" => Ok(SdqVersion::Parent),
            "teacher" => Ok(SdqVersion::Teacher),
            _ => Err(InstrumentError::UnknownSdqVersion(text.to_string())),
        }
    }

    /// Highest total difficulties score in the close to average, slightly raised and high bands
    /// (youthinmind's four-band categorisation, as in DOMAIN.md section 7).
    fn total_cuts(self) -> [u8; 3] {
        match self {
            SdqVersion::Teacher => [11, 15, 18],
            SdqVersion::Parent => [13, 16, 19],
            SdqVersion::SelfReport => [14, 17, 19],
        }
    }

    /// Subscale cut-offs, only where checked against the published table: the teacher version
    /// (sdqinfo.org scoring instructions for 4 to 17 year olds, reproduced in Table 1 of
    /// PMC4830858). The parent and self-report subscale bands are left out until checked.
    fn subscale_cuts(self, subscale: Subscale) -> Option<[u8; 3]> {
        if self != SdqVersion::Teacher {
            return None;
        }
        Some(match subscale {
            Subscale::Emotional => [3, 4, 5],
            Subscale::Conduct => [2, 3, 4],
            Subscale::Hyperactivity => [5, 7, 8],
            Subscale::Peer => [2, 4, 5],
            // Lowest prosocial score in close to average, slightly lowered and low.
            Subscale::Prosocial => [6, 5, 4],
        })
    }
}

impl fmt::Display for SdqVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The five subscales of five items each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subscale {
    Emotional,
    Conduct,
    Hyperactivity,
    Peer,
    Prosocial,
}

impl Subscale {
    pub const ALL: [Subscale; 5] =
        [Subscale::Emotional, Subscale::Conduct, Subscale::Hyperactivity, Subscale::Peer, Subscale::Prosocial];

    pub fn label(self) -> &'static str {
        match self {
            Subscale::Emotional => "Emotional problems",
            Subscale::Conduct => "Conduct problems",
            Subscale::Hyperactivity => "Hyperactivity",
            Subscale::Peer => "Peer problems",
            Subscale::Prosocial => "Prosocial",
        }
    }

    /// The item numbers (1 to 25) that make up this subscale.
    pub fn items(self) -> [usize; 5] {
        match self {
            Subscale::Emotional => [3, 8, 13, 16, 24],
            Subscale::Conduct => [5, 7, 12, 18, 22],
            Subscale::Hyperactivity => [2, 10, 15, 21, 25],
            Subscale::Peer => [6, 11, 14, 19, 23],
            Subscale::Prosocial => [1, 4, 9, 17, 20],
        }
    }
}

/// The four bands of youthinmind's categorisation. For the prosocial scale, where a low score is
/// the concern, the same bands read "slightly lowered", "low", "very low": see [`Band::label_for`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    CloseToAverage,
    SlightlyRaised,
    High,
    VeryHigh,
}

impl Band {
    pub const ALL: [Band; 4] = [Band::CloseToAverage, Band::SlightlyRaised, Band::High, Band::VeryHigh];

    pub fn code(self) -> &'static str {
        match self {
            Band::CloseToAverage => "close_to_average",
            Band::SlightlyRaised => "slightly_raised",
            Band::High => "high",
            Band::VeryHigh => "very_high",
        }
    }

    /// The label for a difficulties score (total, emotional, conduct, hyperactivity, peer).
    pub fn label(self) -> &'static str {
        match self {
            Band::CloseToAverage => "Close to average",
            Band::SlightlyRaised => "Slightly raised",
            Band::High => "High",
            Band::VeryHigh => "Very high",
        }
    }

    /// The label for a subscale: the prosocial scale's bands are "lowered" rather than "raised".
    pub fn label_for(self, subscale: Subscale) -> &'static str {
        match (subscale, self) {
            (Subscale::Prosocial, Band::CloseToAverage) => "Close to average",
            (Subscale::Prosocial, Band::SlightlyRaised) => "Slightly lowered",
            (Subscale::Prosocial, Band::High) => "Low",
            (Subscale::Prosocial, Band::VeryHigh) => "Very low",
            _ => self.label(),
        }
    }

    /// A difficulties score against the top scores of the first three bands.
    fn of_difficulty(score: u8, cuts: [u8; 3]) -> Band {
        match score {
            s if s <= cuts[0] => Band::CloseToAverage,
            s if s <= cuts[1] => Band::SlightlyRaised,
            s if s <= cuts[2] => Band::High,
            _ => Band::VeryHigh,
        }
    }

    /// A prosocial score against the lowest scores of the first three bands.
    fn of_strength(score: u8, cuts: [u8; 3]) -> Band {
        match score {
            s if s >= cuts[0] => Band::CloseToAverage,
            s if s >= cuts[1] => Band::SlightlyRaised,
            s if s >= cuts[2] => Band::High,
            _ => Band::VeryHigh,
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The scores of one SDQ form. A subscale is `None` when fewer than 3 of its 5 items were
/// answered; the total is `None` when any of the four difficulties subscales is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdqScores {
    pub version: SdqVersion,
    pub emotional: Option<u8>,
    pub conduct: Option<u8>,
    pub hyperactivity: Option<u8>,
    pub peer: Option<u8>,
    pub prosocial: Option<u8>,
    /// Emotional + conduct + hyperactivity + peer, 0 to 40 (prosocial is not a difficulty).
    pub total_difficulties: Option<u8>,
    pub total_band: Option<Band>,
}

impl SdqScores {
    pub fn subscale(&self, subscale: Subscale) -> Option<u8> {
        match subscale {
            Subscale::Emotional => self.emotional,
            Subscale::Conduct => self.conduct,
            Subscale::Hyperactivity => self.hyperactivity,
            Subscale::Peer => self.peer,
            Subscale::Prosocial => self.prosocial,
        }
    }

    /// A subscale's band, for the teacher version only (the one whose published subscale
    /// cut-offs Waymark has checked); `None` for parent and self-report, or a missing score.
    pub fn subscale_band(&self, subscale: Subscale) -> Option<Band> {
        let score = self.subscale(subscale)?;
        let cuts = self.version.subscale_cuts(subscale)?;
        Some(match subscale {
            Subscale::Prosocial => Band::of_strength(score, cuts),
            _ => Band::of_difficulty(score, cuts),
        })
    }
}

/// The band of a total difficulties score (0 to 40) for a version.
pub fn total_band(version: SdqVersion, total_difficulties: u8) -> Band {
    Band::of_difficulty(total_difficulties, version.total_cuts())
}

/// Scores one form from its 25 answers as ticked (`None` = unanswered).
pub fn score_sdq(version: SdqVersion, items: &[Option<u8>; 25]) -> Result<SdqScores, InstrumentError> {
    if let Some((i, got)) = items.iter().enumerate().find_map(|(i, a)| a.filter(|v| *v > 2).map(|v| (i, v))) {
        return Err(InstrumentError::SdqItemOutOfRange { item: i + 1, got });
    }
    let score = |s: Subscale| subscale_score(items, s);
    let [emotional, conduct, hyperactivity, peer, prosocial] = Subscale::ALL.map(score);
    let total_difficulties = match (emotional, conduct, hyperactivity, peer) {
        (Some(e), Some(c), Some(h), Some(p)) => Some(e + c + h + p),
        _ => None,
    };
    Ok(SdqScores {
        version,
        emotional,
        conduct,
        hyperactivity,
        peer,
        prosocial,
        total_difficulties,
        total_band: total_difficulties.map(|t| total_band(version, t)),
    })
}

/// A subscale's score: the sum of its answered items after reversal, prorated when 3 or 4 of
/// the 5 were answered, missing with fewer.
fn subscale_score(items: &[Option<u8>; 25], subscale: Subscale) -> Option<u8> {
    let answered: Vec<u8> = subscale
        .items()
        .iter()
        .filter_map(|&n| items[n - 1].map(|v| if REVERSED.contains(&n) { 2 - v } else { v }))
        .collect();
    prorate(answered.iter().sum(), answered.len() as u8)
}

/// `sum × 5 / answered` rounded to the nearest whole number, a half rounding up, as the vectors'
/// README says (youthinmind's SPSS syntax rounds the mean of the answered items × 5, with
/// halves away from zero: the same for these non-negative scores). Only 4 answered can give a
/// half (2 × 5 / 4 = 2.5 → 3). Done in whole numbers: round(a / b), halves up, is
/// floor((2a + b) / 2b).
fn prorate(sum: u8, answered: u8) -> Option<u8> {
    match answered {
        5 => Some(sum),
        3 | 4 => {
            let (a, b) = (u16::from(sum) * 5, u16::from(answered));
            Some(((2 * a + b) / (2 * b)) as u8)
        }
        _ => None,
    }
}

/// Short neutral labels for the 25 items, the same for every version.
///
/// The SDQ's wording is youthinmind's copyright, and its terms forbid unlicensed electronic
/// copies of the questionnaire; so Waymark does not reproduce the statements. Staff record the
/// answers from the official paper form, and these labels (after youthinmind's own variable
/// names) say which item is which. The version is taken so licensed wording can be added later.
pub fn sdq_items(version: SdqVersion) -> [&'static str; 25] {
    let _ = version;
    [
        "Item 1 (considerate of other people's feelings)",
        "Item 2 (restless, overactive)",
        "Item 3 (headaches, stomach-aches or sickness)",
        "Item 4 (shares readily)",
        "Item 5 (tempers, loses temper)",
        "Item 6 (rather solitary, on their own)",
        "Item 7 (generally does as told)",
        "Item 8 (many worries)",
        "Item 9 (helpful if someone is hurt or upset)",
        "Item 10 (fidgeting or squirming)",
        "Item 11 (has at least one good friend)",
        "Item 12 (fights or bullies)",
        "Item 13 (often unhappy, tearful)",
        "Item 14 (generally liked by others of their age)",
        "Item 15 (easily distracted)",
        "Item 16 (nervous in new situations)",
        "Item 17 (kind to younger children)",
        "Item 18 (lies or cheats)",
        "Item 19 (picked on or bullied)",
        "Item 20 (often volunteers to help)",
        "Item 21 (thinks things out before acting)",
        "Item 22 (steals)",
        "Item 23 (gets on better with adults)",
        "Item 24 (many fears, easily scared)",
        "Item 25 (sees tasks through, good attention)",
    ]
}

#[cfg(test)]
mod tests {
    use super::prorate;

    #[test]
    fn prorates_halves_up() {
        // 1 from 4 answered: 1.25 → 1; 2 from 4: 2.5 → 3; 3 from 4: 3.75 → 4.
        assert_eq!(prorate(1, 4), Some(1));
        assert_eq!(prorate(2, 4), Some(3));
        assert_eq!(prorate(3, 4), Some(4));
        // 8 from 4: the most possible, 10.
        assert_eq!(prorate(8, 4), Some(10));
        assert_eq!(prorate(6, 3), Some(10));
        assert_eq!(prorate(4, 2), None);
    }
}
