//! The owner's reviewers pages: `/reviewers`, a sortable table of every reviewer's figures
//! over a period (filterable by status), and `/reviewers/{id}`, one reviewer's figures, weeks
//! and latest reviews; both with a pause or resume button (`POST /reviewers/{id}/pause`,
//! `/resume`); the reviewer's page also sets the languages they review
//! (`POST /reviewers/{id}/languages`). Percentages and ratios are worded here, so the
//! templates only lay them out. The list page also holds the reviews worth a second look,
//! each kept (`POST /reviewers/flagged/{review}/check`) or rejected on its call's page.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::format::percent::percent;
use super::listing::{Column, SortHeader, headers};
use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::accounts::pause;
use crate::api::reviewers::ReviewersQuery;
use crate::dashboards::flags::{self, FlaggedReview};
use crate::dashboards::period::day_text;
use crate::dashboards::reviewers::{self, RecentReview, ReviewerRow, WeekLine};
use crate::db::ids::{ReviewId, UserId};
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/reviewers", Access::Owner, list_page);
    r.add(Method::GET, "/reviewers/{id}", Access::Owner, one_page);
    r.add(
        Method::POST,
        "/reviewers/flagged/{review}/check",
        Access::Owner,
        check_submit,
    );
    r.add(
        Method::POST,
        "/reviewers/{id}/pause",
        Access::Owner,
        pause_submit,
    );
    r.add(
        Method::POST,
        "/reviewers/{id}/resume",
        Access::Owner,
        resume_submit,
    );
    r.add(
        Method::POST,
        "/reviewers/{id}/languages",
        Access::Owner,
        languages_submit,
    );
}

/// A reviewer's row in words.
#[derive(Serialize)]
struct RowView {
    id: String,
    name: String,
    status: &'static str,
    reviews: usize,
    gold_reviews: usize,
    gold_accuracy: String,
    gold_steps: usize,
    agreement: String,
    agreement_pairs: usize,
    listen_ratio: String,
    skip_rate: String,
    rejected: usize,
    earned: String,
    currency: String,
}

fn or_dash(value: Option<f64>, shown: impl Fn(f64) -> String) -> String {
    value.map_or_else(|| "—".to_owned(), shown)
}

fn view(row: &ReviewerRow) -> RowView {
    RowView {
        id: row.id.as_str().to_owned(),
        name: row.name.clone(),
        status: row.status.as_str(),
        reviews: row.reviews,
        gold_reviews: row.gold_reviews,
        gold_accuracy: or_dash(row.gold_accuracy, percent),
        gold_steps: row.gold_steps,
        agreement: or_dash(row.agreement, percent),
        agreement_pairs: row.agreement_pairs,
        listen_ratio: or_dash(row.median_listen_ratio, |r| format!("{r:.2}×")),
        skip_rate: or_dash(row.skip_rate, percent),
        rejected: row.rejected,
        earned: row.earned.clone(),
        currency: row.currency.clone(),
    }
}

const COLUMNS: [(&str, &str, bool); 8] = [
    ("name", "reviewers-name", false),
    ("status", "reviewers-status", false),
    ("reviews", "reviewers-reviews", true),
    ("gold_accuracy", "reviewers-gold-accuracy", true),
    ("agreement", "reviewers-agreement", true),
    ("median_listen_ratio", "reviewers-listen-ratio", true),
    ("skip_rate", "reviewers-skip-rate", true),
    ("rejected", "reviewers-rejected", true),
];

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    base: PageBase,
    errors: FormErrors,
    from: String,
    to: String,
    status: String,
    headers: Vec<SortHeader>,
    rows: Vec<RowView>,
    /// Reviews worth a second look (see `dashboards::flags`).
    flagged: Vec<FlaggedReview>,
}

fn field_errors(error: &AppError, page: &Page) -> FormErrors {
    FormErrors::from_error(error, page.lang)
}

async fn list_page(
    Owner(owner): Owner,
    page: Page,
    query: web::Query<ReviewersQuery>,
) -> Result<HttpResponse, AppError> {
    let base = page.base();
    let params: Vec<(&str, String)> = [
        ("from", &query.from),
        ("to", &query.to),
        ("status", &query.status),
        ("sort", &query.sort),
        ("dir", &query.dir),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.clone().unwrap_or_default()))
    .collect();
    let columns: Vec<Column> = COLUMNS
        .iter()
        .map(|(key, label_key, descending_first)| Column {
            key,
            label_key,
            sortable: true,
            descending_first: *descending_first,
        })
        .collect();
    let status = query.status.clone().unwrap_or_default();
    let asked = query
        .period(&owner.zone)
        .and_then(|p| Ok((p, query.query()?)));
    let (period, order) = match asked {
        Ok(asked) => asked,
        Err(error) => {
            let data = ListPage {
                base,
                errors: field_errors(&error, &page),
                from: query.from.clone().unwrap_or_default(),
                to: query.to.clone().unwrap_or_default(),
                status,
                headers: headers(page.lang, "/reviewers", &params, &columns, "name", false),
                rows: Vec::new(),
                flagged: Vec::new(),
            };
            return page.render("reviewers/list.html", error.status(), &data);
        }
    };
    let zone = owner.zone.clone();
    let (rows, flagged) = page
        .state()
        .db
        .run(move |conn| {
            Ok::<_, AppError>((
                reviewers::figures(conn, period, &zone, None, order)?,
                flags::load(conn)?,
            ))
        })
        .await?;
    let data = ListPage {
        base,
        errors: FormErrors::default(),
        from: day_text(period.from),
        to: day_text(period.to),
        status,
        headers: headers(
            page.lang,
            "/reviewers",
            &params,
            &columns,
            order.sort.as_str(),
            order.descending,
        ),
        rows: rows.iter().map(view).collect(),
        flagged,
    };
    page.render("reviewers/list.html", StatusCode::OK, &data)
}

