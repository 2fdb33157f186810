//! One service at a time: what it must meet (its spec), which DR pattern and which
//! consistency meet it most cheaply, and the service's part of the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use faultline_models::cost::{
    self, local_recovery, region_recovery, PlannedRecovery, Pricing, Tier, PILOT_LIGHT_CPU_SHARE,
    RELAUNCH, WARM_STANDBY_SHARE,
};
use faultline_models::deployment::{
    CapacityGroup, DrPattern, Purchase, Role, ServiceDeployment, Words,
};
use faultline_models::duration;
use faultline_models::plan::{
    Binding, CostBreakdown, DrOption, InstanceLine, Layer, ServicePlan, SolveInfo, TransferLine,
};
use faultline_models::topology::{
    Consistency, Demand, Disruption, Fleet, Kind, Service, Store, Topology,
};
use rust_decimal::Decimal;

use super::backend::SolveError;
use super::candidates;
use faultline_models::diag::Code;

use super::explain::{ms, Conflict};
use super::fleet::{self, FleetSolution, RegionSpec, Shape};
use super::store::{self, Enumerator, Goal, Placement, Rtt, Rules, StoreRegion};
use super::{check, rel_gap, Ctx};

/// What one service must meet, as the optimizer reads its SLO, the journeys it is a
/// step of, and (for the frontier) a resilience level that replaces them.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Failures to survive with no scaling: zone, region, spot.
    pub survive: BTreeSet<Disruption>,
    pub rto: BTreeMap<Disruption, Duration>,
    pub rpo: BTreeMap<Disruption, Duration>,
    /// Why the requirements differ from the service's own SLO.
    pub derived: Vec<Binding>,
    /// Allowed regions not to use: a single-region service moved away from them to
    /// reach an availability target.
    pub avoid: BTreeSet<String>,
    /// A resilience step could not be built; escalation stops here.
    pub blocked: bool,
}

impl Spec {
    /// The regions the service may use under this spec.
    pub fn regions<'t>(&self, t: &'t Topology, name: &str) -> Vec<&'t str> {
        let all = t.regions_for(name);
        if self.survive.contains(&Disruption::Region) {
            return all;
        }
        all.into_iter()
            .filter(|r| !self.avoid.contains(*r))
            .collect()
    }
}

/// The spec of `name`: its SLO tightened by every journey it is a step of, or the
/// `level` when one is given (targets dropped, survival replaced).
pub fn spec_for(
    t: &Topology,
    name: &str,
    svc: &Service,
    level: Option<&BTreeSet<Disruption>>,
) -> Spec {
    let mut derived = Vec::new();
    if let Some(level) = level {
        let mut survive = BTreeSet::new();
        for d in level {
            match d {
                Disruption::Spot if svc.fleet().is_none_or(|f| f.max_spot_share <= 0.0) => {}
                Disruption::Region if t.regions_for(name).len() < 2 => derived.push(Binding {
                    constraint: "residency".into(),
                    detail: "one allowed region: a region loss cannot be survived".into(),
                }),
                Disruption::Instance => {}
                _ if svc.store().is_some_and(|s| s.replicas < 2) => derived.push(Binding {
                    constraint: "replicas".into(),
                    detail: format!("a single replica cannot survive a {d} loss"),
                }),
                d => {
                    survive.insert(*d);
                }
            }
        }
        return Spec {
            survive,
            rto: BTreeMap::new(),
            rpo: BTreeMap::new(),
            derived,
            avoid: BTreeSet::new(),
            blocked: false,
        };
    }
    let mut survive: BTreeSet<Disruption> = svc
        .slo
        .survive
        .iter()
        .copied()
        .filter(|d| *d != Disruption::Instance)
        .collect();
    let mut rto = svc.slo.rto.clone();
    let mut rpo = svc.slo.rpo.clone();
    for (jname, j) in &t.journeys {
        // A journey's RTO and RPO bind every step and everything the steps hard-depend
        // on: the failure model judges the journey on that whole set.
        if !journey_needs(t, &j.steps, name) {
            continue;
        }
        for (target, theirs, word) in [(&mut rto, &j.slo.rto, "rto"), (&mut rpo, &j.slo.rpo, "rpo")]
        {
            for (d, v) in theirs {
                if target.get(d).is_none_or(|mine| v < mine) {
                    target.insert(*d, *v);
                    derived.push(Binding {
                        constraint: word.into(),
                        detail: format!(
                            "{word}.{d} {} from journey `{jname}`",
                            duration::format(*v)
                        ),
                    });
                }
            }
        }
    }
    let zone_target = rto.contains_key(&Disruption::Zone) || rpo.contains_key(&Disruption::Zone);
    if !survive.contains(&Disruption::Zone) {
        match &svc.demand {
            Demand::Stateless(_) => {
                if let Some(r) = rto.get(&Disruption::Zone).filter(|r| **r < RELAUNCH) {
                    survive.insert(Disruption::Zone);
                    derived.push(Binding {
                        constraint: "rto".into(),
                        detail: format!(
                            "rto.zone {} is shorter than relaunching elsewhere ({}): the fleet must survive a zone loss as it stands",
                            duration::format(*r),
                            duration::format(RELAUNCH)
                        ),
                    });
                }
            }
            Demand::Store(s) if zone_target && s.replicas >= 2 => {
                survive.insert(Disruption::Zone);
                derived.push(Binding {
                    constraint: "rto".into(),
                    detail: "a zone recovery target needs a member outside the lost zone: the store must survive a zone loss".into(),
                });
            }
            Demand::Store(_) => {}
        }
    }
    Spec {
        survive,
        rto,
        rpo,
        derived,
        avoid: BTreeSet::new(),
        blocked: false,
    }
}

/// A DR pattern's cost and parts for one service design.
#[derive(Debug, Clone)]
struct Candidate {
    pattern: DrPattern,
    monthly: Decimal,
    lines: Vec<InstanceLine>,
    transfer: Vec<TransferLine>,
    binding: Vec<Binding>,
    solve: SolveInfo,
}

