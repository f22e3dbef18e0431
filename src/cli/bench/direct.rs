//! Seeding many recordings straight into the server's database (`review-loop
//! --database-url`): a million uploads through the API would take hours, so a few are
//! uploaded and processed for real, and the rest are copies of them written row by row — each
//! its own call (id, content hash, name), ready, with the template's reviewer copy, review
//! requirement and script, added to the reviewer pool in the same transaction.
//!
//! The copies share their template's audio files, which is fine for a benchmark (nothing
//! here deletes them) and nowhere else; the command says so before it writes.

use std::time::Instant;

use diesel::prelude::*;

use crate::assignments::pool;
use crate::config::DatabaseUrl;
use crate::db::ids::RecordingId;
use crate::db::schema::recordings;
use crate::db::time::now;
use crate::db::{Db, DbConnection};

/// Calls written per transaction.
const BATCH: usize = 5_000;

/// What a copy takes from its template.
#[derive(Queryable)]
struct Template {
    operator_id: String,
    script_version_id: String,
    duration_ms: Option<i64>,
    channels: Option<i32>,
    sample_rate: Option<i32>,
    voice_mode: String,
    voice_channel: Option<String>,
    anonymized_file: Option<String>,
    peaks_file: Option<String>,
    reviews_required: i32,
    reviews_min: Option<i32>,
    reviews_max: Option<i32>,
}

/// Writes `copies` ready recordings, copies of `templates` in turn, into the database at
/// `url`, each in the reviewer pool.
pub(super) fn copy_ready(url: &str, templates: &[String], copies: usize) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let url = DatabaseUrl::parse(url);
    let db = Db::connect(&url, 1).map_err(|e| text(&e))?;
    let mut conn = db.get().map_err(|e| text(&e))?;
    let mut read = Vec::with_capacity(templates.len());
    for id in templates {
        let template: Template = recordings::table
            .find(id)
            .filter(recordings::status.eq("ready"))
            .select((
                recordings::operator_id,
                recordings::script_version_id,
                recordings::duration_ms,
                recordings::channels,
                recordings::sample_rate,
                recordings::voice_mode,
                recordings::voice_channel,
                recordings::anonymized_file,
                recordings::peaks_file,
                recordings::reviews_required,
                recordings::reviews_min,
                recordings::reviews_max,
            ))
            .first(&mut *conn)
            .map_err(|e| format!("template recording {id}: {e}"))?;
        let language = pool::recording_language(&mut conn, &RecordingId::from_raw(id))
            .map_err(|e| text(&e))?
            .ok_or_else(|| format!("template recording {id} has no script"))?;
        read.push((template, language));
    }
    if read.is_empty() {
        return Err("no template recording to copy".to_owned());
    }
    let started = Instant::now();
    let step = (copies / 10).max(BATCH);
    for start in (0..copies).step_by(BATCH) {
        let end = (start + BATCH).min(copies);
        conn.write_transaction(|conn| {
            let mut locked = pool::lock_all(conn)?;
            let at = now();
            let mut added = Vec::with_capacity(end - start);
            for n in start..end {
                let (template, language) = &read[n % read.len()];
                let id = RecordingId::random();
                insert_copy(conn, template, &id, n, at)?;
                added.push((id, *language));
            }
            pool::append_new(conn, &mut locked, &added)
        })
        .map_err(|e: diesel::result::Error| text(&e))?;
        if end % step < BATCH || end == copies {
            eprintln!(
                "  written {end}/{copies} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeding: {copies} more recordings written straight into the database in {secs:.1} s \
         ({:.0}/s)",
        copies as f64 / secs
    );
    Ok(())
}

fn insert_copy(
    conn: &mut DbConnection,
    template: &Template,
    id: &RecordingId,
    n: usize,
    at: crate::db::time::Timestamp,
) -> QueryResult<()> {
    diesel::insert_into(recordings::table)
        .values((
            recordings::id.eq(id),
            recordings::operator_id.eq(&template.operator_id),
            recordings::script_version_id.eq(&template.script_version_id),
            recordings::status.eq("ready"),
            recordings::original_name.eq(format!("bench-copy-{n:07}.wav")),
            recordings::original_file.eq(format!("bench-copy-{n:07}.wav")),
            // Unique as a real hash would be: the id's hex digits, padded.
            recordings::content_sha256.eq(format!("{:0>64}", id.as_str().replace('-', ""))),
            recordings::size_bytes.eq(16_044i64),
            recordings::duration_ms.eq(template.duration_ms),
            recordings::channels.eq(template.channels),
            recordings::sample_rate.eq(template.sample_rate),
            recordings::voice_mode.eq(&template.voice_mode),
            recordings::voice_channel.eq(&template.voice_channel),
            recordings::anonymized_file.eq(&template.anonymized_file),
            recordings::peaks_file.eq(&template.peaks_file),
            recordings::reviews_required.eq(template.reviews_required),
            recordings::reviews_min.eq(template.reviews_min),
            recordings::reviews_max.eq(template.reviews_max),
            recordings::created_at.eq(at),
            recordings::ready_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}
