#!/usr/bin/env python3
"""The DuckDB side of `waymark bench import`: load the import-format CSV files into a DuckDB file
and compute every pupil's attendance for the year, timing both.

Usage:
    python3 scripts/bench_duckdb.py --csv DIR --db FILE.duckdb --rates-out RATES.csv
                                    [--method METHOD] [--compare]

- Deletes FILE (and its WAL) if present, then loads each of the 13 templates of
  docs/import-format.md found in DIR into a table of the same name, with explicit column types
  (dates DATE, ids and counts integers, marks VARCHAR). The load time is wall clock from opening
  the database to the end of CHECKPOINT (data on disk).
- Computes per UPN, over all of the pupil's attendance rows (every enrolment and term):
  attended = sessions whose symbol is in ATTENDED, possible = sessions whose symbol is not in
  NOT_POSSIBLE. The computation is materialised into a temporary table and timed; writing
  RATES.csv (`upn,attended,possible`, integers, sorted by upn) is not timed.
- Prints one line of JSON on stdout:
  {"load_s": ..., "rates_s": ..., "pupils": N, "duckdb_version": "x.y.z"}.
  Everything else goes to stderr.
- `--compare` also runs every method, checks they agree and prints their times to stderr.
  Measured on synthetic Bristol 2016/17 (57,880 pupils, 21.9 M marks, 2 cores, DuckDB 2.0.1), best of
  six: translate2 0.15 s, pairs 0.17 s, nested 0.21 s, translate 0.24 s, replace 0.32 s, unnest 0.71 s,
  regexp 1.21 s. Hence the default, translate2.

Needs the PyPI package `duckdb`; exits 2 with a message if it is missing.
"""

import argparse
import json
import os
import sys
import time

# Attendance symbols (one character per session; docs/import-format.md maps multi-character DfE
# codes to one symbol: Y1..Y7 -> a..g, C1 -> 1, C2 -> 2, J1 -> j, not on roll -> Z).
# Groups from ../shared/DOMAIN.md section 5 (Attendance, the 2024 code set):
#   present                          / \ L
#   approved educational activity    K V P W B   (count as attended)
#   not possible sessions            Y1-Y7 (a-g), Q (exceptional circumstances);
#                                    D (dual registered, at the other school), X (not required to
#                                    attend), Z (not on roll), # (planned whole-school closure)
PRESENT = "/\\L"
APPROVED_EDUCATIONAL_ACTIVITY = "KVPWB"
ATTENDED = PRESENT + APPROVED_EDUCATIONAL_ACTIVITY  # "/\LKVPWB"
EXCEPTIONAL_CIRCUMSTANCES = "abcdefg" + "Q"  # Y1..Y7 as a..g, and Q
ADMINISTRATIVE_NOT_POSSIBLE = "DXZ#"
NOT_POSSIBLE = EXCEPTIONAL_CIRCUMSTANCES + ADMINISTRATIVE_NOT_POSSIBLE  # "abcdefgQDXZ#"

ID = "BIGINT"
INT = "INTEGER"
TEXT = "VARCHAR"
DATE = "DATE"

