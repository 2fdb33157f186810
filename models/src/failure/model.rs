//! The failure model's working form of a topology and a deployment: capacity groups
//! expanded into per-zone units, the independent failure processes (components) with
//! their rates and durations from the effective catalog, each service's semantics, and
//! the index structures both methods share. Building it is also where a deployment is
//! checked against the topology, so a bad plan is reported before any number is made.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, Mode};
use crate::deployment::{DrPattern, Purchase, Role, Words};
use crate::scenario::Scenario;
use crate::topology::{Consistency, Kind, Slo, Strength, Topology};

use super::dist::{self, Dur};
use super::{Assumptions, Deployment, Problem};

/// What kind of single failure a component is, for the scenario matrix and for RTO
/// per disruption class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    Zone,
    Region,
    Spot,
    Partition,
    ControlPlane,
    /// A zone impaired (gray failure): up, with a share of its instances out of
    /// service.
    Impairment,
}

impl Class {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Class::Zone => "zone",
            Class::Region => "region",
            Class::Spot => "spot",
            Class::Partition => "partition",
            Class::ControlPlane => "control_plane",
            Class::Impairment => "zone_impairment",
        }
    }
}

/// Whether new instances can be launched in a region while a zone outage lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Launch {
    /// Launches work.
    Ok,
    /// Nothing launches in the region for as long as the outage lasts — its control
    /// plane is impaired, or relaunches fail on capacity — so failed instances are not
    /// replaced either.
    Blocked,
}

/// What one outage of a zone brings with it, drawn once per outage: zones that go
/// down with it, and whether launches in the region work.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mark {
    /// Other zones of the region lost with it (zone indices), sorted.
    pub followers: Vec<usize>,
    pub launch: Launch,
}

impl Mark {
    pub(crate) const PLAIN: Mark = Mark {
        followers: Vec::new(),
        launch: Launch::Ok,
    };
}

/// One independent on/off failure process.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub scenario: Scenario,
    pub class: Class,
    /// The zone a zone outage takes down.
    pub zone: Option<usize>,
    /// The region whose control plane this process takes down (control-plane
    /// outages).
    pub holds: Option<usize>,
    /// The zone this process impairs (zone impairments).
    pub impairs: Option<usize>,
    /// What an outage brings with it, with probabilities summing to 1; the first is
    /// the plain outage (nothing more). One plain mark for every process but zone
    /// outages.
    pub marks: Vec<(Mark, f64)>,
    /// Failures per year of up time.
    pub rate: f64,
    /// Effective down time, hours.
    pub dur: Dur,
    /// Long-run probability of being down.
    pub u: f64,
    /// Where the rate and durations come from (a catalog source id or an override's).
    pub source: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Zone {
    pub region: usize,
    pub name: String,
    pub comp: usize,
    pub iso_comp: usize,
    /// Its impairment process, when the catalog rates impairments.
    pub imp_comp: Option<usize>,
}

/// A region the deployment uses, with its failure processes and instance failures.
#[derive(Debug, Clone)]
pub(crate) struct RegionFailures {
    pub name: String,
    pub zones: Vec<usize>,
    /// The zone-outage process of each of its zones, in zone order.
    pub zone_comps: Vec<usize>,
    pub comp: usize,
    pub cp_comp: usize,
    /// Instance failures: rate per instance-year and replacement time.
    pub inst_rate: f64,
    pub inst_dur: Dur,
    /// Long-run probability an instance is down, normally and averaged over a
    /// control-plane outage (when failed instances wait for its end).
    pub q: f64,
    pub q_cp: f64,
    /// Probability that an instance of an impaired zone is out of service for the
    /// impairment.
    pub imp_share: f64,
}

impl RegionFailures {
    /// Instance failures per hour of up time.
    pub(crate) fn inst_lambda_h(&self) -> f64 {
        self.inst_rate / dist::HOURS_PER_YEAR
    }

    /// P(an instance is down) when the control plane has been impaired for `age`
    /// hours: up when it began (1 − q) and not failed since, else down, since nothing
    /// failed is replaced until the impairment ends.
    pub(crate) fn held_down(&self, age: f64) -> f64 {
        1.0 - (1.0 - self.q) * (-self.inst_lambda_h() * age).exp()
    }

