//! What each kind of service means under a failure state. Given which components are
//! down, a service's deployment reduces to a *shape* — which instances count, which
//! member is the designated primary or leader — once before recovery and once after
//! (scale-up, failover, election). The analytic method turns a shape into probabilities
//! over independent instance failures (binomial); the simulation and the scenario matrix
//! turn it into a status from the instances actually up. Sharing the shapes is what
//! makes the two methods compute the same model.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxHashMap as FastMap;

use super::model::{commit_latency, Launch, Mark, Model, Sem, Target};

/// Which components are down, and what each outage brought with it (an index into
/// the component's marks).
pub(crate) trait Active {
    fn on(&self, c: usize) -> bool;
    fn mark(&self, c: usize) -> usize;
}

/// Components down with their plain marks (the scenario matrix's single failures).
impl Active for [usize] {
    fn on(&self, c: usize) -> bool {
        self.contains(&c)
    }
    fn mark(&self, _: usize) -> usize {
        0
    }
}

/// Components down, each with its mark: `(component, mark)` pairs.
impl Active for [(usize, usize)] {
    fn on(&self, c: usize) -> bool {
        self.iter().any(|x| x.0 == c)
    }
    fn mark(&self, c: usize) -> usize {
        self.iter().find(|x| x.0 == c).map_or(0, |x| x.1)
    }
}

/// Component flags and marks indexed by component, for the simulation.
#[derive(Debug)]
pub(crate) struct Flags<'a>(pub &'a [bool], pub &'a [usize]);

impl Active for Flags<'_> {
    fn on(&self, c: usize) -> bool {
        self.0[c]
    }
    fn mark(&self, c: usize) -> usize {
        self.1[c]
    }
}

/// How long each region's control plane has been impaired (hours), where the
/// analytic method has fixed it; a held region without an age uses the average over
/// the impairment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ages<'a>(pub &'a [(usize, f64)]);

impl Ages<'_> {
    pub(crate) const NONE: Ages<'static> = Ages(&[]);

    fn of(&self, region: usize) -> Option<f64> {
        self.0.iter().find(|x| x.0 == region).map(|x| x.1)
    }
}

/// Status, ordered worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum St {
    Down,
    Degraded,
    Up,
}

impl St {
    pub(crate) fn word(self) -> &'static str {
        match self {
            St::Up => "ok",
            St::Degraded => "degraded",
            St::Down => "down",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UState {
    Up,
    /// Its zone or region is down.
    Lost,
    /// Spot capacity reclaimed.
    Reclaimed,
    /// Running, but its zone is cut off.
    Isolated,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Leader {
    /// The leader stays; this is its cell.
    Designated(usize),
    /// Any member that can reach a majority can lead.
    Any,
    /// The leader is gone and no election has completed.
    Wait,
}

/// What a unit's instances are exposed to beyond their own failures: the region's
/// control plane impaired, so failed instances wait for it (`held`), and their zone
/// impaired, so each is out of service with the impairment's share (`impaired`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Exposure {
    pub held: bool,
    pub impaired: bool,
}

impl Exposure {
    fn word(self) -> u64 {
        u64::from(self.held) | (u64::from(self.impaired) << 1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// The instances of these units (unit, what they are exposed to) are capacity; `full` when a DR standby or
    /// restore has brought up the whole demand. `routed` is the share of the fleet's
    /// traffic that reaches them: below 1 while clients are still sent to capacity
    /// that was lost, until health checks and DNS move them.
    Stateless {
        units: Vec<(usize, Exposure)>,
        full: bool,
        routed: f64,
    },
    /// The serving primary (its first instance is the one that matters) and the other
    /// members it can fail over to. `None`: down until failover.
    Replicated {
        primary: Option<(usize, Exposure)>,
        others: Vec<(usize, Exposure)>,
    },
    /// Reachable members (unit, held), who leads, which cells reach which, and the
    /// commit latency with every one of them up (`None`: no majority).
    Quorum {
        cells: Vec<(usize, Exposure)>,
        leader: Leader,
        reach: Vec<Vec<bool>>,
        latency: Option<f64>,
    },
}

impl Shape {
    /// The shape as a sequence of words, every field in order with a tag per variant
    /// and a length before each list: equal shapes give equal words, and the words of
    /// different shapes differ (floats by their bits). Keys the analytic caches.
    pub(crate) fn words(&self, out: &mut Vec<u64>) {
        let units = |out: &mut Vec<u64>, v: &[(usize, Exposure)]| {
            out.push(v.len() as u64);
            out.extend(v.iter().map(|(u, h)| ((*u as u64) << 2) | h.word()));
        };
        match self {
            Shape::Stateless {
                units: u,
                full,
                routed,
            } => {
                out.push(1);
                units(out, u);
                out.push(u64::from(*full));
                out.push(routed.to_bits());
            }
            Shape::Replicated { primary, others } => {
                out.push(2);
                match primary {
                    Some((u, h)) => out.extend([1, ((*u as u64) << 2) | h.word()]),
                    None => out.push(0),
                }
                units(out, others);
            }
            Shape::Quorum {
                cells,
                leader,
                reach,
                latency,
            } => {
                out.push(3);
                units(out, cells);
                out.push(match leader {
                    Leader::Designated(c) => 3 + *c as u64,
                    Leader::Any => 1,
                    Leader::Wait => 2,
                });
                out.push(reach.len() as u64);
                for row in reach {
                    out.push(row.len() as u64);
                    // 64 cells a word.
                    for chunk in row.chunks(64) {
                        out.push(
                            chunk
                                .iter()
                                .enumerate()
                                .fold(0u64, |w, (i, b)| w | (u64::from(*b) << i)),
                        );
                    }
                }
                match latency {
                    Some(l) => out.extend([1, l.to_bits()]),
                    None => out.push(0),
                }
            }
        }
    }

    /// The same shape up to which instances wait on an impaired control plane: what
    /// serves and who leads. A failure that changes only that (a control-plane outage
    /// under a store that has failed over) does not restart a recovery.
    pub(crate) fn same_structure(&self, o: &Shape) -> bool {
        let same_units = |a: &[(usize, Exposure)], b: &[(usize, Exposure)]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0)
        };
        match (self, o) {
            (
                Shape::Stateless {
                    units: a,
                    full: fa,
                    routed: ra,
                },
                Shape::Stateless {
                    units: b,
                    full: fb,
                    routed: rb,
                },
            ) => fa == fb && ra == rb && same_units(a, b),
            (
                Shape::Replicated {
                    primary: pa,
                    others: oa,
                },
                Shape::Replicated {
                    primary: pb,
                    others: ob,
                },
            ) => pa.map(|x| x.0) == pb.map(|x| x.0) && same_units(oa, ob),
            (
                Shape::Quorum {
                    cells: ca,
                    leader: la,
                    reach: ra,
                    latency: ta,
                },
                Shape::Quorum {
                    cells: cb,
                    leader: lb,
                    reach: rb,
                    latency: tb,
                },
            ) => same_units(ca, cb) && la == lb && ra == rb && ta == tb,
            _ => false,
        }
    }
}

/// Probability of not being up, and of being down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Probs {
    pub notup: f64,
    pub down: f64,
}

impl Probs {
    pub(crate) const UP: Probs = Probs {
        notup: 0.0,
        down: 0.0,
    };
    pub(crate) const DOWN: Probs = Probs {
        notup: 1.0,
        down: 1.0,
    };
}

/// How many instances of each unit are up, and since when a unit's first instance
/// (the designated primary or leader) has been down.
pub(crate) trait Counts {
    fn up(&self, unit: usize) -> u32;
    fn first_down_since(&self, unit: usize) -> Option<f64>;
}

/// Every instance up.
#[derive(Debug)]
pub(crate) struct AllUp<'a>(pub &'a Model);

impl Counts for AllUp<'_> {
    fn up(&self, unit: usize) -> u32 {
        self.0.units[unit].count
    }
    fn first_down_since(&self, _: usize) -> Option<f64> {
        None
    }
}

