//! The holistic measures shown beside the five outcomes (DOMAIN.md §2, §7): wellbeing, check-ins,
//! incidents, waiting, part-time timetables and interventions. Same shape as `measures`: placement
//! by placement, then by the group's key.

use crate::definitions::def;
use crate::inputs::*;
use crate::measures::{by, by_pupil, counts, first_and_last, means, proportions, Figures, Scope};
use chrono::NaiveDate;
use waymark_domain::instruments::{total_band, SdqVersion};

/// SDQ total difficulties change, first to last form of `version` in the placement.
pub fn sdq_total_change(t: &Tables, s: &Scope, version: SdqVersion) -> Figures {
    let assessments = by_pupil(t, &t.assessments, |a| a.pupil);
    means(t, s, def("sdq_total_change"), |p| {
        first_and_last(assessments.get(&p.pupil), p, s, Instrument::Sdq(version)).map(|(a, b)| b - a)
    })
}

/// The share of placements whose SDQ total band (for `version`) was lower on the last form.
pub fn sdq_band_improved(t: &Tables, s: &Scope, version: SdqVersion) -> Figures {
    let assessments = by_pupil(t, &t.assessments, |a| a.pupil);
    let band = |score: f64| total_band(version, score.round().clamp(0.0, 40.0) as u8);
    proportions(t, s, def("sdq_band_improved"), |p| {
        first_and_last(assessments.get(&p.pupil), p, s, Instrument::Sdq(version)).map(|(a, b)| band(b) < band(a))
    })
}

/// SWEMWBS metric score change, first to last complete form in the placement.
pub fn swemwbs_change(t: &Tables, s: &Scope) -> Figures {
    let assessments = by_pupil(t, &t.assessments, |a| a.pupil);
    means(t, s, def("swemwbs_change"), |p| {
        first_and_last(assessments.get(&p.pupil), p, s, Instrument::Swemwbs).map(|(a, b)| b - a)
    })
}

/// The least-squares slope of `(day, value)` points, per day; `None` unless at least two
/// different days.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The trend of a pupil's check-ins at the provision during the placement, in points per 28 days.
pub fn checkin_trend(t: &Tables, s: &Scope) -> Figures {
    let checkins = by_pupil(t, &t.checkins, |c| c.pupil);
    means(t, s, def("checkin_trend"), |p| {
        let last = s.last_day(p);
        let points: Vec<(f64, f64)> = checkins
            .get(&p.pupil)?
            .iter()
            .filter(|c| c.setting == p.provision && c.date >= p.start && c.date <= last)
            .map(|c| ((c.date - p.start).num_days() as f64, c.rating))
            .collect();
        slope(&points).map(|per_day| per_day * 28.0)
    })
}

/// Incidents per 28 days during the placement minus per 28 days in the 182 days before it.
pub fn incidents_change(t: &Tables, s: &Scope) -> Figures {
    let incidents = by_pupil(t, &t.incidents, |i| i.pupil);
    means(t, s, def("incidents_change"), |p| {
        if p.start > s.as_of {
            return None;
        }
        let last = s.last_day(p);
        let during_days = (last - p.start).num_days() + 1;
        let before_start = p.start - chrono::Days::new(182);
        let dates: Vec<NaiveDate> = incidents.get(&p.pupil).map_or(Vec::new(), |v| v.iter().map(|i| i.date).collect());
        let during = dates.iter().filter(|d| **d >= p.start && **d <= last).count() as f64;
        let before = dates.iter().filter(|d| **d >= before_start && **d < p.start).count() as f64;
        Some(during * 28.0 / during_days as f64 - before * 28.0 / 182.0)
    })
}

/// Days from referral to the start of the placement.
pub fn days_waited(t: &Tables, s: &Scope) -> Figures {
    let waits = by(&t.waits, |w| w.placement);
    means(t, s, def("days_waited"), |p| {
        let w = waits.get(&p.id)?.iter().map(|w| w.referred).min()?;
        Some((p.start - w).num_days() as f64)
    })
}

