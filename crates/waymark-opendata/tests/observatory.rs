//! The observatory's figures as people see them (issue 9): cells computed from the counts that
//! exist, no negative zero, small denominators hidden, ties ranked equally, neighbours that
//! exist, headlines from the latest year with their sources and units.

use std::sync::OnceLock;
use waymark_opendata::exclusions::{Area, SchoolType};
use waymark_opendata::national::{competition_ranks, Base, Measure, Observatory};
use waymark_opendata::OpenData;

fn obs() -> &'static Observatory {
    static OBS: OnceLock<Observatory> = OnceLock::new();
    OBS.get_or_init(|| Observatory::new(OpenData::embedded().unwrap()))
}

/// Bedfordshire (820) and Cheshire (875) in 2008/09: the raw file puts their exclusions under
/// their successors, which have no headcount. The rate comes from those counts over the LA's own
/// headcount, not a published 0 ranked last.
#[test]
fn bedfordshire_and_cheshire_2008_from_the_counts_that_exist() {
    let o = obs();
    // Bedford 29 + Central Bedfordshire 69 = 98 over 62,884 pupils; Cheshire East 36 + West 33
    // = 69 over 97,443.
    for (la, perm, headcount) in [(820u16, 98.0, 62_884.0), (875, 69.0, 97_443.0)] {
        let area = Area::La(la);
        assert_eq!(o.permanent_exclusions(2008, &area), Some(perm), "LA {la}");
        let cell = o.rate(Base::Perm, SchoolType::Total, 2008, &area);
        let want = perm / headcount * 100.0;
        assert!((cell.value.unwrap() - want).abs() < 1e-9, "LA {la}: {cell:?}");
        assert_ne!(cell.shown, "0.00");
        assert!(o.reattributed(2008, la));
        let rows = o.map_rows(Measure::Rate(Base::Perm), SchoolType::Total, 2008);
        let ranked = rows.iter().filter(|r| r.rank.is_some()).count();
        let me = rows.iter().find(|r| r.la.number == la).unwrap();
        assert!(me.rank.unwrap() < ranked, "LA {la} no longer ranks last: {:?} of {ranked}", me.rank);
    }
    // Suspensions too: Bedford 787 + Central Bedfordshire 1,430.
    let s = o.rate(Base::Susp, SchoolType::Total, 2008, &Area::La(820)).value.unwrap();
    assert!((s - 2217.0 / 62_884.0 * 100.0).abs() < 1e-9);
    // An LA whose own counts are published is left alone.
    assert!(!o.reattributed(2007, 820));
    assert_eq!(o.rate(Base::Perm, SchoolType::Total, 2007, &Area::La(820)).shown, "0.17");
}

/// No figure anywhere in the observatory reads as negative zero.
#[test]
fn no_cell_is_negative_zero() {
    let o = obs();
    let mut cells = 0;
    for m in Measure::all() {
        for year in o.years(m) {
            for r in o.map_rows(m, SchoolType::Total, year) {
                assert!(
                    !(r.cell.shown.starts_with("-0") && r.cell.shown.trim_start_matches(['-', '0', '.']).is_empty()),
                    "{} {year} {}: {}",
                    m.code(),
                    r.la.name,
                    r.cell.shown
                );
                cells += 1;
            }
        }
    }
    assert!(cells > 50_000, "{cells} cells");
    // The share of AP in unregistered provision is 0.0 where an LA has none, not -0.0.
    let zero = o
        .map_rows(Measure::ApUnregisteredShare, SchoolType::Total, 2022)
        .into_iter()
        .filter(|r| r.cell.value == Some(0.0))
        .count();
    assert!(zero > 10, "{zero} LAs with no unregistered placements");
}

#[test]
fn rates_on_fewer_than_ten_pupils_are_not_shown() {
    let o = obs();
    let rutland = Area::La(857);
    // 9 pupils in Rutland's special school in 2016/17, 10 in 2013/14.
    let small = o.rate(Base::Perm, SchoolType::Special, 2016, &rutland);
    assert_eq!(small.value, None);
    assert!(small.shown.contains("fewer than 10 pupils"), "{}", small.shown);
    assert!(o.rate(Base::Perm, SchoolType::Special, 2013, &rutland).value.is_some());
    // LAIT years publish no headcount: the latest one published stands in, and says so.
    let later = o.rate(Base::Susp, SchoolType::Special, 2023, &rutland);
    assert_eq!(later.value, None);
    assert!(later.shown.contains("2016/17"), "{}", later.shown);
    let rows = o.map_rows(Measure::Rate(Base::Perm), SchoolType::Special, 2016);
    assert!(rows.iter().find(|r| r.la.number == 857).unwrap().rank.is_none());
}

