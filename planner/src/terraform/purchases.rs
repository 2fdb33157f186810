//! The purchase list beside the Terraform: the Reserved Instances and Savings Plans a
//! plan's prices assume. Commitments are billing constructs with no Terraform
//! resource, so the tree sizes capacity for them (on-demand base first, the committed
//! type first) and this list says what to buy: type, region, the zones the plan puts
//! them in, count, term, payment option, and what each costs per month and up front.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::cost::{term_months, HOURS_PER_MONTH};
use faultline_models::deployment::{Purchase, Words};
use faultline_models::plan::{owned_words, Plan};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use super::money;

/// Version of the purchase list's JSON shape.
pub const FORMAT_VERSION: u32 = 1;

/// The catalog's commitment discounts are the No Upfront column (docs/catalog.md), so
/// that is the payment option the plan's prices assume.
pub const PAYMENT_OPTION: &str = "no-upfront";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purchases {
    pub format_version: u32,
    pub generated_by: String,
    pub plan: String,
    pub system: String,
    pub catalog: String,
    pub horizon_months: u32,
    pub payment_option: String,
    /// What to buy, sorted by purchase option, region and instance type.
    pub buy: Vec<Commitment>,
    /// Compute Savings Plans are bought as an hourly commitment, not per instance: the
    /// commitment per term that covers the listed instances.
    pub savings_plan_commitments: Vec<HourlyCommitment>,
    pub totals: Totals,
    /// Reservations and Savings Plans already owned (`[[purchase.owned]]`), each
    /// `used`, `partly used` or `idle`: nothing to buy, listed so a reviewer sees
    /// what the plan counts on. `buy` leaves out the instances they cover for the
    /// whole horizon.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owned: Vec<OwnedListed>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnedListed {
    pub entry: u32,
    pub kind: String,
    /// `used`, `partly used` or `idle`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub term_months: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends: Option<String>,
    /// `instances`, `normalised-units` or `usd-per-hour`.
    pub unit: String,
    pub owned: Decimal,
    pub used: Decimal,
    pub idle: Decimal,
    pub services: BTreeSet<String>,
    /// The part of the plan's monthly cost it pays.
    pub monthly_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    /// `standard-reserved-instance` (or an EC2 Instance Savings Plan of the same family
    /// and region) or `compute-savings-plan`.
    pub kind: String,
    /// The plan's purchase option: `reserved-1y`, `savings-plan-3y`, …
    pub purchase: String,
    pub term_months: u32,
    pub payment_option: String,
    pub region: String,
    /// Reserved Instances are bought with regional scope (size-flexible within the
    /// family, so the type an Auto Scaling group launches first is covered); these are
    /// the zones the plan places them in.
    pub zones: BTreeMap<String, u32>,
    pub instance_type: String,
    pub count: u32,
    pub services: BTreeSet<String>,
    /// The committed rate per instance-hour (without the plan's amortisation over its
    /// horizon).
    pub usd_per_hour_each: Decimal,
    pub monthly_usd: Decimal,
    pub upfront_usd: Decimal,
    /// Everything the commitment costs over its term.
    pub term_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourlyCommitment {
    pub purchase: String,
    pub term_months: u32,
    pub usd_per_hour: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub monthly_usd: Decimal,
    pub upfront_usd: Decimal,
    pub term_usd: Decimal,
}

fn kind(p: Purchase) -> &'static str {
    match p {
        Purchase::SavingsPlan1y | Purchase::SavingsPlan3y => "compute-savings-plan",
        _ => "standard-reserved-instance",
    }
}

/// Months of commitment paid per month of the horizon (docs/cost-model.md): the plan's
/// hourly price of a committed line is the committed rate times this.
fn amortisation(horizon: u32, term: u32) -> Decimal {
    let h = horizon.max(1);
    Decimal::from(h.div_ceil(term) * term) / Decimal::from(h)
}

