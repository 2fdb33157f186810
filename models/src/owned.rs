//! Reservations and Savings Plans a team already owns, applied to a plan's always-on
//! instance lines the way AWS billing applies them: zonal reservations to their type in
//! their zone, regional ones size-flexibly within their family and region (AWS
//! normalisation factors), then EC2 Instance Savings Plans, then Compute Savings Plans.
//! The part of the plan's cost they cover is already paid (sunk); the rest is new spend.
//! The rules and the arithmetic are in docs/cost-model.md (*Owned commitments*).

use rust_decimal::Decimal;

use crate::cost::{Pricing, HOURS_PER_MONTH};
use crate::deployment::Purchase;
use crate::plan::{Layer, OwnedCapacity, OwnedCover, OwnedUse, Plan};
use crate::topology::{Owned, OwnedKind, Topology};

/// The AWS normalisation factor of an instance size (EC2 User Guide, "How Reserved
/// Instances are applied", instance size flexibility; read 2026-12): nano 0.25, micro
/// 0.5, small 1, medium 2, large 4, and `N`xlarge 8·N. `None` for `metal` and unknown
/// sizes, whose factor depends on the family: such types are matched by exact type only.
pub fn size_factor(instance_type: &str) -> Option<Decimal> {
    let size = instance_type.split_once('.')?.1;
    let quarter = |q: i64| Some(Decimal::new(q * 25, 2));
    match size {
        "nano" => quarter(1),
        "micro" => quarter(2),
        "small" => quarter(4),
        "medium" => quarter(8),
        "large" => quarter(16),
        "xlarge" => Some(Decimal::from(8)),
        _ => {
            let n: i64 = size.strip_suffix("xlarge")?.parse().ok()?;
            (n > 0).then(|| Decimal::from(8 * n))
        }
    }
}

/// A line's monthly cost before rounding to cents: every instance at its hourly price
/// for the share of the 730-hour month it runs.
fn exact_monthly(l: &crate::plan::InstanceLine) -> Decimal {
    l.usd_per_hour * Decimal::from(l.count) * Decimal::from(HOURS_PER_MONTH) * l.running_fraction
}

/// The family of an instance type: the part of its name before the dot.
pub fn family_of(instance_type: &str) -> &str {
    instance_type
        .split_once('.')
        .map_or(instance_type, |(f, _)| f)
}

/// What a Reserved Instance entry matches, as the optimizer prices it: one type
/// exactly (a zonal reservation, or a size without a normalisation factor), or every
/// size of a family, measured in normalised units (a regional reservation, which AWS
/// applies size-flexibly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Type(String),
    Family(String),
}

impl Scope {
    /// What one instance of `instance_type` takes of an entry with this scope:
    /// 1 instance, or its normalisation factor; `None` when it does not match.
    pub fn measure(&self, instance_type: &str) -> Option<Decimal> {
        match self {
            Scope::Type(t) => (t == instance_type).then_some(Decimal::ONE),
            Scope::Family(f) => (family_of(instance_type) == f)
                .then(|| size_factor(instance_type))
                .flatten(),
        }
    }
}

/// A Reserved Instance entry's scope and how much it holds in that scope's measure;
/// `None` for a Savings Plan.
pub fn scope(o: &Owned) -> Option<(Scope, Decimal)> {
    if o.kind != OwnedKind::ReservedInstance {
        return None;
    }
    let count = Decimal::from(o.count);
    match (&o.instance_type, &o.zone, &o.family) {
        (Some(t), Some(_), _) => Some((Scope::Type(t.clone()), count)),
        (Some(t), None, _) => match size_factor(t) {
            Some(f) => Some((Scope::Family(family_of(t).to_string()), count * f)),
            None => Some((Scope::Type(t.clone()), count)),
        },
        (None, _, Some(f)) => Some((Scope::Family(f.clone()), count)),
        (None, _, None) => None,
    }
}

/// Months of a `horizon`-month plan an entry covers: until it ends, at most the horizon.
pub fn months_covered(o: &Owned, horizon: u32) -> u32 {
    let horizon = horizon.max(1);
    o.months_left.unwrap_or(horizon).min(horizon)
}

