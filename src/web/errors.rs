//! Renders every error response a second time, in the requester's language: as the JSON
//! error body under `/api/` and as a page elsewhere (an anonymous visitor to a page that
//! needs a login is sent to the login page instead).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PageBase, templates::Templates};
use crate::error::{self, AppError, FieldMessage};
use crate::i18n::Lang;

/// Whether a path belongs to the JSON API (machine clients) rather than to the pages.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/hooks/")
        || path == "/healthz"
        || path == "/metrics"
}

pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Nothing of the request may be kept across `next.call`: routing needs sole ownership
    // of it. Errors come back inside the response, with the request, after routing.
    let response = next.call(req).await?.map_into_boxed_body();
    // Only error responses are rendered again: a handler that chose a status for a page it
    // rendered itself (a login form re-shown with 401) is left alone.
    let Some(error) = response.response().error() else {
        return Ok(response.map_into_left_body());
    };
    let from_status;
    let app_error = match error.as_error::<AppError>() {
        Some(app_error) => app_error,
        None => {
            from_status = error::from_status(response.status());
            &from_status
        }
    };
    let request = response.request();
    let lang = Lang::of_request(request);
    let replacement = if is_api_path(request.path()) {
        app_error.json_response(lang)
    } else {
        error_page(request, lang, app_error)
    };
    Ok(response.into_response(replacement).map_into_right_body())
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    #[serde(flatten)]
    base: PageBase,
    status: u16,
    /// The stable error code, for support and scripts: an attribute, not text a person reads
    /// (it is English whatever the page's language).
    code: &'a str,
    /// The message as the tab's title (without its closing full stop).
    title: String,
    message: String,
    fields: Vec<FieldMessage>,
}

fn error_page(req: &HttpRequest, lang: Lang, app_error: &AppError) -> HttpResponse {
    if matches!(app_error, AppError::Unauthenticated) {
        let mut location = "/login".to_owned();
        if req.method() == actix_web::http::Method::GET {
            let next = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
            location = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
        }
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish();
    }
    let message = app_error.message(lang);
    let page = ErrorPage {
        base: PageBase::from_request(req, lang),
        status: app_error.status().as_u16(),
        code: app_error.code(),
        title: message.trim_end_matches('.').to_owned(),
        message,
        fields: app_error.field_messages(lang),
    };
    let rendered = req
        .app_data::<web::Data<Templates>>()
        .ok_or_else(|| AppError::internal("templates missing"))
        .and_then(|templates| templates.render("error.html", lang, &page));
    let mut response = HttpResponse::build(app_error.status());
    // In the viewer's language and with their menu: never kept by a browser or proxy (a
    // cached 410 would come back in the old language after a switch).
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let AppError::TooManyRequests { retry_after_secs } = app_error {
        response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
    }
    match rendered {
        Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
        Err(render_error) => {
            tracing::error!(error = %render_error, "cannot render the error page");
            response
                .content_type("text/plain; charset=utf-8")
                .body(page.message)
        }
    }
}

/// The body-parsing errors of actix (bad JSON, wrong form fields, a bad query) as
/// our own error, so they get the same shape and language as the rest.
pub fn payload_problem<E: actix_web::ResponseError + ?Sized>(error: &E) -> AppError {
    tracing::debug!(%error, "rejected request payload");
    match error.status_code() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest("unsupported_media_type"),
        _ => AppError::BadRequest("invalid_json"),
    }
}

/// [`payload_problem`] in the shape actix's extractor configs take.
pub fn bad_payload<E: actix_web::ResponseError>(error: E, _: &HttpRequest) -> actix_web::Error {
    payload_problem(&error).into()
}

/// The error handler of path extraction. A path segment only fails to extract when it does
/// not have the shape of what the route names (an assignment code, say): no such resource, so
/// "not found" as for any unknown one. Plain text segments never fail (actix decodes them
/// lossily).
pub fn bad_path<E: actix_web::ResponseError>(error: E, _: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%error, "path names nothing");
    AppError::NotFound.into()
}
