//! `callqa backup DIR` and `callqa restore DIR`: a consistent copy of an installation — its
//! database, its audio store and its signing key — and the way back into a fresh one.
//!
//! A backup directory holds:
//!
//! - `database.sqlite`: the SQLite database as of one moment, written by `VACUUM INTO` (an
//!   online copy: a running server keeps serving, and the copy is one transaction's view);
//!   or `database.pgdump`: PostgreSQL's own consistent dump (`pg_dump --format=custom`, run as
//!   a child process; its password goes through the environment, never the command line);
//! - `audio/`: the originals, reviewer copies and peaks, copied after the database, so every
//!   file the copied database names is there unless it was deleted in between (counted and
//!   said: a rebuilt copy replaced, say; the next build makes it again);
//! - `secret.key`: the signing key, so sessions and invite links stay valid after a restore;
//! - `callqa-backup.json`: what the backup holds, written last: a directory without it is an
//!   unfinished backup, and `restore` refuses it.
//!
//! `restore` writes into a fresh installation only (no database tables, no audio, no key):
//! it never mixes a backup into live data. The database comes back on the backend it was
//! taken from, and pending migrations run afterwards, so an older backup comes up to date.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use diesel::RunQueryDsl;
use serde::{Deserialize, Serialize};

use crate::config::{DatabaseUrl, StorageSettings};
use crate::db::{Db, DbConnection};
use crate::recordings::remote::Remote;

/// The audio store's folders that hold data (`incoming/` only holds uploads in progress).
const AUDIO_FOLDERS: [&str; 3] = ["originals", "reviewer", "peaks"];
const MANIFEST: &str = "callqa-backup.json";
const SQLITE_FILE: &str = "database.sqlite";
const PG_FILE: &str = "database.pgdump";
const KEY_FILE: &str = "secret.key";
/// The layout of a backup directory, raised when it changes.
const FORMAT: u32 = 1;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup: a directory that does not exist yet or is empty.
    dir: PathBuf,
    #[command(flatten)]
    storage: StorageSettings,
    /// The signing key file, when it is not the data directory's `secret.key`.
    #[arg(long, env = "CALLQA_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// The `pg_dump` to run for a PostgreSQL database (same major version as the server).
    #[arg(long, env = "CALLQA_PG_DUMP", default_value = "pg_dump")]
    pg_dump: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup directory written by `callqa backup`.
    dir: PathBuf,
    #[command(flatten)]
    storage: StorageSettings,
    /// Where to put the signing key, when not in the data directory's `secret.key`.
    #[arg(long, env = "CALLQA_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// The `pg_restore` to run for a PostgreSQL database.
    #[arg(long, env = "CALLQA_PG_RESTORE", default_value = "pg_restore")]
    pg_restore: PathBuf,
}

/// What a backup holds (`callqa-backup.json`).
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// The version of callqa that wrote it.
    callqa: String,
    /// `sqlite` or `postgresql`.
    database: String,
    /// When the database was copied (RFC 3339, UTC).
    taken_at: String,
    audio_files: u64,
    audio_bytes: u64,
    /// Files the copied database named that were gone when the audio was copied.
    audio_missing: u64,
    signing_key: bool,
}

fn key_path(storage: &StorageSettings, explicit: &Option<PathBuf>) -> PathBuf {
    explicit
        .clone()
        .unwrap_or_else(|| storage.data_dir.join(KEY_FILE))
}

fn io_error(what: &str, path: &Path) -> impl FnOnce(io::Error) -> String {
    let path = path.display().to_string();
    let what = what.to_owned();
    move |e| format!("{what} {path}: {e}")
}

