//! The duty checks' date rules (DOMAIN.md sections 5 and 6), as pure functions over dates and
//! timetable steps: the sixth school day of a permanent exclusion and whether full-time
//! education was in place on it, and how long a placement has been below full time.
//!
//! School days here are Monday to Friday; holidays are not known to the records, so across a
//! holiday the sixth day comes early and the check errs towards listing a pupil.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Full time in AP: 10 sessions a week (two a day, five days).
pub const FULL_TIME: i64 = 10;

fn school_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The sixth school day of an exclusion starting on `start` (day 1 is the first school day on
/// or after `start`).
pub fn sixth_school_day(start: NaiveDate) -> NaiveDate {
    let mut d = start;
    while !school_day(d) {
        d += Duration::days(1);
    }
    let mut counted = 1;
    while counted < 6 {
        d += Duration::days(1);
        if school_day(d) {
            counted += 1;
        }
    }
    d
}

/// A placement as the duty checks read it: its dates and timetable steps (from, sessions a week
/// in AP and mainstream together), in date order.
#[derive(Debug, Clone, PartialEq)]
pub struct Spell {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub steps: Vec<(NaiveDate, i64)>,
}

impl Spell {
    /// Whether the placement runs on `day`.
    pub fn runs_on(&self, day: NaiveDate) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }

    /// Sessions a week on `day`: the latest step from on or before it (0 with none).
    pub fn sessions_on(&self, day: NaiveDate) -> i64 {
        self.steps.iter().rev().find(|(from, _)| *from <= day).map_or(0, |s| s.1)
    }

    /// Since when the placement has been below full time without a break, if it is on `day`.
    /// With no step recorded yet it counts from the placement's start.
    pub fn part_time_since(&self, day: NaiveDate) -> Option<NaiveDate> {
        if !self.runs_on(day) || self.sessions_on(day) >= FULL_TIME {
            return None;
        }
        // Before its first step a placement has no timetable: 0 sessions, part time.
        let mut since = Some(self.start);
        for (from, sessions) in self.steps.iter().filter(|(from, _)| *from <= day) {
            if *sessions >= FULL_TIME {
                since = None;
            } else if since.is_none() {
                since = Some((*from).max(self.start));
            }
        }
        since
    }
}

/// What was in place on the sixth school day of a permanent exclusion.
#[derive(Debug, Clone, PartialEq)]
pub enum SixthDay {
    /// Not yet reached on the day of the check.
    NotYet(NaiveDate),
    /// A placement running on the sixth day at full time: the duty met.
    FullTime(NaiveDate),
    /// Placements running on the sixth day, but below full time (the most sessions among them).
    PartTime { day: NaiveDate, sessions: i64 },
    /// Nothing running on the sixth day; a placement began later (the first such start).
    Late { day: NaiveDate, from: NaiveDate },
    /// Nothing recorded at all.
    Nothing(NaiveDate),
}

impl SixthDay {
    /// Whether the check lists the pupil.
    pub fn breached(&self) -> bool {
        !matches!(self, SixthDay::NotYet(_) | SixthDay::FullTime(_))
    }
}

