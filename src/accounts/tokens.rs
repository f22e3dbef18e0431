//! Login tokens: JWTs signed with HS256 and the server's key. The algorithm is pinned (a
//! token claiming any other, `none` included, is refused); each carries the user, the role,
//! the user's token version (checked on every request) and an expiry.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Role;
use crate::db::ids::UserId;
use crate::secret::SigningKey;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: Role,
    /// The user's token version when issued.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
}

/// A freshly issued token and when it expires (Unix seconds).
pub struct IssuedToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

pub fn issue(
    key: &SigningKey,
    user: &UserId,
    role: Role,
    token_version: i32,
    lifetime_hours: u32,
) -> Result<IssuedToken, jsonwebtoken::errors::Error> {
    let issued_at = OffsetDateTime::now_utc();
    let expires_at = issued_at + time::Duration::hours(i64::from(lifetime_hours.max(1)));
    let claims = Claims {
        sub: user.to_string(),
        role,
        ver: token_version,
        iat: issued_at.unix_timestamp(),
        exp: expires_at.unix_timestamp(),
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.bytes()),
    )?;
    Ok(IssuedToken { token, expires_at })
}

/// The claims of a genuine, unexpired HS256 token of ours; `None` for anything else.
pub fn verify(key: &SigningKey, token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "sub"]);
    decode::<Claims>(token, &DecodingKey::from_secret(key.bytes()), &validation)
        .ok()
        .map(|data| data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SigningKey {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, [byte; 40].map(|b| b'a' + b % 26)).unwrap();
        SigningKey::load_or_create(&path).unwrap()
    }

    #[test]
    fn round_trip_and_tampering() {
        let key = key(1);
        let user = UserId::random();
        let issued = issue(&key, &user, Role::Reviewer, 3, 1).unwrap();
        let claims = verify(&key, &issued.token).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!((claims.role, claims.ver), (Role::Reviewer, 3));

        assert!(verify(&self::key(2), &issued.token).is_none(), "other key");
        let mut tampered = issued.token.clone();
        tampered.insert(tampered.len() - 2, 'x');
        assert!(verify(&key, &tampered).is_none());
        assert!(verify(&key, "garbage").is_none());
        assert!(verify(&key, "").is_none());
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims = serde_json::json!({"sub": "x", "role": "owner", "ver": 0, "iat": 0, "exp": 4_000_000_000i64});
        for alg in ["none", "HS512", "RS256"] {
            let header = engine.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let body = engine.encode(claims.to_string());
            assert!(
                verify(&key(1), &format!("{header}.{body}.")).is_none(),
                "{alg}"
            );
        }
    }
}
