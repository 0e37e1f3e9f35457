//! Who is asking, and what they may see. The store turns a [`Role`] into a SQL condition on
//! settings; pupils are visible through their enrolments at settings in scope.

use std::fmt;

/// A role and its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything (service administrators).
    Admin,
    /// One local authority: every setting in its area (by DfE LA number).
    La(u16),
    /// A multi-academy trust: a set of settings and their internal units.
    Trust(i64),
    /// One school or provision, and its internal AP units.
    Setting(i64),
    /// No sign-in: aggregates only, never a pupil.
    Public,
}

impl Role {
    /// The stored form: (role, scope_la, scope_id).
    pub fn to_columns(self) -> (&'static str, Option<i64>, Option<i64>) {
        match self {
            Role::Admin => ("admin", None, None),
            Role::La(n) => ("la", Some(i64::from(n)), None),
            Role::Trust(id) => ("trust", None, Some(id)),
            Role::Setting(id) => ("setting", None, Some(id)),
            Role::Public => ("public", None, None),
        }
    }

    pub fn from_columns(role: &str, la: Option<i64>, id: Option<i64>) -> Option<Role> {
        match (role, la, id) {
            ("admin", _, _) => Some(Role::Admin),
            ("la", Some(n), _) => u16::try_from(n).ok().map(Role::La),
            ("trust", _, Some(id)) => Some(Role::Trust(id)),
            ("setting", _, Some(id)) => Some(Role::Setting(id)),
            ("public", _, _) => Some(Role::Public),
            _ => None,
        }
    }

    /// A SQL condition that is true for rows of `settings` (aliased `alias`) within this scope.
    /// The scope's parameter, if any, is written as `$n`; bind the returned value there.
    pub(crate) fn setting_condition(self, alias: &str, n: usize) -> (String, Option<i64>) {
        match self {
            Role::Admin => ("1 = 1".into(), None),
            Role::La(la) => (format!("{alias}.la_number = ${n}"), Some(i64::from(la))),
            Role::Trust(t) => (
                format!(
                    "({alias}.id IN (SELECT setting_id FROM trust_settings WHERE trust_id = ${n}) \
                     OR {alias}.parent_id IN (SELECT setting_id FROM trust_settings WHERE trust_id = ${n}))"
                ),
                Some(t),
            ),
            Role::Setting(id) => (format!("({alias}.id = ${n} OR {alias}.parent_id = ${n})"), Some(id)),
            Role::Public => ("1 = 0".into(), None),
        }
    }

    /// A SQL condition true for pupils (aliased `p`) enrolled, now or in the past, at a setting
    /// in scope. A school keeps sight of the pupils it moved out: it stays accountable for them.
    pub(crate) fn pupil_condition(self, n: usize) -> (String, Option<i64>) {
        if self == Role::Admin {
            return ("1 = 1".into(), None);
        }
        let (cond, bind) = self.setting_condition("ss", n);
        (
            format!("EXISTS (SELECT 1 FROM enrolments se JOIN settings ss ON ss.id = se.setting_id WHERE se.pupil_id = p.id AND {cond})"),
            bind,
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::La(n) => write!(f, "la:{n:03}"),
            Role::Trust(id) => write!(f, "trust:{id}"),
            Role::Setting(id) => write!(f, "setting:{id}"),
            Role::Public => f.write_str("public"),
        }
    }
}

/// The caller of a store function: who (for the audit log) and with what scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Option<i64>,
    /// How the audit log names this caller: a user's email, or `system:…` for the command line.
    pub actor: String,
    pub role: Role,
}

impl Caller {
    /// The operator at the command line (`waymark admin …`, `waymark demo`): full access, audited.
    pub fn system(what: &str) -> Caller {
        Caller { user_id: None, actor: format!("system:{what}"), role: Role::Admin }
    }

    /// A visitor who has not signed in.
    pub fn public() -> Caller {
        Caller { user_id: None, actor: "public".into(), role: Role::Public }
    }
}

/// A value bound into a query built with [`SqlBuilder`].
pub(crate) enum Arg {
    Int(i64),
    Bytes(Vec<u8>),
    /// A date: a real `DATE` on PostgreSQL, ISO text on SQLite (sqlx encodes it so on each).
    Date(chrono::NaiveDate),
}

/// Builds SQL with numbered `$n` placeholders (understood by both SQLite and PostgreSQL) and
/// with the caller's scope spliced in, so numbering stays right whether or not a scope binds a value.
/// Bind its values to a query on either engine with [`bind_args!`].
pub(crate) struct SqlBuilder {
    sql: String,
    args: Vec<Arg>,
}

impl SqlBuilder {
    pub fn new(sql: &str) -> SqlBuilder {
        SqlBuilder { sql: sql.to_string(), args: Vec::new() }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Put `sql` (which binds nothing) before what is built so far: to wrap a built query as a
    /// subquery.
    pub fn prepend(&mut self, sql: &str) -> &mut Self {
        self.sql.insert_str(0, sql);
        self
    }

    /// Bind a date (never spliced into the SQL text).
    pub fn date(&mut self, day: chrono::NaiveDate) -> &mut Self {
        self.bind(Arg::Date(day))
    }

    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.sql.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Append the condition that keeps settings (aliased `alias`) within `role`'s scope.
    pub fn settings_in_scope(&mut self, role: Role, alias: &str) -> &mut Self {
        let (cond, bind) = role.setting_condition(alias, self.args.len() + 1);
        self.splice(cond, bind)
    }

    /// Append the condition that keeps pupils (aliased `p`) within `role`'s scope.
    pub fn pupils_in_scope(&mut self, role: Role) -> &mut Self {
        let (cond, bind) = role.pupil_condition(self.args.len() + 1);
        self.splice(cond, bind)
    }

    fn splice(&mut self, cond: String, bind: Option<i64>) -> &mut Self {
        self.sql.push_str(&cond);
        if let Some(v) = bind {
            self.args.push(Arg::Int(v));
        }
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

/// `bind_args!(sqlx::query_as::<_, Row>(b.sql()), b)`: bind a builder's values in order, on
/// whichever engine the query is for.
macro_rules! bind_args {
    ($query:expr, $builder:expr) => {{
        let mut q = $query;
        for arg in $builder.args() {
            q = match arg {
                $crate::scope::Arg::Int(v) => q.bind(*v),
                $crate::scope::Arg::Bytes(v) => q.bind(v.as_slice()),
                $crate::scope::Arg::Date(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub(crate) use bind_args;
