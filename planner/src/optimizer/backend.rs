//! The solver boundary: the [`MilpModel`] that the formulations build is solved by
//! Faultline's own branch and cut ([`milp`], `native`, always built in), or translated
//! to `good_lp` for the opt-in `microlp` and `highs` backends.

use std::fmt;
use std::time::Instant;

pub use faultline_models::plan::SolveStatus;

use super::milp::{self, Limits, NoPoint, Repair, Stop};
pub use super::milp::{Col, MilpModel, Row};

#[cfg(any(feature = "microlp", feature = "highs"))]
use good_lp::{variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel};

/// A MILP backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backend {
    /// Faultline's own branch and cut (pure Rust, deterministic work budgets).
    Native,
    Microlp,
    Highs,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Native => "native",
            Backend::Microlp => "microlp",
            Backend::Highs => "highs",
        }
    }

    /// Backends compiled into this build, default first.
    pub fn available() -> Vec<Backend> {
        let mut v = vec![Backend::Native];
        if cfg!(feature = "microlp") {
            v.push(Backend::Microlp);
        }
        if cfg!(feature = "highs") {
            v.push(Backend::Highs);
        }
        v
    }

    pub fn from_name(name: &str) -> Option<Backend> {
        [Backend::Native, Backend::Microlp, Backend::Highs]
            .into_iter()
            .find(|b| b.name() == name)
    }

    /// Every backend name, built in or not, for messages.
    pub fn all_names() -> [&'static str; 3] {
        ["native", "microlp", "highs"]
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of one MILP solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveSettings {
    pub backend: Backend,
    /// Relative gap the solve must prove.
    pub gap: f64,
    /// Branch-and-bound nodes one MILP may use: the deterministic work budget.
    pub nodes: u64,
    /// The whole command's deadline, a safety net.
    pub deadline: Option<Instant>,
    /// A proven lower bound on the optimum from a relaxation solved before, or `-∞`:
    /// a search may stop once its incumbent is within the gap of it.
    pub floor: f64,
}

/// What a solve's objective and proven bound certify, given the worst status of the
/// solves behind it: a deadline that stopped any of them makes it `time-limit`
/// whatever the gap (it may differ on another machine); otherwise optimal, within
/// the requested gap, or short of it on the work budget.
pub fn certify(worst: SolveStatus, objective: f64, bound: f64, gap: f64) -> SolveStatus {
    let reached = rel_gap(objective, bound);
    if worst == SolveStatus::TimeLimit {
        SolveStatus::TimeLimit
    } else if reached <= 1e-9 {
        SolveStatus::Optimal
    } else if reached <= gap {
        SolveStatus::WithinGap
    } else {
        worst.max(SolveStatus::WorkLimit)
    }
}

/// The relative gap between an objective and a lower bound on it.
pub fn rel_gap(objective: f64, bound: f64) -> f64 {
    if objective <= 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective).max(0.0)
    }
}

#[derive(Debug, Clone)]
pub struct Solved {
    pub x: Vec<f64>,
    pub objective: f64,
    /// A proven lower bound on the optimum.
    pub best_bound: f64,
    pub status: SolveStatus,
    /// Branch-and-bound nodes (native backend; 0 for the others).
    pub nodes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SolveError {
    Infeasible,
    /// The time limit passed before any feasible solution was found.
    NoSolutionInTime,
    /// The node budget ran out before any feasible solution was found (which, like
    /// the time limit, proves nothing about feasibility).
    NoSolutionInBudget,
    NoBackend,
    Failed(String),
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolveError::Infeasible => f.write_str("infeasible"),
            SolveError::NoSolutionInTime => {
                f.write_str("the time limit passed before the solver found any feasible plan")
            }
            SolveError::NoSolutionInBudget => {
                f.write_str("the solver's work budget ran out before it found any feasible plan")
            }
            SolveError::NoBackend => f.write_str("this build has no MILP backend"),
            SolveError::Failed(m) => write!(f, "the solver failed: {m}"),
        }
    }
}

/// The LP relaxation's optimum, a lower bound on the MILP's (from the native solver's
/// safe dual bound, whatever the backend).
pub fn lp_bound(model: &MilpModel) -> Result<f64, SolveError> {
    milp::lp_bound(model).map_err(|_| SolveError::Infeasible)
}

