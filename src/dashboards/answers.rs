//! Every answer of a period, for the owner's own analysis: one row per verdict (the call, its
//! operator, the script version, the step, the reviewer's pseudonym, the verdict, the comment,
//! when the review was sent, and whether it counts). Read a page of reviews at a time, in the
//! order they were sent, so an export of a million rows holds one page in memory
//! ([`Pages`]); the HTTP edge streams each page as it is read.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::ids::{ReviewId, ScriptId};
use crate::db::schema::{
    operators, recordings, reviews, script_versions, scripts, steps, verdicts,
};
use crate::db::time::Timestamp;

/// Which answers: reviews sent in `from..to`, of one script or all.
#[derive(Debug, Clone)]
pub struct AnswerFilter {
    pub from: Timestamp,
    pub to: Timestamp,
    pub script: Option<ScriptId>,
}

/// One answer.
#[derive(Debug, Clone, Queryable)]
pub struct AnswerRow {
    pub submitted_at: Timestamp,
    pub review_id: ReviewId,
    pub recording_id: String,
    pub operator: String,
    pub script: String,
    pub version: i32,
    pub position: i32,
    pub step_key: String,
    /// The reviewer's id: stable across the export, never their name.
    pub reviewer: String,
    pub verdict: String,
    pub comment: Option<String>,
    /// `accepted`, `pending`, `rejected`…: whether the review counts.
    pub review_status: String,
}

/// Where the next page starts: after this review.
type Cursor = (Timestamp, ReviewId);

/// The pages of an export, read one at a time.
pub struct Pages {
    filter: AnswerFilter,
    after: Option<Cursor>,
    done: bool,
    per_page: i64,
}

impl Pages {
    /// `per_page`: reviews read at a time (at least one).
    pub fn new(filter: AnswerFilter, per_page: i64) -> Pages {
        Pages {
            filter,
            after: None,
            done: false,
            per_page: per_page.max(1),
        }
    }

    /// The next page's answers; `None` once every review was read.
    pub fn next_page(&mut self, conn: &mut DbConnection) -> QueryResult<Option<Vec<AnswerRow>>> {
        if self.done {
            return Ok(None);
        }
        let ids = self.review_page(conn)?;
        if (ids.len() as i64) < self.per_page {
            self.done = true;
        }
        let Some(last) = ids.last().cloned() else {
            return Ok(None);
        };
        self.after = Some(last);
        let ids: Vec<ReviewId> = ids.into_iter().map(|(_, id)| id).collect();
        verdicts::table
            .inner_join(reviews::table.on(reviews::id.eq(verdicts::review_id)))
            .inner_join(recordings::table.on(recordings::id.eq(reviews::recording_id)))
            .inner_join(operators::table.on(operators::id.eq(recordings::operator_id)))
            .inner_join(
                script_versions::table.on(script_versions::id.eq(reviews::script_version_id)),
            )
            .inner_join(scripts::table.on(scripts::id.eq(script_versions::script_id)))
            .inner_join(steps::table.on(steps::id.eq(verdicts::step_id)))
            .filter(verdicts::review_id.eq_any(ids))
            .order((
                reviews::submitted_at,
                reviews::id,
                steps::position,
                verdicts::id,
            ))
            .select((
                reviews::submitted_at,
                reviews::id,
                recordings::id,
                operators::name,
                scripts::name,
                script_versions::number,
                steps::position,
                verdicts::step_key,
                reviews::reviewer_id,
                verdicts::verdict,
                verdicts::comment,
                reviews::status,
            ))
            .load(conn)
            .map(Some)
    }

    /// The next reviews in the order they were sent (keyset: after the last one read).
    fn review_page(&self, conn: &mut DbConnection) -> QueryResult<Vec<Cursor>> {
        let mut query = reviews::table
            .filter(reviews::submitted_at.ge(self.filter.from))
            .filter(reviews::submitted_at.lt(self.filter.to))
            .select((reviews::submitted_at, reviews::id))
            .order((reviews::submitted_at, reviews::id))
            .limit(self.per_page)
            .into_boxed();
        if let Some(script) = &self.filter.script {
            let versions = script_versions::table
                .filter(script_versions::script_id.eq(script.clone()))
                .select(script_versions::id);
            query = query.filter(reviews::script_version_id.eq_any(versions));
        }
        if let Some((at, id)) = &self.after {
            query = query.filter(
                reviews::submitted_at.gt(*at).or(reviews::submitted_at
                    .eq(*at)
                    .and(reviews::id.gt(id.clone()))),
            );
        }
        query.load(conn)
    }
}
