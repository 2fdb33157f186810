//! The shared state of one planning run: the topology, the prices, the options and the
//! run's one deadline, from which every MILP gets its share of the time left.

use std::time::{Duration, Instant};

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::topology::Topology;

use super::backend::SolveSettings;
use super::options::SolveOptions;

/// Shared state of one planning run.
pub(crate) struct Ctx<'a> {
    pub topology: &'a Topology,
    /// The catalog as given (the plan names it); prices come from `pricing`.
    pub catalog: &'a Catalog,
    pub pricing: Pricing<'a>,
    pub options: &'a SolveOptions,
    pub deadline: Option<Instant>,
    pub services_left: usize,
}

impl Ctx<'_> {
    /// Per-MILP settings: an even share of the time left among the services left, and
    /// never more than a twentieth of the whole limit (at least a second), since a
    /// MILP that has not closed its gap by then rarely closes it later and the other
    /// services deserve the time.
    pub fn settings(&self) -> SolveSettings {
        let cap = self
            .options
            .time_limit
            .map(|t| (t / 20).max(Duration::from_secs(1)));
        let time_limit = self.deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now());
            let share = left / (self.services_left.max(1) as u32);
            let share = share.max(Duration::from_millis(50));
            cap.map_or(share, |c| share.min(c))
        });
        SolveSettings {
            backend: self.options.backend,
            time_limit,
            gap: self.options.gap,
        }
    }
}
