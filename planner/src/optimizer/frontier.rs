//! The resilience frontier: every service re-solved at rising levels of what it
//! survives (nothing → zone → zone + spot → zone + spot + region), each level assessed
//! by the failure model; the cheapest mix of levels for rising availability targets
//! (what each extra nine costs); and the monthly cost each of the topology's
//! requirements adds to each service.
//!
//! Each level asks for everything the level below it asks for, so its plans are
//! feasible one level down: levels are solved strictest first, each starting from the
//! plan above it, and a service whose looser plan came out dearer than its stricter
//! one takes the stricter plan. Cost therefore never falls as requirements are added.
//! A level that asks for what no service of the topology can do (a region loss with
//! one region) is marked impossible, not priced. The frontier runs under the same
//! deadline as the plan it extends.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::deployment::{DrPattern, Words};
use faultline_models::failure::Deployment;
use faultline_models::locality;
use faultline_models::plan::{
    Frontier, FrontierLevel, FrontierTarget, LevelService, MarginalCost, Plan, ServicePlan,
};
use faultline_models::topology::{Consistency, Demand, Disruption, Service, Topology};
use rust_decimal::Decimal;

use super::context::Ctx;
use super::document::assemble;
use super::estimate::Assessed;
use super::fleet::Warm;
use super::{assess, estimate, fill_availability, service, spec_for, SolveOptions, Spec};

/// The ladder, lowest first.
pub const LEVELS: [(&str, &[Disruption]); 4] = [
    ("nothing", &[]),
    ("zone", &[Disruption::Zone]),
    ("zone + spot", &[Disruption::Zone, Disruption::Spot]),
    (
        "zone + spot + region",
        &[Disruption::Zone, Disruption::Spot, Disruption::Region],
    ),
];

/// Availability targets the frontier prices.
pub const TARGETS: [f64; 5] = [0.999, 0.9995, 0.9999, 0.99995, 0.99999];

/// Why no service of the topology can survive `d`, if none can.
pub fn impossible(t: &Topology, d: Disruption) -> Option<String> {
    match d {
        Disruption::Region => {
            let any = t.services.keys().any(|n| t.regions_for(n).len() >= 2);
            (!any).then(|| {
                if t.regions.len() < 2 {
                    format!(
                        "a region loss cannot be survived: the topology has one region ({})",
                        t.regions.join(", ")
                    )
                } else {
                    "a region loss cannot be survived: every service may run in one region only"
                        .to_string()
                }
            })
        }
        Disruption::Zone => {
            let any = t.services.keys().any(|n| {
                t.regions_for(n)
                    .iter()
                    .any(|r| t.zones.get(*r).is_some_and(|z| z.len() >= 2))
            });
            (!any).then(|| {
                "a zone loss cannot be survived: every allowed region has one usable zone"
                    .to_string()
            })
        }
        Disruption::Spot | Disruption::Instance => None,
    }
}

