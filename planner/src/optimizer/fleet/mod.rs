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
use rust_decimal::Decimal;

use super::backend::{self, rel_gap, SolveError, SolveStatus};
use super::candidates::{self, InstanceCap};
use super::context::Ctx;
use super::dr::{self, Candidate, DrChoice};
use super::explain::Conflict;
use super::spec::Spec;
use consolidate::consolidate;
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
    let shape = FleetShape::of(&f.profile);
    let demand = FleetDemand::of(f, &shape);
    let mut specs = Vec::new();
    let mut caps = BTreeMap::new();
    let policy = t.purchase_for(name);
    for r in &allowed {
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
        let s = RegionSpec {
            region: r.to_string(),
            zones,
            non_spot: candidates::non_spot_front(&priced),
            spot: candidates::spot_candidates(&priced, &spec.survive, f.max_spot_share),
        };
        if !s.non_spot.is_empty() {
            specs.push(s);
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
        let problem = |regions: Vec<RegionSpec>, region_loss: bool| FleetProblem {
            regions,
            shape,
            demand,
            survive: survive.clone(),
            region_loss,
            base_on_spot: f.base_on_spot,
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
                let hint = warm.and_then(|w| w.active_active.as_ref());
                match solve(&pr, &ctx.pricing, &ctx.settings(), hint) {
                    Ok(sol) => {
                        found.active_active = Some(sol.hint.clone());
                        let c = fleet_candidate(ctx, *p, sol, None, &caps);
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
                        let hint = warm.and_then(|w| w.single.as_ref());
                        let result = best_single(ctx, &zone_ok, &problem, &extra, hint);
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
                        let c = fleet_candidate(ctx, *p, sol, sb, &caps);
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

/// Solves each single-region problem, in order of LP bound, skipping regions whose
/// bound cannot beat the best plan found (within the gap). The plan's bound is the
/// smallest over every region, so it holds for the choice of region too.
fn best_single(
    ctx: &Ctx<'_>,
    specs: &[RegionSpec],
    problem: &dyn Fn(Vec<RegionSpec>, bool) -> FleetProblem,
    extra: &dyn Fn(usize) -> Option<f64>,
    hint: Option<&Hint>,
) -> Result<(usize, FleetSolution), SolveError> {
    let settings = ctx.settings();
    let mut bounds = Vec::new();
    let mut last_err = SolveError::Infeasible;
    for (i, s) in specs.iter().enumerate() {
        let Some(x) = extra(i) else { continue };
        let pr = problem(vec![s.clone()], false);
        match backend::lp_bound(&pr.build().model) {
            Ok(lp) => bounds.push((lp + x, i, x)),
            Err(e) => last_err = e,
        }
    }
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut best: Option<(f64, usize, FleetSolution)> = None;
    let mut floor = f64::INFINITY;
    let mut milps = 0;
    let mut worst = SolveStatus::Optimal;
    for (total_bound, i, x) in bounds {
        if let Some((inc, ..)) = &best {
            if total_bound >= inc * (1.0 - settings.gap) - 1e-9 {
                floor = floor.min(total_bound);
                continue;
            }
        }
        let pr = problem(vec![specs[i].clone()], false);
        match solve(&pr, &ctx.pricing, &settings, hint) {
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
            let gap = rel_gap(sol.objective, sol.best_bound);
            // A solve the deadline stopped may differ on another machine, whatever the
            // gap it reached.
            sol.status = if worst == SolveStatus::TimeLimit {
                SolveStatus::TimeLimit
            } else if gap <= 1e-9 {
                SolveStatus::Optimal
            } else if gap <= settings.gap {
                SolveStatus::WithinGap
            } else {
                worst.max(SolveStatus::WorkLimit)
            };
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
    d: &FleetDemand,
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
) -> Candidate {
    let mut lines = consolidate(&ctx.pricing, sol.lines.clone(), caps);
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
    if let Some((region, sb)) = standby {
        lines.extend(consolidate(&ctx.pricing, sb.lines.clone(), caps));
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
