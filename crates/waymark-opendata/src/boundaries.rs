//! Upper-tier (education) local authority boundaries of England, simplified for a server-rendered SVG map.
//!
//! Three vintages ship with the product, one compact CSV each in `data/opendata/boundaries/`, embedded in the
//! binary so the map works without the raw shapefiles. Each row is one LA: ONS code, DfE number, name, a label
//! point and SVG path data in a viewBox shared by all vintages (see [`viewbox`] and [`project`]).
//!
//! The files are rebuilt from the raw ONS and DfE shapefiles by [`build_all`] (`waymark opendata build --from
//! DIR`): read with a small hand-written shapefile reader, simplified with Visvalingam–Whyatt at one effective
//! area threshold ([`THRESHOLD_M2`]) while keeping shared borders shared, then projected with a fixed affine
//! transform (British National Grid is planar: scale, do not reproject). The build is deterministic, so a rebuild
//! reproduces the committed files byte for byte.

pub mod shapefile;
pub mod simplify;
mod svg;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use thiserror::Error;
use waymark_domain::LocalAuthority;

use shapefile::{Feature, Point};

/// Visvalingam–Whyatt threshold: a vertex whose triangle with its neighbours is smaller than this (m²) is removed.
///
/// 0.1 km² (a triangle about 450 m across). On a map of England 800 px wide one pixel is about 740 m, i.e.
/// 0.55 km², so everything removed is under a pixel, and a region drawn four times larger (London) still looks
/// right. The ONS files are already generalised to 500 m and barely change; the 2016 DfE file, drawn at 10–20 m
/// detail, goes from 115,346 points to about 20,000 (124 KB of path data) at this threshold, so it is built at
/// [`THRESHOLD_2016_M2`] instead (85 KB); Dec 2021 61 KB, May 2023 64 KB (at 0.01 km² the 2016 file would be 330 KB).
pub const THRESHOLD_M2: f64 = 100_000.0;

/// The 2016 DfE file's threshold: 0.25 km² (a triangle about 700 m across, under a pixel of a
/// map of England 800 px wide; see [`BoundaryVintage::threshold_m2`]).
pub const THRESHOLD_2016_M2: f64 = 250_000.0;

/// How many times the threshold a ring (island, hole) must cover to be kept, unless it is its LA's largest.
const SPECK_FACTOR: f64 = 4.0;

/// Rings smaller than this (0.4 km², a square about 630 m across: under a pixel at 800 px) are dropped unless
/// they are their LA's largest ring: specks that only add bytes. The LA itself is never dropped.
pub const MIN_RING_AREA_M2: f64 = SPECK_FACTOR * THRESHOLD_M2;

/// Everything that can go wrong reading or rebuilding boundary files; each says which file and what to do.
#[derive(Debug, Error)]
pub enum BoundaryError {
    #[error("cannot read {}: {source}; check the path (for `--from DIR`, DIR is the `data` folder that holds \
             `la-boundaries-ctyua-buc`)", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}{}: the file is truncated: expected {expected}; copy it again from its source", path.display(),
            at_record(*record))]
    Truncated { path: PathBuf, record: Option<usize>, expected: String },
    #[error("{}{}: {message}", path.display(), at_record(*record))]
    Format { path: PathBuf, record: Option<usize>, message: String },
    #[error("{file} line {line}: {message}; rebuild it with `waymark opendata build --from DIR`")]
    Csv { file: String, line: usize, message: String },
}

fn at_record(record: Option<usize>) -> String {
    record.map(|r| format!(", record {r}")).unwrap_or_default()
}

/// Which set of LA boundaries: the map must match the LAs the figures were published for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoundaryVintage {
    /// DfE's England LA boundaries of 2016 (152 LAs), as used in its 2006/07–2016/17 exclusion statistics.
    Lad2016,
    /// ONS Counties and Unitary Authorities, December 2021 (152 in England): after BCP and Dorset (2019),
    /// Buckinghamshire (2020) and North and West Northamptonshire (2021).
    Dec2021,
    /// ONS Counties and Unitary Authorities, May 2023 (153 in England): after Cumberland, Westmorland and Furness,
    /// North Yorkshire and Somerset became unitary (April 2023).
    May2023,
}

