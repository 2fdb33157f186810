//! A dense bounded-variable dual simplex for the optimizer's linear relaxations.
//!
//! The problems are small (tens to a few hundred rows and columns) and of one shape:
//! minimise `c·x` with `c ≥ 0` over `A x ≥ b`, `l ≤ x ≤ u` with finite bounds. Every
//! row `i` gets a slack `s_i = A_i x − b_i ≥ 0`. With `c ≥ 0` the all-slack basis, every
//! column at its lower bound, is dual feasible, so the dual simplex needs no phase one;
//! and since dual feasibility depends on the basis alone (a nonbasic column sits on
//! whichever bound its reduced cost asks for), a basis stays dual feasible when branch
//! and bound changes column bounds or adds rows: every node and every cut round
//! restarts from the last basis. The basis inverse is kept dense and updated per pivot,
//! and refactorised from scratch every [`REFACTOR_EVERY`] pivots.
//!
//! Work is counted in pivots, never in time, so the same problem always takes the same
//! path. Bounds reported to branch and bound are recomputed from the duals (see
//! [`Lp::safe_bound`]) so that round-off in the simplex can never overstate them.

// Dense linear algebra over rows and columns of the same matrices: index loops read
// as the formulas they implement.
#![allow(clippy::needless_range_loop)]

/// Pivots between two refactorisations of the basis inverse.
const REFACTOR_EVERY: u32 = 64;
/// Primal feasibility tolerance, relative to a row's scale (rows are scaled to a
/// largest coefficient of 1).
const PRIMAL_TOL: f64 = 1e-7;
/// Dual feasibility tolerance on reduced costs.
const DUAL_TOL: f64 = 1e-9;
/// Smallest pivot element accepted.
const PIVOT_TOL: f64 = 1e-9;

/// How a solve of the relaxation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LpStatus {
    Optimal,
    Infeasible,
    /// The objective passed the cutoff: the node can be pruned.
    Cutoff,
    /// The pivot budget ran out.
    Limit,
}

/// The relaxation and its current basis.
#[derive(Debug, Clone)]
pub struct Lp {
    n: usize,
    /// Rows, scaled: `(column, coefficient)` and the right-hand side.
    rows: Vec<Vec<(usize, f64)>>,
    rhs: Vec<f64>,
    /// The factor each row was scaled by.
    scale: Vec<f64>,
    /// The same coefficients by column: `(row, coefficient)`.
    cols: Vec<Vec<(usize, f64)>>,
    cost: Vec<f64>,
    pub lo: Vec<f64>,
    pub up: Vec<f64>,
    /// `basis[r]`: the variable basic in position `r` (`< n` a column, else the slack
    /// of row `v − n`).
    basis: Vec<usize>,
    /// Position in the basis of each variable, `usize::MAX` when nonbasic.
    pos: Vec<usize>,
    /// Nonbasic columns at their upper bound.
    at_upper: Vec<bool>,
    /// Dense basis inverse, row-major, `m × m`.
    binv: Vec<f64>,
    /// Values of the basic variables.
    xb: Vec<f64>,
    /// Reduced costs of every variable (0 for basic ones).
    d: Vec<f64>,
    since_refactor: u32,
    /// Pivots done over the Lp's life.
    pub pivots: u64,
}

impl Lp {
    /// A relaxation over `n` columns with the given costs and bounds, and no rows yet.
    pub fn new(cost: Vec<f64>, lo: Vec<f64>, up: Vec<f64>) -> Lp {
        let n = cost.len();
        debug_assert!(cost.iter().all(|c| *c >= 0.0));
        let mut lp = Lp {
            n,
            rows: Vec::new(),
            rhs: Vec::new(),
            scale: Vec::new(),
            cols: vec![Vec::new(); n],
            d: cost.clone(),
            cost,
            lo,
            up,
            basis: Vec::new(),
            pos: vec![usize::MAX; n],
            at_upper: vec![false; n],
            binv: Vec::new(),
            xb: Vec::new(),
            since_refactor: 0,
            pivots: 0,
        };
        for j in 0..n {
            lp.at_upper[j] = lp.d[j] < 0.0;
        }
        lp
    }

    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// The variable basic in each position (`< n` a column, else a row's slack).
    pub fn basis(&self) -> &[usize] {
        &self.basis
    }

