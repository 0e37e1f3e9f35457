//! SDQ and SWEMWBS responses for pupils placed in AP: at entry and at the end of the placement,
//! with difficulties easing and wellbeing rising a little over the placement.

use rand::Rng;

/// The five SDQ items scored in reverse (7, 11, 14, 21, 25), zero-based.
const REVERSED: [usize; 5] = [6, 10, 13, 20, 24];
/// Prosocial items (1, 4, 9, 17, 20), zero-based.
const PROSOCIAL: [usize; 5] = [0, 3, 8, 16, 19];

/// 25 SDQ item responses (0-2 as ticked on the form; reversed items are ticked the other way),
/// for a pupil whose difficulty level is `severity` (0 none to 1 severe).
pub fn sdq_items(rng: &mut impl Rng, severity: f64) -> [u8; 25] {
    let mut items = [0u8; 25];
    for (i, item) in items.iter_mut().enumerate() {
        let difficulty = if PROSOCIAL.contains(&i) { 0.6 - 0.4 * severity } else { 0.15 + 0.6 * severity };
        let score = u8::from(rng.gen_bool(difficulty.clamp(0.02, 0.98)))
            + u8::from(rng.gen_bool((difficulty * 0.6).clamp(0.01, 0.95)));
        *item = if REVERSED.contains(&i) { 2 - score } else { score };
    }
    items
}

/// 7 SWEMWBS responses, 1-5, for a wellbeing level 0 (low) to 1 (high).
pub fn swemwbs_items(rng: &mut impl Rng, wellbeing: f64) -> [u8; 7] {
    let mut items = [0u8; 7];
    for item in &mut items {
        let x = 1.0 + 4.0 * wellbeing + rng.gen_range(-1.2..1.2);
        *item = x.round().clamp(1.0, 5.0) as u8;
    }
    items
}
