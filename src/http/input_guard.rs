//! The one gate every piece of request text passes before a handler sees it: path segments,
//! query parameters, and the fields of JSON and urlencoded bodies (multipart uploads check
//! their few text fields with [`text_problem`] as they stream in).
//!
//! Text may not carry control characters other than tab and line breaks: PostgreSQL cannot
//! store U+0000 at all (the request would fail with a 500 deep inside a query), SQLite would
//! store it and hand it to every page and export, and the rest have no business in a name, a
//! comment or an id. A string longer than [`MAX_TEXT_CHARS`] is refused as well, whatever the
//! field (domains set tighter limits of their own). Refusals are ordinary validation errors
//! (422, naming the field, in the requester's language), or 404 for a path, since no id or
//! code contains such characters.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::error::AppError;
use crate::validation::FieldProblem;

/// The longest string accepted in any field.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Bodies this gate reads whole: the JSON and form limits of the app. Larger bodies are left
/// to the extractors, which refuse them with 413.
const MAX_CHECKED_BODY: usize = 1 << 20;

/// Why `value` of `field` cannot be accepted, if it cannot.
pub fn text_problem(field: &str, value: &str) -> Option<FieldProblem> {
    if value.chars().any(is_forbidden) {
        return Some(FieldProblem::new(field, "control_characters"));
    }
    if value.len() > MAX_TEXT_CHARS && value.chars().count() > MAX_TEXT_CHARS {
        return Some(FieldProblem::new(field, "too_long").with("max", MAX_TEXT_CHARS));
    }
    None
}

/// Control characters (C0, DEL, C1) except tab, line feed and carriage return (browsers send
/// a textarea's line breaks as CR LF).
fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The middleware: refuses a request whose text breaks [`text_problem`], before routing
/// reaches a handler.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if path_has_control_characters(req.path()) {
        return Ok(req.error_response(AppError::NotFound).map_into_right_body());
    }
    let mut problems = pairs_problems(req.query_string().as_bytes());
    let kind = body_kind(&req);
    if problems.is_empty()
        && kind != BodyKind::Other
        && let Some(body) = read_body(&mut req).await?
    {
        problems = match kind {
            BodyKind::Json => json_problems(&body),
            BodyKind::Form => pairs_problems(&body),
            BodyKind::Other => Vec::new(),
        };
        req.set_payload(payload_of(body));
    }
    if !problems.is_empty() {
        return Ok(req
            .error_response(AppError::Validation(problems))
            .map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(req: &ServiceRequest) -> BodyKind {
    let mime = req.content_type().to_ascii_lowercase();
    if mime == "application/json" || mime.ends_with("+json") {
        BodyKind::Json
    } else if mime == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

/// The whole body when it is small enough to check; `None` (the body untouched) when its
/// declared length is over the limit, so the extractor refuses it as it always has.
async fn read_body(req: &mut ServiceRequest) -> Result<Option<Bytes>, actix_web::Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_CHECKED_BODY) {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_CHECKED_BODY {
            return Err(AppError::PayloadTooLarge.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// The checked body, handed on to the extractor as if it had just arrived.
fn payload_of(body: Bytes) -> Payload {
    let stream: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>>>,
    > = Box::pin(futures_util::stream::once(async move { Ok(body) }));
    Payload::from(stream)
}

/// A path whose percent-decoded bytes hold a control character (no route's ids do).
fn path_has_control_characters(path: &str) -> bool {
    let decoded: Vec<u8> = percent_decode(path.as_bytes());
    decoded.iter().any(|&b| b < 0x20 || b == 0x7f)
        || String::from_utf8_lossy(&decoded).chars().any(is_forbidden)
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Problems in urlencoded pairs (a query string or a form body), named by their keys.
fn pairs_problems(encoded: &[u8]) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (name, value) in url::form_urlencoded::parse(encoded) {
        let field = if name.chars().any(is_forbidden) {
            "(name)".to_owned()
        } else {
            name.into_owned()
        };
        if let Some(problem) = text_problem(&field, &value) {
            problems.push(problem);
        } else if field == "(name)" {
            problems.push(FieldProblem::new(field, "control_characters"));
        }
    }
    problems
}

/// Problems in every string (and key) of a JSON body, named by their path (`steps[2].title`).
/// A body that is not JSON is left to the extractor, which explains that itself.
fn json_problems(body: &[u8]) -> Vec<FieldProblem> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    walk(&value, &mut String::new(), &mut problems);
    problems
}

fn walk(value: &serde_json::Value, path: &mut String, problems: &mut Vec<FieldProblem>) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            let field = if path.is_empty() {
                "(body)"
            } else {
                path.as_str()
            };
            problems.extend(text_problem(field, text));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                walk(item, path, problems);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if key.chars().any(is_forbidden) || key.len() > 200 {
                    path.push_str("(name)");
                    problems.push(FieldProblem::new(path.clone(), "control_characters"));
                } else {
                    path.push_str(key);
                    walk(item, path, problems);
                }
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(problems: &[FieldProblem]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.field.as_str(), p.code))
            .collect()
    }

    #[test]
    fn text_keeps_tabs_and_line_breaks_and_refuses_other_controls() {
        assert!(text_problem("c", "line one\r\nline two\ttab").is_none());
        assert!(text_problem("c", "Привет, мир — ok").is_none());
        for bad in [
            "\0",
            "a\0b",
            "\u{1}",
            "\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9f}",
        ] {
            let problem = text_problem("c", bad).unwrap();
            assert_eq!(problem.code, "control_characters", "{bad:?}");
        }
        let long = "я".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(text_problem("c", &long).unwrap().code, "too_long");
        assert!(text_problem("c", &"я".repeat(MAX_TEXT_CHARS)).is_none());
    }

    #[test]
    fn json_problems_name_the_field_path() {
        let body = br#"{"name":"ok","steps":[{"title":"a"},{"title":"b\u0000"}],"n":1,"x":{"y":"\u0007"}}"#;
        assert_eq!(
            fields(&json_problems(body)),
            [
                ("steps[1].title", "control_characters"),
                ("x.y", "control_characters")
            ]
        );
        assert_eq!(
            fields(&json_problems(br#""\u0000""#)),
            [("(body)", "control_characters")]
        );
        assert_eq!(
            fields(&json_problems(br#"{"a\u0000":1}"#)),
            [("(name)", "control_characters")]
        );
        assert!(json_problems(b"not json").is_empty());
    }

    #[test]
    fn urlencoded_pairs_are_decoded_before_the_check() {
        assert_eq!(
            fields(&pairs_problems(b"login=a%00b&ok=fine+text%0D%0A")),
            [("login", "control_characters")]
        );
        assert_eq!(
            fields(&pairs_problems(b"a%01=x")),
            [("(name)", "control_characters")]
        );
    }

    #[test]
    fn paths_with_encoded_controls_are_refused() {
        assert!(path_has_control_characters("/api/v1/recordings/%00"));
        assert!(path_has_control_characters("/r/a%0Ab"));
        assert!(path_has_control_characters("/r/%C2%85"));
        assert!(!path_has_control_characters("/api/v1/recordings/abc-123"));
        assert!(!path_has_control_characters("/r/%D0%AF%zz"));
    }
}
