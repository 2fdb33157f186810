//! Faultline's own branch and cut for the fleet MILPs, in pure Rust and deterministic
//! by construction: every limit that shapes the answer counts work (nodes, pivots),
//! never time; the wall clock is only a safety net, and hitting it is reported.
//!
//! * Relaxations are solved by the dual simplex of [`simplex`], restarted from the
//!   last basis at every node and after every cut round.
//! * Column bounds come from the cost: with an incumbent of cost `U`, no better plan
//!   has `x_j > U / c_j`; and at the root, no better plan moves a column further from
//!   its bound than `(U − L) / d_j` (reduced-cost fixing with the root bound `L` and
//!   reduced cost `d_j`). Both are exact, so nothing the search skips could be better.
//! * Lazy rows join the relaxation the first time a point violates them.
//! * MIR cuts ([`cuts`]) tighten the root relaxation.
//! * Bounds are recomputed from the duals ([`simplex::Lp::safe_bound`]), so round-off
//!   can never make a certificate claim more than is proven; nodes whose bound is
//!   within the requested gap of the incumbent are closed, and the smallest bound
//!   among them stays part of the reported bound.

pub mod cuts;
pub mod model;
pub mod simplex;

use std::collections::BTreeMap;
use std::time::Instant;

pub use model::{Col, MilpModel, Row};
use simplex::{Lp, LpStatus};

/// What may stop a solve, besides the proof.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Relative gap at which the search stops.
    pub gap: f64,
    /// Branch-and-bound nodes (the root is node 1).
    pub nodes: u64,
    /// Wall-clock safety net.
    pub deadline: Option<Instant>,
    /// A lower bound on the optimum known from elsewhere (a relaxation solved
    /// before), or `-∞`: the search stops once the incumbent is within the gap of it.
    pub floor: f64,
}

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The search space is exhausted: the incumbent is optimal (within the gap used
    /// to close nodes, which the bound reflects).
    Proven,
    /// The node budget ran out.
    Nodes,
    /// The deadline passed.
    Deadline,
}

#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub x: Vec<f64>,
    pub objective: f64,
    /// A proven lower bound on every feasible point's cost.
    pub bound: f64,
    pub stop: Stop,
    pub nodes: u64,
    pub pivots: u64,
    /// Rows in the final relaxation, cuts and lazy rows included.
    pub rows: usize,
}

/// Why a search ended without a feasible point: proven to have none, or stopped (node
/// budget or deadline) before it found one, which proves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPoint {
    Infeasible,
    Stopped(Stop),
}

/// Turns a fractional point into a feasible integer one, if it can.
pub type Repair<'a> = dyn Fn(&[f64]) -> Option<Vec<f64>> + 'a;

/// Pivots any one relaxation may take before the node is given up on (it stays open
/// with its parent's bound).
const PIVOTS_PER_LP: u64 = 20_000;
/// Root cut rounds, and cuts added per round.
const CUT_ROUNDS: usize = 12;
const CUTS_PER_ROUND: usize = 24;
/// Neighbourhood searches per solve, and the nodes each may use.
const IMPROVE_ROUNDS: u32 = 6;
const IMPROVE_NODES: u64 = 200;
/// Nodes the relaxation-induced neighbourhood search may use.
const RINS_NODES: u64 = 1_000;
/// Rounds of root probing.
const PROBE_ROUNDS: usize = 3;
/// Pivots one dive may take.
const DIVE_PIVOTS: u64 = 1_000;
/// Nodes between two dives.
const DIVE_EVERY: u64 = 256;
/// Integrality tolerance.
const INT_TOL: f64 = 1e-6;
/// Feasibility tolerance for accepting an integer point.
const FEAS_TOL: f64 = 1e-7;
/// Bound on a column when neither the model nor an incumbent gives one.
const NO_BOUND: f64 = 1e7;

/// Solves `model` (minimise, costs ≥ 0, every column integer or not) within `limits`,
/// starting from `start` if it is feasible and improving with `repair` on fractional
/// points.
pub fn solve(
    model: &MilpModel,
    limits: &Limits,
    start: Option<&[f64]>,
    repair: Option<&Repair<'_>>,
) -> Result<SearchOutcome, NoPoint> {
    Search::new(model, limits, repair).run(start)
}

/// The LP relaxation's optimum as a safe lower bound, lazy rows added as violated.
pub fn lp_bound(model: &MilpModel) -> Result<f64, NoPoint> {
    let limits = Limits {
        gap: 0.0,
        nodes: 0,
        deadline: None,
        floor: f64::NEG_INFINITY,
    };
    let mut s = Search::new(model, &limits, None);
    s.add_rows(None);
    s.relax(f64::INFINITY).ok_or(NoPoint::Infeasible)
}

