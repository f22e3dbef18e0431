//! Krippendorff's alpha for nominal data: how far reviewers agree beyond what chance would
//! give, over units (here: one step of one call) each graded by any number of coders, with
//! missing values allowed. Pure; the read model in `crate::dashboards::agreement` feeds it.
//!
//! # The formula (coincidence-matrix method)
//!
//! A unit `u` holds the `m_u` values its coders gave. A unit with fewer than two values has
//! nobody to be compared with and is left out; the others are *pairable*.
//!
//! * Coincidences: every ordered pair of values `(c, k)` from two different coders of the
//!   same unit adds `1 / (m_u − 1)` to `o_ck`. So each pairable value contributes exactly 1
//!   to its row of the matrix.
//! * Marginals: `n_c = Σ_k o_ck`, the number of pairable values equal to `c`, and
//!   `n = Σ_c n_c`, the number of pairable values (reported as `values`).
//! * With the nominal metric (`δ_ck` = 0 when `c = k`, 1 otherwise):
//!   observed disagreement `D_o = (1/n) Σ_{c≠k} o_ck`,
//!   expected disagreement `D_e = 1/(n(n−1)) Σ_{c≠k} n_c·n_k`,
//!   and `α = 1 − D_o / D_e = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k`.
//!
//! Per unit, `Σ_{c≠k} o_ck` is `(m_u² − Σ_c n_uc²) / (m_u − 1)` where `n_uc` counts the
//! unit's values equal to `c`, and `Σ_{c≠k} n_c·n_k = n² − Σ_c n_c²`; the code uses these
//! sums rather than building the matrix.
//!
//! # Undefined cases
//!
//! * No pairable value (`n = 0`): alpha is `None`.
//! * Expected disagreement 0: every pairable value is the same category, so the data show
//!   no variation and `D_o / D_e` is 0/0. Alpha is `None` here as well (undefined, not 1):
//!   reviewers who all said `correct` on every call tell nothing about whether they would
//!   agree on a call where something went wrong. `values` still reports `n`.
//!
//! Alpha is 1 for perfect agreement, about 0 for agreement no better than chance, and may
//! be negative for systematic disagreement.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Krippendorff's own convention: data with alpha below 2/3 are too unreliable to draw even
/// tentative conclusions from. A step below this is one reviewers judge differently.
pub const LOW_ALPHA: f64 = 0.667;

/// Below this many pairable values an alpha says too little to flag a step on.
pub const MIN_VALUES: usize = 20;

/// Alpha over a set of units, with the number of pairable values it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Agreement {
    /// `None` when undefined: no pairable value, or no variation at all (see the module doc).
    pub alpha: Option<f64>,
    /// `n`: the values in units with at least two values.
    pub values: usize,
}

impl Agreement {
    /// Low enough, on enough values, to say the step's guidance needs work.
    pub fn is_low(&self) -> bool {
        self.values >= MIN_VALUES && self.alpha.is_some_and(|a| a < LOW_ALPHA)
    }
}

