//! Scoring of the wellbeing and progress instruments against the worked examples in
//! `../shared/reference/vectors/sdq.csv` and cases worked by hand from DOMAIN.md section 7.

use chrono::NaiveDate;
use std::path::PathBuf;
use waymark_domain::instruments::{
    check_reading_age_months, check_standardised_score, chronological_age_months, reading_gap_months, score_sdq,
    score_swemwbs, sdq_items, standardised_band, swemwbs_metric, total_band, Band, CustomScale, SdqVersion,
    StandardisedBand, Subscale, SWEMWBS_CREDIT, SWEMWBS_ITEMS,
};
use waymark_domain::InstrumentError;

// ---------------------------------------------------------------------------------------------
// SDQ

/// The vectors file: `WAYMARK_SHARED` if set, else `../shared` beside the repository. A missing
/// file fails the test: the vectors are the point of it.
fn sdq_vectors() -> String {
    let path = std::env::var_os("WAYMARK_SHARED")
        .map(|dir| PathBuf::from(dir).join("reference/vectors/sdq.csv"))
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference/vectors/sdq.csv"))
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("SDQ vectors not readable at {}: {e}", path.display()))
}

/// Splits one CSV line, allowing double-quoted fields with commas inside (the case names).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn opt(text: &str) -> Option<u8> {
    (!text.is_empty()).then(|| text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}")))
}

/// Items from a string of 25 characters, `0`-`2` or `.` for unanswered (spaces ignored).
fn form(text: &str) -> [Option<u8>; 25] {
    let answers: Vec<Option<u8>> =
        text.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_digit(10).map(|d| d as u8)).collect();
    answers.try_into().expect("25 answers")
}

#[test]
fn every_sdq_vector_scores_as_published() {
    let text = sdq_vectors();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = csv_fields(lines.next().expect("a header row"));
    assert_eq!(header.len(), 32, "case, 25 items, 6 scores");
    assert_eq!(header[26], "emotional");
    assert_eq!(header[31], "total_difficulties");
    let mut rows = 0;
    for line in lines {
        let row = csv_fields(line);
        assert_eq!(row.len(), 32, "row {line}");
        let items: [Option<u8>; 25] = row[1..26].iter().map(|t| opt(t)).collect::<Vec<_>>().try_into().unwrap();
        let expected: Vec<Option<u8>> = row[26..32].iter().map(|t| opt(t)).collect();
        for version in SdqVersion::ALL {
            let s = score_sdq(version, &items).unwrap_or_else(|e| panic!("{}: {e}", row[0]));
            let got = vec![s.emotional, s.conduct, s.hyperactivity, s.peer, s.prosocial, s.total_difficulties];
            assert_eq!(got, expected, "case {:?} ({version:?})", row[0]);
            assert_eq!(s.version, version);
            assert_eq!(s.total_band, s.total_difficulties.map(|t| total_band(version, t)), "{}", row[0]);
        }
        rows += 1;
    }
    assert_eq!(rows, 7, "every row of sdq.csv was checked");
}

#[test]
fn reversed_items_score_two_for_not_true() {
    // Every item "not true" except the reversed 11, 14, 21 and 25 "certainly true" (scoring 0):
    // only item 7 ("generally does as told") scores, 2, in conduct.
    let items = form("0000000000 2002000000 20002");
    let s = score_sdq(SdqVersion::Parent, &items).unwrap();
    assert_eq!(
        (s.emotional, s.conduct, s.hyperactivity, s.peer, s.prosocial),
        (Some(0), Some(2), Some(0), Some(0), Some(0))
    );
    assert_eq!(s.total_difficulties, Some(2));
}

