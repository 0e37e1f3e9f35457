//! The data behind the public pages, loaded once from the open data embedded in the binary.

use std::sync::{Arc, OnceLock};
use waymark_opendata::boundaries::{BoundarySet, BoundaryVintage, Shape};
use waymark_opendata::national::Observatory;
use waymark_opendata::OpenData;

/// The national model and the LA boundaries of every vintage.
pub struct Explore {
    pub obs: Observatory,
    pub boundaries: Vec<BoundarySet>,
}

impl Explore {
    /// The shared copy, built on first use. If the embedded data will not load (a bug that the
    /// tests exist to catch) the public pages say so and the rest of the service keeps working.
    pub fn shared() -> Result<Arc<Explore>, String> {
        static SHARED: OnceLock<Result<Arc<Explore>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let data = OpenData::embedded().map_err(|e| format!("the embedded open data would not load: {e}"))?;
                let boundaries = BoundaryVintage::ALL.iter().map(|v| BoundarySet::embedded(*v)).collect();
                Ok(Arc::new(Explore { obs: Observatory::new(data), boundaries }))
            })
            .clone()
    }

    /// The outline to draw for an LA in a year, as SVG path data: from the boundaries in force
    /// that year; where those no longer have the LA as one shape (Northamptonshire in 2019/20 and
    /// 2020/21 is North plus West Northamptonshire in the December 2021 file), the union of the
    /// shapes that cover it; failing that, the LA's shape in another vintage, or its successors'.
    pub fn path_for(&self, la_number: u16, start_year: i32) -> Option<String> {
        let vintage = BoundaryVintage::for_year(start_year);
        let key = format!("{la_number:03}");
        let covering: Vec<&Shape> =
            self.boundaries.iter().find(|b| b.vintage == vintage).map(|b| b.shapes_covering(&key)).unwrap_or_default();
        if !covering.is_empty() {
            return Some(covering.iter().map(|s| s.path.as_str()).collect::<Vec<_>>().join(""));
        }
        if let Some(shape) = self.boundaries.iter().find_map(|b| b.shape(&key)) {
            return Some(shape.path.clone());
        }
        // An LA abolished before every boundary file (Bedfordshire and Cheshire, 2009) is drawn
        // as the union of its successors.
        let successors = &self.obs.data.las.by_number(la_number)?.successors;
        let parts: Vec<String> = successors.iter().filter_map(|n| self.path_for(*n, start_year)).collect();
        (!parts.is_empty()).then(|| parts.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_opendata::exclusions::SchoolType;
    use waymark_opendata::national::Measure;

    /// For every measure and every year it has: every LA in the data has a shape to draw, and
    /// every shape of the boundaries in force is drawn for an LA in the data (with a figure or an
    /// explicit "no data"), so nothing silently drops off the map.
    #[test]
    fn every_la_has_a_shape_and_every_shape_an_la() {
        let explore = Explore::shared().unwrap();
        let (mut maps, mut after_maps) = (0, 0);
        for measure in Measure::all() {
            for year in explore.obs.years(measure) {
                let rows = explore.obs.map_rows(measure, SchoolType::Total, year);
                assert!(rows.len() >= 150, "{} {year}: only {} LAs", measure.code(), rows.len());
                let drawn: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        assert!(!r.cell.shown.is_empty());
                        explore
                            .path_for(r.la.number, year)
                            .unwrap_or_else(|| panic!("{} has no shape in {year}", r.la.name))
                    })
                    .collect();
                let vintage = BoundaryVintage::for_year(year);
                let set = explore.boundaries.iter().find(|b| b.vintage == vintage).unwrap();
                for shape in &set.shapes {
                    assert!(
                        drawn.iter().any(|d| d.contains(&shape.path)),
                        "{} ({:?}) is not drawn in {year}",
                        shape.name,
                        vintage
                    );
                }
                maps += 1;
                if matches!(measure, Measure::After(_)) {
                    after_maps += 1;
                }
            }
        }
        assert!(maps > 100, "checked {maps} maps");
        // Issue 12: every after-exclusion measure on the map, for each of its years.
        let after_measures = Measure::all().into_iter().filter(|m| matches!(m, Measure::After(_))).count();
        assert!(after_measures >= 25, "{after_measures} after-exclusion map measures");
        assert!(after_maps >= 100, "checked {after_maps} after-exclusion maps");
    }
}
