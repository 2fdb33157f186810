//! Consolidation after a fleet solve: `k` instances of a small type become one of a
//! type exactly `k` times larger in the same family, at exactly `k` times the price.
//! Cost and every capacity constraint are unchanged; the plan has fewer instances.

use faultline_models::cost::Pricing;
use faultline_models::deployment::Purchase;
use faultline_models::plan::InstanceLine;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use crate::optimizer::candidates::InstanceCap;

/// Largest instance a consolidated line uses, in vCPU.
const MAX_CONSOLIDATED_VCPU: u32 = 16;

/// Instances a consolidated line keeps at least, so one failure stays a small loss.
const MIN_CONSOLIDATED_COUNT: u32 = 4;

/// Replaces `k` instances of a small type by one of a larger type of the same family
/// where that is exactly equivalent: `k` times the vCPU, memory and price (and, for
/// spot, the same interruption bucket). Cost and every capacity constraint are
/// unchanged; the plan just has fewer, larger instances. Lines of a type in `exact`
/// (region, type: matched exactly by an owned reservation) are left as they are.
pub(super) fn consolidate(
    pricing: &Pricing<'_>,
    lines: Vec<InstanceLine>,
    caps: &BTreeMap<String, InstanceCap>,
    exact: &[(String, String)],
) -> Vec<InstanceLine> {
    let catalog = pricing.catalog();
    let mut out: Vec<InstanceLine> = Vec::new();
    for l in lines {
        // A type an owned reservation covers exactly stays that type.
        if exact
            .iter()
            .any(|(r, t)| *r == l.region && *t == l.instance_type)
        {
            out.push(l);
            continue;
        }
        let Some(small) = catalog.instance_types.get(&l.instance_type) else {
            out.push(l);
            continue;
        };
        let Some(p_small) = pricing.hourly(&l.region, &l.instance_type, l.purchase) else {
            out.push(l);
            continue;
        };
        let bucket = |t: &str| catalog.spot_pool(&l.region, t).map(|p| p.interruption);
        let mut best: Option<(u32, String, Decimal)> = None;
        for (name, big) in &catalog.instance_types {
            if big.family != small.family
                || big.vcpus <= small.vcpus
                || big.vcpus > MAX_CONSOLIDATED_VCPU
            {
                continue;
            }
            if big.vcpus % small.vcpus != 0 {
                continue;
            }
            // Never above the fleet's blast-radius cap.
            if let Some(cap) = caps.get(&l.region) {
                if f64::from(big.vcpus) > cap.vcpu + 1e-9 || big.memory_gib > cap.memory + 1e-9 {
                    continue;
                }
            }
            // Only a type the line's zone offers.
            if let Some(z) = &l.zone {
                if !catalog.offered_zones(&l.region, name).contains(&z.as_str()) {
                    continue;
                }
            }
            let k = big.vcpus / small.vcpus;
            if (big.memory_gib - small.memory_gib * f64::from(k)).abs() > 1e-9 {
                continue;
            }
            if l.count / k < MIN_CONSOLIDATED_COUNT {
                continue;
            }
            let Some(p_big) = pricing.hourly(&l.region, name, l.purchase) else {
                continue;
            };
            if p_big != p_small * Decimal::from(k) {
                continue;
            }
            if l.purchase == Purchase::Spot && bucket(name) != bucket(&l.instance_type) {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|(bk, bn, _)| k > *bk || (k == *bk && name < bn))
            {
                best = Some((k, name.clone(), p_big));
            }
        }
        match best {
            None => out.push(l),
            Some((k, name, p_big)) => {
                let big_n = l.count / k;
                let rest = l.count % k;
                let per_instance = l.monthly_usd / Decimal::from(l.count);
                out.push(InstanceLine {
                    instance_type: name,
                    count: big_n,
                    usd_per_hour: p_big,
                    monthly_usd: per_instance * Decimal::from(big_n * k),
                    ..l.clone()
                });
                if rest > 0 {
                    out.push(InstanceLine {
                        count: rest,
                        monthly_usd: per_instance * Decimal::from(rest),
                        ..l
                    });
                }
            }
        }
    }
    out
}
