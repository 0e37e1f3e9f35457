//! Disclosure control for figures anyone outside a setting may see (DOMAIN.md §8): counts of 1 to
//! 5 are shown as `c`; a hidden cell that could be recovered from its row total gets a second
//! cell hidden too; rates with a denominator under 10 are not shown.

/// The smallest count shown as a number (1 to 5 are suppressed; 0 is shown).
pub const MIN_SHOWN_COUNT: u64 = 6;
/// The smallest denominator for which a rate is shown.
pub const MIN_RATE_DENOMINATOR: u64 = 10;

/// A published cell: a number, or suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Count(u64),
    /// Shown as `c`.
    Suppressed,
}

impl std::fmt::Display for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Published::Count(n) => write!(f, "{n}"),
            Published::Suppressed => f.write_str("c"),
        }
    }
}

/// Primary suppression of one count.
pub fn count(n: u64) -> Published {
    if (1..MIN_SHOWN_COUNT).contains(&n) {
        Published::Suppressed
    } else {
        Published::Count(n)
    }
}

/// Whether a rate over `denominator` may be shown.
pub fn rate_shown(denominator: u64) -> bool {
    denominator >= MIN_RATE_DENOMINATOR
}

/// Suppress a row of counts whose total is also published: primary suppression, then, if exactly
/// one cell is hidden, hide the smallest other non-zero cell as well so the hidden one cannot be
/// recovered by subtraction.
pub fn row(cells: &[u64]) -> Vec<Published> {
    let mut out: Vec<Published> = cells.iter().map(|&n| count(n)).collect();
    let hidden = out.iter().filter(|c| **c == Published::Suppressed).count();
    if hidden == 1 {
        if let Some((i, _)) =
            cells.iter().enumerate().filter(|(i, &n)| n > 0 && out[*i] != Published::Suppressed).min_by_key(|(_, &n)| n)
        {
            out[i] = Published::Suppressed;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_hidden_and_not_recoverable() {
        assert_eq!(count(0), Published::Count(0));
        assert_eq!(count(5), Published::Suppressed);
        assert_eq!(count(6), Published::Count(6));
        let r = row(&[3, 40, 12, 0]);
        assert_eq!(r, vec![Published::Suppressed, Published::Count(40), Published::Suppressed, Published::Count(0)]);
        assert_eq!(row(&[2, 4, 50]), vec![Published::Suppressed, Published::Suppressed, Published::Count(50)]);
        assert!(!rate_shown(9) && rate_shown(10));
        assert_eq!(Published::Suppressed.to_string(), "c");
    }
}
