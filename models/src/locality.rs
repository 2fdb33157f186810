//! Where calls and users are served from: the round trip a hard dependency's calls add
//! when they cross regions, and how a fleet's users are routed to its regions. The
//! optimizer, its independent checker and the plan document all read these rules from
//! here; `docs/cost-model.md` ("Calls across regions", "Where users are") states them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::catalog::Catalog;
use crate::deployment::Role;
use crate::plan::{Layer, ServicePlan};
use crate::topology::{Fleet, Strength, Topology};

/// The round trip between two regions as a call or a user sees it: none within a
/// region, the catalog's RTT (the mean of its two directions) across regions.
pub fn distance_ms(catalog: &Catalog, a: &str, b: &str) -> Option<f64> {
    if a == b {
        Some(0.0)
    } else {
        catalog.rtt_ms(a, b)
    }
}

/// Whether a round trip fits a budget (a budget of zero allows only the same region).
fn fits(ms: Option<f64>, budget: Option<Duration>) -> bool {
    let limit = budget.map_or(0.0, |b| b.as_secs_f64() * 1000.0);
    ms.is_some_and(|ms| ms <= limit + 1e-9)
}

/// The regions a service serves its traffic from: those of its instances that are not
/// a standby.
pub fn serves_from(sp: &ServicePlan) -> BTreeSet<String> {
    sp.instances
        .iter()
        .filter(|l| l.layer != Layer::Standby)
        .map(|l| l.region.clone())
        .collect()
}

/// The regions that answer a call to a service: a replicated store's primary region
/// (where writes go), otherwise every region it serves from.
pub fn answers_in(sp: &ServicePlan) -> BTreeSet<String> {
    let primary: BTreeSet<String> = sp
        .instances
        .iter()
        .filter(|l| l.role == Role::Primary && l.layer != Layer::Standby)
        .map(|l| l.region.clone())
        .collect();
    if primary.is_empty() {
        serves_from(sp)
    } else {
        primary
    }
}

/// The nearest region of `to` from `from`, with its round trip; ties go to the first
/// by name.
pub fn nearest<'a>(
    catalog: &Catalog,
    from: &str,
    to: impl IntoIterator<Item = &'a String>,
) -> Option<(&'a String, f64)> {
    to.into_iter()
        .filter_map(|x| distance_ms(catalog, from, x).map(|d| (x, d)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)))
}

/// The regions `name` may serve from, given where its hard dependencies answer in
/// `placed`: a region where each of them answers, or whose nearest such region is
/// within the dependency's `latency_budget`. `None` when no hard dependency is placed.
pub fn allowed_by_dependencies(
    t: &Topology,
    catalog: &Catalog,
    name: &str,
    placed: &BTreeMap<String, ServicePlan>,
) -> Option<BTreeSet<String>> {
    let svc = t.services.get(name)?;
    let mut allowed: Option<BTreeSet<String>> = None;
    for (dep, strength) in &svc.depends_on {
        if *strength != Strength::Hard {
            continue;
        }
        let Some(dp) = placed.get(dep) else { continue };
        let to = answers_in(dp);
        let budget = svc.latency_budget.get(dep).copied();
        let ok: BTreeSet<String> = t
            .regions_for(name)
            .into_iter()
            .filter(|r| fits(nearest(catalog, r, &to).map(|n| n.1), budget))
            .map(str::to_string)
            .collect();
        allowed = Some(match allowed {
            None => ok,
            Some(a) => a.intersection(&ok).cloned().collect(),
        });
    }
    allowed
}

/// A hard call that leaves its region: the caller serves from `from` and the
/// dependency does not answer there.
#[derive(Debug, Clone)]
pub struct HardCall<'a> {
    pub service: &'a str,
    pub dependency: &'a str,
    pub from: String,
    /// The regions the dependency answers in.
    pub to: BTreeSet<String>,
    /// The nearest of them and its round trip, when the catalog knows one.
    pub nearest: Option<(String, f64)>,
    pub budget: Option<Duration>,
}

