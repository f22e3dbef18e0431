//! The owner's script pages: the list (new, import), a script with its version history, one
//! version, the editor, the diff of two versions, the reviewer's-eye preview and a printable
//! copy for operators.
//! The editor is in [`editor`].

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::agreement::AgreementView;
use super::format::percent::{points, with_range};
use super::page::Page;
use super::{FormErrors, PageBase, see_other};
use crate::dashboards::agreement;
use crate::db::ids::ScriptId;
use crate::error::AppError;
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::http::query::{DiffQuery, version_number};
use crate::http::routes::{Access, RouteSink};
use crate::scripts::diff::{StepDiff, diff_versions};
use crate::scripts::draft::{self};
use crate::scripts::validate::StepInput;
use crate::scripts::{self, Script, ScriptError, ScriptListItem, Version, transfer};

mod editor;

use editor::{edit_page, edit_submit, editing_state};

pub fn routes<S: RouteSink>(r: &mut S) {
    r.add(Method::GET, "/scripts", Access::Owner, list_page);
    r.add(Method::POST, "/scripts", Access::Owner, create_submit);
    r.add(
        Method::POST,
        "/scripts/import",
        Access::Owner,
        import_submit,
    );
    r.add(Method::GET, "/scripts/{id}", Access::Owner, script_page);
    r.add(
        Method::GET,
        "/scripts/{id}/versions/{number}",
        Access::Owner,
        version_page,
    );
    r.add(
        Method::POST,
        "/scripts/{id}/overlap",
        Access::Owner,
        overlap_submit,
    );
    r.add(
        Method::POST,
        "/scripts/{id}/language",
        Access::Owner,
        language_submit,
    );
    r.add(
        Method::POST,
        "/scripts/{id}/sampling",
        Access::Owner,
        sampling_submit,
    );
    r.add(Method::GET, "/scripts/{id}/edit", Access::Owner, edit_page);
    r.add(
        Method::POST,
        "/scripts/{id}/edit",
        Access::Owner,
        edit_submit,
    );
    r.add(Method::GET, "/scripts/{id}/diff", Access::Owner, diff_page);
    r.add(
        Method::GET,
        "/scripts/{id}/preview",
        Access::Owner,
        preview_page,
    );
    r.add(
        Method::GET,
        "/scripts/{id}/print",
        Access::Owner,
        print_page,
    );
}

// ---- list, create, import -----------------------------------------------------------------

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    base: PageBase,
    scripts: Vec<ScriptListItem>,
    errors: FormErrors,
    /// What the owner typed, shown again after an error.
    name: String,
    import_text: String,
}

async fn list_view(
    page: &Page,
    failed: Option<(AppError, String, String)>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let scripts = state
        .db
        .run(|conn| scripts::list(conn).map_err(AppError::from))
        .await?;
    let (status, errors, name, import_text) = match failed {
        Some((error, name, import_text)) => (
            error.status(),
            FormErrors::from_error(&error, page.lang),
            name,
            import_text,
        ),
        None => (
            StatusCode::OK,
            FormErrors::default(),
            String::new(),
            String::new(),
        ),
    };
    let data = ListPage {
        base: page.base(),
        scripts,
        errors,
        name,
        import_text,
    };
    page.render("scripts/list.html", status, &data)
}

