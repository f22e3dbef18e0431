//! Decoding: any supported container and codec in, planar `f32` blocks out, one packet at a time.
//!
//! This is the only file that talks to symphonia. It turns the decoder's many failure modes into
//! [`AudioError`]s a person understands, and it refuses absurd header values (sample rate,
//! channel count, duration) before they can size anything. WAV size fields left unset by a
//! recorder writing to a pipe are shown to symphonia corrected (see `riff_size_patches`).

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

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
        let file = PatchedFile {
            file,
            pos: 0,
            patches,
        };
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

/// A 32-bit size field in a WAV header to be read as `value` instead of what the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SizePatch {
    /// Byte offset of the field in the file.
    offset: u64,
    value: u32,
}

/// Most chunks walked looking for `fmt ` and `data`: real files have a handful; this bounds the
/// work a file made of tiny chunks can cause.
const MAX_RIFF_CHUNKS: usize = 1_024;

/// Checks a RIFF/WAVE header and works out which of its size fields to correct.
///
/// Refuses a `fmt ` chunk with absurd values before the decoder sizes anything from them.
/// A recorder writing to a pipe cannot go back to fill in the sizes, so it leaves a placeholder
/// (0xFFFFFFFF, or 0 from a header written before recording began) in the RIFF size, the `data`
/// size, or both. Such a data chunk runs to the end of the file, as other decoders read it, so
/// the real sizes are returned as patches (the data rounded down to whole blocks). A data size is
/// also taken as a placeholder when it could not fit in any RIFF file, or when it runs past the
/// end of a file whose RIFF size is itself a placeholder or says the file is complete. A file
/// cut short under honest sizes (RIFF and data both claiming more than is there, as when an
/// upload stops midway) is left alone, so it is still reported as truncated: the two cases look
/// alike to the decoder, only the RIFF size tells them apart. Files that are not RIFF/WAVE pass
/// untouched.
fn riff_size_patches<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<Vec<SizePatch>, AudioError> {
    let mut head = [0u8; 12];
    if read_at(reader, 0, &mut head) < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Ok(Vec::new());
    }
    let riff_size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let mut block_align = 1u64;
    let mut at = 12u64;
    for _ in 0..MAX_RIFF_CHUNKS {
        let mut header = [0u8; 8];
        if read_at(reader, at, &mut header) < 8 {
            break;
        }
        let id = &header[0..4];
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if id == b"fmt " {
            block_align = check_wave_format(reader, at + 8, size)?;
        } else if id == b"data" {
            return Ok(data_size_patches(riff_size, at, size, block_align, len));
        }
        at = at + 8 + u64::from(size) + u64::from(size & 1);
    }
    Ok(Vec::new())
}

/// Refuses absurd `fmt ` values; returns the block alignment (at least 1).
fn check_wave_format<R: Read + Seek>(
    reader: &mut R,
    body_at: u64,
    size: u32,
) -> Result<u64, AudioError> {
    let mut body = [0u8; 16];
    if size < 16 || read_at(reader, body_at, &mut body) < 16 {
        return Err(AudioError::Corrupt(
            "the WAV format header is too short".into(),
        ));
    }
    let channels = u16::from_le_bytes([body[2], body[3]]);
    let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let block_align = u16::from_le_bytes([body[12], body[13]]);
    let bits = u16::from_le_bytes([body[14], body[15]]);
    if channels == 0 || usize::from(channels) > MAX_CHANNELS {
        return Err(AudioError::Unsupported(format!(
            "a WAV with {channels} channels"
        )));
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(AudioError::Unsupported(format!(
            "a sample rate of {rate} Hz (accepted: {MIN_SAMPLE_RATE} to \
             {MAX_SAMPLE_RATE} Hz)"
        )));
    }
    if bits > 64 {
        return Err(AudioError::Corrupt(format!("{bits} bits per sample")));
    }
    Ok(u64::from(block_align.max(1)))
}

