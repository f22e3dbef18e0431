//! WAV PCM16 output, written as a stream: the reviewer copy of earlier versions, and what
//! `callqa anonymize` writes for a measurement.
//!
//! The header is written by hand and carries nothing but the format: `RIFF`/`WAVE`, a 16-byte
//! `fmt ` chunk and the `data` chunk, with no `LIST`, `INFO` or any other chunk. The two size
//! fields start as placeholders and are patched once the last sample is written, so the length
//! need not be known in advance.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::AudioError;

const HEADER_LEN: u64 = 44;
/// The RIFF size field is 32 bits.
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - (HEADER_LEN - 8);

pub struct WavWriter {
    file: BufWriter<File>,
    path: PathBuf,
    channels: u16,
    data_bytes: u64,
    bytes: Vec<u8>,
}

impl WavWriter {
    pub fn create(path: &Path, sample_rate: u32, channels: u16) -> Result<Self, AudioError> {
        let file = File::create(path).map_err(|e| AudioError::io("write", path, e))?;
        let mut writer = WavWriter {
            file: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            channels: channels.max(1),
            data_bytes: 0,
            bytes: Vec::new(),
        };
        let header = header(sample_rate, writer.channels, 0);
        writer.write(&header)?;
        Ok(writer)
    }

    /// Appends one block given as planes (one slice per channel, equal lengths), converting to
    /// 16-bit with rounding and clipping.
    pub fn write_planar(&mut self, planes: &[Vec<f32>]) -> Result<(), AudioError> {
        let frames = planes.iter().map(Vec::len).min().unwrap_or(0);
        if frames == 0 {
            return Ok(());
        }
        let channels = usize::from(self.channels);
        self.bytes.clear();
        self.bytes.resize(frames * channels * 2, 0);
        if channels == 1 || planes.len() == 1 {
            for (out, &s) in self.bytes.chunks_exact_mut(2).zip(&planes[0][..frames]) {
                out.copy_from_slice(&to_i16(s).to_le_bytes());
            }
        } else {
            for (c, plane) in planes.iter().take(channels).enumerate() {
                let lanes = self.bytes.chunks_exact_mut(2 * channels);
                for (out, &s) in lanes.zip(&plane[..frames]) {
                    out[2 * c..2 * c + 2].copy_from_slice(&to_i16(s).to_le_bytes());
                }
            }
        }
        self.push_bytes()
    }

    /// Writes `bytes` as sample data.
    fn push_bytes(&mut self) -> Result<(), AudioError> {
        self.data_bytes += self.bytes.len() as u64;
        if self.data_bytes > MAX_DATA_BYTES {
            return Err(AudioError::too_long());
        }
        let bytes = std::mem::take(&mut self.bytes);
        let written = self.write(&bytes);
        self.bytes = bytes;
        written
    }

    /// Appends one block to a file created with one channel.
    pub fn write_mono(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.bytes.clear();
        self.bytes.resize(samples.len() * 2, 0);
        for (out, &s) in self.bytes.chunks_exact_mut(2).zip(samples) {
            out.copy_from_slice(&to_i16(s).to_le_bytes());
        }
        self.push_bytes()
    }

    /// Patches the size fields and flushes. The file is not synced.
    pub fn finish(mut self) -> Result<(), AudioError> {
        let data = self.data_bytes as u32;
        let riff = (self.data_bytes + HEADER_LEN - 8) as u32;
        let path = self.path.clone();
        let io = |e| AudioError::io("write", &path, e);
        self.file.seek(SeekFrom::Start(4)).map_err(io)?;
        self.file.write_all(&riff.to_le_bytes()).map_err(io)?;
        self.file.seek(SeekFrom::Start(40)).map_err(io)?;
        self.file.write_all(&data.to_le_bytes()).map_err(io)?;
        self.file.flush().map_err(io)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), AudioError> {
        self.file
            .write_all(bytes)
            .map_err(|e| AudioError::io("write", &self.path, e))
    }
}

