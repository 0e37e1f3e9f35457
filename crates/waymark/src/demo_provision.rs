//! The demo's provisions in use: groups at the internal AP unit and the PRU, a waiting list,
//! placements at every stage (just started part-time, stepping back to mainstream, ended and
//! reintegrated), a term of daily check-ins, and entry and review assessments. Made through the
//! store's own functions with the sign-ins' scopes, so the demo is audited like real use.
//! Answers and moods come from a fixed-seed generator: the same demo every run. A few of the
//! referred pupils were suspended this term, so Today and the "suspended this term" filter have
//! something to show.

use anyhow::Result;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use waymark_domain::instruments::SdqVersion;
use waymark_store::assessments::{Instrument, NewAssessment, NewReading};
use waymark_store::checkins::CheckinEntry;
use waymark_store::{
    Caller, NewGroup, NewPlacement, NewReferral, PlacementOutcome, ReferralStatus, Role, Store, StoreError,
};

/// A small deterministic generator (SplitMix64): the demo is the same on every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub(crate) fn token(tag: &str, i: usize) -> String {
    format!("demo{tag}{i:04}xxxxxxxxxxxxxxxx")
}

pub(crate) fn caller(role: Role, who: &str) -> Caller {
    Caller { user_id: None, actor: format!("system:demo:{who}"), role }
}

