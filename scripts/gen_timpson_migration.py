#!/usr/bin/env python3
"""Write migration 0002 (the Timpson review tracker) for SQLite and PostgreSQL from one seed list.

The recommendations are paraphrased, in Waymark's own words, from ../shared/reference/timpson.md. Review numbers
appear only where public summaries confirm them; every status starts as not assessed (never invent a status).
Run from the repository root: python3 scripts/gen_timpson_migration.py
"""

RECS = [
    ('R01', '1', 'leadership', 'DfE', 'Rewrite the statutory exclusion guidance so it is clearer about when and how exclusion may be used.'),
    ('R02', '2', 'leadership', 'DfE', 'Make the guidance that overlaps with exclusion (behaviour; mental health and behaviour) clear, easy to find and consistent with it.'),
    ('R03', '3', 'leadership', 'DfE, LAs, schools', 'Expect schools and local authorities to work together for children with additional needs or at risk of leaving school, with LAs acting as advocates for vulnerable children.'),
    ('R04', '4', 'leadership', 'LAs, schools', 'Let local authorities run regular local forums, attended by every school, to share practice, plan provision and review data on pupil moves.'),
    ('R21', '21', 'safeguarding', 'DfE', 'Consult on lowering the 45-day yearly limit on suspensions, or revisit the education owed to pupils who are suspended repeatedly.'),
    ('A', None, 'leadership', 'DfE', 'Give school leaders evidence-based, accessible training and support on behaviour and exclusion.'),
    ('B', None, 'leadership', 'DfE', 'Diversify school leadership and the workforce (for example through equality and diversity hubs) to tackle the over-representation of some groups in exclusions.'),
    ('C', None, 'equipping', 'DfE, schools', 'Improve initial and early-career teacher training on behaviour and inclusion, and make sure schools have well-qualified SENCOs and senior mental-health leads.'),
    ('D', None, 'equipping', 'DfE', 'Create a Practice Improvement Fund, large and lasting enough to help schools, LAs and partners spot the children who need support and intervene well.'),
    ('E', None, 'equipping', 'DfE, AP, schools', 'Bring mainstream schools and alternative provision closer before exclusion (outreach), and recognise the best AP settings as teaching schools.'),
    ('F', None, 'equipping', 'DfE', 'Strengthen the AP workforce through recruitment, training placements and leadership development.'),
    ('G', None, 'equipping', 'DfE', 'Rename pupil referral units so the name reflects their role as schools.'),
    ('H', None, 'equipping', 'DfE, HM Treasury', 'Prioritise capital funding to improve and expand AP buildings and facilities.'),
    ('I', None, 'equipping', 'DfE, schools, health, social care', 'Improve joint working between schools, health and social care for children at risk.'),
    ('J', None, 'incentivising', 'DfE', 'Make schools responsible for the children they exclude and accountable for their educational outcomes.'),
    ('K', None, 'incentivising', 'DfE, LAs', 'Give schools more control of AP funding, with enough money to fund alternatives to exclusion.'),
    ('L', None, 'incentivising', 'Ofsted', 'Have Ofsted recognise schools that use exclusion appropriately and support pupils at risk.'),
    ('M', None, 'incentivising', 'DfE, governing boards', 'Train governors and trustees to scrutinise and challenge exclusion decisions.'),
    ('N', None, 'safeguarding', 'DfE', 'Review how the reasons for exclusion are recorded.'),
    ('O', None, 'safeguarding', 'DfE', 'Publish exclusion numbers and rates for previously looked-after children.'),
    ('P', None, 'safeguarding', 'DfE, schools', 'Have schools report their use of AP in the school census: why, for how long, and attendance.'),
    ('Q', None, 'safeguarding', 'DfE', 'Gather and share good practice on managed moves, with guidance on using them.'),
    ('R', None, 'safeguarding', 'LAs', 'Have local authorities review when pupils leave schools, where they go and why, act where needed, and check the education they then receive.'),
    ('S', None, 'safeguarding', 'Ofsted', 'Have Ofsted look for patterns of pupils leaving a school and judge off-rolling as inadequate leadership in all but exceptional cases.'),
    ('T', None, 'safeguarding', 'DfE', 'Consider a right-to-return period after a move to elective home education, with stronger safeguards and scrutiny.'),
    ('U', None, 'safeguarding', 'DfE, schools, LAs', "Tell and involve children's social care when a child with a social worker is excluded."),
    ('V', None, 'safeguarding', 'schools, LAs', 'Share data on exclusions and other pupil moves regularly with local safeguarding partners.'),
]
PROGRESS = [
    ('2020-09-28', 4, 10, 16, 'First publication of the IntegratED tracker (reported September 2020)', 'IntegratED Timpson tracker; Schools Week, 28 September 2020'),
    ('2023-03-07', 9, 17, 4, 'Tracker last updated 7 March 2023', 'IntegratED Timpson tracker'),
]