const TOL: f64 = 1e-9;

impl Model {
    pub(crate) fn region_down<A: Active + ?Sized>(&self, r: usize, a: &A) -> bool {
        a.on(self.regions[r].comp)
    }

    fn mark_of<A: Active + ?Sized>(&self, c: usize, a: &A) -> &Mark {
        &self.comps[c].marks[a.mark(c).min(self.comps[c].marks.len() - 1)].0
    }

    /// Whether the region's control plane is impaired while the region itself is up:
    /// its control-plane outage, or a zone outage that impaired it. Failed instances
    /// there wait for the impairment to end.
    pub(crate) fn held<A: Active + ?Sized>(&self, r: usize, a: &A) -> bool {
        a.on(self.regions[r].cp_comp)
            || self.regions[r]
                .zone_comps
                .iter()
                .any(|c| a.on(*c) && self.mark_of(*c, a).launch == Launch::Blocked)
    }

    pub(crate) fn cp_down<A: Active + ?Sized>(&self, r: usize, a: &A) -> bool {
        self.region_down(r, a) || self.held(r, a)
    }

    pub(crate) fn zone_down<A: Active + ?Sized>(&self, z: usize, a: &A) -> bool {
        let r = self.zones[z].region;
        self.region_down(r, a)
            || self.regions[r].zone_comps.iter().any(|c| {
                a.on(*c)
                    && (self.comps[*c].zone == Some(z)
                        || self.mark_of(*c, a).followers.contains(&z))
            })
    }

    fn zone_usable<A: Active + ?Sized>(&self, z: usize, a: &A) -> bool {
        !self.zone_down(z, a) && !a.on(self.zones[z].iso_comp)
    }

    /// Whether new instances can be launched in the region.
    fn can_launch<A: Active + ?Sized>(&self, r: usize, a: &A) -> bool {
        !self.cp_down(r, a)
            && self.regions[r]
                .zones
                .iter()
                .any(|z| self.zone_usable(*z, a))
    }

    pub(crate) fn unit_state<A: Active + ?Sized>(&self, u: usize, a: &A) -> UState {
        let un = &self.units[u];
        if self.zone_down(un.zone, a) {
            UState::Lost
        } else if un.pool.is_some_and(|p| a.on(p)) {
            UState::Reclaimed
        } else if a.on(self.zones[un.zone].iso_comp) {
            UState::Isolated
        } else {
            UState::Up
        }
    }

    fn unit_exposure<A: Active + ?Sized>(&self, u: usize, a: &A) -> Exposure {
        let un = &self.units[u];
        Exposure {
            held: self.held(un.region, a),
            impaired: self.zones[un.zone].imp_comp.is_some_and(|c| a.on(c)),
        }
    }

    /// P(an instance of the unit is down): failed (and, when held, waiting for the
    /// control plane), or, in an impaired zone, out of service for the impairment,
    /// independently.
    fn inst_down(&self, u: usize, e: Exposure, ages: &Ages) -> f64 {
        let r = &self.regions[self.units[u].region];
        let failed = match (e.held, ages.of(self.units[u].region)) {
            (false, _) => r.q,
            (true, Some(age)) => r.held_down(age),
            (true, None) => r.q_cp,
        };
        if e.impaired {
            1.0 - (1.0 - failed) * (1.0 - r.imp_share)
        } else {
            failed
        }
    }

    /// P(the unit's first instance is down, for less than `t` hours). In an impaired
    /// zone an instance the impairment took is down since the impairment began, which
    /// is less than `t` hours ago with the impairment's window fraction.
    fn inst_down_within(&self, u: usize, e: Exposure, ages: &Ages, t: f64) -> f64 {
        let r = &self.regions[self.units[u].region];
        let (failed, within) = match (e.held, ages.of(self.units[u].region)) {
            (false, _) => (r.q, r.down_within(t, None)),
            (true, Some(age)) => (r.held_down(age), r.down_within(t, Some(age))),
            // Averaged over the impairment: the failover window is a small share of it.
            (true, None) => (r.q_cp, r.q_cp * r.inst_dur.window_fraction(t)),
        };
        match self.zones[self.units[u].zone].imp_comp {
            Some(c) if e.impaired => {
                let w = self.comps[c].dur.window_fraction(t);
                (within + (1.0 - failed) * r.imp_share * w).min(1.0)
            }
            _ => within,
        }
    }

    pub(crate) fn reachable<A: Active + ?Sized>(&self, r1: usize, r2: usize, a: &A) -> bool {
        r1 == r2 || self.pair(r1, r2).is_none_or(|c| !a.on(c))
    }

    /// The service's shape before (`initial`) or after recovery.
    pub(crate) fn shape<A: Active + ?Sized>(&self, s: usize, a: &A, initial: bool) -> Shape {
        let svc = &self.services[s];
        match &svc.sem {
            Sem::Stateless {
                demand_v,
                demand_m,
                active_regions,
                restore,
                ..
            } => {
                let active = |u: &usize| self.units[*u].role != crate::deployment::Role::Standby;
                let mut units: Vec<(usize, Exposure)> = svc
                    .units
                    .iter()
                    .filter(|u| active(u) && self.unit_state(**u, a) == UState::Up)
                    .map(|u| (*u, self.unit_exposure(*u, a)))
                    .collect();
                if initial {
                    return Shape::Stateless {
                        units,
                        full: false,
                        routed: 1.0,
                    };
                }
                // Lost or cut-off instances come back in a zone that works, in their own
                // region or another active one, if launches work there.
                for u in svc.units.iter().filter(|u| active(u)) {
                    let st = self.unit_state(*u, a);
                    if matches!(st, UState::Lost | UState::Isolated) {
                        let home = self.units[*u].region;
                        if self.can_launch(home, a)
                            || active_regions
                                .iter()
                                .any(|r| *r != home && self.can_launch(*r, a))
                        {
                            units.push((*u, Exposure::default()));
                        }
                    }
                }
                units.sort_by_key(|x| x.0);
                let (v, m) = units.iter().fold((0.0, 0.0), |(v, m), (u, _)| {
                    let un = &self.units[*u];
                    let n = f64::from(un.count);
                    (v + n * un.vcpu, m + n * un.mem)
                });
                let short = v < demand_v * (1.0 - TOL) || m < demand_m * (1.0 - TOL);
                let full = short
                    && restore.iter().any(|t| match t {
                        Target::Used(r) => self.can_launch(*r, a),
                        Target::Unused => true,
                    });
                Shape::Stateless {
                    units,
                    full,
                    routed: 1.0,
                }
            }
            Sem::Replicated { order, .. } => {
                let avail: Vec<usize> = order
                    .iter()
                    .copied()
                    .filter(|u| self.unit_state(*u, a) == UState::Up)
                    .collect();
                let designated = if initial {
                    avail.first().copied().filter(|u| *u == order[0])
                } else {
                    avail.first().copied()
                };
                let primary = designated.map(|u| (u, self.unit_exposure(u, a)));
                let others = avail
                    .iter()
                    .copied()
                    .filter(|u| Some(*u) != designated)
                    .map(|u| (u, self.unit_exposure(u, a)))
                    .collect();
                Shape::Replicated { primary, others }
            }
            Sem::Quorum {
                members,
                maj,
                leader,
                rtt,
                ..
            } => {
                let idx: Vec<usize> = (0..members.len())
                    .filter(|k| self.unit_state(members[*k], a) == UState::Up)
                    .collect();
                let cells: Vec<(usize, Exposure)> = idx
                    .iter()
                    .map(|k| (members[*k], self.unit_exposure(members[*k], a)))
                    .collect();
                let reach: Vec<Vec<bool>> = idx
                    .iter()
                    .map(|i| {
                        idx.iter()
                            .map(|j| {
                                self.reachable(
                                    self.units[members[*i]].region,
                                    self.units[members[*j]].region,
                                    a,
                                )
                            })
                            .collect()
                    })
                    .collect();
                let avail_from = |c: usize| -> Vec<(usize, u32)> {
                    (0..idx.len())
                        .filter(|j| reach[c][*j])
                        .map(|j| (idx[j], self.units[members[idx[j]]].count))
                        .collect()
                };
                let lat_of = |c: usize| commit_latency(rtt, idx[c], &avail_from(c), *maj);
                let leader_cell = idx.iter().position(|k| *k == *leader);
                let lead = match (initial, leader_cell) {
                    (true, Some(c)) => Leader::Designated(c),
                    (true, None) => Leader::Wait,
                    (false, Some(c)) if lat_of(c).is_some() => Leader::Designated(c),
                    (false, _) => Leader::Any,
                };
                let latency = match lead {
                    Leader::Designated(c) => lat_of(c),
                    Leader::Any => (0..idx.len()).filter_map(lat_of).min_by(f64::total_cmp),
                    Leader::Wait => None,
                };
                Shape::Quorum {
                    cells,
                    leader: lead,
                    reach,
                    latency,
                }
            }
        }
    }