#[test]
fn two_missing_in_a_subscale_are_prorated() {
    // Emotional items 3, 8, 13, 16, 24: 13 and 24 unanswered, 3 = 2, 8 = 1, 16 = 0: 3 × 5 / 3 = 5.
    let mut items = [Some(0); 25];
    for n in [7, 11, 14, 21, 25] {
        items[n - 1] = Some(2);
    }
    items[2] = Some(2);
    items[7] = Some(1);
    items[12] = None;
    items[23] = None;
    let s = score_sdq(SdqVersion::Teacher, &items).unwrap();
    assert_eq!(s.emotional, Some(5));
    assert_eq!(s.total_difficulties, Some(5));
    assert_eq!(s.total_band, Some(Band::CloseToAverage));

    // Peer items 6, 11, 14, 19, 23: 19 unanswered, 6 = 1, 11 reversed "not true" = 2, 14 = 2 → 0,
    // 23 = 0: 3 from 4 answered, 3.75 → 4.
    items[5] = Some(1);
    items[10] = Some(0);
    items[18] = None;
    let s = score_sdq(SdqVersion::Teacher, &items).unwrap();
    assert_eq!(s.peer, Some(4));
    assert_eq!(s.total_difficulties, Some(9));

    // A half rounds up: prosocial 1, 4, 9, 17, 20 with 20 unanswered and 1 + 1 from four: 2.5 → 3.
    items[0] = Some(1);
    items[3] = Some(1);
    items[19] = None;
    assert_eq!(score_sdq(SdqVersion::Teacher, &items).unwrap().prosocial, Some(3));
}

#[test]
fn three_missing_in_a_subscale_leave_it_and_the_total_missing() {
    // Hyperactivity 2, 10, 15, 21, 25: only 2 and 10 answered.
    let mut items = [Some(1); 25];
    items[14] = None;
    items[20] = None;
    items[24] = None;
    let s = score_sdq(SdqVersion::SelfReport, &items).unwrap();
    assert_eq!(s.hyperactivity, None);
    assert_eq!(s.emotional, Some(5));
    assert_eq!(s.total_difficulties, None);
    assert_eq!(s.total_band, None);
    assert_eq!(s.subscale_band(Subscale::Hyperactivity), None);

    // A missing prosocial score does not touch the total: it is not a difficulty.
    let mut items = [Some(1); 25];
    for n in [1, 4, 9] {
        items[n - 1] = None;
    }
    let s = score_sdq(SdqVersion::SelfReport, &items).unwrap();
    assert_eq!(s.prosocial, None);
    assert_eq!(s.total_difficulties, Some(20));
    assert_eq!(s.total_band, Some(Band::VeryHigh));

    // A blank form scores nothing, and is not an error.
    let s = score_sdq(SdqVersion::Parent, &[None; 25]).unwrap();
    assert_eq!([s.emotional, s.conduct, s.hyperactivity, s.peer, s.prosocial, s.total_difficulties], [None; 6]);
}

#[test]
fn an_item_out_of_range_is_refused_by_number() {
    let mut items = [Some(0); 25];
    items[6] = Some(3);
    let err = score_sdq(SdqVersion::Teacher, &items).unwrap_err();
    assert_eq!(err, InstrumentError::SdqItemOutOfRange { item: 7, got: 3 });
    assert_eq!(err.to_string(), "Item 7 must be 0, 1 or 2; got 3");
    items[6] = Some(2);
    items[24] = Some(255);
    assert_eq!(score_sdq(SdqVersion::Teacher, &items).unwrap_err().to_string(), "Item 25 must be 0, 1 or 2; got 255");
}

/// A form whose total difficulties score is `total` (0 to 40), prosocial 0.
fn form_with_total(total: u8) -> [Option<u8>; 25] {
    let mut items = [Some(0); 25];
    let mut left = total;
    for s in [Subscale::Emotional, Subscale::Conduct, Subscale::Hyperactivity, Subscale::Peer] {
        for n in s.items() {
            let points = left.min(2);
            left -= points;
            let reversed = [7, 11, 14, 21, 25].contains(&n);
            items[n - 1] = Some(if reversed { 2 - points } else { points });
        }
    }
    items
}

#[test]
fn total_bands_change_at_each_versions_published_edges() {
    // (version, top of close to average, of slightly raised, of high): DOMAIN.md section 7.
    let edges =
        [(SdqVersion::Teacher, 11, 15, 18), (SdqVersion::Parent, 13, 16, 19), (SdqVersion::SelfReport, 14, 17, 19)];
    for (version, close, slight, high) in edges {
        let expect = [
            (0, Band::CloseToAverage),
            (close, Band::CloseToAverage),
            (close + 1, Band::SlightlyRaised),
            (slight, Band::SlightlyRaised),
            (slight + 1, Band::High),
            (high, Band::High),
            (high + 1, Band::VeryHigh),
            (40, Band::VeryHigh),
        ];
        for (total, band) in expect {
            let s = score_sdq(version, &form_with_total(total)).unwrap();
            assert_eq!(s.total_difficulties, Some(total), "{version:?}");
            assert_eq!(s.total_band, Some(band), "{version:?} total {total}");
            assert_eq!(total_band(version, total), band);
        }
    }
}

