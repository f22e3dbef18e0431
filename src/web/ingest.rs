//! The owner's pages for calls that arrive by themselves: machine keys (`/keys`), the PBX
//! extensions of operators (forms on the People page), the calls that wait for an operator
//! or could not be fetched (`/recordings/inbound`, which also takes outcomes from a CRM
//! export), and pulling a call left out of a sample
//! into review (a form on the call's page). See [`crate::ingest`], [`crate::sampling`].

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::accounts::operators::OperatorRecord;
use crate::db::ids::{ApiKeyId, InboundId, OperatorId, RecordingId};
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::ingest::inbound::{self, InboundCall, InboundState};
use crate::ingest::keys::{self, ApiKey};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/keys", Access::Owner, keys_page);
    r.add(Method::POST, "/keys", Access::Owner, create_key);
    r.add(Method::POST, "/keys/{id}/revoke", Access::Owner, revoke_key);
    r.add(
        Method::POST,
        "/people/operators/{id}/extensions",
        Access::Owner,
        add_extension,
    );
    r.add(
        Method::POST,
        "/people/extensions/remove",
        Access::Owner,
        remove_extension,
    );
    r.add(
        Method::GET,
        "/recordings/inbound",
        Access::Owner,
        inbound_page,
    );
    r.add(
        Method::POST,
        "/recordings/inbound/{id}/operator",
        Access::Owner,
        assign_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/sample",
        Access::Owner,
        pull_in_submit,
    );
    r.add(
        Method::POST,
        "/recordings/outcomes",
        Access::Owner,
        outcomes_submit,
    );
}

/// The largest CRM export read for outcomes.
const MAX_OUTCOMES_BYTES: usize = 20 * 1024 * 1024;

