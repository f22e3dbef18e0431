//! Who is asking. The `authenticate` middleware runs before routing: it reads the token (a
//! `Bearer` header for API clients, else the session cookie), checks its signature, expiry
//! and the user's current token version and active flag in the database, and leaves an
//! [`Auth`] in the request. The role extractors (`Owner`, `Reviewer`, `Operator`, `SignedIn`)
//! then decide synchronously, so a request for the wrong role is refused (401/403) before
//! any body is read or parsed.
//!
//! Cookie-authenticated writes are also checked for cross-site origin here (CSRF): the
//! session cookie is `SameSite=Strict`, and an unsafe request from a browser must come from
//! our own origin (`Sec-Fetch-Site` or `Origin`); forms of signed-in pages also carry a
//! per-session token (see `web::forms`).

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use hmac::{KeyInit, Mac};

use crate::accounts::{Role, User, tokens};
use crate::db::ids::{OperatorId, UserId};
use crate::error::AppError;
use crate::http::AppState;
use crate::org_settings::OrgSettings;
use crate::zone::Zone;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "callqa_session";

/// A signed-in user, as checked for this request.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub role: Role,
    pub display_name: String,
    pub login: String,
    pub operator_id: Option<OperatorId>,
    pub token_version: i32,
    /// The zone times are shown in: the person's own, else the organization's.
    pub zone: Zone,
    /// How the request proved it: cookie (a browser) or bearer header (an API client).
    pub via_cookie: bool,
}

/// The outcome of authentication, left in the request's extensions.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    /// A token was sent but is forged, expired, revoked or belongs to a deactivated user.
    Rejected,
    User(Session),
    /// A machine key (`cq_…`), which may only do what its scope allows.
    Key(crate::ingest::keys::KeyPrincipal),
}

impl Auth {
    pub fn of(req: &HttpRequest) -> Auth {
        req.extensions()
            .get::<Auth>()
            .cloned()
            .unwrap_or(Auth::Anonymous)
    }

    pub fn session(req: &HttpRequest) -> Option<Session> {
        match Auth::of(req) {
            Auth::User(session) => Some(session),
            _ => None,
        }
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case), trimmed.
pub fn bearer_token(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("application state missing"))?;
    let bearer = bearer_token(req.headers()).map(str::to_owned);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let via_cookie = bearer.is_none() && cookie.is_some();

    if bearer.is_none() && !same_origin_or_safe(&req, cookie.is_some()) {
        let response = actix_web::HttpResponse::from_error(AppError::CsrfFailed);
        return Ok(req.into_response(response).map_into_right_body());
    }

    let key = bearer
        .as_deref()
        .filter(|token| token.starts_with(crate::ingest::keys::KEY_PREFIX))
        .map(str::to_owned);
    let auth = match (key, bearer.or(cookie)) {
        (Some(secret), _) => {
            let found = state
                .db
                .read_quick(move |conn| {
                    crate::ingest::keys::authenticate(conn, &secret).map_err(AppError::from)
                })
                .await?;
            found.map_or(Auth::Rejected, Auth::Key)
        }
        (None, None) => Auth::Anonymous,
        (None, Some(token)) => match tokens::verify(&state.signing_key, &token) {
            None => Auth::Rejected,
            Some(claims) => {
                let user_id = UserId::from_raw(claims.sub.clone());
                let user = state
                    .db
                    .read_quick(move |conn| {
                        let Some(user) = User::find(conn, &user_id)? else {
                            return Ok::<_, AppError>(None);
                        };
                        let own = user.time_zone.as_deref().and_then(Zone::named);
                        let zone = match own {
                            Some(zone) => zone,
                            None => OrgSettings::load_zone(conn)?,
                        };
                        Ok(Some((user, zone)))
                    })
                    .await?;
                match user {
                    Some((user, zone))
                        if user.active
                            && user.token_version == claims.ver
                            && user.role == claims.role =>
                    {
                        Auth::User(Session {
                            user_id: user.id,
                            role: user.role,
                            display_name: user.display_name,
                            login: user.login,
                            operator_id: user.operator_id,
                            token_version: user.token_version,
                            zone,
                            via_cookie,
                        })
                    }
                    _ => Auth::Rejected,
                }
            }
        },
    };
    let clear_cookie = via_cookie && matches!(auth, Auth::Rejected);
    req.extensions_mut().insert(auth);
    let mut response = next.call(req).await?;
    if clear_cookie {
        // A dead session cookie is removed so the browser stops sending it.
        let _ = response.response_mut().add_removal_cookie(&session_cookie(
            String::new(),
            false,
            time::Duration::ZERO,
        ));
    }
    Ok(response.map_into_left_body())
}

/// Whether a browser request may change state: safe methods always; unsafe ones only from
/// our own pages. Requests without a session cookie and without browser headers (scripts,
/// API clients) have no ambient authority to forge and pass.
fn same_origin_or_safe(req: &ServiceRequest, has_session_cookie: bool) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let info = req.connection_info();
        let own = format!("{}://{}", info.scheme(), info.host());
        return origin.eq_ignore_ascii_case(&own);
    }
    !has_session_cookie
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure when served over https.
pub fn session_cookie(token: String, secure: bool, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(max_age)
        .finish()
}

