//! Signing in: the login throttle, the password check and the token, in that order.

use super::AccountError;
use super::throttle::{self, AttemptKeys};
use super::{Login, User, tokens};
use crate::db::Db;
use crate::secret::SigningKey;

/// Checks the throttle and the password of `login` coming from `address` (the client's
/// identity for the throttle), and issues a token lasting `session_hours`.
///
/// The attempt is charged to the throttle before the password is checked (so parallel
/// guesses cannot all slip past one check) and refunded when the password was right; the
/// argon2 check runs between the two, holding no lock and no connection.
pub async fn sign_in(
    db: &Db,
    key: &SigningKey,
    session_hours: u32,
    login: &str,
    password: String,
    address: &str,
) -> Result<(User, tokens::IssuedToken), AccountError> {
    let login = Login::for_sign_in("login", login)?;
    let keys = AttemptKeys::new(&login, address);
    let reservation = db
        .write(move |conn| Ok::<_, AccountError>(throttle::reserve(conn, &keys)?))
        .await?
        .map_err(|retry_after_secs| AccountError::Throttled { retry_after_secs })?;
    let found = db
        .read_quick(move |conn| Ok::<_, AccountError>(User::find_by_login(conn, &login)?))
        .await?;
    let user = actix_web::web::block(move || User::check_password(found, &password))
        .await
        .map_err(|e| AccountError::Crypto(e.to_string()))??;
    db.write(move |conn| Ok::<_, AccountError>(throttle::refund(conn, &reservation)?))
        .await?;
    let issued = tokens::issue(key, &user.id, user.role, user.token_version, session_hours)
        .map_err(|e| AccountError::Crypto(e.to_string()))?;
    Ok((user, issued))
}
