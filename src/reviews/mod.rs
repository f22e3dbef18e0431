//! Reviews, the write path: a reviewer's verdicts on every step of the call they were
//! assigned, stored in one transaction with the recording's counter and a gap for each
//! `missing` verdict; and the operator's acknowledgement of the feedback. What reviews add up
//! to is read in `crate::dashboards`.

pub mod agreement;
pub mod consensus;
pub mod contest;
pub mod dawid_skene;
pub mod error;
pub mod gold;
pub mod heard;
pub mod label;
pub mod overlap;
pub mod status;
pub mod validate;
pub mod verdict;
pub mod weighted;

use diesel::prelude::*;
use serde::Serialize;

use crate::assignments::{self, Assignment, AssignmentCode, AssignmentStatus, pool};
use crate::audit;
use crate::db::ids::{
    OperatorId, RecordingId, ReviewId, ScriptId, ScriptVersionId, UserId, VerdictId,
};
use crate::db::schema::{recordings, reviews, script_versions, verdicts};
use crate::db::time::{Timestamp, now};
use crate::db::{Db, DbConnection};
use crate::gaps;
use crate::org_settings::OrgSettings;
use crate::recordings::Recording;
use crate::scripts::version_steps;
use crate::validation::FieldProblem;
pub use error::ReviewError;
use heard::Heard;
pub use status::{Counted, ReviewStatus, counted};
use validate::{Verdict, VerdictInput, check_verdicts};

/// What a submitted review created.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub review_id: ReviewId,
    pub gaps: usize,
}

/// How many milliseconds from `at` until a review of `assignment` may be sent (0: now). A
/// reviewer must have held the call for `min_listen_ratio` of its length first, so that a
/// review sent without listening is refused; the workspace counts this down before Send.
pub fn listen_wait_ms(
    assignment: &Assignment,
    duration_ms: i64,
    min_listen_ratio: f64,
    at: Timestamp,
) -> i64 {
    let listened_ms = (at - assignment.assigned_at).whole_milliseconds();
    let needed_ms = (duration_ms as f64 * min_listen_ratio.max(0.0)) as i128;
    i64::try_from((needed_ms - listened_ms).max(0)).unwrap_or(i64::MAX)
}

/// Why a review of `assignment` is too early to take at `at`, if it is.
///
/// With what the player reported (`heard`): too little of the call heard (`not_heard`, below
/// `min_heard_percent`), or more heard than could have been played at
/// [`heard::MAX_PLAYBACK_RATE`] since the draw (`too_soon`); with the percent at 0 only that
/// and the listening time count. Without it (the page without JavaScript): too little time
/// since the draw ([`listen_wait_ms`], `too_soon`).
fn listen_problem(
    assignment: &Assignment,
    duration_ms: i64,
    heard: Option<&Heard>,
    min_listen_ratio: f64,
    min_heard_percent: i32,
    at: Timestamp,
) -> Option<FieldProblem> {
    let wait_ms = match heard {
        None => listen_wait_ms(assignment, duration_ms, min_listen_ratio, at),
        Some(heard) => {
            let percent = heard.percent_of(duration_ms);
            if min_heard_percent > 0 && percent < i64::from(min_heard_percent) {
                return Some(
                    FieldProblem::new("heard", "not_heard")
                        .with("heard", percent)
                        .with("needed", min_heard_percent),
                );
            }
            let held_ms = (at - assignment.assigned_at).whole_milliseconds();
            let playable_ms = i128::from(heard.ms()) / i128::from(heard::MAX_PLAYBACK_RATE);
            let plausible_wait = i64::try_from((playable_ms - held_ms).max(0)).unwrap_or(i64::MAX);
            let time_wait = if min_heard_percent > 0 {
                0
            } else {
                listen_wait_ms(assignment, duration_ms, min_listen_ratio, at)
            };
            plausible_wait.max(time_wait)
        }
    };
    (wait_ms > 0).then(|| {
        let wait = wait_ms.saturating_add(999) / 1000;
        FieldProblem::new("verdicts", "too_soon").with("seconds", wait)
    })
}

