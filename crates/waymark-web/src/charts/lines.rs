//! Line charts for trends (an LA against its region and England).

use super::esc;

/// One line: a name and a value per x position (None = a gap, e.g. a suppressed year).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// Okabe–Ito colours (colour-blind safe), each line also with its own dash pattern and marker.
const COLOURS: [&str; 4] = ["#0072B2", "#D55E00", "#000000", "#009E73"];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 32.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 64.0;

/// A line chart with axes, gridlines and a legend. `x_labels` are shown under the axis.
pub fn line_chart(title: &str, y_label: &str, x_labels: &[String], series: &[Series]) -> String {
    let max = series.iter().flat_map(|s| s.values.iter().flatten()).fold(0.0f64, |m, v| m.max(*v));
    let top = nice_ceiling(max);
    let n = x_labels.len().max(2);
    let x = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v / top);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" class=\"wm-chart\" role=\"img\" aria-labelledby=\"chart-title-{id}\"><title id=\"chart-title-{id}\">{t}</title>",
        id = slug(title),
        t = esc(title)
    );
    for k in 0..=4 {
        let v = top * k as f64 / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#b1b4b6\" stroke-width=\"0.5\"/><text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#0b0c0c\">{v}</text>",
            x2 = W - RIGHT,
            yy = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
            v = trim(v)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"12\" y=\"{cy}\" font-size=\"11\" fill=\"#0b0c0c\" transform=\"rotate(-90 12 {cy})\" text-anchor=\"middle\">{l}</text>",
        cy = (H - BOTTOM + TOP) / 2.0,
        l = esc(y_label)
    ));
    let every = x_labels.len().div_ceil(6).max(1);
    for (i, label) in x_labels.iter().enumerate().filter(|(i, _)| i % every == 0 || *i + 1 == x_labels.len()) {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#0b0c0c\">{}</text>",
            x(i),
            H - BOTTOM + 16.0,
            esc(label)
        ));
    }
    for (k, s) in series.iter().enumerate() {
        let (colour, dash) = (COLOURS[k % 4], DASHES[k % 4]);
        for run in runs(&s.values) {
            let d: Vec<String> =
                run.iter().map(|&i| format!("{:.1},{:.1}", x(i), y(s.values[i].unwrap_or(0.0)))).collect();
            svg.push_str(&format!(
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{}/>",
                d.join(" "),
                if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") }
            ));
        }
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                svg.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}, {}: {}</title></circle>",
                    x(i),
                    y(*v),
                    esc(&s.name),
                    esc(&x_labels[i]),
                    trim(*v)
                ));
            }
        }
        let ly = H - 24.0 + 0.0;
        let lx = LEFT + k as f64 * 150.0;
        svg.push_str(&format!(
            "<line x1=\"{lx}\" x2=\"{lx2}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"{d}/><text x=\"{tx}\" y=\"{ty}\" font-size=\"12\" fill=\"#0b0c0c\">{n}</text>",
            lx2 = lx + 24.0,
            d = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") },
            tx = lx + 30.0,
            ty = ly + 4.0,
            n = esc(&s.name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Runs of consecutive present values (a gap breaks the line rather than drawing through it).
fn runs(values: &[Option<f64>]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if v.is_some() {
            current.push(i);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A round number at or above `v` for the top of the axis.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn trim(v: f64) -> String {
    let s = crate::format::decimal(v, 3);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn slug(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect::<String>().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_break_lines_and_axis_is_round() {
        assert_eq!(runs(&[Some(1.0), None, Some(2.0), Some(3.0)]), vec![vec![0], vec![2, 3]]);
        assert_eq!(nice_ceiling(0.17), 0.2);
        assert_eq!(nice_ceiling(4.3), 5.0);
        let svg = line_chart(
            "Permanent exclusion rate",
            "%",
            &["2015/16".into(), "2016/17".into()],
            &[Series { name: "Kent".into(), values: vec![Some(0.1), None] }],
        );
        assert!(svg.contains("<title>Kent, 2015/16: 0.1</title>") && !svg.contains("style="));
    }
}
