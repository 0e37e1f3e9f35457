//! What the generator aims at: each LA's published headcounts, school counts and exclusion and
//! suspension rates by school type, and the national rates by pupil characteristic.
//!
//! These are plain structs so the generator can be tested with hand-made figures; building them
//! from the published DfE data lives in [`crate::opendata`], the only module that knows the
//! open-data crate.

use waymark_domain::{AcademicYear, SenProvision, Sex};

/// The school types DfE publishes LA figures for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Primary,
    Secondary,
    Special,
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::Primary, Phase::Secondary, Phase::Special];

    pub fn code(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Secondary => "secondary",
            Phase::Special => "special",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where a target rate came from: the LA's own published figure, or a fallback when the LA's
/// figure is suppressed or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    La,
    Region,
    National,
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::La => "la",
            Source::Region => "region",
            Source::National => "national",
        }
    }
}

/// A rate per 100 pupils and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub percent: f64,
    pub source: Source,
}

impl Rate {
    pub fn la(percent: f64) -> Rate {
        Rate { percent, source: Source::La }
    }

    /// The expected count for a headcount. When the LA's count was published we aim at it
    /// exactly (rates are rounded to 2 dp, counts are not).
    pub fn fraction(self) -> f64 {
        self.percent / 100.0
    }
}

/// One LA's published figures for one school type.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTarget {
    pub phase: Phase,
    /// Published number of schools, if known.
    pub schools: Option<u32>,
    /// Pupils on roll (sole and dual main) at the spring census.
    pub headcount: u32,
    pub perm: Rate,
    pub susp: Rate,
    pub one_plus: Rate,
}

/// One LA's targets.
#[derive(Debug, Clone, PartialEq)]
pub struct LaTarget {
    pub number: u16,
    pub name: String,
    pub region: String,
    /// Primary, secondary and special, in that order (headcount 0 when the LA has none).
    pub phases: Vec<PhaseTarget>,
}

impl LaTarget {
    pub fn phase(&self, phase: Phase) -> Option<&PhaseTarget> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    pub fn headcount(&self) -> u64 {
        self.phases.iter().map(|p| u64::from(p.headcount)).sum()
    }
}

/// A group of pupils the national characteristics table reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Sex(SexKey),
    Fsm(bool),
    Sen(SenKey),
    /// National curriculum year: -1 nursery, 0 reception, 1..=11, 12 = "12 and above".
    Year(i8),
}

/// [`Sex`] with an order, so groups sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SexKey {
    Female,
    Male,
}

impl From<Sex> for SexKey {
    fn from(s: Sex) -> SexKey {
        match s {
            Sex::Female => SexKey::Female,
            Sex::Male => SexKey::Male,
        }
    }
}

/// [`SenProvision`] with an order, so groups sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SenKey {
    None,
    Support,
    Ehc,
}

impl From<SenProvision> for SenKey {
    fn from(s: SenProvision) -> SenKey {
        match s {
            SenProvision::None => SenKey::None,
            SenProvision::SenSupport => SenKey::Support,
            SenProvision::EhcPlan => SenKey::Ehc,
        }
    }
}

impl Group {
    /// A stable label for reports.
    pub fn label(self) -> String {
        match self {
            Group::Sex(SexKey::Male) => "sex: male".into(),
            Group::Sex(SexKey::Female) => "sex: female".into(),
            Group::Fsm(true) => "FSM: eligible".into(),
            Group::Fsm(false) => "FSM: not eligible".into(),
            Group::Sen(SenKey::None) => "SEN: none".into(),
            Group::Sen(SenKey::Support) => "SEN: support".into(),
            Group::Sen(SenKey::Ehc) => "SEN: EHC plan".into(),
            Group::Year(-1) => "year: nursery".into(),
            Group::Year(0) => "year: reception".into(),
            Group::Year(12) => "year: 12 and above".into(),
            Group::Year(y) => format!("year: {y}"),
        }
    }

    /// The group a national curriculum year falls in (Years 12, 13 and above share one).
    pub fn year(year: i8) -> Group {
        Group::Year(year.clamp(-1, 12))
    }
}

/// Published national figures for one group: headcount and counts of permanent exclusions,
/// suspensions and pupils with one or more suspensions (`None` when suppressed). Counts, not
/// the 2-dp rates, because a rate of 0.01 carries almost no information.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupRates {
    pub headcount: f64,
    pub perm: Option<f64>,
    pub susp: Option<f64>,
    pub one_plus: Option<f64>,
}

