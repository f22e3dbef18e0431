//! `/settings`: the owner's shared settings page (voice disguise, reviews per call, lease,
//! pay rate, time zone), shown again with its problems when a value is refused.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::page::Page;
use super::{PageBase, see_other};
use crate::audio::VoiceMode;
use crate::error::{AppError, FieldMessage};
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::routes::{Access, RouteSink};
use crate::org_settings::{OrgSettings, SettingsInput};
use crate::recordings::Recording;

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/settings", Access::Owner, settings_page);
    r.add(Method::POST, "/settings", Access::Owner, settings_submit);
}

#[derive(Serialize)]
struct SettingsPage {
    #[serde(flatten)]
    base: PageBase,
    settings: SettingsInput,
    voice_modes: [&'static str; 4],
    /// The default, marked as the recommended choice.
    recommended_voice: &'static str,
    operator_channels: [&'static str; 3],
    /// Every zone name, for the organization's zone.
    zones: &'static [String],
    saved: bool,
    fields: Vec<FieldMessage>,
}

/// The choices for the operator's side of stereo calls, in the page's order.
const OPERATOR_CHANNELS: [&str; 3] = ["unknown", "left", "right"];

#[derive(Deserialize)]
struct SettingsQuery {
    saved: Option<String>,
}

async fn settings_page(
    _: Owner,
    page: Page,
    query: web::Query<SettingsQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let settings = state
        .db
        .run(|conn| OrgSettings::load(conn).map_err(AppError::from))
        .await?;
    let data = SettingsPage {
        base: page.base(),
        settings: settings.into(),
        voice_modes: VoiceMode::ALL.map(VoiceMode::as_str),
        recommended_voice: VoiceMode::default().as_str(),
        operator_channels: OPERATOR_CHANNELS,
        zones: crate::zone::names(),
        saved: query.saved.is_some(),
        fields: Vec::new(),
    };
    page.render("recordings/settings.html", StatusCode::OK, &data)
}

#[derive(Deserialize)]
struct SettingsForm {
    voice_mode: String,
    #[serde(default)]
    operator_channel: Option<String>,
    reviews_required: String,
    #[serde(default)]
    lease_minutes: Option<String>,
    #[serde(default)]
    lease_factor: Option<String>,
    #[serde(default)]
    review_rate: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    gold_percent_new: Option<String>,
    #[serde(default)]
    gold_new_reviews: Option<String>,
    #[serde(default)]
    gold_percent: Option<String>,
    #[serde(default)]
    pause_accuracy: Option<String>,
    #[serde(default)]
    pause_min_steps: Option<String>,
    #[serde(default)]
    trust_gold_steps: Option<String>,
    #[serde(default)]
    confidence_percent: Option<String>,
    min_heard_percent: Option<String>,
    #[serde(default)]
    dispute_days: Option<String>,
}

async fn settings_submit(
    _: Owner,
    page: Page,
    PageForm(_, form): PageForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let current = state
        .db
        .run(|conn| OrgSettings::load(conn).map_err(AppError::from))
        .await?;
    let number = |text: Option<&String>, fallback: i32| {
        text.map_or(Some(fallback), |t| t.trim().parse().ok())
            .unwrap_or(0)
    };
    let input = SettingsInput {
        voice_mode: form.voice_mode.trim().to_owned(),
        operator_channel: form
            .operator_channel
            .map_or(current.operator_channel.as_str().to_owned(), |c| {
                c.trim().to_owned()
            }),
        reviews_required: form.reviews_required.trim().parse().unwrap_or(0),
        lease_minutes: number(form.lease_minutes.as_ref(), current.lease_minutes),
        lease_factor: number(form.lease_factor.as_ref(), current.lease_factor),
        review_rate: form
            .review_rate
            .map_or(current.review_rate, |r| r.trim().to_owned()),
        currency: form
            .currency
            .map_or(current.currency, |c| c.trim().to_uppercase()),
        time_zone: form
            .time_zone
            .map_or(current.time_zone, |z| z.trim().to_owned()),
        gold_percent_new: number(form.gold_percent_new.as_ref(), current.gold_percent_new),
        gold_new_reviews: number(form.gold_new_reviews.as_ref(), current.gold_new_reviews),
        gold_percent: number(form.gold_percent.as_ref(), current.gold_percent),
        pause_accuracy: number(form.pause_accuracy.as_ref(), current.pause_accuracy),
        pause_min_steps: number(form.pause_min_steps.as_ref(), current.pause_min_steps),
        trust_gold_steps: number(form.trust_gold_steps.as_ref(), current.trust_gold_steps),
        confidence_percent: number(form.confidence_percent.as_ref(), current.confidence_percent),
        min_heard_percent: number(form.min_heard_percent.as_ref(), current.min_heard_percent),
        dispute_days: number(form.dispute_days.as_ref(), current.dispute_days),
    };
    let settings = match input.clone().check() {
        Ok(settings) => settings,
        Err(problems) => {
            let error = AppError::Validation(problems);
            let data = SettingsPage {
                base: page.base(),
                settings: input,
                voice_modes: VoiceMode::ALL.map(VoiceMode::as_str),
                recommended_voice: VoiceMode::default().as_str(),
                operator_channels: OPERATOR_CHANNELS,
                zones: crate::zone::names(),
                saved: false,
                fields: error.field_messages(page.lang),
            };
            return page.render("recordings/settings.html", error.status(), &data);
        }
    };
    state
        .db
        .run(move |conn| Recording::save_settings(conn, &settings).map_err(AppError::from))
        .await?;
    // A change of voice queued new reviewer copies.
    state.workers.wake();
    Ok(see_other("/settings?saved=1"))
}
