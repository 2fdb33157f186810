//! What changed between two catalogs: regions, zones, instance types, on-demand prices
//! and spot pools, for reviewing a refreshed catalog before using it.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Catalog, InterruptionBucket};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CatalogDiff {
    pub regions_added: Vec<String>,
    pub regions_removed: Vec<String>,
    /// `(region, zone)`.
    pub zones_added: Vec<(String, String)>,
    pub zones_removed: Vec<(String, String)>,
    pub types_added: Vec<String>,
    pub types_removed: Vec<String>,
    /// Instance types whose vCPU, memory or architecture changed.
    pub types_changed: Vec<TypeChange>,
    /// On-demand prices that went up or down, largest relative change first.
    pub prices_changed: Vec<PriceChange>,
    /// `(region, type, price)` present only in the new catalog.
    pub prices_added: Vec<(String, String, Decimal)>,
    pub prices_removed: Vec<(String, String, Decimal)>,
    pub spot_changed: Vec<SpotChange>,
    pub sources_added: Vec<String>,
    pub sources_removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeChange {
    pub instance_type: String,
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceChange {
    pub region: String,
    pub instance_type: String,
    pub old: Decimal,
    pub new: Decimal,
    /// Relative change in percent, rounded to 0.1.
    pub change_pct: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpotChange {
    pub region: String,
    pub instance_type: String,
    pub old_savings_pct: u8,
    pub new_savings_pct: u8,
    pub old_interruption: InterruptionBucket,
    pub new_interruption: InterruptionBucket,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        *self == CatalogDiff::default()
    }
}

fn added_removed<'a, I, J>(old: I, new: J) -> (Vec<String>, Vec<String>)
where
    I: Iterator<Item = &'a String> + Clone,
    J: Iterator<Item = &'a String> + Clone,
{
    let added = new
        .clone()
        .filter(|k| !old.clone().any(|o| o == *k))
        .cloned()
        .collect();
    let removed = old
        .filter(|k| !new.clone().any(|n| n == *k))
        .cloned()
        .collect();
    (added, removed)
}

/// Compares `old` with `new`.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let mut d = CatalogDiff::default();
    (d.regions_added, d.regions_removed) = added_removed(old.regions.keys(), new.regions.keys());
    for (name, r) in &new.regions {
        let Some(o) = old.regions.get(name) else {
            continue;
        };
        let (added, removed) = added_removed(o.zones.iter(), r.zones.iter());
        d.zones_added
            .extend(added.into_iter().map(|z| (name.clone(), z)));
        d.zones_removed
            .extend(removed.into_iter().map(|z| (name.clone(), z)));
    }
    (d.types_added, d.types_removed) =
        added_removed(old.instance_types.keys(), new.instance_types.keys());
    for (t, n) in &new.instance_types {
        let Some(o) = old.instance_types.get(t) else {
            continue;
        };
        let mut change = |field: &'static str, a: String, b: String| {
            if a != b {
                d.types_changed.push(TypeChange {
                    instance_type: t.clone(),
                    field,
                    old: a,
                    new: b,
                });
            }
        };
        change("vcpus", o.vcpus.to_string(), n.vcpus.to_string());
        change(
            "memory_gib",
            o.memory_gib.to_string(),
            n.memory_gib.to_string(),
        );
        change("arch", o.arch.to_string(), n.arch.to_string());
    }
    for (region, prices) in &new.on_demand {
        let old_prices = old.on_demand.get(region);
        for (t, p) in &prices.usd_per_hour {
            match old_prices.and_then(|o| o.usd_per_hour.get(t)) {
                Some(o) if o != p => d.prices_changed.push(PriceChange {
                    region: region.clone(),
                    instance_type: t.clone(),
                    old: *o,
                    new: *p,
                    change_pct: ((*p - *o) / *o * Decimal::ONE_HUNDRED).round_dp(1),
                }),
                Some(_) => {}
                None => d.prices_added.push((region.clone(), t.clone(), *p)),
            }
        }
    }
    for (region, prices) in &old.on_demand {
        for (t, p) in &prices.usd_per_hour {
            if new.on_demand_price(region, t).is_none() {
                d.prices_removed.push((region.clone(), t.clone(), *p));
            }
        }
    }
    d.prices_changed.sort_by(|a, b| {
        b.change_pct
            .abs()
            .cmp(&a.change_pct.abs())
            .then_with(|| (&a.region, &a.instance_type).cmp(&(&b.region, &b.instance_type)))
    });
    for (region, spot) in &new.spot {
        for (t, n) in &spot.pools {
            if let Some(o) = old.spot_pool(region, t) {
                if o != n {
                    d.spot_changed.push(SpotChange {
                        region: region.clone(),
                        instance_type: t.clone(),
                        old_savings_pct: o.savings_pct,
                        new_savings_pct: n.savings_pct,
                        old_interruption: o.interruption,
                        new_interruption: n.interruption,
                    });
                }
            }
        }
    }
    (d.sources_added, d.sources_removed) = added_removed(old.sources.keys(), new.sources.keys());
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn identical_catalogs_have_no_diff() {
        let c = Catalog::embedded();
        assert!(diff(c, c).is_empty());
    }

    #[test]
    fn finds_price_zone_and_type_changes() {
        let old = Catalog::embedded();
        let mut new = old.clone();
        let price = new
            .on_demand
            .get_mut("us-east-1")
            .unwrap()
            .usd_per_hour
            .get_mut("m5.large")
            .unwrap();
        *price = Decimal::from_str("0.1056").unwrap();
        new.regions
            .get_mut("us-east-2")
            .unwrap()
            .zones
            .push("us-east-2d".into());
        new.instance_types.remove("t3.nano");
        let d = diff(old, &new);
        assert_eq!(d.prices_changed.len(), 1);
        assert_eq!(d.prices_changed[0].change_pct, Decimal::from(10));
        assert_eq!(
            d.zones_added,
            vec![("us-east-2".into(), "us-east-2d".into())]
        );
        assert_eq!(d.types_removed, vec!["t3.nano".to_string()]);
    }
}