pub fn list(plan: &Plan) -> Purchases {
    #[derive(Default)]
    struct Acc {
        count: u32,
        zones: BTreeMap<String, u32>,
        services: BTreeSet<String>,
        /// Committed USD per hour of all the line's instances.
        hourly: Decimal,
    }
    let mut acc: BTreeMap<(Purchase, String, String), Acc> = BTreeMap::new();
    // Instances owned commitments cover for the whole horizon are not bought again;
    // one that ends within it leaves its instances to buy (the plan prices the months
    // after it at the planned commitment).
    let mut covered: BTreeMap<(Purchase, String, String, Option<String>), Decimal> =
        BTreeMap::new();
    for e in plan.owned.iter().flat_map(|o| &o.entries) {
        if e.months_covered < plan.horizon_months {
            continue;
        }
        for c in &e.covers {
            *covered
                .entry((
                    c.purchase,
                    c.region.clone(),
                    c.instance_type.clone(),
                    c.zone.clone(),
                ))
                .or_default() += c.instances;
        }
    }
    for (svc, sp) in &plan.services {
        for l in &sp.instances {
            let Some(term) = term_months(l.purchase) else {
                continue;
            };
            // Whole instances only: a partly covered one is still bought.
            let key = (
                l.purchase,
                l.region.clone(),
                l.instance_type.clone(),
                l.zone.clone(),
            );
            let owned = covered.get_mut(&key).map_or(0, |c| {
                let n = c.floor().min(Decimal::from(l.count));
                *c -= n;
                n.to_u32().unwrap_or(0)
            });
            let count = l.count - owned.min(l.count);
            if count == 0 {
                continue;
            }
            let a = acc
                .entry((l.purchase, l.region.clone(), l.instance_type.clone()))
                .or_default();
            a.count += count;
            if let Some(z) = &l.zone {
                *a.zones.entry(z.clone()).or_default() += count;
            }
            a.services.insert(svc.clone());
            a.hourly +=
                l.usd_per_hour / amortisation(plan.horizon_months, term) * Decimal::from(count);
        }
    }
    let owned = plan
        .owned
        .iter()
        .flat_map(|o| &o.entries)
        .map(|e| OwnedListed {
            entry: e.entry,
            kind: e.kind.word().into(),
            status: e.status().into(),
            instance_type: e.instance_type.clone(),
            family: e.family.clone(),
            region: e.region.clone(),
            zone: e.zone.clone(),
            term_months: e.term_months,
            ends: e.ends.clone(),
            unit: e.unit.clone(),
            owned: e.owned,
            used: e.used,
            idle: e.idle,
            services: e.covers.iter().map(|c| c.service.clone()).collect(),
            monthly_usd: e.monthly_usd,
        })
        .collect();
    let hours = Decimal::from(HOURS_PER_MONTH);
    let mut buy = Vec::new();
    let mut totals = Totals::default();
    let mut sp_hourly: BTreeMap<Purchase, Decimal> = BTreeMap::new();
    for ((p, region, t), a) in acc {
        let term = term_months(p).unwrap_or(12);
        let monthly = (a.hourly * hours).round_dp(2);
        let term_usd = monthly * Decimal::from(term);
        totals.monthly_usd += monthly;
        totals.term_usd += term_usd;
        if kind(p) == "compute-savings-plan" {
            *sp_hourly.entry(p).or_default() += a.hourly;
        }
        buy.push(Commitment {
            kind: kind(p).into(),
            purchase: p.word().into(),
            term_months: term,
            payment_option: PAYMENT_OPTION.into(),
            region,
            zones: a.zones,
            instance_type: t,
            count: a.count,
            services: a.services,
            usd_per_hour_each: (a.hourly / Decimal::from(a.count.max(1))).round_dp(6),
            monthly_usd: monthly,
            upfront_usd: Decimal::ZERO,
            term_usd,
        });
    }
    Purchases {
        format_version: FORMAT_VERSION,
        generated_by: "faultline".into(),
        plan: plan.id.clone(),
        system: plan.system.clone(),
        catalog: plan.catalog.clone(),
        horizon_months: plan.horizon_months,
        payment_option: PAYMENT_OPTION.into(),
        buy,
        savings_plan_commitments: sp_hourly
            .into_iter()
            .map(|(p, h)| HourlyCommitment {
                purchase: p.word().into(),
                term_months: term_months(p).unwrap_or(12),
                usd_per_hour: h.round_dp(4),
            })
            .collect(),
        totals,
        owned,
    }
}

pub fn json(p: &Purchases) -> String {
    // Field order is the struct's; maps are BTreeMaps: the bytes are stable.
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}

