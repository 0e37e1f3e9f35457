//! A small reader for polygon shapefiles (`.shp` geometry plus `.dbf` attributes).
//!
//! The formats are simple and fixed (ESRI Shapefile Technical Description, 1998; dBase III), and the boundary
//! files we read are a few megabytes, so a hand-written reader keeps the crate light instead of pulling in a GIS
//! stack. Only what the boundary files use is supported: polygon shapes (types 5, 15, 25; Z and M values are
//! ignored) and character/numeric attributes read as trimmed text.

use std::collections::BTreeMap;
use std::path::Path;

use super::BoundaryError;

/// A point as (easting, northing) in the file's planar coordinates (metres for British National Grid).
pub type Point = (f64, f64);

/// One record of a polygon shapefile: its attributes and its rings (each closed: first point = last point).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Attribute values by field name, trimmed.
    pub attributes: BTreeMap<String, String>,
    /// Outer rings and holes in file order; the shapefile convention is outer rings clockwise, holes anticlockwise.
    pub rings: Vec<Vec<Point>>,
}

impl Feature {
    /// The attribute `field`, or an error naming the file and the record (1-based, as GIS tools count).
    pub fn attribute(&self, field: &str, path: &Path, record: usize) -> Result<&str, BoundaryError> {
        self.attributes.get(field).map(String::as_str).ok_or_else(|| BoundaryError::Format {
            path: path.to_path_buf(),
            record: Some(record),
            message: format!("no attribute `{field}` (fields: {})", self.field_list()),
        })
    }

    fn field_list(&self) -> String {
        self.attributes.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    }
}

/// Read `shp_path` and the `.dbf` beside it, pairing geometry and attributes record by record.
pub fn read_polygons(shp_path: &Path) -> Result<Vec<Feature>, BoundaryError> {
    let dbf_path = shp_path.with_extension("dbf");
    let geometries = read_shp(shp_path, &read_file(shp_path)?)?;
    let records = read_dbf(&dbf_path, &read_file(&dbf_path)?)?;
    if geometries.len() != records.len() {
        return Err(format_error(
            shp_path,
            None,
            format!(
                "{} shapes but {} attribute records in {}; the .shp and .dbf must come from the same download",
                geometries.len(),
                records.len(),
                dbf_path.display()
            ),
        ));
    }
    Ok(records.into_iter().zip(geometries).map(|(attributes, rings)| Feature { attributes, rings }).collect())
}

fn read_file(path: &Path) -> Result<Vec<u8>, BoundaryError> {
    std::fs::read(path).map_err(|source| BoundaryError::Io { path: path.to_path_buf(), source })
}

fn format_error(path: &Path, record: Option<usize>, message: String) -> BoundaryError {
    BoundaryError::Format { path: path.to_path_buf(), record, message }
}

