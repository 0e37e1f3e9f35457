//! A provision's outcome view and its CSV over HTTP, on SQLite and (where reachable) PostgreSQL:
//! figures with their counts and intervals, `c` and "no data" shown as such, the LA beside the
//! provision only for a caller who sees the whole LA, and nothing for a caller out of scope.

mod common;
use common::*;

use reqwest::StatusCode;
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Role};

both_backends!(provision_outcomes, duty_checks, duty_limits_and_sixth_day, commissioner, trust_commissioner);

/// Twenty ended tier 2 placements at Camden PRU commissioned by LA 202: 14 returned to
/// mainstream, 6 ended otherwise; and two at Ash Grove's unit, one returned (a count of 1: `c`).
async fn placements(db: &TestDb, w: &World) {
    let p0 = w.pupils[0].0;
    let mut values = Vec::new();
    for i in 0..20 {
        let outcome = if i < 14 { "reintegrated" } else { "left_area" };
        values.push(format!(
            "({}, 202, {p0}, {}, 'p{i}', 2, '2023-09-{:02}', '2024-03-01', '{outcome}')",
            700 + i,
            w.school_a2,
            4 + i
        ));
    }
    values.push(format!("(790, 202, {p0}, {}, 'u1', 2, '2023-09-04', '2024-03-01', 'reintegrated')", w.unit_a));
    values.push(format!("(791, 202, {p0}, {}, 'u2', 2, '2023-09-04', '2024-03-01', 'left_area')", w.unit_a));
    let sql = format!(
        "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, tier, start_date, end_date, outcome) VALUES {}",
        values.join(", ")
    );
    db.store.raw_execute(&sql).await.unwrap();
}