pub fn markdown(p: &Purchases) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "<!-- Generated by Faultline from plan {}. Do not edit by hand. -->\n\n# Commitments to buy for `{}`\n\n",
        p.plan, p.system
    ));
    if p.buy.is_empty() {
        o.push_str("The plan uses no Reserved Instances or Savings Plans: every instance is on-demand or spot.\n");
        owned_markdown(&mut o, p);
        return o;
    }
    o.push_str(&format!(
        "Plan `{}` is priced with these commitments ({}). They are billing, not resources: Terraform cannot buy them, so buy them in the AWS console or API before or right after applying. Until they are bought, the same instances are billed on-demand. Prices assume the **{}** payment option, which the catalog's discounts are for; **Standard Reserved Instances** with **regional scope** (size-flexible within the family, Linux/UNIX, default tenancy) or, equivalently, EC2 Instance Savings Plans for the family and region.\n\n",
        p.plan,
        p.catalog,
        p.payment_option
    ));
    o.push_str("| purchase | region | instance type | count | zones the plan places them in | services | $/hour each | $/month | upfront | over the term |\n");
    o.push_str("|---|---|---|---:|---|---|---:|---:|---:|---:|\n");
    for c in &p.buy {
        let zones = if c.zones.is_empty() {
            "any".to_string()
        } else {
            c.zones
                .iter()
                .map(|(z, n)| format!("{z} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        o.push_str(&format!(
            "| {} ({}, {} months) | {} | {} | {} | {} | {} | ${} | ${} | ${} | ${} |\n",
            c.purchase,
            c.kind.replace('-', " "),
            c.term_months,
            c.region,
            c.instance_type,
            c.count,
            zones,
            c.services.iter().cloned().collect::<Vec<_>>().join(", "),
            c.usd_per_hour_each,
            money(c.monthly_usd),
            money(c.upfront_usd),
            money(c.term_usd)
        ));
    }
    o.push_str(&format!(
        "\n**Total:** ${}/month, ${} up front, ${} over the terms.\n",
        money(p.totals.monthly_usd),
        money(p.totals.upfront_usd),
        money(p.totals.term_usd)
    ));
    if !p.savings_plan_commitments.is_empty() {
        o.push_str("\nCompute Savings Plans are bought as an hourly commitment:\n\n");
        for c in &p.savings_plan_commitments {
            o.push_str(&format!(
                "- {} ({} months): commit ${}/hour\n",
                c.purchase, c.term_months, c.usd_per_hour
            ));
        }
    }
    if p.horizon_months > 0 && p.buy.iter().any(|c| c.term_months > p.horizon_months) {
        o.push_str(&format!(
            "\nThe plan's horizon is {} months; a longer term is paid in full, and the plan spreads its cost over the horizon.\n",
            p.horizon_months
        ));
    }
    owned_markdown(&mut o, p);
    o
}

/// The commitments already owned, used and idle: nothing to buy.
fn owned_markdown(o: &mut String, p: &Purchases) {
    if p.owned.is_empty() {
        return;
    }
    o.push_str("\n## Already owned\n\nReservations and Savings Plans the topology says are already bought (`[[purchase.owned]]`). Nothing to buy: the list above leaves out the instances they cover for the whole horizon. An idle one is capacity the plan does not use.\n\n");
    o.push_str("| # | status | commitment | covers | term | ends | owned | used | idle | services | pays $/month |\n");
    o.push_str("|---:|---|---|---|---:|---|---:|---:|---:|---|---:|\n");
    for e in &p.owned {
        let (what, place, unit) = owned_words(
            e.instance_type.as_deref(),
            e.family.as_deref(),
            e.zone.as_deref(),
            e.region.as_deref(),
            &e.unit,
        );
        o.push_str(&format!(
            "| {} | **{}** | {} | {what} in {place} | {} months | {} | {} {unit} | {} | {} | {} | ${} |\n",
            e.entry,
            e.status,
            e.kind.replace('-', " "),
            e.term_months,
            e.ends.as_deref().unwrap_or("after the horizon"),
            e.owned,
            e.used,
            e.idle,
            if e.services.is_empty() {
                "-".to_string()
            } else {
                e.services.iter().cloned().collect::<Vec<_>>().join(", ")
            },
            money(e.monthly_usd)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amortisation_matches_the_cost_model() {
        assert_eq!(amortisation(12, 12), Decimal::ONE);
        assert_eq!(amortisation(12, 36), Decimal::from(3));
        assert_eq!(amortisation(36, 36), Decimal::ONE);
        assert_eq!(amortisation(18, 12), Decimal::from(24) / Decimal::from(18));
    }
}
