//! Which process holds which job claims. Every process that runs job workers has a random id;
//! its workers claim jobs as `<id>-<index>`. The id of the process that last ran workers on a
//! data directory is kept in a file there, held with an exclusive advisory lock for the life
//! of the process. The kernel drops the lock when its holder dies, however it dies, so a
//! process that gets the lock knows the id in the file belongs to a dead process and can take
//! back that process's claims at once instead of waiting for their leases to run out.
//!
//! Only one process per data directory holds the file; others sharing the directory run
//! without it and leave a dead neighbour's claims to the lease (see [`super::jobs::LEASE`]).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The identity file in the data directory.
pub const FILE_NAME: &str = "job-claims.lock";

/// This process's id, and the lock on the identity file when this process got it.
pub struct ProcessIdentity {
    id: String,
    /// Held open (and locked) until the process ends; `None` when another live process holds
    /// the file or it could not be opened.
    _file: Option<File>,
}

/// What starting up found in the data directory.
pub struct Takeover {
    pub identity: ProcessIdentity,
    /// The process that held the file before this one; it is dead, and its claims are ours
    /// to release.
    pub predecessor: Option<String>,
}

impl ProcessIdentity {
    /// A fresh id for this process; takes over the identity file in `data_dir` when no live
    /// process holds it. Never fails: without the file the process simply inherits nothing.
    pub fn take_over(data_dir: &Path) -> Takeover {
        let id = new_id();
        let path = data_dir.join(FILE_NAME);
        match lock_and_swap(&path, &id) {
            Ok(Some(previous)) => Takeover {
                predecessor: parse_id(&previous.0),
                identity: ProcessIdentity {
                    id,
                    _file: Some(previous.1),
                },
            },
            Ok(None) => {
                tracing::info!(
                    file = %path.display(),
                    "another live process runs jobs on this data directory; its claims stay its own"
                );
                Takeover {
                    identity: ProcessIdentity { id, _file: None },
                    predecessor: None,
                }
            }
            Err(error) => {
                tracing::warn!(
                    file = %path.display(),
                    %error,
                    "cannot use the process identity file; claims of a crashed process will \
                     be taken back only when their leases run out"
                );
                Takeover {
                    identity: ProcessIdentity { id, _file: None },
                    predecessor: None,
                }
            }
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name a worker of this process claims jobs under.
    pub fn worker_name(&self, index: usize) -> String {
        format!("{}-{index}", self.id)
    }
}

/// Locks the file without waiting; `None` when another process holds it. Otherwise returns
/// what the file held and the locked file, now holding `id`.
fn lock_and_swap(path: &Path, id: &str) -> std::io::Result<Option<(String, File)>> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(error)) => return Err(error),
    }
    let mut previous = String::new();
    // A file that is not text is no one's id.
    if file.read_to_string(&mut previous).is_err() {
        previous.clear();
    }
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(id.as_bytes())?;
    file.sync_data()?;
    Ok(Some((previous, file)))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A process id as [`new_id`] makes them (32 lowercase hex digits), or `None`. The id ends up
/// in a `LIKE` pattern, so nothing else may pass.
pub fn parse_id(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| text.to_owned())
}

/// The `LIKE` pattern matching the claims of every worker of process `id`.
pub fn claims_pattern(id: &str) -> String {
    format!("{id}-%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_ids_are_read_back() {
        let id = new_id();
        assert_eq!(parse_id(&format!("{id}\n")), Some(id.clone()));
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id(&id[..31]), None);
        assert_eq!(parse_id(&id.to_uppercase()), None);
        assert_eq!(parse_id("%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%"), None);
        assert_eq!(parse_id("________________________________"), None);
    }

    #[test]
    fn worker_names_match_their_process_pattern_only() {
        let dir = tempfile::tempdir().unwrap();
        let taken = ProcessIdentity::take_over(dir.path());
        let name = taken.identity.worker_name(3);
        let pattern = claims_pattern(taken.identity.id());
        assert!(name.starts_with(pattern.trim_end_matches('%')));
        assert!(!name.starts_with(&claims_pattern(&new_id()).replace('%', "")));
    }

    #[test]
    fn the_file_passes_from_a_dead_holder_to_the_next_process_only() {
        let dir = tempfile::tempdir().unwrap();
        let first = ProcessIdentity::take_over(dir.path());
        assert_eq!(
            first.predecessor, None,
            "a new data directory has no predecessor"
        );

        // While the first holds the file, another process (here another open file, which
        // the advisory lock treats the same) inherits nothing.
        let second = ProcessIdentity::take_over(dir.path());
        assert_eq!(second.predecessor, None);
        assert_ne!(second.identity.id(), first.identity.id());

        // The holder dies: the next one reads its id.
        let dead = first.identity.id().to_owned();
        drop(first);
        let third = ProcessIdentity::take_over(dir.path());
        assert_eq!(third.predecessor.as_deref(), Some(dead.as_str()));
        let stored = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(stored, third.identity.id());
    }

    #[test]
    fn a_garbled_file_is_no_predecessor() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"x-%' OR 1=1 --\xff").unwrap();
        let taken = ProcessIdentity::take_over(dir.path());
        assert_eq!(taken.predecessor, None);
        let stored = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert_eq!(
            stored,
            taken.identity.id(),
            "the file now names this process"
        );
    }
}
