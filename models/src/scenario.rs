//! Single-failure scenarios: the disruptions the failure model enumerates in its
//! scenario matrix and the optimizer's static-stability constraints must survive.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::deployment::{CapacityGroup, Purchase, ServiceDeployment};
use crate::topology::Topology;

/// One disruption, named by what it takes away.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    /// Every instance in the zone is down.
    ZoneLoss { region: String, zone: String },
    /// Every zone of the region is down, with its control plane.
    RegionLoss { region: String },
    /// Both regions up, unable to reach each other.
    RegionPartition { a: String, b: String },
    /// The zone is up but cut off from the rest of its region and the world.
    ZoneIsolation { region: String, zone: String },
    /// Spot capacity of one pool (instance type × zone) is reclaimed.
    SpotReclaim {
        region: String,
        zone: String,
        instance_type: String,
    },
    /// Launches fail in the region; running capacity stays.
    ControlPlane { region: String },
    /// The zone is up, but a share of its instances are slow or fail their health
    /// checks (a gray failure).
    ZoneImpairment { region: String, zone: String },
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::ZoneLoss { zone, .. } => write!(f, "zone {zone} lost"),
            Scenario::RegionLoss { region } => write!(f, "region {region} lost"),
            Scenario::RegionPartition { a, b } => write!(f, "{a} ⟷ {b} partitioned"),
            Scenario::ZoneIsolation { zone, .. } => write!(f, "zone {zone} isolated"),
            Scenario::SpotReclaim {
                zone,
                instance_type,
                ..
            } => write!(f, "spot {instance_type} in {zone} reclaimed"),
            Scenario::ControlPlane { region } => write!(f, "{region} control plane down"),
            Scenario::ZoneImpairment { zone, .. } => write!(f, "zone {zone} impaired"),
        }
    }
}

impl Scenario {
    /// Whether the scenario takes this capacity group's instances down (they stop
    /// running). Partitions, isolation and control-plane outages leave instances
    /// running; the failure model handles reachability and recovery for those.
    pub fn takes_down(&self, g: &CapacityGroup) -> bool {
        match self {
            Scenario::ZoneLoss { region, zone } => {
                &g.region == region && g.zone.as_deref() == Some(zone.as_str())
            }
            Scenario::RegionLoss { region } => &g.region == region,
            Scenario::SpotReclaim {
                region,
                zone,
                instance_type,
            } => {
                g.purchase == Purchase::Spot
                    && &g.region == region
                    && g.zone.as_deref() == Some(zone.as_str())
                    && &g.instance_type == instance_type
            }
            Scenario::RegionPartition { .. }
            | Scenario::ZoneIsolation { .. }
            | Scenario::ControlPlane { .. }
            | Scenario::ZoneImpairment { .. } => false,
        }
    }
}

/// Every zone loss and region loss over the topology's usable zones and candidate
/// regions, in a stable order.
pub fn infrastructure_losses(t: &Topology) -> Vec<Scenario> {
    let mut out = Vec::new();
    for (region, zones) in &t.zones {
        for zone in zones {
            out.push(Scenario::ZoneLoss {
                region: region.clone(),
                zone: zone.clone(),
            });
        }
    }
    for region in t.zones.keys() {
        out.push(Scenario::RegionLoss {
            region: region.clone(),
        });
    }
    out
}

/// Every single failure that can touch a deployment, in the order of the failure
/// model's scenario matrix: each zone of the regions it uses (the regions' usable
/// zones, since regional groups spread over them), each of those zones isolated, each
/// region, each region's control plane, each pair of those regions partitioned, and
/// each spot pool (instance type × zone) it buys from.
pub fn single_failures(
    t: &Topology,
    deployments: &BTreeMap<String, ServiceDeployment>,
) -> Vec<Scenario> {
    let used: BTreeSet<&str> = deployments
        .values()
        .flat_map(|d| d.groups.iter().map(|g| g.region.as_str()))
        .collect();
    let regions: Vec<&String> = t
        .regions
        .iter()
        .filter(|r| used.contains(r.as_str()))
        .collect();
    let zones_of = |r: &str| t.zones.get(r).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for r in &regions {
        for z in zones_of(r) {
            out.push(Scenario::ZoneLoss {
                region: (*r).clone(),
                zone: z,
            });
        }
    }
    for r in &regions {
        for z in zones_of(r) {
            out.push(Scenario::ZoneIsolation {
                region: (*r).clone(),
                zone: z,
            });
        }
    }
    for r in &regions {
        out.push(Scenario::RegionLoss {
            region: (*r).clone(),
        });
    }
    for r in &regions {
        out.push(Scenario::ControlPlane {
            region: (*r).clone(),
        });
    }
    for (i, a) in regions.iter().enumerate() {
        for b in &regions[i + 1..] {
            out.push(Scenario::RegionPartition {
                a: (*a).clone(),
                b: (*b).clone(),
            });
        }
    }
    let mut pools = BTreeSet::new();
    for d in deployments.values() {
        for g in d.groups.iter().filter(|g| g.purchase == Purchase::Spot) {
            if !regions.iter().any(|r| **r == g.region) {
                continue;
            }
            // A regional group spreads evenly over the usable zones, the remainder to
            // the first ones; only zones that get an instance use the pool.
            let zones: Vec<String> = match &g.zone {
                Some(z) => vec![z.clone()],
                None => {
                    let zs = zones_of(&g.region);
                    let n = zs.len().max(1) as u32;
                    zs.into_iter()
                        .enumerate()
                        .filter(|(k, _)| g.count / n + u32::from((*k as u32) < g.count % n) > 0)
                        .map(|(_, z)| z)
                        .collect()
                }
            };
            for z in zones {
                let s = Scenario::SpotReclaim {
                    region: g.region.clone(),
                    zone: z,
                    instance_type: g.instance_type.clone(),
                };
                if pools.insert(s.clone()) {
                    out.push(s);
                }
            }
        }
    }
    out
}
