//! Why a review, or an owner's action on one, was not taken: the reviews domain's error,
//! mapped to HTTP once at the edge.

use super::validate::VerdictProblem;
use crate::db::DbError;
use crate::validation::FieldProblem;

/// Why a review was not taken. A page tells a lost lease from a review sent twice by these
/// variants.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Problems with the review as a whole (sent too soon) and with its verdicts, step by step.
    #[error("invalid review: {general:?} {verdicts:?}")]
    Invalid {
        general: Vec<FieldProblem>,
        verdicts: Vec<VerdictProblem>,
    },
    /// No such code, or not the reviewer's.
    #[error("no such assignment")]
    NotFound,
    #[error("the review was already sent")]
    AlreadySubmitted,
    /// The call was given back (skipped).
    #[error("the assignment is finished")]
    Finished,
    /// The lease ran out and someone else took the freed slot.
    #[error("the lease ran out and the call went to someone else")]
    LeaseLost,
    /// The call is not ready with all its reviews in (to be made gold).
    #[error("the call is not reviewed yet")]
    NotReviewed,
    #[error("the review is already rejected")]
    AlreadyRejected,
    #[error("the review is not rejected")]
    NotRejected,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ReviewError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => ReviewError::NotFound,
            other => ReviewError::Db(DbError::Query(other)),
        }
    }
}