    /// Row `p` of the basis inverse, in the rows' scaled units: multiplied by
    /// [`Lp::row_scale`] it gives multipliers of the rows as the caller wrote them.
    pub fn inverse_row(&self, p: usize) -> &[f64] {
        let m = self.rows.len();
        &self.binv[p * m..p * m + m]
    }

    /// The factor row `i` was scaled by.
    pub fn row_scale(&self, i: usize) -> f64 {
        self.scale[i]
    }

    /// Whether column `j` is nonbasic at its upper bound.
    pub fn at_upper(&self, j: usize) -> bool {
        self.pos[j] == usize::MAX && self.at_upper[j]
    }

    pub fn cols(&self) -> usize {
        self.n
    }

    /// Adds the row `Σ a·x ≥ rhs`, its slack basic. Empty rows are kept (as `0 ≥ rhs`)
    /// so row numbers match the caller's.
    pub fn add_row(&mut self, coefs: &[(usize, f64)], rhs: f64) {
        let scale = coefs.iter().map(|(_, a)| a.abs()).fold(0.0, f64::max);
        let s = if scale > 0.0 { 1.0 / scale } else { 1.0 };
        let row: Vec<(usize, f64)> = coefs
            .iter()
            .filter(|(_, a)| *a != 0.0)
            .map(|(j, a)| (*j, a * s))
            .collect();
        let m = self.rows.len();
        for (j, a) in &row {
            self.cols[*j].push((m, *a));
        }
        // The new basis is [[B, 0], [a_B, -1]]; its inverse [[B⁻¹, 0], [a_B B⁻¹, -1]].
        let mut last = vec![0.0; m + 1];
        for (j, a) in &row {
            let p = self.pos[*j];
            if p != usize::MAX {
                for k in 0..m {
                    last[k] += a * self.binv[p * m + k];
                }
            }
        }
        last[m] = -1.0;
        let mut binv = vec![0.0; (m + 1) * (m + 1)];
        for r in 0..m {
            binv[r * (m + 1)..r * (m + 1) + m].copy_from_slice(&self.binv[r * m..r * m + m]);
        }
        binv[m * (m + 1)..].copy_from_slice(&last);
        self.binv = binv;
        self.rows.push(row);
        self.rhs.push(rhs * s);
        self.scale.push(s);
        self.basis.push(self.n + m);
        self.pos.push(m);
        self.at_upper.push(false);
        self.d.push(0.0);
        let v = self.row_activity(m) - self.rhs[m];
        self.xb.push(v);
    }

