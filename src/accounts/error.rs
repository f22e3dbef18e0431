//! What can go wrong with accounts (the edge maps it to HTTP in `crate::error`).

use crate::db::DbError;
use crate::validation::FieldProblem;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("wrong login or password")]
    BadCredentials,
    /// Too many failed sign-ins from this login or address; the next try is allowed then.
    #[error("too many sign-in attempts, retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("invite link is unknown, used, revoked or expired")]
    InviteInvalid,
    #[error("not found")]
    NotFound,
    #[error("an owner cannot deactivate their own account")]
    CannotDeactivateSelf,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("password hashing or token signing failed: {0}")]
    Crypto(String),
}

crate::domain_error!(AccountError);
