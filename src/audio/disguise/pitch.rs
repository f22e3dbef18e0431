//! Pitch shift that keeps duration: resampled grains placed by waveform similarity (WSOLA).
//!
//! Output grain `k` (30 ms, Hann, 15 ms hop) is read from the input at `ratio` times the normal
//! speed, which scales pitch and formants by `ratio`; grains are placed at the input position
//! that keeps time (so the output is as long as the input) give or take a small tolerance, and
//! within that tolerance at the offset whose waveform best continues the previous grain, so
//! overlapping grains add in phase instead of beating.
//!
//! It is all time domain: per output sample, one cubic interpolation and a short
//! cross-correlation search, no FFT. Streaming: the stage buffers about two grains of input and
//! its output is aligned sample for sample with its input.

pub struct PitchShifter {
    ratio: f64,
    hop: usize,
    tolerance: i64,
    /// `round(ratio·hop)`: input advanced by one output hop.
    advance: i64,
    /// Where grain 0 starts relative to time 0, so grain centres line up with output centres.
    offset: i64,
    /// Per grain sample: where to read (offset from the grain start, in input samples) and the
    /// four Catmull-Rom weights already multiplied by the Hann window. The ratio is fixed per
    /// call, so these are the same for every grain and cost nothing per sample.
    taps: Vec<(usize, [f32; 4])>,
    /// Input samples; `buf[0]` is absolute position `base`.
    buf: Vec<f32>,
    base: i64,
    received: i64,
    /// Index of the next grain; grain `k` covers output `[k·hop, k·hop + 2·hop)`.
    grain: i64,
    previous_start: Option<i64>,
    /// Overlap-add accumulator; `ola[0]` is absolute output position `grain·hop`.
    ola: Vec<f32>,
}

impl PitchShifter {
    /// `ratio` > 1 raises the pitch. It is held to 0.5..2.
    pub fn new(ratio: f64, sample_rate: u32) -> Self {
        let ratio = if ratio.is_finite() {
            ratio.clamp(0.5, 2.0)
        } else {
            1.0
        };
        let rate = sample_rate as f64;
        let hop = ((rate * 0.015) as usize).max(16);
        let len = 2 * hop;
        // Half the longest pitch period (~80 Hz) so an in-phase position is always in reach.
        let tolerance = ((rate * 0.007) as i64).max(4);
        let taps = (0..len)
            .map(|j| {
                let window = 0.5 - 0.5 * (std::f64::consts::TAU * j as f64 / len as f64).cos();
                let pos = ratio * j as f64;
                let t = pos.fract();
                let (t2, t3) = (t * t, t * t * t);
                let weights = [
                    0.5 * (-t3 + 2.0 * t2 - t),
                    0.5 * (3.0 * t3 - 5.0 * t2 + 2.0),
                    0.5 * (-3.0 * t3 + 4.0 * t2 + t),
                    0.5 * (t3 - t2),
                ];
                (pos as usize, weights.map(|w| (w * window) as f32))
            })
            .collect();
        let offset = (hop as f64 * (1.0 - ratio)).round() as i64;
        // Zeros before time 0 cover the earliest read: grain -1, minus the search tolerance,
        // minus the interpolator's one sample of history.
        let lead = hop as i64 - offset.min(0) + tolerance + 4;
        PitchShifter {
            ratio,
            hop,
            tolerance,
            advance: (ratio * hop as f64).round() as i64,
            offset,
            taps,
            buf: vec![0.0; lead as usize],
            base: -lead,
            received: 0,
            grain: -1,
            previous_start: None,
            ola: vec![0.0; len],
        }
    }

    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.buf.extend_from_slice(input);
        self.received += input.len() as i64;
        while self.buffered_end() >= self.needed_end() {
            self.run_grain(out);
        }
        self.trim();
    }

    /// Flushes the tail; the total output then equals the total input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        while self.grain * (self.hop as i64) < self.received {
            let missing = (self.needed_end() - self.buffered_end()).max(0) as usize;
            self.buf.resize(self.buf.len() + missing, 0.0);
            self.run_grain(out);
        }
    }

    fn buffered_end(&self) -> i64 {
        self.base + self.buf.len() as i64
    }

    /// The time-keeping start of grain `k`.
    fn target(&self) -> i64 {
        self.grain * self.hop as i64 + self.offset
    }

    /// One past the last input position grain `k` may read.
    fn needed_end(&self) -> i64 {
        let span = (self.ratio * 2.0 * self.hop as f64).ceil() as i64;
        self.target() + self.tolerance + span + 4
    }

    fn run_grain(&mut self, out: &mut Vec<f32>) {
        let target = self.target();
        let start = match self.previous_start {
            Some(previous) => self.best_start(previous + self.advance, target),
            None => target,
        };
        self.add_grain(start);

        let first = self.grain * self.hop as i64;
        for (j, sample) in self.ola[..self.hop].iter().enumerate() {
            let n = first + j as i64;
            if n >= 0 && n < self.received {
                out.push(*sample);
            }
        }
        let len = self.ola.len();
        self.ola.copy_within(self.hop.., 0);
        let hop = self.hop;
        self.ola[len - hop..].fill(0.0);
        self.previous_start = Some(start);
        self.grain += 1;
    }

    /// The start in `target ± tolerance` whose waveform best matches the natural continuation
    /// of the previous grain (which starts at `continuation`). A coarse search on every other
    /// lag over every other sample, then a fine one around the winner, cuts the cost by four
    /// at no audible loss.
    fn best_start(&self, continuation: i64, target: i64) -> i64 {
        let m = self.advance.max(1) as usize;
        let reference = self.slice(continuation, m);
        let score = |s: i64| dot(reference, self.slice(s, m));
        let coarse_score = |s: i64| dot_every_other(reference, self.slice(s, m));
        let mut best = target;
        let mut best_score = f32::NEG_INFINITY;
        let mut s = target - self.tolerance;
        while s <= target + self.tolerance {
            let v = coarse_score(s);
            if v > best_score {
                best_score = v;
                best = s;
            }
            s += 2;
        }
        let coarse = best;
        best_score = score(coarse);
        for s in [coarse - 1, coarse + 1] {
            if (target - self.tolerance..=target + self.tolerance).contains(&s) {
                let v = score(s);
                if v > best_score {
                    best_score = v;
                    best = s;
                }
            }
        }
        best
    }

    fn slice(&self, start: i64, len: usize) -> &[f32] {
        let from = (start - self.base) as usize;
        &self.buf[from..from + len]
    }

    /// Adds the windowed grain read from `start` at `ratio` speed (Catmull-Rom interpolation).
    fn add_grain(&mut self, start: i64) {
        let from = (start - self.base) as usize;
        let src = &self.buf[from - 1..];
        for (acc, &(i, w)) in self.ola.iter_mut().zip(&self.taps) {
            let x = &src[i..i + 4];
            *acc += w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3];
        }
    }

    fn trim(&mut self) {
        // The next grain reads no earlier than its target minus the tolerance (its continuation
        // point lies later), minus one sample of interpolation history.
        let keep_from = self.target() - self.tolerance - self.hop as i64 - 2;
        let drop = (keep_from - self.base).max(0) as usize;
        if drop > 4096.max(self.buf.len() / 2) {
            self.buf.drain(..drop);
            self.base += drop as i64;
        }
    }
}

