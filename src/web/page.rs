//! What a page handler needs to answer with a page, taken once as an extractor: the request
//! (for the layout's path, menu and form token), the viewer's language, the compiled
//! templates and the application's state. Views render through it, so a handler names only
//! what is its own: who asks and the form or query it was sent.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::templates::Templates;
use super::{FormErrors, PageBase};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::session::Auth;
use crate::i18n::{Lang, MessageArgs};
use crate::zone::Zone;

/// A page being answered: see the module doc.
pub struct Page {
    req: HttpRequest,
    pub lang: Lang,
    templates: web::Data<Templates>,
    state: web::Data<AppState>,
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Page, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let templates = req.app_data::<web::Data<Templates>>().cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        ready(
            templates
                .zip(state)
                .map(|(templates, state)| Page {
                    req: req.clone(),
                    lang: Lang::of_request(req),
                    templates,
                    state,
                })
                .ok_or_else(|| AppError::internal("application state is not registered")),
        )
    }
}

impl Page {
    /// The application's state: database, audio store, workers, settings.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn req(&self) -> &HttpRequest {
        &self.req
    }

    /// The request's path and query, as the browser sent it.
    pub fn path_and_query(&self) -> &str {
        self.req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
    }

    /// What the layout shows around every page.
    pub fn base(&self) -> PageBase {
        PageBase::from_request(&self.req, self.lang)
    }

    /// The zone the viewer reads times in (UTC for someone not signed in).
    pub fn zone(&self) -> Zone {
        Auth::session(&self.req).map(|s| s.zone).unwrap_or_default()
    }

    /// A message in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.translate(key)
    }

    pub fn t_with(&self, key: &str, args: &MessageArgs) -> String {
        self.lang.translate_with(key, args)
    }

    /// The error shown at the top of a form, and its fields' messages (empty without one).
    pub fn errors(&self, error: Option<&AppError>) -> FormErrors {
        error
            .map(|e| FormErrors::from_error(e, self.lang))
            .unwrap_or_default()
    }

    /// The template `name` with `data`, as a page answered with `status`.
    pub fn render<T: Serialize>(
        &self,
        name: &str,
        status: StatusCode,
        data: &T,
    ) -> Result<HttpResponse, AppError> {
        self.templates.page(name, self.lang, status, data)
    }
}
