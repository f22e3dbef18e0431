//! The background half of a connector: a `fetch_call` job downloads the recording of an
//! announced call and delivers it ([`crate::ingest::inbound::deliver`]). A download that
//! fails for a passing reason (the PBX is down, answers 5xx or 404 because the file is not
//! ready yet) is tried again after a doubling pause; one that can never work (a refused link,
//! a file over the limit) or that keeps failing ends the call `failed`, with the reason in
//! words on the owner's list.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::Vendor;
use super::download::{FetchError, Fetched, Fetcher};
use crate::config::FetchSettings;
use crate::db::Db;
use crate::ingest::inbound::{self, InboundCall, InboundState};
use crate::recordings::jobs::{self, Backoff, Job};
use crate::recordings::store::AudioStore;

/// What a fetch job downloads (the job's `payload`): a link, or the vendor's ids of the
/// recording for its API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub vendor: Vendor,
    /// The recording's link (generic, MegaFon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The vendor's recording id (Mango's `recording_id`, Zadarma's `call_id_with_rec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// The vendor's call id, where its API wants it too (Zadarma's `pbx_call_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
}

impl Payload {
    /// A recording downloaded from `url` as it is.
    pub fn link(vendor: Vendor, url: String) -> Payload {
        Payload {
            vendor,
            url: Some(url),
            recording: None,
            call: None,
        }
    }

    /// A recording asked for through the vendor's API.
    pub fn api(vendor: Vendor, recording: String, call: Option<String>) -> Payload {
        Payload {
            vendor,
            url: None,
            recording: Some(recording),
            call,
        }
    }
}

/// Downloads what `payload` names: the link as it is, or through the vendor's API with the
/// connector's stored credentials.
fn download(db: &Db, fetcher: &Fetcher, payload: &Payload) -> Result<Fetched, FetchError> {
    if let Some(url) = &payload.url {
        return fetcher.get(url);
    }
    let settings = db
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| super::stored(&mut conn, payload.vendor).map_err(|e| e.to_string()))
        .map_err(FetchError::Network)?
        .ok_or(FetchError::NotConfigured)?;
    let recording = payload.recording.as_deref().ok_or(FetchError::BadUrl)?;
    match payload.vendor {
        Vendor::Mango => super::mango::download(fetcher, &settings, recording),
        Vendor::Zadarma => {
            super::zadarma::download(fetcher, &settings, recording, payload.call.as_deref())
        }
        Vendor::Generic | Vendor::Megafon => Err(FetchError::BadUrl),
    }
}

/// The downloader and retry policy the job workers share. The HTTP client is made on first
/// use, in a worker thread: a blocking client runs a runtime of its own, which may not be
/// made or dropped inside the server's async runtime.
#[derive(Clone)]
pub struct Fetch {
    settings: FetchSettings,
    limit: u64,
    fetcher: Arc<OnceLock<Result<Fetcher, String>>>,
    backoff: Backoff,
}

impl Fetch {
    /// `limit`: the largest recording accepted, in bytes (the upload limit).
    pub fn new(settings: &FetchSettings, limit: u64) -> Fetch {
        Fetch {
            settings: settings.clone(),
            limit,
            fetcher: Arc::default(),
            backoff: Backoff {
                first: time::Duration::seconds(
                    i64::try_from(settings.fetch_retry_seconds).unwrap_or(i64::MAX / 4),
                ),
                attempts: i32::try_from(settings.fetch_attempts.max(1)).unwrap_or(i32::MAX),
            },
        }
    }

    fn fetcher(&self) -> Result<&Fetcher, FetchError> {
        self.fetcher
            .get_or_init(|| Fetcher::new(&self.settings, self.limit).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| FetchError::Network(e.clone()))
    }
}

/// The file name kept for the owner: the last path segment of the link the file came from
/// (after redirects), when it looks like a file name.
fn file_name(fetched: &Fetched, call: &InboundCall) -> String {
    fetched
        .url()
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_owned))
        .filter(|name| name.contains('.'))
        .unwrap_or_else(|| format!("{}.audio", call.external_id))
}

/// Runs one fetch job to its outcome: delivered, retried later, or failed for good.
pub fn run(db: &Db, store: &AudioStore, fetch: &Fetch, job: &Job) {
    let Some(id) = job.inbound_id.clone() else {
        finish(db, job, Ok(()));
        return;
    };
    let found = db
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| InboundCall::find(&mut conn, &id).map_err(|e| e.to_string()));
    let call = match found {
        Ok(Some(call)) if call.state == InboundState::Fetching => call,
        Ok(_) => {
            // Gone, or already delivered: nothing left to do.
            finish(db, job, Ok(()));
            return;
        }
        Err(error) => {
            tracing::warn!(job = %job.id, %error, "cannot read the call to fetch");
            return;
        }
    };
    let payload: Option<Payload> = job
        .payload
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok());
    let outcome = match payload {
        None => Err(FetchError::BadUrl),
        Some(payload) => fetch
            .fetcher()
            .and_then(|fetcher| download(db, fetcher, &payload))
            .and_then(|fetched| {
                let name = file_name(&fetched, &call);
                fetched.into_file(store, &name)
            }),
    };
    match outcome {
        Ok(file) => {
            let delivered = db.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                inbound::deliver(&mut conn, store, &id, file, None).map_err(|e| e.to_string())
            });
            match delivered {
                Ok(_) => finish(db, job, Ok(())),
                Err(reason) => {
                    tracing::warn!(job = %job.id, %reason, "cannot take in a fetched call");
                    finish(db, job, Err((reason, true, fetch.backoff)));
                }
            }
        }
        Err(error) => {
            let reason = error.to_string();
            let passing = error.is_passing();
            tracing::info!(job = %job.id, %reason, passing, "a recording download failed");
            finish(db, job, Err((reason, passing, fetch.backoff)));
        }
    }
}

type Failure = (String, bool, Backoff);

/// Records the job's outcome and, for a failure, the call's: the attempt and its reason, or
/// `failed` once the job gives up.
fn finish(db: &Db, job: &Job, outcome: Result<(), Failure>) {
    let recorded = db.get().and_then(|mut conn| {
        match outcome {
            Ok(()) => jobs::complete(&mut conn, &job.id)?,
            Err((reason, passing, backoff)) => {
                let gave_up = jobs::fail_with_backoff(&mut conn, job, &reason, passing, backoff)?;
                if let Some(id) = &job.inbound_id {
                    if gave_up {
                        let reason = if passing {
                            format!("gave up after {} attempts: {reason}", job.attempts)
                        } else {
                            reason
                        };
                        inbound::fail(&mut conn, id, &reason)?;
                    } else {
                        let reason = format!(
                            "attempt {} of {} failed, will try again: {reason}",
                            job.attempts, backoff.attempts
                        );
                        inbound::attempt_failed(&mut conn, id, &reason)?;
                    }
                }
            }
        }
        Ok(())
    });
    if let Err(error) = recorded.and_then(|()| db.make_durable()) {
        tracing::error!(job = %job.id, %error, "cannot record a fetch job's outcome");
    }
}
