-- The limits an LA sets for its duty checks (issue 11): how many weeks a part-time timetable may
-- run, and how many days a pupil may wait for a place. An LA with no row uses the defaults
-- (6 weeks, DOMAIN.md section 5; 30 days). Keep in step with ../sqlite/0009_duty_limits.sql.
CREATE TABLE duty_limits (
    la_number       BIGINT PRIMARY KEY,
    part_time_weeks BIGINT NOT NULL,
    wait_days       BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
