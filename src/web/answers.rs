//! The raw export of every answer of a period (`GET /overview/answers.csv`, and the same
//! for API clients at `GET /api/v1/answers.csv`): CSV in the asker's locale, streamed a page
//! of reviews at a time, so its memory does not grow with the number of rows. See
//! [`crate::dashboards::answers`].

use actix_web::http::Method;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::dashboards::answers::{AnswerFilter, AnswerRow, Pages};
use crate::dashboards::period::day_text;
use crate::db::Db;
use crate::db::ids::ScriptId;
use crate::error::AppError;
use crate::http::query::PeriodQuery;
use crate::http::routes::{Access, RouteSink};
use crate::http::{AppState, Owner};
use crate::i18n::Lang;
use crate::pay::export::{Style, text_cell};
use crate::zone::Zone;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(
        Method::GET,
        "/overview/answers.csv",
        Access::Owner,
        answers_csv,
    );
    r.add(
        Method::GET,
        "/api/v1/answers.csv",
        Access::Owner,
        answers_csv,
    );
}

#[derive(Deserialize)]
pub struct AnswersQuery {
    #[serde(flatten)]
    period: PeriodQuery,
    #[serde(default)]
    script_id: Option<String>,
}

const HEADERS: [&str; 11] = [
    "answers-csv-time",
    "answers-csv-call",
    "answers-csv-operator",
    "answers-csv-script",
    "answers-csv-version",
    "answers-csv-step-number",
    "answers-csv-step-key",
    "answers-csv-reviewer",
    "answers-csv-verdict",
    "answers-csv-comment",
    "answers-csv-review-status",
];

fn writer(style: &Style) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(style.separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Bytes, AppError> {
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| AppError::internal(e.to_string()))
}

/// The byte-order mark (so spreadsheets read UTF-8) and the header row, its time column
/// naming the zone the times are in.
fn header(style: &Style, zone: &Zone) -> Result<Bytes, AppError> {
    let mut writer = writer(style);
    let mut names = HEADERS.map(|key| style.lang.translate(key));
    names[0] = format!("{} ({})", names[0], zone.name());
    writer.write_record(&names).map_err(AppError::internal)?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend_from_slice(&finish(writer)?);
    Ok(Bytes::from(out))
}

/// One page of answers as CSV lines.
pub fn rows(style: &Style, zone: &Zone, page: &[AnswerRow]) -> Result<Bytes, AppError> {
    let mut writer = writer(style);
    for row in page {
        let at = zone.local(row.submitted_at);
        writer
            .write_record([
                format!(
                    "{} {:02}:{:02}:{:02}",
                    at.date(),
                    at.hour(),
                    at.minute(),
                    at.second()
                ),
                row.recording_id.clone(),
                text_cell(&row.operator),
                text_cell(&row.script),
                row.version.to_string(),
                row.position.to_string(),
                text_cell(&row.step_key),
                row.reviewer.clone(),
                row.verdict.clone(),
                text_cell(row.comment.as_deref().unwrap_or_default()),
                row.review_status.clone(),
            ])
            .map_err(AppError::internal)?;
    }
    finish(writer)
}

/// The export's body: the header, then each page as it is read. A database failure midway
/// ends the body early (the download is then visibly cut, not silently short).
pub fn body(
    db: Db,
    pages: Pages,
    lang: Lang,
    zone: Zone,
) -> impl futures_util::Stream<Item = Result<Bytes, AppError>> {
    let style = Style::of(lang);
    let first = header(&style, &zone);
    let pages = futures_util::stream::unfold(Some(pages), move |pages| {
        let (db, zone) = (db.clone(), zone.clone());
        async move {
            let mut pages = pages?;
            let read = db
                .run(move |conn| {
                    let page = pages.next_page(conn)?;
                    Ok::<_, AppError>((pages, page))
                })
                .await;
            match read {
                Ok((pages, Some(page))) => Some((rows(&style, &zone, &page), Some(pages))),
                Ok((_, None)) => None,
                Err(error) => Some((Err(error), None)),
            }
        }
    });
    futures_util::StreamExt::chain(futures_util::stream::once(async move { first }), pages)
}

async fn answers_csv(
    Owner(owner): Owner,
    lang: Lang,
    state: web::Data<AppState>,
    query: web::Query<AnswersQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let period = query.period.period(&owner.zone)?;
    let script = query
        .script_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ScriptId::from_raw);
    if let Some(script) = script.clone() {
        let known = state
            .db
            .run(move |conn| {
                crate::scripts::current_version(conn, &script)
                    .map(|v| v.is_some())
                    .map_err(AppError::from)
            })
            .await?;
        if !known {
            return Err(AppError::Validation(vec![
                crate::validation::FieldProblem::new("script_id", "unknown_script"),
            ]));
        }
    }
    let filter = AnswerFilter {
        from: period.start(&owner.zone),
        to: period.end(&owner.zone),
        script,
    };
    let file = format!(
        "callqa-answers-{}-{}.csv",
        day_text(period.from),
        day_text(period.to)
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .streaming(body(
            state.db.clone(),
            Pages::new(filter, state.settings.export_page_reviews),
            lang,
            owner.zone,
        )))
}
