//! Redaction: owner-marked ranges become silence or a bleep, on any block of a stream.
//!
//! Ranges are converted to sample positions once, rounding outwards, so a marked range is never
//! shortened by rounding. Blocks carry their absolute position, which is all a stage needs to
//! know which of its samples fall in a range.

use super::{AudioError, MAX_REDACTIONS, Redaction, RedactionMode};

/// Frequency of the bleep tone.
pub const BLEEP_HZ: f64 = 1_000.0;
/// Peak level of the bleep tone (-12 dBFS): clearly audible without being harsh.
pub const BLEEP_LEVEL: f32 = 0.25;

/// Redaction ranges of one recording in samples, sorted by start.
#[derive(Debug, Clone)]
pub struct Redactor {
    ranges: Vec<SampleRange>,
    rate: u32,
}

#[derive(Debug, Clone, Copy)]
struct SampleRange {
    start: u64,
    end: u64,
    mode: RedactionMode,
}

impl Redactor {
    pub fn new(redactions: &[Redaction], rate: u32) -> Result<Self, AudioError> {
        if redactions.len() > MAX_REDACTIONS {
            return Err(AudioError::InvalidOptions(format!(
                "{} redactions (at most {MAX_REDACTIONS})",
                redactions.len()
            )));
        }
        let mut ranges = Vec::with_capacity(redactions.len());
        for r in redactions {
            if r.end_ms <= r.start_ms {
                return Err(AudioError::InvalidOptions(format!(
                    "redaction {}..{} ms ends before it starts",
                    r.start_ms, r.end_ms
                )));
            }
            let rate = u128::from(rate);
            let start = u128::from(r.start_ms) * rate / 1000;
            let end = (u128::from(r.end_ms) * rate).div_ceil(1000);
            ranges.push(SampleRange {
                start: u64::try_from(start).unwrap_or(u64::MAX),
                end: u64::try_from(end).unwrap_or(u64::MAX),
                mode: r.mode,
            });
        }
        // Silence first, then bleeps: where a bleep and a silence overlap, the bleep is heard.
        ranges.sort_by_key(|r| (r.mode == RedactionMode::Bleep, r.start));
        Ok(Redactor { ranges, rate })
    }

    /// Zeroes every marked sample of `block`, whatever the mode (the stage before the disguise).
    pub fn silence(&self, block: &mut [f32], block_start: u64) {
        for (_, lo, hi) in self.overlaps(block.len(), block_start) {
            block[lo..hi].fill(0.0);
        }
    }

    /// Writes the final content of every marked sample of `block`: silence or the bleep tone.
    pub fn apply_final(&self, block: &mut [f32], block_start: u64) {
        let rate = u64::from(self.rate.max(1));
        let step = std::f64::consts::TAU * BLEEP_HZ / rate as f64;
        // A 2 ms fade at each end of a bleep avoids clicks.
        let ramp = (rate as f64 * 0.002).max(1.0);
        for (range, lo, hi) in self.overlaps(block.len(), block_start) {
            let slice = &mut block[lo..hi];
            match range.mode {
                RedactionMode::Silence => slice.fill(0.0),
                RedactionMode::Bleep => {
                    // The phase follows the absolute position, so the tone is continuous across
                    // block boundaries without carrying state.
                    let first = block_start + lo as u64;
                    for (i, sample) in slice.iter_mut().enumerate() {
                        let n = first + i as u64;
                        let edge = (n - range.start).min(range.end - 1 - n) as f64;
                        let gain = (edge / ramp).min(1.0) as f32;
                        let phase = (n % rate) as f64 * step;
                        *sample = BLEEP_LEVEL * gain * phase.sin() as f32;
                    }
                }
            }
        }
    }

    /// Every range overlapping a block of `len` samples at `block_start`, with the overlapping
    /// index range inside the block.
    fn overlaps(
        &self,
        len: usize,
        block_start: u64,
    ) -> impl Iterator<Item = (SampleRange, usize, usize)> + '_ {
        let block_end = block_start.saturating_add(len as u64);
        self.ranges
            .iter()
            .filter(move |r| r.start < block_end && r.end > block_start)
            .map(move |r| {
                let lo = (r.start.max(block_start) - block_start) as usize;
                let hi = (r.end.min(block_end) - block_start) as usize;
                (*r, lo, hi)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(ranges: &[(u64, u64, RedactionMode)], rate: u32) -> Redactor {
        let list: Vec<Redaction> = ranges
            .iter()
            .map(|&(start_ms, end_ms, mode)| Redaction {
                start_ms,
                end_ms,
                mode,
            })
            .collect();
        Redactor::new(&list, rate).unwrap()
    }

    #[test]
    fn silence_zeroes_exactly_the_range_across_blocks() {
        let r = redactor(&[(100, 250, RedactionMode::Silence)], 8000);
        // 100 ms..250 ms at 8 kHz = samples 800..2000, fed in odd-sized blocks.
        let mut all = vec![1.0f32; 4000];
        let mut pos = 0;
        for chunk in all.chunks_mut(333) {
            r.apply_final(chunk, pos);
            pos += chunk.len() as u64;
        }
        for (i, s) in all.iter().enumerate() {
            let inside = (800..2000).contains(&i);
            assert_eq!(*s == 0.0, inside, "sample {i}");
        }
    }

    #[test]
    fn bleep_is_a_1khz_tone_at_moderate_level() {
        let rate = 16_000;
        let r = redactor(&[(0, 1000, RedactionMode::Bleep)], rate);
        let mut block = vec![0.9f32; rate as usize];
        r.apply_final(&mut block, 0);
        let peak = block.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((peak - BLEEP_LEVEL).abs() < 1e-3, "peak {peak}");
        // Count rising zero crossings over the steady part: 1 kHz for 0.9 s = 900.
        let steady = &block[800..15_200];
        let crossings = steady
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!((899..=901).contains(&crossings), "{crossings} crossings");
    }

    #[test]
    fn bleep_wins_over_silence_and_ranges_beyond_the_end_are_harmless() {
        let r = redactor(
            &[
                (0, 500, RedactionMode::Bleep),
                (0, 1000, RedactionMode::Silence),
                (10_000, u64::MAX, RedactionMode::Silence),
            ],
            8000,
        );
        let mut block = vec![0.5f32; 8000];
        r.apply_final(&mut block, 0);
        assert!(block[100..3900].iter().any(|s| *s != 0.0));
        assert!(block[4000..8000].iter().all(|s| *s == 0.0));
    }

    #[test]
    fn rejects_reversed_ranges() {
        let bad = [Redaction {
            start_ms: 10,
            end_ms: 10,
            mode: RedactionMode::Silence,
        }];
        assert!(matches!(
            Redactor::new(&bad, 8000),
            Err(AudioError::InvalidOptions(_))
        ));
    }
}
