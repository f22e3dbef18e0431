//! Login throttling, kept in the database so every server process sees the same counts:
//! at most [`MAX_FAILURES_PER_LOGIN`] failed attempts per login and
//! [`MAX_FAILURES_PER_ADDRESS`] per client address in a [`WINDOW`]; past that, 429 with the
//! seconds to wait.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_throttle;
use crate::db::time::{Timestamp, now};

pub const WINDOW: time::Duration = time::Duration::minutes(15);
pub const MAX_FAILURES_PER_LOGIN: i32 = 10;
pub const MAX_FAILURES_PER_ADDRESS: i32 = 50;

/// The counters one attempt touches.
pub struct AttemptKeys {
    login: String,
    address: String,
}

impl AttemptKeys {
    pub fn new(login: &str, address: &str) -> Self {
        AttemptKeys {
            login: format!("login:{}", login.trim().to_lowercase()),
            address: format!("addr:{address}"),
        }
    }

    fn limits(&self) -> [(&str, i32); 2] {
        [
            (self.login.as_str(), MAX_FAILURES_PER_LOGIN),
            (self.address.as_str(), MAX_FAILURES_PER_ADDRESS),
        ]
    }
}

/// `Err(seconds to wait)` when either counter is over its limit in the current window.
pub fn check(conn: &mut DbConnection, keys: &AttemptKeys) -> QueryResult<Result<(), u64>> {
    let current = now();
    for (key, limit) in keys.limits() {
        let row: Option<(Timestamp, i32)> = login_throttle::table
            .find(key)
            .select((login_throttle::window_start, login_throttle::failures))
            .first(conn)
            .optional()?;
        if let Some((window_start, failures)) = row {
            let window_end = window_start + WINDOW;
            if failures >= limit && window_end > current {
                let wait = (window_end - current).whole_seconds().max(1);
                return Ok(Err(wait as u64));
            }
        }
    }
    Ok(Ok(()))
}

/// Counts a failed attempt against both keys (a new window starts when the old one ended).
pub fn record_failure(conn: &mut DbConnection, keys: &AttemptKeys) -> QueryResult<()> {
    let current = now();
    conn.write_transaction(|conn| {
        for (key, _) in keys.limits() {
            let row: Option<Timestamp> = login_throttle::table
                .find(key)
                .select(login_throttle::window_start)
                .first(conn)
                .optional()?;
            match row {
                Some(start) if start + WINDOW > current => {
                    diesel::update(login_throttle::table.find(key))
                        .set(login_throttle::failures.eq(login_throttle::failures + 1))
                        .execute(conn)?;
                }
                Some(_) => {
                    diesel::update(login_throttle::table.find(key))
                        .set((
                            login_throttle::window_start.eq(current),
                            login_throttle::failures.eq(1),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(login_throttle::table)
                        .values((
                            login_throttle::throttle_key.eq(key),
                            login_throttle::window_start.eq(current),
                            login_throttle::failures.eq(1),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(())
    })
}

/// A successful login clears its login's counter (the address keeps its count).
pub fn record_success(conn: &mut DbConnection, keys: &AttemptKeys) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(&keys.login)).execute(conn)?;
    Ok(())
}
