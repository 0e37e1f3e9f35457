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
}

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
         <rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6f777b\" stroke-width=\"2\"/></pattern></defs><g>",
        vb = esc(viewbox),
        t = esc(title),
        d = esc(description)
    );
    for area in areas {
        let fill =
            if area.value.is_some() { scale.colour(area.value).to_string() } else { "url(#no-data)".to_string() };
        svg.push_str(&format!(
            "<a href=\"{href}\" aria-label=\"{name}: {shown}\"><path d=\"{path}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"0.6\"><title>{name}: {shown}</title></path></a>",
            href = esc(&area.href),
            name = esc(area.name),
            shown = esc(&area.shown),
            path = area.path,
        ));
    }
    svg.push_str("</g>");
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
            },
            MapArea {
                name: "Nowhere",
                path: "M5 5l1 0l0 1z",
                href: "/explore/la/999".into(),
                value: None,
                shown: "No data".into(),
            },
        ];
        let scale = Scale::quantiles(&[Some(0.2)], &SEQUENTIAL, 2);
        let svg = choropleth("0 0 10 10", "Rates", "A map", &areas, &scale, &[]);
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains("<title>Barking &amp; Dagenham: 0.20%</title>"));
        assert!(svg.contains("fill=\"url(#no-data)\""));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        assert!(legend(&scale, "%").contains("No data or suppressed"));
    }
}
