//! The typed after-exclusion data (issue 12): the embedded copy answers the README's check
//! figures through the query API, symbols stay symbols, and every LA figure is for an LA that
//! existed in the figure's year.

use waymark_opendata::after::{AfterMeasure, Period, MEASURES};
use waymark_opendata::{Area, OpenData, Value};

fn data() -> &'static OpenData {
    OpenData::shared().expect("the embedded copy parses")
}

#[test]
fn national_figures_match_the_readme() {
    let after = &data().after;
    let n = |m: AfterMeasure, y: i32| after.value(m, y, &Area::National).and_then(Value::number);
    assert_eq!(n(AfterMeasure::ApSchoolPupils, 2017), Some(16732.0));
    assert_eq!(n(AfterMeasure::ApSchoolPupils, 2022), Some(13191.0));
    assert_eq!(n(AfterMeasure::LaFundedApPlacements, 2017), Some(22848.0));
    assert_eq!(n(AfterMeasure::LaFundedApPlacements, 2022), Some(40904.0));
    assert_eq!(n(AfterMeasure::PruEnrolments, 2022), Some(34739.0));
    assert_eq!(n(AfterMeasure::ApLeavers, 2022), Some(7133.0));
    assert_eq!(n(AfterMeasure::ApLeaversSustainedPercent, 2022), Some(66.5));
    assert_eq!(n(AfterMeasure::ApLeaversNotSustainedPercent, 2022), Some(28.5));
    assert_eq!(n(AfterMeasure::StatePlaceApSustainedPercent, 2022), Some(57.3));
    assert_eq!(n(AfterMeasure::MainstreamSustainedPercent, 2022), Some(93.1));
    assert_eq!(n(AfterMeasure::CinPermanentExclusions, 2020), Some(510.0));
    assert_eq!(n(AfterMeasure::CinPermanentExclusionPercent, 2020), Some(0.38));
    assert_eq!(n(AfterMeasure::CinInPru, 2021), Some(1840.0));
    // Ofsted 2023: 58 outstanding + 219 good of 324 graded AP schools = 85.5%.
    assert_eq!(n(AfterMeasure::ApOfstedSchools, 2023), Some(324.0));
    assert_eq!(n(AfterMeasure::ApOfstedGoodPercent, 2023), Some(85.5));
    // PRU sessions missed as excluded 2022/23: 80,817 of 5,157,635 = 1.6%.
    assert_eq!(n(AfterMeasure::PruExcludedSessionsPercent, 2022), Some(1.6));
    assert_eq!(n(AfterMeasure::NeetNotKnownPercent, 2023), Some(5.2));
    assert_eq!(n(AfterMeasure::NeetNotKnownEhcpPercent, 2023), Some(10.1));
    // 10,886 of 13,191 pupils in AP schools had SEN in 2022/23.
    assert_eq!(n(AfterMeasure::ApSchoolSenPercent, 2022), Some(82.5));
}

#[test]
fn symbols_stay_typed_and_the_placeholder_region_is_gone() {
    let after = &data().after;
    let suppressed = after.rows().iter().filter(|r| r.value == Value::Suppressed).count();
    assert!(suppressed > 1000, "{suppressed} suppressed cells");
    assert!(after.rows().iter().all(|r| !matches!(r.value, Value::Number(x) if x.is_nan())));
    // NCCIS 2021 has a made-up "Region demo": no area of the data may be outside England's
    // nine regions, England and the LAs.
    for r in after.rows() {
        if let Area::Region(code) = &r.area {
            // E13 = Inner/Outer London, which the PRU absence file reports as well as London.
            assert!(code.starts_with("E12") || code.starts_with("E13"), "{code} in {}", r.measure.code());
        }
    }
    // No AP split of destinations by LA.
    assert!(after.rows().iter().filter(|r| r.measure.info().national_only).all(|r| r.area == Area::National));
}

#[test]
fn every_la_figure_is_for_an_la_of_its_year() {
    let data = data();
    for (info, years) in data.after.catalogue() {
        assert!(!years.is_empty(), "{} has no years", info.code);
        for &year in &years {
            let start = info.measure.boundary_year(year);
            let las = data.after.la_values(info.measure, year);
            if info.national_only {
                assert!(las.is_empty());
                continue;
            }
            assert!(las.len() > 100, "{} {year}: only {} LAs", info.code, las.len());
            for number in las.keys() {
                let la = data.las.by_number(*number).unwrap();
                assert!(la.active_in(start), "{} {year}: {} ({number}) did not exist in {start}", info.code, la.name);
            }
        }
    }
}

#[test]
fn measure_list_is_complete_and_codes_round_trip() {
    assert_eq!(AfterMeasure::all().count(), MEASURES.len());
    for m in AfterMeasure::all() {
        assert_eq!(AfterMeasure::from_code(m.code()), Some(m));
        assert!(!m.info().caveat.is_empty() && !m.info().source.is_empty());
    }
    assert_eq!(AfterMeasure::NeetNotKnownPercent.info().period, Period::CalendarSpring);
    assert_eq!(AfterMeasure::NeetNotKnownPercent.boundary_year(2023), 2022);
    assert_eq!(AfterMeasure::NeetNotKnownPercent.year_label(2023), "2023");
    assert_eq!(AfterMeasure::ApOfstedGoodPercent.boundary_year(2019), 2019);
    assert_eq!(AfterMeasure::PruAbsencePercent.year_label(2022), "2022/23");
    assert_eq!(AfterMeasure::NeetNotKnownPercent.source_for(2025), "nccis_UD_NEETNK_LA_dashboard_final.csv");
}
