//! Formatting for pages, in GOV.UK style.

use chrono::NaiveDate;

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
    fn gov_uk_dates() {
        assert_eq!(super::date(chrono::NaiveDate::from_ymd_opt(2011, 3, 4).unwrap()), "4 March 2011");
    }
}
