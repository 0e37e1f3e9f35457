//! The measure definitions: one versioned table. Every figure names the id and version it was
//! computed with. A later official definition is added as a new row with the same id and a higher
//! version; `current` picks the highest version, and the measures read their parameters (follow-up
//! terms, thresholds) from the row, so nothing else changes.

/// What kind of figure a measure gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share of a denominator, with a Wilson interval.
    Proportion,
    /// A mean (usually a mean change per pupil), with a t interval.
    Mean,
}

/// The parameters a definition fixes; the measures read them from here, never from constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Terms after the start (or the end) of a placement at which the outcome is checked.
    pub follow_up_terms: i32,
    /// Terms before a placement that form the baseline.
    pub baseline_terms: i32,
    /// A threshold on a proportion (e.g. 0.8 = 80% of possible sessions attended).
    pub threshold: f64,
}

const NONE: Params = Params { follow_up_terms: 0, baseline_terms: 0, threshold: 0.0 };

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Definition {
    pub id: &'static str,
    pub version: u32,
    pub title: &'static str,
    /// The plain-English definition shown beside the figure.
    pub definition: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    /// Where the definition comes from.
    pub source: &'static str,
    pub kind: Kind,
    pub params: Params,
}

/// Unknown measure id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no measure called {0:?}; the measures are listed in docs/measures.md")]
pub struct UnknownMeasure(pub String);

const FRAMEWORK: &str = "DfE SEND and AP improvement plan (March 2023), AP performance framework outcome; \
                         Waymark's definition (DOMAIN.md §2) until DfE fixes one";
const HOLISTIC: &str = "Waymark holistic measure (DOMAIN.md §2 and §7)";

