//! Secondary suppression of tables: no count from 1 to 5 can be read off a published table,
//! directly or by subtracting visible cells from any visible total.

use proptest::prelude::*;
use waymark_analytics::disclosure::{table, Published, Table};

/// The true values, flat: cells row by row, row totals, column totals, grand total.
fn flat_truth(counts: &[Vec<u64>]) -> Vec<u64> {
    let columns = counts[0].len();
    let mut v: Vec<u64> = counts.iter().flatten().copied().collect();
    v.extend(counts.iter().map(|r| r.iter().sum::<u64>()));
    v.extend((0..columns).map(|c| counts.iter().map(|r| r[c]).sum::<u64>()));
    v.push(counts.iter().flatten().sum());
    v
}

fn flat_published(t: &Table) -> Vec<Published> {
    let mut v: Vec<Published> = t.cells.iter().flatten().copied().collect();
    v.extend(t.row_totals.iter().copied());
    v.extend(t.column_totals.iter().copied());
    v.push(t.total);
    v
}

/// Every additive line of the table as positions in the flat list: its parts, then its total.
fn lines(rows: usize, columns: usize, published: &[Published]) -> Vec<Vec<usize>> {
    let cells = rows * columns;
    let mut idx: Vec<Vec<usize>> = Vec::new();
    for r in 0..rows {
        idx.push((0..columns).map(|c| r * columns + c).chain([cells + r]).collect());
    }
    for c in 0..columns {
        idx.push((0..rows).map(|r| r * columns + c).chain([cells + rows + c]).collect());
    }
    let grand = published.len() - 1;
    idx.push((0..rows).map(|r| cells + r).chain([grand]).collect());
    idx.push((0..columns).map(|c| cells + rows + c).chain([grand]).collect());
    idx
}

/// The attacker: starting from what is visible, solve every line with exactly one unknown (a part
/// = total − the other parts; a total = the sum of its parts), learn the value, and repeat until
/// nothing new is learnt. Returns the flat list of what the attacker knows.
fn attack(rows: usize, columns: usize, published: &[Published]) -> Vec<Option<u64>> {
    let mut known: Vec<Option<u64>> =
        published.iter().map(|p| if let Published::Count(n) = p { Some(*n) } else { None }).collect();
    loop {
        let mut learnt = false;
        for at in lines(rows, columns, published) {
            let unknown: Vec<usize> = at.iter().copied().filter(|&i| known[i].is_none()).collect();
            if unknown.len() != 1 {
                continue;
            }
            let u = unknown[0];
            let total_at = *at.last().unwrap();
            let parts_known: u64 = at[..at.len() - 1].iter().filter_map(|&i| known[i]).sum();
            known[u] = Some(if u == total_at {
                parts_known
            } else {
                known[total_at].unwrap().checked_sub(parts_known).expect("a consistent table")
            });
            learnt = true;
        }
        if !learnt {
            break;
        }
    }
    known
}

fn assert_safe(counts: &[Vec<u64>]) -> Result<(), TestCaseError> {
    let t = table(counts);
    let published = flat_published(&t);
    let truth = flat_truth(counts);
    let known = attack(counts.len(), counts[0].len(), &published);
    for (i, k) in known.iter().enumerate() {
        if let Some(v) = k {
            prop_assert_eq!(*v, truth[i], "the attacker's sums must agree with the truth");
            prop_assert!(!(1..=5).contains(v), "count {} at {} revealed in {:?} from {:?}", v, i, t, counts);
        }
        // What was hidden stays hidden: secondary suppression leaves no line with one unknown.
        if published[i] == Published::Suppressed {
            prop_assert!(k.is_none(), "hidden value {} at {} recovered from {:?}", truth[i], i, t);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_small_count_is_revealed(
        counts in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
            prop::collection::vec(prop::collection::vec(prop_oneof![0u64..=6, 0u64..=50], c), r)
        })
    ) {
        assert_safe(&counts)?;
    }
}

#[test]
fn hand_made_table() {
    // A row total of 3 + 20 = 23 would give the 3 away: 20 is hidden too; then column 0
    // (3 + 10 = 13) has one hidden cell, so the smallest visible part, 10, is hidden as well;
    // that leaves row 1 (10 + 30) with one hidden cell: 30 is hidden. Every line now has two.
    let counts = vec![vec![3, 20], vec![10, 30]];
    let t = table(&counts);
    use Published::*;
    assert_eq!(t.cells, vec![vec![Suppressed, Suppressed], vec![Suppressed, Suppressed]]);
    assert_eq!(t.row_totals, vec![Count(23), Count(40)]);
    assert_eq!(t.column_totals, vec![Count(13), Count(50)]);
    assert_eq!(t.total, Count(63));
    assert_safe(&counts).unwrap();

    // Nothing small: nothing hidden.
    let t = table(&[vec![0, 7], vec![8, 9]]);
    assert!(t.cells.iter().flatten().all(|c| *c != Suppressed));

    // All suppressed: every cell small.
    let counts = vec![vec![1, 2], vec![3, 4]];
    let t = table(&counts);
    assert!(t.cells.iter().flatten().all(|c| *c == Suppressed));
    assert_eq!(t.row_totals, vec![Suppressed, Suppressed], "3 is hidden, so 7 is too: 10 − 7 would give it away");
    assert_eq!(t.total, Count(10));
    assert_safe(&counts).unwrap();
}
