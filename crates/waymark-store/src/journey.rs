//! A pupil's whole journey in one read: the pupil and their enrolments, the dated records, the
//! referrals and placements, the scored assessments and the check-in trend, each part scoped
//! exactly as its own page scopes it (the pupil must be visible to the caller; a referral or
//! placement shows if either of its sides is in scope; records, assessments and check-ins at
//! settings in scope), audited as one entry rather than one per part.
//!
//! Five statements: the pupil with their enrolments, the dated records with the check-ins, the
//! referrals with their events, the placements with their steps and targets, the scored
//! assessments (each joined or unioned rather than read part by part). The journey does not show attendance, and it shows placements and
//! assessments from their own views (with steps, targets and scores), so it does not read the
//! file's raw copies of them: on PostgreSQL each statement costs the server about 0.2 ms of CPU,
//! which at 50 concurrent clients is most of the page's time.

use crate::assessments::ScoredAssessment;
use crate::audit::Event;
use crate::checkins::WeekTrend;
use crate::{Caller, PlacementView, PupilRecords, ReferralView, Store, StoreError};
use waymark_domain::{Enrolment, Pupil};

pub struct Journey {
    pub pupil: Pupil,
    pub enrolments: Vec<Enrolment>,
    /// Incidents, suspensions, exclusions, referrals as recorded, interventions, check-ins and
    /// destinations. Attendance, placements and assessments are left empty: see `placements`
    /// and `assessments`.
    pub records: PupilRecords,
    pub referrals: Vec<ReferralView>,
    pub placements: Vec<PlacementView>,
    pub assessments: Vec<ScoredAssessment>,
    pub trend: Vec<WeekTrend>,
}

impl Store {
    /// Everything the journey page shows of pupil `id`; "not found" if the caller cannot see the
    /// pupil. One audit entry (`pupil.journey`).
    pub async fn pupil_journey(&self, caller: &Caller, id: i64) -> Result<Journey, StoreError> {
        // Finding the pupil in scope (or refusing with NotFound) comes first; the name is
        // decrypted once; the parts after it each keep their own page's scope.
        let (pupil, enrolments) = self.pupil_for_view(caller, id).await?;
        let name = pupil.display_name();
        let records = self.dated_records_of(caller.role, id).await?;
        let referrals = self.referrals_of_pupil(caller, id, &name).await?;
        let placements = self.placements_of_pupil(caller, id, &name).await?;
        let assessments = self.scored_assessments_of_visible(caller, id).await?;
        let trend = crate::checkins::weekly_trend(records.checkins.iter().map(|c| (c.on_date, c.mood, c.ready)));
        self.audit_alone(caller, Event { action: "pupil.journey", object_type: "pupil", object_id: id.to_string() })
            .await?;
        Ok(Journey { pupil, enrolments, records, referrals, placements, assessments, trend })
    }
}
