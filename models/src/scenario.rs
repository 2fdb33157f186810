//! Single-failure scenarios: the disruptions the failure model enumerates in its
//! scenario matrix and the optimizer's static-stability constraints must survive.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::deployment::{CapacityGroup, Purchase};
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
            | Scenario::ControlPlane { .. } => false,
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
