//! The shipped LA boundaries: complete, small, reproducible from the raw files, and placed where the data says.

use std::path::{Path, PathBuf};

use waymark_opendata::boundaries::{
    build_all, project, shapefile, viewbox, BoundaryError, BoundarySet, BoundaryVintage, SUPERSEDED_ONS_CODES,
};

/// `../shared/data` from the repository root: `None` (skipped) on a machine without it, a failure
/// instead when `WAYMARK_REQUIRE_SHARED=1`.
fn raw_data() -> Option<PathBuf> {
    let boundaries = waymark_testkit::shared_path("data/la-boundaries-ctyua-buc")?;
    Some(boundaries.parent().expect("a folder inside data").to_path_buf())
}

/// A fresh scratch directory under the system temp dir, unique to this test and process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("waymark-boundaries-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_vintage_has_every_english_la_with_a_dfe_number() {
    for vintage in BoundaryVintage::ALL {
        let set = BoundarySet::embedded(vintage);
        assert_eq!(set.shapes.len(), vintage.la_count(), "{vintage:?}");
        for shape in &set.shapes {
            assert!(shape.ons_code.starts_with('E'), "{vintage:?} {}", shape.ons_code);
            assert!(shape.dfe_number.is_some(), "{vintage:?} {} {} has no DfE number", shape.ons_code, shape.name);
            assert!(shape.path.starts_with('M') && shape.path.ends_with('z'), "{vintage:?} {}", shape.name);
        }
        let mut numbers: Vec<u16> = set.shapes.iter().filter_map(|s| s.dfe_number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), set.shapes.len(), "{vintage:?}: DfE numbers must be unique");
    }
}

#[test]
fn city_of_london_and_scilly_are_separate_shapes() {
    for vintage in BoundaryVintage::ALL {
        let set = BoundarySet::embedded(vintage);
        assert_eq!(set.shape("201").map(|s| s.ons_code.as_str()), Some("E09000001"), "{vintage:?}");
        assert_eq!(set.shape("e06000053").and_then(|s| s.dfe_number), Some(420), "{vintage:?}");
        assert!(set.shape("204").is_some() && set.shape("908").is_some(), "{vintage:?}: Hackney and Cornwall");
    }
}

#[test]
fn reorganised_las_appear_in_the_right_vintages() {
    let has = |vintage, key: &str| BoundarySet::embedded(vintage).shape(key).is_some();
    use BoundaryVintage::*;
    assert!(has(Lad2016, "928") && !has(Dec2021, "928") && !has(May2023, "928"), "Northamptonshire");
    assert!(!has(Lad2016, "839") && has(Dec2021, "839") && has(May2023, "839"), "BCP");
    assert!(has(Dec2021, "909") && !has(May2023, "909") && has(May2023, "942") && has(May2023, "943"), "Cumbria");
    assert!(has(Dec2021, "E10000023") && has(May2023, "E06000065"), "North Yorkshire");
    let dec2021 = BoundarySet::embedded(Dec2021);
    let northants: Vec<u16> = dec2021.shapes_covering("928").iter().filter_map(|s| s.dfe_number).collect();
    assert_eq!(northants, [940, 941]);
}

#[test]
fn path_data_is_under_500_kb_per_vintage() {
    for vintage in BoundaryVintage::ALL {
        let bytes = BoundarySet::embedded(vintage).path_bytes();
        assert!(bytes < 500_000, "{vintage:?}: {bytes} bytes of path data");
    }
}

#[test]
fn every_shape_and_centroid_lies_in_the_viewbox() {
    let size: Vec<f64> = viewbox().split(' ').map(|v| v.parse().unwrap()).collect();
    for vintage in BoundaryVintage::ALL {
        for shape in BoundarySet::embedded(vintage).shapes {
            let (x0, y0, x1, y1) = shape.bounds().expect("path has points");
            assert!(
                x0 >= size[0] && y0 >= size[1] && x1 <= size[2] && y1 <= size[3],
                "{}: {x0} {y0} {x1} {y1}",
                shape.name
            );
            let (cx, cy) = shape.centroid;
            assert!(cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1, "{} centroid outside its box", shape.name);
        }
    }
}

