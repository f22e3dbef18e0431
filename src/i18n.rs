//! Translations with Project Fluent: the messages live in `assets/locales/{en,ru}/*.ftl`,
//! compiled into the binary. A request's language comes from the `lang` cookie, else the
//! `Accept-Language` header, else English.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./assets/locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they end up in HTML attributes,
        // JSON and CSV where the invisible characters only get in the way.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static RU: LanguageIdentifier = langid!("ru");

/// The name of the cookie that remembers a person's language choice.
pub const LANG_COOKIE: &str = "lang";

/// A language the interface ships in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// Values a message mentions (`{ $max }`), in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageArgs(Vec<(Cow<'static, str>, String)>);

impl MessageArgs {
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) {
        self.0.push((name.into(), value.to_string()));
    }

    fn to_fluent(&self) -> HashMap<Cow<'static, str>, FluentValue<'static>> {
        self.0
            .iter()
            .map(|(name, value)| {
                // Numbers stay numbers so Fluent can pick the plural form.
                let fluent = match value.parse::<f64>() {
                    Ok(number) => FluentValue::from(number),
                    Err(_) => FluentValue::from(value.clone()),
                };
                (name.clone(), fluent)
            })
            .collect()
    }
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// Accepts `en`, `ru` and regional forms such as `ru-RU` or `en_GB`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(index, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::from_code(pieces.next()?)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (quality > 0.0).then_some((quality, index, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|(_, _, lang)| *lang)
    }

    /// The cookie wins, then the header, then English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie
            .and_then(Lang::from_code)
            .or_else(|| accept_language.and_then(Lang::from_accept_language))
            .unwrap_or_default()
    }

    pub fn of_request(req: &actix_web::HttpRequest) -> Lang {
        let cookie = req.cookie(LANG_COOKIE);
        let header = req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Lang::negotiate(cookie.as_ref().map(|c| c.value()), header)
    }

    fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Ru => &RU,
        }
    }

    pub fn translate(self, key: &str) -> String {
        LOCALES.lookup(self.langid(), key)
    }

    pub fn translate_with(self, key: &str, args: &MessageArgs) -> String {
        LOCALES.lookup_with_args(self.langid(), key, &args.to_fluent())
    }

    /// Whether `key` exists in this language (used by tests to find untranslated keys).
    pub fn has(self, key: &str) -> bool {
        // A message that expects arguments fails to format without them, but it exists.
        match LOCALES.lookup_single_language::<&str>(self.langid(), key, None) {
            Ok(_) => true,
            // The error type is not exported by the crate; its variant name is all we need.
            Err(error) => format!("{error:?}").starts_with("FluentError"),
        }
    }
}

impl actix_web::FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Lang, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Lang::of_request(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_beats_header_and_quality_orders_the_header() {
        assert_eq!(Lang::negotiate(Some("ru"), Some("en")), Lang::Ru);
        assert_eq!(
            Lang::negotiate(None, Some("de-DE,ru;q=0.8,en;q=0.5")),
            Lang::Ru
        );
        assert_eq!(
            Lang::negotiate(None, Some("en;q=0.3, ru-RU;q=0.9")),
            Lang::Ru
        );
        assert_eq!(Lang::negotiate(Some("xx"), Some("fr")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("ru;q=0")), Lang::En);
    }

    /// Every message exists in both languages: the `.ftl` files are compared key by key.
    #[test]
    fn every_key_is_translated_in_every_language() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/locales");
        let keys = |lang: &str| -> std::collections::BTreeSet<String> {
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(format!("{root}/{lang}")).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines() {
                    let starts_message =
                        line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
                    if let (true, Some((key, _))) = (starts_message, line.split_once('=')) {
                        keys.insert(key.trim().to_owned());
                    }
                }
            }
            keys
        };
        let en = keys("en");
        let ru = keys("ru");
        assert!(!en.is_empty());
        let only_en: Vec<_> = en.difference(&ru).collect();
        let only_ru: Vec<_> = ru.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in ru: {only_en:?}");
        assert!(only_ru.is_empty(), "missing in en: {only_ru:?}");
        for key in &en {
            assert!(
                Lang::Ru.has(key) && Lang::En.has(key),
                "{key} does not load"
            );
        }
    }
}
