-- Every record type, real types on PostgreSQL, and LA numbers on pupil data.
-- Keep in step with ../postgres/0003_records.sql (tests/schema.rs compares the two).
-- Every pupil-data table carries la_number, the distribution column of docs/scaling.md.

-- SQLite keeps dates as ISO text and booleans as 0/1 (its type affinities); PostgreSQL gets real types.

-- The name search blind index let a stolen database be frequency-analysed; names are now
-- sorted and searched in the server's memory (src/names.rs).
DROP TABLE pupil_search_tokens;

-- Change counters: 'directory' moves with every write to pupils, enrolments, settings or trusts.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('directory', 1);

-- Settings as the import templates name them.
ALTER TABLE settings ADD COLUMN source_key TEXT;
ALTER TABLE settings ADD COLUMN laestab INTEGER;
ALTER TABLE settings ADD COLUMN phase TEXT;
ALTER TABLE settings ADD COLUMN roll INTEGER;
CREATE UNIQUE INDEX settings_source ON settings(la_number, source_key);

ALTER TABLE pupils ADD COLUMN la_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pupils ADD COLUMN name_seq INTEGER NOT NULL DEFAULT 1;
UPDATE pupils SET la_number = COALESCE((SELECT s.la_number FROM enrolments e JOIN settings s ON s.id = e.setting_id
    WHERE e.pupil_id = pupils.id ORDER BY e.start_date, e.id LIMIT 1), 0);
CREATE INDEX pupils_la ON pupils(la_number);
CREATE INDEX pupils_name_seq ON pupils(name_seq);

ALTER TABLE enrolments ADD COLUMN la_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrolments ADD COLUMN source_id TEXT;
UPDATE enrolments SET la_number = (SELECT s.la_number FROM settings s WHERE s.id = enrolments.setting_id);
CREATE UNIQUE INDEX enrolments_source ON enrolments(setting_id, source_id);

-- One row per enrolment per term: the term's session marks as one string (docs/import-format.md).
-- One composite foreign key ties the row to its enrolment, that enrolment's pupil and its setting
-- at once (one check per row on a bulk load instead of three).
CREATE UNIQUE INDEX enrolments_identity ON enrolments(id, pupil_id, setting_id);
CREATE TABLE attendance (
    id            INTEGER PRIMARY KEY,
    la_number     INTEGER NOT NULL,
    enrolment_id  INTEGER NOT NULL,
    pupil_id      INTEGER NOT NULL,
    setting_id    INTEGER NOT NULL,
    academic_year INTEGER NOT NULL,
    term          TEXT NOT NULL,
    marks         TEXT NOT NULL,
    FOREIGN KEY (enrolment_id, pupil_id, setting_id) REFERENCES enrolments(id, pupil_id, setting_id)
);
CREATE UNIQUE INDEX attendance_key ON attendance(enrolment_id, academic_year, term);
CREATE INDEX attendance_pupil ON attendance(pupil_id);

CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    la_number     INTEGER NOT NULL,
    pupil_id      INTEGER NOT NULL REFERENCES pupils(id),
    setting_id    INTEGER NOT NULL REFERENCES settings(id),
    source_id     TEXT NOT NULL,
    incident_date TEXT NOT NULL,
    kind          TEXT NOT NULL,
    severity      INTEGER NOT NULL,
    outcome       TEXT NOT NULL
);
CREATE UNIQUE INDEX incidents_source ON incidents(setting_id, source_id);
CREATE INDEX incidents_pupil ON incidents(pupil_id);

CREATE TABLE suspensions (
    id          INTEGER PRIMARY KEY,
    la_number   INTEGER NOT NULL,
    pupil_id    INTEGER NOT NULL REFERENCES pupils(id),
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    source_id   TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents(id),
    category    TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    length_days REAL NOT NULL,
    reason_1    TEXT NOT NULL,
    reason_2    TEXT,
    reason_3    TEXT
);
CREATE UNIQUE INDEX suspensions_source ON suspensions(setting_id, source_id);
CREATE INDEX suspensions_pupil ON suspensions(pupil_id);

