//! The resilience frontier: every service re-solved at rising levels of what it
//! survives (nothing → zone → zone + spot → zone + spot + region), each level assessed
//! by the failure model; the cheapest mix of levels for rising availability targets
//! (what each extra nine costs); and the monthly cost each of the topology's
//! requirements adds to each service.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::deployment::{DrPattern, Words};
use faultline_models::plan::{
    Frontier, FrontierLevel, FrontierTarget, LevelService, MarginalCost, Plan, ServicePlan,
};
use faultline_models::topology::{Consistency, Demand, Disruption, Service, Topology};
use rust_decimal::Decimal;

use super::{assemble, assess, service, spec_for, Ctx, SolveOptions, Spec};

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

const MINUTES_PER_MONTH: f64 = 730.0 * 60.0;

/// Fills each service's and journey's availability into a plan.
pub fn assess_into(t: &Topology, catalog: &Catalog, plan: &mut Plan) {
    let a = assess::assess(t, catalog, plan);
    super::fill_availability(t, plan, &a);
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
    let steps = LEVELS.len() + t.services.len();
    let mut ctx = Ctx {
        topology: t,
        catalog,
        pricing: Pricing::new(t, &effective),
        options,
        deadline: options.time_limit.map(|l| start + l),
        services_left: t.services.len() * steps,
    };
    let mut levels = Vec::new();
    for (i, (name, survive)) in LEVELS.iter().enumerate() {
        progress(&format!(
            "frontier: level {}/{} ({name})",
            i + 1,
            LEVELS.len()
        ));
        let survive: BTreeSet<Disruption> = survive.iter().copied().collect();
        levels.push(level(&mut ctx, name, &survive, plan, start));
    }
    let targets = targets(&levels);
    let mut marginal = Vec::new();
    for (i, (name, svc)) in t.services.iter().enumerate() {
        progress(&format!(
            "frontier: requirements of `{name}` ({}/{})",
            i + 1,
            t.services.len()
        ));
        if let Some(sp) = plan.services.get(name) {
            marginal.extend(marginal_costs(&mut ctx, name, svc, sp));
        }
    }
    Frontier {
        levels,
        targets,
        marginal,
    }
}

fn level(
    ctx: &mut Ctx<'_>,
    name: &str,
    survive: &BTreeSet<Disruption>,
    main: &Plan,
    start: Instant,
) -> FrontierLevel {
    let t = ctx.topology;
    let mut services = BTreeMap::new();
    let mut notes = Vec::new();
    let mut complete = true;
    for (sname, svc) in &t.services {
        let spec = spec_for(t, sname, svc, Some(survive));
        match service::plan_service(ctx, sname, svc, &spec) {
            Ok(sp) => {
                services.insert(sname.clone(), sp);
            }
            Err(conflicts) => {
                complete = false;
                notes.push(format!(
                    "`{sname}`: {}",
                    conflicts
                        .iter()
                        .map(|c| c.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
                // Assess the rest with this service as planned for the topology.
                if let Some(sp) = main.services.get(sname) {
                    services.insert(sname.clone(), sp.clone());
                }
            }
        }
        ctx.services_left = ctx.services_left.saturating_sub(1);
    }
    let mut plan = assemble(t, ctx.catalog, ctx.options, services, start);
    let a = assess::assess(t, ctx.catalog, &plan);
    super::fill_availability(t, &mut plan, &a);
    let worst = if a.journeys.is_empty() {
        a.services
            .values()
            .map(|f| f.availability)
            .fold(None, min_opt)
    } else {
        a.journeys
            .values()
            .map(|f| f.availability)
            .fold(None, min_opt)
    };
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
        downtime_minutes_per_month: worst.map(|w| (1.0 - w) * MINUTES_PER_MONTH),
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
                    },
                )
            })
            .collect(),
        notes,
    }
}

fn min_opt(m: Option<f64>, x: f64) -> Option<f64> {
    Some(m.map_or(x, |m| m.min(x)))
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

/// What each requirement of one service adds: the service re-solved without it.
fn marginal_costs(
    ctx: &mut Ctx<'_>,
    name: &str,
    svc: &Service,
    sp: &ServicePlan,
) -> Vec<MarginalCost> {
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
    let mut try_without = |what: String, svc2: &Service, spec2: &Spec| {
        let cost = service::plan_service(ctx, name, svc2, spec2);
        out.push(match cost {
            Ok(without) => MarginalCost {
                service: name.to_string(),
                requirement: what,
                monthly_usd: Some(sp.monthly_usd - without.monthly_usd),
                note: None,
            },
            Err(c) => MarginalCost {
                service: name.to_string(),
                requirement: what,
                monthly_usd: None,
                note: Some(
                    c.iter()
                        .map(|c| c.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            },
        });
    };
    for d in spec.survive.clone() {
        let mut s2 = spec.clone();
        s2.survive.remove(&d);
        s2.basis.waived_survive.insert(d);
        let why = if svc.slo.survive.contains(&d) {
            ""
        } else {
            " (derived)"
        };
        try_without(format!("survive {}{why}", d.word()), svc, &s2);
    }
    if region_targets {
        let mut s2 = spec.clone();
        s2.rto.remove(&Disruption::Region);
        s2.rpo.remove(&Disruption::Region);
        s2.basis.waived_region_targets = true;
        try_without("rto/rpo region".into(), svc, &s2);
        if spec.survive.contains(&Disruption::Region) {
            // Each alone may be implied by the other; together they are the price of
            // a region loss.
            s2.survive.remove(&Disruption::Region);
            s2.basis.waived_survive.insert(Disruption::Region);
            try_without("survive region + rto/rpo region".into(), svc, &s2);
        }
    }
    match &svc.demand {
        Demand::Stateless(f) if f.flash_crowd > 1.0 => {
            let mut svc2 = svc.clone();
            if let Demand::Stateless(f2) = &mut svc2.demand {
                f2.flash_crowd = 1.0;
            }
            try_without(format!("flash_crowd {}", f.flash_crowd), &svc2, &spec);
        }
        Demand::Store(s)
            if s.commit_latency_budget.is_some() && sp.consistency == Consistency::Strong =>
        {
            let mut svc2 = svc.clone();
            if let Demand::Store(s2) = &mut svc2.demand {
                s2.commit_latency_budget = None;
            }
            try_without(
                format!(
                    "commit_latency_budget {}",
                    faultline_models::duration::format(s.commit_latency_budget.unwrap_or_default())
                ),
                &svc2,
                &spec,
            );
        }
        _ => {}
    }
    out
}
