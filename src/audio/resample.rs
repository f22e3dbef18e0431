//! Sample rate conversion for the MP3 encoder, as a stream: blocks of any length in, blocks at
//! the new rate out, lined up with the input (the resampler's own delay is dropped) and, once
//! finished, exactly as long as the input.
//!
//! rubato's synchronous FFT resampler does the work. Its input must be finite (a NaN would
//! poison the FFT): the caller clips it first. LAME can resample by itself, but on an
//! 8 kHz call its filter took as long as the encoding itself (see the README's "Reviewer audio").

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

/// Frames per chunk the resampler is asked for (rubato rounds it to fit the ratio).
const CHUNK: usize = 1024;

pub struct Resample {
    fft: Fft<f32>,
    from: u32,
    to: u32,
    /// Input not yet resampled.
    pending: Vec<f32>,
    /// One chunk of output.
    chunk: Vec<f32>,
    /// Output frames still to drop: the resampler's delay.
    skip: usize,
    frames_in: u64,
    frames_out: u64,
}

impl Resample {
    /// A mono resampler from `from` to `to` frames a second.
    pub fn new(from: u32, to: u32) -> Result<Resample, String> {
        let fft = Fft::<f32>::new(from as usize, to as usize, CHUNK, 1, FixedSync::Both)
            .map_err(|e| format!("resampler: {e}"))?;
        Ok(Resample {
            chunk: vec![0.0; fft.output_frames_max()],
            skip: fft.output_delay(),
            fft,
            from,
            to,
            pending: Vec::new(),
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Resamples `input`, appending to `out` what is ready (possibly nothing).
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        self.frames_in += input.len() as u64;
        self.pending.extend_from_slice(input);
        let need = self.fft.input_frames_next();
        let mut used = 0;
        while self.pending.len() - used >= need {
            self.run(used, None, out, u64::MAX)?;
            used += need;
        }
        self.pending.drain(..used);
        Ok(())
    }

    /// Resamples what is left, padding with silence until the delay is out, and appends to
    /// `out` what brings the total to the input's length at the new rate.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        let due = (u128::from(self.frames_in) * u128::from(self.to)).div_ceil(u128::from(self.from))
            as u64;
        let mut left = self.pending.len();
        self.pending.resize(self.fft.input_frames_next(), 0.0);
        while self.frames_out < due {
            self.run(0, Some(left), out, due)?;
            left = 0;
        }
        self.pending.clear();
        Ok(())
    }

    /// Resamples one chunk of `pending` from `offset` (`partial`: how many of its frames are
    /// real, the rest being silence) and appends the output past the delay, up to `due` frames
    /// in all.
    fn run(
        &mut self,
        offset: usize,
        partial: Option<usize>,
        out: &mut Vec<f32>,
        due: u64,
    ) -> Result<(), String> {
        let input = SequentialSlice::new(&self.pending, 1, self.pending.len())
            .map_err(|e| format!("resampler input: {e}"))?;
        let frames = self.chunk.len();
        let mut output = SequentialSlice::new_mut(&mut self.chunk, 1, frames)
            .map_err(|e| format!("resampler output: {e}"))?;
        let mut indexing = Indexing::new().input_offset(offset);
        if let Some(real) = partial {
            indexing = indexing.partial_len(real);
        }
        let (_, written) = self
            .fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| format!("resampler: {e}"))?;
        let dropped = self.skip.min(written);
        self.skip -= dropped;
        let room = usize::try_from(due - self.frames_out).unwrap_or(usize::MAX);
        let block = &self.chunk[dropped..written];
        let block = &block[..block.len().min(room)];
        out.extend_from_slice(block);
        self.frames_out += block.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|i| (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Resampled block by uneven block, as the pipeline feeds it.
    fn resample(from: u32, to: u32, input: &[f32]) -> Vec<f32> {
        let mut r = Resample::new(from, to).unwrap();
        let mut out = Vec::new();
        for block in input.chunks(577) {
            r.push(block, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn the_output_lasts_as_long_as_the_input_and_lines_up_with_it() {
        for (from, to) in [
            (8_000, 16_000),
            (44_100, 16_000),
            (7_993, 16_000),
            (4_000, 16_000),
        ] {
            let frames = from as usize * 2 + 123;
            let input = tone(from, 300.0, frames);
            let out = resample(from, to, &input);
            let due = (frames as u64 * u64::from(to)).div_ceil(u64::from(from));
            assert_eq!(out.len() as u64, due, "{from} -> {to}");
            // Away from the ends the output is the same 300 Hz tone, in phase: at most one
            // output frame late or early (the resampler states its delay in whole frames).
            let expected = tone(to, 300.0, out.len() + 2);
            let margin = to as usize / 10;
            let (lag, worst) = [0usize, 1, 2]
                .into_iter()
                .map(|shift| {
                    let worst = out[margin..out.len() - margin]
                        .iter()
                        .zip(&expected[margin + shift - 1..])
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max);
                    (shift as i32 - 1, worst)
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            assert!(worst < 0.05, "{from} -> {to}: off by {worst} at lag {lag}");
        }
    }

    #[test]
    fn what_the_new_rate_cannot_carry_is_filtered_out() {
        // 10 kHz is above what 16 kHz can carry (8 kHz): it must not come back as a 6 kHz
        // alias.
        let out = resample(44_100, 16_000, &tone(44_100, 10_000.0, 44_100));
        let level = out[1600..14_400].iter().map(|s| s * s).sum::<f32>() / 12_800.0;
        assert!(level < 1e-4, "power {level}");
    }

    #[test]
    fn short_and_empty_inputs_come_out_whole() {
        assert!(resample(8_000, 16_000, &[]).is_empty());
        assert_eq!(resample(8_000, 16_000, &[0.5; 3]).len(), 6);
    }
}
