//! WAV size fields a recorder writing to a pipe left unset: which of them to correct, and the
//! reader that shows the file to the decoder with the corrections applied.
//!
//! The same walk over the RIFF chunks also refuses a `fmt ` chunk with absurd values before the
//! decoder sizes anything from them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use symphonia::core::io::MediaSource;

use super::{MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, read_up_to};
use crate::audio::AudioError;

/// A 32-bit size field in a WAV header to be read as `value` instead of what the file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SizePatch {
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
pub(super) fn riff_size_patches<R: Read + Seek>(
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
pub(super) struct PatchedFile {
    file: File,
    /// The file position, kept here because reads need it.
    pos: u64,
    patches: Vec<SizePatch>,
}

impl PatchedFile {
    /// `file` read from its start, with `patches` applied.
    pub(super) fn new(file: File, patches: Vec<SizePatch>) -> Self {
        PatchedFile {
            file,
            pos: 0,
            patches,
        }
    }
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