impl BoundaryVintage {
    /// All vintages, oldest first.
    pub const ALL: [BoundaryVintage; 3] =
        [BoundaryVintage::Lad2016, BoundaryVintage::Dec2021, BoundaryVintage::May2023];

    /// The vintage in force for an academic year starting in `start_year` (2016 for 2016/17).
    ///
    /// Rule: the boundaries in force on the year's January census day, since DfE publishes school figures by the
    /// LAs that existed then. Reorganisations take effect on 1 April, so:
    /// - up to 2018/19 → [`Lad2016`](Self::Lad2016) (BCP and Dorset began 1 April 2019, after the January 2019 census);
    /// - 2019/20 to 2022/23 → [`Dec2021`](Self::Dec2021) (Buckinghamshire's 2020 change kept its area and DfE number
    ///   825; the 2023 unitaries began 1 April 2023, after the January 2023 census);
    /// - 2023/24 on → [`May2023`](Self::May2023).
    ///
    /// One gap no vintage fills: Northamptonshire (928) existed until 1 April 2021, so 2019/20 and 2020/21 figures
    /// are for it while `Dec2021` has North (940) and West (941) Northamptonshire instead. Their union is exactly the
    /// old county: draw it with [`BoundarySet::shapes_covering`], never drop it.
    pub fn for_year(start_year: i32) -> BoundaryVintage {
        match start_year {
            ..=2018 => BoundaryVintage::Lad2016,
            2019..=2022 => BoundaryVintage::Dec2021,
            _ => BoundaryVintage::May2023,
        }
    }

    /// The simplification threshold (m²) its committed file is built at. The ONS files are
    /// generalised to 500 m at source and take [`THRESHOLD_M2`]; the 2016 DfE file is drawn at
    /// 10-20 m detail, and at that threshold kept twice the path data of the others (124 KB
    /// against 61-64 KB), every byte of it sent with each map page of 2006/07 to 2018/19. At
    /// [`THRESHOLD_2016_M2`] it comes to about the ONS files' level of detail.
    pub fn threshold_m2(self) -> f64 {
        match self {
            BoundaryVintage::Lad2016 => THRESHOLD_2016_M2,
            BoundaryVintage::Dec2021 | BoundaryVintage::May2023 => THRESHOLD_M2,
        }
    }

    /// A short human label, e.g. for a map caption.
    pub fn label(self) -> &'static str {
        match self {
            BoundaryVintage::Lad2016 => "LA boundaries 2016",
            BoundaryVintage::Dec2021 => "LA boundaries December 2021",
            BoundaryVintage::May2023 => "LA boundaries May 2023",
        }
    }

    /// The number of English upper-tier LAs in this vintage (City of London and Isles of Scilly counted apart).
    pub fn la_count(self) -> usize {
        match self {
            BoundaryVintage::Lad2016 | BoundaryVintage::Dec2021 => 152,
            BoundaryVintage::May2023 => 153,
        }
    }

    /// The committed file's name in `data/opendata/boundaries/`.
    pub fn file_name(self) -> &'static str {
        match self {
            BoundaryVintage::Lad2016 => "2016.csv",
            BoundaryVintage::Dec2021 => "2021.csv",
            BoundaryVintage::May2023 => "2023.csv",
        }
    }

    /// The raw shapefile, relative to the `data` folder of `../shared`.
    pub fn source_path(self) -> &'static str {
        match self {
            BoundaryVintage::Lad2016 => "dfe-exclusion-statistics-2006-2017/la-boundaries-2016/England_LA_2016.shp",
            BoundaryVintage::Dec2021 => "la-boundaries-ctyua-buc/CTYUA_DEC_2021_UK_BUC.shp",
            BoundaryVintage::May2023 => "la-boundaries-ctyua-buc/CTYUA_MAY_2023_UK_BUC.shp",
        }
    }

    /// Attribute names of the ONS code and the LA name in the raw file.
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            BoundaryVintage::Lad2016 => ("LA15CD", "LA15NM"),
            BoundaryVintage::Dec2021 => ("CTYUA21CD", "CTYUA21NM"),
            BoundaryVintage::May2023 => ("CTYUA23CD", "CTYUA23NM"),
        }
    }

    fn embedded_csv(self) -> &'static str {
        match self {
            BoundaryVintage::Lad2016 => include_str!("../../../data/opendata/boundaries/2016.csv"),
            BoundaryVintage::Dec2021 => include_str!("../../../data/opendata/boundaries/2021.csv"),
            BoundaryVintage::May2023 => include_str!("../../../data/opendata/boundaries/2023.csv"),
        }
    }
}

