//! The five outcomes of the AP performance framework (DOMAIN.md §2), per provision, referring
//! school or LA. Each measure works placement by placement, then counts or averages by the group's
//! key; every unit with a placement gets a figure, "no data" when nothing qualifies.
//! Definitions, with their parameters, come from `definitions`; rules in `docs/measures.md`.

use crate::definitions::{def, Definition};
use crate::figure::{DefinitionRef, Figure};
use crate::inputs::*;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};
use waymark_domain::AcademicYear;

/// Which unit the figures are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The AP provision holding the place.
    Provision,
    /// The school the pupil came from (placements with no referring school are left out).
    ReferringSchool,
    /// The commissioning LA (its DfE number).
    La,
}

/// The unit's id: a setting id, or an LA number.
pub type Key = i64;

/// One figure per unit.
pub type Figures = BTreeMap<Key, Figure>;

/// What to group by, and the day the data runs to: a follow-up check after that day has not
/// happened yet, so its placement is not in the denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub by: GroupBy,
    pub as_of: NaiveDate,
}

impl Scope {
    pub fn key(&self, p: &PlacementRow) -> Option<Key> {
        match self.by {
            GroupBy::Provision => Some(p.provision),
            GroupBy::ReferringSchool => p.referring_school,
            GroupBy::La => Some(Key::from(p.la)),
        }
    }

    /// The last day of a placement counted so far.
    pub(crate) fn last_day(&self, p: &PlacementRow) -> NaiveDate {
        p.end.unwrap_or(self.as_of).min(self.as_of)
    }
}

/// Rows grouped by pupil (or placement), built once per call.
pub(crate) fn by<T>(rows: &[T], key: impl Fn(&T) -> i64) -> HashMap<i64, Vec<&T>> {
    let mut map: HashMap<i64, Vec<&T>> = HashMap::new();
    for r in rows {
        map.entry(key(r)).or_default().push(r);
    }
    map
}

/// Rows grouped by pupil, keeping only pupils with a placement: an LA-year has tens of thousands
/// of pupils and their attendance, and only the placed ones are read.
pub(crate) fn by_pupil<'a, T>(
    t: &Tables,
    rows: &'a [T],
    pupil: impl Fn(&T) -> PupilId,
) -> HashMap<PupilId, Vec<&'a T>> {
    let placed: HashSet<PupilId> = t.placements.iter().map(|p| p.pupil).collect();
    let mut map: HashMap<PupilId, Vec<&T>> = HashMap::with_capacity(placed.len());
    for r in rows {
        let k = pupil(r);
        if placed.contains(&k) {
            map.entry(k).or_default().push(r);
        }
    }
    map
}

/// Count, per unit, the placements that qualify (`Some`) and those that meet the measure (`true`).
pub(crate) fn proportions<'a>(
    t: &'a Tables,
    s: &Scope,
    definition: &Definition,
    outcome: impl Fn(&'a PlacementRow) -> Option<bool>,
) -> Figures {
    counts(t, s, definition, |p| outcome(p).map_or((0, 0), |met| (u64::from(met), 1)))
}

/// Add up, per unit, each placement's (numerator, denominator): for measures counted in
/// something other than placements (interventions).
pub(crate) fn counts<'a>(
    t: &'a Tables,
    s: &Scope,
    definition: &Definition,
    count: impl Fn(&'a PlacementRow) -> (u64, u64),
) -> Figures {
    let mut totals: BTreeMap<Key, (u64, u64)> = BTreeMap::new();
    for p in &t.placements {
        let Some(k) = s.key(p) else { continue };
        let (num, den) = count(p);
        let c = totals.entry(k).or_default();
        c.0 += num;
        c.1 += den;
    }
    let d = DefinitionRef::from(definition);
    totals.into_iter().map(|(k, (num, den))| (k, Figure::proportion(num, den, d))).collect()
}

/// Average, per unit, the values of the placements that have one.
pub(crate) fn means<'a>(
    t: &'a Tables,
    s: &Scope,
    definition: &Definition,
    value: impl Fn(&'a PlacementRow) -> Option<f64>,
) -> Figures {
    let mut values: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for p in &t.placements {
        let Some(k) = s.key(p) else { continue };
        let v = values.entry(k).or_default();
        v.extend(value(p));
    }
    let d = DefinitionRef::from(definition);
    values.into_iter().map(|(k, v)| (k, Figure::mean(&v, d))).collect()
}

fn on_roll(rolls: &[&RollRow], day: NaiveDate, accept: impl Fn(&RollRow) -> bool) -> bool {
    rolls.iter().any(|r| accept(r) && r.start <= day && r.end.is_none_or(|e| e >= day))
}

