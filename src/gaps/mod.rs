//! The gap queue: every `missing` verdict is a gap — a place where the script had no
//! answer. The owner sees them grouped by script and step, accepts them (acknowledged, to be
//! handled), dismisses them with a reason, or refines the script: the chosen gaps ride along
//! on the script's draft and are resolved by the version that publishes it.
//!
//! Status moves one way: `open` → `accepted` → `resolved`, or `open`/`accepted` →
//! `dismissed`. This module alone writes the table: gaps are opened by a submitted review
//! ([`open`], called by `reviews::submit`) and resolved by the version that publishes them
//! ([`resolve`], called by `scripts::publish`).

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::ids::{GapId, RecordingId, ScriptId, ScriptVersionId, UserId, VerdictId};
use crate::db::schema::{gaps, reviews, script_versions, scripts, steps, verdicts};
use crate::db::time::{Timestamp, now};
use crate::db::{DbConnection, DbError};
use crate::reviews::label::reviewer_label;
use crate::reviews::status::ReviewStatus;
use crate::validation::FieldProblem;

crate::text_enum! {
    /// Where a gap is in its triage.
    GapStatus {
        Open = "open",
        Accepted = "accepted",
        Dismissed = "dismissed",
        Resolved = "resolved",
    }
}

crate::text_enum! {
    /// Why the owner set a gap aside.
    DismissReason {
        /// The script covers it; the operator did not follow it.
        OperatorError = "operator_error",
        /// Nothing there: a misclick, noise, a dropped call.
        Noise = "noise",
        /// Already reported by another gap.
        Duplicate = "duplicate",
        Other = "other",
    }
}

/// What can go wrong triaging gaps.
#[derive(Debug, thiserror::Error)]
pub enum GapError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("no such gap")]
    NotFound,
    /// A gap asked to move is no longer open (or accepted) for that move.
    #[error("the gap is no longer open")]
    NotOpen,
    /// An undo came too late, or after someone else changed the gap again.
    #[error("the action can no longer be undone")]
    UndoExpired,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(GapError);

pub const MAX_NOTE_CHARS: usize = 1000;

/// How long after accepting or dismissing a gap its owner can take that back.
pub const UNDO_MINUTES: i64 = 10;

/// A gap's state before a triage action: what an undo returns it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    pub id: GapId,
    pub status: GapStatus,
}
/// The verdicts of accepted reviews: a gap stands while the review that reported it does (a
/// rejected review's gaps are set aside with it, and come back if it is restored).
pub type Standing = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<verdicts::table, reviews::table>,
        diesel::dsl::Eq<reviews::status, ReviewStatus>,
    >,
    verdicts::id,
>;

pub fn standing() -> Standing {
    verdicts::table
        .inner_join(reviews::table)
        .filter(reviews::status.eq(ReviewStatus::Accepted))
        .select(verdicts::id)
}

/// The most gaps one queue page lists.
pub const LIST_LIMIT: i64 = 500;

