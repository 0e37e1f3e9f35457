//! `waymark bench pages`: a synthetic LA of about 60,000 pupils in the store with provisions in
//! use (groups, a waiting list, placements, a term of check-ins and assessments), staff signed
//! in, and the app served through `waymark_web::serve_router` as `waymark serve` serves it; then
//! 50 concurrent signed-in clients on each of the waiting list, capacity, group check-in and
//! pupil journey pages. Prints p50/p95/p99/max, requests per second and errors.

use super::fixture::{activity, generate, read_dated, Engine, Opened, Provision};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use waymark_domain::AcademicYear;
use waymark_store::{Caller, NewUser, Role, SignInOutcome, Store};

pub struct PagesBench {
    pub la: u16,
    pub year: AcademicYear,
    pub postgres_url: Option<String>,
    pub work: PathBuf,
    pub provisions: usize,
    pub clients: usize,
    /// Requests each client sends per page (bounded also by `seconds`).
    pub requests: usize,
    pub seconds: u64,
}

struct Row {
    engine: &'static str,
    page: &'static str,
    stats: Stats,
}

struct Stats {
    requests: usize,
    errors: usize,
    first_error: String,
    per_second: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

/// One signed-in client's view of a provision: its staff's and its referring school's sessions.
struct Target {
    provision: i64,
    groups: Vec<i64>,
    pupils: Vec<i64>,
    staff_cookie: String,
    lead_cookie: String,
}

pub async fn pages(b: PagesBench) -> Result<()> {
    let today = chrono::Local::now().date_naive();
    let (csv, pupils, marks) = generate(b.la, b.year, &b.work)?;
    let mut engines = vec![Engine::Sqlite];
    if b.postgres_url.is_some() {
        engines.push(Engine::Postgres);
    }
    let mut rows = Vec::new();
    for engine in engines {
        let opened = Opened::open(engine, &b.work, b.postgres_url.as_deref().unwrap_or("")).await?;
        let op = Caller::system("bench");
        let started = Instant::now();
        let set = read_dated(&csv, b.year, today)?;
        let counts = opened.store.import_records(&op, &set, false, &mut |_| {}).await;
        let result = match counts {
            Ok(counts) => {
                println!("{}: imported {counts} in {:.2} s", engine.name(), started.elapsed().as_secs_f64());
                let a = activity(&opened.store, &set, b.provisions, today).await;
                drop(set);
                match a {
                    Ok(a) => {
                        println!("{}: {a}", engine.name());
                        serve_and_load(&b, engine, &opened.store, &a.provisions).await
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e.into()),
        };
        opened.close().await?;
        rows.extend(result?);
    }
    println!();
    println!(
        "LA {:03} {} ({pupils} pupils, {marks} marks), {} concurrent signed-in clients, {} requests each per page \
         (at most {} s), release build, server and clients in one process:",
        b.la, b.year, b.clients, b.requests, b.seconds
    );
    println!();
    println!("| engine | page | requests | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in &rows {
        let s = &r.stats;
        let errors = if s.errors == 0 { "none".to_string() } else { format!("{} ({})", s.errors, s.first_error) };
        println!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {errors} |",
            r.engine, r.page, s.requests, s.per_second, s.p50, s.p95, s.p99, s.max
        );
    }
    Ok(())
}

/// A user for `who`, signed in through the store as the sign-in page does; the session cookie.
async fn session(store: &Store, role: Role, email: &str) -> Result<String> {
    let op = Caller::system("bench");
    let password = crate::demo::PASSWORD;
    store
        .create_user(&op, NewUser { email: email.into(), display_name: email.into(), password: password.into(), role })
        .await?;
    match store.sign_in(email, password, Some("127.0.0.1")).await? {
        SignInOutcome::SignedIn(s) => Ok(format!("waymark_session={}", s.token)),
        other => bail!("signing in {email}: {other:?}"),
    }
}

async fn serve_and_load(b: &PagesBench, engine: Engine, store: &Store, provisions: &[Provision]) -> Result<Vec<Row>> {
    let mut targets = Vec::new();
    for p in provisions {
        let school = p.school;
        if p.pupils.is_empty() || p.groups.is_empty() {
            bail!("provision {} has no pupils or groups to measure", p.id);
        }
        targets.push(Target {
            provision: p.id,
            groups: p.groups.clone(),
            pupils: p.pupils.clone(),
            staff_cookie: session(store, Role::Setting(p.id), &format!("staff{}@bench.waymark.test", p.id)).await?,
            lead_cookie: session(store, Role::Setting(school), &format!("lead{}-{school}@bench.waymark.test", p.id))
                .await?,
        });
    }
    if targets.is_empty() {
        bail!("no provision to measure");
    }
    let targets = Arc::new(targets);
    store.warm_name_index().await?;
    let config = waymark_web::WebConfig {
        secure_cookies: false,
        timeouts: Default::default(),
        establishments: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let timeouts = config.timeouts;
    let server = tokio::spawn(waymark_web::serve_router(
        listener,
        waymark_web::app(store.clone(), config),
        timeouts,
        async move {
            let _ = stopped.await;
        },
    ));
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(b.clients).timeout(Duration::from_secs(30)).build()?;
    let base = format!("http://{addr}");
    type Url = fn(&Target, usize) -> (String, bool);
    let pages: [(&str, Url); 4] = [
        ("waiting list", |t, _| (format!("/provisions/{}/waiting-list", t.provision), true)),
        ("capacity (places and groups)", |t, _| (format!("/provisions/{}/capacity", t.provision), true)),
        ("group check-in (today)", |t, n| (format!("/groups/{}/checkin", t.groups[n % t.groups.len()]), true)),
        ("pupil journey (referring school)", |t, n| {
            (format!("/pupils/{}/journey", t.pupils[n % t.pupils.len().max(1)]), false)
        }),
    ];
    let mut rows = Vec::new();
    for (page, url) in pages {
        // A first request per target, outside the timing, to check the page answers at all.
        for t in targets.iter() {
            let (path, staff) = url(t, 0);
            let cookie = if staff { &t.staff_cookie } else { &t.lead_cookie };
            let r = client.get(format!("{base}{path}")).header("cookie", cookie).send().await?;
            if r.status() != 200 {
                bail!("{page}: {path} answered {}", r.status());
            }
        }
        let deadline = Instant::now() + Duration::from_secs(b.seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..b.clients {
            let (client, targets, base) = (client.clone(), targets.clone(), base.clone());
            let requests = b.requests;
            tasks.push(tokio::spawn(async move {
                let t = &targets[c % targets.len()];
                let mut times = Vec::with_capacity(requests);
                let mut errors = Vec::new();
                for n in 0..requests {
                    if Instant::now() > deadline {
                        break;
                    }
                    let (path, staff) = url(t, c / targets.len() + n * 7);
                    let cookie = if staff { &t.staff_cookie } else { &t.lead_cookie };
                    let sent = Instant::now();
                    let answer = client.get(format!("{base}{path}")).header("cookie", cookie).send().await;
                    let result = match answer {
                        Ok(r) if r.status() == 200 => r.bytes().await.map(|_| ()).map_err(|e| e.to_string()),
                        Ok(r) => Err(format!("{path}: {}", r.status())),
                        Err(e) => Err(e.to_string()),
                    };
                    times.push(sent.elapsed().as_secs_f64() * 1000.0);
                    if let Err(e) = result {
                        errors.push(e);
                    }
                }
                (times, errors)
            }));
        }
        let mut times = Vec::new();
        let mut errors = Vec::new();
        for task in tasks {
            let (t, e) = task.await.context("a client failed")?;
            times.extend(t);
            errors.extend(e);
        }
        let elapsed = started.elapsed().as_secs_f64();
        if times.is_empty() {
            bail!("{page}: no request was sent");
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
        let stats = Stats {
            requests: times.len(),
            errors: errors.len(),
            first_error: errors.first().cloned().unwrap_or_default(),
            per_second: times.len() as f64 / elapsed,
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: *times.last().unwrap_or(&0.0),
        };
        println!(
            "{} {page}: {} requests, {:.0}/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {} errors",
            engine.name(),
            stats.requests,
            stats.per_second,
            stats.p50,
            stats.p95,
            stats.p99,
            stats.max,
            stats.errors
        );
        rows.push(Row { engine: engine.name(), page, stats });
    }
    let _ = stop.send(());
    server.await??;
    Ok(rows)
}
