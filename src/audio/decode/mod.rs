//! Decoding: any supported container and codec in, planar `f32` blocks out, one packet at a time.
//!
//! This is the only module that talks to symphonia. It turns the decoder's many failure modes
//! into [`AudioError`]s a person understands, and it refuses absurd header values (sample rate,
//! channel count, duration) before they can size anything. WAV size fields left unset by a
//! recorder writing to a pipe are shown to symphonia corrected (see `riff`).
//!
//! - this file: the limits, [`Source`] (opening a file and delivering its blocks);
//! - `riff`: the WAV size fields to correct and the reader that corrects them;
//! - `mp4`: the encoder priming an MP4 edit list asks to skip.

mod mp4;
mod riff;

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use self::mp4::mp4_priming;
use self::riff::{PatchedFile, riff_size_patches};
use super::{AudioError, MAX_DURATION_MS};

/// Lowest sample rate accepted: the 1 kHz bleep and the disguise need some bandwidth.
pub const MIN_SAMPLE_RATE: u32 = 4_000;
/// Highest sample rate accepted.
pub const MAX_SAMPLE_RATE: u32 = 192_000;
/// Most channels accepted in a file (they are mixed down to mono beyond two).
pub const MAX_CHANNELS: usize = 32;
/// Damaged packets in a row after which the file is declared corrupt rather than patched over.
const MAX_CONSECUTIVE_BAD_PACKETS: u32 = 64;
/// The longest gap a single damaged packet may be patched with, in milliseconds.
const MAX_PATCH_MS: u64 = 1_000;

/// What the decoder learned from the file's headers.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    pub sample_rate: u32,
    /// Channels in the file.
    pub source_channels: u16,
    /// Channels delivered by [`Source::next_block`]: 1 or 2.
    pub channels: usize,
    pub codec: String,
    /// The container's media type (`audio/wav`, `audio/mpeg`, …) as the demuxer that read it
    /// knows it, or `None` for a container without a registered audio type.
    pub media_type: Option<&'static str>,
    /// Duration in frames when the container states it.
    pub header_frames: Option<u64>,
}

/// An open recording, read block by block.
pub struct Source {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    /// Frames per packet-duration unit, as a ratio (packet durations are in time-base units).
    time_base: Option<(u64, u64)>,
    info: SourceInfo,
    frames: u64,
    max_frames: u64,
    bad_in_a_row: u32,
    /// Leading frames still to drop: encoder priming the decoder does not trim itself.
    skip: u64,
    scratch: Vec<Vec<f32>>,
}