impl GroupRates {
    /// The count of an outcome, if published.
    pub fn count(&self, outcome: Outcome) -> Option<f64> {
        match outcome {
            Outcome::Perm => self.perm,
            Outcome::Susp => self.susp,
            Outcome::OnePlus => self.one_plus,
        }
    }

    /// The rate (a fraction) of an outcome, if published and the headcount is positive.
    pub fn rate(&self, outcome: Outcome) -> Option<f64> {
        self.count(outcome).filter(|_| self.headcount > 0.0).map(|c| c / self.headcount)
    }
}

/// The three published measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Perm,
    Susp,
    OnePlus,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Perm, Outcome::Susp, Outcome::OnePlus];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Perm => "perm",
            Outcome::Susp => "susp",
            Outcome::OnePlus => "one_plus",
        }
    }
}

/// The national characteristics table for one year (DfE SFR35/2017, school type "Total").
#[derive(Debug, Clone, PartialEq)]
pub struct Characteristics {
    pub year: AcademicYear,
    pub total: GroupRates,
    pub groups: Vec<(Group, GroupRates)>,
}

impl Characteristics {
    pub fn get(&self, group: Group) -> Option<&GroupRates> {
        self.groups.iter().find(|(g, _)| *g == group).map(|(_, r)| r)
    }
}

/// Everything the generator needs for one academic year.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub year: AcademicYear,
    /// Every LA with published figures that year, in LA number order.
    pub las: Vec<LaTarget>,
    /// National rates by characteristic: the nearest published year at or before `year`
    /// (the table runs 2011/12 to 2015/16).
    pub characteristics: Characteristics,
}

impl Targets {
    pub fn la(&self, number: u16) -> Option<&LaTarget> {
        self.las.iter().find(|l| l.number == number)
    }

    /// National headcount and rate by phase, weighted over the LAs (for fitting multipliers).
    pub fn national_phase(&self, phase: Phase) -> (f64, Rate3) {
        let mut head = 0.0;
        let mut acc = Rate3::default();
        for p in self.las.iter().filter_map(|l| l.phase(phase)) {
            let n = f64::from(p.headcount);
            head += n;
            acc.perm += n * p.perm.fraction();
            acc.susp += n * p.susp.fraction();
            acc.one_plus += n * p.one_plus.fraction();
        }
        if head > 0.0 {
            acc.perm /= head;
            acc.susp /= head;
            acc.one_plus /= head;
        }
        (head, acc)
    }
}

/// Three rates as fractions (not per cent): permanent exclusions, suspensions, pupils with one
/// or more suspensions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rate3 {
    pub perm: f64,
    pub susp: f64,
    pub one_plus: f64,
}

impl PhaseTarget {
    pub fn rate(&self, outcome: Outcome) -> Rate {
        match outcome {
            Outcome::Perm => self.perm,
            Outcome::Susp => self.susp,
            Outcome::OnePlus => self.one_plus,
        }
    }

    /// The expected count of an outcome for this headcount.
    pub fn expected(&self, outcome: Outcome) -> f64 {
        f64::from(self.headcount) * self.rate(outcome).fraction()
    }
}

impl Targets {
    /// Only these LAs (in LA number order).
    pub fn only(mut self, las: &[u16]) -> Targets {
        self.las.retain(|l| las.contains(&l.number));
        self
    }

    /// Every LA's rates multiplied by `factor` (headcounts unchanged): targets a generator
    /// should miss, for testing the calibration check.
    pub fn rates_times(mut self, factor: f64) -> Targets {
        for p in self.las.iter_mut().flat_map(|l| l.phases.iter_mut()) {
            for rate in [&mut p.perm, &mut p.susp, &mut p.one_plus] {
                rate.percent *= factor;
            }
        }
        self
    }

    /// Headcounts and school counts multiplied by `factor` (for quick runs; rates unchanged).
    pub fn scaled(mut self, factor: f64) -> Targets {
        for p in self.las.iter_mut().flat_map(|l| l.phases.iter_mut()) {
            p.headcount = (f64::from(p.headcount) * factor).round() as u32;
            p.schools = p.schools.map(|s| ((f64::from(s) * factor).round() as u32).max(1));
        }
        self
    }
}
