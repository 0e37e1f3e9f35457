//! The web app under abuse: slow and idle clients, compression, HSTS, undecodable paths, the
//! public page cache's keys, and signing in from a deep link. Transport does not depend on the
//! store's engine, so these run on SQLite; the page cache test runs on both.

mod common;
use common::*;

use reqwest::StatusCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use waymark_store::testing::TestDb;
use waymark_store::{both_backends, Caller, NewUser, Role};
use waymark_web::{Timeouts, WebConfig};

async fn add_admin(db: &TestDb) -> String {
    let email = "admin@test.waymark".to_string();
    let new = NewUser {
        email: email.clone(),
        display_name: "Ada Admin".into(),
        password: PASSWORD.into(),
        role: Role::Admin,
    };
    db.store.create_user(&Caller::system("test"), new).await.unwrap();
    email
}

/// Read from a raw connection until it closes or `limit` passes; true if it closed.
async fn closes_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

fn short_timeouts() -> WebConfig {
    let timeouts = Timeouts {
        header_read: Duration::from_secs(1),
        request: Duration::from_secs(1),
        upload: Duration::from_secs(5),
    };
    WebConfig { timeouts, ..WebConfig::local() }
}

/// A client that sends half a request line and stops, one that keeps an idle connection after
/// a request, and one that sends half a body are all cut off.
#[tokio::test]
async fn slow_and_idle_clients_are_cut_off() {
    let db = TestDb::sqlite().await;
    let addr = start_with(&db, short_timeouts()).await;

    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    assert!(closes_within(&mut slow, Duration::from_secs(5)).await, "headers never finished: closed");

    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(closes_within(&mut idle, Duration::from_secs(5)).await, "idle after a response: closed");

    let mut dribble = TcpStream::connect(&addr).await.unwrap();
    dribble
        .write_all(b"POST /sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nemail=a")
        .await
        .unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), dribble.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "a body that never arrives is answered within the request timeout");
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "got {:?}", text.lines().next());
    db.finish().await;
}

/// Pages and assets are compressed for clients that ask; HSTS only when cookies are secure;
/// a path that does not decode gets the service's 400 page.
#[tokio::test]
async fn compression_hsts_and_bad_paths() {
    let db = TestDb::sqlite().await;
    let plain = start_with(&db, WebConfig::local()).await;
    let secure = start_with(&db, WebConfig { secure_cookies: true, ..WebConfig::local() }).await;
    let c = client();
    for (encoding, path) in
        [("br", "/explore/cold-spots"), ("gzip", "/explore/cold-spots"), ("br", "/assets/govuk-frontend.min.css")]
    {
        let res = c.get(format!("http://{plain}{path}")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some(encoding), "{path}");
    }
    let raw = c.get(format!("http://{plain}/explore/cold-spots")).send().await.unwrap();
    assert!(raw.headers().get("content-encoding").is_none(), "not compressed unless asked");

    let res = c.get(format!("http://{plain}/")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let res = c.get(format!("http://{secure}/")).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");

    for path in ["/pupils/%FF", "/explore/la/%C3%28", "/assets/%FE"] {
        let res = c.get(format!("http://{plain}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("govuk-heading-l") && html.contains("There is a problem with your request"), "{path}");
    }
    db.finish().await;
}

/// Signing in from a deep link lands on that page; a `next` that leaves the site is ignored.
#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for() {
    let db = TestDb::sqlite().await;
    let email = add_admin(&db).await;
    let addr = start_with(&db, WebConfig::local()).await;
    let c = client();
    let res = c.get(format!("http://{addr}/pupils?page=2")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/sign-in?next=%2Fpupils%3Fpage%3D2");

    for (next, lands) in [
        ("/pupils?page=2", "/pupils?page=2"),
        ("//evil.example/x", "/today"),
        ("https://evil.example", "/today"),
        ("/\\evil.example", "/today"),
    ] {
        let c = client();
        let form = c
            .get(format!("http://{addr}/sign-in"))
            .query(&[("next", next)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = c
            .post(format!("http://{addr}/sign-in"))
            .form(&[("csrf", csrf_field(&form).as_str()), ("email", &email), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(res.headers()["location"], lands, "next={next}");
    }
    db.finish().await;
}

both_backends!(page_cache_keys);

/// An absolute-form request line reads the same cached page as a normal one, so an
/// administrator's update replaces every copy; junk parameters are not kept.
async fn page_cache_keys(db: &TestDb) {
    let email = add_admin(db).await;
    let addr = start_with(db, WebConfig::local()).await;
    let absolute = |path: &str| {
        let addr = addr.clone();
        let path = path.to_string();
        async move {
            let mut s = TcpStream::connect(&addr).await.unwrap();
            let req = format!("GET http://{addr}{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            s.write_all(req.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            s.read_to_end(&mut out).await.unwrap();
            String::from_utf8_lossy(&out).into_owned()
        }
    };
    let before = absolute("/explore/timpson/N").await;
    assert!(before.starts_with("HTTP/1.1 200") && !before.contains("A cache key test note"));

    let admin = sign_in(&format!("http://{addr}"), &email).await;
    let page = admin.get(format!("http://{addr}/explore/timpson/N")).send().await.unwrap().text().await.unwrap();
    let token = csrf_field(&page);
    let update = [
        ("csrf", token.as_str()),
        ("status", "implemented"),
        ("number", ""),
        ("text", "Review how the reasons for exclusion are recorded."),
        ("note", "A cache key test note"),
        ("as_of", "2021-09-01"),
    ];
    let res = admin.post(format!("http://{addr}/explore/timpson/N")).form(&update).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = absolute("/explore/timpson/N").await;
    assert!(after.contains("A cache key test note"), "the absolute-form copy was dropped with the others");
    let anon = client().get(format!("http://{addr}/explore/timpson/N")).send().await.unwrap().text().await.unwrap();
    assert!(anon.contains("A cache key test note"));
}

/// Every page's title names the page, then the service once ("Waymark – Waymark" was the home
/// page's); the signed-in header says the role once.
#[tokio::test]
async fn titles_and_signed_in_header() {
    let db = TestDb::sqlite().await;
    let email = add_admin(&db).await;
    let addr = start_with(&db, WebConfig::local()).await;
    let c = client();
    for path in ["/", "/sign-in", "/explore/cold-spots", "/explore/timpson", "/explore/cost", "/nowhere"] {
        let html = c.get(format!("http://{addr}{path}")).send().await.unwrap().text().await.unwrap();
        let title = &html[html.find("<title>").unwrap() + 7..html.find("</title>").unwrap()];
        assert!(title.ends_with(" – Waymark") && title.matches("Waymark").count() == 1, "{path}: {title:?}");
    }
    let c = sign_in(&format!("http://{addr}"), &email).await;
    let page = c.get(format!("http://{addr}/settings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Signed in as Ada Admin (Administrator)"));
    assert_eq!(page.matches("Administrator").count(), 1, "the role once");
    db.finish().await;
}