#[test]
fn equal_values_share_a_rank() {
    assert_eq!(
        competition_ranks(&[Some(3.0), Some(1.0), Some(3.0), None, Some(2.0)]),
        vec![Some(1), Some(4), Some(1), None, Some(3)]
    );
    let rows = obs().map_rows(Measure::Rate(Base::Perm), SchoolType::Total, 2016);
    let mut by_shown = std::collections::HashMap::new();
    for r in rows.iter().filter(|r| r.cell.value.is_some()) {
        let rank = by_shown.entry(r.cell.shown.clone()).or_insert(r.rank);
        assert_eq!(*rank, r.rank, "{} reads {} like another LA but ranks differently", r.la.name, r.cell.shown);
    }
    assert!(by_shown.len() < rows.len() / 2, "many LAs share a published rate");
}

/// Camden's neighbours exist today (the data's latest year); Poole, abolished in 2019, is not one.
#[test]
fn neighbours_exist_in_the_year_shown() {
    let o = obs();
    let latest = o.latest_year();
    for la in o.data.las.active_in(latest) {
        for (n, _) in o.neighbours(la.number, 5, latest) {
            assert!(n.active_in(latest), "{} lists {} which did not exist in {latest}", la.name, n.name);
        }
    }
    let camden: Vec<u16> = o.neighbours(202, 5, latest).iter().map(|(l, _)| l.number).collect();
    assert_eq!(camden.len(), 5);
    assert!(!camden.contains(&836), "Poole");
}

/// Headlines lead with the latest year the data holds; each says its year and source, and each
/// figure carries its unit.
#[test]
fn headlines_use_the_latest_year_with_units() {
    let o = obs();
    let h = o.headlines();
    assert_eq!(h[0].year, "2023/24");
    assert!(h[0].source.contains("LAIT"), "{}", h[0].source);
    for line in &h {
        let unit = ["%", "pupils", "suspensions", "placements"].iter().any(|u| line.figure.contains(u));
        assert!(unit, "no unit: {}", line.figure);
        assert!(!line.year.is_empty() && !line.source.is_empty());
        if line.year == "2016/17" {
            assert!(!line.source.contains("LAIT"));
        }
    }
    assert!(h.iter().any(|l| l.year == "2016/17" && l.figure == "7,720 pupils"));
    assert!(h.iter().any(|l| l.text.contains("unregistered") && !l.text.contains("or one-to-one")));
}

/// The source named for a rate follows the year: the 2006–2017 release up to 2016/17, LAIT after.
#[test]
fn each_year_names_its_own_source() {
    let o = obs();
    let perm = Measure::Rate(Base::Perm);
    assert!(o.source_for(perm, 2016).contains("2016/17 release"));
    assert!(o.source_for(perm, 2017).contains("LAIT"));
    assert!(!o.source_for(perm, 2017).contains("2016/17 release"));
    let change = o.source_for(Measure::Change(Base::Perm, 5), 2019);
    assert!(change.contains("LAIT") && change.contains("2014/15"), "{change}");
}

