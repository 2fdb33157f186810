//! Duration distributions and steady-state arithmetic: log-normal durations fixed by
//! their median and mean, their partial expectations (what the analytic method needs to
//! weigh recovery windows), sampling (what the simulation needs), and the long-run
//! unavailability of an on/off failure process.

use rand::distr::Distribution as _;
use rand::Rng;
use statrs::distribution::Normal;

pub use crate::units::{HOURS_PER_YEAR, MINUTES_PER_YEAR};

/// Standard normal CDF. `erfc` keeps precision in the far tails, where `1 - erf` would not.
pub fn phi(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// A failure's down time in hours: a log-normal `D` fixed by its median and mean, of
/// which the first `shift` hours do not count (`(D - shift)+`). The shift models a
/// warning that lets the replacement start before the loss: a spot reclaim's notice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dur {
    pub median: f64,
    pub mean_raw: f64,
    pub shift: f64,
    mu: f64,
    sigma: f64,
}

impl Dur {
    /// A log-normal with this median and mean (hours). The catalog guarantees
    /// `mean >= median > 0`; a mean equal to the median is a fixed duration.
    pub fn new(median: f64, mean: f64, shift: f64) -> Dur {
        let median = median.max(1e-12);
        let mean = mean.max(median);
        // For a log-normal, median = e^μ and mean = e^(μ + σ²/2).
        let sigma = (2.0 * (mean / median).ln()).max(0.0).sqrt();
        Dur {
            median,
            mean_raw: mean,
            shift: shift.max(0.0),
            mu: median.ln(),
            sigma,
        }
    }

    /// E[(D − k)+] for the raw duration: mean·Φ((μ+σ²−ln k)/σ) − k·Φ((μ−ln k)/σ).
    fn partial(&self, k: f64) -> f64 {
        if k <= 0.0 {
            return self.mean_raw - k;
        }
        if self.sigma < 1e-12 {
            return (self.median - k).max(0.0);
        }
        let lk = k.ln();
        let d2 = (self.mu - lk) / self.sigma;
        let d1 = d2 + self.sigma;
        (self.mean_raw * phi(d1) - k * phi(d2)).max(0.0)
    }

    /// Mean down time, hours: E[(D − shift)+].
    pub fn mean(&self) -> f64 {
        self.partial(self.shift)
    }

    /// E[min(t, X)] for the effective down time X, hours.
    pub fn mean_min(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        (self.partial(self.shift) - self.partial(self.shift + t)).max(0.0)
    }

    /// Share of the down time spent in its first `t` hours: E[min(t, X)] / E[X].
    pub fn window_fraction(&self, t: f64) -> f64 {
        let m = self.mean();
        if m <= 0.0 {
            return 1.0;
        }
        (self.mean_min(t) / m).clamp(0.0, 1.0)
    }

    /// P(X > t): the chance a failure outlasts a delay of `t` hours.
    pub fn survival(&self, t: f64) -> f64 {
        let x = self.shift + t.max(0.0);
        if x <= 0.0 {
            return 1.0;
        }
        if self.sigma < 1e-12 {
            return if self.median > x { 1.0 } else { 0.0 };
        }
        1.0 - phi((x.ln() - self.mu) / self.sigma)
    }

    /// E[min(x, D)ⁿ] of the raw duration: E[Dⁿ; D < x] + xⁿ·P(D ≥ x), with
    /// E[Dⁿ; D < x] = e^(nμ + n²σ²/2)·Φ((ln x − μ − nσ²)/σ). `x = ∞` gives E[Dⁿ].
    fn min_moment(&self, x: f64, n: i32) -> f64 {
        let nf = f64::from(n);
        let full = (nf * self.mu + nf * nf * self.sigma * self.sigma / 2.0).exp();
        if x.is_infinite() {
            return full;
        }
        if x <= 0.0 {
            return 0.0;
        }
        if self.sigma < 1e-12 {
            return self.median.min(x).powi(n);
        }
        let z = (x.ln() - self.mu) / self.sigma;
        full * phi(z - nf * self.sigma) + x.powi(n) * (1.0 - phi(z))
    }

