//! Formatting for pages, in GOV.UK style.

use chrono::NaiveDate;

/// Every number a page shows goes through these, so none reads "-0.0" (see
/// [`waymark_opendata::national::decimal`]).
pub use waymark_opendata::national::{decimal, thousands};

/// "14 March 2011".
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_negative_zero() {
        use super::{decimal, thousands};
        use waymark_opendata::national::signed_decimal;
        assert_eq!(decimal(-0.0, 1), "0.0");
        assert_eq!(decimal(-0.04, 1), "0.0");
        assert_eq!(decimal(-0.004, 2), "0.00");
        assert_eq!(decimal(-0.4, 0), "0");
        assert_eq!(decimal(-0.06, 1), "-0.1");
        assert_eq!(decimal(12.345, 2), "12.35");
        assert_eq!(signed_decimal(-0.001, 2), "0.00");
        assert_eq!(signed_decimal(0.126, 2), "+0.13");
        assert_eq!(signed_decimal(-0.126, 2), "-0.13");
        assert_eq!(thousands(-0.3), "0");
        assert_eq!(thousands(-1234.0), "-1,234");
        // An empty f64 sum is -0.0 in Rust: the unregistered share of an LA with none.
        let none: f64 = std::iter::empty::<f64>().sum();
        assert_eq!(decimal(none / 50.0 * 100.0, 1), "0.0");
    }

    #[test]
    fn gov_uk_dates() {
        assert_eq!(super::date(chrono::NaiveDate::from_ymd_opt(2011, 3, 4).unwrap()), "4 March 2011");
    }
}
