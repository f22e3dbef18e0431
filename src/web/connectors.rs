//! The owner's Connectors page (`/connectors`): where each PBX sends its events, its secret
//! (set, never shown again), its account key and API address where it has an API, the
//! script, a "send a test event" check, and the last events it received with what became of
//! each. See [`crate::connectors`].

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::funnel::{Choice, choices};
use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::connectors::{self, Changes, ConnectorView, Vendor};
use crate::db::ids::ScriptId;
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/connectors", Access::Owner, connectors_page);
    r.add(
        Method::POST,
        "/connectors/{vendor}",
        Access::Owner,
        save_submit,
    );
    r.add(
        Method::POST,
        "/connectors/{vendor}/test",
        Access::Owner,
        test_submit,
    );
}

/// The outcome of a test event, for the notice on the page.
#[derive(Serialize)]
struct Tested {
    vendor: Vendor,
    arrived: bool,
    reason: Option<String>,
}

#[derive(Serialize)]
struct EventRow {
    when: String,
    outcome: String,
    external_id: Option<String>,
    detail: Option<String>,
}

#[derive(Serialize)]
struct ConnectorCard {
    #[serde(flatten)]
    view: ConnectorView,
    scripts: Vec<Choice>,
    events: Vec<EventRow>,
    example: Option<String>,
}

#[derive(Serialize)]
struct ConnectorsPage {
    #[serde(flatten)]
    base: PageBase,
    connectors: Vec<ConnectorCard>,
    saved: bool,
    tested: Option<Tested>,
    errors: FormErrors,
}

/// `saved`, `tested`: the connector whose settings were just saved, or whose test event was
/// just sent (its outcome is the newest line of its events).
#[derive(Deserialize)]
struct ConnectorsQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    tested: Option<String>,
}

/// The outcome of the test event just sent, read from the connector's newest event.
fn tested_of(vendor: Vendor, events: &[connectors::Event]) -> Option<Tested> {
    let newest = events.first()?;
    match newest.outcome.as_str() {
        "test" => Some(Tested {
            vendor,
            arrived: true,
            reason: None,
        }),
        "test_failed" => Some(Tested {
            vendor,
            arrived: false,
            reason: newest.detail.clone(),
        }),
        _ => None,
    }
}

async fn connectors_view(
    page: &Page,
    saved: bool,
    tested: Option<Vendor>,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let base_url = page.state().base_url.clone();
    let (views, scripts, events) = page
        .state()
        .db
        .run(move |conn| {
            let views = connectors::list(conn, &base_url)?;
            let scripts = crate::scripts::list(conn)?;
            let events = Vendor::ALL
                .iter()
                .map(|&vendor| connectors::events(conn, vendor))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, AppError>((views, scripts, events))
        })
        .await?;
    let zone = page.zone();
    let tested = tested.and_then(|vendor| {
        let at = Vendor::ALL.iter().position(|v| *v == vendor)?;
        tested_of(vendor, &events[at])
    });
    let cards = views
        .into_iter()
        .zip(events)
        .map(|(view, events)| ConnectorCard {
            scripts: choices(&scripts, view.script_id.as_ref().map(ScriptId::as_str)),
            events: events
                .into_iter()
                .map(|e| EventRow {
                    when: crate::web::format::when::moment(page.lang, &zone, e.received_at),
                    outcome: e.outcome,
                    external_id: e.external_id,
                    detail: e.detail,
                })
                .collect(),
            example: (view.vendor == Vendor::Generic).then(|| generic_example(&view.webhook_url)),
            view,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = ConnectorsPage {
        base: page.base(),
        connectors: cards,
        saved,
        tested,
        errors: page.errors(error.as_ref()),
    };
    page.render("ingest/connectors.html", status, &data)
}

/// How a script signs and sends an event (shown for the generic connector; a vendor's PBX
/// only needs the address).
fn generic_example(url: &str) -> String {
    format!(
        "body='{{\"external_id\":\"1700032530.12\",\"recording_url\":\"https://pbx.example.com/rec/12.mp3\",\"operator_extension\":\"201\"}}'\n\
         sig=$(printf %s \"$body\" | openssl dgst -sha256 -hmac \"$SECRET\" -r | cut -d' ' -f1)\n\
         curl -H 'Content-Type: application/json' -H \"X-Callqa-Signature: sha256=$sig\" --data-binary \"$body\" {url}"
    )
}

async fn connectors_page(
    _: Owner,
    page: Page,
    query: web::Query<ConnectorsQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let tested = query.tested.as_deref().and_then(Vendor::parse);
    connectors_view(&page, query.saved.is_some(), tested, None).await
}

/// Back to the page at `vendor`'s card, saying what was done (so that a reload or a change
/// of language does not repeat the post).
fn back_to(vendor: Vendor, done: &str) -> HttpResponse {
    let vendor = vendor.as_str();
    see_other(&format!("/connectors?{done}={vendor}#connector-{vendor}"))
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    api_url: String,
    #[serde(default)]
    script_id: String,
}

async fn save_submit(
    _: Owner,
    page: Page,
    path: web::Path<String>,
    PageForm(owner, form): PageForm<SaveForm>,
) -> Result<HttpResponse, AppError> {
    let vendor = Vendor::parse(&path).ok_or(AppError::NotFound)?;
    let script = Some(form.script_id.trim())
        .filter(|s| !s.is_empty())
        .map(ScriptId::from_raw);
    let changes = Changes {
        secret: Some(form.secret),
        api_key: Some(form.api_key),
        api_url: Some(form.api_url),
        script_id: script,
    };
    let saved = page
        .state()
        .db
        .write(move |conn| connectors::save(conn, vendor, &changes, &owner.user_id))
        .await;
    match saved {
        Ok(()) => Ok(back_to(vendor, "saved")),
        Err(error) => connectors_view(&page, false, None, Some(error.into())).await,
    }
}

async fn test_submit(
    _: Owner,
    page: Page,
    path: web::Path<String>,
    PageForm(_, _): PageForm<TestForm>,
) -> Result<HttpResponse, AppError> {
    let vendor = Vendor::parse(&path).ok_or(AppError::NotFound)?;
    // Either way the outcome is the connector's newest event, which the page shows.
    let _noted = crate::api::connectors::send_test(page.state(), vendor).await?;
    Ok(back_to(vendor, "tested"))
}

/// The test button's form: only its page token.
#[derive(Deserialize)]
struct TestForm {}
