//! What changed between two versions of a script, step by step. Steps are matched by their
//! key, not their position, so a reworded step shows as reworded (with the changed words
//! marked) rather than as one removed and one added.

use std::collections::HashMap;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::Step;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepChange {
    Added,
    Removed,
    Reworded,
    Moved,
    Unchanged,
}

/// A run of words in a changed text: kept, taken out or put in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fragment {
    pub kind: &'static str,
    pub text: String,
}

/// One field of a reworded step: the old and new text as marked fragments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub fragments: Vec<Fragment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepDiff {
    pub key: String,
    pub change: StepChange,
    /// Position in the older version (`None` when added).
    pub old_position: Option<i32>,
    /// Position in the newer version (`None` when removed).
    pub new_position: Option<i32>,
    /// The newer title (the older one for a removed step).
    pub title: String,
    pub fields: Vec<FieldChange>,
}

/// Word-level changes between two texts.
pub fn word_changes(old: &str, new: &str) -> Vec<Fragment> {
    let diff = TextDiff::from_words(old, new);
    let mut fragments: Vec<Fragment> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Delete => "removed",
            ChangeTag::Insert => "added",
        };
        match fragments.last_mut() {
            Some(last) if last.kind == kind => last.text.push_str(change.value()),
            _ => fragments.push(Fragment {
                kind,
                text: change.value().to_owned(),
            }),
        }
    }
    fragments
}

/// The steps of `new` in order, each marked against `old`, with the steps `new` dropped shown
/// where they stood in `old`.
pub fn diff_versions(old: &[Step], new: &[Step]) -> Vec<StepDiff> {
    let old_by_key: HashMap<&str, &Step> = old.iter().map(|s| (s.key.as_str(), s)).collect();
    let new_keys: HashMap<&str, usize> = new
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    // Relative order of the steps both versions share, to tell a move from a neighbour's move.
    let shared_old: Vec<&str> = old
        .iter()
        .map(|s| s.key.as_str())
        .filter(|k| new_keys.contains_key(k))
        .collect();
    let shared_new: Vec<&str> = new
        .iter()
        .map(|s| s.key.as_str())
        .filter(|k| old_by_key.contains_key(k))
        .collect();

    let mut out: Vec<StepDiff> = Vec::with_capacity(new.len());
    for step in new {
        let Some(before) = old_by_key.get(step.key.as_str()) else {
            out.push(StepDiff {
                key: step.key.clone(),
                change: StepChange::Added,
                old_position: None,
                new_position: Some(step.position),
                title: step.title.clone(),
                fields: Vec::new(),
            });
            continue;
        };
        let fields: Vec<FieldChange> = [
            ("title", &before.title, &step.title),
            ("say", &before.say, &step.say),
            ("guidance", &before.guidance, &step.guidance),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| FieldChange {
            field,
            fragments: word_changes(a, b),
        })
        .collect();
        let moved = shared_old.iter().position(|k| *k == step.key)
            != shared_new.iter().position(|k| *k == step.key);
        let change = if !fields.is_empty() {
            StepChange::Reworded
        } else if moved {
            StepChange::Moved
        } else {
            StepChange::Unchanged
        };
        out.push(StepDiff {
            key: step.key.clone(),
            change,
            old_position: Some(before.position),
            new_position: Some(step.position),
            title: step.title.clone(),
            fields,
        });
    }
    // Each removed step goes after the nearest earlier step of `old` that is still listed.
    for (index, gone) in old.iter().enumerate() {
        if new_keys.contains_key(gone.key.as_str()) {
            continue;
        }
        let anchor = old[..index]
            .iter()
            .rev()
            .find_map(|s| out.iter().position(|d| d.key == s.key));
        let entry = StepDiff {
            key: gone.key.clone(),
            change: StepChange::Removed,
            old_position: Some(gone.position),
            new_position: None,
            title: gone.title.clone(),
            fields: Vec::new(),
        };
        match anchor {
            Some(at) => out.insert(at + 1, entry),
            None => out.insert(0, entry),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::StepId;

    fn steps(spec: &[(&str, &str)]) -> Vec<Step> {
        spec.iter()
            .enumerate()
            .map(|(i, (key, title))| Step {
                id: StepId::random(),
                key: (*key).to_owned(),
                position: i as i32 + 1,
                title: (*title).to_owned(),
                say: String::new(),
                guidance: String::new(),
            })
            .collect()
    }

    fn changes(diff: &[StepDiff]) -> Vec<(&str, StepChange)> {
        diff.iter().map(|d| (d.key.as_str(), d.change)).collect()
    }

    #[test]
    fn added_removed_reworded_and_unchanged_steps() {
        let old = steps(&[("a", "Greet"), ("b", "Ask name"), ("c", "Offer")]);
        let new = steps(&[
            ("a", "Greet"),
            ("n", "Ask the source"),
            ("c", "Offer a discount"),
        ]);
        let diff = diff_versions(&old, &new);
        assert_eq!(
            changes(&diff),
            vec![
                ("a", StepChange::Unchanged),
                ("b", StepChange::Removed),
                ("n", StepChange::Added),
                ("c", StepChange::Reworded),
            ]
        );
        let reworded = &diff[3];
        assert_eq!(reworded.fields.len(), 1);
        assert_eq!(reworded.fields[0].field, "title");
        assert!(
            reworded.fields[0]
                .fragments
                .iter()
                .any(|f| f.kind == "added" && f.text.contains("discount"))
        );
    }

    #[test]
    fn a_swap_is_a_move_but_a_shift_from_an_insert_is_not() {
        let old = steps(&[("a", "A"), ("b", "B"), ("c", "C")]);
        let swapped = steps(&[("b", "B"), ("a", "A"), ("c", "C")]);
        let diff = diff_versions(&old, &swapped);
        assert_eq!(
            changes(&diff),
            vec![
                ("b", StepChange::Moved),
                ("a", StepChange::Moved),
                ("c", StepChange::Unchanged)
            ]
        );
        let inserted = steps(&[("x", "X"), ("a", "A"), ("b", "B"), ("c", "C")]);
        assert!(
            diff_versions(&old, &inserted)[1..]
                .iter()
                .all(|d| d.change == StepChange::Unchanged)
        );
    }

    #[test]
    fn a_removed_first_step_stays_first() {
        let old = steps(&[("a", "A"), ("b", "B")]);
        let new = steps(&[("b", "B")]);
        assert_eq!(
            changes(&diff_versions(&old, &new)),
            vec![("a", StepChange::Removed), ("b", StepChange::Unchanged)]
        );
    }

    #[test]
    fn word_changes_keep_every_word_once() {
        let fragments = word_changes("good afternoon, kettle shop", "good evening, kettle shop");
        let old: String = fragments
            .iter()
            .filter(|f| f.kind != "added")
            .map(|f| f.text.as_str())
            .collect();
        let new: String = fragments
            .iter()
            .filter(|f| f.kind != "removed")
            .map(|f| f.text.as_str())
            .collect();
        assert_eq!(old, "good afternoon, kettle shop");
        assert_eq!(new, "good evening, kettle shop");
    }
}
