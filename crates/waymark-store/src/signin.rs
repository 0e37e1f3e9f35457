//! Signing in: password checks that a burst can neither use to guess nor to exhaust memory.
//!
//! The rules, in the order a sign-in meets them:
//! 1. **Reserve an attempt** in one write transaction: prune failures older than the window,
//!    count this email's failures and this client address's failures inside the window, refuse
//!    if either is at its limit, otherwise record the attempt as a failure *before* checking the
//!    password. SQLite's writers are serialised (`BEGIN IMMEDIATE` and the writer mutex);
//!    PostgreSQL takes a self-conflicting table lock for these few milliseconds. So twenty
//!    parallel guesses for one email get exactly [`MAX_FAILURES`] password checks, never more.
//! 2. **Wait for a verification slot**: at most `max_concurrent_verifications` argon2 checks run
//!    at once (each holds its memory cost, 19 MiB by default), so a burst queues rather than
//!    exhausting memory. A request that waits longer than [`SLOT_WAIT`] is told to try later.
//! 3. **Check the password** (against a dummy hash of the same cost when the email is unknown,
//!    so timing does not reveal which accounts exist).
//! 4. On success, clear the email's failures, open the session, and rehash the password if the
//!    configured argon2 parameters have changed since it was stored.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx, Tx};
use crate::users::{random_token, sha256, SessionInfo, SignInOutcome, UserRow, SESSION_SECONDS, USER_COLUMNS};
use crate::{now_unix, Caller, Role, Store, StoreError};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Failed sign-ins allowed for one email address within [`LOCKOUT_WINDOW_SECONDS`].
pub const MAX_FAILURES: i64 = 5;
/// Failed sign-ins allowed from one client address (any emails) within the window: enough for
/// a school office behind one address, too few to try many accounts.
pub const MAX_CLIENT_FAILURES: i64 = 20;
pub const LOCKOUT_WINDOW_SECONDS: i64 = 15 * 60;
/// How long a sign-in waits for a verification slot before being told to try again.
pub const SLOT_WAIT: Duration = Duration::from_secs(20);

/// How passwords are hashed and how many may be checked at once. Set by the operator
/// (`waymark serve --argon2-memory-kib …`); stored hashes made with other parameters are
/// rehashed at their next successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Argon2id memory cost in KiB (OWASP's minimum, and argon2's default, is 19,456).
    pub memory_kib: u32,
    /// Argon2id passes over memory.
    pub iterations: u32,
    /// Argon2id lanes.
    pub parallelism: u32,
    /// Password checks allowed to run at once.
    pub max_concurrent_verifications: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            max_concurrent_verifications: std::thread::available_parallelism().map_or(2, |n| n.get()).max(2),
        }
    }
}

impl PasswordPolicy {
    fn params(&self) -> Result<Params, StoreError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| StoreError::Config(format!("argon2 parameters are not valid: {e}")))
    }

    /// Check the parameters and the verification cap before the server starts.
    pub fn validate(&self) -> Result<(), StoreError> {
        self.params()?;
        if self.max_concurrent_verifications == 0 {
            return Err(StoreError::Config("at least one password check must be allowed at a time".into()));
        }
        Ok(())
    }

    fn hasher(&self) -> Result<Argon2<'static>, StoreError> {
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params()?))
    }

    /// Was `hash` made with exactly these parameters?
    fn is_current(&self, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else { return false };
        let Ok(params) = Params::try_from(&parsed) else { return false };
        parsed.algorithm.as_str() == "argon2id"
            && (params.m_cost(), params.t_cost(), params.p_cost())
                == (self.memory_kib, self.iterations, self.parallelism)
    }
}

/// The sign-in machinery one store shares between its requests.
pub(crate) struct SignInGuard {
    policy: PasswordPolicy,
    slots: tokio::sync::Semaphore,
    running: AtomicUsize,
    /// The most checks ever seen running at once (the tests read it).
    peak: AtomicUsize,
    dummy: OnceLock<String>,
}

impl SignInGuard {
    pub(crate) fn new(policy: PasswordPolicy) -> Arc<SignInGuard> {
        Arc::new(SignInGuard {
            slots: tokio::sync::Semaphore::new(policy.max_concurrent_verifications),
            policy,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            dummy: OnceLock::new(),
        })
    }

    pub(crate) fn hash(&self, password: &str) -> Result<String, StoreError> {
        let salt = SaltString::generate(&mut OsRng);
        self.policy
            .hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Config(format!("password hashing failed: {e}")))
    }

    /// A hash of the configured cost to verify against when the email is unknown.
    fn dummy_hash(&self) -> Result<String, StoreError> {
        if let Some(h) = self.dummy.get() {
            return Ok(h.clone());
        }
        let h = self.hash("not a real password")?;
        Ok(self.dummy.get_or_init(|| h).clone())
    }

    /// Run `work` (an argon2 hash or check) in a slot, off the async threads.
    async fn in_slot<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, StoreError> {
        let Ok(Ok(_permit)) = tokio::time::timeout(SLOT_WAIT, self.slots.acquire()).await else {
            return Ok(None);
        };
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let result = tokio::task::spawn_blocking(work).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        result.map(Some).map_err(|e| StoreError::Config(format!("a password check failed to run: {e}")))
    }
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

fn anonymous() -> Caller {
    Caller { user_id: None, actor: "anonymous".into(), role: Role::Public }
}

/// Whole minutes until the oldest failure in the window leaves it.
fn minutes_until_clear(oldest: Option<i64>, now: i64) -> i64 {
    let wait = oldest.unwrap_or(now) + LOCKOUT_WINDOW_SECONDS - now;
    ((wait + 59) / 60).max(1)
}

