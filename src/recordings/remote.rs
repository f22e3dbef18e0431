//! The audio in an S3-compatible object store (Amazon S3, MinIO, Ceph…), through the
//! `object_store` crate: every server on one database then sees the same audio, and the
//! store's own durability and replication keep it.
//!
//! Keys are `<prefix><folder>/<name>` with the folders and random names of the local store
//! ([`super::store::Kind`]). The local data directory still holds what is being worked on: an
//! upload in progress, a copy being built, an original fetched for a build. A file counts as
//! stored only once the object store has confirmed the whole of it.
//!
//! The client runs on a small runtime of its own, so that blocking callers (job workers, the
//! upload's finishing step) and async handlers (streaming audio to a reviewer) drive it the
//! same way, and a response streamed to a slow phone never holds an HTTP worker's runtime.

use std::future::Future;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};

use crate::config::ObjectStoreSettings;

/// Files up to this size are sent in one request; larger ones in parts of this size (S3
/// wants at least 5 MiB per part but the last).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// The object store and the runtime its client runs on.
pub struct Remote {
    store: Arc<AmazonS3>,
    prefix: String,
    /// `s3://bucket/prefix`, for messages.
    name: String,
    /// Always `Some` until dropped (see the `Drop` below).
    runtime: Option<tokio::runtime::Runtime>,
}

/// The last handle on the store may go away inside an async task (a server shutting down),
/// where a runtime must not block to stop: its threads are left to finish on their own.
impl Drop for Remote {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// An object store error as an I/O error, so callers treat both stores alike.
fn io_error(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => {
            io::Error::new(io::ErrorKind::NotFound, error.to_string())
        }
        other => io::Error::other(other.to_string()),
    }
}

impl Remote {
    /// Connects to the bucket in `settings`; `None` when no bucket is set. Checks nothing yet
    /// (see [`Remote::check`]).
    pub fn connect(settings: &ObjectStoreSettings) -> io::Result<Option<Remote>> {
        let Some(bucket) = settings.s3_bucket.as_deref().filter(|b| !b.is_empty()) else {
            return Ok(None);
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&settings.s3_region);
        if let Some(endpoint) = settings.s3_endpoint.as_deref() {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(key), Some(secret)) = (
            settings.s3_access_key_id.as_deref(),
            settings.s3_secret_access_key.as_deref(),
        ) {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        let store = builder.build().map_err(io_error)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("callqa-s3")
            .enable_all()
            .build()?;
        let prefix = settings.s3_prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        Ok(Some(Remote {
            store: Arc::new(store),
            name: format!("s3://{bucket}/{prefix}"),
            prefix,
            runtime: Some(runtime),
        }))
    }

    /// Where the audio lives, for messages: `s3://bucket/prefix/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime is only taken when the store is dropped")
    }

    fn key(&self, folder: &str, name: &str) -> Key {
        Key::from(format!("{}{folder}/{name}", self.prefix))
    }

    /// Runs `work` on the store's runtime and waits for it, from any thread (never from an
    /// async task: it blocks).
    fn wait<T: Send + 'static>(
        &self,
        work: impl Future<Output = io::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.runtime().spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("the object store's task failed")))
    }

    /// Runs `work` on the store's runtime, from an async task.
    async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = io::Result<T>> + Send + 'static,
    ) -> io::Result<T> {
        self.runtime()
            .spawn(work)
            .await
            .map_err(|e| io::Error::other(format!("the object store's task failed: {e}")))?
    }

    /// Writes a probe object and deletes it: a wrong bucket, address or key is reported at
    /// start, not at the first upload.
    pub fn check(&self) -> io::Result<()> {
        let store = self.store.clone();
        let key = self.key("probe", &uuid::Uuid::new_v4().simple().to_string());
        self.wait(async move {
            store
                .put(&key, PutPayload::from_static(b"callqa"))
                .await
                .map_err(io_error)?;
            store.delete(&key).await.map_err(io_error)
        })
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.name)))
    }

    /// Stores the file at `path` as `folder/name`; returns once the store has all of it.
    /// Small files go in one request, large ones in parts (an unfinished upload is aborted).
    pub fn put_file(&self, folder: &str, name: &str, path: &Path) -> io::Result<()> {
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        let store = self.store.clone();
        let key = self.key(folder, name);
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)?;
            return self.wait(async move {
                store
                    .put(&key, PutPayload::from(bytes))
                    .await
                    .map(drop)
                    .map_err(io_error)
            });
        }
        self.wait(async move {
            let upload = store.put_multipart(&key).await.map_err(io_error)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            let mut buffer = vec![0u8; PART_BYTES];
            loop {
                let read = match file.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => read,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(e);
                    }
                };
                if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    let _ = writer.abort().await;
                    return Err(io_error(e));
                }
                writer.write(&buffer[..read]);
            }
            writer.finish().await.map(drop).map_err(io_error)
        })
    }

    /// Copies `folder/name` into a new local file at `path` (written whole, then renamed).
    pub fn fetch_to(&self, folder: &str, name: &str, path: &Path) -> io::Result<()> {
        let store = self.store.clone();
        let key = self.key(folder, name);
        let partial = path.with_extension("partial");
        let mut file = std::fs::File::create(&partial)?;
        let outcome = self.wait(async move {
            let mut stream = store.get(&key).await.map_err(io_error)?.into_stream();
            while let Some(chunk) = stream.next().await {
                file.write_all(&chunk.map_err(io_error)?)?;
            }
            file.sync_all()
        });
        match outcome.and_then(|()| std::fs::rename(&partial, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }

    /// Deletes `folder/name`; one already gone is fine.
    pub fn delete(&self, folder: &str, name: &str) -> io::Result<()> {
        let store = self.store.clone();
        let key = self.key(folder, name);
        self.wait(async move {
            match store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io_error(e)),
            }
        })
    }

    /// The size of `folder/name` in bytes.
    pub async fn size(&self, folder: &str, name: &str) -> io::Result<u64> {
        let store = self.store.clone();
        let key = self.key(folder, name);
        self.run(async move { Ok(store.head(&key).await.map_err(io_error)?.size) })
            .await
    }

    /// The bytes of `folder/name` in `range` (all of it for `None`), as a stream fed from the
    /// store's runtime: the caller may poll it from any runtime, at any pace.
    pub async fn read(
        &self,
        folder: &str,
        name: &str,
        range: Option<Range<u64>>,
    ) -> io::Result<tokio::sync::mpsc::Receiver<io::Result<Bytes>>> {
        let store = self.store.clone();
        let key = self.key(folder, name);
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let stream = self
            .run(async move {
                Ok(store
                    .get_opts(&key, options)
                    .await
                    .map_err(io_error)?
                    .into_stream())
            })
            .await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        self.runtime().spawn(async move {
            let mut stream = stream;
            while let Some(chunk) = stream.next().await {
                let failed = chunk.is_err();
                if sender.send(chunk.map_err(io_error)).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(receiver)
    }
}
