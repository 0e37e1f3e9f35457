//! The web app end to end over HTTP, on SQLite and (where reachable) PostgreSQL: every route that
//! shows pupil data walked with every role, CSRF, bad input and security headers.

mod common;
use common::*;

use reqwest::{Client, StatusCode};
use waymark_store::testing::{TestDb, World};
use waymark_store::{both_backends, Caller, NewUser, Role};

/// Pupil ids linked from every page of the pupil list: paged by GET, or, for a search,
/// posted (names never go in a URL) and paged by posting again.
async fn listed_ids(c: &Client, base: &str, query: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut token = String::new();
    for page in 1.. {
        let res = if query.is_empty() {
            c.get(format!("{base}/pupils")).query(&[("page", &page.to_string())]).send().await.unwrap()
        } else {
            if token.is_empty() {
                token = csrf_field(&c.get(format!("{base}/pupils")).send().await.unwrap().text().await.unwrap());
            }
            c.post(format!("{base}/pupils"))
                .form(&[("csrf", token.as_str()), ("q", query), ("page", &page.to_string())])
                .send()
                .await
                .unwrap()
        };
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        let before = ids.len();
        for part in html.split("href=\"/pupils/").skip(1) {
            ids.push(part[..part.find('"').unwrap()].parse::<i64>().unwrap());
        }
        if ids.len() == before || !(html.contains("rel=\"next\"") || html.contains("Next page")) {
            break;
        }
    }
    ids.sort();
    ids
}

async fn users_for(db: &TestDb, world: &World) -> Vec<(Role, String)> {
    let op = Caller::system("test");
    let mut users = Vec::new();
    for (i, role) in world.roles().into_iter().filter(|r| *r != Role::Public).enumerate() {
        let email = format!("user{i}@test.waymark");
        db.store
            .create_user(
                &op,
                NewUser { email: email.clone(), display_name: format!("User {i}"), password: PASSWORD.into(), role },
            )
            .await
            .unwrap();
        users.push((role, email));
    }
    users
}

both_backends!(every_route_every_role, forms_and_bad_input);

/// The routes the scope tests walk (below, in `tests/provision.rs` for running a provision,
/// and in `tests/outcomes.rs` for the outcome views). Every route the router marks as showing pupil data must be here.
const WALKED: [&str; 33] = [
    "/pupils",
    "/settings/{id}",
    "/pupils/{id}",
    "/import",
    "/pupils/{id}/refer",
    "/pupils/{id}/assessments",
    "/pupils/{id}/interventions",
    "/pupils/{id}/journey",
    "/today",
    "/pupils/{id}/assessments/new",
    "/referrals/{id}",
    "/referrals/{id}/place",
    "/placements/{id}",
    "/placements/{id}/timetable",
    "/placements/{id}/plan",
    "/placements/{id}/end",
    "/provisions/{id}/waiting-list",
    "/groups/{id}/checkin",
    "/groups/{id}/week",
    "/provisions/{id}/capacity",
    "/provisions/{id}/outcomes",
    "/provisions/{id}/outcomes.csv",
    "/schools/{id}/outcomes",
    "/schools/{id}/outcomes.csv",
    "/duty-checks",
    "/commissioner",
    "/commissioner/providers.csv",
    "/commissioner/completeness.csv",
    "/commissioner/placements.csv",
    "/commissioner/costs.csv",
    "/duty-checks/limits",
    "/provisions/{id}/report",
    "/schools/{id}/report",
];

#[test]
fn every_pupil_data_route_is_walked() {
    let table = waymark_web::route_table();
    for (path, exposure) in &table {
        if *exposure == waymark_web::Exposure::PupilData {
            assert!(WALKED.contains(path), "{path} shows pupil data but the scope test does not walk it");
        }
    }
    for path in WALKED {
        assert!(
            table.contains(&(path, waymark_web::Exposure::PupilData)),
            "{path} is walked but the router does not mark it as pupil data"
        );
    }
}

