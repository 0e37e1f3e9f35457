//! Session marks as the import templates and the store hold them: one symbol per session, two
//! sessions a school day, multi-character DfE codes mapped to one symbol (`C1` → `1`, `C2` →
//! `2`, `J1` → `j`, `Y1`…`Y7` → `a`…`g`; `Z` where the pupil was not on this roll).
//! The meaning of each symbol follows DOMAIN.md section 5 (the 2024 code set).

/// Every symbol a marks string may hold.
pub const SYMBOLS: &str = "/\\LKVPWBD1MjSX2CTRIEQabcdefgGNOUZ#";

/// Present (`/ \ L`) or at an approved educational activity (`K V P W B`): counts as attendance.
pub const ATTENDED: &str = "/\\LKVPWB";

/// Not possible sessions: unable to attend for exceptional reasons (`Y1`–`Y7` as `a`–`g`, `Q`),
/// dual registered and at the other school (`D`), not of compulsory school age (`X`), not on
/// roll (`Z`) and planned whole-school closure (`#`).
pub const NOT_POSSIBLE: &str = "abcdefgQDXZ#";

/// Attended and possible sessions in one marks string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounts {
    pub attended: u32,
    pub possible: u32,
}

impl SessionCounts {
    pub fn of(marks: &str) -> SessionCounts {
        let mut counts = SessionCounts::default();
        for b in marks.bytes() {
            let class = CLASS[b as usize];
            counts.attended += u32::from(class == ATTENDED_CLASS);
            counts.possible += u32::from(class != NOT_POSSIBLE_CLASS);
        }
        counts
    }

    pub fn add(&mut self, other: SessionCounts) {
        self.attended += other.attended;
        self.possible += other.possible;
    }

    /// Attended over possible sessions, or `None` when nothing was possible.
    pub fn rate(self) -> Option<f64> {
        (self.possible > 0).then(|| f64::from(self.attended) / f64::from(self.possible))
    }
}

const ABSENT_CLASS: u8 = 0;
const ATTENDED_CLASS: u8 = 1;
const NOT_POSSIBLE_CLASS: u8 = 2;

/// Each byte's class, so a term's marks are counted in one pass with no branches on the code.
static CLASS: [u8; 256] = {
    let mut table = [ABSENT_CLASS; 256];
    let attended = ATTENDED.as_bytes();
    let mut i = 0;
    while i < attended.len() {
        table[attended[i] as usize] = ATTENDED_CLASS;
        i += 1;
    }
    let not_possible = NOT_POSSIBLE.as_bytes();
    let mut i = 0;
    while i < not_possible.len() {
        table[not_possible[i] as usize] = NOT_POSSIBLE_CLASS;
        i += 1;
    }
    table
};

/// Whether every character of `marks` is a known symbol.
pub fn valid_symbols(marks: &str) -> Result<(), (usize, char)> {
    match marks.char_indices().find(|(_, c)| !SYMBOLS.contains(*c)) {
        Some((i, c)) => Err((i, c)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_code_groups() {
        // Present, late, approved off-site, illness, unauthorised, part-time timetable,
        // dual-registered elsewhere, not on roll, closure, Y1.
        let c = SessionCounts::of("/\\LBINO2DZ#a");
        assert_eq!(c, SessionCounts { attended: 4, possible: 8 });
        assert_eq!(SessionCounts::of("ZZ").rate(), None);
        assert_eq!(SessionCounts::of("/N").rate(), Some(0.5));
        assert!(valid_symbols("/\\Ij").is_ok());
        assert_eq!(valid_symbols("/H"), Err((1, 'H')));
    }

    #[test]
    fn every_symbol_is_classed_once() {
        for c in ATTENDED.chars() {
            assert!(!NOT_POSSIBLE.contains(c) && SYMBOLS.contains(c));
        }
        for c in NOT_POSSIBLE.chars() {
            assert!(SYMBOLS.contains(c));
        }
    }
}
