//! Form posts from signed-in pages: [`PageForm`] checks the per-session CSRF token the page
//! put in the form (`<input type="hidden" name="csrf">`) before parsing the fields.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::http::AppState;
use crate::http::{Auth, Session};

/// A signed-in user's form submission: the session and the parsed fields.
pub struct PageForm<T>(pub Session, pub T);

impl<T: DeserializeOwned + 'static> FromRequest for PageForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Auth::session(req);
        let expected = req
            .app_data::<web::Data<AppState>>()
            .zip(session.as_ref())
            .map(|(state, session)| session.csrf_token(&state.signing_key));
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let session = session.ok_or(AppError::Unauthenticated)?;
            let body = body
                .await
                .map_err(|e| crate::web::errors::payload_problem(e.as_response_error()))?;
            let sent = url::form_urlencoded::parse(&body)
                .find(|(name, _)| name == "csrf")
                .map(|(_, value)| value.into_owned());
            if sent.is_none() || sent != expected {
                return Err(AppError::CsrfFailed);
            }
            let fields = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::BadRequest("invalid_form"))?;
            Ok(PageForm(session, fields))
        })
    }
}
