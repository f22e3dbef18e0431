//! Audio: turn an uploaded call recording into the copy a reviewer hears.
//!
//! The reviewer copy is rebuilt from decoded samples only, so no container, tag, cover image or
//! encoder fingerprint of the original survives. One pass, block by block, in bounded memory:
//!
//! ```text
//! decode ─▶ mono ─▶ silence marked ranges ─▶ voice disguise ─▶ silence/bleep marked ranges ─▶ MP3
//!                                                                                        └─▶ peaks
//! ```
//!
//! Marked ranges are cleared twice on purpose: before the disguise, so no marked speech can be
//! smeared into neighbouring output by the disguise's analysis windows, and after it, so the range
//! is exactly silent or carries a clean tone.
//!
//! Channels: the copy is mono, so the MP3 spends its few bits on one channel. A stereo recording
//! (call recorders often put the operator and the customer on separate channels) is mixed down
//! before anything else and the disguise runs once on the mix, unless the owner said which side
//! is the operator's ([`OperatorChannel`]): then only that side is disguised, the customer's side
//! waits in a queue as long as the disguise's delay and is mixed back in, natural and sample
//! aligned. Customers' voices are not what links an operator's calls, and natural ones are
//! easier to follow. Redaction, disguise and peaks work at the
//! source's sample rate; the MP3 writer resamples to 16 kHz (see [`mp3`], [`resample`]).
//! [`CopyFormat::Wav`] (PCM16 at the source's rate) is what earlier versions served; `callqa
//! anonymize` can still write it, to compare the two.
//!
//! Voice disguise parameters are drawn at random **per call** (see [`disguise`]): a fixed
//! setting lets anyone who applies the same transform link one operator's calls almost as well as
//! the originals.

pub mod decode;
pub mod disguise;
pub mod mp3;
pub mod peaks;
pub mod redact;
pub mod resample;
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
    /// Pitch and formants shifted together by a random amount per call, then the formants
    /// alone by another; duration kept. The default: the best trade-off measured.
    #[default]
    Pitch,
    /// The same as [`VoiceMode::Pitch`] with a wider pitch shift: calls harder to link, words
    /// harder to make out.
    Strong,
    /// McAdams pole-angle warping of the vocal tract (random coefficient per call) plus a small
    /// random pitch shift.
    McAdams,
}

impl VoiceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VoiceMode::Off => "off",
            VoiceMode::Pitch => "pitch",
            VoiceMode::Strong => "strong",
            VoiceMode::McAdams => "mcadams",
        }
    }

    /// Every mode, in the order the owner is offered them.
    pub const ALL: [VoiceMode; 4] = [
        VoiceMode::Off,
        VoiceMode::Pitch,
        VoiceMode::Strong,
        VoiceMode::McAdams,
    ];
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
            "strong" => Ok(VoiceMode::Strong),
            "mcadams" => Ok(VoiceMode::McAdams),
            other => Err(AudioError::InvalidOptions(format!(
                "unknown voice mode {other:?} (expected off, pitch, strong or mcadams)"
            ))),
        }
    }
}

/// Which side of a stereo recording carries the operator, as the owner knows their recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OperatorChannel {
    /// Not said (or both voices on both sides): the mix of both sides is disguised.
    #[default]
    Unknown,
    Left,
    Right,
}

impl OperatorChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorChannel::Unknown => "unknown",
            OperatorChannel::Left => "left",
            OperatorChannel::Right => "right",
        }
    }

    /// The operator's plane among a stereo block's two (left first), if known.
    fn index(self) -> Option<usize> {
        match self {
            OperatorChannel::Unknown => None,
            OperatorChannel::Left => Some(0),
            OperatorChannel::Right => Some(1),
        }
    }
}

impl serde::Serialize for OperatorChannel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for OperatorChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OperatorChannel {
    type Err = AudioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unknown" => Ok(OperatorChannel::Unknown),
            "left" => Ok(OperatorChannel::Left),
            "right" => Ok(OperatorChannel::Right),
            other => Err(AudioError::InvalidOptions(format!(
                "unknown operator channel {other:?} (expected unknown, left or right)"
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

/// The file format of a reviewer copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopyFormat {
    /// Mono MP3, 16 kHz, 16 kbit/s constant: what the server builds.
    #[default]
    Mp3,
    /// Mono WAV PCM16 at the source's rate: what earlier versions built, and what `callqa
    /// anonymize` writes for a measurement.
    Wav,
}

impl CopyFormat {
    /// The registered media type.
    pub fn media_type(self) -> &'static str {
        match self {
            CopyFormat::Mp3 => "audio/mpeg",
            CopyFormat::Wav => "audio/wav",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            CopyFormat::Mp3 => "mp3",
            CopyFormat::Wav => "wav",
        }
    }

    /// The format of a stored copy, from its first bytes: a copy is either a WAV written by
    /// [`wav`] (`RIFF….WAVE`) or an MP3 written by [`mp3`] (an MPEG audio frame header first).
    /// `None` for anything else.
    pub fn sniff(head: &[u8]) -> Option<CopyFormat> {
        match head {
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'A',
                b'V',
                b'E',
                ..,
            ] => Some(CopyFormat::Wav),
            // 11 sync bits, then a version other than "reserved" and layer III.
            [0xFF, second, ..] if second & 0xE0 == 0xE0 && second & 0x18 != 0x08 => {
                (second & 0x06 == 0x02).then_some(CopyFormat::Mp3)
            }
            _ => None,
        }
    }

    /// The format of the stored copy at `path` (see [`CopyFormat::sniff`]).
    pub fn of_file(path: &Path) -> Result<Option<CopyFormat>, AudioError> {
        use std::io::Read;
        let mut head = [0u8; 12];
        let mut file = fs::File::open(path).map_err(|e| AudioError::io("read", path, e))?;
        let mut filled = 0;
        while filled < head.len() {
            match file.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(AudioError::io("read", path, e)),
            }
        }
        Ok(CopyFormat::sniff(&head[..filled]))
    }
}