#[test]
fn teacher_subscale_bands_follow_the_published_table() {
    // (subscale, scores at the edges, bands): sdqinfo.org four-band teacher table.
    let cases = [
        (Subscale::Emotional, [3, 4, 5, 6]),
        (Subscale::Conduct, [2, 3, 4, 5]),
        (Subscale::Hyperactivity, [5, 7, 8, 9]),
        (Subscale::Peer, [2, 4, 5, 6]),
    ];
    let bands = [Band::CloseToAverage, Band::SlightlyRaised, Band::High, Band::VeryHigh];
    for (subscale, scores) in cases {
        for (score, band) in scores.into_iter().zip(bands) {
            let s = scores_with(subscale, score);
            assert_eq!(s.subscale(subscale), Some(score));
            assert_eq!(s.subscale_band(subscale), Some(band), "{subscale:?} {score}");
        }
        // One below the first raised score is still close to average.
        let s = scores_with(subscale, scores[0] + 1);
        assert_ne!(s.subscale_band(subscale), Some(Band::CloseToAverage));
    }
    // Prosocial: a low score is the concern. 6 to 10, 5, 4, 0 to 3.
    for (score, band, label) in [
        (10, Band::CloseToAverage, "Close to average"),
        (6, Band::CloseToAverage, "Close to average"),
        (5, Band::SlightlyRaised, "Slightly lowered"),
        (4, Band::High, "Low"),
        (3, Band::VeryHigh, "Very low"),
        (0, Band::VeryHigh, "Very low"),
    ] {
        let s = scores_with(Subscale::Prosocial, score);
        assert_eq!(s.prosocial, Some(score));
        assert_eq!(s.subscale_band(Subscale::Prosocial), Some(band), "prosocial {score}");
        assert_eq!(band.label_for(Subscale::Prosocial), label);
    }
    // Parent and self-report subscale bands are not given (not checked against the table).
    for version in [SdqVersion::Parent, SdqVersion::SelfReport] {
        let s = score_sdq(version, &form_with_total(20)).unwrap();
        assert!(s.total_band.is_some());
        assert!(Subscale::ALL.iter().all(|&sub| s.subscale_band(sub).is_none()), "{version:?}");
    }
}

/// Teacher scores with `subscale` at `score` (complete form, every other subscale 0; prosocial 10
/// unless it is the one set).
fn scores_with(subscale: Subscale, score: u8) -> waymark_domain::instruments::SdqScores {
    let mut items = [Some(0); 25];
    for n in [7, 11, 14, 21, 25] {
        items[n - 1] = Some(2);
    }
    for n in Subscale::Prosocial.items() {
        items[n - 1] = Some(2);
    }
    let mut left = score;
    for n in subscale.items() {
        let points = left.min(2);
        left -= points;
        let reversed = [7, 11, 14, 21, 25].contains(&n);
        items[n - 1] = Some(if reversed { 2 - points } else { points });
    }
    score_sdq(SdqVersion::Teacher, &items).unwrap()
}

#[test]
fn versions_and_bands_have_codes_and_labels() {
    for v in SdqVersion::ALL {
        assert_eq!(SdqVersion::parse(v.code()), Ok(v));
    }
    assert_eq!(SdqVersion::parse(" Self-Report "), Ok(SdqVersion::SelfReport));
    assert_eq!(SdqVersion::SelfReport.code(), "self", "the code the import format and synth use");
    let err = SdqVersion::parse("pupil").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unknown SDQ version \"pupil\": expected self (self-report 11 to 17), parent or teacher"
    );
    assert_eq!(Band::ALL.map(Band::label), ["Close to average", "Slightly raised", "High", "Very high"]);
    assert_eq!(Band::High.label_for(Subscale::Conduct), "High");
    let labels = sdq_items(SdqVersion::Teacher);
    assert!(labels.iter().enumerate().all(|(i, l)| l.starts_with(&format!("Item {} (", i + 1))));
}

