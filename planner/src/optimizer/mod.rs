//! The cost optimizer: finds the cheapest deployment that meets every service's SLO
//! and the topology's constraints. Services are independent except for the budget cap,
//! so each is solved on its own — stateless fleets as MILPs, stores by exact placement
//! enumeration — and the cap is checked on the sum (the sum of per-service minima is
//! the joint minimum). `docs/cost-model.md` states the formulation.
//!
//! Data flows one way through the files: `spec` (what a service must meet) →
//! `fleet/` and `store/` (designs, through `dr` for the recovery pattern) → `service`
//! (one service's plan, checked by `verify`) → `document` (the plan) → `escalate`
//! (availability targets, assessed by `assess`) and `frontier`.

mod assess;
pub mod backend;
pub mod candidates;
mod context;
mod document;
mod dr;
mod escalate;
pub mod estimate;
pub mod explain;
pub mod fleet;
pub mod frontier;
mod options;
mod service;
pub mod spec;
pub mod store;
pub mod verify;

use std::collections::BTreeMap;
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::deployment::Words;
use faultline_models::diag::Code;
use faultline_models::plan::{Plan, ServicePlan};

use faultline_models::topology::Topology;
use rust_decimal::Decimal;

pub use assess::{fill_availability, Assessor};
pub use backend::Backend;
pub use estimate::Assessed;
pub use explain::{Conflict, Infeasible};
pub use options::SolveOptions;
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
    let mut ctx = Ctx {
        topology,
        catalog,
        pricing: Pricing::new(topology, effective),
        options,
        deadline: options.time_limit.map(|t| start + t),
        services_left: topology.services.len(),
    };
    let mut specs = BTreeMap::new();
    let mut services = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (name, svc) in &topology.services {
        let spec = spec_for(topology, name, svc, options.level.as_ref());
        match service::plan_service(&ctx, name, svc, &spec) {
            Ok(sp) => {
                services.insert(name.clone(), sp);
            }
            Err(mut c) => conflicts.append(&mut c),
        }
        specs.insert(name.clone(), spec);
        ctx.services_left = ctx.services_left.saturating_sub(1);
    }
    if !conflicts.is_empty() {
        return Err(Infeasible { conflicts });
    }
    let mut plan = assemble(topology, catalog, options, services, start);
    if let (Some(assess), None) = (assessor, &options.level) {
        plan = escalate::meet_availability(&mut ctx, assess, &mut specs, plan, start)?;
    }
    let total = plan.monthly_usd;
    if let Some(cap) = topology.constraints.max_monthly_usd {
        if total > cap {
            return Err(Infeasible {
                conflicts: vec![budget_conflict(&plan.services, total, cap)],
            });
        }
    }
    Ok(plan)
}

fn budget_conflict(
    services: &BTreeMap<String, ServicePlan>,
    total: Decimal,
    cap: Decimal,
) -> Conflict {
    let mut by: Vec<(&String, &ServicePlan)> = services.iter().collect();
    by.sort_by(|a, b| b.1.monthly_usd.cmp(&a.1.monthly_usd).then(a.0.cmp(b.0)));
    let top: Vec<String> = by
        .iter()
        .take(3)
        .map(|(n, s)| {
            let survive: Vec<&str> = s.survive.iter().map(|d| d.word()).collect();
            format!(
                "`{n}` ${}/month ({}{})",
                s.monthly_usd.round_dp(2),
                s.deployment.dr,
                if survive.is_empty() {
                    String::new()
                } else {
                    format!(", survives {}", survive.join(" + "))
                }
            )
        })
        .collect();
    Conflict::system(format!(
        "the cheapest plan that meets every SLO costs ${}/month, above constraints.max_monthly_usd ${}; the largest costs are {}",
        total.round_dp(2),
        cap.round_dp(2),
        top.join(", ")
    ))
    .code(Code::BudgetCapExceeded)
    .key("constraints.max_monthly_usd")
    .help("raise the cap, or relax what the costliest services must survive (`faultline plan --frontier` shows what each requirement costs)")
}
