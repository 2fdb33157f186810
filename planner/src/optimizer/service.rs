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
use faultline_models::plan::{
    Binding, Constraint, CostBreakdown, DrOption, InstanceLine, Layer, ServicePlan,
};
use faultline_models::topology::{Consistency, Demand, Disruption, Kind, Service, Strength};
use rust_decimal::Decimal;

use super::context::Ctx;
use super::dr::Candidate;
use super::explain::Conflict;
use super::fleet::Warm;
use super::spec::Spec;
use super::{fleet, store, verify};
use faultline_models::{locality, parallel};

/// One service to plan: its name, definition, requirements and a warm start.
pub(crate) type Job<'a> = (&'a str, &'a Service, Spec, Option<&'a Warm>);

/// One service's solve: the spec it was solved under (with the regions its hard
/// dependencies left it) and its plan, or why there is none.
pub(crate) struct Solved<'a> {
    pub name: &'a str,
    pub spec: Spec,
    pub result: Result<(ServicePlan, Warm), Vec<Conflict>>,
}

/// Plans the jobs, dependencies before the services that depend on them (each wave in
/// parallel): a service serves only from regions where its hard dependencies answer
/// within their latency budgets (`locality::allowed_by_dependencies`), as they were
/// just planned or, for services not among the jobs, as `placed` has them.
///
/// With `follow` (the specs every placed service was solved under), a placed service
/// whose allowed regions change because a dependency moved is solved again with its
/// spec, and returned after the jobs. Results: the jobs' order, then those.
pub(crate) fn plan_services<'a>(
    ctx: &Ctx<'a>,
    jobs: Vec<Job<'a>>,
    placed: &BTreeMap<String, ServicePlan>,
    follow: Option<&BTreeMap<String, Spec>>,
) -> Vec<Solved<'a>> {
    let t: &'a faultline_models::topology::Topology = ctx.topology;
    let catalog = ctx.pricing.catalog();
    let mut current = placed.clone();
    let mut pending: Vec<Job<'a>> = jobs;
    let mut out: Vec<Solved<'a>> = Vec::new();
    let mut queued: BTreeSet<&str> = pending.iter().map(|j| j.0).collect();
    while !pending.is_empty() {
        let waiting: BTreeSet<&str> = pending.iter().map(|j| j.0).collect();
        let hard_deps = |name: &str| -> Vec<&str> {
            t.services.get(name).map_or_else(Vec::new, |s| {
                s.depends_on
                    .iter()
                    .filter(|(_, st)| **st == Strength::Hard)
                    .map(|(d, _)| d.as_str())
                    .collect()
            })
        };
        let (mut ready, rest): (Vec<Job<'a>>, Vec<Job<'a>>) = pending.into_iter().partition(|j| {
            hard_deps(j.0)
                .iter()
                .all(|d| *d == j.0 || !waiting.contains(d))
        });
        if ready.is_empty() {
            // A dependency cycle (validation rejects them): plan what is left at once.
            ready = rest;
            pending = Vec::new();
        } else {
            pending = rest;
        }
        for job in &mut ready {
            job.2.within = locality::allowed_by_dependencies(t, catalog, job.0, &current);
        }
        let results = parallel::map(&ready, |(name, svc, spec, warm)| {
            match too_far(ctx, name, spec, &current) {
                Some(c) => Err(vec![c]),
                None => plan_service(ctx, name, svc, spec, *warm),
            }
        });
        let mut moved = Vec::new();
        for ((name, _, spec, _), result) in ready.into_iter().zip(results) {
            if let Ok((sp, _)) = &result {
                let before = current.get(name).map(locality::answers_in);
                if before.as_ref() != Some(&locality::answers_in(sp)) {
                    moved.push(name);
                }
                current.insert(name.to_string(), sp.clone());
            }
            out.push(Solved { name, spec, result });
        }
        // Placed services that depend on one that moved follow it.
        let Some(specs) = follow else { continue };
        for (dependent, svc) in &t.services {
            if queued.contains(dependent.as_str())
                || !moved
                    .iter()
                    .any(|m| svc.depends_on.get(*m) == Some(&Strength::Hard))
            {
                continue;
            }
            let Some(spec) = specs.get(dependent) else {
                continue;
            };
            let now = locality::allowed_by_dependencies(t, catalog, dependent, &current);
            if now == spec.within {
                continue;
            }
            queued.insert(dependent.as_str());
            pending.push((dependent.as_str(), svc, spec.clone(), None));
        }
    }
    out
}

