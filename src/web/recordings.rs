//! The owner's recording pages: the list with filters, the upload form (several files, drag
//! and drop and per-file progress with JavaScript, a plain multipart form without), a
//! recording's details (original player, metadata, marked ranges, reprocess).

use actix_multipart::Multipart;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::format::seconds::seconds;
use super::listing::{Column, Pager, SortHeader, headers, link, pager};
use super::page::Page;
use super::{PageBase, see_other};
use crate::accounts::operators::{OperatorRecord, OperatorView};
use crate::db::ids::{RecordingId, ScriptId};
use crate::db::schema::scripts;
use crate::error::{AppError, FieldMessage};
use crate::http::AppState;
use crate::http::forms::PageForm;
use crate::http::query::{ListQuery, page_number};
use crate::http::routes::{Access, RouteSink};
use crate::http::upload::{keep_all, receive};
use crate::http::{Owner, Session};
use crate::recordings::intake::{Duplicates, Kept};
use crate::recordings::view::{RecordingView, retry_can_help, view};
use crate::recordings::{Problem, Recording, RecordingStatus, RedactionKind, RedactionRange};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/recordings", Access::Owner, list_page);
    r.add(
        Method::GET,
        "/recordings/upload",
        Access::Owner,
        upload_page,
    );
    r.add(
        Method::POST,
        "/recordings/upload",
        Access::Owner,
        upload_submit,
    );
    r.add(Method::GET, "/recordings/{id}", Access::Owner, detail_page);
    r.add(
        Method::POST,
        "/recordings/{id}/outcome",
        Access::Owner,
        outcome_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/redactions",
        Access::Owner,
        redactions_submit,
    );
    r.add(
        Method::POST,
        "/recordings/{id}/retry",
        Access::Owner,
        retry_submit,
    );
}

#[derive(Serialize)]
struct Choice {
    id: String,
    name: String,
}

/// Scripts a new recording can be bound to (those with a published version).
fn script_choices(conn: &mut crate::db::DbConnection) -> Result<Vec<Choice>, AppError> {
    let rows: Vec<(ScriptId, String)> = scripts::table
        .filter(scripts::archived.eq(false))
        .order(scripts::name.asc())
        .select((scripts::id, scripts::name))
        .load(conn)?;
    let mut choices = Vec::new();
    for (id, name) in rows {
        if crate::scripts::current_version(conn, &id)?.is_some() {
            choices.push(Choice {
                id: id.to_string(),
                name,
            });
        }
    }
    Ok(choices)
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    recording: RecordingView,
    operator_name: String,
    status_label: String,
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    base: PageBase,
    rows: Vec<ListRow>,
    operators: Vec<OperatorView>,
    statuses: Vec<&'static str>,
    filter: FilterEcho,
    problems: Vec<&'static str>,
    /// The list without the step it was narrowed to.
    all_steps_href: String,
    /// The list without the days of the calls.
    any_day_href: String,
    headers: Vec<SortHeader>,
    /// The current order, kept when the filters change.
    sort: &'static str,
    dir: &'static str,
    pager: Option<Pager>,
    /// Arriving calls that wait for an operator, and that could not be fetched.
    inbound_waiting: i64,
    inbound_failed: i64,
    range: String,
    error: Option<String>,
}

#[derive(Serialize, Default)]
struct FilterEcho {
    operator_id: String,
    status: String,
    from: String,
    to: String,
    script_id: String,
    problem: String,
    step_key: String,
    called_from: String,
    called_to: String,
    /// The latest wording of `step_key` (the key when no version has it), shown with the
    /// filters.
    step_title: String,
}

/// Rows on one page of the list.
const PAGE_SIZE: i64 = 50;

const COLUMNS: [Column; 6] = [
    Column {
        key: "uploaded",
        label_key: "recordings-uploaded",
        sortable: true,
        descending_first: true,
    },
    Column {
        key: "operator",
        label_key: "field-operator",
        sortable: true,
        descending_first: false,
    },
    Column {
        key: "file",
        label_key: "recordings-file",
        sortable: true,
        descending_first: false,
    },
    Column {
        key: "duration",
        label_key: "recordings-duration",
        sortable: true,
        descending_first: true,
    },
    Column {
        key: "status",
        label_key: "field-status",
        sortable: true,
        descending_first: false,
    },
    Column {
        key: "reviews",
        label_key: "recordings-reviews",
        sortable: true,
        descending_first: true,
    },
];

