//! What the page layout needs: who is signed in and where they are.

use waymark_store::{Role, SessionInfo};

/// The header's navigation state.
pub struct Nav {
    pub signed_in: bool,
    pub csrf: String,
    pub user_name: String,
    pub role_label: String,
    /// The current section: "pupils", "settings" or "".
    pub current: &'static str,
}

impl Nav {
    pub fn anonymous() -> Nav {
        Nav { signed_in: false, csrf: String::new(), user_name: String::new(), role_label: String::new(), current: "" }
    }

    pub fn for_session(session: &SessionInfo, current: &'static str) -> Nav {
        Nav {
            signed_in: true,
            csrf: session.csrf_token.clone(),
            user_name: session.user.display_name.clone(),
            role_label: role_label(session.user.role, session.user.scope_name.as_deref()),
            current,
        }
    }

    pub fn from_option(session: Option<&SessionInfo>, current: &'static str) -> Nav {
        session.map_or_else(|| Nav { current, ..Nav::anonymous() }, |s| Nav::for_session(s, current))
    }
}

/// The role in words.
pub fn role_label(role: Role, scope_name: Option<&str>) -> String {
    match role {
        Role::Admin => "Administrator".into(),
        Role::La(n) => match waymark_domain::LocalAuthority::by_number(n) {
            Some(la) => format!("Local authority: {}", la.name),
            None => format!("Local authority {n:03}"),
        },
        Role::Trust(id) => format!("Trust: {}", scope_name.map_or_else(|| id.to_string(), str::to_string)),
        Role::Setting(id) => format!("Setting: {}", scope_name.map_or_else(|| id.to_string(), str::to_string)),
        Role::Public => "Public".into(),
    }
}