pub fn backup(args: BackupArgs) -> Result<(), String> {
    let dir = &args.dir;
    if fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "{} is not empty: a backup goes into a new or empty directory",
            dir.display()
        ));
    }
    fs::create_dir_all(dir).map_err(io_error("cannot create", dir))?;
    let database = args.storage.database();
    let taken_at = crate::db::time::now()
        .assume_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let referenced = match &database {
        DatabaseUrl::Sqlite(_) => {
            let target = dir.join(SQLITE_FILE);
            let db = Db::connect(&database, 1).map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            let DbConnection::Sqlite(sqlite) = &mut *conn else {
                return Err("expected a SQLite connection".to_owned());
            };
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target.display().to_string())
                .execute(sqlite)
                .map_err(|e| format!("copying the SQLite database: {e}"))?;
            stored_files(&mut conn)?
        }
        DatabaseUrl::Postgres(url) => {
            let target = dir.join(PG_FILE);
            let (url, password) = without_password(url)?;
            let mut command = Command::new(&args.pg_dump);
            command
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--file")
                .arg(&target)
                .arg("--dbname")
                .arg(&url);
            run_tool(command, password.as_deref(), &args.pg_dump)?;
            // What the dump holds is at least what the database named when it began, and a
            // file is only deleted after the database stops naming it: read the names now.
            let db = Db::connect(&database, 1).map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            stored_files(&mut conn)?
        }
    };
    let (mut audio_files, mut audio_bytes) = copy_audio(
        &args.storage.data_dir.join("audio"),
        &dir.join("audio"),
        None,
    )?;
    // Audio kept in an object store is copied from it, file by file as the database names
    // them; one deleted meanwhile (a copy replaced since) counts as missing below.
    if let Some(remote) = Remote::connect(&args.storage.object_store).map_err(|e| e.to_string())? {
        for (folder, name) in &referenced {
            let target = dir.join("audio").join(folder).join(name);
            if target.exists() {
                continue;
            }
            match remote.fetch_to(folder, name, &target) {
                Ok(()) => {
                    audio_files += 1;
                    audio_bytes += fs::metadata(&target).map_or(0, |m| m.len());
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(format!(
                        "copying {folder}/{name} from {}: {e}",
                        remote.name()
                    ));
                }
            }
        }
    }
    let audio_missing = referenced
        .iter()
        .filter(|(folder, name)| !dir.join("audio").join(folder).join(name).exists())
        .count() as u64;
    let key = key_path(&args.storage, &args.secret_file);
    let signing_key = key.exists();
    if signing_key {
        copy_file(&key, &dir.join(KEY_FILE))?;
    }
    let manifest = Manifest {
        format: FORMAT,
        callqa: env!("CARGO_PKG_VERSION").to_owned(),
        database: database.backend_name().to_owned(),
        taken_at,
        audio_files,
        audio_bytes,
        audio_missing,
        signing_key,
    };
    write_manifest(dir, &manifest)?;
    println!(
        "backup of the {} database taken at {} written to {}: {} audio files ({:.1} MB){}{}",
        manifest.database,
        manifest.taken_at,
        dir.display(),
        audio_files,
        audio_bytes as f64 / 1e6,
        if signing_key { ", the signing key" } else { "" },
        if audio_missing > 0 {
            format!(
                "; {audio_missing} files the database names were deleted while the backup ran \
                 (rebuilt copies, replaced since)"
            )
        } else {
            String::new()
        },
    );
    Ok(())
}

