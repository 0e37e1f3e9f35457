//! Writing a whole LA-year: each pupil's story (enrolment, suspensions, exclusion, exit, AP,
//! wellbeing, attendance, destination) is built and written at once, then dropped, so memory
//! stays proportional to the LA's pupil count and never to the marks.

use crate::ap::{self, HYBRID_PLANS, INTERVENTIONS};
use crate::attendance::{self, Day, SchoolCalendar};
use crate::calibrate::draw_la;
use crate::model::RiskModel;
use crate::pupils::{draw_identity, draw_one, Traits, UpnIssuer};
use crate::random::{poisson, rng_for, Stream};
use crate::schools::School;
use crate::targets::{LaTarget, Phase};
use crate::wellbeing;
use crate::writer::{Table, Tables};
use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::io::{self, Write};
use waymark_domain::{AcademicYear, LeavingReason, SettingKind, Term};

/// What was written for one LA.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaSummary {
    pub la: u16,
    pub name: String,
    /// Pupils written (census headcount plus in-year joiners who replaced leavers).
    pub pupils: u64,
    /// Pupils on roll in primary, secondary and special schools at the spring census.
    pub headcount: u64,
    pub attendance_marks: u64,
    pub exclusions: u64,
    pub suspensions: u64,
    pub unexplained_exits: u64,
}

/// Pre-2020 census reason codes with national shares of suspensions, 2016/17 (OT = other).
const REASONS_PRE_2020: [(&str, f64); 12] = [
    ("PP", 64.4),
    ("PA", 26.7),
    ("VP", 15.2),
    ("VA", 59.7),
    ("BU", 4.3),
    ("RA", 4.6),
    ("SM", 2.2),
    ("DA", 9.1),
    ("DM", 7.7),
    ("TH", 4.3),
    ("DB", 108.6),
    ("OT", 75.2),
];
/// Reason codes from 2020/21 ("other" removed), with rough shares.
const REASONS_2020: [(&str, f64); 16] = [
    ("PP", 17.0),
    ("PA", 7.0),
    ("VP", 5.0),
    ("VA", 18.0),
    ("OW", 2.0),
    ("BU", 1.5),
    ("RA", 1.2),
    ("LG", 0.4),
    ("DS", 0.2),
    ("SM", 1.0),
    ("DA", 3.0),
    ("DM", 2.5),
    ("TH", 1.0),
    ("MT", 2.0),
    ("PH", 0.5),
    ("DB", 36.0),
];

fn reasons(rng: &mut impl Rng, year: AcademicYear) -> [&'static str; 3] {
    if year.0 < 2020 {
        return [*crate::random::pick(rng, &REASONS_PRE_2020[..]), "", ""];
    }
    let mut out = ["", "", ""];
    let n = match rng.gen_range(0..10) {
        0..=6 => 1,
        7..=8 => 2,
        _ => 3,
    };
    for slot in out.iter_mut().take(n) {
        *slot = *crate::random::pick(rng, &REASONS_2020[..]);
    }
    if out[1] == out[0] {
        out[1] = "";
    }
    if out[2] == out[0] || out[2] == out[1] {
        out[2] = "";
    }
    out
}

/// Suspension length in school days (DfE: most are one day).
fn suspension_days(rng: &mut impl Rng) -> u32 {
    match rng.gen_range(0..100) {
        0..=44 => 1,
        45..=64 => 2,
        65..=79 => 3,
        80..=91 => rng.gen_range(4..=5),
        92..=97 => rng.gen_range(6..=10),
        _ => rng.gen_range(11..=20),
    }
}

/// Everything one LA's stories share.
struct Ctx<'a> {
    la: &'a LaTarget,
    year: AcademicYear,
    schools: &'a [School],
    days: Vec<NaiveDate>,
    calendar: SchoolCalendar,
    census: NaiveDate,
    prus: Vec<u32>,
    other_ap: Vec<u32>,
    /// (school, its internal AP unit).
    units: Vec<(u32, u32)>,
    issuer: UpnIssuer,
    ids: u64,
    identity: ChaCha8Rng,
    timeline: ChaCha8Rng,
    marks_rng: ChaCha8Rng,
    provision: ChaCha8Rng,
    wellbeing: ChaCha8Rng,
    with_attendance: bool,
    marks: Vec<u8>,
    summary: LaSummary,
}