impl Store {
    /// Set how passwords are hashed and how many checks may run at once (before serving).
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Result<Store, StoreError> {
        policy.validate()?;
        self.signin = SignInGuard::new(policy);
        Ok(self)
    }

    /// The most password checks that have run at once in this store (for tests and operators).
    pub fn peak_concurrent_password_checks(&self) -> usize {
        self.signin.peak.load(Ordering::SeqCst)
    }

    /// Check a password and, if right, open a session. `client` is the caller's network address
    /// (as text), for the per-address limit; see the module documentation for the rules.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<&str>,
    ) -> Result<SignInOutcome, StoreError> {
        let email = crate::users::normalise_email(email);
        let email_hash = sha256(&email);
        let client_hash = client.map(sha256);
        if let Some(locked) = self.reserve_attempt(&email_hash, client_hash.as_deref()).await? {
            return Ok(locked);
        }
        let row: Option<UserRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"))
                .bind(&email)
                .fetch_optional(p)
                .await
        })?;
        let stored = match row.as_ref().and_then(|r| r.password_hash.clone()) {
            Some(hash) => hash,
            None => self.signin.dummy_hash()?,
        };
        let pw = password.to_string();
        let checked = stored.clone();
        let Some(ok) = self.signin.in_slot(move || verify_password(&pw, &checked)).await? else {
            return Ok(SignInOutcome::Busy);
        };
        match (ok, row) {
            (true, Some(row)) => self.open_session(row, &email_hash, password, &stored).await,
            _ => {
                // The attempt is already recorded as a failure; only the audit entry remains.
                let mut tx = self.pool.begin_write().await?;
                let event = Event { action: "user.sign_in_failed", object_type: "user", object_id: "-".into() };
                audit::append(&mut tx, &anonymous(), event).await?;
                tx.commit().await?;
                Ok(SignInOutcome::WrongCredentials)
            }
        }
    }

    /// Step 1 of the rules: refuse (returning the outcome) or record this attempt as a failure.
    async fn reserve_attempt(
        &self,
        email_hash: &[u8],
        client_hash: Option<&[u8]>,
    ) -> Result<Option<SignInOutcome>, StoreError> {
        let now = now_unix();
        let since = now - LOCKOUT_WINDOW_SECONDS;
        let mut tx = self.pool.begin_write().await?;
        if let Tx::Postgres(t, _) = &mut tx {
            // SHARE ROW EXCLUSIVE conflicts with itself: reservations run one at a time.
            sqlx::query("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE").execute(&mut **t).await?;
        }
        let (by_email, oldest, by_client, oldest_client): (i64, Option<i64>, i64, Option<i64>) = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(since).execute(&mut *c).await?;
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM login_failures WHERE email_hash = $1 AND at > $3), \
                        (SELECT MIN(at) FROM login_failures WHERE email_hash = $1 AND at > $3), \
                        (SELECT COUNT(*) FROM login_failures WHERE client_hash = $2 AND at > $3), \
                        (SELECT MIN(at) FROM login_failures WHERE client_hash = $2 AND at > $3)",
            )
            .bind(email_hash)
            .bind(client_hash)
            .bind(since)
            .fetch_one(&mut *c)
            .await
        })?;
        let locked = if by_email >= MAX_FAILURES {
            Some(minutes_until_clear(oldest, now))
        } else if by_client >= MAX_CLIENT_FAILURES {
            Some(minutes_until_clear(oldest_client, now))
        } else {
            None
        };
        if locked.is_none() {
            on_tx!(&mut tx, c => {
                sqlx::query("INSERT INTO login_failures (email_hash, client_hash, at) VALUES ($1, $2, $3)")
                    .bind(email_hash)
                    .bind(client_hash)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await?;
        Ok(locked.map(|minutes| SignInOutcome::Locked { minutes }))
    }

    /// Step 4: the password was right.
    async fn open_session(
        &self,
        row: UserRow,
        email_hash: &[u8],
        password: &str,
        stored: &str,
    ) -> Result<SignInOutcome, StoreError> {
        let user = row.user()?;
        let rehashed = if self.signin.policy.is_current(stored) {
            None
        } else {
            let guard = self.signin.clone();
            let pw = password.to_string();
            match self.signin.in_slot(move || guard.hash(&pw)).await? {
                Some(hash) => Some(hash?),
                None => None, // Busy: keep the old hash and rehash at a later sign-in.
            }
        };
        let token = random_token();
        let csrf_token = random_token();
        let now = now_unix();
        let mut tx = self.pool.begin_write().await?;
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM login_failures WHERE email_hash = $1").bind(email_hash).execute(&mut *c).await?;
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *c).await?;
            if let Some(hash) = &rehashed {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(user.id)
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(sha256(&token))
            .bind(user.id)
            .bind(&csrf_token)
            .bind(now)
            .bind(now + SESSION_SECONDS)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        let caller = user.caller();
        let object_id = user.id.to_string();
        if rehashed.is_some() {
            let event = Event { action: "user.password_rehashed", object_type: "user", object_id: object_id.clone() };
            audit::append(&mut tx, &caller, event).await?;
        }
        audit::append(&mut tx, &caller, Event { action: "user.sign_in", object_type: "user", object_id }).await?;
        tx.commit().await?;
        Ok(SignInOutcome::SignedIn(SessionInfo { token, csrf_token, user }))
    }

    /// Failure rows held for the lockout (for tests: old ones are pruned).
    pub async fn login_failure_rows(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures").fetch_one(p).await
        })?)
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// Move every recorded failure `seconds` into the past (tests of the window and pruning).
    pub async fn backdate_login_failures(&self, seconds: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        on_tx!(&mut tx, c => {
            sqlx::query("UPDATE login_failures SET at = at - $1").bind(seconds).execute(c).await.map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }
}
