//! The cost optimizer: finds the cheapest deployment that meets every service's SLO
//! and the topology's constraints. Services are independent except for the budget cap,
//! so each is solved on its own — stateless fleets as MILPs, stores by exact placement
//! enumeration — and the cap is checked on the sum (the sum of per-service minima is
//! the joint minimum). `docs/cost-model.md` states the formulation.

mod assess;
pub mod backend;
pub mod candidates;
pub mod check;
pub mod estimate;
pub mod explain;
pub mod fleet;
pub mod frontier;
mod service;
pub mod store;
pub mod synthetic;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::plan::{
    Availability, Budget, CostBreakdown, Plan, ServicePlan, SolveInfo, PLAN_FORMAT_VERSION,
};
use faultline_models::topology::{Disruption, Topology};
use rust_decimal::Decimal;

pub use backend::Backend;
pub use estimate::Assessed;
pub use explain::{Conflict, Infeasible};
pub use service::{spec_for, Spec};

/// How to solve.
#[derive(Debug, Clone)]
pub struct Options {
    pub backend: Backend,
    /// Wall-clock limit for the whole plan.
    pub time_limit: Option<Duration>,
    /// Relative optimality gap each MILP may stop at.
    pub gap: f64,
    /// Replace every service's requirements by a resilience level (the frontier).
    pub level: Option<BTreeSet<Disruption>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
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

/// Shared state of one planning run.
pub(crate) struct Ctx<'a> {
    pub topology: &'a Topology,
    /// The catalog as given (the plan names it); prices come from `pricing`.
    pub catalog: &'a Catalog,
    pub pricing: Pricing<'a>,
    pub options: &'a Options,
    pub deadline: Option<Instant>,
    pub services_left: usize,
}

impl Ctx<'_> {
    /// Per-MILP settings: an even share of the time left among the services left, and
    /// never more than a twentieth of the whole limit (at least a second), since a
    /// MILP that has not closed its gap by then rarely closes it later and the other
    /// services deserve the time.
    pub fn settings(&self) -> fleet::Settings {
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
        fleet::Settings {
            backend: self.options.backend,
            time_limit,
            gap: self.options.gap,
        }
    }
}

/// Plans every service of the topology; `Err` explains every conflict found.
/// Availability targets are checked with the failure model.
pub fn plan(topology: &Topology, catalog: &Catalog, options: &Options) -> Result<Plan, Infeasible> {
    let effective = topology.effective_catalog(catalog);
    let assessor = |t: &Topology, p: &Plan| assess::assess(t, catalog, p);
    plan_with(topology, &effective, catalog, options, Some(&assessor))
}

/// Assesses a plan's availability with the failure model (or the optimizer's own
/// estimate when the model cannot).
pub fn assess_plan(topology: &Topology, catalog: &Catalog, plan: &Plan) -> Assessed {
    assess::assess(topology, catalog, plan)
}

/// Assesses a plan against a topology: the one being planned, or the same topology with
/// its dependencies and journeys removed, which gives each service's own figure.
pub type Assessor<'a> = dyn Fn(&Topology, &Plan) -> Assessed + 'a;

/// [`plan`] with the effective catalog already computed and the availability assessor
/// given (none: availability targets are not checked).
pub fn plan_with(
    topology: &Topology,
    effective: &Catalog,
    catalog: &Catalog,
    options: &Options,
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
        plan = meet_availability(&mut ctx, assess, &mut specs, plan, start)?;
    }
    let total = plan.monthly_usd;
    if let Some(cap) = topology.constraints.max_monthly_usd {
        if total > cap {
            return Err(Infeasible {
                conflicts: vec![budget_conflict(topology, &plan.services, total, cap)],
            });
        }
    }
    Ok(plan)
}

fn assemble(
    topology: &Topology,
    catalog: &Catalog,
    options: &Options,
    services: BTreeMap<String, ServicePlan>,
    start: Instant,
) -> Plan {
    let total: Decimal = services.values().map(|s| s.monthly_usd).sum();
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        id: plan_id(topology, catalog, options),
        system: topology.name.clone(),
        inputs: faultline_models::plan::PlanInputs::of(topology, catalog),
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
    };
    if let Some(b) = topology.monthly_budget_usd.filter(|b| total > *b) {
        plan.notes.push(format!(
            "the plan costs ${}/month, above system.monthly_budget_usd ${}",
            total.round_dp(2),
            b.round_dp(2)
        ));
    }
    plan
}

