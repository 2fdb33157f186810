//! `faultline catalog show` and `catalog diff` as aligned text.

use std::fmt::Write;

use super::super::Filter;
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
            let spot = c.spot_pool(name, t);
            if od.is_none() && spot.is_none() {
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

fn confidence(s: &faultline_models::catalog::Source) -> &'static str {
    match s.confidence {
        faultline_models::catalog::Confidence::High => "high",
        faultline_models::catalog::Confidence::Medium => "medium",
        faultline_models::catalog::Confidence::Low => "low",
    }
}

/// `catalog diff` as text: what was added, removed and changed, biggest price moves
/// first.
pub fn diff(old: &str, new: &str, d: &faultline_models::catalog::diff::CatalogDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "--- {old}\n+++ {new}");
    if d.is_empty() {
        let _ = writeln!(out, "no differences");
        return out;
    }
    let list = |out: &mut String, title: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", items.len());
            for i in items {
                let _ = writeln!(out, "  {i}");
            }
        }
    };
    list(
        &mut out,
        "regions added",
        d.regions_added.iter().map(|r| format!("+ {r}")).collect(),
    );
    list(
        &mut out,
        "regions removed",
        d.regions_removed.iter().map(|r| format!("- {r}")).collect(),
    );
    list(
        &mut out,
        "zones added",
        d.zones_added
            .iter()
            .map(|(_, z)| format!("+ {z}"))
            .collect(),
    );
    list(
        &mut out,
        "zones removed",
        d.zones_removed
            .iter()
            .map(|(_, z)| format!("- {z}"))
            .collect(),
    );
    list(
        &mut out,
        "instance types added",
        d.types_added.iter().map(|t| format!("+ {t}")).collect(),
    );
    list(
        &mut out,
        "instance types removed",
        d.types_removed.iter().map(|t| format!("- {t}")).collect(),
    );
    list(
        &mut out,
        "instance types changed",
        d.types_changed
            .iter()
            .map(|c| format!("~ {} {}: {} → {}", c.instance_type, c.field, c.old, c.new))
            .collect(),
    );
    let (up, down): (Vec<_>, Vec<_>) = d.prices_changed.iter().partition(|p| p.new > p.old);
    let price = |p: &&faultline_models::catalog::diff::PriceChange| {
        format!(
            "{:<15} {:<16} ${}/h → ${}/h ({:+}%)",
            p.region, p.instance_type, p.old, p.new, p.change_pct
        )
    };
    list(
        &mut out,
        "on-demand prices up",
        up.iter().map(price).collect(),
    );
    list(
        &mut out,
        "on-demand prices down",
        down.iter().map(price).collect(),
    );
    list(
        &mut out,
        "on-demand prices added",
        d.prices_added
            .iter()
            .map(|(r, t, p)| format!("+ {r:<15} {t:<16} ${p}/h"))
            .collect(),
    );
    list(
        &mut out,
        "on-demand prices removed",
        d.prices_removed
            .iter()
            .map(|(r, t, p)| format!("- {r:<15} {t:<16} ${p}/h"))
            .collect(),
    );
    list(
        &mut out,
        "spot pools changed",
        d.spot_changed
            .iter()
            .map(|s| {
                format!(
                    "~ {:<15} {:<16} savings {}% → {}%, reclaim {} → {}",
                    s.region,
                    s.instance_type,
                    s.old_savings_pct,
                    s.new_savings_pct,
                    s.old_interruption.label(),
                    s.new_interruption.label()
                )
            })
            .collect(),
    );
    list(
        &mut out,
        "sources added",
        d.sources_added.iter().map(|s| format!("+ {s}")).collect(),
    );
    list(
        &mut out,
        "sources removed",
        d.sources_removed.iter().map(|s| format!("- {s}")).collect(),
    );
    out
}
