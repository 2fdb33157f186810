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

    /// Two ages, each with half of the probability, that match the mass, mean and
    /// second moment of the age of an outage seen at a random moment inside it,
    /// restricted to `[lo, hi)` hours (`hi` may be infinite). The age density is
    /// P(D > a)/E[D], and ∫₀ˣ aᵏ·P(D > a) da = E[min(x, D)ᵏ⁺¹]/(k + 1), so the moments
    /// are closed forms. Returns (mass, [age₁, age₂]). Only for unshifted durations.
    pub fn age_nodes(&self, lo: f64, hi: f64) -> (f64, [f64; 2]) {
        let e = self.mean_raw;
        let m = |x: f64, k: i32| self.min_moment(x, k + 1) / f64::from(k + 1);
        let mass = ((m(hi, 0) - m(lo, 0)) / e).max(0.0);
        if mass <= 1e-300 {
            return (0.0, [lo, lo]);
        }
        let mean = (m(hi, 1) - m(lo, 1)) / (e * mass);
        let second = (m(hi, 2) - m(lo, 2)) / (e * mass);
        let sd = (second - mean * mean).max(0.0).sqrt();
        (mass, [(mean - sd).max(0.0), mean + sd])
    }

    /// Draws an effective down time, hours.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, normal: &Normal) -> f64 {
        let z = normal.sample(rng);
        let d = (self.mu + self.sigma * z).exp();
        (d - self.shift).max(0.0)
    }
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
    fn age_nodes_match_the_age_density_moments() {
        let d = Dur::new(7.0, 10.0, 0.0);
        // Age density P(D > a)/E[D] on a fine grid: mass, mean and second moment of
        // each piece against the two nodes.
        for (lo, hi) in [(0.0, 0.1), (0.1, 2.0), (2.0, 30.0), (30.0, f64::INFINITY)] {
            let top = if hi.is_infinite() { 5000.0 } else { hi };
            let n = 400_000;
            let h = (top - lo) / n as f64;
            let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
            for i in 0..n {
                let a = lo + (i as f64 + 0.5) * h;
                let f = d.survival(a) / d.mean() * h;
                m0 += f;
                m1 += f * a;
                m2 += f * a * a;
            }
            let (mass, [a1, a2]) = d.age_nodes(lo, hi);
            assert!((mass - m0).abs() < 1e-6, "{lo}-{hi}: {mass} vs {m0}");
            let got1 = mass * (a1 + a2) / 2.0;
            let got2 = mass * (a1 * a1 + a2 * a2) / 2.0;
            assert!(
                (got1 - m1).abs() < 1e-5 * m1.max(1.0),
                "{lo}-{hi}: {got1} vs {m1}"
            );
            assert!(
                (got2 - m2).abs() < 1e-4 * m2.max(1.0),
                "{lo}-{hi}: {got2} vs {m2}"
            );
        }
    }

    #[test]
    fn unavailability_is_the_renewal_fraction() {
        // One failure a year lasting 876 h: down 876 of every 8760 + 876 hours.
        let u = unavailability(1.0, 876.0);
        assert!((u - 876.0 / (8760.0 + 876.0)).abs() < 1e-15);
    }
}
