//! What changed between two catalogs, for reviewing a refreshed or edited catalog
//! before planning with it. Every figure is compared — regions and zones, instance
//! types, prices, spot pools, offerings, commitment discounts, transfer prices, RTTs,
//! failure priors, sources — by walking both catalogs' documents leaf by leaf, so a
//! section added to the catalog format is compared without code here. Lists of names
//! (a region's zones, a type's offering zones) compare as sets.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::Catalog;

/// Every change, in the catalog's section order, each section sorted by key (on-demand
/// prices by the size of the move, largest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CatalogDiff {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One leaf that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The top-level table: `regions`, `on_demand`, `rtt`, `failure`, …
    pub section: String,
    /// The dotted key below the section, e.g. `us-east-1.usd_per_hour.m5.large`.
    pub key: String,
    pub kind: ChangeKind,
    /// The value in the old catalog (`null` when added).
    pub old: Value,
    /// The value in the new catalog (`null` when removed).
    pub new: Value,
    /// For numbers that changed: the relative change in percent, rounded to 0.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<Decimal>,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Sections with changes, in order, with their changes.
    pub fn sections(&self) -> Vec<(&str, Vec<&Change>)> {
        let mut out: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match out.last_mut() {
                Some((s, list)) if *s == c.section => list.push(c),
                _ => out.push((&c.section, vec![c])),
            }
        }
        out
    }
}

/// The catalog's sections in the order the file writes them.
const SECTIONS: &[&str] = &[
    "version",
    "name",
    "cloud",
    "as_of",
    "sources",
    "regions",
    "instance_types",
    "on_demand",
    "spot",
    "offerings",
    "commitments",
    "transfer",
    "rtt",
    "failure",
];

/// Compares `old` with `new`.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let a = serde_json::to_value(old).unwrap_or(Value::Null);
    let b = serde_json::to_value(new).unwrap_or(Value::Null);
    let mut changes = Vec::new();
    walk(&mut Vec::new(), &a, &b, &mut changes);
    let rank = |s: &str| {
        SECTIONS
            .iter()
            .position(|x| *x == s)
            .unwrap_or(SECTIONS.len())
    };
    changes.sort_by(|x, y| {
        rank(&x.section)
            .cmp(&rank(&y.section))
            .then_with(|| x.section.cmp(&y.section))
            .then_with(|| {
                if x.section == "on_demand" {
                    let m = |c: &Change| c.change_pct.map(|p| p.abs()).unwrap_or(Decimal::MAX);
                    m(y).cmp(&m(x))
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| x.key.cmp(&y.key))
            .then_with(|| x.kind.cmp(&y.kind))
    });
    CatalogDiff { changes }
}

fn push(path: &[String], kind: ChangeKind, old: Value, new: Value, out: &mut Vec<Change>) {
    let change_pct = match (&old, &new) {
        (Value::Number(_) | Value::String(_), Value::Number(_) | Value::String(_))
            if kind == ChangeKind::Changed =>
        {
            pct(&old, &new)
        }
        _ => None,
    };
    let (section, key) = match path.split_first() {
        Some((s, rest)) => (s.clone(), rest.join(".")),
        None => (String::new(), String::new()),
    };
    out.push(Change {
        section,
        key,
        kind,
        old,
        new,
        change_pct,
    });
}

/// A number, or a decimal written as a string (prices and discounts are).
fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(|f| Decimal::try_from(f).ok())
            .or_else(|| n.as_i64().map(Decimal::from)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn pct(old: &Value, new: &Value) -> Option<Decimal> {
    let (o, n) = (number(old)?, number(new)?);
    if o.is_zero() {
        return None;
    }
    Some(((n - o) / o * Decimal::ONE_HUNDRED).round_dp(1))
}

fn walk(path: &mut Vec<String>, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                path.push(k.clone());
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => walk(path, p, q, out),
                    (Some(p), None) => push(path, ChangeKind::Removed, p.clone(), Value::Null, out),
                    (None, Some(q)) => push(path, ChangeKind::Added, Value::Null, q.clone(), out),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if all_strings(x) && all_strings(y) => {
            for v in y.iter().filter(|v| !x.contains(v)) {
                push(path, ChangeKind::Added, Value::Null, v.clone(), out);
            }
            for v in x.iter().filter(|v| !y.contains(v)) {
                push(path, ChangeKind::Removed, v.clone(), Value::Null, out);
            }
        }
        (p, q) if p != q && !same_number(p, q) => {
            push(path, ChangeKind::Changed, p.clone(), q.clone(), out);
        }
        _ => {}
    }
}

fn all_strings(v: &[Value]) -> bool {
    v.iter().all(Value::is_string)
}

/// `0.1` and `"0.10"` are the same price.
fn same_number(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::String(_), Value::String(_)))
        && number(a).is_some()
        && number(a) == number(b)
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
        let price = d.changes.iter().find(|c| c.section == "on_demand").unwrap();
        assert_eq!(price.key, "us-east-1.usd_per_hour.m5.large");
        assert_eq!(price.change_pct, Some(Decimal::from(10)));
        assert!(d.changes.iter().any(|c| c.section == "regions"
            && c.key == "us-east-2.zones"
            && c.kind == ChangeKind::Added
            && c.new == "us-east-2d"));
        assert!(d.changes.iter().any(|c| c.section == "instance_types"
            && c.key == "t3.nano"
            && c.kind == ChangeKind::Removed));
    }
}