/// A login name and password, as the login form and `POST /api/v1/login` send them.
#[derive(serde::Deserialize)]
pub struct Credentials {
    pub login: String,
    pub password: String,
}

/// Signs in from this request's client address (see [`crate::http::client_address`]);
/// shared by the login page and the API.
pub async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    credentials: Credentials,
) -> Result<(User, tokens::IssuedToken), AppError> {
    let address = crate::http::client_address::client_address(req, &state.settings.trusted_proxies)
        .map_or_else(
            || "unknown".to_owned(),
            crate::http::client_address::throttle_identity,
        );
    crate::accounts::sign_in::sign_in(
        &state.db,
        &state.signing_key,
        state.settings.session_hours,
        &credentials.login,
        credentials.password,
        &address,
    )
    .await
    .map_err(AppError::from)
}

/// The session cookie for a freshly issued token.
pub fn cookie_for(
    req: &HttpRequest,
    state: &AppState,
    issued: &tokens::IssuedToken,
) -> actix_web::cookie::Cookie<'static> {
    let lifetime = issued.expires_at - time::OffsetDateTime::now_utc();
    session_cookie(issued.token.clone(), is_https(req, state), lifetime)
}

/// A fresh token for `user` (just signed up, or with a changed password), as issued.
pub fn issue_for(state: &AppState, user: &User) -> Result<tokens::IssuedToken, AppError> {
    tokens::issue(
        &state.signing_key,
        &user.id,
        user.role,
        user.token_version,
        state.settings.session_hours,
    )
    .map_err(AppError::internal)
}

/// A redirect to `location` that signs the browser in as `user` with a fresh session cookie.
pub fn signed_in_redirect(
    req: &HttpRequest,
    state: &AppState,
    user: &User,
    location: &str,
) -> Result<actix_web::HttpResponse, AppError> {
    let issued = issue_for(state, user)?;
    Ok(actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .cookie(cookie_for(req, state, &issued))
        .finish())
}

/// Whether the client reached us over https (directly or, per `CALLQA_PUBLIC_URL`, behind a
/// proxy), so cookies get the `Secure` flag.
pub fn is_https(req: &HttpRequest, state: &AppState) -> bool {
    req.connection_info().scheme() == "https"
        || state
            .settings
            .public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
}

impl Session {
    /// The session as a viewer of recordings (role and own operator record).
    pub fn viewer(&self) -> crate::recordings::view::Viewer {
        crate::recordings::view::Viewer {
            role: self.role,
            operator_id: self.operator_id.clone(),
        }
    }

    /// The token that forms of signed-in pages carry: bound to this user and session
    /// generation, so it dies with logout.
    pub fn csrf_token(&self, key: &crate::secret::SigningKey) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(format!("csrf:{}:{}", self.user_id, self.token_version).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Session);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(match Auth::of(req) {
                    Auth::User(session) if session.role == $role => Ok($name(session)),
                    Auth::User(_) => Err(AppError::Forbidden),
                    Auth::Key(_) => Err(AppError::Refused("key_not_allowed")),
                    _ => Err(AppError::Unauthenticated),
                })
            }
        }
    };
}

role_extractor!(
    /// The request comes from a signed-in owner.
    Owner,
    Role::Owner
);
role_extractor!(
    /// The request comes from a signed-in reviewer.
    Reviewer,
    Role::Reviewer
);
role_extractor!(
    /// The request comes from a signed-in operator.
    Operator,
    Role::Operator
);

/// Any signed-in user.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Session);

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match Auth::of(req) {
            Auth::User(session) => Ok(SignedIn(session)),
            Auth::Key(_) => Err(AppError::Refused("key_not_allowed")),
            _ => Err(AppError::Unauthenticated),
        })
    }
}

/// Who may send recordings: a signed-in owner, or a machine key with the `ingest` scope.
#[derive(Debug, Clone)]
pub enum Ingester {
    Owner(Session),
    Key(crate::ingest::keys::KeyPrincipal),
}

impl FromRequest for Ingester {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use crate::ingest::keys::Scope;
        ready(match Auth::of(req) {
            Auth::User(session) if session.role == Role::Owner => Ok(Ingester::Owner(session)),
            Auth::User(_) => Err(AppError::Forbidden),
            Auth::Key(key) if key.scope == Scope::Ingest => Ok(Ingester::Key(key)),
            Auth::Key(_) => Err(AppError::Refused("key_not_allowed")),
            _ => Err(AppError::Unauthenticated),
        })
    }
}

/// A signed-in user who may listen to a reviewer copy: a reviewer (their own call) or an
/// owner, never an operator. An extractor, so the role is refused before the code in the
/// path is read: an operator hears "forbidden" whatever the code looks like.
#[derive(Debug, Clone)]
pub struct Listener(pub Session);

impl FromRequest for Listener {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(match SignedIn::from_request(req, payload).into_inner() {
            Ok(SignedIn(session)) if session.role == Role::Operator => Err(AppError::Forbidden),
            Ok(SignedIn(session)) => Ok(Listener(session)),
            Err(error) => Err(error),
        })
    }
}

/// The signed-in user if there is one (public pages that adapt to who is looking).
#[derive(Debug, Clone)]
pub struct MaybeSignedIn(pub Option<Session>);

impl FromRequest for MaybeSignedIn {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(MaybeSignedIn(Auth::session(req))))
    }
}
