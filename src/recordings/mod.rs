//! Recordings: one call's audio and metadata. The original is kept for the owner; reviewers
//! get the anonymized copy that the processing jobs build. A recording is bound at upload to
//! the script version then current, and graded against it forever.
//!
//! - [`store`]: the files on disk;
//! - [`intake`]: accepting a new recording (validated metadata, a stored original, a job);
//! - [`jobs`]: the database-backed job queue; [`worker`]: the pool that runs it;
//!   [`identity`]: which process holds which claims, so a restart takes back its own;
//! - [`import`]: bulk import from a folder (Asterisk/FreePBX names, CSV manifest);
//! - [`status`]: where a recording is in its processing (read by the reviewer pool).

pub mod identity;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod outcome;
pub mod remote;
pub mod status;
pub mod store;
pub mod view;
pub mod worker;

pub use status::RecordingStatus;

use diesel::prelude::*;
use serde::Serialize;

use crate::assignments::pool;
use crate::audio::{Redaction, RedactionMode, VoiceMode};
use crate::db::ids::{OperatorId, RecordingId, ScriptId, ScriptVersionId, UserId};
use crate::db::schema::{operators, recordings, redactions, script_versions};
use crate::db::time::{Timestamp, now};
use crate::db::{DbConnection, DbError};
use crate::org_settings::OrgSettings;
use crate::validation::FieldProblem;

/// What can go wrong receiving, viewing or changing a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// No such recording, or not one the asker may see.
    #[error("no such recording")]
    NotFound,
    /// The asker's role may never see recordings (reviewers hear only their assigned calls).
    #[error("recordings are not shown to this role")]
    Forbidden,
    /// An uploaded file passed the size limit.
    #[error("the file is too large")]
    TooLarge,
    /// The audio store could not keep or read a file.
    #[error("audio store: {0}")]
    Storage(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(RecordingError);

impl RecordingError {
    pub fn storage(cause: impl std::fmt::Display) -> Self {
        RecordingError::Storage(cause.to_string())
    }
}

crate::text_enum! {
    /// Who called whom.
    Direction {
        Inbound = "inbound",
        Outbound = "outbound",
    }
}

crate::text_enum! {
    /// What the owner's list of recordings can be ordered by.
    RecordingSort {
        Uploaded = "uploaded",
        Operator = "operator",
        File = "file",
        Duration = "duration",
        Status = "status",
        Reviews = "reviews",
    }
}

/// The order of a list of recordings: a column and a direction (newest first by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingOrder {
    pub by: RecordingSort,
    pub descending: bool,
}

impl RecordingOrder {
    /// `desc` or `asc`, as a query writes it.
    pub fn dir(self) -> &'static str {
        if self.descending { "desc" } else { "asc" }
    }
}

impl Default for RecordingOrder {
    fn default() -> Self {
        RecordingOrder {
            by: RecordingSort::Uploaded,
            descending: true,
        }
    }
}

crate::text_enum! {
    /// What replaces an owner-marked range in the reviewer copy.
    RedactionKind {
        Silence = "silence",
        Bleep = "bleep",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recordings)]
pub struct Recording {
    pub id: RecordingId,
    pub operator_id: OperatorId,
    pub script_version_id: ScriptVersionId,
    pub status: RecordingStatus,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub original_name: String,
    pub original_file: String,
    pub content_sha256: String,
    pub size_bytes: i64,
    pub duration_ms: Option<i64>,
    pub channels: Option<i32>,
    pub sample_rate: Option<i32>,
    pub called_at: Option<Timestamp>,
    pub direction: Option<Direction>,
    pub customer_number: Option<String>,
    pub voice_mode: String,
    /// `left` or `right` when only that side of a stereo call was disguised.
    pub voice_channel: Option<String>,
    pub anonymized_file: Option<String>,
    pub peaks_file: Option<String>,
    pub reviews_required: i32,
    pub reviews_done: i32,
    /// Dynamic overlap's bounds, copied from the script at upload; `None`: fixed overlap.
    pub reviews_min: Option<i32>,
    pub reviews_max: Option<i32>,
    /// Sampling: `None` = reviewed; held in its period's sample, or left out.
    pub sample: Option<crate::sampling::Sample>,
    pub acknowledged_at: Option<Timestamp>,
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
    pub ready_at: Option<Timestamp>,
}

