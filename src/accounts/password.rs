//! Password hashing with argon2id (the crate's defaults follow the OWASP recommendation).
//! Unknown logins are checked against a dummy hash so a response's timing does not reveal
//! whether a login exists.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AccountError;
use crate::validation::FieldProblem;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 1024;

/// Checks the password policy; `field` names the form field for the message.
pub fn validate(field: &str, password: &str) -> Result<(), FieldProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(FieldProblem::new(field, "too_short").with("min", MIN_LENGTH));
    }
    if length > MAX_LENGTH {
        return Err(FieldProblem::new(field, "too_long").with("max", MAX_LENGTH));
    }
    Ok(())
}

/// An argon2id PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash(password: &str) -> Result<String, AccountError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AccountError::Crypto(e.to_string()))
}

pub fn verify(password: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored_hash)
        .is_ok()
}

/// Spends the same time as a real check, for logins that do not exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("not a real password, only for timing").unwrap_or_default());
    let _ = verify(password, &DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash("correct horse").unwrap();
        let second = hash("correct horse").unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second, "salted");
        assert!(verify("correct horse", &first));
        assert!(!verify("wrong horse", &first));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn policy_names_the_field() {
        assert_eq!(validate("password", "short").unwrap_err().code, "too_short");
        assert!(validate("password", "long enough").is_ok());
        assert_eq!(
            validate("password", &"x".repeat(1025)).unwrap_err().code,
            "too_long"
        );
    }
}