// ---------------------------------------------------------------------------------------------
// SWEMWBS

#[test]
fn swemwbs_table_ends_and_middle() {
    assert_eq!(swemwbs_metric(7), Some(7.00));
    assert_eq!(swemwbs_metric(8), Some(9.51));
    assert_eq!(swemwbs_metric(21), Some(19.25));
    assert_eq!(swemwbs_metric(23), Some(20.73));
    assert_eq!(swemwbs_metric(34), Some(32.55));
    assert_eq!(swemwbs_metric(35), Some(35.00));
    for raw in [0, 6, 36, 255] {
        assert_eq!(swemwbs_metric(raw), None, "raw {raw}");
    }
    // The metric rises with every raw point.
    let metrics: Vec<f64> = (7..=35).map(|r| swemwbs_metric(r).unwrap()).collect();
    assert!(metrics.windows(2).all(|w| w[1] > w[0]));
}

#[test]
fn swemwbs_scores_complete_forms() {
    let s = score_swemwbs(&[Some(1); 7]).unwrap();
    assert_eq!((s.raw, s.metric), (7, 7.00));
    let s = score_swemwbs(&[Some(5); 7]).unwrap();
    assert_eq!((s.raw, s.metric), (35, 35.00));
    let s = score_swemwbs(&[Some(3), Some(4), Some(2), Some(3), Some(3), Some(4), Some(2)]).unwrap();
    assert_eq!((s.raw, s.metric), (21, 19.25));
}

#[test]
fn swemwbs_refuses_incomplete_forms_and_answers_out_of_range() {
    let mut items = [Some(3); 7];
    items[1] = None;
    items[4] = None;
    let err = score_swemwbs(&items).unwrap_err();
    assert_eq!(err, InstrumentError::SwemwbsIncomplete { unanswered: vec![2, 5] });
    assert_eq!(err.to_string(), "SWEMWBS not scored: every item must be answered, and items 2 and 5 are unanswered");
    items[1] = Some(0);
    assert_eq!(score_swemwbs(&items).unwrap_err().to_string(), "Item 2 must be 1, 2, 3, 4 or 5; got 0");
    let mut items = [Some(3); 7];
    items[6] = Some(6);
    assert_eq!(score_swemwbs(&items).unwrap_err(), InstrumentError::SwemwbsItemOutOfRange { item: 7, got: 6 });
    assert!(SWEMWBS_CREDIT.contains("© NHS Health Scotland, University of Warwick and University of Edinburgh"));
    assert_eq!(SWEMWBS_ITEMS.len(), 7);
}

// ---------------------------------------------------------------------------------------------
// Reading

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn reading_gap_is_reading_age_less_whole_months_of_age() {
    // Born 15 March 2014, assessed 30 November 2026: 12 years 8 months = 152 months.
    assert_eq!(chronological_age_months(d("2014-03-15"), d("2026-11-30")), Ok(152));
    // Reading age 10 years 0 months: 32 months behind.
    assert_eq!(reading_gap_months(120, d("2014-03-15"), d("2026-11-30")), -32);
    // The day before the birthday of the month, the month is not complete.
    assert_eq!(chronological_age_months(d("2014-03-15"), d("2026-11-14")), Ok(151));
    assert_eq!(chronological_age_months(d("2014-03-15"), d("2026-11-15")), Ok(152));
    // Born on the 31st: a month is complete on the last day of a shorter month.
    assert_eq!(chronological_age_months(d("2015-01-31"), d("2015-02-28")), Ok(1));
    assert_eq!(chronological_age_months(d("2015-01-31"), d("2015-02-27")), Ok(0));
    // Reading ahead of age.
    assert_eq!(reading_gap_months(150, d("2015-09-01"), d("2026-09-01")), 18);
    // On the day of birth, and the impossible order.
    assert_eq!(chronological_age_months(d("2015-09-01"), d("2015-09-01")), Ok(0));
    let err = chronological_age_months(d("2015-09-01"), d("2015-08-31")).unwrap_err();
    assert_eq!(err.to_string(), "The assessment date 2015-08-31 is before the date of birth 2015-09-01");
    assert_eq!(reading_gap_months(24, d("2015-09-01"), d("2014-09-01")), 36, "counts, never panics");
}

