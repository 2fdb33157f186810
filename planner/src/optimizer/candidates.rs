//! Which instance types a service may use in a region and which of them the MILP
//! needs to see: the types no other candidate dominates. Dominance is exact — a
//! dominated type can be swapped for whole instances of its dominator, in the same
//! place and layer, at no higher cost without breaking any constraint the model has —
//! so pruning never loses the optimum. Prices are compared in exact decimals. Spot
//! types are pruned only when no row tells one spot pool from another (when the plan
//! need not survive a pool loss, or a zone loss already covers it); otherwise every
//! pool is kept. A type is a candidate only in the zones that offer it (the catalog's
//! `[offerings]`), and one type dominates another only where it is offered in every
//! zone the other is.

use faultline_models::catalog::InstanceType;
use faultline_models::cost::{Pricing, COMMITMENTS};
use faultline_models::deployment::Purchase;
use std::collections::BTreeSet;

use faultline_models::topology::{Disruption, PurchasePolicy, Service};
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
    /// The usable zones of the region that offer the type, in the region's order.
    pub zones: Vec<String>,
    /// Set when the candidate stands for instances an owned reservation covers.
    pub owned: Option<Owning>,
}

/// The owned reservation a candidate's instances are covered by.
#[derive(Debug, Clone, PartialEq)]
pub struct Owning {
    /// Index of the offer among the service's offers, and 1-based entry number.
    pub offer: usize,
    pub entry: usize,
    /// What one instance takes of the offer, in its measure.
    pub measure: f64,
    /// The share of the instance's price over the horizon already paid.
    pub paid: Decimal,
}

impl Cand {
    /// Whether one instance has at least `vcpu` and `memory` GiB (within rounding).
    pub fn holds(&self, vcpu: f64, memory: f64) -> bool {
        self.vcpus + 1e-9 >= vcpu && self.memory_gib + 1e-9 >= memory
    }

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

/// Every allowed type with an on-demand price in `region` and offered in at least
/// one of its usable `zones`, sorted by name, priced with the purchase options
/// `policy` allows (the cheapest allowed commitment, spot only where allowed).
pub fn priced(
    service: &Service,
    pricing: &Pricing<'_>,
    region: &str,
    zones: &[String],
    policy: &PurchasePolicy,
) -> Vec<Cand> {
    let catalog = pricing.catalog();
    let mut out = Vec::new();
    for (name, t) in &catalog.instance_types {
        if !allowed(service, t) {
            continue;
        }
        let offered = catalog.offered_zones(region, name);
        let zones: Vec<String> = zones
            .iter()
            .filter(|z| offered.contains(&z.as_str()))
            .cloned()
            .collect();
        if zones.is_empty() {
            continue;
        }
        let Some(od) = pricing.on_demand_hourly(region, name) else {
            continue;
        };
        let mut always_on = Purchase::OnDemand;
        let mut always_on_hourly = od;
        // Only the commitments the purchase policy allows.
        for p in COMMITMENTS.into_iter().filter(|p| policy.allows(*p)) {
            if let Some(h) = pricing.hourly(region, name, p) {
                if h < always_on_hourly {
                    always_on = p;
                    always_on_hourly = h;
                }
            }
        }
        let spot_ok = policy.allows(Purchase::Spot);
        let spot = pricing
            .hourly(region, name, Purchase::Spot)
            .filter(|_| spot_ok)
            .and_then(|h| {
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
            zones,
            owned: None,
        });
    }
    out
}

/// Whether `a` is offered in every zone `b` is, so `a` can stand in for `b` anywhere.
fn covers_zones(a: &Cand, b: &Cand) -> bool {
    b.zones.iter().all(|z| a.zones.contains(z))
}

/// The largest instance a fleet may use in one region (blast radius): at most `share`
/// of the peak capacity it needs (flash crowd included), in vCPU and in memory, since
/// the installed capacity is at least that. A fleet that needs fewer than `1 / share`
/// of the region's smallest allowed type in a dimension is too small for the share to
/// mean anything there and has no cap in it (`f64::INFINITY`); a share of 1 caps nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceCap {
    pub vcpu: f64,
    pub memory: f64,
    pub share: f64,
}

impl InstanceCap {
    pub fn admits(&self, c: &Cand) -> bool {
        c.vcpus <= self.vcpu + 1e-9 && c.memory_gib <= self.memory + 1e-9
    }

    pub fn binds(&self) -> bool {
        self.vcpu.is_finite() || self.memory.is_finite()
    }
}

/// The cap for a fleet needing `vcpu` and `memory` at its peak (see [`InstanceCap`]).
pub fn instance_cap(cands: &[Cand], vcpu: f64, memory: f64, share: f64) -> InstanceCap {
    let smallest_v = cands.iter().map(|c| c.vcpus).fold(f64::INFINITY, f64::min);
    let smallest_m = cands
        .iter()
        .map(|c| c.memory_gib)
        .fold(f64::INFINITY, f64::min);
    let cap = |need: f64, smallest: f64| {
        let c = share * need;
        // A share of 1 is no rule at all (a type larger than the whole need is fine).
        if share < 1.0 && smallest <= c + 1e-9 {
            c
        } else {
            f64::INFINITY
        }
    };
    InstanceCap {
        vcpu: cap(vcpu, smallest_v),
        memory: cap(memory, smallest_m),
        share,
    }
}