/// The sixth-day check for an exclusion starting on `start`, checked on `today`, against the
/// pupil's placements.
pub fn sixth_day(start: NaiveDate, today: NaiveDate, spells: &[Spell]) -> SixthDay {
    let day = sixth_school_day(start);
    if day > today {
        return SixthDay::NotYet(day);
    }
    let running: Vec<&Spell> = spells.iter().filter(|s| s.runs_on(day)).collect();
    if let Some(sessions) = running.iter().map(|s| s.sessions_on(day)).max() {
        return if sessions >= FULL_TIME { SixthDay::FullTime(day) } else { SixthDay::PartTime { day, sessions } };
    }
    match spells.iter().filter(|s| s.start > day).map(|s| s.start).min() {
        Some(from) => SixthDay::Late { day, from },
        None => SixthDay::Nothing(day),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn sixth_school_day_skips_weekends() {
        // Monday 5 January 2026: day 6 is Monday 12 January.
        assert_eq!(sixth_school_day(d("2026-01-05")), d("2026-01-12"));
        // Thursday 8 January: Thu, Fri, Mon, Tue, Wed, Thu 15 January.
        assert_eq!(sixth_school_day(d("2026-01-08")), d("2026-01-15"));
        // A Saturday start counts from Monday 12 January: day 6 is Monday 19 January.
        assert_eq!(sixth_school_day(d("2026-01-10")), d("2026-01-19"));
    }

    #[test]
    fn the_sixth_day_check() {
        let start = d("2026-01-05");
        let full = Spell { start: d("2026-01-12"), end: None, steps: vec![(d("2026-01-12"), 10)] };
        assert_eq!(sixth_day(start, d("2026-01-09"), &[]), SixthDay::NotYet(d("2026-01-12")));
        assert_eq!(sixth_day(start, d("2026-02-01"), std::slice::from_ref(&full)), SixthDay::FullTime(d("2026-01-12")));
        assert!(!SixthDay::FullTime(d("2026-01-12")).breached());
        let part = Spell { steps: vec![(d("2026-01-12"), 6)], ..full.clone() };
        assert_eq!(
            sixth_day(start, d("2026-02-01"), &[part]),
            SixthDay::PartTime { day: d("2026-01-12"), sessions: 6 }
        );
        // One day late: starts on day 7.
        let late = Spell { start: d("2026-01-13"), ..full.clone() };
        let check = sixth_day(start, d("2026-02-01"), &[late]);
        assert_eq!(check, SixthDay::Late { day: d("2026-01-12"), from: d("2026-01-13") });
        assert!(check.breached());
        // A placement that ended before the sixth day does not count.
        let ended = Spell { start: d("2025-12-01"), end: Some(d("2026-01-09")), steps: vec![(d("2025-12-01"), 10)] };
        assert_eq!(sixth_day(start, d("2026-02-01"), &[ended]), SixthDay::Nothing(d("2026-01-12")));
        // No timetable recorded on a running placement: 0 sessions, part time.
        let bare = Spell { steps: vec![], ..full };
        assert_eq!(
            sixth_day(start, d("2026-02-01"), &[bare]),
            SixthDay::PartTime { day: d("2026-01-12"), sessions: 0 }
        );
    }

    #[test]
    fn a_pupil_who_moves_provision_before_the_sixth_day() {
        // Excluded Monday 5 January; at one provision (full time) until Friday 9 January, then at
        // another from Monday 12 January, the sixth day, at 8 sessions: not full time on the day.
        let start = d("2026-01-05");
        let first = Spell { start: d("2026-01-06"), end: Some(d("2026-01-09")), steps: vec![(d("2026-01-06"), 10)] };
        let second = Spell { start: d("2026-01-12"), end: None, steps: vec![(d("2026-01-12"), 8)] };
        let check = sixth_day(start, d("2026-02-01"), &[first.clone(), second]);
        assert_eq!(check, SixthDay::PartTime { day: d("2026-01-12"), sessions: 8 });
        let second = Spell { start: d("2026-01-12"), end: None, steps: vec![(d("2026-01-12"), 10)] };
        assert_eq!(sixth_day(start, d("2026-02-01"), &[first, second]), SixthDay::FullTime(d("2026-01-12")));
    }

    #[test]
    fn part_time_since() {
        let today = d("2026-03-02");
        let s = Spell { start: d("2026-01-05"), end: None, steps: vec![(d("2026-01-05"), 6), (d("2026-02-02"), 8)] };
        assert_eq!(s.part_time_since(today), Some(d("2026-01-05")), "part time throughout");
        let s = Spell { steps: vec![(d("2026-01-05"), 10), (d("2026-02-02"), 8)], ..s };
        assert_eq!(s.part_time_since(today), Some(d("2026-02-02")), "part time since the step down");
        let s = Spell { steps: vec![(d("2026-01-05"), 6), (d("2026-02-02"), 10)], ..s };
        assert_eq!(s.part_time_since(today), None, "full time now");
        let s = Spell { steps: vec![], ..s };
        assert_eq!(s.part_time_since(today), Some(d("2026-01-05")), "no timetable: since the start");
        let s = Spell { end: Some(d("2026-02-01")), ..s };
        assert_eq!(s.part_time_since(today), None, "ended");
    }
}
