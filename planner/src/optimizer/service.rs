//! One service at a time: its fleet or store design, its recovery figures, and its
//! part of the plan, checked by the independent verifier before it is returned.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use faultline_models::cost::{
    self, local_recovery, region_recovery, PlannedRecovery, Tier, RELAUNCH,
};
use faultline_models::deployment::{
    CapacityGroup, DrPattern, Purchase, Role, ServiceDeployment, Words,
};
use faultline_models::diag::Code;
use faultline_models::plan::{Binding, CostBreakdown, DrOption, InstanceLine, Layer, ServicePlan};
use faultline_models::topology::{Consistency, Demand, Disruption, Kind, Service};
use rust_decimal::Decimal;

use super::context::Ctx;
use super::dr::Candidate;
use super::explain::Conflict;
use super::fleet::Warm;
use super::spec::Spec;
use super::{fleet, store, verify};
use faultline_models::parallel;

/// One service to plan: its name, definition, requirements and a warm start.
pub(crate) type Job<'a> = (&'a str, &'a Service, Spec, Option<&'a Warm>);

/// Plans services in parallel; results in the jobs' order.
pub(crate) fn plan_services(
    ctx: &Ctx<'_>,
    jobs: &[Job<'_>],
) -> Vec<Result<(ServicePlan, Warm), Vec<Conflict>>> {
    parallel::map(jobs, |(name, svc, spec, warm)| {
        plan_service(ctx, name, svc, spec, *warm)
    })
}

/// Plans one service under `spec`, starting from `warm` (the plans of a related
/// solve) where it fits; returns the plan and the starts it offers in turn.
pub(crate) fn plan_service(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    spec: &Spec,
    warm: Option<&Warm>,
) -> Result<(ServicePlan, Warm), Vec<Conflict>> {
    let start = std::time::Instant::now();
    let mut found = Warm::default();
    let (consistency, tier, chosen, options, mut binding) = match &svc.demand {
        Demand::Stateless(f) => {
            let (c, opts, b, w) = fleet::plan_fleet(ctx, name, svc, f, spec, warm)?;
            found = w;
            (Consistency::Eventual, Tier::Fleet, c, opts, b)
        }
        Demand::Store(st) => store::plan_store(ctx, name, svc, st, spec)?,
    };
    binding.extend(chosen.binding.iter().cloned());
    binding.extend(spec.derived.iter().cloned());
    binding.sort();
    binding.dedup();
    let mut survive = spec.survive.clone();
    if chosen.pattern == DrPattern::ActiveActive {
        survive.insert(Disruption::Region);
    }
    let mut recovery = BTreeMap::new();
    recovery.insert(Disruption::Instance, local_recovery(tier));
    if survive.contains(&Disruption::Zone) {
        recovery.insert(Disruption::Zone, local_recovery(tier));
    } else if tier == Tier::Fleet {
        recovery.insert(
            Disruption::Zone,
            PlannedRecovery {
                rto: RELAUNCH,
                rpo: Duration::ZERO,
            },
        );
    }
    if let Some(r) = region_recovery(chosen.pattern, tier) {
        recovery.insert(Disruption::Region, r);
    }
    let kind = svc.kind;
    let mut sp = assemble(
        kind,
        consistency,
        chosen,
        options,
        binding,
        survive,
        recovery,
    );
    sp.solve.seconds = start.elapsed().as_secs_f64();
    let violations = verify::service(ctx.topology, &ctx.pricing, name, svc, &spec.basis, &sp);
    if !violations.is_empty() {
        return Err(vec![Conflict::new(
            name,
            format!(
                "internal error: the plan found fails the independent check: {}",
                violations.join("; ")
            ),
        )
        .code(Code::InternalCheck)]);
    }
    Ok((sp, found))
}

fn assemble(
    kind: Kind,
    consistency: Consistency,
    chosen: Candidate,
    dr_options: Vec<DrOption>,
    binding: Vec<Binding>,
    survive: BTreeSet<Disruption>,
    recovery: BTreeMap<Disruption, PlannedRecovery>,
) -> ServicePlan {
    // Money is rounded once, here: every line to the cent so that the lines add up to
    // the service's total and every view of the breakdown adds up to it too.
    let (mut lines, mut transfer) = (chosen.lines, chosen.transfer);
    let raw: Vec<Decimal> = lines
        .iter()
        .map(|l| l.monthly_usd)
        .chain(transfer.iter().map(|t| t.monthly_usd))
        .collect();
    let mut cents = cost::apportion(&raw).into_iter();
    for l in &mut lines {
        l.monthly_usd = cents.next().unwrap_or_default();
    }
    for t in &mut transfer {
        t.monthly_usd = cents.next().unwrap_or_default();
    }
    let mut cost = CostBreakdown::default();
    for l in &lines {
        *cost.by_region.entry(l.region.clone()).or_default() += l.monthly_usd;
        *cost
            .by_purchase
            .entry(l.purchase.word().to_string())
            .or_default() += l.monthly_usd;
        if l.layer == Layer::Standby {
            cost.standby += l.monthly_usd;
        } else {
            cost.instances += l.monthly_usd;
        }
    }
    for t in &transfer {
        *cost.by_region.entry(t.from_region.clone()).or_default() += t.monthly_usd;
        *cost.by_purchase.entry("transfer".into()).or_default() += t.monthly_usd;
        cost.transfer += t.monthly_usd;
    }
    let monthly = cost.total();
    ServicePlan {
        kind,
        deployment: ServiceDeployment {
            dr: chosen.pattern,
            groups: groups_of(&lines),
        },
        consistency,
        monthly_usd: monthly,
        survive,
        instances: lines,
        transfer,
        cost,
        recovery,
        dr_options,
        binding,
        availability: None,
        solve: chosen.solve,
        cross_region_calls: Vec::new(),
    }
}

/// Capacity groups: instance lines merged by place, type, purchase and role.
pub fn groups_of(lines: &[InstanceLine]) -> Vec<CapacityGroup> {
    let mut by: BTreeMap<(String, Option<String>, String, Purchase, Role), u32> = BTreeMap::new();
    for l in lines {
        *by.entry((
            l.region.clone(),
            l.zone.clone(),
            l.instance_type.clone(),
            l.purchase,
            l.role,
        ))
        .or_default() += l.count;
    }
    by.into_iter()
        .map(
            |((region, zone, instance_type, purchase, role), count)| CapacityGroup {
                region,
                zone,
                instance_type,
                count,
                purchase,
                role,
            },
        )
        .collect()
}
