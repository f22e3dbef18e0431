//! The languages calls are in, and the ones each reviewer reviews.
//!
//! A script has one language (its calls are in it); a reviewer has a set of languages,
//! chosen by the owner or by the reviewer on their account. The draw only offers a reviewer
//! calls in their languages (see `crate::assignments`). A reviewer with **no** language set
//! reviews every language: that is how installations from before languages existed keep
//! working, and how a new reviewer starts until someone narrows it.
//!
//! Codes are BCP-47 primary language subtags from a fixed list ([`CallLanguage::ALL`]), the
//! same on every page, in the API and in the database.

use diesel::prelude::*;
use serde::Serialize;

use crate::accounts::Role;
use crate::db::DbConnection;
use crate::db::DbError;
use crate::db::ids::UserId;
use crate::db::schema::{reviewer_languages, users};
use crate::i18n::Lang;
use crate::validation::FieldProblem;

/// A language a call can be in: one of [`CallLanguage::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CallLanguage(&'static str);

impl CallLanguage {
    /// Every language, in the order the pages list them.
    pub const ALL: [CallLanguage; 11] = [
        CallLanguage("ru"),
        CallLanguage("en"),
        CallLanguage("uk"),
        CallLanguage("kk"),
        CallLanguage("de"),
        CallLanguage("fr"),
        CallLanguage("es"),
        CallLanguage("it"),
        CallLanguage("pt"),
        CallLanguage("tr"),
        CallLanguage("pl"),
    ];

    /// What a script is in unless told otherwise (and what every script from before
    /// languages is taken to be): Russian, the first market's language.
    pub const DEFAULT: CallLanguage = CallLanguage("ru");

    /// The language of a code; surrounding blanks and capitals are forgiven, anything else
    /// (a region such as `en-US` included) is not a code on the list.
    pub fn parse(raw: &str) -> Option<CallLanguage> {
        let code = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.0 == code)
    }

    /// [`parse`](Self::parse), or the field problem `unknown_value` naming `field`.
    pub fn check(field: &str, raw: &str) -> Result<CallLanguage, FieldProblem> {
        Self::parse(raw).ok_or_else(|| FieldProblem::new(field, "unknown_value"))
    }

    /// A code read back from the database (written by this module, so always on the list;
    /// an unknown one falls back to the default rather than failing a page).
    pub fn stored(code: &str) -> CallLanguage {
        Self::parse(code).unwrap_or(Self::DEFAULT)
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// The language's name in the page's language.
    pub fn name(self, lang: Lang) -> String {
        lang.translate(&format!("call-language-{}", self.0))
    }
}

impl std::fmt::Display for CallLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// One language of a page's list: its code, its name in the page's language, and whether it
/// is chosen.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageChoice {
    pub code: &'static str,
    pub name: String,
    pub chosen: bool,
}

/// Every language for a page, `chosen` ticked.
pub fn choices(lang: Lang, chosen: &[CallLanguage]) -> Vec<LanguageChoice> {
    CallLanguage::ALL
        .into_iter()
        .map(|l| LanguageChoice {
            code: l.code(),
            name: l.name(lang),
            chosen: chosen.contains(&l),
        })
        .collect()
}

/// What can go wrong setting a reviewer's languages.
#[derive(Debug, thiserror::Error)]
pub enum LanguageError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldProblem>),
    /// No such reviewer.
    #[error("no such reviewer")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

crate::domain_error!(LanguageError);

/// The languages a reviewer reviews, in list order; empty: every language.
pub fn of_reviewer(conn: &mut DbConnection, reviewer: &UserId) -> QueryResult<Vec<CallLanguage>> {
    let codes: Vec<String> = reviewer_languages::table
        .filter(reviewer_languages::user_id.eq(reviewer))
        .select(reviewer_languages::language)
        .load(conn)?;
    Ok(CallLanguage::ALL
        .into_iter()
        .filter(|l| codes.iter().any(|c| c == l.code()))
        .collect())
}

/// Checks a list of codes: every unknown one is a problem of `field`; repeats are dropped.
pub fn check_list(field: &str, raw: &[String]) -> Result<Vec<CallLanguage>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut chosen = Vec::new();
    for code in raw {
        match CallLanguage::check(field, code) {
            Ok(language) => chosen.push(language),
            Err(problem) => problems.push(problem.with("value", code.trim())),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CallLanguage::ALL
        .into_iter()
        .filter(|l| chosen.contains(l))
        .collect())
}

/// Sets the languages a reviewer reviews (all of them replaced; an empty list: every
/// language); `by` is whoever changed it (the owner or the reviewer), for the audit log.
/// Answers with the languages now set.
pub fn set_for_reviewer(
    conn: &mut DbConnection,
    by: &UserId,
    reviewer: &UserId,
    raw: &[String],
) -> Result<Vec<CallLanguage>, LanguageError> {
    let wanted = check_list("languages", raw).map_err(LanguageError::Invalid)?;
    conn.write_transaction(|conn| {
        let role: Option<Role> = users::table
            .find(reviewer)
            .select(users::role)
            .first(conn)
            .optional()?;
        if role != Some(Role::Reviewer) {
            return Err(LanguageError::NotFound);
        }
        let before = of_reviewer(conn, reviewer)?;
        if before == wanted {
            return Ok(wanted);
        }
        diesel::delete(reviewer_languages::table.filter(reviewer_languages::user_id.eq(reviewer)))
            .execute(conn)?;
        for language in &wanted {
            diesel::insert_into(reviewer_languages::table)
                .values((
                    reviewer_languages::user_id.eq(reviewer),
                    reviewer_languages::language.eq(language.code()),
                ))
                .execute(conn)?;
        }
        crate::audit::record(
            conn,
            Some(by),
            "reviewer.languages",
            "user",
            reviewer.as_str(),
            serde_json::json!({"from": before, "to": wanted}),
        )?;
        Ok(wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::{CallLanguage, check_list};

    #[test]
    fn codes_are_primary_subtags_from_the_list() {
        assert_eq!(CallLanguage::parse(" RU "), Some(CallLanguage::DEFAULT));
        assert_eq!(
            CallLanguage::parse("en").map(CallLanguage::code),
            Some("en")
        );
        for bad in ["", "xx", "en-US", "english", "r u"] {
            assert_eq!(CallLanguage::parse(bad), None, "{bad:?}");
        }
        let listed = check_list("languages", &["en".into(), "ru".into(), "en".into()]);
        let codes: Vec<&str> = listed
            .unwrap()
            .into_iter()
            .map(CallLanguage::code)
            .collect();
        assert_eq!(codes, ["ru", "en"], "in list order, once each");
        let problems = check_list("languages", &["ru".into(), "zz".into()]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "languages");
    }
}
