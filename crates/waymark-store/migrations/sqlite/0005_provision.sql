-- Running a provision (issue 10): the referral workflow and its history, groups, placements with
-- their costs, groups and reintegration targets. Keep in step with ../postgres/0005_provision.sql.

-- A referral made in Waymark names the provision it asks for, moves through a workflow, and keeps
-- the attendance and behaviour summary taken from the record on the day it was made.
ALTER TABLE referrals ADD COLUMN to_setting_id INTEGER REFERENCES settings(id);
ALTER TABLE referrals ADD COLUMN status TEXT NOT NULL DEFAULT 'submitted';
-- 1 urgent, 2 high, 3 standard: the waiting list's first order.
ALTER TABLE referrals ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;
ALTER TABLE referrals ADD COLUMN needs TEXT;
ALTER TABLE referrals ADD COLUMN tried TEXT;
ALTER TABLE referrals ADD COLUMN sessions_attended INTEGER;
ALTER TABLE referrals ADD COLUMN sessions_possible INTEGER;
ALTER TABLE referrals ADD COLUMN incidents_year INTEGER;
ALTER TABLE referrals ADD COLUMN suspensions_year INTEGER;
ALTER TABLE referrals ADD COLUMN suspension_days_year REAL;
CREATE INDEX referrals_to ON referrals(to_setting_id, status);

-- Every step of a referral's workflow: to what, when (Unix seconds), who and why.
CREATE TABLE referral_events (
    id          INTEGER PRIMARY KEY,
    la_number   INTEGER NOT NULL,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events(referral_id);

-- A provision's teaching groups: a size it aims for and a hard limit, with their staff.
CREATE TABLE provision_groups (
    id            INTEGER PRIMARY KEY,
    la_number     INTEGER NOT NULL,
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    name          TEXT NOT NULL,
    size_limit    INTEGER NOT NULL,
    hard_limit    INTEGER NOT NULL,
    teacher       TEXT,
    support_adult TEXT
);
CREATE UNIQUE INDEX provision_groups_name ON provision_groups(setting_id, name);

ALTER TABLE placements ADD COLUMN review_date TEXT;
ALTER TABLE placements ADD COLUMN commissioner TEXT;
ALTER TABLE placements ADD COLUMN weekly_cost_pence INTEGER;
ALTER TABLE placements ADD COLUMN group_id INTEGER REFERENCES provision_groups(id);
ALTER TABLE placements ADD COLUMN over_limit_reason TEXT;
-- The subsidiary registration a placement opened at the provision (closed when it ends).
ALTER TABLE placements ADD COLUMN enrolment_id INTEGER REFERENCES enrolments(id);
CREATE INDEX placements_setting ON placements(setting_id, end_date);
CREATE INDEX placements_group ON placements(group_id);

ALTER TABLE timetable_steps ADD COLUMN mainstream_subjects TEXT;

-- The reintegration plan: from a date, the mainstream sessions a week aimed for.
CREATE TABLE reintegration_targets (
    id                  INTEGER PRIMARY KEY,
    la_number           INTEGER NOT NULL,
    placement_id        INTEGER NOT NULL REFERENCES placements(id),
    from_date           TEXT NOT NULL,
    mainstream_sessions INTEGER NOT NULL
);
CREATE UNIQUE INDEX reintegration_targets_key ON reintegration_targets(placement_id, from_date);

-- Scores computed from the items when an assessment is recorded in Waymark (never typed), kept
-- beside the version: the headline score (SDQ total difficulties, SWEMWBS metric), its band,
-- the raw total, and the SDQ subscales as "emotional:3,conduct:2,…" ("-" where missing).
ALTER TABLE assessments ADD COLUMN score REAL;
ALTER TABLE assessments ADD COLUMN band TEXT;
ALTER TABLE assessments ADD COLUMN raw_total INTEGER;
ALTER TABLE assessments ADD COLUMN subscales TEXT;

-- The daily check-in: each pupil of a group, each day, mood 1 to 5 and readiness to learn
-- 1 (not ready) to 3 (ready), with a short note. One row per pupil, group and day.
CREATE TABLE checkins (
    id        INTEGER PRIMARY KEY,
    la_number INTEGER NOT NULL,
    group_id  INTEGER NOT NULL REFERENCES provision_groups(id),
    pupil_id  INTEGER NOT NULL REFERENCES pupils(id),
    on_date   TEXT NOT NULL,
    mood      INTEGER NOT NULL,
    ready     INTEGER NOT NULL,
    note      TEXT,
    actor     TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX checkins_key ON checkins(group_id, pupil_id, on_date);
CREATE INDEX checkins_pupil ON checkins(pupil_id, on_date);

-- Interventions recorded in Waymark: how often and who delivers.
ALTER TABLE interventions ADD COLUMN frequency TEXT;
ALTER TABLE interventions ADD COLUMN delivered_by TEXT;