/// Why `name` cannot be planned where its hard dependencies answer: no allowed
/// region is near enough to all of them, or, for a service that must survive a
/// region loss, fewer than two are.
fn too_far(
    ctx: &Ctx<'_>,
    name: &str,
    spec: &Spec,
    placed: &BTreeMap<String, ServicePlan>,
) -> Option<Conflict> {
    let t = ctx.topology;
    spec.within.as_ref()?;
    let regions = spec.regions(t, name);
    let region_loss = spec.survive.contains(&Disruption::Region);
    if !regions.is_empty() && (!region_loss || regions.len() >= 2) {
        return None;
    }
    let svc = t.services.get(name)?;
    let mut deps = Vec::new();
    let mut keys = Vec::new();
    for (dep, strength) in &svc.depends_on {
        let Some(dp) = placed.get(dep).filter(|_| *strength == Strength::Hard) else {
            continue;
        };
        let at: Vec<String> = locality::answers_in(dp).into_iter().collect();
        let budget = svc.latency_budget.get(dep).map_or_else(
            || "no latency budget".to_string(),
            |b| format!("latency budget {}", faultline_models::duration::format(*b)),
        );
        deps.push(format!("`{dep}` answers in {} ({budget})", at.join(", ")));
        keys.push(format!("services.{name}.depends_on.{dep}"));
    }
    let allowed = t.regions_for(name).join(", ");
    let what = if regions.is_empty() {
        format!("none of its regions ({allowed}) is near enough to its hard dependencies")
    } else {
        format!(
            "it must survive a region loss, and only {} of its regions ({allowed}) is near enough to its hard dependencies",
            regions.join(", ")
        )
    };
    let mut c = Conflict::new(name, format!("{what}: {}", deps.join("; ")))
        .code(Code::NoPlan)
        .help("give the dependency a latency budget the regions between them allow (`depends_on.<dependency> = { strength = \"hard\", latency_budget = \"80ms\" }`), or let the dependency serve from the service's regions");
    for k in keys {
        c = c.key(k);
    }
    Some(c)
}

/// Plans each job on its own, as if it were the only change to `placed` (the
/// regions its hard dependencies leave it are read from there); results in the jobs'
/// order.
pub(crate) fn plan_each(
    ctx: &Ctx<'_>,
    jobs: &[Job<'_>],
    placed: &BTreeMap<String, ServicePlan>,
) -> Vec<Result<(ServicePlan, Warm), Vec<Conflict>>> {
    let catalog = ctx.pricing.catalog();
    parallel::map(jobs, |(name, svc, spec, warm)| {
        let mut spec = spec.clone();
        spec.within = locality::allowed_by_dependencies(ctx.topology, catalog, name, placed);
        plan_service(ctx, name, svc, &spec, *warm)
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
    if let Some(within) = &spec.within {
        let all = ctx.topology.regions_for(name);
        if within.len() < all.len() {
            let near: Vec<&str> = within.iter().map(String::as_str).collect();
            binding.push(Binding {
                constraint: Constraint::Locality,
                detail: if near.is_empty() {
                    "no region is near enough to its hard dependencies".into()
                } else {
                    format!(
                        "serves only from {}: where its hard dependencies answer within their latency budgets",
                        near.join(", ")
                    )
                },
            });
        }
    }
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
