//! Single-use links that let a person create their own account: the owner's invites for
//! reviewers and operators (valid 7 days), and the one-time setup link that creates the first
//! owner. Only a hash of each link's secret is stored.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::users::{NewUser, Role, User};
use super::{AccountError, operators::OperatorRecord};
use crate::db::ids::{InviteId, OperatorId, UserId};
use crate::db::schema::invites;
use crate::db::time::{Timestamp, now};
use crate::db::{Db, DbConnection};
use crate::validation::FieldProblem;

pub const INVITE_LIFETIME: time::Duration = time::Duration::days(7);

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = invites)]
pub struct Invite {
    pub id: InviteId,
    #[serde(skip)]
    pub token_hash: String,
    pub role: Role,
    pub operator_id: Option<OperatorId>,
    #[serde(skip)]
    pub created_by: Option<UserId>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub expires_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub used_at: Option<Timestamp>,
    #[serde(skip)]
    pub used_by: Option<UserId>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub revoked_at: Option<Timestamp>,
}

/// A created invite and the secret for its link (shown once, never stored).
pub struct CreatedInvite {
    pub invite: Invite,
    pub token: String,
}

fn hash_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl Invite {
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > at
    }

    /// Creates an invite for a reviewer or an operator (who must name an existing operator
    /// record that has no login yet).
    pub fn create(
        conn: &mut DbConnection,
        created_by: &UserId,
        role: Role,
        operator_id: Option<OperatorId>,
    ) -> Result<CreatedInvite, AccountError> {
        match (role, &operator_id) {
            (Role::Owner, _) => return Err(FieldProblem::new("role", "unknown_value").into()),
            (Role::Operator, None) => {
                return Err(FieldProblem::new("operator_id", "required").into());
            }
            (Role::Operator, Some(id)) => {
                if !OperatorRecord::exists(conn, id)? {
                    return Err(FieldProblem::new("operator_id", "unknown_operator").into());
                }
            }
            (Role::Reviewer, _) => {}
        }
        let operator_id = if role == Role::Operator {
            operator_id
        } else {
            None
        };
        Self::insert(conn, Some(created_by), role, operator_id, INVITE_LIFETIME)
    }

    /// A fresh one-time link for the first owner; earlier unused setup links stop working.
    pub fn create_setup_link(conn: &mut DbConnection) -> Result<CreatedInvite, AccountError> {
        conn.write_transaction(|conn| {
            diesel::update(
                invites::table
                    .filter(invites::role.eq(Role::Owner))
                    .filter(invites::used_at.is_null())
                    .filter(invites::revoked_at.is_null()),
            )
            .set(invites::revoked_at.eq(now()))
            .execute(conn)?;
            Self::insert(conn, None, Role::Owner, None, INVITE_LIFETIME)
        })
    }

    fn insert(
        conn: &mut DbConnection,
        created_by: Option<&UserId>,
        role: Role,
        operator_id: Option<OperatorId>,
        lifetime: time::Duration,
    ) -> Result<CreatedInvite, AccountError> {
        let token = hex::encode(rand::random::<[u8; 24]>());
        let created_at = now();
        let invite = Invite {
            id: InviteId::random(),
            token_hash: hash_token(&token),
            role,
            operator_id,
            created_by: created_by.cloned(),
            created_at,
            expires_at: created_at + lifetime,
            used_at: None,
            used_by: None,
            revoked_at: None,
        };
        diesel::insert_into(invites::table)
            .values((
                invites::id.eq(&invite.id),
                invites::token_hash.eq(&invite.token_hash),
                invites::role.eq(invite.role),
                invites::operator_id.eq(&invite.operator_id),
                invites::created_by.eq(&invite.created_by),
                invites::created_at.eq(invite.created_at),
                invites::expires_at.eq(invite.expires_at),
            ))
            .execute(conn)?;
        Ok(CreatedInvite { invite, token })
    }

    /// The open invite a link's secret belongs to.
    pub fn find_open(conn: &mut DbConnection, token: &str) -> Result<Invite, AccountError> {
        let invite: Option<Invite> = invites::table
            .filter(invites::token_hash.eq(hash_token(token)))
            .select(Invite::as_select())
            .first(conn)
            .optional()?;
        invite
            .filter(|i| i.is_open(now()))
            .ok_or(AccountError::InviteInvalid)
    }

    /// Creates the invitee's account and uses the invite up, in one transaction: two people
    /// racing with the same link cannot both get an account.
    pub fn accept(
        conn: &mut DbConnection,
        token: &str,
        login: &str,
        name: &str,
        password: &str,
    ) -> Result<User, AccountError> {
        let invite = Invite::find_open(conn, token)?;
        let new_user = NewUser::parse(
            invite.role,
            login,
            name,
            password,
            invite.operator_id.clone(),
        )?;
        let password_hash = super::password::hash(&new_user.password)?;
        conn.write_transaction(|conn| {
            let claimed = diesel::update(
                invites::table
                    .find(&invite.id)
                    .filter(invites::used_at.is_null())
                    .filter(invites::revoked_at.is_null()),
            )
            .set(invites::used_at.eq(now()))
            .execute(conn)?;
            if claimed == 0 || (invite.role == Role::Owner && User::owner_exists(conn)?) {
                return Err(AccountError::InviteInvalid);
            }
            let user = User::insert_hashed(conn, &new_user, &password_hash)?;
            diesel::update(invites::table.find(&invite.id))
                .set(invites::used_by.eq(&user.id))
                .execute(conn)?;
            Ok(user)
        })
    }

    /// Invites not yet used, revoked or expired, newest first.
    pub fn list_open(conn: &mut DbConnection) -> QueryResult<Vec<Invite>> {
        invites::table
            .filter(invites::used_at.is_null())
            .filter(invites::revoked_at.is_null())
            .filter(invites::expires_at.gt(now()))
            .filter(invites::role.ne(Role::Owner))
            .order(invites::created_at.desc())
            .select(Invite::as_select())
            .load(conn)
    }

    pub fn revoke(conn: &mut DbConnection, id: &InviteId) -> Result<(), AccountError> {
        let updated = diesel::update(
            invites::table
                .find(id)
                .filter(invites::role.ne(Role::Owner))
                .filter(invites::used_at.is_null()),
        )
        .set(invites::revoked_at.eq(now()))
        .execute(conn)?;
        if updated == 0 {
            return Err(AccountError::NotFound);
        }
        Ok(())
    }
}

/// What the owner chooses for an invite: the role and, for an operator, their record.
#[derive(Deserialize)]
pub struct NewInvite {
    pub role: String,
    pub operator_id: Option<String>,
}

impl Invite {
    /// Creates an invite from the owner's choice (the People page and the API); returns it with
    /// the link to send.
    pub async fn make(
        db: &Db,
        owner: &UserId,
        base_url: &str,
        request: NewInvite,
    ) -> Result<(Invite, String), AccountError> {
        let role = Role::parse(request.role.trim())
            .filter(|r| *r != Role::Owner)
            .ok_or_else(|| FieldProblem::new("role", "unknown_value"))?;
        let operator_id = request
            .operator_id
            .filter(|id| !id.trim().is_empty())
            .map(OperatorId::from_raw);
        let owner = owner.clone();
        let created = db
            .run(move |conn| Invite::create(conn, &owner, role, operator_id))
            .await?;
        let url = format!("{base_url}/invite/{}", created.token);
        Ok((created.invite, url))
    }
}
