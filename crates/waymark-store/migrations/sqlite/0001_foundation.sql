-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql.
-- Integers are 64-bit everywhere so both backends decode to i64. Dates are ISO text;
-- instants are Unix seconds. Direct identifiers are AES-256-GCM ciphertext (BLOB).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE settings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    urn        INTEGER UNIQUE,
    kind       TEXT NOT NULL,
    la_number  INTEGER NOT NULL,
    parent_id  INTEGER REFERENCES settings(id)
);
CREATE INDEX settings_la ON settings(la_number);
CREATE INDEX settings_parent ON settings(parent_id);

CREATE TABLE trusts (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE trust_settings (
    trust_id   INTEGER NOT NULL REFERENCES trusts(id),
    setting_id INTEGER NOT NULL REFERENCES settings(id),
    PRIMARY KEY (trust_id, setting_id)
);

CREATE TABLE pupils (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    upn_hash            BLOB NOT NULL UNIQUE,
    upn_enc             BLOB NOT NULL,
    legal_forename_enc  BLOB NOT NULL,
    legal_surname_enc   BLOB NOT NULL,
    preferred_forename_enc BLOB,
    preferred_surname_enc  BLOB,
    date_of_birth_enc   BLOB NOT NULL,
    sex                 TEXT NOT NULL,
    fsm_eligible        INTEGER NOT NULL,
    sen                 TEXT NOT NULL,
    child_in_need       INTEGER NOT NULL,
    looked_after        INTEGER NOT NULL,
    ethnicity           TEXT
);

-- Blind index for name search: keyed hashes of lower-cased name prefixes.
CREATE TABLE pupil_search_tokens (
    pupil_id INTEGER NOT NULL REFERENCES pupils(id),
    token    BLOB NOT NULL,
    PRIMARY KEY (token, pupil_id)
);

CREATE TABLE enrolments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    pupil_id       INTEGER NOT NULL REFERENCES pupils(id),
    setting_id     INTEGER NOT NULL REFERENCES settings(id),
    start_date     TEXT NOT NULL,
    end_date       TEXT,
    registration   TEXT NOT NULL,
    leaving_reason TEXT
);
CREATE INDEX enrolments_pupil ON enrolments(pupil_id);
CREATE INDEX enrolments_setting ON enrolments(setting_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope_la      INTEGER,
    scope_id      INTEGER,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE login_failures (
    email_hash BLOB NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email_hash, at);

-- Hash-chained audit log; audit_head holds the chain's tip and serialises appends.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    scope       TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
