//! What changed between a baseline plan and the report's plan: cost in total, per
//! service, region and purchase option; availability and downtime per service and
//! journey (both plans assessed against the same topology and catalog); and per
//! service the DR pattern, consistency and capacity groups that moved.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::deployment::{DrPattern, Purchase, Role};
use crate::failure::{Assessment, Figures};
use crate::plan::Plan;
use crate::topology::Consistency;

/// Money before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoneyChange {
    pub name: String,
    /// `None` where the item is absent from that plan.
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
}

impl MoneyChange {
    /// New minus old, an absent side counting as zero.
    pub fn delta(&self) -> Decimal {
        self.new.unwrap_or_default() - self.old.unwrap_or_default()
    }
}

/// Availability before and after, for a service or journey.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvailabilityChange {
    pub name: String,
    pub journey: bool,
    pub old: Option<f64>,
    pub new: Option<f64>,
    /// Minutes per month down (the assessment's yearly figure over twelve months).
    pub old_down_minutes_per_month: Option<f64>,
    pub new_down_minutes_per_month: Option<f64>,
    pub target: Option<f64>,
}

/// One capacity group whose count changed (zero on a side where it does not exist).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupChange {
    pub region: String,
    pub zone: Option<String>,
    pub instance_type: String,
    pub purchase: Purchase,
    pub role: Role,
    pub old: u32,
    pub new: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceChange {
    pub service: String,
    pub cost: MoneyChange,
    pub old_dr: Option<DrPattern>,
    pub new_dr: Option<DrPattern>,
    pub old_consistency: Option<Consistency>,
    pub new_consistency: Option<Consistency>,
    /// Capacity groups added, removed or resized; empty when the placement is the same.
    pub placement: Vec<GroupChange>,
}

impl ServiceChange {
    /// Whether anything about the service differs.
    pub fn changed(&self) -> bool {
        self.cost.delta() != Decimal::ZERO
            || self.old_dr != self.new_dr
            || self.old_consistency != self.new_consistency
            || !self.placement.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub old_plan_id: String,
    pub new_plan_id: String,
    pub total: MoneyChange,
    /// Every service of either plan, by name.
    pub services: Vec<ServiceChange>,
    pub by_region: Vec<MoneyChange>,
    pub by_purchase: Vec<MoneyChange>,
    /// Journeys, then services, each by name; only where some assessment has figures.
    pub availability: Vec<AvailabilityChange>,
}

fn money(old: &BTreeMap<String, Decimal>, new: &BTreeMap<String, Decimal>) -> Vec<MoneyChange> {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    names
        .into_iter()
        .map(|n| MoneyChange {
            name: n.clone(),
            old: old.get(n).copied(),
            new: new.get(n).copied(),
        })
        .collect()
}

type GroupKey = (String, Option<String>, String, Purchase, Role);

fn groups(plan: &Plan, service: &str) -> BTreeMap<GroupKey, u32> {
    let mut out = BTreeMap::new();
    if let Some(sp) = plan.services.get(service) {
        for g in &sp.deployment.groups {
            *out.entry((
                g.region.clone(),
                g.zone.clone(),
                g.instance_type.clone(),
                g.purchase,
                g.role,
            ))
            .or_insert(0) += g.count;
        }
    }
    out
}

fn availability(
    old: Option<&Assessment>,
    new: Option<&Assessment>,
    journeys: bool,
) -> Vec<AvailabilityChange> {
    let pick = |a: Option<&Assessment>| -> Option<BTreeMap<String, Figures>> {
        a.map(|a| {
            if journeys {
                a.journeys.clone()
            } else {
                a.services.clone()
            }
        })
    };
    let (o, n) = (pick(old).unwrap_or_default(), pick(new).unwrap_or_default());
    let names: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let (of, nf) = (o.get(name), n.get(name));
            AvailabilityChange {
                name: name.clone(),
                journey: journeys,
                old: of.map(|f| f.availability),
                new: nf.map(|f| f.availability),
                old_down_minutes_per_month: of.map(|f| f.downtime_minutes_per_year / 12.0),
                new_down_minutes_per_month: nf.map(|f| f.downtime_minutes_per_year / 12.0),
                target: nf.or(of).and_then(|f| f.slo.availability_target),
            }
        })
        .collect()
}

/// Compares `old` (the baseline) with `new`, each with its assessment when it has one.
pub fn compare(
    old: &Plan,
    old_assessment: Option<&Assessment>,
    new: &Plan,
    new_assessment: Option<&Assessment>,
) -> Comparison {
    let names: BTreeSet<&String> = old.services.keys().chain(new.services.keys()).collect();
    let services = names
        .into_iter()
        .map(|name| {
            let (o, n) = (old.services.get(name), new.services.get(name));
            let (go, gn) = (groups(old, name), groups(new, name));
            let keys: BTreeSet<&GroupKey> = go.keys().chain(gn.keys()).collect();
            let placement = keys
                .into_iter()
                .filter_map(|k| {
                    let (a, b) = (
                        go.get(k).copied().unwrap_or(0),
                        gn.get(k).copied().unwrap_or(0),
                    );
                    (a != b).then(|| GroupChange {
                        region: k.0.clone(),
                        zone: k.1.clone(),
                        instance_type: k.2.clone(),
                        purchase: k.3,
                        role: k.4,
                        old: a,
                        new: b,
                    })
                })
                .collect();
            ServiceChange {
                service: name.clone(),
                cost: MoneyChange {
                    name: name.clone(),
                    old: o.map(|s| s.monthly_usd),
                    new: n.map(|s| s.monthly_usd),
                },
                old_dr: o.map(|s| s.deployment.dr),
                new_dr: n.map(|s| s.deployment.dr),
                old_consistency: o.map(|s| s.consistency),
                new_consistency: n.map(|s| s.consistency),
                placement,
            }
        })
        .collect();
    let mut avail = availability(old_assessment, new_assessment, true);
    avail.extend(availability(old_assessment, new_assessment, false));
    Comparison {
        old_plan_id: old.id.clone(),
        new_plan_id: new.id.clone(),
        total: MoneyChange {
            name: "total".into(),
            old: Some(old.monthly_usd),
            new: Some(new.monthly_usd),
        },
        services,
        by_region: money(&old.cost.by_region, &new.cost.by_region),
        by_purchase: money(&old.cost.by_purchase, &new.cost.by_purchase),
        availability: avail,
    }
}
