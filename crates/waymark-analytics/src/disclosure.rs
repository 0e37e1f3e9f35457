//! Disclosure control for figures anyone outside a setting may see (DOMAIN.md §8): counts of 1 to
//! 5 are shown as `c`; a hidden cell that could be recovered from a total gets a second cell
//! hidden too (`row` for one row, `table` for rows × columns with all their totals); rates with a
//! denominator under 10 are not shown.

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

/// A table of counts with its row totals, column totals and grand total, after disclosure control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub cells: Vec<Vec<Published>>,
    pub row_totals: Vec<Published>,
    pub column_totals: Vec<Published>,
    pub total: Published,
}

/// Suppress a table of counts (rows × columns) that is published with its row, column and grand
/// totals. Primary suppression hides every count of 1 to 5 (cells and totals alike); secondary
/// suppression then repeats until no row, column or total line has exactly one hidden member,
/// hiding each time the smallest visible non-zero member of the offending line (a cell before a
/// total, so totals stay visible where they can). A line with two or more hidden members cannot
/// be solved for any one of them by subtraction; a line with none hides nothing.
///
/// Rows must all have the same length.
pub fn table(counts: &[Vec<u64>]) -> Table {
    let columns = counts.first().map_or(0, Vec::len);
    assert!(counts.iter().all(|r| r.len() == columns), "every row of a table must have {columns} cells");
    let grid = Grid::new(counts, columns);
    let mut hidden: Vec<bool> = grid.values.iter().map(|&n| count(n) == Published::Suppressed).collect();
    let lines = grid.lines();
    loop {
        let mut changed = false;
        for line in &lines {
            if line.iter().filter(|&&i| hidden[i]).count() != 1 {
                continue;
            }
            let pick = line
                .iter()
                .copied()
                .filter(|&i| !hidden[i] && grid.values[i] > 0)
                .min_by_key(|&i| (grid.is_total(i), grid.values[i]))
                .or_else(|| line.iter().copied().find(|&i| !hidden[i]));
            if let Some(i) = pick {
                hidden[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    grid.publish(&hidden)
}

/// The table flattened: cells row by row, then row totals, column totals and the grand total.
struct Grid {
    rows: usize,
    columns: usize,
    values: Vec<u64>,
}

impl Grid {
    fn new(counts: &[Vec<u64>], columns: usize) -> Grid {
        let rows = counts.len();
        let mut values: Vec<u64> = counts.iter().flatten().copied().collect();
        values.extend(counts.iter().map(|r| r.iter().sum::<u64>()));
        values.extend((0..columns).map(|c| counts.iter().map(|r| r[c]).sum::<u64>()));
        values.push(counts.iter().flatten().sum());
        Grid { rows, columns, values }
    }

    fn cell(&self, r: usize, c: usize) -> usize {
        r * self.columns + c
    }
    fn row_total(&self, r: usize) -> usize {
        self.rows * self.columns + r
    }
    fn column_total(&self, c: usize) -> usize {
        self.rows * self.columns + self.rows + c
    }
    fn grand(&self) -> usize {
        self.values.len() - 1
    }
    fn is_total(&self, i: usize) -> bool {
        i >= self.rows * self.columns
    }

    /// Every additive line: a row and its total, a column and its total, the row totals and the
    /// grand total, the column totals and the grand total.
    fn lines(&self) -> Vec<Vec<usize>> {
        let mut lines = Vec::new();
        for r in 0..self.rows {
            let mut l: Vec<usize> = (0..self.columns).map(|c| self.cell(r, c)).collect();
            l.push(self.row_total(r));
            lines.push(l);
        }
        for c in 0..self.columns {
            let mut l: Vec<usize> = (0..self.rows).map(|r| self.cell(r, c)).collect();
            l.push(self.column_total(c));
            lines.push(l);
        }
        let mut l: Vec<usize> = (0..self.rows).map(|r| self.row_total(r)).collect();
        l.push(self.grand());
        lines.push(l);
        let mut l: Vec<usize> = (0..self.columns).map(|c| self.column_total(c)).collect();
        l.push(self.grand());
        lines.push(l);
        lines
    }

    fn publish(&self, hidden: &[bool]) -> Table {
        let p = |i: usize| if hidden[i] { Published::Suppressed } else { Published::Count(self.values[i]) };
        Table {
            cells: (0..self.rows).map(|r| (0..self.columns).map(|c| p(self.cell(r, c))).collect()).collect(),
            row_totals: (0..self.rows).map(|r| p(self.row_total(r))).collect(),
            column_totals: (0..self.columns).map(|c| p(self.column_total(c))).collect(),
            total: p(self.grand()),
        }
    }
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
