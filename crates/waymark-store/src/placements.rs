//! Placements at a provision: tier, dates, commissioner and weekly cost, the hybrid timetable's
//! steps, the reintegration plan's targets, and the end with its outcome; and the provision's
//! groups with their capacity.
//!
//! The provision (the placement's setting in scope) makes and changes a placement. The referring
//! school (the referral's `from` setting in scope) sees it: accountability follows the child.
//! A placement at tier 2 or 3 opens a subsidiary registration (`S`) at the provision, closed when
//! the placement ends, and makes the home school's registration the main dual one (`M`), single
//! (`C`) again once no subsidiary registration is left; a pupil with no main registration
//! elsewhere (after a permanent exclusion) is registered single (`C`) at the provision. Tier 1
//! is outreach in the pupil's own school and registers nothing.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx, Tx};
use crate::names::bump_directory;
use crate::referrals::{self, status_of, text_field, NameRow, ReferralStatus, NAME_COLUMNS};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Role, Store, StoreError};
use chrono::{Datelike, Duration, NaiveDate};
use waymark_domain::{LeavingReason, ValidationErrors};

/// Sessions in a school week (a morning and an afternoon for five days).
pub const FULL_WEEK: i64 = 10;

/// How a placement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementOutcome {
    Reintegrated,
    SpecialSchool,
    AnotherAp,
    Post16,
    PermanentlyExcluded,
    LeftArea,
    Unknown,
}

impl PlacementOutcome {
    pub const ALL: [PlacementOutcome; 7] = [
        PlacementOutcome::Reintegrated,
        PlacementOutcome::SpecialSchool,
        PlacementOutcome::AnotherAp,
        PlacementOutcome::Post16,
        PlacementOutcome::PermanentlyExcluded,
        PlacementOutcome::LeftArea,
        PlacementOutcome::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PlacementOutcome::Reintegrated => "reintegrated",
            PlacementOutcome::SpecialSchool => "special_school",
            PlacementOutcome::AnotherAp => "another_ap",
            PlacementOutcome::Post16 => "post16",
            PlacementOutcome::PermanentlyExcluded => "permanently_excluded",
            PlacementOutcome::LeftArea => "left_area",
            PlacementOutcome::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<PlacementOutcome> {
        PlacementOutcome::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PlacementOutcome::Reintegrated => "Reintegrated into mainstream",
            PlacementOutcome::SpecialSchool => "Moved to a special school",
            PlacementOutcome::AnotherAp => "Moved to another alternative provision",
            PlacementOutcome::Post16 => "Post-16 destination",
            PlacementOutcome::PermanentlyExcluded => "Permanently excluded",
            PlacementOutcome::LeftArea => "Left the area",
            PlacementOutcome::Unknown => "Not known",
        }
    }

    /// The reason the provision's registration closes.
    fn leaving_reason(self) -> LeavingReason {
        match self {
            PlacementOutcome::Reintegrated => LeavingReason::ReturnToMainstream,
            PlacementOutcome::SpecialSchool => LeavingReason::TransferOther,
            PlacementOutcome::AnotherAp => LeavingReason::MoveToAp,
            PlacementOutcome::Post16 => LeavingReason::EndOfPhase,
            PlacementOutcome::PermanentlyExcluded => LeavingReason::PermanentExclusion,
            PlacementOutcome::LeftArea => LeavingReason::ChangeOfAddress,
            PlacementOutcome::Unknown => LeavingReason::NotKnown,
        }
    }
}

pub fn tier_label(tier: i64) -> &'static str {
    match tier {
        1 => "Tier 1: outreach in mainstream",
        2 => "Tier 2: time-limited placement",
        _ => "Tier 3: longer-term or transitional placement",
    }
}

/// What the provision records when it places a pupil.
#[derive(Debug, Clone)]
pub struct NewPlacement {
    /// The offered referral this placement meets; without one, the pupil must already be visible
    /// to the caller (a school placing its own pupil in its own unit).
    pub referral_id: Option<i64>,
    pub pupil_id: i64,
    pub setting_id: i64,
    pub tier: i64,
    pub start: NaiveDate,
    pub review: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub commissioner: String,
    pub weekly_cost_pence: Option<i64>,
    pub ap_sessions: i64,
    pub mainstream_sessions: i64,
    pub mainstream_subjects: String,
    pub group_id: Option<i64>,
    pub over_limit_reason: String,
    pub token: String,
}

impl NewPlacement {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !(1..=3).contains(&self.tier) {
            errors.push("tier", "Choose the tier: 1, 2 or 3");
        }
        if self.review.is_some_and(|r| r < self.start) {
            errors.push("review", "The first review must be on or after the start date");
        }
        if self.planned_end.is_some_and(|e| e < self.start) {
            errors.push("planned_end", "The planned end must be on or after the start date");
        }
        text_field(&mut errors, "commissioner", &self.commissioner, "Enter who commissions the placement");
        if self.weekly_cost_pence.is_some_and(|c| !(0..=10_000_000).contains(&c)) {
            errors.push("weekly_cost", "The weekly cost must be between £0 and £100,000");
        }
        sessions_errors(&mut errors, self.ap_sessions, self.mainstream_sessions);
        if self.mainstream_subjects.chars().count() > 500 {
            errors.push("mainstream_subjects", "Keep the subjects to 500 characters or fewer");
        }
        if self.token.len() < 16 || self.token.len() > 64 || !self.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push("token", "The form is missing its one-time token: reload the page and try again");
        }
        errors.into_result(())
    }
}