async fn list_page(_: Owner, page: Page) -> Result<HttpResponse, AppError> {
    list_view(&page, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

async fn create_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let name = form.name.clone();
    let created = state
        .db
        .run(move |conn| scripts::create_unpublished(conn, &session.user_id, &name))
        .await;
    match created {
        Ok(id) => Ok(see_other(&format!("/scripts/{id}/edit"))),
        Err(error) => {
            let failed = (AppError::from(error), form.name, String::new());
            list_view(&page, Some(failed)).await
        }
    }
}

#[derive(Deserialize)]
struct ImportForm {
    #[serde(default)]
    file: String,
}

async fn import_submit(
    _: Owner,
    page: Page,
    PageForm(session, form): PageForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let text = form.file.clone();
    let imported = state
        .db
        .run(move |conn| {
            let file = transfer::parse(&text)?;
            transfer::import(conn, &session.user_id, &file)
        })
        .await;
    match imported {
        Ok(script) => Ok(see_other(&format!("/scripts/{}", script.id))),
        Err(error) => {
            let failed = (AppError::from(error), String::new(), form.file);
            list_view(&page, Some(failed)).await
        }
    }
}

// ---- a script and its versions ------------------------------------------------------------

#[derive(Serialize)]
struct ScriptPage {
    #[serde(flatten)]
    base: PageBase,
    script: Script,
    /// The version shown: the current one, or the one asked for.
    shown: Option<Version>,
    /// Some step of the version shown has a weight: the score is weighted.
    weighted: bool,
    is_current: bool,
    has_draft: bool,
    /// Agreement between reviewers on the steps: over the version shown when one was asked
    /// for, else over every version.
    agreement: AgreementView,
    /// The version the agreement is over; `None`: every version.
    agreement_version: Option<i32>,
    overlap: OverlapForm,
    language: LanguageForm,
    sampling: SamplingForm,
    /// Each step's figures per version (only steps judged in more than one version).
    effect: Vec<EffectRow>,
    /// Gaps resolved by a version: the step's missing-rate before and after.
    resolved_gaps: Vec<ResolvedRow>,
    /// The publishes on a time line, with the calls graded against each version.
    timeline: Vec<TimelineMark>,
}

#[derive(Serialize)]
struct ResolvedRow {
    title: String,
    version: i32,
    gaps: i64,
    before: String,
    after: String,
}

/// A version's publish on the time line: where it sits (50–510 across), its label, and the
/// share of its graded steps marked missing.
#[derive(Serialize)]
struct TimelineMark {
    x: i64,
    version: i32,
    day: String,
    calls: i64,
    missing: String,
}

fn resolved_rows(lines: Vec<crate::dashboards::effect::ResolvedGaps>) -> Vec<ResolvedRow> {
    lines
        .into_iter()
        .map(|l| ResolvedRow {
            title: l.title,
            version: l.version,
            gaps: l.gaps,
            before: with_range(l.missing_before),
            after: with_range(l.missing_after),
        })
        .collect()
}

/// The versions oldest first along the line, spaced by their publish times; each with the
/// calls graded against it (the most any step was judged in) and its missing share over
/// all its judged steps.
fn timeline(
    versions: &[scripts::VersionSummary],
    steps: &[crate::dashboards::effect::StepEffect],
    zone: &crate::zone::Zone,
) -> Vec<TimelineMark> {
    use crate::web::format::percent::percent;
    let mut versions: Vec<&scripts::VersionSummary> = versions.iter().collect();
    versions.sort_by_key(|v| v.number);
    let (Some(first), Some(last)) = (versions.first(), versions.last()) else {
        return Vec::new();
    };
    // Spaced by time, unless two marks would then overlap: evenly.
    let span = (last.published_at - first.published_at)
        .whole_seconds()
        .max(1);
    let by_time: Vec<i64> = versions
        .iter()
        .map(|v| 50 + (v.published_at - first.published_at).whole_seconds() * 460 / span)
        .collect();
    let crowded = by_time.windows(2).any(|w| w[1] - w[0] < 80);
    let last_index = (versions.len() as i64 - 1).max(1);
    versions
        .iter()
        .enumerate()
        .map(|(index, v)| {
            let (mut calls, mut missing, mut judged) = (0, 0.0, 0);
            for step in steps {
                for figures in step.versions.iter().filter(|f| f.version == v.number) {
                    calls = calls.max(figures.calls);
                    if let Some(share) = figures.missing {
                        missing += share.value * share.n as f64;
                        judged += share.n;
                    }
                }
            }
            TimelineMark {
                x: if crowded {
                    50 + index as i64 * 460 / last_index
                } else {
                    by_time[index]
                },
                version: v.number,
                day: crate::dashboards::period::day_text(zone.local(v.published_at).date()),
                calls,
                missing: if judged > 0 {
                    percent(missing / judged as f64)
                } else {
                    "—".to_owned()
                },
            }
        })
        .collect()
}

/// A step's score and missing-rate per version, as the page shows them.
#[derive(Serialize)]
struct EffectRow {
    title: String,
    versions: Vec<EffectCell>,
}

#[derive(Serialize)]
struct EffectCell {
    version: i32,
    calls: i64,
    score: String,
    missing: String,
    score_change: String,
    missing_change: String,
}

fn effect_rows(steps: Vec<crate::dashboards::effect::StepEffect>) -> Vec<EffectRow> {
    steps
        .into_iter()
        .filter(|s| s.versions.len() > 1)
        .map(|s| EffectRow {
            title: s.title,
            versions: s
                .versions
                .into_iter()
                .map(|v| EffectCell {
                    version: v.version,
                    calls: v.calls,
                    score: with_range(v.score),
                    missing: with_range(v.missing),
                    score_change: points(v.score_change),
                    missing_change: points(v.missing_change),
                })
                .collect(),
        })
        .collect()
}

/// The form of the script's sampling plan: what it shows (as typed, when refused), and what
/// went wrong or was saved.
#[derive(Serialize, Default, Deserialize)]
struct SamplingForm {
    /// `all` (every call) or `sample`.
    #[serde(default)]
    mode: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    min_seconds: String,
    #[serde(default)]
    direction: String,
    #[serde(default, skip_deserializing)]
    errors: FormErrors,
    #[serde(default, skip_deserializing)]
    saved: bool,
}

impl SamplingForm {
    fn of(plan: crate::sampling::Plan) -> Self {
        let text = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        SamplingForm {
            mode: if plan.size.is_some() { "sample" } else { "all" }.to_owned(),
            size: text(plan.size),
            period: plan.period.as_str().to_owned(),
            min_seconds: text(plan.min_seconds),
            direction: plan
                .direction
                .map(|d| d.as_str())
                .unwrap_or("any")
                .to_owned(),
            ..SamplingForm::default()
        }
    }

    fn input(&self) -> crate::sampling::PlanInput {
        let text = |t: &str| Some(serde_json::Value::String(t.to_owned()));
        crate::sampling::PlanInput {
            size: if self.mode == "all" {
                None
            } else {
                text(&self.size)
            },
            period: Some(self.period.clone()),
            min_seconds: text(&self.min_seconds),
            direction: Some(self.direction.clone()),
        }
    }
}

/// The form of the script's language: every language (the script's chosen), and what went
/// wrong or was saved.
#[derive(Serialize, Default)]
struct LanguageForm {
    choices: Vec<crate::languages::LanguageChoice>,
    errors: FormErrors,
    saved: bool,
}

/// A form sent on the script page, shown again with its outcome.
enum Sent {
    Overlap(OverlapForm),
    Language(LanguageForm),
    Sampling(SamplingForm),
}

/// The form of the script's review bounds: what it shows, and what went wrong or was saved.
#[derive(Serialize, Default)]
struct OverlapForm {
    min_reviews: String,
    max_reviews: String,
    errors: FormErrors,
    saved: bool,
}

async fn script_view(
    page: &Page,
    id: ScriptId,
    number: Option<i32>,
    sent: Option<(Sent, StatusCode)>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let zone = page.zone();
    let (script, shown, has_draft, figures, bounds, plan, effect) = state
        .db
        .run(move |conn| {
            let effect = crate::dashboards::effect::load(conn, &id, &zone)?;
            let script = scripts::load(conn, &id)?;
            let bounds = scripts::overlap::load(conn, &id)?;
            let plan = crate::sampling::load(conn, &id)?;
            let shown = match number {
                Some(n) => Some(scripts::load_version(conn, &id, n)?),
                None => script.version.clone(),
            };
            let has_draft = draft::load(conn, &id)?.is_some();
            let figures = agreement::load(conn, &id, number)?;
            Ok::<_, AppError>((script, shown, has_draft, figures, bounds, plan, effect))
        })
        .await?;
    let stored_overlap = || OverlapForm {
        min_reviews: bounds.min_reviews.to_string(),
        max_reviews: bounds.max_reviews.to_string(),
        ..OverlapForm::default()
    };
    let (overlap, mut language, sampling, status) = match sent {
        Some((Sent::Overlap(form), status)) => (
            form,
            LanguageForm::default(),
            SamplingForm::of(plan),
            status,
        ),
        Some((Sent::Language(form), status)) => {
            (stored_overlap(), form, SamplingForm::of(plan), status)
        }
        Some((Sent::Sampling(form), status)) => {
            (stored_overlap(), LanguageForm::default(), form, status)
        }
        None => (
            stored_overlap(),
            LanguageForm::default(),
            SamplingForm::of(plan),
            StatusCode::OK,
        ),
    };
    // The list always shows what is stored: a refused code never was a choice on it.
    language.choices = crate::languages::choices(page.lang, &[script.language]);
    let is_current = match (&shown, &script.version) {
        (Some(shown), Some(current)) => shown.number == current.number,
        _ => false,
    };
    let weighted = shown
        .as_ref()
        .is_some_and(|v| v.steps.iter().any(|s| s.weight.is_some()));
    let data_versions = script.versions.clone();
    let data = ScriptPage {
        base: page.base(),
        script,
        weighted,
        shown,
        is_current,
        has_draft,
        agreement: AgreementView::new(page.lang, figures),
        agreement_version: number,
        overlap,
        language,
        sampling,
        timeline: timeline(&data_versions, &effect.0, &page.zone()),
        resolved_gaps: resolved_rows(effect.1),
        effect: effect_rows(effect.0),
    };
    page.render("scripts/show.html", status, &data)
}

#[derive(Deserialize)]
struct OverlapFields {
    #[serde(default)]
    min_reviews: String,
    #[serde(default)]
    max_reviews: String,
}

/// Saves the script's review bounds; the page again, saying so or what is wrong.
async fn overlap_submit(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<ScriptId>,
    PageForm(_, form): PageForm<OverlapFields>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let number = |text: &str| text.trim().parse::<i32>().unwrap_or(0);
    let wanted = scripts::overlap::ReviewBounds {
        min_reviews: number(&form.min_reviews),
        max_reviews: number(&form.max_reviews),
    };
    let script = id.clone();
    let saved = page
        .state()
        .db
        .run(move |conn| scripts::overlap::save(conn, &owner.user_id, &script, wanted))
        .await;
    let (errors, status) = match saved {
        Ok(_) => (FormErrors::default(), StatusCode::OK),
        Err(ScriptError::Invalid(problems)) => {
            let error = AppError::Validation(problems);
            (FormErrors::from_error(&error, page.lang), error.status())
        }
        Err(other) => return Err(other.into()),
    };
    let form = OverlapForm {
        min_reviews: form.min_reviews,
        max_reviews: form.max_reviews,
        saved: status == StatusCode::OK,
        errors,
    };
    script_view(&page, id, None, Some((Sent::Overlap(form), status))).await
}

#[derive(Deserialize)]
struct LanguageFields {
    #[serde(default)]
    language: String,
}

/// Sets the language of the script's calls (its waiting calls move to that language's
/// reviewers); the page again, saying so or what is wrong.
async fn language_submit(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<ScriptId>,
    PageForm(_, form): PageForm<LanguageFields>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let script = id.clone();
    let saved = page
        .state()
        .db
        .run(move |conn| scripts::language::save(conn, &owner.user_id, &script, &form.language))
        .await;
    let (errors, status) = match saved {
        Ok(_) => (FormErrors::default(), StatusCode::OK),
        Err(ScriptError::Invalid(problems)) => {
            let error = AppError::Validation(problems);
            (FormErrors::from_error(&error, page.lang), error.status())
        }
        Err(other) => return Err(other.into()),
    };
    let form = LanguageForm {
        saved: status == StatusCode::OK,
        errors,
        ..LanguageForm::default()
    };
    script_view(&page, id, None, Some((Sent::Language(form), status))).await
}

/// Saves the script's sampling plan; the page again, saying so or what is wrong.
async fn sampling_submit(
    Owner(owner): Owner,
    page: Page,
    id: web::Path<ScriptId>,
    PageForm(_, form): PageForm<SamplingForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (script, input) = (id.clone(), form.input());
    let saved = page
        .state()
        .db
        .run(move |conn| crate::sampling::save(conn, &owner.user_id, &script, &input))
        .await;
    let (form, status) = match saved {
        Ok(plan) => (
            SamplingForm {
                saved: true,
                ..SamplingForm::of(plan)
            },
            StatusCode::OK,
        ),
        Err(crate::sampling::SamplingError::Invalid(problems)) => {
            let error = AppError::Validation(problems);
            let errors = FormErrors::from_error(&error, page.lang);
            (SamplingForm { errors, ..form }, error.status())
        }
        Err(other) => return Err(other.into()),
    };
    script_view(&page, id, None, Some((Sent::Sampling(form), status))).await
}

async fn script_page(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    script_view(&page, id, None, None).await
}

async fn version_page(
    _: Owner,
    page: Page,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, number) = path.into_inner();
    let number = version_number(&number)?;
    script_view(&page, ScriptId::from_raw(id), Some(number), None).await
}

