//! MP3 output for the reviewer copy, written as a stream.
//!
//! The copy is mono MPEG-2 Layer III at [`OUTPUT_RATE`] and a constant [`BITRATE_KBPS`]: every
//! browser plays it (MPEG-2's 16 kHz is part of the ISO standard, unlike MPEG-2.5's 8 kHz), a
//! minute takes 120 KB whatever the call sounds like, and a player can seek by byte offset. LAME
//! (built from the source bundled in `mp3lame-sys`) encodes it; the input is first brought to
//! [`OUTPUT_RATE`] by [`super::resample`]. The README's "Reviewer audio" section has the
//! measurements behind these choices.
//!
//! The file holds MP3 frames only: no ID3 tag, and no Xing/LAME "Info" frame either (at 16 kbit/s
//! a frame is 72 bytes, too small to carry one, so LAME leaves it out). Without it a player
//! cannot trim the encoder's delay: the copy starts with about 70 ms of extra silence and plays
//! up to about 110 ms longer than the call (1,105 samples of delay plus the last frame's
//! padding), a shift nobody can hear and well inside the one-second precision of a marked time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use mp3lame_encoder::{Bitrate, Builder, Encoder, FlushGap, Mode, MonoPcm, Quality, VbrMode};

use super::AudioError;
use super::resample::Resample;

/// Sample rate of the MP3: the lowest of MPEG-2, twice the telephone band.
pub const OUTPUT_RATE: u32 = 16_000;
/// Constant bitrate of the MP3 in kbit/s: 120 KB a minute.
pub const BITRATE_KBPS: u32 = 16;
/// How much longer than its input an MP3 may decode, in frames at [`OUTPUT_RATE`]: LAME's
/// encoder delay (576), the decoder's (529) and the last frame's padding (up to 576).
pub const MAX_EXTRA_FRAMES: u64 = 576 + 529 + 576;
/// LAME's speed/quality trade-off (0 best, 9 fastest). At this bitrate 7 scores as well on STOI as
/// the slower settings and takes half the time of LAME's default (see the README).
const QUALITY: Quality = Quality::Ok;

pub struct Mp3Writer {
    encoder: Encoder,
    /// `None` when the input is at [`OUTPUT_RATE`] already.
    resample: Option<Resample>,
    file: BufWriter<File>,
    path: PathBuf,
    /// Encoded bytes waiting to be written.
    out: Vec<u8>,
    /// The input block, clipped to -1..1.
    clipped: Vec<f32>,
    /// The block being encoded: resampled, clipped (again: resampling can overshoot).
    block: Vec<f32>,
}

impl Mp3Writer {
    /// Starts an MP3 at `path` for mono samples at `input_rate`.
    pub fn create(path: &Path, input_rate: u32) -> Result<Self, AudioError> {
        let encoder = configure().map_err(|e| encoder_error(path, e))?;
        let resample = (input_rate != OUTPUT_RATE)
            .then(|| Resample::new(input_rate, OUTPUT_RATE))
            .transpose()
            .map_err(|e| encoder_error(path, e))?;
        let file = File::create(path).map_err(|e| AudioError::io("write", path, e))?;
        Ok(Mp3Writer {
            encoder,
            resample,
            file: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            out: Vec::new(),
            clipped: Vec::new(),
            block: Vec::new(),
        })
    }

    /// Appends a block of mono samples (-1..1; louder ones are clipped, NaN becomes silence).
    pub fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.block.clear();
        match &mut self.resample {
            Some(resample) => {
                // Clipped before resampling too: a NaN or an infinity would poison the FFT.
                self.clipped.clear();
                self.clipped.extend(samples.iter().map(|&s| clip(s)));
                resample
                    .push(&self.clipped, &mut self.block)
                    .map_err(|e| encoder_error(&self.path, e))?
            }
            None => self.block.extend_from_slice(samples),
        }
        self.encode_block()
    }

    /// Encodes what the resampler and LAME still hold and flushes. The file is not synced.
    pub fn finish(mut self) -> Result<(), AudioError> {
        self.block.clear();
        if let Some(resample) = &mut self.resample {
            resample
                .finish(&mut self.block)
                .map_err(|e| encoder_error(&self.path, e))?;
        }
        self.encode_block()?;
        self.out.clear();
        self.out
            .reserve(mp3lame_encoder::max_required_buffer_size(0));
        self.encoder
            .flush_to_vec::<FlushGap>(&mut self.out)
            .map_err(|e| encoder_error(&self.path, e))?;
        self.write_out()?;
        let path = self.path.clone();
        self.file
            .flush()
            .map_err(|e| AudioError::io("write", &path, e))
    }

    /// Clips and encodes `block`.
    fn encode_block(&mut self) -> Result<(), AudioError> {
        if self.block.is_empty() {
            return Ok(());
        }
        for s in &mut self.block {
            *s = clip(*s);
        }
        self.out.clear();
        self.out
            .reserve(mp3lame_encoder::max_required_buffer_size(self.block.len()));
        self.encoder
            .encode_to_vec(MonoPcm(self.block.as_slice()), &mut self.out)
            .map_err(|e| encoder_error(&self.path, e))?;
        self.write_out()
    }

    fn write_out(&mut self) -> Result<(), AudioError> {
        self.file
            .write_all(&self.out)
            .map_err(|e| AudioError::io("write", &self.path, e))
    }
}

