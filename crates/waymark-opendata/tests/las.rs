//! The dated LA lookup.

use waymark_opendata::{LaLookup, OpenData};

fn las() -> LaLookup {
    OpenData::embedded().unwrap().las
}

fn numbers(las: &LaLookup, year: i32) -> Vec<u16> {
    las.active_in(year).iter().map(|la| la.number).collect()
}

#[test]
fn dorset_and_bcp_from_2019_20() {
    let las = las();
    let (before, after) = (numbers(&las, 2018), numbers(&las, 2019));
    for n in [835, 836, 837] {
        assert!(before.contains(&n) && !after.contains(&n), "{n}");
    }
    for n in [838, 839] {
        assert!(!before.contains(&n) && after.contains(&n), "{n}");
    }
    assert_eq!(las.by_number(839).unwrap().predecessors, [835, 836, 837]);
    assert_eq!(las.by_number(835).unwrap().successors, [838, 839]);
}

#[test]
fn northamptonshire_and_cumbria_split() {
    let las = las();
    assert!(numbers(&las, 2020).contains(&928) && !numbers(&las, 2021).contains(&928));
    assert!(numbers(&las, 2021).contains(&940) && numbers(&las, 2021).contains(&941));
    assert!(numbers(&las, 2022).contains(&909) && !numbers(&las, 2023).contains(&909));
    assert!(numbers(&las, 2023).contains(&942) && numbers(&las, 2023).contains(&943));
    for year in 2016..=2024 {
        assert!(numbers(&las, year).len() >= 150, "{year}");
    }
}

#[test]
fn ons_codes_change_with_the_same_number() {
    let las = las();
    let north_yorks = las.by_number(815).unwrap();
    assert_eq!(north_yorks.ons_code_in(2022), "E10000023");
    assert_eq!(north_yorks.ons_code_in(2023), "E06000065");
    assert_eq!(las.by_number(933).unwrap().ons_code_in(2023), "E06000066");
    let bucks = las.by_number(825).unwrap();
    assert_eq!((bucks.ons_code_in(2019), bucks.ons_code_in(2020)), ("E10000002", "E06000060"));
    assert_eq!(las.by_ons_code("E10000002").unwrap().number, 825);
    assert_eq!(las.by_ons_code("e06000060").unwrap().number, 825);
}

#[test]
fn parse_by_number_code_or_name() {
    let las = las();
    assert_eq!(las.parse("202").unwrap().name, "Camden");
    assert_eq!(las.parse("E09000007").unwrap().number, 202);
    assert_eq!(las.parse("camden").unwrap().number, 202);
    assert_eq!(las.parse("Dorset").unwrap().number, 838, "the current Dorset");
    let err = las.parse("Atlantis").unwrap_err().to_string();
    assert!(err.contains("Atlantis") && err.contains("DfE 3-digit LA number"), "{err}");
}

#[test]
fn names_resolve_as_they_were_in_the_year() {
    let las = las();
    assert_eq!(las.resolve_name("Dorset", 2016), Some(835));
    assert_eq!(las.resolve_name("Dorset", 2020), Some(838));
    assert_eq!(las.resolve_name("Bournemouth (Pre LG)", 2016), Some(837));
    assert_eq!(las.resolve_name("Bristol City of", 2016), Some(801));
    assert_eq!(las.resolve_name("Bedfordshire (Pre LGR 2009)", 2008), Some(820));
    assert_eq!(las.resolve_name("Nowhere", 2016), None);
}

#[test]
fn regions_have_names() {
    let las = las();
    let camden = las.by_number(202).unwrap();
    assert_eq!((camden.region_code.as_str(), camden.region_name.as_str()), ("E12000007", "London"));
    let nine = waymark_opendata::las::REGIONS.iter().filter(|r| r.code.starts_with("E12")).count();
    assert_eq!(nine, 9);
}
