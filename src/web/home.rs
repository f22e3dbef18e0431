//! The start page: for an owner, what is set up and what waits (a checklist for a newcomer);
//! reviewers and operators go straight to their work; a visitor reads what callqa is.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

use super::page::Page;
use super::{PageBase, see_other};
use crate::accounts::Role;
use crate::dashboards::start::{self, Progress};
use crate::error::AppError;
use crate::http::MaybeSignedIn;

#[derive(Serialize)]
struct HomePage {
    #[serde(flatten)]
    base: PageBase,
    progress: Option<Progress>,
}

pub async fn index(
    page: Page,
    MaybeSignedIn(session): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
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
    let data = HomePage {
        base: page.base(),
        progress,
    };
    page.render("home.html", StatusCode::OK, &data)
}
