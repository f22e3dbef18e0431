//! The script editor (`/scripts/{id}/edit`). It works without JavaScript: it is one form,
//! and every button (add, remove, move, save, publish) posts it with its `action`. Each post
//! saves the draft first, so nothing typed is lost, then applies the action and shows the
//! editor again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::super::page::Page;
use super::super::{FormErrors, PageBase, see_other};
use crate::db::ids::ScriptId;
use crate::error::{AppError, FieldMessage};
use crate::http::Owner;
use crate::http::forms::PageForm;
use crate::scripts::draft::{self, Draft};
use crate::scripts::validate::{MAX_STEPS, StepInput};
use crate::scripts::{self, NewVersion, Script, ScriptError};

#[derive(Serialize)]
struct EditorStep {
    #[serde(flatten)]
    step: StepInput,
    /// Messages about this step's fields, by field name.
    problems: Vec<FieldMessage>,
}

#[derive(Serialize)]
struct EditPage {
    #[serde(flatten)]
    base: PageBase,
    script: Script,
    name: String,
    notes: String,
    steps: Vec<EditorStep>,
    errors: FormErrors,
    /// Problems not tied to one step (name, notes, the step list as a whole).
    general: Vec<FieldMessage>,
    saved_at: Option<String>,
    max_steps: usize,
    can_add: bool,
    /// Gaps publishing this draft will resolve, and the step they are about.
    gaps: Vec<crate::gaps::Gap>,
    focus_key: String,
}

#[allow(clippy::too_many_arguments)]
fn edit_view(
    page: &Page,
    script: Script,
    draft: Draft,
    gaps: Vec<crate::gaps::Gap>,
    saved_at: Option<String>,
    error: Option<AppError>,
) -> Result<HttpResponse, AppError> {
    let fields = error
        .as_ref()
        .map(|e| e.field_messages(page.lang))
        .unwrap_or_default();
    let steps = draft
        .steps
        .into_iter()
        .enumerate()
        .map(|(index, step)| {
            let prefix = format!("steps[{index}].");
            EditorStep {
                step,
                problems: fields
                    .iter()
                    .filter(|f| f.field.starts_with(&prefix))
                    .map(|f| FieldMessage {
                        field: f.field[prefix.len()..].to_owned(),
                        ..f.clone()
                    })
                    .collect(),
            }
        })
        .collect::<Vec<_>>();
    let general = fields
        .iter()
        .filter(|f| !f.field.starts_with("steps["))
        .cloned()
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    let data = EditPage {
        base: page.base(),
        can_add: steps.len() < MAX_STEPS,
        script,
        name: draft.name,
        notes: draft.notes,
        steps,
        errors: page.errors(error.as_ref()),
        general,
        saved_at,
        max_steps: MAX_STEPS,
        gaps,
        focus_key: draft.focus_key.unwrap_or_default(),
    };
    page.render("scripts/edit.html", status, &data)
}

/// The script and where editing stands: the saved draft, or the current version.
pub(super) fn editing_state(
    conn: &mut crate::db::DbConnection,
    id: &ScriptId,
) -> Result<(Script, Draft, Option<String>), ScriptError> {
    let script = scripts::load(conn, id)?;
    Ok(match draft::load(conn, id)? {
        Some((draft, at)) => (script, draft, Some(crate::db::time::rfc3339(at))),
        None => {
            let draft = Draft::from_script(&script);
            (script, draft, None)
        }
    })
}

/// The gaps a draft carries, as the editor lists them.
fn attached_gaps(
    conn: &mut crate::db::DbConnection,
    draft: &Draft,
) -> diesel::QueryResult<Vec<crate::gaps::Gap>> {
    let mut found = Vec::new();
    for id in &draft.resolves_gaps {
        found.extend(crate::gaps::find(
            conn,
            &crate::db::ids::GapId::from_raw(id.clone()),
        )?);
    }
    Ok(found)
}

pub(super) async fn edit_page(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let (script, draft, saved_at, gaps) = state
        .db
        .run(move |conn| {
            let (script, draft, saved_at) = editing_state(conn, &id)?;
            let gaps = attached_gaps(conn, &draft)?;
            Ok::<_, ScriptError>((script, draft, saved_at, gaps))
        })
        .await?;
    edit_view(&page, script, draft, gaps, saved_at, None)
}

