//! The school calendar: academic years (1 September to 31 August), terms, census days and
//! national curriculum year groups.

use chrono::{Datelike, NaiveDate, Weekday};
use std::fmt;
use std::str::FromStr;

/// An academic year, identified by the calendar year in which it starts (2016 for `2016/17`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcademicYear(pub i32);

/// The three school terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    /// September to December.
    Autumn,
    /// January to Easter.
    Spring,
    /// Easter to the end of the year.
    Summer,
}

impl Term {
    pub const ALL: [Term; 3] = [Term::Autumn, Term::Spring, Term::Summer];

    /// The code the import templates use: `autumn`, `spring`, `summer`.
    pub fn code(self) -> &'static str {
        match self {
            Term::Autumn => "autumn",
            Term::Spring => "spring",
            Term::Summer => "summer",
        }
    }

    pub fn from_code(code: &str) -> Option<Term> {
        Term::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Term::Autumn => "Autumn",
            Term::Spring => "Spring",
            Term::Summer => "Summer",
        }
    }
}

impl AcademicYear {
    /// The academic year that contains `date`.
    pub fn containing(date: NaiveDate) -> AcademicYear {
        if date.month() >= 9 {
            AcademicYear(date.year())
        } else {
            AcademicYear(date.year() - 1)
        }
    }

    /// 1 September.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 9, 1).expect("valid date")
    }

    /// 31 August.
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 8, 31).expect("valid date")
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// DfE's `time_period` form: `201617`.
    pub fn dfe_period(self) -> String {
        format!("{}{:02}", self.0, (self.0 + 1) % 100)
    }

    /// Parse DfE's `time_period` form (`201617`).
    pub fn from_dfe_period(text: &str) -> Result<AcademicYear, String> {
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("expected a DfE time period such as 201617, found {text:?}"));
        }
        let start: i32 = text[..4].parse().expect("digits");
        let end: i32 = text[4..].parse().expect("digits");
        if (start + 1) % 100 != end {
            return Err(format!("{text:?} is not a DfE academic year: the last two digits must follow the first four"));
        }
        Ok(AcademicYear(start))
    }

    /// The school census day of a term: autumn is the first Thursday of October, spring the
    /// third Thursday of January, summer the third Thursday of May (DOMAIN.md §3).
    pub fn census_day(self, term: Term) -> NaiveDate {
        let (year, month, nth) = match term {
            Term::Autumn => (self.0, 10, 1),
            Term::Spring => (self.0 + 1, 1, 3),
            Term::Summer => (self.0 + 1, 5, 3),
        };
        NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Thu, nth).expect("every month has three Thursdays")
    }

    /// The term a date falls in, or `None` outside this year. Spring ends and summer starts on
    /// Easter Sunday (schools' Easter holidays vary; Easter Sunday is the common boundary).
    pub fn term_of(self, date: NaiveDate) -> Option<Term> {
        if !self.contains(date) {
            return None;
        }
        Some(if date.month() >= 9 {
            Term::Autumn
        } else if date < easter_sunday(self.0 + 1) {
            Term::Spring
        } else {
            Term::Summer
        })
    }
    /// The first and last days of a term, on the boundaries [`AcademicYear::term_of`] uses:
    /// autumn 1 September to 31 December, spring 1 January to the day before Easter Sunday,
    /// summer Easter Sunday to 31 August.
    pub fn term_dates(self, term: Term) -> (NaiveDate, NaiveDate) {
        let easter = easter_sunday(self.0 + 1);
        let new_year = NaiveDate::from_ymd_opt(self.0 + 1, 1, 1).expect("valid date");
        match term {
            Term::Autumn => (self.first_day(), new_year.pred_opt().expect("valid date")),
            Term::Spring => (new_year, easter.pred_opt().expect("valid date")),
            Term::Summer => (easter, self.last_day()),
        }
    }

    /// The term containing `date` and its first and last days.
    pub fn term_around(date: NaiveDate) -> (AcademicYear, Term, NaiveDate, NaiveDate) {
        let year = AcademicYear::containing(date);
        let term = year.term_of(date).expect("a date is in the academic year containing it");
        let (first, last) = year.term_dates(term);
        (year, term, first, last)
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("valid Easter date")
}

impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

impl FromStr for AcademicYear {
    type Err = String;