/// Solves the MILP to relative gap `settings.gap` within its node budget, from
/// `start` (a feasible point, when known) and, for the native backend, improving
/// fractional points with `repair`.
pub fn solve(
    model: &MilpModel,
    settings: &SolveSettings,
    start: Option<&[f64]>,
    repair: Option<&Repair<'_>>,
) -> Result<Solved, SolveError> {
    match settings.backend {
        Backend::Native => {
            let limits = Limits {
                gap: settings.gap,
                nodes: settings.nodes,
                deadline: settings.deadline,
                floor: settings.floor,
            };
            let out = milp::solve(model, &limits, start, repair).map_err(|e| match e {
                NoPoint::Infeasible => SolveError::Infeasible,
                NoPoint::Stopped(Stop::Deadline) => SolveError::NoSolutionInTime,
                NoPoint::Stopped(_) => SolveError::NoSolutionInBudget,
            })?;
            let gap = rel_gap(out.objective, out.bound);
            let status = match out.stop {
                Stop::Proven if gap <= 1e-9 => SolveStatus::Optimal,
                Stop::Proven => SolveStatus::WithinGap,
                Stop::Nodes if gap <= settings.gap => SolveStatus::WithinGap,
                Stop::Nodes => SolveStatus::WorkLimit,
                Stop::Deadline => SolveStatus::TimeLimit,
            };
            Ok(Solved {
                x: out.x,
                objective: out.objective,
                best_bound: out.bound,
                status,
                nodes: out.nodes,
            })
        }
        Backend::Microlp => run_microlp(model, settings, start),
        Backend::Highs => run_highs(model, settings, start),
    }
}

/// The model for a `good_lp` backend: every lazy row included, and with a start of
/// cost `U` every column bounded by `U / cost` (no cheaper point exceeds it).
#[cfg(any(feature = "microlp", feature = "highs"))]
fn bounded(model: &MilpModel, start: Option<&[f64]>) -> MilpModel {
    let mut m = model.clone();
    if let Some(u) = start.map(|s| model.objective(s)) {
        for c in &mut m.cols {
            if c.cost > 0.0 {
                c.ub = c.ub.min((u / c.cost + 1e-9).floor().max(c.lb));
            }
        }
    }
    m
}

/// Time left before the deadline, in seconds.
#[cfg(any(feature = "microlp", feature = "highs"))]
fn seconds_left(settings: &SolveSettings) -> Option<f64> {
    settings.deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .as_secs_f64()
            .max(0.001)
    })
}

#[cfg(any(feature = "microlp", feature = "highs"))]
fn build(
    model: &MilpModel,
    hint: Option<&[f64]>,
) -> (ProblemVariables, Vec<good_lp::Variable>, Expression) {
    let mut vars = ProblemVariables::new();
    let mut handles = Vec::with_capacity(model.cols.len());
    for (i, c) in model.cols.iter().enumerate() {
        let mut def = variable().min(c.lb);
        if c.ub.is_finite() {
            def = def.max(c.ub);
        }
        if c.integer {
            def = def.integer();
        }
        if let Some(h) = hint {
            def = def.initial(h[i]);
        }
        handles.push(vars.add(def));
    }
    let mut obj = Expression::with_capacity(model.cols.len());
    for (i, c) in model.cols.iter().enumerate() {
        if c.cost != 0.0 {
            obj.add_mul(c.cost, handles[i]);
        }
    }
    (vars, handles, obj)
}

#[cfg(any(feature = "microlp", feature = "highs"))]
fn rows(model: &MilpModel, handles: &[good_lp::Variable]) -> Vec<good_lp::Constraint> {
    model
        .rows
        .iter()
        .map(|r| {
            let mut e = Expression::with_capacity(r.coefs.len());
            for (i, c) in &r.coefs {
                e.add_mul(*c, handles[*i]);
            }
            e.geq(r.rhs)
        })
        .collect()
}

#[cfg(any(feature = "microlp", feature = "highs"))]
fn map_err(e: ResolutionError) -> SolveError {
    match e {
        ResolutionError::Infeasible => SolveError::Infeasible,
        ResolutionError::Other(m) if m.contains("Time limit") => SolveError::NoSolutionInTime,
        other => SolveError::Failed(other.to_string()),
    }
}

/// Rounds integer columns to their integers: solvers report them within a tolerance.
#[cfg(any(feature = "microlp", feature = "highs"))]
fn snap(model: &MilpModel, mut x: Vec<f64>) -> Vec<f64> {
    for (v, c) in x.iter_mut().zip(&model.cols) {
        if c.integer {
            *v = v.round();
        }
        *v = v.clamp(c.lb, c.ub);
    }
    x
}

/// A `good_lp` backend's answer: the point, never worse than the start, with a bound
/// no lower than the LP relaxation's.
#[cfg(any(feature = "microlp", feature = "highs"))]
fn answer(
    model: &MilpModel,
    x: Vec<f64>,
    bound: f64,
    status: SolveStatus,
    start: Option<&[f64]>,
) -> Solved {
    let mut x = snap(model, x);
    let mut objective = model.objective(&x);
    if let Some(s) = start {
        let o = model.objective(s);
        if o < objective - 1e-9 || !model.feasible(&x, 1e-7) {
            x = s.to_vec();
            objective = o;
        }
    }
    let lp = lp_bound(model).unwrap_or(f64::NEG_INFINITY);
    Solved {
        x,
        objective,
        best_bound: bound.max(lp).min(objective),
        status,
        nodes: 0,
    }
}

