//! The pay pages. For owners: `/pay` (what the open period owes each reviewer, with the
//! close, adjustment, release and settings forms and the closed periods), `/pay/periods/{id}`
//! (each reviewer's line with their payout details, approve and mark paid, the registry
//! files) and `/pay/ledger` (every entry). For reviewers: `/review/earnings` ("My earnings")
//! and the payout details form of the account page (`POST /account/payout`).

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::page::Page;
use super::{PageBase, see_other};
use crate::db::ids::{PayPeriodId, ScriptId, UserId};
use crate::error::AppError;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::http::{Owner, Reviewer};
use crate::org_settings::OrgSettings;
use crate::pay::PaySettings;
use crate::pay::details::{self, DetailsChange, DetailsInput};
use crate::pay::earnings::{self, Earnings};
use crate::pay::ledger::{self, AdjustmentInput, EntryView, LedgerQuery, OpenLine};
use crate::pay::periods::{self, CloseInput, PaidInput, PeriodDetail, PeriodView};
use crate::pay::settings::{self as pay_settings, ScriptRate, ScriptRateInput};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/pay", Access::Owner, pay_page);
    r.add(Method::POST, "/pay/close", Access::Owner, close_submit);
    r.add(
        Method::POST,
        "/pay/adjustments",
        Access::Owner,
        adjust_submit,
    );
    r.add(
        Method::POST,
        "/pay/settings",
        Access::Owner,
        settings_submit,
    );
    r.add(
        Method::POST,
        "/pay/scripts/rate",
        Access::Owner,
        script_rate_submit,
    );
    r.add(
        Method::POST,
        "/pay/reviewers/{id}/release",
        Access::Owner,
        release_submit,
    );
    r.add(Method::GET, "/pay/ledger", Access::Owner, ledger_page);
    r.add(Method::GET, "/pay/periods/{id}", Access::Owner, period_page);
    r.add(
        Method::POST,
        "/pay/periods/{id}/approve",
        Access::Owner,
        approve_submit,
    );
    r.add(
        Method::POST,
        "/pay/periods/{id}/paid",
        Access::Owner,
        paid_submit,
    );
    r.add(
        Method::GET,
        "/review/earnings",
        Access::Reviewer,
        earnings_page,
    );
    r.add(
        Method::POST,
        "/account/payout",
        Access::Reviewer,
        payout_submit,
    );
}

#[derive(Serialize)]
struct ScriptChoice {
    id: ScriptId,
    name: String,
}

#[derive(Serialize)]
struct PayPage {
    #[serde(flatten)]
    base: PageBase,
    open: Vec<OpenLine>,
    changes: Vec<DetailsChange>,
    periods: Vec<PeriodView>,
    settings: PaySettings,
    review_rate: String,
    currency: String,
    script_rates: Vec<ScriptRate>,
    scripts: Vec<ScriptChoice>,
    saved: Option<String>,
    errors: super::FormErrors,
    today: String,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn pay_view(
    page: &Page,
    saved: Option<String>,
    error: Option<AppError>,
    settings_shown: Option<PaySettings>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let (open, changes, periods, stored, org, script_rates, scripts) = state
        .db
        .run(|conn| {
            use crate::db::schema::scripts;
            use diesel::prelude::*;
            let scripts: Vec<(ScriptId, String)> = scripts::table
                .filter(scripts::archived.eq(false))
                .order(scripts::name.asc())
                .select((scripts::id, scripts::name))
                .load(conn)?;
            Ok::<_, AppError>((
                ledger::open_lines(conn)?,
                details::changed_since_last_close(conn)?,
                periods::list(conn)?,
                PaySettings::load(conn)?,
                OrgSettings::load(conn)?,
                pay_settings::script_rates(conn)?,
                scripts,
            ))
        })
        .await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = PayPage {
        base: page.base(),
        open,
        changes,
        periods,
        settings: settings_shown.unwrap_or(stored),
        review_rate: org.review_rate.clone(),
        currency: org.currency.clone(),
        script_rates,
        scripts: scripts
            .into_iter()
            .map(|(id, name)| ScriptChoice { id, name })
            .collect(),
        saved,
        errors: page.errors(error.as_ref()),
        today: crate::dashboards::period::day_text(org.zone().today()),
    };
    page.render("pay/index.html", status, &data)
}

async fn pay_page(
    _: Owner,
    page: Page,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    pay_view(&page, query.into_inner().saved, None, None).await
}

/// A form's outcome: on success where to go; a refused input is shown on `/pay` again.
async fn after_pay_form(
    page: &Page,
    outcome: Result<String, AppError>,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(location) => Ok(see_other(&location)),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            pay_view(page, None, Some(error), None).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct CloseForm {
    #[serde(default)]
    until: String,
}

async fn close_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<CloseForm>,
) -> Result<HttpResponse, AppError> {
    let owner = session.user_id;
    let input = CloseInput {
        until: Some(form.until),
    };
    let outcome = page
        .state()
        .db
        .write(move |conn| {
            let until = periods::end_of(conn, &input.until)?;
            periods::close(conn, &owner, until).map_err(AppError::from)
        })
        .await
        .map(|(period, _)| format!("/pay/periods/{}?saved=closed", period.id));
    after_pay_form(&page, outcome).await
}

async fn adjust_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<AdjustmentInput>,
) -> Result<HttpResponse, AppError> {
    let owner = session.user_id;
    let outcome = page
        .state()
        .db
        .write(move |conn| ledger::adjust(conn, &owner, &form).map_err(AppError::from))
        .await
        .map(|_| "/pay?saved=adjustment".to_owned());
    after_pay_form(&page, outcome).await
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    minute_rate: String,
    #[serde(default)]
    gold_min_steps: String,
    #[serde(default)]
    bonus_accuracy: String,
    #[serde(default)]
    bonus_percent: String,
    #[serde(default)]
    hold_accuracy: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    purpose: String,
}

