//! Paying reviewers. Every accepted review puts an entry in the ledger at the rates in force
//! when it was sent; a rejection adds a reversing entry, a restore a new one, and an owner
//! adds bonuses and deductions with a reason: entries are only ever added, never edited or
//! deleted, and amounts are integers in minor units (cents, kopecks). An owner closes a
//! period (every open entry up to a moment is frozen into it with each reviewer's total),
//! approves it and marks it paid; the period's payout registry and the whole ledger export
//! as CSV and XLSX. Reviewers enter where they are paid ([`details`]) and read their own
//! money ([`earnings`]).

pub mod details;
pub mod earnings;
pub mod export;
pub mod ledger;
pub mod money;
pub mod periods;
pub mod settings;

use crate::db::DbError;
use crate::validation::FieldProblem;

pub use money::{format_minor, parse_minor};
pub use settings::PaySettings;

crate::text_enum! {
    /// What an entry is for.
    EntryKind {
        /// An accepted review, at the rates in force when it was sent.
        Review = "review",
        /// A rejected review's money taken back.
        Reversal = "reversal",
        /// A restored review's money given again (at its first entry's amount).
        Reinstatement = "reinstatement",
        /// Added by an owner, with a reason.
        Bonus = "bonus",
        Deduction = "deduction",
    }
}

crate::text_enum! {
    /// Where a closed period stands; the open period (entries not yet closed) has no row.
    PeriodStatus {
        Closed = "closed",
        Approved = "approved",
        Paid = "paid",
    }
}

/// What can go wrong with pay.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("not found")]
    NotFound,
    /// No open entry up to the moment asked: nothing for a new period.
    #[error("nothing to close")]
    NothingToClose,
    /// Another owner closed a period at the same moment; this close changed nothing.
    #[error("a period was closed at the same time")]
    ClosedMeanwhile,
    #[error("the period is not approved yet")]
    NotApproved,
    #[error("the period is already paid")]
    AlreadyPaid,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(PayError);
