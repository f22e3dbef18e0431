//! `/api/v1` routes for logging in and out, the caller's own account, operator records,
//! users and invites.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::accounts::invites::Invite;
use crate::accounts::operators::OperatorRecord;
use crate::accounts::users::UserView;
use crate::accounts::{Role, User};
use crate::db::ids::{InviteId, OperatorId, UserId};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::routes::{Access, RouteSink};
use crate::http::session::{Credentials, cookie_for, issue_for, session_cookie, sign_in};
use crate::http::{Owner, Reviewer, SignedIn};
use crate::i18n::Lang;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::POST, "/api/v1/login", Access::Public, login);
    r.add(Method::POST, "/api/v1/logout", Access::SignedIn, logout);
    r.add(Method::GET, "/api/v1/me", Access::SignedIn, me);
    r.add(
        Method::POST,
        "/api/v1/me/password",
        Access::SignedIn,
        change_password,
    );
    r.add(
        Method::PUT,
        "/api/v1/me/language",
        Access::SignedIn,
        set_language,
    );
    r.add(
        Method::PUT,
        "/api/v1/me/time-zone",
        Access::SignedIn,
        set_time_zone,
    );
    r.add(
        Method::GET,
        "/api/v1/me/languages",
        Access::Reviewer,
        my_languages,
    );
    r.add(
        Method::PUT,
        "/api/v1/me/languages",
        Access::Reviewer,
        set_my_languages,
    );
    r.add(
        Method::GET,
        "/api/v1/operators",
        Access::Owner,
        list_operators,
    );
    r.add(
        Method::POST,
        "/api/v1/operators",
        Access::Owner,
        create_operator,
    );
    r.add(
        Method::PATCH,
        "/api/v1/operators/{id}",
        Access::Owner,
        update_operator,
    );
    r.add(Method::GET, "/api/v1/users", Access::Owner, list_users);
    r.add(
        Method::POST,
        "/api/v1/users/{id}/deactivate",
        Access::Owner,
        deactivate_user,
    );
    r.add(
        Method::POST,
        "/api/v1/users/{id}/reactivate",
        Access::Owner,
        reactivate_user,
    );
    r.add(Method::GET, "/api/v1/invites", Access::Owner, list_invites);
    r.add(
        Method::POST,
        "/api/v1/invites",
        Access::Owner,
        create_invite,
    );
    r.add(
        Method::DELETE,
        "/api/v1/invites/{id}",
        Access::Owner,
        revoke_invite,
    );
    r.add(
        Method::POST,
        "/api/v1/invites/{token}/accept",
        Access::Public,
        accept_invite,
    );
}

#[derive(Serialize)]
struct LoginResponse {
    token: String,
    role: Role,
    expires_at: String,
}

async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AppError> {
    let (user, issued) = sign_in(&state, &req, body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookie_for(&req, &state, &issued))
        .insert_header(("Cache-Control", "no-store"))
        .json(LoginResponse {
            token: issued.token,
            role: user.role,
            expires_at: crate::db::time::rfc3339(crate::db::time::to_timestamp(issued.expires_at)),
        }))
}

/// Ends every session of the caller at once (all tokens carry the old version).
async fn logout(
    SignedIn(session): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = session.user_id.clone();
    state
        .db
        .run(move |conn| User::revoke_tokens(conn, &user_id).map_err(AppError::from))
        .await?;
    let mut response = HttpResponse::NoContent().finish();
    response
        .add_removal_cookie(&session_cookie(String::new(), false, time::Duration::ZERO))
        .map_err(AppError::internal)?;
    Ok(response)
}

