//! Gold (control) calls: reviewed calls the owner gave an answer key, mixed into every
//! reviewer's stream so that each reviewer's accuracy is measured on calls whose right
//! answers are known. A reviewer cannot tell a gold call from any other.
//!
//! A gold review is scored step by step against the key (a key of `any` scores nothing;
//! `missing` against a key of `incorrect` is a miss like any other difference). Accuracy is
//! the share of hits over a reviewer's last [`ACCURACY_WINDOW`] scored gold steps of accepted
//! reviews; the key is read when the accuracy is computed, so an owner correcting a key
//! rescores the reviews already made against it. A step an owner decided in an operator's
//! dispute scores the same way (the decision is the key).

use std::collections::HashMap;

use diesel::prelude::*;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use super::error::ReviewError;
use super::status::ReviewStatus;
use crate::audit;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, RecordingId, UserId};
use crate::db::schema::{
    assignments, gold_answers, gold_calls, recordings, reviews, script_versions, scripts, verdicts,
};
use crate::db::time::{Timestamp, now};
use crate::languages::CallLanguage;
use crate::org_settings::OrgSettings;
use crate::recordings::status::RecordingStatus;
use crate::scripts::version_steps;
use crate::validation::FieldProblem;

/// Accuracy is measured over this many of a reviewer's latest scored gold steps.
pub const ACCURACY_WINDOW: usize = 50;

crate::text_enum! {
    /// The answer a gold call's key expects at one step: a verdict, or `any` (not scored).
    GoldAnswer {
        Correct = "correct",
        Incorrect = "incorrect",
        Missing = "missing",
        Any = "any",
    }
}

/// A reviewer's gold accuracy: `hits` of `scored` steps (the latest, at most
/// [`ACCURACY_WINDOW`]); `value` is `None` before any step is scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Accuracy {
    pub scored: usize,
    pub hits: usize,
    pub value: Option<f64>,
}

impl Accuracy {
    /// From the hits of scored steps, newest first: the window's share.
    pub fn of(newest_first: impl IntoIterator<Item = bool>) -> Accuracy {
        let (mut scored, mut hits) = (0, 0);
        for hit in newest_first.into_iter().take(ACCURACY_WINDOW) {
            scored += 1;
            hits += usize::from(hit);
        }
        Accuracy {
            scored,
            hits,
            value: (scored > 0).then(|| hits as f64 / scored as f64),
        }
    }
}

/// The verdicts of `reviewers`' accepted gold reviews on the steps their call's key scores
/// (not `any`), joined to the key: what gold accuracy and trust are counted over.
macro_rules! scored_gold {
    ($reviewers:expr) => {
        verdicts::table
            .inner_join(reviews::table)
            .inner_join(
                gold_answers::table.on(gold_answers::recording_id
                    .eq(reviews::recording_id)
                    .and(gold_answers::step_key.eq(verdicts::step_key))),
            )
            .filter(reviews::reviewer_id.eq_any($reviewers))
            .filter(reviews::gold.eq(true))
            .filter(reviews::status.eq(ReviewStatus::Accepted))
            .filter(gold_answers::verdict.ne(GoldAnswer::Any))
    };
}