/// Rounds to nearest and clips (NaN becomes silence).
///
/// Written so it vectorises on baseline x86-64 (SSE2): `floor(x + 0.5)` is taken without a
/// float-to-int conversion, which there costs a saturation fix-up per lane and dominated the
/// output stage. Adding 2^23 to a value in 0..2^23 rounds it to an integer held in the low
/// mantissa bits; one compare turns that rounding into a floor.
#[inline]
fn to_i16(sample: f32) -> i16 {
    const ROUNDER: f32 = 8_388_608.0; // 2^23
    // 1.0..=65535.5: positive and well below 2^23.
    let biased = sample.clamp(-1.0, 1.0) * 32767.0 + 32768.5;
    let big = biased + ROUNDER;
    let rounded_up = big - ROUNDER > biased;
    let floor = (big.to_bits() & 0x7F_FFFF) as i32 - i32::from(rounded_up);
    let value = (floor - 32768) as i16;
    // `clamp` keeps NaN, which then yields garbage bits: replace it afterwards (a select).
    if sample.is_nan() { 0 } else { value }
}

fn header(sample_rate: u32, channels: u16, data_bytes: u32) -> [u8; HEADER_LEN as usize] {
    let block_align = channels * 2;
    let byte_rate = sample_rate * u32::from(block_align);
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data_bytes.wrapping_add(36)).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_bytes.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_hound_and_carries_only_fmt_and_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        let left: Vec<f32> = (0..1000).map(|i| (i as f32 / 1000.0) - 0.5).collect();
        let right: Vec<f32> = left.iter().map(|s| -s * 2.5).collect(); // clips
        let mut w = WavWriter::create(&path, 8000, 2).unwrap();
        w.write_planar(&[left[..600].to_vec(), right[..600].to_vec()])
            .unwrap();
        w.write_planar(&[left[600..].to_vec(), right[600..].to_vec()])
            .unwrap();
        w.finish().unwrap();

        let mut reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!(spec.channels, 2);
        assert_eq!(spec.sample_rate, 8000);
        assert_eq!(spec.bits_per_sample, 16);
        assert_eq!(spec.sample_format, hound::SampleFormat::Int);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 2000);
        for (i, frame) in samples.chunks(2).enumerate() {
            let l = (left[i] * 32767.0).round() as i16;
            let r = (right[i].clamp(-1.0, 1.0) * 32767.0).round() as i16;
            assert!(
                (frame[0] - l).abs() <= 1 && (frame[1] - r).abs() <= 1,
                "frame {i}"
            );
        }

        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 44 + 4000);
        assert_eq!(&bytes[12..16], b"fmt ");
        assert_eq!(&bytes[36..40], b"data");
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()),
            36 + 4000
        );
    }

    #[test]
    fn rounding_is_symmetric_and_clips() {
        assert_eq!(to_i16(0.0), 0);
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(-1.0), -32767);
        assert_eq!(to_i16(7.0), 32767);
        assert_eq!(to_i16(f32::NAN), 0);
        assert_eq!(to_i16(0.5 / 32767.0), 1);
        assert_eq!(to_i16(-0.4 / 32767.0), 0);
        assert_eq!(to_i16(f32::INFINITY), 32767);
        assert_eq!(to_i16(f32::NEG_INFINITY), -32767);
    }

    #[test]
    fn fast_rounding_matches_the_plain_formula_everywhere() {
        let plain = |s: f32| {
            if s.is_nan() {
                return 0;
            }
            ((s.clamp(-1.0, 1.0) * 32767.0 + 32768.5).floor() as i32 - 32768) as i16
        };
        // Floats of either sign from 1e-30 to 1.25 in steps of 97 ulps, then the points where
        // the rounding changes its answer.
        for sign in [-1.0f32, 1.0] {
            let mut magnitude = 1e-30f32;
            while magnitude < 1.25 {
                let s = sign * magnitude;
                assert_eq!(to_i16(s), plain(s), "{s:e}");
                magnitude = f32::from_bits(magnitude.to_bits() + 97);
            }
        }
        for k in -32768i32..=32768 {
            for half in [-0.5f32, 0.0, 0.5] {
                let v = (k as f32 + half) / 32767.0;
                assert_eq!(to_i16(v), plain(v), "{v:e}");
            }
        }
    }
}