# The 13 templates of docs/import-format.md, with their column types, in template order.
TABLES = {
    "settings": [
        ("setting_id", ID), ("urn", ID), ("la", INT), ("laestab", INT), ("name", TEXT),
        ("kind", TEXT), ("phase", TEXT), ("roll", INT), ("parent_setting_id", ID),
    ],
    "pupils": [
        ("upn", TEXT), ("la", INT), ("given_name", TEXT), ("family_name", TEXT),
        ("date_of_birth", DATE), ("sex", TEXT), ("year_group", INT), ("fsm", INT),
        ("sen_provision", TEXT), ("cin", INT), ("cla", INT), ("ethnicity", TEXT),
    ],
    "enrolments": [
        ("enrolment_id", ID), ("upn", TEXT), ("setting_id", ID), ("registration", TEXT),
        ("start_date", DATE), ("end_date", DATE), ("leaving_reason", TEXT),
    ],
    "attendance": [
        ("enrolment_id", ID), ("upn", TEXT), ("setting_id", ID), ("academic_year", TEXT),
        ("term", TEXT), ("marks", TEXT),
    ],
    "incidents": [
        ("incident_id", ID), ("upn", TEXT), ("setting_id", ID), ("date", DATE), ("kind", TEXT),
        ("severity", INT), ("outcome", TEXT),
    ],
    "suspensions": [
        ("suspension_id", ID), ("upn", TEXT), ("setting_id", ID), ("incident_id", ID),
        ("category", TEXT), ("start_date", DATE), ("length_days", "DECIMAL(5,1)"),
        ("reason_1", TEXT), ("reason_2", TEXT), ("reason_3", TEXT),
    ],
    "exclusions": [
        ("exclusion_id", ID), ("upn", TEXT), ("setting_id", ID), ("incident_id", ID),
        ("category", TEXT), ("start_date", DATE), ("reason_1", TEXT), ("reason_2", TEXT),
        ("reason_3", TEXT),
    ],
    "referrals": [
        ("referral_id", ID), ("upn", TEXT), ("from_setting_id", ID), ("date", DATE),
        ("reason", TEXT), ("tier_requested", INT),
    ],
    "placements": [
        ("placement_id", ID), ("referral_id", ID), ("upn", TEXT), ("setting_id", ID),
        ("tier", INT), ("start_date", DATE), ("planned_end_date", DATE), ("end_date", DATE),
        ("outcome", TEXT),
    ],
    "timetables": [
        ("placement_id", ID), ("from_date", DATE), ("ap_sessions_per_week", INT),
        ("mainstream_sessions_per_week", INT),
    ],
    "assessments": [
        ("assessment_id", ID), ("upn", TEXT), ("setting_id", ID), ("date", DATE),
        ("instrument", TEXT), ("version", TEXT), ("occasion", TEXT),
    ] + [(f"item_{i:02}", INT) for i in range(1, 26)],
    "interventions": [
        ("intervention_id", ID), ("upn", TEXT), ("setting_id", ID), ("kind", TEXT),
        ("start_date", DATE), ("end_date", DATE), ("sessions_planned", INT),
        ("sessions_attended", INT),
    ],
    "destinations": [
        ("upn", TEXT), ("ks4_year", TEXT), ("destination", TEXT), ("sustained", INT),
    ],
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def sql_str(s):
    """A SQL string literal (DuckDB literals do not treat backslash as an escape)."""
    return "'" + s.replace("'", "''") + "'"


def regex_class(chars):
    """The characters as the body of an RE2 character class."""
    return "".join("\\" + c if c in "\\]^-[" else c for c in chars)


# Ways to count the sessions of a marks string; each yields (upn, attended, possible) summed over
# the pupil's rows. strlen counts bytes; marks are ASCII so bytes = sessions.
#   translate   strlen - strlen(translate(marks, SET, '')) for each set (two passes over marks)
#   translate2  delete ATTENDED in one pass, then count NOT_POSSIBLE in the short remainder
#   pairs       as translate2, deleting whole present days "/\" with replace() first
#   nested      as translate2 with one replace() per symbol
#   replace     one replace() per symbol, each over the whole string
#   regexp      regexp_replace with a negated character class
#   unnest      one row per session with string_split + unnest, then count(*) FILTER
def rates_sql(method):
    if method == "translate":
        # translate() with an empty target deletes the listed characters in one pass.
        attended = f"strlen(marks) - strlen(translate(marks, {sql_str(ATTENDED)}, ''))"
        not_possible = f"strlen(marks) - strlen(translate(marks, {sql_str(NOT_POSSIBLE)}, ''))"
        per_row = f"{attended} AS a, strlen(marks) - ({not_possible}) AS p"
    elif method == "nested":
        # Remove the attended symbols first (most sessions are / and \, so the remainder is
        # short), then count the not-possible symbols in what is left: the sets are disjoint.
        rest = "marks"
        for c in ATTENDED:
            rest = f"replace({rest}, {sql_str(c)}, '')"
        gone = "rest"
        for c in NOT_POSSIBLE:
            gone = f"replace({gone}, {sql_str(c)}, '')"
        return f"""
            SELECT upn, sum(n - strlen(rest))::BIGINT AS attended,
                   sum(n - (strlen(rest) - strlen({gone})))::BIGINT AS possible
            FROM (SELECT upn, strlen(marks) AS n, {rest} AS rest FROM attendance)
            GROUP BY upn"""
    elif method == "pairs":
        # As translate2, but first drop whole present days ("/\\", morning and afternoon present),
        # most of a typical marks string, with one replace().
        return f"""
            SELECT upn, sum(n - strlen(rest))::BIGINT AS attended,
                   sum(n - (strlen(rest) - strlen(translate(rest, {sql_str(NOT_POSSIBLE)}, ''))))::BIGINT
                       AS possible
            FROM (SELECT upn, strlen(marks) AS n,
                         translate(replace(marks, {sql_str(PRESENT[:2])}, ''), {sql_str(ATTENDED)}, '')
                             AS rest
                  FROM attendance)
            GROUP BY upn"""
    elif method == "translate2":
        # The default. translate() with an empty target deletes the listed characters: delete the
        # attended symbols in one pass (most sessions are / and \, so what is left is short), then
        # count the not-possible symbols in the remainder (the two sets are disjoint).
        return f"""
            SELECT upn, sum(n - strlen(rest))::BIGINT AS attended,
                   sum(n - (strlen(rest) - strlen(translate(rest, {sql_str(NOT_POSSIBLE)}, ''))))::BIGINT
                       AS possible
            FROM (SELECT upn, strlen(marks) AS n,
                         translate(marks, {sql_str(ATTENDED)}, '') AS rest FROM attendance)
            GROUP BY upn"""
    elif method == "regexp":
        keep_att = sql_str(f"[^{regex_class(ATTENDED)}]")
        keep_np = sql_str(f"[^{regex_class(NOT_POSSIBLE)}]")
        attended = f"strlen(regexp_replace(marks, {keep_att}, '', 'g'))"
        not_possible = f"strlen(regexp_replace(marks, {keep_np}, '', 'g'))"
        per_row = f"{attended} AS a, strlen(marks) - {not_possible} AS p"
    elif method == "replace":
        def count(chars):
            return " + ".join(
                f"(strlen(marks) - strlen(replace(marks, {sql_str(c)}, '')))" for c in chars
            )
        per_row = f"{count(ATTENDED)} AS a, strlen(marks) - ({count(NOT_POSSIBLE)}) AS p"
    elif method == "unnest":
        att = ", ".join(sql_str(c) for c in ATTENDED)
        np = ", ".join(sql_str(c) for c in NOT_POSSIBLE)
        return f"""
            SELECT upn,
                   count(*) FILTER (WHERE s IN ({att}))::BIGINT AS attended,
                   count(*) FILTER (WHERE s NOT IN ({np}))::BIGINT AS possible
            FROM (SELECT upn, unnest(string_split(marks, '')) AS s FROM attendance)
            GROUP BY upn"""
    else:
        raise ValueError(method)
    return f"""
        SELECT upn, sum(a)::BIGINT AS attended, sum(p)::BIGINT AS possible
        FROM (SELECT upn, {per_row} FROM attendance)
        GROUP BY upn"""


METHODS = ["translate2", "pairs", "nested", "translate", "replace", "regexp", "unnest"]


def compute_rates(con, method):
    """Materialise per-pupil counts (and the rate, NULL when nothing was possible) into the
    temporary table `rates`; returns the seconds taken."""
    con.execute("DROP TABLE IF EXISTS rates")
    t0 = time.perf_counter()
    con.execute(
        f"""CREATE TEMP TABLE rates AS
            SELECT upn, attended, possible,
                   CASE WHEN possible = 0 THEN NULL ELSE attended / possible END AS rate
            FROM ({rates_sql(method)})"""
    )
    return time.perf_counter() - t0


# Columns a file may leave out (docs/import-format.md, "Validation").
OPTIONAL = {
    "settings": {"laestab", "phase", "roll"},
    "pupils": {"la", "year_group"},
    "suspensions": {"reason_2", "reason_3"},
    "exclusions": {"reason_2", "reason_3"},
}


def file_columns(path, table):
    """The file's columns with their types, in the file's order (columns are matched by name, in
    any order; a UTF-8 byte order mark is ignored). Exits with a message on an unknown or missing
    column."""
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().rstrip("\r\n").split(",")
    types = dict(TABLES[table])
    unknown = [c for c in header if c not in types]
    missing = [c for c in types if c not in header and c not in OPTIONAL.get(table, set())]
    if unknown or missing or len(set(header)) != len(header):
        sys.exit(f"{path}: header {','.join(header)!r}: unknown {unknown}, missing {missing}")
    return [(c, types[c]) for c in header]


def compute_placed_counts(con):
    """The same per-pupil aggregation for the pupils of placements.csv only (the rows Waymark's
    outcome load reads are those of placed pupils); returns the seconds taken."""
    con.execute("DROP TABLE IF EXISTS placed_counts")
    t0 = time.perf_counter()
    con.execute(
        f"""CREATE TEMP TABLE placed_counts AS
            WITH placed AS (SELECT DISTINCT upn FROM placements),
                 a AS (SELECT * FROM attendance WHERE upn IN (SELECT upn FROM placed)),
                 r AS ({rates_sql("translate2").replace("FROM attendance", "FROM a")}),
                 s AS (SELECT upn, count(*) AS n FROM suspensions WHERE upn IN (SELECT upn FROM placed) GROUP BY upn),
                 x AS (SELECT upn, count(*) AS n FROM exclusions WHERE upn IN (SELECT upn FROM placed) GROUP BY upn)
            SELECT r.upn, r.attended, r.possible,
                   coalesce(s.n, 0)::BIGINT AS suspensions, coalesce(x.n, 0)::BIGINT AS exclusions
            FROM r LEFT JOIN s USING (upn) LEFT JOIN x USING (upn)"""
    )
    return time.perf_counter() - t0


def compute_counts(con):
    """The aggregations `waymark bench outcomes` compares with: every pupil's attended and
    possible sessions (as `rates`) with their suspensions and permanent exclusions, and the
    suspensions and exclusions per setting, each materialised into a temporary table. Returns the
    seconds taken for all of it (the rates computed again, inside the timing)."""
    for t in ("pupil_counts", "setting_counts"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    t0 = time.perf_counter()
    con.execute(
        f"""CREATE TEMP TABLE pupil_counts AS
            WITH r AS ({rates_sql("translate2")}),
                 s AS (SELECT upn, count(*) AS n FROM suspensions GROUP BY upn),
                 x AS (SELECT upn, count(*) AS n FROM exclusions GROUP BY upn)
            SELECT r.upn, r.attended, r.possible,
                   CASE WHEN r.possible > 0 THEN r.attended / r.possible END AS rate,
                   coalesce(s.n, 0)::BIGINT AS suspensions, coalesce(x.n, 0)::BIGINT AS exclusions
            FROM r LEFT JOIN s USING (upn) LEFT JOIN x USING (upn)"""
    )
    con.execute(
        """CREATE TEMP TABLE setting_counts AS
           SELECT setting_id, sum(s)::BIGINT AS suspensions, sum(x)::BIGINT AS exclusions FROM (
               SELECT setting_id, 1 AS s, 0 AS x FROM suspensions
               UNION ALL SELECT setting_id, 0, 1 FROM exclusions)
           GROUP BY setting_id"""
    )
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", required=True, help="directory of import-format CSV files")
    ap.add_argument("--db", required=True, help="DuckDB file to create (deleted first)")
    ap.add_argument("--rates-out", required=True, help="CSV to write upn,attended,possible to")
    ap.add_argument("--method", choices=METHODS, default="translate2",
                    help="how marks are counted (default: translate2, the fastest measured)")
    ap.add_argument("--counts-out",
                    help="also time the outcome bench's aggregations (per-pupil attendance with "
                         "suspension and exclusion counts, and suspensions and exclusions per setting) "
                         "and write upn,attended,possible,suspensions,exclusions to this CSV")
    ap.add_argument("--compare", action="store_true",
                    help="also time every method and check they agree (stderr)")
    args = ap.parse_args()

    try:
        import duckdb
    except ImportError as e:
        print(
            f"error: the Python package 'duckdb' is not installed for {sys.executable} ({e}).\n"
            "Install it with: python3 -m venv target/bench-venv && "
            "target/bench-venv/bin/pip install duckdb",
            file=sys.stderr,
        )
        sys.exit(2)

    present = [t for t in TABLES if os.path.exists(os.path.join(args.csv, f"{t}.csv"))]
    if "attendance" not in present:
        sys.exit(f"{args.csv}: no attendance.csv")
    columns = {t: file_columns(os.path.join(args.csv, f"{t}.csv"), t) for t in present}
    missing = [t for t in TABLES if t not in present]
    if missing:
        log(f"not present (skipped): {', '.join(missing)}")

    for path in (args.db, args.db + ".wal"):
        if os.path.exists(path):
            os.remove(path)

    # Load.
    t0 = time.perf_counter()
    con = duckdb.connect(args.db)
    rows = {}
    for t in present:
        cols = "{" + ", ".join(f"{sql_str(n)}: {sql_str(ty)}" for n, ty in columns[t]) + "}"
        path = os.path.abspath(os.path.join(args.csv, f"{t}.csv"))
        # No quoting or escapes in the templates; marks contain '\' and '#'.
        con.execute(
            f"""CREATE TABLE {t} AS SELECT * FROM read_csv({sql_str(path)},
                    header = true, delim = ',', quote = '', escape = '', new_line = '\\n',
                    auto_detect = false, columns = {cols}, dateformat = '%Y-%m-%d')"""
        )
        rows[t] = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    con.execute("CHECKPOINT")
    load_s = time.perf_counter() - t0
    size = os.path.getsize(args.db)
    log(f"loaded {len(present)} tables in {load_s:.3f} s, file {size / 2**20:.1f} MiB: "
        + ", ".join(f"{t} {n:,}" for t, n in rows.items()))

    # Rates.
    rates_s = compute_rates(con, args.method)
    pupils = con.execute("SELECT count(*) FROM rates").fetchone()[0]
    log(f"rates ({args.method}): {pupils:,} pupils in {rates_s:.3f} s")

    con.execute(
        f"""COPY (SELECT upn, attended, possible FROM rates ORDER BY upn)
            TO {sql_str(os.path.abspath(args.rates_out))} (HEADER, DELIMITER ',')"""
    )

    counts_s = placed_s = None
    if args.counts_out:
        counts_s = compute_counts(con)
        if "placements" in present:
            placed_s = compute_placed_counts(con)
            same = con.execute(
                """SELECT count(*) FROM placed_counts p JOIN pupil_counts c USING (upn)
                   WHERE (p.attended, p.possible, p.suspensions, p.exclusions)
                       = (c.attended, c.possible, c.suspensions, c.exclusions)"""
            ).fetchone()[0]
            placed = con.execute("SELECT count(*) FROM placed_counts").fetchone()[0]
            log(f"placed pupils only: {placed:,} pupils in {placed_s:.3f} s, {same:,} equal to the full aggregation")
            if same != placed:
                sys.exit("the placed pupils' aggregation disagrees with the full one")
        con.execute(
            f"""COPY (SELECT upn, attended, possible, suspensions, exclusions FROM pupil_counts ORDER BY upn)
                TO {sql_str(os.path.abspath(args.counts_out))} (HEADER, DELIMITER ',')"""
        )

    if args.compare:
        reference = con.execute("SELECT * FROM rates ORDER BY upn").fetchall()
        for m in METHODS:
            s = compute_rates(con, m)
            same = con.execute("SELECT * FROM rates ORDER BY upn").fetchall() == reference
            log(f"  method {m:9}: {s:.3f} s{'' if same else '  DIFFERENT RESULT'}")
            if not same:
                sys.exit(f"method {m} disagrees with {args.method}")

    con.close()
    print(json.dumps({
        "load_s": round(load_s, 3),
        "rates_s": round(rates_s, 3),
        "counts_s": round(counts_s, 3) if counts_s is not None else None,
        "placed_s": round(placed_s, 3) if placed_s is not None else None,
        "pupils": pupils,
        "duckdb_version": duckdb.__version__,
    }))


if __name__ == "__main__":
    main()