/// The size patches for a `data` chunk whose header starts at `chunk_at` in a file of `len`
/// bytes (see `riff_size_patches` for the rules).
fn data_size_patches(
    riff_size: u32,
    chunk_at: u64,
    data_size: u32,
    block_align: u64,
    len: u64,
) -> Vec<SizePatch> {
    let riff_unsized = riff_size == 0 || riff_size == u32::MAX;
    let riff_end = 8 + u64::from(riff_size);
    let data_at = chunk_at + 8;
    let claimed_end = data_at + u64::from(data_size);
    let riff_complete = !riff_unsized && riff_end <= len;
    // A data size of 0 is a placeholder only under a RIFF size that was not updated either:
    // an empty data chunk followed by other chunks is a real (if useless) file.
    let header_only = riff_unsized || riff_end <= data_at;
    let runs_to_end = data_size == u32::MAX
        || (data_size == 0 && header_only)
        // The whole file, RIFF header included, must fit in 8 + 0xFFFFFFFF bytes.
        || claimed_end > 8 + u64::from(u32::MAX)
        || (claimed_end > len && (riff_unsized || riff_complete));

    let mut patches = Vec::new();
    let mut data_end = claimed_end;
    if runs_to_end {
        let whole_blocks = len.saturating_sub(data_at) / block_align * block_align;
        let largest = u64::from(u32::MAX - 1) / block_align * block_align;
        let real = whole_blocks.min(largest);
        if real != u64::from(data_size) {
            // `real` is at most `largest`, which fits in a u32.
            patches.push(SizePatch {
                offset: chunk_at + 4,
                value: real as u32,
            });
        }
        data_end = data_at + real;
    }
    if riff_unsized || (runs_to_end && riff_end < data_end) {
        let real = len
            .saturating_sub(8)
            .max(data_end - 8)
            .min(u64::from(u32::MAX - 1));
        patches.push(SizePatch {
            offset: 4,
            value: real as u32,
        });
    }
    patches
}

/// Overwrites the bytes of `patches` that fall in `buf`, which holds the file from offset `at`.
fn apply_patches(patches: &[SizePatch], at: u64, buf: &mut [u8]) {
    let end = at + buf.len() as u64;
    for patch in patches {
        for (i, byte) in patch.value.to_le_bytes().into_iter().enumerate() {
            let offset = patch.offset + i as u64;
            if (at..end).contains(&offset) {
                buf[(offset - at) as usize] = byte;
            }
        }
    }
}

/// The file as the decoder should see it: the WAV size fields in `patches` read as corrected.
struct PatchedFile {
    file: File,
    /// The file position, kept here because reads need it.
    pos: u64,
    patches: Vec<SizePatch>,
}

impl Read for PatchedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        apply_patches(&self.patches, self.pos, &mut buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for PatchedFile {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

impl MediaSource for PatchedFile {
    fn is_seekable(&self) -> bool {
        self.file.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.file.byte_len()
    }
}

/// Reads as much of `buf` as the file holds from `offset`.
fn read_at<R: Read + Seek>(reader: &mut R, offset: u64, buf: &mut [u8]) -> usize {
    if reader.seek(SeekFrom::Start(offset)).is_err() {
        return 0;
    }
    read_up_to(reader, buf)
}

/// The encoder priming an MP4 file's edit list tells players to skip, as (media time, media
/// timescale) of the first audio track's first edit. AAC encoders put 1024 or more frames of
/// priming in front of the audio; without this every redaction would land that much early.
/// Any oddity (no `moov` within reach, no edit list) gives `None`.
fn mp4_priming(file: &mut File, len: u64) -> Option<(u64, u32)> {
    const MAX_MOOV: u64 = 64 << 20;
    let mut at = 0u64;
    let mut header = [0u8; 16];
    let moov = loop {
        file.seek(SeekFrom::Start(at)).ok()?;
        if read_up_to(file, &mut header) < 8 {
            return None;
        }
        let (kind, size, head_len) = box_header(&header, len - at)?;
        if at == 0 && &kind != b"ftyp" {
            return None;
        }
        if &kind == b"moov" {
            if size > MAX_MOOV {
                return None;
            }
            let mut body = vec![0u8; (size - head_len) as usize];
            file.seek(SeekFrom::Start(at + head_len)).ok()?;
            file.read_exact(&mut body).ok()?;
            break body;
        }
        at = at.checked_add(size)?;
    };
    for trak in children(&moov, b"trak") {
        let mdia = children(trak, b"mdia").next()?;
        let hdlr = children(mdia, b"hdlr").next()?;
        if hdlr.get(8..12) != Some(b"soun") {
            continue;
        }
        let mdhd = children(mdia, b"mdhd").next()?;
        let timescale = match mdhd.first()? {
            0 => u32::from_be_bytes(mdhd.get(12..16)?.try_into().ok()?),
            _ => u32::from_be_bytes(mdhd.get(20..24)?.try_into().ok()?),
        };
        let elst = children(children(trak, b"edts").next()?, b"elst").next()?;
        let media_time = match elst.first()? {
            0 => i64::from(i32::from_be_bytes(elst.get(12..16)?.try_into().ok()?)),
            _ => i64::from_be_bytes(elst.get(16..24)?.try_into().ok()?),
        };
        return u64::try_from(media_time).ok().map(|t| (t, timescale));
    }
    None
}

/// Type, total size and header length of the box at the start of `bytes`.
fn box_header(bytes: &[u8], remaining: u64) -> Option<([u8; 4], u64, u64)> {
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?);
    let kind: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
    let (size, head_len) = match size {
        0 => (remaining, 8),
        1 => (u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?), 16),
        n => (u64::from(n), 8),
    };
    (size >= head_len && size <= remaining).then_some((kind, size, head_len))
}

