//! Availability escalation: services (or journeys) below their availability target get
//! one resilience step at a time on the candidate weakest on its own, then the plan is
//! re-solved and re-assessed, until every target is met or nothing is left to add.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use faultline_models::catalog::Mode;
use faultline_models::deployment::DrPattern;
use faultline_models::diag::Code;
use faultline_models::plan::{Binding, Constraint, Layer, Plan, ServicePlan};
use faultline_models::topology::{Consistency, Disruption, Topology};
use faultline_models::units::count;

use super::assess::{fill_availability, Assessor};
use super::context::Ctx;
use super::document::assemble;
use super::explain::{Conflict, Infeasible};
use super::service;
use super::spec::Spec;

/// Rounds of resilience steps before escalation gives up; each round's plan is
/// assessed, the last one too.
const MAX_ROUNDS: usize = 16;

/// Unavailability from whole-region outages alone in `region`.
fn region_risk(ctx: &Ctx<'_>, region: &str) -> f64 {
    let m = ctx.pricing.catalog().failure_mode(Mode::region, region);
    m.rate_per_year * m.mean_hours
}

/// What an escalation step does.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A store with `consistency = "auto"` that took the asynchronous design takes
    /// the quorum instead.
    Strong,
    Survive(Disruption),
    /// Leave these regions for a more reliable one.
    Avoid(Vec<String>),
}

