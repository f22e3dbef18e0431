//! Audio: turn an uploaded call recording into the copy a reviewer hears.
//!
//! The reviewer copy is rebuilt from decoded samples only, so no container, tag, cover image or
//! encoder fingerprint of the original survives. One pass, block by block, in bounded memory:
//!
//! ```text
//! decode ─▶ silence marked ranges ─▶ voice disguise ─▶ silence/bleep marked ranges ─▶ WAV PCM16
//!                                                                                 └─▶ peaks
//! ```
//!
//! Marked ranges are cleared twice on purpose: before the disguise, so no marked speech can be
//! smeared into neighbouring output by the disguise's analysis windows, and after it, so the range
//! is exactly silent or carries a clean tone.
//!
//! Channels: mono stays mono and stereo stays stereo (call recorders often put the operator and
//! the customer on separate channels, and a reviewer benefits from hearing them apart). Files with
//! more than two channels are mixed down to mono.
//!
//! Voice disguise parameters are drawn at random **per call** (see [`disguise`]): a fixed
//! setting lets anyone who applies the same transform link one operator's calls almost as well as
//! the originals.

pub mod decode;
pub mod disguise;
pub mod peaks;
pub mod redact;
pub mod wav;

use std::fmt;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::SeedableRng;
use rand::rngs::StdRng;

pub use disguise::VoiceParams;

/// The longest recording accepted: longer files are refused rather than tying up a worker.
pub const MAX_DURATION_MS: u64 = 4 * 60 * 60 * 1000;
/// The most redactions one recording may carry.
pub const MAX_REDACTIONS: usize = 10_000;

/// Why a recording could not be read or anonymized. Messages are written for the person who
/// uploaded the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is empty or holds no audio track.
    #[error("the file contains no audio")]
    Empty,
    /// Not an audio format (or codec) callqa can decode.
    #[error(
        "not a supported audio file ({0}); supported: WAV (PCM, µ-law, A-law, ADPCM), MP3, FLAC, \
         OGG Vorbis, AAC/M4A"
    )]
    Unsupported(String),
    /// The audio data is damaged.
    #[error("the audio data is damaged ({0})")]
    Corrupt(String),
    /// The file stops in the middle of the audio.
    #[error("the file is truncated: it ends unexpectedly after {decoded_ms} ms of audio")]
    Truncated { decoded_ms: u64 },
    /// The recording is longer than [`MAX_DURATION_MS`] (or too large for a WAV file).
    #[error("the recording is too long (the limit is {limit_minutes} minutes)")]
    TooLong { limit_minutes: u64 },
    /// A redaction range or another option is invalid.
    #[error("invalid option: {0}")]
    InvalidOptions(String),
}

impl AudioError {
    /// A stable snake_case code for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            AudioError::Io { .. } => "audio_io",
            AudioError::Empty => "audio_empty",
            AudioError::Unsupported(_) => "audio_unsupported",
            AudioError::Corrupt(_) => "audio_corrupt",
            AudioError::Truncated { .. } => "audio_truncated",
            AudioError::TooLong { .. } => "audio_too_long",
            AudioError::InvalidOptions(_) => "audio_invalid_options",
        }
    }

    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        AudioError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn too_long() -> Self {
        AudioError::TooLong {
            limit_minutes: MAX_DURATION_MS / 60_000,
        }
    }
}

/// What [`probe`] learns about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioInfo {
    pub duration_ms: u64,
    pub sample_rate: u32,
    /// Channels in the file.
    pub channels: u16,
    /// Short codec name, e.g. `mp3`, `aac`, `pcm_s16le`.
    pub codec: String,
}

/// How the voices in the reviewer copy are disguised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VoiceMode {
    /// Voices are left as recorded.
    Off,
    /// Pitch and formants shifted together by a random amount per call; duration kept.
    #[default]
    Pitch,
    /// McAdams pole-angle warping of the vocal tract (random coefficient per call) plus a small
    /// random pitch shift.
    McAdams,
}

impl VoiceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VoiceMode::Off => "off",
            VoiceMode::Pitch => "pitch",
            VoiceMode::McAdams => "mcadams",
        }
    }
}