/// Stores the reviewer's verdicts for the call behind `code`.
///
/// A review of a lease that ran out is still taken when nobody else has taken the freed
/// slot; when someone has, or the review was already sent, it is a conflict (409).
///
/// `heard` is what the workspace's player reported as played (`[start_ms, end_ms]` ranges),
/// `None` from a client that reports nothing; see [`listen_problem`] for how either is judged.
/// What was heard is stored with the review.
pub fn submit(
    conn: &mut DbConnection,
    reviewer: &UserId,
    code: &AssignmentCode,
    input: &[VerdictInput],
    heard: Option<&[heard::RangeInput]>,
    min_listen_ratio: f64,
) -> Result<Submitted, ReviewError> {
    let submitted = conn.write_transaction(|conn| {
        assignments::lock_reviewer(conn, reviewer)?;
        let (assignment, mut locked) =
            assignments::locked_by_code(conn, reviewer, code)?.ok_or(ReviewError::NotFound)?;
        match assignment.status {
            AssignmentStatus::Submitted => return Err(ReviewError::AlreadySubmitted),
            AssignmentStatus::Skipped => return Err(ReviewError::Finished),
            // An expired one is judged by the free slots below, like a run-out active one.
            AssignmentStatus::Active | AssignmentStatus::Expired => {}
        }
        let at = now();
        // A gold lease holds no slot, so nobody can have taken it over; nor does a dispute's
        // re-review, which is linked below only while its dispute still waits for one.
        let holds_slot = !assignment.gold && assignment.dispute_id.is_none();
        if holds_slot && !assignment.is_live(at) {
            // Its own (run-out) lease still counts while it is marked active.
            let own = i64::from(assignment.status == AssignmentStatus::Active);
            if pool::free_slots(conn, &assignment.recording_id)? + own <= 0 {
                return Err(ReviewError::LeaseLost);
            }
        }
        let (duration_ms, version_id): (Option<i64>, ScriptVersionId) = recordings::table
            .find(&assignment.recording_id)
            .select((recordings::duration_ms, recordings::script_version_id))
            .first(conn)?;
        let duration_ms = duration_ms.unwrap_or(0);
        let steps = version_steps(conn, &version_id)?;

        let mut general = Vec::new();
        let heard = match heard
            .map(|ranges| heard::clean(ranges, duration_ms))
            .transpose()
        {
            Ok(heard) => heard,
            Err(problem) => {
                general.push(problem);
                None
            }
        };
        if general.is_empty() {
            let min_heard_percent = match heard {
                Some(_) => OrgSettings::load(conn)?.min_heard_percent,
                None => 0,
            };
            general.extend(listen_problem(
                &assignment,
                duration_ms,
                heard.as_ref(),
                min_listen_ratio,
                min_heard_percent,
                at,
            ));
        }
        let clean = match check_verdicts(&steps, duration_ms, input) {
            Ok(clean) if general.is_empty() => clean,
            Ok(_) => {
                let verdicts = Vec::new();
                return Err(ReviewError::Invalid { general, verdicts });
            }
            Err(verdicts) => return Err(ReviewError::Invalid { general, verdicts }),
        };

        let script_id: ScriptId = script_versions::table
            .find(&version_id)
            .select(script_versions::script_id)
            .first(conn)?;
        let review_id = ReviewId::random();
        diesel::insert_into(reviews::table)
            .values((
                reviews::id.eq(&review_id),
                reviews::assignment_id.eq(&assignment.id),
                reviews::recording_id.eq(&assignment.recording_id),
                reviews::reviewer_id.eq(reviewer),
                reviews::script_version_id.eq(&version_id),
                reviews::submitted_at.eq(at),
                reviews::gold.eq(assignment.gold),
                reviews::heard_ms.eq(heard.as_ref().map(Heard::ms)),
                reviews::heard_ranges.eq(heard.as_ref().map(Heard::encode)),
                reviews::dispute_id.eq(&assignment.dispute_id),
            ))
            .execute(conn)?;
        if let Some(dispute) = &assignment.dispute_id
            && !contest::link_re_review(conn, dispute, &review_id)?
            && !assignment.is_live(at)
        {
            // The lease ran out and the dispute got its re-review from someone else.
            return Err(ReviewError::LeaseLost);
        }
        let ids: Vec<VerdictId> = clean.iter().map(|_| VerdictId::random()).collect();
        let rows: Vec<_> = clean
            .iter()
            .zip(&ids)
            .map(|(verdict, id)| {
                (
                    verdicts::id.eq(id),
                    verdicts::review_id.eq(&review_id),
                    verdicts::step_id.eq(&verdict.step.id),
                    verdicts::step_key.eq(&verdict.step.key),
                    verdicts::verdict.eq(verdict.verdict.as_str()),
                    verdicts::comment.eq(&verdict.comment),
                    verdicts::at_ms.eq(verdict.at_ms),
                )
            })
            .collect();
        // MultiConnection has no multi-row INSERT: one statement per row.
        for row in rows {
            diesel::insert_into(verdicts::table)
                .values(row)
                .execute(conn)?;
        }
        // On a gold call the owner knows the answers: a `missing` is only a possible gap where
        // the key did not already say so.
        let known_missing: Vec<String> = if assignment.gold {
            gold::key(conn, &assignment.recording_id)?
                .map(|key| key.answers)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.verdict == gold::GoldAnswer::Missing)
                .map(|a| a.step_key)
                .collect()
        } else {
            Vec::new()
        };
        let found: Vec<gaps::Found> = clean
            .iter()
            .zip(&ids)
            .filter(|(verdict, _)| verdict.verdict == Verdict::Missing)
            .filter(|(verdict, _)| !known_missing.contains(&verdict.step.key))
            .map(|(verdict, id)| gaps::Found {
                verdict_id: id,
                step_key: &verdict.step.key,
            })
            .collect();
        let gap_count = gaps::open(
            conn,
            &assignment.recording_id,
            (&script_id, &version_id),
            &found,
            at,
        )?;
        Recording::recount_reviews(conn, &assignment.recording_id)?;
        assignments::mark_submitted(conn, &assignment.id, at)?;
        if holds_slot {
            // With dynamic overlap: finished, or one more review.
            overlap::settle(conn, &assignment.recording_id)?;
        }
        pool::refresh_locked(conn, &mut locked, &assignment.recording_id)?;
        if assignment.gold {
            let settings = OrgSettings::load(conn)?;
            gold::check_pause(conn, reviewer, &settings)?;
        }
        // Paid at the rates in force now, in the same transaction as the review itself.
        let accrual = crate::pay::ledger::Accrual {
            review: &review_id,
            reviewer,
            script: &script_id,
            duration_ms,
            at,
        };
        crate::pay::ledger::accrue(conn, accrual, |conn| {
            let accuracy = gold::accuracies(conn, std::slice::from_ref(reviewer))?.remove(reviewer);
            Ok(accuracy.and_then(|a| a.value.map(|share| (a.scored, share))))
        })?;
        Ok(Submitted {
            review_id,
            gaps: gap_count,
        })
    });
    if submitted.is_ok() {
        crate::metrics::review();
    }
    submitted
}

