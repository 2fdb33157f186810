//! `faultline catalog show` and `catalog diff` as aligned text.

use std::fmt::Write;

use super::super::Filter;
use faultline_models::catalog::diff::{CatalogDiff, ChangeKind};
use faultline_models::catalog::{Catalog, Mode};

pub fn text(c: &Catalog, f: &Filter<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "catalog {} ({}), assembled {}",
        c.name, c.cloud, c.as_of
    );
    for (name, region) in c.regions.iter().filter(|(n, _)| f.region(n)) {
        let _ = writeln!(out, "\n{name} — {}", region.name);
        let _ = writeln!(out, "  zones: {}", region.zones.join(", "));
        let od_source = c.on_demand.get(name).map_or("-", |p| p.source.as_str());
        let spot_source = c.spot.get(name).map_or("-", |p| p.source.as_str());
        let _ = writeln!(out, "  on-demand prices: {od_source}; spot: {spot_source}");
        let _ = writeln!(
            out,
            "  {:<14} {:<7} {:>5} {:>8} {:>11} {:>10} {:>8}",
            "type", "arch", "vCPU", "mem GiB", "on-demand", "spot save", "reclaim"
        );
        let mut types: Vec<_> = c
            .instance_types
            .iter()
            .filter(|(_, it)| f.family(&it.family))
            .collect();
        types.sort_by(|a, b| (&a.1.family, a.1.vcpus, a.0).cmp(&(&b.1.family, b.1.vcpus, b.0)));
        for (t, it) in types {
            let od = c.on_demand_price(name, t);
            // Spot is priced off on-demand: without an on-demand price a pool's
            // savings mean nothing, and the optimizer never uses it.
            let spot = c.spot_pool(name, t).filter(|_| od.is_some());
            if od.is_none() {
                continue;
            }
            let _ = writeln!(
                out,
                "  {:<14} {:<7} {:>5} {:>8} {:>11} {:>10} {:>8}",
                t,
                it.arch.to_string(),
                it.vcpus,
                format!("{:.1}", it.memory_gib),
                od.map_or("-".to_string(), |p| format!("${p}/h")),
                spot.map_or("-".to_string(), |s| format!("{}%", s.savings_pct)),
                spot.map_or("-", |s| s.interruption.label()),
            );
        }
    }
    if f.region.is_none() && f.family.is_none() {
        let cm = &c.commitments;
        let _ = writeln!(
            out,
            "\ncommitment discounts off on-demand (default; source {}):",
            cm.source
        );
        let _ = writeln!(
            out,
            "  reserved 1y {}  reserved 3y {}  savings plan 1y {}  savings plan 3y {}",
            cm.reserved_1y, cm.reserved_3y, cm.savings_plan_1y, cm.savings_plan_3y
        );
        let _ = writeln!(
            out,
            "\ntransfer: inter-AZ ${}/GB each way (source {})",
            c.transfer.inter_az_usd_per_gb, c.transfer.source
        );
        transfer_and_rtt(&mut out, c, &|_| true);
    } else if f.region.is_some() {
        let _ = writeln!(
            out,
            "\ntransfer: inter-AZ ${}/GB each way (source {})",
            c.transfer.inter_az_usd_per_gb, c.transfer.source
        );
        transfer_and_rtt(&mut out, c, &|r| f.region(r));
    }
    if f.region.is_none() && f.family.is_none() {
        let _ = writeln!(
            out,
            "\nfailure priors (rate per year; duration median / mean hours):"
        );
        for mode in Mode::ALL {
            let m = c.failure.mode(*mode);
            let _ = writeln!(
                out,
                "  {:<36} {:>7} {:>7} / {:<7} {}",
                mode.key(),
                m.rate_per_year,
                m.median_hours,
                m.mean_hours,
                m.source
            );
        }
        for (region, modes) in &c.failure.regions {
            for mode in Mode::ALL {
                let Some(o) = modes.mode(*mode) else { continue };
                let m = c.failure_mode(*mode, region);
                let _ = writeln!(
                    out,
                    "  {:<36} {:>7} {:>7} / {:<7} {}",
                    format!("{} in {region}", mode.key()),
                    m.rate_per_year,
                    m.median_hours,
                    m.mean_hours,
                    o.source.as_deref().unwrap_or(&m.source)
                );
            }
        }
        let g = &c.failure.zone_impairment;
        let _ = writeln!(
            out,
            "  {:<36} {:>7} {:>7} / {:<7} {}",
            "zone_impairment", g.rate_per_year, g.median_hours, g.mean_hours, g.source
        );
        let _ = writeln!(
            out,
            "    each instance of an impaired zone out of service with probability {}",
            g.share
        );
        let k = &c.failure.correlation;
        let _ = writeln!(
            out,
            "  per zone outage: a second zone {}, a third {}, control plane impaired {}, relaunches contended {} {}",
            k.second_zone, k.third_zone, k.control_plane_impaired, k.relaunch_contention, k.source
        );
        let _ = writeln!(
            out,
            "  per failover attempt: fails {} {}",
            c.failure.failover.fails, c.failure.failover.source
        );
    }
    let _ = writeln!(out, "\nsources:");
    for (id, s) in &c.sources {
        let _ = writeln!(
            out,
            "  {id}: {} ({}, {} confidence) {}",
            s.title,
            s.as_of,
            confidence(s),
            s.url
        );
    }
    out
}

