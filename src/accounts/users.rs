//! Users: one role each, an argon2id password hash, an optional link to an operator record,
//! and a token version that invalidates every issued token when it changes (logout,
//! deactivation, password change).

use diesel::prelude::*;
use serde::Serialize;

use super::name::parse_display_name;
use super::{AccountError, password};
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, UserId};
use crate::db::schema::users;
use crate::db::time::{Timestamp, now};
use crate::i18n::Lang;
use crate::validation::FieldProblem;

crate::text_enum! {
    /// What a user may do; see the role table in the design document.
    Role {
        Owner = "owner",
        Reviewer = "reviewer",
        Operator = "operator",
    }
}

/// A login name: trimmed, lower-cased, 1–100 characters of letters, digits and `._-@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub const MAX_LENGTH: usize = 100;

    pub fn parse(field: &str, raw: &str) -> Result<Login, FieldProblem> {
        let login = raw.trim().to_lowercase();
        if login.is_empty() {
            return Err(FieldProblem::new(field, "required"));
        }
        if login.chars().count() > Self::MAX_LENGTH {
            return Err(FieldProblem::new(field, "too_long").with("max", Self::MAX_LENGTH));
        }
        if !login
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err(FieldProblem::new(field, "login_chars"));
        }
        Ok(Login(login))
    }

    /// A login as typed to sign in, normalised as stored. Only the length is checked (so no
    /// absurd input travels further): any other malformed login just matches no account.
    pub fn for_sign_in(field: &str, raw: &str) -> Result<String, FieldProblem> {
        let login = raw.trim().to_lowercase();
        if login.chars().count() > Self::MAX_LENGTH {
            return Err(FieldProblem::new(field, "too_long").with("max", Self::MAX_LENGTH));
        }
        Ok(login)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub operator_id: Option<OperatorId>,
    pub active: bool,
    pub token_version: i32,
    pub language: Option<String>,
    pub created_at: Timestamp,
    /// Their own time zone (an IANA name); `None`: the organization's.
    pub time_zone: Option<String>,
}

/// A user as the owner's people list and `/api/v1/me` show it: never the password hash.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub operator_id: Option<OperatorId>,
    pub active: bool,
    pub language: Option<String>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id.clone(),
            login: user.login.clone(),
            name: user.display_name.clone(),
            role: user.role,
            operator_id: user.operator_id.clone(),
            active: user.active,
            language: user.language.clone(),
            created_at: user.created_at,
        }
    }
}

/// A new account, validated.
pub struct NewUser {
    pub login: Login,
    pub display_name: String,
    pub role: Role,
    pub password: String,
    pub operator_id: Option<OperatorId>,
}

impl NewUser {
    /// Validates every field at once, so a form can show all problems together.
    pub fn parse(
        role: Role,
        login: &str,
        name: &str,
        password: &str,
        operator_id: Option<OperatorId>,
    ) -> Result<NewUser, AccountError> {
        let login = Login::parse("login", login);
        let display_name = parse_display_name("name", name);
        let password_ok = password::validate("password", password);
        let mut problems = Vec::new();
        if let Err(p) = &login {
            problems.push(p.clone());
        }
        if let Err(p) = &display_name {
            problems.push(p.clone());
        }
        if let Err(p) = password_ok {
            problems.push(p);
        }
        if role == Role::Operator && operator_id.is_none() {
            problems.push(FieldProblem::new("operator_id", "required"));
        }
        match (login, display_name) {
            (Ok(login), Ok(display_name)) if problems.is_empty() => Ok(NewUser {
                login,
                display_name,
                role,
                password: password.to_owned(),
                operator_id: if role == Role::Operator {
                    operator_id
                } else {
                    None
                },
            }),
            _ => Err(AccountError::Invalid(problems)),
        }
    }
}

impl User {
    pub fn lang(&self) -> Option<Lang> {
        self.language.as_deref().and_then(Lang::from_code)
    }

    /// Creates the account (hashing the password); a taken login or an operator record that
    /// already has a login is a field problem.
    pub fn create(conn: &mut DbConnection, new: &NewUser) -> Result<User, AccountError> {
        // Hashing takes a while: done before the write lock is taken.
        let password_hash = password::hash(&new.password)?;
        User::insert_hashed(conn, new, &password_hash)
    }

