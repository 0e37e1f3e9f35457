//! Settings and trusts. Settings are listed through the caller's scope like everything else.

use crate::audit::{self, Event};
use crate::scope::{Arg, SqlBuilder};
use crate::{Caller, Role, Store, StoreError};
use sqlx::Row;
use waymark_domain::{LocalAuthority, NewSetting, Setting, SettingKind, Urn, ValidationErrors};

const COLUMNS: &str = "s.id, s.name, s.urn, s.kind, s.la_number, s.parent_id";

fn setting_from_row(row: &sqlx::any::AnyRow) -> Result<Setting, StoreError> {
    let kind: String = row.get(3);
    let la: i64 = row.get(4);
    let urn: Option<i64> = row.get(2);
    Ok(Setting {
        id: row.get(0),
        name: row.get(1),
        urn: urn.and_then(|u| Urn::parse(&u.to_string()).ok()),
        kind: SettingKind::from_code(&kind)
            .ok_or_else(|| StoreError::Config(format!("unknown setting kind {kind:?}")))?,
        la: u16::try_from(la)
            .ok()
            .and_then(LocalAuthority::by_number)
            .ok_or_else(|| StoreError::Config(format!("unknown LA number {la}")))?,
        parent_id: row.get(5),
    })
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
        let mut tx = self.pool.begin().await?;
        if let Some(parent_id) = new.parent_id {
            let parent = sqlx::query(&format!("SELECT {COLUMNS} FROM settings s WHERE s.id = $1"))
                .bind(parent_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| setting_from_row(&r))
                .transpose()?;
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
            let taken = sqlx::query("SELECT 1 FROM settings WHERE urn = $1")
                .bind(i64::from(urn.get()))
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("a setting with URN {urn} already exists")));
            }
        }
        let id: i64 = sqlx::query(
            "INSERT INTO settings (name, urn, kind, la_number, parent_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.name.trim())
        .bind(new.urn.map(|u| i64::from(u.get())))
        .bind(new.kind.code())
        .bind(i64::from(new.la_number))
        .bind(new.parent_id)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
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
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(setting_from_row).collect()
    }

    /// One setting, if within the caller's scope.
    pub async fn get_setting(&self, caller: &Caller, id: i64) -> Result<Setting, StoreError> {
        let mut sql = SqlBuilder::new(&format!("SELECT {COLUMNS} FROM settings s WHERE s.id = "));
        sql.bind(Arg::Int(id)).push(" AND ").settings_in_scope(caller.role, "s");
        let row = sql.query().fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)?;
        setting_from_row(&row)
    }

    /// Create a trust over a set of settings (administrators only).
    pub async fn create_trust(&self, caller: &Caller, name: &str, setting_ids: &[i64]) -> Result<i64, StoreError> {
        if caller.role != Role::Admin {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query("INSERT INTO trusts (name) VALUES ($1) RETURNING id")
            .bind(name.trim())
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        for setting_id in setting_ids {
            sqlx::query("INSERT INTO trust_settings (trust_id, setting_id) VALUES ($1, $2)")
                .bind(id)
                .bind(setting_id)
                .execute(&mut *tx)
                .await?;
        }
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