/// Options for [`anonymize`].
#[derive(Debug, Clone, Default)]
pub struct AnonymizeOptions {
    /// The format of the copy: MP3 unless a measurement asks for WAV.
    pub format: CopyFormat,
    pub voice: VoiceMode,
    /// The operator's side of a stereo recording: only it is disguised. Ignored for mono.
    pub operator_channel: OperatorChannel,
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
    /// Sample rate of the original, at which redaction, disguise and peaks run.
    pub sample_rate: u32,
    /// The format of the copy.
    pub format: CopyFormat,
    /// Sample rate of the copy: [`mp3::OUTPUT_RATE`] for an MP3, the original's for a WAV.
    pub copy_rate: u32,
    /// Channels of the reviewer copy (always 1).
    pub channels: u16,
    /// Channels in the original file.
    pub source_channels: u16,
    pub codec: String,
    pub voice: VoiceMode,
    /// The one side that was disguised, when the owner named the operator's side of a stereo
    /// recording and a disguise ran; `Unknown` when the whole mix was (or nothing was).
    pub disguised_channel: OperatorChannel,
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

/// Builds the reviewer copy of `input`: an audio file at `output` in `options.format` and
/// waveform peaks (JSON, see [`peaks`]) at `peaks_json`, computed on the samples before they are
/// encoded.
///
/// Both outputs are first written next to their final paths and renamed into place only when
/// complete, so a failure leaves nothing behind. Neither is synced to disk: the caller decides
/// when durability matters.
pub fn anonymize(
    input: &Path,
    output: &Path,
    peaks_json: &Path,
    options: &AnonymizeOptions,
) -> Result<AnonymizeReport, AudioError> {
    let audio_tmp = partial_path(output);
    let peaks_tmp = partial_path(peaks_json);
    let outcome = guard(|| {
        let report = run_pipeline(input, &audio_tmp, &peaks_tmp, options)?;
        fs::rename(&audio_tmp, output).map_err(|e| AudioError::io("write", output, e))?;
        fs::rename(&peaks_tmp, peaks_json).map_err(|e| AudioError::io("write", peaks_json, e))?;
        Ok(report)
    });
    if outcome.is_err() {
        let _ = fs::remove_file(&audio_tmp);
        let _ = fs::remove_file(&peaks_tmp);
    }
    outcome
}

fn run_pipeline(
    input: &Path,
    audio_path: &Path,
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
    let mut stage = disguise::Chain::new(&params, rate);
    let (sink, copy_rate) = match options.format {
        CopyFormat::Mp3 => (
            Sink::Mp3(Box::new(mp3::Mp3Writer::create(audio_path, rate)?)),
            mp3::OUTPUT_RATE,
        ),
        CopyFormat::Wav => (
            Sink::Wav(wav::WavWriter::create(audio_path, rate, 1)?),
            rate,
        ),
    };
    // Only the operator's side is disguised when the owner said which one it is.
    let operator = options
        .operator_channel
        .index()
        .filter(|_| info.channels == 2 && options.voice != VoiceMode::Off);
    let mut output = Output {
        sink,
        peaks: peaks::Peaks::new(rate, 1),
        redactions: &redactions,
        plane: Vec::new(),
        beside: operator.map(|_| std::collections::VecDeque::new()),
        position: 0,
    };

    let mut in_pos: u64 = 0;
    loop {
        match (operator, output.beside.as_mut()) {
            (Some(index), Some(beside)) if decoded.len() == 2 => {
                let frames = decoded[0].len().min(decoded[1].len());
                for plane in decoded.iter_mut() {
                    plane.truncate(frames);
                    redactions.silence(plane, in_pos);
                }
                in_pos += frames as u64;
                beside.extend(&decoded[1 - index]);
                stage.process(&decoded[index], &mut output.plane);
            }
            _ => {
                downmix(&mut decoded);
                if let Some(plane) = decoded.first_mut() {
                    redactions.silence(plane, in_pos);
                    in_pos += plane.len() as u64;
                    stage.process(plane, &mut output.plane);
                }
            }
        }
        output.emit()?;
        if !source.next_block(&mut decoded)? {
            break;
        }
    }
    stage.finish(&mut output.plane);
    output.emit()?;

    let frames = output.position;
    output.sink.finish()?;
    output.peaks.write(peaks_path)?;
    Ok(AnonymizeReport {
        duration_ms: frames_to_ms(frames, rate),
        sample_rate: rate,
        format: options.format,
        copy_rate,
        channels: 1,
        source_channels: info.source_channels,
        codec: info.codec,
        voice: options.voice,
        disguised_channel: if operator.is_some() {
            options.operator_channel
        } else {
            OperatorChannel::Unknown
        },
        voice_params: params,
        unwarped_frames: stage.unwarped_frames(),
    })
}

/// Mixes a stereo block down to mono into its first plane: the mean of the channels, so a voice
/// on one side only comes out 6 dB quieter and the mix never clips. (The decoder already mixes
/// more than two channels.) The other planes are left as they are, for the decoder to reuse.
fn downmix(planes: &mut [Vec<f32>]) {
    let Some((mono, rest)) = planes.split_first_mut() else {
        return;
    };
    if rest.is_empty() {
        return;
    }
    let frames = rest.iter().map(Vec::len).fold(mono.len(), usize::min);
    mono.truncate(frames);
    for other in rest.iter() {
        for (m, s) in mono.iter_mut().zip(other) {
            *m += s;
        }
    }
    let scale = 1.0 / (rest.len() + 1) as f32;
    for m in mono.iter_mut() {
        *m *= scale;
    }
}

/// Where the finished samples go.
enum Sink {
    Mp3(Box<mp3::Mp3Writer>),
    Wav(wav::WavWriter),
}

impl Sink {
    fn write(&mut self, plane: &[f32]) -> Result<(), AudioError> {
        match self {
            Sink::Mp3(mp3) => mp3.write(plane),
            Sink::Wav(wav) => wav.write_mono(plane),
        }
    }

