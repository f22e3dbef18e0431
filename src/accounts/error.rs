//! What can go wrong with accounts, and how it shows at the HTTP edge.

use crate::db::DbError;
use crate::error::{AppError, FieldProblem};

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

impl From<diesel::result::Error> for AccountError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => AccountError::NotFound,
            other => AccountError::Db(DbError::Query(other)),
        }
    }
}

impl From<FieldProblem> for AccountError {
    fn from(problem: FieldProblem) -> Self {
        AccountError::Invalid(vec![problem])
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(problems) => AppError::Validation(problems),
            AccountError::BadCredentials => AppError::BadCredentials,
            AccountError::InviteInvalid => AppError::Gone("invite_invalid"),
            AccountError::NotFound => AppError::NotFound,
            AccountError::CannotDeactivateSelf => AppError::Conflict("cannot_deactivate_self"),
            AccountError::Db(db) => db.into(),
            AccountError::Hashing(cause) => AppError::Internal(cause),
        }
    }
}
