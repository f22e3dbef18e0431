//! The server's signing key (for login tokens and form tokens). Generated on first start and
//! kept in a file only the service account may read; never logged, never sent.

use std::io::Write;
use std::path::Path;

/// 32 random bytes; `Debug` does not show them.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(****)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read or create the signing key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the signing key file {0} is too short: it needs at least 32 bytes")]
    TooShort(String),
}

impl SigningKey {
    /// Reads the key file, or creates it (mode 0600) with a fresh random key when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: Vec<u8> = bytes.trim_ascii().to_vec();
                if key.len() < 32 {
                    return Err(SecretError::TooShort(path.display().to_string()));
                }
                Ok(SigningKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let key = hex::encode(rand::random::<[u8; 32]>());
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                file.write_all(key.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(SigningKey(key.into_bytes()))
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/secret.key");
        let first = SigningKey::load_or_create(&path).unwrap();
        let second = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            SigningKey::load_or_create(&path),
            Err(SecretError::TooShort(_))
        ));
    }
}