fn sessions_errors(errors: &mut ValidationErrors, ap: i64, mainstream: i64) {
    if !(0..=FULL_WEEK).contains(&ap) {
        errors.push("ap_sessions", "Sessions in the provision must be a whole number from 0 to 10");
    }
    if !(0..=FULL_WEEK).contains(&mainstream) {
        errors.push("mainstream_sessions", "Sessions in mainstream must be a whole number from 0 to 10");
    }
    if (0..=FULL_WEEK).contains(&ap) && (0..=FULL_WEEK).contains(&mainstream) {
        if ap + mainstream > FULL_WEEK {
            errors.push("ap_sessions", "A week has 10 sessions: provision and mainstream together cannot exceed 10");
        } else if ap + mainstream == 0 {
            errors.push("ap_sessions", "A timetable needs at least one session a week");
        }
    }
}

/// One step of the hybrid timetable.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Step {
    pub from_date: NaiveDate,
    pub ap_sessions: i64,
    pub mainstream_sessions: i64,
    pub mainstream_subjects: Option<String>,
}

impl Step {
    /// Fewer than ten sessions a week in all is a part-time timetable (DOMAIN.md section 5).
    pub fn part_time(&self) -> bool {
        self.ap_sessions + self.mainstream_sessions < FULL_WEEK
    }
}

/// A placement as the provision and the referring school see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementView {
    pub id: i64,
    pub pupil_id: i64,
    pub pupil_name: String,
    pub setting_id: i64,
    pub setting: String,
    pub referral_id: Option<i64>,
    pub tier: i64,
    pub start: NaiveDate,
    pub review: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub outcome: Option<PlacementOutcome>,
    pub commissioner: String,
    pub weekly_cost_pence: Option<i64>,
    pub group: Option<String>,
    pub over_limit_reason: Option<String>,
    pub steps: Vec<Step>,
    /// The reintegration plan: from a date, mainstream sessions a week aimed for.
    pub targets: Vec<(NaiveDate, i64)>,
    /// The caller acts for the provision (may change the placement).
    pub provision_side: bool,
}

impl PlacementView {
    /// Each step with the day it stops applying (the next step, the end, or `today`).
    pub fn spans(&self, today: NaiveDate) -> Vec<(&Step, NaiveDate)> {
        let last = self.end.unwrap_or(today).max(self.start);
        self.steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s, self.steps.get(i + 1).map_or(last, |n| n.from_date).max(s.from_date)))
            .collect()
    }

    /// How long the timetable has been part-time without a break, up to its end or `today`,
    /// in days, if its current (or last) step is part-time.
    pub fn part_time_days(&self, today: NaiveDate) -> Option<i64> {
        let spans = self.spans(today);
        let (last, until) = spans.last()?;
        if !last.part_time() {
            return None;
        }
        let from =
            spans.iter().rev().take_while(|(s, _)| s.part_time()).last().map_or(last.from_date, |(s, _)| s.from_date);
        Some((*until - from).num_days())
    }
}

#[derive(sqlx::FromRow)]
struct PlacementRow {
    id: i64,
    pupil_id: i64,
    setting_id: i64,
    setting: String,
    referral_id: Option<i64>,
    tier: i64,
    start_date: NaiveDate,
    review_date: Option<NaiveDate>,
    planned_end_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    outcome: Option<String>,
    commissioner: Option<String>,
    weekly_cost_pence: Option<i64>,
    group_name: Option<String>,
    over_limit_reason: Option<String>,
    provision_side: Option<bool>,
    referrer_side: Option<bool>,
}

/// A placement's row with one of its timetable steps or reintegration targets (none if it has
/// neither).
#[derive(sqlx::FromRow)]
struct PlacementWithPart {
    #[sqlx(flatten)]
    placement: PlacementRow,
    part_kind: Option<i64>,
    part_from: Option<NaiveDate>,
    part_ap: Option<i64>,
    part_mainstream: Option<i64>,
    part_subjects: Option<String>,
}

impl PlacementRow {
    /// The provision or the referring school is in the caller's scope.
    fn visible(&self) -> bool {
        self.provision_side.unwrap_or(false) || self.referrer_side.unwrap_or(false)
    }
}

/// A placement's row with both sides' scope for `role`, up to `WHERE ` (the caller adds which).
fn placement_sql(role: Role) -> SqlBuilder {
    let mut sql = SqlBuilder::new(
        "SELECT pl.id, pl.pupil_id, pl.setting_id, s.name AS setting, pl.referral_id, pl.tier, pl.start_date, \
         pl.review_date, pl.planned_end_date, pl.end_date, pl.outcome, pl.commissioner, pl.weekly_cost_pence, \
         g.name AS group_name, pl.over_limit_reason, (",
    );
    sql.settings_in_scope(role, "s").push(") AS provision_side, (");
    sql.settings_in_scope(role, "fs").push(") AS referrer_side ");
    sql.push(
        "FROM placements pl JOIN settings s ON s.id = pl.setting_id LEFT JOIN provision_groups g ON g.id = pl.group_id \
         LEFT JOIN referrals r ON r.id = pl.referral_id LEFT JOIN settings fs ON fs.id = r.from_setting_id WHERE ",
    );
    sql
}

