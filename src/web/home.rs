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
    /// Disputes waiting for a re-review or the owner's decision.
    open_disputes: i64,
}

pub async fn index(
    page: Page,
    MaybeSignedIn(session): MaybeSignedIn,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (progress, open_disputes) = match session.map(|s| s.role) {
        Some(Role::Owner) => {
            let (progress, disputes) = state
                .db
                .run(|conn| {
                    Ok::<_, AppError>((start::progress(conn)?, crate::disputes::open_count(conn)?))
                })
                .await?;
            (Some(progress), disputes)
        }
        Some(role) => return Ok(see_other(super::accounts::home_of(role))),
        None => (None, 0),
    };
    let data = HomePage {
        base: page.base(),
        progress,
        open_disputes,
    };
    page.render("home.html", StatusCode::OK, &data)
}