/// The most characters of a rejection's reason.
pub const MAX_REJECT_REASON_CHARS: usize = 1000;

/// What a rejection or restore changed, for the answer and the page's notice.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    pub review_id: ReviewId,
    pub recording_id: RecordingId,
    pub status: ReviewStatus,
}

/// The owner rejects a review, with a reason the reviewer will read: from then on it counts
/// nowhere (consensus, scores, gaps, gold accuracy, earnings), and the call needs one more
/// review, which goes back to the pool for a reviewer who has not had the call. Audited.
pub fn reject(
    conn: &mut DbConnection,
    owner: &UserId,
    review: &ReviewId,
    reason: &str,
) -> Result<Judged, ReviewError> {
    let reason = reason.trim();
    let problem = if reason.is_empty() {
        Some(FieldProblem::new("reason", "required"))
    } else if reason.chars().count() > MAX_REJECT_REASON_CHARS {
        Some(FieldProblem::new("reason", "too_long").with("max", MAX_REJECT_REASON_CHARS))
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(ReviewError::Invalid {
            general: vec![problem],
            verdicts: Vec::new(),
        });
    }
    judge(conn, owner, review, Some(reason))
}

/// The owner takes a rejection back: the review counts again as it did before. When the
/// call's replacement review is already in (or under way), both are kept: the call's
/// required reviews grow to hold them, so no review or lease is ever over the call's need.
/// Audited.
pub fn restore(
    conn: &mut DbConnection,
    owner: &UserId,
    review: &ReviewId,
) -> Result<Judged, ReviewError> {
    judge(conn, owner, review, None)
}

