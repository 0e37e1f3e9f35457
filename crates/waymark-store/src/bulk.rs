//! Bulk upsert, the fast path of every import: rows go into a temporary staging table (by
//! `COPY` on PostgreSQL, by prepared multi-row inserts on SQLite), then one
//! `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE changed` moves them into the real table.
//! Counting the staged rows with no match first tells added from changed; rows neither added
//! nor changed are unchanged, so a re-import of the same files writes nothing.

use crate::engine::{on_tx, Tx};
use crate::StoreError;
use chrono::NaiveDate;
use std::fmt::Write as _;

/// A column's type, mapped to each engine's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    Date,
    Bool,
    Real,
    Bytes,
}

impl Kind {
    fn sql(self, postgres: bool) -> &'static str {
        match (self, postgres) {
            (Kind::Int, true) => "BIGINT",
            (Kind::Int, false) => "INTEGER",
            (Kind::Text, _) => "TEXT",
            (Kind::Date, true) => "DATE",
            (Kind::Date, false) => "TEXT",
            (Kind::Bool, true) => "BOOLEAN",
            (Kind::Bool, false) => "INTEGER",
            (Kind::Real, true) => "DOUBLE PRECISION",
            (Kind::Real, false) => "REAL",
            (Kind::Bytes, true) => "BYTEA",
            (Kind::Bytes, false) => "BLOB",
        }
    }
}

/// One value of a staged row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    Real(f64),
    Bytes(Vec<u8>),
    Null,
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<NaiveDate> for Val {
    fn from(v: NaiveDate) -> Val {
        Val::Date(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Real(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// A table as the bulk path writes it: its columns (in row order) and its natural key.
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The columns of a unique index: the upsert's conflict target.
    pub key: &'static [&'static str],
}

/// What one upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for Outcome {
    fn add_assign(&mut self, o: Outcome) {
        self.added += o.added;
        self.changed += o.changed;
        self.unchanged += o.unchanged;
    }
}

/// SQLite allows 32,766 bound values a statement; stay well inside it.
const SQLITE_VALUES_PER_STATEMENT: usize = 30_000;
const SQLITE_MAX_ROWS_PER_STATEMENT: usize = 500;

/// Upsert `rows` into `table` inside the import's transaction.
pub(crate) async fn upsert(tx: &mut Tx, table: &Table, rows: &[Vec<Val>]) -> Result<Outcome, StoreError> {
    if rows.is_empty() {
        return Ok(Outcome::default());
    }
    let started = std::time::Instant::now();
    let postgres = matches!(tx, Tx::Postgres(..));
    let stage = format!("stage_{}", table.name);
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
    let column_list = names.join(", ");
    let defs: Vec<String> = table.columns.iter().map(|(n, k)| format!("{n} {}", k.sql(postgres))).collect();
    let create = if postgres {
        format!("CREATE TEMP TABLE {stage} ({}) ON COMMIT DROP", defs.join(", "))
    } else {
        format!("CREATE TEMP TABLE {stage} ({})", defs.join(", "))
    };
    on_tx!(&mut *tx, c => {
        sqlx::query(&format!("DROP TABLE IF EXISTS {stage}")).execute(&mut *c).await.map(|_| ())?;
        sqlx::query(&create).execute(&mut *c).await.map(|_| ())
    })?;
    match tx {
        Tx::Postgres(t, _) => copy_into(&mut *t, &stage, &column_list, rows).await?,
        Tx::Sqlite(t, ..) => insert_into(&mut *t, &stage, &column_list, table.columns.len(), rows).await?,
    }
    let matches_key = table.key.iter().map(|k| format!("t.{k} = s.{k}")).collect::<Vec<_>>().join(" AND ");
    let count_new =
        format!("SELECT COUNT(*) FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE {matches_key})", table.name);
    let updated: Vec<&str> = names.iter().copied().filter(|n| !table.key.contains(n)).collect();
    let set = updated.iter().map(|n| format!("{n} = excluded.{n}")).collect::<Vec<_>>().join(", ");
    let differs =
        updated.iter().map(|n| format!("{}.{n} IS DISTINCT FROM excluded.{n}", table.name)).collect::<Vec<_>>();
    let on_conflict = if updated.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {set} WHERE {}", differs.join(" OR "))
    };
    // `WHERE true` keeps SQLite from reading ON CONFLICT as part of a join.
    let upsert = format!(
        "INSERT INTO {} ({column_list}) SELECT {column_list} FROM {stage} WHERE true ON CONFLICT ({}) {on_conflict}",
        table.name,
        table.key.join(", ")
    );
    let staged = started.elapsed();
    let (added, affected) = on_tx!(&mut *tx, c => {
        let added: i64 = sqlx::query_scalar(&count_new).fetch_one(&mut *c).await?;
        let affected = sqlx::query(&upsert).execute(&mut *c).await?.rows_affected();
        if !postgres {
            sqlx::query(&format!("DROP TABLE {stage}")).execute(&mut *c).await?;
        }
        Ok::<_, sqlx::Error>((added as u64, affected))
    })?;
    let changed = affected.saturating_sub(added);
    tracing::debug!(
        table = table.name,
        rows = rows.len(),
        staged_ms = staged.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "bulk upsert"
    );
    Ok(Outcome { added, changed, unchanged: rows.len() as u64 - added - changed })
}

