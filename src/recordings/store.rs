//! The audio store: originals, reviewer copies and waveform peaks under the data directory,
//! each named by a random id (never by anything a user supplied). A file enters through
//! `incoming/` and is moved into place only once it is complete and synced to disk.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

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
    fn folder(self) -> &'static str {
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
}

impl AudioStore {
    /// Opens (creating when missing) the store under `data_dir/audio`.
    pub fn open(data_dir: &Path) -> io::Result<AudioStore> {
        let root = data_dir.join("audio");
        for folder in ["incoming", "originals", "reviewer", "peaks"] {
            fs::create_dir_all(root.join(folder))?;
        }
        Ok(AudioStore { root })
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
    /// stored name. After this returns, the file survives a crash or power cut.
    pub fn keep_original(&self, incoming: &Path, file: &File) -> io::Result<String> {
        file.sync_all()?;
        let name = Self::new_name();
        let target = self.path(Kind::Original, &name)?;
        fs::rename(incoming, &target)?;
        sync_dir(&self.root.join(Kind::Original.folder()))?;
        Ok(name)
    }

    /// Syncs finished derived files (reviewer copy, peaks) and their folders to disk.
    pub fn make_durable(&self, files: &[(Kind, &str)]) -> io::Result<()> {
        for (kind, name) in files {
            File::open(self.path(*kind, name)?)?.sync_all()?;
            sync_dir(&self.root.join(kind.folder()))?;
        }
        Ok(())
    }

    /// Removes a stored file; a file already gone is fine.
    pub fn remove(&self, kind: Kind, name: &str) {
        if let Ok(path) = self.path(kind, name) {
            let _ = fs::remove_file(path);
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
