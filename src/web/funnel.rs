//! `/overview/funnel`: where the calls of a script version fail, as a chart (server-rendered
//! SVG, no script) and the table behind it, for won and lost calls side by side, with the
//! calls that first failed at a step listed when the owner opens that step. See
//! [`crate::dashboards::funnel`].

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::page::Page;
use super::{FormErrors, PageBase};
use crate::api::overview::FunnelQuery;
use crate::dashboards::funnel::{ByEnd, FailedCall, Funnel};
use crate::dashboards::period::day_text;
use crate::error::AppError;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/overview/funnel", Access::Owner, funnel_page);
    r.add(
        Method::POST,
        "/overview/win-back/{id}",
        Access::Owner,
        win_back_submit,
    );
}

#[derive(Deserialize)]
struct WinBackForm {
    #[serde(default)]
    status: String,
    /// The funnel's query to come back to.
    #[serde(default)]
    back: String,
}

/// Marks what came of calling a lost call back; back to the funnel it was listed on.
async fn win_back_submit(
    _: Owner,
    page: Page,
    id: web::Path<crate::db::ids::RecordingId>,
    crate::http::forms::PageForm(owner, form): crate::http::forms::PageForm<WinBackForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let status = form.status.clone();
    page.state()
        .db
        .write(move |conn| {
            crate::dashboards::win_back::mark(conn, &owner.user_id, &id, &status)
                .map_err(AppError::from)
        })
        .await?;
    // Only a query of this page is followed: never a redirect elsewhere.
    let back = if form.back.starts_with("script_id=") && !form.back.contains(['\r', '\n', '#']) {
        format!("/overview/funnel?{}#win-back", form.back)
    } else {
        "/overview/funnel#win-back".to_owned()
    };
    Ok(super::see_other(&back))
}

#[derive(Deserialize)]
struct PageQuery {
    script_id: Option<String>,
    version: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The step whose failed calls are listed.
    step: Option<String>,
}

#[derive(Serialize)]
pub(super) struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

/// One bar group of the chart and one row of the table.
#[derive(Serialize)]
struct Row {
    key: String,
    title: String,
    reached: ByEnd,
    failed_incorrect: ByEnd,
    failed_missing: ByEnd,
    /// Bar lengths in chart units (0–`BAR`).
    won_bar: f64,
    lost_bar: f64,
    y: usize,
    href: String,
    open: bool,
}

#[derive(Serialize)]
struct CallRow {
    href: String,
    outcome: Option<crate::recordings::outcome::Outcome>,
    failure: &'static str,
}

#[derive(Serialize)]
struct FunnelPage {
    #[serde(flatten)]
    base: PageBase,
    errors: FormErrors,
    scripts: Vec<Choice>,
    versions: Vec<Choice>,
    from: String,
    to: String,
    funnel: Option<Funnel>,
    rows: Vec<Row>,
    chart_height: usize,
    step_title: Option<String>,
    calls: Vec<CallRow>,
    win_back: Option<crate::dashboards::win_back::WinBackList>,
    /// The funnel's query, for the win-back forms to come back to.
    back: String,
}

/// The longest bar, in chart units.
const BAR: f64 = 300.0;
/// The height of one step's bars.
const ROW: usize = 44;

