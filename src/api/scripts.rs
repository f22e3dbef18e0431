//! `/api/v1/scripts`: creating scripts, publishing versions, reading any version, comparing
//! two, and moving a script in and out as a JSON file. Owners only.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::db::ids::ScriptId;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::Owner;
use crate::http::routes::{Access, RouteSink};
use crate::scripts::diff::diff_versions;
use crate::scripts::validate::StepInput;
use crate::scripts::{self, NewVersion, ScriptError, overlap, transfer};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/api/v1/scripts", Access::Owner, list);
    r.add(Method::POST, "/api/v1/scripts", Access::Owner, create);
    r.add(
        Method::POST,
        "/api/v1/scripts/import",
        Access::Owner,
        import,
    );
    r.add(Method::GET, "/api/v1/scripts/{id}", Access::Owner, show);
    r.add(
        Method::POST,
        "/api/v1/scripts/{id}/versions",
        Access::Owner,
        publish,
    );
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/versions/{number}",
        Access::Owner,
        show_version,
    );
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/diff",
        Access::Owner,
        diff,
    );
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/export",
        Access::Owner,
        export,
    );
    r.add(
        Method::GET,
        "/api/v1/scripts/{id}/overlap",
        Access::Owner,
        show_overlap,
    );
    r.add(
        Method::PUT,
        "/api/v1/scripts/{id}/overlap",
        Access::Owner,
        save_overlap,
    );
    r.add(
        Method::PUT,
        "/api/v1/scripts/{id}/language",
        Access::Owner,
        save_language,
    );
}

#[derive(Deserialize)]
struct LanguageBody {
    #[serde(default)]
    language: String,
}

/// `PUT /api/v1/scripts/{id}/language {"language": "en"}`: 200 with `{"language"}`; the
/// script's calls waiting for a reviewer move to the new language's reviewers.
async fn save_language(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    body: web::Json<LanguageBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let language = state
        .db
        .run(move |conn| {
            scripts::language::save(conn, &owner.user_id, &id, &body.language)
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "language": language })))
}

async fn show_overlap(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let bounds = state
        .db
        .run(move |conn| overlap::load(conn, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(bounds))
}

/// The bounds to set; one left out keeps its value.
#[derive(Deserialize)]
struct BoundsBody {
    min_reviews: Option<i32>,
    max_reviews: Option<i32>,
}

async fn save_overlap(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    body: web::Json<BoundsBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let bounds = state
        .db
        .run(move |conn| {
            let current = overlap::load(conn, &id)?;
            let wanted = overlap::ReviewBounds {
                min_reviews: body.min_reviews.unwrap_or(current.min_reviews),
                max_reviews: body.max_reviews.unwrap_or(current.max_reviews),
            };
            overlap::save(conn, &owner.user_id, &id, wanted).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(bounds))
}

async fn list(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let items = state
        .db
        .run(|conn| scripts::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[derive(Deserialize)]
struct NewScript {
    #[serde(default)]
    name: String,
    #[serde(default)]
    steps: Vec<StepInput>,
    /// The language of the script's calls; Russian when left out.
    #[serde(default)]
    language: Option<String>,
}

async fn create(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<NewScript>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let script = state
        .db
        .run(move |conn| {
            scripts::create(
                conn,
                &owner.user_id,
                &body.name,
                &body.steps,
                body.language.as_deref(),
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(script))
}

async fn show(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let script = state
        .db
        .run(move |conn| scripts::load(conn, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(script))
}

#[derive(Deserialize)]
struct PublishBody {
    #[serde(default)]
    steps: Vec<StepInput>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    resolves_gaps: Vec<String>,
}

async fn publish(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    body: web::Json<PublishBody>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let new = NewVersion {
        steps: body.steps,
        notes: body.notes,
        resolves_gaps: body.resolves_gaps,
        rename: None,
    };
    let version = state
        .db
        .run(move |conn| scripts::publish(conn, &owner.user_id, &id, &new).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Created().json(json!({ "version": version })))
}

async fn show_version(
    _: Owner,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, number) = path.into_inner();
    let number = crate::http::query::version_number(&number)?;
    let id = ScriptId::from_raw(id);
    let version = state
        .db
        .run(move |conn| scripts::load_version(conn, &id, number).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(version))
}

async fn diff(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    query: web::Query<crate::http::query::DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let from = crate::http::query::version_number(query.from.as_deref().unwrap_or_default())?;
    let to = crate::http::query::version_number(query.to.as_deref().unwrap_or_default())?;
    let (old, new) = state
        .db
        .run(move |conn| {
            Ok::<_, ScriptError>((
                scripts::load_version(conn, &id, from)?,
                scripts::load_version(conn, &id, to)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "from": from,
        "to": to,
        "steps": diff_versions(&old.steps, &new.steps),
    })))
}

#[derive(Deserialize)]
struct ExportQuery {
    version: Option<String>,
}

/// The script as a downloadable JSON file (the current version, or `?version=N`).
async fn export(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<ScriptId>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let number = query
        .version
        .as_deref()
        .map(crate::http::query::version_number)
        .transpose()?;
    let file = state
        .db
        .run(move |conn| {
            let script = scripts::load(conn, &id)?;
            let version = match number {
                Some(n) => scripts::load_version(conn, &id, n)?,
                None => script.version.ok_or(ScriptError::NotFound)?,
            };
            Ok::<_, ScriptError>(transfer::export(&script.name, script.language, &version))
        })
        .await?;
    let file_name = format!("script-v{}.json", file.version.unwrap_or(1));
    let body = serde_json::to_string_pretty(&file).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body))
}

/// Creates a new script from an exported file (the body), keeping its step keys.
async fn import(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let text = String::from_utf8_lossy(&body).into_owned();
    let script = state
        .db
        .run(move |conn| {
            let file = transfer::parse(&text)?;
            transfer::import(conn, &owner.user_id, &file)
        })
        .await
        .map_err(AppError::from)?;
    Ok(HttpResponse::Created().json(script))
}