    /// Seconds from the failure to the recovered shape.
    pub(crate) fn recovery_delay(&self, s: usize, recovered: &Shape) -> f64 {
        match (&self.services[s].sem, recovered) {
            (Sem::Stateless { scale_s, dr_s, .. }, Shape::Stateless { full, .. }) => {
                if *full {
                    *dr_s
                } else {
                    *scale_s
                }
            }
            (Sem::Replicated { failover_s, .. }, _) => *failover_s,
            (Sem::Quorum { election_s, .. }, _) => *election_s,
            (Sem::Stateless { scale_s, .. }, _) => *scale_s,
        }
    }

    /// What serves the service after the youngest failure that shapes it, phase by
    /// phase: each shape with the age of that failure (hours) until which it lasts,
    /// the last open-ended. A stateless fleet first serves only the traffic still
    /// routed to capacity that survives, until health checks and DNS move clients
    /// (zone or region routing delay); then whatever survives serves everything,
    /// until the scale-up or DR delay; then the recovered shape. Stores: before and
    /// after their failover or election. A phase that would end no later than the one
    /// before never happens; equal neighbours merge.
    pub(crate) fn phases<A: Active + ?Sized>(&self, s: usize, a: &A) -> Vec<(Shape, f64)> {
        let init = self.shape(s, a, true);
        let rec = self.shape(s, a, false);
        let mut raw = Vec::with_capacity(3);
        if let Some(r) = self.routing(s, a, &init) {
            raw.push(r);
        }
        let t = self.recovery_delay(s, &rec) / 3600.0;
        raw.push((init, t));
        raw.push((rec, f64::INFINITY));
        let mut out: Vec<(Shape, f64)> = Vec::with_capacity(raw.len());
        for (shape, until) in raw {
            if let Some(last) = out.last_mut() {
                if until <= last.1 {
                    continue;
                }
                if last.0 == shape {
                    last.1 = until;
                    continue;
                }
            }
            out.push((shape, until));
        }
        out
    }

    /// A stateless fleet that lost active capacity (its zone or region down, or cut
    /// off) keeps receiving the lost capacity's share of the traffic until clients
    /// are moved: the routing shape and how long it lasts, hours. Losing every active
    /// instance of a region needs a DNS failover between regions; otherwise the load
    /// balancer stops sending to the lost zone. Spot reclaims come with a notice and
    /// are drained, so they route nothing to lost capacity.
    fn routing<A: Active + ?Sized>(&self, s: usize, a: &A, init: &Shape) -> Option<(Shape, f64)> {
        let svc = &self.services[s];
        let Sem::Stateless {
            route_zone_s,
            route_region_s,
            active_regions,
            ..
        } = &svc.sem
        else {
            return None;
        };
        let Shape::Stateless { units, .. } = init else {
            return None;
        };
        let active = |u: &usize| self.units[*u].role != crate::deployment::Role::Standby;
        let cap = |u: usize| f64::from(self.units[u].count) * self.units[u].vcpu;
        let mut total = 0.0;
        let mut lost = 0.0;
        let mut region_gone = false;
        for r in active_regions {
            let mine: Vec<usize> = svc
                .units
                .iter()
                .copied()
                .filter(|u| active(u) && self.units[*u].region == *r)
                .collect();
            let mut lost_here = 0.0;
            let mut all = 0.0;
            for u in &mine {
                all += cap(*u);
                if matches!(self.unit_state(*u, a), UState::Lost | UState::Isolated) {
                    lost_here += cap(*u);
                }
            }
            total += all;
            lost += lost_here;
            region_gone |= all > 0.0 && lost_here >= all * (1.0 - TOL);
        }
        if lost <= 0.0 || total <= 0.0 {
            return None;
        }
        let delay = if region_gone {
            *route_region_s
        } else {
            *route_zone_s
        };
        Some((
            Shape::Stateless {
                units: units.clone(),
                full: false,
                routed: ((total - lost) / total).clamp(0.0, 1.0),
            },
            delay / 3600.0,
        ))
    }

    /// Whether any instance in the shape waits on an impaired control plane, so its
    /// probabilities depend on how long the impairment has lasted.
    pub(crate) fn holds(shape: &Shape) -> bool {
        match shape {
            Shape::Stateless { units, full, .. } => !full && units.iter().any(|x| x.1.held),
            Shape::Replicated { primary, others } => {
                primary.iter().chain(others.iter()).any(|x| x.1.held)
            }
            Shape::Quorum { cells, .. } => cells.iter().any(|x| x.1.held),
        }
    }

