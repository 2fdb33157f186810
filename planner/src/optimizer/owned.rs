//! Reservations already owned, as the optimizer sees them: each Reserved Instance
//! entry of `[[purchase.owned]]` offered to the services that could use it, so their
//! designs price the instances it covers at what is left to pay (zero for the months
//! it covers). An entry several services could use is divided among them before any
//! is solved — in tier order (as billing applies them), then service name order, each
//! service getting up to an estimate of its always-on need and the first the rest —
//! so services stay independent and every re-solve sees the same offer. Savings Plans
//! are not offered: one pays the same dollars whichever covered types carry the usage
//! above its commitment, so it lowers every candidate plan's new spend alike and stays
//! an accounting step (`faultline_models::owned::apply`).
//! `docs/cost-model.md` (*Owned commitments*) states the rules.

use std::collections::BTreeMap;

use faultline_models::cost::Pricing;
use faultline_models::owned::{self, Scope};
use faultline_models::topology::{Demand, Disruption, Service, Topology};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::candidates::{self, Cand};
use super::fleet::{FleetDemand, FleetShape};

/// The part of one owned entry a service may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// 0-based position in `[[purchase.owned]]`.
    pub entry: usize,
    pub region: String,
    /// A zonal reservation's zone.
    pub zone: Option<String>,
    pub scope: Scope,
    /// What the service may use of it, in the scope's measure (instances, or
    /// normalised units).
    pub units: Decimal,
    /// The share of a covered instance's price over the horizon already paid.
    pub paid: Decimal,
}

impl Offer {
    /// What one instance of `instance_type` takes of the offer, if it matches.
    pub fn measure(&self, instance_type: &str) -> Option<f64> {
        self.scope.measure(instance_type).and_then(|m| m.to_f64())
    }

    /// How the offer reads in a plan's bindings.
    pub fn label(&self) -> String {
        let what = match &self.scope {
            Scope::Type(t) => format!("{t} instances"),
            Scope::Family(f) => format!("{f} normalised units"),
        };
        let place = self.zone.as_deref().unwrap_or(&self.region);
        format!(
            "#{} in {place}: uses at most {} {what}",
            self.entry + 1,
            self.units.normalize()
        )
    }
}

/// Offers by service name; a service with none is absent.
pub type Allotment = BTreeMap<String, Vec<Offer>>;

/// Divides every Reserved Instance entry among the services that could use it.
pub fn allot(t: &Topology, pricing: &Pricing<'_>) -> Allotment {
    let mut entries: Vec<(u8, usize, Scope, Decimal)> = t
        .owned
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let (scope, units) = owned::scope(o)?;
            Some((owned::tier(o), i, scope, units))
        })
        .collect();
    entries.sort_by_key(|e| (e.0, e.1));
    let mut out = Allotment::new();
    for (_, i, scope, units) in entries {
        let o = &t.owned[i];
        let Some(region) = o.region.clone() else {
            continue;
        };
        let paid = owned::paid_share(o, t.horizon_months);
        if paid <= Decimal::ZERO || units <= Decimal::ZERO {
            continue;
        }
        // Services that can use the very type bought come first, as billing applies
        // an entry to its own type before other sizes; then by name.
        let mut needs: Vec<(bool, &str, Decimal)> = t
            .services
            .iter()
            .filter(|(name, _)| t.regions_for(name).contains(&region.as_str()))
            .filter_map(|(name, svc)| {
                let zones = t.zones.get(&region).cloned().unwrap_or_default();
                let priced =
                    candidates::priced(svc, pricing, &region, &zones, &t.purchase_for(name));
                let n = need(svc, &priced, &scope, zones.len())?;
                let own = o
                    .instance_type
                    .as_deref()
                    .is_some_and(|it| natural(svc, &priced, &scope, it));
                Some((!own, name.as_str(), n))
            })
            .collect();
        needs.sort();
        let needs: Vec<(&str, Decimal)> = needs.into_iter().map(|(_, n, d)| (n, d)).collect();
        let mut left = units;
        let mut given: Vec<Decimal> = needs
            .iter()
            .map(|(_, n)| {
                let take = (*n).min(left);
                left -= take;
                take
            })
            .collect();
        if let Some(first) = given.first_mut() {
            *first += left;
        }
        for ((name, _), units) in needs.iter().zip(given) {
            if units > Decimal::ZERO {
                out.entry(name.to_string()).or_default().push(Offer {
                    entry: i,
                    region: region.clone(),
                    zone: o.zone.clone(),
                    scope: scope.clone(),
                    units,
                    paid,
                });
            }
        }
    }
    out
}

