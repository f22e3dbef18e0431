//! The page templates (tera, compiled into the binary and built once at start) and the
//! functions they call: `t` translates a message in the page's language, `asset` gives a
//! static file's cache-busting URL, and the `when` filter shows a stored time in the
//! viewer's zone (`{{ row.created_at | when }}`, `| when(date=true)` for the day alone);
//! `clock` writes a length in milliseconds as every page does (`{{ row.duration_ms | clock }}`).

use rust_embed::RustEmbed;
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult};

use super::format;
use crate::error::AppError;
use crate::i18n::{Lang, MessageArgs};
use crate::zone::Zone;

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.html"]
struct Embedded;

/// All page templates, compiled.
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// Compiles every template. Functions are registered first: tera 2 checks calls to
    /// unknown functions when a template is added.
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.register_function("t", translate);
        tera.register_function("asset", asset_url);
        tera.register_filter("when", when);
        tera.register_filter("clock", clock);
        let sources: Vec<(String, String)> = Embedded::iter()
            .filter_map(|name| {
                let file = Embedded::get(&name)?;
                let text = String::from_utf8_lossy(&file.data).into_owned();
                Some((name.into_owned(), text))
            })
            .collect();
        tera.add_raw_templates(sources)?;
        Ok(Templates { tera })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tera.get_template_names()
    }

    /// Renders `name` with `data` (any serializable struct) merged over the base context.
    pub fn render<T: Serialize>(
        &self,
        name: &str,
        lang: Lang,
        data: &T,
    ) -> Result<String, AppError> {
        let mut context = Context::from_serialize(data).map_err(AppError::internal)?;
        context.insert("lang", lang.code());
        self.tera
            .render(name, &context)
            .map_err(|e| AppError::internal(format!("rendering {name}: {e:?}")))
    }

    /// A page response with `status` (forms shown again with errors get 4xx), never cached:
    /// pages carry the viewer's own data and form token.
    pub fn page<T: Serialize>(
        &self,
        name: &str,
        lang: Lang,
        status: actix_web::http::StatusCode,
        data: &T,
    ) -> Result<actix_web::HttpResponse, AppError> {
        let html = self.render(name, lang, data)?;
        Ok(actix_web::HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(html))
    }
}

/// `{{ t(key="login-title", name=user.name) }}`: the message in the page's `lang`.
fn translate(kwargs: Kwargs, state: &State) -> TeraResult<String> {
    let key: &str = kwargs.must_get("key")?;
    let lang = page_lang(state)?;
    let mut args = MessageArgs::default();
    for (name, value) in kwargs.iter() {
        let Some(name) = name.as_str() else { continue };
        if name == "key" || name.starts_with("__") {
            continue;
        }
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        args.push(name.to_owned(), text);
    }
    Ok(lang.translate_with(key, &args))
}

/// `{{ asset(path="app.css") }}`: the hashed URL; an unknown path is a template error.
fn asset_url(kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let path: &str = kwargs.must_get("path")?;
    super::assets::url(path).ok_or_else(|| tera::Error::message(format!("unknown asset {path}")))
}

/// The language the page is rendered in.
fn page_lang(state: &State) -> TeraResult<Lang> {
    Ok(state
        .get::<String>("lang")?
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or_default())
}

/// `{{ at | when }}`: an RFC 3339 time as a local day and time in the page's zone; a text
/// that is not a time is shown as it is.
fn when(value: &str, kwargs: Kwargs, state: &State) -> TeraResult<String> {
    let Some(at) = crate::db::time::parse_rfc3339(value) else {
        return Ok(value.to_owned());
    };
    let lang = page_lang(state)?;
    let zone = state
        .get::<String>("zone")?
        .and_then(|name| Zone::named(&name))
        .unwrap_or_default();
    Ok(if kwargs.get::<bool>("date")?.unwrap_or(false) {
        format::when::date(lang, &zone, at)
    } else {
        format::when::moment(lang, &zone, at)
    })
}

/// `{{ ms | clock }}`: a length or moment of a call as `m:ss` (`h:mm:ss` from an hour on).
fn clock(value: i64, _: Kwargs, _: &State) -> String {
    format::clock::clock(value)
}
