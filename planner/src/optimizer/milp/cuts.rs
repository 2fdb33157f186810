//! Mixed-integer rounding (MIR) cuts for rows over non-negative integer columns.
//!
//! For a row `Σ a_j x_j ≥ b` with every `x_j` a non-negative integer and any divisor
//! `λ > 0`, write `f = frac(b/λ)`. Then
//!
//! ```text
//!     Σ_j ( ⌊a_j/λ⌋ + min(frac(a_j/λ)/f, 1) ) x_j  ≥  ⌈b/λ⌉
//! ```
//!
//! holds for every integer point of the row (Nemhauser and Wolsey, *Integer and
//! Combinatorial Optimization*, II.1.7): it is the row divided by `λ` with its
//! coefficients rounded down except for the fractional parts that the right-hand
//! side's fractional part cannot absorb. It holds for coefficients of either sign,
//! needs no upper bounds, and so is valid at every node of the tree. The coefficient
//! function is continuous in `a`, so round-off in `a_j/λ` moves a coefficient by round-
//! off only; only `⌈b/λ⌉` jumps, and a divisor that puts `b/λ` within `1e-6` of a whole
//! number is skipped. For instance-count rows with a common instance size `λ` this is
//! the Chvátal–Gomory rounding of the row; with spot capacity counted at 97.5% of its
//! size it is still nearly as strong.

/// A valid inequality `Σ a·x ≥ rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub coefs: Vec<(usize, f64)>,
    pub rhs: f64,
}

/// The MIR cut of `Σ a x ≥ b` with divisor `lambda`, or `None` when it would be weak
/// or unsafe to round.
pub fn mir(coefs: &[(usize, f64)], b: f64, lambda: f64) -> Option<Cut> {
    if lambda <= 0.0 || !lambda.is_finite() {
        return None;
    }
    let bb = b / lambda;
    let f = bb - bb.floor();
    if !(1e-6..=1.0 - 1e-6).contains(&f) || bb.abs() > 1e9 {
        return None;
    }
    let mut out = Vec::with_capacity(coefs.len());
    for (j, a) in coefs {
        let q = a / lambda;
        let fl = q.floor();
        let fr = q - fl;
        let c = fl + (fr / f).min(1.0);
        if c != 0.0 {
            out.push((*j, c));
        }
    }
    Some(Cut {
        coefs: out,
        rhs: bb.ceil(),
    })
}

/// By how much `x` violates the cut, relative to the cut's size (its Euclidean
/// efficacy): distance from `x` to the cut's hyperplane.
pub fn efficacy(cut: &Cut, x: &[f64]) -> f64 {
    let lhs: f64 = cut.coefs.iter().map(|(j, a)| a * x[*j]).sum();
    let norm: f64 = cut.coefs.iter().map(|(_, a)| a * a).sum::<f64>().sqrt();
    if norm <= 0.0 {
        return 0.0;
    }
    (cut.rhs - lhs) / norm
}

/// Candidate MIR cuts of one row at the point `x`: one per distinct divisor among the
/// coefficients of the columns the point uses, and their doubles and halves, the most
/// violated kept.
pub fn separate_row(coefs: &[(usize, f64)], b: f64, x: &[f64]) -> Option<(f64, Cut)> {
    if b <= 0.0 {
        return None;
    }
    let mut divisors: Vec<f64> = coefs
        .iter()
        .filter(|(j, a)| x[*j] > 1e-9 && *a > 0.0)
        .map(|(_, a)| *a)
        .collect();
    divisors.sort_by(f64::total_cmp);
    divisors.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * b.abs().max(1.0));
    let mut more = Vec::new();
    for d in &divisors {
        more.push(d * 2.0);
        more.push(d / 2.0);
    }
    divisors.extend(more);
    let mut best: Option<(f64, Cut)> = None;
    for d in divisors {
        let Some(cut) = mir(coefs, b, d) else {
            continue;
        };
        let e = efficacy(&cut, x);
        if e > 1e-6 && best.as_ref().is_none_or(|(be, _)| e > *be + 1e-12) {
            best = Some((e, cut));
        }
    }
    best
}