    /// Inserts an account whose password is already hashed (in a transaction of its own, or
    /// as part of the caller's).
    pub fn insert_hashed(
        conn: &mut DbConnection,
        new: &NewUser,
        password_hash: &str,
    ) -> Result<User, AccountError> {
        conn.write_transaction(|conn| {
            if let Some(operator_id) = &new.operator_id {
                if !super::operators::OperatorRecord::exists(conn, operator_id)? {
                    return Err(FieldProblem::new("operator_id", "unknown_operator").into());
                }
                let linked: i64 = users::table
                    .filter(users::operator_id.eq(operator_id))
                    .count()
                    .get_result(conn)?;
                if linked > 0 {
                    return Err(FieldProblem::new("operator_id", "operator_has_login").into());
                }
            }
            let taken: i64 = users::table
                .filter(users::login.eq(new.login.as_str()))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                return Err(FieldProblem::new("login", "login_taken").into());
            }
            let id = UserId::random();
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(&id),
                    users::login.eq(new.login.as_str()),
                    users::display_name.eq(&new.display_name),
                    users::role.eq(new.role),
                    users::password_hash.eq(password_hash),
                    users::operator_id.eq(&new.operator_id),
                    users::active.eq(true),
                    users::token_version.eq(0),
                    users::created_at.eq(now()),
                ))
                .execute(conn)
                .map_err(|e| {
                    if crate::db::is_unique_violation(&e) {
                        AccountError::from(FieldProblem::new("login", "login_taken"))
                    } else {
                        e.into()
                    }
                })?;
            Ok(users::table
                .find(&id)
                .select(User::as_select())
                .first(conn)?)
        })
    }

    pub fn find(conn: &mut DbConnection, id: &UserId) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::login.eq(login.trim().to_lowercase()))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// Everyone, owners first, then by role and name.
    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
        users::table
            .order((users::role.asc(), users::display_name.asc()))
            .select(User::as_select())
            .load(conn)
    }

    pub fn owner_exists(conn: &mut DbConnection) -> QueryResult<bool> {
        let owners: i64 = users::table
            .filter(users::role.eq(Role::Owner))
            .count()
            .get_result(conn)?;
        Ok(owners > 0)
    }

    /// The password check of a login attempt, given the account found for the login (`None`:
    /// no such login): the user when the account is active and the password matches. Timing
    /// does not depend on whether the login exists. Argon2 work: run it off the async threads
    /// and outside any transaction.
    pub fn check_password(found: Option<User>, password: &str) -> Result<User, AccountError> {
        match found {
            Some(user) => {
                if password::verify(password, &user.password_hash) && user.active {
                    Ok(user)
                } else {
                    Err(AccountError::BadCredentials)
                }
            }
            None => {
                password::verify_dummy(password);
                Err(AccountError::BadCredentials)
            }
        }
    }

    /// Ends every session of the user at once: issued tokens carry the old version.
    pub fn revoke_tokens(conn: &mut DbConnection, id: &UserId) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::token_version.eq(users::token_version + 1))
            .execute(conn)?;
        Ok(())
    }

    /// Deactivation takes effect at once (tokens revoked); reactivation lets them log in again.
    pub fn set_active(
        conn: &mut DbConnection,
        acting_owner: &UserId,
        id: &UserId,
        active: bool,
    ) -> Result<User, AccountError> {
        if !active && acting_owner == id {
            return Err(AccountError::CannotDeactivateSelf);
        }
        conn.write_transaction(|conn| {
            let updated = diesel::update(users::table.find(id))
                .set((
                    users::active.eq(active),
                    users::token_version.eq(users::token_version + 1),
                ))
                .execute(conn)?;
            if updated == 0 {
                return Err(AccountError::NotFound);
            }
            Ok(users::table
                .find(id)
                .select(User::as_select())
                .first(conn)?)
        })
    }

    /// Changes the password after checking the current one; other sessions end.
    pub fn change_password(
        conn: &mut DbConnection,
        id: &UserId,
        current: &str,
        new: &str,
    ) -> Result<User, AccountError> {
        password::validate("new_password", new)?;
        let user = User::find(conn, id)?.ok_or(AccountError::NotFound)?;
        if !password::verify(current, &user.password_hash) {
            return Err(FieldProblem::new("current_password", "wrong_password").into());
        }
        let new_hash = password::hash(new)?;
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(new_hash),
                users::token_version.eq(users::token_version + 1),
            ))
            .execute(conn)?;
        User::find(conn, id)?.ok_or(AccountError::NotFound)
    }

    pub fn set_language(conn: &mut DbConnection, id: &UserId, lang: Lang) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::language.eq(lang.code()))
            .execute(conn)?;
        Ok(())
    }

    /// Sets the person's own time zone, or goes back to the organization's with `None`.
    pub fn set_time_zone(
        conn: &mut DbConnection,
        id: &UserId,
        zone: Option<&crate::zone::Zone>,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::time_zone.eq(zone.map(|z| z.name().to_owned())))
            .execute(conn)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_checked() {
        assert_eq!(
            Login::parse("login", "  Anna.K@shop ").unwrap().as_str(),
            "anna.k@shop"
        );
        assert_eq!(Login::parse("login", " ").unwrap_err().code, "required");
        assert_eq!(
            Login::parse("login", "a b").unwrap_err().code,
            "login_chars"
        );
        assert_eq!(
            Login::parse("login", "оператор1").unwrap().as_str(),
            "оператор1"
        );
    }

    #[test]
    fn new_user_reports_every_problem_at_once() {
        let Err(AccountError::Invalid(problems)) =
            NewUser::parse(Role::Operator, "", "", "short", None)
        else {
            panic!("expected problems");
        };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["login", "name", "password", "operator_id"]);
    }
}
