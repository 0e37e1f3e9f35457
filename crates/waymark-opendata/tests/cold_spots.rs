//! The cold-spot index (issue 12): recomputed by hand for three named LAs from the raw published
//! figures, and its edges (an LA lacking a component, LAs without enough data, ties, rank
//! intervals) checked on the real data.

use std::sync::OnceLock;
use waymark_opendata::cold_spots::{ColdSpotIndex, ColdSpotRow};
use waymark_opendata::national::{cold_spot_components, Measure, Observatory, COLD_SPOT_MIN_COVERAGE};
use waymark_opendata::OpenData;

fn obs() -> &'static Observatory {
    static OBS: OnceLock<Observatory> = OnceLock::new();
    OBS.get_or_init(|| Observatory::new(OpenData::embedded().unwrap()))
}

fn index() -> ColdSpotIndex<'static> {
    obs().cold_spot_index().expect("an index year")
}

fn row<'a>(index: &'a ColdSpotIndex<'static>, la: u16) -> &'a ColdSpotRow<'static> {
    index.rows.iter().find(|r| r.la.number == la).unwrap_or_else(|| panic!("LA {la} in the index"))
}

/// The weights written out: AP quality, PRU persistent absence, AP pupils per permanent
/// exclusion, unregistered share of school-arranged AP, NEET or not known with an EHC plan,
/// with SEN support, and the permanent exclusion rate (context).
const WEIGHTS: [f64; 7] = [0.25, 0.20, 0.20, 0.15, 0.10, 0.10, 0.0];
/// Whether a higher figure is worse, in the same order.
const HIGHER_IS_WORSE: [bool; 7] = [false, true, false, true, true, true, true];

/// A component's percentile rank for one figure, by hand: the LAs with a figure are put in
/// order; an LA's position counts those below it, plus half of those equal to it other than
/// itself; position / (LAs with a figure − 1) × 100, turned round when higher is better.
fn percentile_by_hand(all: &[f64], x: f64, higher_is_worse: bool) -> f64 {
    let below = all.iter().filter(|v| **v < x).count() as f64;
    let equal = all.iter().filter(|v| **v == x).count() as f64;
    let pct = (below + (equal - 1.0) / 2.0) / (all.len() as f64 - 1.0) * 100.0;
    if higher_is_worse {
        pct
    } else {
        100.0 - pct
    }
}

/// Every LA's figure for component `c`, where it has one.
fn column(index: &ColdSpotIndex, c: usize) -> Vec<f64> {
    index.rows.iter().filter_map(|r| r.cells[c].value).collect()
}

