//! Pages for accounts: log in and out, the first owner's setup, accepting an invite, the
//! owner's People page (reviewers, operators, invites), and one's own account.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::accounts::invites::Invite;
use crate::accounts::invites::NewInvite;
use crate::accounts::operators::{OperatorRecord, OperatorView};
use crate::accounts::users::UserView;
use crate::accounts::{AccountError, Role, User};
use crate::db::ids::{InviteId, OperatorId, UserId};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::http::session::session_cookie;
use crate::http::session::{Credentials, cookie_for, sign_in, signed_in_redirect};
use crate::http::{MaybeSignedIn, Owner, Session, SignedIn};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::org_settings::OrgSettings;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/login", Access::Public, login_page);
    r.add(Method::POST, "/login", Access::Public, login_submit);
    r.add(Method::POST, "/logout", Access::SignedIn, logout_submit);
    r.add(Method::GET, "/setup/{token}", Access::Public, setup_page);
    r.add(Method::POST, "/setup/{token}", Access::Public, setup_submit);
    r.add(Method::GET, "/invite/{token}", Access::Public, invite_page);
    r.add(
        Method::POST,
        "/invite/{token}",
        Access::Public,
        invite_submit,
    );
    r.add(Method::GET, "/people", Access::Owner, people_page);
    r.add(
        Method::POST,
        "/people/operators",
        Access::Owner,
        people_add_operator,
    );
    r.add(
        Method::POST,
        "/people/operators/{id}/name",
        Access::Owner,
        people_rename_operator,
    );
    r.add(
        Method::POST,
        "/people/invites",
        Access::Owner,
        people_invite,
    );
    r.add(
        Method::POST,
        "/people/invites/{id}/revoke",
        Access::Owner,
        people_revoke_invite,
    );
    r.add(
        Method::POST,
        "/people/users/{id}/active",
        Access::Owner,
        people_set_active,
    );
    r.add(Method::GET, "/account", Access::SignedIn, account_page);
    r.add(
        Method::POST,
        "/account/password",
        Access::SignedIn,
        account_password,
    );
    r.add(
        Method::POST,
        "/account/language",
        Access::SignedIn,
        account_language,
    );
    r.add(
        Method::POST,
        "/account/time-zone",
        Access::SignedIn,
        account_time_zone,
    );
    r.add(
        Method::POST,
        "/account/languages",
        Access::Reviewer,
        account_languages,
    );
}

/// Where each role starts after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Owner => "/",
        Role::Reviewer => "/review",
        Role::Operator => "/calls",
    }
}

// ---- log in and out -------------------------------------------------------------------

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

#[derive(Serialize)]
struct LoginPage {
    #[serde(flatten)]
    base: PageBase,
    next: String,
    login: String,
    errors: FormErrors,
}