    /// Probabilities over independent instance failures, given how long each held
    /// region's control plane has been impaired.
    /// A stateless fleet's figures come from `fleets`, which holds them per service and
    /// per fleet (each group's count, size and P(instance down)): shapes that differ
    /// only in what those do not see (the share of requests still routed to lost
    /// capacity, applied here after; which units of equal count, size and P(down)
    /// remain) give the same fleet.
    pub(crate) fn probs(&self, s: usize, shape: &Shape, ages: &Ages, fleets: &Fleets) -> Probs {
        match (&self.services[s].sem, shape) {
            (
                Sem::Stateless {
                    demand_v,
                    demand_m,
                    floor,
                    ..
                },
                Shape::Stateless {
                    units,
                    full,
                    routed,
                },
            ) => {
                if *full {
                    return Probs::UP;
                }
                let groups: Vec<(u32, f64, f64, f64)> = units
                    .iter()
                    .map(|(u, h)| {
                        let un = &self.units[*u];
                        (un.count, un.vcpu, un.mem, self.inst_down(*u, *h, ages))
                    })
                    .collect();
                let p = fleets.get(s, &groups, || {
                    stateless_probs(&groups, *demand_v, *demand_m, *floor)
                });
                // Requests still sent to lost capacity fail while the rest are served:
                // the fleet is degraded, not down (clients retry, and a retry reaches
                // surviving capacity), until health checks and DNS move them.
                if *routed < 1.0 - TOL {
                    Probs {
                        notup: 1.0,
                        down: p.down,
                    }
                } else {
                    p
                }
            }
            (
                Sem::Replicated {
                    order,
                    failover_s,
                    fail_p,
                    ..
                },
                Shape::Replicated { primary, others },
            ) => {
                let Some((p, hp)) = primary else {
                    return Probs::DOWN;
                };
                let qp = self.inst_down(*p, *hp, ages);
                let mut all_down = qp.powi(self.units[*p].count as i32 - 1);
                for (u, h) in others {
                    all_down *= self
                        .inst_down(*u, *h, ages)
                        .powi(self.units[*u].count as i32);
                }
                // Down while the primary's outage is younger than the failover time,
                // and after it while no other member is up or the failover failed
                // (each attempt fails with `fail_p`, independently of how long the
                // outage lasts, so its share of the time after the window is `fail_p`).
                let within = self.inst_down_within(*p, *hp, ages, failover_s / 3600.0);
                let after = fail_p + (1.0 - fail_p) * all_down;
                let mut notup = (within + (qp - within).max(0.0) * after).min(1.0);
                // A member other than the first in promotion order serves only after
                // a failover, which failed with `fail_p`: then the store waits for its
                // primary for as long as this failure lasts.
                if *p != order[0] {
                    notup = fail_p + (1.0 - fail_p) * notup;
                }
                Probs { notup, down: notup }
            }
            (
                Sem::Quorum {
                    maj,
                    election_s,
                    budget_ms,
                    ..
                },
                Shape::Quorum {
                    cells,
                    leader,
                    reach,
                    latency,
                },
            ) => {
                let counts: Vec<(u32, f64)> = cells
                    .iter()
                    .map(|(u, h)| (self.units[*u].count, self.inst_down(*u, *h, ages)))
                    .collect();
                let fail = match leader {
                    Leader::Wait => 1.0,
                    Leader::Any => no_majority(&counts, reach, *maj),
                    Leader::Designated(c) => {
                        let (u, hl) = cells[*c];
                        let ql = counts[*c].1;
                        let within = self.inst_down_within(u, hl, ages, election_s / 3600.0);
                        let mut without = counts.clone();
                        without[*c].0 -= 1;
                        // Leader up: it needs maj − 1 others it reaches.
                        let reach_c: Vec<(u32, f64)> = without
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| reach[*c][*j])
                            .map(|(_, x)| *x)
                            .collect();
                        let short = sum_below(&reach_c, maj.saturating_sub(1));
                        // Leader down: an election after the window, if some majority.
                        let none = no_majority(&without, reach, *maj);
                        (1.0 - ql) * short + within + (ql - within).max(0.0) * none
                    }
                };
                let slow = match (latency, budget_ms) {
                    (None, _) => true,
                    (Some(l), Some(b)) => *l > b + TOL,
                    (Some(_), None) => false,
                };
                Probs {
                    notup: if slow { 1.0 } else { fail },
                    down: fail,
                }
            }
            _ => Probs::DOWN,
        }
    }

    /// Status from the instances actually up at time `now` (hours).
    pub(crate) fn status<C: Counts + ?Sized>(
        &self,
        s: usize,
        shape: &Shape,
        c: &C,
        now: f64,
    ) -> St {
        match (&self.services[s].sem, shape) {
            (
                Sem::Stateless {
                    demand_v,
                    demand_m,
                    floor,
                    ..
                },
                Shape::Stateless {
                    units,
                    full,
                    routed,
                },
            ) => {
                if *full {
                    return St::Up;
                }
                let (v, m) = units.iter().fold((0.0, 0.0), |(v, m), (u, _)| {
                    let un = &self.units[*u];
                    let n = f64::from(c.up(*u));
                    (v + n * un.vcpu, m + n * un.mem)
                });
                let st = capacity_status(v, m, *demand_v, *demand_m, *floor);
                if *routed < 1.0 - TOL {
                    st.min(St::Degraded)
                } else {
                    st
                }
            }
            (Sem::Replicated { failover_s, .. }, Shape::Replicated { primary, others }) => {
                let Some((p, _)) = primary else {
                    return St::Down;
                };
                match c.first_down_since(*p) {
                    None => St::Up,
                    Some(since) => {
                        // Compared as the simulation schedules the window's end, so the
                        // event at that instant sees the window over.
                        if now < since + failover_s / 3600.0 {
                            return St::Down;
                        }
                        let others_up =
                            c.up(*p) + others.iter().map(|(u, _)| c.up(*u)).sum::<u32>();
                        if others_up > 0 {
                            St::Up
                        } else {
                            St::Down
                        }
                    }
                }
            }
            (
                Sem::Quorum {
                    maj,
                    election_s,
                    budget_ms,
                    ..
                },
                Shape::Quorum {
                    cells,
                    leader,
                    reach,
                    latency,
                },
            ) => {
                let ups: Vec<u32> = cells.iter().map(|(u, _)| c.up(*u)).collect();
                let has_majority = |ups: &[u32]| {
                    (0..ups.len()).any(|i| {
                        ups[i] > 0
                            && (0..ups.len())
                                .filter(|j| reach[i][*j])
                                .map(|j| ups[j])
                                .sum::<u32>()
                                >= *maj
                    })
                };
                let ok = match leader {
                    Leader::Wait => false,
                    Leader::Any => has_majority(&ups),
                    Leader::Designated(k) => {
                        let u = cells[*k].0;
                        match c.first_down_since(u) {
                            None => {
                                (0..ups.len())
                                    .filter(|j| reach[*k][*j])
                                    .map(|j| ups[j])
                                    .sum::<u32>()
                                    >= *maj
                            }
                            Some(since) => now >= since + election_s / 3600.0 && has_majority(&ups),
                        }
                    }
                };
                if !ok {
                    St::Down
                } else {
                    match (latency, budget_ms) {
                        (None, _) => St::Degraded,
                        (Some(l), Some(b)) if *l > b + TOL => St::Degraded,
                        _ => St::Up,
                    }
                }
            }
            _ => St::Down,
        }
    }

    /// Capacity left as a share of demand (stateless: the scarcer of vCPU and memory),
    /// or the share of store members available.
    pub(crate) fn capacity_share(&self, s: usize, shape: &Shape) -> f64 {
        let svc = &self.services[s];
        let total: u32 = svc.units.iter().map(|u| self.units[*u].count).sum();
        let members = |us: &mut dyn Iterator<Item = usize>| -> f64 {
            let n: u32 = us.map(|u| self.units[u].count).sum();
            f64::from(n) / f64::from(total.max(1))
        };
        match (&svc.sem, shape) {
            (
                Sem::Stateless {
                    demand_v, demand_m, ..
                },
                Shape::Stateless {
                    units,
                    full,
                    routed,
                },
            ) => {
                let (v, m) = units.iter().fold((0.0, 0.0), |(v, m), (u, _)| {
                    let un = &self.units[*u];
                    let n = f64::from(un.count);
                    (v + n * un.vcpu, m + n * un.mem)
                });
                let share = (v / demand_v.max(1e-12)).min(m / demand_m.max(1e-12));
                if *full {
                    share.max(1.0)
                } else {
                    share.min(*routed)
                }
            }
            (_, Shape::Replicated { primary, others }) => members(
                &mut primary
                    .iter()
                    .map(|x| x.0)
                    .chain(others.iter().map(|x| x.0)),
            ),
            (_, Shape::Quorum { cells, .. }) => members(&mut cells.iter().map(|x| x.0)),
            _ => 0.0,
        }
    }
}

pub(crate) fn capacity_status(v: f64, m: f64, dv: f64, dm: f64, floor: f64) -> St {
    if v >= dv * (1.0 - TOL) && m >= dm * (1.0 - TOL) {
        St::Up
    } else if v >= floor * dv * (1.0 - TOL) && m >= floor * dm * (1.0 - TOL) {
        St::Degraded
    } else {
        St::Down
    }
}

/// Binomial pmf of the number of failed instances out of `n`, each down with `q`,
/// for 0..=kmax, and the probability of more than kmax. `kmax` stops where the tail
/// falls below 1e-20, far under what any figure reports. By the recurrence
/// P(k + 1) = P(k)·(n − k)/(k + 1)·q/(1 − q) from P(0) = (1 − q)ⁿ, in logarithms so
/// that large fleets do not underflow; past the mode, terms below e⁻⁷⁰ end it.
fn failures(n: u32, q: f64) -> (Vec<f64>, f64) {
    if q <= 0.0 || n == 0 {
        return (vec![1.0], 0.0);
    }
    if q >= 1.0 {
        let mut v = vec![0.0; n as usize + 1];
        v[n as usize] = 1.0;
        return (v, 0.0);
    }
    let nn = f64::from(n);
    let lr = (q / (1.0 - q)).ln();
    let mode = ((nn + 1.0) * q).floor();
    let mut lp = nn * (-q).ln_1p();
    let mut terms = Vec::new();
    for k in 0..=n {
        let kf = f64::from(k);
        terms.push(lp.exp());
        if kf > mode && lp < -70.0 {
            break;
        }
        lp += ((nn - kf) / (kf + 1.0)).ln() + lr;
    }
    let mut tail = 0.0;
    let mut cut = terms.len();
    while cut > 1 && tail + terms[cut - 1] < 1e-20 {
        tail += terms[cut - 1];
        cut -= 1;
    }
    terms.truncate(cut);
    (terms, tail)
}