/// A range the owner marked, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = redactions)]
pub struct RedactionRange {
    pub start_ms: i64,
    pub end_ms: i64,
    pub mode: RedactionKind,
}

impl RedactionRange {
    pub fn to_audio(&self) -> Redaction {
        Redaction {
            start_ms: u64::try_from(self.start_ms).unwrap_or(0),
            end_ms: u64::try_from(self.end_ms).unwrap_or(0),
            mode: match self.mode {
                RedactionKind::Silence => RedactionMode::Silence,
                RedactionKind::Bleep => RedactionMode::Bleep,
            },
        }
    }
}

/// The script a recording is graded against: which script and which version number.
#[derive(Debug, Clone, Serialize)]
pub struct BoundVersion {
    pub script_id: ScriptId,
    pub number: i32,
}

/// Filters of the owner's recordings list.
#[derive(Debug, Clone, Default)]
pub struct RecordingFilter {
    pub order: RecordingOrder,
    pub operator_id: Option<OperatorId>,
    pub status: Option<RecordingStatus>,
    /// Uploaded at or after.
    pub from: Option<Timestamp>,
    /// Uploaded before.
    pub until: Option<Timestamp>,
    /// Called (or uploaded, when the call time is unknown) at or after: the day a call counts
    /// for on the overview.
    pub called_from: Option<Timestamp>,
    /// Called (or uploaded, when unknown) before.
    pub called_until: Option<Timestamp>,
    /// Bound to a version of this script.
    pub script_id: Option<ScriptId>,
    /// What the counted reviews found, on `step_key` when given (on any step otherwise).
    pub problem: Option<Problem>,
    /// Alone: a counted review graded this step.
    pub step_key: Option<String>,
}

crate::text_enum! {
    /// A call the owner should look at, by what its counted reviews say.
    Problem {
        /// A reviewer marked a step incorrect.
        Incorrect = "incorrect",
        /// Reviewers gave one step different verdicts.
        Disagreement = "disagreement",
    }
}

/// The most recordings one list returns.
pub const LIST_LIMIT: i64 = 500;

/// The most redaction ranges one recording may carry.
pub const MAX_REDACTIONS: usize = 500;

/// `query` narrowed to what `filter` asks for (shared by the list and its count).
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let filter: &RecordingFilter = $filter;
        let mut query = $query;
        if let Some(operator) = &filter.operator_id {
            query = query.filter(recordings::operator_id.eq(operator));
        }
        if let Some(status) = filter.status {
            query = query.filter(recordings::status.eq(status));
        }
        if let Some(from) = filter.from {
            query = query.filter(recordings::created_at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(recordings::created_at.lt(until));
        }
        if let Some(from) = filter.called_from {
            query = query.filter(
                recordings::called_at.ge(from).or(recordings::called_at
                    .is_null()
                    .and(recordings::created_at.ge(from))),
            );
        }
        if let Some(until) = filter.called_until {
            query = query.filter(
                recordings::called_at.lt(until).or(recordings::called_at
                    .is_null()
                    .and(recordings::created_at.lt(until))),
            );
        }
        if let Some(script) = &filter.script_id {
            query = query.filter(
                recordings::script_version_id.eq_any(
                    script_versions::table
                        .filter(script_versions::script_id.eq(script))
                        .select(script_versions::id),
                ),
            );
        }
        if filter.problem.is_some() || filter.step_key.is_some() {
            use diesel::dsl::sql;
            use diesel::sql_types::{Bool, Text};
            let (head, tail) = problem_sql(filter.problem, filter.step_key.is_some());
            query = match &filter.step_key {
                Some(key) => {
                    query.filter(sql::<Bool>(&head).bind::<Text, _>(key.clone()).sql(&tail))
                }
                None => query.filter(sql::<Bool>(&(head + &tail))),
            };
        }
        query
    }};
}

