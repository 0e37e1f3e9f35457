//! The commissioner's view (an LA): every provision it commissions places at, compared on each
//! share-type measure against the LA's own rate with Spiegelhalter funnel limits (95% and
//! 99.8%), outliers named; and data completeness per provision ("no data" is a finding).
//! Only figures that may be published are placed on the funnel: a hidden figure stays `c`.

use crate::auth::SignedIn;
use crate::pages::layout::Nav;
use crate::pages::outcomes::commissioned_by;
use crate::{format, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use waymark_analytics::definitions::{self, Kind};
use waymark_analytics::figure::{suppress_siblings, Status};
use waymark_analytics::funnel::{classify, Position};
use waymark_analytics::holistic::every_figure;
use waymark_analytics::measures::{GroupBy, Scope};
use waymark_store::Role;

struct ProviderRow {
    name: String,
    value: String,
    n: String,
    at95: &'static str,
    at998: &'static str,
}

struct MeasureTable {
    title: String,
    id: String,
    la_rate: String,
    providers: Vec<ProviderRow>,
    outliers: Vec<String>,
}

struct Completeness {
    name: String,
    no_data: Vec<String>,
    measures: usize,
}

#[derive(Template)]
#[template(path = "commissioner.html")]
struct Page {
    nav: Nav,
    la: u16,
    as_of: String,
    tables: Vec<MeasureTable>,
    completeness: Vec<Completeness>,
}

fn position(p: Position) -> &'static str {
    match p {
        Position::Below => "below",
        Position::Within => "within",
        Position::Above => "above",
    }
}

pub async fn page(State(state): State<AppState>, SignedIn(session): SignedIn) -> Result<Response, WebError> {
    let caller = session.user.caller();
    // The view is the LA's: only an LA's own users see every placement it commissions.
    let Role::La(la) = caller.role else { return Err(WebError::NotFound) };
    let as_of = chrono::Local::now().date_naive();
    let names: HashMap<i64, String> =
        state.store.list_settings(&caller).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let t = commissioned_by(state.store.outcome_tables(&caller, as_of).await?, la);
    let by_provision = every_figure(&t, &Scope { by: GroupBy::Provision, as_of });
    let by_la = every_figure(&t, &Scope { by: GroupBy::La, as_of });
    let name = |id: &i64| names.get(id).cloned().unwrap_or_else(|| format!("Setting {id}"));
    let mut tables = Vec::new();
    let mut gaps: HashMap<i64, Vec<String>> = HashMap::new();
    let mut measures = 0;
    for ((measure, mut units), (_, totals)) in by_provision.into_iter().zip(by_la) {
        let base = measure.split('/').next().unwrap_or(&measure).to_string();
        let Ok(def) = definitions::current(&base) else { continue };
        measures += 1;
        let total = totals.get(&i64::from(la));
        if let Some(total) = total {
            suppress_siblings(&mut units, total);
        }
        for (id, f) in &units {
            let entry = gaps.entry(*id).or_default();
            if f.status == Status::NoData {
                entry.push(def.title.to_string());
            }
        }
        if def.kind != Kind::Proportion {
            continue;
        }
        let p0 = total.and_then(|t| t.shown_value()).filter(|p| *p > 0.0 && *p < 1.0);
        let mut providers = Vec::new();
        let mut outliers = Vec::new();
        for (id, f) in &units {
            let mut row = ProviderRow { name: name(id), value: "no data".into(), n: "0".into(), at95: "", at998: "" };
            match f.status {
                Status::NoData => {}
                Status::Suppressed => (row.value, row.n) = ("c".into(), "c".into()),
                Status::Shown => {
                    row.value = format!("{:.1}%", f.value.unwrap_or(0.0) * 100.0);
                    row.n = f.denominator.to_string();
                    if let Some(c) = p0.and_then(|p0| classify(p0, f.numerator as u64, f.denominator).ok()) {
                        row.at95 = position(c.at95);
                        row.at998 = position(c.at998);
                        if c.at998 != Position::Within {
                            outliers.push(format!("{} ({} the 99.8% limit)", row.name, row.at998));
                        }
                    }
                }
            }
            providers.push(row);
        }
        let version = measure.split('/').nth(1).map(|v| format!(" ({v})")).unwrap_or_default();
        tables.push(MeasureTable {
            title: format!("{}{version}", def.title),
            id: measure.clone(),
            la_rate: p0.map(|p| format!("{:.1}%", p * 100.0)).unwrap_or_else(|| "not shown".into()),
            providers,
            outliers,
        });
    }
    let mut completeness: Vec<Completeness> = gaps
        .into_iter()
        .map(|(id, mut no_data)| {
            no_data.dedup();
            Completeness { name: name(&id), no_data, measures }
        })
        .collect();
    completeness.sort_by(|a, b| a.name.cmp(&b.name));
    let page = Page { nav: Nav::for_session(&session, ""), la, as_of: format::date(as_of), tables, completeness };
    Ok(Html(page.render()?).into_response())
}