/// Camden (202), Kent (886) and Birmingham (330): each figure read from the raw published files,
/// each rank and the index worked out here.
#[test]
fn index_recomputed_by_hand_for_three_las() {
    let comps = cold_spot_components();
    assert_eq!(comps.iter().map(|c| c.weight).collect::<Vec<_>>(), WEIGHTS.to_vec());
    assert_eq!(comps.iter().map(|c| c.higher_is_worse).collect::<Vec<_>>(), HIGHER_IS_WORSE.to_vec());
    let index = index();
    assert_eq!(index.year, 2022, "the AP year, 2022/23");

    // The raw figures. Files are in ../shared/data.
    // [0] dfe-ap-outcomes/sendap_ofsted_by_school_type_la_2019_2023.csv, 2023, "State-funded AP
    //     school", number of schools good + outstanding over grand_total_schools.
    // [1] dfe-ap-outcomes/absence_2term_pru_la_201314_202223.csv, 202223,
    //     enrolments_pa_10_exact_percent.
    // [2] dfe-ap-outcomes/sendap_ap_counts_la_201718_202223.csv, 202223, "State-funded AP school"
    //     + "LA funded AP placements", over TotPermEx 2022/23 in
    //     dfe-lait-exclusion-rates-2015-2024/lait_exclusion_rates_by_la.csv ÷ 100 × the 201617
    //     Total headcount in dfe-exclusion-statistics-2006-2017/clean_la_data.csv.
    // [3] dfe-alternative-provision-2022-23/spc_school_ap_characteristics.csv, Total/Total,
    //     "Other unregistered provider" pupils over "Total" pupils.
    // [4], [5] dfe-ap-outcomes/nccis_UD_NEETNK_LA_dashboard_final.csv (2025): NEET_NK_EHCP_percent,
    //     NEET_NK_SENDsupport_percent.
    // [6] TotPermEx 2022/23 (as [2]).
    let camden: [f64; 7] = [
        3.0 / 3.0 * 100.0,
        75.22936,
        (74.0 + 67.0) / (0.07883 / 100.0 * 22_387.0),
        1.0 / 41.0 * 100.0,
        4.4,
        8.3,
        0.07883,
    ];
    let kent: [f64; 7] = [
        (1.0 + 5.0) / 6.0 * 100.0,
        84.30034,
        (7.0 + 2240.0) / (0.01678 / 100.0 * 228_507.0),
        10.0 / 413.0 * 100.0,
        8.6,
        10.0,
        0.01678,
    ];
    let birmingham: [f64; 7] = [
        5.0 / 7.0 * 100.0,
        87.26555,
        (359.0 + 960.0) / (0.13788 / 100.0 * 198_136.0),
        16.0 / 551.0 * 100.0,
        4.3,
        10.8,
        0.13788,
    ];
    // Worked: Camden 141 AP pupils / 17.65 exclusions = 7.99; Kent 2,247 / 38.34 = 58.60;
    // Birmingham 1,319 / 273.19 = 4.83.
    assert!(
        (camden[2] - 7.99).abs() < 0.005 && (kent[2] - 58.60).abs() < 0.005 && (birmingham[2] - 4.83).abs() < 0.005
    );

    let mut scores = Vec::new();
    for (la, raw) in [(202u16, camden), (886, kent), (330, birmingham)] {
        let r = row(&index, la);
        let mut weighted = 0.0;
        let mut weight = 0.0;
        for c in 0..7 {
            let got = r.cells[c].value.unwrap_or_else(|| panic!("{}: component {c} read", r.la.name));
            // The Ofsted share is kept to 1 dp in the processed copy; the rest as published.
            let tolerance = if c == 0 { 0.05 } else { 0.006 };
            assert!((got - raw[c]).abs() < tolerance, "{} component {c}: {got} against {}", r.la.name, raw[c]);
            let rank = percentile_by_hand(&column(&index, c), got, HIGHER_IS_WORSE[c]);
            assert!((r.ranked.scored.ranks[c].unwrap() - rank).abs() < 1e-9, "{} component {c}", r.la.name);
            weighted += WEIGHTS[c] * rank;
            weight += WEIGHTS[c];
        }
        let by_hand = weighted / weight;
        let score = r.ranked.scored.score.unwrap();
        assert!((score - by_hand).abs() < 1e-9, "{}: {score} against {by_hand}", r.la.name);
        assert!(r.missing.is_empty(), "{}: every component", r.la.name);
        // Rank: 1 + the LAs with a higher index.
        let above = index.rows.iter().filter(|o| o.ranked.scored.score.is_some_and(|s| s > score)).count();
        assert_eq!(r.ranked.rank, Some(above + 1));
        println!("{}: index {by_hand:.2}, rank {}, interval {:?}", r.la.name, above + 1, r.ranked.interval);
        scores.push(by_hand);
    }
    // The figures put Birmingham (low AP places per exclusion, high PRU absence) above Kent and
    // Camden, whose AP schools are all judged good or outstanding.
    assert!(scores[2] > scores[1] && scores[2] > scores[0], "{scores:?}");
}