async fn funnel_page(
    Owner(owner): Owner,
    page: Page,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let scripts = state
        .db
        .run(|conn| crate::scripts::list(conn).map_err(AppError::from))
        .await?;
    // The first script when none is asked for: the page is useful on arrival.
    let script_id = query
        .script_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| scripts.first().map(|s| s.id.to_string()));
    let asked = FunnelQuery {
        script_id: script_id.clone(),
        version: query.version.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
    };
    let parsed = asked.parse(&owner.zone);
    let versions = match &script_id {
        Some(id) => {
            let id = crate::db::ids::ScriptId::from_raw(id.clone());
            state
                .db
                .run(move |conn| Ok::<_, AppError>(crate::scripts::load(conn, &id).ok()))
                .await?
                .map(|script| script.versions)
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let (result, error) = match parsed {
        Ok((script, version, period)) => {
            let zone = owner.zone.clone();
            let loaded = state
                .db
                .run(move |conn| {
                    let (funnel, failed) =
                        crate::dashboards::funnel::load(conn, &script, version, &period, &zone)?;
                    let titles =
                        crate::dashboards::win_back::titles(conn, &script, funnel.version)?;
                    let list = crate::dashboards::win_back::list(conn, &failed, &titles)?;
                    Ok::<_, AppError>((funnel, failed, list))
                })
                .await;
            match loaded {
                Ok(found) => (Some(found), None),
                Err(AppError::NotFound) => (None, Some(AppError::field("version", "not_found"))),
                Err(other) => return Err(other),
            }
        }
        Err(error) => (None, Some(error)),
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let shown_version = result.as_ref().map(|(f, _, _)| f.version);
    let data = match result {
        Some((funnel, failed, win_back)) => {
            let back = {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                q.append_pair("script_id", funnel.script_id.as_str());
                q.append_pair("version", &funnel.version.to_string());
                q.append_pair("from", &day_text(funnel.period.from));
                q.append_pair("to", &day_text(funnel.period.to));
                q.finish()
            };
            let query_of = |step: Option<&str>| {
                let step = step
                    .map(|s| {
                        format!(
                            "&step={}",
                            url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                        )
                    })
                    .unwrap_or_default();
                format!("/overview/funnel?{back}{step}#calls")
            };
            let widest = funnel
                .steps
                .iter()
                .map(|s| s.reached.won.max(s.reached.lost))
                .max()
                .unwrap_or(0)
                .max(1) as f64;
            let open = query.step.clone();
            let rows: Vec<Row> = funnel
                .steps
                .iter()
                .enumerate()
                .map(|(index, s)| Row {
                    key: s.key.clone(),
                    title: s.title.clone(),
                    reached: s.reached,
                    failed_incorrect: s.failed_incorrect,
                    failed_missing: s.failed_missing,
                    won_bar: (s.reached.won as f64 / widest * BAR).round(),
                    lost_bar: (s.reached.lost as f64 / widest * BAR).round(),
                    y: index * ROW,
                    href: query_of(Some(&s.key)),
                    open: open.as_deref() == Some(s.key.as_str()),
                })
                .collect();
            let step_title = rows.iter().find(|r| r.open).map(|r| r.title.clone());
            let calls = match &open {
                Some(step) => failed
                    .iter()
                    .filter(|c| &c.step_key == step)
                    .map(call_row)
                    .collect(),
                None => Vec::new(),
            };
            FunnelPage {
                base: page.base(),
                errors: FormErrors::default(),
                scripts: choices(&scripts, script_id.as_deref()),
                versions: version_choices(&versions, shown_version),
                from: day_text(funnel.period.from),
                to: day_text(funnel.period.to),
                chart_height: rows.len() * ROW,
                rows,
                step_title,
                calls,
                funnel: Some(funnel),
                win_back: Some(win_back),
                back,
            }
        }
        None => FunnelPage {
            base: page.base(),
            errors: page.errors(error.as_ref()),
            scripts: choices(&scripts, script_id.as_deref()),
            versions: version_choices(&versions, None),
            from: query.from.clone().unwrap_or_default(),
            to: query.to.clone().unwrap_or_default(),
            funnel: None,
            rows: Vec::new(),
            chart_height: 0,
            step_title: None,
            calls: Vec::new(),
            win_back: None,
            back: String::new(),
        },
    };
    page.render("overview/funnel.html", status, &data)
}

fn call_row(call: &FailedCall) -> CallRow {
    CallRow {
        href: format!("/recordings/{}", call.recording_id),
        outcome: call.outcome,
        failure: if call.failure == crate::reviews::consensus::Outcome::Missing {
            "missing"
        } else {
            "incorrect"
        },
    }
}

/// The scripts as the options of a select, `chosen` selected.
pub(super) fn choices(
    scripts: &[crate::scripts::ScriptListItem],
    chosen: Option<&str>,
) -> Vec<Choice> {
    scripts
        .iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: s.name.clone(),
            chosen: Some(s.id.as_str()) == chosen,
        })
        .collect()
}

fn version_choices(
    versions: &[crate::scripts::VersionSummary],
    chosen: Option<i32>,
) -> Vec<Choice> {
    versions
        .iter()
        .map(|v| Choice {
            value: v.number.to_string(),
            label: v.number.to_string(),
            chosen: Some(v.number) == chosen,
        })
        .collect()
}
