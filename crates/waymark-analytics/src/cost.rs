//! What a commissioner pays for its placements: each placement's duration and cost, and per
//! provision the cost per outcome achieved (docs/measures.md, "Cost per outcome achieved").
//!
//! A placement's duration runs from its first day to its last (or to the day the data runs to,
//! while it goes on), in calendar weeks. Its cost is its weekly cost × those weeks. An outcome is
//! achieved when the placement ended in the ending its tier plans for: a return to mainstream
//! (tiers 1 and 2), or a move to a special school or on to post-16 (tier 3; a tier 2 placement
//! ending that way counts too, since it is a planned, positive move). Cost per outcome achieved
//! = the cost of the ended placements with a recorded weekly cost / the outcomes achieved among
//! them; with none achieved there is no such figure (the cost is spent, nothing was achieved).

use crate::inputs::{PlacementOutcome, PlacementRow, SettingId};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// One placement, costed.
#[derive(Debug, Clone, PartialEq)]
pub struct CostedPlacement {
    pub placement: i64,
    pub provision: SettingId,
    /// Days from the first day to the last (or to `as_of`), counting both.
    pub days: i64,
    /// `days / 7`.
    pub weeks: f64,
    pub weekly_pence: Option<i64>,
    /// `weekly_pence × weeks`, rounded to the penny.
    pub cost_pence: Option<i64>,
    pub ended: bool,
    /// `None` while the placement goes on.
    pub achieved: Option<bool>,
}

/// Per provision: what was spent and what it bought.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionCost {
    pub provision: SettingId,
    pub placements: u64,
    /// Placements with a weekly cost recorded.
    pub costed: u64,
    /// Ended placements with a weekly cost recorded: the denominator's population.
    pub ended_costed: u64,
    /// Their cost, in pence.
    pub ended_cost_pence: i64,
    /// Outcomes achieved among them.
    pub achieved: u64,
    /// `ended_cost_pence / achieved`; `None` with no outcome achieved.
    pub cost_per_outcome_pence: Option<i64>,
    /// Mean weekly cost over the costed placements, in pence.
    pub mean_weekly_pence: Option<i64>,
    /// Median duration in weeks over every placement.
    pub median_weeks: Option<f64>,
}

/// Whether a placement that ended achieved the ending its tier plans for.
pub fn achieved(outcome: PlacementOutcome) -> Option<bool> {
    match outcome {
        PlacementOutcome::Ongoing => None,
        PlacementOutcome::ReturnedToMainstream | PlacementOutcome::SpecialSchool | PlacementOutcome::Post16 => {
            Some(true)
        }
        PlacementOutcome::MovedProvision | PlacementOutcome::Other => Some(false),
    }
}

/// Cost every placement, `weekly` giving the weekly cost in pence by placement id.
pub fn placements(rows: &[PlacementRow], weekly: &HashMap<i64, i64>, as_of: NaiveDate) -> Vec<CostedPlacement> {
    rows.iter()
        .map(|p| {
            let last = p.end.unwrap_or(as_of).max(p.start);
            let days = (last - p.start).num_days() + 1;
            let weeks = days as f64 / 7.0;
            let weekly_pence = weekly.get(&p.id).copied();
            CostedPlacement {
                placement: p.id,
                provision: p.provision,
                days,
                weeks,
                weekly_pence,
                cost_pence: weekly_pence.map(|w| (w as f64 * weeks).round() as i64),
                ended: p.end.is_some(),
                achieved: achieved(p.outcome),
            }
        })
        .collect()
}

