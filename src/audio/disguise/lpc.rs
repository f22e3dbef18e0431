//! Linear prediction helpers for the McAdams stage: autocorrelation, Levinson-Durbin, polynomial
//! roots (Aberth-Ehrlich) and the rebuild of a real polynomial from warped roots.
//!
//! Everything works in `f64` on small fixed-size problems (order ≤ 32) and reuses caller-owned
//! buffers, so a frame allocates nothing.

/// A complex number, just enough for root finding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const fn new(re: f64, im: f64) -> Self {
        C64 { re, im }
    }
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: C64) -> C64 {
        C64::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn div(self, o: C64) -> C64 {
        let d = o.re * o.re + o.im * o.im;
        C64::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    /// `|z|²`: no square root, for comparisons in the hot loop.
    fn norm_sqr(self) -> f64 {
        self.re * self.re + self.im * self.im
    }
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }
    fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
}

/// `r[k] = Σ x[n]·x[n+k]` for `k` in `0..r.len()`.
pub fn autocorrelation(x: &[f64], r: &mut [f64]) {
    for (k, rk) in r.iter_mut().enumerate() {
        *rk = if k < x.len() {
            x[k..].iter().zip(x).map(|(a, b)| a * b).sum()
        } else {
            0.0
        };
    }
}

/// Levinson-Durbin: prediction polynomial `a` (with `a[0] = 1`, length `r.len()`) such that
/// `A(z) = Σ a[k] z^-k` whitens a signal with autocorrelation `r`. Returns false if `r` is not
/// positive definite (silence or numerical trouble).
pub fn levinson(r: &[f64], a: &mut [f64], tmp: &mut [f64]) -> bool {
    let order = r.len().saturating_sub(1);
    if a.len() != order + 1 || tmp.len() != order + 1 || r.is_empty() || r[0] <= 0.0 {
        return false;
    }
    a.fill(0.0);
    a[0] = 1.0;
    let mut err = r[0];
    for i in 1..=order {
        let acc: f64 = (0..i).map(|j| a[j] * r[i - j]).sum();
        let k = -acc / err;
        if !k.is_finite() || k.abs() >= 1.0 {
            return false;
        }
        tmp[..=i].copy_from_slice(&a[..=i]);
        for j in 1..i {
            a[j] = tmp[j] + k * tmp[i - j];
        }
        a[i] = k;
        err *= 1.0 - k * k;
        if err <= 0.0 {
            return false;
        }
    }
    true
}

/// Roots of `z^p + a[1] z^(p-1) + … + a[p]` (`a[0]` must be 1) by Aberth-Ehrlich iteration.
///
/// If `roots` already holds `p` values (the previous frame's roots, which speech moves only a
/// little between frames) they are the starting point, which cuts the iterations to a few.
/// Returns false if the iteration did not converge; `roots` is then unusable.
pub fn roots(a: &[f64], roots: &mut Vec<C64>) -> bool {
    let p = a.len().saturating_sub(1);
    if p == 0 {
        roots.clear();
        return true;
    }
    let warm = roots.len() == p && roots.iter().all(|z| z.is_finite());
    if warm && aberth(a, roots, 20) {
        return true;
    }
    cold_start(p, roots);
    aberth(a, roots, 200)
}

fn cold_start(p: usize, roots: &mut Vec<C64>) {
    roots.clear();
    // Spread on a circle inside the unit disc, off the real axis so conjugates can separate.
    for k in 0..p {
        let angle = std::f64::consts::TAU * (k as f64 + 0.25) / p as f64 + 0.1;
        roots.push(C64::new(0.9 * angle.cos(), 0.9 * angle.sin()));
    }
}

fn aberth(a: &[f64], z: &mut [C64], max_iter: usize) -> bool {
    let p = z.len();
    for _ in 0..max_iter {
        // Squared, so the convergence test costs no `hypot` per root and iteration.
        let mut largest_step_sqr = 0.0f64;
        for i in 0..p {
            let zi = z[i];
            let (value, deriv) = eval(a, zi);
            if value.re == 0.0 && value.im == 0.0 {
                continue;
            }
            let newton = value.div(deriv);
            let mut repulsion = C64::new(0.0, 0.0);
            for (j, zj) in z.iter().enumerate() {
                if j != i {
                    repulsion = repulsion.add(C64::new(1.0, 0.0).div(zi.sub(*zj)));
                }
            }
            let step = newton.div(C64::new(1.0, 0.0).sub(newton.mul(repulsion)));
            if !step.is_finite() {
                return false;
            }
            z[i] = zi.sub(step);
            largest_step_sqr = largest_step_sqr.max(step.norm_sqr());
        }
        if largest_step_sqr < 1e-22 {
            return true;
        }
    }
    false
}