/// Whether `instance_type` is what `svc` would run of the types the entry matches,
/// given the types it may use in the region (`priced`): one of them, and for a store
/// the smallest that holds a replica.
fn natural(svc: &Service, priced: &[Cand], scope: &Scope, instance_type: &str) -> bool {
    let holds = |c: &Cand| {
        svc.store()
            .is_none_or(|s| c.holds(s.replica_vcpu, s.replica_memory_gib))
    };
    let Some(own) = priced
        .iter()
        .find(|c| c.name == instance_type && holds(c))
        .and_then(|c| scope.measure(&c.name))
    else {
        return false;
    };
    svc.store().is_none()
        || !priced
            .iter()
            .any(|c| holds(c) && scope.measure(&c.name).is_some_and(|m| m < own))
}

/// An estimate of what `svc` could use of an entry with `scope`, in the scope's
/// measure, given the types it may use in the region (`priced`) and the region's
/// `zones`, or `None` when none of them matches: a fleet's always-on capacity at the
/// peak with a zone's headroom (in the matching type's units per vCPU), a store's
/// members of the smallest matching type that holds a replica.
fn need(svc: &Service, priced: &[Cand], scope: &Scope, zones: usize) -> Option<Decimal> {
    let matching: Vec<(&Cand, Decimal)> = priced
        .iter()
        .filter_map(|c| Some((c, scope.measure(&c.name)?)))
        .collect();
    match &svc.demand {
        Demand::Stateless(f) => {
            let shape = FleetShape::of(&f.profile);
            let d = FleetDemand::of(f, &shape);
            let headroom = if svc.slo.survive.contains(&Disruption::Zone) && zones > 1 {
                zones as f64 / (zones as f64 - 1.0)
            } else {
                1.0
            };
            let base = if shape.has_peak_layer() {
                shape.base
            } else {
                1.0
            };
            let scale = d.flash * base * headroom;
            matching
                .iter()
                .filter_map(|(c, units)| {
                    let per = units.to_f64()?;
                    let n = (d.vcpu * scale / c.vcpus)
                        .max(d.memory * scale / c.memory_gib)
                        .ceil();
                    Decimal::from_f64_retain(n * per)
                })
                .max()
        }
        Demand::Store(s) => matching
            .iter()
            .filter(|(c, _)| c.holds(s.replica_vcpu, s.replica_memory_gib))
            .map(|(_, units)| *units * Decimal::from(s.replicas))
            .min(),
    }
}

/// The candidates standing for instances `offers` cover in `region`: for each offer,
/// each always-on candidate it matches (in the offer's zone, for a zonal one), less
/// any that is exactly `k` instances of a smaller one kept (`k` times the vCPU,
/// memory, price and measure), which a plan can always swap for those.
pub fn cands(offers: &[Offer], region: &str, priced: &[Cand]) -> Vec<Cand> {
    let mut out = Vec::new();
    for (k, o) in offers.iter().enumerate() {
        if o.region != region {
            continue;
        }
        let mut matching: Vec<(&Cand, f64)> = priced
            .iter()
            .filter(|c| o.zone.as_ref().is_none_or(|z| c.zones.contains(z)))
            .filter_map(|c| Some((c, o.measure(&c.name)?)))
            .filter(|(_, m)| *m > 0.0)
            .collect();
        matching.sort_by(|a, b| {
            a.0.vcpus
                .total_cmp(&b.0.vcpus)
                .then(a.0.name.cmp(&b.0.name))
        });
        let mut kept: Vec<(&Cand, f64)> = Vec::new();
        for (c, m) in matching {
            let multiple = kept.iter().any(|(d, dm)| {
                let k = c.vcpus / d.vcpus;
                k.fract() == 0.0
                    && k > 1.0
                    && (c.memory_gib - d.memory_gib * k).abs() < 1e-9
                    && (m - dm * k).abs() < 1e-9
                    && c.always_on == d.always_on
                    && Decimal::from_f64_retain(k)
                        .is_some_and(|k| c.always_on_hourly >= d.always_on_hourly * k)
                    && c.zones.iter().all(|z| d.zones.contains(z))
            });
            if !multiple {
                kept.push((c, m));
            }
        }
        for (c, m) in kept {
            out.push(Cand {
                zones: match &o.zone {
                    Some(z) => vec![z.clone()],
                    None => c.zones.clone(),
                },
                spot: None,
                owned: Some(candidates::Owning {
                    offer: k,
                    entry: o.entry + 1,
                    measure: m,
                    paid: o.paid,
                }),
                ..c.clone()
            });
        }
    }
    out
}
