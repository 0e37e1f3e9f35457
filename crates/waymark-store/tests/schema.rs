//! The SQLite and PostgreSQL migrations must describe the same schema: the same tables,
//! columns (with matching types), nullability, primary keys and indexes. SQLite keeps dates as
//! ISO text and booleans as 0/1, so types are compared through a fixed mapping.

use sqlx::{Connection, Row};
use std::collections::BTreeMap;
use waymark_store::testing::TestDb;

/// table → column → (type as the other engine must spell it, not null)
type Columns = BTreeMap<String, BTreeMap<String, (String, bool)>>;
/// (table, columns in order, unique), primary keys excluded.
type Indexes = Vec<(String, Vec<String>, bool)>;
type PrimaryKeys = BTreeMap<String, Vec<String>>;

/// PostgreSQL's type as SQLite must declare it.
fn sqlite_equivalent(pg: &str) -> &'static str {
    match pg {
        "bigint" | "boolean" => "INTEGER",
        "text" | "date" => "TEXT",
        "bytea" => "BLOB",
        "double precision" => "REAL",
        other => panic!("PostgreSQL type {other} has no SQLite equivalent listed in this test"),
    }
}

async fn sqlite_schema(path: &std::path::Path) -> (Columns, PrimaryKeys, Indexes) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let (mut columns, mut keys, mut indexes) = (Columns::new(), PrimaryKeys::new(), Indexes::new());
    for t in tables {
        let mut pk: Vec<(i64, String)> = Vec::new();
        for row in sqlx::query(&format!("PRAGMA table_info({t})")).fetch_all(&mut c).await.unwrap() {
            let name: String = row.get("name");
            let declared: String = row.get("type");
            let pk_pos: i64 = row.get("pk");
            let not_null = row.get::<i64, _>("notnull") == 1 || pk_pos > 0;
            if pk_pos > 0 {
                pk.push((pk_pos, name.clone()));
            }
            columns.entry(t.clone()).or_default().insert(name, (declared.to_uppercase(), not_null));
        }
        pk.sort();
        keys.insert(t.clone(), pk.into_iter().map(|(_, n)| n).collect());
        for idx in sqlx::query(&format!("PRAGMA index_list({t})")).fetch_all(&mut c).await.unwrap() {
            let origin: String = idx.get("origin");
            if origin == "pk" {
                continue;
            }
            let name: String = idx.get("name");
            let unique = idx.get::<i64, _>("unique") == 1;
            let cols: Vec<String> = sqlx::query(&format!("PRAGMA index_info({name})"))
                .fetch_all(&mut c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("name"))
                .collect();
            indexes.push((t.clone(), cols, unique));
        }
    }
    indexes.sort();
    (columns, keys, indexes)
}

async fn postgres_schema(url: &str) -> (Columns, PrimaryKeys, Indexes) {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for r in rows {
        let ty: String = r.get("ty");
        columns
            .entry(r.get("t"))
            .or_default()
            .insert(r.get("c"), (sqlite_equivalent(&ty).to_string(), r.get::<String, _>("n") == "NO"));
    }
    let rows = sqlx::query(
        "SELECT t.relname::text AS t, i.indisunique AS u, i.indisprimary AS p, \
           ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(n, o) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o) AS cols \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE s.nspname = current_schema() AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let (mut keys, mut indexes) = (PrimaryKeys::new(), Indexes::new());
    for r in rows {
        let cols: Vec<String> = r.get("cols");
        if r.get::<bool, _>("p") {
            keys.insert(r.get("t"), cols);
        } else {
            indexes.push((r.get("t"), cols, r.get("u")));
        }
    }
    for t in columns.keys() {
        keys.entry(t.clone()).or_default();
    }
    indexes.sort();
    (columns, keys, indexes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_describe_the_same_schema() {
    let lite = TestDb::sqlite().await;
    let Some(pg) = TestDb::postgres().await else {
        // TestDb::postgres panics instead when PostgreSQL is required, as in CI.
        return;
    };
    let (lite_cols, lite_keys, lite_idx) = sqlite_schema(lite.sqlite_path.as_ref().unwrap()).await;
    let (pg_cols, pg_keys, pg_idx) = postgres_schema(&pg.url).await;
    assert!(lite_cols.len() >= 20, "every table is seen: {:?}", lite_cols.keys());
    assert_eq!(
        lite_cols.keys().collect::<Vec<_>>(),
        pg_cols.keys().collect::<Vec<_>>(),
        "the two engines have different tables"
    );
    for (table, cols) in &lite_cols {
        assert_eq!(cols, &pg_cols[table], "columns of {table} (SQLite left, PostgreSQL right)");
    }
    assert_eq!(lite_keys, pg_keys, "primary keys");
    assert_eq!(lite_idx, pg_idx, "indexes (SQLite left, PostgreSQL right)");
    lite.finish().await;
    pg.finish().await;
}