fn placement_view(
    row: PlacementRow,
    pupil_name: String,
    steps: Vec<Step>,
    targets: Vec<(NaiveDate, i64)>,
) -> PlacementView {
    PlacementView {
        id: row.id,
        pupil_id: row.pupil_id,
        pupil_name,
        setting_id: row.setting_id,
        setting: row.setting,
        referral_id: row.referral_id,
        tier: row.tier,
        start: row.start_date,
        review: row.review_date,
        planned_end: row.planned_end_date,
        end: row.end_date,
        outcome: row.outcome.as_deref().and_then(PlacementOutcome::from_code),
        commissioner: row.commissioner.unwrap_or_default(),
        weekly_cost_pence: row.weekly_cost_pence,
        group: row.group_name,
        over_limit_reason: row.over_limit_reason,
        steps,
        targets,
        provision_side: row.provision_side.unwrap_or(false),
    }
}

/// A teaching group at a provision.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub setting_id: i64,
    pub name: String,
    /// The size the provision aims to stay within (ideally under 10).
    pub size_limit: i64,
    /// Above this a placement needs an override with a reason.
    pub hard_limit: i64,
    pub teacher: Option<String>,
    pub support_adult: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewGroup {
    pub setting_id: i64,
    pub name: String,
    pub size_limit: i64,
    pub hard_limit: i64,
    pub teacher: String,
    pub support_adult: String,
}

impl NewGroup {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("name", "Enter the group's name");
        } else if name.chars().count() > 100 {
            errors.push("name", "Keep the group's name to 100 characters or fewer");
        }
        if !(1..=30).contains(&self.size_limit) {
            errors.push("size_limit", "The group size must be a whole number from 1 to 30");
        }
        if !(1..=30).contains(&self.hard_limit) {
            errors.push("hard_limit", "The hard limit must be a whole number from 1 to 30");
        } else if self.hard_limit < self.size_limit {
            errors.push("hard_limit", "The hard limit cannot be below the group size");
        }
        for (field, value) in [("teacher", &self.teacher), ("support_adult", &self.support_adult)] {
            if value.chars().count() > 100 {
                errors.push(field, "Keep names to 100 characters or fewer");
            }
        }
        errors.into_result(())
    }
}

/// One group's places over the coming weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCapacity {
    pub group: Group,
    /// (Monday of the week, pupils placed in the group that week).
    pub weeks: Vec<(NaiveDate, i64)>,
    pub warnings: Vec<String>,
}

/// Weeks the capacity page looks ahead, after this one.
pub const WEEKS_AHEAD: usize = 12;