/// Outcome 1, effective outreach: tier 1 support, checked on the census day `follow_up_terms`
/// after the term support began.
pub fn outreach(t: &Tables, s: &Scope) -> Figures {
    let d = def("outreach_retained");
    let rolls = by_pupil(t, &t.rolls, |r| r.pupil);
    let susp = by_pupil(t, &t.suspensions, |r| r.pupil);
    let excl = by_pupil(t, &t.exclusions, |r| r.pupil);
    proportions(t, s, d, |p| {
        if p.tier != 1 {
            return None;
        }
        let check = TermRef::of(p.start).plus(d.params.follow_up_terms).census_day();
        if check > s.as_of {
            return None;
        }
        let after = |date: NaiveDate| date > p.start && date <= check;
        let rolls = rolls.get(&p.pupil).map_or(&[][..], Vec::as_slice);
        let retained = on_roll(rolls, check, |r| p.referring_school.map_or(r.mainstream, |sch| r.setting == sch));
        let suspended = susp.get(&p.pupil).is_some_and(|v| v.iter().any(|x| after(x.start)));
        let excluded = excl.get(&p.pupil).is_some_and(|v| v.iter().any(|x| after(x.date)));
        Some(retained && !suspended && !excluded)
    })
}

/// A placement's attendance in AP and in the baseline terms before its episode.
pub(crate) struct AttendancePair {
    pub ap: (u32, u32),
    pub baseline: (u32, u32),
}

/// The first day of the run of placements this one belongs to: a pupil who moves from one
/// provision to another within 14 days is on one episode, and the baseline is before all of it.
fn episode_start(p: &PlacementRow, mine: &[&PlacementRow]) -> NaiveDate {
    let mut start = p.start;
    loop {
        let earlier = mine.iter().filter(|q| q.id != p.id && q.start < start).find(|q| {
            q.end.is_some_and(|e| e < start && (start - e).num_days() <= 14) || q.end.is_none_or(|e| e >= start)
        });
        match earlier {
            Some(q) => start = q.start,
            None => return start,
        }
    }
}

pub(crate) fn attendance_pairs(t: &Tables, s: &Scope, baseline_terms: i32) -> HashMap<PlacementId, AttendancePair> {
    let att = by_pupil(t, &t.attendance, |a| a.pupil);
    let placements = by(&t.placements, |p| p.pupil);
    let mut out = HashMap::new();
    for p in &t.placements {
        let Some(rows) = att.get(&p.pupil) else { continue };
        let mine = &placements[&p.pupil];
        let first = TermRef::of(p.start);
        let last = TermRef::of(s.last_day(p).max(p.start));
        let sum = |keep: &dyn Fn(&AttendanceTerm) -> bool| {
            rows.iter().filter(|a| keep(a)).fold((0, 0), |(x, y), a| (x + a.attended, y + a.possible))
        };
        // The provision's own sessions in the placement's terms: a pupil who moves mid-term is
        // credited to each provision for the sessions it recorded.
        let ap = sum(&|a| a.setting == p.provision && a.term >= first && a.term <= last);
        let from = TermRef::of(episode_start(p, mine));
        let is_ap = |setting| mine.iter().any(|q| q.provision == setting);
        let baseline = sum(&|a| !is_ap(a.setting) && a.term >= from.plus(-baseline_terms) && a.term < from);
        out.insert(p.id, AttendancePair { ap, baseline });
    }
    out
}

fn rate((attended, possible): (u32, u32)) -> Option<f64> {
    (possible > 0).then(|| f64::from(attended) / f64::from(possible))
}

/// Outcome 2: the share of placements with attendance in AP above the pupil's baseline.
pub fn attendance_improved(t: &Tables, s: &Scope) -> Figures {
    let d = def("attendance_improved");
    let pairs = attendance_pairs(t, s, d.params.baseline_terms);
    proportions(t, s, d, |p| {
        let pair = pairs.get(&p.id)?;
        Some(rate(pair.ap)? > rate(pair.baseline)?)
    })
}

/// Outcome 2: the mean change in attendance, in percentage points.
pub fn attendance_change(t: &Tables, s: &Scope) -> Figures {
    let d = def("attendance_change");
    let pairs = attendance_pairs(t, s, d.params.baseline_terms);
    means(t, s, d, |p| {
        let pair = pairs.get(&p.id)?;
        Some((rate(pair.ap)? - rate(pair.baseline)?) * 100.0)
    })
}

/// Outcome 2: persistent absence in AP (attendance below the definition's threshold).
pub fn persistent_absence(t: &Tables, s: &Scope) -> Figures {
    let d = def("persistent_absence");
    let pairs = attendance_pairs(t, s, 0);
    proportions(t, s, d, |p| Some(rate(pairs.get(&p.id)?.ap)? < d.params.threshold))
}

/// Outcome 3: ended tier 2 placements that ended in a return to mainstream. A placement that
/// ended in a move to another provision is left out: the pupil's outcome is credited where their
/// time in AP ended.
pub fn reintegration(t: &Tables, s: &Scope) -> Figures {
    proportions(t, s, def("reintegration"), |p| {
        let ended = p.end.is_some_and(|e| e <= s.as_of);
        (p.tier == 2 && ended && p.outcome != PlacementOutcome::MovedProvision)
            .then_some(p.outcome == PlacementOutcome::ReturnedToMainstream)
    })
}

