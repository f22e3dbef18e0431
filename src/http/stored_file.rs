//! Serving a stored audio file (a reviewer copy, peaks, an original) from this disk or from
//! the object store alike, with the single byte ranges players ask for when they seek.
//!
//! A file on disk goes through `actix_files`; an object is streamed from the store as it
//! arrives, never held whole in memory. Either way: `Accept-Ranges: bytes`, `206` with
//! `Content-Range` for a range, `416` for one that starts past the end, and the whole file
//! for a header that is not one range of bytes (several ranges, or a malformed one, which a
//! server may ignore).

use std::ops::Range;

use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::recordings::store::Located;

/// What a `Range` header asks of a file of a known size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByteRange {
    Whole,
    /// Bytes `start..end` (end exclusive), inside the file.
    Part(Range<u64>),
    /// A range that starts at or past the end.
    Unsatisfiable,
}

/// Reads a `Range` header value against a file of `size` bytes (RFC 9110, one range only).
pub fn byte_range(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    let last = match (last.is_empty(), number(last)) {
        (true, _) => None,
        (false, Some(last)) => Some(last),
        (false, None) => return ByteRange::Whole,
    };
    if first.is_empty() {
        // `bytes=-N`: the last N bytes.
        return match last {
            None => ByteRange::Whole,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if size == 0 => ByteRange::Unsatisfiable,
            Some(suffix) => ByteRange::Part(size.saturating_sub(suffix)..size),
        };
    }
    // `bytes=A-` or `bytes=A-B`.
    let Some(start) = number(first) else {
        return ByteRange::Whole;
    };
    if last.is_some_and(|last| last < start) {
        return ByteRange::Whole;
    }
    if start >= size {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part(start..last.map_or(size, |last| last.saturating_add(1).min(size)))
}

/// The stored file `located` as a response of `content_type`; the caller adds its own
/// caching and disposition headers.
pub async fn respond(
    req: &HttpRequest,
    located: Located,
    content_type: &str,
) -> Result<HttpResponse, AppError> {
    match located {
        Located::Local(path) => {
            let file = actix_files::NamedFile::open(&path)
                .map_err(AppError::internal)?
                .set_content_type(content_type.parse().map_err(AppError::internal)?)
                .disable_content_disposition()
                .use_last_modified(false)
                .use_etag(false);
            Ok(file.into_response(req))
        }
        Located::Remote(remote, kind, name) => {
            let size = remote
                .size(kind.folder(), &name)
                .await
                .map_err(AppError::internal)?;
            let asked = req
                .headers()
                .get(header::RANGE)
                .and_then(|value| value.to_str().ok());
            let (status, range) = match byte_range(asked, size) {
                ByteRange::Whole => (StatusCode::OK, 0..size),
                ByteRange::Part(range) => (StatusCode::PARTIAL_CONTENT, range),
                ByteRange::Unsatisfiable => {
                    return Ok(HttpResponse::RangeNotSatisfiable()
                        .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                        .insert_header((header::ACCEPT_RANGES, "bytes"))
                        .finish());
                }
            };
            let length = range.end - range.start;
            let chunks = if length == 0 {
                None
            } else {
                Some(
                    remote
                        .read(kind.folder(), &name, Some(range.clone()))
                        .await
                        .map_err(AppError::internal)?,
                )
            };
            let body = futures_util::stream::unfold(chunks, |chunks| async move {
                let mut chunks = chunks?;
                let chunk = chunks.recv().await?;
                Some((chunk, Some(chunks)))
            });
            let mut response = HttpResponse::build(status);
            response
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header((header::ACCEPT_RANGES, HeaderValue::from_static("bytes")));
            if status == StatusCode::PARTIAL_CONTENT {
                response.insert_header((
                    header::CONTENT_RANGE,
                    format!("bytes {}-{}/{size}", range.start, range.end - 1),
                ));
            }
            Ok(response.body(SizedStream::new(length, Box::pin(body))))
        }
    }
}

/// The first `limit` bytes of a stored file (all of it when it is shorter): to tell its
/// format, or a small file whole.
pub async fn read_head(located: &Located, limit: u64) -> std::io::Result<Vec<u8>> {
    match located {
        Located::Local(path) => {
            let path = path.clone();
            actix_web::web::block(move || {
                use std::io::Read;
                let mut bytes = Vec::new();
                std::fs::File::open(path)?
                    .take(limit)
                    .read_to_end(&mut bytes)?;
                Ok(bytes)
            })
            .await
            .map_err(std::io::Error::other)?
        }
        Located::Remote(remote, kind, name) => {
            let size = remote.size(kind.folder(), name).await?;
            let mut bytes = Vec::new();
            if size > 0 {
                let mut chunks = remote
                    .read(kind.folder(), name, Some(0..size.min(limit)))
                    .await?;
                while let Some(chunk) = chunks.recv().await {
                    bytes.extend_from_slice(&chunk?);
                }
            }
            Ok(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ByteRange, byte_range};

    #[test]
    fn one_range_of_bytes_is_read_and_anything_else_means_the_whole_file() {
        let part = |r: std::ops::Range<u64>| ByteRange::Part(r);
        assert_eq!(byte_range(None, 100), ByteRange::Whole);
        assert_eq!(byte_range(Some("bytes=0-9"), 100), part(0..10));
        assert_eq!(byte_range(Some("bytes=90-"), 100), part(90..100));
        assert_eq!(byte_range(Some("bytes=90-500"), 100), part(90..100));
        assert_eq!(byte_range(Some("bytes=-10"), 100), part(90..100));
        assert_eq!(byte_range(Some("bytes=-500"), 100), part(0..100));
        assert_eq!(byte_range(Some(" bytes=5-5 "), 100), part(5..6));
        assert_eq!(
            byte_range(Some("bytes=100-"), 100),
            ByteRange::Unsatisfiable
        );
        assert_eq!(byte_range(Some("bytes=-0"), 100), ByteRange::Unsatisfiable);
        assert_eq!(byte_range(Some("bytes=0-"), 0), ByteRange::Unsatisfiable);
        for ignored in [
            "bytes=0-1,5-6",
            "bytes=9-3",
            "bytes=a-b",
            "bytes=-",
            "bytes=",
            "items=0-1",
            "bytes=+1-2",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(
                byte_range(Some(ignored), 100),
                ByteRange::Whole,
                "{ignored}"
            );
        }
    }
}