#[test]
fn standardised_bands_and_plausible_values() {
    assert_eq!(standardised_band(84), StandardisedBand::BelowAverage);
    assert_eq!(standardised_band(85), StandardisedBand::Average);
    assert_eq!(standardised_band(100), StandardisedBand::Average);
    assert_eq!(standardised_band(115), StandardisedBand::Average);
    assert_eq!(standardised_band(116), StandardisedBand::AboveAverage);
    assert_eq!(standardised_band(116).label(), "Above average");
    assert_eq!(check_standardised_score(69), Ok(69));
    assert_eq!(
        check_standardised_score(39).unwrap_err().to_string(),
        "A standardised score must be between 40 and 160; got 39"
    );
    assert!(check_standardised_score(161).is_err());
    assert_eq!(check_reading_age_months(120), Ok(120));
    assert_eq!(
        check_reading_age_months(10).unwrap_err().to_string(),
        "Reading age must be between 24 and 240 months; got 10"
    );
}

// ---------------------------------------------------------------------------------------------
// Custom scales

fn scale() -> CustomScale {
    let items = ["I feel safe here", "I can ask for help", "I know what to do next"];
    CustomScale::new("Belonging", items.map(String::from).to_vec(), 1, 4, true)
}

#[test]
fn custom_scale_scores_total_and_mean() {
    let s = scale();
    assert_eq!(s.validate(), Ok(()));
    let score = s.score(&[Some(4), Some(2), Some(3)]).unwrap();
    assert_eq!((score.total, score.answered), (9, 3));
    assert_eq!(score.mean, 3.0);
    assert_eq!(s.direction_label(), "Higher is better");
}

#[test]
fn custom_scale_needs_every_item_unless_it_says_otherwise() {
    let mut s = scale();
    let err = s.score(&[Some(4), None, Some(3)]).unwrap_err();
    assert_eq!(err.to_string(), "Belonging not scored: 2 of 3 items answered and it needs at least 3");
    s.min_answered = Some(2);
    let score = s.score(&[Some(4), None, Some(3)]).unwrap();
    assert_eq!((score.total, score.answered, score.mean), (7, 2, 3.5));
    assert!(s.score(&[None, None, Some(3)]).is_err());
}

#[test]
fn custom_scale_refuses_answers_out_of_range_or_miscounted() {
    let s = scale();
    let err = s.score(&[Some(4), Some(5), Some(3)]).unwrap_err();
    assert_eq!(err.to_string(), "Item 2 must be between 1 and 4; got 5");
    assert_eq!(
        s.score(&[Some(0), Some(1), Some(1)]).unwrap_err(),
        InstrumentError::ItemOutOfRange { item: 1, min: 1, max: 4, got: 0 }
    );
    assert_eq!(s.score(&[Some(1), Some(1)]).unwrap_err().to_string(), "Belonging has 3 items; got 2 answers");
}

#[test]
fn custom_scale_definitions_are_checked_field_by_field() {
    let mut s = scale();
    s.name = "  ".into();
    s.items.push(" i feel SAFE here ".into());
    s.min = 4;
    s.max = 4;
    s.min_answered = Some(5);
    let errors = s.validate().unwrap_err();
    assert_eq!(errors.for_field("name"), Some("Enter a name for the scale"));
    assert_eq!(errors.for_field("items"), Some("Items 1 and 4 are the same"));
    assert_eq!(errors.for_field("max"), Some("The highest answer must be above the lowest (4); got 4"));
    assert_eq!(errors.for_field("min_answered"), Some("The items that must be answered must be from 1 to 4; got 5"));

    let blank = CustomScale::new("Mood", vec!["Calm".into(), " ".into()], 0, 10, false);
    assert_eq!(
        blank.validate().unwrap_err().for_field("items"),
        Some("Item 2 is blank: enter its wording or remove it")
    );
    let empty = CustomScale::new("Mood", vec![], 0, 10, false);
    assert_eq!(empty.validate().unwrap_err().for_field("items"), Some("Enter at least one item"));
    let long = CustomScale::new("Mood", (1..=51).map(|i| format!("Q{i}")).collect(), 0, 10, false);
    assert!(long.validate().unwrap_err().for_field("items").unwrap().contains("at most 50"));
}