/// Stateless fleets' figures per service, keyed by the fleet's groups in their order
/// (count, and the bits of vCPU, GiB and q): [`stateless_probs`] is a pure function of
/// them and of the service's demand and floor, so a figure read here is the one a
/// fresh computation gives, whichever thread stored it.
pub(crate) struct Fleets(Vec<Mutex<FastMap<Vec<u64>, Probs>>>);

impl Fleets {
    pub(crate) fn new(services: usize) -> Fleets {
        Fleets((0..services).map(|_| Mutex::default()).collect())
    }

    fn get(
        &self,
        s: usize,
        groups: &[(u32, f64, f64, f64)],
        compute: impl FnOnce() -> Probs,
    ) -> Probs {
        let key: Vec<u64> = groups
            .iter()
            .flat_map(|(n, v, m, q)| [u64::from(*n), v.to_bits(), m.to_bits(), q.to_bits()])
            .collect();
        let lock = || self.0[s].lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = lock().get(&key) {
            return *p;
        }
        let p = compute();
        lock().insert(key, p);
        p
    }
}

/// P(not up) and P(down) of a stateless fleet whose groups (count, vCPU, GiB, q) lose
/// instances independently: a convolution of binomials over lost vCPU and memory,
/// keeping only the losses that still clear the degradation floor.
pub(crate) fn stateless_probs(
    groups: &[(u32, f64, f64, f64)],
    dv: f64,
    dm: f64,
    floor: f64,
) -> Probs {
    let merged = merge(groups);
    let (cap_v, cap_m) = groups.iter().fold((0.0, 0.0), |(a, b), (n, v, m, _)| {
        (a + f64::from(*n) * v, b + f64::from(*n) * m)
    });
    let up_v = cap_v - dv * (1.0 - TOL);
    let up_m = cap_m - dm * (1.0 - TOL);
    let ge_v = cap_v - floor * dv * (1.0 - TOL);
    let ge_m = cap_m - floor * dm * (1.0 - TOL);
    if ge_v < 0.0 || ge_m < 0.0 {
        return Probs::DOWN;
    }
    if let Some(p) = same_size_probs(&merged, up_v, up_m, ge_v, ge_m) {
        return p;
    }
    // Sizes in exact units, once for whichever method takes the fleet.
    let sizes = sizes_of(&merged);
    if let Some(p) = proportional_size_probs(&sizes, up_v, up_m, ge_v, ge_m) {
        return p;
    }
    if let Some(p) = ratio_class_probs(&sizes, up_v, up_m, ge_v, ge_m) {
        return p;
    }
    mixed_size_probs(&sizes, up_v, up_m, ge_v, ge_m)
}

/// Groups (count, vCPU, GiB, q) with equal size and q merged, keyed by their bits.
fn merge(groups: &[(u32, f64, f64, f64)]) -> BTreeMap<(u64, u64, u64), u32> {
    let mut merged: BTreeMap<(u64, u64, u64), u32> = BTreeMap::new();
    for (n, v, m, q) in groups {
        *merged
            .entry((v.to_bits(), m.to_bits(), q.to_bits()))
            .or_default() += n;
    }
    merged
}

/// The distribution of failed instances of one size over its groups (count, q), cut
/// where that size's losses alone pass the floor: (counts, probability past the cut).
fn size_failures(groups: &[(u32, f64)], beyond_alone: impl Fn(i64) -> bool) -> (Vec<f64>, f64) {
    let mut counts = vec![1.0];
    let mut over = 0.0;
    for (n, q) in groups {
        let (pmf, tail) = failures(*n, *q);
        let mass: f64 = counts.iter().sum();
        over += tail * mass;
        let mut next = vec![0.0; counts.len() + pmf.len() - 1];
        for (a, pa) in counts.iter().enumerate() {
            if *pa == 0.0 {
                continue;
            }
            for (k, pk) in pmf.iter().enumerate() {
                if beyond_alone((a + k) as i64) {
                    over += pa * pk;
                } else {
                    next[a + k] += pa * pk;
                }
            }
        }
        counts = next;
    }
    (counts, over)
}

/// An instance size in exact units (vCPU, MiB) and its groups (count, q).
type SizeGroups = ((i64, i64), Vec<(u32, f64)>);

/// Sizes keyed by (vCPU, MiB) in exact units, each with its groups (count, q).
fn sizes_of(merged: &BTreeMap<(u64, u64, u64), u32>) -> Vec<SizeGroups> {
    let mut sizes: BTreeMap<(i64, i64), Vec<(u32, f64)>> = BTreeMap::new();
    for ((vb, mb, qb), n) in merged {
        let vi = f64::from_bits(*vb).round() as i64;
        let mi = (f64::from_bits(*mb) * 1024.0).round() as i64;
        sizes
            .entry((vi, mi))
            .or_default()
            .push((*n, f64::from_bits(*qb)));
    }
    sizes.into_iter().collect()
}

/// [`stateless_probs`] for sizes that all have the same memory per vCPU (one family,
/// or families of one ratio such as c6g and c7g): lost memory is then a function of
/// lost vCPU, so the losses are one dense array indexed by lost vCPU, with no list to
/// sort and merge and nothing pruned. The same figures as [`mixed_size_probs`] up to
/// summation order (and its pruning, which only moves mass to "down"). `None` when the
/// ratios differ.
fn proportional_size_probs(
    sizes: &[SizeGroups],
    up_v: f64,
    up_m: f64,
    ge_v: f64,
    ge_m: f64,
) -> Option<Probs> {
    let &((v0, m0), _) = sizes.first()?;
    if v0 <= 0 || sizes.iter().any(|((v, m), _)| *v <= 0 || m * v0 != m0 * v) {
        return None;
    }
    // Lost MiB for `lv` lost vCPU; exact, since every loss is a sum of whole sizes.
    let (mr, vr) = ratio((v0, m0));
    let beyond = |lv: i64, lim_v: f64, lim_m: f64| {
        lv as f64 > lim_v || (lv * mr / vr) as f64 / 1024.0 > lim_m
    };
    let class = class_losses(sizes, (mr, vr), |lv| beyond(lv, ge_v, ge_m));
    if class.lost.is_empty() {
        return Some(Probs::DOWN);
    }
    let short: f64 = class
        .lost
        .iter()
        .enumerate()
        .filter(|(i, _)| beyond(class.vcpu_at(*i), up_v, up_m))
        .map(|(_, p)| p)
        .sum();
    Some(Probs {
        notup: (class.over + short).min(1.0),
        down: class.over.min(1.0),
    })
}

/// Per memory-per-vCPU class: the distribution of lost vCPU of its sizes (a dense array
/// indexed by lost vCPU in steps of the sizes' greatest common divisor, cut where the
/// class's losses alone pass the floor), the probability past the cut, and the class's
/// reduced ratio (MiB, vCPU) that turns lost vCPU into lost MiB exactly.
struct ClassLosses {
    /// `lost[i]`: the probability of losing `i * step` vCPU; no other loss is possible.
    lost: Vec<f64>,
    step: i64,
    /// The losses in vCPU that still clear the floor: `lost` may stop short of them
    /// where larger losses have no mass.
    span: usize,
    over: f64,
    mib: i64,
    vcpu: i64,
}

impl ClassLosses {
    fn mib_of(&self, lv: i64) -> i64 {
        lv * self.mib / self.vcpu
    }