/// ONS codes that were replaced by a new code for the same area and DfE number, which the GIAS table in
/// `waymark-domain` lists only under the new code. From `dfe_las_lookup.csv` (dfeR), terminated rows.
pub const SUPERSEDED_ONS_CODES: [(&str, u16, &str); 3] = [
    ("E10000002", 825, "Buckinghamshire county council until 1 April 2020, then E06000060"),
    ("E10000023", 815, "North Yorkshire county council until 1 April 2023, then E06000065"),
    ("E10000027", 933, "Somerset county council until 1 April 2023, then E06000066"),
];

/// Abolished LAs whose area is exactly the union of their successors, for drawing old figures on a newer map.
pub const SUCCESSORS: [(u16, &[u16]); 2] = [
    (928, &[940, 941]), // Northamptonshire -> North, West Northamptonshire (1 April 2021)
    (909, &[942, 943]), // Cumbria -> Cumberland, Westmorland and Furness (1 April 2023)
];

/// The DfE LA number for an ONS code, from the GIAS table or, for a superseded code, [`SUPERSEDED_ONS_CODES`].
pub fn dfe_number_for(ons_code: &str) -> Option<u16> {
    LocalAuthority::by_ons_code(ons_code).map(|la| la.number).or_else(|| {
        SUPERSEDED_ONS_CODES.iter().find(|(code, _, _)| code.eq_ignore_ascii_case(ons_code)).map(|&(_, n, _)| n)
    })
}

/// One LA on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// ONS code, e.g. `E09000007`.
    pub ons_code: String,
    /// DfE 3-digit LA number, e.g. 202; `None` only if neither the source nor the lookups know it.
    pub dfe_number: Option<u16>,
    /// The name as the boundary file spells it, e.g. `Bristol, City of`.
    pub name: String,
    /// Label point in SVG coordinates: the area-weighted centroid (it may fall outside a crescent-shaped LA).
    pub centroid: (f64, f64),
    /// SVG path data in the shared viewBox: `M`, relative `l`/`m`, `z`; holes are wound opposite to outer rings.
    pub path: String,
}

impl Shape {
    /// The bounding box (min x, min y, max x, max y) of the path in SVG coordinates, e.g. to zoom to an LA.
    pub fn bounds(&self) -> Option<(f64, f64, f64, f64)> {
        svg::bounds(&self.path)
    }
}

/// All LAs of one vintage, sorted by ONS code.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundarySet {
    pub vintage: BoundaryVintage,
    pub shapes: Vec<Shape>,
}

const CSV_HEADER: &str = "ons_code,dfe_number,name,centroid_x,centroid_y,path";

impl BoundarySet {
    /// From the committed files, embedded in the binary with `include_str!` (so the product works without
    /// `../shared`). The files are checked by the tests, so a parse failure here is a build defect.
    pub fn embedded(vintage: BoundaryVintage) -> BoundarySet {
        BoundarySet::from_csv(vintage, vintage.embedded_csv())
            .unwrap_or_else(|e| panic!("embedded boundary file is corrupt: {e}"))
    }

    /// Rebuild from a raw shapefile (used by `waymark opendata build --from DIR`), at the vintage's
    /// threshold ([`BoundaryVintage::threshold_m2`]).
    pub fn from_shapefile(vintage: BoundaryVintage, shp_path: &Path) -> Result<BoundarySet, BoundaryError> {
        BoundarySet::from_shapefile_with_threshold(vintage, shp_path, vintage.threshold_m2())
    }