    /// Parse `2016/17`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected an academic year such as 2016/17, found {text:?}");
        let (start, end) = text.trim().split_once('/').ok_or_else(bad)?;
        if start.len() != 4 || end.len() != 2 {
            return Err(bad());
        }
        let start: i32 = start.parse().map_err(|_| bad())?;
        let end: i32 = end.parse().map_err(|_| bad())?;
        if (start + 1) % 100 != end {
            return Err(format!("{text:?} is not an academic year: the second part must be the year after the first"));
        }
        Ok(AcademicYear(start))
    }
}

/// A national curriculum year group: 0 is Reception, negative values are nursery, 1 to 14 are
/// Years 1 to 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearGroup(pub i8);

impl YearGroup {
    /// The year group a pupil born on `dob` is in during `year`: their age on the 31 August
    /// before the year starts, minus 4.
    pub fn for_birth_date(dob: NaiveDate, year: AcademicYear) -> YearGroup {
        let reference = NaiveDate::from_ymd_opt(year.0, 8, 31).expect("valid date");
        let mut age = reference.year() - dob.year();
        if (reference.month(), reference.day()) < (dob.month(), dob.day()) {
            age -= 1;
        }
        YearGroup((age - 4).clamp(-4, 20) as i8)
    }

    /// A human label: "Reception", "Year 7", "Nursery".
    pub fn label(self) -> String {
        match self.0 {
            0 => "Reception".to_string(),
            n if n < 0 => "Nursery".to_string(),
            n => format!("Year {n}"),
        }
    }

    /// Whether pupils of this year group are of compulsory school age for the whole year
    /// (Years 1 to 11).
    pub fn is_compulsory(self) -> bool {
        (1..=11).contains(&self.0)
    }
}

impl fmt::Display for YearGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("R"),
            n => write!(f, "{n}"),
        }
    }
}

impl FromStr for YearGroup {
    type Err = String;

    /// Parse the census form: `R` for Reception or a number.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "R" | "r" => Ok(YearGroup(0)),
            t => t
                .parse::<i8>()
                .ok()
                .filter(|n| (-2..=14).contains(n))
                .map(YearGroup)
                .ok_or_else(|| format!("expected a year group R or 1 to 14, found {text:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn academic_year_forms() {
        let y: AcademicYear = "2016/17".parse().unwrap();
        assert_eq!(y, AcademicYear(2016));
        assert_eq!(y.to_string(), "2016/17");
        assert_eq!(y.dfe_period(), "201617");
        assert_eq!(AcademicYear::from_dfe_period("201617").unwrap(), y);
        assert!("2016/18".parse::<AcademicYear>().is_err());
        assert!(AcademicYear::from_dfe_period("201618").is_err());
        assert_eq!("1999/00".parse::<AcademicYear>().unwrap(), AcademicYear(1999));
    }

    #[test]
    fn year_boundaries() {
        assert_eq!(AcademicYear::containing(d(2017, 8, 31)), AcademicYear(2016));
        assert_eq!(AcademicYear::containing(d(2017, 9, 1)), AcademicYear(2017));
    }

    #[test]
    fn terms_split_at_easter() {
        let y = AcademicYear(2023);
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(y.term_of(d(2023, 12, 1)), Some(Term::Autumn));
        assert_eq!(y.term_of(d(2024, 3, 30)), Some(Term::Spring));
        assert_eq!(y.term_of(d(2024, 4, 15)), Some(Term::Summer));
        assert_eq!(y.term_of(d(2024, 9, 1)), None);
    }

    #[test]
    fn term_dates_meet_without_gaps() {
        let y = AcademicYear(2023);
        assert_eq!(y.term_dates(Term::Autumn), (d(2023, 9, 1), d(2023, 12, 31)));
        assert_eq!(y.term_dates(Term::Spring), (d(2024, 1, 1), d(2024, 3, 30)));
        assert_eq!(y.term_dates(Term::Summer), (d(2024, 3, 31), d(2024, 8, 31)));
        // Every day of the year is in exactly the term term_of names, and term_around agrees.
        let mut day = y.first_day();
        while day <= y.last_day() {
            let (year, term, first, last) = AcademicYear::term_around(day);
            assert_eq!((year, Some(term)), (y, y.term_of(day)), "{day}");
            assert!(first <= day && day <= last, "{day} outside {first} to {last}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn year_group_edges() {
        let y = AcademicYear(2021);
        assert_eq!(YearGroup::for_birth_date(d(2010, 9, 1), y), YearGroup(6));
        assert_eq!(YearGroup::for_birth_date(d(2010, 8, 31), y), YearGroup(7));
        assert_eq!(YearGroup(0).to_string(), "R");
        assert_eq!(YearGroup(7).label(), "Year 7");
    }
}