async fn login_page(
    page: Page,
    MaybeSignedIn(session): MaybeSignedIn,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = super::safe_next(query.next.as_deref());
    if let Some(session) = session {
        let target = if next == "/" {
            home_of(session.role).to_owned()
        } else {
            next
        };
        return Ok(see_other(&target));
    }
    let data = LoginPage {
        base: page.base(),
        next,
        login: String::new(),
        errors: FormErrors::default(),
    };
    page.render("accounts/login.html", StatusCode::OK, &data)
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// Signs in and remembers the person's language; a failure re-shows the form.
async fn login_submit(page: Page, form: web::Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let form = form.into_inner();
    let next = super::safe_next(form.next.as_deref());
    let credentials = Credentials {
        login: form.login.clone(),
        password: form.password,
    };
    match sign_in(state, page.req(), credentials).await {
        Ok((user, issued)) => {
            let target = if next == "/" {
                home_of(user.role).to_owned()
            } else {
                next
            };
            let mut response = HttpResponse::SeeOther();
            response
                .insert_header((actix_web::http::header::LOCATION, target))
                .cookie(cookie_for(page.req(), state, &issued));
            if let Some(user_lang) = user.lang() {
                response.cookie(language_cookie(user_lang));
            }
            Ok(response.finish())
        }
        Err(
            error @ (AppError::BadCredentials
            | AppError::TooManyRequests { .. }
            | AppError::Validation(_)),
        ) => {
            // A login refused as too long is not worth sending back.
            let login = if matches!(error, AppError::Validation(_)) {
                String::new()
            } else {
                form.login
            };
            let data = LoginPage {
                base: page.base(),
                next,
                login,
                errors: FormErrors::from_error(&error, page.lang),
            };
            let mut response = page.render("accounts/login.html", error.status(), &data)?;
            if let AppError::TooManyRequests { retry_after_secs } = error {
                response.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(retry_after_secs),
                );
            }
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

fn language_cookie(lang: Lang) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(actix_web::cookie::time::Duration::days(365))
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish()
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn logout_submit(
    PageForm(session, _): PageForm<EmptyForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state
        .db
        .run(move |conn| User::revoke_tokens(conn, &session.user_id).map_err(AppError::from))
        .await?;
    let mut response = see_other("/login");
    response
        .add_removal_cookie(&session_cookie(String::new(), false, time::Duration::ZERO))
        .map_err(AppError::internal)?;
    Ok(response)
}

// ---- setup and invites ------------------------------------------------------------------

#[derive(Serialize)]
struct JoinPage {
    #[serde(flatten)]
    base: PageBase,
    /// `setup` (the first owner) or `invite`.
    kind: &'static str,
    role: Role,
    action: String,
    login: String,
    name: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct JoinForm {
    login: String,
    name: String,
    password: String,
    password_again: String,
}

async fn setup_page(page: Page, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    join_page(&page, "setup", token.into_inner()).await
}

async fn invite_page(page: Page, token: web::Path<String>) -> Result<HttpResponse, AppError> {
    join_page(&page, "invite", token.into_inner()).await
}

async fn join_page(
    page: &Page,
    kind: &'static str,
    token: String,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let lookup = token.clone();
    let invite = state
        .db
        .run(move |conn| Invite::find_open(conn, &lookup).map_err(AppError::from))
        .await?;
    if (kind == "setup") != (invite.role == Role::Owner) {
        return Err(AccountError::InviteInvalid.into());
    }
    let data = JoinPage {
        base: page.base(),
        kind,
        role: invite.role,
        action: format!("/{kind}/{token}"),
        login: String::new(),
        name: String::new(),
        errors: FormErrors::default(),
    };
    page.render("accounts/join.html", StatusCode::OK, &data)
}

async fn setup_submit(
    page: Page,
    token: web::Path<String>,
    form: web::Form<JoinForm>,
) -> Result<HttpResponse, AppError> {
    join_submit(&page, "setup", token.into_inner(), form.into_inner()).await
}

async fn invite_submit(
    page: Page,
    token: web::Path<String>,
    form: web::Form<JoinForm>,
) -> Result<HttpResponse, AppError> {
    join_submit(&page, "invite", token.into_inner(), form.into_inner()).await
}

/// Creates the account from the link, signs the new user in and takes them to their start page.
async fn join_submit(
    page: &Page,
    kind: &'static str,
    token: String,
    form: JoinForm,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let action = format!("/{kind}/{token}");
    let lookup = token.clone();
    let invite = state
        .db
        .run(move |conn| Invite::find_open(conn, &lookup).map_err(AppError::from))
        .await?;
    if (kind == "setup") != (invite.role == Role::Owner) {
        return Err(AccountError::InviteInvalid.into());
    }
    let outcome = if form.password != form.password_again {
        Err(AppError::field("password_again", "passwords_differ"))
    } else {
        let (login, name, password) =
            (form.login.clone(), form.name.clone(), form.password.clone());
        state
            .db
            .run(move |conn| {
                Invite::accept(conn, &token, &login, &name, &password).map_err(AppError::from)
            })
            .await
    };
    match outcome {
        Ok(user) => signed_in_redirect(page.req(), state, &user, home_of(user.role)),
        Err(error @ AppError::Validation(_)) => {
            let data = JoinPage {
                base: page.base(),
                kind,
                role: invite.role,
                action,
                login: form.login,
                name: form.name,
                errors: FormErrors::from_error(&error, page.lang),
            };
            page.render("accounts/join.html", error.status(), &data)
        }
        Err(other) => Err(other),
    }
}

// ---- the owner's People page ----------------------------------------------------------

#[derive(Serialize)]
struct PeoplePage {
    #[serde(flatten)]
    base: PageBase,
    users: Vec<UserView>,
    operators: Vec<OperatorRow>,
    invites: Vec<Invite>,
    #[serde(flatten)]
    shown: Shown,
    errors: FormErrors,
    me: UserId,
}

/// An operator with the PBX extensions mapped to them.
#[derive(Serialize)]
struct OperatorRow {
    #[serde(flatten)]
    view: OperatorView,
    extensions: Vec<String>,
}

/// What the People page shows besides its lists, after an action.
#[derive(Default, Serialize)]
struct Shown {
    /// The link of an invite just created (shown once).
    new_invite_url: Option<String>,
    /// An operator was just renamed.
    renamed: bool,
    /// An extension was just mapped; this many waiting calls went on.
    released: Option<u32>,
    /// A rename that was refused: the form stays open with what was typed.
    rename: Option<RenameAttempt>,
}

#[derive(Serialize)]
struct RenameAttempt {
    id: OperatorId,
    name: String,
}

#[derive(Deserialize)]
struct PeopleQuery {
    renamed: Option<String>,
    /// An extension was just mapped, sending on this many waiting calls.
    released: Option<u32>,
}

async fn people_view(
    page: &Page,
    owner: &Session,
    shown: Shown,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (users, operators, invites, extensions) = state
        .db
        .run(|conn| {
            Ok::<_, AppError>((
                User::list(conn)?,
                OperatorRecord::list(conn)?,
                Invite::list_open(conn)?,
                crate::ingest::extensions::list(conn)?,
            ))
        })
        .await?;
    let operators = operators
        .into_iter()
        .map(|view| OperatorRow {
            extensions: extensions
                .iter()
                .filter(|e| e.operator_id == view.record.id)
                .map(|e| e.extension.clone())
                .collect(),
            view,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = PeoplePage {
        base: page.base(),
        users: users.iter().map(UserView::from).collect(),
        operators,
        invites,
        shown,
        errors: page.errors(error.as_ref()),
        me: owner.user_id.clone(),
    };
    page.render("accounts/people.html", status, &data)
}

async fn people_page(
    Owner(owner): Owner,
    page: Page,
    query: web::Query<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        renamed: query.renamed.is_some(),
        released: query.released,
        ..Shown::default()
    };
    people_view(&page, &owner, shown, None).await
}

/// Re-shows the People page with a validation problem, or passes other errors on.
async fn people_after(
    outcome: Result<Option<String>, AppError>,
    page: &Page,
    owner: &Session,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(None) => Ok(see_other("/people")),
        Ok(Some(url)) => {
            let shown = Shown {
                new_invite_url: Some(url),
                ..Shown::default()
            };
            people_view(page, owner, shown, None).await
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            people_view(page, owner, Shown::default(), Some(error)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct OperatorForm {
    name: String,
    external_id: Option<String>,
}

async fn people_add_operator(
    _: Owner,
    page: Page,
    PageForm(owner, form): PageForm<OperatorForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let outcome = state
        .db
        .run(move |conn| {
            OperatorRecord::create(conn, &form.name, form.external_id.as_deref())
                .map(|_| None)
                .map_err(AppError::from)
        })
        .await;
    people_after(outcome, &page, &owner).await
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

/// Renames an operator record; a refused name re-shows the page with the form still open.
async fn people_rename_operator(
    _: Owner,
    page: Page,
    id: web::Path<OperatorId>,
    PageForm(owner, form): PageForm<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let (acting, target, name) = (owner.user_id.clone(), id.clone(), form.name.clone());
    let outcome = state
        .db
        .run(move |conn| {
            OperatorRecord::rename(conn, &acting, &target, &name).map_err(AppError::from)
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/people?renamed=1#operators")),
        Err(error @ AppError::Validation(_)) => {
            let shown = Shown {
                rename: Some(RenameAttempt {
                    id,
                    name: form.name,
                }),
                ..Shown::default()
            };
            people_view(&page, &owner, shown, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

async fn people_invite(
    _: Owner,
    page: Page,
    PageForm(owner, form): PageForm<NewInvite>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let outcome = Invite::make(&state.db, &owner.user_id, &state.base_url, form)
        .await
        .map(|(_, url)| Some(url))
        .map_err(AppError::from);
    people_after(outcome, &page, &owner).await
}

async fn people_revoke_invite(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<InviteId>,
    PageForm(_, _): PageForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .run(move |conn| Invite::revoke(conn, &id).map_err(AppError::from))
        .await?;
    Ok(see_other("/people"))
}

#[derive(Deserialize)]
struct ActiveForm {
    active: bool,
}

async fn people_set_active(
    _: Owner,
    page: Page,
    id: web::Path<UserId>,
    PageForm(owner, form): PageForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let acting = owner.user_id.clone();
    let outcome = state
        .db
        .run(move |conn| {
            User::set_active(conn, &acting, &id, form.active)
                .map(|_| None)
                .map_err(AppError::from)
        })
        .await;
    people_after(outcome, &page, &owner).await
}

// ---- one's own account ----------------------------------------------------------------

#[derive(Serialize)]
struct AccountPage {
    #[serde(flatten)]
    base: PageBase,
    me: UserView,
    /// The person's own zone, empty when they follow the organization's.
    own_zone: String,
    org_zone: String,
    zones: &'static [String],
    /// For a reviewer: the languages of calls they review, every one listed.
    review_languages: Option<Vec<crate::languages::LanguageChoice>>,
    /// For a reviewer: where they are paid (`payout_details`, masked, once entered).
    payout: bool,
    payout_details: Option<crate::pay::details::PayoutDetails>,
    saved: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct AccountQuery {
    saved: Option<String>,
}

pub(crate) async fn account_view(
    page: &Page,
    session: &Session,
    saved: bool,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let user_id = session.user_id.clone();
    let (me, org_zone, review_languages) = state
        .db
        .run(move |conn| {
            let me = User::find(conn, &user_id)?.ok_or(AppError::NotFound)?;
            let review_languages = match me.role {
                Role::Reviewer => Some(crate::languages::of_reviewer(conn, &user_id)?),
                _ => None,
            };
            let payout = match me.role {
                Role::Reviewer => crate::pay::details::of(conn, &user_id)?,
                _ => None,
            };
            Ok::<_, AppError>((
                me,
                OrgSettings::load_zone(conn)?,
                (review_languages, payout),
            ))
        })
        .await?;
    let (review_languages, payout_details) = review_languages;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = AccountPage {
        base: page.base(),
        own_zone: me.time_zone.clone().unwrap_or_default(),
        org_zone: org_zone.name().to_owned(),
        zones: crate::zone::names(),
        review_languages: review_languages
            .map(|chosen| crate::languages::choices(page.lang, &chosen)),
        payout: me.role == Role::Reviewer,
        payout_details: payout_details.map(crate::pay::details::PayoutDetails::masked),
        me: UserView::from(&me),
        saved,
        errors: page.errors(error.as_ref()),
    };
    page.render("accounts/account.html", status, &data)
}

async fn account_page(
    SignedIn(session): SignedIn,
    page: Page,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, AppError> {
    account_view(&page, &session, query.saved.is_some(), None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

/// Changes the password; other sessions end and this browser gets a fresh cookie.
async fn account_password(
    page: Page,
    PageForm(session, form): PageForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let outcome = if form.new_password != form.new_password_again {
        Err(AppError::field("new_password_again", "passwords_differ"))
    } else {
        let user_id = session.user_id.clone();
        state
            .db
            .run(move |conn| {
                User::change_password(conn, &user_id, &form.current_password, &form.new_password)
                    .map_err(AppError::from)
            })
            .await
    };
    match outcome {
        Ok(user) => signed_in_redirect(page.req(), state, &user, "/account?saved=1"),
        Err(error @ AppError::Validation(_)) => {
            account_view(&page, &session, false, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
}

async fn account_language(
    state: web::Data<AppState>,
    PageForm(session, form): PageForm<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&form.language)
        .ok_or_else(|| AppError::field("language", "unknown_value"))?;
    state
        .db
        .run(move |conn| User::set_language(conn, &session.user_id, lang).map_err(AppError::from))
        .await?;
    let mut response = see_other("/account?saved=1");
    response
        .add_cookie(&language_cookie(lang))
        .map_err(AppError::internal)?;
    Ok(response)
}

/// Every `language` field of a form (one per ticked box).
pub fn ticked_languages(fields: &[(String, String)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(name, _)| name == "language")
        .map(|(_, value)| value.clone())
        .collect()
}

/// The reviewer sets the languages of calls they review (none ticked: every language).
async fn account_languages(
    _: crate::http::Reviewer,
    page: Page,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let wanted = ticked_languages(&fields);
    let me = session.user_id.clone();
    let outcome = page
        .state()
        .db
        .run(move |conn| {
            crate::languages::set_for_reviewer(conn, &me, &me, &wanted).map_err(AppError::from)
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/account?saved=1")),
        Err(error @ AppError::Validation(_)) => {
            account_view(&page, &session, false, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct TimeZoneForm {
    /// An IANA name; empty: the organization's zone.
    time_zone: String,
}

/// Sets the person's own time zone (or back to the organization's).
async fn account_time_zone(
    page: Page,
    PageForm(session, form): PageForm<TimeZoneForm>,
) -> Result<HttpResponse, AppError> {
    let user_id = session.user_id.clone();
    let outcome = match crate::zone::own_choice(Some(&form.time_zone)) {
        Ok(zone) => {
            page.state()
                .db
                .run(move |conn| {
                    User::set_time_zone(conn, &user_id, zone.as_ref()).map_err(AppError::from)
                })
                .await
        }
        Err(problem) => Err(problem.into()),
    };
    match outcome {
        Ok(()) => Ok(see_other("/account?saved=1")),
        Err(error @ AppError::Validation(_)) => {
            account_view(&page, &session, false, Some(error)).await
        }
        Err(other) => Err(other),
    }
}