/// Nominal Krippendorff's alpha of `units`, each the values its coders gave (in any order;
/// which coder gave which value does not enter the nominal coefficient).
pub fn nominal_alpha<T, U>(units: &[U]) -> Agreement
where
    T: Eq + Hash,
    U: AsRef<[T]>,
{
    let mut totals: HashMap<&T, f64> = HashMap::new();
    let mut disagreeing = 0.0_f64;
    let mut n = 0_usize;
    for unit in units {
        let unit = unit.as_ref();
        let m = unit.len();
        if m < 2 {
            continue;
        }
        let mut counts: HashMap<&T, usize> = HashMap::new();
        for value in unit {
            *counts.entry(value).or_default() += 1;
        }
        let same: usize = counts.values().map(|c| c * c).sum();
        disagreeing += (m * m - same) as f64 / (m - 1) as f64;
        for (value, count) in counts {
            *totals.entry(value).or_default() += count as f64;
        }
        n += m;
    }
    if n == 0 {
        return Agreement {
            alpha: None,
            values: 0,
        };
    }
    let nf = n as f64;
    let expected = nf * nf - totals.values().map(|c| c * c).sum::<f64>();
    let alpha = (expected > 0.0).then(|| 1.0 - (nf - 1.0) * disagreeing / expected);
    Agreement { alpha, values: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(agreement: Agreement, alpha: f64, values: usize) {
        assert_eq!(agreement.values, values);
        let got = agreement.alpha.expect("alpha is defined");
        assert!((got - alpha).abs() < 1e-9, "alpha {got}, expected {alpha}");
    }

    /// Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the nominal
    /// example with missing data: coders A–D, units 1–12, values 1–5 (0 here: no value).
    #[test]
    fn the_worked_example_with_missing_data() {
        let coders: [[u8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let units: Vec<Vec<u8>> = (0..12)
            .map(|u| coders.iter().map(|c| c[u]).filter(|v| *v != 0).collect())
            .collect();
        let agreement = nominal_alpha(&units);
        // The paper gives 0.743 on 40 pairable values (unit 12 has a single value).
        assert_eq!(agreement.values, 40);
        let alpha = agreement.alpha.unwrap();
        assert!((alpha - 0.743).abs() < 0.0005, "{alpha}");
        close(agreement, 0.743_421_052_631_579, 40);
    }

    /// Figures from the reference implementation (the `krippendorff` package 0.9.0 for
    /// Python, `level_of_measurement="nominal"`) on random data with missing values: NumPy's
    /// `default_rng(20261202)`, values drawn uniformly, then each coder after the first
    /// copying the first coder with probability 1/2, then each value dropped with the given
    /// probability. Shown here as each unit's remaining values.
    #[test]
    fn matches_the_reference_implementation_on_random_data() {
        let cases: [(&[&[u8]], f64, usize); 4] = [
            // 3 coders, 15 units, 3 categories, 30 % missing.
            (
                &[
                    &[0, 0, 0],
                    &[1, 1],
                    &[1, 2],
                    &[0],
                    &[1],
                    &[0, 0, 0],
                    &[1, 1],
                    &[2, 2],
                    &[0, 0],
                    &[1, 1, 2],
                    &[2, 2, 2],
                    &[1, 1, 1],
                    &[2, 2],
                    &[0],
                    &[2, 2, 2],
                ],
                0.804_054_054_054_054_1,
                30,
            ),
            // 5 coders, 30 units, 3 categories, 40 % missing.
            (
                &[
                    &[0, 0],
                    &[2, 2],
                    &[1],
                    &[0, 2],
                    &[1, 1, 0],
                    &[1, 1, 1],
                    &[0, 0, 0, 0],
                    &[1, 2],
                    &[0, 2, 2],
                    &[2, 2, 1, 1],
                    &[2, 2, 2],
                    &[0],
                    &[2, 2, 0],
                    &[1, 1, 0, 0],
                    &[2, 0, 2],
                    &[2, 0],
                    &[0, 0, 0, 1],
                    &[0, 1, 0, 0],
                    &[2, 2],
                    &[0, 0, 0],
                    &[0, 0, 1, 0],
                    &[1, 1, 1],
                    &[1, 0, 1],
                    &[0, 0],
                    &[0, 0, 2],
                    &[1, 1, 1, 0],
                    &[2, 1, 2, 2],
                    &[2, 2, 2],
                    &[2, 1, 2],
                    &[1, 1, 1],
                ],
                0.381_150_959_132_610_55,
                85,
            ),
            // 4 coders, 25 units, 2 categories, 50 % missing (two units lost every value).
            (
                &[
                    &[1, 0],
                    &[0, 1],
                    &[0],
                    &[0, 0, 0],
                    &[1, 1, 1],
                    &[0, 0, 0],
                    &[0, 0],
                    &[1, 1],
                    &[0, 0, 0],
                    &[0],
                    &[1, 0, 1],
                    &[0, 0],
                    &[],
                    &[0, 0, 1, 0],
                    &[1, 1],
                    &[0],
                    &[],
                    &[1, 1],
                    &[1, 1],
                    &[1, 0],
                    &[1],
                    &[1, 0],
                    &[1, 1],
                    &[1, 0, 1],
                    &[0, 0, 0],
                ],
                0.414_545_454_545_454_55,
                47,
            ),
            // 2 coders, 40 units, 4 categories, 20 % missing.
            (
                &[
                    &[1, 3],
                    &[1],
                    &[0, 2],
                    &[2, 0],
                    &[3, 3],
                    &[2, 2],
                    &[2, 2],
                    &[3],
                    &[2, 0],
                    &[2, 0],
                    &[3, 3],
                    &[3, 3],
                    &[2],
                    &[1, 1],
                    &[0, 0],
                    &[0, 2],
                    &[2, 2],
                    &[3, 3],
                    &[3],
                    &[0],
                    &[3, 3],
                    &[1, 1],
                    &[2],
                    &[1, 1],
                    &[1, 1],
                    &[2, 3],
                    &[2, 2],
                    &[3],
                    &[2, 3],
                    &[],
                    &[1],
                    &[3, 3],
                    &[3],
                    &[3, 3],
                    &[2, 2],
                    &[1, 1],
                    &[2],
                    &[2, 2],
                    &[2, 1],
                    &[3, 3],
                ],
                0.574_273_858_921_161_8,
                58,
            ),
        ];
        for (units, alpha, values) in cases {
            close(nominal_alpha(units), alpha, values);
        }
    }

    #[test]
    fn the_order_of_values_and_of_units_does_not_matter() {
        let a = nominal_alpha(&[vec!["x", "y", "x"], vec!["y", "y"], vec!["x", "x"]]);
        let b = nominal_alpha(&[vec!["x", "x"], vec!["x", "x", "y"], vec!["y", "y"]]);
        assert_eq!(a, b);
    }

    #[test]
    fn perfect_agreement_is_one_and_systematic_disagreement_is_negative() {
        close(nominal_alpha(&[vec![1, 1], vec![2, 2], vec![1, 1]]), 1.0, 6);
        // Two units, each split: o_12 = o_21 = 2, n_1 = n_2 = 2, so α = 1 − 3·(2+2)/(2·2+2·2) = −0.5.
        close(nominal_alpha(&[vec![1, 2], vec![2, 1]]), -0.5, 4);
    }

    #[test]
    fn undefined_without_pairable_values_or_without_variation() {
        let none: [Vec<u8>; 0] = [];
        assert_eq!(
            nominal_alpha(&none),
            Agreement {
                alpha: None,
                values: 0
            }
        );
        assert_eq!(
            nominal_alpha(&[vec![1], vec![2], vec![]]),
            Agreement {
                alpha: None,
                values: 0
            }
        );
        // Single values are not pairable; the pairable ones are all the same category.
        assert_eq!(
            nominal_alpha(&[vec![1, 1, 1], vec![2], vec![1, 1]]),
            Agreement {
                alpha: None,
                values: 5
            }
        );
    }

    #[test]
    fn a_step_is_flagged_only_when_low_on_enough_values() {
        let low = |alpha, values| Agreement {
            alpha: Some(alpha),
            values,
        };
        assert!(low(0.5, MIN_VALUES).is_low());
        assert!(!low(0.5, MIN_VALUES - 1).is_low());
        assert!(!low(LOW_ALPHA, 100).is_low());
        assert!(
            !Agreement {
                alpha: None,
                values: 100
            }
            .is_low()
        );
    }
}