/// The condition "a counted review of the call shows `problem`" (any review with a verdict
/// when `None`), on the step bound between the two parts when `on_step`. Written as SQL: a
/// grouped subquery cannot be boxed for both backends at once. Only constant words go in;
/// the step key is a bound parameter.
fn problem_sql(problem: Option<Problem>, on_step: bool) -> (String, String) {
    use crate::reviews::status::ReviewStatus;
    use crate::reviews::verdict::Verdict;
    // The SQL of `crate::reviews::counted()`.
    let mut head = format!(
        "recordings.id IN (SELECT r.recording_id FROM reviews r \
         JOIN verdicts v ON v.review_id = r.id \
         WHERE r.status = '{}' AND NOT r.gold",
        ReviewStatus::Accepted.as_str()
    );
    if problem == Some(Problem::Incorrect) {
        head += &format!(" AND v.verdict = '{}'", Verdict::Incorrect.as_str());
    }
    if on_step {
        head += " AND v.step_key = ";
    }
    let tail = match problem {
        Some(Problem::Disagreement) => {
            " GROUP BY r.recording_id, v.step_key HAVING COUNT(DISTINCT v.verdict) > 1)"
        }
        _ => ")",
    };
    (head, tail.to_owned())
}

impl Recording {
    pub fn find(conn: &mut DbConnection, id: &RecordingId) -> QueryResult<Option<Recording>> {
        recordings::table
            .find(id)
            .select(Recording::as_select())
            .first(conn)
            .optional()
    }

    /// The recordings `filter` lets through, in its order, `limit` of them from `offset` on
    /// (the id breaks ties, so pages never overlap or skip a row).
    pub fn list(
        conn: &mut DbConnection,
        filter: &RecordingFilter,
        offset: i64,
        limit: i64,
    ) -> QueryResult<Vec<Recording>> {
        let query = filtered!(
            recordings::table.inner_join(operators::table).into_boxed(),
            filter
        );
        let RecordingOrder { by, descending } = filter.order;
        macro_rules! ordered {
            ($query:expr, $column:expr) => {
                if descending {
                    $query.order(($column.desc(), recordings::id.desc()))
                } else {
                    $query.order(($column.asc(), recordings::id.asc()))
                }
            };
        }
        let query = match by {
            RecordingSort::Uploaded => ordered!(query, recordings::created_at),
            RecordingSort::Operator => ordered!(query, operators::name),
            RecordingSort::File => ordered!(query, recordings::original_name),
            RecordingSort::Duration => ordered!(query, recordings::duration_ms),
            RecordingSort::Status => ordered!(query, recordings::status),
            RecordingSort::Reviews => ordered!(query, recordings::reviews_done),
        };
        query
            .offset(offset)
            .limit(limit)
            .select(Recording::as_select())
            .load(conn)
    }

    /// How many recordings `filter` lets through.
    pub fn count(conn: &mut DbConnection, filter: &RecordingFilter) -> QueryResult<i64> {
        filtered!(recordings::table.into_boxed(), filter)
            .count()
            .get_result(conn)
    }

    /// Whether a file with this content was already taken in.
    pub fn exists_with_content(conn: &mut DbConnection, sha256: &str) -> QueryResult<bool> {
        Ok(Self::with_content(conn, sha256)?.is_some())
    }

    /// The first recording whose original has this content.
    pub fn with_content(conn: &mut DbConnection, sha256: &str) -> QueryResult<Option<RecordingId>> {
        recordings::table
            .filter(recordings::content_sha256.eq(sha256))
            .order(recordings::created_at.asc())
            .select(recordings::id)
            .first(conn)
            .optional()
    }

    pub fn bound_version(&self, conn: &mut DbConnection) -> QueryResult<BoundVersion> {
        let (script_id, number) = script_versions::table
            .find(&self.script_version_id)
            .select((script_versions::script_id, script_versions::number))
            .first::<(ScriptId, i32)>(conn)?;
        Ok(BoundVersion { script_id, number })
    }

    pub fn redactions(
        conn: &mut DbConnection,
        id: &RecordingId,
    ) -> QueryResult<Vec<RedactionRange>> {
        redactions::table
            .filter(redactions::recording_id.eq(id))
            .order(redactions::start_ms.asc())
            .select(RedactionRange::as_select())
            .load(conn)
    }

