//! From British National Grid metres to compact SVG path data, and back to bounding boxes.
//!
//! British National Grid is a planar projection, so the map only needs an affine transform: 1 SVG unit = 1 km,
//! y flipped (SVG y grows downwards). The origin is fixed, not fitted to the data, so all three vintages (and AP
//! settings placed by their easting/northing) share one coordinate system and can be overlaid or swapped.

use super::shapefile::Point;

/// Easting (m) at SVG x = 0: 5 km west of the Isles of Scilly (England's westernmost point, about 80,000 m).
const ORIGIN_EASTING: f64 = 75_000.0;
/// Northing (m) at SVG y = 0: about 7 km north of Berwick-upon-Tweed (England's northernmost, about 657,600 m).
const ORIGIN_NORTHING: f64 = 665_000.0;
/// Metres per SVG unit.
const METRES_PER_UNIT: f64 = 1_000.0;

/// The shared viewBox: England (eastings 82–656 km, northings 5–658 km) with a margin of at least 7 km.
pub const VIEWBOX: &str = "0 0 590 665";

/// Path coordinates are written in tenths of a unit (100 m), well below the 500 m generalisation of the sources.
const STEPS_PER_UNIT: f64 = 10.0;

/// SVG (x, y) of a British National Grid point.
pub fn project(easting: f64, northing: f64) -> (f64, f64) {
    ((easting - ORIGIN_EASTING) / METRES_PER_UNIT, (ORIGIN_NORTHING - northing) / METRES_PER_UNIT)
}

/// SVG path data for rings in BNG metres: `M` then relative `l` steps and `z` per ring, each subpath's `m` relative
/// to the previous start. Coordinates are snapped to the 0.1-unit grid *before* differencing, so relative steps
/// never accumulate rounding error. Rings that collapse to fewer than 3 distinct grid points are left out.
pub fn path_data(rings: &[Vec<Point>]) -> String {
    let mut out = PathWriter::default();
    let mut start: Option<(i64, i64)> = None;
    for ring in rings {
        let grid = grid_ring(ring);
        if grid.len() < 3 {
            continue;
        }
        match start {
            None => out.command('M', &[grid[0]]),
            Some(s) => out.command('m', &[(grid[0].0 - s.0, grid[0].1 - s.1)]),
        }
        let steps: Vec<(i64, i64)> = grid.windows(2).map(|w| (w[1].0 - w[0].0, w[1].1 - w[0].1)).collect();
        out.command('l', &steps);
        out.text.push('z');
        start = Some(grid[0]);
    }
    out.text
}

/// The ring's vertices on the 0.1-unit grid, without repeats and without the closing point (`z` closes).
fn grid_ring(ring: &[Point]) -> Vec<(i64, i64)> {
    let mut grid: Vec<(i64, i64)> = ring
        .iter()
        .map(|&(e, n)| {
            let (x, y) = project(e, n);
            ((x * STEPS_PER_UNIT).round() as i64, (y * STEPS_PER_UNIT).round() as i64)
        })
        .collect();
    grid.dedup();
    while grid.len() > 1 && grid.first() == grid.last() {
        grid.pop();
    }
    grid
}

/// Writes commands and numbers with the fewest separators SVG allows that every renderer reads alike.
#[derive(Default)]
struct PathWriter {
    text: String,
}

impl PathWriter {
    fn command(&mut self, letter: char, pairs: &[(i64, i64)]) {
        self.text.push(letter);
        let mut first = true;
        for &(x, y) in pairs {
            for value in [x, y] {
                let number = tenths(value);
                if !first && !number.starts_with('-') {
                    self.text.push(' ');
                }
                self.text.push_str(&number);
                first = false;
            }
        }
    }
}

/// A value in tenths as the shortest decimal: 12 -> "1.2", -3 -> "-.3", 40 -> "4".
fn tenths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let (whole, tenth) = (value.unsigned_abs() / 10, value.unsigned_abs() % 10);
    match (whole, tenth) {
        (w, 0) => format!("{sign}{w}"),
        (0, t) => format!("{sign}.{t}"),
        (w, t) => format!("{sign}{w}.{t}"),
    }
}

/// The bounding box (min x, min y, max x, max y) of path data written by [`path_data`] (commands `M`, `m`,
/// `L`, `l`, `z`), or `None` if it has no points or other commands.
pub fn bounds(path: &str) -> Option<(f64, f64, f64, f64)> {
    let mut points = Vec::new();
    let (mut current, mut start) = ((0.0, 0.0), (0.0, 0.0));
    let mut command = None;
    let mut numbers = Vec::new();
    for token in tokens(path) {
        match token {
            Token::Command('z' | 'Z') => current = start,
            Token::Command(c) => {
                command = Some(c);
                numbers.clear();
            }
            Token::Number(value) => {
                numbers.push(value);
                if numbers.len() == 2 {
                    let (x, y) = (numbers[0], numbers[1]);
                    numbers.clear();
                    let c = command?;
                    current = if c.is_ascii_lowercase() { (current.0 + x, current.1 + y) } else { (x, y) };
                    if c.eq_ignore_ascii_case(&'m') {
                        start = current;
                        command = Some(if c == 'm' { 'l' } else { 'L' });
                    } else if !c.eq_ignore_ascii_case(&'l') {
                        return None;
                    }
                    points.push(current);
                }
            }
        }
    }
    let fold = |f: fn(f64, f64) -> f64, pick: fn(&(f64, f64)) -> f64, init: f64| points.iter().map(pick).fold(init, f);
    (!points.is_empty()).then(|| {
        (
            fold(f64::min, |p| p.0, f64::INFINITY),
            fold(f64::min, |p| p.1, f64::INFINITY),
            fold(f64::max, |p| p.0, f64::NEG_INFINITY),
            fold(f64::max, |p| p.1, f64::NEG_INFINITY),
        )
    })
}

enum Token {
    Command(char),
    Number(f64),
}

/// Split path data into commands and numbers (a number ends at a separator, a command, or a new sign).
fn tokens(path: &str) -> impl Iterator<Item = Token> + '_ {
    let mut rest = path;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches([' ', ',', '\n', '\t']);
        let c = rest.chars().next()?;
        if c.is_ascii_alphabetic() {
            rest = &rest[1..];
            return Some(Token::Command(c));
        }
        let end = rest[1..].find(|ch: char| !(ch.is_ascii_digit() || ch == '.')).map_or(rest.len(), |i| i + 1);
        let (number, tail) = rest.split_at(end);
        rest = tail;
        Some(Token::Number(number.parse().unwrap_or(f64::NAN)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_short() {
        assert_eq!([tenths(12), tenths(-3), tenths(40), tenths(0), tenths(-105)], ["1.2", "-.3", "4", "0", "-10.5"]);
    }

    #[test]
    fn project_flips_y_and_scales_to_km() {
        assert_eq!(project(75_000.0, 665_000.0), (0.0, 0.0));
        assert_eq!(project(175_000.0, 565_000.0), (100.0, 100.0));
    }

    #[test]
    fn path_round_trips_to_bounds() {
        let square = |e: f64, n: f64| vec![(e, n), (e + 1000.0, n), (e + 1000.0, n + 500.0), (e, n + 500.0), (e, n)];
        let path = path_data(&[square(175_000.0, 565_000.0), square(185_000.0, 555_000.0)]);
        assert_eq!(path, "M100 100l1 0 0-.5-1 0zm10 10l1 0 0-.5-1 0z");
        assert_eq!(bounds(&path), Some((100.0, 99.5, 111.0, 110.0)));
    }
}