/// Sum the costed placements per provision.
pub fn by_provision(costed: &[CostedPlacement]) -> BTreeMap<SettingId, ProvisionCost> {
    let mut groups: BTreeMap<SettingId, Vec<&CostedPlacement>> = BTreeMap::new();
    for c in costed {
        groups.entry(c.provision).or_default().push(c);
    }
    groups
        .into_iter()
        .map(|(provision, list)| {
            let costed: Vec<&&CostedPlacement> = list.iter().filter(|c| c.weekly_pence.is_some()).collect();
            let ended: Vec<&&CostedPlacement> = costed.iter().copied().filter(|c| c.ended).collect();
            let ended_cost_pence: i64 = ended.iter().filter_map(|c| c.cost_pence).sum();
            let achieved = ended.iter().filter(|c| c.achieved == Some(true)).count() as u64;
            let weekly: i64 = costed.iter().filter_map(|c| c.weekly_pence).sum();
            let mut weeks: Vec<f64> = list.iter().map(|c| c.weeks).collect();
            weeks.sort_by(f64::total_cmp);
            let median_weeks = match weeks.len() {
                0 => None,
                n if n % 2 == 1 => Some(weeks[n / 2]),
                n => Some((weeks[n / 2 - 1] + weeks[n / 2]) / 2.0),
            };
            let cost = ProvisionCost {
                provision,
                placements: list.len() as u64,
                costed: costed.len() as u64,
                ended_costed: ended.len() as u64,
                ended_cost_pence,
                achieved,
                cost_per_outcome_pence: (achieved > 0)
                    .then(|| (ended_cost_pence as f64 / achieved as f64).round() as i64),
                mean_weekly_pence: (!costed.is_empty()).then(|| (weekly as f64 / costed.len() as f64).round() as i64),
                median_weeks,
            };
            (provision, cost)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(id: i64, provision: i64, start: &str, end: Option<&str>, outcome: PlacementOutcome) -> PlacementRow {
        PlacementRow {
            id,
            pupil: id,
            provision,
            referring_school: None,
            la: 202,
            tier: 2,
            start: d(start),
            end: end.map(d),
            outcome,
        }
    }

    #[test]
    fn costs_durations_and_cost_per_outcome() {
        use PlacementOutcome::*;
        let rows = vec![
            // 14 days: 2 weeks at £420 = £840, returned.
            row(1, 10, "2025-09-01", Some("2025-09-14"), ReturnedToMainstream),
            // 7 weeks at £420 = £2,940, ended otherwise.
            row(2, 10, "2025-09-01", Some("2025-10-19"), Other),
            // Ongoing: 21 days to as_of, not in the cost per outcome.
            row(3, 10, "2025-10-01", None, Ongoing),
            // No cost recorded: counted in durations only.
            row(4, 10, "2025-09-01", Some("2025-09-07"), ReturnedToMainstream),
            // Another provision: nothing achieved, no cost per outcome.
            row(5, 20, "2025-09-01", Some("2025-09-28"), MovedProvision),
        ];
        let weekly: HashMap<i64, i64> = [(1, 42_000), (2, 42_000), (3, 42_000), (5, 18_000)].into();
        let costed = placements(&rows, &weekly, d("2025-10-21"));
        assert_eq!((costed[0].days, costed[0].cost_pence), (14, Some(84_000)));
        assert_eq!((costed[1].days, costed[1].cost_pence), (49, Some(294_000)));
        assert_eq!((costed[2].days, costed[2].ended, costed[2].achieved), (21, false, None));
        assert_eq!(costed[3].cost_pence, None);
        let by = by_provision(&costed);
        let a = &by[&10];
        assert_eq!((a.placements, a.costed, a.ended_costed, a.achieved), (4, 3, 2, 1));
        assert_eq!(a.ended_cost_pence, 378_000);
        assert_eq!(a.cost_per_outcome_pence, Some(378_000), "£3,780 spent for one return");
        assert_eq!(a.mean_weekly_pence, Some(42_000));
        // Weeks 1, 2, 3, 7: median 2.5.
        assert_eq!(a.median_weeks, Some(2.5));
        let b = &by[&20];
        assert_eq!((b.achieved, b.cost_per_outcome_pence, b.ended_cost_pence), (0, None, 72_000));
    }

    #[test]
    fn a_pupil_who_moves_provision_mid_term() {
        // Pupil 7 leaves provision 10 for provision 20 on 20 October (mid autumn term) and returns
        // to mainstream from there: the first placement is costed at 10 and achieved nothing; the
        // second is costed at 20 and achieved the return.
        let mut first = row(1, 10, "2025-09-01", Some("2025-10-19"), PlacementOutcome::MovedProvision);
        let mut second = row(2, 20, "2025-10-20", Some("2025-12-14"), PlacementOutcome::ReturnedToMainstream);
        first.pupil = 7;
        second.pupil = 7;
        let weekly: HashMap<i64, i64> = [(1, 42_000), (2, 30_000)].into();
        let by = by_provision(&placements(&[first, second], &weekly, d("2026-01-01")));
        assert_eq!((by[&10].ended_cost_pence, by[&10].achieved, by[&10].cost_per_outcome_pence), (294_000, 0, None));
        assert_eq!((by[&20].ended_cost_pence, by[&20].achieved), (240_000, 1), "8 weeks at £300");
        assert_eq!(by[&20].cost_per_outcome_pence, Some(240_000));
    }

    #[test]
    fn edges_one_day_future_start_and_no_cost() {
        // A placement that ended on its first day lasts one day; one starting after as_of has
        // lasted one day (never a negative duration).
        let rows = vec![
            row(1, 10, "2025-09-01", Some("2025-09-01"), PlacementOutcome::SpecialSchool),
            row(2, 10, "2025-12-01", None, PlacementOutcome::Ongoing),
        ];
        let costed = placements(&rows, &HashMap::new(), d("2025-10-01"));
        assert_eq!((costed[0].days, costed[1].days), (1, 1));
        let by = by_provision(&costed);
        assert_eq!((by[&10].costed, by[&10].cost_per_outcome_pence, by[&10].mean_weekly_pence), (0, None, None));
        assert!(by_provision(&[]).is_empty());
    }
}