CREATE TABLE exclusions (
    id          INTEGER PRIMARY KEY,
    la_number   INTEGER NOT NULL,
    pupil_id    INTEGER NOT NULL REFERENCES pupils(id),
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    source_id   TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents(id),
    start_date  TEXT NOT NULL,
    reason_1    TEXT NOT NULL,
    reason_2    TEXT,
    reason_3    TEXT
);
CREATE UNIQUE INDEX exclusions_source ON exclusions(setting_id, source_id);
CREATE INDEX exclusions_pupil ON exclusions(pupil_id);

CREATE TABLE referrals (
    id              INTEGER PRIMARY KEY,
    la_number       INTEGER NOT NULL,
    pupil_id        INTEGER NOT NULL REFERENCES pupils(id),
    from_setting_id INTEGER NOT NULL REFERENCES settings(id),
    source_id       TEXT NOT NULL,
    referral_date   TEXT NOT NULL,
    reason          TEXT NOT NULL,
    tier_requested  INTEGER NOT NULL
);
CREATE UNIQUE INDEX referrals_source ON referrals(from_setting_id, source_id);
CREATE INDEX referrals_pupil ON referrals(pupil_id);

CREATE TABLE placements (
    id               INTEGER PRIMARY KEY,
    la_number        INTEGER NOT NULL,
    pupil_id         INTEGER NOT NULL REFERENCES pupils(id),
    setting_id       INTEGER NOT NULL REFERENCES settings(id),
    source_id        TEXT NOT NULL,
    referral_id      INTEGER REFERENCES referrals(id),
    tier             INTEGER NOT NULL,
    start_date       TEXT NOT NULL,
    planned_end_date TEXT,
    end_date         TEXT,
    outcome          TEXT
);
CREATE UNIQUE INDEX placements_source ON placements(setting_id, source_id);
CREATE INDEX placements_pupil ON placements(pupil_id);

-- The hybrid timetable's steps: from a date, sessions a week in the provision and in mainstream.
CREATE TABLE timetable_steps (
    id                  INTEGER PRIMARY KEY,
    la_number           INTEGER NOT NULL,
    placement_id        INTEGER NOT NULL REFERENCES placements(id),
    from_date           TEXT NOT NULL,
    ap_sessions         INTEGER NOT NULL,
    mainstream_sessions INTEGER NOT NULL
);
CREATE UNIQUE INDEX timetable_steps_key ON timetable_steps(placement_id, from_date);

CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY,
    la_number   INTEGER NOT NULL,
    pupil_id    INTEGER NOT NULL REFERENCES pupils(id),
    setting_id  INTEGER NOT NULL REFERENCES settings(id),
    source_id   TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    instrument  TEXT NOT NULL,
    version     TEXT,
    occasion    TEXT NOT NULL
);
CREATE UNIQUE INDEX assessments_source ON assessments(setting_id, source_id);
CREATE INDEX assessments_pupil ON assessments(pupil_id);

-- Item responses as ticked (before any reversal); scores are computed, never stored as typed.
CREATE TABLE assessment_items (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    la_number     INTEGER NOT NULL,
    item          INTEGER NOT NULL,
    response      INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, item)
);

CREATE TABLE interventions (
    id                INTEGER PRIMARY KEY,
    la_number         INTEGER NOT NULL,
    pupil_id          INTEGER NOT NULL REFERENCES pupils(id),
    setting_id        INTEGER NOT NULL REFERENCES settings(id),
    source_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    start_date        TEXT NOT NULL,
    end_date          TEXT,
    sessions_planned  INTEGER NOT NULL,
    sessions_attended INTEGER NOT NULL
);
CREATE UNIQUE INDEX interventions_source ON interventions(setting_id, source_id);
CREATE INDEX interventions_pupil ON interventions(pupil_id);

-- Post-16 destinations after key stage 4 (ks4_year: the academic year's first calendar year).
CREATE TABLE destinations (
    id          INTEGER PRIMARY KEY,
    la_number   INTEGER NOT NULL,
    pupil_id    INTEGER NOT NULL REFERENCES pupils(id),
    ks4_year    INTEGER NOT NULL,
    destination TEXT NOT NULL,
    sustained   INTEGER NOT NULL
);
CREATE UNIQUE INDEX destinations_key ON destinations(pupil_id, ks4_year);