/// An LA lacking a component is ranked over the others with their weights renormalised, and the
/// table names what it lacks; an LA below the minimum weight has no index, no rank and no
/// interval, and is listed as data not available.
#[test]
fn missing_components_are_named_and_too_few_unranked() {
    let index = index();
    let comps = cold_spot_components();
    let partial: Vec<&ColdSpotRow> =
        index.rows.iter().filter(|r| r.ranked.rank.is_some() && !r.missing.is_empty()).collect();
    assert!(!partial.is_empty(), "some ranked LAs lack a component");
    for r in &partial {
        let (mut weighted, mut weight) = (0.0, 0.0);
        for (c, rank) in r.ranked.scored.ranks.iter().enumerate() {
            match rank {
                Some(x) => {
                    weighted += WEIGHTS[c] * x;
                    weight += WEIGHTS[c];
                }
                None => {
                    assert!(r.cells[c].value.is_none());
                    assert!(r.missing.contains(&comps[c].label), "{}: {} named", r.la.name, comps[c].label);
                    // What it shows says why ("Not published for this LA", "Suppressed", …).
                    assert!(!r.cells[c].shown.is_empty());
                }
            }
        }
        assert!(weight >= COLD_SPOT_MIN_COVERAGE - 1e-9 && weight < 1.0);
        assert!((r.ranked.scored.score.unwrap() - weighted / weight).abs() < 1e-9, "{}", r.la.name);
    }
    let unranked: Vec<&ColdSpotRow> = index.rows.iter().filter(|r| r.ranked.rank.is_none()).collect();
    assert!(!unranked.is_empty(), "some LAs have too little data");
    for r in &unranked {
        assert!(r.ranked.scored.score.is_none() && r.ranked.interval.is_none());
        assert!(r.ranked.scored.coverage < COLD_SPOT_MIN_COVERAGE, "{}", r.la.name);
        assert!(!r.missing.is_empty());
    }
    // Every LA of the index year is in the table, ranked or not: none silently dropped.
    let active = obs().data.las.active_in(index.year).into_iter().filter(|l| !l.ons_code.is_empty()).count();
    assert_eq!(index.rows.len(), active);
    let ranked = index.rows.len() - unranked.len();
    assert!(ranked > 120, "{ranked} LAs ranked");
    println!(
        "{ranked} ranked, {} lacking a component, {} unranked: {:?}",
        partial.len(),
        unranked.len(),
        unranked.iter().map(|r| r.la.name.as_str()).collect::<Vec<_>>()
    );
}

/// Ties: LAs with the same figure share a component rank (the mean of their positions), equal
/// indices share a rank, and every rank lies inside its leave-one-out interval.
#[test]
fn ties_share_ranks_and_ranks_sit_in_their_intervals() {
    let index = index();
    // Many LAs have every AP school judged good or outstanding: all share one rank, the mean of
    // their positions, which is the best of that component.
    let quality: Vec<&ColdSpotRow> = index.rows.iter().filter(|r| r.cells[0].value == Some(100.0)).collect();
    assert!(quality.len() > 10, "{} LAs at 100%", quality.len());
    let n = column(&index, 0).len() as f64;
    let equal = quality.len() as f64;
    // They sit at the top: positions n − equal … n − 1, mean n − (equal + 1) / 2, turned round.
    let want = 100.0 - (n - (equal + 1.0) / 2.0) / (n - 1.0) * 100.0;
    for r in &quality {
        assert!((r.ranked.scored.ranks[0].unwrap() - want).abs() < 1e-9, "{}", r.la.name);
    }
    for r in index.rows.iter().filter(|r| r.ranked.rank.is_some()) {
        let (k, (lo, hi)) = (r.ranked.rank.unwrap(), r.ranked.interval.unwrap());
        assert!(lo <= k && k <= hi, "{}: {k} not in {lo}..{hi}", r.la.name);
        let same: Vec<_> = index.rows.iter().filter(|o| o.ranked.scored.score == r.ranked.scored.score).collect();
        assert!(same.iter().all(|o| o.ranked.rank == Some(k)), "equal indices share a rank");
    }
    assert_eq!(index.rows.iter().filter(|r| r.ranked.rank == Some(1)).count(), 1);
    assert!(index.rows.iter().any(|r| r.ranked.interval.is_some_and(|(lo, hi)| lo < hi)));
    let mut widths: Vec<usize> = index.rows.iter().filter_map(|r| r.ranked.interval).map(|(lo, hi)| hi - lo).collect();
    widths.sort();
    println!("rank interval width: median {}, max {}", widths[widths.len() / 2], widths.last().unwrap());
}

/// The five coldest are the first five ranks, and the map shows the same index.
#[test]
fn the_coldest_and_the_map_agree() {
    let o = obs();
    let coldest = o.coldest(5);
    assert_eq!(coldest.len(), 5);
    assert_eq!(coldest[0].ranked.rank, Some(1));
    assert!(coldest.windows(2).all(|w| w[0].ranked.rank <= w[1].ranked.rank));
    let year = *o.years(Measure::ColdSpot).last().unwrap();
    for r in &coldest {
        let cell = o.cell(
            Measure::ColdSpot,
            waymark_opendata::SchoolType::Total,
            year,
            &waymark_opendata::Area::La(r.la.number),
        );
        assert_eq!(cell.value, r.ranked.scored.score);
        println!(
            "{} {}: index {:.1}, interval {:?}",
            r.ranked.rank.unwrap(),
            r.la.name,
            cell.value.unwrap(),
            r.ranked.interval
        );
    }
}