impl Ctx<'_> {
    fn next_id(&mut self) -> u64 {
        self.ids += 1;
        u64::from(self.la.number) * 100_000_000 + self.ids
    }

    fn day_index(&self, date: NaiveDate) -> usize {
        self.days.partition_point(|d| *d < date)
    }

    fn day(&self, index: usize) -> NaiveDate {
        self.days[index.min(self.days.len() - 1)]
    }
}

/// One pupil's enrolment: where, how registered, when, and what each school day looks like.
struct Stint {
    setting: u32,
    registration: &'static str,
    start: NaiveDate,
    end: Option<(NaiveDate, LeavingReason)>,
    days: Vec<Day>,
    absence_factor: f64,
}

/// Generate one LA into open tables.
pub fn write_la(
    la: &LaTarget,
    year: AcademicYear,
    model: &RiskModel,
    seed: u64,
    with_attendance: bool,
    tables: &mut Tables,
) -> io::Result<LaSummary> {
    let (schools, draw) = draw_la(la, model, seed, year.0);
    for s in &schools {
        writeln!(
            tables.row(Table::Settings),
            "{},{},{},{}{:04},{},{},{},{},{}",
            s.urn,
            s.urn,
            la.number,
            la.number,
            s.estab,
            s.name,
            s.kind.code(),
            s.phase.map_or("", Phase::code),
            s.roll,
            s.parent.map(|p| schools[p as usize].urn.to_string()).unwrap_or_default()
        )?;
    }
    let calendar = SchoolCalendar::for_year(year);
    let rng = |stream| rng_for(seed, la.number, year.0, stream);
    let mut ctx = Ctx {
        la,
        year,
        schools: &schools,
        days: calendar.days().collect(),
        calendar: calendar.clone(),
        census: year.census_day(Term::Spring),
        prus: schools.iter().filter(|s| s.kind == SettingKind::PupilReferralUnit).map(|s| s.id).collect(),
        other_ap: schools.iter().filter(|s| s.kind == SettingKind::IndependentAp).map(|s| s.id).collect(),
        units: schools
            .iter()
            .filter(|s| s.kind == SettingKind::InternalApUnit)
            .filter_map(|s| Some((s.parent?, s.id)))
            .collect(),
        issuer: UpnIssuer::default(),
        ids: 0,
        identity: rng(Stream::Identity),
        timeline: rng(Stream::Timeline),
        marks_rng: rng(Stream::Attendance),
        provision: rng(Stream::Provision),
        wellbeing: rng(Stream::Wellbeing),
        with_attendance,
        marks: Vec::with_capacity(200),
        summary: LaSummary { la: la.number, name: la.name.clone(), ..LaSummary::default() },
    };
    ctx.summary.headcount = draw.traits.len() as u64;
    for (i, t) in draw.traits.iter().enumerate() {
        story(&mut ctx, tables, t, draw.draws.perm[i], draw.draws.susp[i], false)?;
    }
    Ok(ctx.summary)
}