    fn finish(self) -> Result<(), AudioError> {
        match self {
            Sink::Mp3(mp3) => mp3.finish(),
            Sink::Wav(wav) => wav.finish(),
        }
    }
}

/// The last stages, fed with the disguised samples: final redaction, peaks, encoder.
struct Output<'a> {
    sink: Sink,
    peaks: peaks::Peaks,
    redactions: &'a redact::Redactor,
    plane: Vec<f32>,
    /// The customer's side of a stereo call whose operator side alone is disguised: queued
    /// until the disguise hands back the operator's samples of the same moments.
    beside: Option<std::collections::VecDeque<f32>>,
    /// Absolute position of the next output frame.
    position: u64,
}

impl Output<'_> {
    fn emit(&mut self) -> Result<(), AudioError> {
        if self.plane.is_empty() {
            return Ok(());
        }
        if let Some(beside) = self.beside.as_mut() {
            // The mean of the two sides, as `downmix` mixes them. The disguise lags its input,
            // never leads it, and its output is as long, so the queue never runs short.
            let frames = self.plane.len().min(beside.len());
            debug_assert_eq!(frames, self.plane.len());
            for (sample, other) in self.plane.iter_mut().zip(beside.drain(..frames)) {
                *sample = (*sample + other) * 0.5;
            }
        }
        self.redactions.apply_final(&mut self.plane, self.position);
        self.peaks.push(std::slice::from_ref(&self.plane));
        self.sink.write(&self.plane)?;
        self.position += self.plane.len() as u64;
        self.plane.clear();
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

    use super::CopyFormat;

    #[test]
    fn stereo_is_mixed_to_the_mean_and_mono_left_alone() {
        let mut planes = vec![vec![1.0, 0.5, -1.0, 0.25], vec![1.0, -0.5, 0.0]];
        super::downmix(&mut planes);
        assert_eq!(planes[0], [1.0, 0.0, -0.5]);
        let mut mono = vec![vec![0.3, -0.7]];
        super::downmix(&mut mono);
        assert_eq!(mono, [vec![0.3, -0.7]]);
        super::downmix(&mut []);
    }

    #[test]
    fn a_stored_copy_is_known_by_its_first_bytes() {
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ";
        assert_eq!(CopyFormat::sniff(wav), Some(CopyFormat::Wav));
        // MPEG-2 Layer III (what we write), MPEG-1 and MPEG-2.5 Layer III.
        for header in [
            b"\xff\xf3\x14\xc4",
            b"\xff\xfb\x90\x64",
            b"\xff\xe3\x18\xc4",
        ] {
            assert_eq!(
                CopyFormat::sniff(header),
                Some(CopyFormat::Mp3),
                "{header:x?}"
            );
        }
        for other in [
            &b"RIFF\x24\x00\x00\x00AVI LIST"[..],
            b"ID3\x04\x00",
            b"\xff\xf1\x50\x80", // AAC in ADTS
            b"\xff\xfd\x90\x64", // MPEG-1 Layer II
            b"\xff\xeb\x90\x64", // reserved MPEG version
            b"OggS",
            b"",
            b"\xff",
        ] {
            assert_eq!(CopyFormat::sniff(other), None, "{other:x?}");
        }
        assert_eq!(CopyFormat::Mp3.media_type(), "audio/mpeg");
        assert_eq!(CopyFormat::Wav.extension(), "wav");
    }

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
