//! Checking what an owner sends for a script before anything is stored: the name, the steps
//! (titles, texts, keys) and the release notes. Pure functions, so every rule is unit-tested
//! here and the same rules serve the API, the editor page and the JSON import.

use std::collections::HashSet;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::validation::FieldProblem;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_STEPS: usize = 100;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_NOTES_CHARS: usize = 2000;
pub const MAX_KEY_CHARS: usize = 64;
/// Bounds of a step's weight in the score.
pub const WEIGHT_RANGE: (i32, i32) = (1, 100);

/// A step as an owner sends it: a `key` ties it to a step of an earlier version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInput {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub say: Option<String>,
    #[serde(default)]
    pub guidance: Option<String>,
    /// An `incorrect` consensus on this step fails the call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
    /// The step may not come up at all: reviewers may then say `did_not_arise`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// The step's weight in the score (1–100); none: every step weighs the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

impl From<&super::Step> for StepInput {
    fn from(step: &super::Step) -> Self {
        StepInput {
            key: Some(step.key.clone()),
            title: step.title.clone(),
            say: Some(step.say.clone()),
            guidance: Some(step.guidance.clone()),
            critical: step.critical,
            optional: step.optional,
            weight: step.weight,
        }
    }
}

/// A step that passed the checks, with its key settled (kept or newly drawn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanStep {
    pub key: String,
    pub title: String,
    pub say: String,
    pub guidance: String,
    pub critical: bool,
    pub optional: bool,
    pub weight: Option<i32>,
}

/// Which keys a step may carry.
pub enum KeyRule<'a> {
    /// Only keys this script has used before (publishing a new version).
    Known(&'a HashSet<String>),
    /// Any well-formed key (a new script imported from a file keeps the file's keys).
    AnyWellFormed,
}

/// Text as stored: line breaks made uniform and outer blanks trimmed, so the same words
/// typed in a browser or sent by a script compare equal.
pub fn normalize_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