/// Gomory mixed-integer cuts, made safe: for a basic integer column with a
/// fractional value, the row of the basis inverse gives multipliers `μ` of the rows
/// `A_i x − t_i = b_i` (`t_i ≥ 0` the slacks) that isolate it. Whatever `μ` is, the
/// aggregation `Σ_j (μᵀA)_j x_j − Σ_i μ_i t_i = μᵀb` holds for every point, so the MIR
/// cut of it — recomputed here from the rows themselves, never read off the tableau —
/// is valid however inexact `μ` is. Columns are shifted to their lower bound, or
/// complemented at their upper bound when the relaxation has them there (bounds
/// given here must hold for every point the cut is meant for), the slacks enter as
/// continuous variables, and the cut is written back in the columns.
pub fn gomory(
    rows: &[(Vec<(usize, f64)>, f64)],
    multipliers: &[f64],
    integer: &[bool],
    lo: &[f64],
    up: &[f64],
    complement: &dyn Fn(usize) -> bool,
) -> Option<Cut> {
    let n = integer.len();
    let mut alpha = vec![0.0; n];
    let mut beta = 0.0;
    for ((coefs, b), mu) in rows.iter().zip(multipliers) {
        if *mu == 0.0 {
            continue;
        }
        for (j, a) in coefs {
            alpha[*j] += mu * a;
        }
        beta += mu * b;
    }
    // Shift or complement each column so it is a non-negative integer (x̄).
    let mut flipped = vec![false; n];
    for j in 0..n {
        if alpha[j] == 0.0 {
            continue;
        }
        if !integer[j] {
            return None;
        }
        if complement(j) && up[j].is_finite() {
            flipped[j] = true;
            beta -= alpha[j] * up[j];
        } else {
            beta -= alpha[j] * lo[j];
        }
    }
    let f = beta - beta.floor();
    if !(1e-4..=1.0 - 1e-4).contains(&f) || beta.abs() > 1e9 {
        return None;
    }
    // Σ F(ᾱ_j) x̄_j + (1/f) Σ_{γ_i > 0} γ_i t_i ≥ ⌈β⌉ with γ_i = −μ_i, back in x:
    // x̄_j = x_j − l_j (or u_j − x_j), t_i = A_i x − b_i.
    let mut out = vec![0.0; n];
    let mut rhs = beta.ceil();
    for j in 0..n {
        if alpha[j] == 0.0 {
            continue;
        }
        let a = if flipped[j] { -alpha[j] } else { alpha[j] };
        let fl = a.floor();
        let c = fl + ((a - fl) / f).min(1.0);
        if flipped[j] {
            out[j] -= c;
            rhs -= c * up[j];
        } else {
            out[j] += c;
            rhs += c * lo[j];
        }
    }
    for ((coefs, b), mu) in rows.iter().zip(multipliers) {
        let gamma = -mu;
        if gamma > 0.0 {
            let w = gamma / f;
            for (j, a) in coefs {
                out[*j] += w * a;
            }
            rhs += w * b;
        }
    }
    let coefs: Vec<(usize, f64)> = out
        .into_iter()
        .enumerate()
        .filter(|(_, a)| a.abs() > 1e-12)
        .collect();
    let big = coefs.iter().map(|(_, a)| a.abs()).fold(0.0, f64::max);
    let small = coefs
        .iter()
        .map(|(_, a)| a.abs())
        .fold(f64::INFINITY, f64::min);
    if coefs.is_empty() || big / small > 1e8 {
        return None;
    }
    // A hair of slack against round-off in the aggregation.
    let rhs = rhs - 1e-9 * (1.0 + rhs.abs());
    Some(Cut { coefs, rhs })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every integer point of a small box that meets the row meets its cut.
    fn valid_on_box(coefs: &[(usize, f64)], b: f64, lambda: f64) {
        let Some(cut) = mir(coefs, b, lambda) else {
            return;
        };
        let n = coefs.len();
        let mut x = vec![0usize; n];
        loop {
            let xf: Vec<f64> = x.iter().map(|v| *v as f64).collect();
            let lhs: f64 = coefs.iter().map(|(j, a)| a * xf[*j]).sum();
            if lhs >= b - 1e-9 {
                let l2: f64 = cut.coefs.iter().map(|(j, a)| a * xf[*j]).sum();
                assert!(l2 >= cut.rhs - 1e-9, "{coefs:?} ≥ {b}, λ {lambda}: {x:?}");
            }
            let mut k = 0;
            while k < n {
                x[k] += 1;
                if x[k] <= 7 {
                    break;
                }
                x[k] = 0;
                k += 1;
            }
            if k == n {
                break;
            }
        }
    }

    #[test]
    fn mir_cuts_keep_every_integer_point() {
        let rows: [(&[(usize, f64)], f64); 4] = [
            (&[(0, 2.0), (1, 3.0), (2, 0.975)], 10.4),
            (&[(0, 1.95), (1, 3.9), (2, -0.75)], 7.0),
            (&[(0, 4.0), (1, 16.0), (2, 8.0)], 44.0),
            (&[(0, 0.8), (1, 1.7), (2, 2.6)], 3.3),
        ];
        for (coefs, b) in rows {
            for lambda in [0.5, 0.75, 0.975, 1.0, 1.95, 2.0, 3.0, 3.9, 4.0, 8.0] {
                valid_on_box(coefs, b, lambda);
            }
        }
    }

    #[test]
    fn rounds_a_unit_row() {
        // 0.975 (x + y) ≥ 10 → x + y ≥ 11 with λ = 0.975.
        let cut = mir(&[(0, 0.975), (1, 0.975)], 10.0, 0.975).unwrap();
        assert_eq!(cut.rhs, 11.0);
        assert_eq!(cut.coefs, vec![(0, 1.0), (1, 1.0)]);
    }
}