/// What a button of the editor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EditAction {
    Save,
    Publish,
    Discard,
    /// Insert an empty step after step N (or first, for `None`).
    Add(Option<usize>),
    Remove(usize),
    Up(usize),
    Down(usize),
}

impl EditAction {
    fn parse(word: &str) -> Option<EditAction> {
        let (verb, index) = match word.split_once('-') {
            Some((verb, index)) => (verb, Some(index.parse::<usize>().ok()?)),
            None => (word, None),
        };
        Some(match (verb, index) {
            ("save", None) => EditAction::Save,
            ("publish", None) => EditAction::Publish,
            ("discard", None) => EditAction::Discard,
            ("add", at) => EditAction::Add(at),
            ("remove", Some(i)) => EditAction::Remove(i),
            ("up", Some(i)) => EditAction::Up(i),
            ("down", Some(i)) => EditAction::Down(i),
            _ => return None,
        })
    }

    /// Applies a list edit to the steps; indexes out of range change nothing. Returns the
    /// step to scroll to afterwards.
    fn apply(self, steps: &mut Vec<StepInput>) -> Option<usize> {
        let len = steps.len();
        match self {
            EditAction::Add(after) if len < MAX_STEPS => {
                let at = after.map_or(0, |i| (i + 1).min(len));
                steps.insert(at, StepInput::default());
                Some(at)
            }
            EditAction::Remove(i) if i < len => {
                steps.remove(i);
                Some(i.min(steps.len().saturating_sub(1)))
            }
            EditAction::Up(i) if i > 0 && i < len => {
                steps.swap(i - 1, i);
                Some(i - 1)
            }
            EditAction::Down(i) if i + 1 < len => {
                steps.swap(i, i + 1);
                Some(i + 1)
            }
            _ => None,
        }
    }
}

/// The editor form: repeated `key`, `title`, `say`, `guidance` and `weight` fields, one of
/// each per step in order; `critical` and `optional` checkboxes whose values are the indexes
/// of the steps ticked; plus `name`, `notes` and the pressed button's `action`.
fn read_editor_form(fields: &[(String, String)]) -> (Draft, Option<EditAction>) {
    let values = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let single = |name: &str| {
        values(name)
            .first()
            .map(|v| (*v).to_owned())
            .unwrap_or_default()
    };
    let (keys, titles, says, guidances) = (
        values("key"),
        values("title"),
        values("say"),
        values("guidance"),
    );
    let weights = values("weight");
    let ticked = |name: &str, i: usize| values(name).iter().any(|v| v.trim() == i.to_string());
    let steps = (0..titles.len())
        .map(|i| StepInput {
            key: keys
                .get(i)
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
            title: titles[i].to_owned(),
            say: Some(says.get(i).copied().unwrap_or_default().to_owned()),
            guidance: Some(guidances.get(i).copied().unwrap_or_default().to_owned()),
            critical: ticked("critical", i),
            optional: ticked("optional", i),
            // Not a number: 0, which the checks report as out of range.
            weight: weights
                .get(i)
                .map(|w| w.trim())
                .filter(|w| !w.is_empty())
                .map(|w| w.parse().unwrap_or(0)),
        })
        .collect();
    let focus = single("focus_key");
    let draft = Draft {
        name: single("name"),
        steps,
        notes: single("notes"),
        resolves_gaps: values("resolves_gap")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        focus_key: (!focus.is_empty()).then_some(focus),
    };
    (draft, EditAction::parse(&single("action")))
}

