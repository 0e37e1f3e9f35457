//! A pupil's whole journey in one read: the file, the referrals and placements, the scored
//! assessments and the check-in trend, each part scoped exactly as its own page scopes it (the
//! pupil must be visible to the caller; a referral or placement shows if either of its sides is
//! in scope; assessments and check-ins at settings in scope), audited as one entry rather than
//! one per part.

use crate::assessments::ScoredAssessment;
use crate::audit::Event;
use crate::checkins::WeekTrend;
use crate::{Caller, PlacementView, PupilFile, ReferralView, Store, StoreError};

pub struct Journey {
    pub file: PupilFile,
    pub referrals: Vec<ReferralView>,
    pub placements: Vec<PlacementView>,
    pub assessments: Vec<ScoredAssessment>,
    pub trend: Vec<WeekTrend>,
}

impl Store {
    /// Everything the journey page shows of pupil `id`; "not found" if the caller cannot see the
    /// pupil. One audit entry (`pupil.journey`).
    pub async fn pupil_journey(&self, caller: &Caller, id: i64) -> Result<Journey, StoreError> {
        // The file finds the pupil in scope (or refuses with NotFound) and decrypts the name
        // once; the parts after it each keep their own page's scope, read in a statement or two
        // each rather than row by row.
        let file = self.pupil_file_unaudited(caller, id).await?;
        let name = file.pupil.display_name();
        let referrals = self.referrals_of_pupil(caller, id, &name).await?;
        let placements = self.placements_of_pupil(caller, id, &name).await?;
        let assessments = self.scored_assessments_of_visible(caller, id).await?;
        let trend = self.checkin_trend(caller, id).await?;
        self.audit_alone(caller, Event { action: "pupil.journey", object_type: "pupil", object_id: id.to_string() })
            .await?;
        Ok(Journey { file, referrals, placements, assessments, trend })
    }
}
