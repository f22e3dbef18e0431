//! How many reviews a script's calls get: at least `min_reviews`, at most `max_reviews`
//! (dynamic overlap, see `crate::reviews::overlap`); equal bounds make the overlap fixed. A
//! new script starts at the organization's minimum and a maximum of at least
//! [`DEFAULT_MAX`]. The bounds are copied to each call at upload.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::ScriptError;
use crate::db::DbConnection;
use crate::db::ids::{ScriptId, UserId};
use crate::db::schema::scripts;
use crate::org_settings::{MAX_REVIEWS_REQUIRED, OrgSettings};
use crate::validation::FieldProblem;

/// The maximum a new script gets unless its minimum is higher.
pub const DEFAULT_MAX: i32 = 3;

/// A script's review bounds (the API's body and answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewBounds {
    pub min_reviews: i32,
    pub max_reviews: i32,
}

impl ReviewBounds {
    /// The bounds a new script starts with.
    pub fn for_new(settings: &OrgSettings) -> ReviewBounds {
        ReviewBounds {
            min_reviews: settings.reviews_required,
            max_reviews: settings.reviews_required.max(DEFAULT_MAX),
        }
    }

    /// Every problem at once: each bound in 1–20, the minimum not above the maximum.
    pub fn check(self) -> Result<ReviewBounds, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        for (field, value) in [
            ("min_reviews", self.min_reviews),
            ("max_reviews", self.max_reviews),
        ] {
            if !(1..=MAX_REVIEWS_REQUIRED).contains(&value) {
                problems.push(
                    FieldProblem::new(field, "out_of_range")
                        .with("min", 1)
                        .with("max", MAX_REVIEWS_REQUIRED),
                );
            }
        }
        if problems.is_empty() && self.min_reviews > self.max_reviews {
            problems.push(
                FieldProblem::new("max_reviews", "below_minimum").with("min", self.min_reviews),
            );
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }
}

/// The bounds of a script: what a call uploaded now copies.
pub fn load(conn: &mut DbConnection, id: &ScriptId) -> QueryResult<ReviewBounds> {
    let (min_reviews, max_reviews) = scripts::table
        .find(id)
        .select((scripts::min_reviews, scripts::max_reviews))
        .first(conn)?;
    Ok(ReviewBounds {
        min_reviews,
        max_reviews,
    })
}

/// Sets a script's bounds (for calls uploaded from now on); audited.
pub fn save(
    conn: &mut DbConnection,
    by: &UserId,
    id: &ScriptId,
    bounds: ReviewBounds,
) -> Result<ReviewBounds, ScriptError> {
    let bounds = bounds.check().map_err(ScriptError::Invalid)?;
    conn.write_transaction(|conn| {
        let before = load(conn, id)?;
        diesel::update(scripts::table.find(id))
            .set((
                scripts::min_reviews.eq(bounds.min_reviews),
                scripts::max_reviews.eq(bounds.max_reviews),
            ))
            .execute(conn)?;
        if before != bounds {
            crate::audit::record(
                conn,
                Some(by),
                "script.review_bounds",
                "script",
                id.as_str(),
                serde_json::json!({"from": before, "to": bounds}),
            )?;
        }
        Ok(bounds)
    })
}
