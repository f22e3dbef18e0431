//! The server-rendered pages (tera templates, progressive enhancement, little JS), the static
//! assets and the error pages. Handlers here are thin: extract, call the domain, render.

pub mod accounts;
pub mod agreement;
pub mod answers;
pub mod assets;
pub mod call_reviews;
pub mod connectors;
pub mod disputes;
pub mod errors;
pub mod format;
pub mod funnel;
pub mod gaps;
pub mod home;
pub mod ingest;
pub mod kpi;
pub mod listing;
pub mod operator;
pub mod overview;
pub mod page;
pub mod pay;
pub mod recordings;
pub mod review;
mod review_table;
pub mod reviewers;
pub mod scripts;
pub mod settings;
pub mod templates;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::accounts::Role;
use crate::http::AppState;
use crate::http::Auth;
use crate::http::routes::{Access, RouteSink};
use crate::i18n::{LANG_COOKIE, Lang};

/// What every page's layout needs, whatever the page.
#[derive(Debug, Clone, Serialize)]
pub struct PageBase {
    /// The request path, to mark the current menu item and to come back after a language switch.
    pub path: String,
    /// The other languages, for the switcher.
    pub languages: Vec<LanguageLink>,
    /// Who is looking, for the menu; `null` when nobody is signed in.
    pub user: Option<PageUser>,
    /// The token every form of a signed-in page carries (empty when signed out).
    pub csrf: String,
    /// The zone the page's times are shown in (the `when` filter reads it).
    pub zone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageUser {
    pub name: String,
    pub role: Role,
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
        let session = Auth::session(req);
        let csrf = req
            .app_data::<web::Data<AppState>>()
            .zip(session.as_ref())
            .map(|(state, session)| session.csrf_token(&state.signing_key))
            .unwrap_or_default();
        let zone = session
            .as_ref()
            .map_or_else(|| "UTC".to_owned(), |s| s.zone.name().to_owned());
        PageBase {
            zone,
            user: session.map(|s| PageUser {
                name: s.display_name,
                role: s.role,
            }),
            csrf,
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

/// A form error shown at the top of a page (`_errors.html`), and the per-field messages.
#[derive(Debug, Default, Serialize)]
pub struct FormErrors {
    pub message: Option<String>,
    pub fields: Vec<crate::error::FieldMessage>,
}

impl FormErrors {
    pub fn from_error(error: &crate::error::AppError, lang: Lang) -> Self {
        FormErrors {
            message: Some(error.message(lang)),
            fields: error.field_messages(lang),
        }
    }
}

/// An HTML response from a rendered template.
pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The longest return path accepted; anything longer goes to the start page.
const MAX_NEXT_LEN: usize = 2_048;

/// A path on this site to return to after a form or a language switch; anything else gives
/// `/`. The candidate is judged the way a browser will read it in a `Location` header: it is
/// resolved against a placeholder origin with the WHATWG URL rules (the `url` crate follows
/// them), and kept only if it stays on that origin. Control characters and spaces are refused
/// outright — browsers silently drop tabs and newlines (`/\t/evil.example` becomes
/// `//evil.example`, another host) and a header cannot carry them — and so are backslashes,
/// which browsers read as slashes, and encoded slashes at the start, which some proxies decode.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

fn local_path(candidate: &str) -> Option<String> {
    const ORIGIN: &str = "http://callqa.invalid";
    let lower = candidate.to_ascii_lowercase();
    let refused = candidate.len() > MAX_NEXT_LEN
        || !candidate.starts_with('/')
        || candidate.starts_with("//")
        || candidate
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        || ["/%2f", "/%5c"].iter().any(|p| lower.starts_with(p));
    if refused {
        return None;
    }
    let base = url::Url::parse(ORIGIN).ok()?;
    let resolved = base.join(candidate).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    // What the browser would request, in the URL's own serialization.
    let mut path = resolved.path().to_owned();
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        path.push('#');
        path.push_str(fragment);
    }
    (path.starts_with('/') && !path.starts_with("//")).then_some(path)
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `GET /lang/{code}?next=…`: remembers the language in a cookie for a year and goes back.
/// A code of no language the interface ships in is a page that does not exist (shown in the
/// visitor's current language), not a silent switch to English.
async fn switch_language(
    code: web::Path<String>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, crate::error::AppError> {
    let lang = Lang::from_code(&code).ok_or(crate::error::AppError::NotFound)?;
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(actix_web::cookie::time::Duration::days(365))
        .same_site(actix_web::cookie::SameSite::Lax)
        .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((
            actix_web::http::header::LOCATION,
            safe_next(query.next.as_deref()),
        ))
        .finish())
}

/// A redirect after a form post (303, so the browser follows with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .finish()
}

/// The page routes.
pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/", Access::Public, home::index);
    r.add(Method::GET, "/lang/{code}", Access::Public, switch_language);
    r.add(
        Method::GET,
        "/assets/{hash}/{path:.*}",
        Access::Public,
        assets::serve,
    );
    accounts::routes(r);
    // Before the recordings' pages: `/recordings/inbound` is not a recording's id.
    ingest::routes(r);
    connectors::routes(r);
    recordings::routes(r);
    call_reviews::routes(r);
    settings::routes(r);
    scripts::routes(r);
    // Before the reviewer's `/review/{code}`, which would take `/review/earnings`.
    pay::routes(r);
    review::routes(r);
    reviewers::routes(r);
    overview::routes(r);
    answers::routes(r);
    kpi::routes(r);
    funnel::routes(r);
    gaps::routes(r);
    operator::routes(r);
    disputes::routes(r);
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/scripts?x=1")), "/scripts?x=1");
        assert_eq!(
            safe_next(Some("/gaps?status=open#g1")),
            "/gaps?status=open#g1"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn next_is_judged_as_a_browser_parses_it() {
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{1f}/evil.example",
            "/\u{85}/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5C/evil.example",
            "/\\/evil.example",
            "/a\\b",
            "javascript:alert(1)",
            "http:/evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3_000)))), "/");
        // Dot segments resolve within the site, as the browser would resolve them.
        assert_eq!(safe_next(Some("/a/../b")), "/b");
        assert_eq!(safe_next(Some("/scripts/%2F")), "/scripts/%2F");
    }
}