impl Source {
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let mut file = File::open(path).map_err(|e| AudioError::io("read", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| AudioError::io("read", path, e))?
            .len();
        if len == 0 {
            return Err(AudioError::Empty);
        }
        let patches = riff_size_patches(&mut file, len)?;
        let priming = mp4_priming(&mut file, len);
        file.seek(SeekFrom::Start(0))
            .map_err(|e| AudioError::io("read", path, e))?;
        let file = PatchedFile::new(file, patches);
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                stream,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymphoniaError::IoError(ref io) if io.kind() == ErrorKind::UnexpectedEof => {
                    AudioError::Unsupported("no known audio format found".into())
                }
                SymphoniaError::IoError(io) => AudioError::io("read", path, io),
                SymphoniaError::Unsupported(what) => AudioError::Unsupported(what.into()),
                other => AudioError::Corrupt(other.to_string()),
            })?;
        let mut source = Self::from_format(format)?;
        source.skip = priming.map_or(0, |(media_time, timescale)| {
            let frames = u128::from(media_time) * u128::from(source.info.sample_rate)
                / u128::from(timescale.max(1));
            // More than a second of "priming" is not priming: ignore such an edit list.
            u64::try_from(frames)
                .unwrap_or(u64::MAX)
                .min(u64::from(source.info.sample_rate))
        });
        Ok(source)
    }

    fn from_format(format: Box<dyn FormatReader>) -> Result<Self, AudioError> {
        let track = format
            .default_track(TrackType::Audio)
            .ok_or(AudioError::Empty)?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| AudioError::Unsupported("the audio track has no known codec".into()))?;

        let registry = symphonia::default::get_codecs();
        let codec = registry
            .get_audio_decoder(params.codec)
            .map(|d| d.codec.info.short_name.to_string())
            .ok_or_else(|| AudioError::Unsupported(format!("codec {}", params.codec)))?;

        let sample_rate = params
            .sample_rate
            .ok_or_else(|| AudioError::Corrupt("the sample rate is missing".into()))?;
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(AudioError::Unsupported(format!(
                "a sample rate of {sample_rate} Hz (accepted: {MIN_SAMPLE_RATE} to \
                 {MAX_SAMPLE_RATE} Hz)"
            )));
        }
        // Some containers only learn the channel layout from the first decoded packet; the
        // decoder's output spec is checked again on every block.
        let source_channels = params.channels.as_ref().map_or(0, |c| c.count());
        if source_channels > MAX_CHANNELS {
            return Err(AudioError::Unsupported(format!(
                "{source_channels} channels (at most {MAX_CHANNELS})"
            )));
        }

        let time_base = track
            .time_base
            .map(|tb| (u64::from(tb.numer.get()), u64::from(tb.denom.get())));
        let header_frames = track.num_frames.or_else(|| {
            let (numer, denom) = time_base?;
            let dur = track.duration?.get();
            let frames =
                u128::from(dur) * u128::from(numer) * u128::from(sample_rate) / u128::from(denom);
            u64::try_from(frames).ok()
        });
        let max_frames = MAX_DURATION_MS * u64::from(sample_rate) / 1000;
        if header_frames.is_some_and(|f| f > max_frames) {
            return Err(AudioError::too_long());
        }

        let track_id = track.id;
        let media_type = media_type(format.format_info().short_name);
        let decoder = registry
            .make_audio_decoder(params, &AudioDecoderOptions::default())
            .map_err(|e| match e {
                SymphoniaError::Unsupported(what) => AudioError::Unsupported(what.into()),
                other => AudioError::Corrupt(other.to_string()),
            })?;

        Ok(Source {
            format,
            decoder,
            track_id,
            time_base,
            info: SourceInfo {
                sample_rate,
                source_channels: source_channels as u16,
                channels: output_channels(source_channels.max(1)),
                codec,
                media_type,
                header_frames,
            },
            frames: 0,
            max_frames,
            bad_in_a_row: 0,
            skip: 0,
            scratch: Vec::new(),
        })
    }

    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// Frames delivered so far.
    pub fn frames_decoded(&self) -> u64 {
        self.frames
    }

    /// Replaces `out` with the next block of audio, one `Vec` per output channel (all the same
    /// length). Returns `Ok(false)` at the end of the stream.
    pub fn next_block(&mut self, out: &mut Vec<Vec<f32>>) -> Result<bool, AudioError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(false),
                Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return self.end_of_data();
                }
                Err(SymphoniaError::IoError(e)) => {
                    return Err(AudioError::Corrupt(format!("read error: {e}")));
                }
                Err(SymphoniaError::ResetRequired) => {
                    return Err(AudioError::Unsupported(
                        "the stream changes format midway".into(),
                    ));
                }
                Err(SymphoniaError::DecodeError(what)) => {
                    self.note_bad_packet(what)?;
                    continue;
                }
                Err(other) => return Err(AudioError::Corrupt(other.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buffer) => {
                    self.bad_in_a_row = 0;
                    let spec = buffer.spec();
                    if spec.rate() != self.info.sample_rate {
                        return Err(AudioError::Unsupported(
                            "the sample rate changes midway".into(),
                        ));
                    }
                    let channels = spec.channels().count();
                    if channels == 0 || channels > MAX_CHANNELS {
                        return Err(AudioError::Unsupported(format!("{channels} channels")));
                    }
                    if self.frames == 0 && self.info.source_channels as usize != channels {
                        self.info.source_channels = channels as u16;
                        self.info.channels = output_channels(channels);
                    } else if self.info.source_channels as usize != channels {
                        return Err(AudioError::Unsupported(
                            "the channel count changes midway".into(),
                        ));
                    }
                    if buffer.frames() == 0 {
                        continue;
                    }
                    buffer.copy_to_vecs_planar::<f32>(&mut self.scratch);
                    if self.skip > 0 {
                        let frames = self.scratch.first().map_or(0, Vec::len);
                        let drop = frames.min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                        self.skip -= drop as u64;
                        if drop == frames {
                            continue;
                        }
                        for plane in &mut self.scratch {
                            plane.drain(..drop);
                        }
                    }
                    self.deliver(out)?;
                    return Ok(true);
                }
                Err(SymphoniaError::DecodeError(what)) => {
                    self.note_bad_packet(what)?;
                    // Keep the timeline: a damaged packet becomes silence of its length, so
                    // everything after it stays where the owner marked it.
                    let frames = self.packet_frames(packet.dur.get());
                    if frames > 0 {
                        for plane in &mut self.scratch {
                            plane.clear();
                            plane.resize(frames, 0.0);
                        }
                        if self.scratch.len() == self.info.source_channels as usize {
                            self.deliver(out)?;
                            return Ok(true);
                        }
                    }
                }
                Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return self.end_of_data();
                }
                Err(SymphoniaError::Unsupported(what)) => {
                    return Err(AudioError::Unsupported(what.into()));
                }
                Err(other) => return Err(AudioError::Corrupt(other.to_string())),
            }
        }
    }

    /// The data ran out inside a packet or a header.
    fn end_of_data(&self) -> Result<bool, AudioError> {
        if self.frames == 0 {
            return Err(AudioError::Empty);
        }
        Err(AudioError::Truncated {
            decoded_ms: super::frames_to_ms(self.frames, self.info.sample_rate),
        })
    }

    fn note_bad_packet(&mut self, what: &str) -> Result<(), AudioError> {
        self.bad_in_a_row += 1;
        if self.bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS {
            return Err(AudioError::Corrupt(what.to_string()));
        }
        Ok(())
    }

    fn packet_frames(&self, dur: u64) -> usize {
        let Some((numer, denom)) = self.time_base else {
            return 0;
        };
        let frames = u128::from(dur) * u128::from(numer) * u128::from(self.info.sample_rate)
            / u128::from(denom);
        let cap = MAX_PATCH_MS * u64::from(self.info.sample_rate) / 1000;
        frames.min(u128::from(cap)) as usize
    }

    /// Moves `scratch` into `out`, mixing down to mono beyond two channels.
    fn deliver(&mut self, out: &mut Vec<Vec<f32>>) -> Result<(), AudioError> {
        let frames = self.scratch.first().map_or(0, Vec::len);
        self.frames += frames as u64;
        if self.frames > self.max_frames {
            return Err(AudioError::too_long());
        }
        if self.scratch.len() <= 2 {
            std::mem::swap(out, &mut self.scratch);
            return Ok(());
        }
        out.resize_with(1, Vec::new);
        let mono = &mut out[0];
        mono.clear();
        mono.resize(frames, 0.0);
        let scale = 1.0 / self.scratch.len() as f32;
        for plane in &self.scratch {
            for (m, s) in mono.iter_mut().zip(plane) {
                *m += s * scale;
            }
        }
        Ok(())
    }
}

/// The registered media type of a container, by the name of symphonia's demuxer for it.
fn media_type(demuxer: &str) -> Option<&'static str> {
    Some(match demuxer {
        "wave" => "audio/wav",
        "mp1" | "mp2" | "mp3" => "audio/mpeg",
        "flac" => "audio/flac",
        "ogg" => "audio/ogg",
        "isomp4" => "audio/mp4",
        "aac" => "audio/aac",
        "aiff" => "audio/aiff",
        _ => return None,
    })
}

/// Reads into `buf` until it is full or the reader has no more (errors end the read too);
/// returns how many bytes were read.
fn read_up_to<R: Read>(file: &mut R, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

fn output_channels(source_channels: usize) -> usize {
    if source_channels == 2 { 2 } else { 1 }
}
