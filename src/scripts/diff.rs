//! What changed between two versions of a script, step by step. Steps are matched by their
//! key, not their position, so a reworded step shows as reworded (with the changed words
//! marked) rather than as one removed and one added. A step whose scoring changed (made
//! critical or optional, weighed differently) is `rescored`, with each flag's before and after.

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
    /// Same words, but critical, optional or its weight changed.
    Rescored,
    Moved,
    Unchanged,
}

/// A scoring flag's value before or after: on/off, or a weight (none: not weighed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FlagValue {
    On(bool),
    Weight(Option<i32>),
}

/// One scoring flag of a step that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagChange {
    /// `critical`, `optional` or `weight`.
    pub flag: &'static str,
    pub before: FlagValue,
    pub after: FlagValue,
}

fn flag_changes(before: &Step, after: &Step) -> Vec<FlagChange> {
    [
        (
            "critical",
            FlagValue::On(before.critical),
            FlagValue::On(after.critical),
        ),
        (
            "optional",
            FlagValue::On(before.optional),
            FlagValue::On(after.optional),
        ),
        (
            "weight",
            FlagValue::Weight(before.weight),
            FlagValue::Weight(after.weight),
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(flag, before, after)| FlagChange {
        flag,
        before,
        after,
    })
    .collect()
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
    /// The scoring flags that changed (for a kept step).
    pub flags: Vec<FlagChange>,
}

/// Splits a text into the pieces the word diff compares: runs of letters and digits (a word
/// or a number), runs of white space, and every other character on its own. Punctuation
/// stands apart from the word it touches, so "price," against "price." differs only in the
/// comma and the period, not in the whole word. Joined back, the tokens give the text.
pub fn tokens(text: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum Class {
        Word,
        Space,
        Other,
    }
    fn class(c: char) -> Class {
        if c.is_alphanumeric() {
            Class::Word
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<Class> = None;
    for (at, c) in text.char_indices() {
        let this = class(c);
        // A punctuation mark never joins its neighbour, even another punctuation mark.
        let continues = current.as_ref() == Some(&this) && this != Class::Other;
        if !continues && at > start {
            out.push(&text[start..at]);
            start = at;
        }
        current = Some(this);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A stretch of the diff: text both versions share, or what one took out and put in there.
enum Block {
    Same(String),
    Change { removed: String, added: String },
}

/// Word-level changes between two texts. Within one changed stretch the removed text comes
/// before the added text, and a lone space between two changes joins them ("a b" → "c d"
/// reads as one replacement, not two), so the marks follow phrases rather than tokens.
pub fn word_changes(old: &str, new: &str) -> Vec<Fragment> {
    let (old_tokens, new_tokens) = (tokens(old), tokens(new));
    let diff = TextDiff::from_slices(&old_tokens, &new_tokens);
    let mut blocks: Vec<Block> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match (change.tag(), blocks.last_mut()) {
            (ChangeTag::Equal, Some(Block::Same(same))) => same.push_str(text),
            (ChangeTag::Equal, _) => blocks.push(Block::Same(text.to_owned())),
            (tag, Some(Block::Change { removed, added })) => match tag {
                ChangeTag::Delete => removed.push_str(text),
                _ => added.push_str(text),
            },
            (tag, _) => blocks.push(match tag {
                ChangeTag::Delete => Block::Change {
                    removed: text.to_owned(),
                    added: String::new(),
                },
                _ => Block::Change {
                    removed: String::new(),
                    added: text.to_owned(),
                },
            }),
        }
    }
    let blocks = join_changes_across_spaces(blocks);
    let mut fragments = Vec::new();
    for block in blocks {
        match block {
            Block::Same(text) => fragments.push(Fragment { kind: "same", text }),
            Block::Change { removed, added } => {
                if !removed.is_empty() {
                    fragments.push(Fragment {
                        kind: "removed",
                        text: removed,
                    });
                }
                if !added.is_empty() {
                    fragments.push(Fragment {
                        kind: "added",
                        text: added,
                    });
                }
            }
        }
    }
    fragments
}

/// Folds a white-space-only shared stretch into the changes on both sides of it, when both
/// sides together take something out and put something in (the space then belongs to the old
/// and the new phrase alike, and both texts still read back whole).
fn join_changes_across_spaces(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    // A white-space stretch right after a change, waiting to see whether a change follows.
    let mut held: Option<String> = None;
    for block in blocks {
        match block {
            Block::Same(space)
                if held.is_none()
                    && space.chars().all(char::is_whitespace)
                    && matches!(out.last(), Some(Block::Change { .. })) =>
            {
                held = Some(space);
            }
            Block::Change {
                removed: next_removed,
                added: next_added,
            } => {
                let space = held.take();
                match (space, out.last_mut()) {
                    (Some(space), Some(Block::Change { removed, added }))
                        if (!removed.is_empty() || !next_removed.is_empty())
                            && (!added.is_empty() || !next_added.is_empty()) =>
                    {
                        removed.push_str(&space);
                        removed.push_str(&next_removed);
                        added.push_str(&space);
                        added.push_str(&next_added);
                    }
                    (space, _) => {
                        out.extend(space.map(Block::Same));
                        out.push(Block::Change {
                            removed: next_removed,
                            added: next_added,
                        });
                    }
                }
            }
            other => {
                out.extend(held.take().map(Block::Same));
                out.push(other);
            }
        }
    }
    out.extend(held.map(Block::Same));
    out
}

/// A whole text as one marked fragment (the text of an added or a removed step).
fn whole(kind: &'static str, text: &str) -> Vec<Fragment> {
    vec![Fragment {
        kind,
        text: text.to_owned(),
    }]
}

/// What an added (or removed) step says, shown whole: its title stands in the heading, its
/// other fields below it, each as one inserted (or deleted) run. Empty fields are left out.
fn whole_step(kind: &'static str, step: &Step) -> Vec<FieldChange> {
    [("say", &step.say), ("guidance", &step.guidance)]
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(field, text)| FieldChange {
            field,
            fragments: whole(kind, text),
        })
        .collect()
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
                fields: whole_step("added", step),
                flags: Vec::new(),
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
        let flags = flag_changes(before, step);
        let change = if !fields.is_empty() {
            StepChange::Reworded
        } else if !flags.is_empty() {
            StepChange::Rescored
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
            flags,
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
            fields: whole_step("removed", gone),
            flags: Vec::new(),
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

    #[test]
    fn a_changed_flag_is_a_rescored_step() {
        let old = steps(&[("a", "Notice"), ("b", "Offer")]);
        let mut new = old.clone();
        new[0].critical = true;
        new[1].weight = Some(3);
        let diff = diff_versions(&old, &new);
        assert_eq!(diff[0].change, StepChange::Rescored);
        assert_eq!(
            diff[0].flags,
            [FlagChange {
                flag: "critical",
                before: FlagValue::On(false),
                after: FlagValue::On(true),
            }]
        );
        assert_eq!(diff[1].flags[0].after, FlagValue::Weight(Some(3)));
        assert_eq!(diff_versions(&old, &old)[0].change, StepChange::Unchanged);
    }

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
                critical: false,
                optional: false,
                weight: None,
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

    /// The old and the new text as the page shows them: shared runs with the removed ones,
    /// and shared runs with the added ones.
    fn sides(fragments: &[Fragment]) -> (String, String) {
        let pick = |skip: &str| {
            fragments
                .iter()
                .filter(|f| f.kind != skip)
                .map(|f| f.text.as_str())
                .collect::<String>()
        };
        (pick("added"), pick("removed"))
    }

    fn marked(fragments: &[Fragment]) -> Vec<(&str, &str)> {
        fragments
            .iter()
            .map(|f| (f.kind, f.text.as_str()))
            .collect()
    }

    #[test]
    fn tokens_keep_punctuation_apart_from_words() {
        assert_eq!(tokens("price, please."), ["price", ",", " ", "please", "."]);
        assert_eq!(
            tokens("Добрый день!  Чем помочь?"),
            ["Добрый", " ", "день", "!", "  ", "Чем", " ", "помочь", "?"]
        );
        // Each mark stands alone, so "..." and "?!" differ mark by mark.
        assert_eq!(tokens("ok?!..."), ["ok", "?", "!", ".", ".", "."]);
        assert_eq!(
            tokens("24/7 at 9:30"),
            ["24", "/", "7", " ", "at", " ", "9", ":", "30"]
        );
        assert!(tokens("").is_empty());
        for text in ["  leading and trailing  ", "a\n\tb", "«ёлка» — да", "x"] {
            assert_eq!(tokens(text).concat(), text, "{text:?}");
        }
    }

    #[test]
    fn a_changed_mark_is_marked_alone() {
        assert_eq!(
            marked(&word_changes("The price, today", "The price. today")),
            [
                ("same", "The price"),
                ("removed", ","),
                ("added", "."),
                ("same", " today")
            ]
        );
        assert_eq!(
            marked(&word_changes("Спасибо за звонок", "Спасибо за звонок!")),
            [("same", "Спасибо за звонок"), ("added", "!")]
        );
    }

    #[test]
    fn neighbouring_changed_words_read_as_one_phrase() {
        assert_eq!(
            marked(&word_changes(
                "we ship tomorrow morning",
                "we deliver next week"
            )),
            [
                ("same", "we "),
                ("removed", "ship tomorrow morning"),
                ("added", "deliver next week")
            ]
        );
        // A space between an insertion and a shared word is not pulled into the change.
        assert_eq!(
            marked(&word_changes("call me", "please call me")),
            [("added", "please "), ("same", "call me")]
        );
    }

    #[test]
    fn both_texts_read_back_whole() {
        let pairs = [
            ("good afternoon, kettle shop", "good evening, kettle shop"),
            ("a b c d e", "x b y d z"),
            ("", "all new."),
            ("all gone.", ""),
            ("Say: «hello», then wait…", "Say «hi» — then wait!"),
            ("  spaced   out ", "spaced out"),
        ];
        for (old, new) in pairs {
            let fragments = word_changes(old, new);
            assert_eq!(
                sides(&fragments),
                (old.to_owned(), new.to_owned()),
                "{old:?} → {new:?}"
            );
            assert!(fragments.iter().all(|f| !f.text.is_empty()));
            assert!(
                fragments.windows(2).all(|w| w[0].kind != w[1].kind),
                "runs of one kind are merged: {fragments:?}"
            );
        }
    }

    #[test]
    fn an_added_step_shows_its_text_and_a_removed_one_what_it_said() {
        let mut old = steps(&[("a", "Greet"), ("gone", "Upsell")]);
        old[1].say = "Offer the descaler.".to_owned();
        let mut new = steps(&[("a", "Greet"), ("n", "Ask the source")]);
        new[1].say = "Where did you hear about us?".to_owned();
        new[1].guidance = "Write down the answer.".to_owned();
        let diff = diff_versions(&old, &new);
        let added = diff.iter().find(|d| d.key == "n").unwrap();
        assert_eq!(added.change, StepChange::Added);
        let shown: Vec<(&str, Vec<(&str, &str)>)> = added
            .fields
            .iter()
            .map(|f| (f.field, marked(&f.fragments)))
            .collect();
        assert_eq!(
            shown,
            [
                ("say", vec![("added", "Where did you hear about us?")]),
                ("guidance", vec![("added", "Write down the answer.")])
            ]
        );
        let removed = diff.iter().find(|d| d.key == "gone").unwrap();
        assert_eq!(removed.change, StepChange::Removed);
        assert_eq!(removed.fields.len(), 1, "an empty guidance is left out");
        assert_eq!(
            marked(&removed.fields[0].fragments),
            [("removed", "Offer the descaler.")]
        );
        assert!(
            diff.iter()
                .find(|d| d.key == "a")
                .unwrap()
                .fields
                .is_empty()
        );
    }
}
