//! The server-rendered pages (tera templates, progressive enhancement, little JS), the static
//! assets and the error pages. Handlers here are thin: extract, call the domain, render.

pub mod assets;
pub mod errors;
pub mod home;
pub mod templates;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::i18n::{LANG_COOKIE, Lang};

/// What every page's layout needs, whatever the page.
#[derive(Debug, Clone, Serialize)]
pub struct PageBase {
    /// The request path, to mark the current menu item and to come back after a language switch.
    pub path: String,
    /// The other languages, for the switcher.
    pub languages: Vec<LanguageLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LanguageLink {
    pub code: &'static str,
    /// Switches to this language and comes back to the current page.
    pub href: String,
    pub name: &'static str,
    pub current: bool,
}

impl PageBase {
    pub fn from_request(req: &HttpRequest, lang: Lang) -> Self {
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let back: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        PageBase {
            languages: Lang::ALL
                .iter()
                .map(|&l| LanguageLink {
                    code: l.code(),
                    href: format!("/lang/{}?next={back}", l.code()),
                    name: match l {
                        Lang::En => "English",
                        Lang::Ru => "Русский",
                    },
                    current: l == lang,
                })
                .collect(),
            path,
        }
    }
}

/// An HTML response from a rendered template.
pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// A local path to return to, never another site (`//evil.example` or `https://…`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /lang/{code}?next=…`: remembers the language in a cookie for a year and goes back.
async fn switch_language(code: web::Path<String>, query: web::Query<NextQuery>) -> HttpResponse {
    let lang = Lang::from_code(&code).unwrap_or_default();
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(actix_web::cookie::time::Duration::days(365))
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((
            actix_web::http::header::LOCATION,
            safe_next(query.next.as_deref()),
        ))
        .finish()
}

/// Registers the page routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::index))
        .route("/lang/{code}", web::get().to(switch_language))
        .route("/assets/{hash}/{path:.*}", web::get().to(assets::serve));
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/scripts?x=1")), "/scripts?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
