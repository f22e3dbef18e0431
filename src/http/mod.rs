//! The HTTP edge shared by the pages (`web`) and the JSON API (`api`): the state handlers
//! reach, who is asking (sessions, role extractors, cookies, CSRF), the route table, the
//! gate every request's text passes, form posts of signed-in pages and the client's
//! address. Handlers depend on this; no domain module does.

pub mod client_address;
pub mod download;
pub mod forms;
pub mod input_guard;
pub mod query;
pub mod routes;
pub mod session;
mod state;
pub mod stored_file;
pub mod upload;

pub use session::{Auth, Listener, MaybeSignedIn, Operator, Owner, Reviewer, Session, SignedIn};
pub use state::AppState;
