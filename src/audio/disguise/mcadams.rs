//! McAdams vocal-tract warping, the anonymization baseline of the VoicePrivacy Challenge.
//!
//! Per 20 ms Hann-windowed frame (10 ms hop): fit an LPC model, find its poles, move every pole
//! angle `phi` (radians, 0..π) to `phi^alpha`, and filter the frame's own prediction residual
//! through the warped model; frames are overlap-added. The residual keeps the excitation
//! (pitch, voicing, timing), the warped poles move the formants: `alpha < 1` raises low formants
//! and lowers high ones, which changes the apparent speaker while the words stay.
//!
//! Streaming: the stage holds one frame of input and one of output, and its output is aligned
//! sample for sample with its input (the first frame starts half a frame before time zero).

use super::lpc::{self, C64};

pub struct McAdams {
    alpha: f64,
    hop: usize,
    window: Vec<f64>,
    /// Input samples; `buf[0]` is absolute position `base`.
    buf: Vec<f32>,
    base: i64,
    received: i64,
    /// Index of the next frame; frame `f` covers `[f·hop, f·hop + 2·hop)`.
    frame: i64,
    /// Overlap-add accumulator; `ola[0]` is absolute output position `frame·hop`.
    ola: Vec<f32>,
    // Per-frame work buffers, reused.
    x: Vec<f64>,
    y: Vec<f64>,
    e: Vec<f64>,
    r: Vec<f64>,
    a: Vec<f64>,
    warped: Vec<f64>,
    tmp: Vec<f64>,
    roots: Vec<C64>,
    unwarped: u64,
}

impl McAdams {
    pub fn new(alpha: f64, sample_rate: u32) -> Self {
        let hop = (sample_rate as usize / 100).max(8);
        let len = 2 * hop;
        // Two poles per kHz of bandwidth plus a few for the glottal and lip shape, as usual.
        let order = (sample_rate as usize / 1000 + 4).clamp(10, 24);
        let window = (0..len)
            .map(|j| 0.5 - 0.5 * (std::f64::consts::TAU * j as f64 / len as f64).cos())
            .collect();
        McAdams {
            alpha,
            hop,
            window,
            buf: vec![0.0; hop],
            base: -(hop as i64),
            received: 0,
            frame: -1,
            ola: vec![0.0; len],
            x: vec![0.0; len],
            y: vec![0.0; len],
            e: vec![0.0; len],
            r: vec![0.0; order + 1],
            a: vec![0.0; order + 1],
            warped: vec![0.0; order + 1],
            tmp: vec![0.0; order + 1],
            roots: Vec::with_capacity(order),
            unwarped: 0,
        }
    }

