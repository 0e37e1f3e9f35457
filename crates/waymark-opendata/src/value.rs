//! A published statistic: a number, or one of DfE's symbols for a number that is not shown.
//!
//! The symbols changed meaning around 2020 (DOMAIN.md §8): in older files `x` meant "suppressed
//! small number", in Explore Education Statistics files it means "not available". So every
//! reader says which [`Vintage`] its file is, and a symbol is never turned into zero.

use std::fmt;

/// One published cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A number as published (counts and rates alike).
    Number(f64),
    /// Withheld to protect confidentiality (a small count, or one that would reveal one).
    Suppressed,
    /// Not applicable: the figure cannot exist (e.g. a rate over a headcount of zero).
    NotApplicable,
    /// Not available: the figure exists in principle but was not collected or published.
    NotAvailable,
    /// Published with a warning that it is unreliable (EES `u`).
    LowReliability,
    /// A positive figure that rounds to zero at the published precision.
    RoundsToZero,
}

/// Which symbol convention a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vintage {
    /// DfE files before about 2020 (the 2006–2017 statistics here): `x` suppressed, `.` or `:`
    /// not applicable, `..` not available, `~` fewer than 0.5.
    Legacy,
    /// Explore Education Statistics: `c` suppressed, `x`, `:` or `..` not available, `z` not
    /// applicable, `u` low reliability, `low` or `k` rounds to zero.
    Ees,
    /// DfE's Local Authority Interactive Tool: numbers, and `-` for not available (including
    /// years in which the LA did not exist).
    Lait,
}

impl Vintage {
    /// The symbols this vintage accepts, for error messages.
    pub fn accepted(self) -> &'static str {
        match self {
            Vintage::Legacy => "a number, x (suppressed), . or : (not applicable), .. (not available), ~ (rounds to 0)",
            Vintage::Ees => {
                "a number, c (suppressed), z (not applicable), x, : or .. (not available), u (low reliability), \
                 low or k (rounds to 0)"
            }
            Vintage::Lait => "a number or - (not available)",
        }
    }
}

impl Value {
    /// Parse one cell. Numbers may carry thousands separators (`749,750`, as in some older
    /// tables). Anything else that is not a symbol of this vintage is an error: the message
    /// lists what is accepted, and the caller adds file, row and column.
    pub fn parse(text: &str, vintage: Vintage) -> Result<Value, String> {
        let text = text.trim();
        if let Some(number) = parse_number(text) {
            return Ok(Value::Number(number));
        }
        let symbol = match (vintage, text) {
            (Vintage::Legacy, "x") => Value::Suppressed,
            (Vintage::Legacy, "." | ":") => Value::NotApplicable,
            (Vintage::Legacy, "..") => Value::NotAvailable,
            (Vintage::Legacy, "~") => Value::RoundsToZero,
            (Vintage::Ees, "c") => Value::Suppressed,
            (Vintage::Ees, "x" | ":" | "..") => Value::NotAvailable,
            (Vintage::Ees, "z") => Value::NotApplicable,
            (Vintage::Ees, "u") => Value::LowReliability,
            (Vintage::Ees, "low" | "k") => Value::RoundsToZero,
            (Vintage::Lait, "-") => Value::NotAvailable,
            _ => return Err(format!("expected {}, found {text:?}", vintage.accepted())),
        };
        Ok(symbol)
    }

    /// The number, if this cell holds one.
    pub fn number(self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The cell written in the symbols of `vintage`, so a processed copy keeps the file's own
    /// notation (`x` stays `x` in a 2017 file, `c` stays `c` in an EES file).
    pub fn to_text(self, vintage: Vintage) -> String {
        let symbol = match (self, vintage) {
            (Value::Number(n), _) => return format_number(n),
            (Value::Suppressed, Vintage::Legacy) => "x",
            (Value::NotApplicable, Vintage::Legacy) => ".",
            (Value::NotAvailable, Vintage::Legacy) => "..",
            (Value::RoundsToZero, Vintage::Legacy) => "~",
            (Value::NotAvailable, Vintage::Lait) => "-",
            (other, _) => return other.to_string(),
        };
        symbol.to_string()
    }
}

/// Writes numbers as published (shortest form that reads back to the same number) and symbols
/// in today's EES notation: `c`, `z`, `x`, `u`, `low`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::Suppressed => f.write_str("c"),
            Value::NotApplicable => f.write_str("z"),
            Value::NotAvailable => f.write_str("x"),
            Value::LowReliability => f.write_str("u"),
            Value::RoundsToZero => f.write_str("low"),
        }
    }
}