/// The model aggregated over groups of interchangeable columns: one column per group
/// (its total), each row's coefficient the average over the group's members, rows in
/// `skip` left out. When the groups are the orbits of a symmetry of the model (here:
/// the zones of a region, which can be relabelled at will) and every row's images
/// under it are rows of the model too, each aggregated row is the average of a row's
/// images, which every point meets; so the aggregation is a relaxation, and its
/// optimum a lower bound of the model's. Rows `skip` names must not be needed for
/// that (symmetry-breaking rows, which only choose among relabellings).
pub fn aggregate(model: &MilpModel, groups: &[Vec<usize>], skip: &[usize]) -> MilpModel {
    let n = model.cols.len();
    let mut group_of = vec![usize::MAX; n];
    for (g, cols) in groups.iter().enumerate() {
        for j in cols {
            group_of[*j] = g;
        }
    }
    let mut agg = MilpModel::default();
    for cols in groups {
        let c0 = &model.cols[cols[0]];
        let lb = cols.iter().map(|j| model.cols[*j].lb).sum();
        let ub = cols.iter().map(|j| model.cols[*j].ub).sum();
        agg.add_col(lb, ub, c0.integer, c0.cost);
    }
    // A row's images all average to the same row: keep one.
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in model.rows.iter().enumerate() {
        if skip.contains(&i) {
            continue;
        }
        let mut coefs: BTreeMap<usize, f64> = BTreeMap::new();
        for (j, a) in &r.coefs {
            let g = group_of[*j];
            *coefs.entry(g).or_default() += a / groups[g].len() as f64;
        }
        let coefs: Vec<(usize, f64)> = coefs.into_iter().filter(|(_, a)| *a != 0.0).collect();
        let key: Vec<(usize, u64)> = coefs
            .iter()
            .map(|(g, a)| (*g, a.to_bits()))
            .chain(std::iter::once((usize::MAX, r.rhs.to_bits())))
            .collect();
        if seen.insert(key) {
            agg.rows.push(Row {
                coefs,
                rhs: r.rhs,
                lazy: r.lazy,
            });
        }
    }
    agg
}

/// Solves `model` restricted to points whose columns are equal within each group
/// (every column in exactly one group): a smaller problem whose answer, mapped back,
/// is feasible for the full one. `start` is a tied point of the full model.
pub fn solve_tied(
    model: &MilpModel,
    groups: &[Vec<usize>],
    limits: &Limits,
    start: Option<&[f64]>,
) -> Option<Vec<f64>> {
    let n = model.cols.len();
    let mut group_of = vec![usize::MAX; n];
    for (g, cols) in groups.iter().enumerate() {
        for j in cols {
            group_of[*j] = g;
        }
    }
    if group_of.contains(&usize::MAX) {
        return None;
    }
    let mut tied = MilpModel::default();
    for cols in groups {
        let c0 = &model.cols[cols[0]];
        let cost = cols.iter().map(|j| model.cols[*j].cost).sum();
        let ub = cols
            .iter()
            .map(|j| model.cols[*j].ub)
            .fold(f64::INFINITY, f64::min);
        let lb = cols.iter().map(|j| model.cols[*j].lb).fold(0.0, f64::max);
        tied.add_col(lb, ub, c0.integer, cost);
    }
    for r in &model.rows {
        let mut coefs: BTreeMap<usize, f64> = BTreeMap::new();
        for (j, a) in &r.coefs {
            *coefs.entry(group_of[*j]).or_default() += a;
        }
        tied.rows.push(Row {
            coefs: coefs.into_iter().filter(|(_, a)| *a != 0.0).collect(),
            rhs: r.rhs,
            lazy: r.lazy,
        });
    }
    let tied_start: Option<Vec<f64>> = start.and_then(|s| {
        let y: Vec<f64> = groups.iter().map(|g| s[g[0]]).collect();
        groups
            .iter()
            .all(|g| g.iter().all(|j| s[*j] == s[g[0]]))
            .then_some(y)
    });
    let out = solve(&tied, limits, tied_start.as_deref(), None).ok()?;
    let mut x = vec![0.0; n];
    for (j, g) in group_of.iter().enumerate() {
        x[j] = out.x[*g];
    }
    model.feasible(&x, FEAS_TOL).then_some(x)
}

#[derive(Debug, Clone)]
struct Node {
    /// Bound changes from the root box: `(column, lower, upper)`.
    changes: Vec<(usize, f64, f64)>,
    bound: f64,
    depth: u32,
    /// The branch that made it: column, up or down, and how far the parent's value
    /// was rounded (for pseudocosts).
    from: Option<(usize, bool, f64)>,
}

/// Open nodes, smallest bound first; on a tie the deepest, then the newest.
type Key = (OrderedF64, std::cmp::Reverse<u32>, std::cmp::Reverse<u64>);

