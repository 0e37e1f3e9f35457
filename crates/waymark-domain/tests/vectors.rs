//! The worked examples in `../shared/reference/vectors/` (computed from DOMAIN.md), checked against
//! the domain rules. The vectors live outside the repository; when they are absent (a clone
//! without `../shared`) these tests say so and check nothing.

use chrono::NaiveDate;
use waymark_domain::{AcademicYear, Term, Upn, YearGroup};

fn vectors(name: &str) -> Option<Vec<Vec<String>>> {
    let path = waymark_testkit::shared_path(&format!("reference/vectors/{name}"))?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(text.lines().skip(1).filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_string).collect()).collect())
}

#[test]
fn upn_vectors() {
    let Some(rows) = vectors("upn.csv") else {
        return;
    };
    assert!(rows.len() > 10);
    for row in rows {
        let result = Upn::parse(&row[0]);
        assert_eq!(
            result.is_ok(),
            row[1] == "valid",
            "UPN {} expected {} ({}): got {:?}",
            row[0],
            row[1],
            row[2],
            result
        );
    }
}

#[test]
fn census_day_vectors() {
    let Some(rows) = vectors("census_days.csv") else {
        return;
    };
    assert!(rows.len() >= 25);
    for row in rows {
        let year: AcademicYear = row[0].parse().unwrap();
        for (term, text) in [(Term::Autumn, &row[1]), (Term::Spring, &row[2]), (Term::Summer, &row[3])] {
            let expected = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
            assert_eq!(year.census_day(term), expected, "{year} {term:?}");
        }
    }
}

#[test]
fn year_group_vectors() {
    let Some(rows) = vectors("year_group.csv") else {
        return;
    };
    assert!(rows.len() > 3);
    for row in rows {
        let dob = NaiveDate::parse_from_str(&row[0], "%Y-%m-%d").unwrap();
        let year: AcademicYear = row[1].parse().unwrap();
        let expected: YearGroup = row[2].parse().unwrap();
        assert_eq!(YearGroup::for_birth_date(dob, year), expected, "born {dob} in {year}");
    }
}