/// Inter-region transfer prices and the RTT matrix, for the regions `keep` selects as
/// the sending (row) side; every region as the receiving side.
fn transfer_and_rtt(out: &mut String, c: &Catalog, keep: &dyn Fn(&str) -> bool) {
    let regions: Vec<&String> = c.regions.keys().collect();
    let _ = writeln!(
        out,
        "\ninter-region transfer, $/GB sent (the sender pays; source {}):",
        c.transfer.source
    );
    for r in regions.iter().filter(|r| keep(r)) {
        let out_price = c.transfer.inter_region_out_usd_per_gb.get(*r);
        let pairs: Vec<String> = c
            .transfer
            .inter_region_pair_usd_per_gb
            .iter()
            .filter(|(k, _)| k.split('|').any(|x| x == r.as_str()))
            .map(|(k, v)| {
                let other = k.split('|').find(|x| *x != r.as_str()).unwrap_or(k);
                format!("{other} ${v}")
            })
            .collect();
        let _ = writeln!(
            out,
            "  {r:<15} ${}/GB to other regions{}",
            out_price.map_or("-".to_string(), |p| p.to_string()),
            if pairs.is_empty() {
                String::new()
            } else {
                format!("; to {}", pairs.join(", "))
            }
        );
    }
    let _ = writeln!(
        out,
        "\nround-trip times, ms, from the row's region to the column's (source {}):",
        c.rtt.source
    );
    // AWS's short region codes (eu-central-1 → euc1, ap-southeast-2 → apse2) keep the
    // columns narrow enough for a terminal.
    let short = |r: &str| -> String {
        r.split('-')
            .map(|p| match p {
                "north" => "n",
                "south" => "s",
                "east" => "e",
                "west" => "w",
                "central" => "c",
                "northeast" => "ne",
                "northwest" => "nw",
                "southeast" => "se",
                "southwest" => "sw",
                other => other,
            })
            .collect()
    };
    let mut header = format!("  {:<15}", "");
    for col in &regions {
        header.push_str(&format!(" {:>6}", short(col)));
    }
    let _ = writeln!(out, "{header}");
    for row in regions.iter().filter(|r| keep(r)) {
        let mut line = format!("  {row:<15}");
        for col in &regions {
            let v = c.rtt.ms.get(*row).and_then(|m| m.get(*col));
            line.push_str(&format!(
                " {:>6}",
                v.map_or("-".to_string(), |x| format!("{x:.0}"))
            ));
        }
        let _ = writeln!(out, "{line}");
    }
}

fn confidence(s: &faultline_models::catalog::Source) -> &'static str {
    match s.confidence {
        faultline_models::catalog::Confidence::High => "high",
        faultline_models::catalog::Confidence::Medium => "medium",
        faultline_models::catalog::Confidence::Low => "low",
    }
}

/// `catalog diff` as text: each section's changes, biggest price moves first.
pub fn diff(old: &str, new: &str, d: &CatalogDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "--- {old}\n+++ {new}");
    if d.is_empty() {
        let _ = writeln!(out, "no differences");
        return out;
    }
    for (section, changes) in d.sections() {
        let _ = writeln!(
            out,
            "\n{section} ({} change{}):",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        );
        for c in changes {
            let key = if c.key.is_empty() { section } else { &c.key };
            let _ = match c.kind {
                ChangeKind::Added => writeln!(out, "  + {key} = {}", value(&c.new)),
                ChangeKind::Removed => writeln!(out, "  - {key} (was {})", value(&c.old)),
                ChangeKind::Changed => writeln!(
                    out,
                    "  ~ {key}: {} → {}{}",
                    value(&c.old),
                    value(&c.new),
                    c.change_pct
                        .map(|p| format!(" ({p:+.1}%)"))
                        .unwrap_or_default()
                ),
            };
        }
    }
    let _ = writeln!(
        out,
        "\n{} change{} in all",
        d.changes.len(),
        if d.changes.len() == 1 { "" } else { "s" }
    );
    out
}

/// A value as the catalog file would write it, compactly.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}