/// Unregistered means "Other unregistered provider" only: one-to-one tuition is not counted.
#[test]
fn one_to_one_tuition_is_not_unregistered() {
    let o = obs();
    let ap = &o.data.ap.settings;
    let mut checked = 0;
    for la in o.data.las.active_in(2022) {
        let area = Area::La(la.number);
        let of = |t: &str| ap.iter().find(|r| r.year.0 == 2022 && r.area == area && r.setting_type == t);
        let Some(tuition) = of("One on one tuition").and_then(|r| r.placements.number()) else { continue };
        let cell = o.cell(Measure::ApUnregisteredShare, SchoolType::Total, 2022, &area);
        let Some(share) = cell.value else { continue };
        let known: f64 = ap
            .iter()
            .filter(|r| r.year.0 == 2022 && r.area == area && r.setting_type != "Total" && r.setting_type != "Unknown")
            .filter_map(|r| r.placements.number())
            .sum();
        let other = of("Other unregistered provider").and_then(|r| r.placements.number()).unwrap_or(0.0);
        assert!((share - other / known * 100.0).abs() < 1e-9, "{}: {share}", la.name);
        if tuition > 0.0 {
            assert!(share < (other + tuition) / known * 100.0);
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} LAs with tuition placements");
}

/// Issue 12: an after-exclusion measure is on the map by academic year, whatever year its
/// source writes (NCCIS's "2023" is the December 2022 to February 2023 average: 2022/23).
#[test]
fn after_exclusion_measures_use_academic_years() {
    use waymark_opendata::AfterMeasure;
    let obs = obs();
    let neet = Measure::After(AfterMeasure::NeetNotKnownPercent);
    assert_eq!(obs.years(neet), vec![2020, 2021, 2022, 2024]);
    assert_eq!(obs.cell(neet, SchoolType::Total, 2022, &Area::National).shown, "5.2");
    assert!(obs.source_for(neet, 2022).contains("nccis_UD_NEETNK_LA_dashboard_2023_final.csv, the source's 2023"));
    let pru = Measure::After(AfterMeasure::PruPersistentAbsencePercent);
    assert!(!obs.years(pru).contains(&2019), "no PRU absence figures for 2019/20");
    assert_eq!(obs.cell(pru, SchoolType::Total, 2022, &Area::National).shown, "81.2");
    // National-only measures are not map measures.
    assert!(!Measure::all().contains(&Measure::After(AfterMeasure::ApLeaversSustainedPercent)));
    let sustained = Measure::After(AfterMeasure::ApLeaversSustainedPercent);
    assert!(Measure::national_only().contains(&sustained));
    assert_eq!(obs.years(sustained).last(), Some(&2022));
    assert_eq!(obs.cell(sustained, SchoolType::Total, 2022, &Area::National).shown, "66.5");
    // Codes round-trip through URLs.
    for m in Measure::all() {
        assert_eq!(Measure::from_code(&m.code()), Some(m));
    }
}

/// The seed's headline facts, recomputed from the data with source and year.
#[test]
fn after_exclusion_headlines_are_computed() {
    let obs = obs();
    let h = obs.after_headlines();
    let find =
        |needle: &str| h.iter().find(|x| x.figure.contains(needle)).unwrap_or_else(|| panic!("{needle}: {h:#?}"));
    let gap = find("66.5% against 93.1%");
    assert_eq!(gap.year, "2022/23");
    assert_eq!(find("13,191 pupils").year, "2022/23");
    assert_eq!(find("40,904 more pupils").year, "2022/23");
    assert_eq!(find("34,739 enrolments").year, "2022/23");
    // Children in need against all pupils, 2020/21: 0.38% against LAIT's all-pupil rate.
    let all = obs.rate(Base::Perm, SchoolType::Total, 2020, &Area::National).value.unwrap();
    let ratio = find("times as likely");
    assert_eq!(ratio.year, "2020/21");
    assert_eq!(ratio.figure, format!("{} times as likely", waymark_opendata::national::decimal(0.38 / all, 1)));
    assert!(ratio.text.contains("510 children"), "{}", ratio.text);
    for x in &h {
        assert!(!x.source.is_empty() && !x.year.is_empty(), "{x:?}");
    }
    // What the data cannot give is quoted and says why.
    let quoted = waymark_opendata::national::QUOTED;
    assert!(quoted.iter().any(|q| q.figure == "830,000 days") && quoted.iter().any(|q| q.figure == "4%"));
    assert!(quoted.iter().all(|q| !q.why_not_computed.is_empty()));
}

/// Figures DfE does not publish by LA are listed as gaps, with England's figure.
#[test]
fn unpublished_la_figures_are_data_gaps() {
    let gaps = obs().unpublished_by_la();
    let destinations = gaps.iter().find(|g| g.what == "KS4 destinations of AP leavers").unwrap();
    assert!(destinations.why.contains("66.5%") && destinations.why.contains("93.1%"), "{}", destinations.why);
    assert!(gaps.iter().any(|g| g.what.starts_with("KS4 results")));
    assert!(gaps.iter().any(|g| g.what.contains("DfE-MoJ")));
}

/// The caveat on the setting-type measures: `spc_ap_setting.csv` is labelled school-arranged by its
/// source, but its LA totals are DfE's LA-funded placement counts for most LAs and almost never
/// the school-arranged counts. If a corrected file reverses this, the caveat must go.
#[test]
fn setting_type_placements_match_la_funded_counts_not_school_arranged() {
    use waymark_opendata::AfterMeasure;
    let o = obs();
    let (mut la_funded, mut school_arranged, mut compared) = (0, 0, 0);
    for la in o.data.las.active_in(2022) {
        let area = Area::La(la.number);
        let Some(total) = o.cell(Measure::ApPlacements, SchoolType::Total, 2022, &area).value else { continue };
        let of = |m| o.data.after.value(m, 2022, &area).and_then(|v| v.number());
        compared += 1;
        la_funded += usize::from(of(AfterMeasure::LaFundedApPlacements) == Some(total));
        school_arranged += usize::from(of(AfterMeasure::SchoolArrangedAp) == Some(total));
    }
    assert!(compared > 140, "{compared} LAs compared");
    assert!(la_funded * 4 > compared * 3, "{la_funded} of {compared} equal to LA-funded");
    assert!(school_arranged * 20 < compared, "{school_arranged} of {compared} equal to school-arranged");
    assert!(Measure::ApPlacements.info().definition.contains("most likely LA-funded"));
}