/// The ids of pupils on roll at `school` on `day`, as far as the school can refer them.
pub(crate) async fn on_roll(
    store: &Store,
    school: &Caller,
    school_id: i64,
    day: NaiveDate,
    want: usize,
) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for page in 1.. {
        let list = store.list_pupils(school, "", page, 200, day).await?;
        if list.pupils.is_empty() {
            break;
        }
        for p in list.pupils {
            let from = match store.referral_options(school, p.id, day).await {
                Ok((from, _)) => from,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            if from.iter().any(|f| f.0 == school_id) {
                out.push(p.id);
                if out.len() == want {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

/// Monday on or before `d`.
pub(crate) fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Build it all. `school` has the internal `unit`; `pru` is the LA's pupil referral unit.
pub async fn build(store: &Store, school_id: i64, unit_id: i64, pru_id: i64) -> Result<String> {
    let today = chrono::Local::now().date_naive();
    let school = caller(Role::Setting(school_id), "inclusion-lead");
    let unit = caller(Role::Setting(unit_id), "unit-lead");
    let pru = caller(Role::Setting(pru_id), "pru-head");
    let mut rng = Rng(2026);
    let group = |setting_id, name: &str, size, hard, teacher: &str, support: &str| NewGroup {
        setting_id,
        name: name.into(),
        size_limit: size,
        hard_limit: hard,
        teacher: teacher.into(),
        support_adult: support.into(),
    };
    let unit_group = store.create_group(&school, &group(unit_id, "Harbour", 8, 10, "Ms Okafor", "Mr Reid")).await?;
    let pru_ks3 = store.create_group(&pru, &group(pru_id, "Key stage 3", 8, 10, "Mr Adebayo", "Ms Flynn")).await?;
    // No support adult yet: the capacity page warns.
    let pru_ks4 = store.create_group(&pru, &group(pru_id, "Key stage 4", 8, 10, "Ms Novak", "")).await?;

    // Twenty pupils of the school, referred on dates over the past term.
    let term_start = monday(today - Duration::weeks(12));
    let pupils = on_roll(store, &school, school_id, term_start, 20).await?;
    let mut referrals = Vec::new();
    for (i, pupil) in pupils.iter().enumerate() {
        let to = if i % 3 == 0 { unit_id } else { pru_id };
        let date = term_start + Duration::days(i as i64 * 3);
        let new = NewReferral {
            pupil_id: *pupil,
            from_setting_id: school_id,
            to_setting_id: to,
            reason: [
                "Persistent disruption in lessons",
                "Attendance falling since Year 8",
                "Anxiety; refusing lessons",
            ][i % 3]
                .into(),
            needs: ["Social, emotional and mental health", "Speech and language; literacy", "Anxiety and low mood"]
                [i % 3]
                .into(),
            tried: "Mentoring, a pastoral support plan and a reduced timetable for two weeks".into(),
            tier_requested: if i % 5 == 0 { 3 } else { 2 },
            priority: 1 + (rng.below(3) as i64),
            token: token("ref", i),
        };
        referrals.push((store.submit_referral(&school, &new, date).await?, *pupil, to, date));
    }

    let mut placed = 0;
    let mut ended = 0;
    for (i, (referral, pupil, to, date)) in referrals.iter().enumerate() {
        let provision = if *to == unit_id { &unit } else { &pru };
        // The last six stay on the waiting list at different stages.
        if i >= 14 {
            let steps: &[ReferralStatus] = match i % 3 {
                0 => &[],
                1 => &[ReferralStatus::UnderAssessment],
                _ => &[ReferralStatus::UnderAssessment, ReferralStatus::Waiting],
            };
            for s in steps {
                store.move_referral(provision, *referral, *s, "").await?;
            }
            continue;
        }
        store
            .move_referral(provision, *referral, ReferralStatus::UnderAssessment, "Visit and entry assessment booked")
            .await?;
        store
            .move_referral(provision, *referral, ReferralStatus::Offered, "Place offered from the next Monday")
            .await?;
        let start = monday(*date + Duration::days(7));
        let group_id = if *to == unit_id {
            unit_group
        } else if i % 2 == 0 {
            pru_ks3
        } else {
            pru_ks4
        };
        let new = NewPlacement {
            referral_id: Some(*referral),
            pupil_id: *pupil,
            setting_id: *to,
            tier: 2,
            start,
            review: Some(start + Duration::weeks(6)),
            planned_end: Some(start + Duration::weeks(16)),
            commissioner: "The referring school".into(),
            weekly_cost_pence: Some(if *to == unit_id { 18_000 } else { 42_000 }),
            // Some start part-time: fewer than 10 sessions in all.
            ap_sessions: if i % 4 == 0 { 6 } else { 8 },
            mainstream_sessions: 2,
            mainstream_subjects: "PE, art".into(),
            group_id: Some(group_id),
            over_limit_reason: String::new(),
            token: token("place", i),
        };
        let placement = store.create_placement(provision, &new).await?;
        placed += 1;
        // Back to mainstream two sessions every three weeks.
        let plan_from = start + Duration::weeks(3);
        if plan_from < today {
            store.set_reintegration_plan(provision, placement, plan_from, 2, 3).await?;
            let step = waymark_store::Step {
                from_date: plan_from + Duration::days(rng.below(7) as i64),
                ap_sessions: 6,
                mainstream_sessions: 4,
                mainstream_subjects: Some("PE, art, maths, English".into()),
            };
            if step.from_date < today {
                store.add_timetable_step(provision, placement, &step).await?;
            }
        }
        record_assessments(store, provision, *pupil, *to, start, today, &mut rng, i).await?;
        if i < 3 && start + Duration::weeks(9) < today {
            let end = start + Duration::weeks(9);
            store
                .add_timetable_step(
                    provision,
                    placement,
                    &waymark_store::Step {
                        from_date: end - Duration::weeks(2),
                        ap_sessions: 2,
                        mainstream_sessions: 8,
                        mainstream_subjects: Some("All but science".into()),
                    },
                )
                .await?;
            store.end_placement(provision, placement, end, PlacementOutcome::Reintegrated).await?;
            ended += 1;
        }
    }
    let mut suspended: Vec<i64> = pupils.iter().skip(14).copied().collect();
    suspended.extend(pupils.iter().take(2));
    let suspensions = record_suspensions(store, &school, school_id, &suspended, today, &mut rng).await?;
    let checkins =
        record_checkins(store, &[(&unit, unit_group), (&pru, pru_ks3), (&pru, pru_ks4)], term_start, today, &mut rng)
            .await?;
    Ok(format!(
        "Provisions in use: 3 groups, {} referrals ({} still waiting), {placed} placements ({ended} ended, reintegrated), {checkins} check-ins, {suspensions} suspensions this term.",
        referrals.len(),
        referrals.len().saturating_sub(placed)
    ))
}

/// Suspensions of `pupils` at the school on weekdays of this term before today, imported as the
/// school's own file would be. None if the term started today.
async fn record_suspensions(
    store: &Store,
    school: &Caller,
    school_id: i64,
    pupils: &[i64],
    today: NaiveDate,
    rng: &mut Rng,
) -> Result<usize> {
    use waymark_domain::records::{FileSet, SuspensionRecord};
    let first = waymark_domain::AcademicYear::term_around(today).2;
    let days: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d < today)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    if days.is_empty() {
        return Ok(0);
    }
    let key = store
        .setting_ids_by_key(school)
        .await?
        .into_iter()
        .find(|(_, id)| *id == school_id)
        .map(|(key, _)| key)
        .ok_or_else(|| anyhow::anyhow!("the demo school has no key to import under"))?;
    let mut set = FileSet::default();
    for (k, pupil) in pupils.iter().enumerate() {
        let upn = store.get_pupil(school, *pupil).await?.0.record.upn;
        set.suspensions.push(SuspensionRecord {
            suspension_id: format!("demo-this-term-{k}"),
            upn,
            setting_id: key.clone(),
            incident_id: None,
            category: "FIXD".into(),
            start: days[rng.below(days.len() as u64) as usize],
            length_days: [1.0, 2.0, 0.5, 3.0][k % 4],
            reasons: vec!["PP".into()],
        });
    }
    store.import_records(school, &set, false, &mut |_| {}).await?;
    Ok(set.suspensions.len())
}

/// An SDQ (teacher), a SWEMWBS and a reading test on entry and, six weeks on, at review: a
/// little better.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_assessments(
    store: &Store,
    who: &Caller,
    pupil: i64,
    setting: i64,
    start: NaiveDate,
    today: NaiveDate,
    rng: &mut Rng,
    i: usize,
) -> Result<()> {
    for (n, (occasion, on)) in [("entry", start), ("review", start + Duration::weeks(6))].into_iter().enumerate() {
        if on > today {
            continue;
        }
        // Difficulties answered higher at entry; reversed items answered the other way.
        let sdq: Vec<Option<u8>> = (1..=25)
            .map(|item| {
                let reversed = [7, 11, 14, 21, 25].contains(&item);
                let prosocial = [1, 4, 9, 17, 20].contains(&item);
                let high = (2 - n as u64).min(2);
                let v = rng.below(high + 1) as u8;
                Some(if reversed || prosocial { 2 - v.min(2) } else { v })
            })
            .collect();
        store
            .record_assessment(
                who,
                &NewAssessment {
                    pupil_id: pupil,
                    setting_id: setting,
                    instrument: Instrument::Sdq(SdqVersion::Teacher),
                    occasion: occasion.into(),
                    assessed_on: on,
                    answers: sdq,
                    token: token(&format!("sdq{n}"), i),
                },
            )
            .await?;
        let swemwbs: Vec<Option<u8>> = (0..7).map(|_| Some((2 + n as u64 + rng.below(2)) as u8)).collect();
        store
            .record_assessment(
                who,
                &NewAssessment {
                    pupil_id: pupil,
                    setting_id: setting,
                    instrument: Instrument::Swemwbs,
                    occasion: occasion.into(),
                    assessed_on: on,
                    answers: swemwbs,
                    token: token(&format!("wb{n}"), i),
                },
            )
            .await?;
        // A reading test: a reading age of about 9 years at entry, a few months on at review.
        store
            .record_reading(
                who,
                &NewReading {
                    pupil_id: pupil,
                    setting_id: setting,
                    occasion: occasion.into(),
                    assessed_on: on,
                    reading_age_months: (100 + rng.below(24) + 4 * n as u64) as u16,
                    standardised_score: Some((78 + rng.below(14) + 3 * n as u64) as u16),
                    token: token(&format!("rd{n}"), i),
                },
            )
            .await?;
    }
    Ok(())
}

/// Every school day of the term so far, each group's pupils checked in.
pub(crate) async fn record_checkins(
    store: &Store,
    groups: &[(&Caller, i64)],
    from: NaiveDate,
    today: NaiveDate,
    rng: &mut Rng,
) -> Result<usize> {
    let mut count = 0;
    let mut day = from;
    while day <= today {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            for (who, group) in groups {
                let (_, roster) = store.checkin_roster(who, *group, day).await?;
                let mut entries = Vec::new();
                for l in &roster {
                    // About one pupil in ten is absent on a given day.
                    if rng.below(10) == 0 {
                        continue;
                    }
                    let (mood, ready) = (2 + rng.below(4) as i64, 1 + rng.below(3) as i64);
                    entries.push(CheckinEntry { pupil_id: l.pupil_id, mood, ready, note: String::new() });
                }
                if !entries.is_empty() {
                    count += store.record_checkins(who, *group, day, &entries).await?;
                }
            }
        }
        day += Duration::days(1);
    }
    Ok(count)
}
