//! Login throttling, kept in the database so every server process sees the same counts.
//!
//! Two counters per attempt: the login *from this client address* (at most
//! [`MAX_FAILURES_PER_LOGIN`] failures in a [`WINDOW`]) and the address over all logins (at
//! most [`MAX_FAILURES_PER_ADDRESS`]). Keying the login's counter by address means someone
//! guessing cannot lock the account's owner out: the owner's own address has no failures.
//! Guessing many logins from one address is stopped by the second counter.
//!
//! A counter that reaches its limit blocks until its window ends; each block that follows
//! another (no quiet day between them) lasts twice as long, up to [`MAX_BLOCK`].
//!
//! Each attempt is *reserved* before the password is checked: in one write transaction the
//! counter rows are locked, read, and charged one failure. Parallel guesses therefore queue
//! on the rows and exactly the limit gets through; the slow password check runs after the
//! transaction, and a correct password takes its charge back ([`refund`]).

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::login_throttle;
use crate::db::time::{Timestamp, now};
use crate::db::{DbConnection, execute_upsert};

/// How long failures count, and how long the first block lasts.
pub const WINDOW: time::Duration = time::Duration::minutes(15);
pub const MAX_FAILURES_PER_LOGIN: i32 = 10;
pub const MAX_FAILURES_PER_ADDRESS: i32 = 50;
/// The longest a block lasts however often it recurs.
pub const MAX_BLOCK: time::Duration = time::Duration::hours(24);
/// Blocks are forgotten after this long without attempts.
pub const QUIET_PERIOD: time::Duration = time::Duration::days(1);

/// The counters one attempt touches, as stored keys: SHA-256 digests, so the index sees 64
/// characters whatever the login's length.
pub struct AttemptKeys {
    login_from_address: String,
    address: String,
}

impl AttemptKeys {
    /// `login` as the person typed it (normalised here as logins are stored); `address` the
    /// client's identity as [`crate::http::client_address::throttle_identity`] gives it.
    pub fn new(login: &str, address: &str) -> Self {
        let login = login.trim().to_lowercase();
        AttemptKeys {
            login_from_address: digest(&["login", &login, address]),
            address: digest(&["address", address]),
        }
    }

    /// Each counter with its limit, in the one order every transaction locks them in (so two
    /// attempts never wait for each other's rows crosswise).
    fn limits(&self) -> [(&str, i32); 2] {
        let mut limits = [
            (self.login_from_address.as_str(), MAX_FAILURES_PER_LOGIN),
            (self.address.as_str(), MAX_FAILURES_PER_ADDRESS),
        ];
        limits.sort_by_key(|(key, _)| *key);
        limits
    }
}

/// Parts joined with a separator no login or address contains.
fn digest(parts: &[&str]) -> String {
    hex::encode(Sha256::digest(parts.join("\0").as_bytes()))
}

/// An attempt charged in advance; hand it to [`refund`] when the password was right.
#[derive(Debug)]
pub struct Reservation {
    login_from_address: String,
    /// Each charged counter and the window its charge went to.
    charged: Vec<(String, Timestamp)>,
}

/// One counter as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counter {
    window_start: Timestamp,
    failures: i32,
    strikes: i32,
}

impl Counter {
    fn blocked(&self, limit: i32) -> bool {
        self.failures >= limit
    }

    /// When the current window ends: at the end of its block when it is blocked.
    fn window_end(&self, limit: i32) -> Timestamp {
        if self.blocked(limit) {
            self.window_start + block_length(self.strikes)
        } else {
            self.window_start + WINDOW
        }
    }

    /// The counter as it stands at `at`: a window that has ended gives way to a fresh one,
    /// remembering a block (one more strike) unless it was a quiet day ago.
    fn at(self, at: Timestamp, limit: i32) -> Counter {
        let end = self.window_end(limit);
        if at < end {
            return self;
        }
        let strikes = if at - end >= QUIET_PERIOD {
            0
        } else if self.blocked(limit) {
            self.strikes.saturating_add(1)
        } else {
            self.strikes
        };
        Counter {
            window_start: at,
            failures: 0,
            strikes,
        }
    }
}

/// How long a block lasts after `strikes` earlier ones: [`WINDOW`], doubling, at most
/// [`MAX_BLOCK`].
fn block_length(strikes: i32) -> time::Duration {
    let doublings = u32::try_from(strikes).unwrap_or(0).min(16);
    (WINDOW * 2_i32.pow(doublings)).min(MAX_BLOCK)
}

