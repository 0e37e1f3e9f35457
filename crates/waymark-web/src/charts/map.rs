//! The choropleth map of local authorities.

use super::esc;
use super::scale::Scale;

/// One area to draw.
pub struct MapArea<'a> {
    pub name: &'a str,
    /// SVG path data in the map's viewBox.
    pub path: &'a str,
    /// Where the area links (its profile).
    pub href: String,
    pub value: Option<f64>,
    /// The value as people should read it, or why there is none ("No data", "Suppressed").
    pub shown: String,
    /// Drawn again, enlarged, in the inset (London's boroughs are too small to see or click
    /// at England's scale).
    pub inset: bool,
}

/// Where the inset sits in the map's viewBox (the North Sea, top right, clear of the coast):
/// x, y, width, height.
const INSET_FRAME: (f64, f64, f64, f64) = (405.0, 4.0, 182.0, 160.0);
/// Room inside the frame for its label.
const INSET_LABEL_HEIGHT: f64 = 16.0;

/// A point to draw on top (e.g. an AP setting).
pub struct MapPoint {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

/// An SVG choropleth: each area a keyboard-reachable link with a `<title>`; a legend with the
/// classes and "no data" (hatched, so it is not mistaken for a low value).
pub fn choropleth(
    viewbox: &str,
    title: &str,
    description: &str,
    areas: &[MapArea],
    scale: &Scale,
    points: &[MapPoint],
) -> String {
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{vb}\" class=\"wm-map\" role=\"group\" aria-labelledby=\"map-title map-desc\">\
         <title id=\"map-title\">{t}</title><desc id=\"map-desc\">{d}</desc>\
         <defs><pattern id=\"no-data\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6f777b\" stroke-width=\"2\"/></pattern></defs>\
         <g stroke=\"#ffffff\" stroke-width=\"0.6\">",
        vb = esc(viewbox),
        t = esc(title),
        d = esc(description)
    );
    // The stroke is set once on the group (each path inherits it); an area drawn again in the
    // inset gets an id there to `<use>` rather than a second copy of its path data.
    for (i, area) in areas.iter().enumerate() {
        let fill =
            if area.value.is_some() { scale.colour(area.value).to_string() } else { "url(#no-data)".to_string() };
        let id = if area.inset { format!(" id=\"{}\"", area_id(i)) } else { String::new() };
        svg.push_str(&format!(
            "<a href=\"{href}\" aria-label=\"{name}: {shown}\"><path{id} d=\"{path}\" fill=\"{fill}\"><title>{name}: {shown}</title></path></a>",
            href = esc(&area.href),
            name = esc(area.name),
            shown = esc(&area.shown),
            path = area.path,
        ));
    }
    svg.push_str("</g>");
    svg.push_str(&inset(areas));
    for p in points {
        svg.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"#d4351c\" stroke=\"#ffffff\" stroke-width=\"0.6\"><title>{}</title></circle>",
            p.x,
            p.y,
            esc(&p.label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The inset areas again, scaled to fill a framed box: each a link, like the main map's.
fn inset(areas: &[MapArea]) -> String {
    let chosen: Vec<(usize, &MapArea)> = areas.iter().enumerate().filter(|(_, a)| a.inset).collect();
    let Some((x0, y0, x1, y1)) = chosen
        .iter()
        .filter_map(|(_, a)| path_bounds(a.path))
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return String::new();
    };
    let (fx, fy, fw, fh) = INSET_FRAME;
    let (pad, top) = (6.0, INSET_LABEL_HEIGHT);
    let k = ((fw - 2.0 * pad) / (x1 - x0)).min((fh - top - 2.0 * pad) / (y1 - y0));
    let (ox, oy) = (fx + (fw - k * (x1 - x0)) / 2.0, fy + top + pad);
    let mut svg = format!(
        r##"<g class="wm-map-inset" role="group" aria-label="London, enlarged"><rect x="{fx}" y="{fy}" width="{fw}" height="{fh}" fill="#ffffff" stroke="#0b0c0c" stroke-width="0.8"/><text x="{tx}" y="{ty}" font-size="11" fill="#0b0c0c">London (enlarged)</text><g transform="translate({ox:.2} {oy:.2}) scale({k:.3}) translate({nx:.2} {ny:.2})" stroke="#ffffff" stroke-width="{w:.2}">"##,
        tx = fx + 5.0,
        ty = fy + 12.0,
        nx = -x0,
        ny = -y0,
        w = 0.6 / k * 2.0,
    );
    // Each area is the main map's own path (with its fill), used again at this scale: the
    // stroke comes from this group, so borders stay thin when enlarged.
    for (i, area) in chosen {
        svg.push_str(&format!(
            "<a href=\"{href}\" aria-label=\"{name}: {shown}\"><use href=\"#{id}\"><title>{name}: {shown}</title></use></a>",
            href = esc(&area.href),
            name = esc(area.name),
            shown = esc(&area.shown),
            id = area_id(i),
        ));
    }
    svg.push_str("</g></g>");
    svg
}

/// The id of area `i`'s path, for the inset to use.
fn area_id(i: usize) -> String {
    format!("map-area-{i}")
}

/// The bounding box (min x, min y, max x, max y) of SVG path data written with M/m, L/l and
/// z commands (as the boundary files are), or None if it holds no point.
pub fn path_bounds(path: &str) -> Option<(f64, f64, f64, f64)> {
    let (mut x, mut y, mut start) = (0.0, 0.0, (0.0, 0.0));
    let mut command = 'M';
    let mut pending: Vec<f64> = Vec::new();
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    for token in path_tokens(path) {
        match token {
            Token::Command(c) => {
                command = c;
                if c == 'z' || c == 'Z' {
                    (x, y) = start;
                }
            }
            Token::Number(n) => {
                pending.push(n);
                if pending.len() < 2 {
                    continue;
                }
                let (dx, dy) = (pending[0], pending[1]);
                pending.clear();
                match command {
                    'M' | 'L' => (x, y) = (dx, dy),
                    'm' | 'l' => (x, y) = (x + dx, y + dy),
                    _ => continue,
                }
                if command == 'M' || command == 'm' {
                    start = (x, y);
                    // Pairs after a moveto are linetos of the same kind.
                    command = if command == 'M' { 'L' } else { 'l' };
                }
                bounds = Some(bounds.map_or((x, y, x, y), |b| (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))));
            }
        }
    }
    bounds
}

enum Token {
    Command(char),
    Number(f64),
}

/// SVG path tokens: commands, and numbers in the compact form ("1.6-.3", ".8.3" is 0.8, 0.3).
fn path_tokens(path: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut Vec<Token>| {
        if let Ok(n) = number.parse() {
            out.push(Token::Number(n));
        }
        number.clear();
    };
    for c in path.chars() {
        match c {
            '0'..='9' => number.push(c),
            '.' if number.contains('.') => {
                flush(&mut number, &mut out);
                number.push('.');
            }
            '.' => number.push('.'),
            '-' => {
                flush(&mut number, &mut out);
                number.push('-');
            }
            c if c.is_ascii_alphabetic() => {
                flush(&mut number, &mut out);
                out.push(Token::Command(c));
            }
            _ => flush(&mut number, &mut out),
        }
    }
    flush(&mut number, &mut out);
    out
}

/// The legend as an SVG of its own (so it can sit beside the map and be read on its own).
pub fn legend(scale: &Scale, unit: &str) -> String {
    let labels = scale.labels();
    let rows = labels.len() + 1;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 220 {h}\" class=\"wm-legend\" role=\"img\" aria-labelledby=\"legend-title\"><title id=\"legend-title\">Legend: {u}</title>",
        h = rows * 24 + 4,
        u = esc(unit)
    );
    for (i, (label, colour)) in labels.iter().zip(&scale.colours).enumerate() {
        let y = i * 24 + 2;
        svg.push_str(&format!(
            "<rect x=\"2\" y=\"{y}\" width=\"28\" height=\"18\" fill=\"{colour}\" stroke=\"#0b0c0c\" stroke-width=\"0.5\"/><text x=\"38\" y=\"{ty}\" font-size=\"14\" fill=\"#0b0c0c\">{l}</text>",
            ty = y + 14,
            l = esc(label)
        ));
    }
    let y = labels.len() * 24 + 2;
    svg.push_str(&format!(
        "<rect x=\"2\" y=\"{y}\" width=\"28\" height=\"18\" fill=\"url(#legend-no-data)\" stroke=\"#0b0c0c\" stroke-width=\"0.5\"/>\
         <defs><pattern id=\"legend-no-data\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6f777b\" stroke-width=\"2\"/></pattern></defs>\
         <text x=\"38\" y=\"{ty}\" font-size=\"14\" fill=\"#0b0c0c\">No data or suppressed</text></svg>",
        ty = y + 14
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::scale::SEQUENTIAL;

    #[test]
    fn areas_are_titled_links() {
        let areas = [
            MapArea {
                name: "Barking & Dagenham",
                path: "M0 0l10 0l0 10z",
                href: "/explore/la/301".into(),
                value: Some(0.2),
                shown: "0.20%".into(),
                inset: true,
            },
            MapArea {
                name: "Nowhere",
                path: "M5 5l1 0l0 1z",
                href: "/explore/la/999".into(),
                value: None,
                shown: "No data".into(),
                inset: false,
            },
        ];
        let scale = Scale::quantiles(&[Some(0.2)], &SEQUENTIAL, 2);
        let svg = choropleth("0 0 10 10", "Rates", "A map", &areas, &scale, &[]);
        assert_eq!(svg.matches("<a href=").count(), 3, "two areas and the inset's one");
        assert_eq!(svg.matches("aria-label=\"London, enlarged\"").count(), 1);
        assert!(svg.contains("<title>Barking &amp; Dagenham: 0.20%</title>"));
        assert!(svg.contains("fill=\"url(#no-data)\""));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        assert!(legend(&scale, "%").contains("No data or suppressed"));
    }

    #[test]
    fn path_bounds_follow_relative_and_compact_numbers() {
        assert_eq!(path_bounds("M0 0l10 0l0 10z"), Some((0.0, 0.0, 10.0, 10.0)));
        // ".8.3" is 0.8 then 0.3; "-.5" follows without a space; a second ring after z.
        let b = path_bounds("M1 1l.8.3-.5 2zM-4 7l1-1z").unwrap();
        assert!((b.0 + 4.0).abs() < 1e-9 && (b.1 - 1.0).abs() < 1e-9, "{b:?}");
        assert!((b.2 - 1.8).abs() < 1e-9 && (b.3 - 7.0).abs() < 1e-9, "{b:?}");
        assert_eq!(path_bounds(""), None);
    }
}
