//! Settings and trusts. Settings are listed through the caller's scope like everything else.

use crate::audit::{self, Event};
use crate::engine::{on_pool, on_tx};
use crate::scope::{bind_args, Arg, SqlBuilder};
use crate::{Caller, Role, Store, StoreError};
use waymark_domain::{LocalAuthority, NewSetting, Setting, SettingKind, Urn, ValidationErrors};

const COLUMNS: &str = "s.id, s.name, s.urn, s.kind, s.la_number, s.parent_id";

#[derive(sqlx::FromRow)]
pub(crate) struct SettingRow {
    id: i64,
    name: String,
    urn: Option<i64>,
    kind: String,
    la_number: i64,
    parent_id: Option<i64>,
}

impl SettingRow {
    pub(crate) fn into_setting(self) -> Result<Setting, StoreError> {
        Ok(Setting {
            id: self.id,
            name: self.name,
            urn: self.urn.and_then(|u| Urn::parse(&u.to_string()).ok()),
            kind: SettingKind::from_code(&self.kind)
                .ok_or_else(|| StoreError::Config(format!("unknown setting kind {:?}", self.kind)))?,
            la: u16::try_from(self.la_number)
                .ok()
                .and_then(LocalAuthority::by_number)
                .ok_or_else(|| StoreError::Config(format!("unknown LA number {}", self.la_number)))?,
            parent_id: self.parent_id,
        })
    }
}

/// Whether `role` may create or change settings in LA `la_number`.
fn may_manage_settings_in(role: Role, la_number: u16) -> bool {
    matches!(role, Role::Admin) || role == Role::La(la_number)
}

impl Store {
    /// Create a setting (administrators, or an LA for its own area). An internal AP unit must
    /// belong to a mainstream or special school in the same LA.
    pub async fn create_setting(&self, caller: &Caller, new: NewSetting) -> Result<Setting, StoreError> {
        new.validate()?;
        if !may_manage_settings_in(caller.role, new.la_number) {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.pool.begin_write().await?;
        if let Some(parent_id) = new.parent_id {
            let parent: Option<SettingRow> = on_tx!(&mut tx, c => {
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM settings s WHERE s.id = $1"))
                    .bind(parent_id)
                    .fetch_optional(c)
                    .await
            })?;
            let parent = parent.map(SettingRow::into_setting).transpose()?;
            let mut errors = ValidationErrors::default();
            match parent {
                None => errors.push("parent", format!("There is no setting with id {parent_id}")),
                Some(p) if !matches!(p.kind, SettingKind::Mainstream | SettingKind::Special) => errors.push(
                    "parent",
                    format!(
                        "{} is a {}; an internal AP unit belongs to a mainstream or special school",
                        p.name,
                        p.kind.label().to_lowercase()
                    ),
                ),
                Some(p) if p.la.number != new.la_number => errors
                    .push("parent", format!("{} is in LA {:03}; the unit must be in the same LA", p.name, p.la.number)),
                Some(_) => {}
            }
            errors.into_result(())?;
        }
        if let Some(urn) = new.urn {
            let taken: Option<i64> = on_tx!(&mut tx, c => {
                sqlx::query_scalar("SELECT id FROM settings WHERE urn = $1")
                    .bind(i64::from(urn.get()))
                    .fetch_optional(c)
                    .await
            })?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("a setting with URN {urn} already exists")));
            }
        }
        let id: i64 = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "INSERT INTO settings (name, urn, kind, la_number, parent_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(new.name.trim())
            .bind(new.urn.map(|u| i64::from(u.get())))
            .bind(new.kind.code())
            .bind(i64::from(new.la_number))
            .bind(new.parent_id)
            .fetch_one(c)
            .await
        })?;
        crate::names::bump_directory(&mut tx).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "setting.create", object_type: "setting", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(Setting {
            id,
            name: new.name.trim().to_string(),
            urn: new.urn,
            kind: new.kind,
            la: LocalAuthority::by_number(new.la_number).expect("validated"),
            parent_id: new.parent_id,
        })
    }

    /// The settings within the caller's scope, by name.
    pub async fn list_settings(&self, caller: &Caller) -> Result<Vec<Setting>, StoreError> {
        let mut sql = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM settings s WHERE "));
        sql.settings_in_scope(caller.role, "s").push(" ORDER BY s.name, s.id");
        let rows: Vec<SettingRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        rows.into_iter().map(SettingRow::into_setting).collect()
    }

    /// One setting, if within the caller's scope.
    pub async fn get_setting(&self, caller: &Caller, id: i64) -> Result<Setting, StoreError> {
        let mut sql = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM settings s WHERE s.id = "));
        sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(caller.role, "s");
        let row: Option<SettingRow> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_setting()
    }

    /// The settings within the caller's scope by the ids import files gave them (their own key
    /// and their URN).
    pub async fn setting_ids_by_key(
        &self,
        caller: &Caller,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut sql = SqlBuilder::new("SELECT s.id, s.source_key, s.urn FROM settings s WHERE ");
        sql.settings_in_scope(caller.role, "s");
        let rows: Vec<(i64, Option<String>, Option<i64>)> =
            on_pool!(&self.pool, p => bind_args!(sqlx::query_as(sql.sql()), sql).fetch_all(p).await)?;
        let mut out = std::collections::HashMap::new();
        for (id, key, urn) in rows {
            if let Some(k) = key {
                out.insert(k, id);
            }
            if let Some(u) = urn {
                out.insert(u.to_string(), id);
            }
        }
        Ok(out)
    }

    /// Create a trust over a set of settings (administrators only).
    pub async fn create_trust(&self, caller: &Caller, name: &str, setting_ids: &[i64]) -> Result<i64, StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.pool.begin_write().await?;
        let id: i64 = on_tx!(&mut tx, c => {
            let id: i64 = sqlx::query_scalar("INSERT INTO trusts (name) VALUES ($1) RETURNING id")
                .bind(name.trim())
                .fetch_one(&mut *c)
                .await?;
            for setting_id in setting_ids {
                sqlx::query("INSERT INTO trust_settings (trust_id, setting_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(setting_id)
                    .execute(&mut *c)
                    .await?;
            }
            Ok::<_, sqlx::Error>(id)
        })?;
        crate::names::bump_directory(&mut tx).await?;
        audit::append(
            &mut tx,
            caller,
            Event { action: "trust.create", object_type: "trust", object_id: id.to_string() },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