/// Write one pupil: identity, enrolments, events, provision, attendance, destination. A pupil
/// who leaves before the spring census is replaced by an in-year joiner (`joiner = true`), so
/// each school's census roll stays at its published size.
fn story(ctx: &mut Ctx, tables: &mut Tables, t: &Traits, perm: bool, susp: u16, joiner: bool) -> io::Result<()> {
    let school = &ctx.schools[t.school as usize];
    let id = draw_identity(&mut ctx.identity, &mut ctx.issuer, ctx.la.number, school, t, ctx.year.0);
    let upn = id.upn.to_string();
    ctx.summary.pupils += 1;
    writeln!(
        tables.row(Table::Pupils),
        "{upn},{},{},{},{},{},{},{},{},{},{},{}",
        ctx.la.number,
        id.given,
        id.family,
        id.dob,
        t.sex().code(),
        t.year,
        u8::from(t.fsm),
        t.sen_provision().code(),
        u8::from(t.cin),
        u8::from(t.cla),
        id.ethnicity
    )?;
    let n_days = ctx.days.len();
    let census_ix = ctx.day_index(ctx.census);
    let first_ix = if joiner { ctx.timeline.gen_range(5..census_ix.max(6)) } else { 0 };
    let start = if joiner {
        ctx.day(first_ix)
    } else {
        let entry = match t.phase {
            Phase::Primary => -1,
            Phase::Secondary => 7,
            Phase::Special => 0,
        };
        let years_in = i32::from((t.year - entry).max(0));
        NaiveDate::from_ymd_opt(ctx.year.0 - years_in, 9, 3).expect("valid date")
    };
    // Dates of events, as school-day indexes.
    let perm_ix = perm.then(|| ctx.timeline.gen_range(10..n_days));
    let last_ix = perm_ix.unwrap_or(n_days - 1);
    let mut susp_ix: Vec<usize> = (0..susp).map(|_| ctx.timeline.gen_range(first_ix..=last_ix)).collect();
    susp_ix.sort_unstable();
    // Exits without exclusion, among pupils with no suspension this year.
    let mut exit: Option<(usize, LeavingReason)> = perm_ix.map(|d| (d, LeavingReason::PermanentExclusion));
    if !joiner && exit.is_none() && susp == 0 {
        let u: f64 = ctx.timeline.gen();
        let p_unexplained = if t.phase == Phase::Secondary && (7..=11).contains(&t.year) {
            0.012 * if t.cin { 2.0 } else { 1.0 } * f64::from(t.behaviour).sqrt()
        } else {
            0.0
        };
        if u < p_unexplained {
            let d = if ctx.timeline.gen_bool(0.45) {
                ctx.day_index(ctx.census - Duration::days(42)) + ctx.timeline.gen_range(0..28)
            } else {
                ctx.timeline.gen_range(0..n_days)
            };
            let reason = match ctx.timeline.gen_range(0..20) {
                0..=9 => LeavingReason::NotKnown,
                10..=16 => LeavingReason::ElectiveHomeEducation,
                _ => LeavingReason::MissingEducation,
            };
            ctx.summary.unexplained_exits += 1;
            exit = Some((d.min(census_ix - 1), reason));
        } else if u < p_unexplained + 0.025 {
            let reason = match ctx.timeline.gen_range(0..10) {
                0..=5 => LeavingReason::ChangeOfAddress,
                6..=7 => LeavingReason::TransferOther,
                8 => LeavingReason::ManagedMove,
                _ => LeavingReason::Emigration,
            };
            exit = Some((ctx.timeline.gen_range(0..n_days), reason));
        }
    }
    let phase_end = matches!(
        (t.phase, t.year),
        (Phase::Primary, 6) | (Phase::Secondary, 11) | (Phase::Secondary, 13) | (Phase::Special, 14)
    );
    let end = match exit {
        Some((d, r)) => Some((ctx.day(d), r)),
        None if phase_end => Some((ctx.day(n_days - 1), LeavingReason::EndOfPhase)),
        None => None,
    };
    let mut school_days: Vec<Day> = ctx
        .days
        .iter()
        .map(|d| if *d < start || end.is_some_and(|(e, _)| *d > e) { Day::OffRoll } else { Day::Here })
        .collect();
    let mut stints = Vec::new();
    let mut placed_ap = false;
    // Suspensions and the incidents behind them.
    let mut suspension_days_left = 45u32;
    for &d in &susp_ix {
        let incident = write_incident(ctx, tables, &upn, t.school, ctx.day(d), "suspension")?;
        // A suspension cannot run past the day the pupil leaves the roll.
        let on_roll = exit.map_or(n_days, |(e, _)| e + 1).saturating_sub(d).max(1) as u32;
        let len = suspension_days(&mut ctx.timeline).min(suspension_days_left.max(1)).min(on_roll);
        suspension_days_left = suspension_days_left.saturating_sub(len);
        for day in school_days.iter_mut().skip(d).take(len as usize) {
            if *day == Day::Here {
                *day = Day::Suspended;
            }
        }
        let r = reasons(&mut ctx.timeline, ctx.year);
        let sid = ctx.next_id();
        ctx.summary.suspensions += 1;
        writeln!(
            tables.row(Table::Suspensions),
            "{sid},{upn},{},{incident},FIXD,{},{len},{},{},{}",
            ctx.schools[t.school as usize].urn,
            ctx.day(d),
            r[0],
            r[1],
            r[2]
        )?;
    }
    // A lunchtime suspension now and then (counted apart from FIXD, as DfE counts them).
    if susp > 0 && ctx.timeline.gen_bool(0.1) {
        let k = ctx.timeline.gen_range(first_ix..=last_ix);
        let d = ctx.day(k);
        let incident = write_incident(ctx, tables, &upn, t.school, d, "lunchtime_suspension")?;
        let r = reasons(&mut ctx.timeline, ctx.year);
        let sid = ctx.next_id();
        writeln!(
            tables.row(Table::Suspensions),
            "{sid},{upn},{},{incident},LNCH,{d},0.5,{},{},{}",
            ctx.schools[t.school as usize].urn,
            r[0],
            r[1],
            r[2]
        )?;
    }
    // Low-level incidents: more for pupils who are suspended.
    let extra = if susp > 0 || perm { poisson(&mut ctx.timeline, 3.0) } else { u32::from(ctx.timeline.gen_bool(0.04)) };
    // Not after the pupil left, whatever the reason they left.
    let on_roll_until = exit.map_or(last_ix, |(d, _)| d.min(last_ix)).max(first_ix);
    for _ in 0..extra {
        let k = ctx.timeline.gen_range(first_ix..=on_roll_until);
        let d = ctx.day(k);
        write_incident(ctx, tables, &upn, t.school, d, "detention")?;
    }
    if let Some(d) = perm_ix {
        let incident = write_incident(ctx, tables, &upn, t.school, ctx.day(d), "permanent_exclusion")?;
        let r = reasons(&mut ctx.timeline, ctx.year);
        let eid = ctx.next_id();
        ctx.summary.exclusions += 1;
        writeln!(
            tables.row(Table::Exclusions),
            "{eid},{upn},{},{incident},PERM,{},{},{},{}",
            ctx.schools[t.school as usize].urn,
            ctx.day(d),
            r[0],
            r[1],
            r[2]
        )?;
        // Tier 3: a PRU place from the sixth school day (the LA's duty).
        if let Some(&pru) = ctx.prus.get(ctx.provision.gen_range(0..ctx.prus.len().max(1))) {
            let from = (d + 5).min(n_days - 1);
            let days = (0..n_days)
                .map(|k| match k {
                    k if k < from => Day::OffRoll,
                    k if k < from + 20 && k % 5 >= 3 && ctx.provision.gen_bool(0.3) => Day::PartTime,
                    _ => Day::Here,
                })
                .collect();
            let outcome = if ctx.provision.gen_bool(0.2) { "special_school" } else { "ongoing" };
            write_placement(ctx, tables, &upn, t, pru, 3, from, None, outcome, "permanent_exclusion")?;
            stints.push(Stint {
                setting: pru,
                registration: "C",
                start: ctx.day(from),
                end: None,
                days,
                absence_factor: 2.0,
            });
            placed_ap = true;
        }
    } else if let Some((provider, after)) = tier2_provider(ctx, t.school, susp, &susp_ix) {
        // Tier 2: a time-limited placement with a hybrid timetable back to mainstream lessons:
        // in the school's own internal AP unit (the pupil stays on its roll), or dual registered
        // at a PRU or other AP after repeated suspensions.
        let from = (after + 10).min(n_days - 1);
        let weeks = ctx.provision.gen_range(8..=12);
        let to = (from + weeks * 5).min(n_days - 1);
        let plan = HYBRID_PLANS[ctx.provision.gen_range(0..HYBRID_PLANS.len())];
        let outcome = ap::tier2_outcome(&mut ctx.provision);
        let pid = write_placement(ctx, tables, &upn, t, provider, 2, from, Some(to), outcome, "repeated_suspensions")?;
        let mut ap_days = vec![Day::OffRoll; n_days];
        for k in from..=to {
            let week = ((k - from) / 5) as i64;
            let &(_, ap_s, ms_s) = plan.iter().rev().find(|(w, _, _)| *w <= week).unwrap_or(&plan[0]);
            let weekday = (k - from) % 5;
            let (ap_d, ms_d) = (usize::from(ap_s).div_ceil(2), usize::from(ms_s) / 2);
            let (at_school, at_ap) = if weekday < ap_d {
                (Day::Elsewhere, Day::Here)
            } else if weekday < ap_d + ms_d {
                (Day::Here, Day::Elsewhere)
            } else {
                (Day::Elsewhere, Day::PartTime)
            };
            if school_days[k] == Day::Here {
                school_days[k] = at_school;
            }
            ap_days[k] = at_ap;
        }
        for &(w, ap_s, ms_s) in plan {
            writeln!(tables.row(Table::Timetables), "{pid},{},{ap_s},{ms_s}", ctx.day(from) + Duration::weeks(w))?;
        }
        stints.push(Stint {
            setting: provider,
            registration: "S",
            start: ctx.day(from),
            end: Some((ctx.day(to), LeavingReason::ReturnToMainstream)),
            days: ap_days,
            absence_factor: 1.6,
        });
        placed_ap = true;
    } else if susp > 0 && ctx.provision.gen_bool(0.15) && !ctx.prus.is_empty() {
        // Tier 1: outreach in the pupil's own school; no change of roll.
        let from = (susp_ix[0] + 5).min(n_days - 1);
        let pru = ctx.prus[ctx.provision.gen_range(0..ctx.prus.len())];
        write_placement(
            ctx,
            tables,
            &upn,
            t,
            pru,
            1,
            from,
            Some((from + 30).min(n_days - 1)),
            "outreach_completed",
            "suspension",
        )?;
    }
    // Dual registration makes the school's registration the main one; time in the school's own
    // internal unit does not (the pupil never leaves its roll).
    let dual = stints.iter().any(|s| s.registration == "S" && !ctx.units.iter().any(|(_, u)| *u == s.setting));
    let registration = if dual { "M" } else { "C" };
    stints.insert(0, Stint { setting: t.school, registration, start, end, days: school_days, absence_factor: 1.0 });
    for s in &stints {
        write_enrolment(ctx, tables, &upn, t, s)?;
    }
    if t.year == 11 && (exit.is_none() || placed_ap) {
        let (d, sustained) = ap::destination(&mut ctx.provision, placed_ap);
        writeln!(tables.row(Table::Destinations), "{upn},{},{d},{}", ctx.year, u8::from(sustained))?;
    }
    // The leaver's census place goes to an in-year joiner.
    if let Some((d, _)) = exit.filter(|(d, _)| *d < census_ix) {
        let mut j = draw_one(&mut ctx.timeline, t.school, t.phase);
        j.year = t.year;
        let _ = d;
        story(ctx, tables, &j, false, 0, true)?;
    }
    Ok(())
}

