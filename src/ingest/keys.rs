//! Machine keys: a PBX script or an integration sends calls as `Authorization: Bearer cq_…`.
//! The owner names a key and picks its scope (`ingest`: it may call `POST /api/v1/recordings`
//! and nothing else), sees it once, and revokes it. Only its SHA-256 is kept: the key is 32
//! random bytes, so a fast hash is enough. Every use is audited under the key's name.

use diesel::prelude::*;
use serde::Serialize;
use sha2::Digest;

use super::IngestError;
use crate::db::DbConnection;
use crate::db::ids::{ApiKeyId, UserId};
use crate::db::ingest_schema::api_keys;
use crate::db::time::{Timestamp, now};
use crate::validation::FieldProblem;

/// What every key starts with: the authentication middleware tells keys from session tokens
/// by it.
pub const KEY_PREFIX: &str = "cq_";

crate::text_enum! {
    /// What a key may do.
    Scope {
        /// Send recordings (`POST /api/v1/recordings`).
        Ingest = "ingest",
    }
}

/// A key as listed (never the key itself, only its first characters).
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub scope: Scope,
    pub prefix: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub last_used_at: Option<Timestamp>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub revoked_at: Option<Timestamp>,
}

/// A key just made: the only time the key itself is seen.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

/// The key presented by a request, once checked.
#[derive(Debug, Clone)]
pub struct KeyPrincipal {
    pub id: ApiKeyId,
    pub name: String,
    pub scope: Scope,
}

fn hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Makes a key named `name` with `scope`. Two live keys never share a name (`taken`).
pub fn create(
    conn: &mut DbConnection,
    owner: &UserId,
    name: &str,
    scope: &str,
) -> Result<CreatedKey, IngestError> {
    let mut problems = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        problems.push(FieldProblem::new("name", "required"));
    } else if name.chars().count() > 100 {
        problems.push(FieldProblem::new("name", "too_long").with("max", 100));
    }
    let scope = Scope::parse(scope.trim());
    if scope.is_none() {
        problems.push(FieldProblem::new("scope", "unknown_value"));
    }
    let (Some(scope), true) = (scope, problems.is_empty()) else {
        return Err(IngestError::Invalid(problems));
    };
    let secret = format!("{KEY_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
    let key = ApiKey {
        id: ApiKeyId::random(),
        name: name.to_owned(),
        scope,
        prefix: secret.chars().take(KEY_PREFIX.len() + 6).collect(),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
    };
    let inserted = conn.write_transaction(|conn| {
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(&key.id),
                api_keys::name.eq(&key.name),
                api_keys::scope.eq(key.scope),
                api_keys::key_hash.eq(hash(&secret)),
                api_keys::prefix.eq(&key.prefix),
                api_keys::created_by.eq(owner),
                api_keys::created_at.eq(key.created_at),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            Some(owner),
            "api_key.create",
            "api_key",
            key.id.as_str(),
            serde_json::json!({ "name": key.name, "scope": key.scope }),
        )
    });
    match inserted {
        Ok(()) => Ok(CreatedKey { key, secret }),
        Err(error) if crate::db::is_unique_violation(&error) => {
            Err(FieldProblem::new("name", "taken").into())
        }
        Err(error) => Err(error.into()),
    }
}

/// Every key, live ones first, newest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiKey>> {
    let mut keys: Vec<ApiKey> = api_keys::table
        .order(api_keys::created_at.desc())
        .select(ApiKey::as_select())
        .load(conn)?;
    keys.sort_by_key(|k| k.revoked_at.is_some());
    Ok(keys)
}

/// Revokes a key: it stops working at once. Revoking a revoked key changes nothing.
pub fn revoke(conn: &mut DbConnection, owner: &UserId, id: &ApiKeyId) -> Result<(), IngestError> {
    conn.write_transaction(|conn| {
        let name: Option<String> = api_keys::table
            .find(id)
            .select(api_keys::name)
            .first(conn)
            .optional()?;
        let name = name.ok_or(IngestError::NotFound)?;
        let revoked = diesel::update(
            api_keys::table
                .find(id)
                .filter(api_keys::revoked_at.is_null()),
        )
        .set((
            api_keys::revoked_at.eq(now()),
            api_keys::revoked_by.eq(owner),
        ))
        .execute(conn)?;
        if revoked == 1 {
            crate::audit::record(
                conn,
                Some(owner),
                "api_key.revoke",
                "api_key",
                id.as_str(),
                serde_json::json!({ "name": name }),
            )?;
        }
        Ok(())
    })
}

/// The live key `secret` is, if any.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<KeyPrincipal>> {
    let found: Option<(ApiKeyId, String, Scope)> = api_keys::table
        .filter(api_keys::key_hash.eq(hash(secret)))
        .filter(api_keys::revoked_at.is_null())
        .select((api_keys::id, api_keys::name, api_keys::scope))
        .first(conn)
        .optional()?;
    Ok(found.map(|(id, name, scope)| KeyPrincipal { id, name, scope }))
}

/// Records one use of a key: when it was last used, and what it did in the audit log.
pub fn record_use(
    conn: &mut DbConnection,
    key: &KeyPrincipal,
    action: &str,
    object_id: &str,
    details: serde_json::Value,
) -> QueryResult<()> {
    diesel::update(api_keys::table.find(&key.id))
        .set(api_keys::last_used_at.eq(now()))
        .execute(conn)?;
    let mut details = details;
    if let Some(map) = details.as_object_mut() {
        map.insert("key".into(), serde_json::Value::String(key.name.clone()));
        map.insert(
            "key_id".into(),
            serde_json::Value::String(key.id.to_string()),
        );
    }
    crate::audit::record(conn, None, action, "recording", object_id, details)
}