    /// A quadrature rule over the age of an outage seen at a random moment inside it,
    /// restricted to `[lo, hi)` hours, for functions of how many instances have failed
    /// since it began: `rate` failures per instance-hour make an instance that was up
    /// at the start down at age a with 1 − e^(−rate·a), so the rule is the `n`-point
    /// Gauss rule in u = (1 − e^(−rate·a))/rate (≈ a while rate·a is small, bounded
    /// by 1/rate), exact for polynomials of degree 2n − 1 in it. A service's
    /// probabilities are polynomials in its instances' down probabilities, and those
    /// are linear in e^(−rate·a), so a few nodes integrate them over a heavy-tailed age
    /// where moment-matched nodes in a itself need many pieces. The measure is
    /// discretised on a logarithmic grid first; the mass is the closed form. Returns
    /// (mass, [(share of the mass, age)]).
    pub fn age_rule(&self, lo: f64, hi: f64, rate: f64, n: usize) -> (f64, Vec<(f64, f64)>) {
        let e = self.mean_raw;
        let m0 = |x: f64| self.min_moment(x, 1);
        let mass = ((m0(hi) - m0(lo)) / e).max(0.0);
        if mass <= 1e-300 || n == 0 {
            return (0.0, Vec::new());
        }
        // Grid in y = ln a; the density of the age is P(D > a)/E[D], times a per dy.
        let top = if hi.is_finite() {
            hi
        } else {
            (self.mu + 9.0 * self.sigma.max(0.05)).exp().max(lo * 2.0)
        };
        let bottom = if lo > 0.0 {
            lo
        } else {
            (top.min(self.median) * 1e-6).max(1e-12)
        };
        const GRID: usize = 400;
        let (y0, y1) = (bottom.ln(), top.ln());
        let h = (y1 - y0) / GRID as f64;
        let sat = |a: f64| {
            if rate > 0.0 {
                -(-rate * a).exp_m1() / rate
            } else {
                a
            }
        };
        let mut pts: Vec<(f64, f64)> = Vec::with_capacity(GRID);
        for i in 0..GRID {
            let a = (y0 + (i as f64 + 0.5) * h).exp();
            let w = self.survival_raw(a) * a * h;
            if w > 0.0 {
                pts.push((sat(a), w));
            }
        }
        let total: f64 = pts.iter().map(|p| p.1).sum();
        if total <= 0.0 {
            let mid = if hi.is_finite() { (lo + hi) / 2.0 } else { lo };
            return (mass, vec![(1.0, mid)]);
        }
        let mean = pts.iter().map(|p| p.0 * p.1).sum::<f64>() / total;
        let var = pts.iter().map(|p| (p.0 - mean).powi(2) * p.1).sum::<f64>() / total;
        let sd = var.max(0.0).sqrt();
        let back = |u: f64| {
            if rate > 0.0 {
                let x = (rate * u).clamp(0.0, 1.0 - 1e-15);
                -(-x).ln_1p() / rate
            } else {
                u
            }
        };
        if sd <= 1e-12 * mean.abs().max(1e-300) {
            return (mass, vec![(1.0, back(mean))]);
        }
        let z: Vec<(f64, f64)> = pts
            .iter()
            .map(|(u, w)| ((u - mean) / sd, w / total))
            .collect();
        let rule = gauss_from_discrete(&z, n);
        (
            mass,
            rule.into_iter()
                .map(|(w, x)| (w, back(mean + sd * x)))
                .collect(),
        )
    }

    /// P(D > a) of the raw duration.
    fn survival_raw(&self, a: f64) -> f64 {
        if a <= 0.0 {
            return 1.0;
        }
        if self.sigma < 1e-12 {
            return if self.median > a { 1.0 } else { 0.0 };
        }
        1.0 - phi((a.ln() - self.mu) / self.sigma)
    }

    /// Draws an effective down time, hours.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, normal: &Normal) -> f64 {
        let z = normal.sample(rng);
        let d = (self.mu + self.sigma * z).exp();
        (d - self.shift).max(0.0)
    }
}

