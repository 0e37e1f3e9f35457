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

/// The label of a reason code, or the code itself if it is not one.
pub fn reason_label(code: &str) -> &str {
    REASONS.iter().find(|(c, _)| *c == code).map_or(code, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels() {
        assert_eq!(super::reason_label("VA"), "Verbal abuse or threatening behaviour against an adult");
        assert_eq!(super::reason_label("ZZ"), "ZZ");
    }
}