    /// As [`from_shapefile`](Self::from_shapefile) at another threshold (m²), for tuning; rings under 4 × the
    /// threshold are dropped. The committed files use [`BoundaryVintage::threshold_m2`].
    pub fn from_shapefile_with_threshold(
        vintage: BoundaryVintage,
        shp_path: &Path,
        threshold_m2: f64,
    ) -> Result<BoundarySet, BoundaryError> {
        let features = shapefile::read_polygons(shp_path)?;
        let mut heads = Vec::new();
        let mut rings = Vec::new();
        for (index, feature) in features.iter().enumerate() {
            if let Some(head) = ShapeHead::read(vintage, feature, shp_path, index + 1)? {
                heads.push(head);
                rings.push(drop_specks(&feature.rings, SPECK_FACTOR * threshold_m2));
            }
        }
        let simplified = simplify::simplify_features(&rings, threshold_m2);
        let mut shapes: Vec<Shape> = heads
            .into_iter()
            .zip(&rings)
            .zip(&simplified)
            .map(|((head, raw), simple)| head.shape(raw, simple))
            .collect();
        shapes.sort_by(|a, b| a.ons_code.cmp(&b.ons_code));
        Ok(BoundarySet { vintage, shapes })
    }

    /// Parse the committed format (see [`to_csv`](Self::to_csv)).
    pub fn from_csv(vintage: BoundaryVintage, text: &str) -> Result<BoundarySet, BoundaryError> {
        let file = vintage.file_name();
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header == CSV_HEADER => {}
            _ => return Err(csv_error(file, 1, format!("the header must be `{CSV_HEADER}`"))),
        }
        let shapes = lines
            .filter(|(_, line)| !line.is_empty())
            .map(|(i, line)| parse_row(line).map_err(|message| csv_error(file, i + 1, message)))
            .collect::<Result<_, _>>()?;
        Ok(BoundarySet { vintage, shapes })
    }

    /// The committed format: a header, then one row per LA; the name is quoted when it has a comma or quote.
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for s in &self.shapes {
            let number = s.dfe_number.map(|n| n.to_string()).unwrap_or_default();
            let (x, y) = s.centroid;
            let _ = writeln!(out, "{},{number},{},{x:.1},{y:.1},{}", s.ons_code, quote(&s.name), s.path);
        }
        out
    }

    /// The LA with this ONS code (any case) or DfE number (`"202"`), if it is in this vintage.
    pub fn shape(&self, ons_code_or_dfe_number: &str) -> Option<&Shape> {
        let key = ons_code_or_dfe_number.trim();
        match key.parse::<u16>() {
            Ok(number) => self.shapes.iter().find(|s| s.dfe_number == Some(number)),
            Err(_) => self.shapes.iter().find(|s| s.ons_code.eq_ignore_ascii_case(key)),
        }
    }

    /// The shapes that draw an LA: its own, or for an abolished LA absent from this vintage the successors
    /// that together cover exactly its area ([`SUCCESSORS`]); empty if neither is here.
    pub fn shapes_covering(&self, ons_code_or_dfe_number: &str) -> Vec<&Shape> {
        if let Some(shape) = self.shape(ons_code_or_dfe_number) {
            return vec![shape];
        }
        let number =
            ons_code_or_dfe_number.trim().parse::<u16>().ok().or_else(|| dfe_number_for(ons_code_or_dfe_number));
        let successors = SUCCESSORS.iter().find(|(old, _)| Some(*old) == number).map_or(&[][..], |(_, new)| new);
        successors.iter().filter_map(|n| self.shape(&n.to_string())).collect()
    }

    /// Total bytes of SVG path data, the figure kept under 500 KB per vintage.
    pub fn path_bytes(&self) -> usize {
        self.shapes.iter().map(|s| s.path.len()).sum()
    }
}

/// The identifying attributes of one English LA read from a raw feature.
struct ShapeHead {
    ons_code: String,
    dfe_number: Option<u16>,
    name: String,
}