#[cfg(feature = "microlp")]
fn run_microlp(
    model: &MilpModel,
    settings: &SolveSettings,
    start: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    use good_lp::solvers::microlp::microlp;
    use good_lp::solvers::{SolutionStatus, WithMipGap, WithTimeLimit};

    let m = bounded(model, start);
    let (vars, handles, obj) = build(&m, start);
    let mut problem = vars.minimise(obj).using(microlp);
    for c in rows(&m, &handles) {
        problem.add_constraint(c);
    }
    if let Some(t) = seconds_left(settings) {
        problem = problem.with_time_limit(t);
    }
    if settings.gap > 0.0 {
        problem = problem
            .with_mip_gap(settings.gap as f32)
            .map_err(|e| SolveError::Failed(e.to_string()))?;
    }
    let sol = match problem.solve() {
        Ok(s) => s,
        Err(ResolutionError::Other(m)) if m.contains("Time limit") => match start {
            Some(s) => {
                return Ok(answer(
                    model,
                    s.to_vec(),
                    f64::NEG_INFINITY,
                    SolveStatus::TimeLimit,
                    start,
                ))
            }
            None => return Err(SolveError::NoSolutionInTime),
        },
        Err(e) => return Err(map_err(e)),
    };
    let status = match sol.status() {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        SolutionStatus::GapLimit => SolveStatus::WithinGap,
        _ => SolveStatus::TimeLimit,
    };
    let x: Vec<f64> = handles.iter().map(|h| sol.value(*h)).collect();
    let objective = m.objective(&snap(&m, x.clone()));
    let inner = sol.into_inner();
    let bound = match status {
        SolveStatus::Optimal => objective,
        _ => inner.stats().best_bound.unwrap_or(f64::NEG_INFINITY),
    };
    Ok(answer(model, x, bound, status, start))
}

#[cfg(not(feature = "microlp"))]
fn run_microlp(_: &MilpModel, _: &SolveSettings, _: Option<&[f64]>) -> Result<Solved, SolveError> {
    Err(SolveError::NoBackend)
}

#[cfg(feature = "highs")]
fn run_highs(
    model: &MilpModel,
    settings: &SolveSettings,
    start: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    use good_lp::solvers::highs::highs;
    use good_lp::solvers::SolutionStatus;

    let m = bounded(model, start);
    let (vars, handles, obj) = build(&m, start);
    let mut problem = vars.minimise(obj).using(highs);
    for c in rows(&m, &handles) {
        problem.add_constraint(c);
    }
    // One thread and a node budget: the same answer on every machine.
    problem = problem.set_threads(1);
    problem.set_verbose(false);
    problem = problem.set_option("mip_max_nodes", settings.nodes.min(i32::MAX as u64) as i32);
    if let Some(t) = seconds_left(settings) {
        problem = problem.set_time_limit(t);
    }
    problem = problem
        .set_mip_rel_gap(settings.gap as f32)
        .map_err(|e| SolveError::Failed(e.to_string()))?;
    let sol = problem.solve().map_err(map_err)?;
    let timed_out = settings.deadline.is_some_and(|d| Instant::now() >= d);
    let status = match sol.status() {
        SolutionStatus::Optimal if settings.gap == 0.0 => SolveStatus::Optimal,
        SolutionStatus::Optimal | SolutionStatus::GapLimit => SolveStatus::WithinGap,
        _ if timed_out => SolveStatus::TimeLimit,
        _ => SolveStatus::WorkLimit,
    };
    let x: Vec<f64> = handles.iter().map(|h| sol.value(*h)).collect();
    let objective = m.objective(&snap(&m, x.clone()));
    // HiGHS's dual bound is not exposed through good_lp, but an optimal status means
    // it proved the relative gap; the LP relaxation's optimum is a floor either way.
    let bound = match status {
        SolveStatus::Optimal => objective,
        SolveStatus::WithinGap => objective * (1.0 - settings.gap),
        _ => f64::NEG_INFINITY,
    };
    Ok(answer(model, x, bound, status, start))
}

