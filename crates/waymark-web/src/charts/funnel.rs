//! Funnel plots (Spiegelhalter 2005): each unit's rate against its number of pupils, with the
//! 95% and 99.8% control limits around the target rate drawn as functions of n. Only shown
//! figures are placed; the page names the outliers and has the same numbers in a table.

use super::esc;
use waymark_analytics::funnel::limits;

/// One unit on the plot.
pub struct Point {
    pub name: String,
    /// The unit's number of pupils (the denominator).
    pub n: u64,
    /// Its rate, 0 to 1.
    pub rate: f64,
    /// Outside the 99.8% limits: drawn as a filled diamond and labelled.
    pub outlier: bool,
}

const W: f64 = 640.0;
const H: f64 = 340.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 76.0;

/// A funnel plot of `points` around `target` (0 to 1, exclusive). The x axis runs from 0 to a
/// round number at or above the largest n; the y axis from 0% to 100%.
pub fn funnel_chart(title: &str, target: f64, points: &[Point]) -> String {
    let max_n = points.iter().map(|p| p.n).max().unwrap_or(10).max(10);
    let top_n = round_up(max_n);
    let x = |n: f64| LEFT + (W - LEFT - RIGHT) * n / top_n as f64;
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v.clamp(0.0, 1.0));
    let id: String = title.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect::<String>().to_lowercase();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" class=\"wm-chart\" role=\"img\" \
         aria-labelledby=\"funnel-{id}\"><title id=\"funnel-{id}\">{t}: funnel plot of each provision's rate against \
         its number of pupils, with 95% and 99.8% limits around {target:.1}%</title>",
        t = esc(title),
        target = target * 100.0
    );
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#b1b4b6\" stroke-width=\"0.5\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#0b0c0c\">{p}%</text>",
            x2 = W - RIGHT,
            yy = y(v),
            tx = LEFT - 6.0,
            ty = y(v) + 4.0,
            p = k * 25
        ));
    }
    // Every axis end `round_up` gives is a multiple of 5: five equal whole-number steps.
    for k in 0..=5 {
        let n = (top_n / 5 * k) as f64;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#0b0c0c\">{}</text>",
            x(n),
            H - BOTTOM + 16.0,
            n.round()
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{cx}\" y=\"{ly}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#0b0c0c\">Number of pupils</text>\
         <text x=\"12\" y=\"{cy}\" font-size=\"11\" fill=\"#0b0c0c\" transform=\"rotate(-90 12 {cy})\" \
         text-anchor=\"middle\">Rate</text>",
        cx = (LEFT + W - RIGHT) / 2.0,
        ly = H - BOTTOM + 32.0,
        cy = (H - BOTTOM + TOP) / 2.0
    ));
    // The target and the limits, sampled along n (every n while small, where the exact limits step).
    let mut ns: Vec<u64> = (1..=top_n.min(60)).collect();
    let steps = 80u64;
    ns.extend((1..=steps).map(|k| top_n * k / steps).filter(|n| *n > 60));
    let mut lines: [Vec<String>; 4] = Default::default();
    for n in ns {
        let Ok(l) = limits(target, n) else { continue };
        for (k, v) in [l.p998.lower, l.p95.lower, l.p95.upper, l.p998.upper].into_iter().enumerate() {
            lines[k].push(format!("{:.1},{:.1}", x(n as f64), y(v)));
        }
    }
    for (k, points) in lines.iter().enumerate() {
        let dash = if k == 0 || k == 3 { " stroke-dasharray=\"6 3\"" } else { "" };
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#505a5f\" stroke-width=\"1.5\"{dash}/>",
            points.join(" ")
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{t:.1}\" y2=\"{t:.1}\" stroke=\"#0072B2\" stroke-width=\"2\"/>",
        x2 = W - RIGHT,
        t = y(target)
    ));
    for p in points {
        let (cx, cy) = (x(p.n as f64), y(p.rate));
        let label = format!("{}: {:.1}% of {} pupils", p.name, p.rate * 100.0, p.n);
        if p.outlier {
            svg.push_str(&format!(
                "<path d=\"M{cx:.1},{a:.1} L{b:.1},{cy:.1} L{cx:.1},{c:.1} L{d:.1},{cy:.1} Z\" fill=\"#D55E00\"><title>{l}, \
                 outside the 99.8% limits</title></path><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" \
                 text-anchor=\"{anchor}\" fill=\"#0b0c0c\">{n}</text>",
                a = cy - 6.0,
                b = cx + 6.0,
                c = cy + 6.0,
                d = cx - 6.0,
                l = esc(&label),
                tx = if cx > W / 2.0 { cx - 8.0 } else { cx + 8.0 },
                ty = cy - 6.0,
                anchor = if cx > W / 2.0 { "end" } else { "start" },
                n = esc(&p.name)
            ));
        } else {
            svg.push_str(&format!(
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"#000000\"><title>{}</title></circle>",
                esc(&label)
            ));
        }
    }
    // Legend.
    let ly = H - 18.0;
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" x2=\"{a}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"#0072B2\" stroke-width=\"2\"/>\
         <text x=\"{b}\" y=\"{t}\" font-size=\"11\" fill=\"#0b0c0c\">Target</text>\
         <line x1=\"{c}\" x2=\"{d}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"#505a5f\" stroke-width=\"1.5\"/>\
         <text x=\"{e}\" y=\"{t}\" font-size=\"11\" fill=\"#0b0c0c\">95% limits</text>\
         <line x1=\"{f}\" x2=\"{g}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"#505a5f\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>\
         <text x=\"{h}\" y=\"{t}\" font-size=\"11\" fill=\"#0b0c0c\">99.8% limits</text>\
         <path d=\"M{i},{j} L{k},{ly} L{i},{m} L{o},{ly} Z\" fill=\"#D55E00\"/>\
         <text x=\"{q}\" y=\"{t}\" font-size=\"11\" fill=\"#0b0c0c\">Outlier</text>",
        a = LEFT + 24.0,
        b = LEFT + 30.0,
        t = ly + 4.0,
        c = LEFT + 90.0,
        d = LEFT + 114.0,
        e = LEFT + 120.0,
        f = LEFT + 200.0,
        g = LEFT + 224.0,
        h = LEFT + 230.0,
        i = LEFT + 320.0,
        j = ly - 6.0,
        k = LEFT + 326.0,
        m = ly + 6.0,
        o = LEFT + 314.0,
        q = LEFT + 332.0,
    ));
    svg.push_str("</svg>");
    svg
}