pub fn monday_of_week(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Whether a placement from `start` to `last` (inclusive; `None` open) is on roll in the week
/// starting `monday`.
fn in_week(start: NaiveDate, last: Option<NaiveDate>, monday: NaiveDate) -> bool {
    start <= monday + Duration::days(6) && last.is_none_or(|l| l >= monday)
}

impl Store {
    /// Place a pupil. Refused with reasons: an end before the start, a referral not offered, a
    /// group at its hard limit without an override reason. Resubmitting the same form returns
    /// the first placement.
    pub async fn create_placement(&self, caller: &Caller, new: &NewPlacement) -> Result<i64, StoreError> {
        new.validate()?;
        let mut tx = self.pool.begin_write().await?;
        let la = setting_in_scope(&mut tx, caller.role, new.setting_id).await?.ok_or(StoreError::NotFound)?;
        let source_id = format!("form:{}", new.token);
        if let Some(id) = referrals::existing(&mut tx, "placements", "setting_id", new.setting_id, &source_id).await? {
            return Ok(id);
        }
        let pupil_id = self.placed_pupil(&mut tx, caller.role, new).await?;
        if let Some(group) = new.group_id {
            self.check_group_room(&mut tx, new, group).await?;
        }
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO placements (la_number, pupil_id, setting_id, source_id, referral_id, tier, start_date, \
                 planned_end_date, review_date, commissioner, weekly_cost_pence, group_id, over_limit_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(la)
            .bind(pupil_id)
            .bind(new.setting_id)
            .bind(&source_id)
            .bind(new.referral_id)
            .bind(new.tier)
            .bind(new.start)
            .bind(new.planned_end)
            .bind(new.review)
            .bind(new.commissioner.trim())
            .bind(new.weekly_cost_pence)
            .bind(new.group_id)
            .bind(Some(new.over_limit_reason.trim()).filter(|r| !r.is_empty()))
            .fetch_one(c)
            .await
        })?;
        insert_step(&mut tx, la, id, new.start, new.ap_sessions, new.mainstream_sessions, &new.mainstream_subjects)
            .await?;
        if new.tier > 1 {
            self.register_at_provision(&mut tx, la, id, pupil_id, new).await?;
        }
        if let Some(referral) = new.referral_id {
            referrals::set_status(&mut tx, la, referral, ReferralStatus::Placed, caller, "Placement made").await?;
        }
        audit::append(
            &mut tx,
            caller,
            Event { action: "placement.create", object_type: "placement", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The pupil a new placement is for: the offered referral's, or one the caller can see.
    async fn placed_pupil(&self, tx: &mut Tx, role: Role, new: &NewPlacement) -> Result<i64, StoreError> {
        let Some(referral) = new.referral_id else {
            let mut sql = SqlBuilder::new("SELECT p.id FROM pupils p WHERE p.id = ");
            sql.bind(Arg::Int(new.pupil_id)).push(" AND ").pupils_in_scope(role);
            let found: Option<i64> =
                on_tx!(tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?;
            return found.ok_or(StoreError::NotFound);
        };
        let row: Option<(i64, String)> = on_tx!(tx, c => {
            sqlx::query_as("SELECT pupil_id, status FROM referrals WHERE id = $1 AND to_setting_id = $2")
                .bind(referral)
                .bind(new.setting_id)
                .fetch_optional(c)
                .await
        })?;
        let (pupil, status) = row.ok_or(StoreError::NotFound)?;
        let status = status_of(&status)?;
        if status != ReferralStatus::Offered {
            let mut errors = ValidationErrors::default();
            errors.push(
                "referral",
                format!(
                    "Only a referral with a place offered can become a placement (this one is {})",
                    status.label().to_lowercase()
                ),
            );
            return Err(errors.into());
        }
        Ok(pupil)
    }

    /// A group at or over its hard limit on the start date takes another pupil only with a reason.
    async fn check_group_room(&self, tx: &mut Tx, new: &NewPlacement, group: i64) -> Result<(), StoreError> {
        let limit: Option<i64> = on_tx!(tx, c => {
            sqlx::query_scalar("SELECT hard_limit FROM provision_groups WHERE id = $1 AND setting_id = $2")
                .bind(group)
                .bind(new.setting_id)
                .fetch_optional(c)
                .await
        })?;
        let mut errors = ValidationErrors::default();
        let Some(limit) = limit else {
            errors.push("group_id", "Choose one of this provision's groups");
            return Err(errors.into());
        };
        let placed: i64 = on_tx!(tx, c => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM placements WHERE group_id = $1 AND start_date <= $2 \
                 AND COALESCE(end_date, planned_end_date, $2) >= $2",
            )
            .bind(group)
            .bind(new.start)
            .fetch_one(c)
            .await
        })?;
        if placed >= limit && new.over_limit_reason.trim().is_empty() {
            errors.push(
                "over_limit_reason",
                format!(
                    "The group already has {placed} pupils, its hard limit is {limit}: say why it must take one more"
                ),
            );
        }
        errors.into_result(())?;
        Ok(())
    }

    /// Open a subsidiary registration at the provision unless the pupil is already on its roll
    /// with no end. A registration that ends on or after the start (an earlier placement ended
    /// the day this one starts) covers only its own days: the new one starts the day after, so
    /// the pupil stays on the provision's roll for the whole placement.
    async fn register_at_provision(
        &self,
        tx: &mut Tx,
        la: i64,
        placement: i64,
        pupil: i64,
        new: &NewPlacement,
    ) -> Result<(), StoreError> {
        let ends: Vec<Option<NaiveDate>> = on_tx!(tx, c => {
            sqlx::query_scalar(
                "SELECT end_date FROM enrolments WHERE pupil_id = $1 AND setting_id = $2 AND (end_date IS NULL OR end_date >= $3)",
            )
            .bind(pupil)
            .bind(new.setting_id)
            .bind(new.start)
            .fetch_all(c)
            .await
        })?;
        if ends.iter().any(Option::is_none) {
            return Ok(());
        }
        let from = ends.into_iter().flatten().max().map_or(new.start, |end| end + Duration::days(1));
        // The pupil's main registration elsewhere on that day (single `C` or main dual `M`). With
        // one, the provision's registration is subsidiary (`S`) and the home school's becomes
        // the main dual registration (`M`); with none (after a permanent exclusion, say) the
        // provision's is the pupil's single registration (`C`). Two at once is refused.
        let mains: Vec<(i64, NaiveDate)> = on_tx!(tx, c => {
            sqlx::query_as(
                "SELECT id, start_date FROM enrolments WHERE pupil_id = $1 AND setting_id <> $2 AND registration IN ('C', 'M') \
                 AND start_date <= $3 AND (end_date IS NULL OR end_date >= $3) ORDER BY start_date, id",
            )
            .bind(pupil)
            .bind(new.setting_id)
            .bind(from)
            .fetch_all(c)
            .await
        })?;
        if mains.len() > 1 {
            let mut errors = ValidationErrors::default();
            errors.push(
                "start_date",
                format!(
                    "The pupil has {} main registrations on {from}, and a pupil has one main registration at a time: \
                     end or correct the others on the pupil's record first",
                    mains.len()
                ),
            );
            return Err(errors.into());
        }
        let registration = if mains.is_empty() { "C" } else { "S" };
        on_tx!(tx, c => {
            for (main, _) in &mains {
                sqlx::query("UPDATE enrolments SET registration = 'M' WHERE id = $1 AND registration = 'C'")
                    .bind(*main)
                    .execute(&mut *c)
                    .await?;
            }
            let enrolment: i64 = sqlx::query_scalar(
                "INSERT INTO enrolments (pupil_id, setting_id, start_date, end_date, registration, leaving_reason, la_number) \
                 VALUES ($1, $2, $3, NULL, $4, NULL, $5) RETURNING id",
            )
            .bind(pupil)
            .bind(new.setting_id)
            .bind(from)
            .bind(registration)
            .bind(la)
            .fetch_one(&mut *c)
            .await?;
            sqlx::query("UPDATE placements SET enrolment_id = $1 WHERE id = $2").bind(enrolment).bind(placement).execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        bump_directory(tx).await?;
        Ok(())
    }

    /// One placement, for its provision or the school that referred the pupil; audited.
    pub async fn placement(&self, caller: &Caller, id: i64) -> Result<PlacementView, StoreError> {
        let view = self.placement_unaudited(caller, id).await?;
        self.audit_alone(
            caller,
            Event { action: "placement.view", object_type: "placement", object_id: id.to_string() },
        )
        .await?;
        Ok(view)
    }

    /// As `placement`, scoped the same way, for a caller that audits the whole view itself.
    pub(crate) async fn placement_unaudited(&self, caller: &Caller, id: i64) -> Result<PlacementView, StoreError> {
        let mut sql = placement_sql(caller.role);
        sql.push("pl.id = ").bind(Arg::Int(id));
        let row: Option<PlacementRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(p).await)?;
        let row = row.filter(PlacementRow::visible).ok_or(StoreError::NotFound)?;
        let name: NameRow = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {NAME_COLUMNS} FROM pupils p WHERE p.id = $1")).bind(row.pupil_id).fetch_one(p).await
        })?;
        let steps: Vec<Step> = on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT from_date, ap_sessions, mainstream_sessions, mainstream_subjects FROM timetable_steps \
                 WHERE placement_id = $1 ORDER BY from_date",
            )
            .bind(id)
            .fetch_all(p)
            .await
        })?;
        let targets: Vec<(NaiveDate, i64)> = on_pool!(&self.pool, p => {
            sqlx::query_as("SELECT from_date, mainstream_sessions FROM reintegration_targets WHERE placement_id = $1 ORDER BY from_date")
                .bind(id)
                .fetch_all(p)
                .await
        })?;
        Ok(placement_view(row, self.display_name(&name)?, steps, targets))
    }

    /// Every placement of pupil `pupil_id` the caller may see (its provision or the referring
    /// school in scope, as `placement`), oldest first, with their timetable steps and
    /// reintegration targets: one statement. The pupil's name is the caller's to give.
    pub(crate) async fn placements_of_pupil(
        &self,
        caller: &Caller,
        pupil_id: i64,
        pupil_name: &str,
    ) -> Result<Vec<PlacementView>, StoreError> {
        // One statement: each placement row once per timetable step (kind 0) and reintegration
        // target (kind 1), left-joined in order; the parts are read for the pupil's placements
        // only and kept only with the visible ones.
        let mut sql = placement_sql(caller.role);
        sql.push("pl.pupil_id = ").bind(Arg::Int(pupil_id)).prepend(
            "SELECT x.*, pt.kind AS part_kind, pt.from_date AS part_from, pt.ap_sessions AS part_ap, \
             pt.mainstream_sessions AS part_mainstream, pt.mainstream_subjects AS part_subjects FROM (",
        );
        sql.push(
            ") x LEFT JOIN (SELECT t.placement_id, CAST(0 AS BIGINT) AS kind, t.from_date, t.ap_sessions, \
             t.mainstream_sessions, t.mainstream_subjects FROM timetable_steps t \
             JOIN placements tp ON tp.id = t.placement_id WHERE tp.pupil_id = ",
        )
        .bind(Arg::Int(pupil_id))
        .push(
            " UNION ALL SELECT rt.placement_id, CAST(1 AS BIGINT), rt.from_date, CAST(0 AS BIGINT), \
             rt.mainstream_sessions, NULL FROM reintegration_targets rt \
             JOIN placements rp ON rp.id = rt.placement_id WHERE rp.pupil_id = ",
        )
        .bind(Arg::Int(pupil_id))
        .push(") pt ON pt.placement_id = x.id ORDER BY x.start_date, x.id, pt.kind, pt.from_date");
        let rows: Vec<PlacementWithPart> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        // Each placement with its steps and its targets (date, mainstream sessions).
        type Parts = (Vec<Step>, Vec<(NaiveDate, i64)>);
        let mut grouped: Vec<(PlacementRow, Parts)> = Vec::new();
        for row in rows.into_iter().filter(|r| r.placement.visible()) {
            if grouped.last().is_none_or(|last| last.0.id != row.placement.id) {
                grouped.push((row.placement, (Vec::new(), Vec::new())));
            }
            let Some((_, (steps, targets))) = grouped.last_mut() else { continue };
            match (row.part_kind, row.part_from) {
                (Some(0), Some(from_date)) => steps.push(Step {
                    from_date,
                    ap_sessions: row.part_ap.unwrap_or(0),
                    mainstream_sessions: row.part_mainstream.unwrap_or(0),
                    mainstream_subjects: row.part_subjects,
                }),
                (Some(1), Some(from_date)) => targets.push((from_date, row.part_mainstream.unwrap_or(0))),
                _ => {}
            }
        }
        Ok(grouped
            .into_iter()
            .map(|(row, (steps, targets))| placement_view(row, pupil_name.to_string(), steps, targets))
            .collect())
    }

    /// Change the hybrid timetable from a date. Refused: a step before the placement started
    /// or after it ended, a second step on the same date, more than 10 sessions a week.
    pub async fn add_timetable_step(&self, caller: &Caller, placement: i64, step: &Step) -> Result<(), StoreError> {
        let mut errors = ValidationErrors::default();
        sessions_errors(&mut errors, step.ap_sessions, step.mainstream_sessions);
        let subjects = step.mainstream_subjects.as_deref().unwrap_or("");
        if subjects.chars().count() > 500 {
            errors.push("mainstream_subjects", "Keep the subjects to 500 characters or fewer");
        }
        errors.into_result(())?;
        let mut tx = self.pool.begin_write().await?;
        let (la, start, end) = placement_for_change(&mut tx, caller.role, placement).await?;
        let mut errors = ValidationErrors::default();
        if step.from_date < start {
            errors.push(
                "from_date",
                format!("A timetable step cannot start before the placement, which started on {start}"),
            );
        } else if end.is_some_and(|e| step.from_date > e) {
            errors.push("from_date", "The placement has ended: a step cannot start after its end");
        }
        let taken: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM timetable_steps WHERE placement_id = $1 AND from_date = $2")
                .bind(placement)
                .bind(step.from_date)
                .fetch_optional(c)
                .await
        })?;
        if taken.is_some() {
            errors.push("from_date", "The timetable already changes on that date: choose another date");
        }
        errors.into_result(())?;
        insert_step(&mut tx, la, placement, step.from_date, step.ap_sessions, step.mainstream_sessions, subjects)
            .await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "placement.timetable", object_type: "placement", object_id: placement.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set the reintegration plan: from `first`, `add` more mainstream sessions every
    /// `every_weeks` weeks until the pupil is full-time in mainstream. Replaces any plan before.
    pub async fn set_reintegration_plan(
        &self,
        caller: &Caller,
        placement: i64,
        first: NaiveDate,
        add: i64,
        every_weeks: i64,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        let mut errors = ValidationErrors::default();
        if !(1..=FULL_WEEK).contains(&add) {
            errors.push("add", "Sessions to add must be a whole number from 1 to 10");
        }
        if !(1..=12).contains(&every_weeks) {
            errors.push("every_weeks", "How often must be a whole number of weeks from 1 to 12");
        }
        errors.into_result(())?;
        let mut tx = self.pool.begin_write().await?;
        let (la, start, end) = placement_for_change(&mut tx, caller.role, placement).await?;
        let mut errors = ValidationErrors::default();
        if first < start {
            errors.push("first", format!("The plan cannot start before the placement, which started on {start}"));
        } else if end.is_some() {
            errors.push("first", "The placement has ended: its plan can no longer change");
        }
        errors.into_result(())?;
        let now: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "SELECT mainstream_sessions FROM timetable_steps WHERE placement_id = $1 AND from_date <= $2 ORDER BY from_date DESC LIMIT 1",
            )
            .bind(placement)
            .bind(first)
            .fetch_optional(c)
            .await
        })?;
        let targets = plan_targets(now.unwrap_or(0), first, add, every_weeks);
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM reintegration_targets WHERE placement_id = $1").bind(placement).execute(&mut *c).await?;
            for (date, sessions) in &targets {
                sqlx::query("INSERT INTO reintegration_targets (la_number, placement_id, from_date, mainstream_sessions) VALUES ($1, $2, $3, $4)")
                    .bind(la)
                    .bind(placement)
                    .bind(*date)
                    .bind(*sessions)
                    .execute(&mut *c)
                    .await?;
            }
            Ok::<_, sqlx::Error>(())
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "placement.plan", object_type: "placement", object_id: placement.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(targets)
    }

    /// End a placement with its outcome, closing the registration it opened. Refused: an end
    /// before the start or before the last timetable step, or a placement already ended.
    pub async fn end_placement(
        &self,
        caller: &Caller,
        placement: i64,
        end: NaiveDate,
        outcome: PlacementOutcome,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let (_, start, ended) = placement_for_change(&mut tx, caller.role, placement).await?;
        let last_step: Option<NaiveDate> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT MAX(from_date) FROM timetable_steps WHERE placement_id = $1").bind(placement).fetch_one(c).await
        })?;
        let mut errors = ValidationErrors::default();
        if ended.is_some() {
            errors.push("end_date", "This placement has already ended");
        } else if end < start {
            errors.push("end_date", format!("A placement cannot end before it starts ({start})"));
        } else if let Some(step) = last_step.filter(|s| end < *s) {
            errors.push("end_date", format!("The placement cannot end before its last timetable change ({step})"));
        }
        errors.into_result(())?;
        let handed_over = hand_over_registration(&mut tx, placement, end).await?;
        on_tx!(&mut tx, c => {
            sqlx::query("UPDATE placements SET end_date = $1, outcome = $2 WHERE id = $3")
                .bind(end)
                .bind(outcome.code())
                .bind(placement)
                .execute(&mut *c)
                .await?;
            // The registration ends with the placement, unless it passed to the next one.
            sqlx::query(
                "UPDATE enrolments SET end_date = $1, leaving_reason = $2 \
                 WHERE id = (SELECT enrolment_id FROM placements WHERE id = $3) AND end_date IS NULL AND $4",
            )
            .bind(end)
            .bind(outcome.leaving_reason().code())
            .bind(placement)
            .bind(!handed_over)
            .execute(&mut *c)
            .await?;
            // With no subsidiary registration left after the end, the home school's main dual
            // registration is the single registration again.
            sqlx::query(
                "UPDATE enrolments SET registration = 'C' WHERE registration = 'M' \
                 AND pupil_id = (SELECT pupil_id FROM placements WHERE id = $1) AND (end_date IS NULL OR end_date > $2) \
                 AND NOT EXISTS (SELECT 1 FROM enrolments s WHERE s.pupil_id = enrolments.pupil_id \
                 AND s.registration = 'S' AND (s.end_date IS NULL OR s.end_date > $2))",
            )
            .bind(placement)
            .bind(end)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        bump_directory(&mut tx).await?;
        audit::append(
            &mut tx,
            caller,
            Event {
                action: "placement.end",
                object_type: "placement",
                object_id: format!("{placement}:{}", outcome.code()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add a teaching group to a provision in the caller's scope.
    pub async fn create_group(&self, caller: &Caller, new: &NewGroup) -> Result<i64, StoreError> {
        new.validate()?;
        let mut tx = self.pool.begin_write().await?;
        let la = setting_in_scope(&mut tx, caller.role, new.setting_id).await?.ok_or(StoreError::NotFound)?;
        let taken: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM provision_groups WHERE setting_id = $1 AND name = $2")
                .bind(new.setting_id)
                .bind(new.name.trim())
                .fetch_optional(c)
                .await
        })?;
        if taken.is_some() {
            let mut errors = ValidationErrors::default();
            errors.push("name", "This provision already has a group with that name");
            return Err(errors.into());
        }
        let blank = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO provision_groups (la_number, setting_id, name, size_limit, hard_limit, teacher, support_adult) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(la)
            .bind(new.setting_id)
            .bind(new.name.trim())
            .bind(new.size_limit)
            .bind(new.hard_limit)
            .bind(blank(&new.teacher))
            .bind(blank(&new.support_adult))
            .fetch_one(c)
            .await
        })?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "group.create", object_type: "group", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A provision's groups, by name.
    pub async fn groups(&self, caller: &Caller, setting_id: i64) -> Result<Vec<Group>, StoreError> {
        self.get_setting(caller, setting_id).await?;
        Ok(on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT id, setting_id, name, size_limit, hard_limit, teacher, support_adult FROM provision_groups \
                 WHERE setting_id = $1 ORDER BY name, id",
            )
            .bind(setting_id)
            .fetch_all(p)
            .await
        })?)
    }

    /// Places used in each group this week and for the next 12 (planned starts and ends
    /// counted), with warnings for a group over its size or hard limit or short of staff.
    pub async fn capacity(
        &self,
        caller: &Caller,
        setting_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<GroupCapacity>, StoreError> {
        let groups = self.groups(caller, setting_id).await?;
        let rows: Vec<(i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = on_pool!(&self.pool, p => {
            sqlx::query_as(
                "SELECT group_id, start_date, planned_end_date, end_date FROM placements \
                 WHERE setting_id = $1 AND group_id IS NOT NULL AND (end_date IS NULL OR end_date >= $2)",
            )
            .bind(setting_id)
            .bind(monday_of_week(today))
            .fetch_all(p)
            .await
        })?;
        let mondays: Vec<NaiveDate> =
            (0..=WEEKS_AHEAD as i64).map(|w| monday_of_week(today) + Duration::weeks(w)).collect();
        Ok(groups
            .into_iter()
            .map(|group| {
                let weeks: Vec<(NaiveDate, i64)> = mondays
                    .iter()
                    .map(|m| {
                        let used = rows
                            .iter()
                            .filter(|(g, start, planned, end)| *g == group.id && in_week(*start, end.or(*planned), *m))
                            .count() as i64;
                        (*m, used)
                    })
                    .collect();
                let warnings = capacity_warnings(&group, &weeks);
                GroupCapacity { group, weeks, warnings }
            })
            .collect())
    }
}

fn capacity_warnings(group: &Group, weeks: &[(NaiveDate, i64)]) -> Vec<String> {
    let mut warnings = Vec::new();
    let now = weeks.first().map_or(0, |w| w.1);
    if now > group.hard_limit {
        warnings
            .push(format!("{} has {now} pupils this week, over its hard limit of {}", group.name, group.hard_limit));
    } else if now > group.size_limit {
        warnings.push(format!("{} has {now} pupils this week, over its size of {}", group.name, group.size_limit));
    }
    if let Some((monday, n)) = weeks.iter().skip(1).find(|(_, n)| *n > group.size_limit) {
        if now <= group.size_limit {
            warnings.push(format!(
                "{} will have {n} pupils in the week of {monday}, over its size of {}",
                group.name, group.size_limit
            ));
        }
    }
    if group.teacher.is_none() {
        warnings.push(format!("{} has no teacher", group.name));
    }
    if group.support_adult.is_none() {
        warnings.push(format!("{} has no support adult", group.name));
    }
    warnings
}

/// The targets of a plan: `add` more mainstream sessions every `every_weeks` weeks from `first`,
/// starting from `now`, until full-time.
pub fn plan_targets(now: i64, first: NaiveDate, add: i64, every_weeks: i64) -> Vec<(NaiveDate, i64)> {
    let mut out = Vec::new();
    let mut sessions = now;
    let mut date = first;
    while sessions < FULL_WEEK {
        sessions = (sessions + add).min(FULL_WEEK);
        out.push((date, sessions));
        date += Duration::weeks(every_weeks);
    }
    out
}

/// The LA of a setting in the role's scope.
async fn setting_in_scope(tx: &mut Tx, role: Role, setting: i64) -> Result<Option<i64>, StoreError> {
    let mut sql = SqlBuilder::new("SELECT s.la_number FROM settings s WHERE s.id = ");
    sql.bind(Arg::Int(setting)).push(" AND ").settings_in_scope(role, "s");
    Ok(on_tx!(tx, c => bind_args!(sqlx::query_scalar(sql.sql()), sql).fetch_optional(c).await)?)
}

/// (LA, start, end) of a placement whose provision is in the role's scope.
/// When a placement ends while the pupil has another placement at the same provision running on
/// past `end` (made while this one ran, so it opened no registration of its own), the
/// registration this placement opened passes to that one instead of ending: the pupil stays on
/// the provision's roll. True if it was handed over.
async fn hand_over_registration(tx: &mut Tx, placement: i64, end: NaiveDate) -> Result<bool, StoreError> {
    let next: Option<i64> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT o.id FROM placements o JOIN placements p ON p.id = $1 \
             WHERE o.pupil_id = p.pupil_id AND o.setting_id = p.setting_id AND o.id <> p.id \
             AND p.enrolment_id IS NOT NULL AND o.enrolment_id IS NULL AND o.end_date IS NULL \
             AND COALESCE(o.planned_end_date, $2) >= $2 ORDER BY o.start_date, o.id LIMIT 1",
        )
        .bind(placement)
        .bind(end)
        .fetch_optional(c)
        .await
    })?;
    let Some(next) = next else { return Ok(false) };
    on_tx!(tx, c => {
        sqlx::query("UPDATE placements SET enrolment_id = (SELECT enrolment_id FROM placements WHERE id = $1) WHERE id = $2")
            .bind(placement)
            .bind(next)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(true)
}

async fn placement_for_change(
    tx: &mut Tx,
    role: Role,
    placement: i64,
) -> Result<(i64, NaiveDate, Option<NaiveDate>), StoreError> {
    let mut sql = SqlBuilder::new(
        "SELECT pl.la_number, pl.start_date, pl.end_date FROM placements pl JOIN settings s ON s.id = pl.setting_id WHERE pl.id = ",
    );
    sql.bind(Arg::Int(placement)).push(" AND ").settings_in_scope(role, "s");
    let row: Option<(i64, NaiveDate, Option<NaiveDate>)> =
        on_tx!(tx, c => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(c).await)?;
    row.ok_or(StoreError::NotFound)
}

async fn insert_step(
    tx: &mut Tx,
    la: i64,
    placement: i64,
    from: NaiveDate,
    ap: i64,
    mainstream: i64,
    subjects: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO timetable_steps (la_number, placement_id, from_date, ap_sessions, mainstream_sessions, mainstream_subjects) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(la)
        .bind(placement)
        .bind(from)
        .bind(ap)
        .bind(mainstream)
        .bind(Some(subjects.trim()).filter(|s| !s.is_empty()))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

impl Store {
    /// The referrals and placements of a pupil the caller may see (either side in scope), each
    /// read (and audited) as on its own page.
    pub async fn pupil_provision(
        &self,
        caller: &Caller,
        pupil_id: i64,
    ) -> Result<(Vec<crate::ReferralView>, Vec<PlacementView>), StoreError> {
        let referral_ids: Vec<i64> = on_pool!(&self.pool, p => {
            sqlx::query_scalar("SELECT id FROM referrals WHERE pupil_id = $1 AND to_setting_id IS NOT NULL ORDER BY referral_date, id")
                .bind(pupil_id)
                .fetch_all(p)
                .await
        })?;
        let mut referrals = Vec::new();
        for id in referral_ids {
            let view = self.referral(caller, id).await;
            match view {
                Ok(r) => referrals.push(r),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let placement_ids: Vec<i64> = on_pool!(&self.pool, p => {
            sqlx::query_scalar("SELECT id FROM placements WHERE pupil_id = $1 ORDER BY start_date, id").bind(pupil_id).fetch_all(p).await
        })?;
        let mut placements = Vec::new();
        for id in placement_ids {
            let view = self.placement(caller, id).await;
            match view {
                Ok(p) => placements.push(p),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((referrals, placements))
    }
}
