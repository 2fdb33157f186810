//! The plan document: services' plans assembled into a [`Plan`] with its id, cost
//! breakdown, budget figures and the summary of every solve.

use std::collections::BTreeMap;
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::cost::usd;
use faultline_models::locality;
use faultline_models::plan::{
    sha256_hex, Budget, CostBreakdown, CrossRegionCall, Plan, PlanInputs, ServicePlan, SolveInfo,
    PLAN_FORMAT_VERSION,
};
use faultline_models::topology::Topology;
use rust_decimal::Decimal;

use super::backend::{certify, rel_gap};
use super::options::SolveOptions;

pub(crate) fn assemble(
    topology: &Topology,
    catalog: &Catalog,
    options: &SolveOptions,
    mut services: BTreeMap<String, ServicePlan>,
    start: Instant,
) -> Plan {
    let calls = cross_region_calls(topology, catalog, &services);
    let mut lines = Vec::new();
    for (name, c) in calls {
        for call in &c {
            lines.push(format!(
                "`{name}` in {} calls its hard dependency `{}` in {}: each call adds {}",
                call.from_region,
                call.dependency,
                call.to_region,
                call.rtt_ms
                    .map_or("an unmeasured round trip".to_string(), |ms| format!(
                        "a {ms:.0} ms round trip"
                    ))
            ));
        }
        if let Some(sp) = services.get_mut(&name) {
            sp.cross_region_calls = c;
        }
    }
    let total: Decimal = services.values().map(|s| s.monthly_usd).sum();
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        id: plan_id(topology, catalog, options),
        system: topology.name.clone(),
        inputs: PlanInputs::of(topology, catalog),
        catalog: format!("{} ({})", catalog.name, catalog.as_of),
        horizon_months: topology.horizon_months,
        cost: breakdown(&services),
        budget: Budget {
            monthly_budget_usd: topology.monthly_budget_usd,
            max_monthly_usd: topology.constraints.max_monthly_usd,
            within_budget: topology.monthly_budget_usd.is_none_or(|b| total <= b),
        },
        monthly_usd: total,
        journeys: BTreeMap::new(),
        solve: summary(&services, options, start),
        services,
        notes: Vec::new(),
        frontier: None,
        owned: None,
    };
    plan.notes.extend(lines);
    if let Some(b) = topology.monthly_budget_usd.filter(|b| total > *b) {
        plan.notes.push(format!(
            "the plan costs {}/month, above system.monthly_budget_usd {}",
            usd(total),
            usd(b)
        ));
    }
    plan
}

/// For every service, its hard calls that leave their region
/// (`locality::hard_calls`): each goes to the dependency's nearest region that
/// answers. Sorted by service, dependency, region; every service has an entry.
fn cross_region_calls(
    t: &Topology,
    catalog: &Catalog,
    services: &BTreeMap<String, ServicePlan>,
) -> BTreeMap<String, Vec<CrossRegionCall>> {
    let mut out: BTreeMap<String, Vec<CrossRegionCall>> = t
        .services
        .keys()
        .filter(|n| services.contains_key(*n))
        .map(|n| (n.clone(), Vec::new()))
        .collect();
    for c in locality::hard_calls(t, catalog, services) {
        let to_region = c
            .nearest
            .as_ref()
            .map(|n| n.0.clone())
            .or_else(|| c.to.iter().next().cloned());
        if let (Some(to_region), Some(calls)) = (to_region, out.get_mut(c.service)) {
            calls.push(CrossRegionCall {
                dependency: c.dependency.to_string(),
                from_region: c.from,
                to_region,
                rtt_ms: c.nearest.map(|n| n.1),
            });
        }
    }
    out
}

/// Cost of all services by region and purchase option.
pub fn breakdown(services: &BTreeMap<String, ServicePlan>) -> CostBreakdown {
    let mut out = CostBreakdown::default();
    for (name, s) in services {
        out.by_service.insert(name.clone(), s.monthly_usd);
        for (k, v) in &s.cost.by_region {
            *out.by_region.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &s.cost.by_purchase {
            *out.by_purchase.entry(k.clone()).or_default() += v;
        }
        out.instances += s.cost.instances;
        out.standby += s.cost.standby;
        out.transfer += s.cost.transfer;
    }
    out
}

fn summary(
    services: &BTreeMap<String, ServicePlan>,
    options: &SolveOptions,
    start: Instant,
) -> SolveInfo {
    let mut s = SolveInfo {
        backend: options.backend.name().to_string(),
        ..SolveInfo::default()
    };
    for sp in services.values() {
        s.objective += sp.solve.objective;
        s.best_bound += sp.solve.best_bound;
        s.milps += sp.solve.milps;
        s.variables += sp.solve.variables;
        s.constraints += sp.solve.constraints;
        s.status = s.status.max(sp.solve.status);
    }
    s.gap = rel_gap(s.objective, s.best_bound);
    // The plan's figures certify the plan: a service whose MILP stopped on the work
    // budget leaves the plan within the gap when the others' slack covers it (its own
    // status still says `work-limit`); a deadline anywhere still makes it `time-limit`.
    s.status = certify(s.status, s.objective, s.best_bound, options.gap);
    s.seconds = start.elapsed().as_secs_f64();
    s
}

/// A stable id: the system's name and a digest of the topology, the catalog and the
/// requirement level the plan was solved for.
fn plan_id(t: &Topology, catalog: &Catalog, options: &SolveOptions) -> String {
    let inputs = PlanInputs::of(t, catalog);
    let level = options
        .level
        .as_ref()
        .map(|l| format!("{l:?}"))
        .unwrap_or_default();
    let digest = sha256_hex(
        format!(
            "{}\n{}\n{level}",
            inputs.topology_digest, inputs.catalog_digest
        )
        .as_bytes(),
    );
    format!("{}-{}", t.name, &digest[..16])
}
