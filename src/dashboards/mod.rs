//! The read models: what the people of the product read, assembled from the tables the
//! domains write. The owner's overview of a period, the operator's feed of reviewed calls
//! and its trend, the reviewer's history and earnings, and the owner's start-page progress.
//! Nothing here writes; `reviews`, `gaps` and `recordings` keep the write paths.

pub mod agreement;
pub mod answers;
pub mod call_reviews;
pub mod effect;
pub mod flags;
pub mod funnel;
pub mod operator;
pub mod overview;
pub mod period;
pub mod reviewer;
pub mod reviewers;
pub mod start;
pub mod win_back;

use crate::db::DbError;
use crate::validation::FieldProblem;

/// What can go wrong reading a dashboard.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// Nothing to show the asker under that id (absent, or not theirs).
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(DashboardError);