impl ShapeHead {
    /// `None` for features outside England (ONS codes not starting with `E`).
    fn read(
        vintage: BoundaryVintage,
        feature: &Feature,
        path: &Path,
        record: usize,
    ) -> Result<Option<ShapeHead>, BoundaryError> {
        let (code_field, name_field) = vintage.fields();
        let ons_code = feature.attribute(code_field, path, record)?.to_string();
        if !ons_code.starts_with('E') {
            return Ok(None);
        }
        let name = feature.attribute(name_field, path, record)?.to_string();
        // The 2016 file carries DfE's own number (as "805.000000"); the ONS files need the lookup.
        let from_file = feature.attributes.get("LA_Code").and_then(|v| v.parse::<f64>().ok()).map(|v| v as u16);
        let dfe_number = from_file.filter(|&n| n > 0).or_else(|| dfe_number_for(&ons_code));
        Ok(Some(ShapeHead { ons_code, dfe_number, name }))
    }

    fn shape(self, raw: &[Vec<Point>], simplified: &[Vec<Point>]) -> Shape {
        let (e, n) = centroid(raw);
        let (x, y) = svg::project(e, n);
        let round = |v: f64| (v * 10.0).round() / 10.0;
        Shape {
            ons_code: self.ons_code,
            dfe_number: self.dfe_number,
            name: self.name,
            centroid: (round(x), round(y)),
            path: svg::path_data(simplified),
        }
    }
}

/// Shoelace signed area (m²); shapefile outer rings are clockwise, so negative, and holes positive.
fn signed_area(ring: &[Point]) -> f64 {
    ring.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum::<f64>() / 2.0
}

/// Drop rings under `min_area` m² except the largest, so every LA keeps its main shape (City of London, the
/// largest of the Isles of Scilly) however small.
fn drop_specks(rings: &[Vec<Point>], min_area: f64) -> Vec<Vec<Point>> {
    let largest = rings.iter().map(|r| signed_area(r).abs()).fold(0.0, f64::max);
    rings.iter().filter(|r| signed_area(r).abs() >= min_area.min(largest)).cloned().collect()
}

