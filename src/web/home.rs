//! The front page.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PageBase, html, templates::Templates};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Serialize)]
struct HomePage {
    #[serde(flatten)]
    base: PageBase,
}

pub async fn index(
    req: HttpRequest,
    lang: Lang,
    templates: web::Data<Templates>,
) -> Result<HttpResponse, AppError> {
    let page = HomePage {
        base: PageBase::from_request(&req, lang),
    };
    Ok(html(templates.render("home.html", lang, &page)?))
}
