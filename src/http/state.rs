//! What every handler may reach: the database, the audio store, the job waker, the settings
//! and the signing key, shared by all HTTP workers of a process.

use crate::config::Settings;
use crate::db::Db;
use crate::recordings::store::AudioStore;
use crate::recordings::worker::Waker;
use crate::secret::SigningKey;

/// Everything a request handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub store: AudioStore,
    /// Wakes the processing workers when a recording was queued.
    pub workers: Waker,
    /// The URL people use to reach this server, for links in invites.
    pub base_url: String,
    pub settings: std::sync::Arc<Settings>,
    pub signing_key: SigningKey,
}