    /// P(an instance is down and has been for less than `t` hours), normally
    /// (`age = None`) or `age` hours into a control-plane impairment: failed since
    /// `age − t`, or (when `age < t`) already down at its start with less than
    /// `t − age` hours of outage behind it.
    pub(crate) fn down_within(&self, t: f64, age: Option<f64>) -> f64 {
        match age {
            None => self.q * self.inst_dur.window_fraction(t),
            Some(a) => {
                let l = self.inst_lambda_h();
                let fresh = (1.0 - self.q) * ((-l * (a - t).max(0.0)).exp() - (-l * a).exp());
                let old = if a < t {
                    self.q * self.inst_dur.window_fraction(t - a)
                } else {
                    0.0
                };
                (fresh + old).min(1.0)
            }
        }
    }
}

/// Instances of one capacity group in one zone.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub service: usize,
    pub region: usize,
    pub zone: usize,
    pub vcpu: f64,
    pub mem: f64,
    pub count: u32,
    pub role: Role,
    /// The spot-pool component, for spot units.
    pub pool: Option<usize>,
    /// Index of the unit's first instance in the simulation's instance table.
    pub first_instance: usize,
}

/// Where a stateless service can be brought back after losing capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A region the deployment uses (has components).
    Used(usize),
    /// A candidate region the deployment does not use: no failure process is modelled
    /// for it, so it is always available.
    Unused,
}

#[derive(Debug, Clone)]
pub(crate) enum Sem {
    Stateless {
        demand_v: f64,
        demand_m: f64,
        floor: f64,
        /// Scale-up delay, seconds.
        scale_s: f64,
        /// Delay to bring up the DR standby or restore elsewhere, seconds.
        dr_s: f64,
        /// Until clients stop being sent to lost capacity: within a region (load
        /// balancer health checks and its DNS TTL), and away from a region (DNS
        /// failover: health checks and the record's TTL), seconds.
        route_zone_s: f64,
        route_region_s: f64,
        /// Regions with active capacity.
        active_regions: Vec<usize>,
        /// Where a DR standby or restore can run.
        restore: Vec<Target>,
    },
    Replicated {
        /// Member units in promotion order; the first is the primary's unit.
        order: Vec<usize>,
        lag_s: f64,
        failover_s: f64,
        /// Probability that a failover attempt fails, so the store waits for its
        /// primary.
        fail_p: f64,
        gb_per_s: f64,
    },
    Quorum {
        members: Vec<usize>,
        maj: u32,
        leader: usize,
        election_s: f64,
        budget_ms: Option<f64>,
        /// RTT between member units, ms, indexed like `members`.
        rtt: Vec<Vec<f64>>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Svc {
    pub name: String,
    pub kind: &'static str,
    pub sem: Sem,
    pub units: Vec<usize>,
    /// Components whose state can change this service's own status, sorted.
    pub relevant: Vec<usize>,
    pub slo: Slo,
}

#[derive(Debug, Clone)]
pub(crate) struct Jrn {
    pub name: String,
    pub slo: Slo,
}

/// A service or a journey, with the services whose own status decides it: `up` must
/// all be up for it to be up; `ge` must all be at least degraded for it not to be down.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    pub up: Vec<usize>,
    pub ge: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub system: String,
    pub regions: Vec<RegionFailures>,
    pub zones: Vec<Zone>,
    pub comps: Vec<Component>,
    pub pairs: BTreeMap<(usize, usize), usize>,
    pub units: Vec<Unit>,
    pub instances: usize,
    pub services: Vec<Svc>,
    pub journeys: Vec<Jrn>,
    pub entities: Vec<Entity>,
    /// Journeys whose requests are sagas (compensations and a request rate).
    pub sagas: Vec<super::saga::Saga>,
    /// For each service, the entities whose `up` or `ge` set contains it.
    pub entities_of: Vec<Vec<usize>>,
    /// For each component, the services it is relevant to.
    pub relevant_inv: Vec<Vec<usize>>,
    /// Every recovery delay each service can have, hours, sorted.
    pub delays: Vec<Vec<f64>>,
    pub notes: Vec<String>,
}

impl Model {
    pub(crate) fn entity_name(&self, e: usize) -> &str {
        if e < self.services.len() {
            &self.services[e].name
        } else {
            &self.journeys[e - self.services.len()].name
        }
    }

    pub(crate) fn pair(&self, a: usize, b: usize) -> Option<usize> {
        let k = if a < b { (a, b) } else { (b, a) };
        self.pairs.get(&k).copied()
    }
}

fn role_word(r: Role) -> &'static str {
    r.word()
}

