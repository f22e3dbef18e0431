//! Formant shift that keeps the pitch: each short-time spectrum is multiplied by the ratio of
//! its own smoothed envelope read at `bin / ratio` to the envelope itself, which moves the
//! resonances of the vocal tract (the formants) by `ratio` and leaves the harmonics (the
//! pitch) where they are. Drawn per call independently of the pitch shift, it changes the
//! apparent length of the speaker's vocal tract, which the pitch shift alone (it moves pitch
//! and formants together) does not.
//!
//! Per frame (32 ms, a power of two, Hann window, hop a quarter of it): the log magnitude,
//! its real cepstrum liftered to the first 2.5 ms of quefrency (the envelope, not the
//! harmonics), the envelope `E` back in the frequency domain, and the gain
//! `exp(E(k / ratio) - E(k))` per bin, linearly interpolated and held to ±12 dB; the phase is
//! kept. Overlap-add with a Hann synthesis window (four overlapping Hann² sum to 3/2). Four
//! real FFTs per hop. Streaming: its output is aligned sample for sample with its input, and
//! as long once [`FormantWarp::finish`] has run.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// The largest gain or cut of one bin: 12 dB, as a natural log of amplitude.
const MAX_LOG_GAIN: f32 = 12.0 / 20.0 * std::f32::consts::LN_10;

pub struct FormantWarp {
    ratio: f32,
    size: usize,
    hop: usize,
    /// Cepstral coefficients kept on each side (0 included on the low one).
    lifter: usize,
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    scratch_forward: Vec<Complex<f32>>,
    scratch_inverse: Vec<Complex<f32>>,
    /// Input, after `size - hop` zeros of lead; `input[0]` is padded position `input_base`.
    input: Vec<f32>,
    input_base: usize,
    /// Overlap-add of the frames; `ola[0]` is padded position `ola_base` (the next to emit).
    ola: Vec<f32>,
    ola_base: usize,
    /// The next frame starts at padded position `frame · hop`.
    frame: usize,
    received: usize,
    emitted: usize,
    frame_buf: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    cepstrum: Vec<f32>,
    envelope_spectrum: Vec<Complex<f32>>,
    envelope: Vec<f32>,
}

