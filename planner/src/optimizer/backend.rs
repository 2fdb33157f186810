//! The solver boundary: a small column/row model that the formulations build, the
//! checker and brute force evaluate, and that is translated to `good_lp` for whichever
//! backend the build has (`microlp` by default, `highs` as an opt-in feature).

use std::fmt;

pub use faultline_models::plan::SolveStatus;
use std::time::{Duration, Instant};

#[cfg(any(feature = "microlp", feature = "highs"))]
use good_lp::{variable, Expression, ProblemVariables, ResolutionError, Solution, SolverModel};

/// A MILP backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backend {
    Microlp,
    Highs,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Highs => "highs",
        }
    }

    /// Backends compiled into this build, default first.
    pub fn available() -> Vec<Backend> {
        let mut v = Vec::new();
        if cfg!(feature = "microlp") {
            v.push(Backend::Microlp);
        }
        if cfg!(feature = "highs") {
            v.push(Backend::Highs);
        }
        v
    }

    pub fn from_name(name: &str) -> Option<Backend> {
        [Backend::Microlp, Backend::Highs]
            .into_iter()
            .find(|b| b.name() == name)
    }

    /// Every backend name, built in or not, for messages.
    pub fn all_names() -> [&'static str; 2] {
        ["microlp", "highs"]
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Col {
    pub lb: f64,
    pub ub: f64,
    pub integer: bool,
    /// Objective coefficient (USD/month per unit).
    pub cost: f64,
}

/// `Σ coef·x ≥ rhs`. A `≤` row is stored negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub coefs: Vec<(usize, f64)>,
    pub rhs: f64,
}

/// A minimisation problem over bounded columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MilpModel {
    pub cols: Vec<Col>,
    pub rows: Vec<Row>,
}

impl MilpModel {
    pub fn add_col(&mut self, lb: f64, ub: f64, integer: bool, cost: f64) -> usize {
        self.cols.push(Col {
            lb,
            ub,
            integer,
            cost,
        });
        self.cols.len() - 1
    }

    pub fn geq(&mut self, coefs: Vec<(usize, f64)>, rhs: f64) {
        self.rows.push(Row { coefs, rhs });
    }

    pub fn leq(&mut self, coefs: Vec<(usize, f64)>, rhs: f64) {
        let coefs = coefs.into_iter().map(|(i, c)| (i, -c)).collect();
        self.rows.push(Row { coefs, rhs: -rhs });
    }

    pub fn objective(&self, x: &[f64]) -> f64 {
        self.cols.iter().zip(x).map(|(c, v)| c.cost * v).sum()
    }

    /// Whether `x` meets every row and bound within `tol` (relative to the row's size).
    pub fn feasible(&self, x: &[f64], tol: f64) -> bool {
        let bounds = self
            .cols
            .iter()
            .zip(x)
            .all(|(c, v)| *v >= c.lb - tol && *v <= c.ub + tol);
        bounds
            && self.rows.iter().all(|r| {
                let lhs: f64 = r.coefs.iter().map(|(i, c)| c * x[*i]).sum();
                lhs >= r.rhs - tol * (1.0 + r.rhs.abs())
            })
    }

    pub fn integers(&self) -> usize {
        self.cols.iter().filter(|c| c.integer).count()
    }
}

/// Settings of one MILP solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveSettings {
    pub backend: Backend,
    pub time_limit: Option<Duration>,
    pub gap: f64,
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
    /// A proven lower bound: the solver's own where it reports one, never below the
    /// LP relaxation's optimum.
    pub best_bound: f64,
    pub status: SolveStatus,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SolveError {
    Infeasible,
    /// The time limit passed before any feasible solution was found.
    NoSolutionInTime,
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
            SolveError::NoBackend => f.write_str("this build has no MILP backend"),
            SolveError::Failed(m) => write!(f, "the solver failed: {m}"),
        }
    }
}

/// Solves the LP relaxation: the optimum is a lower bound on the MILP's.
pub fn relax(model: &MilpModel, backend: Backend) -> Result<Solved, SolveError> {
    let mut m = model.clone();
    for c in &mut m.cols {
        c.integer = false;
    }
    run(&m, backend, None, 0.0, None)
}

/// Solves the MILP within `time_limit` to relative gap `gap`, starting from `hint` if
/// given (a feasible point speeds up branch and bound).
pub fn solve(
    model: &MilpModel,
    backend: Backend,
    time_limit: Option<Duration>,
    gap: f64,
    hint: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    run(model, backend, time_limit, gap, hint)
}

