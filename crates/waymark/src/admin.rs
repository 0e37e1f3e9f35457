//! `waymark admin …`: accounts and the audit log, run by the operator (audited as `system:admin`).

use anyhow::{bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use std::io::BufRead;
use waymark_domain::LocalAuthority;
use waymark_store::{Caller, NewUser, Role, Store};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a user. The password is read from WAYMARK_NEW_PASSWORD or, if unset, from the first
    /// line of standard input (never from a flag, so it stays out of shell history).
    CreateUser {
        #[arg(long)]
        email: String,
        /// The person's name, as shown in the service.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleKind,
        /// For --role la: the LA's DfE number (e.g. 202) or ONS code (e.g. E09000007).
        #[arg(long)]
        la: Option<String>,
        /// For --role trust: the trust's id.
        #[arg(long)]
        trust_id: Option<i64>,
        /// For --role setting: the setting's id.
        #[arg(long)]
        setting_id: Option<i64>,
    },
    /// List every user and their role.
    ListUsers,
    /// List every setting with its id (for `create-user --role setting --setting-id`), URN,
    /// kind and LA.
    ListSettings,
    /// The audit log: who did what, when, with what scope.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the keyed hash chain: every entry unaltered, none inserted or removed, the head
    /// row as the key signed it.
    Verify {
        /// The hash printed by an earlier `audit head` (kept outside the database): fail unless
        /// the chain ends at exactly that entry. This catches a whole log replaced by an older
        /// copy, which the chain alone cannot.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
    /// Print the chain's head (last entry number and its hash) for an external log, e.g.
    /// appended to a file on another machine after every backup. Later, `audit verify
    /// --expect-head HASH` checks the log still ends there.
    Head,
    /// Show the most recent entries, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleKind {
    Admin,
    La,
    Trust,
    Setting,
}

fn role(kind: RoleKind, la: Option<String>, trust_id: Option<i64>, setting_id: Option<i64>) -> Result<Role> {
    Ok(match kind {
        RoleKind::Admin => Role::Admin,
        RoleKind::La => {
            let text = la.context("--role la needs --la with the LA's DfE number or ONS code")?;
            let la = LocalAuthority::parse(&text).with_context(|| {
                format!("{text:?} is not a DfE LA number (such as 202) or ONS code (such as E09000007)")
            })?;
            Role::La(la.number)
        }
        RoleKind::Trust => Role::Trust(trust_id.context("--role trust needs --trust-id")?),
        RoleKind::Setting => Role::Setting(setting_id.context("--role setting needs --setting-id")?),
    })
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("WAYMARK_NEW_PASSWORD") {
        return Ok(p);
    }
    eprintln!("Password (at least 12 characters), then Enter:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `audit verify`: the whole chain, then (if given) the head it must end at.
async fn verify(store: &Store, expect_head: Option<String>) -> Result<()> {
    let result = store.verify_audit().await?;
    if let Some(problem) = result.problem {
        bail!("audit log BROKEN after {} good entries: {problem}", result.entries);
    }
    if let Some(expected) = expect_head {
        let expected = expected.trim().to_ascii_lowercase();
        if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("--expect-head takes the 64 hexadecimal digits printed by `waymark admin audit head`");
        }
        if result.head.hash != expected {
            bail!(
                "audit log does not end at the expected head {expected}: it ends at entry {} ({}). Entries were \
                 added since that head was recorded, or the log has been replaced or cut back",
                result.head.seq,
                result.head.hash
            );
        }
    }
    let keyed = match result.keyed_from {
        Some(k) if k > 1 => format!(" (entries 1 to {} predate keying and are checked by SHA-256 only)", k - 1),
        _ => String::new(),
    };
    println!(
        "Audit log intact: {} entries, every hash and link checks out{keyed}. Head: {} {}",
        result.entries, result.head.seq, result.head.hash
    );
    Ok(())
}

pub async fn run(store: Store, command: AdminCommand) -> Result<()> {
    let op = Caller::system("admin");
    match command {
        AdminCommand::CreateUser { email, name, role: kind, la, trust_id, setting_id } => {
            let role = role(kind, la, trust_id, setting_id)?;
            if let Role::Setting(id) = role {
                store.get_setting(&op, id).await.with_context(|| format!("there is no setting with id {id}"))?;
            }
            let user =
                store.create_user(&op, NewUser { email, display_name: name, password: read_password()?, role }).await?;
            println!("Created user {} ({}) with role {}", user.email, user.id, user.role);
        }
        AdminCommand::ListSettings => {
            let settings = store.list_settings(&op).await?;
            if settings.is_empty() {
                println!("No settings are recorded yet: import settings.csv with `waymark import DIR`.");
            }
            for s in settings {
                let urn = s.urn.map(|u| u.to_string()).unwrap_or_else(|| "-".into());
                println!("{:>6}  URN {:<7} {:<24} {:03} {}", s.id, urn, s.kind.code(), s.la.number, s.name);
            }
        }
        AdminCommand::ListUsers => {
            for u in store.list_users(&op).await? {
                println!("{:>5}  {:<40} {:<14} {}", u.id, u.email, u.role.to_string(), u.display_name);
            }
        }
        AdminCommand::Audit { command: AuditCommand::Verify { expect_head } } => verify(&store, expect_head).await?,
        AdminCommand::Audit { command: AuditCommand::Head } => {
            let head = store.audit_head().await?;
            println!("{} {}", head.seq, head.hash);
        }
        AdminCommand::Audit { command: AuditCommand::List { limit, offset } } => {
            println!("{:>7}  {:<20} {:<32} {:<22} {:<24} scope", "seq", "when (UTC)", "who", "action", "object");
            for e in store.list_audit(&op, limit, offset).await? {
                let when = chrono::DateTime::from_timestamp(e.at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                let object: String = format!("{} {}", e.object_type, e.object_id).chars().take(24).collect();
                println!("{:>7}  {:<20} {:<32} {:<22} {:<24} {}", e.seq, when, e.actor, e.action, object, e.scope);
            }
        }
    }
    Ok(())
}