/// Unavailability from whole-region outages alone in `region`.
fn region_risk(ctx: &Ctx<'_>, region: &str) -> f64 {
    let m = ctx
        .pricing
        .catalog()
        .failure_mode(faultline_models::catalog::Mode::region, region);
    m.rate_per_year * m.mean_hours
}

/// What an escalation step does.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Survive(Disruption),
    /// Leave these regions for a more reliable one.
    Avoid(Vec<String>),
}

/// The next resilience step for a service that misses an availability target:
/// survive a zone loss, then spot reclaims (fleets on spot), then move a single-region
/// service to a region with fewer outages, then survive a region loss.
fn escalate(
    ctx: &Ctx<'_>,
    name: &str,
    spec: &Spec,
    sp: Option<&ServicePlan>,
) -> Option<(Spec, Step)> {
    let t = ctx.topology;
    let svc = t.services.get(name)?;
    if spec.blocked {
        return None;
    }
    let replicas_ok = svc.store().is_none_or(|s| s.replicas >= 2);
    let multi_zone = spec
        .regions(t, name)
        .iter()
        .any(|r| t.zones.get(*r).is_some_and(|z| z.len() >= 2));
    let mut next = spec.clone();
    if multi_zone && replicas_ok && !spec.survive.contains(&Disruption::Zone) {
        next.survive.insert(Disruption::Zone);
        return Some((next, Step::Survive(Disruption::Zone)));
    }
    if svc.fleet().is_some_and(|f| f.max_spot_share > 0.0)
        && !spec.survive.contains(&Disruption::Spot)
    {
        next.survive.insert(Disruption::Spot);
        return Some((next, Step::Survive(Disruption::Spot)));
    }
    if !spec.survive.contains(&Disruption::Region) {
        if let Some(sp) = sp
            .filter(|sp| sp.deployment.dr != faultline_models::deployment::DrPattern::ActiveActive)
        {
            let used: BTreeSet<String> = sp
                .instances
                .iter()
                .filter(|l| l.layer != faultline_models::plan::Layer::Standby)
                .map(|l| l.region.clone())
                .collect();
            let worst_used = used.iter().map(|r| region_risk(ctx, r)).fold(0.0, f64::max);
            let better = spec
                .regions(t, name)
                .into_iter()
                .any(|r| !used.contains(r) && region_risk(ctx, r) < worst_used - 1e-12);
            if better {
                let leave: Vec<String> = used
                    .into_iter()
                    .filter(|r| region_risk(ctx, r) >= worst_used - 1e-12)
                    .collect();
                next.avoid.extend(leave.iter().cloned());
                return Some((next, Step::Avoid(leave)));
            }
        }
        if t.regions_for(name).len() >= 2 && replicas_ok {
            next.survive.insert(Disruption::Region);
            return Some((next, Step::Survive(Disruption::Region)));
        }
    }
    None
}

/// The service and every service it depends on, transitively, through hard and soft
/// edges alike: the failure model counts a service as up only while all of them are up
/// (a soft dependency's outage leaves it degraded, which is not up), so each of them
/// can hold its availability figure down.
fn dependency_closure(t: &Topology, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut i = 0;
    while i < out.len() {
        if let Some(s) = t.services.get(&out[i]) {
            for dep in s.depends_on.keys() {
                if !out.contains(dep) {
                    out.push(dep.clone());
                }
            }
        }
        i += 1;
    }
    out
}

/// The topology with every dependency and journey removed: assessed on a plan, it gives
/// each service's own availability, as if everything it depends on were always up.
fn standalone(t: &Topology) -> Topology {
    let mut alone = t.clone();
    for svc in alone.services.values_mut() {
        svc.depends_on.clear();
    }
    alone.journeys.clear();
    alone
}