#[derive(Debug, Clone, Default)]
pub struct GapFilter {
    /// One gap only.
    pub id: Option<GapId>,
    pub status: Option<GapStatus>,
    pub script_id: Option<ScriptId>,
    pub step_key: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapStep {
    pub key: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub id: GapId,
    pub status: GapStatus,
    pub script_id: ScriptId,
    pub script_name: String,
    pub script_version: i32,
    pub step: GapStep,
    pub recording_id: RecordingId,
    /// "A", "B", …: which review of the call reported it, never who.
    pub reviewer: String,
    pub comment: String,
    pub at_ms: Option<i64>,
    pub dismiss_reason: Option<DismissReason>,
    pub dismiss_note: Option<String>,
    /// Reported on a gold (control) call: a possible gap, where the owner's answer key did not
    /// expect one.
    pub from_gold: bool,
    /// The version that resolved it.
    pub resolved_in_version: Option<i32>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
}

type GapRow = (
    GapId,
    GapStatus,
    ScriptId,
    ScriptVersionId,
    String,
    RecordingId,
    VerdictId,
    Option<DismissReason>,
    Option<String>,
    Option<ScriptVersionId>,
    Timestamp,
);

/// Gaps matching the filter, newest first (at most `limit`).
pub fn list(conn: &mut DbConnection, filter: &GapFilter, limit: i64) -> QueryResult<Vec<Gap>> {
    let mut query = gaps::table
        .select((
            gaps::id,
            gaps::status,
            gaps::script_id,
            gaps::script_version_id,
            gaps::step_key,
            gaps::recording_id,
            gaps::verdict_id,
            gaps::dismiss_reason,
            gaps::dismiss_note,
            gaps::resolved_in_version_id,
            gaps::created_at,
        ))
        .filter(gaps::verdict_id.eq_any(standing()))
        .order((gaps::created_at.desc(), gaps::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(id) = &filter.id {
        query = query.filter(gaps::id.eq(id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(gaps::status.eq(status));
    }
    if let Some(script) = &filter.script_id {
        query = query.filter(gaps::script_id.eq(script.clone()));
    }
    if let Some(key) = &filter.step_key {
        query = query.filter(gaps::step_key.eq(key.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(gaps::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(gaps::created_at.lt(until));
    }
    let rows: Vec<GapRow> = query.load(conn)?;
    describe(conn, rows)
}

pub fn find(conn: &mut DbConnection, id: &GapId) -> QueryResult<Option<Gap>> {
    let filter = GapFilter {
        id: Some(id.clone()),
        ..GapFilter::default()
    };
    Ok(list(conn, &filter, 1)?.pop())
}

/// Adds what the rows point at: script names, version numbers, step titles, comments and
/// the anonymous reviewer labels.
fn describe(conn: &mut DbConnection, rows: Vec<GapRow>) -> QueryResult<Vec<Gap>> {
    let verdict_ids: Vec<&VerdictId> = rows.iter().map(|r| &r.6).collect();
    let notes: HashMap<VerdictId, (Option<String>, Option<i64>, String, bool)> = verdicts::table
        .inner_join(reviews::table)
        .filter(verdicts::id.eq_any(&verdict_ids))
        .select((
            verdicts::id,
            verdicts::comment,
            verdicts::at_ms,
            reviews::id,
            reviews::gold,
        ))
        .load::<(VerdictId, Option<String>, Option<i64>, String, bool)>(conn)?
        .into_iter()
        .map(|(id, comment, at, review, gold)| (id, (comment, at, review, gold)))
        .collect();
    let recording_ids: Vec<&RecordingId> = rows.iter().map(|r| &r.5).collect();
    let review_order: Vec<(String, RecordingId)> = reviews::table
        .filter(reviews::recording_id.eq_any(&recording_ids))
        .order((reviews::submitted_at.asc(), reviews::id.asc()))
        .select((reviews::id, reviews::recording_id))
        .load(conn)?;
    let mut labels: HashMap<&str, String> = HashMap::new();
    let mut ranks: HashMap<&RecordingId, usize> = HashMap::new();
    for (review, recording) in &review_order {
        let rank = ranks.entry(recording).or_default();
        labels.insert(review.as_str(), reviewer_label(*rank));
        *rank += 1;
    }
    let mut version_ids: Vec<&ScriptVersionId> = rows.iter().map(|r| &r.3).collect();
    version_ids.extend(rows.iter().filter_map(|r| r.9.as_ref()));
    let versions: HashMap<ScriptVersionId, (i32, String)> = script_versions::table
        .inner_join(scripts::table)
        .filter(script_versions::id.eq_any(&version_ids))
        .select((script_versions::id, script_versions::number, scripts::name))
        .load::<(ScriptVersionId, i32, String)>(conn)?
        .into_iter()
        .map(|(id, number, name)| (id, (number, name)))
        .collect();
    let titles: HashMap<(ScriptVersionId, String), String> = steps::table
        .filter(steps::version_id.eq_any(&version_ids))
        .select((steps::version_id, steps::step_key, steps::title))
        .load::<(ScriptVersionId, String, String)>(conn)?
        .into_iter()
        .map(|(version, key, title)| ((version, key), title))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let (
                id,
                status,
                script_id,
                version_id,
                key,
                recording_id,
                verdict_id,
                reason,
                note,
                resolved,
                created_at,
            ) = row;
            let (comment, at_ms, review, from_gold) =
                notes.get(&verdict_id).cloned().unwrap_or_default();
            let (number, script_name) = versions.get(&version_id).cloned().unwrap_or_default();
            Gap {
                reviewer: labels.get(review.as_str()).cloned().unwrap_or_default(),
                step: GapStep {
                    title: titles
                        .get(&(version_id.clone(), key.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    key,
                },
                resolved_in_version: resolved.and_then(|v| versions.get(&v).map(|v| v.0)),
                id,
                status,
                script_id,
                script_name,
                script_version: number,
                recording_id,
                comment: comment.unwrap_or_default(),
                at_ms,
                dismiss_reason: reason,
                dismiss_note: note,
                from_gold,
                created_at,
            }
        })
        .collect())
}

/// Gaps of one script and step, as the queue shows them.
#[derive(Debug, Clone, Serialize)]
pub struct GapGroup {
    pub script_id: ScriptId,
    pub script_name: String,
    pub step_key: String,
    pub step_title: String,
    pub count: usize,
    pub open: usize,
    /// When the oldest open gap of the group came in.
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub oldest_open: Option<Timestamp>,
    /// Whole days the oldest open gap has waited.
    pub oldest_open_days: Option<i64>,
    pub gaps: Vec<Gap>,
}

/// Groups gaps (newest first) by script and step; the group with the newest gap comes
/// first, and gaps keep their order inside a group.
pub fn group(gaps: Vec<Gap>) -> Vec<GapGroup> {
    let mut out: Vec<GapGroup> = Vec::new();
    for gap in gaps {
        let at = out
            .iter()
            .position(|g| g.script_id == gap.script_id && g.step_key == gap.step.key);
        let group = match at {
            Some(i) => &mut out[i],
            None => {
                out.push(GapGroup {
                    script_id: gap.script_id.clone(),
                    script_name: gap.script_name.clone(),
                    step_key: gap.step.key.clone(),
                    step_title: gap.step.title.clone(),
                    count: 0,
                    open: 0,
                    oldest_open: None,
                    oldest_open_days: None,
                    gaps: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        group.count += 1;
        if gap.status == GapStatus::Open {
            group.open += 1;
            group.oldest_open = Some(
                group
                    .oldest_open
                    .map_or(gap.created_at, |t| t.min(gap.created_at)),
            );
        }
        group.gaps.push(gap);
    }
    let today = now();
    for group in &mut out {
        group.oldest_open_days = group.oldest_open.map(|at| (today - at).whole_days());
    }
    out
}

/// Marks open gaps as accepted: seen, to be handled. Every id must be an open gap.
pub fn accept(
    conn: &mut DbConnection,
    by: &UserId,
    ids: &[GapId],
) -> Result<Vec<Before>, GapError> {
    change(conn, ids, &[GapStatus::Open], |conn, id| {
        diesel::update(gaps::table.find(id))
            .set((
                gaps::status.eq(GapStatus::Accepted),
                gaps::triaged_by.eq(by),
                gaps::updated_at.eq(now()),
            ))
            .execute(conn)
    })
}

/// Sets open or accepted gaps aside with a reason (and an optional note).
pub fn dismiss(
    conn: &mut DbConnection,
    by: &UserId,
    ids: &[GapId],
    reason: &str,
    note: Option<&str>,
) -> Result<Vec<Before>, GapError> {
    let reason = DismissReason::parse(reason.trim())
        .ok_or_else(|| FieldProblem::new("reason", "unknown_value"))?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(FieldProblem::new("note", "too_long")
            .with("max", MAX_NOTE_CHARS)
            .into());
    }
    change(
        conn,
        ids,
        &[GapStatus::Open, GapStatus::Accepted],
        |conn, id| {
            diesel::update(gaps::table.find(id))
                .set((
                    gaps::status.eq(GapStatus::Dismissed),
                    gaps::dismiss_reason.eq(reason),
                    gaps::dismiss_note.eq(note),
                    gaps::triaged_by.eq(by),
                    gaps::updated_at.eq(now()),
                ))
                .execute(conn)
        },
    )
}

/// A gap on its way into a script's draft ("refine the script").
#[derive(Debug, Clone)]
pub struct Refinable {
    pub id: GapId,
    pub script_id: ScriptId,
    pub step_key: String,
}

/// The gaps the owner chose to refine the script with, checked: they exist, are still open
/// or accepted, and all belong to one script. `scripts::draft::refine` attaches them.
pub fn refinable(conn: &mut DbConnection, ids: &[GapId]) -> Result<Vec<Refinable>, GapError> {
    if ids.is_empty() {
        return Err(FieldProblem::new("gaps", "required").into());
    }
    let rows: Vec<(GapId, ScriptId, String, GapStatus)> = gaps::table
        .filter(gaps::id.eq_any(ids))
        .select((gaps::id, gaps::script_id, gaps::step_key, gaps::status))
        .load(conn)?;
    if rows.len() != ids.len() {
        return Err(GapError::NotFound);
    }
    if rows
        .iter()
        .any(|r| !matches!(r.3, GapStatus::Open | GapStatus::Accepted))
    {
        return Err(GapError::NotOpen);
    }
    if rows.iter().any(|r| r.1 != rows[0].1) {
        return Err(FieldProblem::new("gaps", "one_script_only").into());
    }
    Ok(rows
        .into_iter()
        .map(|(id, script_id, step_key, _)| Refinable {
            id,
            script_id,
            step_key,
        })
        .collect())
}

/// A `missing` verdict of a review that is being stored: each becomes an open gap.
pub struct Found<'a> {
    pub verdict_id: &'a VerdictId,
    pub step_key: &'a str,
}

/// Opens a gap for every `missing` verdict of one review, inside the review's transaction.
pub fn open(
    conn: &mut DbConnection,
    recording_id: &RecordingId,
    (script_id, version_id): (&ScriptId, &ScriptVersionId),
    found: &[Found<'_>],
    at: Timestamp,
) -> QueryResult<usize> {
    // MultiConnection has no multi-row INSERT: one statement per row.
    for gap in found {
        diesel::insert_into(gaps::table)
            .values((
                gaps::id.eq(GapId::random()),
                gaps::verdict_id.eq(gap.verdict_id),
                gaps::recording_id.eq(recording_id),
                gaps::script_id.eq(script_id),
                gaps::script_version_id.eq(version_id),
                gaps::step_key.eq(gap.step_key),
                gaps::status.eq(GapStatus::Open),
                gaps::created_at.eq(at),
                gaps::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(found.len())
}

/// The gaps among `ids` (as a draft lists them) that a new version of this script may
/// resolve: still open or accepted. Adds a problem (`resolves_gaps[i]`) per id that is not.
pub fn resolvable(
    conn: &mut DbConnection,
    script_id: &ScriptId,
    ids: &[String],
    problems: &mut Vec<FieldProblem>,
) -> QueryResult<Vec<GapId>> {
    let mut found = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let field = format!("resolves_gaps[{index}]");
        let gap: Option<(ScriptId, GapStatus)> = gaps::table
            .find(id)
            .select((gaps::script_id, gaps::status))
            .first(conn)
            .optional()?;
        match gap {
            None => problems.push(FieldProblem::new(field, "unknown_gap")),
            Some((owner, _)) if owner != *script_id => {
                problems.push(FieldProblem::new(field, "unknown_gap"))
            }
            Some((_, GapStatus::Open | GapStatus::Accepted)) => {
                let id = GapId::from_raw(id.clone());
                if found.contains(&id) {
                    problems.push(FieldProblem::new(field, "duplicate_gap"));
                } else {
                    found.push(id);
                }
            }
            Some(_) => problems.push(FieldProblem::new(field, "gap_closed")),
        }
    }
    Ok(found)
}

/// Marks the gaps resolved by the version being published, inside its transaction.
pub fn resolve(
    conn: &mut DbConnection,
    by: &UserId,
    ids: &[GapId],
    version_id: &ScriptVersionId,
) -> QueryResult<()> {
    if !ids.is_empty() {
        diesel::update(gaps::table.filter(gaps::id.eq_any(ids)))
            .set((
                gaps::status.eq(GapStatus::Resolved),
                gaps::resolved_in_version_id.eq(version_id),
                gaps::triaged_by.eq(by),
                gaps::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes back an accept or dismiss that `by` did less than [`UNDO_MINUTES`] ago: each gap
/// returns to its state `before`, provided it is still `left` as the action left it. All or
/// nothing: when one gap has moved on since, none is changed.
pub fn undo(
    conn: &mut DbConnection,
    by: &UserId,
    left: GapStatus,
    before: &[Before],
) -> Result<usize, GapError> {
    if before.is_empty() {
        return Err(FieldProblem::new("gaps", "required").into());
    }
    if !matches!(left, GapStatus::Accepted | GapStatus::Dismissed)
        || before
            .iter()
            .any(|b| !matches!(b.status, GapStatus::Open | GapStatus::Accepted) || b.status == left)
    {
        return Err(FieldProblem::new("gaps", "unknown_value").into());
    }
    let since = now() - time::Duration::minutes(UNDO_MINUTES);
    conn.write_transaction(|conn| {
        for gap in before {
            let triaged = (gap.status != GapStatus::Open).then_some(by);
            // The guard is in the update itself, so two undos (or an undo and another
            // action) racing on one gap cannot both win.
            let changed = diesel::update(
                gaps::table
                    .find(&gap.id)
                    .filter(gaps::status.eq(left))
                    .filter(gaps::triaged_by.eq(by))
                    .filter(gaps::updated_at.ge(since)),
            )
            .set((
                gaps::status.eq(gap.status),
                gaps::dismiss_reason.eq(None::<DismissReason>),
                gaps::dismiss_note.eq(None::<String>),
                gaps::triaged_by.eq(triaged),
                gaps::updated_at.eq(now()),
            ))
            .execute(conn)?;
            if changed != 1 {
                return Err(GapError::UndoExpired);
            }
        }
        Ok(before.len())
    })
}

/// Applies `update` to every gap in one transaction, after checking each exists and is in
/// one of the `from` states; nothing changes when one is not. Returns each gap's state
/// before the change.
fn change(
    conn: &mut DbConnection,
    ids: &[GapId],
    from: &[GapStatus],
    update: impl Fn(&mut DbConnection, &GapId) -> QueryResult<usize>,
) -> Result<Vec<Before>, GapError> {
    if ids.is_empty() {
        return Err(FieldProblem::new("gaps", "required").into());
    }
    conn.write_transaction(|conn| {
        let mut before = Vec::with_capacity(ids.len());
        for id in ids {
            let status: Option<GapStatus> = gaps::table
                .find(id)
                .select(gaps::status)
                .first(conn)
                .optional()?;
            match status {
                None => return Err(GapError::NotFound),
                Some(status) if !from.contains(&status) => {
                    return Err(GapError::NotOpen);
                }
                Some(status) => {
                    update(conn, id)?;
                    before.push(Before {
                        id: id.clone(),
                        status,
                    });
                }
            }
        }
        Ok(before)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(script: &str, key: &str, status: GapStatus, minutes: i64) -> Gap {
        Gap {
            id: GapId::random(),
            status,
            script_id: ScriptId::from_raw(script),
            script_name: script.to_owned(),
            script_version: 1,
            step: GapStep {
                key: key.to_owned(),
                title: key.to_uppercase(),
            },
            recording_id: RecordingId::random(),
            reviewer: "A".to_owned(),
            comment: String::new(),
            at_ms: None,
            dismiss_reason: None,
            dismiss_note: None,
            from_gold: false,
            resolved_in_version: None,
            created_at: now() - time::Duration::minutes(minutes),
        }
    }

    #[test]
    fn groups_follow_the_newest_gap_and_count_what_is_open() {
        let groups = group(vec![
            gap("s1", "price", GapStatus::Open, 1),
            gap("s1", "greet", GapStatus::Accepted, 2),
            gap("s1", "price", GapStatus::Open, 30),
            gap("s2", "price", GapStatus::Open, 40),
        ]);
        let shape: Vec<(&str, &str, usize, usize)> = groups
            .iter()
            .map(|g| (g.script_id.as_str(), g.step_key.as_str(), g.count, g.open))
            .collect();
        assert_eq!(
            shape,
            [
                ("s1", "price", 2, 2),
                ("s1", "greet", 1, 0),
                ("s2", "price", 1, 1)
            ]
        );
        assert_eq!(groups[0].oldest_open, Some(groups[0].gaps[1].created_at));
        assert_eq!(groups[1].oldest_open, None);
    }
}
