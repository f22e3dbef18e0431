//! `GET /api/v1/overview?from=YYYY-MM-DD&to=YYYY-MM-DD`: the owner's overview of a period
//! (see [`crate::overview`]) as JSON. A bad date is a 422 naming the field.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use crate::dashboards::overview;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/overview", Access::Owner, get_overview);
    r.add(Method::GET, "/api/v1/funnel", Access::Owner, get_funnel);
    r.add(Method::GET, "/api/v1/win-back", Access::Owner, get_win_back);
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/effect",
        Access::Owner,
        get_effect,
    );
    r.add(
        Method::PUT,
        "/api/v1/win-back/{id}",
        Access::Owner,
        put_win_back,
    );
}

/// `GET /api/v1/win-back?script_id=…&from=…&to=…`: the lost calls of the funnel's calls
/// with a failed step, newest first, with the step, the reviewers' comments and the mark.
async fn get_win_back(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<FunnelQuery>,
) -> Result<HttpResponse, AppError> {
    let (script, version, period) = query.parse(&owner.zone)?;
    let zone = owner.zone.clone();
    let list = state
        .db
        .run(move |conn| {
            let (funnel, failed) =
                crate::dashboards::funnel::load(conn, &script, version, &period, &zone)?;
            let titles = crate::dashboards::win_back::titles(conn, &script, funnel.version)?;
            crate::dashboards::win_back::list(conn, &failed, &titles).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(list))
}

/// `GET /api/v1/scripts/{id}/effect`: each step's score and missing-rate per version, with
/// the number of calls, a 95 % interval and the change after each publish; and each gap
/// resolved by a version with the step's missing-rate before and after it.
async fn get_effect(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<crate::db::ids::ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let zone = owner.zone.clone();
    let (steps, resolved_gaps) = state
        .db
        .run(move |conn| crate::dashboards::effect::load(conn, &id, &zone).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "steps": steps, "resolved_gaps": resolved_gaps })))
}

#[derive(serde::Deserialize)]
struct WinBackBody {
    /// `called_back`, `won_back`, `no_chance`, or empty / null to clear it.
    #[serde(default)]
    status: Option<String>,
}

async fn put_win_back(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<crate::db::ids::RecordingId>,
    body: web::Json<WinBackBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let status = body.into_inner().status.unwrap_or_default();
    state
        .db
        .write(move |conn| {
            crate::dashboards::win_back::mark(conn, &owner.user_id, &id, &status)
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The funnel's query: the script, its version (the current one when left out), the days.
#[derive(serde::Deserialize)]
pub struct FunnelQuery {
    pub script_id: Option<String>,
    pub version: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl FunnelQuery {
    /// The script, the version and the period asked for; every problem at once.
    pub fn parse(
        &self,
        zone: &crate::zone::Zone,
    ) -> Result<
        (
            crate::db::ids::ScriptId,
            Option<i32>,
            crate::dashboards::period::Period,
        ),
        AppError,
    > {
        let mut problems = Vec::new();
        let script = self
            .script_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(crate::db::ids::ScriptId::from_raw);
        if script.is_none() {
            problems.push(crate::validation::FieldProblem::new(
                "script_id",
                "required",
            ));
        }
        let version = match self
            .version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(text) => match text.parse::<i32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    problems.push(crate::validation::FieldProblem::new(
                        "version",
                        "not_a_number",
                    ));
                    None
                }
            },
        };
        let period = crate::dashboards::period::Period::parse(&self.from, &self.to, zone.today())
            .map_err(|found| problems.extend(found))
            .ok();
        match (script, period) {
            (Some(script), Some(period)) if problems.is_empty() => Ok((script, version, period)),
            _ => Err(AppError::Validation(problems)),
        }
    }
}

/// `GET /api/v1/funnel?script_id=…&version=…&from=…&to=…`: where the calls of a script
/// version fail, for won, lost and unknown calls, with the calls behind each step.
async fn get_funnel(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<FunnelQuery>,
) -> Result<HttpResponse, AppError> {
    let (script, version, period) = query.parse(&owner.zone)?;
    let zone = owner.zone.clone();
    let (funnel, failed) = state
        .db
        .run(move |conn| {
            crate::dashboards::funnel::load(conn, &script, version, &period, &zone)
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "funnel": funnel, "failed_calls": failed })))
}

async fn get_overview(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    query: web::Query<crate::http::query::PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period(&owner.zone)?;
    let overview = overview::figures(&state.db, period, owner.zone).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(overview))
}
