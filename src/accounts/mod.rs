//! Accounts and access: users with one role each (owner, reviewer, operator), operator records,
//! passwords, login tokens, invites and the first owner's setup link, login throttling, and
//! the request extractors that state each route's role.

mod error;
pub mod invites;
pub mod name;
pub mod operators;
pub mod password;
pub mod pause;
pub mod sign_in;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use error::AccountError;
pub use users::{Login, Role, User};