#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedF64(f64);
impl Eq for OrderedF64 {}
impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

struct Search<'a> {
    model: &'a MilpModel,
    limits: &'a Limits,
    repair: Option<&'a Repair<'a>>,
    lp: Lp,
    /// Which model rows the relaxation holds (lazy ones join when violated).
    in_lp: Vec<bool>,
    /// The relaxation's rows as written (model rows and cuts), in its order.
    lp_rows: Vec<(Vec<(usize, f64)>, f64)>,
    /// Which of them are cuts (which may be dropped again).
    is_cut: Vec<bool>,
    /// Rows of the model by column, with the column's coefficient, for quick checks
    /// of a change.
    rows_of: Vec<Vec<(usize, f64)>>,
    root_lo: Vec<f64>,
    root_up: Vec<f64>,
    best: Option<(f64, Vec<f64>)>,
    /// The smallest bound of nodes closed because they could not beat the incumbent
    /// by more than the gap.
    closed_floor: f64,
    /// The smallest bound among nodes left open when the search stopped early.
    open_floor: f64,
    pseudo: Pseudocosts,
    nodes: u64,
    /// A neighbourhood search inside another search.
    local: bool,
    /// Neighbourhood searches run so far, and the incumbent's cost after the last.
    improved: u32,
    improved_from: f64,
}

impl<'a> Search<'a> {
    fn new(model: &'a MilpModel, limits: &'a Limits, repair: Option<&'a Repair<'a>>) -> Self {
        let root_lo: Vec<f64> = model.cols.iter().map(|c| c.lb).collect();
        let root_up: Vec<f64> = model.cols.iter().map(|c| c.ub.min(NO_BOUND)).collect();
        Self::boxed(model, limits, repair, root_lo, root_up, false)
    }

    /// A search over the box `[root_lo, root_up]`; a `local` one (a neighbourhood of
    /// an incumbent) searches no neighbourhoods of its own.
    fn boxed(
        model: &'a MilpModel,
        limits: &'a Limits,
        repair: Option<&'a Repair<'a>>,
        root_lo: Vec<f64>,
        root_up: Vec<f64>,
        local: bool,
    ) -> Self {
        let n = model.cols.len();
        let cost: Vec<f64> = model.cols.iter().map(|c| c.cost.max(0.0)).collect();
        let lp = Lp::new(cost.clone(), root_lo.clone(), root_up.clone());
        let mut rows_of: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for (i, r) in model.rows.iter().enumerate() {
            for (j, a) in &r.coefs {
                rows_of[*j].push((i, *a));
            }
        }
        Search {
            model,
            limits,
            repair,
            lp,
            in_lp: vec![false; model.rows.len()],
            lp_rows: Vec::new(),
            is_cut: Vec::new(),
            rows_of,
            root_lo,
            root_up,
            best: None,
            closed_floor: f64::INFINITY,
            open_floor: f64::INFINITY,
            pseudo: Pseudocosts::new(&cost),
            nodes: 0,
            local,
            improved: 0,
            improved_from: f64::INFINITY,
        }
    }

