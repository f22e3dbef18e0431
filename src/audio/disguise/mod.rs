//! Voice disguise: which transforms run, with which parameters, drawn at random per call.
//!
//! Why random per call: with one fixed setting, anyone can apply the same transform to a known
//! recording of an operator and link the operator's calls almost as well as with the originals
//! (published attacks reach 3-6 % equal error rate against a fixed McAdams coefficient). A fresh
//! draw per call weakens that link, and wider draws weaken it more but cost intelligibility. The
//! ranges below are a compromise: on our synthetic corpus (tests/privacy/README.md) they take an
//! attacker who knows the method from 2-8 % EER (fixed setting) to about 25 %, with little loss
//! in recognition; 50 % (unlinkable) is not reached. The sign of the pitch shift is random too,
//! so two calls of one operator often land several semitones apart.

pub mod lpc;
pub mod mcadams;
pub mod pitch;

use std::ops::RangeInclusive;

use rand::{Rng, RngExt};

use super::VoiceMode;

/// `pitch` mode: magnitude of the pitch shift in semitones (sign drawn separately).
pub const PITCH_SEMITONES: RangeInclusive<f32> = 2.5..=4.5;
/// `mcadams` mode: the McAdams coefficient.
pub const MCADAMS_ALPHA: RangeInclusive<f32> = 0.75..=0.9;
/// `mcadams` mode: magnitude of the accompanying pitch shift in semitones.
pub const MCADAMS_PITCH_SEMITONES: RangeInclusive<f32> = 1.0..=2.5;

/// The disguise parameters drawn for one call. Owner-only: they would help undo the disguise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceParams {
    /// Pitch (and formant) shift in semitones; 0 = none.
    pub pitch_semitones: f32,
    /// McAdams coefficient; 1 = none.
    pub mcadams_alpha: f32,
}

impl VoiceParams {
    /// No disguise.
    pub const NONE: VoiceParams = VoiceParams {
        pitch_semitones: 0.0,
        mcadams_alpha: 1.0,
    };

    /// Draws the parameters for one call.
    pub fn draw<R: Rng + ?Sized>(mode: VoiceMode, rng: &mut R) -> Self {
        let mut signed = |range: RangeInclusive<f32>| {
            let magnitude = rng.random_range(range);
            if rng.random_bool(0.5) {
                magnitude
            } else {
                -magnitude
            }
        };
        match mode {
            VoiceMode::Off => VoiceParams::NONE,
            VoiceMode::Pitch => VoiceParams {
                pitch_semitones: signed(PITCH_SEMITONES),
                mcadams_alpha: 1.0,
            },
            VoiceMode::McAdams => {
                let pitch_semitones = signed(MCADAMS_PITCH_SEMITONES);
                VoiceParams {
                    pitch_semitones,
                    mcadams_alpha: rng.random_range(MCADAMS_ALPHA),
                }
            }
        }
    }

    pub fn pitch_ratio(&self) -> f64 {
        2f64.powf(f64::from(self.pitch_semitones) / 12.0)
    }
}

/// The disguise for one channel: McAdams, then pitch, each only if its parameter asks for it.
/// Output is aligned sample for sample with input, and as long.
pub struct Chain {
    mcadams: Option<mcadams::McAdams>,
    pitch: Option<pitch::PitchShifter>,
    between: Vec<f32>,
}

impl Chain {
    pub fn new(params: &VoiceParams, sample_rate: u32) -> Self {
        let mcadams = ((params.mcadams_alpha - 1.0).abs() > 1e-6)
            .then(|| mcadams::McAdams::new(f64::from(params.mcadams_alpha), sample_rate));
        let pitch = (params.pitch_semitones.abs() > 1e-3)
            .then(|| pitch::PitchShifter::new(params.pitch_ratio(), sample_rate));
        Chain {
            mcadams,
            pitch,
            between: Vec::new(),
        }
    }

    /// Appends the disguised counterpart of `input` (possibly delayed) to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        match (&mut self.mcadams, &mut self.pitch) {
            (None, None) => out.extend_from_slice(input),
            (Some(m), None) => m.process(input, out),
            (None, Some(p)) => p.process(input, out),
            (Some(m), Some(p)) => {
                self.between.clear();
                m.process(input, &mut self.between);
                p.process(&self.between, out);
            }
        }
    }

    /// Appends the rest of the output.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        match (&mut self.mcadams, &mut self.pitch) {
            (None, None) => {}
            (Some(m), None) => m.finish(out),
            (None, Some(p)) => p.finish(out),
            (Some(m), Some(p)) => {
                self.between.clear();
                m.finish(&mut self.between);
                p.process(&self.between, out);
                p.finish(out);
            }
        }
    }

    pub fn unwarped_frames(&self) -> u64 {
        self.mcadams
            .as_ref()
            .map_or(0, mcadams::McAdams::unwarped_frames)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn draws_are_in_range_differ_per_call_and_repeat_per_seed() {
        let mut rng = StdRng::seed_from_u64(7);
        let draws: Vec<VoiceParams> = (0..200)
            .map(|_| VoiceParams::draw(VoiceMode::McAdams, &mut rng))
            .collect();
        assert!(
            draws
                .iter()
                .all(|d| MCADAMS_ALPHA.contains(&d.mcadams_alpha)
                    && MCADAMS_PITCH_SEMITONES.contains(&d.pitch_semitones.abs()))
        );
        assert!(draws.iter().any(|d| d.pitch_semitones > 0.0));
        assert!(draws.iter().any(|d| d.pitch_semitones < 0.0));
        assert_ne!(draws[0], draws[1]);

        let again = VoiceParams::draw(VoiceMode::McAdams, &mut StdRng::seed_from_u64(7));
        assert_eq!(again, draws[0]);
        let mut rng = StdRng::seed_from_u64(1);
        let p = VoiceParams::draw(VoiceMode::Pitch, &mut rng);
        assert!(PITCH_SEMITONES.contains(&p.pitch_semitones.abs()));
        assert_eq!(p.mcadams_alpha, 1.0);
        assert_eq!(
            VoiceParams::draw(VoiceMode::Off, &mut rng),
            VoiceParams::NONE
        );
    }
}