/// Rust's shortest round-trip form never uses an exponent, so `0.00386` stays `0.00386`.
fn format_number(n: f64) -> String {
    format!("{n}")
}

/// A plain decimal (`-12.5`, `0.1`, `8025075`), or one with comma thousands separators in
/// groups of three (`8,025,075`). Rejects `inf`, `NaN`, exponents and empty text, which Rust's
/// float parser would otherwise accept.
fn parse_number(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let int_ok = if int.contains(',') { grouped_digits(int) } else { !int.is_empty() && all_digits(int) };
    let frac_ok = all_digits(frac) && (!frac.is_empty() || !unsigned.contains('.'));
    if !int_ok || !frac_ok {
        return None;
    }
    if int.contains(',') {
        text.replace(',', "").parse().ok()
    } else {
        text.parse().ok()
    }
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

fn grouped_digits(text: &str) -> bool {
    let mut groups = text.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len()) && all_digits(first) && groups.all(|g| g.len() == 3 && all_digits(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_x_is_suppressed_but_ees_x_is_not_available() {
        assert_eq!(Value::parse("x", Vintage::Legacy), Ok(Value::Suppressed));
        assert_eq!(Value::parse("x", Vintage::Ees), Ok(Value::NotAvailable));
        assert_eq!(Value::parse("c", Vintage::Ees), Ok(Value::Suppressed));
        assert!(Value::parse("c", Vintage::Legacy).is_err());
    }

    #[test]
    fn every_symbol_of_each_vintage() {
        for (text, value) in [(".", Value::NotApplicable), (":", Value::NotApplicable), ("..", Value::NotAvailable)] {
            assert_eq!(Value::parse(text, Vintage::Legacy), Ok(value));
        }
        assert_eq!(Value::parse("~", Vintage::Legacy), Ok(Value::RoundsToZero));
        for (text, value) in [
            ("z", Value::NotApplicable),
            (":", Value::NotAvailable),
            ("..", Value::NotAvailable),
            ("u", Value::LowReliability),
            ("low", Value::RoundsToZero),
            ("k", Value::RoundsToZero),
        ] {
            assert_eq!(Value::parse(text, Vintage::Ees), Ok(value));
        }
        assert_eq!(Value::parse("-", Vintage::Lait), Ok(Value::NotAvailable));
    }

    #[test]
    fn numbers_parse_and_print_as_published() {
        for text in ["0", "7720", "0.1", "4.76", "0.00386", "45.9412", "-1.5"] {
            let value = Value::parse(text, Vintage::Legacy).unwrap();
            assert_eq!(value.to_string(), text);
        }
        assert_eq!(Value::parse("749,750", Vintage::Legacy), Ok(Value::Number(749750.0)));
        assert_eq!(Value::parse(" 12 ", Vintage::Ees), Ok(Value::Number(12.0)));
    }

    #[test]
    fn symbols_never_become_zero_and_junk_is_an_error() {
        assert_eq!(Value::Suppressed.number(), None);
        for junk in ["", "NA", "inf", "NaN", "1e5", "1,23", "12,3456", ".5.", "abc", "1."] {
            let err = Value::parse(junk, Vintage::Legacy).unwrap_err();
            assert!(err.contains("expected a number"), "{junk}: {err}");
        }
    }

    #[test]
    fn symbols_written_back_in_their_own_vintage() {
        assert_eq!(Value::Suppressed.to_text(Vintage::Legacy), "x");
        assert_eq!(Value::Suppressed.to_text(Vintage::Ees), "c");
        assert_eq!(Value::NotApplicable.to_text(Vintage::Legacy), ".");
        assert_eq!(Value::NotAvailable.to_text(Vintage::Lait), "-");
        assert_eq!(Value::RoundsToZero.to_string(), "low");
    }
}