#[cfg(not(feature = "highs"))]
fn run_highs(_: &MilpModel, _: &SolveSettings, _: Option<&[f64]>) -> Result<Solved, SolveError> {
    Err(SolveError::NoBackend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certify_follows_the_figures_and_the_deadline() {
        // A plan whose services' sums are within the gap is within it, whatever one
        // service's own MILP stopped on; only the deadline overrides the figures.
        let (obj, bound) = (1000.0, 997.0);
        use SolveStatus::{Optimal, TimeLimit, WithinGap, WorkLimit};
        for (worst, bound, gap, want) in [
            (WorkLimit, bound, 0.005, WithinGap),
            (WorkLimit, bound, 0.001, WorkLimit),
            (WithinGap, bound, 0.001, WorkLimit),
            (WorkLimit, obj, 0.005, Optimal),
            (TimeLimit, obj, 0.005, TimeLimit),
        ] {
            assert_eq!(certify(worst, obj, bound, gap), want, "{worst:?} gap {gap}");
        }
    }

    fn settings(b: Backend) -> SolveSettings {
        SolveSettings {
            backend: b,
            gap: 0.0,
            nodes: 10_000,
            deadline: None,
            floor: f64::NEG_INFINITY,
        }
    }

    #[test]
    fn solves_a_small_covering_problem() {
        // 3x + 5y ≥ 14, x, y integer: cheapest is x = 3, y = 1 at cost 3·2 + 1·3 = 9.
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, f64::INFINITY, true, 2.0);
        let y = m.add_col(0.0, f64::INFINITY, true, 3.0);
        m.geq(vec![(x, 3.0), (y, 5.0)], 14.0);
        for b in Backend::available() {
            let s = solve(&m, &settings(b), None, None).unwrap();
            assert!((s.objective - 9.0).abs() < 1e-6, "{b}: {}", s.objective);
            assert!(m.feasible(&s.x, 1e-9));
            assert!(s.best_bound <= s.objective + 1e-9);
            assert!(lp_bound(&m).unwrap() <= s.objective + 1e-9);
        }
    }

    #[test]
    fn reports_infeasible() {
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, 1.0, true, 1.0);
        m.geq(vec![(x, 1.0)], 2.0);
        for b in Backend::available() {
            assert_eq!(
                solve(&m, &settings(b), None, None).unwrap_err(),
                SolveError::Infeasible
            );
        }
    }

    /// A deadline that passes before any feasible point is a time limit, not a proof
    /// of infeasibility: the model below is feasible (x = y = 1), but its relaxation's
    /// optimum is fractional and the search may not branch once the deadline is past.
    #[test]
    fn a_deadline_before_any_point_is_not_infeasibility() {
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, 10.0, true, 1.0);
        let y = m.add_col(0.0, 10.0, true, 1.0);
        m.geq(vec![(x, 2.0), (y, 2.0)], 3.0);
        let past = SolveSettings {
            deadline: Some(std::time::Instant::now()),
            ..settings(Backend::Native)
        };
        assert_eq!(
            solve(&m, &past, None, None).unwrap_err(),
            SolveError::NoSolutionInTime
        );
        assert!(solve(&m, &settings(Backend::Native), None, None).is_ok());
    }

    /// 7x + 11y + 13z ≥ 100 at costs 7, 11 and 13: every exact cover (x = 5, z = 5,
    /// among others) is optimal at 100.
    fn cover() -> MilpModel {
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, f64::INFINITY, true, 7.0);
        let y = m.add_col(0.0, f64::INFINITY, true, 11.0);
        let z = m.add_col(0.0, f64::INFINITY, true, 13.0);
        m.geq(vec![(x, 7.0), (y, 11.0), (z, 13.0)], 100.0);
        m
    }

    /// A floor known from elsewhere ends the search once the incumbent is within the
    /// gap of it, with the floor (never more) as the proof; a floor below what the gap
    /// allows changes nothing.
    #[test]
    fn a_known_floor_ends_the_search_within_the_gap() {
        let m = cover();
        let exact = solve(&m, &settings(Backend::Native), None, None).unwrap();
        assert!(
            (exact.objective - 100.0).abs() < 1e-9,
            "{}",
            exact.objective
        );
        // A start of cost 103 (x = 2, y = 1, z = 6): within 5% of the floor 100.
        let start = [2.0, 1.0, 6.0];
        let floored = SolveSettings {
            gap: 0.05,
            floor: 100.0,
            ..settings(Backend::Native)
        };
        let s = solve(&m, &floored, Some(&start), None).unwrap();
        assert!(m.feasible(&s.x, 1e-9));
        assert!(s.best_bound <= 100.0 + 1e-9, "{}", s.best_bound);
        assert!(rel_gap(s.objective, 100.0) <= 0.05 + 1e-12);
        assert!(
            s.nodes <= 1,
            "the floor ends the search at the root: {}",
            s.nodes
        );
        let loose = SolveSettings {
            floor: 50.0,
            ..settings(Backend::Native)
        };
        let s = solve(&m, &loose, Some(&start), None).unwrap();
        assert!((s.objective - 100.0).abs() < 1e-9, "{}", s.objective);
        assert_eq!(s.status, SolveStatus::Optimal);
    }
}