async fn provision_outcomes(db: &TestDb) {
    let w = World::build(&db.store).await;
    placements(db, &w).await;
    let base = start(db).await;
    let page = format!("{base}/provisions/{}/outcomes", w.school_a2);

    let la = sign_in_as(db, &base, "out", 1, Role::La(w.la_a)).await;
    let csv_line = |csv: &str, level: &str| {
        csv.lines()
            .find(|l| l.contains(&format!(",{level},")) && l.contains(",reintegration,"))
            .unwrap_or_else(|| panic!("{level} reintegration row in {csv}"))
            .to_string()
    };

    let settings = la.get(format!("{base}/settings")).send().await.unwrap().text().await.unwrap();
    assert!(settings.contains(&format!("/provisions/{}/outcomes", w.school_a2)), "linked from the settings list");

    // With the unit's 1 of 2 hidden and the LA's 15 of 22 shown, the PRU's 14 of 20 would give
    // the unit away by subtraction: the PRU is hidden too (secondary suppression).
    let res = la.get(&page).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("The five AP outcomes") && html.contains("Holistic measures"));
    assert!(html.contains("definition reintegration, version 1"));
    assert!(html.contains("wm-print-page"), "each table starts a printed page");
    assert!(!html.contains("70.0%") && !html.contains("14 of 20"), "the PRU's figure is hidden");
    assert!(html.contains("68.2%"), "the LA's figure beside it");
    assert!(html.contains("no data"), "KS4 results are not recorded: no data, not zero");
    let csv = la.get(format!("{page}.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("time_period,time_identifier,geographic_level,country_code,country_name"));
    assert!(csv_line(&csv, "Provider").contains(",reintegration,1,c,c,c,c,c"), "{csv}");
    assert!(csv_line(&csv, "Local authority").contains(",reintegration,1,15,22,68.2,"), "{csv}");
    // The commissioner's providers compared publish through the same grid: the unit's 1 of 2
    // and the PRU's 14 of 20 are `c` there too, never the raw counts; the LA's 15 of 22 shown.
    let res = la.get(format!("{base}/commissioner/providers.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    for provider in ["Camden PRU", "Ash Grove Inclusion Unit"] {
        let line = csv
            .lines()
            .find(|l| l.contains(",Provider,") && l.contains(&format!(",{provider},reintegration,")))
            .unwrap_or_else(|| panic!("{provider} in {csv}"));
        assert!(line.ends_with(",reintegration,1,c,c,c,c,c,,"), "{line}");
    }
    assert!(!csv.contains(",14,20,"), "no hidden count published: {csv}");
    assert!(csv.contains(",Local authority,E92000001,England,202,,,reintegration,1,15,22,68.2,"), "{csv}");
    let html = la.get(format!("{base}/commissioner")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("(reintegration; LA rate 68.2%)") && !html.contains("70.0%"), "the page agrees");

    // Twelve more at the unit (7 returned): unit 8 of 14, PRU 14 of 20, LA 22 of 34, all shown.
    let mut more = Vec::new();
    for i in 0..12 {
        let outcome = if i < 7 { "reintegrated" } else { "left_area" };
        more.push(format!(
            "({}, 202, {}, {}, 'v{i}', 2, '2023-09-04', '2024-03-01', '{outcome}')",
            760 + i,
            w.pupils[0].0,
            w.unit_a
        ));
    }
    db.store
        .raw_execute(&format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, tier, start_date, end_date, outcome) VALUES {}",
            more.join(", ")
        ))
        .await
        .unwrap();
    let html = la.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("70.0%") && html.contains("14 of 20"), "reintegration shown with its count");
    assert!(html.contains("64.7%"), "the LA figure beside the provision");
    assert!(!html.contains("not in your view"));
    let csv = la.get(format!("{page}.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv_line(&csv, "Provider").contains(",reintegration,1,14,20,70.0,"), "{csv}");
    assert!(csv_line(&csv, "Local authority").contains(",reintegration,1,22,34,64.7,"), "{csv}");
    assert!(csv.lines().next().unwrap().contains(",provider_name,placements_began,measure,"));
    assert!(csv_line(&csv, "Provider").contains(",Total,reintegration,"), "the whole comes first: {csv}");
    assert!(csv.contains(",Began in year,reintegration,1,0,0,x,x,x"), "the years since: no data, typed x");

    // Over the years: every placement began before the last three academic years, so the first
    // period carries the whole figure and the years after it have no data.
    let years = &html[html.find("id=\"over-the-years\"").expect("the trend section")..];
    assert!(years.contains("Before ") && years.contains("14 of 20"), "{years}");
    // The printable report: one page per outcome, the reintegration chart with its numbers.
    let report = la.get(format!("{base}/provisions/{}/report", w.school_a2)).send().await.unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    let report = report.text().await.unwrap();
    assert_eq!(
        report.matches("<section class=\"wm-print-page\"").count(),
        12,
        "11 outcome pages and the holistic page"
    );
    let reint = &report[report.find(">Reintegration</h2>").expect("a reintegration page")..];
    let reint = &reint[..reint.find("</section>").unwrap()];
    assert!(reint.contains("<svg") && reint.contains("<title>This provision, Before "), "{reint}");
    assert!(reint.contains("70.0%") && reint.contains("14 of 20") && reint.contains("64.7%"), "{reint}");
    assert!(report.contains("No chart: no figure may be shown in any year"), "KS4: nothing to chart");

    // Ash Grove's view: the pupils it moved out in the last three years (twelve referred in
    // 2025, six returned; one referred in 2023 is past the three years and not counted).
    let (p0, school, pru) = (w.pupils[0].0, w.school_a, w.school_a2);
    db.store
        .raw_execute(&format!(
            "INSERT INTO referrals (id, la_number, pupil_id, from_setting_id, to_setting_id, source_id, referral_date, \
             reason, tier_requested) VALUES (901, 202, {p0}, {school}, {pru}, 'r1', '2023-08-01', 'disruption', 2)"
        ))
        .await
        .unwrap();
    let mut referred = Vec::new();
    for i in 0..12 {
        let outcome = if i < 6 { "reintegrated" } else { "left_area" };
        referred
            .push(format!("({}, 202, {p0}, {pru}, 's{i}', 901, 2, '2025-09-08', '2026-03-01', '{outcome}')", 810 + i));
    }
    db.store
        .raw_execute(&format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, referral_id, tier, start_date, end_date, \
             outcome) VALUES {}",
            referred.join(", ")
        ))
        .await
        .unwrap();
    db.store.raw_execute("UPDATE placements SET referral_id = 901 WHERE id = 700").await.unwrap();
    let school_page = format!("{base}/schools/{school}/outcomes");
    let html = la.get(&school_page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Pupils this school moved out"));
    assert!(html.contains("50.0%") && html.contains("6 of 12"), "the school's reintegration figure");
    let csv = la.get(format!("{school_page}.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains(",school_name,"));
    assert!(csv_line(&csv, "School").contains(",reintegration,1,6,12,50.0,"), "{csv}");
    let own = sign_in_as(db, &base, "out", 5, Role::Setting(school)).await;
    let html = own.get(&school_page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("6 of 12") && html.contains("not in your view"), "the school sees its own pupils' figures");
    let other = sign_in_as(db, &base, "out", 6, Role::Setting(w.school_b)).await;
    assert_eq!(other.get(&school_page).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // A placement backdated before its referral (referred today, placed from a week ago, as a
    // provision does when it records a pupil it already took) is no wait, and breaks no figure.
    let today = chrono::Local::now().date_naive();
    db.store
        .raw_execute(&format!(
            "INSERT INTO referrals (id, la_number, pupil_id, from_setting_id, to_setting_id, source_id, referral_date, \
             reason, tier_requested) VALUES (902, 202, {p0}, {school}, {pru}, 'r2', '{today}', 'disruption', 2)"
        ))
        .await
        .unwrap();
    db.store
        .raw_execute(&format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, referral_id, tier, start_date) \
             VALUES (830, 202, {p0}, {pru}, 'b1', 902, 2, '{}')",
            today - chrono::Duration::days(7)
        ))
        .await
        .unwrap();
    let res = la.get(&page).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(la.get(format!("{base}/commissioner")).send().await.unwrap().status(), StatusCode::OK);

    // The PRU's own staff see the provision but not the whole LA.
    let pru = sign_in_as(db, &base, "out", 2, Role::Setting(w.school_a2)).await;
    let html = pru.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("definition reintegration, version 1") && html.contains("not in your view"));
    assert!(html.contains("20 of 32"), "the PRU's 14 of 20 and 6 of 12 referred since");

    // Out of scope: not found, whether the page or the CSV; not signed in: sent to sign in.
    for (i, role) in [(3, Role::La(w.la_b)), (4, Role::Setting(w.school_b))] {
        let c = sign_in_as(db, &base, "out", i, role).await;
        assert_eq!(c.get(&page).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{role}");
        assert_eq!(c.get(format!("{page}.csv")).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{role}");
        let report = format!("{base}/provisions/{}/report", w.school_a2);
        assert_eq!(c.get(&report).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{role}");
        let school_report = format!("{base}/schools/{}/report", w.school_a);
        assert_eq!(c.get(&school_report).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{role}");
    }
    let anonymous = client().get(&page).send().await.unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK);
    assert!(!anonymous.text().await.unwrap().contains("70.0%"));
}

/// Duty checks: Brown on 6 sessions a week and Chowdhury with no timetable at Camden PRU are
/// listed, Adeyemi on 10 is not; Adeyemi's open referral from January has waited past 30 days.
async fn duty_checks(db: &TestDb) {
    let w = World::build(&db.store).await;
    let (p0, p1, p2, pru, school) = (w.pupils[0].0, w.pupils[1].0, w.pupils[2].0, w.school_a2, w.school_a);
    for sql in [
        format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, tier, start_date) VALUES \
             (850, 202, {p1}, {pru}, 'd1', 2, '2025-09-01'), (851, 202, {p0}, {pru}, 'd2', 2, '2025-09-01'), \
             (852, 202, {p2}, {pru}, 'd3', 3, '2025-09-01')"
        ),
        "INSERT INTO timetable_steps (la_number, placement_id, from_date, ap_sessions, mainstream_sessions) VALUES \
         (202, 850, '2025-09-01', 4, 2), (202, 851, '2025-09-01', 8, 2)"
            .to_string(),
        format!(
            "INSERT INTO referrals (id, la_number, pupil_id, from_setting_id, to_setting_id, source_id, referral_date, \
             reason, tier_requested, status) VALUES (950, 202, {p0}, {school}, {pru}, 'dr', '2026-01-05', 'disruption', 2, \
             'submitted')"
        ),
    ] {
        db.store.raw_execute(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let base = start(db).await;
    let la = sign_in_as(db, &base, "out", 1, Role::La(w.la_a)).await;
    let res = la.get(format!("{base}/duty-checks")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let (part_time, waiting) = html.split_once("id=\"waiting\"").unwrap();
    let part_time = &part_time[part_time.find("id=\"part-time\"").expect("the part-time section")..];
    assert!(part_time.contains("2 placements running today below full time"), "{part_time}");
    assert!(part_time.contains("Brown") && part_time.contains("6 sessions a week"));
    assert!(part_time.contains("Chowdhury") && part_time.contains("no timetable recorded"));
    assert!(!part_time.contains("Adeyemi"), "10 sessions is full time");
    assert!(waiting.contains("30 days") && waiting.contains("Adeyemi") && waiting.contains("/referrals/950"));

    let html = la.get(format!("{base}/duty-checks?wait_days=365")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("No open referral to a provision you can see has waited longer than 365 days"));
    for bad in ["abc", "0", "400"] {
        let res = la.get(format!("{base}/duty-checks?wait_days={bad}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.text().await.unwrap().contains("wait_days must be a whole number of days from 1 to 365"));
    }

    // Another LA's user sees none of these pupils.
    let other = sign_in_as(db, &base, "out", 2, Role::La(w.la_b)).await;
    let html = other.get(format!("{base}/duty-checks")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Brown") && !html.contains("Adeyemi") && !html.contains("Chowdhury"));
    assert!(html.contains("Every pupil placed in a provision you can see is on a full-time timetable today."));
}

/// Providers compared: Camden PRU returns 90 of 100 and Ash Grove's unit 30 of 100 against the
/// LA's 60%: both outside the 99.8% funnel limits, and named.
async fn commissioner(db: &TestDb) {
    let w = World::build(&db.store).await;
    let p0 = w.pupils[0].0;
    let mut values = Vec::new();
    for (setting, returned, first) in [(w.school_a2, 90, 1000), (w.unit_a, 30, 2000)] {
        for i in 0..100 {
            let outcome = if i < returned { "reintegrated" } else { "left_area" };
            values.push(format!(
                "({}, 202, {p0}, {setting}, 'c{}', 2, '2025-09-01', '2026-03-01', '{outcome}')",
                first + i,
                first + i
            ));
        }
    }
    db.store
        .raw_execute(&format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, tier, start_date, end_date, outcome) \
             VALUES {}",
            values.join(", ")
        ))
        .await
        .unwrap();
    // The PRU's places cost £420 a week; the unit recorded no costs.
    db.store
        .raw_execute(&format!("UPDATE placements SET weekly_cost_pence = 42000 WHERE setting_id = {}", w.school_a2))
        .await
        .unwrap();
    let base = start(db).await;
    let la = sign_in_as(db, &base, "out", 1, Role::La(w.la_a)).await;
    let res = la.get(format!("{base}/commissioner")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let today = la.get(format!("{base}/today")).send().await.unwrap().text().await.unwrap();
    assert!(today.contains("href=\"/commissioner\"") && today.contains("href=\"/duty-checks\""), "linked from Today");
    // The reintegration section: its funnel plot, the table behind it, the outliers named under it.
    let at = html.find("Definition reintegration, version 1. LA rate: 60.0%").expect("reintegration against 60%");
    let reint = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(reint.contains("(reintegration; LA rate 60.0%)"));
    assert!(reint.contains("90.0%") && reint.contains("30.0%"));
    assert!(reint.contains("Camden PRU (above the 99.8% limit)"), "{reint}");
    assert!(reint.contains("Ash Grove Inclusion Unit (below the 99.8% limit)"), "{reint}");
    assert!(html.contains("Data completeness"));
    assert!(html.contains("Grade 4 or above in English and maths"), "no KS4 results: listed as no data");
    // The funnel plot, with both outliers on it, and the numbers in the table beside it.
    assert!(reint.contains("<svg") && reint.contains("around 60.0%"), "a funnel plot for reintegration");
    assert!(reint.contains("Camden PRU: 90.0% of 100 pupils, outside the 99.8% limits"));
    assert!(reint.contains("Ash Grove Inclusion Unit: 30.0% of 100 pupils, outside the 99.8% limits"));
    assert!(reint.contains("82.6% to 94.5%"), "90 of 100's Wilson interval: {reint}");
    // Costs: 1 September 2025 to 1 March 2026 is 182 days, 26 weeks at £420 = £10,920 each;
    // 100 ended with a cost, 90 returned: £1,092,000 / 90 = £12,133 per outcome achieved.
    let costs = &html[html.find("id=\"costs\"").unwrap()..html.find("id=\"placements\"").unwrap()];
    assert!(costs.contains("£420") && costs.contains("26.0") && costs.contains("£1,092,000"), "{costs}");
    assert!(costs.contains("£12,133"), "{costs}");
    assert!(costs.contains("no data"), "the unit recorded no costs: no data, not £0");
    let list = &html[html.find("id=\"placements\"").unwrap()..];
    assert!(list.contains("200 placements") && list.contains("£10,920") && list.contains("returned to mainstream"));
    assert!(list.contains("Adeyemi") && list.contains("/placements/1000"), "listed by pupil");

    // Every table as CSV in the Explore Education Statistics layout, linked under it, with the
    // page's figures.
    let csv_of = |path: &'static str| {
        let la = &la;
        let base = &base;
        async move {
            let res = la.get(format!("{base}/commissioner/{path}")).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"), "{path}");
            let csv = res.text().await.unwrap();
            assert!(
                csv.starts_with(
                    "time_period,time_identifier,geographic_level,country_code,country_name,old_la_code,trust_id,\
                     provider_name,"
                ),
                "{path}: {csv}"
            );
            csv
        }
    };
    let line = |csv: &str, has: &str| -> String {
        csv.lines().find(|l| l.contains(has)).unwrap_or_else(|| panic!("{has} in {csv}")).to_string()
    };
    for path in ["providers.csv", "completeness.csv", "costs.csv", "placements.csv"] {
        assert!(html.contains(&format!("href=\"/commissioner/{path}\">Download this table as CSV")), "{path}");
    }
    let providers = csv_of("providers.csv").await;
    assert!(providers.lines().next().unwrap().ends_with(
        ",provider_name,measure,definition_version,numerator,denominator,value,lower_95,upper_95,funnel_95,funnel_998"
    ));
    let pru_line = line(&providers, ",Provider,E92000001,England,202,,Camden PRU,reintegration,");
    assert!(pru_line.ends_with(",reintegration,1,90,100,90.0,82.6,94.5,above,above"), "{pru_line}");
    let unit_line = line(&providers, ",Ash Grove Inclusion Unit,reintegration,");
    assert!(unit_line.contains(",reintegration,1,30,100,30.0,"), "{unit_line}");
    assert!(unit_line.ends_with(",below,below"), "{unit_line}");
    assert!(providers.contains(",Local authority,E92000001,England,202,,,reintegration,1,120,200,60.0,"));
    let completeness = csv_of("completeness.csv").await;
    let pru_line = line(&completeness, ",Camden PRU,");
    assert!(pru_line.contains("Grade 4 or above in English and maths"), "{pru_line}");
    let costs = csv_of("costs.csv").await;
    assert!(line(&costs, ",Camden PRU,").ends_with(",Camden PRU,100,420,26.0,100,1092000,90,12133"), "{costs}");
    assert!(line(&costs, ",Ash Grove Inclusion Unit,").ends_with(",100,x,26.0,0,x,0,x"), "no costs: x, not 0: {costs}");
    let placements = csv_of("placements.csv").await;
    assert_eq!(placements.lines().count(), 201, "a header and the 200 placements");
    let first = line(&placements, ",Camden PRU,1000,");
    assert!(first.contains("Adeyemi"), "{first}");
    assert!(first.ends_with(",2,2025-09-01,2026-03-01,26.0,420,10920,returned to mainstream,yes,12133"), "{first}");
    let log = db.store.list_audit(&waymark_store::Caller::system("test"), 1000, 0).await.unwrap();
    assert!(
        log.iter().filter(|e| e.action == "commissioning.placements" && e.scope == format!("la:{:03}", w.la_a)).count()
            >= 5,
        "the page and each CSV read the placements audited"
    );

    // A provision or school is not a commissioner; another LA sees no providers of LA A.
    let pru = sign_in_as(db, &base, "out", 2, Role::Setting(w.school_a2)).await;
    assert_eq!(pru.get(format!("{base}/commissioner")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    for path in ["providers.csv", "completeness.csv", "costs.csv", "placements.csv"] {
        let res = pru.get(format!("{base}/commissioner/{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let res = client().get(format!("{base}/commissioner/{path}")).send().await.unwrap();
        assert_ne!(res.status(), StatusCode::OK, "{path} needs signing in");
    }
    let today = pru.get(format!("{base}/today")).send().await.unwrap().text().await.unwrap();
    assert!(!today.contains("href=\"/commissioner\"") && today.contains("href=\"/duty-checks\""));
    let other = sign_in_as(db, &base, "out", 3, Role::La(w.la_b)).await;
    let html = other.get(format!("{base}/commissioner")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Camden PRU") && !html.contains("90.0%"));
    for path in ["providers.csv", "placements.csv"] {
        let csv = other.get(format!("{base}/commissioner/{path}")).send().await.unwrap().text().await.unwrap();
        assert!(!csv.contains("Camden PRU") && !csv.contains("Adeyemi"), "{path}: {csv}");
    }
}

/// A trust commissions the placements its schools referred pupils to: Greenwich High (in Bridge
/// Trust) referred twelve pupils to Camden PRU, six returned. Ash Grove's are not the trust's.
async fn trust_commissioner(db: &TestDb) {
    let w = World::build(&db.store).await;
    let (p0, pru) = (w.pupils[0].0, w.school_a2);
    db.store
        .raw_execute(&format!(
            "INSERT INTO referrals (id, la_number, pupil_id, from_setting_id, to_setting_id, source_id, referral_date, \
             reason, tier_requested) VALUES (960, 203, {p0}, {}, {pru}, 't1', '2025-07-01', 'disruption', 2), \
             (961, 202, {p0}, {}, {pru}, 't2', '2025-07-01', 'disruption', 2)",
            w.school_b, w.school_a
        ))
        .await
        .unwrap();
    let mut values = Vec::new();
    for i in 0..12 {
        let outcome = if i < 6 { "reintegrated" } else { "left_area" };
        values.push(format!(
            "({}, 203, {p0}, {pru}, 't{i}', 960, 2, '2025-09-01', '2026-03-01', '{outcome}', 30000)",
            1100 + i
        ));
    }
    for i in 0..15 {
        values.push(format!(
            "({}, 202, {p0}, {pru}, 'a{i}', 961, 2, '2025-09-01', '2026-03-01', 'reintegrated', 50000)",
            1200 + i
        ));
    }
    db.store
        .raw_execute(&format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, referral_id, tier, start_date, end_date, \
             outcome, weekly_cost_pence) VALUES {}",
            values.join(", ")
        ))
        .await
        .unwrap();
    let base = start(db).await;
    let trust = sign_in_as(db, &base, "tr", 1, Role::Trust(w.trust)).await;
    let res = trust.get(format!("{base}/commissioner")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("trust rate 50.0%"), "6 of 12: the trust's own rate");
    let list = &html[html.find("id=\"placements\"").unwrap()..];
    assert!(list.contains("12 placements") && list.contains("Greenwich High"), "{list}");
    assert!(!list.contains("/placements/1200"), "Ash Grove's referrals are not the trust's");
    // 26 weeks at £300 = £7,800 each; 12 ended, 6 returned: £93,600 / 6 = £15,600.
    assert!(html.contains("£93,600") && html.contains("£15,600"));
    let csv = trust.get(format!("{base}/commissioner/placements.csv")).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 13, "the trust's 12 placements: {csv}");
    assert!(!csv.contains(",1200,"), "Ash Grove's referrals are not the trust's");
    let row = csv.lines().find(|l| l.contains(",1100,")).unwrap();
    assert!(row.contains(&format!(",Provider,E92000001,England,,{},Camden PRU,", w.trust)), "{row}");
    assert!(row.ends_with(",300,7800,returned to mainstream,yes,15600"), "{row}");
    let csv = trust.get(format!("{base}/commissioner/providers.csv")).send().await.unwrap().text().await.unwrap();
    let total = format!(",Multi-academy trust,E92000001,England,,{},,reintegration,1,6,12,50.0,", w.trust);
    assert!(csv.contains(&total), "{csv}");
}

/// The LA's limits are stored and used; permanently excluded pupils are checked on the sixth
/// school day; a part-time timetable longer than the limit is listed with how long it has run.
async fn duty_limits_and_sixth_day(db: &TestDb) {
    let w = World::build(&db.store).await;
    let (p0, p1, p2, pru, school) = (w.pupils[0].0, w.pupils[1].0, w.pupils[2].0, w.school_a2, w.school_a);
    let today = chrono::Local::now().date_naive();
    let weeks_ago = |n: i64| today - chrono::Duration::weeks(n);
    for sql in [
        // Brown: 6 sessions for 8 weeks. Adeyemi: full time, 10 sessions.
        format!(
            "INSERT INTO placements (id, la_number, pupil_id, setting_id, source_id, tier, start_date) VALUES \
             (870, 202, {p1}, {pru}, 'e1', 2, '{}'), (871, 202, {p0}, {pru}, 'e2', 2, '{}')",
            weeks_ago(8),
            weeks_ago(20)
        ),
        format!(
            "INSERT INTO timetable_steps (la_number, placement_id, from_date, ap_sessions, mainstream_sessions) VALUES \
             (202, 870, '{}', 4, 2), (202, 871, '{}', 10, 0)",
            weeks_ago(8),
            weeks_ago(20)
        ),
        // Permanent exclusions from Ash Grove: Adeyemi (full time from before: met), Chowdhury
        // (nothing recorded: listed), both over a month ago.
        format!(
            "INSERT INTO exclusions (id, la_number, pupil_id, setting_id, source_id, start_date, reason_1) VALUES \
             (880, 202, {p0}, {school}, 'x1', '{d}', 'PA'), (881, 202, {p2}, {school}, 'x2', '{d}', 'PA')",
            d = weeks_ago(5)
        ),
    ] {
        db.store.raw_execute(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let base = start(db).await;
    let la = sign_in_as(db, &base, "dl", 1, Role::La(w.la_a)).await;
    let html = la.get(format!("{base}/duty-checks")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("the defaults: no limits have been set"));
    let section = |html: &str, id: &str| {
        let from = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("section {id}"));
        let rest = &html[from..];
        rest[..rest[1..].find("<h2").map_or(rest.len(), |e| e + 1)].to_string()
    };
    let sixth = section(&html, "sixth-day");
    assert!(sixth.contains("Chowdhury") && sixth.contains("No placement recorded"), "{sixth}");
    assert!(!sixth.contains("Adeyemi"), "full time on the sixth day: the duty was met");
    let long = section(&html, "long-part-time");
    assert!(long.contains("Brown") && long.contains(">8<"), "8 weeks below full time, over 6: {long}");

    // The LA raises the part-time limit to 10 weeks: Brown is no longer over it.
    let csrf = csrf_field(&html);
    let res = la
        .post(format!("{base}/duty-checks/limits"))
        .form(&[("csrf", csrf.as_str()), ("part_time_weeks", "10"), ("wait_days", "45")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = la.get(format!("{base}/duty-checks")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("set by the local authority") && html.contains("more than 45 days"));
    assert!(!section(&html, "long-part-time").contains("Brown"));
    assert!(section(&html, "part-time").contains("Brown"), "still below 10 sessions");
    let res = la
        .post(format!("{base}/duty-checks/limits"))
        .form(&[("csrf", csrf.as_str()), ("part_time_weeks", "0"), ("wait_days", "45")])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("Enter a number of weeks from 1 to 52"));
    // A provision may not set an LA's limits.
    let pru_user = sign_in_as(db, &base, "dl", 2, Role::Setting(pru)).await;
    let page = pru_user.get(format!("{base}/duty-checks")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/duty-checks/limits"));
    let res = pru_user
        .post(format!("{base}/duty-checks/limits"))
        .form(&[("csrf", csrf_field(&page).as_str()), ("part_time_weeks", "1"), ("wait_days", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
