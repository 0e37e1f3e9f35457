//! Importing records through the browser: an LA, trust or setting user uploads any of the
//! thirteen CSV templates; the same checks and the same all-or-nothing import as
//! `waymark import` run, scoped to what the user may write (a setting only its own records).

use crate::auth::{check_csrf, SignedIn};
use crate::pages::layout::Nav;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Html;
use std::collections::BTreeMap;
use waymark_interchange::{read_set, Known, TEMPLATE_NAMES};
use waymark_store::{ImportContext, Role, StoreError};

/// Largest upload accepted: an LA-year's files, attendance included.
pub const MAX_UPLOAD_BYTES: usize = 1 << 30;

/// The store's answers to the reader's questions about records already held, within the
/// caller's scope.
pub struct StoreKnown(pub ImportContext);

impl Known for StoreKnown {
    fn setting(&self, setting_id: &str) -> bool {
        self.0.setting(setting_id)
    }
    fn pupil(&self, upn: &waymark_domain::Upn) -> bool {
        self.0.pupil(upn)
    }
    fn enrolment(&self, setting_id: &str, enrolment_id: &str) -> bool {
        self.0.enrolment(setting_id, enrolment_id)
    }
    fn placement(&self, placement_id: &str) -> bool {
        self.0.placement(placement_id)
    }
    fn referral(&self, referral_id: &str) -> bool {
        self.0.referral(referral_id)
    }
}

struct Problem {
    place: String,
    value: String,
    expected: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Nav,
    templates: Vec<&'static str>,
    /// After an attempt: what happened.
    outcome: Option<Outcome>,
}

struct Outcome {
    ok: bool,
    dry_run: bool,
    headline: String,
    /// What the file set held, for a successful import.
    held: Vec<String>,
    problems: Vec<Problem>,
    /// Problems beyond those listed, by kind.
    more: Vec<(String, usize)>,
}

fn page(session: &waymark_store::SessionInfo, outcome: Option<Outcome>) -> Result<Html<String>, WebError> {
    let templates = TEMPLATE_NAMES.to_vec();
    Ok(Html(ImportPage { nav: Nav::for_session(session, "import"), templates, outcome }.render()?))
}

pub async fn form(SignedIn(session): SignedIn) -> Result<Html<String>, WebError> {
    if session.user.role == Role::Public {
        return Err(WebError::NotFound);
    }
    page(&session, None)
}

pub async fn upload(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    mut multipart: Multipart,
) -> Result<Html<String>, WebError> {
    let bad =
        |e: axum::extract::multipart::MultipartError| WebError::BadRequest(format!("the upload was cut short: {e}"));
    let dir = tempfile::tempdir().map_err(|e| WebError::Internal(format!("temporary folder: {e}")))?;
    let mut csrf_ok = false;
    let mut dry_run = false;
    let mut files = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => {
                check_csrf(&session, &field.text().await.map_err(bad)?)?;
                csrf_ok = true;
            }
            "dry_run" => dry_run = true,
            "files" if csrf_ok => {
                // Only a template's own name is accepted, and only its last path part is used.
                let name = field.file_name().unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("").to_string();
                if name.is_empty() {
                    continue;
                }
                if !TEMPLATE_NAMES.iter().any(|t| format!("{t}.csv") == name) {
                    return page(&session, Some(refused(format!(
                        "{name} is not one of the import templates: name each file as in the list below, for example pupils.csv"
                    ))));
                }
                let path = dir.path().join(&name);
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(|e| WebError::Internal(format!("saving the upload: {e}")))?;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                        .await
                        .map_err(|e| WebError::Internal(format!("saving the upload: {e}")))?;
                }
                files += 1;
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::BadCsrf);
    }
    if files == 0 {
        return page(&session, Some(refused("Choose one or more CSV files to import".into())));
    }
    let caller = session.user.caller();
    let known = StoreKnown(state.store.import_context(&caller).await?);
    let path = dir.path().to_path_buf();
    let read = tokio::task::spawn_blocking(move || read_set(&path, &known, &mut |_, _, _| {}))
        .await
        .map_err(|e| WebError::Internal(format!("reading the upload: {e}")))?;
    let set = match read {
        Ok(set) => set,
        Err(report) => {
            let problems = report
                .errors
                .iter()
                .map(|e| Problem {
                    place: format!(
                        "{}, row {}, column {}",
                        e.file.rsplit('/').next().unwrap_or(&e.file),
                        e.row,
                        e.column
                    ),
                    value: e.value.clone(),
                    expected: e.expected.clone(),
                })
                .collect::<Vec<_>>();
            let mut beyond: BTreeMap<String, usize> = report.counts.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            for e in &report.errors {
                if let Some(n) = beyond.get_mut(e.kind) {
                    *n = n.saturating_sub(1);
                }
            }
            return page(
                &session,
                Some(Outcome {
                    ok: false,
                    dry_run,
                    headline: format!(
                        "Nothing was imported: {} problem{} to fix",
                        report.total,
                        if report.total == 1 { "" } else { "s" }
                    ),
                    held: Vec::new(),
                    problems,
                    more: beyond.into_iter().filter(|(_, n)| *n > 0).collect(),
                }),
            );
        }
    };
    match state.store.import_records(&caller, &set, dry_run, &mut |_| {}).await {
        Ok(c) => page(
            &session,
            Some(Outcome {
                ok: true,
                dry_run,
                headline: if dry_run {
                    format!(
                        "Checked, nothing written: {} would be added, {} changed and {} left as they are",
                        plural(c.added, "record"),
                        c.changed,
                        c.unchanged
                    )
                } else {
                    format!("{} added, {} changed, {} unchanged", plural(c.added, "record"), c.changed, c.unchanged)
                },
                held: vec![
                    plural(c.pupils as u64, "pupil"),
                    plural(c.enrolments as u64, "enrolment"),
                    plural(c.attendance_terms as u64, "attendance term"),
                    plural(c.other as u64, "other record"),
                ],
                problems: Vec::new(),
                more: Vec::new(),
            }),
        ),
        Err(StoreError::Import(why)) => page(&session, Some(refused(format!("Nothing was imported: {why}")))),
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

fn refused(headline: String) -> Outcome {
    Outcome { ok: false, dry_run: false, headline, held: Vec::new(), problems: Vec::new(), more: Vec::new() }
}

fn plural(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