/// A round axis end at or above `n`: 10, 20, 25, 50, 100, 200, 250, 500, …
fn round_up(n: u64) -> u64 {
    let mut m = 1u64;
    loop {
        for step in [10, 20, 25, 50] {
            if step * m >= n {
                return step * m;
            }
        }
        m *= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_limits_and_outliers() {
        assert_eq!((round_up(7), round_up(10), round_up(11), round_up(100), round_up(101)), (10, 10, 20, 100, 200));
        let svg = funnel_chart(
            "Reintegration",
            0.6,
            &[
                Point { name: "Camden PRU".into(), n: 100, rate: 0.9, outlier: true },
                Point { name: "Oak <Unit>".into(), n: 40, rate: 0.55, outlier: false },
            ],
        );
        assert!(svg.contains("<title>Camden PRU: 90.0% of 100 pupils, outside the 99.8% limits</title>"), "{svg}");
        assert!(svg.contains(">Camden PRU</text>"), "an outlier is labelled on the plot");
        assert!(svg.contains("Oak &lt;Unit&gt;: 55.0% of 40 pupils"), "names are escaped");
        assert!(svg.contains("around 60.0%"));
        assert!(svg.contains(">100</text>") && svg.contains(">40</text>"), "round ticks: 0, 20, ..., 100");
        assert_eq!(svg.matches("<polyline").count(), 4, "two limits either side");
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        // The target line at 60% sits 40% of the plot height below the top.
        let y60 = TOP + (H - TOP - BOTTOM) * 0.4;
        assert!(svg.contains(&format!("y1=\"{y60:.1}\"")));
    }
}
