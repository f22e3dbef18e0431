//! The start page: for an owner, what is set up and what waits (a checklist for a newcomer);
//! reviewers and operators go straight to their work; a visitor reads what callqa is.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PageBase, see_other, templates::Templates};
use crate::accounts::Role;
use crate::dashboards::start::{self, Progress};
use crate::error::AppError;
use crate::http::AppState;
use crate::http::MaybeSignedIn;
use crate::i18n::Lang;

#[derive(Serialize)]
struct HomePage {
    #[serde(flatten)]
    base: PageBase,
    progress: Option<Progress>,
}

pub async fn index(
    req: HttpRequest,
    lang: Lang,
    MaybeSignedIn(session): MaybeSignedIn,
    state: web::Data<AppState>,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, AppError> {
    let progress = match session.map(|s| s.role) {
        Some(Role::Owner) => Some(
            state
                .db
                .run(|conn| start::progress(conn).map_err(AppError::from))
                .await?,
        ),
        Some(role) => return Ok(see_other(super::accounts::home_of(role))),
        None => None,
    };
    let page = HomePage {
        base: PageBase::from_request(&req, lang),
        progress,
    };
    templates.page("home.html", lang, StatusCode::OK, &page)
}