/// Re-solves services that miss their own or a journey's availability target, one
/// resilience step at a time, until every target is met or nothing is left to add.
/// A service's figure includes everything it depends on (hard or soft), and so never
/// exceeds any of theirs; the step therefore goes to the candidate whose *own* figure
/// (the service alone, its dependencies up) is the weakest, the one whose failures
/// cost the most downtime.
fn meet_availability(
    ctx: &mut Ctx<'_>,
    assess: &Assessor<'_>,
    specs: &mut BTreeMap<String, Spec>,
    mut plan: Plan,
    start: Instant,
) -> Result<Plan, Infeasible> {
    let t = ctx.topology;
    let alone = standalone(t);
    for _round in 0..16 {
        let a = assess(t, &plan);
        fill_availability(t, &mut plan, &a);
        let avail = |s: &str| a.services.get(s).map_or(1.0, |f| f.availability);
        // (who is short, of what target, which services could help)
        let mut short: Vec<(String, f64, Vec<String>, String)> = Vec::new();
        for (name, svc) in &t.services {
            if let Some(target) = svc.slo.availability.filter(|tg| avail(name) < *tg) {
                short.push((
                    format!("service `{name}`"),
                    target,
                    dependency_closure(t, name),
                    format!("services.{name}.slo.availability"),
                ));
            }
        }
        for (jname, j) in &t.journeys {
            let (Some(target), Some(f)) = (j.slo.availability, a.journeys.get(jname)) else {
                continue;
            };
            if f.availability < target {
                let mut c: Vec<String> = Vec::new();
                for s in &j.steps {
                    for d in dependency_closure(t, s) {
                        if !c.contains(&d) {
                            c.push(d);
                        }
                    }
                }
                short.push((
                    format!("journey `{jname}`"),
                    target,
                    c,
                    format!("journeys.{jname}.slo.availability"),
                ));
            }
        }
        if short.is_empty() {
            return Ok(plan);
        }
        let own_figures = assess(&alone, &plan);
        let own = |s: &str| {
            own_figures
                .services
                .get(s)
                .map_or_else(|| avail(s), |f| f.availability)
        };
        let mut steps: BTreeMap<String, (Spec, Step, String)> = BTreeMap::new();
        let mut conflicts = Vec::new();
        for (who, target, candidates, key) in short {
            // The candidate weakest on its own that can still be made more resilient; on
            // a tie a dependency before the service that depends on it.
            let pick = candidates
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let spec = steps.get(c).map(|s| &s.0).or_else(|| specs.get(c))?;
                    escalate(ctx, c, spec, plan.services.get(c)).map(|(n, s)| (i, c, n, s))
                })
                .min_by(|x, y| own(x.1).total_cmp(&own(y.1)).then(y.0.cmp(&x.0)));
            match pick {
                Some((_, c, next, step)) => {
                    let got = own(c);
                    steps.entry(c.clone()).or_insert((
                        next,
                        step,
                        format!("{who} targets {target} and `{c}` alone reached {got:.6}"),
                    ));
                }
                None => {
                    let got = candidates.iter().map(|c| avail(c)).fold(1.0, f64::min);
                    let mut c = Conflict::system(format!(
                        "{who} reaches availability {got:.6}, short of its target {target}, with it and everything it depends on as resilient as the topology allows{}",
                        region_note(&candidates, specs)
                    ))
                    .code(faultline_models::diag::Code::AvailabilityUnreachable)
                    .key(key);
                    c.help = Some("lower the target, allow more regions, or relax what stops a region-surviving design (e.g. a commit-latency budget)".into());
                    conflicts.push(c);
                }
            }
        }
        if !conflicts.is_empty() {
            return Err(Infeasible { conflicts });
        }
        for (name, (mut next, step, why)) in steps {
            let svc = &t.services[&name];
            let detail = match &step {
                Step::Survive(d) => format!("{why}: the plan also survives a {d} loss"),
                Step::Avoid(rs) => format!(
                    "{why}: moved out of {} (more region outages)",
                    rs.join(", ")
                ),
            };
            next.derived.push(faultline_models::plan::Binding {
                constraint: "availability".into(),
                detail,
            });
            match service::plan_service(ctx, &name, svc, &next) {
                Ok(sp) => {
                    plan.services.insert(name.clone(), sp);
                    specs.insert(name, next);
                }
                Err(c) => {
                    // This step cannot be built (e.g. a commit budget rules out a region
                    // loss): keep the plan, and let the next round try another service.
                    let mut blocked = specs[&name].clone();
                    blocked.derived.push(faultline_models::plan::Binding {
                        constraint: "availability".into(),
                        detail: format!(
                            "{why}; a further step is impossible: {}",
                            c.iter()
                                .map(|c| c.message.clone())
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    });
                    blocked.survive.extend(next.survive.iter().copied());
                    blocked.avoid.extend(next.avoid.iter().cloned());
                    blocked.blocked = true;
                    specs.insert(name, blocked);
                }
            }
        }
        let services = std::mem::take(&mut plan.services);
        plan = assemble(t, ctx.catalog, ctx.options, services, start);
    }
    Ok(plan)
}