/// The same word as [`VoiceMode::as_str`] (the settings' JSON and page).
impl serde::Serialize for VoiceMode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for VoiceMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VoiceMode {
    type Err = AudioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(VoiceMode::Off),
            "pitch" => Ok(VoiceMode::Pitch),
            "mcadams" => Ok(VoiceMode::McAdams),
            other => Err(AudioError::InvalidOptions(format!(
                "unknown voice mode {other:?} (expected off, pitch or mcadams)"
            ))),
        }
    }
}

/// What replaces a marked range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedactionMode {
    #[default]
    Silence,
    /// A 1 kHz tone at a moderate level (-12 dBFS).
    Bleep,
}

impl RedactionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionMode::Silence => "silence",
            RedactionMode::Bleep => "bleep",
        }
    }
}

/// An owner-marked range of the recording that reviewers must not hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redaction {
    pub start_ms: u64,
    /// Exclusive; must be greater than `start_ms`. May lie beyond the end of the recording.
    pub end_ms: u64,
    pub mode: RedactionMode,
}

/// Options for [`anonymize`].
#[derive(Debug, Clone, Default)]
pub struct AnonymizeOptions {
    pub voice: VoiceMode,
    pub redactions: Vec<Redaction>,
    /// Seeds the draw of the disguise parameters (tests, reproducible runs). `None` draws from
    /// the operating system, which is what production must use.
    pub seed: Option<u64>,
}

/// What [`anonymize`] did. `voice_params` is for the owner only: a reviewer who knew them could
/// undo the disguise.
#[derive(Debug, Clone, PartialEq)]
pub struct AnonymizeReport {
    /// Duration of the reviewer copy (equal to the decoded original).
    pub duration_ms: u64,
    pub sample_rate: u32,
    /// Channels of the reviewer copy (1 or 2).
    pub channels: u16,
    /// Channels in the original file.
    pub source_channels: u16,
    pub codec: String,
    pub voice: VoiceMode,
    pub voice_params: VoiceParams,
    /// Frames of the McAdams stage left unwarped because the LPC root finder did not converge
    /// (expected to be zero; reported so a regression is noticed).
    pub unwarped_frames: u64,
}

/// Reads a file's format, duration, sample rate and channels without writing anything.
///
/// The duration comes from the container when it states one; otherwise the file is decoded
/// (in bounded memory) to count it.
pub fn probe(path: &Path) -> Result<AudioInfo, AudioError> {
    guard(|| {
        let mut source = decode::Source::open(path)?;
        let info = source.info().clone();
        let frames = match info.header_frames {
            Some(frames) => frames,
            None => {
                let mut planes = Vec::new();
                while source.next_block(&mut planes)? {}
                source.frames_decoded()
            }
        };
        Ok(AudioInfo {
            duration_ms: frames_to_ms(frames, info.sample_rate),
            sample_rate: info.sample_rate,
            channels: info.source_channels,
            codec: info.codec,
        })
    })
}

/// The media type of the audio in `path` as the decoder finds it (never from a file name):
/// `None` when the decoder cannot read the file or its container has no audio type.
pub fn media_type(path: &Path) -> Option<&'static str> {
    guard(|| Ok(decode::Source::open(path)?.info().media_type))
        .ok()
        .flatten()
}

/// Builds the reviewer copy of `input`: a WAV PCM16 file at `output_wav` and waveform peaks
/// (JSON, see [`peaks`]) at `peaks_json`.
///
/// Both outputs are first written next to their final paths and renamed into place only when
/// complete, so a failure leaves nothing behind. Neither is synced to disk: the caller decides
/// when durability matters.
pub fn anonymize(
    input: &Path,
    output_wav: &Path,
    peaks_json: &Path,
    options: &AnonymizeOptions,
) -> Result<AnonymizeReport, AudioError> {
    let wav_tmp = partial_path(output_wav);
    let peaks_tmp = partial_path(peaks_json);
    let outcome = guard(|| {
        let report = run_pipeline(input, &wav_tmp, &peaks_tmp, options)?;
        fs::rename(&wav_tmp, output_wav).map_err(|e| AudioError::io("write", output_wav, e))?;
        fs::rename(&peaks_tmp, peaks_json).map_err(|e| AudioError::io("write", peaks_json, e))?;
        Ok(report)
    });
    if outcome.is_err() {
        let _ = fs::remove_file(&wav_tmp);
        let _ = fs::remove_file(&peaks_tmp);
    }
    outcome
}