async fn me(
    SignedIn(session): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = state
        .db
        .run(move |conn| User::find(conn, &session.user_id).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password; every other session ends, this one gets a new token.
async fn change_password(
    SignedIn(session): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let user = state
        .db
        .run(move |conn| {
            User::change_password(
                conn,
                &session.user_id,
                &body.current_password,
                &body.new_password,
            )
            .map_err(AppError::from)
        })
        .await?;
    let issued = issue_for(&state, &user)?;
    Ok(HttpResponse::Ok()
        .cookie(cookie_for(&req, &state, &issued))
        .json(LoginResponse {
            token: issued.token,
            role: user.role,
            expires_at: crate::db::time::rfc3339(crate::db::time::to_timestamp(issued.expires_at)),
        }))
}

#[derive(Deserialize)]
struct LanguageChoice {
    language: String,
}

async fn set_language(
    SignedIn(session): SignedIn,
    state: web::Data<AppState>,
    body: web::Json<LanguageChoice>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&body.language)
        .filter(|l| l.code() == body.language.trim())
        .ok_or_else(|| AppError::field("language", "unknown_value"))?;
    state
        .db
        .run(move |conn| User::set_language(conn, &session.user_id, lang).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct TimeZoneChoice {
    /// An IANA name, or `null` to follow the organization's zone.
    time_zone: Option<String>,
}

/// `PUT /api/v1/me/time-zone {"time_zone": "Europe/Moscow"}` (or `null`): 204.
async fn set_time_zone(
    SignedIn(session): SignedIn,
    state: web::Data<AppState>,
    body: web::Json<TimeZoneChoice>,
) -> Result<HttpResponse, AppError> {
    let zone = crate::zone::own_choice(body.time_zone.as_deref())?;
    state
        .db
        .run(move |conn| {
            User::set_time_zone(conn, &session.user_id, zone.as_ref()).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/me/languages`: the languages of calls the reviewer is offered (empty: every
/// language).
async fn my_languages(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let me = session.user_id.clone();
    crate::api::reviewers::languages_answer(&state, me.clone(), me, None).await
}

/// `PUT /api/v1/me/languages {"languages": ["ru"]}`: 200 with the languages set.
async fn set_my_languages(
    Reviewer(session): Reviewer,
    state: web::Data<AppState>,
    body: web::Json<crate::api::reviewers::LanguagesBody>,
) -> Result<HttpResponse, AppError> {
    let me = session.user_id.clone();
    crate::api::reviewers::languages_answer(&state, me.clone(), me, Some(body.into_inner())).await
}

async fn list_operators(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let operators = state
        .db
        .run(|conn| OperatorRecord::list(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(operators))
}

#[derive(Deserialize)]
pub struct NewOperator {
    pub name: String,
    pub external_id: Option<String>,
}

async fn create_operator(
    _: Owner,
    state: web::Data<AppState>,
    body: web::Json<NewOperator>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let record = state
        .db
        .run(move |conn| {
            OperatorRecord::create(conn, &body.name, body.external_id.as_deref())
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(record))
}

/// What the owner may change on an operator record: its name.
#[derive(Deserialize)]
pub struct OperatorChange {
    pub name: String,
}

/// `PATCH /api/v1/operators/{id}` with `{"name": …}`: renames the record (calls and reviews
/// stay attached to it) and answers with the record as it now is.
async fn update_operator(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<OperatorId>,
    body: web::Json<OperatorChange>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let change = body.into_inner();
    let record = state
        .db
        .run(move |conn| {
            OperatorRecord::rename(conn, &owner.user_id, &id, &change.name).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

async fn list_users(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let users = state
        .db
        .run(|conn| User::list(conn).map_err(AppError::from))
        .await?;
    let views: Vec<UserView> = users.iter().map(UserView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

async fn set_user_active(
    owner: crate::http::Session,
    state: &AppState,
    id: String,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let id = UserId::from_raw(id);
    let user = state
        .db
        .run(move |conn| {
            User::set_active(conn, &owner.user_id, &id, active).map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}

async fn deactivate_user(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_user_active(owner, &state, id.into_inner(), false).await
}

async fn reactivate_user(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_user_active(owner, &state, id.into_inner(), true).await
}

#[derive(Serialize)]
struct InviteCreated {
    id: InviteId,
    role: Role,
    operator_id: Option<OperatorId>,
    url: String,
    expires_at: String,
}

async fn create_invite(
    Owner(owner): Owner,
    state: web::Data<AppState>,
    body: web::Json<crate::accounts::invites::NewInvite>,
) -> Result<HttpResponse, AppError> {
    let (invite, url) = Invite::make(
        &state.db,
        &owner.user_id,
        &state.base_url,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(InviteCreated {
        id: invite.id,
        role: invite.role,
        operator_id: invite.operator_id,
        url,
        expires_at: crate::db::time::rfc3339(invite.expires_at),
    }))
}

async fn list_invites(_: Owner, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let invites = state
        .db
        .run(|conn| Invite::list_open(conn).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(invites))
}

async fn revoke_invite(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<InviteId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .run(move |conn| Invite::revoke(conn, &id).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Acceptance {
    pub login: String,
    pub name: String,
    pub password: String,
}

async fn accept_invite(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<Acceptance>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let token = token.into_inner();
    let user = state
        .db
        .run(move |conn| {
            Invite::accept(conn, &token, &body.login, &body.name, &body.password)
                .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}