/// Outcomes from a CRM export (a CSV file), all or nothing; the arriving-calls page says how
/// many were set, or which lines are wrong.
async fn outcomes_submit(
    Owner(owner): Owner,
    page: Page,
    mut multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    use futures_util::TryStreamExt;
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(mut field) = multipart
        .try_next()
        .await
        .map_err(|_| AppError::BadRequest("invalid_multipart"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let mut value = Vec::new();
        while let Some(chunk) = field
            .try_next()
            .await
            .map_err(|_| AppError::BadRequest("invalid_multipart"))?
        {
            value.extend_from_slice(&chunk);
            if value.len() > MAX_OUTCOMES_BYTES {
                return Err(AppError::PayloadTooLarge);
            }
        }
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&value).into_owned(),
            "file" => file = value,
            _ => {}
        }
    }
    if csrf != owner.csrf_token(&page.state().signing_key) {
        return Err(AppError::CsrfFailed);
    }
    let Ok(text) = String::from_utf8(file) else {
        return inbound_view(&page, Some(AppError::field("file", "not_utf8")), None).await;
    };
    let set = page
        .state()
        .db
        .write(move |conn| crate::recordings::outcome::import(conn, &owner.user_id, &text))
        .await;
    match set {
        Ok(count) => inbound_view(&page, None, Some(count)).await,
        Err(error @ crate::recordings::RecordingError::Invalid(_)) => {
            inbound_view(&page, Some(error.into()), None).await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- keys -------------------------------------------------------------------------------------

#[derive(Serialize)]
struct KeyRow {
    #[serde(flatten)]
    key: ApiKey,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

#[derive(Serialize)]
struct KeysPage {
    #[serde(flatten)]
    base: PageBase,
    keys: Vec<KeyRow>,
    /// A key just made: shown this once.
    created: Option<String>,
    name: String,
    errors: FormErrors,
    upload_url: String,
}

async fn keys_view(
    page: &Page,
    created: Option<String>,
    name: String,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let listed = page
        .state()
        .db
        .run(|conn| keys::list(conn).map_err(AppError::from))
        .await?;
    let zone = page.zone();
    let when = |at| crate::web::format::when::moment(page.lang, &zone, at);
    let rows = listed
        .into_iter()
        .map(|key| KeyRow {
            created: when(key.created_at),
            last_used: key.last_used_at.map(when),
            revoked: key.revoked_at.map(when),
            key,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = KeysPage {
        base: page.base(),
        keys: rows,
        created,
        name,
        errors: page.errors(error.as_ref()),
        upload_url: format!("{}/api/v1/recordings", page.state().base_url),
    };
    page.render("ingest/keys.html", status, &data)
}

async fn keys_page(_: Owner, page: Page) -> Result<HttpResponse, AppError> {
    keys_view(&page, None, String::new(), None).await
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    name: String,
}

async fn create_key(
    _: Owner,
    page: Page,
    PageForm(owner, form): PageForm<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let name = form.name.clone();
    let created = page
        .state()
        .db
        .write(move |conn| keys::create(conn, &owner.user_id, &form.name, "ingest"))
        .await;
    match created {
        Ok(created) => keys_view(&page, Some(created.secret), String::new(), None).await,
        Err(error) => keys_view(&page, None, name, Some(error.into())).await,
    }
}

async fn revoke_key(
    _: Owner,
    page: Page,
    id: web::Path<ApiKeyId>,
    PageForm(owner, _): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    page.state()
        .db
        .write(move |conn| keys::revoke(conn, &owner.user_id, &id))
        .await?;
    Ok(see_other("/keys"))
}

// ---- extensions ------------------------------------------------------------------------------

#[derive(Deserialize)]
struct ExtensionForm {
    #[serde(default)]
    extension: String,
}

/// Maps an extension to the operator; the People page again, with how many waiting calls
/// went on, or what is wrong.
async fn add_extension(
    _: Owner,
    page: Page,
    id: web::Path<OperatorId>,
    PageForm(owner, form): PageForm<ExtensionForm>,
) -> Result<HttpResponse, AppError> {
    let operator = id.into_inner();
    let mapped = page
        .state()
        .db
        .write(move |conn| {
            crate::ingest::extensions::map(conn, &owner.user_id, &operator, &form.extension)
        })
        .await;
    match mapped {
        Ok(released) => {
            page.state().workers.wake();
            Ok(see_other(&format!("/people?released={released}#operators")))
        }
        Err(error) => Err(error.into()),
    }
}

async fn remove_extension(
    _: Owner,
    page: Page,
    PageForm(owner, form): PageForm<ExtensionForm>,
) -> Result<HttpResponse, AppError> {
    page.state()
        .db
        .write(move |conn| crate::ingest::extensions::unmap(conn, &owner.user_id, &form.extension))
        .await?;
    Ok(see_other("/people#operators"))
}

// ---- inbound calls ---------------------------------------------------------------------------

#[derive(Serialize)]
struct InboundRow {
    #[serde(flatten)]
    call: InboundCall,
    arrived: String,
    called: Option<String>,
    source_label: String,
}

#[derive(Serialize)]
struct InboundPage {
    #[serde(flatten)]
    base: PageBase,
    waiting: Vec<InboundRow>,
    failed: Vec<InboundRow>,
    fetching: Vec<InboundRow>,
    operators: Vec<crate::accounts::operators::OperatorView>,
    errors: FormErrors,
    /// Outcomes just set from a CRM export.
    outcomes_set: Option<usize>,
}

async fn inbound_view(
    page: &Page,
    error: Option<AppError>,
    outcomes_set: Option<usize>,
) -> Result<HttpResponse, AppError> {
    let (calls, operators) = page
        .state()
        .db
        .run(|conn| {
            let calls = inbound::list(
                conn,
                &[
                    InboundState::NeedsOperator,
                    InboundState::Failed,
                    InboundState::Fetching,
                ],
                500,
            )?;
            Ok::<_, AppError>((calls, OperatorRecord::list(conn)?))
        })
        .await?;
    let zone = page.zone();
    let when = |at| crate::web::format::when::moment(page.lang, &zone, at);
    let (mut waiting, mut failed, mut fetching) = (Vec::new(), Vec::new(), Vec::new());
    for call in calls {
        let row = InboundRow {
            arrived: when(call.created_at),
            called: call.called_at.map(when),
            source_label: match &call.source_name {
                Some(name) => format!("{} · {name}", call.source),
                None => call.source.to_string(),
            },
            call,
        };
        match row.call.state {
            InboundState::NeedsOperator => waiting.push(row),
            InboundState::Failed => failed.push(row),
            _ => fetching.push(row),
        }
    }
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = InboundPage {
        base: page.base(),
        waiting,
        failed,
        fetching,
        operators,
        errors: page.errors(error.as_ref()),
        outcomes_set,
    };
    page.render("ingest/inbound.html", status, &data)
}

async fn inbound_page(_: Owner, page: Page) -> Result<HttpResponse, AppError> {
    inbound_view(&page, None, None).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    operator_id: String,
}

async fn assign_submit(
    _: Owner,
    page: Page,
    id: web::Path<InboundId>,
    PageForm(owner, form): PageForm<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if form.operator_id.trim().is_empty() {
        return inbound_view(
            &page,
            Some(AppError::field("operator_id", "required")),
            None,
        )
        .await;
    }
    let operator = OperatorId::from_raw(form.operator_id.trim());
    let assigned = page
        .state()
        .db
        .write(move |conn| inbound::assign(conn, &id, &operator, &owner.user_id))
        .await;
    match assigned {
        Ok(recording) => {
            page.state().workers.wake();
            Ok(see_other(&format!("/recordings/{recording}")))
        }
        Err(error @ crate::ingest::IngestError::Invalid(_)) => {
            inbound_view(&page, Some(error.into()), None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Sends a call left out of its sample (or still held) to reviewers; back to its page.
async fn pull_in_submit(
    _: Owner,
    page: Page,
    id: web::Path<RecordingId>,
    PageForm(owner, _): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let recording = id.clone();
    page.state()
        .db
        .write(move |conn| crate::sampling::pull_in(conn, &owner.user_id, &recording))
        .await?;
    Ok(see_other(&format!("/recordings/{id}")))
}

/// How many inbound calls need the owner: waiting for an operator, and failed.
pub fn waiting_counts(conn: &mut crate::db::DbConnection) -> diesel::QueryResult<(i64, i64)> {
    use crate::db::ingest_schema::inbound_calls;
    use diesel::prelude::*;
    let count = |conn: &mut crate::db::DbConnection, state: InboundState| {
        inbound_calls::table
            .filter(inbound_calls::state.eq(state))
            .count()
            .get_result::<i64>(conn)
    };
    Ok((
        count(conn, InboundState::NeedsOperator)?,
        count(conn, InboundState::Failed)?,
    ))
}