fn run_pipeline(
    input: &Path,
    wav_path: &Path,
    peaks_path: &Path,
    options: &AnonymizeOptions,
) -> Result<AnonymizeReport, AudioError> {
    let mut source = decode::Source::open(input)?;
    let rate = source.info().sample_rate;
    let redactions = redact::Redactor::new(&options.redactions, rate)?;
    let mut rng = match options.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => rand::make_rng::<StdRng>(),
    };
    let params = VoiceParams::draw(options.voice, &mut rng);

    // Some containers only reveal the channel layout with the first decoded packet, so the
    // output is set up after it.
    let mut decoded: Vec<Vec<f32>> = Vec::new();
    if !source.next_block(&mut decoded)? {
        return Err(AudioError::Empty);
    }
    let info = source.info().clone();
    let channels = info.channels;
    let mut stages: Vec<disguise::Chain> = (0..channels)
        .map(|_| disguise::Chain::new(&params, rate))
        .collect();
    let mut output = Output {
        wav: wav::WavWriter::create(wav_path, rate, channels as u16)?,
        peaks: peaks::Peaks::new(rate, channels),
        redactions: &redactions,
        planes: vec![Vec::new(); channels],
        position: 0,
    };

    let mut in_pos: u64 = 0;
    loop {
        let frames = decoded.first().map_or(0, Vec::len);
        for ((plane, stage), out) in decoded.iter_mut().zip(&mut stages).zip(&mut output.planes) {
            redactions.silence(plane, in_pos);
            stage.process(plane, out);
        }
        in_pos += frames as u64;
        output.emit()?;
        if !source.next_block(&mut decoded)? {
            break;
        }
    }
    for (stage, out) in stages.iter_mut().zip(&mut output.planes) {
        stage.finish(out);
    }
    output.emit()?;

    let frames = output.position;
    output.wav.finish()?;
    output.peaks.write(peaks_path)?;
    Ok(AnonymizeReport {
        duration_ms: frames_to_ms(frames, rate),
        sample_rate: rate,
        channels: channels as u16,
        source_channels: info.source_channels,
        codec: info.codec,
        voice: options.voice,
        voice_params: params,
        unwarped_frames: stages.iter().map(disguise::Chain::unwarped_frames).sum(),
    })
}

/// The last stages, fed with disguised planes: final redaction, peaks, WAV.
struct Output<'a> {
    wav: wav::WavWriter,
    peaks: peaks::Peaks,
    redactions: &'a redact::Redactor,
    planes: Vec<Vec<f32>>,
    /// Absolute position of the next output frame.
    position: u64,
}

impl Output<'_> {
    fn emit(&mut self) -> Result<(), AudioError> {
        let frames = self.planes.iter().map(Vec::len).min().unwrap_or(0);
        for plane in &mut self.planes {
            plane.truncate(frames);
            self.redactions.apply_final(plane, self.position);
        }
        self.peaks.push(&self.planes);
        self.wav.write_planar(&self.planes)?;
        self.position += frames as u64;
        self.planes.iter_mut().for_each(Vec::clear);
        Ok(())
    }
}

/// `out.wav` → `out.wav.partial`: same directory, so the final rename is atomic.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn frames_to_ms(frames: u64, rate: u32) -> u64 {
    if rate == 0 {
        return 0;
    }
    (u128::from(frames) * 1000 / u128::from(rate)) as u64
}

/// Third-party decoders are not proven panic-free on hostile input; a panic there must become
/// an error, never take a worker down.
fn guard<T>(work: impl FnOnce() -> Result<T, AudioError>) -> Result<T, AudioError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(AudioError::Corrupt(
            "the decoder could not make sense of the data".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_media_type_comes_from_the_content() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            super::media_type(&root.join("assets/demo/01-ru-anna.mp3")),
            Some("audio/mpeg")
        );
        assert_eq!(super::media_type(&root.join("templates/base.html")), None);
        assert_eq!(super::media_type(&root.join("no/such/file.wav")), None);
    }
}
