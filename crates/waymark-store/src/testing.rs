//! Fresh stores for tests: a SQLite file in a temporary directory, or a PostgreSQL schema of its
//! own (so tests run in parallel without seeing each other's rows).
//!
//! PostgreSQL is found at `WAYMARK_TEST_POSTGRES_URL`, else at
//! `postgres://postgres@127.0.0.1:5432/test`. The one rule for every PostgreSQL test: if that
//! variable is set, or `WAYMARK_REQUIRE_POSTGRES=1` (as `.ci/run` sets), PostgreSQL must answer
//! and the test fails otherwise; if neither is set and nothing answers, the test is skipped
//! with a message.

use crate::{KeySource, Store};
use rand::Rng;
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The variable that turns an unreachable PostgreSQL into a test failure.
pub const REQUIRE_POSTGRES: &str = "WAYMARK_REQUIRE_POSTGRES";

/// Where the PostgreSQL tests connect, and whether they must: `(url, required)`.
pub fn postgres_target() -> (String, bool) {
    target_from(std::env::var("WAYMARK_TEST_POSTGRES_URL").ok(), waymark_testkit::required(REQUIRE_POSTGRES))
}

/// The rule, apart from the environment: a URL given is a URL that must answer.
fn target_from(url: Option<String>, require: bool) -> (String, bool) {
    let required = url.is_some() || require;
    (url.unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string()), required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_required_when_named_or_asked_for() {
        let default = DEFAULT_POSTGRES_URL.to_string();
        assert_eq!(target_from(None, false), (default.clone(), false));
        assert_eq!(target_from(None, true), (default, true));
        let given = "postgres://ci@db:5432/t".to_string();
        assert_eq!(target_from(Some(given.clone()), false), (given.clone(), true));
        assert_eq!(target_from(Some(given.clone()), true), (given, true));
    }
}

/// A store made for one test, and what is needed to find and remove it afterwards.
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with (a file path for SQLite, with the schema for PostgreSQL).
    pub url: String,
    pub key: KeySource,
    /// The SQLite database file, for tests that read the raw bytes.
    pub sqlite_path: Option<std::path::PathBuf>,
    dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let url = format!("sqlite://{}", path.display());
        let key = KeySource { env_value: None, file: dir.path().join("test.key") };
        let store = Store::open(&url, &key).await.expect("open SQLite store");
        TestDb { store, url, key, sqlite_path: Some(path), dir, schema: None }
    }

    /// A store in a new PostgreSQL schema, or `None` (with a message) if PostgreSQL is not
    /// reachable and not required (see [`postgres_target`]); a panic if it is required.
    pub async fn postgres() -> Option<TestDb> {
        let (base, required) = postgres_target();
        let mut admin = match sqlx::PgConnection::connect(&base).await {
            Ok(c) => c,
            Err(e) if !required => {
                eprintln!(
                    "PostgreSQL not reachable at {base} ({e}): PostgreSQL test skipped \
                     (set {REQUIRE_POSTGRES}=1 to make this a failure)"
                );
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is required (WAYMARK_TEST_POSTGRES_URL or {REQUIRE_POSTGRES}=1 is set) \
                 but did not answer at {base}: {e}"
            ),
        };
        let schema = format!("wm_test_{:016x}", rand::thread_rng().gen::<u64>());
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.expect("create schema");
        let _ = admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let dir = tempfile::tempdir().expect("temp dir");
        let key = KeySource { env_value: None, file: dir.path().join("test.key") };
        let store = Store::open(&url, &key).await.expect("open PostgreSQL store");
        Some(TestDb { store, url, key, sqlite_path: None, dir, schema: Some((base, schema)) })
    }

    /// The temporary directory holding the key (and the SQLite file).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Close the store and drop the PostgreSQL schema.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((base, schema)) = self.schema {
            if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut c).await;
            }
        }
    }
}

/// Run a test body against SQLite and, where reachable, PostgreSQL: `both_backends!(name);`
/// expands to a module `name` with tests `sqlite` and `postgres` calling `name(&TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::sqlite().await;
                super::$name(&db).await;
                db.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::testing::TestDb::postgres().await {
                    super::$name(&db).await;
                    db.finish().await;
                }
            }
        }
    )*};
}