/// The polynomial and its derivative at `z` (Horner).
fn eval(a: &[f64], z: C64) -> (C64, C64) {
    let mut value = C64::new(1.0, 0.0);
    let mut deriv = C64::new(0.0, 0.0);
    for &coeff in &a[1..] {
        deriv = deriv.mul(z).add(value);
        value = value.mul(z).add(C64::new(coeff, 0.0));
    }
    (value, deriv)
}

/// Rebuilds `out` (`a[0] = 1`, length `roots.len() + 1`) from roots after mapping every pole
/// angle `phi` in (0, π) to `phi^alpha` (the McAdams transform). Real poles are kept. Radii are
/// kept but held inside the unit circle so the synthesis filter stays stable.
///
/// Returns false if the roots do not pair up into conjugates (numerical trouble).
pub fn warp_poles(roots: &[C64], alpha: f64, out: &mut [f64]) -> bool {
    const REAL_EPS: f64 = 1e-7;
    const MAX_RADIUS: f64 = 0.9995;
    if out.len() != roots.len() + 1 {
        return false;
    }
    let upper = roots.iter().filter(|z| z.im > REAL_EPS).count();
    let lower = roots.iter().filter(|z| z.im < -REAL_EPS).count();
    if upper != lower {
        return false;
    }
    out.fill(0.0);
    out[0] = 1.0;
    let mut degree = 0;
    for z in roots {
        if z.im > REAL_EPS {
            let radius = z.abs().min(MAX_RADIUS);
            let angle = z.arg().powf(alpha);
            // (1 - 2ρ cos φ z^-1 + ρ² z^-2): a conjugate pair as one real quadratic.
            let c1 = -2.0 * radius * angle.cos();
            let c2 = radius * radius;
            for k in (0..=degree + 2).rev() {
                let mut v = out[k];
                if k >= 1 {
                    v += c1 * out[k - 1];
                }
                if k >= 2 {
                    v += c2 * out[k - 2];
                }
                out[k] = v;
            }
            degree += 2;
        } else if z.im.abs() <= REAL_EPS {
            let x = z.re.clamp(-MAX_RADIUS, MAX_RADIUS);
            for k in (1..=degree + 1).rev() {
                out[k] -= x * out[k - 1];
            }
            degree += 1;
        }
    }
    degree == roots.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_roots_of_a_known_polynomial() {
        // (z - 0.5)(z + 0.3)(z² - 2·0.9·cos(1.0)z + 0.81)
        let pair = [1.0, -2.0 * 0.9 * 1.0f64.cos(), 0.81];
        let lin = [1.0, -0.5 + 0.3, -0.15];
        let mut a = [0.0; 5];
        for (i, x) in lin.iter().enumerate() {
            for (j, y) in pair.iter().enumerate() {
                a[i + j] += x * y;
            }
        }
        let mut z = Vec::new();
        assert!(roots(&a, &mut z));
        let mut found: Vec<(f64, f64)> = z.iter().map(|z| (z.abs(), z.arg().abs())).collect();
        found.sort_by(|x, y| x.partial_cmp(y).unwrap());
        let expected = [
            (0.3, std::f64::consts::PI),
            (0.5, 0.0),
            (0.9, 1.0),
            (0.9, 1.0),
        ];
        for (f, e) in found.iter().zip(expected) {
            assert!(
                (f.0 - e.0).abs() < 1e-9 && (f.1 - e.1).abs() < 1e-9,
                "{f:?} vs {e:?}"
            );
        }
        // Rebuilding with alpha = 1 gives the polynomial back.
        let mut back = [0.0; 5];
        assert!(warp_poles(&z, 1.0, &mut back));
        for (x, y) in back.iter().zip(a) {
            assert!((x - y).abs() < 1e-9);
        }
        // alpha = 0.5 moves the pair from 1 rad to 1 rad (1^0.5): unchanged; use 0.8 rad.
        let mut warped = [0.0; 5];
        assert!(warp_poles(&z, 0.5, &mut warped));
        let mut zw = Vec::new();
        assert!(roots(&warped, &mut zw));
        assert!(zw.iter().any(|z| (z.arg() - 1.0).abs() < 1e-9));
    }

    #[test]
    fn levinson_recovers_an_ar2_process() {
        // x[n] = 1.2 x[n-1] - 0.5 x[n-2] + e[n], driven by a deterministic pseudo-noise.
        let mut x = vec![0.0f64; 20_000];
        let mut seed = 12345u64;
        for n in 2..x.len() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let e = ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
            x[n] = 1.2 * x[n - 1] - 0.5 * x[n - 2] + e;
        }
        let mut r = [0.0; 3];
        autocorrelation(&x, &mut r);
        let (mut a, mut tmp) = ([0.0; 3], [0.0; 3]);
        assert!(levinson(&r, &mut a, &mut tmp));
        assert!(
            (a[1] + 1.2).abs() < 0.02 && (a[2] - 0.5).abs() < 0.02,
            "{a:?}"
        );
    }
}