/// The candidates the cap admits.
pub fn within_cap(cands: &[Cand], cap: InstanceCap) -> Vec<Cand> {
    cands.iter().filter(|c| cap.admits(c)).cloned().collect()
}

/// Smallest whole number of `a` that covers one `b` in both dimensions.
fn cover(a: (f64, f64), b: (f64, f64)) -> u32 {
    let k = (b.0 / a.0).max(b.1 / a.1);
    // The smallest k with k·a ≥ b in both, checked exactly after the float guess.
    let mut k = (k - 1e-9).ceil().max(1.0) as u32;
    while f64::from(k) * a.0 < b.0 || f64::from(k) * a.1 < b.1 {
        k += 1;
    }
    k
}

/// Non-spot candidates: `b` is dominated when `k` instances of `a` give at least its
/// vCPU and memory for no more money, both always-on and on-demand (the base layer
/// buys the one, the scaled layer the other). More non-spot vCPU only loosens the
/// spot-share cap, and every other row asks for *at least* some capacity in a place.
/// Ties keep the smaller type (finer steps), then the name that sorts first.
pub fn non_spot_front(cands: &[Cand]) -> Vec<Cand> {
    let dominates = |a: &Cand, b: &Cand| -> Option<bool> {
        if !covers_zones(a, b) {
            return None;
        }
        let k = Decimal::from(cover((a.vcpus, a.memory_gib), (b.vcpus, b.memory_gib)));
        let no_dearer = a.on_demand_hourly * k <= b.on_demand_hourly
            && a.always_on_hourly * k <= b.always_on_hourly;
        if !no_dearer {
            return None;
        }
        let strictly = a.on_demand_hourly * k < b.on_demand_hourly
            || a.always_on_hourly * k < b.always_on_hourly;
        Some(strictly)
    };
    let dominated = |b: &Cand| {
        cands.iter().any(|a| {
            if a.name == b.name {
                return false;
            }
            match dominates(a, b) {
                None => false,
                Some(true) => true,
                // Equal cost: keep exactly one of a mutually dominating pair.
                Some(false) => dominates(b, a).is_none() || (a.vcpus, &a.name) < (b.vcpus, &b.name),
            }
        })
    };
    cands.iter().filter(|b| !dominated(b)).cloned().collect()
}

/// The spot candidates a fleet's MILP sees: every pool when pool losses have rows of
/// their own (the fleet survives a spot-pool loss but not a zone loss, which would
/// imply it), else the pools no other pool dominates ([`spot_front`]). Either way
/// every pool a constraint can need is kept, so the optimum over these candidates is
/// the optimum over all of them.
pub fn spot_candidates(
    cands: &[Cand],
    survive: &BTreeSet<Disruption>,
    max_spot_share: f64,
) -> Vec<Cand> {
    let pools_matter = survive.contains(&Disruption::Spot)
        && !survive.contains(&Disruption::Zone)
        && max_spot_share > 0.0;
    if pools_matter {
        with_spot(cands)
    } else {
        spot_front(cands)
    }
}

/// Every candidate with a spot pool, sorted by name.
pub fn with_spot(cands: &[Cand]) -> Vec<Cand> {
    cands.iter().filter(|c| c.spot.is_some()).cloned().collect()
}

/// Spot candidates where no row tells pools apart: `b` is dominated when `k`
/// instances of `a` give at least its effective (expected surviving) vCPU and memory
/// for no more spot money and with no more nominal vCPU (which the spot-share cap
/// counts against spot). Do not use it when pool losses have rows of their own:
/// moving capacity between pools changes what a pool loss takes.
pub fn spot_front(cands: &[Cand]) -> Vec<Cand> {
    let with = with_spot(cands);
    let eff = |c: &Cand| {
        let s = c.spot.map_or(0.0, |s| s.1);
        (c.vcpus * s, c.memory_gib * s)
    };
    let dominates = |a: &Cand, b: &Cand| -> Option<bool> {
        let (Some((pa, _)), Some((pb, _))) = (a.spot, b.spot) else {
            return None;
        };
        if !covers_zones(a, b) {
            return None;
        }
        if eff(a).0 <= 0.0 || eff(a).1 <= 0.0 {
            return None;
        }
        let k = cover(eff(a), eff(b));
        if a.vcpus * f64::from(k) > b.vcpus || pa * Decimal::from(k) > pb {
            return None;
        }
        Some(pa * Decimal::from(k) < pb)
    };
    let dominated = |b: &Cand| {
        with.iter().any(|a| {
            if a.name == b.name {
                return false;
            }
            match dominates(a, b) {
                None => false,
                Some(true) => true,
                Some(false) => dominates(b, a).is_none() || (a.vcpus, &a.name) < (b.vcpus, &b.name),
            }
        })
    };
    with.iter().filter(|b| !dominated(b)).cloned().collect()
}

/// The cheapest type that holds one store member of `vcpu` × `memory` in the region,
/// run every hour, among those offered in at least `zones` of the region's zones (or
/// in as many as any fitting type is, when none reaches it): members sit in distinct
/// zones, so a type offered in fewer zones would hold fewer of them. Ties go to the
/// smaller, then to the name that sorts first.
pub fn member(cands: &[Cand], vcpu: f64, memory: f64, zones: usize) -> Option<Cand> {
    let fits: Vec<&Cand> = cands.iter().filter(|c| c.holds(vcpu, memory)).collect();
    let reach = fits.iter().map(|c| c.zones.len()).max()?.min(zones);
    fits.into_iter()
        .filter(|c| c.zones.len() >= reach)
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