impl Store {
    /// Run raw SQL, bypassing scopes and audit: only for tests that tamper with the database.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        Ok(crate::engine::on_pool!(&self.pool, p => sqlx::query(sql).execute(p).await?.rows_affected()))
    }

    /// Rewrite every pupil's identifiers in format 1 (bound to their column only) and the key
    /// check to match: the database as it was before identifiers were bound to their rows.
    pub async fn make_identifiers_unbound(&self) -> Result<(), crate::StoreError> {
        use crate::crypto::PupilField;
        for field in PupilField::ALL {
            let col = field.column();
            let rows: Vec<(i64, Vec<u8>, Option<Vec<u8>>)> = crate::engine::on_pool!(&self.pool, p => {
                sqlx::query_as(&format!("SELECT id, upn_hash, {col} FROM pupils")).fetch_all(p).await
            })?;
            for (id, upn_hash, value) in rows {
                let Some(value) = value else { continue };
                let text = self.crypto.open_pupil(field, &upn_hash, id, &value)?;
                let old = self.crypto.encrypt(field.legacy_label(), text.as_bytes());
                crate::engine::on_pool!(&self.pool, p => {
                    sqlx::query(&format!("UPDATE pupils SET {col} = $1 WHERE id = $2")).bind(old).bind(id).execute(p).await.map(|r| r.rows_affected())
                })?;
            }
        }
        let check = self.crypto.encrypt("key_check", crate::keyfile::CHECK_PLAINTEXT);
        crate::engine::on_pool!(&self.pool, p => {
            sqlx::query("UPDATE meta SET value = $1 WHERE key = 'key_check'").bind(check).execute(p).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The format byte of every stored pupil identifier.
    pub async fn pupil_ciphertext_formats(&self) -> Result<Vec<u8>, sqlx::Error> {
        let mut formats = Vec::new();
        for field in crate::crypto::PupilField::ALL {
            let values: Vec<Option<Vec<u8>>> = crate::engine::on_pool!(&self.pool, p => {
                sqlx::query_scalar(&format!("SELECT {} FROM pupils", field.column())).fetch_all(p).await
            })?;
            formats.extend(values.into_iter().flatten().map(|v| v[0]));
        }
        Ok(formats)
    }

    /// Every stored cell that could hold text, as raw bytes, with its table and column: every
    /// column of every table on SQLite (its types are dynamic), every text, character, JSON and
    /// bytea column of every table in the schema on PostgreSQL. For tests that look for plaintext.
    pub async fn raw_text_cells(&self) -> Result<Vec<RawCell>, sqlx::Error> {
        use sqlx::Row;
        let mut cells = Vec::new();
        match &self.pool {
            crate::engine::Pool::Sqlite(p, ..) => {
                let columns: Vec<(String, String)> = sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
                )
                .fetch_all(p)
                .await?;
                for (table, column) in columns {
                    let sql =
                        format!("SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL");
                    for row in sqlx::query(&sql).fetch_all(p).await? {
                        cells.push(RawCell { table: table.clone(), column: column.clone(), bytes: row.get(0) });
                    }
                }
            }
            crate::engine::Pool::Postgres(p, _) => {
                let columns: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT c.table_name::text, c.column_name::text, c.data_type::text \
                     FROM information_schema.columns c JOIN information_schema.tables t \
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                       AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea') \
                     ORDER BY c.table_name, c.ordinal_position",
                )
                .fetch_all(p)
                .await?;
                for (table, column, kind) in columns {
                    // bytea as its bytes (a cast to text would show hex and hide plaintext).
                    let value = if kind == "bytea" {
                        format!("\"{column}\"")
                    } else {
                        format!("convert_to(CAST(\"{column}\" AS TEXT), 'UTF8')")
                    };
                    let sql = format!("SELECT {value} FROM \"{table}\" WHERE \"{column}\" IS NOT NULL");
                    for row in sqlx::query(&sql).fetch_all(p).await? {
                        cells.push(RawCell { table: table.clone(), column: column.clone(), bytes: row.get(0) });
                    }
                }
            }
        }
        Ok(cells)
    }
}

/// One stored value, as [`Store::raw_text_cells`] reads it.
#[derive(Debug, Clone)]
pub struct RawCell {
    pub table: String,
    pub column: String,
    pub bytes: Vec<u8>,
}

impl RawCell {
    /// Whether `needle` occurs in the value, ignoring ASCII case.
    pub fn contains(&self, needle: &str) -> bool {
        let n = needle.as_bytes();
        !n.is_empty() && self.bytes.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    }
}

fn pupil_template(_today: chrono::NaiveDate) -> waymark_domain::NewPupil {
    use waymark_domain::*;
    NewPupil {
        upn: Upn::from_body("202120024000").unwrap(),
        legal_forename: String::new(),
        legal_surname: String::new(),
        preferred_forename: None,
        preferred_surname: None,
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2010, 6, 1).unwrap(),
        sex: Sex::Female,
        fsm_eligible: true,
        sen: SenProvision::SenSupport,
        child_in_need: true,
        looked_after: false,
        ethnicity: None,
    }
}

/// A small world for scope tests: two LAs, a trust across them, an internal AP unit.
pub struct World {
    pub la_a: u16,
    pub la_b: u16,
    pub school_a: i64,
    pub unit_a: i64,
    pub school_a2: i64,
    pub school_b: i64,
    pub trust: i64,
    /// (pupil id, setting id) for one pupil at each setting.
    pub pupils: Vec<(i64, i64)>,
    /// A pupil enrolled in two scopes at once: at the internal unit in LA A and, dual
    /// registered, at the trust's school in LA B. Surname "Evans".
    pub mover: (i64, [i64; 2]),
}

/// The surnames of [`World::all_pupils`], in the same order.
pub const WORLD_SURNAMES: [&str; 5] = ["Adeyemi", "Brown", "Chowdhury", "Davies", "Evans"];