async fn settings_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    // A number that is not one is refused by the range check (-1 is out of every range).
    let number = |text: &str| text.trim().parse::<i32>().unwrap_or(-1);
    let settings = PaySettings {
        minute_rate: form.minute_rate.trim().to_owned(),
        gold_min_steps: number(&form.gold_min_steps),
        bonus_accuracy: number(&form.bonus_accuracy),
        bonus_percent: number(&form.bonus_percent),
        hold_accuracy: number(&form.hold_accuracy),
        locale: form.locale.trim().to_owned(),
        purpose: form.purpose.trim().to_owned(),
    };
    let shown = settings.clone();
    let owner = session.user_id;
    let outcome = page
        .state()
        .db
        .write(move |conn| settings.save(conn, &owner).map_err(AppError::from))
        .await;
    match outcome {
        Ok(()) => Ok(see_other("/pay?saved=settings")),
        Err(error @ AppError::Validation(_)) => {
            pay_view(&page, None, Some(error), Some(shown)).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct ScriptRateForm {
    script_id: String,
    #[serde(default)]
    review_rate: String,
    #[serde(default)]
    minute_rate: String,
    /// Present: the script pays the settings' rates again.
    #[serde(default)]
    clear: Option<String>,
}

async fn script_rate_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<ScriptRateForm>,
) -> Result<HttpResponse, AppError> {
    let owner = session.user_id;
    let script = ScriptId::from_raw(form.script_id.trim());
    let outcome = page
        .state()
        .db
        .write(move |conn| {
            if form.clear.is_some() {
                pay_settings::clear_script_rate(conn, &owner, &script)
            } else {
                let input = ScriptRateInput {
                    review_rate: form.review_rate,
                    minute_rate: form.minute_rate,
                };
                pay_settings::set_script_rate(conn, &owner, &script, &input).map(|_| ())
            }
            .map_err(AppError::from)
        })
        .await
        .map(|()| "/pay?saved=rate".to_owned());
    after_pay_form(&page, outcome).await
}

async fn release_submit(
    _: Owner,
    page: Page,
    id: web::Path<UserId>,
    PageForm(session, _): PageForm<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let (owner, reviewer) = (session.user_id, id.into_inner());
    let outcome = page
        .state()
        .db
        .write(move |conn| ledger::release_holds(conn, &owner, &reviewer).map_err(AppError::from))
        .await
        .map(|_| "/pay?saved=released".to_owned());
    after_pay_form(&page, outcome).await
}

/// An entry as the ledger page shows it.
#[derive(Serialize)]
struct EntryRow {
    #[serde(flatten)]
    entry: EntryView,
    on_hold: bool,
}

#[derive(Serialize)]
struct LedgerPage {
    #[serde(flatten)]
    base: PageBase,
    entries: Vec<EntryRow>,
    /// Only the newest are listed; the files carry all.
    more: usize,
    query: String,
    period: String,
    reviewer: String,
    periods: Vec<PeriodView>,
    reviewers: Vec<OpenLine>,
}

/// The most entries the ledger page lists.
const LEDGER_PAGE_ROWS: usize = 500;

async fn ledger_page(
    _: Owner,
    page: Page,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = query.filter();
    let (entries, periods, reviewers) = page
        .state()
        .db
        .run(move |conn| {
            Ok::<_, AppError>((
                ledger::entries(conn, &filter)?,
                periods::list(conn)?,
                ledger::open_lines(conn)?,
            ))
        })
        .await?;
    let more = entries.len().saturating_sub(LEDGER_PAGE_ROWS);
    let period = query.period.clone().unwrap_or_default();
    let reviewer = query.reviewer.clone().unwrap_or_default();
    let encoded = serde_urlencoded::to_string([("period", &period), ("reviewer", &reviewer)])
        .unwrap_or_default();
    let data = LedgerPage {
        base: page.base(),
        entries: entries
            .into_iter()
            .take(LEDGER_PAGE_ROWS)
            .map(|entry| EntryRow {
                on_hold: entry.on_hold(),
                entry,
            })
            .collect(),
        more,
        query: encoded,
        period,
        reviewer,
        periods,
        reviewers,
    };
    page.render("pay/ledger.html", StatusCode::OK, &data)
}

#[derive(Serialize)]
struct PeriodPage {
    #[serde(flatten)]
    base: PageBase,
    detail: PeriodDetail,
    saved: Option<String>,
    errors: super::FormErrors,
    today: String,
}

async fn period_view(
    page: &Page,
    id: PayPeriodId,
    saved: Option<String>,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let (detail, zone) = page
        .state()
        .db
        .run(move |conn| {
            Ok::<_, AppError>((periods::detail(conn, &id)?, OrgSettings::load_zone(conn)?))
        })
        .await?;
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = PeriodPage {
        base: page.base(),
        detail,
        saved,
        errors: page.errors(error.as_ref()),
        today: crate::dashboards::period::day_text(zone.today()),
    };
    page.render("pay/period.html", status, &data)
}

async fn period_page(
    _: Owner,
    page: Page,
    id: web::Path<PayPeriodId>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    period_view(&page, id.into_inner(), query.into_inner().saved, None).await
}

async fn after_period_form(
    page: &Page,
    id: PayPeriodId,
    outcome: Result<PeriodView, AppError>,
    saved: &str,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(period) => Ok(see_other(&format!(
            "/pay/periods/{}?saved={saved}",
            period.id
        ))),
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            period_view(page, id, None, Some(error)).await
        }
        Err(other) => Err(other),
    }
}

