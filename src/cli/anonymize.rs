//! `callqa anonymize`: the ingest pipeline's audio step on one file, with timing and memory.
//!
//! Exactly what the server runs for an upload, so a problem file can be checked by hand and the
//! speed measured (`tests/bench/anonymize.sh`).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::audio::{
    self, AnonymizeOptions, CopyFormat, OperatorChannel, Redaction, RedactionMode, VoiceMode,
};

#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    /// The original recording (WAV, MP3, FLAC, OGG Vorbis, AAC/M4A).
    input: PathBuf,
    /// Where to write the reviewer copy: an MP3 as the server builds it, or a mono WAV PCM16 at
    /// the source's rate when OUTPUT ends in `.wav` (to measure what the MP3 costs).
    output: PathBuf,
    /// Voice disguise: off, pitch, strong or mcadams.
    #[arg(long, default_value = "pitch", value_parser = parse_voice)]
    voice: VoiceMode,
    /// The operator's side of a stereo recording (left or right): only it is disguised, the
    /// customer's stays natural. Default: the whole call is.
    #[arg(long, default_value = "unknown", value_parser = parse_channel)]
    operator_channel: OperatorChannel,
    /// A range to hide, in seconds: `12.5-14.0` (silenced) or `12.5-14.0:bleep`. Repeatable.
    #[arg(long = "redact", value_name = "START-END[:bleep]", value_parser = parse_redaction)]
    redactions: Vec<Redaction>,
    /// Where to write the waveform peaks (JSON); default: OUTPUT with `.peaks.json`.
    #[arg(long)]
    peaks: Option<PathBuf>,
    /// Seed for the disguise parameters (reproducible runs); default: drawn from the system.
    #[arg(long)]
    seed: Option<u64>,
}

pub fn run(args: AnonymizeArgs) -> Result<(), String> {
    let peaks = args
        .peaks
        .clone()
        .unwrap_or_else(|| args.output.with_extension("peaks.json"));
    let options = AnonymizeOptions {
        format: format_for(&args.output),
        voice: args.voice,
        operator_channel: args.operator_channel,
        redactions: args.redactions,
        seed: args.seed,
    };
    let started = Instant::now();
    let report = audio::anonymize(&args.input, &args.output, &peaks, &options)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let seconds = started.elapsed().as_secs_f64();

    let duration = report.duration_ms as f64 / 1000.0;
    println!(
        "{} -> {} (peaks: {})",
        args.input.display(),
        args.output.display(),
        peaks.display()
    );
    let bytes = std::fs::metadata(&args.output).map_or(0, |m| m.len());
    println!(
        "audio: {duration:.3} s, {} {} Hz mono, {bytes} bytes = {:.1} KB a minute (source: {}, \
         {} Hz, {} channel(s))",
        report.format.extension(),
        report.copy_rate,
        bytes as f64 / 1000.0 / (duration / 60.0).max(1e-9),
        report.codec,
        report.sample_rate,
        report.source_channels
    );
    let side = match report.disguised_channel {
        OperatorChannel::Unknown => String::new(),
        side => format!(", the {side} channel only"),
    };
    println!(
        "voice: {}{side} (pitch {:+.2} semitones, formants x{:.3}, McAdams alpha {:.3}; \
         owner-only)",
        report.voice,
        report.voice_params.pitch_semitones,
        report.voice_params.formant_ratio,
        report.voice_params.mcadams_alpha
    );
    println!(
        "time: {seconds:.3} s = {:.0}x real time; peak memory: {}",
        duration / seconds.max(1e-9),
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// WAV for an output named `*.wav`, else MP3.
fn format_for(output: &std::path::Path) -> CopyFormat {
    match output.extension() {
        Some(ext) if ext.eq_ignore_ascii_case("wav") => CopyFormat::Wav,
        _ => CopyFormat::Mp3,
    }
}

fn parse_voice(s: &str) -> Result<VoiceMode, String> {
    s.parse().map_err(|e: audio::AudioError| e.to_string())
}

fn parse_channel(s: &str) -> Result<OperatorChannel, String> {
    s.parse().map_err(|e: audio::AudioError| e.to_string())
}

/// `START-END` in seconds, optionally followed by `:bleep` or `:silence`.
fn parse_redaction(s: &str) -> Result<Redaction, String> {
    let (range, mode) = match s.rsplit_once(':') {
        Some((range, "bleep")) => (range, RedactionMode::Bleep),
        Some((range, "silence")) => (range, RedactionMode::Silence),
        Some((_, other)) => return Err(format!("unknown redaction mode {other:?}")),
        None => (s, RedactionMode::Silence),
    };
    let (start, end) = range
        .split_once('-')
        .ok_or_else(|| format!("expected START-END in seconds, got {range:?}"))?;
    let start_ms = seconds_to_ms(start)?;
    let end_ms = seconds_to_ms(end)?;
    if end_ms <= start_ms {
        return Err(format!("{range}: the end must come after the start"));
    }
    Ok(Redaction {
        start_ms,
        end_ms,
        mode,
    })
}

fn seconds_to_ms(s: &str) -> Result<u64, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !seconds.is_finite() || !(0.0..=1e9).contains(&seconds) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok((seconds * 1000.0).round() as u64)
}

/// The process's peak resident memory (Linux `VmHWM`).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MB", kib / 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_name_picks_the_format() {
        assert_eq!(format_for("a/b.WAV".as_ref()), CopyFormat::Wav);
        assert_eq!(format_for("copy.mp3".as_ref()), CopyFormat::Mp3);
        assert_eq!(format_for("copy".as_ref()), CopyFormat::Mp3);
    }

    #[test]
    fn parses_redactions() {
        assert_eq!(
            parse_redaction("12.5-14.0:bleep").unwrap(),
            Redaction {
                start_ms: 12_500,
                end_ms: 14_000,
                mode: RedactionMode::Bleep
            }
        );
        assert_eq!(parse_redaction("0-1").unwrap().mode, RedactionMode::Silence);
        for bad in ["5-2", "a-b", "1-2:loud", "-1-2", "3", "1-inf"] {
            assert!(parse_redaction(bad).is_err(), "{bad}");
        }
    }
}