#[test]
fn rebuilding_from_the_raw_files_reproduces_the_committed_files() {
    let Some(raw) = raw_data() else { return };
    let out = scratch("rebuild");
    let sizes = build_all(&raw, &out).unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/opendata/boundaries");
    for (vintage, bytes) in sizes {
        let built = std::fs::read_to_string(out.join(vintage.file_name())).unwrap();
        let shipped = std::fs::read_to_string(committed.join(vintage.file_name())).unwrap();
        assert!(built == shipped, "{vintage:?}: rebuilt file differs from the committed one; run the build and commit");
        assert_eq!(bytes, BoundarySet::embedded(vintage).path_bytes());
    }
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_truncated_shapefile_is_an_error_naming_the_file() {
    let Some(raw) = raw_data() else { return };
    let dir = scratch("truncated");
    let source = raw.join(BoundaryVintage::May2023.source_path());
    let shp = dir.join("cut.shp");
    let bytes = std::fs::read(&source).unwrap();
    std::fs::write(&shp, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::copy(source.with_extension("dbf"), dir.join("cut.dbf")).unwrap();
    let err = BoundarySet::from_shapefile(BoundaryVintage::May2023, &shp).unwrap_err();
    assert!(matches!(err, BoundaryError::Truncated { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("cut.shp") && message.contains("truncated"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_truncated_record_is_named_by_its_number() {
    let dir = scratch("record");
    let shp = dir.join("one.shp");
    let mut bytes = vec![0u8; 100];
    bytes[..4].copy_from_slice(&9994i32.to_be_bytes());
    bytes[24..28].copy_from_slice(&((100 + 8 + 44) / 2i32).to_be_bytes());
    bytes[28..32].copy_from_slice(&1000i32.to_le_bytes());
    bytes.extend_from_slice(&1i32.to_be_bytes());
    bytes.extend_from_slice(&(44 / 2i32).to_be_bytes());
    bytes.extend_from_slice(&5i32.to_le_bytes());
    bytes.extend_from_slice(&[0; 32]);
    bytes.extend_from_slice(&1i32.to_le_bytes()); // one part
    bytes.extend_from_slice(&4i32.to_le_bytes()); // four points, but none follow
    std::fs::write(&shp, &bytes).unwrap();
    let message = shapefile::read_polygons(&shp).unwrap_err().to_string();
    assert!(message.contains("one.shp, record 1") && message.contains("4 points"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn projected_ons_centroids_fall_inside_their_las() {
    let Some(raw) = raw_data() else { return };
    let features = shapefile::read_polygons(&raw.join(BoundaryVintage::May2023.source_path())).unwrap();
    let set = BoundarySet::embedded(BoundaryVintage::May2023);
    let mut checked = 0;
    for feature in features.iter().filter(|f| f.attributes["CTYUA23CD"].starts_with('E')) {
        let number = |field: &str| feature.attributes[field].parse::<f64>().unwrap();
        let (x, y) = project(number("BNG_E"), number("BNG_N"));
        let shape = set.shape(&feature.attributes["CTYUA23CD"]).unwrap();
        let (x0, y0, x1, y1) = shape.bounds().unwrap();
        assert!(x >= x0 && x <= x1 && y >= y0 && y <= y1, "{}: ({x}, {y}) outside {x0} {y0} {x1} {y1}", shape.name);
        checked += 1;
    }
    assert_eq!(checked, 153);
    let camden = set.shape("E09000007").unwrap().bounds().unwrap();
    let (x, y) = project(527_000.0, 184_000.0); // near Camden Town
    assert!(x > camden.0 && x < camden.2 && y > camden.1 && y < camden.3, "{camden:?} ({x}, {y})");
}

#[test]
fn superseded_codes_match_the_dfe_lookup() {
    let Some(raw) = raw_data() else { return };
    let lookup = std::fs::read_to_string(raw.join("la-code-lookups/dfe_las_lookup.csv")).unwrap();
    for (code, number, _) in SUPERSEDED_ONS_CODES {
        let row = lookup.lines().find(|l| l.starts_with(code)).unwrap_or_else(|| panic!("{code} not in lookup"));
        assert!(row.ends_with(&format!(",{number}")), "{row}");
    }
}

/// Not a check: rewrites the committed files from `../shared/data` (after changing the threshold or the format).
/// `cargo test -p waymark-opendata --test boundaries regenerate -- --ignored --nocapture`
#[test]
#[ignore]
fn regenerate_committed_files() {
    let Some(raw) = raw_data() else { return };
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/opendata/boundaries");
    for (vintage, bytes) in build_all(&raw, &committed).unwrap() {
        println!("{vintage:?}: {bytes} bytes of path data");
    }
}

/// Not a check: prints path sizes at several thresholds, to choose `THRESHOLD_M2`.
/// `cargo test -p waymark-opendata --test boundaries -- --ignored --nocapture`
#[test]
#[ignore]
fn tune_threshold() {
    let Some(raw) = raw_data() else { return };
    for threshold in [10_000.0, 50_000.0, 100_000.0, 250_000.0, 500_000.0, 1_000_000.0] {
        let sizes: Vec<String> = BoundaryVintage::ALL
            .iter()
            .map(|&v| {
                let set = BoundarySet::from_shapefile_with_threshold(v, &raw.join(v.source_path()), threshold).unwrap();
                format!("{v:?} {} bytes", set.path_bytes())
            })
            .collect();
        println!("{threshold} m²: {}", sizes.join(", "));
    }
}