/// The next resilience step for a service that misses an availability target: survive
/// a zone loss; then, for a store left to choose its consistency that chose
/// asynchronous replicas, the quorum (no failover window, no failed failover, no
/// committed write lost); then spot reclaims (fleets on spot), then move a
/// single-region service to a region with fewer outages, then survive a region loss.
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
    let chose_async = sp.is_some_and(|sp| sp.consistency == Consistency::Eventual);
    if svc.consistency == Consistency::Auto && chose_async && !spec.strong {
        next.strong = true;
        return Some((next, Step::Strong));
    }
    if svc.fleet().is_some_and(|f| f.max_spot_share > 0.0)
        && !spec.survive.contains(&Disruption::Spot)
    {
        next.survive.insert(Disruption::Spot);
        return Some((next, Step::Survive(Disruption::Spot)));
    }
    if !spec.survive.contains(&Disruption::Region) {
        if let Some(sp) = sp.filter(|sp| sp.deployment.dr != DrPattern::ActiveActive) {
            let used: BTreeSet<String> = sp
                .instances
                .iter()
                .filter(|l| l.layer != Layer::Standby)
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
pub(crate) fn meet_availability(
    ctx: &Ctx<'_>,
    assess: &Assessor<'_>,
    specs: &mut BTreeMap<String, Spec>,
    mut plan: Plan,
    start: Instant,
) -> Result<Plan, Infeasible> {
    let t = ctx.topology;
    let alone = standalone(t);
    for round in 0..=MAX_ROUNDS {
        // The plan first, with every core on it; the services' own figures only when a
        // target is missed (assessing both at once, one per core, was slower whenever
        // the plan already meets its targets, and no faster when it does not).
        let a = assess(t, &plan);
        fill_availability(t, &mut plan, &a);
        let avail = |s: &str| a.services.get(s).map_or(1.0, |f| f.availability);
        let mut short: Vec<Short> = Vec::new();
        for (name, svc) in &t.services {
            if let Some(target) = svc.slo.availability.filter(|tg| avail(name) < *tg) {
                short.push(Short {
                    who: format!("service `{name}`"),
                    need: Need::Availability {
                        target,
                        got: avail(name),
                    },
                    candidates: dependency_closure(t, name),
                    key: format!("services.{name}.slo.availability"),
                });
            }
        }
        for (jname, j) in &t.journeys {
            let Some(f) = a.journeys.get(jname) else {
                continue;
            };
            let mut needs = Vec::new();
            if let Some(target) = j.slo.availability.filter(|tg| f.availability < *tg) {
                needs.push((
                    Need::Availability {
                        target,
                        got: f.availability,
                    },
                    "availability",
                ));
            }
            if let (Some(limit), Some(got)) = (j.slo.max_stranded_per_year, f.stranded_per_year) {
                if got > limit {
                    needs.push((Need::Stranded { limit, got }, "max_stranded_per_year"));
                }
            }
            for (need, field) in needs {
                // The steps decide the availability; with their compensators, the
                // stranded sagas.
                let mut c: Vec<String> = Vec::new();
                let stranded = matches!(need, Need::Stranded { .. });
                let comps = j.compensations.values().filter(|_| stranded);
                for s in j.steps.iter().chain(comps) {
                    for d in dependency_closure(t, s) {
                        if !c.contains(&d) {
                            c.push(d);
                        }
                    }
                }
                short.push(Short {
                    who: format!("journey `{jname}`"),
                    need,
                    candidates: c,
                    key: format!("journeys.{jname}.slo.{field}"),
                });
            }
        }
        if short.is_empty() {
            return Ok(plan);
        }
        if round == MAX_ROUNDS {
            // Every step so far was assessed; the last plan still falls short.
            let conflicts = short
                .into_iter()
                .map(|sh| {
                    let mut c = Conflict::system(format!(
                        "{} {}, after {MAX_ROUNDS} rounds of resilience steps",
                        sh.who,
                        sh.need.shortfall()
                    ))
                    .code(sh.need.code())
                    .key(sh.key);
                    c.help = Some(sh.need.help_exhausted().into());
                    c
                })
                .collect();
            return Err(Infeasible { conflicts });
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
        for sh in short {
            // The candidate weakest on its own that can still be made more resilient; on
            // a tie a dependency before the service that depends on it.
            let pick = sh
                .candidates
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
                    let target = match sh.need {
                        Need::Availability { target, .. } => format!("targets {target}"),
                        Need::Stranded { limit, got } => format!(
                            "strands {} sagas a year against its bound {}",
                            count(got),
                            count(limit)
                        ),
                    };
                    let floor = match sh.need {
                        Need::Availability { target, .. } => below(got, target),
                        Need::Stranded { .. } => format!("{:.4}%", got * 100.0),
                    };
                    steps.entry(c.clone()).or_insert((
                        next,
                        step,
                        format!("{} {target} and `{c}` alone reached {floor}", sh.who),
                    ));
                }
                None => {
                    let worst = sh.candidates.iter().map(|c| avail(c)).fold(1.0, f64::min);
                    let shortfall = match sh.need {
                        Need::Availability { target, .. } => {
                            Need::Availability { target, got: worst }.shortfall()
                        }
                        n => n.shortfall(),
                    };
                    let mut c = Conflict::system(format!(
                        "{} {shortfall}, with it and everything it relies on as resilient as the topology allows{}",
                        sh.who,
                        region_note(&sh.candidates, specs)
                    ))
                    .code(sh.need.code())
                    .key(sh.key);
                    c.help = Some(sh.need.help_unreachable().into());
                    conflicts.push(c);
                }
            }
        }
        if !conflicts.is_empty() {
            return Err(Infeasible { conflicts });
        }
        let mut jobs: Vec<service::Job<'_>> = Vec::new();
        let mut whys = Vec::new();
        for (name, (mut next, step, why)) in steps {
            let detail = match &step {
                Step::Strong => {
                    format!("{why}: the store takes a quorum instead of asynchronous replicas")
                }
                Step::Survive(d) => format!("{why}: the plan also survives a {d} loss"),
                Step::Avoid(rs) => format!(
                    "{why}: moved out of {} (more region outages)",
                    rs.join(", ")
                ),
            };
            next.derived.push(Binding {
                constraint: Constraint::Availability,
                detail,
            });
            let Some((key, svc)) = t.services.get_key_value(&name) else {
                continue;
            };
            jobs.push((key.as_str(), svc, next, None));
            whys.push(why);
        }
        let stepped = jobs.len();
        let results = service::plan_services(ctx, jobs, &plan.services, Some(&*specs));
        let mut whys = whys.into_iter();
        let mut followers = Vec::new();
        for (i, solved) in results.into_iter().enumerate() {
            let (name, next) = (solved.name, solved.spec);
            if i >= stepped {
                // A service that follows a dependency the step moved.
                match solved.result {
                    Ok((sp, _)) => {
                        plan.services.insert(name.to_string(), sp);
                        specs.insert(name.to_string(), next);
                    }
                    Err(mut c) => followers.append(&mut c),
                }
                continue;
            }
            let why = whys.next().unwrap_or_default();
            match solved.result {
                Ok((sp, _)) => {
                    plan.services.insert(name.to_string(), sp);
                    specs.insert(name.to_string(), next);
                }
                Err(c) => {
                    // This step cannot be built (e.g. a commit budget rules out a region
                    // loss): keep the plan, and let the next round try another service.
                    let mut blocked = specs[name].clone();
                    blocked.derived.push(Binding {
                        constraint: Constraint::Availability,
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
                    blocked.strong |= next.strong;
                    blocked.blocked = true;
                    specs.insert(name.to_string(), blocked);
                }
            }
        }
        if !followers.is_empty() {
            return Err(Infeasible {
                conflicts: followers,
            });
        }
        let services = std::mem::take(&mut plan.services);
        plan = assemble(t, ctx.catalog, ctx.options, services, start);
    }
    Ok(plan)
}

/// A subject that misses a target, and the services whose resilience could help.
struct Short {
    who: String,
    need: Need,
    candidates: Vec<String>,
    /// The topology key of the target.
    key: String,
}

/// The target a subject misses.
#[derive(Debug, Clone, Copy)]
enum Need {
    Availability {
        target: f64,
        got: f64,
    },
    /// A journey's `max_stranded_per_year` against its stranded sagas a year.
    Stranded {
        limit: f64,
        got: f64,
    },
}

impl Need {
    fn shortfall(&self) -> String {
        match *self {
            Need::Availability { target, got } => format!(
                "reaches availability {}, short of its target {target}",
                below(got, target)
            ),
            Need::Stranded { limit, got } => format!(
                "leaves {} sagas a year stranded, above its bound {}",
                count(got),
                count(limit)
            ),
        }
    }

    fn code(&self) -> Code {
        match self {
            Need::Availability { .. } => Code::AvailabilityUnreachable,
            Need::Stranded { .. } => Code::StrandedBoundUnreachable,
        }
    }

    fn help_exhausted(&self) -> &'static str {
        match self {
            Need::Availability { .. } => "lower the target, or give the services it depends on more resilience in the topology (`survive`, more regions)",
            Need::Stranded { .. } => "raise the bound, or give the steps and their compensating services more resilience in the topology (`survive`, more regions)",
        }
    }

    fn help_unreachable(&self) -> &'static str {
        match self {
            Need::Availability { .. } => "lower the target, allow more regions, or relax what stops a region-surviving design (e.g. a commit-latency budget)",
            Need::Stranded { .. } => "raise the bound, allow more regions for the steps and their compensating services, or compensate with a service that fails apart from the steps",
        }
    }
}

fn region_note(candidates: &[String], specs: &BTreeMap<String, Spec>) -> String {
    let blocked: Vec<String> = candidates
        .iter()
        .filter_map(|c| specs.get(c).filter(|s| s.blocked).map(|s| (c, s)))
        .filter_map(|(c, s)| {
            s.derived
                .iter()
                .rev()
                .find(|b| b.constraint == Constraint::Availability)
                .map(|b| format!("`{c}`: {}", b.detail))
        })
        .collect();
    if blocked.is_empty() {
        String::new()
    } else {
        format!(" ({})", blocked.join("; "))
    }
}

/// An availability short of `target`, shown with enough digits to read as short of it:
/// two more decimals than the target has (at least six), rounded down, so 0.9999999876
/// against 0.99999999 never prints as 1.000000.
fn below(got: f64, target: f64) -> String {
    let target_decimals = format!("{target}")
        .split_once('.')
        .map_or(0, |(_, frac)| frac.len());
    let decimals = (target_decimals + 2).clamp(6, 15);
    let scale = 10f64.powi(decimals as i32);
    format!("{:.*}", decimals, (got * scale).floor() / scale)
}

#[cfg(test)]
mod tests {
    use super::below;

    #[test]
    fn a_shortfall_reads_as_one() {
        assert_eq!(below(0.999_999_987_6, 0.999_999_99), "0.9999999876");
        assert_eq!(below(0.999_997_4, 0.9999), "0.999997");
        assert_eq!(below(0.95, 0.99), "0.950000");
    }
}
