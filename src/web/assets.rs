//! Static files (our own CSS and JS, vendored libraries) compiled into the binary and served
//! under content-hashed URLs, so browsers may cache them for a year and still see every change.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "locales/*"]
#[exclude = "demo/*"]
#[exclude = "*.md"]
#[exclude = "screenshots/*"]
struct Embedded;

/// Path inside `assets/` → the first 12 hex digits of its SHA-256.
static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Embedded::iter()
        .filter_map(|path| {
            let file = Embedded::get(&path)?;
            let hash = hex::encode(&file.metadata.sha256_hash()[..6]);
            Some((path.into_owned(), hash))
        })
        .collect()
});

/// The URL of an asset, e.g. `/assets/3f2a…/app.css`; `None` for an unknown path.
pub fn url(path: &str) -> Option<String> {
    HASHES
        .get(path)
        .map(|hash| format!("/assets/{hash}/{path}"))
}

/// `GET /assets/{hash}/{path}`: immutable when the hash matches; a stale hash (a page cached
/// across an upgrade) still gets the current file, but only briefly cached.
pub async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (hash, file_path) = path.into_inner();
    let file = Embedded::get(&file_path).ok_or(AppError::NotFound)?;
    let current = HASHES.get(&file_path).is_some_and(|h| *h == hash);
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    let mime = mime_guess::from_path(&file_path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime.essence_str().to_owned()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data.into_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn vendored_css_has_a_hashed_url() {
        let url = super::url("vendor/simple.css/simple.min.css").unwrap();
        assert!(url.starts_with("/assets/") && url.ends_with("/vendor/simple.css/simple.min.css"));
        assert!(super::url("nope.css").is_none());
    }
}