    /// Removes the rows `drop` marks whose slack is basic (rows the current point
    /// meets without needing them), keeping the others in order; returns which rows
    /// went. Dropping a row with its basic slack leaves the rest of the basis a basis
    /// of the smaller problem, still dual feasible, so solves continue from it.
    pub fn drop_rows(&mut self, drop: &[bool]) -> Vec<bool> {
        let m = self.rows.len();
        let n = self.n;
        let gone: Vec<bool> = (0..m)
            .map(|i| drop.get(i).copied().unwrap_or(false) && self.pos[n + i] != usize::MAX)
            .collect();
        if !gone.iter().any(|g| *g) {
            return gone;
        }
        let mut new_index = vec![usize::MAX; m];
        let mut k = 0;
        for i in 0..m {
            if !gone[i] {
                new_index[i] = k;
                k += 1;
            }
        }
        self.rows = unmarked(&self.rows, &gone);
        self.rhs = unmarked(&self.rhs, &gone);
        self.scale = unmarked(&self.scale, &gone);
        for col in &mut self.cols {
            col.retain(|(i, _)| !gone[*i]);
            for e in col.iter_mut() {
                e.0 = new_index[e.0];
            }
        }
        // Variables: the columns, then one slack per row.
        let gone_var: Vec<bool> = std::iter::repeat_n(false, n)
            .chain(gone.iter().copied())
            .collect();
        let relabel = |v: usize| if v < n { v } else { n + new_index[v - n] };
        self.basis = self
            .basis
            .iter()
            .copied()
            .filter(|v| !gone_var[*v])
            .map(relabel)
            .collect();
        let mut pos = vec![usize::MAX; n + k];
        for (p, v) in self.basis.iter().enumerate() {
            pos[*v] = p;
        }
        self.pos = pos;
        self.at_upper = unmarked(&self.at_upper, &gone_var);
        self.d = unmarked(&self.d, &gone_var);
        self.xb = vec![0.0; k];
        self.binv = Vec::new();
        self.refactor();
        gone
    }

    /// `A_i x` at the current point.
    fn row_activity(&self, i: usize) -> f64 {
        self.rows[i].iter().map(|(j, a)| a * self.value(*j)).sum()
    }

    /// The current value of variable `j` (a column, or for `j ≥ n` a row's slack).
    pub fn value(&self, j: usize) -> f64 {
        let p = self.pos[j];
        if p != usize::MAX {
            self.xb[p]
        } else if j >= self.n {
            0.0
        } else if self.at_upper[j] {
            self.up[j]
        } else {
            self.lo[j]
        }
    }

    /// Every column's value.
    pub fn x(&self) -> Vec<f64> {
        (0..self.n).map(|j| self.value(j)).collect()
    }

    /// Reduced cost of column `j`.
    pub fn reduced_cost(&self, j: usize) -> f64 {
        self.d[j]
    }

    pub fn objective(&self) -> f64 {
        (0..self.n).map(|j| self.cost[j] * self.value(j)).sum()
    }

    /// Changes column bounds: nonbasic columns move to the bound their reduced cost
    /// asks for, which keeps the basis dual feasible, and the basic values follow.
    pub fn set_bounds(&mut self, lo: &[f64], up: &[f64]) {
        self.lo.copy_from_slice(lo);
        self.up.copy_from_slice(up);
        for j in 0..self.n {
            if self.pos[j] == usize::MAX {
                self.at_upper[j] = self.d[j] < 0.0 && self.up[j] > self.lo[j];
            }
        }
        self.recompute_xb();
    }

    /// `x_B = B⁻¹ (b − N x_N)`.
    fn recompute_xb(&mut self) {
        let m = self.rows.len();
        // Row i: A_i x − s_i = b_i, so B x_B = b − (A_N x_N − s_N).
        let mut r = self.rhs.clone();
        for j in 0..self.n {
            if self.pos[j] == usize::MAX {
                let v = if self.at_upper[j] {
                    self.up[j]
                } else {
                    self.lo[j]
                };
                if v != 0.0 {
                    for (i, a) in &self.cols[j] {
                        r[*i] -= a * v;
                    }
                }
            }
        }
        // Nonbasic slacks sit at 0.
        for (p, x) in self.xb.iter_mut().enumerate() {
            *x = (0..m).map(|k| self.binv[p * m + k] * r[k]).sum();
        }
    }

    /// The column of variable `v` in `[A | −I]`, as `(row, coefficient)`.
    fn column(&self, v: usize) -> Vec<(usize, f64)> {
        if v < self.n {
            self.cols[v].clone()
        } else {
            vec![(v - self.n, -1.0)]
        }
    }

    fn bounds_of(&self, v: usize) -> (f64, f64) {
        if v < self.n {
            (self.lo[v], self.up[v])
        } else {
            (0.0, f64::INFINITY)
        }
    }

