//! What a re-plan changes in the infrastructure, in words: regions, fleets, Auto
//! Scaling group sizes and instance types, store members, DNS routing and commitments
//! to buy, so a reviewer need not read a `terraform plan` of hundreds of lines. Both
//! plans are read through the same translation the generator uses.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::catalog::Catalog;
use faultline_models::deployment::Words;
use faultline_models::diag::Diagnostic;
use faultline_models::plan::Plan;

use super::infra::{translate, FleetModule, Group, Infra, StoreRegion};
use super::money;
use super::purchases;

/// Which of the two plans a problem is in.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffError {
    pub old: Vec<Diagnostic>,
    pub new: Vec<Diagnostic>,
}

/// The changes from `old` to `new`, one sentence per line; a single line saying so
/// when nothing in the infrastructure changes.
pub fn diff(old: &Plan, new: &Plan, catalog: &Catalog) -> Result<String, DiffError> {
    let a = translate(old, catalog, None);
    let b = translate(new, catalog, None);
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            return Err(DiffError {
                old: a.err().unwrap_or_default(),
                new: b.err().unwrap_or_default(),
            })
        }
    };
    let mut out = Vec::new();
    let delta = new.monthly_usd - old.monthly_usd;
    out.push(format!(
        "Plan {} → {}: ${}/month → ${}/month ({}${}).",
        old.id,
        new.id,
        money(old.monthly_usd),
        money(new.monthly_usd),
        if delta < rust_decimal::Decimal::ZERO {
            "-"
        } else {
            "+"
        },
        money(delta.abs())
    ));
    let mut changes = Vec::new();
    regions(&a, &b, &mut changes);
    fleets(&a, &b, &mut changes);
    stores(&a, &b, &mut changes);
    dns(&a, &b, &mut changes);
    commitments(old, new, &mut changes);
    if changes.is_empty() {
        out.push("No change to the infrastructure: every group, member, DNS record and commitment stays as it is.".into());
    } else {
        out.extend(changes.into_iter().map(|c| format!("- {c}")));
    }
    let mut s = out.join("\n");
    s.push('\n');
    Ok(s)
}

fn regions(a: &Infra, b: &Infra, out: &mut Vec<String>) {
    for r in b.regions.difference(&a.regions) {
        out.push(format!("Region {r} added."));
    }
    for r in a.regions.difference(&b.regions) {
        out.push(format!(
            "Region {r} removed: everything there is destroyed."
        ));
    }
}

