//! How to solve: the backend, the relative gap every MILP must prove, the deterministic
//! work budget, the command's one deadline (a safety net), and (for the frontier) a
//! resilience level that replaces every service's requirements. [`SolveOptions::new`]
//! checks what a user can give on the command line.

use std::collections::BTreeSet;
use std::fmt;
use std::time::{Duration, Instant};

use faultline_models::topology::Disruption;

use super::backend::Backend;

/// The longest `--time-limit`: a day. A limit is a safety net, never a plan's pace.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 86_400.0;
/// The loosest `--gap` accepted: a plan proven within half its cost says little.
pub const MAX_GAP: f64 = 0.5;
/// The default relative gap: 0.5%.
pub const DEFAULT_GAP: f64 = 0.005;
/// The default `--time-limit`, in seconds.
pub const DEFAULT_TIME_LIMIT_SECONDS: f64 = 60.0;
/// Branch-and-bound nodes one MILP may use before it reports the gap it proved: the
/// work budget that, unlike time, gives the same plan on every machine.
pub const DEFAULT_NODES: u64 = 20_000;

/// How to solve.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub backend: Backend,
    /// Relative optimality gap each MILP may stop at.
    pub gap: f64,
    /// Branch-and-bound nodes per MILP.
    pub nodes: u64,
    /// The wall-clock limit asked for, and the instant it ends: one deadline for
    /// everything the command solves, the frontier included.
    pub time_limit: Option<Duration>,
    pub deadline: Option<Instant>,
    /// Replace every service's requirements by a resilience level (the frontier).
    pub level: Option<BTreeSet<Disruption>>,
}

/// A bad option: which flag, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub flag: &'static str,
    pub message: String,
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

impl SolveOptions {
    /// Options from what a user gave: the backend's name (`None`: the default), the
    /// time limit in seconds, and the relative gap. The deadline starts now.
    pub fn new(
        solver: Option<&str>,
        time_limit_seconds: f64,
        gap: f64,
    ) -> Result<SolveOptions, OptionError> {
        let available = Backend::available();
        let backend = match solver {
            None => Backend::Native,
            Some(name) => {
                let Some(b) = Backend::from_name(name) else {
                    return Err(OptionError {
                        flag: "--solver",
                        message: format!(
                            "unknown solver `{name}`; known solvers: {}",
                            Backend::all_names().join(", ")
                        ),
                    });
                };
                if !available.contains(&b) {
                    return Err(OptionError {
                        flag: "--solver",
                        message: format!(
                            "this build has no `{name}` backend; rebuild with `cargo build --release --features {name}` (built in: {})",
                            available.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
                b
            }
        };
        if !(time_limit_seconds > 0.0 && time_limit_seconds <= MAX_TIME_LIMIT_SECONDS) {
            return Err(OptionError {
                flag: "--time-limit",
                message: format!(
                    "a number of seconds in (0, {MAX_TIME_LIMIT_SECONDS}], got {time_limit_seconds}"
                ),
            });
        }
        if !(0.0..=MAX_GAP).contains(&gap) {
            return Err(OptionError {
                flag: "--gap",
                message: format!("a fraction in [0, {MAX_GAP}] (0.005 = 0.5%), got {gap}"),
            });
        }
        let time_limit = Duration::from_secs_f64(time_limit_seconds);
        Ok(SolveOptions {
            backend,
            gap,
            nodes: DEFAULT_NODES,
            time_limit: Some(time_limit),
            deadline: Instant::now().checked_add(time_limit),
            level: None,
        })
    }
}

impl Default for SolveOptions {
    /// The default backend and gap, the node budget, and no deadline.
    fn default() -> Self {
        SolveOptions {
            backend: Backend::Native,
            gap: DEFAULT_GAP,
            nodes: DEFAULT_NODES,
            time_limit: None,
            deadline: None,
            level: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_ranges() {
        assert!(SolveOptions::new(None, 60.0, 0.005).is_ok());
        for t in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e20, 1e308] {
            let e = SolveOptions::new(None, t, 0.005).unwrap_err();
            assert_eq!(e.flag, "--time-limit", "{t}");
        }
        for g in [-0.1, 0.9, f64::NAN, f64::INFINITY] {
            let e = SolveOptions::new(None, 60.0, g).unwrap_err();
            assert_eq!(e.flag, "--gap", "{g}");
        }
        let e = SolveOptions::new(Some("cplex"), 60.0, 0.01).unwrap_err();
        assert_eq!(e.flag, "--solver");
        assert!(e.message.contains("native"));
    }
}