/// The bodies of the child boxes of type `kind` inside a box body.
fn children<'a>(body: &'a [u8], kind: &'a [u8; 4]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        while at < body.len() {
            let rest = &body[at..];
            let (k, size, head_len) = box_header(rest, rest.len() as u64)?;
            let child = &rest[head_len as usize..size as usize];
            at += size as usize;
            if &k == kind {
                return Some(child);
            }
        }
        None
    })
}

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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A WAV header (`fmt ` of PCM16 at 8 kHz with `channels`) with the given size fields,
    /// followed by `audio` bytes of audio and then `trailer`.
    fn wav(riff: u32, data: u32, channels: u16, audio: usize, trailer: &[u8]) -> Vec<u8> {
        let mut w = Vec::new();
        w.extend_from_slice(b"RIFF");
        w.extend_from_slice(&riff.to_le_bytes());
        w.extend_from_slice(b"WAVEfmt ");
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&channels.to_le_bytes());
        w.extend_from_slice(&8000u32.to_le_bytes());
        w.extend_from_slice(&(16_000 * u32::from(channels)).to_le_bytes());
        w.extend_from_slice(&(2 * channels).to_le_bytes());
        w.extend_from_slice(&16u16.to_le_bytes());
        w.extend_from_slice(b"data");
        w.extend_from_slice(&data.to_le_bytes());
        w.extend((0..audio).map(|i| (i % 199) as u8));
        w.extend_from_slice(trailer);
        w
    }

    /// The honest RIFF size of a file of `len` bytes.
    fn riff_of(len: usize) -> u32 {
        (len - 8) as u32
    }

    fn patches(bytes: &[u8]) -> Vec<SizePatch> {
        riff_size_patches(&mut Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    const DATA_SIZE_AT: u64 = 40;

    #[test]
    fn a_finished_file_is_left_as_it_is() {
        let len = 44 + 8000;
        assert_eq!(patches(&wav(riff_of(len), 8000, 1, 8000, b"")), vec![]);
    }

    #[test]
    fn sizes_left_unset_by_a_pipe_become_the_real_ones() {
        let bytes = wav(u32::MAX, u32::MAX, 1, 8000, b"");
        assert_eq!(
            patches(&bytes),
            vec![
                SizePatch {
                    offset: DATA_SIZE_AT,
                    value: 8000
                },
                SizePatch {
                    offset: 4,
                    value: riff_of(bytes.len())
                },
            ]
        );
    }

    #[test]
    fn a_header_written_before_recording_becomes_the_real_one() {
        for riff in [0, 36] {
            let bytes = wav(riff, 0, 1, 8000, b"");
            assert_eq!(
                patches(&bytes),
                vec![
                    SizePatch {
                        offset: DATA_SIZE_AT,
                        value: 8000
                    },
                    SizePatch {
                        offset: 4,
                        value: riff_of(bytes.len())
                    },
                ],
                "RIFF size {riff}"
            );
        }
    }

    #[test]
    fn a_data_size_no_wav_can_hold_runs_to_the_end_of_the_file() {
        let bytes = wav(riff_of(44 + 8000), 0xFFFF_FFF0, 1, 8000, b"");
        assert_eq!(
            patches(&bytes),
            vec![SizePatch {
                offset: DATA_SIZE_AT,
                value: 8000
            }]
        );
    }

    #[test]
    fn only_an_unset_riff_size_is_corrected_when_the_data_size_is_right() {
        let bytes = wav(u32::MAX, 8000, 1, 8000, b"");
        assert_eq!(
            patches(&bytes),
            vec![SizePatch {
                offset: 4,
                value: riff_of(bytes.len())
            }]
        );
    }

    #[test]
    fn the_data_is_rounded_down_to_whole_frames() {
        // Stereo PCM16: four bytes a frame; the last three bytes are a partial frame.
        let bytes = wav(u32::MAX, u32::MAX, 2, 8003, b"");
        assert_eq!(patches(&bytes)[0].value, 8000);
    }

    #[test]
    fn a_data_size_past_the_end_of_a_complete_riff_runs_to_the_end() {
        let bytes = wav(riff_of(44 + 8000), 9000, 1, 8000, b"");
        assert_eq!(
            patches(&bytes),
            vec![SizePatch {
                offset: DATA_SIZE_AT,
                value: 8000
            }]
        );
    }

    #[test]
    fn a_file_cut_short_under_honest_sizes_is_left_to_be_reported_as_truncated() {
        let whole = wav(riff_of(44 + 80_000), 80_000, 1, 80_000, b"");
        assert_eq!(patches(&whole[..whole.len() / 2]), vec![]);
    }

    #[test]
    fn an_empty_data_chunk_followed_by_other_chunks_stays_empty() {
        let trailer = b"LIST\x04\x00\x00\x00INFO";
        let len = 44 + trailer.len();
        assert_eq!(patches(&wav(riff_of(len), 0, 1, 0, trailer)), vec![]);
    }

    #[test]
    fn absurd_format_values_and_foreign_files() {
        let mut bytes = wav(u32::MAX, u32::MAX, 1, 100, b"");
        bytes[24..28].copy_from_slice(&1u32.to_le_bytes());
        let result = riff_size_patches(&mut Cursor::new(&bytes), bytes.len() as u64);
        assert!(
            matches!(result, Err(AudioError::Unsupported(_))),
            "{result:?}"
        );
        assert_eq!(
            patches(b"ID3\x03\x00\x00\x00\x00\x10\x00 not a WAV"),
            vec![]
        );
        assert_eq!(patches(b"RIFF"), vec![]);
    }

    #[test]
    fn patches_land_in_reads_that_cover_only_part_of_them() {
        let patch = SizePatch {
            offset: 4,
            value: 0x4433_2211,
        };
        let mut buf = [0u8; 4];
        apply_patches(&[patch], 6, &mut buf);
        assert_eq!(buf, [0x33, 0x44, 0, 0]);
        let mut buf = [0u8; 3];
        apply_patches(&[patch], 2, &mut buf);
        assert_eq!(buf, [0, 0, 0x11]);
        let mut buf = [0u8; 4];
        apply_patches(&[patch], 8, &mut buf);
        assert_eq!(buf, [0; 4]);
    }

    #[test]
    fn the_patched_file_reads_as_the_corrected_header() {
        let bytes = wav(u32::MAX, u32::MAX, 1, 8000, b"");
        let mut expected = bytes.clone();
        expected[4..8].copy_from_slice(&riff_of(bytes.len()).to_le_bytes());
        expected[40..44].copy_from_slice(&8000u32.to_le_bytes());

        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &bytes).unwrap();
        let patches = riff_size_patches(&mut file, bytes.len() as u64).unwrap();
        let mut patched = PatchedFile {
            file,
            pos: 0,
            patches,
        };
        patched.seek(SeekFrom::Start(0)).unwrap();
        // Small reads, so that the patched fields straddle them.
        let mut seen = Vec::new();
        let mut chunk = [0u8; 7];
        loop {
            let n = patched.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(seen, expected);
        patched.seek(SeekFrom::Start(38)).unwrap();
        let mut tail = [0u8; 6];
        patched.read_exact(&mut tail).unwrap();
        assert_eq!(tail, expected[38..44]);
    }
}