fn types(g: &Group) -> String {
    g.overrides
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn size(g: &Group) -> String {
    let spot = g.spot_units();
    format!(
        "{}–{} vCPU{}",
        g.min_size,
        g.max_size,
        if spot > 0 {
            format!(" ({spot} spot)")
        } else {
            String::new()
        }
    )
}

fn fleet_label(f: &FleetModule) -> String {
    match f.role {
        super::infra::FleetRole::Serving => format!("{} in {}", f.service, f.region),
        super::infra::FleetRole::Standby => {
            format!("{} warm standby in {}", f.service, f.region)
        }
    }
}

fn fleets(a: &Infra, b: &Infra, out: &mut Vec<String>) {
    let keys: BTreeSet<&(String, String)> = a.fleets.keys().chain(b.fleets.keys()).collect();
    for k in keys {
        match (a.fleets.get(k), b.fleets.get(k)) {
            (None, Some(f)) => {
                let peak: u32 = f.groups.values().map(|g| g.max_size).sum();
                out.push(format!(
                    "Fleet {} added: {} group{}, up to {peak} vCPU.",
                    fleet_label(f),
                    f.groups.len(),
                    if f.groups.len() == 1 { "" } else { "s" }
                ));
            }
            (Some(f), None) => out.push(format!("Fleet {} removed.", fleet_label(f))),
            (Some(x), Some(y)) => {
                if x.role != y.role {
                    out.push(format!("{} becomes {}.", fleet_label(x), fleet_label(y)));
                }
                let gk: BTreeSet<&String> = x.groups.keys().chain(y.groups.keys()).collect();
                for g in gk {
                    let label = format!("{}, group {g}", fleet_label(y));
                    match (x.groups.get(g), y.groups.get(g)) {
                        (None, Some(n)) => {
                            out.push(format!("{label}: new group, {} of {}.", size(n), types(n)))
                        }
                        (Some(_), None) => out.push(format!("{label}: group removed.")),
                        (Some(o), Some(n)) => {
                            let mut what = Vec::new();
                            if (o.min_size, o.max_size, o.spot_units())
                                != (n.min_size, n.max_size, n.spot_units())
                            {
                                what.push(format!("{} → {}", size(o), size(n)));
                            }
                            if o.on_demand_base_capacity != n.on_demand_base_capacity {
                                what.push(format!(
                                    "on-demand base {} → {} vCPU",
                                    o.on_demand_base_capacity, n.on_demand_base_capacity
                                ));
                            }
                            if o.overrides != n.overrides {
                                what.push(format!("types {} → {}", types(o), types(n)));
                            }
                            if !what.is_empty() {
                                out.push(format!("{label}: {}.", what.join("; ")));
                            }
                        }
                        (None, None) => {}
                    }
                }
                if (x.cpu_target_percent - y.cpu_target_percent).abs() > 0.05 {
                    out.push(format!(
                        "{}: CPU target {}% → {}%.",
                        fleet_label(y),
                        x.cpu_target_percent,
                        y.cpu_target_percent
                    ));
                }
            }
            (None, None) => {}
        }
    }
}

fn members(s: &StoreRegion) -> BTreeMap<String, String> {
    s.members
        .iter()
        .map(|(k, m)| (k.clone(), format!("{} {}", m.instance_type, m.role.word())))
        .collect()
}

fn stores(a: &Infra, b: &Infra, out: &mut Vec<String>) {
    let keys: BTreeSet<&(String, String)> = a.stores.keys().chain(b.stores.keys()).collect();
    for k in keys {
        let label = format!("{} in {}", k.0, k.1);
        match (a.stores.get(k), b.stores.get(k)) {
            (None, Some(s)) => out.push(format!(
                "Store {label} added: {} member{}.",
                s.members.len(),
                if s.members.len() == 1 { "" } else { "s" }
            )),
            (Some(_), None) => out.push(format!("Store {label} removed.")),
            (Some(x), Some(y)) => {
                let (mx, my) = (members(x), members(y));
                for (m, what) in &my {
                    match mx.get(m) {
                        None => out.push(format!("{label}: member {m} added ({what}).")),
                        Some(old) if old != what => {
                            out.push(format!("{label}: member {m} {old} → {what} (a new launch template version; roll the member to apply it)."))
                        }
                        _ => {}
                    }
                }
                for (m, what) in &mx {
                    if !my.contains_key(m) {
                        out.push(format!("{label}: member {m} removed ({what})."));
                    }
                }
            }
            (None, None) => {}
        }
    }
}

fn dns(a: &Infra, b: &Infra, out: &mut Vec<String>) {
    let keys: BTreeSet<&String> = a.records.keys().chain(b.records.keys()).collect();
    for k in keys {
        match (a.records.get(k), b.records.get(k)) {
            (Some(x), Some(y)) => {
                if x.routing != y.routing || x.endpoints != y.endpoints {
                    let ends = |r: &super::infra::Record| {
                        r.endpoints.keys().cloned().collect::<Vec<_>>().join(", ")
                    };
                    out.push(format!(
                        "DNS {k}: {} routing to {} → {} routing to {}.",
                        x.routing.word(),
                        ends(x),
                        y.routing.word(),
                        ends(y)
                    ));
                }
            }
            (None, Some(_)) => out.push(format!("DNS name for {k} added.")),
            (Some(_), None) => out.push(format!("DNS name for {k} removed.")),
            (None, None) => {}
        }
    }
}

fn commitments(old: &Plan, new: &Plan, out: &mut Vec<String>) {
    let key = |c: &purchases::Commitment| {
        (
            c.purchase.clone(),
            c.region.clone(),
            c.instance_type.clone(),
        )
    };
    let a: BTreeMap<_, u32> = purchases::list(old)
        .buy
        .iter()
        .map(|c| (key(c), c.count))
        .collect();
    let b: BTreeMap<_, u32> = purchases::list(new)
        .buy
        .iter()
        .map(|c| (key(c), c.count))
        .collect();
    let keys: BTreeSet<_> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (
            a.get(k).copied().unwrap_or(0),
            b.get(k).copied().unwrap_or(0),
        );
        if x != y {
            out.push(format!(
                "Commitments: {} {} in {}: {x} → {y}{}.",
                k.0,
                k.2,
                k.1,
                if y > x {
                    format!(" (buy {} more)", y - x)
                } else {
                    format!(" ({} no longer needed)", x - y)
                }
            ));
        }
    }
}
