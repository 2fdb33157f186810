//! Stateless fleets: each DR pattern's fleet solved as MILPs over the allowed regions
//! (a single-region fleet tries each region in order of its LP bound), the warm
//! standby sized on its own, and the cheapest pattern chosen.

mod consolidate;
pub mod model;
pub mod solve;

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::cost::{region_recovery, Tier, WARM_STANDBY_SHARE};
use faultline_models::deployment::{DrPattern, Role, Words};
use faultline_models::diag::Code;
use faultline_models::plan::{Binding, Constraint, DrOption, Layer, SolveInfo};
use faultline_models::topology::{Disruption, Fleet, Service};
use faultline_models::{locality, parallel};
use rust_decimal::Decimal;

use super::backend::{self, rel_gap, SolveError, SolveStatus};
use super::candidates::{self, InstanceCap};
use super::context::Ctx;
use super::dr::{self, Candidate, DrChoice};
use super::explain::Conflict;
use super::owned::{self, Offer};
use super::spec::Spec;
use consolidate::consolidate;
use faultline_models::owned::Scope;
pub use model::{Column, FleetDemand, FleetProblem, FleetShape, RegionSpec};
pub use solve::{solve, FleetSolution, Hint};

type Planned = (Candidate, Vec<DrOption>, Vec<Binding>, Warm);

/// Plans of a fleet's solves, to start a related solve from: the active-active fleet
/// and the single-region one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warm {
    pub active_active: Option<Hint>,
    pub single: Option<Hint>,
}