impl World {
    /// Build it through the public API, as the command-line operator.
    pub async fn build(store: &Store) -> World {
        use chrono::NaiveDate;
        use waymark_domain::*;
        let op = crate::Caller::system("test");
        let setting = |name: &str, kind, la, parent| NewSetting {
            name: name.into(),
            urn: None,
            kind,
            la_number: la,
            parent_id: parent,
        };
        let school_a = store
            .create_setting(&op, setting("Ash Grove Academy", SettingKind::Mainstream, 202, None))
            .await
            .unwrap()
            .id;
        let unit_a = store
            .create_setting(&op, setting("Ash Grove Inclusion Unit", SettingKind::InternalApUnit, 202, Some(school_a)))
            .await
            .unwrap()
            .id;
        let school_a2 = store
            .create_setting(&op, setting("Camden PRU", SettingKind::PupilReferralUnit, 202, None))
            .await
            .unwrap()
            .id;
        let school_b =
            store.create_setting(&op, setting("Greenwich High", SettingKind::Mainstream, 203, None)).await.unwrap().id;
        let trust = store.create_trust(&op, "Bridge Trust", &[school_a2, school_b]).await.unwrap();
        let today = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
        let mut pupils = Vec::new();
        for (i, setting_id) in [school_a, unit_a, school_a2, school_b].into_iter().enumerate() {
            let upn = Upn::from_body(&format!("20212002400{i}")).unwrap();
            let pupil = NewPupil {
                upn,
                legal_forename: format!("Pupil{i}"),
                legal_surname: ["Adeyemi", "Brown", "Chowdhury", "Davies"][i].into(),
                preferred_forename: None,
                preferred_surname: None,
                date_of_birth: NaiveDate::from_ymd_opt(2010, 5, 1 + i as u32).unwrap(),
                sex: Sex::Male,
                fsm_eligible: i % 2 == 0,
                sen: SenProvision::None,
                child_in_need: false,
                looked_after: false,
                ethnicity: None,
            };
            let first = NewEnrolment {
                pupil_id: 0,
                setting_id,
                start: NaiveDate::from_ymd_opt(2023, 9, 1).unwrap(),
                end: None,
                registration: RegistrationType::Single,
                leaving_reason: None,
            };
            pupils.push((store.create_pupil(&op, &pupil, &first, today).await.unwrap(), setting_id));
        }
        let mover = NewPupil {
            upn: Upn::from_body("202120024005").unwrap(),
            legal_forename: "Pupil4".into(),
            legal_surname: "Evans".into(),
            ..pupil_template(today)
        };
        let first = NewEnrolment {
            pupil_id: 0,
            setting_id: unit_a,
            start: NaiveDate::from_ymd_opt(2023, 9, 1).unwrap(),
            end: None,
            registration: RegistrationType::DualSubsidiary,
            leaving_reason: None,
        };
        let mover_id = store.create_pupil(&op, &mover, &first, today).await.unwrap();
        store
            .add_enrolment(
                &op,
                &NewEnrolment {
                    pupil_id: mover_id,
                    setting_id: school_b,
                    registration: RegistrationType::DualMain,
                    ..first
                },
            )
            .await
            .unwrap();
        World {
            la_a: 202,
            la_b: 203,
            school_a,
            unit_a,
            school_a2,
            school_b,
            trust,
            pupils,
            mover: (mover_id, [unit_a, school_b]),
        }
    }

    /// Every pupil in the world, in the order of [`WORLD_SURNAMES`].
    pub fn all_pupils(&self) -> Vec<i64> {
        self.pupils.iter().map(|(p, _)| *p).chain([self.mover.0]).collect()
    }

    /// The pupils each role may see, by the rules: the oracle the scope tests check against.
    pub fn visible_to(&self, role: crate::Role) -> Vec<i64> {
        use crate::Role;
        let settings: Vec<i64> = match role {
            Role::Admin => vec![self.school_a, self.unit_a, self.school_a2, self.school_b],
            Role::La(la) if la == self.la_a => vec![self.school_a, self.unit_a, self.school_a2],
            Role::La(la) if la == self.la_b => vec![self.school_b],
            Role::Trust(t) if t == self.trust => vec![self.school_a2, self.school_b],
            Role::Setting(s) if s == self.school_a => vec![self.school_a, self.unit_a],
            Role::Setting(s) => vec![s],
            _ => vec![],
        };
        let mut ids: Vec<i64> = self.pupils.iter().filter(|(_, s)| settings.contains(s)).map(|(p, _)| *p).collect();
        if self.mover.1.iter().any(|s| settings.contains(s)) {
            ids.push(self.mover.0);
        }
        ids
    }

    /// Every role worth testing in this world, including an LA with no settings.
    pub fn roles(&self) -> Vec<crate::Role> {
        use crate::Role;
        vec![
            Role::Admin,
            Role::La(self.la_a),
            Role::La(self.la_b),
            Role::La(204),
            Role::Trust(self.trust),
            Role::Setting(self.school_a),
            Role::Setting(self.unit_a),
            Role::Setting(self.school_a2),
            Role::Setting(self.school_b),
            Role::Public,
        ]
    }
}