pub fn restore(args: RestoreArgs) -> Result<(), String> {
    let dir = &args.dir;
    let manifest_path = dir.join(MANIFEST);
    let text = fs::read_to_string(&manifest_path).map_err(|e| {
        format!(
            "{} is not a finished callqa backup (no readable {MANIFEST}: {e})",
            dir.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a callqa backup manifest: {e}",
            manifest_path.display()
        )
    })?;
    if manifest.format != FORMAT {
        return Err(format!(
            "this backup has layout {} and this callqa reads layout {FORMAT}",
            manifest.format
        ));
    }
    let database = args.storage.database();
    if manifest.database != database.backend_name() {
        return Err(format!(
            "this backup holds a {} database and the target is {}: restore it into the same \
             kind of database",
            manifest.database,
            database.backend_name()
        ));
    }
    let audio = args.storage.data_dir.join("audio");
    let key = key_path(&args.storage, &args.secret_file);
    refuse_unless_fresh(&database, &audio, &key)?;

    match &database {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_error("cannot create", parent))?;
            }
            // Into place only once complete: a restore cut short leaves no half database.
            let partial = path.with_extension("restoring");
            copy_file(&dir.join(SQLITE_FILE), &partial)?;
            fs::rename(&partial, path).map_err(io_error("cannot move into place", path))?;
        }
        DatabaseUrl::Postgres(url) => {
            let (url, password) = without_password(url)?;
            let mut command = Command::new(&args.pg_restore);
            command
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--exit-on-error")
                .arg("--single-transaction")
                .arg("--dbname")
                .arg(&url)
                .arg(dir.join(PG_FILE));
            run_tool(command, password.as_deref(), &args.pg_restore)?;
        }
    }
    let (files, bytes) =
        match Remote::connect(&args.storage.object_store).map_err(|e| e.to_string())? {
            Some(remote) => upload_audio(&dir.join("audio"), &remote)?,
            None => copy_audio(&dir.join("audio"), &audio, Some(&audio))?,
        };
    if manifest.signing_key {
        if let Some(parent) = key.parent() {
            fs::create_dir_all(parent).map_err(io_error("cannot create", parent))?;
        }
        copy_file(&dir.join(KEY_FILE), &key)?;
        restrict_to_owner(&key)?;
    }
    let db = Db::connect(&database, 1).map_err(|e| e.to_string())?;
    let migrated = db.migrate().map_err(|e| e.to_string())?;
    println!(
        "restored the backup taken at {} (callqa {}): the {} database{}, {files} audio files \
         ({:.1} MB){}",
        manifest.taken_at,
        manifest.callqa,
        manifest.database,
        if migrated > 0 {
            format!(", brought up to date by {migrated} migration(s)")
        } else {
            String::new()
        },
        bytes as f64 / 1e6,
        if manifest.signing_key {
            ", the signing key"
        } else {
            ""
        },
    );
    Ok(())
}

/// A restore writes only into an installation with no data yet.
fn refuse_unless_fresh(database: &DatabaseUrl, audio: &Path, key: &Path) -> Result<(), String> {
    let tables = match database {
        DatabaseUrl::Sqlite(path) if !path.exists() => 0,
        _ => {
            let db = Db::connect(database, 1).map_err(|e| e.to_string())?;
            let mut conn = db.get().map_err(|e| e.to_string())?;
            table_count(&mut conn)?
        }
    };
    if tables > 0 {
        return Err(format!(
            "the target database already has {tables} tables: restore into a new, empty \
             database (nothing was changed)"
        ));
    }
    for folder in AUDIO_FOLDERS {
        let path = audio.join(folder);
        if fs::read_dir(&path).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(format!(
                "{} already holds audio: restore into a fresh data directory (nothing was \
                 changed)",
                path.display()
            ));
        }
    }
    if key.exists() {
        return Err(format!(
            "{} already exists: restore into a fresh data directory (nothing was changed)",
            key.display()
        ));
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn table_count(conn: &mut DbConnection) -> Result<i64, String> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE \
             'sqlite_%'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
        }
    };
    diesel::sql_query(query)
        .get_result::<Count>(conn)
        .map(|c| c.n)
        .map_err(|e| format!("reading the target database: {e}"))
}

/// The audio files the database names, as (folder, name).
fn stored_files(conn: &mut DbConnection) -> Result<Vec<(&'static str, String)>, String> {
    use crate::db::schema::recordings;
    use diesel::QueryDsl;
    let rows: Vec<(String, Option<String>, Option<String>)> = recordings::table
        .select((
            recordings::original_file,
            recordings::anonymized_file,
            recordings::peaks_file,
        ))
        .load(conn)
        .map_err(|e| format!("reading the stored files' names: {e}"))?;
    let mut files = Vec::with_capacity(rows.len() * 3);
    for (original, copy, peaks) in rows {
        files.push(("originals", original));
        files.extend(copy.map(|name| ("reviewer", name)));
        files.extend(peaks.map(|name| ("peaks", name)));
    }
    Ok(files)
}