/// Checks the deployment against the topology and builds the model. `catalog` is the
/// effective catalog (the topology's overrides applied), built once per assessment.
pub(crate) fn build(
    t: &Topology,
    catalog: &Catalog,
    dep: &Deployment,
    a: &Assumptions,
) -> Result<Model, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    for name in dep.services.keys() {
        if !t.services.contains_key(name) {
            problems.push(Problem::service(
                name,
                format!(
                    "`{name}` is not a service of topology `{}`; its services are: {}",
                    t.name,
                    t.services.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let missing: Vec<&str> = t
        .services
        .keys()
        .filter(|s| !dep.services.contains_key(*s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        problems.push(Problem::general(format!(
            "no deployment for {}: an analysis needs one for every service",
            missing
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    // Semantics per service: a replicated store the plan made strongly consistent is
    // run as a quorum.
    let mut quorum = BTreeMap::new();
    for (name, s) in &t.services {
        let chosen = dep.consistency.get(name).copied();
        let q = match s.kind {
            Kind::Quorum => true,
            Kind::Replicated => chosen == Some(Consistency::Strong),
            Kind::Stateless => false,
        };
        quorum.insert(name.clone(), q);
    }

    // Check every group.
    for (name, d) in &dep.services {
        let Some(s) = t.services.get(name) else {
            continue;
        };
        if d.groups.is_empty() {
            problems.push(Problem::service(
                name,
                "the deployment has no capacity groups".into(),
            ));
            continue;
        }
        for (i, g) in d.groups.iter().enumerate() {
            let at = format!("group {}", i + 1);
            match t.zones.get(&g.region) {
                None => problems.push(Problem::service(
                    name,
                    format!(
                        "{at}: region `{}` is not a candidate region of the topology (candidates: {})",
                        g.region,
                        t.regions.join(", ")
                    ),
                )),
                Some(zs) => {
                    if let Some(z) = &g.zone {
                        if !zs.contains(z) {
                            problems.push(Problem::service(
                                name,
                                format!(
                                    "{at}: zone `{z}` is not a usable zone of `{}` (usable: {})",
                                    g.region,
                                    zs.join(", ")
                                ),
                            ));
                        }
                    }
                    if !t.regions_for(name).contains(&g.region.as_str()) {
                        notes.push(format!(
                            "`{name}` runs in `{}`, which its data-residency constraint does not allow",
                            g.region
                        ));
                    }
                }
            }
            if !catalog.instance_types.contains_key(&g.instance_type) {
                problems.push(Problem::service(
                    name,
                    format!(
                        "{at}: instance type `{}` is not in the catalog",
                        g.instance_type
                    ),
                ));
            }
            if g.count == 0 {
                problems.push(Problem::service(
                    name,
                    format!("{at}: count must be at least 1"),
                ));
            }
            let is_q = quorum.get(name).copied().unwrap_or(false);
            match (s.kind, is_q) {
                (Kind::Stateless, _) if matches!(g.role, Role::Primary | Role::Replica) => {
                    problems.push(Problem::service(
                        name,
                        format!(
                            "{at}: role `{}` applies to replicated stores only",
                            role_word(g.role)
                        ),
                    ));
                }
                (Kind::Stateless, _) => {}
                (_, true) if g.purchase == Purchase::Spot => {
                    problems.push(Problem::service(
                        name,
                        format!("{at}: quorum members must not run on spot"),
                    ));
                }
                _ => {}
            }
        }
        if s.kind == Kind::Replicated && !quorum.get(name).copied().unwrap_or(false) {
            let primaries: u32 = d
                .groups
                .iter()
                .filter(|g| g.role == Role::Primary)
                .map(|g| g.count)
                .sum();
            if primaries != 1 {
                problems.push(Problem::service(
                    name,
                    format!(
                        "an asynchronously replicated store needs exactly one instance with role `primary`, found {primaries}"
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    // Regions and zones the deployment uses, in the topology's order.
    let used: BTreeSet<&str> = dep
        .services
        .values()
        .flat_map(|d| d.groups.iter().map(|g| g.region.as_str()))
        .collect();
    let mut comps: Vec<Component> = Vec::new();
    let mut regions: Vec<RegionFailures> = Vec::new();
    let mut zones: Vec<Zone> = Vec::new();
    let region_names: Vec<&String> = t
        .regions
        .iter()
        .filter(|r| used.contains(r.as_str()))
        .collect();
    let mode = |m: Mode, r: &str| catalog.failure_mode(m, r);
    let mk = |scenario: Scenario, class: Class, rate: f64, dur: Dur, source: &str| Component {
        scenario,
        class,
        zone: None,
        holds: None,
        impairs: None,
        marks: vec![(Mark::PLAIN, 1.0)],
        rate,
        u: dist::unavailability(rate, dur.mean()),
        dur,
        source: source.to_string(),
    };
    for rname in &region_names {
        let ri = regions.len();
        let inst = mode(Mode::instance, rname);
        let inst_dur = Dur::new(inst.median_hours, inst.mean_hours, 0.0);
        let cp = mode(Mode::region_control_plane, rname);
        let cp_dur = Dur::new(cp.median_hours, cp.mean_hours, 0.0);
        let q = dist::unavailability(inst.rate_per_year, inst_dur.mean());
        // During a control-plane outage nothing failed is replaced: an instance is down
        // at age A of the outage unless it was up at its start and has not failed
        // since, 1 − (1 − q)·e^(−λA), averaged here over the age.
        let lam = inst.rate_per_year / dist::HOURS_PER_YEAR;
        let (_, nodes) = cp_dur.age_rule(0.0, f64::INFINITY, lam, 3);
        let q_cp = nodes
            .iter()
            .map(|(w, a)| w * (1.0 - (1.0 - q) * (-lam * a).exp()))
            .sum::<f64>();
        let mut zs = Vec::new();
        let mut zcs = Vec::new();
        for zname in t.zones.get(*rname).into_iter().flatten() {
            let zm = mode(Mode::zone, rname);
            let zi = zones.len();
            let comp = comps.len();
            let mut zc = mk(
                Scenario::ZoneLoss {
                    region: (*rname).clone(),
                    zone: zname.clone(),
                },
                Class::Zone,
                zm.rate_per_year,
                Dur::new(zm.median_hours, zm.mean_hours, 0.0),
                &zm.source,
            );
            zc.zone = Some(zi);
            comps.push(zc);
            zcs.push(comp);
            zones.push(Zone {
                region: ri,
                name: zname.clone(),
                comp,
                iso_comp: usize::MAX,
                imp_comp: None,
            });
            zs.push(zi);
        }
        // What each zone outage brings with it (docs/failure-model.md, "Correlated
        // failures"): followers drawn one after another, uniformly among the zones not
        // yet down, and independently of them what launches can do.
        let k = &catalog.failure.correlation;
        for (i, c) in zcs.iter().enumerate() {
            let others: Vec<usize> = zs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, z)| *z)
                .collect();
            let n = others.len() as f64;
            let mut followers: Vec<(Vec<usize>, f64)> = Vec::new();
            let p2 = if others.is_empty() {
                0.0
            } else {
                k.second_zone
            };
            let p3 = if others.len() < 2 { 0.0 } else { k.third_zone };
            followers.push((Vec::new(), 1.0 - p2));
            for (x, zx) in others.iter().enumerate() {
                followers.push((vec![*zx], p2 * (1.0 - p3) / n));
                for zy in others.iter().skip(x + 1) {
                    // Either order of the two followers: 2 / ((n)(n − 1)).
                    followers.push((vec![*zx, *zy], p2 * p3 * 2.0 / (n * (n - 1.0))));
                }
            }
            let blocked = k.launches_fail();
            let launches = [(Launch::Ok, 1.0 - blocked), (Launch::Blocked, blocked)];
            let mut marks = Vec::new();
            for (f, pf) in &followers {
                for (l, pl) in launches {
                    let w = pf * pl;
                    // The plain outage stays first even when it cannot happen.
                    if w > 0.0 || marks.is_empty() {
                        marks.push((
                            Mark {
                                followers: f.clone(),
                                launch: l,
                            },
                            w.max(0.0),
                        ));
                    }
                }
            }
            comps[*c].marks = marks;
            if k.second_zone > 0.0 || blocked > 0.0 {
                comps[*c].source = format!("{} + {}", comps[*c].source, k.source);
            }
        }
        regions.push(RegionFailures {
            name: (*rname).clone(),
            zones: zs,
            zone_comps: zcs,
            comp: usize::MAX,
            cp_comp: usize::MAX,
            inst_rate: inst.rate_per_year,
            inst_dur,
            q,
            q_cp,
            imp_share: catalog.failure.zone_impairment.share,
        });
    }
    for z in &mut zones {
        let rname = &regions[z.region].name;
        let m = mode(Mode::zone_isolation, rname);
        z.iso_comp = comps.len();
        comps.push(mk(
            Scenario::ZoneIsolation {
                region: rname.clone(),
                zone: z.name.clone(),
            },
            Class::Zone,
            m.rate_per_year,
            Dur::new(m.median_hours, m.mean_hours, 0.0),
            &m.source,
        ));
    }
    // Zone impairments, where the catalog rates them (docs/failure-model.md, "Zone
    // impairment").
    let g = &catalog.failure.zone_impairment;
    if g.rate_per_year > 0.0 && g.share > 0.0 {
        for (zi, z) in zones.iter_mut().enumerate() {
            z.imp_comp = Some(comps.len());
            let mut c = mk(
                Scenario::ZoneImpairment {
                    region: regions[z.region].name.clone(),
                    zone: z.name.clone(),
                },
                Class::Impairment,
                g.rate_per_year,
                Dur::new(g.median_hours, g.mean_hours, 0.0),
                &g.source,
            );
            c.impairs = Some(zi);
            comps.push(c);
        }
    }
    for r in &mut regions {
        let m = mode(Mode::region, &r.name);
        r.comp = comps.len();
        comps.push(mk(
            Scenario::RegionLoss {
                region: r.name.clone(),
            },
            Class::Region,
            m.rate_per_year,
            Dur::new(m.median_hours, m.mean_hours, 0.0),
            &m.source,
        ));
    }
    for (ri, r) in regions.iter_mut().enumerate() {
        let m = mode(Mode::region_control_plane, &r.name);
        r.cp_comp = comps.len();
        let mut c = mk(
            Scenario::ControlPlane {
                region: r.name.clone(),
            },
            Class::ControlPlane,
            m.rate_per_year,
            Dur::new(m.median_hours, m.mean_hours, 0.0),
            &m.source,
        );
        c.holds = Some(ri);
        comps.push(c);
    }
    let mut pairs = BTreeMap::new();
    for i in 0..regions.len() {
        for j in i + 1..regions.len() {
            // A pair's prior is per pair; where the two regions' entries differ, the
            // higher rate and longer durations are used.
            let mi = mode(Mode::region_partition, &regions[i].name);
            let mj = mode(Mode::region_partition, &regions[j].name);
            let rate = mi.rate_per_year.max(mj.rate_per_year);
            let med = mi.median_hours.max(mj.median_hours);
            let mean = mi.mean_hours.max(mj.mean_hours).max(med);
            pairs.insert((i, j), comps.len());
            comps.push(mk(
                Scenario::RegionPartition {
                    a: regions[i].name.clone(),
                    b: regions[j].name.clone(),
                },
                Class::Partition,
                rate,
                Dur::new(med, mean, 0.0),
                if mi.rate_per_year >= mj.rate_per_year {
                    &mi.source
                } else {
                    &mj.source
                },
            ));
        }
    }

    let region_ix: BTreeMap<&str, usize> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    let zone_ix = |r: usize, name: &str| {
        regions[r]
            .zones
            .iter()
            .copied()
            .find(|z| zones[*z].name == name)
    };

    // Units, service by service.
    let spot = &catalog.failure.spot;
    let mut pool_comp: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut services: Vec<Svc> = Vec::new();
    let svc_ix: BTreeMap<&str, usize> = t
        .services
        .keys()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut instances = 0usize;
    let mut spot_fallback = BTreeSet::new();
    for (si, (name, s)) in t.services.iter().enumerate() {
        let Some(d) = dep.services.get(name) else {
            continue;
        };
        let mut my_units = Vec::new();
        for g in &d.groups {
            let Some(&r) = region_ix.get(g.region.as_str()) else {
                continue;
            };
            let Some(it) = catalog.instance_types.get(&g.instance_type) else {
                continue;
            };
            // Where the group's instances are: its zone, or spread evenly over the
            // region's usable zones in order (the remainder going to the first ones).
            let spread: Vec<(usize, u32)> = match &g.zone {
                Some(z) => zone_ix(r, z)
                    .map(|zi| vec![(zi, g.count)])
                    .unwrap_or_default(),
                None => {
                    let zs = &regions[r].zones;
                    let n = zs.len().max(1) as u32;
                    zs.iter()
                        .enumerate()
                        .map(|(k, zi)| (*zi, g.count / n + u32::from((k as u32) < g.count % n)))
                        .filter(|(_, c)| *c > 0)
                        .collect()
                }
            };
            for (zi, count) in spread {
                let pool = if g.purchase == Purchase::Spot {
                    let key = (zi, g.instance_type.clone());
                    let c = match pool_comp.get(&key) {
                        Some(c) => *c,
                        None => {
                            let bucket = match catalog.spot_pool(&regions[r].name, &g.instance_type)
                            {
                                Some(p) => p.interruption,
                                None => {
                                    spot_fallback.insert(format!(
                                        "{} in {}",
                                        g.instance_type, regions[r].name
                                    ));
                                    crate::catalog::InterruptionBucket::Over20
                                }
                            };
                            let p = spot
                                .interruption_per_month
                                .get(&bucket)
                                .copied()
                                .unwrap_or(0.25)
                                .clamp(0.0, 0.999);
                            // All of a pool's spot capacity is reclaimed together; the
                            // per-instance monthly hazard then equals the bucket's share.
                            let rate = -12.0 * (1.0 - p).ln();
                            let c = comps.len();
                            comps.push(mk(
                                Scenario::SpotReclaim {
                                    region: regions[r].name.clone(),
                                    zone: zones[zi].name.clone(),
                                    instance_type: g.instance_type.clone(),
                                },
                                Class::Spot,
                                rate,
                                Dur::new(
                                    spot.replacement_median_hours,
                                    spot.replacement_mean_hours,
                                    spot.notice_seconds / 3600.0,
                                ),
                                &spot.source,
                            ));
                            pool_comp.insert(key, c);
                            c
                        }
                    };
                    Some(c)
                } else {
                    None
                };
                my_units.push(units.len());
                units.push(Unit {
                    service: si,
                    region: r,
                    zone: zi,
                    vcpu: f64::from(it.vcpus),
                    mem: it.memory_gib,
                    count,
                    role: g.role,
                    pool,
                    first_instance: instances,
                });
                instances += count as usize;
            }
        }
        let is_q = quorum.get(name).copied().unwrap_or(false);
        let unit_regions: BTreeSet<usize> = my_units.iter().map(|u| units[*u].region).collect();
        let (sem, kind): (Sem, &'static str) = match (&s.demand, is_q) {
            (crate::topology::Demand::Stateless(f), _) => {
                let active: BTreeSet<usize> = my_units
                    .iter()
                    .filter(|u| units[**u].role != Role::Standby)
                    .map(|u| units[*u].region)
                    .collect();
                let standby: BTreeSet<usize> = my_units
                    .iter()
                    .filter(|u| units[**u].role == Role::Standby)
                    .map(|u| units[*u].region)
                    .collect();
                let restore: Vec<Target> = if !standby.is_empty() {
                    standby.iter().map(|r| Target::Used(*r)).collect()
                } else if matches!(
                    d.dr,
                    DrPattern::WarmStandby | DrPattern::PilotLight | DrPattern::BackupRestore
                ) {
                    t.regions_for(name)
                        .iter()
                        .filter(|r| region_ix.get(**r).is_none_or(|i| !active.contains(i)))
                        .map(|r| match region_ix.get(*r) {
                            Some(i) => Target::Used(*i),
                            None => Target::Unused,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let dr_s = match d.dr {
                    DrPattern::WarmStandby => a.warm_standby_seconds,
                    DrPattern::PilotLight => a.pilot_light_seconds,
                    DrPattern::BackupRestore => a.backup_restore_seconds,
                    DrPattern::ActiveActive | DrPattern::None => a.scale_up_seconds,
                };
                (
                    Sem::Stateless {
                        demand_v: f.peak_vcpu_needed(),
                        demand_m: f.peak_memory_gib,
                        floor: f.degraded_floor,
                        scale_s: a.scale_up_seconds,
                        dr_s,
                        route_zone_s: a.zone_routing_seconds,
                        route_region_s: a.region_routing_seconds,
                        active_regions: active.into_iter().collect(),
                        restore,
                    },
                    "stateless",
                )
            }
            (crate::topology::Demand::Store(st), true) => {
                let members = my_units.clone();
                let rtt = members
                    .iter()
                    .map(|a_| {
                        members
                            .iter()
                            .map(|b_| {
                                let (ua, ub) = (&units[*a_], &units[*b_]);
                                if ua.zone == ub.zone {
                                    a.same_zone_rtt_ms
                                } else {
                                    let ra = &regions[ua.region].name;
                                    let rb = &regions[ub.region].name;
                                    catalog.rtt_ms(ra, rb).unwrap_or_else(|| {
                                        notes.push(format!(
                                            "no RTT between `{ra}` and `{rb}` in the catalog; `{name}` treats them as {} ms apart",
                                            a.missing_rtt_ms
                                        ));
                                        a.missing_rtt_ms
                                    })
                                }
                            })
                            .collect::<Vec<f64>>()
                    })
                    .collect::<Vec<_>>();
                let total: u32 = members.iter().map(|u| units[*u].count).sum();
                let maj = total / 2 + 1;
                let all: Vec<(usize, u32)> = (0..members.len())
                    .map(|k| (k, units[members[k]].count))
                    .collect();
                // The leader that gives the lowest commit latency with every member up;
                // ties go to the home region, then to the order written.
                let mut best: Option<(f64, bool, usize)> = None;
                for k in 0..members.len() {
                    let lat = commit_latency(&rtt, k, &all, maj).unwrap_or(f64::INFINITY);
                    let home = regions[units[members[k]].region].name == t.home_region;
                    let better = match best {
                        None => true,
                        Some((bl, bh, _)) => lat < bl || (lat == bl && home && !bh),
                    };
                    if better {
                        best = Some((lat, home, k));
                    }
                }
                (
                    Sem::Quorum {
                        members,
                        maj,
                        leader: best.map_or(0, |b| b.2),
                        election_s: a.election_seconds,
                        budget_ms: st.commit_latency_budget.map(|d| d.as_secs_f64() * 1000.0),
                        rtt,
                    },
                    "quorum",
                )
            }
            (crate::topology::Demand::Store(st), false) => {
                let primary = my_units
                    .iter()
                    .copied()
                    .find(|u| units[*u].role == Role::Primary);
                let Some(primary) = primary else { continue };
                let pr = &regions[units[primary].region].name;
                let mut rest: Vec<(usize, f64, usize)> = my_units
                    .iter()
                    .copied()
                    .filter(|u| *u != primary)
                    .map(|u| {
                        let r = &regions[units[u].region].name;
                        let dist = if units[u].region == units[primary].region {
                            -1.0
                        } else {
                            catalog.rtt_ms(pr, r).unwrap_or(a.missing_rtt_ms)
                        };
                        (usize::from(units[u].role == Role::Standby), dist, u)
                    })
                    .collect();
                // Promotion order: replicas before standbys, nearest first.
                rest.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2)));
                let mut order = vec![primary];
                order.extend(rest.into_iter().map(|x| x.2));
                let lag_s = match st.replication_lag {
                    Some(l) => l.as_secs_f64(),
                    None => {
                        notes.push(format!(
                            "`{name}` sets no replication_lag; assuming {} s",
                            a.default_replication_lag_seconds
                        ));
                        a.default_replication_lag_seconds
                    }
                };
                // Validation fills in the documented 60 s default for a store that sets
                // none, the same figure as the assumption used here otherwise.
                let failover_s = st
                    .failover
                    .map_or(a.default_failover_seconds, |f| f.as_secs_f64());
                (
                    Sem::Replicated {
                        order,
                        lag_s,
                        failover_s,
                        fail_p: catalog.failure.failover.fails,
                        gb_per_s: st.write_gb_per_day / 86_400.0,
                    },
                    "replicated",
                )
            }
        };
        // Components that can change this service's own status.
        let mut rel = BTreeSet::new();
        for u in &my_units {
            let un = &units[*u];
            // Any zone outage of the region: it may take this zone with it, or impair
            // the region's launches.
            rel.extend(regions[un.region].zone_comps.iter().copied());
            rel.insert(zones[un.zone].iso_comp);
            rel.extend(zones[un.zone].imp_comp);
            rel.insert(regions[un.region].comp);
            rel.insert(regions[un.region].cp_comp);
            if let Some(p) = un.pool {
                rel.insert(p);
            }
        }
        match &sem {
            Sem::Stateless {
                active_regions,
                restore,
                ..
            } => {
                let mut rs: BTreeSet<usize> = active_regions.iter().copied().collect();
                rs.extend(restore.iter().filter_map(|t| match t {
                    Target::Used(r) => Some(*r),
                    Target::Unused => None,
                }));
                for r in rs {
                    rel.insert(regions[r].comp);
                    rel.insert(regions[r].cp_comp);
                    for z in &regions[r].zones {
                        rel.insert(zones[*z].comp);
                        rel.insert(zones[*z].iso_comp);
                    }
                }
            }
            Sem::Quorum { .. } => {
                let rs: Vec<usize> = unit_regions.iter().copied().collect();
                for i in 0..rs.len() {
                    for j in i + 1..rs.len() {
                        if let Some(c) = pairs.get(&(rs[i].min(rs[j]), rs[i].max(rs[j]))) {
                            rel.insert(*c);
                        }
                    }
                }
            }
            Sem::Replicated { .. } => {}
        }
        services.push(Svc {
            name: name.clone(),
            kind,
            sem,
            units: my_units,
            relevant: rel.into_iter().collect(),
            slo: s.slo.clone(),
        });
    }
    for f in spot_fallback {
        notes.push(format!(
            "no spot data for {f} in the catalog; its pool is modelled in the `>20%` interruption bucket"
        ));
    }

    // Dependency closures: `up` over every edge, `ge` over hard edges only.
    let n = services.len();
    let deps: Vec<Vec<(usize, Strength)>> = t
        .services
        .values()
        .map(|s| {
            s.depends_on
                .iter()
                .filter_map(|(d, st)| svc_ix.get(d.as_str()).map(|i| (*i, *st)))
                .collect()
        })
        .collect();
    let closure = |start: usize, hard_only: bool| -> Vec<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(s) = stack.pop() {
            if seen.insert(s) {
                for (d, st) in &deps[s] {
                    if !hard_only || *st == Strength::Hard {
                        stack.push(*d);
                    }
                }
            }
        }
        seen.into_iter().collect()
    };
    let mut entities: Vec<Entity> = (0..n)
        .map(|s| Entity {
            up: closure(s, false),
            ge: closure(s, true),
        })
        .collect();
    let mut journeys = Vec::new();
    for (jn, j) in &t.journeys {
        let mut up = BTreeSet::new();
        let mut ge = BTreeSet::new();
        for step in &j.steps {
            if let Some(&s) = svc_ix.get(step.as_str()) {
                up.extend(entities[s].up.iter().copied());
                ge.extend(entities[s].ge.iter().copied());
            }
        }
        journeys.push(Jrn {
            name: jn.clone(),
            slo: j.slo.clone(),
        });
        entities.push(Entity {
            up: up.into_iter().collect(),
            ge: ge.into_iter().collect(),
        });
    }
    let mut entities_of = vec![Vec::new(); n];
    for (e, ent) in entities.iter().enumerate() {
        let set: BTreeSet<usize> = ent.up.iter().chain(ent.ge.iter()).copied().collect();
        for s in set {
            entities_of[s].push(e);
        }
    }
    let mut relevant_inv = vec![Vec::new(); comps.len()];
    for (si, s) in services.iter().enumerate() {
        for c in &s.relevant {
            relevant_inv[*c].push(si);
        }
    }
    let sagas = super::saga::build(t, &entities, &|n| svc_ix.get(n).copied());
    let delays = services
        .iter()
        .map(|s| {
            let mut d: Vec<f64> = match &s.sem {
                Sem::Stateless {
                    scale_s,
                    dr_s,
                    route_zone_s,
                    route_region_s,
                    ..
                } => vec![
                    scale_s / 3600.0,
                    dr_s / 3600.0,
                    route_zone_s / 3600.0,
                    route_region_s / 3600.0,
                ],
                Sem::Replicated { failover_s, .. } => vec![failover_s / 3600.0],
                Sem::Quorum { election_s, .. } => vec![election_s / 3600.0],
            };
            d.sort_by(f64::total_cmp);
            d.dedup();
            d
        })
        .collect();

    Ok(Model {
        system: t.name.clone(),
        regions,
        zones,
        comps,
        pairs,
        units,
        instances,
        services,
        journeys,
        entities,
        sagas,
        entities_of,
        relevant_inv,
        delays,
        notes,
    })
}

/// Commit latency with leader `k`: the RTT to the (majority − 1)-th nearest other member
/// among `avail` (member index, instances up). `None` when too few are reachable.
pub(crate) fn commit_latency(
    rtt: &[Vec<f64>],
    k: usize,
    avail: &[(usize, u32)],
    maj: u32,
) -> Option<f64> {
    let need = maj.saturating_sub(1) as usize;
    if need == 0 {
        return Some(0.0);
    }
    let mut d: Vec<f64> = Vec::new();
    for (m, n) in avail {
        let n = if *m == k { n.saturating_sub(1) } else { *n };
        for _ in 0..n {
            d.push(rtt[k][*m]);
        }
    }
    if d.len() < need {
        return None;
    }
    d.sort_by(f64::total_cmp);
    Some(d[need - 1])
}
