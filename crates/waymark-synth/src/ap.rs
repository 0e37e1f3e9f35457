//! Alternative provision: who is referred, at which tier, and how placements run.
//!
//! Tier 3 follows a permanent exclusion (a PRU place from the sixth school day). Tier 2 is a
//! time-limited dual registration for pupils with repeated suspensions, with a hybrid timetable
//! that moves sessions back to mainstream step by step (some start part-time, marked `C2`).
//! Tier 1 is outreach in the pupil's own school.

use rand::Rng;

/// Tier 2 hybrid timetables: (weeks from start, AP sessions, mainstream sessions) per week.
/// The first starts part-time (6 of 10 sessions), a pattern Waymark flags.
pub const HYBRID_PLANS: [&[(i64, u8, u8)]; 3] =
    [&[(0, 8, 2), (4, 6, 4), (8, 3, 7)], &[(0, 10, 0), (6, 5, 5)], &[(0, 6, 0), (3, 8, 0), (6, 6, 4)]];

/// Interventions offered alongside a placement.
pub const INTERVENTIONS: [&str; 7] =
    ["mentoring", "counselling", "literacy", "numeracy", "social_emotional_group", "family_support", "vocational"];

/// How a placement ended.
pub fn tier2_outcome(rng: &mut impl Rng) -> &'static str {
    match rng.gen_range(0..100) {
        0..=54 => "returned_mainstream",
        55..=69 => "returned_not_sustained",
        70..=84 => "extended",
        85..=92 => "special_school",
        _ => "ongoing",
    }
}

/// Post-16 destination of a Year 11 leaver, worse after AP or exclusion (DOMAIN.md §11: about
/// half of excluded pupils are NEET after KS4).
pub fn destination(rng: &mut impl Rng, ap: bool) -> (&'static str, bool) {
    let u: f64 = rng.gen();
    let (edu, appr, emp, neet) = if ap { (0.45, 0.06, 0.04, 0.40) } else { (0.86, 0.05, 0.02, 0.05) };
    let d = if u < edu {
        "education"
    } else if u < edu + appr {
        "apprenticeship"
    } else if u < edu + appr + emp {
        "employment"
    } else if u < edu + appr + emp + neet {
        "neet"
    } else {
        "unknown"
    };
    let sustained =
        matches!(d, "education" | "apprenticeship" | "employment") && rng.gen_bool(if ap { 0.75 } else { 0.95 });
    (d, sustained)
}
