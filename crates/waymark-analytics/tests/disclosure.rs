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

// ---------------------------------------------------------------- grids of figures
//
// The outcome views publish proportions (numerator of denominator) by unit and period with their
// totals (`FigureGrid`). A reader who sees a figure sees its numerator, its denominator and so
// the difference; all three add up along rows and columns. No hidden figure may be recovered,
// and no shown figure may carry a count from 1 to 5, in any of the three.

use waymark_analytics::figure::{Figure, FigureGrid, Status};

const DEF: waymark_analytics::figure::DefinitionRef =
    waymark_analytics::figure::DefinitionRef { id: "reintegration", version: 1 };

fn grid_of(pairs: &[Vec<(u64, u64)>]) -> FigureGrid {
    let columns = pairs[0].len();
    let sum = |it: &mut dyn Iterator<Item = (u64, u64)>| it.fold((0, 0), |a, (n, d)| (a.0 + n, a.1 + d));
    let fig = |(n, d): (u64, u64)| Figure::proportion(n, d, DEF);
    FigureGrid {
        cells: pairs.iter().map(|r| r.iter().map(|&p| fig(p)).collect()).collect(),
        row_totals: pairs.iter().map(|r| fig(sum(&mut r.iter().copied()))).collect(),
        column_totals: (0..columns).map(|c| fig(sum(&mut pairs.iter().map(|r| r[c])))).collect(),
        grand: fig(sum(&mut pairs.iter().flatten().copied())),
    }
}

fn flat_figures(g: &FigureGrid) -> Vec<&Figure> {
    let mut v: Vec<&Figure> = g.cells.iter().flatten().collect();
    v.extend(g.row_totals.iter());
    v.extend(g.column_totals.iter());
    v.push(&g.grand);
    v
}

fn assert_grid_safe(pairs: &[Vec<(u64, u64)>]) -> Result<(), TestCaseError> {
    let mut g = grid_of(pairs);
    g.suppress();
    let figures = flat_figures(&g);
    let (rows, columns) = (pairs.len(), pairs[0].len());
    // Three additive quantities: numerator, denominator and their difference.
    let quantities: [fn(&Figure) -> u64; 3] =
        [|f| f.numerator as u64, |f| f.denominator, |f| f.denominator - f.numerator as u64];
    for q in quantities {
        let published: Vec<Published> = figures
            .iter()
            .map(|f| match f.status {
                Status::Suppressed => Published::Suppressed,
                Status::Shown | Status::NoData => Published::Count(q(f)),
            })
            .collect();
        let truth: Vec<u64> = figures.iter().map(|f| q(f)).collect();
        let known = attack(rows, columns, &published);
        for (i, k) in known.iter().enumerate() {
            if let Some(v) = k {
                prop_assert_eq!(*v, truth[i]);
                prop_assert!(!(1..=5).contains(v), "count {} at {} revealed from {:?}", v, i, pairs);
            }
            if published[i] == Published::Suppressed {
                prop_assert!(k.is_none(), "hidden value {} at {} recovered from {:?}", truth[i], i, pairs);
            }
        }
    }
    // A shown rate is over at least 10.
    for f in figures {
        prop_assert!(f.status != Status::Shown || f.denominator >= 10);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_figure_grid_reveals_a_small_count(
        pairs in (1usize..5, 1usize..5).prop_flat_map(|(r, c)| {
            let cell = prop_oneof![
                Just((0u64, 0u64)),
                (0u64..=8, 0u64..=8).prop_map(|(a, b)| (a, a + b)),
                (0u64..=40, 0u64..=40).prop_map(|(a, b)| (a, a + b)),
            ];
            prop::collection::vec(prop::collection::vec(cell, c), r)
        })
    ) {
        assert_grid_safe(&pairs)?;
    }
}

#[test]
fn hand_made_figure_grids() {
    // One provision, three years: 2 of 8 in the first year is hidden; the row total 20 of 38
    // would give it away, so the smallest other year (8 of 14) is hidden too.
    let pairs = vec![vec![(2, 8), (8, 14), (10, 16)]];
    let mut g = grid_of(&pairs);
    g.suppress();
    let status: Vec<Status> = g.cells[0].iter().map(|f| f.status).collect();
    assert_eq!(status, vec![Status::Suppressed, Status::Suppressed, Status::Shown]);
    assert_grid_safe(&pairs).unwrap();
    // No denominator anywhere: no data, nothing hidden.
    let mut g = grid_of(&[vec![(0, 0), (0, 0)]]);
    g.suppress();
    assert!(g.cells[0].iter().all(|f| f.status == Status::NoData) && g.grand.status == Status::NoData);
    // One pupil: hidden everywhere it shows.
    let mut g = grid_of(&[vec![(1, 1), (0, 0)], vec![(0, 0), (0, 0)]]);
    g.suppress();
    assert_eq!(
        (g.cells[0][0].status, g.row_totals[0].status, g.grand.status),
        (Status::Suppressed, Status::Suppressed, Status::Suppressed)
    );
    assert_grid_safe(&[vec![(1, 1), (0, 0)], vec![(0, 0), (0, 0)]]).unwrap();
    // All suppressed.
    let pairs = vec![vec![(1, 3), (2, 4)], vec![(3, 5), (1, 2)]];
    let mut g = grid_of(&pairs);
    g.suppress();
    assert!(g.cells.iter().flatten().all(|f| f.status == Status::Suppressed));
    assert_grid_safe(&pairs).unwrap();
}
