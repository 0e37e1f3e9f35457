//! Accounts and sessions held in the store. Signing in (password checks and their limits) is in
//! `signin`.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::{now_unix, Caller, Role, Store, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};
use waymark_domain::ValidationErrors;

/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 8 * 60 * 60;
pub use crate::signin::{LOCKOUT_WINDOW_SECONDS, MAX_CLIENT_FAILURES, MAX_FAILURES};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The name of the trust or setting the role is scoped to, where the query fetched it.
    pub scope_name: Option<String>,
}

impl User {
    pub fn caller(&self) -> Caller {
        Caller { user_id: Some(self.id), actor: self.email.clone(), role: self.role }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

/// A signed-in session: the bearer token (only ever in the cookie) and its CSRF token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
}

#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn(SessionInfo),
    WrongCredentials,
    /// Too many failures: try again after this many minutes.
    Locked {
        minutes: i64,
    },
    /// Every password-check slot stayed busy (a burst of sign-ins): try again shortly.
    Busy,
}

pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A user as stored, with whatever extra columns a query adds (`None` where it adds none).
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    scope_la: Option<i64>,
    scope_id: Option<i64>,
    #[sqlx(default)]
    pub(crate) password_hash: Option<String>,
    #[sqlx(default)]
    csrf_token: Option<String>,
    #[sqlx(default)]
    scope_name: Option<String>,
}

impl UserRow {
    pub(crate) fn user(&self) -> Result<User, StoreError> {
        Ok(User {
            id: self.id,
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            scope_name: self.scope_name.clone(),
            role: Role::from_columns(&self.role, self.scope_la, self.scope_id)
                .ok_or_else(|| StoreError::Config(format!("unknown role {:?} in users", self.role)))?,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.scope_la, u.scope_id";

impl Store {
    /// Create an account (administrators only). Passwords need at least 12 characters.
    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<User, StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        let email = normalise_email(&new.email);
        let mut errors = ValidationErrors::default();
        if !email.contains('@') || email.len() > 254 || email.contains(char::is_whitespace) {
            errors.push("email", "Enter an email address in the right format, like name@example.org");
        }
        if new.display_name.trim().is_empty() {
            errors.push("display_name", "Enter the person's name");
        }
        if new.password.chars().count() < 12 {
            errors.push("password", "A password must be at least 12 characters long");
        }
        if new.role == Role::Public {
            errors
                .push("role", "The public role is for visitors who do not sign in; choose admin, la, trust or setting");
        }
        errors.into_result(())?;
        let password = new.password.clone();
        let guard = self.signin.clone();
        let hash = tokio::task::spawn_blocking(move || guard.hash(&password))
            .await
            .map_err(|e| StoreError::Config(e.to_string()))??;
        let (role, la, scope_id) = new.role.to_columns();
        let mut tx = self.pool.begin_write().await?;
        let exists: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(c).await
        })?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("a user with the email {email} already exists")));
        }
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, role, scope_la, scope_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&email)
            .bind(new.display_name.trim())
            .bind(&hash)
            .bind(role)
            .bind(la)
            .bind(scope_id)
            .bind(now_unix())
            .fetch_one(c)
            .await
        })?;
        audit::append(&mut tx, caller, Event { action: "user.create", object_type: "user", object_id: id.to_string() })
            .await?;
        tx.commit().await?;
        Ok(User { id, email, display_name: new.display_name.trim().to_string(), role: new.role, scope_name: None })
    }

    /// The live session for a bearer token, if any. Only the token's hash is stored.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, COALESCE(st.name, tr.name) AS scope_name \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN settings st ON u.role = 'setting' AND st.id = u.scope_id \
             LEFT JOIN trusts tr ON u.role = 'trust' AND tr.id = u.scope_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        let row: Option<UserRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&sql).bind(sha256(token)).bind(now_unix()).fetch_optional(p).await
        })?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(SessionInfo {
                token: token.to_string(),
                csrf_token: row.csrf_token.clone().unwrap_or_default(),
                user: row.user()?,
            })),
        }
    }

    /// End a session.
    pub async fn sign_out(&self, session: &SessionInfo) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_write().await?;
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(sha256(&session.token)).execute(c).await.map(|r| r.rows_affected())
        })?;
        audit::append(
            &mut tx,
            &session.user.caller(),
            Event { action: "user.sign_out", object_type: "user", object_id: session.user.id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every account (administrators only), for `waymark admin list-users`.
    pub async fn list_users(&self, caller: &Caller) -> Result<Vec<User>, StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        let rows: Vec<UserRow> = on_pool!(&self.pool, p => {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.email")).fetch_all(p).await
        })?;
        rows.iter().map(UserRow::user).collect()
    }
}