    /// The lost vCPU of entry `i` of `lost`.
    fn vcpu_at(&self, i: usize) -> i64 {
        i as i64 * self.step
    }
}

/// The lost-vCPU distribution of one class of sizes that share the memory-per-vCPU
/// ratio `mib`/`vcpu` (reduced): groups folded in one at a time into a dense array
/// indexed by lost vCPU, losses that pass the floor on their own (`beyond_ge`) counted
/// in `over`.
fn class_losses(
    sizes: &[SizeGroups],
    (mib, vcpu): (i64, i64),
    beyond_ge: impl Fn(i64) -> bool,
) -> ClassLosses {
    // Every loss is a sum of the sizes, so a multiple of their greatest common divisor:
    // the array holds those alone.
    let step = sizes.iter().fold(0, |g, ((vi, _), _)| gcd(g, *vi)).max(1);
    // The smallest loss in vCPU past the floor bounds the array (more loss never
    // clears it): found by doubling and bisection.
    let (mut lo, mut hi) = (0i64, 1i64);
    while !beyond_ge(hi - 1) {
        lo = hi;
        hi *= 2;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if beyond_ge(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let span = lo;
    // The steps that clear the floor.
    let len = (span + step - 1) / step;
    let mut states = vec![0.0; len.min(1) as usize];
    let mut over = 0.0;
    if states.is_empty() {
        over = 1.0;
    } else {
        states[0] = 1.0;
    }
    // The array holds losses up to the largest one reached so far (at most `len`):
    // entries past it would be zeros, which add nothing to any sum below.
    let len = len as usize;
    for ((vi, _), groups) in sizes.iter().filter(|_| len > 0) {
        let (counts, past) = size_failures(groups, |t| beyond_ge(t * vi));
        let mass: f64 = states.iter().sum();
        over += past * mass;
        let vi = vi / step;
        let reach = states.len() - 1 + counts.len().saturating_sub(1) * vi as usize;
        let mut next = vec![0.0; reach.min(len - 1) + 1];
        for (lv, p) in states.iter().enumerate() {
            if *p == 0.0 {
                continue;
            }
            for (k, pk) in counts.iter().enumerate() {
                let nv = lv + k * vi as usize;
                if nv >= len {
                    // Losses grow with k: this and every larger count pass the floor.
                    over += p * counts[k..].iter().sum::<f64>();
                    break;
                }
                next[nv] += p * pk;
            }
        }
        states = next;
    }
    ClassLosses {
        lost: states,
        step,
        span: span as usize,
        over,
        mib,
        vcpu,
    }
}

/// The reduced memory-per-vCPU ratio (MiB, vCPU) of a size.
fn ratio((v, m): (i64, i64)) -> (i64, i64) {
    let g = gcd(v, m);
    (m / g, v / g)
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

/// Most combinations of the first classes' losses [`ratio_class_probs`] walks before it
/// leaves a fleet to [`mixed_size_probs`].
const RATIO_CLASS_WORK: usize = 4_000_000;

/// [`stateless_probs`] for sizes of two or more memory-per-vCPU ratios (e.g. m7g at
/// 4 GiB and c7g at 2 GiB per vCPU). Within a ratio class lost memory is a function of
/// lost vCPU, so each class's losses are one dense array (as in
/// [`proportional_size_probs`]); classes lose instances independently, so a
/// combination's probability is the product of its classes'. The walk goes over every
/// combination of the classes but the last; for the last, the losses that keep the
/// fleet up (or at least degraded) are a prefix of its array — more loss never helps —
/// so their mass is a suffix sum found by binary search. A combination less likely
/// than [`PRUNE`] is not followed and counts as down, as in [`mixed_size_probs`]: the
/// figures are exact to within that mass, on the safe side. `None` for one ratio, or when the walk would be
/// longer than [`RATIO_CLASS_WORK`].
fn ratio_class_probs(
    sizes: &[SizeGroups],
    up_v: f64,
    up_m: f64,
    ge_v: f64,
    ge_m: f64,
) -> Option<Probs> {
    if sizes.iter().any(|((v, m), _)| *v <= 0 || *m < 0) {
        return None;
    }
    // Sizes by reduced ratio (MiB, vCPU), in a fixed order.
    let mut by_ratio: BTreeMap<(i64, i64), Vec<SizeGroups>> = BTreeMap::new();
    for s in sizes {
        by_ratio.entry(ratio(s.0)).or_default().push(s.clone());
    }
    if by_ratio.len() < 2 {
        return None;
    }
    let beyond =
        |lv: i64, lm: i64, lim_v: f64, lim_m: f64| lv as f64 > lim_v || lm as f64 / 1024.0 > lim_m;
    let classes: Vec<ClassLosses> = by_ratio
        .iter()
        .map(|(&(mr, vr), sizes)| {
            class_losses(sizes, (mr, vr), |lv| beyond(lv, lv * mr / vr, ge_v, ge_m))
        })
        .collect();
    let (last, first) = classes.split_last()?;
    let work = first
        .iter()
        .try_fold(1usize, |w, c| w.checked_mul(c.span.max(1)))?;
    if work > RATIO_CLASS_WORK {
        return None;
    }
    // suffix[i]: the last class's mass at lost vCPU ≥ i inside its array.
    let mut suffix = vec![0.0; last.lost.len() + 1];
    for i in (0..last.lost.len()).rev() {
        suffix[i] = suffix[i + 1] + last.lost[i];
    }
    let mut acc = Probs {
        notup: 0.0,
        down: 0.0,
    };
    let mut walk = Walk {
        classes: first,
        last,
        suffix: &suffix,
        beyond: &beyond,
        limits: (up_v, up_m, ge_v, ge_m),
        acc: &mut acc,
    };
    walk.visit(0, 0, 0, 1.0);
    Some(Probs {
        notup: (acc.notup + acc.down).min(1.0),
        down: acc.down.min(1.0),
    })
}

/// The walk of [`ratio_class_probs`]: `acc.down` gathers the mass down, `acc.notup` the
/// mass degraded (up to the sum at the end).
struct Walk<'a, F: Fn(i64, i64, f64, f64) -> bool> {
    classes: &'a [ClassLosses],
    last: &'a ClassLosses,
    suffix: &'a [f64],
    beyond: &'a F,
    limits: (f64, f64, f64, f64),
    acc: &'a mut Probs,
}

impl<F: Fn(i64, i64, f64, f64) -> bool> Walk<'_, F> {
    fn visit(&mut self, c: usize, lv: i64, lm: i64, p: f64) {
        let (up_v, up_m, ge_v, ge_m) = self.limits;
        let Some(class) = self.classes.get(c) else {
            // The last class: how many of its leading losses keep the fleet at least
            // degraded, and how many keep it up.
            let last = self.last;
            let keeps = |lim_v: f64, lim_m: f64| {
                let (mut lo, mut hi) = (0usize, last.lost.len());
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    let b = last.vcpu_at(mid);
                    if (self.beyond)(lv + b, lm + last.mib_of(b), lim_v, lim_m) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                lo
            };
            let n_ge = keeps(ge_v, ge_m);
            let n_up = keeps(up_v, up_m).min(n_ge);
            self.acc.down += p * (last.over + self.suffix[n_ge]);
            self.acc.notup += p * (self.suffix[n_up] - self.suffix[n_ge]);
            return;
        };
        self.acc.down += p * class.over;
        for (i, pa) in class.lost.iter().enumerate() {
            if *pa == 0.0 {
                continue;
            }
            let a = class.vcpu_at(i);
            let (nv, nm) = (lv + a, lm + class.mib_of(a));
            if (self.beyond)(nv, nm, ge_v, ge_m) {
                // More loss never helps: this and every larger loss of the class is down.
                self.acc.down += p * class.lost[i..].iter().sum::<f64>();
                break;
            }
            let np = p * pa;
            if np < PRUNE {
                // Too rare to follow: counted as down, so the figures stay bounds.
                self.acc.down += np;
                continue;
            }
            self.visit(c + 1, nv, nm, np);
        }
    }
}

/// Probability below which [`mixed_size_probs`] stops following a combination of
/// losses (and counts it as down).
const PRUNE: f64 = 1e-24;

/// [`stateless_probs`] for instances of several sizes. Lost capacity is counted in
/// exact units (vCPU counts and memory in MiB). Per size, the number of failed
/// instances is a one-dimensional convolution over its groups, cut where that size's
/// losses alone pass the floor; the sizes are then combined as a list of (lost vCPU,
/// lost MiB, probability), equal losses merged.
fn mixed_size_probs(sizes: &[SizeGroups], up_v: f64, up_m: f64, ge_v: f64, ge_m: f64) -> Probs {
    let beyond =
        |lv: i64, lm: i64, lim_v: f64, lim_m: f64| lv as f64 > lim_v || lm as f64 / 1024.0 > lim_m;
    let mut states: Vec<(i64, i64, f64)> = vec![(0, 0, 1.0)];
    let mut down = 0.0;
    for ((vi, mi), groups) in sizes {
        let (vi, mi) = (*vi, *mi);
        // Failed instances of this size: counts past the floor on their own are down
        // whatever the other sizes lose.
        let (counts, over) = size_failures(groups, |t| beyond(t * vi, t * mi, ge_v, ge_m));
        let mass: f64 = states.iter().map(|x| x.2).sum();
        down += over * mass;
        let mut next: Vec<(i64, i64, f64)> = Vec::new();
        for (lv, lm, p) in &states {
            for (k, pk) in counts.iter().enumerate() {
                let k = k as i64;
                let (nv, nm) = (lv + k * vi, lm + k * mi);
                let pr = p * pk;
                if beyond(nv, nm, ge_v, ge_m) {
                    down += pr;
                } else if pr > 0.0 {
                    next.push((nv, nm, pr));
                }
            }
        }
        // Equal losses merged: without it the list is the product of every size's
        // count distribution, which for a large fleet of many sizes with a whole zone
        // down (long distributions) runs to billions of entries, while the distinct
        // losses under the floor stay few. Sorted, so the sums run in one order.
        // Losses left below PRUNE are counted as down: a lower bound on availability
        // (as the method's figures are), off by at most their sum, which is far
        // under anything reported.
        next.sort_by_key(|x| (x.0, x.1));
        let mut merged: Vec<(i64, i64, f64)> = Vec::with_capacity(next.len());
        for (lv, lm, p) in next {
            match merged.last_mut() {
                Some(last) if last.0 == lv && last.1 == lm => last.2 += p,
                _ => merged.push((lv, lm, p)),
            }
        }
        merged.retain(|x| {
            if x.2 < PRUNE {
                down += x.2;
                false
            } else {
                true
            }
        });
        states = merged;
    }
    let short: f64 = states
        .iter()
        .filter(|(lv, lm, _)| beyond(*lv, *lm, up_v, up_m))
        .map(|x| x.2)
        .sum();
    Probs {
        notup: (down + short).min(1.0),
        down: down.min(1.0),
    }
}

/// [`stateless_probs`] when every instance has the same size, so lost capacity is a
/// count: the same convolution over one dimension, in the same order (so the same
/// figures to the last bit), without a map. `None` for mixed sizes.
fn same_size_probs(
    merged: &BTreeMap<(u64, u64, u64), u32>,
    up_v: f64,
    up_m: f64,
    ge_v: f64,
    ge_m: f64,
) -> Option<Probs> {
    let (&(vb, mb, _), _) = merged.iter().next()?;
    if merged.keys().any(|k| k.0 != vb || k.1 != mb) {
        return None;
    }
    let vi = f64::from_bits(vb).round() as i64;
    let mi = (f64::from_bits(mb) * 1024.0).round() as i64;
    let beyond = |t: usize, lim_v: f64, lim_m: f64| {
        let t = t as i64;
        (t * vi) as f64 > lim_v || (t * mi) as f64 / 1024.0 > lim_m
    };
    let mut dp = vec![1.0];
    let mut down = 0.0;
    for ((_, _, qb), n) in merged {
        let (pmf, tail) = failures(*n, f64::from_bits(*qb));
        let mass: f64 = dp.iter().sum();
        down += tail * mass;
        let mut next = vec![0.0; dp.len() + pmf.len() - 1];
        for (a, pa) in dp.iter().enumerate() {
            if *pa == 0.0 {
                continue;
            }
            for (k, pk) in pmf.iter().enumerate() {
                let pr = pa * pk;
                if beyond(a + k, ge_v, ge_m) {
                    down += pr;
                } else {
                    next[a + k] += pr;
                }
            }
        }
        dp = next;
    }
    let short: f64 = dp
        .iter()
        .enumerate()
        .filter(|(t, _)| beyond(*t, up_v, up_m))
        .map(|(_, p)| p)
        .sum();
    Some(Probs {
        notup: (down + short).min(1.0),
        down: down.min(1.0),
    })
}

/// Distribution of the number of instances up over independent groups (n, q).
fn up_pmf(groups: &[(u32, f64)]) -> Vec<f64> {
    let mut pmf = vec![1.0];
    for (n, q) in groups {
        let (fail, _) = failures(*n, *q);
        // Up = n − failed; failures beyond kmax carry < 1e-20 and are dropped.
        let mut next = vec![0.0; pmf.len() + *n as usize];
        for (a, pa) in pmf.iter().enumerate() {
            for (k, pk) in fail.iter().enumerate() {
                next[a + *n as usize - k] += pa * pk;
            }
        }
        pmf = next;
    }
    pmf
}

/// P(fewer than `need` instances up) over the groups.
pub(crate) fn sum_below(groups: &[(u32, f64)], need: u32) -> f64 {
    if need == 0 {
        return 0.0;
    }
    let pmf = up_pmf(groups);
    pmf.iter().take(need as usize).sum::<f64>().min(1.0)
}

/// P(no member can lead a majority): no cell with an instance up that reaches `maj`
/// instances up. When every cell reaches every other this is P(total < maj); otherwise
/// (a partition that is not a clean split) the count vectors are enumerated.
pub(crate) fn no_majority(cells: &[(u32, f64)], reach: &[Vec<bool>], maj: u32) -> f64 {
    let complete = reach.iter().all(|r| r.iter().all(|x| *x));
    if complete {
        return sum_below(cells, maj);
    }
    let pmfs: Vec<Vec<f64>> = cells.iter().map(|(n, q)| up_pmf(&[(*n, *q)])).collect();
    let mut x = vec![0u32; cells.len()];
    let mut total = 0.0;
    fn rec(
        i: usize,
        p: f64,
        x: &mut Vec<u32>,
        pmfs: &[Vec<f64>],
        reach: &[Vec<bool>],
        maj: u32,
        total: &mut f64,
    ) {
        if p == 0.0 {
            return;
        }
        if i == pmfs.len() {
            let ok = (0..x.len()).any(|c| {
                x[c] > 0
                    && (0..x.len())
                        .filter(|j| reach[c][*j])
                        .map(|j| x[j])
                        .sum::<u32>()
                        >= maj
            });
            if !ok {
                *total += p;
            }
            return;
        }
        for (k, pk) in pmfs[i].iter().enumerate() {
            x[i] = k as u32;
            rec(i + 1, p * pk, x, pmfs, reach, maj, total);
        }
    }
    rec(0, 1.0, &mut x, &pmfs, reach, maj, &mut total);
    total.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of failed instances, enumerated one instance at a time.
    fn brute(groups: &[(u32, f64, f64, f64)], dv: f64, dm: f64, floor: f64) -> Probs {
        let inst: Vec<(f64, f64, f64)> = groups
            .iter()
            .flat_map(|(n, v, m, q)| std::iter::repeat_n((*v, *m, *q), *n as usize))
            .collect();
        let mut out = Probs {
            notup: 0.0,
            down: 0.0,
        };
        for mask in 0u32..(1 << inst.len()) {
            let mut p = 1.0;
            let (mut v, mut m) = (0.0, 0.0);
            for (i, (iv, im, q)) in inst.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    p *= q;
                } else {
                    p *= 1.0 - q;
                    v += iv;
                    m += im;
                }
            }
            match capacity_status(v, m, dv, dm, floor) {
                St::Up => {}
                St::Degraded => out.notup += p,
                St::Down => {
                    out.notup += p;
                    out.down += p;
                }
            }
        }
        out
    }

    /// The limits [`stateless_probs`] gives its methods: (up_v, up_m, ge_v, ge_m).
    fn limits(groups: &[(u32, f64, f64, f64)], dv: f64, dm: f64, floor: f64) -> [f64; 4] {
        let cap_v: f64 = groups.iter().map(|g| f64::from(g.0) * g.1).sum();
        let cap_m: f64 = groups.iter().map(|g| f64::from(g.0) * g.2).sum();
        let lim = |share: f64| {
            [
                cap_v - share * dv * (1.0 - TOL),
                cap_m - share * dm * (1.0 - TOL),
            ]
        };
        let ([up_v, up_m], [ge_v, ge_m]) = (lim(1.0), lim(floor));
        [up_v, up_m, ge_v, ge_m]
    }

    fn assert_close(a: Probs, b: Probs, what: &str) {
        assert!(
            (a.notup - b.notup).abs() < 1e-12 && (a.down - b.down).abs() < 1e-12,
            "{what}: {a:?} vs {b:?}"
        );
    }

    #[test]
    fn mixed_fleet_matches_enumeration() {
        // Three instance shapes with different failure probabilities; memory binds for
        // some combinations and vCPU for others.
        let groups = [
            (3, 4.0, 16.0, 0.05),
            (2, 8.0, 16.0, 0.1),
            (4, 2.0, 4.0, 0.2),
        ];
        for (dv, dm, floor) in [
            (20.0, 40.0, 0.5),
            (30.0, 60.0, 0.8),
            (12.0, 70.0, 0.6),
            (36.0, 80.0, 1.0),
        ] {
            let got = stateless_probs(&groups, dv, dm, floor);
            let want = brute(&groups, dv, dm, floor);
            assert!(
                (got.notup - want.notup).abs() < 1e-12,
                "{dv}/{dm}: {got:?} vs {want:?}"
            );
            assert!(
                (got.down - want.down).abs() < 1e-12,
                "{dv}/{dm}: {got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn proportional_fleet_matches_enumeration_and_the_general_method() {
        // One family's sizes (2 GiB per vCPU) with different failure probabilities:
        // the dense path, brute force and the general list method agree.
        let groups = [
            (3, 2.0, 4.0, 0.05),
            (2, 4.0, 8.0, 0.1),
            (4, 8.0, 16.0, 0.2),
            (1, 16.0, 32.0, 0.02),
        ];
        for (dv, dm, floor) in [
            (20.0, 40.0, 0.5),
            (40.0, 60.0, 0.8),
            (12.0, 70.0, 0.6),
            (54.0, 108.0, 1.0),
            (70.0, 10.0, 0.9),
        ] {
            let got = stateless_probs(&groups, dv, dm, floor);
            let what = format!("{dv}/{dm}/{floor}");
            assert_close(got, brute(&groups, dv, dm, floor), &what);
            let [up_v, up_m, ge_v, ge_m] = limits(&groups, dv, dm, floor);
            if ge_v < 0.0 || ge_m < 0.0 {
                continue;
            }
            let merged = merge(&groups);
            let dense =
                proportional_size_probs(&sizes_of(&merged), up_v, up_m, ge_v, ge_m).unwrap();
            let general = mixed_size_probs(&sizes_of(&merged), up_v, up_m, ge_v, ge_m);
            assert_close(dense, general, &what);
        }
        // Different ratios take the general method.
        let mut mixed: BTreeMap<(u64, u64, u64), u32> = BTreeMap::new();
        mixed.insert((2f64.to_bits(), 4f64.to_bits(), 0.1f64.to_bits()), 2);
        mixed.insert((2f64.to_bits(), 8f64.to_bits(), 0.1f64.to_bits()), 2);
        assert!(proportional_size_probs(&sizes_of(&mixed), 1.0, 1.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn ratio_classes_match_enumeration_and_the_general_method() {
        // Three memory-per-vCPU ratios (c at 2, m at 4, r at 8 GiB per vCPU), small
        // enough to enumerate.
        let small = [
            (2, 2.0, 4.0, 0.1),
            (2, 4.0, 8.0, 0.05),
            (3, 2.0, 8.0, 0.2),
            (2, 4.0, 32.0, 0.1),
            (2, 1.0, 8.0, 0.15),
        ];
        // A fleet too large to enumerate: a zone's worth of instances down with high q.
        let large = [
            (40, 4.0, 8.0, 0.01),
            (30, 8.0, 16.0, 0.3),
            (25, 4.0, 16.0, 0.02),
            (20, 16.0, 64.0, 0.5),
            (10, 2.0, 16.0, 0.05),
        ];
        for (groups, brute_force) in [(&small[..], true), (&large[..], false)] {
            let cap_v: f64 = groups.iter().map(|g| f64::from(g.0) * g.1).sum();
            let cap_m: f64 = groups.iter().map(|g| f64::from(g.0) * g.2).sum();
            for (share_v, share_m, floor) in [
                (0.5, 0.5, 0.5),
                (0.8, 0.6, 0.8),
                (0.3, 0.9, 0.6),
                (0.9, 0.9, 1.0),
                (0.95, 0.2, 0.9),
            ] {
                let (dv, dm) = (share_v * cap_v, share_m * cap_m);
                let got = stateless_probs(groups, dv, dm, floor);
                let what = format!("{dv}/{dm}/{floor}");
                if brute_force {
                    assert_close(got, brute(groups, dv, dm, floor), &what);
                }
                let [up_v, up_m, ge_v, ge_m] = limits(groups, dv, dm, floor);
                let merged = merge(groups);
                let dense = ratio_class_probs(&sizes_of(&merged), up_v, up_m, ge_v, ge_m).unwrap();
                assert_eq!(dense, got);
                // The general method prunes below 1e-24 (counted down): the same figures
                // to far below anything reported.
                assert_close(
                    dense,
                    mixed_size_probs(&sizes_of(&merged), up_v, up_m, ge_v, ge_m),
                    &what,
                );
                assert!(dense.down > 0.0 && dense.notup >= dense.down);
            }
        }
        // One ratio is the proportional path's.
        let one = merge(&[(2, 2.0, 4.0, 0.1), (2, 4.0, 8.0, 0.1)]);
        assert!(ratio_class_probs(&sizes_of(&one), 1.0, 1.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn non_transitive_reach_is_enumerated() {
        // Cells 0 and 2 cannot reach each other; 1 reaches both (a partition that is
        // not a clean split). A majority of 3 of 5 must gather around one cell.
        let cells = [(2u32, 0.1), (1, 0.2), (2, 0.1)];
        let reach = vec![
            vec![true, true, false],
            vec![true, true, true],
            vec![false, true, true],
        ];
        let got = no_majority(&cells, &reach, 3);
        let mut want = 0.0;
        let pmf = |n: u32, q: f64, k: u32| -> f64 {
            let c = (0..k).fold(1.0, |a, i| a * f64::from(n - i) / f64::from(i + 1));
            c * (1.0 - q).powi(k as i32) * q.powi((n - k) as i32)
        };
        for a in 0..=2 {
            for b in 0..=1 {
                for c in 0..=2 {
                    let x = [a, b, c];
                    let ok = (0..3).any(|i| {
                        x[i] > 0 && (0..3).filter(|j| reach[i][*j]).map(|j| x[j]).sum::<u32>() >= 3
                    });
                    if !ok {
                        want += pmf(2, 0.1, a) * pmf(1, 0.2, b) * pmf(2, 0.1, c);
                    }
                }
            }
        }
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}
