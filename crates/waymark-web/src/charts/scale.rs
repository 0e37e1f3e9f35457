//! Colour scales: classes with breaks, palettes safe for colour-blind readers.

/// Viridis, 6 classes, light (low) to dark (high): perceptually uniform and colour-blind safe.
pub const SEQUENTIAL: [&str; 6] = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154"];
/// ColorBrewer PuOr, 6 classes, for change (falls purple, rises orange): colour-blind safe.
pub const DIVERGING: [&str; 6] = ["#542788", "#998ec3", "#d8daeb", "#fee0b6", "#f1a340", "#b35806"];
/// Drawn under the "no data" hatching.
pub const NO_DATA: &str = "#ffffff";

/// A classed colour scale: `breaks` are the upper bounds of every class but the last.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub breaks: Vec<f64>,
    pub colours: Vec<&'static str>,
    /// Decimal places for the legend.
    pub dp: usize,
}

impl Scale {
    /// Equal-count (quantile) classes over the present values, so each colour covers about as many
    /// areas; duplicate breaks are merged. Fewer distinct values give fewer classes.
    pub fn quantiles(values: &[Option<f64>], palette: &[&'static str], dp: usize) -> Scale {
        let mut v: Vec<f64> = values.iter().flatten().copied().collect();
        v.sort_by(f64::total_cmp);
        let classes = palette.len();
        let mut breaks: Vec<f64> = Vec::new();
        if !v.is_empty() {
            for k in 1..classes {
                let b = v[(k * v.len() / classes).min(v.len() - 1)];
                if breaks.last().is_none_or(|last| b > *last) && b < v[v.len() - 1] {
                    breaks.push(b);
                }
            }
        }
        let colours = pick(palette, breaks.len() + 1);
        Scale { breaks, colours, dp }
    }

    /// Classes symmetric around zero for changes, using the diverging palette.
    pub fn diverging(values: &[Option<f64>], dp: usize) -> Scale {
        let max = values.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        let step = if max > 0.0 { max / 3.0 } else { 1.0 };
        Scale { breaks: vec![-2.0 * step, -step, 0.0, step, 2.0 * step], colours: DIVERGING.to_vec(), dp }
    }

    /// The colour for a value (`None` → the no-data fill).
    pub fn colour(&self, value: Option<f64>) -> &'static str {
        match value {
            None => NO_DATA,
            Some(v) => self.colours[self.breaks.iter().take_while(|b| v > **b).count()],
        }
    }

    /// Legend labels, one per class: "up to 0.05", "0.05 to 0.10", …, "over 0.20".
    pub fn labels(&self) -> Vec<String> {
        let f = |x: f64| crate::format::decimal(x, self.dp);
        let n = self.colours.len();
        (0..n)
            .map(|i| match (i, self.breaks.get(i)) {
                (_, _) if n == 1 => "all values".to_string(),
                (0, Some(b)) => format!("up to {}", f(*b)),
                (i, Some(b)) => format!("over {} to {}", f(self.breaks[i - 1]), f(*b)),
                (i, None) => format!("over {}", f(self.breaks[i - 1])),
            })
            .collect()
    }
}

/// `n` colours spread across a palette, keeping its ends.
fn pick(palette: &[&'static str], n: usize) -> Vec<&'static str> {
    if n <= 1 {
        return vec![palette[palette.len() / 2]];
    }
    (0..n).map(|i| palette[i * (palette.len() - 1) / (n - 1)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_classes() {
        let values: Vec<Option<f64>> = (1..=12).map(|v| Some(v as f64)).chain([None]).collect();
        let s = Scale::quantiles(&values, &SEQUENTIAL, 0);
        assert_eq!(s.breaks, vec![3.0, 5.0, 7.0, 9.0, 11.0]);
        assert_eq!(s.colour(Some(1.0)), SEQUENTIAL[0]);
        assert_eq!(s.colour(Some(12.0)), SEQUENTIAL[5]);
        assert_eq!(s.colour(None), NO_DATA);
        assert_eq!(s.labels()[0], "up to 3");
        assert_eq!(s.labels()[5], "over 11");
        let flat = Scale::quantiles(&[Some(2.0), Some(2.0)], &SEQUENTIAL, 1);
        assert_eq!(flat.colours.len(), 1);
        assert_eq!(flat.labels(), vec!["all values"]);
    }
}
