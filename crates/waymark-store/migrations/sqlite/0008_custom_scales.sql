-- Scales a provision defines for itself (issue 10): named items, each answered on the same
-- whole-number range, with a direction. Keep in step with ../postgres/0008_custom_scales.sql.
CREATE TABLE custom_scales (
    id               INTEGER PRIMARY KEY,
    la_number        INTEGER NOT NULL,
    setting_id       INTEGER NOT NULL REFERENCES settings(id),
    source_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    -- The items' wording in form order, one a line.
    items            TEXT NOT NULL,
    min_answer       INTEGER NOT NULL,
    max_answer       INTEGER NOT NULL,
    higher_is_better INTEGER NOT NULL,
    -- Items that must be answered for a score; NULL means every item.
    min_answered     INTEGER
);
CREATE UNIQUE INDEX custom_scales_source ON custom_scales(setting_id, source_id);
CREATE INDEX custom_scales_setting ON custom_scales(setting_id);

-- The custom scale an assessment answered (instrument 'custom'; its name is kept as the version).
ALTER TABLE assessments ADD COLUMN scale_id INTEGER REFERENCES custom_scales(id);

-- Today's "pupils at risk" reads this term's marks at the settings in scope.
CREATE INDEX attendance_term ON attendance(academic_year, term, setting_id);