/// PostgreSQL: stream the rows with `COPY … FROM STDIN` in text format, a megabyte at a time.
async fn copy_into(
    conn: &mut sqlx::PgConnection,
    stage: &str,
    columns: &str,
    rows: &[Vec<Val>],
) -> Result<(), StoreError> {
    let mut copy = conn.copy_in_raw(&format!("COPY {stage} ({columns}) FROM STDIN")).await?;
    let mut buf = String::with_capacity(1 << 20);
    for row in rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            copy_text(&mut buf, v);
        }
        buf.push('\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// One value in COPY's text format.
fn copy_text(buf: &mut String, v: &Val) {
    match v {
        Val::Null => buf.push_str("\\N"),
        Val::Int(i) => {
            let _ = write!(buf, "{i}");
        }
        Val::Real(r) => {
            let _ = write!(buf, "{r}");
        }
        Val::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
        Val::Date(d) => {
            let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
        }
        Val::Bytes(b) => {
            buf.push_str("\\\\x");
            buf.push_str(&hex::encode(b));
        }
        Val::Text(t) => {
            for ch in t.chars() {
                match ch {
                    '\\' => buf.push_str("\\\\"),
                    '\t' => buf.push_str("\\t"),
                    '\n' => buf.push_str("\\n"),
                    '\r' => buf.push_str("\\r"),
                    c => buf.push(c),
                }
            }
        }
    }
}

/// SQLite: prepared multi-row inserts, as many rows a statement as the bound-value limit allows.
async fn insert_into(
    conn: &mut sqlx::SqliteConnection,
    stage: &str,
    columns: &str,
    width: usize,
    rows: &[Vec<Val>],
) -> Result<(), StoreError> {
    let per_statement = (SQLITE_VALUES_PER_STATEMENT / width).clamp(1, SQLITE_MAX_ROWS_PER_STATEMENT);
    let one_row = format!("({})", vec!["?"; width].join(", "));
    for chunk in rows.chunks(per_statement) {
        let sql = format!("INSERT INTO {stage} ({columns}) VALUES {}", vec![one_row.as_str(); chunk.len()].join(", "));
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::Null => q.bind(None::<i64>),
                    Val::Int(i) => q.bind(*i),
                    Val::Real(r) => q.bind(*r),
                    Val::Bool(b) => q.bind(*b),
                    Val::Date(d) => q.bind(*d),
                    Val::Bytes(b) => q.bind(b.as_slice()),
                    Val::Text(t) => q.bind(t.as_str()),
                };
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