pub(crate) fn plan_fleet(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    f: &Fleet,
    spec: &Spec,
    warm: Option<&Warm>,
) -> Result<Planned, Vec<Conflict>> {
    let t = ctx.topology;
    let allowed = spec.regions(t, name);
    let resident = spec.resident(t, name);
    let shape = FleetShape::of(&f.profile);
    let demand = FleetDemand::of(f, &shape);
    let mut specs = Vec::new();
    let mut caps = BTreeMap::new();
    let policy = t.purchase_for(name);
    // Every resident region gets its candidates: those near the hard dependencies
    // serve, and any of them may hold a standby (it serves only after a failover,
    // when the dependencies have failed over too).
    let mut standby_specs = Vec::new();
    let offers: &[Offer] = ctx.owned.get(name).map_or(&[], Vec::as_slice);
    // Types an owned reservation matches exactly stay as planned (not consolidated).
    let exact: Vec<(String, String)> = offers
        .iter()
        .filter_map(|o| match &o.scope {
            Scope::Type(t) => Some((o.region.clone(), t.clone())),
            Scope::Family(_) => None,
        })
        .collect();
    for r in &resident {
        let zones = t.zones.get(*r).cloned().unwrap_or_default();
        let all = candidates::priced(svc, &ctx.pricing, r, &zones, &policy);
        let cap = candidates::instance_cap(
            &all,
            demand.vcpu * demand.flash,
            demand.memory * demand.flash,
            f.max_instance_share,
        );
        let priced = candidates::within_cap(&all, cap);
        caps.insert(r.to_string(), cap);
        // Owned instances from every allowed type, not the dominance front: a type
        // another dominates may be the one already paid for.
        let owned = owned::cands(offers, r, &priced);
        let s = RegionSpec {
            region: r.to_string(),
            zones,
            non_spot: candidates::non_spot_front(&priced),
            spot: candidates::spot_candidates(&priced, &spec.survive, f.max_spot_share),
            owned,
        };
        if !s.non_spot.is_empty() {
            if allowed.contains(r) {
                specs.push(s.clone());
            }
            standby_specs.push(s);
        }
    }
    if specs.is_empty() {
        return Err(vec![no_types(name, svc, &allowed)]);
    }
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
    // Where users are located, a fleet serves from a set of regions that keeps each
    // share within its latency budget; otherwise from one region (or, surviving a
    // region loss, from any of them, pooled).
    let located = !f.users.is_empty();
    let sets: Result<Vec<RegionSet>, String> = if located {
        region_sets(ctx, f, &zone_ok, false)
    } else {
        Ok(zone_ok
            .iter()
            .map(|s| RegionSet::pooled(vec![s.clone()]))
            .collect())
    };
    let order = dr::patterns(spec);
    let mut costs = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let mut cands = Vec::new();
    let mut single: Option<Result<(usize, FleetSolution), SolveError>> = None;
    let mut errors: Vec<Conflict> = Vec::new();
    let mut found = Warm::default();
    for p in &order {
        if let Err(why) = dr::meets(region_recovery(*p, Tier::Fleet), spec) {
            notes.insert(*p, why);
            continue;
        }
        // A located set's region losses are its regions' failover shares.
        let problem = |set: &RegionSet, region_loss: bool| FleetProblem {
            regions: set.regions.clone(),
            shape,
            demand,
            survive: survive.clone(),
            region_loss: region_loss && set.located.is_none(),
            base_on_spot: f.base_on_spot,
            located: set.located.clone(),
            offers: offers.to_vec(),
        };
        match p {
            DrPattern::ActiveActive => {
                if specs.len() < 2 {
                    let why = if standby_specs.len() >= 2 {
                        format!(
                            "needs two regions near its hard dependencies (within their latency budgets); only {} is",
                            specs.iter().map(|s| s.region.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    } else {
                        "needs two allowed regions with a usable instance type".into()
                    };
                    notes.insert(*p, why);
                    continue;
                }
                let hint = warm.and_then(|w| w.active_active.as_ref());
                let result = if located {
                    match region_sets(ctx, f, &specs, true) {
                        Ok(sets) => best_set(ctx, &sets, &problem, true, &|_| Some(0.0), hint)
                            .map(|(_, sol)| sol),
                        Err(why) => {
                            notes.insert(*p, why.clone());
                            errors.push(users_conflict(name, &why));
                            continue;
                        }
                    }
                } else {
                    let pr = problem(&RegionSet::pooled(specs.clone()), true);
                    solve(&pr, &ctx.pricing, &ctx.settings(), hint)
                };
                match result {
                    Ok(sol) => {
                        found.active_active = Some(sol.hint.clone());
                        let c = fleet_candidate(ctx, *p, sol, None, &caps, &exact);
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
                    match standbys(ctx, &standby_specs, &demand, offers) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            notes.insert(*p, e.to_string());
                            continue;
                        }
                    }
                } else {
                    None
                };
                let sets = match &sets {
                    Ok(s) => s,
                    Err(why) => {
                        notes.insert(*p, why.clone());
                        errors.push(users_conflict(name, why));
                        continue;
                    }
                };
                let main = match (&standby, &single) {
                    (None, Some(found)) => found.clone(),
                    _ => {
                        let extra = |i: usize| -> Option<f64> {
                            match &standby {
                                None => Some(0.0),
                                Some(sb) => sb
                                    .iter()
                                    .filter(|(r, _)| !sets[i].has(r))
                                    .map(|(_, s)| s.objective)
                                    .fold(None, |a: Option<f64>, x| {
                                        Some(a.map_or(x, |a| a.min(x)))
                                    }),
                            }
                        };
                        let hint = warm.and_then(|w| w.single.as_ref());
                        let result = best_set(ctx, sets, &problem, false, &extra, hint);
                        if standby.is_none() {
                            single = Some(result.clone());
                        }
                        result
                    }
                };
                match main {
                    Ok((i, sol)) => {
                        if found.single.is_none() {
                            found.single = Some(sol.hint.clone());
                        }
                        let sb = standby.as_ref().and_then(|sb| {
                            sb.iter()
                                .filter(|(r, _)| !sets[i].has(r))
                                .min_by(|a, b| {
                                    a.1.objective.total_cmp(&b.1.objective).then(a.0.cmp(&b.0))
                                })
                                .cloned()
                        });
                        if *p == DrPattern::WarmStandby && sb.is_none() {
                            notes.insert(*p, "needs a second region for the standby".into());
                            continue;
                        }
                        let c = fleet_candidate(ctx, *p, sol, sb, &caps, &exact);
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
        residency: (resident.len() < t.regions.len()).then_some(resident.as_slice()),
    };
    let (chosen, report, binding) =
        dr.conclude(name, spec, cands, errors, Tier::Fleet, "stateless fleet")?;
    Ok((chosen, report, binding, found))
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

/// A set of regions a fleet may serve from, with the share of the demand each
/// carries where users are located.
#[derive(Debug, Clone)]
pub(crate) struct RegionSet {
    pub regions: Vec<RegionSpec>,
    pub located: Option<model::Located>,
}

impl RegionSet {
    fn pooled(regions: Vec<RegionSpec>) -> RegionSet {
        RegionSet {
            regions,
            located: None,
        }
    }

    fn has(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r.region == region)
    }
}

/// Every set of `specs` whose routing keeps each share of the fleet's users within its
/// client latency budget (after any one region's loss too, with `region_loss`) and
/// gives every region of the set a share to carry, with those shares; or why none does.
fn region_sets(
    ctx: &Ctx<'_>,
    f: &Fleet,
    specs: &[RegionSpec],
    region_loss: bool,
) -> Result<Vec<RegionSet>, String> {
    let catalog = ctx.pricing.catalog();
    let n = specs.len().min(MAX_LOCATED_REGIONS);
    let mut out = Vec::new();
    let mut why = None;
    for mask in 1u32..(1 << n) {
        let members: Vec<&RegionSpec> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| &specs[i])
            .collect();
        if region_loss && members.len() < 2 {
            continue;
        }
        let names: BTreeSet<String> = members.iter().map(|s| s.region.clone()).collect();
        let routing = match locality::route(catalog, f, &names, region_loss) {
            Ok(r) => r,
            Err(e) => {
                // The reason of the set of every region says most: what even it lacks.
                if mask == (1 << n) - 1 {
                    why = Some(e);
                }
                continue;
            }
        };
        if routing.has_idle_region() {
            continue;
        }
        let share = |load: &BTreeMap<String, f64>, r: &str| load.get(r).copied().unwrap_or(0.0);
        let normal = members
            .iter()
            .map(|s| share(&routing.normal, &s.region))
            .collect();
        let failover = members
            .iter()
            .map(|s| {
                routing
                    .after_loss
                    .iter()
                    .filter(|(lost, _)| **lost != s.region)
                    .map(|(_, load)| share(load, &s.region))
                    .fold(0.0, f64::max)
            })
            .collect();
        out.push(RegionSet {
            regions: members.into_iter().cloned().collect(),
            located: Some(model::Located { normal, failover }),
        });
    }
    if out.is_empty() {
        return Err(why.unwrap_or_else(|| {
            "no set of its regions serves every share of its users".to_string()
        }));
    }
    Ok(out)
}

/// The most regions whose sets a located fleet tries (2^n − 1 of them).
const MAX_LOCATED_REGIONS: usize = 10;

fn users_conflict(name: &str, why: &str) -> Conflict {
    Conflict::new(
        name,
        format!(
            "no set of its allowed regions serves its users within their latency budget: {why}"
        ),
    )
    .code(Code::NoPlan)
    .key(format!("services.{name}.client_latency_budget"))
    .key(format!("services.{name}.users"))
    .help("raise client_latency_budget, or add a candidate region near those users")
}

/// Solves each set's problem, in order of LP bound, skipping sets whose bound cannot
/// beat the best plan found (within the gap). The plan's bound is the smallest over
/// every set, so it holds for the choice of set too.
fn best_set(
    ctx: &Ctx<'_>,
    sets: &[RegionSet],
    problem: &dyn Fn(&RegionSet, bool) -> FleetProblem,
    region_loss: bool,
    extra: &dyn Fn(usize) -> Option<f64>,
    hint: Option<&Hint>,
) -> Result<(usize, FleetSolution), SolveError> {
    let settings = ctx.settings();
    let mut bounds = Vec::new();
    let mut last_err = SolveError::Infeasible;
    for (i, s) in sets.iter().enumerate() {
        let Some(x) = extra(i) else { continue };
        let pr = problem(s, region_loss);
        match backend::lp_bound(&pr.build().model) {
            Ok(lp) => bounds.push((lp + x, i, x)),
            Err(e) => last_err = e,
        }
    }
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut best: Option<(f64, usize, FleetSolution)> = None;
    let mut floor = f64::INFINITY;
    let mut parts = BTreeMap::new();
    let mut milps = 0;
    let mut worst = SolveStatus::Optimal;
    for (total_bound, i, x) in bounds {
        if let Some((inc, ..)) = &best {
            if total_bound >= inc * (1.0 - settings.gap) - 1e-9 {
                floor = floor.min(total_bound);
                continue;
            }
        }
        let pr = problem(&sets[i], region_loss);
        let result = match &pr.located {
            None => solve(&pr, &ctx.pricing, &settings, hint),
            Some(l) => by_region(ctx, &pr, l, &mut parts, hint),
        };
        match result {
            Ok(sol) => {
                milps += sol.milps;
                worst = worst.max(sol.status);
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
        Some((_, i, mut sol)) => {
            let x = extra(i).unwrap_or(0.0);
            sol.best_bound = (floor - x).min(sol.objective);
            sol.milps = milps;
            sol.status = backend::certify(worst, sol.objective, sol.best_bound, settings.gap);
            Ok((i, sol))
        }
        None => Err(last_err),
    }
}

/// A located fleet's problem solved as what it is, one problem per region (every row
/// is about one region): the sum of their plans, objectives and bounds. The parts
/// share one MILP's node budget; a region with the same shares and budget in another
/// set has the same plan, so each is solved once.
fn by_region(
    ctx: &Ctx<'_>,
    pr: &FleetProblem,
    l: &model::Located,
    parts: &mut BTreeMap<(String, u64, u64, u64), Result<FleetSolution, SolveError>>,
    hint: Option<&Hint>,
) -> Result<FleetSolution, SolveError> {
    // The set's parts share one MILP's work budget.
    let mut settings = ctx.settings();
    settings.nodes = (settings.nodes / pr.regions.len() as u64).max(1);
    let keys: Vec<_> = pr
        .regions
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            (
                r.region.clone(),
                l.normal[ri].to_bits(),
                l.failover[ri].to_bits(),
                settings.nodes,
            )
        })
        .collect();
    // The parts not solved before, in parallel: each is a function of its own
    // problem alone, so the order they finish in changes nothing.
    let missing: Vec<usize> = (0..keys.len())
        .filter(|i| !parts.contains_key(&keys[*i]))
        .collect();
    let solved = parallel::map(&missing, |ri| {
        let one = FleetProblem {
            regions: vec![pr.regions[*ri].clone()],
            located: Some(model::Located {
                normal: vec![l.normal[*ri]],
                failover: vec![l.failover[*ri]],
            }),
            ..pr.clone()
        };
        solve(&one, &ctx.pricing, &settings, hint)
    });
    for (ri, sol) in missing.into_iter().zip(solved) {
        parts.insert(keys[ri].clone(), sol);
    }
    let mut total: Option<FleetSolution> = None;
    for key in &keys {
        let part = parts[key].clone()?;
        total = Some(match total {
            None => part,
            Some(mut t) => {
                t.lines.extend(part.lines);
                t.objective += part.objective;
                t.best_bound += part.best_bound;
                t.status = t.status.max(part.status);
                t.milps += part.milps;
                t.variables += part.variables;
                t.constraints += part.constraints;
                t.binding.extend(part.binding);
                t.hint.0.extend(part.hint.0);
                t.paid += part.paid;
                t
            }
        });
    }
    let mut t = total.ok_or(SolveError::Infeasible)?;
    t.binding.sort();
    t.binding.dedup();
    Ok(t)
}

/// The cheapest warm standby in each region: `WARM_STANDBY_SHARE` of peak capacity,
/// always on, no spot.
fn standbys(
    ctx: &Ctx<'_>,
    specs: &[RegionSpec],
    d: &FleetDemand,
    offers: &[Offer],
) -> Result<Vec<(String, FleetSolution)>, SolveError> {
    let mut out = Vec::new();
    for s in specs {
        let pr = FleetProblem {
            regions: vec![RegionSpec {
                spot: Vec::new(),
                ..s.clone()
            }],
            shape: FleetShape {
                peak: 1.0,
                base: 1.0,
                running: 0.0,
            },
            demand: FleetDemand {
                vcpu: d.vcpu * WARM_STANDBY_SHARE,
                memory: d.memory * WARM_STANDBY_SHARE,
                flash: 1.0,
                floor: 1.0,
                spot_share: 0.0,
            },
            survive: BTreeSet::new(),
            region_loss: false,
            base_on_spot: false,
            located: None,
            offers: offers.to_vec(),
        };
        let mut sol = solve(&pr, &ctx.pricing, &ctx.settings(), None)?;
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
    pattern: DrPattern,
    sol: FleetSolution,
    standby: Option<(String, FleetSolution)>,
    caps: &BTreeMap<String, InstanceCap>,
    exact: &[(String, String)],
) -> Candidate {
    let mut lines = consolidate(&ctx.pricing, sol.lines.clone(), caps, exact);
    let mut solve = SolveInfo {
        backend: ctx.options.backend.name().into(),
        status: sol.status,
        objective: sol.objective,
        best_bound: sol.best_bound,
        gap: 0.0,
        seconds: 0.0,
        milps: sol.milps,
        variables: sol.variables,
        constraints: sol.constraints,
    };
    let mut binding = sol.binding.clone();
    let mut paid = sol.paid;
    if let Some((region, sb)) = standby {
        lines.extend(consolidate(&ctx.pricing, sb.lines.clone(), caps, exact));
        paid += sb.paid;
        solve.objective += sb.objective;
        solve.best_bound += sb.best_bound;
        solve.milps += sb.milps;
        solve.variables += sb.variables;
        solve.constraints += sb.constraints;
        binding.push(Binding {
            constraint: Constraint::Dr,
            detail: format!(
                "warm standby in {region}: {:.0}% of peak capacity, always on",
                WARM_STANDBY_SHARE * 100.0
            ),
        });
    }
    let used: BTreeSet<&str> = lines.iter().map(|l| l.region.as_str()).collect();
    for r in used {
        let Some(cap) = caps.get(r).filter(|c| c.binds()) else {
            continue;
        };
        let limit = |x: f64, unit: &str| x.is_finite().then(|| format!("{x:.1}{unit}"));
        let limits: Vec<String> = [limit(cap.vcpu, " vCPU"), limit(cap.memory, " GiB")]
            .into_iter()
            .flatten()
            .collect();
        binding.push(Binding {
            constraint: Constraint::BlastRadius,
            detail: format!(
                "{r}: no instance above {} ({:.0}% of peak capacity, max_instance_share)",
                limits.join(" / "),
                cap.share * 100.0
            ),
        });
    }
    solve.gap = rel_gap(solve.objective, solve.best_bound);
    let monthly: Decimal = lines.iter().map(|l| l.monthly_usd).sum();
    Candidate {
        pattern,
        monthly,
        paid,
        lines,
        transfer: Vec::new(),
        binding,
        solve,
    }
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
        SolveError::NoSolutionInBudget => Conflict::new(
            name,
            "the solver's work budget ran out before it found any plan for this service (which does not prove there is none)",
        )
        .code(Code::SolverLimit)
        .help("loosen --gap, or split the service's demand over fewer candidate families or regions"),
        other => Conflict::new(name, other.to_string()).code(Code::SolverLimit),
    }
}
