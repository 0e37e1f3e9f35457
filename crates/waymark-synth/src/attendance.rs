//! Attendance: the school calendar and each enrolment's marks for a term as one string, one
//! character per session (two a day, school days only), in DfE codes.
//!
//! Multi-character codes are written as one internal symbol (see `docs/import-format.md`):
//! `C1` → `1`, `C2` → `2`, `J1` → `j`, `Y1`..`Y7` → `a`..`g`. `Z` marks sessions when the pupil
//! was not on this roll (before joining or after leaving).

use crate::pupils::Traits;
use crate::targets::{Phase, SenKey};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::Rng;
use waymark_domain::{calendar::easter_sunday, AcademicYear, Term};

/// Every symbol that may appear in a marks string.
pub use waymark_domain::attendance::SYMBOLS;

/// The school days of a year, by term: 190 days (380 sessions), with half-term weeks in late
/// October, mid-February and late May, and Christmas and Easter holidays.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolCalendar {
    pub terms: [Vec<NaiveDate>; 3],
}

fn weekdays(from: NaiveDate, to: NaiveDate, skip: &[(NaiveDate, NaiveDate)]) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if !weekend && !skip.iter().any(|(a, b)| *a <= d && d <= *b) {
            out.push(d);
        }
        d += Duration::days(1);
    }
    out
}

fn week_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    (monday, monday + Duration::days(4))
}

impl SchoolCalendar {
    pub fn for_year(year: AcademicYear) -> SchoolCalendar {
        let y = year.0;
        let d = |yy: i32, m: u32, dd: u32| NaiveDate::from_ymd_opt(yy, m, dd).expect("valid date");
        let autumn = weekdays(d(y, 9, 5), d(y, 12, 20), &[week_of(d(y, 10, 26))]);
        let easter = easter_sunday(y + 1);
        let spring = weekdays(d(y + 1, 1, 4), easter - Duration::days(3), &[week_of(d(y + 1, 2, 15))]);
        let may_bank = NaiveDate::from_weekday_of_month_opt(y + 1, 5, Weekday::Mon, 1).expect("a Monday");
        let mut summer =
            weekdays(easter + Duration::days(8), d(y + 1, 7, 31), &[week_of(d(y + 1, 5, 29)), (may_bank, may_bank)]);
        let target = 190 - autumn.len() - spring.len();
        summer.truncate(target);
        SchoolCalendar { terms: [autumn, spring, summer] }
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.terms.iter().flatten().copied()
    }

    pub fn term_index(term: Term) -> usize {
        match term {
            Term::Autumn => 0,
            Term::Spring => 1,
            Term::Summer => 2,
        }
    }
}

/// What a pupil is doing on a school day, for the register of one enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// Not on this roll.
    OffRoll,
    /// Expected here all day.
    Here,
    /// Suspended, no alternative provision arranged (`E`).
    Suspended,
    /// At the other school of a dual registration (`D`).
    Elsewhere,
    /// Not expected on a part-time timetable (`C2`).
    PartTime,
}

/// A pupil's chance of missing a day, before the term's factor: about 6.5% on average,
/// higher with FSM, SEN and a social worker, and higher in secondary years.
pub fn daily_absence(t: &Traits) -> f64 {
    let mut a = 0.056 * f64::from(t.absence);
    if t.fsm {
        a *= 1.6;
    }
    a *= match t.sen {
        SenKey::None => 1.0,
        SenKey::Support => 1.4,
        SenKey::Ehc => 1.5,
    };
    if t.cin {
        a *= 1.5;
    }
    if t.phase == Phase::Secondary && t.year >= 9 {
        a *= 1.25;
    }
    a.min(0.9)
}

/// Winter illness: more absence in spring, less in summer.
const TERM_FACTOR: [f64; 3] = [0.95, 1.15, 0.9];

/// Absence reasons with their shares of absent days.
const REASONS: [(u8, f64); 8] =
    [(b'I', 0.60), (b'O', 0.12), (b'G', 0.06), (b'C', 0.04), (b'N', 0.03), (b'M', 0.08), (b'R', 0.01), (b'U', 0.06)];

fn reason(rng: &mut impl Rng) -> u8 {
    let mut x: f64 = rng.gen();
    for (code, w) in REASONS {
        if x < w {
            return code;
        }
        x -= w;
    }
    b'I'
}

/// Write one term's marks into `out` (cleared first), given each day's situation.
pub fn marks(rng: &mut impl Rng, absence: f64, term: usize, days: &[Day], out: &mut Vec<u8>) {
    out.clear();
    let p = (absence * TERM_FACTOR[term]).min(0.95);
    for day in days {
        match day {
            Day::OffRoll => out.extend_from_slice(b"ZZ"),
            Day::Suspended => out.extend_from_slice(b"EE"),
            Day::Elsewhere => out.extend_from_slice(b"DD"),
            Day::PartTime => out.extend_from_slice(b"22"),
            Day::Here => {
                let u: f64 = rng.gen();
                if u < p {
                    let code = reason(rng);
                    // Appointments and late arrivals take one session; the rest a whole day.
                    if code == b'M' || code == b'U' {
                        out.extend_from_slice(&[code, b'\\']);
                    } else {
                        out.extend_from_slice(&[code, code]);
                    }
                } else if u < p + 0.015 {
                    out.extend_from_slice(b"L\\");
                } else {
                    out.extend_from_slice(b"/\\");
                }
            }
        }
    }
}

/// Sessions counted as possible and as absent in a marks string (DfE's definitions).
pub fn possible_and_absent(marks: &[u8]) -> (u32, u32) {
    let mut possible = 0;
    let mut absent = 0;
    for &m in marks {
        match m {
            b'/' | b'\\' | b'L' | b'K' | b'V' | b'P' | b'W' | b'B' => possible += 1,
            b'1' | b'M' | b'j' | b'S' | b'2' | b'C' | b'T' | b'R' | b'I' | b'E' | b'G' | b'N' | b'O' | b'U' => {
                possible += 1;
                absent += 1;
            }
            _ => {}
        }
    }
    (possible, absent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_has_190_days() {
        for y in 2006..2026 {
            let c = SchoolCalendar::for_year(AcademicYear(y));
            assert_eq!(c.days().count(), 190, "{y}");
            assert!(c.terms.iter().all(|t| t.len() > 40), "{y}");
        }
    }
}
