//! Where an owner stands: what is set up (a published script, operators, reviewers, calls)
//! and what waits for them (calls still being reviewed, open gaps). The owner's start page
//! shows it as a checklist first and a summary once everything is in place.

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::accounts::Role;
use crate::db::DbConnection;
use crate::db::schema::{gaps, operators, recordings, script_versions, users};
use crate::recordings::RecordingStatus;

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub published_scripts: i64,
    pub operators: i64,
    pub reviewers: i64,
    pub recordings: i64,
    /// Ready calls that still need reviews.
    pub awaiting_review: i64,
    /// Calls with all their reviews in.
    pub reviewed: i64,
    pub open_gaps: i64,
    /// Active reviewers paused (by the gold check or by hand): no new calls until resumed.
    pub paused_reviewers: i64,
    /// Reviewers whose payout details changed since the last pay period was closed.
    pub payout_changes: usize,
    /// Every setup step is done.
    pub set_up: bool,
}

pub fn progress(conn: &mut DbConnection) -> QueryResult<Progress> {
    let published_scripts = script_versions::table
        .select(diesel::dsl::count(script_versions::script_id).aggregate_distinct())
        .first(conn)?;
    let operators = operators::table.select(count_star()).first(conn)?;
    let reviewers = users::table
        .filter(users::role.eq(Role::Reviewer))
        .filter(users::active.eq(true))
        .select(count_star())
        .first(conn)?;
    let paused_reviewers = users::table
        .filter(users::role.eq(Role::Reviewer))
        .filter(users::active.eq(true))
        .filter(users::paused_at.is_not_null())
        .select(count_star())
        .first(conn)?;
    let recordings_count = recordings::table.select(count_star()).first(conn)?;
    let awaiting_review = recordings::table
        .filter(recordings::status.eq(RecordingStatus::Ready))
        .filter(recordings::reviews_done.lt(recordings::reviews_required))
        .select(count_star())
        .first(conn)?;
    let reviewed = recordings::table
        .filter(recordings::reviews_done.ge(recordings::reviews_required))
        .select(count_star())
        .first(conn)?;
    let open_gaps = gaps::table
        .filter(gaps::status.eq("open"))
        .filter(gaps::verdict_id.eq_any(crate::gaps::standing()))
        .select(count_star())
        .first(conn)?;
    Ok(Progress {
        set_up: published_scripts > 0 && operators > 0 && reviewers > 0 && recordings_count > 0,
        published_scripts,
        operators,
        reviewers,
        recordings: recordings_count,
        awaiting_review,
        reviewed,
        open_gaps,
        paused_reviewers,
        payout_changes: crate::pay::details::changed_since_last_close(conn)?.len(),
    })
}