/// Dot product over every other sample: half the work, enough to rank lags coarsely.
fn dot_every_other(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for k in 0..8 {
            acc[k] += x[2 * k] * y[2 * k];
        }
    }
    acc.iter().sum()
}

/// Dot product with eight independent accumulators so it vectorises.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Frequency from the zero-crossing rate of the middle of the signal.
    fn frequency(x: &[f32], rate: u32) -> f32 {
        let mid = &x[x.len() / 4..3 * x.len() / 4];
        let crossings = mid.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f32 * rate as f32 / mid.len() as f32
    }

    fn shift(input: &[f32], ratio: f64, rate: u32, block: usize) -> Vec<f32> {
        let mut p = PitchShifter::new(ratio, rate);
        let mut out = Vec::new();
        for chunk in input.chunks(block) {
            p.process(chunk, &mut out);
        }
        p.finish(&mut out);
        out
    }

    #[test]
    fn moves_a_sine_by_the_ratio_and_keeps_duration() {
        for (rate, freq, semitones) in [
            (8000, 200.0, 4.0f64),
            (8000, 300.0, -3.0),
            (16_000, 150.0, 2.5),
        ] {
            let ratio = 2f64.powf(semitones / 12.0);
            let input = sine(freq, rate, rate as usize * 2);
            let out = shift(&input, ratio, rate, 777);
            assert_eq!(out.len(), input.len());
            let got = frequency(&out, rate);
            let want = freq * ratio as f32;
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "{freq} Hz x {ratio}: got {got}, want {want}"
            );
        }
    }

    #[test]
    fn ratio_one_passes_a_signal_through_in_time() {
        let input = sine(440.0, 8000, 8000);
        let out = shift(&input, 1.0, 8000, 100);
        assert_eq!(out.len(), input.len());
        let err = out[200..7800]
            .iter()
            .zip(&input[200..7800])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.01, "max error {err}");
    }

    #[test]
    fn a_click_stays_where_it_was() {
        // Time alignment matters: redactions are applied to the output at the input's times.
        let mut input = vec![0.0f32; 16_000];
        input[8000] = 1.0;
        let out = shift(&input, 1.25, 8000, 512);
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert!(
            (peak as i64 - 8000).abs() < 8000 / 50,
            "click moved to {peak}"
        );
    }

    #[test]
    fn empty_and_tiny_inputs() {
        assert!(shift(&[], 1.3, 8000, 10).is_empty());
        assert_eq!(shift(&[0.5; 3], 0.7, 8000, 10).len(), 3);
    }
}
