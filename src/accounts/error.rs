//! What can go wrong with accounts (the edge maps it to HTTP in `crate::error`).

use crate::db::DbError;
use crate::validation::FieldProblem;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    #[error("wrong login or password")]
    BadCredentials,
    #[error("invite link is unknown, used, revoked or expired")]
    InviteInvalid,
    #[error("not found")]
    NotFound,
    #[error("an owner cannot deactivate their own account")]
    CannotDeactivateSelf,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

crate::domain_error!(AccountError);