/// Every hard call of the plan that leaves its region, by service, dependency and
/// region.
pub fn hard_calls<'a>(
    t: &'a Topology,
    catalog: &Catalog,
    services: &BTreeMap<String, ServicePlan>,
) -> Vec<HardCall<'a>> {
    let mut out = Vec::new();
    for (name, svc) in &t.services {
        let Some(sp) = services.get(name) else {
            continue;
        };
        for (dep, strength) in &svc.depends_on {
            let Some(dp) = services.get(dep).filter(|_| *strength == Strength::Hard) else {
                continue;
            };
            let to = answers_in(dp);
            for from in serves_from(sp) {
                if to.contains(&from) {
                    continue;
                }
                let nearest = nearest(catalog, &from, &to).map(|(r, ms)| (r.clone(), ms));
                out.push(HardCall {
                    service: name,
                    dependency: dep,
                    from,
                    to: to.clone(),
                    nearest,
                    budget: svc.latency_budget.get(dep).copied(),
                });
            }
        }
    }
    out
}

/// Every hard call of the plan that crosses regions beyond its budget, as sentences.
pub fn violations(
    t: &Topology,
    catalog: &Catalog,
    services: &BTreeMap<String, ServicePlan>,
) -> Vec<String> {
    hard_calls(t, catalog, services)
        .into_iter()
        .filter(|c| !fits(c.nearest.as_ref().map(|n| n.1), c.budget))
        .map(|c| {
            format!(
                "`{}` serves from {}, and its hard dependency `{}` answers {} away, over its latency budget of {}",
                c.service,
                c.from,
                c.dependency,
                c.nearest
                    .as_ref()
                    .map_or("no known distance".into(), |n| format!("{:.1} ms", n.1)),
                c.budget
                    .map_or("0 ms (the same region)".into(), crate::duration::format)
            )
        })
        .collect()
}

/// How a fleet's users reach a set of serving regions: each share goes to the
/// nearest serving region (latency-based routing), and after the loss of one of them
/// to the nearest that is left.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// The share of the peak each serving region carries in normal operation.
    pub normal: BTreeMap<String, f64>,
    /// For each serving region lost, the share each remaining region carries.
    pub after_loss: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The routing of `f`'s users to `serving`, or why it breaks the fleet's
/// `client_latency_budget`: a share whose nearest serving region (or, with
/// `region_loss`, the nearest left after any one is lost) is farther than the budget.
pub fn route(
    catalog: &Catalog,
    f: &Fleet,
    serving: &BTreeSet<String>,
    region_loss: bool,
) -> Result<Routing, String> {
    let assign = |from: &BTreeSet<String>| -> Result<BTreeMap<String, f64>, String> {
        let mut load: BTreeMap<String, f64> = from.iter().map(|r| (r.clone(), 0.0)).collect();
        for (users, share) in &f.users {
            match nearest(catalog, users, from) {
                Some((r, ms)) if fits(Some(ms), f.client_latency_budget) => {
                    *load.entry(r.clone()).or_default() += share;
                }
                near => {
                    return Err(format!(
                        "users near {users} would be served from {}, over the client latency budget of {}",
                        near.map_or("no region with a known distance".into(), |(r, ms)| format!(
                            "{r}, {ms:.1} ms away"
                        )),
                        f.client_latency_budget
                            .map_or("0 ms (their own region)".into(), crate::duration::format)
                    ))
                }
            }
        }
        Ok(load)
    };
    let normal = assign(serving)?;
    let mut after_loss = BTreeMap::new();
    if region_loss {
        for lost in serving {
            let left: BTreeSet<String> = serving.iter().filter(|r| *r != lost).cloned().collect();
            let load = assign(&left).map_err(|e| format!("after a loss of {lost}, {e}"))?;
            after_loss.insert(lost.clone(), load);
        }
    }
    Ok(Routing { normal, after_loss })
}

impl Routing {
    /// Whether some serving region carries no share in any case: the same routing
    /// without it is the same, so a set with such a region adds nothing.
    pub fn has_idle_region(&self) -> bool {
        self.normal.iter().any(|(r, share)| {
            *share <= 0.0
                && self
                    .after_loss
                    .iter()
                    .filter(|(lost, _)| *lost != r)
                    .all(|(_, load)| load.get(r).copied().unwrap_or(0.0) <= 0.0)
        })
    }
}
