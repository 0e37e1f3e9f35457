//! Signing in under attack, on SQLite and PostgreSQL: the lockout holds under concurrency, one
//! client address cannot try many accounts, argon2 checks are capped, old failures are pruned,
//! and changed argon2 parameters rehash a password at its next sign-in.

use waymark_store::testing::TestDb;
use waymark_store::users::{LOCKOUT_WINDOW_SECONDS, MAX_CLIENT_FAILURES, MAX_FAILURES};
use waymark_store::{both_backends, Caller, NewUser, PasswordPolicy, Role, SignInOutcome, Store};

both_backends!(
    lockout_holds_under_concurrency,
    one_address_cannot_try_many_accounts,
    password_checks_are_capped,
    old_failures_are_pruned,
    changed_parameters_rehash_at_sign_in
);

const PASSWORD: &str = "correct horse battery";

/// Cheap argon2 for tests that make many checks; the cap is what they measure.
fn cheap(max_checks: usize) -> PasswordPolicy {
    PasswordPolicy { memory_kib: 1024, iterations: 1, parallelism: 1, max_concurrent_verifications: max_checks }
}

async fn add_user(store: &Store, email: &str) {
    let new =
        NewUser { email: email.into(), display_name: "Lead".into(), password: PASSWORD.into(), role: Role::La(202) };
    store.create_user(&Caller::system("test"), new).await.unwrap();
}

/// Counts of (wrong, locked, other) outcomes.
fn tally(outcomes: &[SignInOutcome]) -> (usize, usize, usize) {
    let wrong = outcomes.iter().filter(|o| matches!(o, SignInOutcome::WrongCredentials)).count();
    let locked = outcomes.iter().filter(|o| matches!(o, SignInOutcome::Locked { .. })).count();
    (wrong, locked, outcomes.len() - wrong - locked)
}

async fn attempts(store: &Store, tries: Vec<(String, Option<String>)>) -> Vec<SignInOutcome> {
    let mut handles = Vec::new();
    for (email, client) in tries {
        let store = store.clone();
        handles.push(tokio::spawn(
            async move { store.sign_in(&email, "wrong password", client.as_deref()).await.unwrap() },
        ));
    }
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.await.unwrap());
    }
    outcomes
}

/// Twenty parallel wrong passwords for one email: exactly the limit are checked, the rest locked,
/// and then even the right password is refused.
async fn lockout_holds_under_concurrency(db: &TestDb) {
    let store = db.store.clone().with_password_policy(cheap(4)).unwrap();
    add_user(&store, "lead@example.org").await;
    let tries = (0..20).map(|i| ("lead@example.org".to_string(), Some(format!("10.0.0.{i}")))).collect();
    let (wrong, locked, other) = tally(&attempts(&store, tries).await);
    assert_eq!((wrong, locked, other), (MAX_FAILURES as usize, 20 - MAX_FAILURES as usize, 0));
    assert!(matches!(store.sign_in("lead@example.org", PASSWORD, None).await.unwrap(), SignInOutcome::Locked { .. }));
}

/// One address trying many accounts is stopped after its own limit; another address is not.
async fn one_address_cannot_try_many_accounts(db: &TestDb) {
    let store = db.store.clone().with_password_policy(cheap(4)).unwrap();
    let limit = MAX_CLIENT_FAILURES as usize;
    let tries = (0..limit + 5).map(|i| (format!("user{i}@example.org"), Some("192.0.2.7".to_string()))).collect();
    let (wrong, locked, _) = tally(&attempts(&store, tries).await);
    assert_eq!((wrong, locked), (limit, 5));
    let elsewhere = store.sign_in("someone@example.org", "wrong password", Some("198.51.100.1")).await.unwrap();
    assert!(matches!(elsewhere, SignInOutcome::WrongCredentials), "{elsewhere:?}");
}

/// However many sign-ins arrive at once, no more than the cap are hashing at the same moment.
async fn password_checks_are_capped(db: &TestDb) {
    let store = db.store.clone().with_password_policy(cheap(2)).unwrap();
    let tries = (0..12).map(|i| (format!("u{i}@example.org"), Some(format!("203.0.113.{i}")))).collect();
    let (wrong, _, _) = tally(&attempts(&store, tries).await);
    assert_eq!(wrong, 12);
    let peak = store.peak_concurrent_password_checks();
    assert!((1..=2).contains(&peak), "peak of {peak} checks at once, cap 2");
}

/// Failures older than the window are deleted by the next attempt, and no longer count.
async fn old_failures_are_pruned(db: &TestDb) {
    let store = db.store.clone().with_password_policy(cheap(2)).unwrap();
    add_user(&store, "lead@example.org").await;
    let tries = (0..MAX_FAILURES).map(|_| ("lead@example.org".to_string(), None)).collect();
    attempts(&store, tries).await;
    assert_eq!(store.login_failure_rows().await.unwrap(), MAX_FAILURES);
    store.backdate_login_failures(LOCKOUT_WINDOW_SECONDS + 1).await.unwrap();
    match store.sign_in("lead@example.org", PASSWORD, None).await.unwrap() {
        SignInOutcome::SignedIn(_) => {}
        other => panic!("the window has passed, so sign-in should work: {other:?}"),
    }
    assert_eq!(store.login_failure_rows().await.unwrap(), 0, "old rows pruned, this email's cleared");
}

/// A password hashed with old parameters is rehashed (and audited) at its next sign-in, once.
async fn changed_parameters_rehash_at_sign_in(db: &TestDb) {
    add_user(&db.store, "lead@example.org").await; // default parameters
    let changed = db.store.clone().with_password_policy(cheap(2)).unwrap();
    let rehashes = |store: Store| async move {
        let log = store.list_audit(&Caller::system("test"), 1000, 0).await.unwrap();
        log.iter().filter(|e| e.action == "user.password_rehashed").count()
    };
    for expected in [1, 1] {
        assert!(matches!(
            changed.sign_in("lead@example.org", PASSWORD, None).await.unwrap(),
            SignInOutcome::SignedIn(_)
        ));
        assert_eq!(rehashes(changed.clone()).await, expected);
    }
    assert!(PasswordPolicy { max_concurrent_verifications: 0, ..cheap(1) }.validate().is_err());
    assert!(PasswordPolicy { memory_kib: 1, ..cheap(1) }.validate().is_err());
}