/// Where a pupil with `susp` suspensions gets a tier 2 placement, if anywhere, and the index of
/// the suspension it follows. A school with an internal unit uses it first, after the first
/// suspension (groups under 10, so places are few); otherwise a PRU or other AP after the third.
fn tier2_provider(ctx: &mut Ctx, school: u32, susp: u16, susp_ix: &[usize]) -> Option<(u32, usize)> {
    let unit = ctx.units.iter().find(|(s, _)| *s == school).map(|(_, u)| *u);
    if let (Some(unit), true) = (unit, susp >= 1) {
        if ctx.provision.gen_bool(0.35) {
            return Some((unit, susp_ix[0]));
        }
    }
    if susp >= 3 && ctx.provision.gen_bool(0.6) && !ctx.prus.is_empty() {
        let provider = if ctx.provision.gen_bool(0.7) || ctx.other_ap.is_empty() {
            ctx.prus[ctx.provision.gen_range(0..ctx.prus.len())]
        } else {
            ctx.other_ap[ctx.provision.gen_range(0..ctx.other_ap.len())]
        };
        return Some((provider, susp_ix[2]));
    }
    None
}

fn write_incident(
    ctx: &mut Ctx,
    tables: &mut Tables,
    upn: &str,
    school: u32,
    date: NaiveDate,
    outcome: &str,
) -> io::Result<u64> {
    let id = ctx.next_id();
    let kind = ["disruption", "verbal_abuse", "physical_assault", "damage", "refusal", "bullying"]
        [ctx.timeline.gen_range(0..6)];
    let severity = match outcome {
        "permanent_exclusion" => 3,
        "suspension" | "lunchtime_suspension" => ctx.timeline.gen_range(2..=3),
        _ => 1,
    };
    writeln!(
        tables.row(Table::Incidents),
        "{id},{upn},{},{date},{kind},{severity},{outcome}",
        ctx.schools[school as usize].urn
    )?;
    Ok(id)
}