    /// Frames left unwarped because their poles could not be found.
    pub fn unwarped_frames(&self) -> u64 {
        self.unwarped
    }

    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.buf.extend_from_slice(input);
        self.received += input.len() as i64;
        while self.buffered_end() >= self.frame_end() {
            self.run_frame(out);
        }
        self.trim();
    }

    /// Flushes the tail; the total output then equals the total input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        while self.emitted() < self.received {
            let missing = (self.frame_end() - self.buffered_end()).max(0) as usize;
            self.buf.resize(self.buf.len() + missing, 0.0);
            self.run_frame(out);
        }
    }

    fn buffered_end(&self) -> i64 {
        self.base + self.buf.len() as i64
    }
    fn frame_end(&self) -> i64 {
        self.frame * self.hop as i64 + 2 * self.hop as i64
    }
    fn emitted(&self) -> i64 {
        self.frame * self.hop as i64
    }

    fn run_frame(&mut self, out: &mut Vec<f32>) {
        let len = 2 * self.hop;
        let start = (self.frame * self.hop as i64 - self.base) as usize;
        for ((x, w), s) in self
            .x
            .iter_mut()
            .zip(&self.window)
            .zip(&self.buf[start..start + len])
        {
            *x = w * f64::from(*s);
        }
        self.warp_frame();
        for (acc, y) in self.ola.iter_mut().zip(&self.y) {
            *acc += *y as f32;
        }

        let first = self.emitted();
        for (j, sample) in self.ola[..self.hop].iter().enumerate() {
            let n = first + j as i64;
            if n >= 0 && n < self.received {
                out.push(*sample);
            }
        }
        self.ola.copy_within(self.hop.., 0);
        let hop = self.hop;
        self.ola[len - hop..].fill(0.0);
        self.frame += 1;
    }

    /// `y` = the frame `x` through the warped model (or `x` itself where there is nothing to
    /// warp).
    fn warp_frame(&mut self) {
        let order = self.a.len() - 1;
        let energy: f64 = self.x.iter().map(|v| v * v).sum();
        // Digital silence, or alpha = 1: nothing to do.
        if energy < 1e-12 * self.x.len() as f64 || (self.alpha - 1.0).abs() < 1e-9 {
            self.y.copy_from_slice(&self.x);
            return;
        }
        lpc::autocorrelation(&self.x, &mut self.r);
        // A -40 dB noise floor keeps the model well conditioned on near-silent or tonal frames.
        self.r[0] *= 1.0 + 1e-4;
        let ok = lpc::levinson(&self.r, &mut self.a, &mut self.tmp)
            && lpc::roots(&self.a, &mut self.roots)
            && lpc::warp_poles(&self.roots, self.alpha, &mut self.warped);
        if !ok {
            self.roots.clear();
            self.unwarped += 1;
            self.y.copy_from_slice(&self.x);
            return;
        }
        // Residual through A(z), then synthesis through 1/A'(z), both from rest.
        for n in 0..self.x.len() {
            let taps = order.min(n);
            let mut acc = self.x[n];
            for k in 1..=taps {
                acc += self.a[k] * self.x[n - k];
            }
            self.e[n] = acc;
        }
        for n in 0..self.x.len() {
            let taps = order.min(n);
            let mut acc = self.e[n];
            for k in 1..=taps {
                acc -= self.warped[k] * self.y[n - k];
            }
            self.y[n] = acc;
        }
        // The synthesis filter is stable by construction; this only guards against numerical
        // accidents turning into a burst of noise.
        if !self.y.iter().all(|v| v.is_finite() && v.abs() < 8.0) {
            self.unwarped += 1;
            self.y.copy_from_slice(&self.x);
        }
    }

    fn trim(&mut self) {
        let keep_from = self.frame * self.hop as i64;
        let drop = (keep_from - self.base).max(0) as usize;
        if drop > 4096.max(self.buf.len() / 2) {
            self.buf.drain(..drop);
            self.base += drop as i64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice_like(rate: u32, seconds: f32) -> Vec<f32> {
        // A 120 Hz pulse train through two resonances: a crude vowel.
        let n = (rate as f32 * seconds) as usize;
        let mut x = vec![0.0f32; n];
        let period = rate as usize / 120;
        for i in (0..n).step_by(period) {
            x[i] = 1.0;
        }
        let mut y = vec![0.0f32; n];
        for (f, bw) in [(700.0f32, 80.0f32), (1200.0, 100.0)] {
            let r = (-std::f32::consts::PI * bw / rate as f32).exp();
            let c = 2.0 * r * (std::f32::consts::TAU * f / rate as f32).cos();
            let (mut y1, mut y2) = (0.0, 0.0);
            for (i, s) in x.iter().enumerate() {
                let v = s + c * y1 - r * r * y2;
                y2 = y1;
                y1 = v;
                y[i] += v * 0.02;
            }
        }
        y
    }

    fn run(alpha: f64, rate: u32, input: &[f32], block: usize) -> (Vec<f32>, u64) {
        let mut m = McAdams::new(alpha, rate);
        let mut out = Vec::new();
        for chunk in input.chunks(block) {
            m.process(chunk, &mut out);
        }
        m.finish(&mut out);
        (out, m.unwarped_frames())
    }

    #[test]
    fn alpha_one_is_identity_through_the_whole_root_path() {
        let input = voice_like(8000, 1.0);
        // Just off 1 so the LPC, root finding and rebuild all run.
        let (out, unwarped) = run(1.0 + 1e-7, 8000, &input, 333);
        assert_eq!(out.len(), input.len());
        assert_eq!(unwarped, 0);
        let err = out
            .iter()
            .zip(&input)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1e-3, "max error {err}");
    }

    #[test]
    fn warping_keeps_length_and_level_but_changes_the_signal() {
        let input = voice_like(16_000, 1.0);
        let (out, unwarped) = run(0.8, 16_000, &input, 1000);
        assert_eq!(out.len(), input.len());
        assert_eq!(unwarped, 0);
        let rms = |v: &[f32]| (v.iter().map(|s| s * s).sum::<f32>() / v.len() as f32).sqrt();
        let ratio = rms(&out) / rms(&input);
        assert!((0.3..3.0).contains(&ratio), "level ratio {ratio}");
        let diff: Vec<f32> = out.iter().zip(&input).map(|(a, b)| a - b).collect();
        assert!(rms(&diff) > 0.2 * rms(&input));
    }
}
