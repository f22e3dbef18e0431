//! The front page.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PageBase, html, templates::Templates};
use crate::accounts::{MaybeSignedIn, Role};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Serialize)]
struct HomePage {
    #[serde(flatten)]
    base: PageBase,
}

/// The landing page; an owner goes straight to their work.
pub async fn index(
    req: HttpRequest,
    lang: Lang,
    MaybeSignedIn(session): MaybeSignedIn,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, AppError> {
    if let Some(Role::Owner) = session.map(|s| s.role) {
        return Ok(super::see_other(super::accounts::home_of(Role::Owner)));
    }
    let page = HomePage {
        base: PageBase::from_request(&req, lang),
    };
    Ok(html(templates.render("home.html", lang, &page)?))
}
