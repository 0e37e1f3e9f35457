-- The Timpson review tracker (SQLite). Generated with the other engine's file by
-- scripts/gen_timpson_migration.py from the paraphrases in ../shared/reference/timpson.md, in Waymark's own words.
-- Review numbers are set only where public summaries confirm them; every status starts as not assessed.

CREATE TABLE timpson_recommendations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,
    number     TEXT,
    theme      TEXT NOT NULL,
    who_acts   TEXT NOT NULL,
    text       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Every change to a recommendation, kept for ever: the tracker's history.
CREATE TABLE timpson_updates (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    recommendation_id INTEGER NOT NULL REFERENCES timpson_recommendations(id),
    as_of             TEXT NOT NULL,
    recorded_at       INTEGER NOT NULL,
    actor             TEXT NOT NULL,
    status            TEXT NOT NULL,
    number            TEXT,
    text              TEXT NOT NULL,
    note              TEXT NOT NULL,
    evidence_url      TEXT
);

-- Published aggregate progress (counts of recommendations by state, as others reported them).
CREATE TABLE timpson_progress (
    as_of             TEXT PRIMARY KEY,
    implemented       INTEGER NOT NULL,
    some_action       INTEGER NOT NULL,
    no_action         INTEGER NOT NULL,
    note              TEXT NOT NULL,
    source            TEXT NOT NULL
);

INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R01', '1', 'leadership', 'DfE', 'Rewrite the statutory exclusion guidance so it is clearer about when and how exclusion may be used.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R02', '2', 'leadership', 'DfE', 'Make the guidance that overlaps with exclusion (behaviour; mental health and behaviour) clear, easy to find and consistent with it.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R03', '3', 'leadership', 'DfE, LAs, schools', 'Expect schools and local authorities to work together for children with additional needs or at risk of leaving school, with LAs acting as advocates for vulnerable children.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R04', '4', 'leadership', 'LAs, schools', 'Let local authorities run regular local forums, attended by every school, to share practice, plan provision and review data on pupil moves.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R21', '21', 'safeguarding', 'DfE', 'Consult on lowering the 45-day yearly limit on suspensions, or revisit the education owed to pupils who are suspended repeatedly.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('A', NULL, 'leadership', 'DfE', 'Give school leaders evidence-based, accessible training and support on behaviour and exclusion.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('B', NULL, 'leadership', 'DfE', 'Diversify school leadership and the workforce (for example through equality and diversity hubs) to tackle the over-representation of some groups in exclusions.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('C', NULL, 'equipping', 'DfE, schools', 'Improve initial and early-career teacher training on behaviour and inclusion, and make sure schools have well-qualified SENCOs and senior mental-health leads.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('D', NULL, 'equipping', 'DfE', 'Create a Practice Improvement Fund, large and lasting enough to help schools, LAs and partners spot the children who need support and intervene well.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('E', NULL, 'equipping', 'DfE, AP, schools', 'Bring mainstream schools and alternative provision closer before exclusion (outreach), and recognise the best AP settings as teaching schools.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('F', NULL, 'equipping', 'DfE', 'Strengthen the AP workforce through recruitment, training placements and leadership development.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('G', NULL, 'equipping', 'DfE', 'Rename pupil referral units so the name reflects their role as schools.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('H', NULL, 'equipping', 'DfE, HM Treasury', 'Prioritise capital funding to improve and expand AP buildings and facilities.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('I', NULL, 'equipping', 'DfE, schools, health, social care', 'Improve joint working between schools, health and social care for children at risk.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('J', NULL, 'incentivising', 'DfE', 'Make schools responsible for the children they exclude and accountable for their educational outcomes.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('K', NULL, 'incentivising', 'DfE, LAs', 'Give schools more control of AP funding, with enough money to fund alternatives to exclusion.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('L', NULL, 'incentivising', 'Ofsted', 'Have Ofsted recognise schools that use exclusion appropriately and support pupils at risk.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('M', NULL, 'incentivising', 'DfE, governing boards', 'Train governors and trustees to scrutinise and challenge exclusion decisions.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('N', NULL, 'safeguarding', 'DfE', 'Review how the reasons for exclusion are recorded.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('O', NULL, 'safeguarding', 'DfE', 'Publish exclusion numbers and rates for previously looked-after children.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('P', NULL, 'safeguarding', 'DfE, schools', 'Have schools report their use of AP in the school census: why, for how long, and attendance.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('Q', NULL, 'safeguarding', 'DfE', 'Gather and share good practice on managed moves, with guidance on using them.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('R', NULL, 'safeguarding', 'LAs', 'Have local authorities review when pupils leave schools, where they go and why, act where needed, and check the education they then receive.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('S', NULL, 'safeguarding', 'Ofsted', 'Have Ofsted look for patterns of pupils leaving a school and judge off-rolling as inadequate leadership in all but exceptional cases.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('T', NULL, 'safeguarding', 'DfE', 'Consider a right-to-return period after a move to elective home education, with stronger safeguards and scrutiny.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('U', NULL, 'safeguarding', 'DfE, schools, LAs', 'Tell and involve children''s social care when a child with a social worker is excluded.', 'not_assessed', 0);
INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) VALUES ('V', NULL, 'safeguarding', 'schools, LAs', 'Share data on exclusions and other pupil moves regularly with local safeguarding partners.', 'not_assessed', 0);

INSERT INTO timpson_progress (as_of, implemented, some_action, no_action, note, source) VALUES ('2020-09-28', 4, 10, 16, 'First publication of the IntegratED tracker (reported September 2020)', 'IntegratED Timpson tracker; Schools Week, 28 September 2020');
INSERT INTO timpson_progress (as_of, implemented, some_action, no_action, note, source) VALUES ('2023-03-07', 9, 17, 4, 'Tracker last updated 7 March 2023', 'IntegratED Timpson tracker');