/// Area-weighted centroid of all rings (holes subtract by their opposite winding), in BNG metres.
fn centroid(rings: &[Vec<Point>]) -> Point {
    let (mut area, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for ring in rings {
        // Relative to the ring's first point, so squares of 6-digit eastings do not lose precision.
        let (ox, oy) = ring.first().copied().unwrap_or_default();
        for w in ring.windows(2) {
            let (x0, y0, x1, y1) = (w[0].0 - ox, w[0].1 - oy, w[1].0 - ox, w[1].1 - oy);
            let cross = x0 * y1 - x1 * y0;
            area += cross / 2.0;
            cx += (x0 + x1 + 3.0 * ox) * cross / 6.0;
            cy += (y0 + y1 + 3.0 * oy) * cross / 6.0;
        }
    }
    if area == 0.0 {
        return rings.first().and_then(|r| r.first()).copied().unwrap_or_default();
    }
    (cx / area, cy / area)
}

fn csv_error(file: &str, line: usize, message: String) -> BoundaryError {
    BoundaryError::Csv { file: file.to_string(), line, message }
}

fn quote(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One data row: six fields, the name possibly quoted (the only field that can hold a comma).
fn parse_row(line: &str) -> Result<Shape, String> {
    let fields = split_row(line)?;
    let [ons_code, number, name, x, y, path] =
        <[String; 6]>::try_from(fields).map_err(|f| format!("expected 6 fields ({CSV_HEADER}), found {}", f.len()))?;
    let number = match number.as_str() {
        "" => None,
        n => Some(n.parse::<u16>().map_err(|_| format!("dfe_number `{n}` is not a number"))?),
    };
    let coordinate = |v: &str| v.parse::<f64>().map_err(|_| format!("centroid `{v}` is not a number"));
    Ok(Shape { ons_code, dfe_number: number, name, centroid: (coordinate(&x)?, coordinate(&y)?), path })
}

fn split_row(line: &str) -> Result<Vec<String>, String> {
    let mut fields = vec![String::new()];
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("one field");
        match (c, quoted) {
            ('"', false) if field.is_empty() => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => field.push(chars.next().expect("peeked")),
            ('"', true) => quoted = false,
            (',', false) => fields.push(String::new()),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    Ok(fields)
}

/// The SVG viewBox shared by every vintage: 1 unit = 1 km, origin at 75 km E, 665 km N, y downwards.
pub fn viewbox() -> &'static str {
    svg::VIEWBOX
}

/// SVG (x, y) of a British National Grid easting and northing in metres, in the [`viewbox`] coordinates: use it
/// to place AP settings (GIAS gives Easting/Northing) on the map.
pub fn project(easting: f64, northing: f64) -> (f64, f64) {
    svg::project(easting, northing)
}

pub use svg::VIEWBOX;

/// Rebuild all three committed files from the raw folder layout of `../shared/data` (`raw_data_dir` is that
/// `data` folder), writing `out_dir/2016.csv` etc. Returns each vintage's bytes of path data.
pub fn build_all(raw_data_dir: &Path, out_dir: &Path) -> Result<Vec<(BoundaryVintage, usize)>, BoundaryError> {
    std::fs::create_dir_all(out_dir).map_err(|source| BoundaryError::Io { path: out_dir.to_path_buf(), source })?;
    let mut sizes = Vec::new();
    for vintage in BoundaryVintage::ALL {
        let set = BoundarySet::from_shapefile(vintage, &raw_data_dir.join(vintage.source_path()))?;
        let out = out_dir.join(vintage.file_name());
        std::fs::write(&out, set.to_csv()).map_err(|source| BoundaryError::Io { path: out, source })?;
        sizes.push((vintage, set.path_bytes()));
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vintage_rule_follows_january_census_days() {
        let years =
            [(2006, BoundaryVintage::Lad2016), (2018, BoundaryVintage::Lad2016), (2019, BoundaryVintage::Dec2021)];
        let more =
            [(2022, BoundaryVintage::Dec2021), (2023, BoundaryVintage::May2023), (2030, BoundaryVintage::May2023)];
        for (year, vintage) in years.into_iter().chain(more) {
            assert_eq!(BoundaryVintage::for_year(year), vintage, "{year}");
        }
    }

    #[test]
    fn csv_rows_round_trip_with_quoted_names() {
        let shape = Shape {
            ons_code: "E06000023".into(),
            dfe_number: Some(801),
            name: "Bristol, City of".into(),
            centroid: (283.5, 490.0),
            path: "M10 10l1 0 0-.5-1 0z".into(),
        };
        let set = BoundarySet { vintage: BoundaryVintage::May2023, shapes: vec![shape] };
        let text = set.to_csv();
        assert!(text.contains("E06000023,801,\"Bristol, City of\",283.5,490.0,M10 10l1 0 0-.5-1 0z\n"), "{text}");
        assert_eq!(BoundarySet::from_csv(BoundaryVintage::May2023, &text).unwrap(), set);
    }

    #[test]
    fn bad_csv_names_the_file_and_line() {
        let err = BoundarySet::from_csv(BoundaryVintage::Dec2021, &format!("{CSV_HEADER}\nE1,x,n,1,2,M0 0z\n"));
        let message = err.unwrap_err().to_string();
        assert!(message.contains("2021.csv line 2") && message.contains("dfe_number"), "{message}");
    }

    #[test]
    fn centroid_of_a_square_with_a_hole_is_its_centre() {
        let square = |a: f64, b: f64| vec![(a, a), (a, b), (b, b), (b, a), (a, a)]; // clockwise
        let mut hole = square(400_010.0, 400_020.0);
        hole.reverse();
        let (x, y) = centroid(&[square(400_000.0, 400_100.0), hole]);
        // (100² × 50 − 10² × 15) / (100² − 10²) = 50.35...
        assert!((x - 400_050.354).abs() < 0.01 && (y - 400_050.354).abs() < 0.01, "{x} {y}");
    }

    #[test]
    fn superseded_codes_and_city_and_scilly_have_numbers() {
        for (code, number) in [("E10000002", 825), ("E09000001", 201), ("E06000053", 420), ("E10000006", 909)] {
            assert_eq!(dfe_number_for(code), Some(number), "{code}");
        }
    }
}