impl FormantWarp {
    /// `ratio` > 1 moves the formants up (a shorter vocal tract). It is held to 0.7..1.4.
    pub fn new(ratio: f64, sample_rate: u32) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.clamp(0.7, 1.4) as f32
        } else {
            1.0
        };
        let rate = f64::from(sample_rate.max(1000));
        let size = ((rate * 0.032) as usize).next_power_of_two().max(64);
        let hop = size / 4;
        let lifter = ((rate * 0.0025).round() as usize).clamp(4, size / 4);
        let window: Vec<f32> = (0..size)
            .map(|j| (0.5 - 0.5 * (std::f64::consts::TAU * j as f64 / size as f64).cos()) as f32)
            .collect();
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(size);
        let inverse = planner.plan_fft_inverse(size);
        let bins = size / 2 + 1;
        FormantWarp {
            ratio,
            size,
            hop,
            lifter,
            window,
            scratch_forward: forward.make_scratch_vec(),
            scratch_inverse: inverse.make_scratch_vec(),
            forward,
            inverse,
            input: vec![0.0; size - hop],
            input_base: 0,
            ola: vec![0.0; size],
            ola_base: 0,
            frame: 0,
            received: 0,
            emitted: 0,
            frame_buf: vec![0.0; size],
            spectrum: vec![Complex::default(); bins],
            cepstrum: vec![0.0; size],
            envelope_spectrum: vec![Complex::default(); bins],
            envelope: vec![0.0; bins],
        }
    }

    fn lead(&self) -> usize {
        self.size - self.hop
    }

    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.input.extend_from_slice(input);
        self.received += input.len();
        while self.input_base + self.input.len() >= self.frame * self.hop + self.size {
            self.run_frame(out);
        }
    }

    /// Flushes the tail; the total output then equals the total input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        while self.emitted < self.received {
            let end = self.frame * self.hop + self.size;
            let have = self.input_base + self.input.len();
            if have < end {
                self.input.resize(self.input.len() + (end - have), 0.0);
            }
            self.run_frame(out);
        }
        out.truncate(out.len() - (self.emitted - self.received));
        self.emitted = self.received;
    }

    fn run_frame(&mut self, out: &mut Vec<f32>) {
        let start = self.frame * self.hop;
        let from = start - self.input_base;
        for (j, slot) in self.frame_buf.iter_mut().enumerate() {
            *slot = self.input[from + j] * self.window[j];
        }
        self.warp_frame();
        // Overlap-add: the inverse FFT is unnormalised (× size); four Hann² overlaps sum to 3/2.
        let scale = 2.0 / 3.0 / self.size as f32;
        let at = start - self.ola_base;
        if self.ola.len() < at + self.size {
            self.ola.resize(at + self.size, 0.0);
        }
        for j in 0..self.size {
            self.ola[at + j] += self.frame_buf[j] * self.window[j] * scale;
        }
        self.frame += 1;
        // Every padded position before the next frame's start is final.
        let done = self.frame * self.hop;
        let lead = self.lead();
        let final_count = done - self.ola_base;
        for (offset, &value) in self.ola[..final_count].iter().enumerate() {
            if self.ola_base + offset >= lead {
                out.push(value);
                self.emitted += 1;
            }
        }
        self.ola.drain(..final_count);
        self.ola_base = done;
        // Input before the next frame's start is read no more.
        let consumed = done - self.input_base;
        self.input.drain(..consumed.min(self.input.len()));
        self.input_base = done;
    }

    /// Replaces `frame_buf` (a windowed frame) by its formant-warped counterpart.
    fn warp_frame(&mut self) {
        let size = self.size;
        let bins = size / 2 + 1;
        // A frame of silence (the lead, pauses) stays silent and costs nothing more.
        if self.frame_buf.iter().all(|s| *s == 0.0) {
            return;
        }
        let _ = self.forward.process_with_scratch(
            &mut self.frame_buf,
            &mut self.spectrum,
            &mut self.scratch_forward,
        );
        // The real cepstrum of the log magnitude, liftered: the envelope.
        for (k, bin) in self.spectrum.iter().enumerate() {
            self.envelope_spectrum[k] = Complex::new((bin.norm() + 1e-9).ln(), 0.0);
        }
        let _ = self.inverse.process_with_scratch(
            &mut self.envelope_spectrum,
            &mut self.cepstrum,
            &mut self.scratch_inverse,
        );
        for (n, c) in self.cepstrum.iter_mut().enumerate() {
            let keep = n < self.lifter || n > size - self.lifter;
            *c = if keep { *c / size as f32 } else { 0.0 };
        }
        let _ = self.forward.process_with_scratch(
            &mut self.cepstrum,
            &mut self.envelope_spectrum,
            &mut self.scratch_forward,
        );
        for (k, value) in self.envelope_spectrum.iter().enumerate() {
            self.envelope[k] = value.re;
        }
        // The gain per bin: the envelope read at k / ratio over the envelope at k.
        let last = (bins - 1) as f32;
        for k in 0..bins {
            let source = (k as f32 / self.ratio).min(last);
            let low = source.floor() as usize;
            let high = (low + 1).min(bins - 1);
            let t = source - low as f32;
            let moved = self.envelope[low] * (1.0 - t) + self.envelope[high] * t;
            let gain = (moved - self.envelope[k])
                .clamp(-MAX_LOG_GAIN, MAX_LOG_GAIN)
                .exp();
            self.spectrum[k] *= gain;
        }
        // The inverse needs real values at 0 and Nyquist.
        self.spectrum[0].im = 0.0;
        self.spectrum[bins - 1].im = 0.0;
        let _ = self.inverse.process_with_scratch(
            &mut self.spectrum,
            &mut self.frame_buf,
            &mut self.scratch_inverse,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(warp: &mut FormantWarp, input: &[f32], chunk: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            warp.process(piece, &mut out);
        }
        warp.finish(&mut out);
        out
    }

    /// A buzz at `f0` through one resonance at `formant` (a crude vowel), `seconds` long.
    fn vowel(f0: f32, formant: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let t = i as f32 / rate as f32;
            let mut s = 0.0;
            let mut h = 1;
            while (h as f32) * f0 < rate as f32 / 2.0 {
                let f = h as f32 * f0;
                // A resonance 150 Hz wide.
                let gain = 1.0 / (1.0 + ((f - formant) / 150.0).powi(2));
                s += gain * (std::f32::consts::TAU * f * t).sin();
                h += 1;
            }
            out.push(0.1 * s);
        }
        out
    }

    /// The power of `x`'s middle half at `f` Hz, by a plain DFT.
    fn power(x: &[f32], rate: u32, f: f32) -> f32 {
        let part = &x[x.len() / 4..3 * x.len() / 4];
        let (mut re, mut im) = (0.0f32, 0.0f32);
        for (i, s) in part.iter().enumerate() {
            let phase = std::f32::consts::TAU * f * i as f32 / rate as f32;
            re += s * phase.cos();
            im += s * phase.sin();
        }
        re * re + im * im
    }

    /// The power-weighted mean frequency of the harmonics of `f0` up to 3 kHz, and the share
    /// of power on the harmonics against midway between them.
    fn centroid_and_harmonicity(x: &[f32], rate: u32, f0: f32) -> (f32, f32) {
        let (mut weighted, mut total, mut between) = (0.0, 0.0, 0.0);
        let mut h = 1.0;
        while h * f0 < 3000.0 {
            let p = power(x, rate, h * f0);
            weighted += p * h * f0;
            total += p;
            between += power(x, rate, (h + 0.5) * f0);
            h += 1.0;
        }
        (weighted / total, total / between.max(1e-12))
    }

    #[test]
    fn the_output_is_as_long_as_the_input_whatever_the_chunks() {
        let input = vowel(120.0, 700.0, 8000, 0.77);
        for chunk in [1, 63, 64, 1000, input.len()] {
            let out = run(&mut FormantWarp::new(1.1, 8000), &input, chunk);
            assert_eq!(out.len(), input.len(), "chunk {chunk}");
        }
        assert!(run(&mut FormantWarp::new(1.1, 8000), &[], 10).is_empty());
    }

    #[test]
    fn ratio_one_gives_the_input_back_in_place() {
        let input = vowel(150.0, 900.0, 8000, 0.5);
        let out = run(&mut FormantWarp::new(1.0, 8000), &input, 100);
        let worst = input
            .iter()
            .zip(&out)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn the_resonance_moves_and_the_pitch_stays() {
        let rate = 8000;
        let input = vowel(125.0, 1000.0, rate, 0.6);
        let (centre, harmonic) = centroid_and_harmonicity(&input, rate, 125.0);
        assert!(harmonic > 100.0, "{harmonic}");
        for (ratio, higher) in [(1.2, true), (1.0 / 1.2, false)] {
            let out = run(&mut FormantWarp::new(ratio, rate), &input, 256);
            let (moved, still_harmonic) = centroid_and_harmonicity(&out, rate, 125.0);
            // The spectral weight moves the way of the ratio, by a good part of it...
            let change = moved / centre;
            if higher {
                assert!(change > 1.08, "{centre} -> {moved}");
            } else {
                assert!(change < 1.0 / 1.08, "{centre} -> {moved}");
            }
            // ...while the power stays on the harmonics of the same pitch.
            assert!(still_harmonic > 30.0, "{still_harmonic}");
        }
    }
}