    fn incumbent_cost(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |b| b.0)
    }

    /// Nodes whose bound reaches this cannot hold a plan better than the incumbent by
    /// more than the gap.
    fn cutoff(&self) -> f64 {
        let u = self.incumbent_cost();
        if u.is_finite() {
            u * (1.0 - self.limits.gap) - 1e-9 * u.abs().max(1.0)
        } else {
            f64::INFINITY
        }
    }

    fn timed_out(&self) -> bool {
        self.limits.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Offers an integer point: kept if feasible and cheaper, after trimming what it
    /// does not need.
    fn offer(&mut self, x: &[f64]) {
        let mut x: Vec<f64> = x
            .iter()
            .zip(&self.model.cols)
            .map(|(v, c)| if c.integer { v.round() } else { *v })
            .collect();
        if !self.model.feasible(&x, FEAS_TOL) {
            return;
        }
        self.trim(&mut x);
        let cost = self.model.objective(&x);
        if cost < self.incumbent_cost() - 1e-9 * cost.abs().max(1.0) {
            self.best = Some((cost, x));
            self.tighten_by_cost();
        }
    }

    /// Drops instances the point does not need, the most expensive first, while every
    /// row still holds (row activities kept up to date, so a pass costs one sweep of
    /// the rows each column is in).
    fn trim(&self, x: &mut [f64]) {
        let rows = &self.model.rows;
        let mut lhs: Vec<f64> = rows
            .iter()
            .map(|r| r.coefs.iter().map(|(j, a)| a * x[*j]).sum())
            .collect();
        let slack_ok = |i: usize, lhs: f64| {
            let r = &rows[i];
            lhs >= r.rhs - FEAS_TOL * (1.0 + r.rhs.abs().max(lhs.abs()))
        };
        let mut order: Vec<usize> = (0..x.len())
            .filter(|j| self.model.cols[*j].integer && self.model.cols[*j].cost > 0.0)
            .collect();
        order.sort_by(|a, b| {
            self.model.cols[*b]
                .cost
                .total_cmp(&self.model.cols[*a].cost)
                .then(a.cmp(b))
        });
        loop {
            let mut changed = false;
            for &j in &order {
                while x[j] - 1.0 >= self.model.cols[j].lb - 1e-9 {
                    let ok = self.rows_of[j]
                        .iter()
                        .all(|&(i, a)| slack_ok(i, lhs[i] - a));
                    if !ok {
                        break;
                    }
                    x[j] -= 1.0;
                    for &(i, a) in &self.rows_of[j] {
                        lhs[i] -= a;
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// With an incumbent of cost `U`, no better point has `c_j x_j > U`.
    fn tighten_by_cost(&mut self) {
        let u = self.incumbent_cost();
        for (j, c) in self.model.cols.iter().enumerate() {
            if c.cost > 0.0 {
                let cap = ((u / c.cost) * (1.0 + 1e-12) + 1e-9).floor().max(c.lb);
                let cap = if c.integer { cap } else { u / c.cost };
                self.root_up[j] = self.root_up[j].min(cap.max(self.root_lo[j]));
            }
        }
    }

    /// Adds the model's rows the relaxation lacks: every non-lazy row, and lazy rows
    /// `x` violates. Returns how many were added.
    fn add_rows(&mut self, x: Option<&[f64]>) -> usize {
        let mut added = 0;
        for (i, r) in self.model.rows.iter().enumerate() {
            if self.in_lp[i] {
                continue;
            }
            let needed = match x {
                None => !r.lazy,
                Some(x) => !model::row_ok(r, x, 1e-7),
            };
            if needed {
                self.lp.add_row(&r.coefs, r.rhs);
                self.lp_rows.push((r.coefs.clone(), r.rhs));
                self.is_cut.push(false);
                self.in_lp[i] = true;
                added += 1;
            }
        }
        added
    }

    /// Solves the relaxation under the current bounds, adding lazy rows until none
    /// is violated. `None` when it is infeasible or cut off; otherwise its safe bound.
    fn relax(&mut self, cutoff: f64) -> Option<f64> {
        loop {
            match self.lp.solve(cutoff, PIVOTS_PER_LP) {
                LpStatus::Infeasible => return None,
                LpStatus::Cutoff => {
                    if self.lp.safe_bound() >= cutoff {
                        return None;
                    }
                    // Round-off: the safe bound does not confirm the cut-off; finish.
                    if self.lp.solve(f64::INFINITY, PIVOTS_PER_LP) != LpStatus::Optimal {
                        return Some(self.lp.safe_bound());
                    }
                }
                LpStatus::Limit => return Some(self.lp.safe_bound()),
                LpStatus::Optimal => {}
            }
            let x = self.lp.x();
            if self.add_rows(Some(&x)) == 0 {
                return Some(self.lp.safe_bound());
            }
        }
    }

    fn run(mut self, start: Option<&[f64]>) -> Result<SearchOutcome, NoPoint> {
        let n = self.model.cols.len();
        if let Some(s) = start {
            if s.len() == n {
                self.offer(s);
            }
        }
        self.lp
            .set_bounds(&self.root_lo.clone(), &self.root_up.clone());
        self.add_rows(None);
        let Some(mut root_bound) = self.relax(f64::INFINITY) else {
            return match self.best.take() {
                // The start point is feasible, so the relaxation cannot be: round-off.
                Some((cost, x)) => Ok(self.finish(cost, x, cost, Stop::Proven)),
                None => Err(NoPoint::Infeasible),
            };
        };
        self.nodes = 1;
        let x = self.lp.x();
        self.try_point(&x);
        // Root cuts, while they move the bound.
        for _ in 0..CUT_ROUNDS {
            // Past the deadline, the search only reports what it has.
            if self.timed_out() {
                break;
            }
            let x = self.lp.x();
            if is_integral(&x, self.model) {
                break;
            }
            let cuts = self.separate(&x);
            if cuts.is_empty() {
                break;
            }
            for c in &cuts {
                self.lp.add_row(&c.coefs, c.rhs);
                self.lp_rows.push((c.coefs.clone(), c.rhs));
                self.is_cut.push(true);
            }
            let Some(b) = self.relax(f64::INFINITY) else {
                break;
            };
            self.drop_slack_cuts();
            let x = self.lp.x();
            self.try_point(&x);
            let moved = b - root_bound;
            root_bound = root_bound.max(b);
            if moved <= 1e-5 * root_bound.abs().max(1.0) {
                break;
            }
        }
        let (lo, up) = (self.root_lo.clone(), self.root_up.clone());
        let root_x = self.lp.x();
        if !self.timed_out() {
            self.dive(&lo, &up);
            self.rins(&root_x);
            self.improve();
        }
        if self.best.is_some() && !self.timed_out() {
            self.tighten_by_cost();
            self.fix_by_reduced_cost(root_bound);
            for _ in 0..PROBE_ROUNDS {
                if self.probe() == 0 {
                    break;
                }
            }
            self.lp
                .set_bounds(&self.root_lo.clone(), &self.root_up.clone());
            if let Some(b) = self.relax(f64::INFINITY) {
                root_bound = root_bound.max(b);
            }
        }
        let root = Node {
            changes: Vec::new(),
            bound: root_bound,
            depth: 0,
            from: None,
        };
        let stop = self.branch_and_bound(root);
        let Some((cost, x)) = self.best.take() else {
            return Err(match stop {
                Stop::Proven => NoPoint::Infeasible,
                stopped => NoPoint::Stopped(stopped),
            });
        };
        let bound = match stop {
            Stop::Proven => self.closed_floor.min(cost),
            _ => self.open_floor.min(self.closed_floor).min(cost),
        };
        Ok(self.finish(cost, x, bound, stop))
    }

    /// Drops the cuts the relaxation's optimum does not lean on (slack basic): every
    /// later relaxation is smaller, and a cut is only ever a valid inequality, so the
    /// bounds stay proven.
    fn drop_slack_cuts(&mut self) {
        let gone = self.lp.drop_rows(&self.is_cut);
        if gone.iter().any(|g| *g) {
            self.lp_rows = simplex::unmarked(&self.lp_rows, &gone);
            self.is_cut = simplex::unmarked(&self.is_cut, &gone);
        }
    }

    fn finish(&self, cost: f64, x: Vec<f64>, bound: f64, stop: Stop) -> SearchOutcome {
        SearchOutcome {
            x,
            objective: cost,
            bound: bound.min(cost),
            stop,
            nodes: self.nodes,
            pivots: self.lp.pivots,
            rows: self.lp.rows(),
        }
    }

    /// Dives from the relaxation under bounds `lo`/`up`: fixes the fractional column
    /// closest to a whole number to the nearer one (the other one if that is
    /// infeasible), re-solves, and repeats until the point is integral (offered as a
    /// plan) or no direction is left. Leaves the relaxation's bounds changed; the
    /// caller sets them again.
    fn dive(&mut self, lo: &[f64], up: &[f64]) {
        let mut lo = lo.to_vec();
        let mut up = up.to_vec();
        let pivots_at_start = self.lp.pivots;
        let fractional = self
            .lp
            .x()
            .iter()
            .zip(&self.model.cols)
            .filter(|(v, c)| c.integer && (*v - v.round()).abs() > INT_TOL)
            .count();
        for _ in 0..2 * fractional + 8 {
            if self.lp.pivots - pivots_at_start > DIVE_PIVOTS {
                return;
            }
            let x = self.lp.x();
            if is_integral(&x, self.model) {
                self.offer(&x);
                return;
            }
            let mut pick: Option<(f64, usize)> = None;
            for (j, (v, c)) in x.iter().zip(&self.model.cols).enumerate() {
                if !c.integer {
                    continue;
                }
                let f = v - v.floor();
                if f <= INT_TOL || f >= 1.0 - INT_TOL {
                    continue;
                }
                let score = f.min(1.0 - f);
                if pick.is_none_or(|(s, _)| score < s - 1e-12) {
                    pick = Some((score, j));
                }
            }
            let Some((_, j)) = pick else { return };
            let v = x[j];
            let first_up = v - v.floor() >= 0.5;
            let mut ok = false;
            for go_up in [first_up, !first_up] {
                let (l, u) = (lo[j], up[j]);
                if go_up {
                    lo[j] = v.ceil();
                } else {
                    up[j] = v.floor();
                }
                self.lp.set_bounds(&lo, &up);
                let cutoff = self.cutoff();
                if lo[j] <= up[j] && self.relax(cutoff).is_some() {
                    ok = true;
                    break;
                }
                lo[j] = l;
                up[j] = u;
            }
            if !ok {
                return;
            }
        }
    }

    /// Neighbourhood search: the problem restricted to a box of `±δ` around the
    /// incumbent, solved with a small node budget and no gap; while it finds better
    /// plans, again around the better one, and with a wider box once it finds none.
    fn improve(&mut self) {
        if self.local {
            return;
        }
        let mut delta = 1.0;
        self.improved_from = self.incumbent_cost();
        while self.improved < IMPROVE_ROUNDS && !self.timed_out() {
            let Some((cost, x)) = self.best.clone() else {
                return;
            };
            self.improved += 1;
            let mut lo = self.root_lo.clone();
            let mut up = self.root_up.clone();
            for (j, c) in self.model.cols.iter().enumerate() {
                if c.integer {
                    lo[j] = lo[j].max(x[j] - delta);
                    up[j] = up[j].min(x[j] + delta);
                }
            }
            match self.better_in_box(lo, up, IMPROVE_NODES, &x, cost) {
                Some(y) => {
                    self.offer(&y);
                    self.improved_from = self.incumbent_cost();
                }
                None if delta < 2.0 => delta = 2.0,
                None => return,
            }
        }
    }

    /// A point cheaper than `cost` in the box `[lo, up]`, searched from `start` (the
    /// incumbent) with `nodes` nodes and no gap, if the search finds one.
    fn better_in_box(
        &self,
        lo: Vec<f64>,
        up: Vec<f64>,
        nodes: u64,
        start: &[f64],
        cost: f64,
    ) -> Option<Vec<f64>> {
        let limits = Limits {
            gap: 0.0,
            nodes,
            deadline: self.limits.deadline,
            floor: f64::NEG_INFINITY,
        };
        let sub = Search::boxed(self.model, &limits, self.repair, lo, up, true);
        sub.run(Some(start))
            .ok()
            .filter(|o| o.objective < cost - 1e-9 * cost.abs().max(1.0))
            .map(|o| o.x)
    }

    /// Relaxation-induced neighbourhood search: the columns on which the incumbent and
    /// the root relaxation agree fixed there, the rest free, solved with a small node
    /// budget; a better plan found becomes the incumbent.
    fn rins(&mut self, root_x: &[f64]) {
        if self.local || self.timed_out() {
            return;
        }
        let Some((cost, x)) = self.best.clone() else {
            return;
        };
        let mut lo = self.root_lo.clone();
        let mut up = self.root_up.clone();
        let mut free = 0;
        for (j, c) in self.model.cols.iter().enumerate() {
            if c.integer && (root_x[j] - x[j]).abs() <= INT_TOL {
                lo[j] = x[j];
                up[j] = x[j];
            } else {
                free += 1;
            }
        }
        if free == 0 || free == self.model.cols.len() {
            return;
        }
        if let Some(y) = self.better_in_box(lo, up, RINS_NODES, &x, cost) {
            self.offer(&y);
        }
    }

    /// Offers the relaxation's point itself when integral, else what the repair makes
    /// of it.
    fn try_point(&mut self, x: &[f64]) {
        if is_integral(x, self.model) {
            self.offer(x);
        } else if let Some(repair) = self.repair {
            if let Some(y) = repair(x) {
                self.offer(&y);
            }
        }
    }

    /// The most efficacious MIR cut of each model row in the relaxation and the
    /// Gomory cut of each fractional basic column, best first.
    fn separate(&self, x: &[f64]) -> Vec<cuts::Cut> {
        let mut found: Vec<(f64, usize, cuts::Cut)> = Vec::new();
        for (i, r) in self.model.rows.iter().enumerate() {
            if !self.in_lp[i] {
                continue;
            }
            if let Some((e, c)) = cuts::separate_row(&r.coefs, r.rhs, x) {
                found.push((e, i, c));
            }
        }
        let n = self.model.cols.len();
        let integer: Vec<bool> = self.model.cols.iter().map(|c| c.integer).collect();
        for (p, &v) in self.lp.basis().iter().enumerate() {
            if v >= n || !integer[v] || (x[v] - x[v].round()).abs() <= 1e-4 {
                continue;
            }
            let mu: Vec<f64> = self
                .lp
                .inverse_row(p)
                .iter()
                .enumerate()
                .map(|(i, l)| l * self.lp.row_scale(i))
                .collect();
            let complement = |j: usize| self.lp.at_upper(j);
            if let Some(c) = cuts::gomory(
                &self.lp_rows,
                &mu,
                &integer,
                &self.root_lo,
                &self.root_up,
                &complement,
            ) {
                let e = cuts::efficacy(&c, x);
                if e > 1e-6 {
                    found.push((e, self.model.rows.len() + v, c));
                }
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        found.truncate(CUTS_PER_ROUND);
        found.into_iter().map(|(_, _, c)| c).collect()
    }

    /// Reduced-cost fixing at the root: with `y` the root duals and `d = c − Aᵀy`,
    /// every point satisfies `c·x ≥ L(y) + Σ_j d_j (x_j − l_j)` over columns with
    /// `d_j > 0` (and likewise from the upper bound for `d_j < 0`), so a point no
    /// dearer than the incumbent has `x_j − l_j ≤ (U − L(y)) / d_j`.
    fn fix_by_reduced_cost(&mut self, _root_bound: f64) {
        let u = self.incumbent_cost();
        self.lp
            .set_bounds(&self.root_lo.clone(), &self.root_up.clone());
        if self.lp.solve(f64::INFINITY, PIVOTS_PER_LP) != LpStatus::Optimal {
            return;
        }
        let (l, d) = self.lp.safe_reduced_costs();
        let room = u - l;
        if room < 0.0 {
            return;
        }
        for (j, dj) in d.iter().copied().enumerate() {
            if !self.model.cols[j].integer {
                continue;
            }
            if dj > 1e-12 {
                let cap = self.root_lo[j] + (room / dj * (1.0 + 1e-12) + 1e-9).floor();
                self.root_up[j] = self.root_up[j].min(cap);
            } else if dj < -1e-12 {
                let floor = self.root_up[j] - (room / -dj * (1.0 + 1e-12) + 1e-9).floor();
                self.root_lo[j] = self.root_lo[j].max(floor);
            }
        }
    }

    /// Probing at the root: for each column, the relaxation with the column pushed one
    /// step past its relaxed value (up, and down). Where that relaxation cannot beat
    /// the incumbent, no better plan lies on that side, and the column's bound moves.
    /// Returns how many bounds moved.
    fn probe(&mut self) -> usize {
        let cutoff = self.incumbent_cost() * (1.0 - 1e-9);
        let (lo0, up0) = (self.root_lo.clone(), self.root_up.clone());
        self.lp.set_bounds(&lo0, &up0);
        if self.relax(f64::INFINITY).is_none() {
            return 0;
        }
        let x = self.lp.x();
        let mut moved = 0;
        let mut lo = lo0.clone();
        let mut up = up0.clone();
        for j in 0..self.model.cols.len() {
            if !self.model.cols[j].integer || up[j] <= lo[j] {
                continue;
            }
            let v = x[j];
            // Up: x_j ≥ ⌊v⌋ + 1.
            let step_up = (v + INT_TOL).floor() + 1.0;
            if step_up <= up[j] {
                let keep = lo[j];
                lo[j] = step_up;
                self.lp.set_bounds(&lo, &up);
                let beaten = self.relax(cutoff).is_none_or(|b| b >= cutoff);
                lo[j] = keep;
                if beaten {
                    up[j] = step_up - 1.0;
                    moved += 1;
                }
            }
            // Down: x_j ≤ ⌈v⌉ − 1.
            let step_down = (v - INT_TOL).ceil() - 1.0;
            if step_down >= lo[j] && step_down < up[j] {
                let keep = up[j];
                up[j] = step_down;
                self.lp.set_bounds(&lo, &up);
                let beaten = self.relax(cutoff).is_none_or(|b| b >= cutoff);
                up[j] = keep;
                if beaten {
                    lo[j] = step_down + 1.0;
                    moved += 1;
                }
            }
        }
        self.root_lo = lo;
        self.root_up = up;
        moved
    }

    fn branch_and_bound(&mut self, root: Node) -> Stop {
        let mut open: BTreeMap<Key, Node> = BTreeMap::new();
        let mut seq = 0u64;
        open.insert(
            (
                OrderedF64(root.bound),
                std::cmp::Reverse(0),
                std::cmp::Reverse(0),
            ),
            root,
        );
        let mut first = true;
        let mut lo = self.root_lo.clone();
        let mut up = self.root_up.clone();
        loop {
            let Some((key, node)) = open.pop_first() else {
                self.open_floor = f64::INFINITY;
                return Stop::Proven;
            };
            if self.limits.floor >= self.cutoff() {
                // The known floor proves the incumbent within the gap: every open
                // node's best is at least the floor.
                self.closed_floor = self.closed_floor.min(self.limits.floor);
                self.open_floor = f64::INFINITY;
                return Stop::Proven;
            }
            if node.bound >= self.cutoff() {
                self.closed_floor = self.closed_floor.min(node.bound);
                self.open_floor = f64::INFINITY;
                for (k, _) in open {
                    self.closed_floor = self.closed_floor.min(k.0 .0);
                }
                return Stop::Proven;
            }
            if !first && self.nodes >= self.limits.nodes {
                self.open_floor = node.bound;
                open.insert(key, node);
                return Stop::Nodes;
            }
            if self.timed_out() {
                self.open_floor = node.bound;
                open.insert(key, node);
                return Stop::Deadline;
            }
            if !first {
                self.nodes += 1;
            }
            first = false;
            lo.copy_from_slice(&self.root_lo);
            up.copy_from_slice(&self.root_up);
            for (j, l, u) in &node.changes {
                lo[*j] = lo[*j].max(*l);
                up[*j] = up[*j].min(*u);
            }
            if lo.iter().zip(&up).any(|(l, u)| l > u) {
                continue;
            }
            self.lp.set_bounds(&lo, &up);
            let cutoff = self.cutoff();
            let Some(bound) = self.relax(cutoff) else {
                continue;
            };
            let bound = bound.max(node.bound);
            if let Some((j, up, dist)) = node.from {
                self.pseudo
                    .record(j, up, (bound - node.bound).max(0.0) / dist);
            }
            if bound >= self.cutoff() {
                self.closed_floor = self.closed_floor.min(bound);
                continue;
            }
            let x = self.lp.x();
            if is_integral(&x, self.model) {
                // An integral relaxation optimum is this node's best point; should it
                // not be taken (round-off in a row), the node's bound stays counted.
                let cost = self.model.objective(&x);
                self.offer(&x);
                if self.incumbent_cost() > cost + 1e-6 * cost.abs().max(1.0) {
                    self.closed_floor = self.closed_floor.min(bound);
                }
                continue;
            }
            if node.depth < 8 || self.nodes.is_multiple_of(8) {
                self.try_point(&x);
                if bound >= self.cutoff() {
                    self.closed_floor = self.closed_floor.min(bound);
                    continue;
                }
            }
            if self.nodes.is_multiple_of(DIVE_EVERY) {
                self.dive(&lo, &up);
                self.lp.set_bounds(&lo, &up);
                if self.relax(f64::INFINITY).is_none() {
                    continue;
                }
                if bound >= self.cutoff() {
                    self.closed_floor = self.closed_floor.min(bound);
                    continue;
                }
            }
            if self.incumbent_cost() < self.improved_from - 1e-9 && !self.local {
                // A new incumbent from the tree: search around it.
                self.improve();
                self.lp.set_bounds(&lo, &up);
                if self.relax(f64::INFINITY).is_none() {
                    continue;
                }
            }
            let x = self.lp.x();
            let Some(j) = self.pseudo.choose(&x, self.model) else {
                continue;
            };
            let v = x[j];
            let down = (j, lo[j], v.floor());
            let upc = (j, v.ceil(), up[j]);
            let f = v - v.floor();
            for (change, up_branch, dist) in [(down, false, f), (upc, true, 1.0 - f)] {
                let mut changes = node.changes.clone();
                changes.push(change);
                seq += 1;
                let depth_bonus = u32::from(up_branch);
                let child = Node {
                    changes,
                    bound,
                    depth: node.depth + 1,
                    from: Some((j, up_branch, dist)),
                };
                // The up branch first on ties: rounding counts up keeps rows covered.
                open.insert(
                    (
                        OrderedF64(bound),
                        std::cmp::Reverse(child.depth * 2 + depth_bonus),
                        std::cmp::Reverse(seq),
                    ),
                    child,
                );
            }
        }
    }
}

fn is_integral(x: &[f64], model: &MilpModel) -> bool {
    x.iter()
        .zip(&model.cols)
        .all(|(v, c)| !c.integer || (v - v.round()).abs() <= INT_TOL)
}

/// Average bound gain per unit of rounding, per column and direction, learned as the
/// search goes; a column never branched on borrows its cost as the estimate.
#[derive(Debug, Clone)]
struct Pseudocosts {
    sum: Vec<[f64; 2]>,
    count: Vec<[u32; 2]>,
    cost: Vec<f64>,
}

impl Pseudocosts {
    fn new(cost: &[f64]) -> Self {
        Pseudocosts {
            sum: vec![[0.0; 2]; cost.len()],
            count: vec![[0; 2]; cost.len()],
            cost: cost.to_vec(),
        }
    }

    fn record(&mut self, j: usize, up: bool, gain: f64) {
        let k = usize::from(up);
        self.sum[j][k] += gain;
        self.count[j][k] += 1;
    }

    fn estimate(&self, j: usize, up: bool) -> f64 {
        let k = usize::from(up);
        if self.count[j][k] > 0 {
            self.sum[j][k] / f64::from(self.count[j][k])
        } else {
            self.cost[j]
        }
    }

    /// The fractional column with the best product of estimated gains.
    fn choose(&self, x: &[f64], model: &MilpModel) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        for (j, (v, c)) in x.iter().zip(&model.cols).enumerate() {
            if !c.integer {
                continue;
            }
            let f = v - v.floor();
            if f <= INT_TOL || f >= 1.0 - INT_TOL {
                continue;
            }
            let down = (self.estimate(j, false) * f).max(1e-6);
            let up = (self.estimate(j, true) * (1.0 - f)).max(1e-6);
            let score = down * up;
            if best.is_none_or(|(s, _)| score > s * (1.0 + 1e-12)) {
                best = Some((score, j));
            }
        }
        best.map(|(_, j)| j)
    }
}
