//! Which instance types a service may use in a region and which of them the MILP
//! needs to see: the types no other candidate dominates. Dominance is exact — a
//! dominated type can be swapped for whole instances of its dominator at no higher cost
//! without breaking any constraint — so pruning never loses the optimum.

use faultline_models::catalog::InstanceType;
use faultline_models::cost::{Pricing, COMMITMENTS};
use faultline_models::deployment::Purchase;
use faultline_models::topology::Service;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// One instance type as priced in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Cand {
    pub name: String,
    pub family: String,
    pub vcpus: f64,
    pub memory_gib: f64,
    /// The cheapest way to run it every hour: on-demand or the cheapest commitment over
    /// the horizon.
    pub always_on: Purchase,
    pub always_on_hourly: Decimal,
    pub on_demand_hourly: Decimal,
    /// Spot hourly price and the share of spot capacity expected to survive a month's
    /// reclaims, when the region has a pool.
    pub spot: Option<(Decimal, f64)>,
}

impl Cand {
    pub fn hourly(&self, p: Purchase) -> Decimal {
        match p {
            Purchase::Spot => self.spot.map_or(self.on_demand_hourly, |s| s.0),
            Purchase::OnDemand => self.on_demand_hourly,
            _ => self.always_on_hourly,
        }
    }
}

/// Whether the service may use this type at all: its families and architectures, and
/// never burstable types, whose vCPU is only theirs while CPU credits last.
pub fn allowed(service: &Service, t: &InstanceType) -> bool {
    !t.burstable
        && (service.families.is_empty() || service.families.contains(&t.family))
        && (service.arch.is_empty() || service.arch.contains(&t.arch))
}

/// Every allowed type with an on-demand price in `region`, sorted by name.
pub fn priced(service: &Service, pricing: &Pricing<'_>, region: &str) -> Vec<Cand> {
    let catalog = pricing.catalog();
    let mut out = Vec::new();
    for (name, t) in &catalog.instance_types {
        if !allowed(service, t) {
            continue;
        }
        let Some(od) = pricing.on_demand_hourly(region, name) else {
            continue;
        };
        let mut always_on = Purchase::OnDemand;
        let mut always_on_hourly = od;
        for p in COMMITMENTS {
            if let Some(h) = pricing.hourly(region, name, p) {
                if h < always_on_hourly {
                    always_on = p;
                    always_on_hourly = h;
                }
            }
        }
        let spot = pricing.hourly(region, name, Purchase::Spot).and_then(|h| {
            let pool = catalog.spot_pool(region, name)?;
            let reclaimed = catalog
                .failure
                .spot
                .interruption_per_month
                .get(&pool.interruption)
                .copied()
                .unwrap_or(1.0);
            Some((h, (1.0 - reclaimed).clamp(0.0, 1.0)))
        });
        out.push(Cand {
            name: name.clone(),
            family: t.family.clone(),
            vcpus: f64::from(t.vcpus),
            memory_gib: t.memory_gib,
            always_on,
            always_on_hourly,
            on_demand_hourly: od,
            spot,
        });
    }
    out
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::INFINITY)
}

/// Smallest whole number of `a` that covers one `b` in both dimensions.
fn cover(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((b.0 / a.0).max(b.1 / a.1) - 1e-9).ceil().max(1.0)
}

/// Non-spot candidates: `b` is dominated when `k` instances of `a` give at least its
/// vCPU and memory for no more money. Every non-spot purchase option is a fixed
/// fraction of the on-demand price in a region, so one comparison serves them all.
/// Ties keep the smaller type (finer steps), then the name that sorts first.
pub fn non_spot_front(cands: &[Cand]) -> Vec<Cand> {
    let dominated = |b: &Cand| {
        cands.iter().any(|a| {
            if a.name == b.name {
                return false;
            }
            let k = cover((a.vcpus, a.memory_gib), (b.vcpus, b.memory_gib));
            let cost_a = f(a.on_demand_hourly) * k;
            let cost_b = f(b.on_demand_hourly);
            if cost_a < cost_b - 1e-12 {
                return true;
            }
            if cost_a > cost_b + 1e-12 {
                return false;
            }
            // Equal cost: keep exactly one of a mutually dominating pair.
            let k_back = cover((b.vcpus, b.memory_gib), (a.vcpus, a.memory_gib));
            let back = f(b.on_demand_hourly) * k_back <= f(a.on_demand_hourly) + 1e-12;
            !back || (a.vcpus, &a.name) < (b.vcpus, &b.name)
        })
    };
    cands.iter().filter(|b| !dominated(b)).cloned().collect()
}

/// Spot candidates: dominance in effective (expected surviving) capacity and spot
/// price, and never more nominal vCPU (which the spot-share cap counts). Spot pools
/// are per type, so with spot survival a dominated type could still spread risk; the
/// zone-loss constraints usually dominate pool losses, and the cap below keeps the
/// cheapest pools.
pub fn spot_front(cands: &[Cand], max: usize) -> Vec<Cand> {
    let with: Vec<&Cand> = cands.iter().filter(|c| c.spot.is_some()).collect();
    let eff = |c: &Cand| {
        let s = c.spot.map_or(0.0, |s| s.1);
        (c.vcpus * s, c.memory_gib * s)
    };
    let price = |c: &Cand| c.spot.map_or(f64::INFINITY, |s| f(s.0));
    let dominated = |b: &Cand| {
        with.iter().any(|a| {
            if a.name == b.name || eff(a).0 <= 0.0 || eff(a).1 <= 0.0 {
                return false;
            }
            let k = cover(eff(a), eff(b));
            let cheaper = price(a) * k;
            let nominal_ok = a.vcpus * k <= b.vcpus + 1e-9;
            if !nominal_ok || cheaper > price(b) + 1e-12 {
                return false;
            }
            cheaper < price(b) - 1e-12 || (a.vcpus, &a.name) < (b.vcpus, &b.name)
        })
    };
    let mut front: Vec<Cand> = with
        .iter()
        .filter(|b| !dominated(b))
        .map(|c| (*c).clone())
        .collect();
    // Cheapest effective vCPU first; the name breaks ties so the order is stable.
    front.sort_by(|a, b| {
        let ka = price(a) / eff(a).0.max(1e-9);
        let kb = price(b) / eff(b).0.max(1e-9);
        ka.total_cmp(&kb).then_with(|| a.name.cmp(&b.name))
    });
    front.truncate(max);
    front.sort_by(|a, b| a.name.cmp(&b.name));
    front
}

/// The cheapest type that holds one store member of `vcpu` × `memory` in the region,
/// run every hour; ties go to the smaller, then to the name that sorts first.
pub fn member(cands: &[Cand], vcpu: f64, memory: f64) -> Option<Cand> {
    cands
        .iter()
        .filter(|c| c.vcpus + 1e-9 >= vcpu && c.memory_gib + 1e-9 >= memory)
        .min_by(|a, b| {
            a.always_on_hourly
                .cmp(&b.always_on_hourly)
                .then(a.vcpus.total_cmp(&b.vcpus))
                .then_with(|| a.name.cmp(&b.name))
        })
        .cloned()
}

/// The largest allowed type in the region by memory, then vCPU, for messages.
pub fn largest(cands: &[Cand]) -> Option<&Cand> {
    cands.iter().max_by(|a, b| {
        a.memory_gib
            .total_cmp(&b.memory_gib)
            .then(a.vcpus.total_cmp(&b.vcpus))
            .then_with(|| b.name.cmp(&a.name))
    })
}