fn region_note(candidates: &[String], specs: &BTreeMap<String, Spec>) -> String {
    let blocked: Vec<String> = candidates
        .iter()
        .filter_map(|c| specs.get(c).filter(|s| s.blocked).map(|s| (c, s)))
        .filter_map(|(c, s)| {
            s.derived
                .iter()
                .rev()
                .find(|b| b.constraint == "availability")
                .map(|b| format!("`{c}`: {}", b.detail))
        })
        .collect();
    if blocked.is_empty() {
        String::new()
    } else {
        format!(" ({})", blocked.join("; "))
    }
}

/// Writes assessed availability into the plan.
pub fn fill_availability(t: &Topology, plan: &mut Plan, a: &Assessed) {
    let make = |f: &estimate::Figures, target: Option<f64>| Availability {
        computed: f.availability,
        target,
        downtime_minutes_per_month: f.downtime_minutes_per_year / 12.0,
        source: a.source.to_string(),
    };
    for (name, sp) in &mut plan.services {
        let target = t.services.get(name).and_then(|s| s.slo.availability);
        sp.availability = a.services.get(name).map(|f| make(f, target));
    }
    plan.journeys = a
        .journeys
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                make(f, t.journeys.get(k).and_then(|j| j.slo.availability)),
            )
        })
        .collect();
    if let Some(n) = &a.note {
        if !plan.notes.contains(n) {
            plan.notes.push(n.clone());
        }
    }
}

fn budget_conflict(
    t: &Topology,
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
            let survive: Vec<&str> = s
                .survive
                .iter()
                .map(|d| faultline_models::deployment::Words::word(*d))
                .collect();
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
    let _ = t;
    Conflict::system(format!(
        "the cheapest plan that meets every SLO costs ${}/month, above constraints.max_monthly_usd ${}; the largest costs are {}",
        total.round_dp(2),
        cap.round_dp(2),
        top.join(", ")
    ))
    .code(faultline_models::diag::Code::BudgetCapExceeded)
    .key("constraints.max_monthly_usd")
    .help("raise the cap, or relax what the costliest services must survive (`faultline plan --frontier` shows what each requirement costs)")
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
    options: &Options,
    start: Instant,
) -> SolveInfo {
    let mut s = SolveInfo {
        backend: options.backend.name().to_string(),
        status: "optimal".into(),
        ..SolveInfo::default()
    };
    let mut worst = 0;
    for sp in services.values() {
        s.objective += sp.solve.objective;
        s.best_bound += sp.solve.best_bound;
        s.milps += sp.solve.milps;
        s.variables += sp.solve.variables;
        s.constraints += sp.solve.constraints;
        let rank = match sp.solve.status.as_str() {
            "time-limit" => 2,
            "within-gap" => 1,
            _ => 0,
        };
        if rank > worst {
            worst = rank;
            s.status = sp.solve.status.clone();
        }
    }
    s.gap = rel_gap(s.objective, s.best_bound);
    s.seconds = start.elapsed().as_secs_f64();
    s
}

pub fn rel_gap(objective: f64, bound: f64) -> f64 {
    if objective <= 1e-9 {
        0.0
    } else {
        ((objective - bound) / objective).max(0.0)
    }
}

/// A stable id: the system's name and a digest of the topology, the catalog and the
/// requirement level the plan was solved for.
fn plan_id(t: &Topology, catalog: &Catalog, options: &Options) -> String {
    let inputs = faultline_models::plan::PlanInputs::of(t, catalog);
    let level = options
        .level
        .as_ref()
        .map(|l| format!("{l:?}"))
        .unwrap_or_default();
    let digest = faultline_models::plan::sha256_hex(
        format!(
            "{}\n{}\n{level}",
            inputs.topology_digest, inputs.catalog_digest
        )
        .as_bytes(),
    );
    format!("{}-{}", t.name, &digest[..16])
}