/// Every definition, all versions. Add rows; never edit a published one.
pub static DEFINITIONS: &[Definition] = &[
    Definition {
        id: "outreach_retained",
        version: 1,
        title: "Effective outreach",
        definition: "Of the pupils given tier 1 outreach support, the share still on their mainstream school's roll, \
                     not suspended again and not permanently excluded, 2 terms after support began.",
        numerator: "tier 1 pupils on the same school's roll on the census day 2 terms after support began, with no \
                    suspension and no permanent exclusion after support began",
        denominator: "tier 1 outreach placements whose check day has passed",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: Params { follow_up_terms: 2, ..NONE },
    },
    Definition {
        id: "attendance_improved",
        version: 1,
        title: "Improved attendance",
        definition: "The share of placements in which the pupil's attendance in AP was higher than their own \
                     attendance in the 2 terms before the placement. Attendance counts present and approved \
                     educational activity sessions.",
        numerator: "placements with an AP attendance rate above the pupil's baseline rate",
        denominator: "placements with possible sessions both in AP and in the 2 terms before",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: Params { baseline_terms: 2, ..NONE },
    },
    Definition {
        id: "attendance_change",
        version: 1,
        title: "Change in attendance",
        definition: "The mean change in attendance, in percentage points, from the 2 terms before the placement to \
                     the placement.",
        numerator: "sum over placements of (AP attendance rate − baseline rate) × 100",
        denominator: "placements with possible sessions both in AP and in the 2 terms before",
        source: FRAMEWORK,
        kind: Kind::Mean,
        params: Params { baseline_terms: 2, ..NONE },
    },
    Definition {
        id: "persistent_absence",
        version: 1,
        title: "Persistent absence in AP",
        definition: "The share of placements in which the pupil missed 10% or more of their possible sessions in AP.",
        numerator: "placements with an AP attendance rate below 90%",
        denominator: "placements with possible sessions in AP",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: Params { threshold: 0.9, ..NONE },
    },
    Definition {
        id: "reintegration",
        version: 1,
        title: "Reintegration",
        definition: "Of the tier 2 placements that have ended, the share that ended in a return to mainstream school.",
        numerator: "ended tier 2 placements whose outcome is a return to mainstream",
        denominator: "ended tier 2 placements",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: NONE,
    },
    Definition {
        id: "reintegration_sustained",
        version: 1,
        title: "Sustained reintegration",
        definition: "Of the pupils who returned to mainstream, the share still on a mainstream roll and attending at \
                     least 80% of possible sessions 2 terms after their return.",
        numerator: "returns where the pupil is on a mainstream roll on the census day 2 terms after the return and \
                    attended at least 80% of that term's possible sessions",
        denominator: "returns to mainstream whose check day has passed",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: Params { follow_up_terms: 2, threshold: 0.8, ..NONE },
    },
    Definition {
        id: "ks4_english_maths",
        version: 1,
        title: "Grade 4 or above in English and maths",
        definition: "Of the pupils who finished Key Stage 4 while in AP, the share with grade 4 or above in both \
                     English and maths.",
        numerator: "pupils with grade 4 or above in both English and maths",
        denominator: "pupils with Key Stage 4 results credited to the unit",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: NONE,
    },
    Definition {
        id: "ks4_any_pass",
        version: 1,
        title: "A pass in any qualification",
        definition: "Of the pupils who finished Key Stage 4 while in AP, the share who passed at least one \
                     qualification of any kind (many AP pupils sit qualifications other than GCSEs).",
        numerator: "pupils with at least one pass",
        denominator: "pupils with Key Stage 4 results credited to the unit",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: NONE,
    },
    Definition {
        id: "reading_progress",
        version: 1,
        title: "Reading age progress",
        definition: "The mean change, in months, in the gap between reading age and chronological age from the \
                     first assessment in the placement to the last. Positive means the gap closed.",
        numerator: "sum over pupils of (last gap − first gap) in months",
        denominator: "placements with two reading assessments on different days",
        source: FRAMEWORK,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "maths_progress",
        version: 1,
        title: "Maths progress",
        definition: "The mean change in the maths assessment score from the first assessment in the placement to the \
                     last.",
        numerator: "sum over pupils of (last score − first score)",
        denominator: "placements with two maths assessments on different days",
        source: FRAMEWORK,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "post16_sustained",
        version: 1,
        title: "Sustained post-16 destination",
        definition: "Of the pupils who finished Key Stage 4 while in AP, the share in education, employment or \
                     training for all of the first two terms (October to March) of the year after, as in the DfE \
                     KS4 destination measure.",
        numerator: "pupils with a sustained education, employment or training destination",
        denominator: "pupils with a destination record credited to the unit",
        source: FRAMEWORK,
        kind: Kind::Proportion,
        params: NONE,
    },
    Definition {
        id: "sdq_total_change",
        version: 1,
        title: "SDQ total difficulties change",
        definition: "The mean change in SDQ total difficulties from the first to the last form of the same version \
                     in the placement. Negative means fewer difficulties. Shown separately for each version.",
        numerator: "sum over pupils of (last total − first total)",
        denominator: "placements with two forms of this version on different days",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "sdq_band_improved",
        version: 1,
        title: "SDQ band improved",
        definition: "The share of pupils whose SDQ total difficulties band (close to average, slightly raised, high, \
                     very high) was lower on the last form than on the first, for the same version.",
        numerator: "placements whose last band is lower than the first",
        denominator: "placements with two forms of this version on different days",
        source: HOLISTIC,
        kind: Kind::Proportion,
        params: NONE,
    },
    Definition {
        id: "swemwbs_change",
        version: 1,
        title: "SWEMWBS wellbeing change",
        definition: "The mean change in SWEMWBS metric score (raw totals converted with the published table) from the \
                     first to the last form in the placement. Positive means better wellbeing.",
        numerator: "sum over pupils of (last metric score − first metric score)",
        denominator: "placements with two complete forms on different days",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "checkin_trend",
        version: 1,
        title: "Check-in trend",
        definition: "The mean, over pupils, of the trend in daily check-in ratings during the placement, in rating \
                     points per 4 weeks (the least-squares slope). Positive means the pupil felt better over time.",
        numerator: "sum over placements of the slope in points per 28 days",
        denominator: "placements with check-ins on at least 2 different days",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "incidents_change",
        version: 1,
        title: "Behaviour incidents before and during placement",
        definition: "The mean change in recorded behaviour incidents per 4 weeks, from the 26 weeks before the \
                     placement to the placement. Negative means fewer incidents.",
        numerator:
            "sum over placements of (incidents per 28 days during − incidents per 28 days in the 182 days before)",
        denominator: "placements that have lasted at least one day",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "days_waited",
        version: 1,
        title: "Days waited for a place",
        definition: "The mean number of calendar days from referral to the start of the placement.",
        numerator: "sum of days from referral to start",
        denominator: "referrals that led to a placement",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: NONE,
    },
    Definition {
        id: "part_time",
        version: 1,
        title: "Part-time timetables",
        definition: "The share of placements in which the pupil was on fewer than 10 sessions a week (AP and \
                     mainstream together) at any time.",
        numerator: "placements with a timetable step below 10 sessions a week",
        denominator: "placements with a recorded timetable",
        source: HOLISTIC,
        kind: Kind::Proportion,
        params: Params { threshold: 10.0, ..NONE },
    },
    Definition {
        id: "part_time_weeks",
        version: 1,
        title: "Length of part-time timetables",
        definition: "The mean length, in weeks, of the time a pupil spent on fewer than 10 sessions a week, over the \
                     placements that had a part-time timetable.",
        numerator: "sum of weeks below 10 sessions a week",
        denominator: "placements with a part-time timetable",
        source: HOLISTIC,
        kind: Kind::Mean,
        params: Params { threshold: 10.0, ..NONE },
    },
    Definition {
        id: "interventions_completed",
        version: 1,
        title: "Interventions completed",
        definition: "Of the interventions that have ended, the share the pupil completed: attended at least 80% of \
                     the planned sessions.",
        numerator: "ended interventions with sessions attended ≥ 80% of sessions planned",
        denominator: "ended interventions with at least one planned session",
        source: HOLISTIC,
        kind: Kind::Proportion,
        params: Params { threshold: 0.8, ..NONE },
    },
];

/// The current definition of a measure: its highest version.
pub fn current(id: &str) -> Result<&'static Definition, UnknownMeasure> {
    DEFINITIONS.iter().filter(|d| d.id == id).max_by_key(|d| d.version).ok_or_else(|| UnknownMeasure(id.to_string()))
}

/// One version of a measure, to recompute an old figure as it was published.
pub fn version(id: &str, version: u32) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.id == id && d.version == version)
}

/// The current definition of a measure Waymark itself computes (the ids are in this crate, and a
/// test checks each one is in the table).
pub(crate) fn def(id: &str) -> &'static Definition {
    current(id).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_versions_unique_and_complete() {
        for (i, a) in DEFINITIONS.iter().enumerate() {
            for b in &DEFINITIONS[i + 1..] {
                assert!(!(a.id == b.id && a.version == b.version), "{} v{} twice", a.id, a.version);
            }
            assert!(!a.definition.is_empty() && !a.numerator.is_empty() && !a.denominator.is_empty(), "{}", a.id);
        }
        assert_eq!(current("reintegration").unwrap().version, 1);
        assert_eq!(
            current("reintegraton").unwrap_err().to_string(),
            "there is no measure called \"reintegraton\"; the measures are listed in docs/measures.md"
        );
        assert!(version("reintegration", 2).is_none());
    }
}
