//! The shared state of one planning run: the topology, the prices and the options,
//! from which every MILP gets the same settings (the gap, the node budget and the
//! command's one deadline).

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::topology::Topology;

use super::backend::SolveSettings;
use super::options::SolveOptions;
use super::owned::Allotment;

/// Shared state of one planning run.
pub(crate) struct Ctx<'a> {
    pub topology: &'a Topology,
    /// The catalog as given (the plan names it); prices come from `pricing`.
    pub catalog: &'a Catalog,
    pub pricing: Pricing<'a>,
    pub options: &'a SolveOptions,
    /// What each service may use of the reservations already owned.
    pub owned: &'a Allotment,
}

impl Ctx<'_> {
    /// Settings of every MILP: the same for all, so a solve does not depend on how
    /// long the ones before it took.
    pub fn settings(&self) -> SolveSettings {
        SolveSettings {
            backend: self.options.backend,
            gap: self.options.gap,
            nodes: self.options.nodes,
            deadline: self.options.deadline,
            floor: f64::NEG_INFINITY,
        }
    }
}
