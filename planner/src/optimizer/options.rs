//! How to solve: the backend, the relative gap every MILP must prove, the wall-clock
//! safety net, and (for the frontier) a resilience level that replaces every service's
//! requirements.

use std::collections::BTreeSet;
use std::time::Duration;

use faultline_models::topology::Disruption;

use super::backend::Backend;

/// How to solve.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub backend: Backend,
    /// Wall-clock limit for the whole command.
    pub time_limit: Option<Duration>,
    /// Relative optimality gap each MILP may stop at.
    pub gap: f64,
    /// Replace every service's requirements by a resilience level (the frontier).
    pub level: Option<BTreeSet<Disruption>>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            backend: Backend::available()
                .first()
                .copied()
                .unwrap_or(Backend::Microlp),
            time_limit: Some(Duration::from_secs(60)),
            gap: 0.01,
            level: None,
        }
    }
}
