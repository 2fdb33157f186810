//! What one service must meet, as the optimizer reads it: its SLO tightened by every
//! journey it is a step of, the zone survival its recovery targets imply, or (for the
//! frontier) a resilience level that replaces them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use faultline_models::cost::RELAUNCH;
use faultline_models::duration;
use faultline_models::plan::{Binding, Constraint};
use faultline_models::topology::{Demand, Disruption, Service, Strength, Topology};

use super::verify::Basis;

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
    /// The regions where the service's hard dependencies answer within their latency
    /// budgets, as they were placed when it was solved (`None`: no hard dependency).
    pub within: Option<BTreeSet<String>>,
    /// A resilience step could not be built; escalation stops here.
    pub blocked: bool,
    /// A store with `consistency = "auto"` is held to the strong design (a quorum):
    /// an escalation step, taken when the asynchronous design it chose leaves an
    /// availability target or a stranded-saga bound missed.
    pub strong: bool,
    /// What the verifier is told about requirements chosen here rather than read
    /// from the topology: a frontier level, or one waived to price it.
    pub basis: Basis,
}

impl Spec {
    /// The regions the service may use under this spec.
    pub fn regions<'t>(&self, t: &'t Topology, name: &str) -> Vec<&'t str> {
        self.resident(t, name)
            .into_iter()
            .filter(|r| self.within.as_ref().is_none_or(|w| w.contains(*r)))
            .collect()
    }

    /// The regions residency and availability steps leave the service, before its
    /// dependencies' locality narrows them.
    pub fn resident<'t>(&self, t: &'t Topology, name: &str) -> Vec<&'t str> {
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
                    constraint: Constraint::Residency,
                    detail: "one allowed region: a region loss cannot be survived".into(),
                }),
                Disruption::Instance => {}
                _ if svc.store().is_some_and(|s| s.replicas < 2) => derived.push(Binding {
                    constraint: Constraint::Replicas,
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
            within: None,
            blocked: false,
            strong: false,
            basis: Basis {
                level: Some(level.clone()),
                ..Basis::default()
            },
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
        for (target, theirs, word, constraint) in [
            (&mut rto, &j.slo.rto, "rto", Constraint::Rto),
            (&mut rpo, &j.slo.rpo, "rpo", Constraint::Rpo),
        ] {
            for (d, v) in theirs {
                if target.get(d).is_none_or(|mine| v < mine) {
                    target.insert(*d, *v);
                    derived.push(Binding {
                        constraint,
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
                        constraint: Constraint::Rto,
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
                    constraint: Constraint::Rto,
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
        within: None,
        blocked: false,
        strong: false,
        basis: Basis::default(),
    }
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
                    .filter(|(_, st)| **st == Strength::Hard)
                    .map(|(d, _)| d.as_str()),
            );
        }
    }
    false
}