pub(super) async fn edit_submit(
    _: Owner,
    page: Page,
    id: web::Path<ScriptId>,
    PageForm(session, fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let state = page.state();
    let id = id.into_inner();
    let (mut draft, action) = read_editor_form(&fields);
    let action = action.ok_or(AppError::BadRequest("invalid_form"))?;
    let focus = action.apply(&mut draft.steps);
    let edit_url = format!("/scripts/{id}/edit");
    let outcome = state
        .db
        .run({
            let id = id.clone();
            let draft = draft.clone();
            move |conn| -> Result<Result<(), ScriptError>, ScriptError> {
                scripts::load(conn, &id)?;
                match action {
                    EditAction::Discard => {
                        draft::discard(conn, &id)?;
                        return Ok(Ok(()));
                    }
                    // Saved first, so a failed publish loses nothing.
                    _ => draft::save(conn, &id, &draft)?,
                }
                if action != EditAction::Publish {
                    return Ok(Ok(()));
                }
                let new = NewVersion {
                    steps: draft.steps.clone(),
                    notes: Some(draft.notes.clone()),
                    resolves_gaps: draft.resolves_gaps.clone(),
                    rename: Some(draft.name.clone()),
                };
                Ok(scripts::publish(conn, &session.user_id, &id, &new).map(|_| ()))
            }
        })
        .await;
    let refused = match outcome {
        Ok(Ok(())) => {
            return Ok(match (action, focus) {
                (EditAction::Publish, _) => see_other(&format!("/scripts/{id}")),
                (_, Some(step)) => see_other(&format!("{edit_url}#step-{}", step + 1)),
                _ => see_other(&edit_url),
            });
        }
        Ok(Err(publish_error)) => publish_error,
        Err(invalid @ ScriptError::Invalid(_)) => invalid,
        Err(other) => return Err(other.into()),
    };
    // Shown again with what was typed and every problem next to its field.
    let shown = draft.clone();
    let (script, gaps) = state
        .db
        .run(move |conn| {
            let script = scripts::load(conn, &id)?;
            Ok::<_, ScriptError>((script, attached_gaps(conn, &shown)?))
        })
        .await?;
    edit_view(&page, script, draft, gaps, None, Some(refused.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titled(titles: &[&str]) -> Vec<StepInput> {
        titles
            .iter()
            .map(|t| StepInput {
                title: (*t).to_owned(),
                ..StepInput::default()
            })
            .collect()
    }

    fn titles(steps: &[StepInput]) -> Vec<&str> {
        steps.iter().map(|s| s.title.as_str()).collect()
    }

    #[test]
    fn editor_buttons_reshape_the_list_and_ignore_bad_indexes() {
        let mut steps = titled(&["a", "b", "c"]);
        assert_eq!(
            EditAction::parse("up-2").unwrap().apply(&mut steps),
            Some(1)
        );
        assert_eq!(titles(&steps), ["a", "c", "b"]);
        EditAction::parse("down-0").unwrap().apply(&mut steps);
        assert_eq!(titles(&steps), ["c", "a", "b"]);
        EditAction::parse("add-0").unwrap().apply(&mut steps);
        assert_eq!(titles(&steps), ["c", "", "a", "b"]);
        EditAction::parse("add").unwrap().apply(&mut steps);
        assert_eq!(titles(&steps), ["", "c", "", "a", "b"]);
        EditAction::parse("remove-0").unwrap().apply(&mut steps);
        EditAction::parse("remove-1").unwrap().apply(&mut steps);
        assert_eq!(titles(&steps), ["c", "a", "b"]);
        for word in ["up-0", "down-2", "remove-9", "up-99"] {
            assert_eq!(
                EditAction::parse(word).unwrap().apply(&mut steps),
                None,
                "{word}"
            );
        }
        assert_eq!(titles(&steps), ["c", "a", "b"]);
        for word in ["", "fly", "up", "up-x", "save-1", "remove--1"] {
            assert_eq!(EditAction::parse(word), None, "{word}");
        }
    }

    #[test]
    fn the_step_limit_holds_in_the_editor() {
        let mut steps = titled(&vec!["s"; MAX_STEPS]);
        assert_eq!(EditAction::Add(Some(0)).apply(&mut steps), None);
        assert_eq!(steps.len(), MAX_STEPS);
    }

    #[test]
    fn the_form_is_read_step_by_step() {
        let fields: Vec<(String, String)> = [
            ("name", "Inbound"),
            ("key", "k1"),
            ("title", "Greet"),
            ("say", "Hello"),
            ("guidance", ""),
            ("key", ""),
            ("title", "New"),
            ("say", ""),
            ("guidance", "Be kind"),
            ("action", "publish"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let (draft, action) = read_editor_form(&fields);
        assert_eq!(action, Some(EditAction::Publish));
        assert_eq!(draft.name, "Inbound");
        assert_eq!(draft.steps.len(), 2);
        assert_eq!(draft.steps[0].key.as_deref(), Some("k1"));
        assert_eq!(draft.steps[1].key, None);
        assert_eq!(draft.steps[1].guidance.as_deref(), Some("Be kind"));
    }
}
