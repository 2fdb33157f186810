//! Helpers for the failure-model tests: loading the bundled examples and giving the
//! ones without a placement a plain, reasonable deployment.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use faultline_models::catalog::Catalog;
use faultline_models::deployment::{
    Arch, CapacityGroup, DrPattern, Purchase, Role, ServiceDeployment,
};
use faultline_models::failure::Deployment;
use faultline_models::topology::{self, Demand, Kind, Topology};

pub const EXAMPLES: &[&str] = &["legacy-placement", "payments", "realtime-chat", "web-shop"];

/// Long-run down share of a process failing `rate` times a year for `mean` hours, from
/// the closed form of an alternating renewal process (8,760 hours a year).
pub fn unavail(rate: f64, mean: f64) -> f64 {
    let x = rate * mean / 8760.0;
    x / (1.0 + x)
}

pub fn catalog() -> &'static Catalog {
    Catalog::embedded()
}

pub fn parse(text: &str) -> Topology {
    match topology::parse(text, catalog()) {
        Ok(c) => c.topology,
        Err(d) => panic!("topology does not validate: {d:#?}"),
    }
}

pub fn example(name: &str) -> Topology {
    let path = format!(
        "{}/../examples/{name}/topology.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    parse(&std::fs::read_to_string(&path).unwrap())
}

/// The example's placement, or a synthesized deployment when it has none.
pub fn example_deployment(t: &Topology) -> Deployment {
    if t.placement.is_empty() {
        synthesize(t)
    } else {
        Deployment::from_placement(t)
    }
}

fn pick(t: &Topology, region: &str, candidates: &[&str]) -> String {
    let c = catalog();
    let _ = t;
    candidates
        .iter()
        .find(|it| c.on_demand_price(region, it).is_some())
        .map(|s| s.to_string())
        .unwrap_or_else(|| panic!("none of {candidates:?} is offered in {region}"))
}

fn group(
    region: &str,
    zone: Option<&str>,
    it: &str,
    count: u32,
    purchase: Purchase,
    role: Role,
) -> CapacityGroup {
    CapacityGroup {
        region: region.into(),
        zone: zone.map(str::to_string),
        instance_type: it.into(),
        count,
        purchase,
        role,
    }
}

/// A plain deployment: each stateless fleet in up to two allowed regions, each region
/// able to carry the peak with a zone lost, part of it on spot when allowed; stores
/// spread over zones (and regions, when the latency budget allows).
pub fn synthesize(t: &Topology) -> Deployment {
    let c = catalog();
    let mut services = BTreeMap::new();
    for (name, s) in &t.services {
        let mut regions: Vec<String> = t.regions_for(name).iter().map(|r| r.to_string()).collect();
        regions.sort_by_key(|r| *r != t.home_region);
        regions.truncate(2);
        let arm = s.arch == vec![Arch::Arm64];
        let mut groups = Vec::new();
        let dr = if regions.len() > 1 {
            DrPattern::ActiveActive
        } else {
            DrPattern::None
        };
        match &s.demand {
            Demand::Stateless(f) => {
                for r in &regions {
                    let it = if arm {
                        pick(t, r, &["m7g.xlarge", "m6g.xlarge"])
                    } else {
                        pick(t, r, &["m6i.xlarge", "m5.xlarge", "m7i.xlarge"])
                    };
                    let spec = &c.instance_types[&it];
                    let n = (f.peak_vcpu_needed() / f64::from(spec.vcpus))
                        .max(f.peak_memory_gib / spec.memory_gib)
                        .ceil() as u32;
                    let zones = &t.zones[r];
                    let nz = zones.len() as u32;
                    let per_zone = (n as f64 / f64::from(nz.max(2) - 1)).ceil() as u32;
                    for z in zones {
                        groups.push(group(
                            r,
                            Some(z),
                            &it,
                            per_zone.max(1),
                            Purchase::OnDemand,
                            Role::Active,
                        ));
                    }
                    if f.max_spot_share > 0.0 {
                        let spot = ((n as f64) * f.max_spot_share * 0.5).ceil() as u32;
                        groups.push(group(
                            r,
                            None,
                            &it,
                            spot.max(1),
                            Purchase::Spot,
                            Role::Active,
                        ));
                    }
                }
            }
            Demand::Store(st) => {
                let it_for = |r: &str| {
                    if arm {
                        pick(t, r, &["r7g.2xlarge", "r6g.2xlarge", "m7g.2xlarge"])
                    } else {
                        pick(t, r, &["r6i.2xlarge", "r7i.2xlarge", "m6i.2xlarge"])
                    }
                };
                let tight = st
                    .commit_latency_budget
                    .is_some_and(|b| b.as_secs_f64() * 1000.0 < 20.0);
                let regs: Vec<String> = if tight {
                    regions[..1].to_vec()
                } else {
                    regions.clone()
                };
                // Slots interleaving regions: r0z0, r1z0, r0z1, r1z1, …
                let mut slots = Vec::new();
                let depth = regs.iter().map(|r| t.zones[r].len()).max().unwrap_or(1);
                for zi in 0..depth {
                    for r in &regs {
                        if let Some(z) = t.zones[r].get(zi) {
                            slots.push((r.clone(), z.clone()));
                        }
                    }
                }
                let quorum = s.kind == Kind::Quorum;
                for k in 0..st.replicas as usize {
                    let (r, z) = &slots[k % slots.len()];
                    let role = if quorum {
                        Role::Active
                    } else if k == 0 {
                        Role::Primary
                    } else {
                        Role::Replica
                    };
                    groups.push(group(r, Some(z), &it_for(r), 1, Purchase::OnDemand, role));
                }
            }
        }
        services.insert(name.clone(), ServiceDeployment { dr, groups });
    }
    Deployment {
        source: faultline_models::failure::DeploymentSource::Placement,
        services,
        consistency: BTreeMap::new(),
    }
}