#[cfg(any(feature = "microlp", feature = "highs"))]
fn build(
    model: &MilpModel,
    hint: Option<&[f64]>,
) -> (ProblemVariables, Vec<good_lp::Variable>, Expression) {
    let mut vars = ProblemVariables::new();
    let mut handles = Vec::with_capacity(model.cols.len());
    for (i, c) in model.cols.iter().enumerate() {
        let mut def = variable().min(c.lb).max(c.ub);
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

fn run(
    model: &MilpModel,
    backend: Backend,
    time_limit: Option<Duration>,
    gap: f64,
    hint: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    if model.cols.is_empty() {
        let ok = model.rows.iter().all(|r| r.rhs <= 1e-9);
        return if ok {
            Ok(Solved {
                x: Vec::new(),
                objective: 0.0,
                best_bound: 0.0,
                status: SolveStatus::Optimal,
                seconds: 0.0,
            })
        } else {
            Err(SolveError::Infeasible)
        };
    }
    let start = Instant::now();
    let out = match backend {
        Backend::Microlp => run_microlp(model, time_limit, gap, hint),
        Backend::Highs => run_highs(model, time_limit, gap, hint),
    };
    out.map(|mut s| {
        s.seconds = start.elapsed().as_secs_f64();
        s
    })
}

#[cfg(feature = "microlp")]
fn run_microlp(
    model: &MilpModel,
    time_limit: Option<Duration>,
    gap: f64,
    hint: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    use good_lp::solvers::microlp::microlp;
    use good_lp::solvers::{SolutionStatus, WithMipGap, WithTimeLimit};

    let (vars, handles, obj) = build(model, hint);
    let mut problem = vars.minimise(obj).using(microlp);
    for c in rows(model, &handles) {
        problem.add_constraint(c);
    }
    if let Some(t) = time_limit {
        problem = problem.with_time_limit(t.as_secs_f64().max(0.001));
    }
    if gap > 0.0 {
        problem = problem
            .with_mip_gap(gap as f32)
            .map_err(|e| SolveError::Failed(e.to_string()))?;
    }
    let sol = problem.solve().map_err(map_err)?;
    let status = match sol.status() {
        SolutionStatus::Optimal => SolveStatus::Optimal,
        SolutionStatus::GapLimit => SolveStatus::WithinGap,
        _ => SolveStatus::TimeLimit,
    };
    let x: Vec<f64> = handles.iter().map(|h| sol.value(*h)).collect();
    let x = snap(model, x);
    let objective = model.objective(&x);
    let inner = sol.into_inner();
    let bound = match status {
        SolveStatus::Optimal => objective,
        _ => inner.stats().best_bound.unwrap_or(f64::NEG_INFINITY),
    };
    Ok(Solved {
        x,
        objective,
        best_bound: bound.min(objective),
        status,
        seconds: 0.0,
    })
}

#[cfg(not(feature = "microlp"))]
fn run_microlp(
    _: &MilpModel,
    _: Option<Duration>,
    _: f64,
    _: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    Err(SolveError::NoBackend)
}

#[cfg(feature = "highs")]
fn run_highs(
    model: &MilpModel,
    time_limit: Option<Duration>,
    gap: f64,
    hint: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    use good_lp::solvers::highs::highs;
    use good_lp::solvers::SolutionStatus;

    let (vars, handles, obj) = build(model, hint);
    let mut problem = vars.minimise(obj).using(highs);
    for c in rows(model, &handles) {
        problem.add_constraint(c);
    }
    problem = problem.set_threads(1);
    problem.set_verbose(false);
    if let Some(t) = time_limit {
        problem = problem.set_time_limit(t.as_secs_f64().max(0.001));
    }
    problem = problem
        .set_mip_rel_gap(gap as f32)
        .map_err(|e| SolveError::Failed(e.to_string()))?;
    let sol = problem.solve().map_err(map_err)?;
    let status = match sol.status() {
        SolutionStatus::Optimal if gap == 0.0 => SolveStatus::Optimal,
        SolutionStatus::Optimal | SolutionStatus::GapLimit => SolveStatus::WithinGap,
        _ => SolveStatus::TimeLimit,
    };
    let x: Vec<f64> = handles.iter().map(|h| sol.value(*h)).collect();
    let x = snap(model, x);
    let objective = model.objective(&x);
    // HiGHS's dual bound is not exposed through good_lp, but an optimal status means
    // it proved the relative gap; the caller raises this to the LP relaxation's optimum.
    let bound = match status {
        SolveStatus::Optimal => objective,
        SolveStatus::WithinGap => objective * (1.0 - gap),
        SolveStatus::TimeLimit => f64::NEG_INFINITY,
    };
    Ok(Solved {
        x,
        objective,
        best_bound: bound,
        status,
        seconds: 0.0,
    })
}

#[cfg(not(feature = "highs"))]
fn run_highs(
    _: &MilpModel,
    _: Option<Duration>,
    _: f64,
    _: Option<&[f64]>,
) -> Result<Solved, SolveError> {
    Err(SolveError::NoBackend)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_covering_problem() {
        // 3x + 5y ≥ 14, x, y integer: cheapest is x = 3, y = 1 at cost 3·2 + 1·3 = 9.
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, 10.0, true, 2.0);
        let y = m.add_col(0.0, 10.0, true, 3.0);
        m.geq(vec![(x, 3.0), (y, 5.0)], 14.0);
        for b in Backend::available() {
            let s = solve(&m, b, None, 0.0, None).unwrap();
            assert!((s.objective - 9.0).abs() < 1e-6, "{b}: {}", s.objective);
            assert!(m.feasible(&s.x, 1e-9));
            let lp = relax(&m, b).unwrap();
            assert!(lp.objective <= s.objective + 1e-9);
        }
    }

    #[test]
    fn reports_infeasible() {
        let mut m = MilpModel::default();
        let x = m.add_col(0.0, 1.0, true, 1.0);
        m.geq(vec![(x, 1.0)], 2.0);
        for b in Backend::available() {
            assert_eq!(
                solve(&m, b, None, 0.0, None).unwrap_err(),
                SolveError::Infeasible
            );
        }
    }
}