/// Each scored step of the reviewers, newest first: (reviewer, scored at, hit) — the steps
/// of their accepted gold reviews (at submission), and their verdicts on steps an owner
/// decided in a dispute (at the decision, see [`super::contest::scored_steps`]).
fn scored_steps(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<Vec<(UserId, Timestamp, bool)>> {
    let mut steps = gold_steps(conn, reviewers)?;
    let disputed = super::contest::scored_steps(conn, reviewers)?;
    if !disputed.is_empty() {
        steps.extend(disputed);
        steps.sort_by_key(|step| std::cmp::Reverse(step.1));
    }
    Ok(steps)
}

/// Each scored gold step of the reviewers' accepted gold reviews, newest first.
fn gold_steps(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<Vec<(UserId, Timestamp, bool)>> {
    let rows: Vec<(UserId, Timestamp, String, GoldAnswer)> = scored_gold!(reviewers)
        .order((reviews::submitted_at.desc(), verdicts::id.asc()))
        .select((
            reviews::reviewer_id,
            reviews::submitted_at,
            verdicts::verdict,
            gold_answers::verdict,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reviewer, at, given, key)| (reviewer, at, given == key.as_str()))
        .collect())
}

/// How many gold steps of each of `reviewers` are scored, all time (not only the accuracy
/// window): what trusting a reviewer alone waits for.
pub fn scored_counts(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<HashMap<UserId, i64>> {
    let rows: Vec<(UserId, i64)> = scored_gold!(reviewers)
        .group_by(reviews::reviewer_id)
        .select((reviews::reviewer_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The gold accuracy of each of `reviewers` (those without a scored step get the default).
pub fn accuracies(
    conn: &mut DbConnection,
    reviewers: &[UserId],
) -> QueryResult<HashMap<UserId, Accuracy>> {
    let mut steps: HashMap<UserId, Vec<bool>> = HashMap::new();
    for (reviewer, _, hit) in scored_steps(conn, reviewers)? {
        steps.entry(reviewer).or_default().push(hit);
    }
    Ok(steps
        .into_iter()
        .map(|(reviewer, hits)| (reviewer, Accuracy::of(hits)))
        .collect())
}

/// One reviewer's gold accuracy over the steps of reviews submitted at or after `since`
/// (all of them when `None`): what the automatic pause judges after an owner's resume.
pub fn accuracy_since(
    conn: &mut DbConnection,
    reviewer: &UserId,
    since: Option<Timestamp>,
) -> QueryResult<Accuracy> {
    let steps = scored_steps(conn, std::slice::from_ref(reviewer))?;
    Ok(Accuracy::of(
        steps
            .into_iter()
            .filter(|(_, at, _)| since.is_none_or(|since| *at >= since))
            .map(|(_, _, hit)| hit),
    ))
}

/// Whether this draw is a gold one, and which call: with the settings' share for a reviewer
/// who has sent so many reviews, a uniform pick among the gold calls that are ready, not the
/// reviewer's own, never given to them before and in one of their `languages` (any language
/// when empty). `None`: the draw is a normal one (also
/// when no gold call is left for them). The coin is tossed on every draw, so the share of
/// gold draws is the setting's while gold calls last.
pub fn draw(
    conn: &mut DbConnection,
    reviewer: &UserId,
    own: Option<&OperatorId>,
    languages: &[CallLanguage],
    settings: &OrgSettings,
    rng: &mut impl Rng,
) -> QueryResult<Option<RecordingId>> {
    let sent: i64 = reviews::table
        .filter(reviews::reviewer_id.eq(reviewer))
        .count()
        .get_result(conn)?;
    let share = settings.gold_share(sent);
    if share <= 0.0 || !rng.random_bool(share) {
        return Ok(None);
    }
    let given = assignments::table
        .filter(assignments::reviewer_id.eq(reviewer))
        .select(assignments::recording_id);
    let mut candidates = gold_calls::table
        .inner_join(recordings::table)
        .filter(gold_calls::active.eq(true))
        .filter(recordings::status.eq(RecordingStatus::Ready))
        .filter(recordings::id.ne_all(given))
        .select(recordings::id)
        .order(recordings::id.asc())
        .into_boxed();
    if let Some(operator) = own {
        candidates = candidates.filter(recordings::operator_id.ne(operator.clone()));
    }
    if !languages.is_empty() {
        let in_theirs = script_versions::table
            .inner_join(scripts::table)
            .filter(scripts::language.eq_any(languages.iter().map(|l| l.code())))
            .select(script_versions::id);
        candidates = candidates.filter(recordings::script_version_id.eq_any(in_theirs));
    }
    let candidates: Vec<RecordingId> = candidates.load(conn)?;
    if candidates.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        candidates[rng.random_range(0..candidates.len())].clone(),
    ))
}

/// One step of a gold call's answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAnswer {
    pub step_key: String,
    pub verdict: GoldAnswer,
}

/// A gold call's answer key as the owner sends it; verdicts are still words here, so an
/// unknown one is a field problem rather than an unreadable body.
#[derive(Debug, Clone, Deserialize)]
pub struct KeyInput {
    pub answers: Vec<KeyAnswerInput>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KeyAnswerInput {
    pub step_key: String,
    pub verdict: String,
}

/// A call's gold key: whether it is gold now, and the answers per step (kept after an
/// unmark, for the reviews scored against them). For a call never made gold, a proposal:
/// not active, never marked, the answers taken from the consensus.
#[derive(Debug, Clone, Serialize)]
pub struct GoldKey {
    pub recording_id: RecordingId,
    pub active: bool,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub marked_at: Option<Timestamp>,
    pub answers: Vec<KeyAnswer>,
}

/// The call's key, if it was ever made gold.
pub fn key(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<Option<GoldKey>> {
    let Some((active, marked_at)) = gold_calls::table
        .find(recording)
        .select((gold_calls::active, gold_calls::marked_at))
        .first::<(bool, Timestamp)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let answers = gold_answers::table
        .filter(gold_answers::recording_id.eq(recording))
        .select((gold_answers::step_key, gold_answers::verdict))
        .load::<(String, GoldAnswer)>(conn)?
        .into_iter()
        .map(|(step_key, verdict)| KeyAnswer { step_key, verdict })
        .collect();
    Ok(Some(GoldKey {
        recording_id: recording.clone(),
        active,
        marked_at: Some(marked_at),
        answers,
    }))
}

/// Makes a reviewed call gold with the owner's answer key (or replaces the key of a gold
/// call, which rescores the reviews made against it). Every step of the call's script
/// version must be answered exactly once, and at least one answer must be scored (not
/// `any`). The call must be ready and have all its reviews. Audited.
pub fn mark(
    conn: &mut DbConnection,
    owner: &UserId,
    recording: &RecordingId,
    input: &KeyInput,
) -> Result<GoldKey, ReviewError> {
    conn.write_transaction(|conn| {
        let (status, required, done, version): (RecordingStatus, i32, i32, _) = recordings::table
            .find(recording)
            .select((
                recordings::status,
                recordings::reviews_required,
                recordings::reviews_done,
                recordings::script_version_id,
            ))
            .first(conn)?;
        if status != RecordingStatus::Ready || done < required || done == 0 {
            return Err(ReviewError::NotReviewed);
        }
        let steps = version_steps(conn, &version)?;
        let answers = check_key(&steps, input)?;
        let at = now();
        let upsert = diesel::insert_into(gold_calls::table)
            .values((
                gold_calls::recording_id.eq(recording),
                gold_calls::active.eq(true),
                gold_calls::marked_by.eq(owner),
                gold_calls::marked_at.eq(at),
            ))
            .on_conflict(gold_calls::recording_id)
            .do_update()
            .set((
                gold_calls::active.eq(true),
                gold_calls::marked_by.eq(owner),
                gold_calls::marked_at.eq(at),
                gold_calls::unmarked_at.eq(None::<Timestamp>),
            ));
        crate::db::execute_upsert(conn, upsert)?;
        diesel::delete(gold_answers::table.filter(gold_answers::recording_id.eq(recording)))
            .execute(conn)?;
        // MultiConnection has no multi-row INSERT: one statement per row.
        for answer in &answers {
            diesel::insert_into(gold_answers::table)
                .values((
                    gold_answers::recording_id.eq(recording),
                    gold_answers::step_key.eq(&answer.step_key),
                    gold_answers::verdict.eq(answer.verdict),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            Some(owner),
            "recording.gold",
            "recording",
            recording.as_str(),
            serde_json::json!({ "answers": answers }),
        )?;
        Ok(GoldKey {
            recording_id: recording.clone(),
            active: true,
            marked_at: Some(at),
            answers,
        })
    })
}

/// The key in the version's step order, or every problem with it.
fn check_key(
    steps: &[crate::scripts::Step],
    input: &KeyInput,
) -> Result<Vec<KeyAnswer>, ReviewError> {
    let mut problems = Vec::new();
    let mut given: HashMap<&str, GoldAnswer> = HashMap::new();
    for (index, answer) in input.answers.iter().enumerate() {
        let field = format!("answers[{index}]");
        if !steps.iter().any(|s| s.key == answer.step_key) {
            problems.push(FieldProblem::new(
                format!("{field}.step_key"),
                "unknown_step",
            ));
        } else if given.contains_key(answer.step_key.as_str()) {
            problems.push(FieldProblem::new(
                format!("{field}.step_key"),
                "duplicate_step",
            ));
        }
        match GoldAnswer::parse(answer.verdict.trim()) {
            Some(verdict) => {
                given.insert(&answer.step_key, verdict);
            }
            None => problems.push(FieldProblem::new(
                format!("{field}.verdict"),
                "unknown_value",
            )),
        }
    }
    for step in steps {
        if !given.contains_key(step.key.as_str()) && problems.is_empty() {
            problems.push(FieldProblem::new("answers", "step_unanswered").with("step", &step.key));
        }
    }
    if problems.is_empty() && given.values().all(|v| *v == GoldAnswer::Any) {
        problems.push(FieldProblem::new("answers", "nothing_scored"));
    }
    if !problems.is_empty() {
        return Err(ReviewError::Invalid {
            general: problems,
            verdicts: Vec::new(),
        });
    }
    Ok(steps
        .iter()
        .map(|step| KeyAnswer {
            step_key: step.key.clone(),
            verdict: given[step.key.as_str()],
        })
        .collect())
}

/// Takes the call out of the gold set: no reviewer is given it as gold any more. Its key is
/// kept, so the gold reviews already made keep their score. Audited; `NotFound` when the call
/// is not gold.
pub fn unmark(
    conn: &mut DbConnection,
    owner: &UserId,
    recording: &RecordingId,
) -> Result<(), ReviewError> {
    conn.write_transaction(|conn| {
        let changed = diesel::update(
            gold_calls::table
                .find(recording)
                .filter(gold_calls::active.eq(true)),
        )
        .set((
            gold_calls::active.eq(false),
            gold_calls::unmarked_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(ReviewError::NotFound);
        }
        audit::record(
            conn,
            Some(owner),
            "recording.gold_unmark",
            "recording",
            recording.as_str(),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// After a gold review: pauses the reviewer when their accuracy since the last resume is
/// below the settings' threshold over at least the settings' number of scored steps.
pub fn check_pause(
    conn: &mut DbConnection,
    reviewer: &UserId,
    settings: &OrgSettings,
) -> Result<bool, ReviewError> {
    if settings.pause_accuracy <= 0 {
        return Ok(false);
    }
    use crate::db::schema::users;
    let resumed: Option<Timestamp> = users::table
        .find(reviewer)
        .select(users::resumed_at)
        .first(conn)?;
    let accuracy = accuracy_since(conn, reviewer, resumed)?;
    let threshold = f64::from(settings.pause_accuracy) / 100.0;
    let enough = accuracy.scored >= usize::try_from(settings.pause_min_steps).unwrap_or(0);
    match accuracy.value {
        Some(value) if enough && value < threshold => {
            let details = serde_json::json!({
                "reason": "gold_accuracy",
                "accuracy": value,
                "scored_steps": accuracy.scored,
                "threshold": threshold,
            });
            Ok(crate::accounts::pause::mark_paused(
                conn, None, reviewer, details,
            )?)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_the_latest_window_only() {
        assert_eq!(Accuracy::of([]).value, None);
        let three = Accuracy::of([true, false, true]);
        assert_eq!((three.scored, three.hits), (3, 2));
        // 50 misses newest, then 30 hits that fall out of the window.
        let old_hits = std::iter::repeat_n(false, 50).chain(std::iter::repeat_n(true, 30));
        let windowed = Accuracy::of(old_hits);
        assert_eq!((windowed.scored, windowed.hits), (50, 0));
        assert_eq!(windowed.value, Some(0.0));
    }
}
