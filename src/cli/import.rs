//! `callqa import DIR --script ID [--operator ID] [--manifest FILE]`: bulk import of call
//! recordings from a folder, with a progress bar and a summary. The files are queued for
//! processing; a running `callqa serve` on the same database builds the reviewer copies.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::StorageSettings;
use crate::db::Db;
use crate::recordings::import::{self, FileOutcome, ImportPlan};
use crate::recordings::store::AudioStore;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    storage: StorageSettings,
    /// The folder to import (searched recursively).
    dir: PathBuf,
    /// The script the calls are graded against (its current version).
    #[arg(long)]
    script: String,
    /// The operator (id or external id) for files whose name or manifest does not say.
    #[arg(long)]
    operator: Option<String>,
    /// A CSV manifest (columns: file, operator, called_at, direction, customer_number,
    /// reviews_required). Default: `manifest.csv` in the folder, if present.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Largest file accepted, in megabytes.
    #[arg(long, env = "CALLQA_MAX_UPLOAD_MB", default_value_t = 200)]
    max_file_mb: u64,
}

pub fn run(args: ImportArgs) -> Result<(), String> {
    if !args.dir.is_dir() {
        return Err(format!("{} is not a folder", args.dir.display()));
    }
    let manifest_path = args
        .manifest
        .clone()
        .or_else(|| Some(args.dir.join("manifest.csv")).filter(|p| p.is_file()));
    let manifest = match &manifest_path {
        Some(path) => import::read_manifest(path)?,
        None => Default::default(),
    };
    let files = import::audio_files(&args.dir)
        .map_err(|e| format!("cannot list {}: {e}", args.dir.display()))?;

    std::fs::create_dir_all(&args.storage.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", args.storage.data_dir.display()))?;
    let db = Db::connect(&args.storage.database(), 1).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let store = AudioStore::open_with(&args.storage).map_err(|e| e.to_string())?;
    let mut conn = db.get().map_err(|e| e.to_string())?;

    // An operator given by external id is looked up once.
    let default_operator = match &args.operator {
        Some(given) => Some(
            crate::accounts::operators::OperatorRecord::find_by_external_id(&mut conn, given)
                .map_err(|e| e.to_string())?
                .map_or_else(|| given.clone(), |record| record.id.to_string()),
        ),
        None => None,
    };
    let plan = ImportPlan {
        script_id: &args.script,
        default_operator: default_operator.as_deref(),
        manifest: &manifest,
        max_bytes: args.max_file_mb.saturating_mul(1024 * 1024),
    };

    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut imported, mut duplicates, mut failed) = (0usize, 0usize, Vec::new());
    for path in &files {
        bar.set_message(path.display().to_string());
        match import::import_file(&mut conn, &store, &args.dir, path, &plan) {
            FileOutcome::Imported => imported += 1,
            FileOutcome::Duplicate => duplicates += 1,
            FileOutcome::Failed(reason) => {
                // Printed even when the bar is hidden (output not a terminal).
                bar.suspend(|| eprintln!("skipped {}: {reason}", path.display()));
                failed.push(path.clone());
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    db.make_durable().map_err(|e| e.to_string())?;
    println!(
        "{} file(s) found: {imported} imported, {duplicates} already imported, {} skipped",
        files.len(),
        failed.len()
    );
    if imported > 0 {
        println!("The imported calls are queued; a running `callqa serve` processes them.");
    }
    Ok(())
}