/// Reserves one attempt: `Err(seconds to wait)` when either counter is blocked (nothing is
/// charged then), otherwise both counters are charged one failure. Runs its own write
/// transaction (a savepoint inside one); keep it short — no password check inside.
pub fn reserve(
    conn: &mut DbConnection,
    keys: &AttemptKeys,
) -> QueryResult<Result<Reservation, u64>> {
    let current = now();
    conn.write_transaction(|conn| {
        let mut counters = Vec::with_capacity(2);
        for (key, limit) in keys.limits() {
            let counter = lock_counter(conn, key, current)?.at(current, limit);
            counters.push((key, limit, counter));
        }
        let wait = counters
            .iter()
            .filter(|(_, limit, counter)| counter.blocked(*limit))
            .map(|(_, limit, counter)| (counter.window_end(*limit) - current).whole_seconds())
            .max();
        if let Some(wait) = wait {
            return Ok(Err(u64::try_from(wait).unwrap_or(0).max(1)));
        }
        let mut charged = Vec::with_capacity(2);
        for (key, _, counter) in counters {
            diesel::update(login_throttle::table.find(key))
                .set((
                    login_throttle::window_start.eq(counter.window_start),
                    login_throttle::failures.eq(counter.failures + 1),
                    login_throttle::strikes.eq(counter.strikes),
                ))
                .execute(conn)?;
            charged.push((key.to_owned(), counter.window_start));
        }
        Ok(Ok(Reservation {
            login_from_address: keys.login_from_address.clone(),
            charged,
        }))
    })
}

/// Takes the counter's row lock (creating the row when it is new) and reads it. The upsert
/// both avoids the race of two first attempts inserting the same key and, being a write,
/// locks the row on PostgreSQL until the transaction ends (SQLite's write transaction
/// already excludes every other writer).
fn lock_counter(conn: &mut DbConnection, key: &str, current: Timestamp) -> QueryResult<Counter> {
    execute_upsert(
        conn,
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::throttle_key.eq(key),
                login_throttle::window_start.eq(current),
                login_throttle::failures.eq(0),
                login_throttle::strikes.eq(0),
            ))
            .on_conflict(login_throttle::throttle_key)
            .do_update()
            .set(login_throttle::failures.eq(login_throttle::failures)),
    )?;
    let (window_start, failures, strikes) = login_throttle::table
        .find(key)
        .select((
            login_throttle::window_start,
            login_throttle::failures,
            login_throttle::strikes,
        ))
        .first(conn)?;
    Ok(Counter {
        window_start,
        failures,
        strikes,
    })
}

/// The password was right: the reservation's charge is taken back (from the window it went
/// to; a window that has rolled over since keeps its count) and the login's counter for this
/// address is cleared, strikes and all. The address keeps its other failures.
pub fn refund(conn: &mut DbConnection, reservation: &Reservation) -> QueryResult<()> {
    conn.write_transaction(|conn| {
        for (key, window_start) in &reservation.charged {
            if *key == reservation.login_from_address {
                diesel::delete(login_throttle::table.find(key)).execute(conn)?;
            } else {
                diesel::update(
                    login_throttle::table
                        .find(key)
                        .filter(login_throttle::window_start.eq(window_start))
                        .filter(login_throttle::failures.gt(0)),
                )
                .set(login_throttle::failures.eq(login_throttle::failures - 1))
                .execute(conn)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        now() + time::Duration::minutes(minutes)
    }

    #[test]
    fn blocks_double_up_to_a_cap() {
        assert_eq!(block_length(0), WINDOW);
        assert_eq!(block_length(1), WINDOW * 2);
        assert_eq!(block_length(3), WINDOW * 8);
        assert_eq!(block_length(40), MAX_BLOCK);
        assert_eq!(block_length(-1), WINDOW);
    }

    #[test]
    fn an_ended_block_leaves_a_strike_that_a_quiet_day_forgives() {
        let start = at(0);
        let blocked = Counter {
            window_start: start,
            failures: 10,
            strikes: 0,
        };
        assert_eq!(blocked.at(start + time::Duration::minutes(14), 10), blocked);
        let next = blocked.at(start + time::Duration::minutes(16), 10);
        assert_eq!((next.failures, next.strikes), (0, 1));
        let blocked_again = Counter {
            failures: 10,
            ..next
        };
        assert_eq!(
            blocked_again.window_end(10) - blocked_again.window_start,
            WINDOW * 2
        );
        let forgiven = blocked_again.at(start + time::Duration::days(2), 10);
        assert_eq!((forgiven.failures, forgiven.strikes), (0, 0));
    }

    #[test]
    fn a_window_without_a_block_keeps_the_strikes() {
        let start = at(0);
        let counter = Counter {
            window_start: start,
            failures: 3,
            strikes: 2,
        };
        let next = counter.at(start + time::Duration::minutes(20), 10);
        assert_eq!((next.failures, next.strikes), (0, 2));
    }

    #[test]
    fn keys_have_a_fixed_length_and_one_order() {
        let keys = AttemptKeys::new(&"x".repeat(10_000), "192.0.2.7");
        assert!(keys.limits().iter().all(|(key, _)| key.len() == 64));
        assert!(keys.limits()[0].0 < keys.limits()[1].0);
        assert_eq!(
            AttemptKeys::new(" Owner ", "192.0.2.7").login_from_address,
            AttemptKeys::new("owner", "192.0.2.7").login_from_address
        );
    }
}