pub(crate) fn plan_service(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    spec: &Spec,
) -> Result<ServicePlan, Vec<Conflict>> {
    let start = std::time::Instant::now();
    let (consistency, tier, chosen, options, mut binding) = match &svc.demand {
        Demand::Stateless(f) => {
            let (c, opts, b) = plan_fleet(ctx, name, svc, f, spec)?;
            (Consistency::Eventual, Tier::Fleet, c, opts, b)
        }
        Demand::Store(st) => plan_store(ctx, name, svc, st, spec)?,
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
    let violations = check::service(ctx.topology, &ctx.pricing, name, svc, spec, &sp);
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
    Ok(sp)
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
    let mut cost = CostBreakdown::default();
    for l in &chosen.lines {
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
    for t in &chosen.transfer {
        *cost.by_region.entry(t.from_region.clone()).or_default() += t.monthly_usd;
        *cost.by_purchase.entry("transfer".into()).or_default() += t.monthly_usd;
        cost.transfer += t.monthly_usd;
    }
    let monthly = (cost.instances + cost.standby + cost.transfer).round_dp(2);
    ServicePlan {
        kind,
        deployment: ServiceDeployment {
            dr: chosen.pattern,
            groups: groups_of(&chosen.lines),
        },
        consistency,
        monthly_usd: monthly,
        survive,
        instances: chosen.lines,
        transfer: chosen.transfer,
        cost: round_breakdown(cost),
        recovery,
        dr_options,
        binding,
        availability: None,
        solve: chosen.solve,
    }
}

fn round_breakdown(mut c: CostBreakdown) -> CostBreakdown {
    for v in c.by_region.values_mut().chain(c.by_purchase.values_mut()) {
        *v = v.round_dp(2);
    }
    c.instances = c.instances.round_dp(2);
    c.standby = c.standby.round_dp(2);
    c.transfer = c.transfer.round_dp(2);
    c
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

fn meets(rec: Option<PlannedRecovery>, spec: &Spec) -> Result<(), String> {
    let rto = spec.rto.get(&Disruption::Region);
    let rpo = spec.rpo.get(&Disruption::Region);
    let Some(rec) = rec else {
        return match (rto, rpo) {
            (None, None) => Ok(()),
            _ => Err("a single region waits out a region loss".into()),
        };
    };
    let mut why = Vec::new();
    if let Some(t) = rto.filter(|t| rec.rto > **t) {
        why.push(format!(
            "RTO {} exceeds rto.region {}",
            duration::format(rec.rto),
            duration::format(*t)
        ));
    }
    if let Some(t) = rpo.filter(|t| rec.rpo > **t) {
        why.push(format!(
            "RPO {} exceeds rpo.region {}",
            duration::format(rec.rpo),
            duration::format(*t)
        ));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join(", "))
    }
}

/// The DR patterns to consider, in order of preference when costs tie.
fn patterns(spec: &Spec) -> Vec<DrPattern> {
    if spec.survive.contains(&Disruption::Region) {
        vec![DrPattern::ActiveActive]
    } else if spec.rto.contains_key(&Disruption::Region)
        || spec.rpo.contains_key(&Disruption::Region)
    {
        vec![
            DrPattern::ActiveActive,
            DrPattern::WarmStandby,
            DrPattern::PilotLight,
            DrPattern::BackupRestore,
        ]
    } else {
        vec![DrPattern::None]
    }
}

/// Picks the cheapest candidate; on equal cost the earlier (better-recovering) pattern.
fn pick(cands: Vec<Candidate>, order: &[DrPattern]) -> Option<Candidate> {
    let rank = |p: DrPattern| order.iter().position(|q| *q == p).unwrap_or(usize::MAX);
    cands.into_iter().min_by(|a, b| {
        a.monthly
            .cmp(&b.monthly)
            .then(rank(a.pattern).cmp(&rank(b.pattern)))
    })
}

fn options_report(
    order: &[DrPattern],
    tier: Tier,
    costs: &BTreeMap<DrPattern, Decimal>,
    notes: &BTreeMap<DrPattern, String>,
    chosen: DrPattern,
) -> Vec<DrOption> {
    if order == [DrPattern::None] {
        return Vec::new();
    }
    order
        .iter()
        .map(|p| DrOption {
            pattern: *p,
            recovery: region_recovery(*p, tier),
            monthly_usd: costs.get(p).map(|c| c.round_dp(2)),
            chosen: *p == chosen,
            note: notes.get(p).cloned(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Stateless fleets
// ---------------------------------------------------------------------------------

type Planned = (Candidate, Vec<DrOption>, Vec<Binding>);

fn plan_fleet(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    f: &Fleet,
    spec: &Spec,
) -> Result<Planned, Vec<Conflict>> {
    let t = ctx.topology;
    let allowed = spec.regions(t, name);
    let mut specs = Vec::new();
    for r in &allowed {
        let priced = candidates::priced(svc, &ctx.pricing, r);
        let s = RegionSpec {
            region: r.to_string(),
            zones: t.zones.get(*r).cloned().unwrap_or_default(),
            non_spot: candidates::non_spot_front(&priced),
            spot: candidates::spot_front(&priced, 3),
        };
        if !s.non_spot.is_empty() {
            specs.push(s);
        }
    }
    if specs.is_empty() {
        return Err(vec![no_types(name, svc, &allowed)]);
    }
    let shape = Shape::of(&f.profile);
    let demand = fleet::Demand::of(f, &shape);
    let mut survive = spec.survive.clone();
    survive.remove(&Disruption::Region);
    let zone_ok: Vec<RegionSpec> = if survive.contains(&Disruption::Zone) {
        specs
            .iter()
            .filter(|s| s.zones.len() >= 2)
            .cloned()
            .collect()
    } else {
        specs.clone()
    };
    let order = patterns(spec);
    let mut costs = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let mut cands = Vec::new();
    let mut single: Option<Result<(usize, FleetSolution), SolveError>> = None;
    let mut errors: Vec<Conflict> = Vec::new();
    for p in &order {
        if let Err(why) = meets(region_recovery(*p, Tier::Fleet), spec) {
            notes.insert(*p, why);
            continue;
        }
        let problem = |regions: Vec<RegionSpec>, region_loss: bool| fleet::Problem {
            regions,
            shape,
            demand,
            survive: survive.clone(),
            region_loss,
        };
        match p {
            DrPattern::ActiveActive => {
                if specs.len() < 2 {
                    notes.insert(
                        *p,
                        "needs two allowed regions with a usable instance type".into(),
                    );
                    continue;
                }
                let pr = problem(specs.clone(), true);
                match fleet::solve(&pr, &ctx.pricing, ctx.settings(), None) {
                    Ok(sol) => {
                        let c = fleet_candidate(ctx, &pr, *p, sol, None);
                        costs.insert(*p, c.monthly);
                        cands.push(c);
                    }
                    Err(e) => {
                        notes.insert(*p, e.to_string());
                        errors.push(fleet_conflict(name, f, spec, &e, true, &specs));
                    }
                }
            }
            _ => {
                if zone_ok.is_empty() {
                    notes.insert(*p, "no allowed region has two zones".into());
                    errors.push(
                        Conflict::new(name, "surviving a zone loss in one region needs a region with two usable zones; every allowed region has one").code(Code::NoPlan)
                            .key(format!("services.{name}.slo.survive"))
                            .key("system.zones"),
                    );
                    continue;
                }
                let standby = if *p == DrPattern::WarmStandby {
                    match standbys(ctx, &specs, &demand) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            notes.insert(*p, e.to_string());
                            continue;
                        }
                    }
                } else {
                    None
                };
                let main = match (&standby, &single) {
                    (None, Some(found)) => found.clone(),
                    _ => {
                        let extra = |i: usize| -> Option<f64> {
                            match &standby {
                                None => Some(0.0),
                                Some(sb) => sb
                                    .iter()
                                    .filter(|(r, _)| *r != zone_ok[i].region)
                                    .map(|(_, s)| s.objective)
                                    .fold(None, |a: Option<f64>, x| {
                                        Some(a.map_or(x, |a| a.min(x)))
                                    }),
                            }
                        };
                        let found = best_single(ctx, &zone_ok, &problem, &extra);
                        if standby.is_none() {
                            single = Some(found.clone());
                        }
                        found
                    }
                };
                match main {
                    Ok((i, sol)) => {
                        let pr = problem(vec![zone_ok[i].clone()], false);
                        let sb = standby.as_ref().and_then(|sb| {
                            sb.iter()
                                .filter(|(r, _)| *r != zone_ok[i].region)
                                .min_by(|a, b| {
                                    a.1.objective.total_cmp(&b.1.objective).then(a.0.cmp(&b.0))
                                })
                                .cloned()
                        });
                        if *p == DrPattern::WarmStandby && sb.is_none() {
                            notes.insert(*p, "needs a second region for the standby".into());
                            continue;
                        }
                        let c = fleet_candidate(ctx, &pr, *p, sol, sb);
                        costs.insert(*p, c.monthly);
                        cands.push(c);
                    }
                    Err(e) => {
                        notes.insert(*p, e.to_string());
                        errors.push(fleet_conflict(name, f, spec, &e, false, &zone_ok));
                    }
                }
            }
        }
    }
    let dr = DrChoice {
        order: &order,
        costs: &costs,
        notes: &notes,
        residency: (allowed.len() < t.regions.len()).then_some(allowed.as_slice()),
    };
    let (chosen, report, binding) =
        dr.conclude(name, spec, cands, errors, Tier::Fleet, "stateless fleet")?;
    Ok((chosen, report, binding))
}

/// What DR patterns were tried for a service, what each cost and why any was ruled
/// out: fleets and stores conclude the same way.
struct DrChoice<'a> {
    order: &'a [DrPattern],
    costs: &'a BTreeMap<DrPattern, Decimal>,
    notes: &'a BTreeMap<DrPattern, String>,
    /// The regions a residency constraint narrowed the service to, if it did.
    residency: Option<&'a [&'a str]>,
}

impl DrChoice<'_> {
    /// The cheapest pattern (ties in `order`), the report of every option, and the
    /// bindings that explain the choice; or, when none was feasible, the conflicts.
    fn conclude(
        &self,
        name: &str,
        spec: &Spec,
        cands: Vec<Candidate>,
        mut errors: Vec<Conflict>,
        tier: Tier,
        what: &str,
    ) -> Result<(Candidate, Vec<DrOption>, Vec<Binding>), Vec<Conflict>> {
        let Some(chosen) = pick(cands, self.order) else {
            if errors.is_empty() {
                errors.push(dr_conflict(name, spec, self.notes, what));
            }
            errors.dedup();
            return Err(errors);
        };
        let mut binding: Vec<Binding> = self
            .notes
            .iter()
            .map(|(p, why)| Binding {
                constraint: "dr".into(),
                detail: format!("{p} ruled out: {why}"),
            })
            .collect();
        if let Some(allowed) = self.residency {
            binding.push(residency(allowed));
        }
        let report = options_report(self.order, tier, self.costs, self.notes, chosen.pattern);
        Ok((chosen, report, binding))
    }
}

fn residency(allowed: &[&str]) -> Binding {
    Binding {
        constraint: "residency".into(),
        detail: format!("may run only in {}", allowed.join(", ")),
    }
}

fn no_types(name: &str, svc: &Service, allowed: &[&str]) -> Conflict {
    let fams = if svc.families.is_empty() {
        "any family".to_string()
    } else {
        format!("families {}", svc.families.join(", "))
    };
    Conflict::new(
        name,
        format!(
            "no instance type of {fams}{} has an on-demand price in {} (burstable types are never used)",
            if svc.arch.is_empty() {
                String::new()
            } else {
                format!(
                    " and architecture {}",
                    svc.arch.iter().map(|a| a.word()).collect::<Vec<_>>().join(", ")
                )
            },
            allowed.join(", ")
        ),
    ).code(Code::NoCapacity)
    .key(format!("services.{name}.families"))
    .key(format!("constraints.allowed_regions.{name}"))
}

/// Solves each single-region problem, in order of LP bound, skipping regions whose
/// bound cannot beat the best plan found (within the gap).
fn best_single(
    ctx: &Ctx<'_>,
    specs: &[RegionSpec],
    problem: &dyn Fn(Vec<RegionSpec>, bool) -> fleet::Problem,
    extra: &dyn Fn(usize) -> Option<f64>,
) -> Result<(usize, FleetSolution), SolveError> {
    let settings = ctx.settings();
    let mut bounds = Vec::new();
    let mut last_err = SolveError::Infeasible;
    for (i, s) in specs.iter().enumerate() {
        let Some(x) = extra(i) else { continue };
        let pr = problem(vec![s.clone()], false);
        let built = pr.build(&ctx.pricing, 1.0);
        match super::backend::relax(&built.model, settings.backend) {
            Ok(lp) => bounds.push((lp.objective + x, lp, i, x)),
            Err(e) => last_err = e,
        }
    }
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut best: Option<(f64, usize, FleetSolution)> = None;
    let mut floor = f64::INFINITY;
    let mut milps = 0;
    for (total_bound, lp, i, x) in bounds {
        if let Some((inc, ..)) = &best {
            if total_bound >= inc * (1.0 - settings.gap) - 1e-9 {
                floor = floor.min(total_bound);
                continue;
            }
        }
        let pr = problem(vec![specs[i].clone()], false);
        match fleet::solve(&pr, &ctx.pricing, settings, Some(lp)) {
            Ok(sol) => {
                milps += sol.milps;
                floor = floor.min(sol.best_bound + x);
                let total = sol.objective + x;
                if best.as_ref().is_none_or(|(inc, ..)| total < *inc - 1e-9) {
                    best = Some((total, i, sol));
                }
            }
            Err(e) => last_err = e,
        }
    }
    match best {
        Some((total, i, mut sol)) => {
            // The bound of this choice over all regions: no region can do better.
            let x = extra(i).unwrap_or(0.0);
            sol.best_bound = (floor - x).min(sol.objective);
            sol.milps = milps;
            let _ = total;
            Ok((i, sol))
        }
        None => Err(last_err),
    }
}

/// The cheapest warm standby in each region: `WARM_STANDBY_SHARE` of peak capacity,
/// always on, no spot.
fn standbys(
    ctx: &Ctx<'_>,
    specs: &[RegionSpec],
    d: &fleet::Demand,
) -> Result<Vec<(String, FleetSolution)>, SolveError> {
    let mut out = Vec::new();
    for s in specs {
        let pr = fleet::Problem {
            regions: vec![RegionSpec {
                spot: Vec::new(),
                ..s.clone()
            }],
            shape: Shape {
                peak: 1.0,
                base: 1.0,
                running: 0.0,
            },
            demand: fleet::Demand {
                vcpu: d.vcpu * WARM_STANDBY_SHARE,
                memory: d.memory * WARM_STANDBY_SHARE,
                flash: 1.0,
                floor: 1.0,
                spot_share: 0.0,
            },
            survive: BTreeSet::new(),
            region_loss: false,
        };
        let mut sol = fleet::solve(&pr, &ctx.pricing, ctx.settings(), None)?;
        let built = pr.build(&ctx.pricing, 1.0);
        let _ = built;
        for l in &mut sol.lines {
            l.role = Role::Standby;
            l.layer = Layer::Standby;
        }
        out.push((s.region.clone(), sol));
    }
    Ok(out)
}

fn fleet_candidate(
    ctx: &Ctx<'_>,
    pr: &fleet::Problem,
    pattern: DrPattern,
    sol: FleetSolution,
    standby: Option<(String, FleetSolution)>,
) -> Candidate {
    let mut lines = consolidate(&ctx.pricing, sol.lines.clone());
    let mut solve = SolveInfo {
        backend: ctx.options.backend.name().into(),
        status: sol.status.word().into(),
        objective: sol.objective,
        best_bound: sol.best_bound,
        gap: 0.0,
        seconds: 0.0,
        milps: sol.milps,
        variables: sol.variables,
        constraints: sol.constraints,
    };
    let mut binding = sol.binding.clone();
    if let Some((region, sb)) = standby {
        lines.extend(consolidate(&ctx.pricing, sb.lines.clone()));
        solve.objective += sb.objective;
        solve.best_bound += sb.best_bound;
        solve.milps += sb.milps;
        solve.variables += sb.variables;
        solve.constraints += sb.constraints;
        binding.push(Binding {
            constraint: "dr".into(),
            detail: format!(
                "warm standby in {region}: {:.0}% of peak capacity, always on",
                WARM_STANDBY_SHARE * 100.0
            ),
        });
    }
    solve.gap = rel_gap(solve.objective, solve.best_bound);
    let _ = pr;
    let monthly: Decimal = lines.iter().map(|l| l.monthly_usd).sum();
    Candidate {
        pattern,
        monthly,
        lines,
        transfer: Vec::new(),
        binding,
        solve,
    }
}

/// Largest instance a consolidated line uses, in vCPU.
const MAX_CONSOLIDATED_VCPU: u32 = 16;
/// Instances a consolidated line keeps at least, so one failure stays a small loss.
const MIN_CONSOLIDATED_COUNT: u32 = 4;

/// Replaces `k` instances of a small type by one of a larger type of the same family
/// where that is exactly equivalent: `k` times the vCPU, memory and price (and, for
/// spot, the same interruption bucket). Cost and every capacity constraint are
/// unchanged; the plan just has fewer, larger instances.
fn consolidate(pricing: &Pricing<'_>, lines: Vec<InstanceLine>) -> Vec<InstanceLine> {
    let catalog = pricing.catalog();
    let mut out: Vec<InstanceLine> = Vec::new();
    for l in lines {
        let Some(small) = catalog.instance_types.get(&l.instance_type) else {
            out.push(l);
            continue;
        };
        let Some(p_small) = pricing.hourly(&l.region, &l.instance_type, l.purchase) else {
            out.push(l);
            continue;
        };
        let bucket = |t: &str| catalog.spot_pool(&l.region, t).map(|p| p.interruption);
        let mut best: Option<(u32, String, Decimal)> = None;
        for (name, big) in &catalog.instance_types {
            if big.family != small.family
                || big.vcpus <= small.vcpus
                || big.vcpus > MAX_CONSOLIDATED_VCPU
            {
                continue;
            }
            if big.vcpus % small.vcpus != 0 {
                continue;
            }
            let k = big.vcpus / small.vcpus;
            if (big.memory_gib - small.memory_gib * f64::from(k)).abs() > 1e-9 {
                continue;
            }
            if l.count / k < MIN_CONSOLIDATED_COUNT {
                continue;
            }
            let Some(p_big) = pricing.hourly(&l.region, name, l.purchase) else {
                continue;
            };
            if p_big != p_small * Decimal::from(k) {
                continue;
            }
            if l.purchase == Purchase::Spot && bucket(name) != bucket(&l.instance_type) {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|(bk, bn, _)| k > *bk || (k == *bk && name < bn))
            {
                best = Some((k, name.clone(), p_big));
            }
        }
        match best {
            None => out.push(l),
            Some((k, name, p_big)) => {
                let big_n = l.count / k;
                let rest = l.count % k;
                let per_instance = l.monthly_usd / Decimal::from(l.count);
                out.push(InstanceLine {
                    instance_type: name,
                    count: big_n,
                    usd_per_hour: p_big,
                    monthly_usd: per_instance * Decimal::from(big_n * k),
                    ..l.clone()
                });
                if rest > 0 {
                    out.push(InstanceLine {
                        count: rest,
                        monthly_usd: per_instance * Decimal::from(rest),
                        ..l
                    });
                }
            }
        }
    }
    out
}

fn fleet_conflict(
    name: &str,
    f: &Fleet,
    spec: &Spec,
    e: &SolveError,
    region: bool,
    specs: &[RegionSpec],
) -> Conflict {
    match e {
        SolveError::Infeasible => {
            let survive: Vec<&str> = spec.survive.iter().map(|d| d.word()).collect();
            let regions: Vec<&str> = specs.iter().map(|s| s.region.as_str()).collect();
            Conflict::new(
                name,
                format!(
                    "no fleet in {} meets peak demand of {:.1} vCPU / {:.1} GiB × flash crowd {} while surviving {}{} with {:.0}% of demand (max spot share {:.0}%)",
                    regions.join(", "),
                    f.peak_vcpu_needed(),
                    f.peak_memory_gib,
                    f.flash_crowd,
                    if survive.is_empty() { "nothing".to_string() } else { survive.join(" + ") },
                    if region { " and a region loss" } else { "" },
                    f.degraded_floor * 100.0,
                    f.max_spot_share * 100.0,
                ),
            ).code(Code::NoCapacity)
            .key(format!("services.{name}.slo.survive"))
        }
        SolveError::NoSolutionInTime => Conflict::new(
            name,
            "the time limit passed before the solver found any plan for this service",
        )
        .code(Code::SolverLimit)
        .help("raise --time-limit"),
        other => Conflict::new(name, other.to_string()).code(Code::SolverLimit),
    }
}

fn dr_conflict(
    name: &str,
    spec: &Spec,
    notes: &BTreeMap<DrPattern, String>,
    what: &str,
) -> Conflict {
    let targets: Vec<String> = [
        ("rto", spec.rto.get(&Disruption::Region)),
        ("rpo", spec.rpo.get(&Disruption::Region)),
    ]
    .iter()
    .filter_map(|(w, d)| d.map(|d| format!("{w}.region {}", duration::format(*d))))
    .collect();
    let why: Vec<String> = notes.iter().map(|(p, w)| format!("{p}: {w}")).collect();
    Conflict::new(
        name,
        format!(
            "no DR pattern gives this {what} {}: {}",
            targets.join(" and "),
            why.join("; ")
        ),
    )
    .code(Code::RecoveryUnreachable)
    .key(format!("services.{name}.slo.rto"))
    .key(format!("services.{name}.slo.rpo"))
}

// ---------------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------------

type StorePlanned = (Consistency, Tier, Candidate, Vec<DrOption>, Vec<Binding>);
/// A store design: quorum or not, its tier, the chosen DR candidate and what else.
type Design = (bool, Tier, Candidate, Vec<DrOption>, Vec<Binding>);

fn plan_store(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    st: &Store,
    spec: &Spec,
) -> Result<StorePlanned, Vec<Conflict>> {
    let designs: Vec<bool> = match svc.consistency {
        Consistency::Strong => vec![true],
        Consistency::Eventual => vec![false],
        Consistency::Auto => vec![true, false],
    };
    let mut done: Vec<Design> = Vec::new();
    let mut conflicts = Vec::new();
    for quorum in designs {
        match store_design(ctx, name, svc, st, spec, quorum) {
            Ok(d) => done.push(d),
            Err(mut c) => conflicts.append(&mut c),
        }
    }
    let auto = svc.consistency == Consistency::Auto;
    let mut best: Option<Design> = None;
    let mut other: Option<(bool, Decimal)> = None;
    for d in done {
        match &best {
            Some(b) if d.2.monthly >= b.2.monthly => other = Some((d.0, d.2.monthly)),
            _ => {
                if let Some(b) = &best {
                    other = Some((b.0, b.2.monthly));
                }
                best = Some(d);
            }
        }
    }
    let Some((quorum, tier, chosen, opts, mut binding)) = best else {
        return Err(conflicts);
    };
    if auto {
        let word = |q: bool| {
            if q {
                "strong (quorum)"
            } else {
                "eventual (async replicas)"
            }
        };
        let detail = match other {
            Some((q, cost)) => format!(
                "chose {} at ${}/month over {} at ${}/month",
                word(quorum),
                chosen.monthly.round_dp(2),
                word(q),
                cost.round_dp(2)
            ),
            None => format!(
                "chose {}: {}",
                word(quorum),
                conflicts
                    .iter()
                    .map(|c| c.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        binding.push(Binding {
            constraint: "consistency".into(),
            detail,
        });
    }
    let consistency = if quorum {
        Consistency::Strong
    } else {
        Consistency::Eventual
    };
    Ok((consistency, tier, chosen, opts, binding))
}

fn design_word(quorum: bool) -> &'static str {
    if quorum {
        "a quorum"
    } else {
        "asynchronous replication"
    }
}

fn store_design(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    st: &Store,
    spec: &Spec,
    quorum: bool,
) -> Result<Design, Vec<Conflict>> {
    let t = ctx.topology;
    let lag = st.replication_lag.unwrap_or(Duration::from_secs(1));
    let tier = if quorum {
        Tier::Quorum { standby_lag: lag }
    } else {
        Tier::Async {
            replication_lag: lag,
            failover: st.failover.unwrap_or(Duration::from_secs(60)),
        }
    };
    let n = st.replicas;
    let mut conflicts = Vec::new();
    let local = local_recovery(tier);
    for d in [Disruption::Instance, Disruption::Zone] {
        for (word, target, got, what) in [
            (
                "rto",
                spec.rto.get(&d),
                local.rto,
                if quorum {
                    "leader election"
                } else {
                    "failover"
                },
            ),
            (
                "rpo",
                spec.rpo.get(&d),
                local.rpo,
                if quorum {
                    "quorum commit"
                } else {
                    "replication lag"
                },
            ),
        ] {
            if let Some(target) = target.filter(|t| got > **t) {
                let key = if word == "rto" {
                    if quorum {
                        "slo"
                    } else {
                        "failover"
                    }
                } else if quorum {
                    "slo"
                } else {
                    "replication_lag"
                };
                conflicts.push(
                    Conflict::new(
                        name,
                        format!(
                            "{} gives {word}.{d} = {} ({what}), above the target {}",
                            design_word(quorum),
                            duration::format(got),
                            duration::format(*target)
                        ),
                    )
                    .code(Code::RecoveryUnreachable)
                    .key(format!("services.{name}.slo.{word}"))
                    .key(format!("services.{name}.{key}")),
                );
            }
        }
    }
    if n < 2
        && (spec.survive.contains(&Disruption::Zone)
            || spec.rto.contains_key(&Disruption::Instance))
    {
        conflicts.push(
            Conflict::new(
                name,
                "a single replica cannot survive losing its instance or zone",
            )
            .code(Code::NoPlan)
            .key(format!("services.{name}.replicas")),
        );
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let allowed = spec.regions(t, name);
    let mut regions = Vec::new();
    let mut priced_by = Vec::new();
    for r in &allowed {
        let priced = candidates::priced(svc, &ctx.pricing, r);
        let member = candidates::member(&priced, st.replica_vcpu, st.replica_memory_gib);
        let monthly = member
            .as_ref()
            .map(store::member_monthly)
            .unwrap_or_default();
        regions.push(StoreRegion {
            region: r.to_string(),
            zones: t.zones.get(*r).cloned().unwrap_or_default(),
            member,
            member_monthly: monthly,
        });
        priced_by.push(priced);
    }
    if regions.iter().all(|r| r.member.is_none()) {
        let largest = priced_by
            .iter()
            .flat_map(|p| candidates::largest(p))
            .max_by(|a, b| {
                a.memory_gib
                    .total_cmp(&b.memory_gib)
                    .then(a.vcpus.total_cmp(&b.vcpus))
            });
        let msg = match largest {
            Some(l) => format!(
                "a replica needs {} vCPU and {} GiB, but the largest allowed type, {}, has {} vCPU and {} GiB",
                st.replica_vcpu, st.replica_memory_gib, l.name, l.vcpus, l.memory_gib
            ),
            None => format!("no allowed instance type has a price in {}", allowed.join(", ")),
        };
        return Err(vec![Conflict::new(name, msg)
            .code(Code::NoCapacity)
            .key(format!("services.{name}.replica_memory_gib"))
            .key(format!("services.{name}.families"))]);
    }
    let rtt = Rtt::of(&ctx.pricing, &regions);
    let budget_ms = if quorum {
        st.commit_latency_budget.map(|d| d.as_secs_f64() * 1000.0)
    } else {
        None
    };
    let rules = |survive_region: bool| Rules {
        n,
        quorum,
        budget_ms,
        survive_zone: spec.survive.contains(&Disruption::Zone),
        survive_region,
        write_gb_per_day: st.write_gb_per_day,
    };
    let order = patterns(spec);
    let mut costs = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let mut cands = Vec::new();
    let mut base: Option<Option<Placement>> = None;
    let mut errors: Vec<Conflict> = Vec::new();
    for p in &order {
        if let Err(why) = meets(region_recovery(*p, tier), spec) {
            notes.insert(*p, why);
            continue;
        }
        let region_rules = rules(*p == DrPattern::ActiveActive);
        let enumerate = |rules: &Rules, goal: Goal| {
            Enumerator {
                pricing: &ctx.pricing,
                regions: &regions,
                rules,
                rtt: &rtt,
                goal,
            }
            .run()
        };
        let placement = if *p == DrPattern::ActiveActive {
            enumerate(&region_rules, Goal::Cost).best
        } else {
            if base.is_none() {
                base = Some(enumerate(&region_rules, Goal::Cost).best);
            }
            base.clone().flatten()
        };
        let Some(placement) = placement else {
            let c = placement_conflict(
                name,
                st,
                &regions,
                &region_rules,
                &rtt,
                &|r, g| enumerate(r, g),
                quorum,
            );
            notes.insert(*p, c.message.clone());
            errors.push(c);
            continue;
        };
        let (lines, mut transfer) = placement_lines(&ctx.pricing, &regions, &placement, quorum, st);
        let mut lines = lines;
        let leader = &regions[placement.leader];
        let mut binding = placement_binding(&regions, &placement, &region_rules, st);
        match p {
            DrPattern::WarmStandby | DrPattern::PilotLight => {
                let mut best: Option<(Decimal, InstanceLine, TransferLine)> = None;
                for (q, reg) in regions.iter().enumerate() {
                    if q == placement.leader {
                        continue;
                    }
                    let member = if *p == DrPattern::WarmStandby {
                        reg.member.clone()
                    } else {
                        candidates::member(
                            &priced_by[q],
                            st.replica_vcpu * PILOT_LIGHT_CPU_SHARE,
                            st.replica_memory_gib,
                        )
                    };
                    let Some(m) = member else { continue };
                    let Some(per_gb) = ctx
                        .pricing
                        .inter_region_usd_per_gb(&leader.region, &reg.region)
                    else {
                        continue;
                    };
                    let line = InstanceLine {
                        region: reg.region.clone(),
                        zone: reg.zones.first().cloned(),
                        instance_type: m.name.clone(),
                        count: 1,
                        purchase: m.always_on,
                        role: Role::Standby,
                        layer: Layer::Standby,
                        running_fraction: Decimal::ONE,
                        usd_per_hour: m.always_on_hourly,
                        monthly_usd: store::member_monthly(&m),
                    };
                    let tl = transfer_line(
                        &ctx.pricing,
                        st,
                        "standby replication",
                        &leader.region,
                        leader.zones.first(),
                        &reg.region,
                        line.zone.as_ref(),
                        1,
                        per_gb,
                    );
                    let total = line.monthly_usd + tl.monthly_usd;
                    if best.as_ref().is_none_or(|(b, ..)| total < *b) {
                        best = Some((total, line, tl));
                    }
                }
                let Some((_, line, tl)) = best else {
                    notes.insert(
                        *p,
                        "needs a second allowed region for the standby replica".into(),
                    );
                    continue;
                };
                binding.push(Binding {
                    constraint: "dr".into(),
                    detail: format!(
                        "{p}: standby replica {} in {}",
                        line.instance_type, line.region
                    ),
                });
                lines.push(line);
                transfer.push(tl);
            }
            DrPattern::BackupRestore => {
                let best = regions
                    .iter()
                    .enumerate()
                    .filter(|(q, _)| *q != placement.leader)
                    .filter_map(|(_, r)| {
                        ctx.pricing
                            .inter_region_usd_per_gb(&leader.region, &r.region)
                            .map(|price| (price, r.region.clone()))
                    })
                    .min();
                let Some((per_gb, to)) = best else {
                    notes.insert(*p, "needs a second allowed region for the backups".into());
                    continue;
                };
                transfer.push(transfer_line(
                    &ctx.pricing,
                    st,
                    "daily backup copy",
                    &leader.region,
                    None,
                    &to,
                    None,
                    1,
                    per_gb,
                ));
            }
            _ => {}
        }
        let monthly = lines.iter().map(|l| l.monthly_usd).sum::<Decimal>()
            + transfer.iter().map(|t| t.monthly_usd).sum::<Decimal>();
        let objective = store::to_f64(monthly);
        costs.insert(*p, monthly);
        cands.push(Candidate {
            pattern: *p,
            monthly,
            lines,
            transfer,
            binding: std::mem::take(&mut binding),
            solve: SolveInfo {
                backend: "enumeration".into(),
                status: "optimal".into(),
                objective,
                best_bound: objective,
                gap: 0.0,
                seconds: 0.0,
                milps: 0,
                variables: n,
                constraints: 0,
            },
        });
    }
    let dr = DrChoice {
        order: &order,
        costs: &costs,
        notes: &notes,
        residency: (allowed.len() < t.regions.len()).then_some(allowed.as_slice()),
    };
    let what = if quorum { "quorum" } else { "store" };
    let (chosen, report, binding) = dr.conclude(name, spec, cands, errors, tier, what)?;
    Ok((quorum, tier, chosen, report, binding))
}

#[allow(clippy::too_many_arguments)]
fn transfer_line(
    pricing: &Pricing<'_>,
    st: &Store,
    what: &str,
    from_region: &str,
    from_zone: Option<&String>,
    to_region: &str,
    to_zone: Option<&String>,
    copies: u32,
    per_gb: Decimal,
) -> TransferLine {
    let gb = cost::decimal(st.write_gb_per_day) * cost::days_per_month() * Decimal::from(copies);
    let from = from_zone.map_or(from_region, String::as_str);
    let to = to_zone.map_or(to_region, String::as_str);
    TransferLine {
        what: format!(
            "{what} {from} → {to}{}",
            if copies > 1 {
                format!(" (× {copies})")
            } else {
                String::new()
            }
        ),
        from_region: from_region.to_string(),
        to_region: to_region.to_string(),
        gb_per_month: gb.round_dp(2),
        usd_per_gb: per_gb,
        monthly_usd: pricing
            .transfer_monthly(st.write_gb_per_day, per_gb * Decimal::from(copies))
            .round_dp(6),
    }
}

fn placement_lines(
    pricing: &Pricing<'_>,
    regions: &[StoreRegion],
    p: &Placement,
    quorum: bool,
    st: &Store,
) -> (Vec<InstanceLine>, Vec<TransferLine>) {
    let mut lines = Vec::new();
    let mut transfer = Vec::new();
    let leader = &regions[p.leader];
    let leader_zone = leader.zones.get(p.leader_zone);
    for (r, zones) in p.spread.iter().enumerate() {
        let reg = &regions[r];
        let Some(m) = &reg.member else { continue };
        for (z, &count) in zones.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let zone = reg.zones.get(z).cloned();
            let line = |count: u32, role: Role| InstanceLine {
                region: reg.region.clone(),
                zone: zone.clone(),
                instance_type: m.name.clone(),
                count,
                purchase: m.always_on,
                role,
                layer: Layer::Base,
                running_fraction: Decimal::ONE,
                usd_per_hour: m.always_on_hourly,
                monthly_usd: store::member_monthly(m) * Decimal::from(count),
            };
            let is_leader_zone = r == p.leader && z == p.leader_zone;
            if quorum {
                lines.push(line(count, Role::Active));
            } else if is_leader_zone {
                lines.push(line(1, Role::Primary));
                if count > 1 {
                    lines.push(line(count - 1, Role::Replica));
                }
            } else {
                lines.push(line(count, Role::Replica));
            }
            let followers = if is_leader_zone { count - 1 } else { count };
            if followers == 0 {
                continue;
            }
            let per_gb = if is_leader_zone {
                Decimal::ZERO
            } else if r == p.leader {
                pricing.inter_az_usd_per_gb()
            } else {
                pricing
                    .inter_region_usd_per_gb(&leader.region, &reg.region)
                    .unwrap_or_default()
            };
            if per_gb > Decimal::ZERO {
                transfer.push(transfer_line(
                    pricing,
                    st,
                    "replication",
                    &leader.region,
                    leader_zone,
                    &reg.region,
                    zone.as_ref(),
                    followers,
                    per_gb,
                ));
            }
        }
    }
    (lines, transfer)
}

fn placement_binding(
    regions: &[StoreRegion],
    p: &Placement,
    rules: &Rules,
    st: &Store,
) -> Vec<Binding> {
    let mut out = Vec::new();
    let remain = rules.must_remain();
    let what = if rules.quorum {
        format!("a majority of {remain}")
    } else {
        format!("{remain} member(s) to promote")
    };
    if rules.survive_zone {
        out.push(Binding {
            constraint: if rules.quorum {
                "quorum-majority"
            } else {
                "zone-loss"
            }
            .into(),
            detail: format!(
                "at most {} of {} members per zone so a zone loss leaves {what}",
                rules.n - remain,
                rules.n
            ),
        });
    }
    if rules.survive_region {
        out.push(Binding {
            constraint: if rules.quorum {
                "quorum-majority"
            } else {
                "region-loss"
            }
            .into(),
            detail: format!(
                "at most {} of {} members per region so a region loss leaves {what}",
                rules.n - remain,
                rules.n
            ),
        });
    }
    if let (Some(b), Some(worst)) = (st.commit_latency_budget, p.worst_commit_ms) {
        let counts: Vec<String> = p
            .counts()
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(r, c)| format!("{c} × {}", regions[r].region))
            .collect();
        out.push(Binding {
            constraint: "commit-latency".into(),
            detail: format!(
                "{} worst commit latency (normal {}) within the {} budget, placed {}",
                ms(worst),
                ms(p.commit_ms.unwrap_or(worst)),
                ms(b.as_secs_f64() * 1000.0),
                counts.join(" + ")
            ),
        });
    }
    out
}

type EnumerateFn<'a> = dyn Fn(&Rules, Goal) -> store::Enumerated + 'a;

fn placement_conflict(
    name: &str,
    st: &Store,
    regions: &[StoreRegion],
    rules: &Rules,
    rtt: &Rtt,
    enumerate: &EnumerateFn<'_>,
    quorum: bool,
) -> Conflict {
    let n = rules.n;
    let what = match (rules.survive_zone, rules.survive_region) {
        (_, true) => "survive a region loss",
        (true, false) => "survive a zone loss",
        _ => "be placed",
    };
    let _ = rtt;
    if quorum && rules.budget_ms.is_some() {
        let loose = enumerate(rules, Goal::Latency);
        if let Some(best) = loose.best {
            let need = best.worst_commit_ms.unwrap_or(f64::INFINITY);
            let counts: Vec<String> = best
                .counts()
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(r, c)| format!("{c} × {}", regions[r].region))
                .collect();
            let budget = st
                .commit_latency_budget
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0);
            let mut c = Conflict::new(
                name,
                format!(
                    "{n} replicas within a {} commit budget cannot {what}: the lowest-latency quorum that can ({}) needs {}",
                    ms(budget),
                    counts.join(" + "),
                    ms(need)
                ),
            ).code(Code::QuorumImpossible)
            .key(format!("services.{name}.commit_latency_budget"))
            .help(format!(
                "raise commit_latency_budget to at least {}, or drop `{}` from slo.survive",
                ms(need.ceil()),
                if rules.survive_region { "region" } else { "zone" }
            ));
            c.keys.push(format!("services.{name}.slo.survive"));
            return c;
        }
    }
    // Not a latency problem: count the zones and regions the loss rules need.
    let remain = rules.must_remain();
    let cap = n - remain;
    let usable: Vec<&StoreRegion> = regions.iter().filter(|r| r.member.is_some()).collect();
    let why = if rules.survive_region {
        let need = if cap == 0 { u32::MAX } else { n.div_ceil(cap) };
        format!(
            "with at most {cap} of {n} members per region (so a region loss leaves {remain}), they need {} regions; the service may use {} ({})",
            if need == u32::MAX { "infinitely many".to_string() } else { need.to_string() },
            usable.len(),
            usable.iter().map(|r| r.region.as_str()).collect::<Vec<_>>().join(", ")
        )
    } else {
        let zones: usize = usable.iter().map(|r| r.zones.len()).max().unwrap_or(0);
        let need = if cap == 0 { u32::MAX } else { n.div_ceil(cap) };
        format!(
            "with at most {cap} of {n} members per zone (so a zone loss leaves {remain}), they need {} zones in one region; the most any allowed region offers is {zones}",
            if need == u32::MAX { "infinitely many".to_string() } else { need.to_string() },
        )
    };
    Conflict::new(name, format!("{n} replicas cannot {what}: {why}"))
        .code(Code::QuorumImpossible)
        .key(format!("services.{name}.replicas"))
        .key(format!("services.{name}.slo.survive"))
        .key(format!("constraints.allowed_regions.{name}"))
}

/// Whether `name` is a step of a journey or a hard dependency, transitively, of one.
fn journey_needs(t: &Topology, steps: &[String], name: &str) -> bool {
    let mut stack: Vec<&str> = steps.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    while let Some(s) = stack.pop() {
        if s == name {
            return true;
        }
        if !seen.insert(s) {
            continue;
        }
        if let Some(svc) = t.services.get(s) {
            stack.extend(
                svc.depends_on
                    .iter()
                    .filter(|(_, st)| **st == faultline_models::topology::Strength::Hard)
                    .map(|(d, _)| d.as_str()),
            );
        }
    }
    false
}
