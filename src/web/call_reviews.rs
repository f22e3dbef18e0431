//! The owner's forms on a call's reviews (the table itself is `review_table`): rejecting a
//! review with a reason (and restoring it); making the call gold with its answer key
//! (prefilled from the consensus) and unmarking it.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use super::page::Page;
use super::recordings::detail_view;
use super::see_other;
use crate::db::ids::{RecordingId, ReviewId};
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::reviews;
use crate::reviews::gold::{self, KeyAnswerInput, KeyInput};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::POST,
        "/recordings/{id}/reviews/{review}/reject",
        Access::Owner,
        reject_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/reviews/{review}/restore",
        Access::Owner,
        restore_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/gold",
        Access::Owner,
        gold_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/gold/unmark",
        Access::Owner,
        unmark_submit,
    );
}

/// One review as a column of the side-by-side table.
/// Runs one of the page's changes on the writer; then back to the call's reviews, or the
/// call's page with the problem (a refused input, a state that stood in the way).
async fn act<T, E, F>(
    page: &Page,
    session: &crate::http::Session,
    id: String,
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<crate::db::DbError> + Into<AppError> + Send + 'static,
{
    match page.state().db.write(work).await.map_err(Into::into) {
        Ok(_) => Ok(see_other(&format!("/recordings/{id}#reviews"))),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            detail_view(page, session, id, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(serde::Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject_submit(
    _: Owner,
    page: Page,
    path: web::Path<(String, ReviewId)>,
    PageForm(session, form): PageForm<RejectForm>,
) -> Result<HttpResponse, AppError> {
    let (id, review) = path.into_inner();
    let owner = session.user_id.clone();
    act(&page, &session, id, move |conn| {
        reviews::reject(conn, &owner, &review, &form.reason)
    })
    .await
}

async fn restore_submit(
    _: Owner,
    page: Page,
    path: web::Path<(String, ReviewId)>,
    PageForm(session, _): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (id, review) = path.into_inner();
    let owner = session.user_id.clone();
    act(&page, &session, id, move |conn| {
        reviews::restore(conn, &owner, &review)
    })
    .await
}

/// The key form: one `answer-{step key}` field per step.
async fn gold_submit(
    _: Owner,
    page: Page,
    id: web::Path<String>,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = KeyInput {
        answers: fields
            .into_iter()
            .filter_map(|(name, value)| {
                Some(KeyAnswerInput {
                    step_key: name.strip_prefix("answer-")?.to_owned(),
                    verdict: value,
                })
            })
            .collect(),
    };
    let owner = session.user_id.clone();
    let recording = RecordingId::from_raw(id.clone());
    act(&page, &session, id, move |conn| {
        gold::mark(conn, &owner, &recording, &input)
    })
    .await
}

async fn unmark_submit(
    _: Owner,
    page: Page,
    id: web::Path<String>,
    PageForm(session, _): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let owner = session.user_id.clone();
    let recording = RecordingId::from_raw(id.clone());
    act(&page, &session, id, move |conn| {
        gold::unmark(conn, &owner, &recording)
    })
    .await
}