#[derive(Serialize)]
struct OnePage {
    #[serde(flatten)]
    base: PageBase,
    errors: FormErrors,
    from: String,
    to: String,
    row: Option<RowView>,
    weekly: Vec<WeekLine>,
    /// The tallest week, for the bars' scale.
    most: usize,
    recent: Vec<RecentReview>,
    /// Every language of calls, those the reviewer reviews ticked (none: every language).
    /// (`languages` is the layout's switcher.)
    review_languages: Vec<crate::languages::LanguageChoice>,
    languages_saved: bool,
}

async fn one_page(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<UserId>,
    query: web::Query<ReviewersQuery>,
) -> Result<HttpResponse, AppError> {
    let base = page.base();
    let period = match query.period(&owner.zone) {
        Ok(period) => period,
        Err(error) => {
            let data = OnePage {
                base,
                errors: field_errors(&error, &page),
                from: query.from.clone().unwrap_or_default(),
                to: query.to.clone().unwrap_or_default(),
                row: None,
                weekly: Vec::new(),
                most: 0,
                recent: Vec::new(),
                review_languages: Vec::new(),
                languages_saved: false,
            };
            return page.render("reviewers/one.html", error.status(), &data);
        }
    };
    let zone = owner.zone.clone();
    let id = id.into_inner();
    let (detail, languages) = page
        .state()
        .db
        .run(move |conn| {
            let detail = reviewers::detail(conn, period, &zone, &id)?;
            let languages = crate::languages::of_reviewer(conn, &id)?;
            Ok::<_, AppError>((detail, languages))
        })
        .await?;
    let detail = detail.ok_or(AppError::NotFound)?;
    let data = OnePage {
        review_languages: crate::languages::choices(page.lang, &languages),
        languages_saved: query.languages_saved.is_some(),
        base,
        errors: FormErrors::default(),
        from: day_text(period.from),
        to: day_text(period.to),
        row: Some(view(&detail.row)),
        most: detail.weekly.iter().map(|w| w.reviews).max().unwrap_or(0),
        weekly: detail.weekly,
        recent: detail.recent,
    };
    page.render("reviewers/one.html", StatusCode::OK, &data)
}

#[derive(Deserialize)]
struct BackForm {
    /// `list` to come back to the table; the reviewer's page otherwise.
    back: Option<String>,
}

async fn change(
    owner: crate::http::Session,
    page: &Page,
    id: UserId,
    paused: bool,
    back: Option<String>,
) -> Result<HttpResponse, AppError> {
    let by = owner.user_id.clone();
    let target = id.clone();
    page.state()
        .db
        .write(move |conn| {
            if paused {
                let details = serde_json::json!({"reason": "owner"});
                conn.write_transaction(|conn| pause::pause(conn, Some(&by), &target, details))
                    .map_err(AppError::from)
            } else {
                pause::resume(conn, &by, &target).map_err(AppError::from)
            }
        })
        .await?;
    Ok(see_other(&match back.as_deref() {
        Some("list") => "/reviewers".to_owned(),
        _ => format!("/reviewers/{}", id.as_str()),
    }))
}

/// The owner keeps a flagged review: it leaves the list.
async fn check_submit(
    _: Owner,
    page: Page,
    review: web::Path<ReviewId>,
    PageForm(owner, _): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let review = review.into_inner();
    page.state()
        .db
        .write(move |conn| crate::reviews::mark_checked(conn, &owner.user_id, &review))
        .await?;
    Ok(see_other("/reviewers#flagged"))
}

async fn pause_submit(
    _: Owner,
    page: Page,
    id: web::Path<UserId>,
    PageForm(owner, form): PageForm<BackForm>,
) -> Result<HttpResponse, AppError> {
    change(owner, &page, id.into_inner(), true, form.back).await
}

/// Sets the languages the reviewer reviews (none ticked: every language); back to their page.
async fn languages_submit(
    _: Owner,
    page: Page,
    id: web::Path<UserId>,
    PageForm(owner, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let wanted = super::accounts::ticked_languages(&fields);
    let reviewer = id.clone();
    page.state()
        .db
        .run(move |conn| {
            crate::languages::set_for_reviewer(conn, &owner.user_id, &reviewer, &wanted)
                .map_err(AppError::from)
        })
        .await?;
    Ok(see_other(&format!(
        "/reviewers/{}?languages_saved=1#languages",
        id.as_str()
    )))
}

async fn resume_submit(
    _: Owner,
    page: Page,
    id: web::Path<UserId>,
    PageForm(owner, form): PageForm<BackForm>,
) -> Result<HttpResponse, AppError> {
    change(owner, &page, id.into_inner(), false, form.back).await
}