pub fn check_name(name: &str) -> Result<String, FieldProblem> {
    let name = normalize_text(name).replace('\n', " ");
    if name.is_empty() {
        return Err(FieldProblem::new("name", "required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldProblem::new("name", "too_long").with("max", MAX_NAME_CHARS));
    }
    Ok(name)
}

pub fn check_notes(notes: Option<&str>) -> Result<String, FieldProblem> {
    let notes = normalize_text(notes.unwrap_or_default());
    if notes.chars().count() > MAX_NOTES_CHARS {
        return Err(FieldProblem::new("notes", "too_long").with("max", MAX_NOTES_CHARS));
    }
    Ok(notes)
}

fn well_formed_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A fresh step key: ten random lowercase letters and digits, unlike any in `taken`.
pub fn new_key(taken: &HashSet<String>) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    loop {
        let key: String = (0..10)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        if !taken.contains(&key) {
            return key;
        }
    }
}

/// Checks every step and reports every problem at once (`steps[2].title`, …); steps without a
/// key get a new one that no version of the script has used.
pub fn check_steps(
    steps: &[StepInput],
    rule: KeyRule<'_>,
) -> Result<Vec<CleanStep>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if steps.is_empty() {
        problems.push(FieldProblem::new("steps", "no_steps"));
    }
    if steps.len() > MAX_STEPS {
        problems.push(FieldProblem::new("steps", "too_many").with("max", MAX_STEPS));
    }
    let mut seen = HashSet::new();
    let mut clean = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let field = |name: &str| format!("steps[{index}].{name}");
        let title = normalize_text(&step.title).replace('\n', " ");
        if title.is_empty() {
            problems.push(FieldProblem::new(field("title"), "required"));
        } else if title.chars().count() > MAX_TITLE_CHARS {
            problems
                .push(FieldProblem::new(field("title"), "too_long").with("max", MAX_TITLE_CHARS));
        }
        let say = normalize_text(step.say.as_deref().unwrap_or_default());
        let guidance = normalize_text(step.guidance.as_deref().unwrap_or_default());
        for (name, text) in [("say", &say), ("guidance", &guidance)] {
            if text.chars().count() > MAX_TEXT_CHARS {
                problems
                    .push(FieldProblem::new(field(name), "too_long").with("max", MAX_TEXT_CHARS));
            }
        }
        if let Some(weight) = step.weight
            && !(WEIGHT_RANGE.0..=WEIGHT_RANGE.1).contains(&weight)
        {
            problems.push(
                FieldProblem::new(field("weight"), "out_of_range")
                    .with("min", WEIGHT_RANGE.0)
                    .with("max", WEIGHT_RANGE.1),
            );
        }
        let key = step.key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        if let Some(key) = key {
            let allowed = match &rule {
                KeyRule::Known(known) => known.contains(key),
                KeyRule::AnyWellFormed => well_formed_key(key),
            };
            if !allowed {
                problems.push(FieldProblem::new(field("key"), "unknown_key"));
            } else if !seen.insert(key.to_owned()) {
                problems.push(FieldProblem::new(field("key"), "duplicate_key"));
            }
        }
        clean.push(CleanStep {
            key: key.unwrap_or_default().to_owned(),
            title,
            say,
            guidance,
            critical: step.critical,
            optional: step.optional,
            weight: step.weight,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Keys are drawn last, so a new key can clash neither with an old one nor with one sent.
    let mut taken: HashSet<String> = match rule {
        KeyRule::Known(known) => known.clone(),
        KeyRule::AnyWellFormed => HashSet::new(),
    };
    taken.extend(seen);
    for step in clean.iter_mut().filter(|s| s.key.is_empty()) {
        step.key = new_key(&taken);
        taken.insert(step.key.clone());
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(key: Option<&str>, title: &str) -> StepInput {
        StepInput {
            key: key.map(str::to_owned),
            title: title.to_owned(),
            ..StepInput::default()
        }
    }

    fn codes(problems: &[FieldProblem]) -> Vec<(String, &'static str)> {
        problems.iter().map(|p| (p.field.clone(), p.code)).collect()
    }

    #[test]
    fn new_steps_get_distinct_fresh_keys_and_known_keys_stay() {
        let known: HashSet<String> = ["greet".to_owned()].into();
        let steps = check_steps(
            &[step(None, "A"), step(Some("greet"), "B"), step(None, "C")],
            KeyRule::Known(&known),
        )
        .unwrap();
        assert_eq!(steps[1].key, "greet");
        assert_ne!(steps[0].key, steps[2].key);
        assert!(steps.iter().all(|s| well_formed_key(&s.key)));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let known: HashSet<String> = ["a".to_owned()].into();
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let problems = check_steps(
            &[
                step(Some("a"), " "),
                step(Some("a"), "Second"),
                step(Some("nope"), "Third"),
                StepInput {
                    title: "Fourth".into(),
                    say: Some(long),
                    ..StepInput::default()
                },
            ],
            KeyRule::Known(&known),
        )
        .unwrap_err();
        assert_eq!(
            codes(&problems),
            vec![
                ("steps[0].title".to_owned(), "required"),
                ("steps[1].key".to_owned(), "duplicate_key"),
                ("steps[2].key".to_owned(), "unknown_key"),
                ("steps[3].say".to_owned(), "too_long"),
            ]
        );
    }

    #[test]
    fn step_count_is_bounded() {
        let none = check_steps(&[], KeyRule::AnyWellFormed).unwrap_err();
        assert_eq!(codes(&none), vec![("steps".to_owned(), "no_steps")]);
        let many: Vec<_> = (0..=MAX_STEPS)
            .map(|i| step(None, &format!("S{i}")))
            .collect();
        let problems = check_steps(&many, KeyRule::AnyWellFormed).unwrap_err();
        assert_eq!(codes(&problems), vec![("steps".to_owned(), "too_many")]);
        assert_eq!(
            check_steps(&many[..MAX_STEPS], KeyRule::AnyWellFormed)
                .unwrap()
                .len(),
            MAX_STEPS
        );
    }

    #[test]
    fn imported_keys_must_be_well_formed() {
        let problems =
            check_steps(&[step(Some("bad key!"), "A")], KeyRule::AnyWellFormed).unwrap_err();
        assert_eq!(
            codes(&problems),
            vec![("steps[0].key".to_owned(), "unknown_key")]
        );
    }

    #[test]
    fn text_is_normalized_and_names_checked() {
        assert_eq!(normalize_text("  a\r\nb\r "), "a\nb");
        assert_eq!(check_name("  Inbound  ").unwrap(), "Inbound");
        assert_eq!(check_name(" \n ").unwrap_err().code, "required");
        assert_eq!(
            check_name(&"я".repeat(MAX_NAME_CHARS + 1))
                .unwrap_err()
                .code,
            "too_long"
        );
        assert!(check_name(&"я".repeat(MAX_NAME_CHARS)).is_ok());
        assert_eq!(
            check_notes(Some(&"n".repeat(MAX_NOTES_CHARS + 1)))
                .unwrap_err()
                .field,
            "notes"
        );
    }
}