/// A referral and its placement, with assessments at entry and at the end, and interventions.
#[allow(clippy::too_many_arguments)]
fn write_placement(
    ctx: &mut Ctx,
    tables: &mut Tables,
    upn: &str,
    t: &Traits,
    provider: u32,
    tier: u8,
    from: usize,
    to: Option<usize>,
    outcome: &str,
    reason: &str,
) -> io::Result<u64> {
    let rid = ctx.next_id();
    let referred = ctx.day(from.saturating_sub(3));
    writeln!(
        tables.row(Table::Referrals),
        "{rid},{upn},{},{referred},{reason},{tier}",
        ctx.schools[t.school as usize].urn
    )?;
    let pid = ctx.next_id();
    let n_days = ctx.days.len();
    let planned = ctx.day(to.unwrap_or(n_days - 1));
    let end = to.map(|d| ctx.day(d).to_string()).unwrap_or_default();
    let outcome = if to.is_none() { "ongoing" } else { outcome };
    let urn = ctx.schools[provider as usize].urn;
    writeln!(
        tables.row(Table::Placements),
        "{pid},{rid},{upn},{urn},{tier},{},{planned},{end},{outcome}",
        ctx.day(from)
    )?;
    // Assessments: entry, and at the end (or a review 10 weeks in) if within the year.
    let severity = ctx.wellbeing.gen_range(0.4..0.9);
    let later = to.unwrap_or(from + 50);
    for (occasion, day, sev) in
        [("entry", from, severity), (if to.is_some() { "exit" } else { "review" }, later, severity * 0.8)]
    {
        if day >= n_days {
            continue;
        }
        let date = ctx.day(day);
        let mut versions = vec!["teacher"];
        if t.year >= 6 {
            versions.push("self");
        }
        for version in versions {
            let items = wellbeing::sdq_items(&mut ctx.wellbeing, sev);
            let aid = ctx.next_id();
            let w = tables.row(Table::Assessments);
            write!(w, "{aid},{upn},{urn},{date},sdq,{version},{occasion}")?;
            for it in items {
                write!(w, ",{it}")?;
            }
            writeln!(w)?;
        }
        if t.year >= 8 {
            let items = wellbeing::swemwbs_items(&mut ctx.wellbeing, 1.0 - sev);
            let aid = ctx.next_id();
            let w = tables.row(Table::Assessments);
            write!(w, "{aid},{upn},{urn},{date},swemwbs,,{occasion}")?;
            for it in items {
                write!(w, ",{it}")?;
            }
            writeln!(w, "{}", ",".repeat(18))?;
        }
    }
    for _ in 0..ctx.wellbeing.gen_range(1..=2) {
        let kind = INTERVENTIONS[ctx.wellbeing.gen_range(0..INTERVENTIONS.len())];
        let planned_sessions = ctx.wellbeing.gen_range(6..=12);
        let attended = ctx.wellbeing.gen_range(planned_sessions / 2..=planned_sessions);
        let iid = ctx.next_id();
        let end = ctx.day(from + 40);
        writeln!(
            tables.row(Table::Interventions),
            "{iid},{upn},{urn},{kind},{},{end},{planned_sessions},{attended}",
            ctx.day(from)
        )?;
    }
    Ok(pid)
}