/// The `n`-point Gauss rule of a discrete probability measure (points, weights summing
/// to 1), by the Stieltjes procedure (recurrence coefficients of its orthogonal
/// polynomials) and the eigenvalues of the Jacobi matrix (cyclic Jacobi rotations; n
/// is small). Returns (weight, node) pairs sorted by node; fewer when the measure has
/// fewer distinct points.
fn gauss_from_discrete(pts: &[(f64, f64)], n: usize) -> Vec<(f64, f64)> {
    let n = n.min(pts.len()).max(1);
    let mut alpha = Vec::with_capacity(n);
    let mut beta = Vec::with_capacity(n);
    let mut prev = vec![0.0; pts.len()];
    let mut cur = vec![1.0; pts.len()];
    let mut norm_prev = 1.0;
    for k in 0..n {
        let norm: f64 = pts.iter().zip(&cur).map(|((_, w), p)| w * p * p).sum();
        if norm <= 1e-300 {
            break;
        }
        let a: f64 = pts
            .iter()
            .zip(&cur)
            .map(|((x, w), p)| w * x * p * p)
            .sum::<f64>()
            / norm;
        let b = if k == 0 { 0.0 } else { norm / norm_prev };
        // Relative to the measure's scale (1 after standardising): below this the
        // polynomials have run out of support points.
        if k > 0 && b < 1e-14 {
            break;
        }
        alpha.push(a);
        beta.push(b);
        let next: Vec<f64> = pts
            .iter()
            .zip(cur.iter().zip(&prev))
            .map(|((x, _), (c, p))| (x - a) * c - b * p)
            .collect();
        prev = cur;
        cur = next;
        norm_prev = norm;
    }
    let m = alpha.len();
    // Jacobi matrix: α on the diagonal, √β off it; eigenvectors start as identity.
    let mut j = vec![vec![0.0; m]; m];
    let mut v = vec![vec![0.0; m]; m];
    for i in 0..m {
        j[i][i] = alpha[i];
        v[i][i] = 1.0;
        if i + 1 < m {
            let s = beta[i + 1].sqrt();
            j[i][i + 1] = s;
            j[i + 1][i] = s;
        }
    }
    for _ in 0..100 {
        let off: f64 = (0..m)
            .flat_map(|p| (0..m).filter(move |q| *q != p).map(move |q| (p, q)))
            .map(|(p, q)| j[p][q] * j[p][q])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..m {
            for q in p + 1..m {
                if j[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (j[q][q] - j[p][p]) / (2.0 * j[p][q]);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // J ← JR (columns p, q), then J ← RᵀJ (rows p, q).
                for row in j.iter_mut() {
                    let (jkp, jkq) = (row[p], row[q]);
                    row[p] = c * jkp - s * jkq;
                    row[q] = s * jkp + c * jkq;
                }
                let (top, bottom) = j.split_at_mut(q);
                for (jp, jq) in top[p].iter_mut().zip(bottom[0].iter_mut()) {
                    let (jpk, jqk) = (*jp, *jq);
                    *jp = c * jpk - s * jqk;
                    *jq = s * jpk + c * jqk;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let mut rule: Vec<(f64, f64)> = (0..m).map(|i| (v[0][i] * v[0][i], j[i][i])).collect();
    rule.sort_by(|a, b| a.1.total_cmp(&b.1));
    let total: f64 = rule.iter().map(|r| r.0).sum();
    for r in &mut rule {
        r.0 /= total;
    }
    rule
}

/// Long-run share of time an on/off process is off, when it fails `rate` times per year
/// of up time and stays down `mean_hours` on average: λd / (1 + λd) with λd in years.
pub fn unavailability(rate_per_year: f64, mean_hours: f64) -> f64 {
    let x = rate_per_year * mean_hours / HOURS_PER_YEAR;
    if x <= 0.0 {
        0.0
    } else {
        x / (1.0 + x)
    }
}

/// Failures per calendar year of that process (some of the year is spent down).
pub fn arrivals_per_year(rate_per_year: f64, mean_hours: f64) -> f64 {
    rate_per_year / (1.0 + rate_per_year * mean_hours / HOURS_PER_YEAR)
}

/// Draws an exponential waiting time with `rate` per hour.
pub fn exponential<R: Rng + ?Sized>(rng: &mut R, rate_per_hour: f64) -> f64 {
    if rate_per_hour <= 0.0 {
        return f64::INFINITY;
    }
    // 1 − U is in (0, 1], so the logarithm is finite.
    let u: f64 = rand::RngExt::random::<f64>(rng);
    -(1.0 - u).ln() / rate_per_hour
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_expectation_matches_numeric_integration() {
        let d = Dur::new(4.5, 10.0, 0.0);
        // E[min(t, D)] = ∫₀ᵗ P(D > x) dx, integrated numerically.
        for t in [0.01, 0.5, 3.0, 20.0] {
            let n = 200_000;
            let h = t / n as f64;
            let integral: f64 = (0..n).map(|i| d.survival((i as f64 + 0.5) * h) * h).sum();
            assert!(
                (integral - d.mean_min(t)).abs() < 1e-6 * t.max(1.0),
                "t={t}"
            );
        }
        assert!((d.mean() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn shifted_mean_is_the_excess_over_the_shift() {
        let d = Dur::new(0.083, 0.25, 120.0 / 3600.0);
        // ∫ P(X > x) dx over a logarithmic grid (x = eʸ), reaching far into the tail.
        let (lo, hi, n) = (-20.0_f64, 15.0_f64, 400_000);
        let h = (hi - lo) / n as f64;
        let integral: f64 = (0..n)
            .map(|i| {
                let x = (lo + (i as f64 + 0.5) * h).exp();
                d.survival(x) * x * h
            })
            .sum();
        assert!(
            (integral - d.mean()).abs() < 1e-5,
            "{integral} vs {}",
            d.mean()
        );
        assert!(d.mean() < 0.25);
    }

    #[test]
    fn age_rule_integrates_held_instance_figures() {
        // A heavy-tailed outage (σ ≈ 1.18) and frequent instance failures: at age a an
        // instance is down with d(a) = 1 − (1 − q)e^(−λa). The rule must integrate d
        // and a 2-of-3 majority loss 3d² − 2d³ against the age density P(D > a)/E[D],
        // computed here on a fine logarithmic grid, piece by piece.
        let d = Dur::new(6.0, 12.0, 0.0);
        let (lam, q) = (6.0 / 8760.0, 3.4e-4);
        let down = |a: f64| 1.0 - (1.0 - q) * (-lam * a).exp();
        let maj = |a: f64| {
            let x = down(a);
            3.0 * x * x - 2.0 * x * x * x
        };
        for (lo, hi) in [
            (0.0, 0.1),
            (0.1, 1.0),
            (1.0, f64::INFINITY),
            (0.0, f64::INFINITY),
        ] {
            let top = if hi.is_infinite() { 1e7 } else { hi };
            let bottom = if lo > 0.0 { lo } else { 1e-9 };
            let n = 2_000_000;
            let (y0, y1) = (f64::ln(bottom), f64::ln(top));
            let h = (y1 - y0) / n as f64;
            let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
            for i in 0..n {
                let a = (y0 + (i as f64 + 0.5) * h).exp();
                let f = d.survival(a) / d.mean() * a * h;
                m0 += f;
                m1 += f * down(a);
                m2 += f * maj(a);
            }
            let (mass, rule) = d.age_rule(lo, hi, lam, 3);
            assert!((mass - m0).abs() < 1e-6, "{lo}-{hi}: {mass} vs {m0}");
            let r1: f64 = rule.iter().map(|(w, a)| mass * w * down(*a)).sum();
            let r2: f64 = rule.iter().map(|(w, a)| mass * w * maj(*a)).sum();
            assert!((r1 - m1).abs() < 1e-3 * m1, "{lo}-{hi}: {r1} vs {m1}");
            assert!((r2 - m2).abs() < 1e-3 * m2, "{lo}-{hi}: {r2} vs {m2}");
        }
    }

    #[test]
    fn unavailability_is_the_renewal_fraction() {
        // One failure a year lasting 876 h: down 876 of every 8760 + 876 hours.
        let u = unavailability(1.0, 876.0);
        assert!((u - 876.0 / (8760.0 + 876.0)).abs() < 1e-15);
    }
}
