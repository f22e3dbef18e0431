//! The audio store: originals, reviewer copies and waveform peaks under the data directory,
//! each named by a random id (never by anything a user supplied). A file enters through
//! `incoming/` and is moved into place only once it is complete and synced to disk.
//!
//! With an object store configured ([`super::remote`]) the files live there instead: each is
//! sent once complete, and counts as stored only when the store has confirmed it; the local
//! folders then hold only what is being worked on (an upload, a copy being built, an original
//! fetched for a build), removed once it is sent or used.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::remote::Remote;
use crate::config::StorageSettings;

/// Where a stored file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Original,
    /// The anonymized copy reviewers hear: an MP3, or a WAV built by an earlier version
    /// (see [`crate::audio::CopyFormat::of_file`]).
    Reviewer,
    /// Waveform peaks (JSON) for the player.
    Peaks,
}

impl Kind {
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Original => "originals",
            Kind::Reviewer => "reviewer",
            Kind::Peaks => "peaks",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AudioStore {
    root: PathBuf,
    remote: Option<Arc<Remote>>,
}

/// Where a stored file can be read from.
pub enum Located {
    /// A file on this machine's disk.
    Local(PathBuf),
    /// An object in the object store.
    Remote(Arc<Remote>, Kind, String),
}

impl AudioStore {
    /// Opens (creating when missing) the store under `data_dir/audio`, on this disk only.
    pub fn open(data_dir: &Path) -> io::Result<AudioStore> {
        let root = data_dir.join("audio");
        for folder in ["incoming", "originals", "reviewer", "peaks"] {
            fs::create_dir_all(root.join(folder))?;
        }
        Ok(AudioStore { root, remote: None })
    }

    /// Opens the store `storage` asks for: under the data directory, or in the object store
    /// when a bucket is set, after checking that it can be written to.
    pub fn open_with(storage: &StorageSettings) -> io::Result<AudioStore> {
        let mut store = AudioStore::open(&storage.data_dir)?;
        if let Some(remote) = Remote::connect(&storage.object_store)? {
            remote.check()?;
            store.remote = Some(Arc::new(remote));
        }
        Ok(store)
    }

    /// The object store, when the audio lives in one.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_deref()
    }

    /// A new, empty file in `incoming/` for an upload in progress.
    pub fn incoming(&self) -> io::Result<(PathBuf, File)> {
        let path = self
            .root
            .join("incoming")
            .join(uuid::Uuid::new_v4().to_string());
        let file = File::create_new(&path)?;
        Ok((path, file))
    }

    /// A fresh random name for a file of `kind`.
    pub fn new_name() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    /// The path of a stored file. Names are ours (hex), so one that is not cannot escape
    /// the store.
    pub fn path(&self, kind: Kind, name: &str) -> io::Result<PathBuf> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a stored file name",
            ));
        }
        Ok(self.root.join(kind.folder()).join(name))
    }

    /// Makes a complete incoming file durable and moves it into the originals; returns its
    /// stored name. After this returns, the file survives a crash or power cut: it is synced
    /// to disk, or confirmed by the object store (the local file then stays only until the
    /// first copy is built, see [`AudioStore::release`]).
    pub fn keep_original(&self, incoming: &Path, file: &File) -> io::Result<String> {
        file.sync_all()?;
        let name = Self::new_name();
        let target = self.path(Kind::Original, &name)?;
        fs::rename(incoming, &target)?;
        if let Some(remote) = &self.remote {
            if let Err(e) = remote.put_file(Kind::Original.folder(), &name, &target) {
                let _ = fs::remove_file(&target);
                return Err(e);
            }
            return Ok(name);
        }
        sync_dir(&self.root.join(Kind::Original.folder()))?;
        Ok(name)
    }

    /// Makes finished derived files (reviewer copy, peaks) durable: synced to disk with their
    /// folders, or sent to the object store and removed here.
    pub fn make_durable(&self, files: &[(Kind, &str)]) -> io::Result<()> {
        for (kind, name) in files {
            let path = self.path(*kind, name)?;
            match &self.remote {
                Some(remote) => {
                    remote.put_file(kind.folder(), name, &path)?;
                    let _ = fs::remove_file(path);
                }
                None => {
                    File::open(path)?.sync_all()?;
                    sync_dir(&self.root.join(kind.folder()))?;
                }
            }
        }
        Ok(())
    }

    /// A local file to read a stored one from: itself on a local store, or a copy fetched
    /// from the object store (unless one is here already), to be let go with
    /// [`AudioStore::release`] when done.
    pub fn local_copy(&self, kind: Kind, name: &str) -> io::Result<PathBuf> {
        let path = self.path(kind, name)?;
        if let Some(remote) = &self.remote
            && !path.exists()
        {
            remote.fetch_to(kind.folder(), name, &path)?;
        }
        Ok(path)
    }

    /// Lets go of a local copy of a file kept in the object store; nothing on a local store.
    pub fn release(&self, kind: Kind, name: &str) {
        if self.remote.is_some()
            && let Ok(path) = self.path(kind, name)
        {
            let _ = fs::remove_file(path);
        }
    }

    /// Where to read a stored file from: here when it is here, else the object store.
    pub fn locate(&self, kind: Kind, name: &str) -> io::Result<Located> {
        let path = self.path(kind, name)?;
        match &self.remote {
            Some(remote) if !path.exists() => {
                Ok(Located::Remote(remote.clone(), kind, name.to_owned()))
            }
            _ => Ok(Located::Local(path)),
        }
    }

    /// Removes a stored file; a file already gone is fine. A failure to delete it from the
    /// object store is logged: the file is no longer referenced, only its space is lost.
    pub fn remove(&self, kind: Kind, name: &str) {
        if let Ok(path) = self.path(kind, name) {
            let _ = fs::remove_file(path);
        }
        if let Some(remote) = &self.remote
            && let Err(error) = remote.delete(kind.folder(), name)
        {
            tracing::warn!(%error, store = remote.name(), "a stored file was not deleted");
        }
    }

    /// Deletes leftovers of uploads interrupted by a crash.
    pub fn clean_incoming(&self) {
        if let Ok(entries) = fs::read_dir(self.root.join("incoming")) {
            for entry in entries.flatten() {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// A directory's entry for a renamed file is durable only once the directory is synced.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = AudioStore::open(dir.path()).unwrap();
        assert!(store.path(Kind::Original, "../../etc/passwd").is_err());
        assert!(store.path(Kind::Original, "").is_err());
        assert!(store.path(Kind::Peaks, "0123abcd").is_ok());
    }

    #[test]
    fn an_original_is_moved_into_place_whole() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let store = AudioStore::open(dir.path()).unwrap();
        let (incoming, mut file) = store.incoming().unwrap();
        file.write_all(b"audio bytes").unwrap();
        let name = store.keep_original(&incoming, &file).unwrap();
        assert!(!incoming.exists());
        assert_eq!(
            fs::read(store.path(Kind::Original, &name).unwrap()).unwrap(),
            b"audio bytes"
        );
    }
}