async fn list_page(
    _: Owner,
    page: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let echo = FilterEcho {
        operator_id: query.operator_id.clone().unwrap_or_default(),
        status: query.status.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        script_id: query.script_id.clone().unwrap_or_default(),
        problem: query.problem.clone().unwrap_or_default(),
        step_key: query.step_key.clone().unwrap_or_default(),
        called_from: query.called_from.clone().unwrap_or_default(),
        called_to: query.called_to.clone().unwrap_or_default(),
        step_title: String::new(),
    };
    let parsed = query
        .filter(&page.zone())
        .and_then(|filter| Ok((filter, page_number(&query.page)?)));
    let (parsed, error) = match parsed {
        Ok(parsed) => (Some(parsed), None),
        Err(error) => (None, Some(error)),
    };
    let order = parsed
        .as_ref()
        .map(|(filter, _)| filter.order)
        .unwrap_or_default();
    let step = parsed
        .as_ref()
        .and_then(|(filter, _)| Some((filter.script_id.clone(), filter.step_key.clone()?)));
    let (rows, operators, total, number, step_title, (inbound_waiting, inbound_failed)) = state
        .db
        .run(move |conn| {
            let operators = OperatorRecord::list(conn)?;
            let inbound = super::ingest::waiting_counts(conn)?;
            let step_title = match step {
                Some((script, key)) => crate::scripts::step_title(conn, script.as_ref(), &key)?,
                None => None,
            };
            let mut rows = Vec::new();
            let (mut total, mut number) = (0, 1);
            if let Some((filter, asked)) = parsed {
                total = Recording::count(conn, &filter)?;
                number = asked.min((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
                for recording in
                    Recording::list(conn, &filter, (number - 1) * PAGE_SIZE, PAGE_SIZE)?
                {
                    let bound = recording.bound_version(conn)?;
                    rows.push((recording, bound));
                }
            }
            Ok::<_, AppError>((rows, operators, total, number, step_title, inbound))
        })
        .await?;
    let echo = FilterEcho {
        step_title: step_title.unwrap_or_else(|| echo.step_key.clone()),
        ..echo
    };
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let rows = rows
        .into_iter()
        .map(|(recording, bound)| {
            let operator_name = operators
                .iter()
                .find(|o| o.record.id == recording.operator_id)
                .map(|o| o.record.name.clone())
                .unwrap_or_default();
            let status_label = page
                .lang
                .translate(&format!("recording-status-{}", recording.status));
            ListRow {
                recording: view(
                    recording,
                    bound.script_id,
                    bound.number,
                    None,
                    true,
                    page.lang,
                ),
                operator_name,
                status_label,
            }
        })
        .collect();
    let params = [
        ("operator_id", echo.operator_id.clone()),
        ("status", echo.status.clone()),
        ("from", echo.from.clone()),
        ("to", echo.to.clone()),
        ("script_id", echo.script_id.clone()),
        ("problem", echo.problem.clone()),
        ("step_key", echo.step_key.clone()),
        ("called_from", echo.called_from.clone()),
        ("called_to", echo.called_to.clone()),
        ("sort", order.by.as_str().to_owned()),
        ("dir", order.dir().to_owned()),
    ];
    let pager = error
        .is_none()
        .then(|| pager("/recordings", &params, number, PAGE_SIZE, total));
    // The list without some of the narrowing it was opened with (from the overview).
    let without = |names: &[&str]| {
        let kept: Vec<(&str, String)> = params
            .iter()
            .filter(|(name, _)| !names.contains(name))
            .cloned()
            .collect();
        link("/recordings", &kept, &[])
    };
    let data = ListPage {
        base: page.base(),
        rows,
        operators,
        statuses: RecordingStatus::ALL.iter().map(|s| s.as_str()).collect(),
        problems: Problem::ALL.iter().map(|p| p.as_str()).collect(),
        all_steps_href: without(&["script_id", "step_key"]),
        any_day_href: without(&["called_from", "called_to"]),
        headers: headers(
            page.lang,
            "/recordings",
            &params,
            &COLUMNS,
            order.by.as_str(),
            order.descending,
        ),
        sort: order.by.as_str(),
        dir: order.dir(),
        range: pager
            .as_ref()
            .map(|p| p.range_text(page.lang))
            .unwrap_or_default(),
        pager,
        inbound_waiting,
        inbound_failed,
        filter: echo,
        error: error.map(|e| {
            e.field_messages(page.lang)
                .into_iter()
                .map(|f| f.message)
                .next()
                .unwrap_or_else(|| e.message(page.lang))
        }),
    };
    page.render("recordings/list.html", status, &data)
}

// ---- upload ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct UploadPage {
    #[serde(flatten)]
    base: PageBase,
    operators: Vec<OperatorView>,
    scripts: Vec<Choice>,
    max_upload_mb: u64,
    message: Option<String>,
    fields: Vec<FieldMessage>,
    /// Files of this upload that were already uploaded: skipped, each with the call it is.
    duplicates: Vec<Duplicate>,
    kept: usize,
}

#[derive(Serialize)]
struct Duplicate {
    name: String,
    href: String,
}

async fn upload_view(page: &Page, error: Option<AppError>) -> Result<HttpResponse, AppError> {
    upload_view_with(page, error, Kept::default()).await
}

/// The upload page, after `kept` was uploaded (its skipped duplicates listed).
async fn upload_view_with(
    page: &Page,
    error: Option<AppError>,
    kept: Kept,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (operators, scripts) = state
        .db
        .run(|conn| Ok::<_, AppError>((OperatorRecord::list(conn)?, script_choices(conn)?)))
        .await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = UploadPage {
        base: page.base(),
        operators,
        scripts,
        max_upload_mb: state.settings.max_upload_mb,
        message: error.as_ref().map(|e| e.message(page.lang)),
        fields: error
            .map(|e| e.field_messages(page.lang))
            .unwrap_or_default(),
        duplicates: kept
            .duplicates
            .into_iter()
            .map(|(name, id)| Duplicate {
                name,
                href: format!("/recordings/{id}"),
            })
            .collect(),
        kept: kept.recordings.len(),
    };
    page.render("recordings/upload.html", status, &data)
}

async fn upload_page(_: Owner, page: Page) -> Result<HttpResponse, AppError> {
    upload_view(&page, None).await
}

/// The form without JavaScript: every chosen file in one multipart post, with the page's
/// CSRF token as a field.
async fn upload_submit(
    Owner(owner): Owner,
    page: Page,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let upload = receive(multipart, state).await?;
    if upload.fields.get("csrf") != Some(&owner.csrf_token(&state.signing_key)) {
        upload.discard();
        return Err(AppError::CsrfFailed);
    }
    match keep_all(state, &owner, upload, Duplicates::Skip).await {
        Ok(kept) if kept.duplicates.is_empty() => Ok(see_other("/recordings")),
        Ok(kept) => upload_view_with(&page, None, kept).await,
        Err(error @ AppError::Validation(_)) => upload_view(&page, Some(error)).await,
        Err(other) => Err(other),
    }
}

// ---- one recording ----------------------------------------------------------------------------

#[derive(Serialize)]
struct RangeRow {
    index: usize,
    start: String,
    end: String,
    mode: RedactionKind,
}

#[derive(Serialize)]
struct DetailPage {
    #[serde(flatten)]
    base: PageBase,
    recording: RecordingView,
    operator_name: String,
    script_name: String,
    status_label: String,
    in_progress: bool,
    /// Whether processing it again can help (a damaged or unsupported file stays so).
    retry_helps: bool,
    ranges: Vec<RangeRow>,
    message: Option<String>,
    fields: Vec<FieldMessage>,
    reviews: Option<super::review_table::ReviewsSection>,
}

/// The call's page, with `error` (from one of its forms) shown above it.
pub(super) async fn detail_view(
    page: &Page,
    owner: &Session,
    id: String,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (recording, script_id, number, redactions) =
        crate::recordings::view::visible(&state.db, &owner.viewer(), RecordingId::from_raw(id))
            .await?;
    let operator_id = recording.operator_id.clone();
    let script = script_id.clone();
    let recording_id = recording.id.clone();
    let (operator_name, script_name, outcome) = state
        .db
        .run(move |conn| {
            let operator = OperatorRecord::find(conn, &operator_id)?.map(|o| o.name);
            let script: Option<String> = scripts::table
                .find(&script)
                .select(scripts::name)
                .first(conn)
                .optional()?;
            let outcome = crate::recordings::outcome::of(conn, &recording_id)?;
            Ok::<_, AppError>((
                operator.unwrap_or_default(),
                script.unwrap_or_default(),
                outcome,
            ))
        })
        .await?;
    let retry_helps = recording.error_code.as_deref().is_some_and(retry_can_help);
    let reviews = super::review_table::load(page, recording.id.clone()).await?;
    let ranges = redactions
        .iter()
        .enumerate()
        .map(|(index, r)| RangeRow {
            index,
            start: seconds(r.start_ms),
            end: seconds(r.end_ms),
            mode: r.mode,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = DetailPage {
        base: page.base(),
        status_label: page
            .lang
            .translate(&format!("recording-status-{}", recording.status)),
        in_progress: matches!(
            recording.status,
            RecordingStatus::Queued | RecordingStatus::Processing
        ),
        recording: RecordingView {
            outcome,
            ..view(
                recording,
                script_id,
                number,
                Some(redactions),
                true,
                page.lang,
            )
        },
        operator_name,
        script_name,
        retry_helps,
        ranges,
        message: error.as_ref().map(|e| e.message(page.lang)),
        fields: error
            .map(|e| e.field_messages(page.lang))
            .unwrap_or_default(),
        reviews,
    };
    page.render("recordings/detail.html", status, &data)
}

#[derive(Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

/// Sets how the call ended; its page again (with the problem, if any).
async fn outcome_submit(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<String>,
    PageForm(_, form): PageForm<OutcomeForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (user, recording) = (owner.user_id.clone(), RecordingId::from_raw(id.clone()));
    let saved = page
        .state()
        .db
        .write(move |conn| {
            crate::recordings::outcome::set(
                conn,
                &user,
                &recording,
                Some(&form.outcome),
                Some(&form.reason),
            )
        })
        .await;
    match saved {
        Ok(_) => Ok(see_other(&format!("/recordings/{id}#outcome"))),
        Err(error @ crate::recordings::RecordingError::Invalid(_)) => {
            detail_view(&page, &owner, id, Some(error.into())).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn detail_page(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    detail_view(&page, &owner, id.into_inner(), None).await
}

#[derive(Deserialize)]
struct RangeForm {
    /// `add` or `remove`.
    action: String,
    start: Option<String>,
    end: Option<String>,
    mode: Option<String>,
    index: Option<usize>,
}

fn parse_seconds(field: &'static str, text: Option<&str>) -> Result<i64, AppError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let text = text.ok_or_else(|| AppError::field(field, "required"))?;
    let value: f64 = text
        .replace(',', ".")
        .parse()
        .map_err(|_| AppError::field(field, "not_a_number"))?;
    if !value.is_finite() || !(0.0..=86_400.0).contains(&value) {
        return Err(AppError::field(field, "bad_range"));
    }
    Ok((value * 1000.0).round() as i64)
}

/// Adds or removes one marked range; the reviewer copy is then rebuilt.
async fn redactions_submit(
    _: Owner,
    page: Page,
    id: web::Path<String>,
    PageForm(owner, form): PageForm<RangeForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let recording_id = RecordingId::from_raw(id.clone());
    let lookup = recording_id.clone();
    let mut ranges = state
        .db
        .run(move |conn| {
            Recording::find(conn, &lookup)?.ok_or(AppError::NotFound)?;
            Recording::redactions(conn, &lookup).map_err(AppError::from)
        })
        .await?;
    let change = match form.action.as_str() {
        "add" => (|| {
            let start_ms = parse_seconds("start", form.start.as_deref())?;
            let end_ms = parse_seconds("end", form.end.as_deref())?;
            let mode = RedactionKind::parse(form.mode.as_deref().unwrap_or("silence"))
                .ok_or_else(|| AppError::field("mode", "unknown_value"))?;
            if end_ms <= start_ms {
                return Err(AppError::field("end", "bad_range"));
            }
            ranges.push(RedactionRange {
                start_ms,
                end_ms,
                mode,
            });
            Ok(())
        })(),
        "remove" => match form.index.filter(|i| *i < ranges.len()) {
            Some(index) => {
                ranges.remove(index);
                Ok(())
            }
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::BadRequest("invalid_form")),
    };
    let outcome = match change {
        Ok(()) => state
            .db
            .run(move |conn| Recording::set_redactions(conn, &recording_id, &ranges))
            .await
            .map_err(AppError::from),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => {
            state.workers.wake();
            Ok(see_other(&format!("/recordings/{id}")))
        }
        Err(error @ AppError::Validation(_)) => detail_view(&page, &owner, id, Some(error)).await,
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn retry_submit(
    _: Owner,
    state: web::Data<AppState>,
    id: web::Path<String>,
    PageForm(_, _): PageForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let recording_id = RecordingId::from_raw(id.clone());
    state
        .db
        .run(move |conn| {
            Recording::find(conn, &recording_id)?.ok_or(AppError::NotFound)?;
            Recording::requeue(conn, &recording_id).map_err(AppError::from)
        })
        .await?;
    state.workers.wake();
    Ok(see_other(&format!("/recordings/{id}")))
}