// ---- diff, preview, print -----------------------------------------------------------------

#[derive(Serialize)]
struct DiffPage {
    #[serde(flatten)]
    base: PageBase,
    script: Script,
    from: i32,
    to: i32,
    steps: Vec<StepDiff>,
}

async fn diff_page(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let wanted_from = query.from.as_deref().map(version_number).transpose()?;
    let wanted_to = query.to.as_deref().map(version_number).transpose()?;
    let (script, old, new) = state
        .db
        .run(move |conn| {
            let script = scripts::load(conn, &id)?;
            let latest = script.version.as_ref().map_or(1, |v| v.number);
            let to = wanted_to.unwrap_or(latest);
            let from = wanted_from.unwrap_or((to - 1).max(1));
            let old = scripts::load_version(conn, &id, from)?;
            let new = scripts::load_version(conn, &id, to)?;
            Ok::<_, ScriptError>((script, old, new))
        })
        .await?;
    let data = DiffPage {
        base: page.base(),
        from: old.number,
        to: new.number,
        steps: diff_versions(&old.steps, &new.steps),
        script,
    };
    page.render("scripts/diff.html", StatusCode::OK, &data)
}

#[derive(Serialize)]
struct ChecklistPage {
    #[serde(flatten)]
    base: PageBase,
    script: Script,
    /// The steps of the version shown.
    steps: Vec<StepInput>,
    number: Option<i32>,
    /// Some step has a weight: the score is weighted.
    weighted: bool,
}