    /// Replaces the owner's marked ranges and rebuilds the reviewer copy.
    pub fn set_redactions(
        conn: &mut DbConnection,
        id: &RecordingId,
        ranges: &[RedactionRange],
    ) -> Result<(), RecordingError> {
        let problems = validate_ranges(ranges);
        if !problems.is_empty() {
            return Err(RecordingError::Invalid(problems));
        }
        conn.write_transaction(|conn| {
            // The call's shard first, as every transaction that ends in a pool refresh takes
            // it: reviewers' draws and reviews lock the shard and then the recording, so
            // locking the recording first here would deadlock with them on PostgreSQL.
            let mut locked = pool::lock_for(conn, id)?;
            if Recording::find(conn, id)?.is_none() {
                return Err(RecordingError::NotFound);
            }
            diesel::delete(redactions::table.filter(redactions::recording_id.eq(id)))
                .execute(conn)?;
            for range in ranges {
                diesel::insert_into(redactions::table)
                    .values((
                        redactions::id.eq(uuid::Uuid::new_v4().to_string()),
                        redactions::recording_id.eq(id),
                        redactions::start_ms.eq(range.start_ms),
                        redactions::end_ms.eq(range.end_ms),
                        redactions::mode.eq(range.mode),
                    ))
                    .execute(conn)?;
            }
            Recording::requeue_locked(conn, &mut locked, id)?;
            Ok(())
        })
    }

    /// Builds the reviewer copy again (after a failure, or with new ranges or settings).
    pub fn requeue(conn: &mut DbConnection, id: &RecordingId) -> QueryResult<()> {
        conn.write_transaction(|conn| {
            let mut locked = pool::lock_for(conn, id)?;
            Recording::requeue_locked(conn, &mut locked, id)
        })
    }

    /// [`Recording::requeue`] inside a transaction that holds the call's pool shard. The call leaves
    /// the pool at once (reviewers holding it are refused its audio until the new copy is
    /// ready), and its build generation moves on, so a copy still being built from the old
    /// ranges or settings is thrown away when it finishes instead of being marked ready.
    pub fn requeue_locked(
        conn: &mut DbConnection,
        locked: &mut pool::Locked,
        id: &RecordingId,
    ) -> QueryResult<()> {
        diesel::update(recordings::table.find(id))
            .set((
                recordings::status.eq(RecordingStatus::Queued),
                recordings::error.eq(None::<String>),
                recordings::error_code.eq(None::<String>),
                recordings::build_generation.eq(recordings::build_generation + 1),
            ))
            .execute(conn)?;
        jobs::enqueue(conn, id)?;
        pool::refresh_locked(conn, locked, id)
    }

    /// The build generation of a recording: what its reviewer copy must be built for.
    pub fn build_generation(conn: &mut DbConnection, id: &RecordingId) -> QueryResult<Option<i32>> {
        recordings::table
            .find(id)
            .select(recordings::build_generation)
            .first(conn)
            .optional()
    }

    /// Marks the recording as being built, unless a newer change has overtaken `generation`.
    pub fn mark_processing(
        conn: &mut DbConnection,
        id: &RecordingId,
        generation: i32,
    ) -> QueryResult<()> {
        diesel::update(
            recordings::table
                .find(id)
                .filter(recordings::build_generation.eq(generation)),
        )
        .set(recordings::status.eq(RecordingStatus::Processing))
        .execute(conn)?;
        Ok(())
    }

    /// Sets the recording's count of done reviews from its reviews that count (accepted, not
    /// gold), inside the transaction that submitted, rejected or restored one.
    pub fn recount_reviews(conn: &mut DbConnection, id: &RecordingId) -> QueryResult<()> {
        use crate::db::schema::reviews;
        let done: i64 = reviews::table
            .filter(reviews::recording_id.eq(id))
            .filter(crate::reviews::status::counted())
            .count()
            .get_result(conn)?;
        diesel::update(recordings::table.find(id))
            .set(recordings::reviews_done.eq(i32::try_from(done).unwrap_or(i32::MAX)))
            .execute(conn)?;
        Ok(())
    }