    /// Rebuilds the basis inverse by Gauss–Jordan elimination with partial pivoting;
    /// a basic column that turns out dependent is replaced by its row's slack. Then
    /// recomputes the basic values and the reduced costs.
    fn refactor(&mut self) {
        let m = self.rows.len();
        self.since_refactor = 0;
        if m == 0 {
            self.recompute_duals();
            return;
        }
        loop {
            let mut b = vec![0.0; m * m];
            for (p, &v) in self.basis.iter().enumerate() {
                for (i, a) in self.column(v) {
                    b[i * m + p] = a;
                }
            }
            let mut inv = vec![0.0; m * m];
            for i in 0..m {
                inv[i * m + i] = 1.0;
            }
            let mut singular = None;
            // Row operations on [B | I] turn B into I and I into B⁻¹, whose row p then
            // belongs to basis position p. `perm` tracks which row of B each row holds.
            let mut perm: Vec<usize> = (0..m).collect();
            for col in 0..m {
                let (piv, best) = (col..m)
                    .map(|r| (r, b[r * m + col].abs()))
                    .fold((col, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
                if best < 1e-11 {
                    singular = Some(col);
                    break;
                }
                if piv != col {
                    for k in 0..m {
                        b.swap(piv * m + k, col * m + k);
                        inv.swap(piv * m + k, col * m + k);
                    }
                    perm.swap(piv, col);
                }
                let p = b[col * m + col];
                for k in 0..m {
                    b[col * m + k] /= p;
                    inv[col * m + k] /= p;
                }
                for r in 0..m {
                    if r != col {
                        let f = b[r * m + col];
                        if f != 0.0 {
                            for k in 0..m {
                                b[r * m + k] -= f * b[col * m + k];
                                inv[r * m + k] -= f * inv[col * m + k];
                            }
                        }
                    }
                }
            }
            match singular {
                None => {
                    self.binv = inv;
                    break;
                }
                Some(col) => {
                    // Basis column `col` depends on the ones before it: replace it by
                    // the slack of a row not yet pivoted on, which is independent of
                    // them. One exists: the rows left outnumber the slacks that could
                    // still be basic in the positions left.
                    let v = self.basis[col];
                    let slack = perm[col..]
                        .iter()
                        .map(|i| self.n + i)
                        .find(|s| self.pos[*s] == usize::MAX);
                    let Some(s) = slack else {
                        break;
                    };
                    self.pos[v] = usize::MAX;
                    if v < self.n {
                        self.at_upper[v] = false;
                    }
                    self.basis[col] = s;
                    self.pos[s] = col;
                }
            }
        }
        self.recompute_duals();
        self.recompute_xb();
    }

    /// `y = c_B B⁻¹` and `d = c − yᵀ[A | −I]`; nonbasic columns move to the bound the
    /// sign of their reduced cost asks for.
    fn recompute_duals(&mut self) {
        let y = self.duals();
        for j in 0..self.n {
            if self.pos[j] != usize::MAX {
                self.d[j] = 0.0;
                continue;
            }
            let dj = self.cost[j] - self.cols[j].iter().map(|(i, a)| y[*i] * a).sum::<f64>();
            self.d[j] = dj;
            self.at_upper[j] = dj < 0.0 && self.up[j] > self.lo[j];
        }
        for (i, yi) in y.iter().enumerate() {
            let v = self.n + i;
            self.d[v] = if self.pos[v] == usize::MAX { *yi } else { 0.0 };
        }
    }

    /// The row duals `y = c_B B⁻¹` (≥ 0 at an optimum of this ≥ form).
    pub fn duals(&self) -> Vec<f64> {
        let m = self.rows.len();
        let mut y = vec![0.0; m];
        for (p, &v) in self.basis.iter().enumerate() {
            let c = if v < self.n { self.cost[v] } else { 0.0 };
            if c != 0.0 {
                for k in 0..m {
                    y[k] += c * self.binv[p * m + k];
                }
            }
        }
        y
    }

    /// A lower bound on the relaxation that holds whatever the simplex's round-off:
    /// for any `y ≥ 0`, `bᵀy + Σ_j min over [l_j, u_j] of (c_j − A_jᵀy) x_j` bounds
    /// `min c·x` over `A x ≥ b, l ≤ x ≤ u` from below (weak Lagrangian duality).
    pub fn safe_bound(&self) -> f64 {
        self.safe_reduced_costs().0
    }

    /// [`Lp::safe_bound`] and the reduced costs `c − Aᵀy` it was computed with.
    pub fn safe_reduced_costs(&self) -> (f64, Vec<f64>) {
        let y: Vec<f64> = self.duals().into_iter().map(|v| v.max(0.0)).collect();
        let mut bound: f64 = self.rhs.iter().zip(&y).map(|(b, y)| b * y).sum();
        let mut d = Vec::with_capacity(self.n);
        for j in 0..self.n {
            let dj = self.cost[j] - self.cols[j].iter().map(|(i, a)| y[*i] * a).sum::<f64>();
            bound += if dj >= 0.0 {
                dj * self.lo[j]
            } else {
                dj * self.up[j]
            };
            d.push(dj);
        }
        (bound, d)
    }

    /// Runs the dual simplex to an optimum, infeasibility, the cutoff (the objective
    /// reaching `cutoff` proves nothing better is here) or `max_pivots`.
    pub fn solve(&mut self, cutoff: f64, max_pivots: u64) -> LpStatus {
        let m = self.rows.len();
        if self.binv.len() != m * m || self.since_refactor >= REFACTOR_EVERY {
            self.refactor();
        }
        let mut done = 0u64;
        let mut rho = vec![0.0; m];
        let mut alpha = vec![0.0; self.n + m];
        let mut w = vec![0.0; m];
        loop {
            // Leaving row: the largest infeasibility, scaled by the row's norm in B⁻¹
            // (dual steepest edge, recomputed exactly: the problems are small).
            let mut leave = None;
            let mut best = 0.0;
            for p in 0..m {
                let v = self.basis[p];
                let (lo, up) = self.bounds_of(v);
                let x = self.xb[p];
                let tol = PRIMAL_TOL * (1.0 + x.abs().min(1e6));
                let infeas = if x < lo - tol {
                    lo - x
                } else if x > up + tol {
                    x - up
                } else {
                    continue;
                };
                let norm: f64 = self.binv[p * m..p * m + m].iter().map(|v| v * v).sum();
                let score = infeas * infeas / norm.max(1e-12);
                if score > best {
                    best = score;
                    leave = Some(p);
                }
            }
            let Some(r) = leave else {
                return LpStatus::Optimal;
            };
            if self.objective_lower() >= cutoff {
                return LpStatus::Cutoff;
            }
            if done >= max_pivots {
                return LpStatus::Limit;
            }
            let v_out = self.basis[r];
            let (lo_out, up_out) = self.bounds_of(v_out);
            let to_upper = self.xb[r] > up_out;
            let sigma = if to_upper { 1.0 } else { -1.0 };
            // ρ = e_r B⁻¹, α_j = ρ · column j.
            rho.copy_from_slice(&self.binv[r * m..r * m + m]);
            for j in 0..self.n {
                alpha[j] = if self.pos[j] == usize::MAX {
                    self.cols[j].iter().map(|(i, a)| rho[*i] * a).sum()
                } else {
                    0.0
                };
            }
            for i in 0..m {
                let v = self.n + i;
                alpha[v] = if self.pos[v] == usize::MAX {
                    -rho[i]
                } else {
                    0.0
                };
            }
            // Harris ratio test: the longest dual step any candidate allows with a
            // tolerance, then among those within it the largest pivot.
            let candidate = |v: usize, a: f64, lp: &Lp| -> Option<f64> {
                if lp.pos[v] != usize::MAX {
                    return None;
                }
                let (lo, up) = lp.bounds_of(v);
                if up <= lo {
                    return None;
                }
                let sa = sigma * a;
                let upper = v < lp.n && lp.at_upper[v];
                if (!upper && sa > PIVOT_TOL) || (upper && sa < -PIVOT_TOL) {
                    Some(sa)
                } else {
                    None
                }
            };
            let mut t_max = f64::INFINITY;
            for (v, &a) in alpha.iter().enumerate() {
                if let Some(sa) = candidate(v, a, self) {
                    let dv = self.d[v];
                    let slackened = if sa > 0.0 {
                        dv + DUAL_TOL
                    } else {
                        dv - DUAL_TOL
                    };
                    t_max = t_max.min((slackened / sa).max(0.0));
                }
            }
            if !t_max.is_finite() {
                return LpStatus::Infeasible;
            }
            let mut enter = None;
            let mut best_a = 0.0;
            for (v, &a) in alpha.iter().enumerate() {
                if let Some(sa) = candidate(v, a, self) {
                    let ratio = (self.d[v] / sa).max(0.0);
                    if ratio <= t_max && sa.abs() > best_a {
                        best_a = sa.abs();
                        enter = Some(v);
                    }
                }
            }
            let Some(q) = enter else {
                return LpStatus::Infeasible;
            };
            // Entering column in basis coordinates.
            w.iter_mut().for_each(|x| *x = 0.0);
            if q < self.n {
                for &(i, a) in &self.cols[q] {
                    for p in 0..m {
                        w[p] += self.binv[p * m + i] * a;
                    }
                }
            } else {
                let i = q - self.n;
                for p in 0..m {
                    w[p] = -self.binv[p * m + i];
                }
            }
            let wr = w[r];
            if wr.abs() < PIVOT_TOL {
                // The updated inverse disagrees with the row: refactor and retry.
                self.refactor();
                if self.since_refactor == 0 && done > 0 && wr == 0.0 {
                    return LpStatus::Infeasible;
                }
                done += 1;
                continue;
            }
            // Dual step.
            let theta_d = self.d[q] / alpha[q];
            for (v, &a) in alpha.iter().enumerate() {
                if self.pos[v] == usize::MAX && a != 0.0 {
                    self.d[v] -= theta_d * a;
                }
            }
            self.d[q] = 0.0;
            self.d[v_out] = -theta_d;
            // Primal step: the leaving variable goes to the bound it violated.
            let target = if to_upper { up_out } else { lo_out };
            let theta_p = (self.xb[r] - target) / wr;
            let x_q = self.value(q) + theta_p;
            for p in 0..m {
                self.xb[p] -= theta_p * w[p];
            }
            self.xb[r] = x_q;
            // Basis change.
            self.pos[v_out] = usize::MAX;
            if v_out < self.n {
                self.at_upper[v_out] = to_upper;
            }
            self.basis[r] = q;
            self.pos[q] = r;
            for k in 0..m {
                self.binv[r * m + k] /= wr;
            }
            for p in 0..m {
                if p != r && w[p] != 0.0 {
                    let f = w[p];
                    for k in 0..m {
                        self.binv[p * m + k] -= f * self.binv[r * m + k];
                    }
                }
            }
            self.pivots += 1;
            self.since_refactor += 1;
            done += 1;
            if self.since_refactor >= REFACTOR_EVERY {
                self.refactor();
            }
        }
    }

    /// The dual objective at the current basis: a lower bound while the basis is dual
    /// feasible, used only to stop early against a cutoff (the reported bound is
    /// [`Lp::safe_bound`]).
    fn objective_lower(&self) -> f64 {
        self.objective()
    }
}

/// The items `gone` does not mark, in order.
pub(crate) fn unmarked<T: Clone>(items: &[T], gone: &[bool]) -> Vec<T> {
    items
        .iter()
        .zip(gone)
        .filter(|(_, g)| !**g)
        .map(|(x, _)| x.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp(cost: &[f64], up: f64, rows: &[(&[(usize, f64)], f64)]) -> Lp {
        let n = cost.len();
        let mut lp = Lp::new(cost.to_vec(), vec![0.0; n], vec![up; n]);
        for (r, b) in rows {
            lp.add_row(r, *b);
        }
        lp
    }

    #[test]
    fn solves_a_covering_lp() {
        // min 2x + 3y, 3x + 5y ≥ 14, x + y ≥ 3: optimum at the vertex x = 0.5, y = 2.5
        // (cost 8.5).
        let mut p = lp(
            &[2.0, 3.0],
            10.0,
            &[(&[(0, 3.0), (1, 5.0)], 14.0), (&[(0, 1.0), (1, 1.0)], 3.0)],
        );
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        assert!((p.objective() - 8.5).abs() < 1e-9, "{}", p.objective());
        assert!((p.safe_bound() - 8.5).abs() < 1e-9);
        let x = p.x();
        assert!((x[0] - 0.5).abs() < 1e-9 && (x[1] - 2.5).abs() < 1e-9);
    }

    #[test]
    fn detects_infeasibility_and_uses_upper_bounds() {
        let mut p = lp(&[1.0], 1.0, &[(&[(0, 1.0)], 2.0)]);
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Infeasible);
        // With a bound change the same basis continues: x ≤ 3 makes it feasible.
        p.set_bounds(&[0.0], &[3.0]);
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        assert!((p.objective() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn rows_with_negative_coefficients() {
        // min x + 4y, x + y ≥ 10, y − 0.25(x + y) ≥ 0 → y ≥ x/3: x = 7.5, y = 2.5.
        let mut p = lp(
            &[1.0, 4.0],
            100.0,
            &[
                (&[(0, 1.0), (1, 1.0)], 10.0),
                (&[(0, -0.25), (1, 0.75)], 0.0),
            ],
        );
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        assert!((p.objective() - 17.5).abs() < 1e-9, "{}", p.objective());
        // A row added later is honoured from the same basis.
        p.add_row(&[(0, 1.0)], 8.0);
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        // x ≥ 8, y ≥ max(2, 8/3): 8 + 4·8/3.
        assert!((p.objective() - (8.0 + 32.0 / 3.0)).abs() < 1e-9);
        assert!(p.safe_bound() <= p.objective() + 1e-9);
    }

    #[test]
    fn dropping_slack_rows_keeps_the_optimum_and_the_basis() {
        // min x + 4y, x + y ≥ 10, y ≥ x/3, and two rows the optimum (7.5, 2.5) meets
        // with room to spare: x ≤ 50 (as −x ≥ −50) and y ≥ 1.
        let mut p = lp(
            &[1.0, 4.0],
            100.0,
            &[
                (&[(0, 1.0), (1, 1.0)], 10.0),
                (&[(0, -50.0)], -2500.0),
                (&[(0, -0.25), (1, 0.75)], 0.0),
                (&[(1, 1.0)], 1.0),
            ],
        );
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        let before = p.objective();
        // Asked to drop rows 1, 2 and 3: 2 binds (its slack is nonbasic) and stays.
        let gone = p.drop_rows(&[false, true, true, true]);
        assert_eq!(gone, vec![false, true, false, true]);
        assert_eq!(p.rows(), 2);
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        assert!((p.objective() - before).abs() < 1e-9, "{}", p.objective());
        assert!((p.objective() - 17.5).abs() < 1e-9);
        // The smaller problem goes on from the same basis: a new row is honoured.
        p.add_row(&[(0, 1.0)], 8.0);
        assert_eq!(p.solve(f64::INFINITY, 100), LpStatus::Optimal);
        assert!((p.objective() - (8.0 + 32.0 / 3.0)).abs() < 1e-9);
    }
}
