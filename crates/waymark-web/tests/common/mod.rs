//! What every HTTP test of the web app needs: the app served on a random port through the same
//! accept loop `waymark serve` uses, a cookie-keeping client, form fields, and signing in.
#![allow(dead_code)] // each test file uses its own part

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use waymark_store::testing::TestDb;
use waymark_store::{Caller, NewUser, Role};
use waymark_web::WebConfig;

pub const PASSWORD: &str = "a long test password";

/// Serve the app with `config` on a random port; returns `host:port`.
pub async fn start_with(db: &TestDb, config: WebConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let timeouts = config.timeouts;
    let app = waymark_web::app(db.store.clone(), config);
    tokio::spawn(waymark_web::serve_router(listener, app, timeouts, std::future::pending()));
    format!("{addr}")
}

/// Serve the app as for local use; returns its base URL.
pub async fn start(db: &TestDb) -> String {
    format!("http://{}", start_with(db, WebConfig::local()).await)
}

/// A client that keeps cookies and does not follow redirects (tests check them).
pub fn client() -> Client {
    Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

/// The value of a hidden field in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("hidden field {name}")) + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The value of the hidden `csrf` field in a page.
pub fn csrf_field(html: &str) -> String {
    hidden(html, "csrf")
}

/// Sign in through the form as an existing user; returns the signed-in client.
pub async fn sign_in(base: &str, email: &str) -> Client {
    let c = client();
    let form = c.get(format!("{base}/sign-in")).send().await.unwrap().text().await.unwrap();
    let res = c
        .post(format!("{base}/sign-in"))
        .form(&[("csrf", csrf_field(&form).as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign in as {email}");
    c
}

/// Create a user with `role` (email `{prefix}{i}@test.waymark`) and sign in as them.
pub async fn sign_in_as(db: &TestDb, base: &str, prefix: &str, i: usize, role: Role) -> Client {
    let email = format!("{prefix}{i}@test.waymark");
    let new = NewUser { email: email.clone(), display_name: format!("User {i}"), password: PASSWORD.into(), role };
    db.store.create_user(&Caller::system("test"), new).await.unwrap();
    sign_in(base, &email).await
}