/// A dry-run upload naming one pupil (a destination), as a role may or may not be allowed.
async fn import_names(c: &Client, base: &str, upn: &str) -> String {
    let page = c.get(format!("{base}/import")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = csrf_field(&page.text().await.unwrap());
    let csv = format!("upn,ks4_year,destination,sustained\n{upn},2023/24,education,1\n");
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .text("dry_run", "1")
        .part("files", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("destinations.csv"));
    let res = c.post(format!("{base}/import")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The scope matrix over HTTP: lists, searches and pupil pages show exactly what each role may
/// see; everything else is 404 (not 403), and the 404 page names no one.
async fn every_route_every_role(db: &TestDb) {
    let world = World::build(&db.store).await;
    let base = start(db).await;
    let all = world.all_pupils();
    let surnames = waymark_store::testing::WORLD_SURNAMES;
    for (role, email) in users_for(db, &world).await {
        let c = sign_in(&base, &email).await;
        let mut expected = world.visible_to(role);
        expected.sort();
        assert_eq!(listed_ids(&c, &base, "").await, expected, "pupil list for {role}");
        for (i, id) in all.iter().enumerate() {
            let res = c.get(format!("{base}/pupils/{id}")).send().await.unwrap();
            let status = res.status();
            let html = res.text().await.unwrap();
            if expected.contains(id) {
                assert_eq!(status, StatusCode::OK, "{role} opens pupil {id}");
                assert!(html.contains(surnames[i]) && html.contains("govuk-summary-list"));
            } else {
                assert_eq!(status, StatusCode::NOT_FOUND, "{role} must get 404 for pupil {id}");
                assert!(!html.contains(surnames[i]), "404 page leaks a name");
            }
            let upn = db.store.get_pupil(&Caller::system("test"), *id).await.unwrap().0.record.upn.to_string();
            let import = import_names(&c, &base, &upn).await;
            if expected.contains(id) {
                assert!(import.contains("Checked, nothing written"), "{role} may import for pupil {id}");
            } else {
                assert!(
                    import.contains("Nothing was imported") && !import.contains(surnames[i]),
                    "{role} import for {id}"
                );
            }
            let found = listed_ids(&c, &base, surnames[i]).await;
            assert_eq!(
                found,
                if expected.contains(id) { vec![*id] } else { vec![] },
                "{role} searching {}",
                surnames[i]
            );
        }
        // A setting's page: only within the scope; anything else is not found.
        let sees_pru = matches!(role, Role::Admin | Role::Trust(_))
            || role == Role::La(world.la_a)
            || role == Role::Setting(world.school_a2);
        let res = c.get(format!("{base}/settings/{}", world.school_a2)).send().await.unwrap();
        assert_eq!(res.status(), if sees_pru { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{role} setting page");
        let html = res.text().await.unwrap();
        assert_eq!(html.contains("id=\"on-roll\">1<"), sees_pru, "{role}: Chowdhury on roll at the PRU");
        assert_eq!(html.contains("Camden PRU"), sees_pru, "{role}: setting page names the PRU");
        assert_eq!(c.get(format!("{base}/settings/abc")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        let settings = c.get(format!("{base}/settings")).send().await.unwrap().text().await.unwrap();
        if role == Role::Setting(world.school_a) {
            assert!(settings.contains("(Setting: Ash Grove Academy)"), "the banner names the setting");
        }
        assert_eq!(
            settings.contains("Greenwich High"),
            matches!(role, Role::Admin | Role::La(203) | Role::Trust(_)) || role == Role::Setting(world.school_b),
            "settings for {role}"
        );
    }
    // The public sees no pupil route at all: each sends them to sign in, whether the id exists or not.
    let anon = client();
    for path in [
        "/pupils".to_string(),
        format!("/pupils/{}", all[0]),
        "/pupils/999999".into(),
        "/settings".into(),
        "/import".into(),
    ] {
        let res = anon.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        let back = format!("/sign-in?next={}", path.replace('/', "%2F"));
        assert_eq!(res.headers()["location"], back.as_str(), "back to {path} after signing in");
    }
    // Every view was audited with the viewer's scope, and the chain holds.
    let log = db.store.list_audit(&Caller::system("test"), 1000, 0).await.unwrap();
    assert!(log.iter().any(|e| e.action == "pupil.view" && e.scope == format!("la:{:03}", world.la_a)));
    assert_eq!(db.store.verify_audit().await.unwrap().problem, None);
}

async fn forms_and_bad_input(db: &TestDb) {
    let world = World::build(&db.store).await;
    let users = users_for(db, &world).await;
    let base = start(db).await;
    let (_, admin) = &users[0];

    // Security headers on pages and assets.
    let res = client().get(format!("{base}/sign-in")).send().await.unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(!h["content-security-policy"].to_str().unwrap().contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let css = client().get(format!("{base}/assets/govuk-frontend.min.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(client().get(format!("{base}/healthz")).send().await.unwrap().text().await.unwrap(), "ok");

    // Sign-in without the CSRF token, or with a forged one, is refused.
    let c = client();
    c.get(format!("{base}/sign-in")).send().await.unwrap();
    let res = c
        .post(format!("{base}/sign-in"))
        .form(&[("email", admin.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Your form has expired"));
    let forged = "0".repeat(64);
    let res = c
        .post(format!("{base}/sign-in"))
        .form(&[("csrf", forged.as_str()), ("email", admin), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A wrong password shows the error summary, linked to the field, and says nothing more.
    let form = c.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
    let res = c
        .post(format!("{base}/sign-in"))
        .form(&[("csrf", csrf_field(&form).as_str()), ("email", admin), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("govuk-error-summary")
            && html.contains("href=\"#email\"")
            && html.contains("<title>Error: Sign in")
    );

    // An oversized form gets a clear page, not a raw error.
    let res =
        c.post(format!("{base}/sign-in")).form(&[("csrf", "x"), ("email", &"a".repeat(20_000))]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("What you sent is too large"));

    // Malformed ids are simply not found.
    let signed = sign_in(&base, admin).await;
    for path in
        ["/pupils/abc", "/pupils/-1", "/pupils/99999999999999999999999", "/pupils/1.5", "/pupils/%00", "/nowhere"]
    {
        let res = signed.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Page not found") && !html.contains("panicked"));
    }
    // Garbage page numbers show page 1.
    let res = signed.get(format!("{base}/pupils?page=banana&q=")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Sign-out needs the session's CSRF token; without it the session survives.
    let res = signed.post(format!("{base}/sign-out")).form(&[("csrf", forged.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = signed.get(format!("{base}/pupils")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = csrf_field(&page.text().await.unwrap());
    let res = signed.post(format!("{base}/sign-out")).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        signed.get(format!("{base}/pupils")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );

    // Lockout after repeated failures is explained.
    let c = client();
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        let form = c.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
        let res = c
            .post(format!("{base}/sign-in"))
            .form(&[
                ("csrf", csrf_field(&form).as_str()),
                ("email", users[1].1.as_str()),
                ("password", "nope nope nope"),
            ])
            .send()
            .await
            .unwrap();
        last = res.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

both_backends!(pupil_list_settings_and_dual_registration);

/// The pupil list's "On roll at" column names only settings the user can see, and marks the
/// pupil dual registered across two LAs for both of them.
async fn pupil_list_settings_and_dual_registration(db: &TestDb) {
    let world = World::build(&db.store).await;
    let users = users_for(db, &world).await;
    let base = start(db).await;
    let row_of = |page: &str, surname: &str| {
        let at = page.find(surname).unwrap_or_else(|| panic!("{surname} listed"));
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    for (role, on_roll) in
        [(Role::La(world.la_a), "Ash Grove Inclusion Unit"), (Role::La(world.la_b), "Greenwich High")]
    {
        let email = &users.iter().find(|(r, _)| *r == role).unwrap().1;
        let page =
            sign_in(&base, email).await.get(format!("{base}/pupils")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(">On roll at</th>"), "{role}: the column");
        let evans = row_of(&page, "Evans");
        assert!(evans.contains(on_roll) && evans.contains("Dual registered"), "{role}: {evans}");
        let other = if on_roll == "Greenwich High" { "Ash Grove" } else { "Greenwich" };
        assert!(!evans.contains(other), "{role} is not told the other LA's setting: {evans}");
        if role == Role::La(world.la_a) {
            let adeyemi = row_of(&page, "Adeyemi");
            assert!(adeyemi.contains("Ash Grove Academy") && !adeyemi.contains("Dual registered"), "{adeyemi}");
        }
    }

    // Filters: a GET form, so a filtered list can be linked to; the search carries them along.
    let email = &users.iter().find(|(r, _)| *r == Role::La(world.la_a)).unwrap().1;
    let la = sign_in(&base, email).await;
    let get = |query: String| {
        let la = la.clone();
        let base = base.clone();
        async move {
            let res = la.get(format!("{base}/pupils?{query}")).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let listed = |html: &str| {
        ["Adeyemi", "Brown", "Chowdhury", "Davies", "Evans"]
            .into_iter()
            .filter(|s| html.contains(&format!(" {s}</a>")))
            .collect::<Vec<_>>()
    };
    let (status, html) = get("fsm=yes".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed(&html), ["Adeyemi", "Chowdhury", "Evans"], "free school meals (Evans from the template)");
    assert!(
        html.contains("Filter pupils (1 in use)")
            && html.contains("id=\"fsm\" name=\"fsm\" type=\"checkbox\" value=\"yes\" checked")
    );
    let (_, html) = get(format!("setting={}", world.unit_a)).await;
    assert_eq!(listed(&html), ["Brown", "Evans"], "on roll at the unit");
    let (_, html) = get(format!("setting={}", world.school_b)).await;
    assert!(listed(&html).is_empty() && html.contains("No pupils you can see match these filters"));
    let (_, html) = get("in_ap=yes&suspended=yes".into()).await;
    assert!(listed(&html).is_empty(), "no one is placed or suspended in this world");
    for (query, says) in
        [("sen=Z", "The SEN filter must be N, K or E"), ("in_ap=maybe", "in AP now"), ("setting=abc", "setting filter")]
    {
        let (status, html) = get(query.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(html.contains(says), "{query}: {html}");
    }
    let token = csrf_field(&get(String::new()).await.1);
    let search = |q: &'static str| {
        la.post(format!("{base}/pupils"))
            .form(&[("csrf", token.clone()), ("q", q.into()), ("setting", world.unit_a.to_string())])
            .send()
    };
    assert_eq!(listed(&search("brown").await.unwrap().text().await.unwrap()), ["Brown"]);
    let html = search("adeyemi").await.unwrap().text().await.unwrap();
    assert!(listed(&html).is_empty() && html.contains("match these filters and “adeyemi”"), "{html}");
}

both_backends!(timpson_tracker_pages);

/// The public reads the tracker; only an administrator records updates, with CSRF and validation.
async fn timpson_tracker_pages(db: &TestDb) {
    let world = World::build(&db.store).await;
    let users = users_for(db, &world).await;
    let base = start(db).await;
    let anon = client();
    let page = anon.get(format!("{base}/explore/timpson")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("href=\"/explore/timpson/").count(), 27);
    assert!(page.contains("Status not yet assessed") && page.contains("3 are not yet identified"));
    assert!(!page.contains("Record an update"));
    let csv = anon.get(format!("{base}/explore/timpson.csv")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.text().await.unwrap().lines().count(), 28);
    assert_eq!(anon.get(format!("{base}/explore/timpson/NOPE")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Only administrators may post; others get "not found".
    let la = sign_in(&base, &users[1].1).await;
    let la_page = la.get(format!("{base}/pupils")).send().await.unwrap().text().await.unwrap();
    let res = la
        .post(format!("{base}/explore/timpson/N"))
        .form(&[("csrf", csrf_field(&la_page).as_str()), ("status", "implemented")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let admin = sign_in(&base, &users[0].1).await;
    let form = admin.get(format!("{base}/explore/timpson/N")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Record an update"));
    let csrf = csrf_field(&form);
    let res = admin.post(format!("{base}/explore/timpson/N")).form(&[("status", "implemented")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let bad = [
        ("csrf", csrf.as_str()),
        ("status", "implemented"),
        ("number", "99"),
        ("text", "Review reasons"),
        ("note", ""),
        ("as_of", "yesterday"),
    ];
    let res = admin.post(format!("{base}/explore/timpson/N")).form(&bad).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#as_of\"") && html.contains("<title>Error:"), "errors link to fields");
    let good = [
        ("csrf", csrf.as_str()),
        ("status", "implemented"),
        ("number", ""),
        ("text", "Review how the reasons for exclusion are recorded."),
        ("note", "New reason codes from 2020/21"),
        ("evidence_url", "https://explore-education-statistics.service.gov.uk/"),
        ("as_of", "2021-09-01"),
    ];
    let res = admin.post(format!("{base}/explore/timpson/N")).form(&good).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let item = anon.get(format!("{base}/explore/timpson/N")).send().await.unwrap().text().await.unwrap();
    assert!(
        item.contains("New reason codes from 2020/21")
            && item.contains("1 September 2021")
            && item.contains(">Implemented<")
    );
}

/// The public observatory over HTTP: no sign-in, shareable URLs, CSV, clear errors for bad choices.
#[tokio::test]
async fn observatory_pages() {
    let db = TestDb::sqlite().await;
    let base = start(&db).await;
    let anon = client();
    let get = |path: &str| anon.get(format!("{base}{path}")).send();
    let map = get("/explore?measure=perm&type=secondary&year=2016/17").await.unwrap();
    assert_eq!(map.status(), StatusCode::OK);
    let html = map.text().await.unwrap();
    assert!(html.contains("Permanent exclusion rate, secondary schools, 2016/17"));
    assert!(html.matches("<a href=\"/explore/la/").count() >= 150, "every LA is a link on the map");
    assert_eq!(
        get("/explore?measure=perm&type=secondary&year=2016/17").await.unwrap().text().await.unwrap(),
        html,
        "cached page identical"
    );
    let bad = get("/explore?measure=nonsense").await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("There is no measure called"));
    assert_eq!(get("/explore?year=1990/91").await.unwrap().status(), StatusCode::BAD_REQUEST);
    let csv = get("/explore.csv?measure=susp&year=2016/17").await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("waymark-susp-total-2016-17.csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("academic_year,la_number,la_name") && csv.lines().count() > 150);
    let camden = get("/explore/la/E09000007").await.unwrap();
    assert_eq!(camden.status(), StatusCode::OK);
    assert!(camden.text().await.unwrap().contains("<h1 class=\"govuk-heading-l\">Camden</h1>"));
    assert_eq!(get("/explore/la/999").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert!(get("/explore/la/202.csv").await.unwrap().text().await.unwrap().starts_with("la_number,la_name,measure"));
    for (table, header) in [
        ("reasons", "la_number,la_name,reason"),
        ("ranks", "la_number,la_name,measure,figure,rank"),
        ("gaps", "la_number,la_name,measure,academic_year"),
    ] {
        let body = get(&format!("/explore/la/202.csv?table={table}")).await.unwrap().text().await.unwrap();
        assert!(body.starts_with(header), "{table}: {body}");
    }
    assert_eq!(get("/explore/la/202.csv?table=nope").await.unwrap().status(), StatusCode::BAD_REQUEST);
    let progress = get("/explore/timpson-progress.csv").await.unwrap().text().await.unwrap();
    assert_eq!(progress.lines().count(), 3);
    let cold = get("/explore/cold-spots").await.unwrap().text().await.unwrap();
    assert!(cold.contains("The five coldest spots") && cold.contains("Where the data is simply not available"));
    let cost = get("/explore/cost?area=202&year=2016/17&cost=100000").await.unwrap().text().await.unwrap();
    assert!(cost.contains("Camden") && cost.contains("£"));
    let bad_cost = get("/explore/cost?cost=lots").await.unwrap().text().await.unwrap();
    assert!(bad_cost.contains("govuk-error-summary") && bad_cost.contains("href=\"#cost\""));
    db.finish().await;
}

/// With an establishment register loaded, open AP settings appear on the map and LA profile.
#[tokio::test]
async fn establishment_register_places_ap_on_the_map() {
    let db = TestDb::sqlite().await;
    let register = concat!(env!("CARGO_MANIFEST_DIR"), "/../waymark-opendata/tests/fixtures/edubasealldata_sample.csv");
    let all = waymark_opendata::gias::read_gias(std::path::Path::new(register)).unwrap();
    let ap: Vec<_> = all.into_iter().filter(|e| e.is_ap() && e.open && e.easting.is_some()).collect();
    assert_eq!(ap.len(), 1, "one open PRU with a location in the sample");
    let config = waymark_web::WebConfig { establishments: std::sync::Arc::new(ap), ..waymark_web::WebConfig::local() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = waymark_web::app(db.store.clone(), config);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let map = client().get(format!("{base}/explore")).send().await.unwrap().text().await.unwrap();
    assert_eq!(map.matches("<circle").count(), 1);
    assert!(map.contains("<title>Camden Primary Pupil Referral Unit (Pupil referral unit, URN 100007)</title>"));
    let camden = client().get(format!("{base}/explore/la/202")).send().await.unwrap().text().await.unwrap();
    assert!(camden.contains("Camden Primary Pupil Referral Unit") && camden.contains("establishment register"));
    // Without a register, the LA profile lists AP from DfE's school list instead.
    let plain = start(&db).await;
    let camden = client().get(format!("{plain}/explore/la/202")).send().await.unwrap().text().await.unwrap();
    assert!(
        camden.contains("DfE school list 2017/18")
            && !client()
                .get(format!("{plain}/explore"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains("<circle")
    );
    db.finish().await;
}
