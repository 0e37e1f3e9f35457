//! Headline figures and coverage of the exclusion tables.

use waymark_domain::AcademicYear;
use waymark_opendata::{Area, LaitMeasure, OpenData, Reason, SchoolType, Value};

#[test]
fn england_2016_17_headlines() {
    let data = OpenData::embedded().unwrap();
    let england = data.exclusion(AcademicYear(2016), &Area::National, SchoolType::Total).unwrap();
    assert_eq!(england.perm, Value::Number(7720.0));
    assert_eq!(england.susp, Value::Number(381_865.0));
    assert_eq!(england.perm_rate.to_string(), "0.1");
    assert_eq!(data.years().len(), 11);
    assert_eq!(data.years()[0].to_string(), "2006/07");
}

#[test]
fn every_la_active_in_2016_17_has_a_total_row() {
    let data = OpenData::embedded().unwrap();
    let active = data.las.active_in(2016);
    assert_eq!(active.len(), 152);
    for la in active {
        let row = data.exclusion(AcademicYear(2016), &Area::La(la.number), SchoolType::Total);
        assert!(row.is_some(), "no 2016/17 Total row for {} {}", la.number, la.name);
    }
}

#[test]
fn every_year_has_the_las_of_that_year() {
    let data = OpenData::embedded().unwrap();
    for year in data.years() {
        let missing: Vec<u16> = data
            .las
            .active_in(year.0)
            .iter()
            .filter(|la| data.exclusion(year, &Area::La(la.number), SchoolType::Total).is_none())
            .map(|la| la.number)
            .collect();
        assert!(missing.is_empty(), "{year}: no Total row for LAs {missing:?}");
    }
}

#[test]
fn reasons_and_characteristics_are_loaded() {
    let data = OpenData::embedded().unwrap();
    let other = data
        .reasons
        .iter()
        .find(|r| {
            r.year == AcademicYear(2016)
                && r.area == Area::National
                && r.school_type == SchoolType::Total
                && r.reason == Reason::Other
        })
        .unwrap();
    assert_eq!(other.perm, Value::Number(1355.0));
    assert_eq!(other.susp, Value::Number(75195.0));
    let boys = data
        .characteristics
        .iter()
        .find(|r| {
            r.year == AcademicYear(2015) && r.school_type == SchoolType::Total && r.characteristic == "Gender_male"
        })
        .unwrap();
    assert_eq!(boys.headcount, Value::Number(4_034_250.0));
}

#[test]
fn lait_covers_15_measures_and_maps_its_area_codes() {
    let data = OpenData::embedded().unwrap();
    assert_eq!(data.lait.len(), 22_950);
    let england = data.lait(LaitMeasure::PermRate(SchoolType::Total), 2022, &Area::National).unwrap();
    assert_eq!(england.value, Value::Number(0.11121));
    assert_eq!(england.period, "2022/23");
    let inner = data.lait(LaitMeasure::PermRate(SchoolType::Total), 2016, &Area::Region("E13000001".into()));
    assert!(inner.is_some());
    // Year ending 31 March 2017 falls in 2016/17.
    let cin = data.lait(LaitMeasure::CinPerm, 2016, &Area::La(202)).unwrap();
    assert_eq!(cin.period, "2017");
    // BCP did not exist in 2016/17: LAIT says "-", which stays not-available, never zero.
    let bcp = data.lait(LaitMeasure::PermRate(SchoolType::Total), 2016, &Area::La(839)).unwrap();
    assert_eq!(bcp.value, Value::NotAvailable);
    for measure in LaitMeasure::ALL {
        assert_eq!(LaitMeasure::from_code(measure.code()), Some(measure));
        assert!(!measure.label().is_empty());
    }
}

#[test]
fn ap_tables_are_loaded() {
    let data = OpenData::embedded().unwrap();
    let year = AcademicYear(2022);
    assert_eq!(data.ap.census_total(year, &Area::National), Some(Value::Number(40_904.0)));
    let total = data.ap.settings.iter().find(|r| r.area == Area::National && r.setting_type == "Total").unwrap();
    assert!(total.placements.number().unwrap() > 0.0);
    assert!(data.ap.reasons.iter().any(|r| r.characteristic == "Suspension"));
    assert!(data.ap.characteristics.iter().any(|r| r.grouping == "SEN on entry"));
    // The AP census file runs from 2017/18.
    assert!(data.ap.census_total(AcademicYear(2017), &Area::National).is_some());
}