/// The share of a covered instance's price over the horizon that the entry has already
/// paid: the months it covers over the horizon's.
pub fn paid_share(o: &Owned, horizon: u32) -> Decimal {
    Decimal::from(months_covered(o, horizon)) / Decimal::from(horizon.max(1))
}

/// One always-on line of the plan and the share of it no owned entry covers yet.
struct Line<'p> {
    service: &'p str,
    index: usize,
    uncovered: Decimal,
}

/// Order in which entries are applied: the most specific first, so that a zonal
/// reservation is never spent on what a regional one could cover.
pub fn tier(o: &Owned) -> u8 {
    match (o.kind, &o.zone, &o.instance_type) {
        (OwnedKind::ReservedInstance, Some(_), _) => 0,
        (OwnedKind::ReservedInstance, None, Some(_)) => 1,
        (OwnedKind::ReservedInstance, None, None) => 2,
        (OwnedKind::Ec2InstanceSavingsPlan, ..) => 3,
        (OwnedKind::ComputeSavingsPlan, ..) => 4,
    }
}

/// The owned commitments applied to `plan`, or `None` when the topology owns none.
pub fn apply(topology: &Topology, pricing: &Pricing<'_>, plan: &Plan) -> Option<OwnedCapacity> {
    if topology.owned.is_empty() {
        return None;
    }
    let horizon = plan.horizon_months.max(1);
    // Always-on lines only: the autoscaled layer runs part of the hours and spot is
    // not covered by reservations or Savings Plans.
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (name, sp) in &plan.services {
        for (index, l) in sp.instances.iter().enumerate() {
            if l.layer != Layer::Peak && l.purchase != Purchase::Spot && l.count > 0 {
                lines.push(Line {
                    service: name,
                    index,
                    uncovered: Decimal::ONE,
                });
            }
        }
    }
    let mut order: Vec<usize> = (0..topology.owned.len()).collect();
    order.sort_by_key(|&i| (tier(&topology.owned[i]), i));
    let mut entries: Vec<Option<OwnedUse>> = vec![None; topology.owned.len()];
    for i in order {
        let o = &topology.owned[i];
        let months_covered = months_covered(o, horizon);
        let share = paid_share(o, horizon);
        let mut covers = Vec::new();
        // The entry's total is rounded once, from exact figures, so it equals the
        // covered instances' price worked by hand; each cover is within a cent of it.
        let mut exact = Decimal::ZERO;
        // `owned` and `left` in the entry's own unit.
        let (unit, owned, entry_factor) = match o.kind {
            OwnedKind::ReservedInstance => match (&o.instance_type, &o.zone) {
                (Some(t), None) => match size_factor(t) {
                    Some(f) => ("instances", Decimal::from(o.count), f),
                    None => ("instances", Decimal::from(o.count), Decimal::ONE),
                },
                (Some(_), Some(_)) => ("instances", Decimal::from(o.count), Decimal::ONE),
                (None, _) => ("normalised-units", Decimal::from(o.count), Decimal::ONE),
            },
            _ => (
                "usd-per-hour",
                o.usd_per_hour.unwrap_or_default(),
                Decimal::ONE,
            ),
        };
        // What is left, in the unit lines are measured in: normalised units (or
        // instances for an exact-type match) for reservations, USD per hour at the
        // plan's Savings Plan rate for Savings Plans.
        let mut left = owned * entry_factor;
        let sp_purchase = match (o.kind, o.term_months) {
            (OwnedKind::ComputeSavingsPlan, 12) => Purchase::SavingsPlan1y,
            (OwnedKind::ComputeSavingsPlan, _) => Purchase::SavingsPlan3y,
            (_, 12) => Purchase::Reserved1y,
            _ => Purchase::Reserved3y,
        };
        // Exact-type lines before other sizes of the family: the same order every run.
        let mut candidates: Vec<usize> = (0..lines.len()).collect();
        candidates.sort_by_key(|&k| {
            let l = &plan.services[lines[k].service].instances[lines[k].index];
            (
                o.instance_type.as_deref() != Some(l.instance_type.as_str()),
                k,
            )
        });
        for k in candidates {
            if left <= Decimal::ZERO {
                break;
            }
            let (service, uncovered) = (lines[k].service, lines[k].uncovered);
            let l = &plan.services[service].instances[lines[k].index];
            if uncovered <= Decimal::ZERO {
                continue;
            }
            let count = Decimal::from(l.count);
            // The line's size in the entry's measure, or `None` when it does not match.
            let measure: Option<Decimal> = match o.kind {
                OwnedKind::ReservedInstance => {
                    let region_ok = o.region.as_deref() == Some(l.region.as_str());
                    match (&o.instance_type, &o.zone) {
                        (Some(t), Some(z)) => (region_ok
                            && *t == l.instance_type
                            && l.zone.as_deref() == Some(z.as_str()))
                        .then_some(count),
                        (Some(t), None) if size_factor(t).is_none() => {
                            (region_ok && *t == l.instance_type).then_some(count)
                        }
                        (Some(t), None) => (region_ok
                            && family_of(t) == family_of(&l.instance_type))
                        .then(|| size_factor(&l.instance_type).map(|f| f * count))
                        .flatten(),
                        (None, _) => (region_ok
                            && o.family.as_deref() == Some(family_of(&l.instance_type)))
                        .then(|| size_factor(&l.instance_type).map(|f| f * count))
                        .flatten(),
                    }
                }
                OwnedKind::Ec2InstanceSavingsPlan | OwnedKind::ComputeSavingsPlan => {
                    let scope_ok = o.kind == OwnedKind::ComputeSavingsPlan
                        || (o.region.as_deref() == Some(l.region.as_str())
                            && o.family.as_deref() == Some(family_of(&l.instance_type)));
                    scope_ok
                        .then(|| {
                            let od = pricing.on_demand_hourly(&l.region, &l.instance_type)?;
                            let rate =
                                od * (Decimal::ONE - pricing.commitment_discount(sp_purchase));
                            Some(rate * count)
                        })
                        .flatten()
                }
            };
            let Some(measure) = measure.filter(|m| *m > Decimal::ZERO) else {
                continue;
            };
            let open = measure * uncovered;
            let take = open.min(left);
            let fraction = take / measure;
            exact += exact_monthly(l) * fraction * share;
            left -= take;
            lines[k].uncovered -= fraction;
            covers.push(OwnedCover {
                service: service.to_string(),
                region: l.region.clone(),
                zone: l.zone.clone(),
                instance_type: l.instance_type.clone(),
                purchase: l.purchase,
                instances: (count * fraction).round_dp(4).normalize(),
                monthly_usd: (exact_monthly(l) * fraction * share).round_dp(2),
            });
        }
        let left_unit = (left / entry_factor).max(Decimal::ZERO);
        let used = owned - left_unit;
        let monthly = exact.round_dp(2);
        entries[i] = Some(OwnedUse {
            entry: i as u32 + 1,
            kind: o.kind,
            instance_type: o.instance_type.clone(),
            family: o.family.clone(),
            region: o.region.clone(),
            zone: o.zone.clone(),
            term_months: o.term_months,
            ends: o.ends.clone(),
            unit: unit.into(),
            owned,
            used: used.round_dp(4).normalize(),
            idle: left_unit.round_dp(4).normalize(),
            months_covered,
            monthly_usd: monthly,
            covers,
        });
    }
    let entries: Vec<OwnedUse> = entries.into_iter().flatten().collect();
    let monthly: Decimal = entries.iter().map(|e| e.monthly_usd).sum();
    Some(OwnedCapacity {
        monthly_usd: monthly,
        new_spend_monthly_usd: plan.monthly_usd - monthly,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_factors_follow_aws() {
        let f = |t| size_factor(t).map(|d| d.to_string());
        assert_eq!(f("m7g.nano").as_deref(), Some("0.25"));
        assert_eq!(f("m7g.large").as_deref(), Some("4.00"));
        assert_eq!(f("m7g.xlarge").as_deref(), Some("8"));
        assert_eq!(f("m7g.2xlarge").as_deref(), Some("16"));
        assert_eq!(f("r7i.48xlarge").as_deref(), Some("384"));
        assert_eq!(f("m7g.metal"), None);
        assert_eq!(f("m7g"), None);
    }
}