async fn approve_submit(
    _: Owner,
    page: Page,
    id: web::Path<PayPeriodId>,
    PageForm(session, _): PageForm<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (owner, period) = (session.user_id, id.clone());
    let outcome = page
        .state()
        .db
        .write(move |conn| periods::approve(conn, &owner, &period).map_err(AppError::from))
        .await;
    after_period_form(&page, id, outcome, "approved").await
}

async fn paid_submit(
    _: Owner,
    page: Page,
    id: web::Path<PayPeriodId>,
    PageForm(session, form): PageForm<PaidInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (owner, period) = (session.user_id, id.clone());
    let outcome = page
        .state()
        .db
        .write(move |conn| periods::mark_paid(conn, &owner, &period, &form).map_err(AppError::from))
        .await;
    after_period_form(&page, id, outcome, "paid").await
}

#[derive(Serialize)]
struct EarningsPage {
    #[serde(flatten)]
    base: PageBase,
    earnings: Earnings,
    entries: Vec<EntryRow>,
    all_time_spent: String,
}

async fn earnings_page(Reviewer(session): Reviewer, page: Page) -> Result<HttpResponse, AppError> {
    let mine = page
        .state()
        .db
        .run(move |conn| earnings::of(conn, &session.user_id).map_err(AppError::from))
        .await?;
    let mut mine = earnings::for_reviewer(mine);
    let entries = std::mem::take(&mut mine.entries)
        .into_iter()
        .map(|entry| EntryRow {
            on_hold: entry.on_hold(),
            entry,
        })
        .collect();
    let minutes = mine.all_time.time_spent_ms / 60_000;
    let data = EarningsPage {
        base: page.base(),
        all_time_spent: format!("{}:{:02}", minutes / 60, minutes % 60),
        earnings: mine,
        entries,
    };
    page.render("review/earnings.html", StatusCode::OK, &data)
}

async fn payout_submit(
    _: Reviewer,
    page: Page,
    PageForm(session, form): PageForm<DetailsInput>,
) -> Result<HttpResponse, AppError> {
    let reviewer = session.user_id.clone();
    let outcome = page
        .state()
        .db
        .write(move |conn| details::save(conn, &reviewer, &form).map_err(AppError::from))
        .await;
    match outcome {
        Ok(_) => Ok(see_other("/account?saved=1#payout")),
        Err(error @ AppError::Validation(_)) => {
            super::accounts::account_view(&page, &session, false, Some(error)).await
        }
        Err(other) => Err(other),
    }
}