/// Days the placement spent below `threshold` sessions a week, or `None` with no timetable.
fn part_time_days(steps: &[&TimetableRow], p: &PlacementRow, s: &Scope, threshold: f64) -> Option<i64> {
    let mut steps: Vec<&&TimetableRow> = steps.iter().collect();
    steps.sort_by_key(|t| t.from);
    let end = s.last_day(p) + chrono::Days::new(1);
    let mut total = 0;
    for (i, step) in steps.iter().enumerate() {
        let from = step.from.max(p.start);
        let until = steps.get(i + 1).map_or(end, |next| next.from.min(end));
        if f64::from(step.sessions_per_week) < threshold && until > from {
            total += (until - from).num_days();
        }
    }
    (!steps.is_empty()).then_some(total)
}

/// The share of placements with a part-time timetable at some time.
pub fn part_time(t: &Tables, s: &Scope) -> Figures {
    let d = def("part_time");
    let timetables = by(&t.timetables, |x| x.placement);
    proportions(t, s, d, |p| {
        let steps = timetables.get(&p.id)?;
        Some(steps.iter().any(|x| f64::from(x.sessions_per_week) < d.params.threshold))
    })
}

/// The mean length in weeks of part-time timetables, over placements that had one.
pub fn part_time_weeks(t: &Tables, s: &Scope) -> Figures {
    let d = def("part_time_weeks");
    let timetables = by(&t.timetables, |x| x.placement);
    means(t, s, d, |p| {
        let days = part_time_days(timetables.get(&p.id)?, p, s, d.params.threshold)?;
        (days > 0).then(|| days as f64 / 7.0)
    })
}

/// The share of ended interventions completed (attended at least `threshold` of planned sessions).
/// Counted per intervention; a placement with three interventions adds three.
pub fn interventions_completed(t: &Tables, s: &Scope) -> Figures {
    let d = def("interventions_completed");
    let interventions = by(&t.interventions, |i| i.placement);
    counts(t, s, d, |p| {
        interventions.get(&p.id).map_or((0, 0), |list| {
            let ended: Vec<_> = list.iter().filter(|i| i.ended && i.sessions_planned > 0).collect();
            let done = ended
                .iter()
                .filter(|i| f64::from(i.sessions_attended) >= d.params.threshold * f64::from(i.sessions_planned))
                .count();
            (done as u64, ended.len() as u64)
        })
    })
}

/// Every outcome and holistic figure for one grouping, labelled by measure id (SDQ figures by id
/// and version, e.g. `sdq_total_change/teacher`), outcomes first and holistic beside them.
pub fn every_figure(t: &Tables, s: &Scope) -> Vec<(String, Figures)> {
    use crate::measures::*;
    type Measure = fn(&Tables, &Scope) -> Figures;
    let simple: [(&str, Measure); 17] = [
        ("outreach_retained", outreach),
        ("attendance_improved", attendance_improved),
        ("attendance_change", attendance_change),
        ("persistent_absence", persistent_absence),
        ("reintegration", reintegration),
        ("reintegration_sustained", reintegration_sustained),
        ("ks4_english_maths", ks4_english_maths),
        ("ks4_any_pass", ks4_any_pass),
        ("reading_progress", reading_progress),
        ("maths_progress", maths_progress),
        ("post16_sustained", post16_sustained),
        ("swemwbs_change", swemwbs_change),
        ("checkin_trend", checkin_trend),
        ("incidents_change", incidents_change),
        ("days_waited", days_waited),
        ("part_time", part_time),
        ("part_time_weeks", part_time_weeks),
    ];
    let mut out: Vec<(String, Figures)> = simple.iter().map(|(id, f)| (id.to_string(), f(t, s))).collect();
    for v in [SdqVersion::SelfReport, SdqVersion::Parent, SdqVersion::Teacher] {
        out.push((format!("sdq_total_change/{}", v.code()), sdq_total_change(t, s, v)));
        out.push((format!("sdq_band_improved/{}", v.code()), sdq_band_improved(t, s, v)));
    }
    out.push(("interventions_completed".to_string(), interventions_completed(t, s)));
    out
}