fn configure() -> Result<Encoder, String> {
    let mut builder = Builder::new().ok_or("cannot allocate the encoder")?;
    let step = |result: Result<(), mp3lame_encoder::BuildError>, what: &str| {
        result.map_err(|e| format!("{what}: {e}"))
    };
    step(builder.set_num_channels(1), "channels")?;
    step(builder.set_mode(Mode::Mono), "mode")?;
    step(builder.set_sample_rate(OUTPUT_RATE), "input rate")?;
    step(
        builder.set_output_sample_rate(NonZeroU32::new(OUTPUT_RATE)),
        "output rate",
    )?;
    step(builder.set_vbr_mode(VbrMode::Off), "constant bitrate")?;
    step(builder.set_brate(Bitrate::Kbps16), "bitrate")?;
    step(builder.set_quality(QUALITY), "quality")?;
    step(builder.set_to_write_vbr_tag(false), "no info frame")?;
    builder.build().map_err(|e| format!("start: {e}"))
}

/// An encoder failure is ours, not the file's: reported like a failed write, so the job is
/// retried and the owner is not told the file is bad.
fn encoder_error(path: &Path, error: impl std::fmt::Display) -> AudioError {
    AudioError::io(
        "encode",
        path,
        std::io::Error::other(format!("MP3 encoder: {error}")),
    )
}

#[inline]
fn clip(sample: f32) -> f32 {
    if sample.is_nan() {
        0.0
    } else {
        sample.clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::decode::Source;

    fn tone(rate: u32, seconds: f32) -> Vec<f32> {
        let frames = (rate as f32 * seconds) as usize;
        (0..frames)
            .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Decodes `path` with callqa's own decoder: (rate, frames, peak level).
    fn decode(path: &Path) -> (u32, u64, f32) {
        let mut source = Source::open(path).unwrap();
        let mut planes = Vec::new();
        let mut peak = 0f32;
        while source.next_block(&mut planes).unwrap() {
            for s in &planes[0] {
                peak = peak.max(s.abs());
            }
        }
        (source.info().sample_rate, source.frames_decoded(), peak)
    }

    #[test]
    fn any_accepted_input_rate_becomes_16_khz_at_16_kbits() {
        let dir = tempfile::tempdir().unwrap();
        for rate in [4_000, 8_000, 11_025, 44_100, 48_000, 192_000] {
            let path = dir.path().join(format!("{rate}.mp3"));
            let samples = tone(rate, 3.0);
            let mut w = Mp3Writer::create(&path, rate).unwrap();
            // Blocks of uneven length, as a decoder delivers them.
            for block in samples.chunks(1153) {
                w.write(block).unwrap();
            }
            w.finish().unwrap();

            let bytes = std::fs::read(&path).unwrap();
            // 3 s at 16 kbit/s, plus the delay and the last partial frame.
            assert!(
                (6_000..=6_500).contains(&bytes.len()),
                "{rate} Hz: {} bytes",
                bytes.len()
            );
            assert_eq!(
                &bytes[..2],
                b"\xff\xf3",
                "{rate} Hz: MPEG-2 Layer III first"
            );
            // No ID3v2 tag at the start, no ID3v1 tag at the end.
            assert!(!bytes.starts_with(b"ID3"), "{rate} Hz");
            assert_ne!(&bytes[bytes.len() - 128..][..3], b"TAG", "{rate} Hz");
            let (out_rate, frames, peak) = decode(&path);
            assert_eq!(out_rate, OUTPUT_RATE, "{rate} Hz");
            let expected = 3 * u64::from(OUTPUT_RATE);
            assert!(
                (expected..=expected + MAX_EXTRA_FRAMES).contains(&frames),
                "{rate} Hz: {frames} frames instead of {expected}"
            );
            assert!((0.35..0.65).contains(&peak), "{rate} Hz: peak {peak}");
        }
    }

    #[test]
    fn loud_and_broken_samples_are_clipped_not_passed_on() {
        assert_eq!(clip(7.0), 1.0);
        assert_eq!(clip(-7.0), -1.0);
        assert_eq!(clip(f32::NAN), 0.0);
        assert_eq!(clip(0.25), 0.25);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loud.mp3");
        let mut w = Mp3Writer::create(&path, 8_000).unwrap();
        let mut samples: Vec<f32> = tone(8_000, 1.0).iter().map(|s| s * 40.0).collect();
        samples[100] = f32::NAN;
        samples[200] = f32::INFINITY;
        w.write(&samples).unwrap();
        w.finish().unwrap();
        let (_, frames, peak) = decode(&path);
        assert!(frames > 15_000);
        // A clipped tone is nearly a square wave, which overshoots by about half once
        // band-limited; unclipped it would decode at about 20.
        assert!(peak <= 1.6, "peak {peak}");
    }

    #[test]
    fn digital_silence_stays_silent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silence.mp3");
        let mut w = Mp3Writer::create(&path, 8_000).unwrap();
        w.write(&vec![0.0; 16_000]).unwrap();
        w.finish().unwrap();
        let (_, frames, peak) = decode(&path);
        assert!(frames > 30_000);
        assert_eq!(peak, 0.0);
    }
}