fn write_enrolment(ctx: &mut Ctx, tables: &mut Tables, upn: &str, t: &Traits, s: &Stint) -> io::Result<()> {
    let eid = ctx.next_id();
    let urn = ctx.schools[s.setting as usize].urn;
    let (end, reason) = s.end.map(|(d, r)| (d.to_string(), r.code())).unwrap_or_default();
    writeln!(tables.row(Table::Enrolments), "{eid},{upn},{urn},{},{},{end},{reason}", s.registration, s.start)?;
    if !ctx.with_attendance {
        return Ok(());
    }
    let absence = attendance::daily_absence(t) * s.absence_factor;
    let mut offset = 0;
    for (term, dates) in ctx.calendar.terms.iter().enumerate() {
        let days = &s.days[offset..offset + dates.len()];
        offset += dates.len();
        if days.iter().all(|d| *d == Day::OffRoll) {
            continue;
        }
        attendance::marks(&mut ctx.marks_rng, absence, term, days, &mut ctx.marks);
        ctx.summary.attendance_marks += ctx.marks.len() as u64;
        let w = tables.row(Table::Attendance);
        write!(w, "{eid},{upn},{urn},{},{},", ctx.year, ["autumn", "spring", "summer"][term])?;
        w.write_all(&ctx.marks)?;
        writeln!(w)?;
    }
    Ok(())
}