/// Outcome 3, sustained: of the returns to mainstream, on a mainstream roll on the census day
/// `follow_up_terms` after the return, attending at least `threshold` of that term's sessions at
/// mainstream schools. A return with no attendance recorded in that term is not shown to be
/// sustained and counts as not sustained.
pub fn reintegration_sustained(t: &Tables, s: &Scope) -> Figures {
    let d = def("reintegration_sustained");
    let rolls = by_pupil(t, &t.rolls, |r| r.pupil);
    let att = by_pupil(t, &t.attendance, |a| a.pupil);
    proportions(t, s, d, |p| {
        if p.outcome != PlacementOutcome::ReturnedToMainstream {
            return None;
        }
        let term = TermRef::of(p.end?).plus(d.params.follow_up_terms);
        let check = term.census_day();
        if check > s.as_of {
            return None;
        }
        let rolls = rolls.get(&p.pupil).map_or(&[][..], Vec::as_slice);
        if !on_roll(rolls, check, |r| r.mainstream) {
            return Some(false);
        }
        let mainstream = |setting| rolls.iter().any(|r| r.mainstream && r.setting == setting);
        let (attended, possible) = att.get(&p.pupil).map_or((0, 0), |rows| {
            rows.iter()
                .filter(|a| a.term == term && mainstream(a.setting))
                .fold((0, 0), |(x, y), a| (x + a.attended, y + a.possible))
        });
        Some(rate((attended, possible)).is_some_and(|r| r >= d.params.threshold))
    })
}

/// The placement a pupil's KS4 result or destination is credited to: the last one to start on or
/// before the end of the KS4 year that had not ended before the year began.
fn credited_placements(t: &Tables, year_of: impl Fn(PupilId) -> Option<AcademicYear>) -> HashMap<PlacementId, PupilId> {
    let mut best: HashMap<PupilId, &PlacementRow> = HashMap::new();
    for p in &t.placements {
        let Some(year) = year_of(p.pupil) else { continue };
        let overlaps = p.start <= year.last_day() && p.end.is_none_or(|e| e >= year.first_day());
        if overlaps && best.get(&p.pupil).is_none_or(|b| (b.start, b.id) < (p.start, p.id)) {
            best.insert(p.pupil, p);
        }
    }
    best.into_values().map(|p| (p.id, p.pupil)).collect()
}

fn ks4_figure(t: &Tables, s: &Scope, d: &Definition, met: impl Fn(&Ks4Row) -> bool) -> Figures {
    let results: HashMap<PupilId, &Ks4Row> = t.ks4.iter().map(|r| (r.pupil, r)).collect();
    let credited = credited_placements(t, |pupil| results.get(&pupil).map(|r| r.year));
    proportions(t, s, d, |p| credited.get(&p.id).map(|pupil| met(results[pupil])))
}

/// Outcome 4: grade 4 or above in English and maths.
pub fn ks4_english_maths(t: &Tables, s: &Scope) -> Figures {
    ks4_figure(t, s, def("ks4_english_maths"), |r| r.english_maths_4plus)
}

/// Outcome 4: a pass in any qualification.
pub fn ks4_any_pass(t: &Tables, s: &Scope) -> Figures {
    ks4_figure(t, s, def("ks4_any_pass"), |r| r.passes > 0)
}

/// The first and last scores of an instrument recorded by the provision during the placement, on
/// different days.
pub(crate) fn first_and_last(
    rows: Option<&Vec<&AssessmentRow>>,
    p: &PlacementRow,
    s: &Scope,
    instrument: Instrument,
) -> Option<(f64, f64)> {
    let last_day = s.last_day(p);
    let mut mine: Vec<&&AssessmentRow> = rows?
        .iter()
        .filter(|a| a.instrument == instrument && a.setting == p.provision && a.date >= p.start && a.date <= last_day)
        .collect();
    mine.sort_by_key(|a| a.date);
    let (first, last) = (mine.first()?, mine.last()?);
    (first.date < last.date).then_some((first.score, last.score))
}

fn progress(t: &Tables, s: &Scope, id: &str, instrument: Instrument) -> Figures {
    let assessments = by_pupil(t, &t.assessments, |a| a.pupil);
    means(t, s, def(id), |p| {
        first_and_last(assessments.get(&p.pupil), p, s, instrument).map(|(first, last)| last - first)
    })
}

/// Outcome 4: change in the reading-age gap, in months.
pub fn reading_progress(t: &Tables, s: &Scope) -> Figures {
    progress(t, s, "reading_progress", Instrument::ReadingGap)
}

/// Outcome 4: change in the maths assessment score.
pub fn maths_progress(t: &Tables, s: &Scope) -> Figures {
    progress(t, s, "maths_progress", Instrument::Maths)
}

/// Outcome 5: a sustained education, employment or training destination after KS4.
pub fn post16_sustained(t: &Tables, s: &Scope) -> Figures {
    let dest: HashMap<PupilId, &DestinationRow> = t.destinations.iter().map(|r| (r.pupil, r)).collect();
    let credited = credited_placements(t, |pupil| dest.get(&pupil).map(|r| r.ks4_year));
    proportions(t, s, def("post16_sustained"), |p| credited.get(&p.id).map(|pupil| dest[pupil].sustained))
}