/// Rejects (with the reason) or restores (`None`) one review, and recounts its call.
fn judge(
    conn: &mut DbConnection,
    owner: &UserId,
    review: &ReviewId,
    reason: Option<&str>,
) -> Result<Judged, ReviewError> {
    conn.write_transaction(|conn| {
        let recording_id: RecordingId = reviews::table
            .find(review)
            .select(reviews::recording_id)
            .first(conn)?;
        // Its call's shard first, as in every transaction that ends in a pool refresh.
        let mut locked = pool::lock_for(conn, &recording_id)?;
        let status: ReviewStatus = reviews::table
            .find(review)
            .select(reviews::status)
            .first(conn)?;
        let at = now();
        let (to, action) = match (reason, status) {
            (Some(_), ReviewStatus::Rejected) => return Err(ReviewError::AlreadyRejected),
            (None, ReviewStatus::Accepted) => return Err(ReviewError::NotRejected),
            (Some(_), ReviewStatus::Accepted) => (ReviewStatus::Rejected, "review.reject"),
            (None, ReviewStatus::Rejected) => (ReviewStatus::Accepted, "review.restore"),
        };
        let rejected = reason.is_some();
        diesel::update(reviews::table.find(review))
            .set((
                reviews::status.eq(to),
                reviews::rejected_at.eq(rejected.then_some(at)),
                reviews::rejected_by.eq(rejected.then_some(owner)),
                reviews::reject_reason.eq(reason),
            ))
            .execute(conn)?;
        contest::review_judged(conn, review, to)?;
        // The money follows: a reversing entry, or the review's first amount again.
        match reason {
            Some(reason) => crate::pay::ledger::reverse(conn, review, owner, reason, at)?,
            None => crate::pay::ledger::reinstate(conn, review, owner, at)?,
        }
        Recording::recount_reviews(conn, &recording_id)?;
        let raised = if rejected {
            None
        } else {
            Recording::make_room(conn, &recording_id)?
        };
        pool::refresh_locked(conn, &mut locked, &recording_id)?;
        audit::record(
            conn,
            Some(owner),
            action,
            "review",
            review.as_str(),
            serde_json::json!({
                "recording_id": recording_id,
                "reason": reason,
                "reviews_required_raised_to": raised,
            }),
        )?;
        Ok(Judged {
            review_id: review.clone(),
            recording_id,
            status: to,
        })
    })
}

/// The owner looked at a flagged review and keeps it: it leaves the list of reviews to
/// check (again is harmless). A rejected review is refused (reject and restore decide it).
pub fn mark_checked(
    conn: &mut DbConnection,
    owner: &UserId,
    review: &ReviewId,
) -> Result<Timestamp, ReviewError> {
    conn.write_transaction(|conn| {
        // One conditional write: of owners keeping it at once, or one keeping while another
        // rejects, exactly one change lands (and is audited).
        let at = now();
        let kept = diesel::update(
            reviews::table
                .find(review)
                .filter(reviews::status.eq(ReviewStatus::Accepted))
                .filter(reviews::checked_at.is_null()),
        )
        .set((reviews::checked_at.eq(at), reviews::checked_by.eq(owner)))
        .execute(conn)?;
        if kept == 0 {
            let (status, checked): (ReviewStatus, Option<Timestamp>) = reviews::table
                .find(review)
                .select((reviews::status, reviews::checked_at))
                .first(conn)?;
            return match (status, checked) {
                (ReviewStatus::Rejected, _) => Err(ReviewError::AlreadyRejected),
                (_, Some(at)) => Ok(at),
                (_, None) => Err(ReviewError::NotFound),
            };
        }
        audit::record(
            conn,
            Some(owner),
            "review.checked",
            "review",
            review.as_str(),
            serde_json::json!({}),
        )?;
        Ok(at)
    })
}

/// Marks the feedback on one of the operator's own reviewed calls as read; anything else
/// (another operator's call, one still being reviewed, a login with no operator record) is
/// "not found".
pub async fn acknowledge_own(
    db: &Db,
    operator: Option<OperatorId>,
    id: String,
) -> Result<(), ReviewError> {
    let operator = operator.ok_or(ReviewError::NotFound)?;
    let id = RecordingId::from_raw(id);
    let found = db
        .run(move |conn| Ok::<_, ReviewError>(Recording::acknowledge(conn, &operator, &id)?))
        .await?;
    if found {
        Ok(())
    } else {
        Err(ReviewError::NotFound)
    }
}