/// A cursor over a byte buffer whose reads fail with a "truncated" error naming the file and record.
struct Cursor<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
    record: Option<usize>,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], BoundaryError> {
        let end = self.pos.checked_add(len).filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(BoundaryError::Truncated {
                path: self.path.to_path_buf(),
                record: self.record,
                expected: format!("{len} bytes of {what} at byte {}, but the file has {}", self.pos, self.bytes.len()),
            });
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn i32_be(&mut self, what: &str) -> Result<i32, BoundaryError> {
        Ok(i32::from_be_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    fn i32_le(&mut self, what: &str) -> Result<i32, BoundaryError> {
        Ok(i32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    fn f64_le(&mut self, what: &str) -> Result<f64, BoundaryError> {
        Ok(f64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }

    /// A non-negative count, checked against what is left so a corrupt count cannot cause a huge allocation.
    fn count(&mut self, what: &str, item_bytes: usize) -> Result<usize, BoundaryError> {
        let value = self.i32_le(what)?;
        let left = self.bytes.len() - self.pos;
        match usize::try_from(value) {
            Ok(n) if n.saturating_mul(item_bytes) <= left => Ok(n),
            Ok(n) => Err(BoundaryError::Truncated {
                path: self.path.to_path_buf(),
                record: self.record,
                expected: format!("{n} {what} ({} bytes) but only {left} bytes remain", n * item_bytes),
            }),
            Err(_) => Err(format_error(self.path, self.record, format!("negative {what}: {value}"))),
        }
    }
}

const SHP_FILE_CODE: i32 = 9994;
const SHP_HEADER_BYTES: usize = 100;

/// Parse the `.shp` bytes into one list of rings per record (an empty list for a null shape).
fn read_shp(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<Vec<Point>>>, BoundaryError> {
    let mut cursor = Cursor { path, bytes, pos: 0, record: None };
    if cursor.i32_be("the file code")? != SHP_FILE_CODE {
        return Err(format_error(path, None, "not a shapefile (file code is not 9994); pass the .shp file".into()));
    }
    cursor.take(20, "the header")?;
    let declared = usize::try_from(cursor.i32_be("the file length")?).unwrap_or(0) * 2;
    if declared > bytes.len() {
        return Err(BoundaryError::Truncated {
            path: path.to_path_buf(),
            record: None,
            expected: format!("{declared} bytes as the header declares, but the file has {}", bytes.len()),
        });
    }
    cursor.take(SHP_HEADER_BYTES - 28, "the header")?;
    let mut shapes = Vec::new();
    while cursor.pos < declared {
        cursor.record = Some(shapes.len() + 1);
        shapes.push(read_shp_record(&mut cursor)?);
    }
    Ok(shapes)
}

/// One record: an 8-byte big-endian header (number, content length in 16-bit words) and the shape content.
fn read_shp_record(cursor: &mut Cursor) -> Result<Vec<Vec<Point>>, BoundaryError> {
    cursor.i32_be("the record number")?;
    let words = usize::try_from(cursor.i32_be("the record length")?).unwrap_or(0);
    let content = cursor.take(words * 2, "the record content")?;
    let mut inner = Cursor { path: cursor.path, bytes: content, pos: 0, record: cursor.record };
    match inner.i32_le("the shape type")? {
        0 => Ok(Vec::new()),
        5 | 15 | 25 => read_polygon(&mut inner),
        other => Err(format_error(
            cursor.path,
            cursor.record,
            format!("shape type {other} is not a polygon (expected 5, 15 or 25); boundary files must be polygons"),
        )),
    }
}

/// Polygon content: bounding box, part and point counts, part start indices, then the points.
fn read_polygon(cursor: &mut Cursor) -> Result<Vec<Vec<Point>>, BoundaryError> {
    cursor.take(32, "the bounding box")?;
    let parts = cursor.count("parts", 4)?;
    let points = cursor.count("points", 4)?;
    let mut starts = Vec::with_capacity(parts + 1);
    for _ in 0..parts {
        starts.push(cursor.count("part start", 0)?);
    }
    starts.push(points);
    let mut all = Vec::with_capacity(points);
    for _ in 0..points {
        all.push((cursor.f64_le("a point")?, cursor.f64_le("a point")?));
    }
    split_parts(cursor, &starts, all)
}

fn split_parts(cursor: &Cursor, starts: &[usize], all: Vec<Point>) -> Result<Vec<Vec<Point>>, BoundaryError> {
    let mut rings = Vec::with_capacity(starts.len().saturating_sub(1));
    for pair in starts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        if start > end || end > all.len() {
            let message = format!("part starts {starts:?} are not increasing within {} points", all.len());
            return Err(format_error(cursor.path, cursor.record, message));
        }
        rings.push(all[start..end].to_vec());
    }
    Ok(rings)
}

/// A dBase field descriptor: name and width in bytes.
struct Field {
    name: String,
    width: usize,
}

/// Parse the `.dbf` bytes into one attribute map per record, skipping records flagged as deleted.
fn read_dbf(path: &Path, bytes: &[u8]) -> Result<Vec<BTreeMap<String, String>>, BoundaryError> {
    let mut cursor = Cursor { path, bytes, pos: 0, record: None };
    let header = cursor.take(32, "the dBase header")?;
    let count = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes")) as usize;
    let header_len = u16::from_le_bytes(header[8..10].try_into().expect("2 bytes")) as usize;
    let record_len = u16::from_le_bytes(header[10..12].try_into().expect("2 bytes")) as usize;
    let fields = read_dbf_fields(&mut cursor, header_len)?;
    cursor.pos = header_len;
    let mut records = Vec::with_capacity(count);
    for index in 0..count {
        cursor.record = Some(index + 1);
        let raw = cursor.take(record_len, "an attribute record")?;
        if raw[0] != b'*' {
            records.push(read_dbf_record(path, index + 1, &fields, &raw[1..])?);
        }
    }
    Ok(records)
}

fn read_dbf_fields(cursor: &mut Cursor, header_len: usize) -> Result<Vec<Field>, BoundaryError> {
    let mut fields = Vec::new();
    while cursor.pos < header_len.saturating_sub(1) {
        let descriptor = cursor.take(32, "a field descriptor")?;
        if descriptor[0] == 0x0d {
            break;
        }
        let name = descriptor[..11].split(|&b| b == 0).next().unwrap_or_default();
        fields.push(Field { name: String::from_utf8_lossy(name).into_owned(), width: descriptor[16] as usize });
    }
    Ok(fields)
}

fn read_dbf_record(
    path: &Path,
    record: usize,
    fields: &[Field],
    mut raw: &[u8],
) -> Result<BTreeMap<String, String>, BoundaryError> {
    let mut values = BTreeMap::new();
    for field in fields {
        if raw.len() < field.width {
            let message = format!("field `{}` runs past the end of the record", field.name);
            return Err(format_error(path, Some(record), message));
        }
        let (value, rest) = raw.split_at(field.width);
        raw = rest;
        let text = std::str::from_utf8(value).map_err(|_| {
            format_error(path, Some(record), format!("field `{}` is not UTF-8 (the .cpg should say UTF-8)", field.name))
        })?;
        values.insert(field.name.clone(), text.trim_matches([' ', '\0']).to_string());
    }
    Ok(values)
}
