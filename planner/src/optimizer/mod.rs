//! The cost optimizer: finds the cheapest deployment that meets every service's SLO
//! and the topology's constraints. Services are independent except for the budget cap
//! and where their hard dependencies answer, so each is solved on its own — stateless
//! fleets as MILPs, stores by exact placement enumeration — in waves along hard
//! dependencies (`service::plan_services`), and the cap is checked on the sum.
//! `docs/cost-model.md` states the formulation.
//!
//! Data flows one way through the files: `spec` (what a service must meet) →
//! `fleet/` and `store/` (designs, through `dr` for the recovery pattern) → `service`
//! (one service's plan, checked by `verify`) → `document` (the plan) → `escalate`
//! (availability targets, assessed by `assess`) and `frontier`.

mod assess;
pub mod backend;
mod budget;
pub mod candidates;
mod context;
mod document;
mod dr;
mod escalate;
pub mod estimate;
pub mod explain;
pub mod fleet;
pub mod frontier;
pub mod milp;
mod options;
pub mod owned;
mod service;
pub mod spec;
pub mod store;
pub mod verify;

use std::collections::BTreeMap;
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::plan::Plan;

use faultline_models::topology::Topology;

pub use assess::{fill_availability, Assessor};
pub use backend::Backend;
pub use estimate::Assessed;
pub use explain::{Conflict, Infeasible};
pub use options::{
    OptionError, SolveOptions, DEFAULT_GAP, DEFAULT_NODES, DEFAULT_TIME_LIMIT_SECONDS,
};
pub use spec::{spec_for, Spec};

use context::Ctx;
use document::assemble;

/// Plans every service of the topology; `Err` explains every conflict found.
/// Availability targets are checked with the failure model.
pub fn plan(
    topology: &Topology,
    catalog: &Catalog,
    options: &SolveOptions,
) -> Result<Plan, Infeasible> {
    let effective = topology.effective_catalog(catalog);
    let assessor = |t: &Topology, p: &Plan| assess::assess(t, catalog, p);
    plan_with(topology, &effective, catalog, options, Some(&assessor))
}

/// [`plan`] with the effective catalog already computed and the availability assessor
/// given (none: availability targets are not checked).
pub fn plan_with(
    topology: &Topology,
    effective: &Catalog,
    catalog: &Catalog,
    options: &SolveOptions,
    assessor: Option<&Assessor<'_>>,
) -> Result<Plan, Infeasible> {
    let start = Instant::now();
    let pricing = Pricing::new(topology, effective);
    let allotment = owned::allot(topology, &pricing);
    let ctx = Ctx {
        topology,
        catalog,
        pricing,
        options,
        owned: &allotment,
    };
    let mut specs = BTreeMap::new();
    for (name, svc) in &topology.services {
        specs.insert(
            name.clone(),
            spec_for(topology, name, svc, options.level.as_ref()),
        );
    }
    let jobs: Vec<service::Job<'_>> = topology
        .services
        .iter()
        .map(|(name, svc)| (name.as_str(), svc, specs[name].clone(), None))
        .collect();
    let mut services = BTreeMap::new();
    let mut warm = BTreeMap::new();
    let mut conflicts = Vec::new();
    for solved in service::plan_services(&ctx, jobs, &BTreeMap::new(), None) {
        match solved.result {
            Ok((sp, w)) => {
                services.insert(solved.name.to_string(), sp);
                warm.insert(solved.name.to_string(), w);
                specs.insert(solved.name.to_string(), solved.spec);
            }
            Err(mut c) => conflicts.append(&mut c),
        }
    }
    if !conflicts.is_empty() {
        return Err(Infeasible { conflicts });
    }
    let mut plan = assemble(topology, catalog, options, services, start);
    if let (Some(assess), None) = (assessor, &options.level) {
        plan = escalate::meet_availability(&ctx, assess, &mut specs, plan, start)?;
    }
    if let Some(cap) = topology.constraints.max_monthly_usd {
        if plan.monthly_usd > cap {
            plan = budget::tighten(&ctx, assessor, &mut specs, &warm, plan, cap, start)?;
        }
    }
    // The independent check of where calls go, on the plan as a whole.
    let far =
        faultline_models::locality::violations(topology, ctx.pricing.catalog(), &plan.services);
    if !far.is_empty() {
        return Err(Infeasible {
            conflicts: vec![Conflict::system(format!(
                "internal error: the plan found fails the independent check: {}",
                far.join("; ")
            ))
            .code(faultline_models::diag::Code::InternalCheck)],
        });
    }
    // Owned commitments pay for part of the planned capacity: applied last, to the plan
    // as it stands, so they never change which capacity is planned.
    plan.owned = faultline_models::owned::apply(topology, &ctx.pricing, &plan);
    Ok(plan)
}
