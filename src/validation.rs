//! The validation vocabulary every domain speaks: a [`FieldProblem`] names one field of a
//! request and what is wrong with it, in a stable code the client can match on and a message
//! key the pages and the API translate. Domains build these without knowing about HTTP; the
//! edge turns them into `422` responses (`crate::error`).
//!
//! [`domain_error!`](crate::domain_error) gives a domain's error enum the conversions they all
//! share: a missing row is the domain's `NotFound`, any other database fault its `Db`, and a
//! single field problem its `Invalid`.

use crate::i18n::{Lang, MessageArgs};

/// One problem with one field of a request, e.g. `steps[2].title` is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// The field as the client named it: `name`, `steps[2].title`.
    pub field: String,
    /// A stable code (`required`, `too_long`, …); the message key is `invalid-<code>`.
    pub code: &'static str,
    /// Values the message mentions, such as the maximum length.
    pub args: MessageArgs,
}

impl FieldProblem {
    /// `field: code` of each problem, joined by `; `: a stored reason (a call's, an
    /// event's), stable whatever the reader's language.
    pub fn summary(problems: &[FieldProblem]) -> String {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.code))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        FieldProblem {
            field: field.into(),
            code,
            args: MessageArgs::default(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push(name, value);
        self
    }

    /// The message a person reads, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        problem_message(lang, self.code, &self.args)
    }
}

/// The message for a problem `code` with its `args`, in `lang`.
pub fn problem_message(lang: Lang, code: &str, args: &MessageArgs) -> String {
    lang.translate_with(&format!("invalid-{}", code.replace('_', "-")), args)
}

/// Gives a domain error enum with the variants `Invalid(Vec<FieldProblem>)`, `NotFound` and
/// `Db(DbError)` its conversions from diesel's error and from one [`FieldProblem`].
#[macro_export]
macro_rules! domain_error {
    ($error:ident) => {
        impl From<diesel::result::Error> for $error {
            fn from(error: diesel::result::Error) -> Self {
                match error {
                    diesel::result::Error::NotFound => $error::NotFound,
                    other => $error::Db($crate::db::DbError::Query(other)),
                }
            }
        }

        impl From<$crate::validation::FieldProblem> for $error {
            fn from(problem: $crate::validation::FieldProblem) -> Self {
                $error::Invalid(vec![problem])
            }
        }
    };
}
