//! Suspension and exclusion reason codes of the school census (DOMAIN.md section 6).

/// Every reason code with its label. `OT` ("other") was withdrawn from 2020/21; `OW`, `LG`,
/// `DS`, `MT` and `PH` were added then.
pub const REASONS: [(&str, &str); 17] = [
    ("PP", "Physical assault against a pupil"),
    ("PA", "Physical assault against an adult"),
    ("VP", "Verbal abuse or threatening behaviour against a pupil"),
    ("VA", "Verbal abuse or threatening behaviour against an adult"),
    ("OW", "Use or threat of an offensive weapon or prohibited item"),
    ("BU", "Bullying"),
    ("RA", "Racist abuse"),
    ("LG", "Abuse against sexual orientation or gender identity"),
    ("DS", "Abuse relating to disability"),
    ("SM", "Sexual misconduct"),
    ("DA", "Drug and alcohol related"),
    ("DM", "Damage"),
    ("TH", "Theft"),
    ("MT", "Inappropriate use of social media or online technology"),
    ("PH", "Wilful and repeated breach of public-health measures"),
    ("DB", "Persistent disruptive behaviour"),
    ("OT", "Other"),
];

/// Reason codes for exclusions starting before 2020/21 (one reason each).
pub const REASONS_BEFORE_2020: [&str; 12] = ["PP", "PA", "VP", "VA", "BU", "RA", "SM", "DA", "DM", "TH", "DB", "OT"];

/// Reason codes from 2020/21 (up to three; `OT` "other" withdrawn).
pub const REASONS_FROM_2020: [&str; 16] =
    ["PP", "PA", "VP", "VA", "OW", "BU", "RA", "LG", "DS", "SM", "DA", "DM", "TH", "MT", "PH", "DB"];

/// The codes in use for an exclusion starting in `year`.
pub fn reasons_for(year: crate::AcademicYear) -> &'static [&'static str] {
    if year.0 < 2020 {
        &REASONS_BEFORE_2020
    } else {
        &REASONS_FROM_2020
    }
}

/// The label of a reason code, or the code itself if it is not one.
pub fn reason_label(code: &str) -> &str {
    REASONS.iter().find(|(c, _)| *c == code).map_or(code, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_code_has_a_label() {
        for code in super::REASONS_BEFORE_2020.iter().chain(&super::REASONS_FROM_2020) {
            assert_ne!(super::reason_label(code), *code, "{code}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(super::reason_label("VA"), "Verbal abuse or threatening behaviour against an adult");
        assert_eq!(super::reason_label("ZZ"), "ZZ");
    }
}