/// The files in the store's data folders under `from`, as (folder, name, path).
fn audio_files(from: &Path) -> Result<Vec<(&'static str, String, PathBuf)>, String> {
    let mut files = Vec::new();
    for folder in AUDIO_FOLDERS {
        let source = from.join(folder);
        let entries = match fs::read_dir(&source) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error("cannot read", &source)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error("cannot read", &source))?;
            let kind = entry
                .file_type()
                .map_err(io_error("cannot read", &entry.path()))?;
            if kind.is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.push((folder, name, entry.path()));
            }
        }
    }
    Ok(files)
}

/// Copies the store's data folders from `from` to `to`; returns files and bytes. `fresh`
/// (the restore's target) must not be written over: a file already there is an error.
fn copy_audio(from: &Path, to: &Path, fresh: Option<&Path>) -> Result<(u64, u64), String> {
    for folder in AUDIO_FOLDERS {
        let target = to.join(folder);
        fs::create_dir_all(&target).map_err(io_error("cannot create", &target))?;
    }
    let (mut files, mut bytes) = (0, 0);
    for (folder, name, path) in audio_files(from)? {
        let destination = to.join(folder).join(name);
        if fresh.is_some() && destination.exists() {
            return Err(format!("{} exists already", destination.display()));
        }
        bytes += copy_file(&path, &destination)?;
        files += 1;
    }
    Ok((files, bytes))
}

/// Sends the backup's audio into the target's object store; returns files and bytes.
fn upload_audio(from: &Path, remote: &Remote) -> Result<(u64, u64), String> {
    let (mut files, mut bytes) = (0, 0);
    for (folder, name, path) in audio_files(from)? {
        remote
            .put_file(folder, &name, &path)
            .map_err(|e| format!("sending {folder}/{name} to {}: {e}", remote.name()))?;
        bytes += fs::metadata(&path).map_or(0, |m| m.len());
        files += 1;
    }
    Ok((files, bytes))
}

/// Copies one file and makes it durable; returns its size.
fn copy_file(from: &Path, to: &Path) -> Result<u64, String> {
    let bytes = fs::copy(from, to)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_error("cannot sync", to))?;
    Ok(bytes)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    let path = dir.join(MANIFEST);
    let text = serde_json::to_string_pretty(manifest).map_err(|e| e.to_string())?;
    fs::write(&path, text).map_err(io_error("cannot write", &path))?;
    fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .map_err(io_error("cannot sync", &path))?;
    // The directory entries too, so the finished backup survives a crash as a whole.
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("cannot sync", dir))
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .map_err(io_error("cannot restrict", path))
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> Result<(), String> {
    Ok(())
}

/// The URL without its password, and the password (for `PGPASSWORD`): a command line is
/// readable by every user of the machine.
fn without_password(url: &str) -> Result<(String, Option<String>), String> {
    let mut parsed =
        url::Url::parse(url).map_err(|e| format!("the database URL cannot be read: {e}"))?;
    let password = parsed.password().map(percent_decode);
    if password.is_some() {
        let _ = parsed.set_password(None);
    }
    Ok((parsed.to_string(), password))
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Runs `pg_dump` or `pg_restore`, its error output shown when it fails.
fn run_tool(mut command: Command, password: Option<&str>, tool: &Path) -> Result<(), String> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|e| {
        format!(
            "cannot run {} ({e}): install PostgreSQL's client tools of the server's major \
             version, or name the program with --pg-dump / --pg-restore",
            tool.display()
        )
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed ({}): {}",
            tool.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let (url, password) =
            without_password("postgres://callqa:s%40cr+t@db.example:5432/callqa").unwrap();
        assert_eq!(url, "postgres://callqa@db.example:5432/callqa");
        assert_eq!(password.as_deref(), Some("s@cr+t"));
        let (url, password) = without_password("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1/x");
        assert_eq!(password, None);
    }
}