    /// Raises the reviews the call requires to its counted reviews and active (non-gold)
    /// leases, when those exceed it (a restored review beside its replacement); returns the
    /// new requirement when it was raised.
    pub fn make_room(conn: &mut DbConnection, id: &RecordingId) -> QueryResult<Option<i32>> {
        let (required, done): (i32, i32) = recordings::table
            .find(id)
            .select((recordings::reviews_required, recordings::reviews_done))
            .first(conn)?;
        let needed = i64::from(done) + pool::leased(conn, id)?;
        if needed <= i64::from(required) {
            return Ok(None);
        }
        let needed = i32::try_from(needed).unwrap_or(i32::MAX);
        diesel::update(recordings::table.find(id))
            .set(recordings::reviews_required.eq(needed))
            .execute(conn)?;
        Ok(Some(needed))
    }

    /// The operator has read the feedback on their reviewed call; `false` when it is not
    /// theirs or not yet reviewed.
    pub fn acknowledge(
        conn: &mut DbConnection,
        operator: &OperatorId,
        id: &RecordingId,
    ) -> QueryResult<bool> {
        let updated = diesel::update(
            recordings::table
                .find(id)
                .filter(recordings::operator_id.eq(operator))
                .filter(recordings::reviews_done.ge(recordings::reviews_required)),
        )
        .set(recordings::acknowledged_at.eq(now()))
        .execute(conn)?;
        Ok(updated > 0)
    }

    /// Marks the recording failed, unless a newer change has overtaken `generation` (its own
    /// job will build the copy again).
    pub fn mark_failed(
        conn: &mut DbConnection,
        id: &RecordingId,
        generation: i32,
        code: &str,
        message: &str,
    ) -> QueryResult<()> {
        diesel::update(
            recordings::table
                .find(id)
                .filter(recordings::build_generation.eq(generation)),
        )
        .set((
            recordings::status.eq(RecordingStatus::Failed),
            recordings::error.eq(message),
            recordings::error_code.eq(code),
        ))
        .execute(conn)?;
        Ok(())
    }

    /// Saves the owner's settings. When the voice disguise (or the operator's side of stereo
    /// calls) changed, every call reviewers may
    /// still be given is rebuilt with it, in the same transaction: once the change is
    /// acknowledged no copy built with the old voice can be handed out. Returns how many
    /// calls were queued for a new copy.
    pub fn save_settings(conn: &mut DbConnection, settings: &OrgSettings) -> QueryResult<usize> {
        conn.write_transaction(|conn| {
            let mut locked = pool::lock_all(conn)?;
            let before = OrgSettings::load(conn)?;
            settings.save(conn)?;
            let voice_changed = before.voice_mode != settings.voice_mode;
            // The operator's side only matters to stereo calls (and to those whose channels
            // are not known yet), and only while voices are disguised.
            let side_changed = before.operator_channel != settings.operator_channel
                && settings.voice_mode != VoiceMode::Off;
            if !voice_changed && !side_changed {
                return Ok(0);
            }
            // Gold calls too: a reviewer must not tell one by its older voice.
            let gold = crate::db::schema::gold_calls::table
                .filter(crate::db::schema::gold_calls::active.eq(true))
                .select(crate::db::schema::gold_calls::recording_id);
            let mut affected = recordings::table
                .filter(recordings::status.ne(RecordingStatus::Failed))
                .filter(
                    recordings::reviews_done
                        .lt(recordings::reviews_required)
                        .or(recordings::id.eq_any(gold)),
                )
                .select(recordings::id)
                .into_boxed();
            if !voice_changed {
                affected = affected.filter(
                    recordings::channels
                        .is_null()
                        .or(recordings::channels.eq(2)),
                );
            }
            let ids: Vec<RecordingId> = affected.load(conn)?;
            for id in &ids {
                Recording::requeue_locked(conn, &mut locked, id)?;
            }
            Ok(ids.len())
        })
    }
}

/// Problems with marked ranges: negative, empty or reversed, too many.
pub fn validate_ranges(ranges: &[RedactionRange]) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if ranges.len() > MAX_REDACTIONS {
        problems.push(FieldProblem::new("redactions", "too_many").with("max", MAX_REDACTIONS));
    }
    for (index, range) in ranges.iter().enumerate() {
        if range.start_ms < 0 || range.end_ms <= range.start_ms {
            problems.push(FieldProblem::new(
                format!("redactions[{index}]"),
                "bad_range",
            ));
        }
    }
    problems
}
