//! DOMAIN.md §8: every LA rate of the 2006–2017 tables reproduces from its count and headcount;
//! regional and national rates reproduce within the rounding of their counts to 5; LAIT agrees
//! with the older tables wherever both give a number.

use waymark_opendata::reproduce::{compare_sources_report, Check};
use waymark_opendata::{compare_sources, reproduce, OpenData};

fn data() -> OpenData {
    OpenData::embedded().unwrap()
}

#[test]
fn every_la_rate_reproduces_exactly() {
    let report = reproduce(&data());
    let la = report.table("clean_la_data: local authorities").unwrap();
    println!("{:#?}", report.tables);
    assert_eq!(la.check, Check::Exact);
    assert_eq!((la.checked, la.matched), (18_828, 18_828));
}

#[test]
fn regional_and_national_rates_reproduce_within_rounding_to_5() {
    let report = reproduce(&data());
    for (name, check) in [
        ("clean_la_data: regions", Check::CountsRoundedTo5),
        ("clean_la_data: England", Check::CountsRoundedTo5),
        ("SFR35_2017_National_characteristics", Check::CountsAndHeadcountsRoundedTo5),
    ] {
        let table = report.table(name).unwrap();
        assert_eq!(table.check, check);
        assert!(table.checked > 100, "{name}: too few cells checked ({})", table.checked);
        assert_eq!(table.matched, table.checked, "{name}: {:#?}", report.mismatches);
    }
    assert!(report.mismatches.is_empty());
}

#[test]
fn lait_agrees_with_the_older_tables_wherever_both_give_a_number() {
    let data = data();
    let comparison = compare_sources_report(&data);
    println!(
        "compared {}, agreed {}, recomputed to 5 dp {}, one side only {}",
        comparison.compared, comparison.agreed, comparison.recomputed_5dp, comparison.one_side_only
    );
    assert!(comparison.compared > 1_000, "only {} cells compared", comparison.compared);
    assert_eq!(comparison.agreed, comparison.compared, "{:#?}", comparison.differences);
    assert!(comparison.recomputed_5dp > 1_000);
    assert!(compare_sources(&data).is_empty());
}