def q(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


def sql(engine):
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT" if engine == "sqlite" else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    i = "INTEGER" if engine == "sqlite" else "BIGINT"
    name = "SQLite" if engine == "sqlite" else "PostgreSQL"
    out = [
        f"-- The Timpson review tracker ({name}). Generated with the other engine's file by",
        "-- scripts/gen_timpson_migration.py from the paraphrases in ../shared/reference/timpson.md, in Waymark's own words.",
        "-- Review numbers are set only where public summaries confirm them; every status starts as not assessed.",
        "",
        "CREATE TABLE timpson_recommendations (",
        f"    id         {pk},",
        "    key        TEXT NOT NULL UNIQUE,",
        "    number     TEXT,",
        "    theme      TEXT NOT NULL,",
        "    who_acts   TEXT NOT NULL,",
        "    text       TEXT NOT NULL,",
        "    status     TEXT NOT NULL,",
        f"    updated_at {i} NOT NULL",
        ");",
        "",
        "-- Every change to a recommendation, kept for ever: the tracker's history.",
        "CREATE TABLE timpson_updates (",
        f"    id                {pk},",
        f"    recommendation_id {i} NOT NULL REFERENCES timpson_recommendations(id),",
        "    as_of             TEXT NOT NULL,",
        f"    recorded_at       {i} NOT NULL,",
        "    actor             TEXT NOT NULL,",
        "    status            TEXT NOT NULL,",
        "    number            TEXT,",
        "    text              TEXT NOT NULL,",
        "    note              TEXT NOT NULL,",
        "    evidence_url      TEXT",
        ");",
        "",
        "-- Published aggregate progress (counts of recommendations by state, as others reported them).",
        "CREATE TABLE timpson_progress (",
        "    as_of             TEXT PRIMARY KEY,",
        f"    implemented       {i} NOT NULL,",
        f"    some_action       {i} NOT NULL,",
        f"    no_action         {i} NOT NULL,",
        "    note              TEXT NOT NULL,",
        "    source            TEXT NOT NULL",
        ");",
        "",
    ]
    for key, num, theme, who, text in RECS:
        out.append(
            "INSERT INTO timpson_recommendations (key, number, theme, who_acts, text, status, updated_at) "
            f"VALUES ({q(key)}, {q(num)}, {q(theme)}, {q(who)}, {q(text)}, 'not_assessed', 0);"
        )
    out.append("")
    for p in PROGRESS:
        out.append(
            "INSERT INTO timpson_progress (as_of, implemented, some_action, no_action, note, source) "
            f"VALUES ({q(p[0])}, {p[1]}, {p[2]}, {p[3]}, {q(p[4])}, {q(p[5])});"
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    for engine in ("sqlite", "postgres"):
        with open(f"crates/waymark-store/migrations/{engine}/0002_timpson.sql", "w") as f:
            f.write(sql(engine))
