//! Whether a review counts, and the filter of the reviews that do: the bottom of the reviews
//! domain, which the recordings, gaps and dashboards read without the write path above it.

use diesel::prelude::*;

use crate::db::schema::reviews;

crate::text_enum! {
    /// Whether a review counts: `rejected` by an owner (with a reason, reversibly), it
    /// counts nowhere: not in the consensus, scores, gaps, gold accuracy or earnings.
    ReviewStatus {
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

/// The filter of the reviews that make a call's figures (consensus, scores, operator
/// feedback): accepted, not a reviewer's review of a gold (control) call, and not the blind
/// re-review of a dispute (which the owner weighs by hand).
pub type Counted = diesel::dsl::And<
    diesel::dsl::And<
        diesel::dsl::Eq<reviews::status, ReviewStatus>,
        diesel::dsl::Eq<reviews::gold, bool>,
    >,
    diesel::dsl::IsNull<reviews::dispute_id>,
>;

pub fn counted() -> Counted {
    reviews::status
        .eq(ReviewStatus::Accepted)
        .and(reviews::gold.eq(false))
        .and(reviews::dispute_id.is_null())
}