/// Builds the frontier around `plan` (the plan for the topology as written).
pub fn run(
    t: &Topology,
    catalog: &Catalog,
    options: &SolveOptions,
    plan: &Plan,
    progress: &mut dyn FnMut(&str),
) -> Frontier {
    let effective = t.effective_catalog(catalog);
    let start = Instant::now();
    let pricing = Pricing::new(t, &effective);
    let allotment = super::owned::allot(t, &pricing);
    let ctx = Ctx {
        topology: t,
        catalog,
        pricing,
        options,
        owned: &allotment,
    };
    // Strictest first, each level starting from the plans of the one above.
    let mut solved: Vec<Option<BTreeMap<String, Result<ServicePlan, String>>>> =
        vec![None; LEVELS.len()];
    let mut warm: BTreeMap<String, Warm> = BTreeMap::new();
    let mut reasons: Vec<Option<String>> = vec![None; LEVELS.len()];
    for (i, (name, survive)) in LEVELS.iter().enumerate().rev() {
        if let Some(why) = survive.iter().find_map(|d| impossible(t, *d)) {
            reasons[i] = Some(why);
            continue;
        }
        progress(&format!(
            "frontier: level {}/{} ({name})",
            LEVELS.len() - i,
            LEVELS.len()
        ));
        let level: BTreeSet<Disruption> = survive.iter().copied().collect();
        let jobs: Vec<service::Job<'_>> = t
            .services
            .iter()
            .map(|(n, svc)| {
                (
                    n.as_str(),
                    svc,
                    spec_for(t, n, svc, Some(&level)),
                    warm.get(n),
                )
            })
            .collect();
        let mut here = BTreeMap::new();
        let mut next_warm = BTreeMap::new();
        for solved in service::plan_services(&ctx, jobs, &BTreeMap::new(), None) {
            let n = solved.name;
            let r = match solved.result {
                Ok((sp, w)) => {
                    next_warm.insert(n.to_string(), w);
                    Ok(sp)
                }
                Err(c) => Err(c
                    .iter()
                    .map(|c| c.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")),
            };
            here.insert(n.to_string(), r);
        }
        // A stricter level's plan meets this level's requirements: never pay more here.
        if let Some(above) = solved[i + 1..].iter().flatten().next() {
            let mut swapped = here.clone();
            for (n, r) in swapped.iter_mut() {
                if let (Ok(mine), Some(Ok(theirs))) = (r.as_ref(), above.get(n)) {
                    if theirs.monthly_usd < mine.monthly_usd {
                        *r = Ok(theirs.clone());
                    }
                }
            }
            // Service by service, unless a swapped dependency leaves a service calling
            // it from too far; then the cheaper of the two levels as a whole.
            let ok = |m: &BTreeMap<String, Result<ServicePlan, String>>| -> BTreeMap<String, ServicePlan> {
                m.iter()
                    .filter_map(|(n, r)| Some((n.clone(), r.as_ref().ok()?.clone())))
                    .collect()
            };
            let catalog = ctx.pricing.catalog();
            if locality::violations(t, catalog, &ok(&swapped)).is_empty() {
                here = swapped;
            } else {
                let total = |m: &BTreeMap<String, Result<ServicePlan, String>>| -> Option<Decimal> {
                    m.values()
                        .map(|r| r.as_ref().ok().map(|sp| sp.monthly_usd))
                        .sum()
                };
                if let (Some(a), Some(h)) = (total(above), total(&here)) {
                    if a < h {
                        here = above.clone();
                    }
                }
            }
        }
        warm = next_warm;
        solved[i] = Some(here);
    }
    // Levels often share a plan (a stricter level's plan swapped in): each distinct
    // deployment is assessed once.
    let mut assessed: Vec<(Deployment, Assessed)> = Vec::new();
    let levels: Vec<FrontierLevel> = LEVELS
        .iter()
        .enumerate()
        .map(|(i, (name, survive))| {
            let survive: BTreeSet<Disruption> = survive.iter().copied().collect();
            match (&solved[i], &reasons[i]) {
                (Some(services), _) => {
                    level(&ctx, name, &survive, services, plan, start, &mut assessed)
                }
                (None, why) => FrontierLevel {
                    name: name.to_string(),
                    survive,
                    monthly_usd: None,
                    availability: None,
                    downtime_minutes_per_month: None,
                    degraded_minutes_per_month: None,
                    worst_rpo_seconds: None,
                    services: BTreeMap::new(),
                    notes: vec![format!(
                        "impossible for this topology: {}",
                        why.clone().unwrap_or_default()
                    )],
                },
            }
        })
        .collect();
    let targets = targets(&levels);
    progress("frontier: what each requirement costs");
    let marginal = marginal_costs(&ctx, plan);
    Frontier {
        levels,
        targets,
        marginal,
    }
}

/// A level's figures: its plans assembled and assessed by the failure model.
fn level(
    ctx: &Ctx<'_>,
    name: &str,
    survive: &BTreeSet<Disruption>,
    solved: &BTreeMap<String, Result<ServicePlan, String>>,
    main: &Plan,
    start: Instant,
    assessed: &mut Vec<(Deployment, Assessed)>,
) -> FrontierLevel {
    let t = ctx.topology;
    let mut services = BTreeMap::new();
    let mut notes = Vec::new();
    let mut complete = true;
    for (sname, r) in solved {
        match r {
            Ok(sp) => {
                services.insert(sname.clone(), sp.clone());
            }
            Err(why) => {
                complete = false;
                notes.push(format!("`{sname}`: {why}"));
                // Assess the rest with this service as planned for the topology.
                if let Some(sp) = main.services.get(sname) {
                    services.insert(sname.clone(), sp.clone());
                }
            }
        }
    }
    let mut plan = assemble(t, ctx.catalog, ctx.options, services, start);
    let deployment = Deployment::from_plan(&plan);
    let known = assessed
        .iter()
        .find(|(d, _)| d.services == deployment.services && d.consistency == deployment.consistency)
        .map(|(_, a)| a.clone());
    let a = known.unwrap_or_else(|| {
        let a = assess::assess(t, ctx.catalog, &plan);
        assessed.push((deployment, a.clone()));
        a
    });
    fill_availability(t, &mut plan, &a);
    // The least available journey (service when there are none), with its own down
    // and degraded minutes: the same basis as every other availability figure.
    let pool = if a.journeys.is_empty() {
        &a.services
    } else {
        &a.journeys
    };
    let worst_fig = pool
        .values()
        .fold(None, |m: Option<&estimate::Estimate>, f| match m {
            Some(w) if w.availability <= f.availability => Some(w),
            _ => Some(f),
        });
    let worst = worst_fig.map(|f| f.availability);
    let rpo = a
        .services
        .values()
        .filter_map(|f| f.worst_rpo_seconds)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    FrontierLevel {
        name: name.to_string(),
        survive: survive.clone(),
        monthly_usd: complete.then_some(plan.monthly_usd),
        availability: worst,
        downtime_minutes_per_month: worst_fig.map(|f| f.downtime_minutes_per_year / 12.0),
        degraded_minutes_per_month: worst_fig.map(|f| f.degraded_minutes_per_year / 12.0),
        worst_rpo_seconds: rpo,
        services: plan
            .services
            .iter()
            .map(|(k, sp)| {
                (
                    k.clone(),
                    LevelService {
                        monthly_usd: sp.monthly_usd,
                        dr: sp.deployment.dr,
                        availability: sp.availability.as_ref().map(|a| a.computed),
                        downtime_minutes_per_month: sp
                            .availability
                            .as_ref()
                            .map(|a| a.downtime_minutes_per_month),
                        degraded_minutes_per_month: sp
                            .availability
                            .as_ref()
                            .map(|a| a.degraded_minutes_per_month),
                    },
                )
            })
            .collect(),
        notes,
    }
}

/// For each target, each service at the cheapest level whose assessed availability
/// reaches it.
fn targets(levels: &[FrontierLevel]) -> Vec<FrontierTarget> {
    let mut out: Vec<FrontierTarget> = Vec::new();
    let names: BTreeSet<&String> = levels.iter().flat_map(|l| l.services.keys()).collect();
    for target in TARGETS {
        let mut total = Decimal::ZERO;
        let mut chosen = BTreeMap::new();
        let mut unreachable = Vec::new();
        for name in &names {
            let best = levels
                .iter()
                .filter(|l| l.notes.iter().all(|n| !n.starts_with(&format!("`{name}`"))))
                .filter_map(|l| l.services.get(*name).map(|s| (l, s)))
                .filter(|(_, s)| s.availability.is_some_and(|a| a >= target))
                .min_by(|a, b| a.1.monthly_usd.cmp(&b.1.monthly_usd));
            match best {
                Some((l, s)) => {
                    total += s.monthly_usd;
                    chosen.insert((*name).clone(), l.name.clone());
                }
                None => {
                    let best_a = levels
                        .iter()
                        .filter_map(|l| l.services.get(*name).and_then(|s| s.availability))
                        .fold(0.0, f64::max);
                    unreachable.push(format!("`{name}` reaches at most {best_a:.6}"));
                }
            }
        }
        let monthly = unreachable.is_empty().then_some(total);
        let extra = match (monthly, out.last().and_then(|p| p.monthly_usd)) {
            (Some(m), Some(p)) => Some(m - p),
            _ => None,
        };
        out.push(FrontierTarget {
            target,
            monthly_usd: monthly,
            extra_usd: extra,
            levels: chosen,
            unreachable,
        });
    }
    out
}

/// What each requirement adds to each service: the service re-solved without it.
/// Without a requirement the service's own plan is still feasible, so a re-solve
/// that comes out dearer is not a saving: the requirement is reported at no cost.
fn marginal_costs(ctx: &Ctx<'_>, plan: &Plan) -> Vec<MarginalCost> {
    let t = ctx.topology;
    let mut items: Vec<(String, String, Option<Service>, Spec, Decimal)> = Vec::new();
    for (name, svc) in &t.services {
        let Some(sp) = plan.services.get(name) else {
            continue;
        };
        for (requirement, svc2, spec2) in relaxations(ctx, name, svc, sp) {
            items.push((name.clone(), requirement, svc2, spec2, sp.monthly_usd));
        }
    }
    let jobs: Vec<service::Job<'_>> = items
        .iter()
        .filter_map(|(name, _, svc2, spec2, _)| {
            let svc = svc2.as_ref().or_else(|| t.services.get(name))?;
            Some((name.as_str(), svc, spec2.clone(), None))
        })
        .collect();
    let what: Vec<(String, String, Decimal)> = items
        .iter()
        .map(|(n, r, _, _, with)| (n.clone(), r.clone(), *with))
        .collect();
    let results = service::plan_each(ctx, &jobs, &plan.services);
    what.into_iter()
        .zip(results)
        .map(|((service, requirement, with), r)| match r {
            Ok((without, _)) => MarginalCost {
                service,
                requirement,
                monthly_usd: Some((with - without.monthly_usd).max(Decimal::ZERO)),
                note: None,
            },
            Err(c) => MarginalCost {
                service,
                requirement,
                monthly_usd: None,
                note: Some(
                    c.iter()
                        .map(|c| c.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            },
        })
        .collect()
}

/// Each requirement of one service that can be priced, with the service (when it
/// changes) and the spec without it.
fn relaxations(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    sp: &ServicePlan,
) -> Vec<(String, Option<Service>, Spec)> {
    let t = ctx.topology;
    let mut spec = spec_for(t, name, svc, None);
    let region_targets =
        spec.rto.contains_key(&Disruption::Region) || spec.rpo.contains_key(&Disruption::Region);
    spec.survive = sp.survive.clone();
    if sp.deployment.dr == DrPattern::ActiveActive
        && region_targets
        && !svc.slo.survive.contains(&Disruption::Region)
    {
        // Active-active was the cheapest way to meet the region targets, not a
        // survival requirement of its own.
        spec.survive.remove(&Disruption::Region);
    }
    let mut out = Vec::new();
    for d in spec.survive.clone() {
        let mut s2 = spec.clone();
        s2.survive.remove(&d);
        s2.basis.waived_survive.insert(d);
        let why = if svc.slo.survive.contains(&d) {
            ""
        } else {
            " (derived)"
        };
        out.push((format!("survive {}{why}", d.word()), None, s2));
    }
    if region_targets {
        let mut s2 = spec.clone();
        s2.rto.remove(&Disruption::Region);
        s2.rpo.remove(&Disruption::Region);
        s2.basis.waived_region_targets = true;
        out.push(("rto/rpo region".into(), None, s2.clone()));
        if spec.survive.contains(&Disruption::Region) {
            // Each alone may be implied by the other; together they are the price of
            // a region loss.
            s2.survive.remove(&Disruption::Region);
            s2.basis.waived_survive.insert(Disruption::Region);
            out.push(("survive region + rto/rpo region".into(), None, s2));
        }
    }
    match &svc.demand {
        Demand::Stateless(f) if f.flash_crowd > 1.0 => {
            let mut svc2 = svc.clone();
            if let Demand::Stateless(f2) = &mut svc2.demand {
                f2.flash_crowd = 1.0;
            }
            out.push((format!("flash_crowd {}", f.flash_crowd), Some(svc2), spec));
        }
        Demand::Store(s)
            if s.commit_latency_budget.is_some() && sp.consistency == Consistency::Strong =>
        {
            let mut svc2 = svc.clone();
            if let Demand::Store(s2) = &mut svc2.demand {
                s2.commit_latency_budget = None;
            }
            out.push((
                format!(
                    "commit_latency_budget {}",
                    faultline_models::duration::format(s.commit_latency_budget.unwrap_or_default())
                ),
                Some(svc2),
                spec,
            ));
        }
        _ => {}
    }
    out
}