#[derive(Serialize)]
struct PreviewPage {
    #[serde(flatten)]
    base: PageBase,
    /// The reviewer's checklist, inert (the same template the workspace renders).
    #[serde(flatten)]
    checklist: crate::web::review::Checklist,
    script: Script,
    /// The name reviewers will see (the draft's, when previewing a draft).
    title: String,
    from_draft: bool,
}

/// As a reviewer will see the checklist: the draft when there is one, else the current
/// version, in the reviewer's own markup with its buttons inert.
async fn preview_page(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let (script, draft, saved_at) = state.db.run(move |conn| editing_state(conn, &id)).await?;
    let title = if draft.name.trim().is_empty() {
        script.name.clone()
    } else {
        draft.name.clone()
    };
    let data = PreviewPage {
        base: page.base(),
        checklist: crate::web::review::preview_checklist(&draft.steps),
        from_draft: saved_at.is_some(),
        title,
        script,
    };
    page.render("scripts/preview.html", StatusCode::OK, &data)
}

#[derive(Deserialize)]
struct PrintQuery {
    version: Option<String>,
}

/// A clean, printable copy of a version for operators to keep at hand.
async fn print_page(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
    query: web::Query<PrintQuery>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let number = query.version.as_deref().map(version_number).transpose()?;
    let (script, version) = state
        .db
        .run(move |conn| {
            let script = scripts::load(conn, &id)?;
            let version = match number {
                Some(n) => scripts::load_version(conn, &id, n)?,
                None => script.version.clone().ok_or(ScriptError::NotFound)?,
            };
            Ok::<_, ScriptError>((script, version))
        })
        .await?;
    let data = ChecklistPage {
        base: page.base(),
        number: Some(version.number),
        weighted: version.steps.iter().any(|s| s.weight.is_some()),
        steps: transfer::export(&script.name, script.language, &version).steps,
        script,
    };
    page.render("scripts/print.html", StatusCode::OK, &data)
}
