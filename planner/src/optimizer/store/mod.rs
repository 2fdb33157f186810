//! Replicated stores and quorums: a design (quorum or primary with asynchronous
//! replicas) per allowed consistency, its placement by exact enumeration for each DR
//! pattern, the standby or backup copy, and the cheaper design when `auto` leaves the
//! choice to the plan.

pub mod placement;

use std::collections::BTreeMap;
use std::time::Duration;

use faultline_models::cost::{
    self, local_recovery, region_recovery, usd, Pricing, Tier, PILOT_LIGHT_CPU_SHARE,
};
use faultline_models::deployment::{DrPattern, Role};
use faultline_models::diag::Code;
use faultline_models::duration;
use faultline_models::plan::{
    Binding, Constraint, DrOption, InstanceLine, Layer, SolveInfo, SolveStatus, TransferLine,
};
use faultline_models::topology::{Consistency, Disruption, Service, Store};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::candidates::{self, Cand};
use super::context::Ctx;
use super::dr::{self, Candidate, DrChoice};
use super::explain::{ms, Conflict};
use super::spec::Spec;
pub use placement::{
    best_latency, commit_latency, member_monthly, Enumerator, Goal, OwnedMember, Placement,
    RttMatrix, Rules, StoreRegion,
};

type StorePlanned = (Consistency, Tier, Candidate, Vec<DrOption>, Vec<Binding>);

/// A store design: quorum or not, its tier, the chosen DR candidate and what else.
type Design = (bool, Tier, Candidate, Vec<DrOption>, Vec<Binding>);

pub(crate) fn plan_store(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    st: &Store,
    spec: &Spec,
) -> Result<StorePlanned, Vec<Conflict>> {
    let designs: Vec<bool> = match svc.consistency {
        Consistency::Strong => vec![true],
        Consistency::Eventual => vec![false],
        Consistency::Auto if spec.strong => vec![true],
        Consistency::Auto => vec![true, false],
    };
    let mut done: Vec<Design> = Vec::new();
    let mut conflicts = Vec::new();
    for quorum in designs {
        match store_design(ctx, name, svc, st, spec, quorum) {
            Ok(d) => done.push(d),
            Err(mut c) => conflicts.append(&mut c),
        }
    }
    let auto = svc.consistency == Consistency::Auto;
    let mut best: Option<Design> = None;
    let mut other: Option<(bool, Decimal)> = None;
    for d in done {
        match &best {
            Some(b) if d.2.new_spend() >= b.2.new_spend() => other = Some((d.0, d.2.monthly)),
            _ => {
                if let Some(b) = &best {
                    other = Some((b.0, b.2.monthly));
                }
                best = Some(d);
            }
        }
    }
    let Some((quorum, tier, chosen, opts, mut binding)) = best else {
        return Err(conflicts);
    };
    if auto {
        let word = |q: bool| {
            if q {
                "strong (quorum)"
            } else {
                "eventual (async replicas)"
            }
        };
        let detail = match other {
            _ if spec.strong => format!(
                "chose {}: the asynchronous design left a target missed (see the availability binding)",
                word(quorum)
            ),
            Some((q, cost)) => format!(
                "chose {} at {}/month over {} at {}/month",
                word(quorum),
                usd(chosen.monthly),
                word(q),
                usd(cost)
            ),
            None => format!(
                "chose {}: {}",
                word(quorum),
                conflicts
                    .iter()
                    .map(|c| c.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        binding.push(Binding {
            constraint: Constraint::Consistency,
            detail,
        });
    }
    let consistency = if quorum {
        Consistency::Strong
    } else {
        Consistency::Eventual
    };
    Ok((consistency, tier, chosen, opts, binding))
}

fn design_word(quorum: bool) -> &'static str {
    if quorum {
        "a quorum"
    } else {
        "asynchronous replication"
    }
}

fn store_design(
    ctx: &Ctx<'_>,
    name: &str,
    svc: &Service,
    st: &Store,
    spec: &Spec,
    quorum: bool,
) -> Result<Design, Vec<Conflict>> {
    let t = ctx.topology;
    let lag = st.replication_lag.unwrap_or(Duration::from_secs(1));
    let tier = if quorum {
        Tier::Quorum { standby_lag: lag }
    } else {
        Tier::Async {
            replication_lag: lag,
            failover: st.failover.unwrap_or(Duration::from_secs(60)),
        }
    };
    let n = st.replicas;
    let mut conflicts = Vec::new();
    let local = local_recovery(tier);
    for d in [Disruption::Instance, Disruption::Zone] {
        for (word, target, got, what) in [
            (
                "rto",
                spec.rto.get(&d),
                local.rto,
                if quorum {
                    "leader election"
                } else {
                    "failover"
                },
            ),
            (
                "rpo",
                spec.rpo.get(&d),
                local.rpo,
                if quorum {
                    "quorum commit"
                } else {
                    "replication lag"
                },
            ),
        ] {
            if let Some(target) = target.filter(|t| got > **t) {
                let key = if word == "rto" {
                    if quorum {
                        "slo"
                    } else {
                        "failover"
                    }
                } else if quorum {
                    "slo"
                } else {
                    "replication_lag"
                };
                conflicts.push(
                    Conflict::new(
                        name,
                        format!(
                            "{} gives {word}.{d} = {} ({what}), above the target {}",
                            design_word(quorum),
                            duration::format(got),
                            duration::format(*target)
                        ),
                    )
                    .code(Code::RecoveryUnreachable)
                    .key(format!("services.{name}.slo.{word}"))
                    .key(format!("services.{name}.{key}")),
                );
            }
        }
    }
    if n < 2
        && (spec.survive.contains(&Disruption::Zone)
            || spec.rto.contains_key(&Disruption::Instance))
    {
        conflicts.push(
            Conflict::new(
                name,
                "a single replica cannot survive losing its instance or zone",
            )
            .code(Code::NoPlan)
            .key(format!("services.{name}.replicas")),
        );
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let allowed = spec.regions(t, name);
    let resident = spec.resident(t, name);
    let mut regions = Vec::new();
    let mut priced_by = Vec::new();
    let policy = t.purchase_for(name);
    for r in &allowed {
        let usable = t.zones.get(*r).cloned().unwrap_or_default();
        let priced = candidates::priced(svc, &ctx.pricing, r, &usable, &policy);
        let member = candidates::member(
            &priced,
            st.replica_vcpu,
            st.replica_memory_gib,
            st.replicas as usize,
        );
        let monthly = member
            .as_ref()
            .map(placement::member_monthly)
            .unwrap_or_default();
        // Members go only to zones that offer the member's type.
        let zones = member.as_ref().map_or(usable, |m| m.zones.clone());
        let owned = owned_member(ctx, name, r, &priced, st, &zones, monthly);
        regions.push(StoreRegion {
            region: r.to_string(),
            zones,
            member,
            member_monthly: monthly,
            owned,
        });
        priced_by.push(priced);
    }
    if regions.iter().all(|r| r.member.is_none()) {
        let largest = priced_by
            .iter()
            .flat_map(|p| candidates::largest(p))
            .max_by(|a, b| {
                a.memory_gib
                    .total_cmp(&b.memory_gib)
                    .then(a.vcpus.total_cmp(&b.vcpus))
            });
        let msg = match largest {
            Some(l) => format!(
                "a replica needs {} vCPU and {} GiB, but the largest allowed type, {}, has {} vCPU and {} GiB",
                st.replica_vcpu, st.replica_memory_gib, l.name, l.vcpus, l.memory_gib
            ),
            None => format!("no allowed instance type has a price in {}", allowed.join(", ")),
        };
        return Err(vec![Conflict::new(name, msg)
            .code(Code::NoCapacity)
            .key(format!("services.{name}.replica_memory_gib"))
            .key(format!("services.{name}.families"))]);
    }
    let rtt = RttMatrix::of(&ctx.pricing, &regions);
    let budget_ms = if quorum {
        st.commit_latency_budget.map(|d| d.as_secs_f64() * 1000.0)
    } else {
        None
    };
    let rules = |survive_region: bool| Rules {
        n,
        quorum,
        budget_ms,
        survive_zone: spec.survive.contains(&Disruption::Zone),
        survive_region,
        write_gb_per_day: st.write_gb_per_day,
        distinct_zones: st.anti_affinity,
        // Only active-active spreads the serving members over regions; the other
        // patterns keep them in one and add a standby or backup elsewhere.
        one_region: !survive_region,
    };
    let order = dr::patterns(spec);
    let mut costs = BTreeMap::new();
    let mut notes = BTreeMap::new();
    let mut cands = Vec::new();
    let mut base: Option<Option<Placement>> = None;
    let mut errors: Vec<Conflict> = Vec::new();
    for p in &order {
        if let Err(why) = dr::meets(region_recovery(*p, tier), spec) {
            notes.insert(*p, why);
            continue;
        }
        let region_rules = rules(*p == DrPattern::ActiveActive);
        let enumerate = |rules: &Rules, goal: Goal| {
            Enumerator {
                pricing: &ctx.pricing,
                regions: &regions,
                rules,
                rtt: &rtt,
                goal,
            }
            .run()
        };
        let placement = if *p == DrPattern::ActiveActive {
            enumerate(&region_rules, Goal::Cost).best
        } else {
            if base.is_none() {
                base = Some(enumerate(&region_rules, Goal::Cost).best);
            }
            base.clone().flatten()
        };
        let Some(placement) = placement else {
            let c = placement_conflict(
                name,
                st,
                &regions,
                &region_rules,
                &|r, g| enumerate(r, g),
                quorum,
            );
            notes.insert(*p, c.message.clone());
            errors.push(c);
            continue;
        };
        let (lines, mut transfer) = placement_lines(&ctx.pricing, &regions, &placement, quorum, st);
        let mut lines = lines;
        let leader = &regions[placement.leader];
        let mut binding = placement_binding(&regions, &placement, &region_rules, st);
        match p {
            DrPattern::WarmStandby | DrPattern::PilotLight => {
                let mut best: Option<(Decimal, InstanceLine, TransferLine)> = None;
                for (q, reg) in regions.iter().enumerate() {
                    if q == placement.leader {
                        continue;
                    }
                    let member = if *p == DrPattern::WarmStandby {
                        reg.member.clone()
                    } else {
                        candidates::member(
                            &priced_by[q],
                            st.replica_vcpu * PILOT_LIGHT_CPU_SHARE,
                            st.replica_memory_gib,
                            1,
                        )
                    };
                    let Some(m) = member else { continue };
                    let Some(per_gb) = ctx
                        .pricing
                        .inter_region_usd_per_gb(&leader.region, &reg.region)
                    else {
                        continue;
                    };
                    let line = InstanceLine {
                        region: reg.region.clone(),
                        zone: m.zones.first().cloned(),
                        instance_type: m.name.clone(),
                        count: 1,
                        purchase: m.always_on,
                        role: Role::Standby,
                        layer: Layer::Standby,
                        running_fraction: Decimal::ONE,
                        usd_per_hour: m.always_on_hourly,
                        monthly_usd: placement::member_monthly(&m),
                    };
                    let tl = transfer_line(
                        &ctx.pricing,
                        st,
                        "standby replication",
                        &leader.region,
                        leader.zones.first(),
                        &reg.region,
                        line.zone.as_ref(),
                        1,
                        per_gb,
                    );
                    let total = line.monthly_usd + tl.monthly_usd;
                    if best.as_ref().is_none_or(|(b, ..)| total < *b) {
                        best = Some((total, line, tl));
                    }
                }
                let Some((_, line, tl)) = best else {
                    notes.insert(
                        *p,
                        "needs a second allowed region for the standby replica".into(),
                    );
                    continue;
                };
                binding.push(Binding {
                    constraint: Constraint::Dr,
                    detail: format!(
                        "{p}: standby replica {} in {}",
                        line.instance_type, line.region
                    ),
                });
                lines.push(line);
                transfer.push(tl);
            }
            DrPattern::BackupRestore => {
                let best = regions
                    .iter()
                    .enumerate()
                    .filter(|(q, _)| *q != placement.leader)
                    .filter_map(|(_, r)| {
                        ctx.pricing
                            .inter_region_usd_per_gb(&leader.region, &r.region)
                            .map(|price| (price, r.region.clone()))
                    })
                    .min();
                let Some((per_gb, to)) = best else {
                    notes.insert(*p, "needs a second allowed region for the backups".into());
                    continue;
                };
                transfer.push(transfer_line(
                    &ctx.pricing,
                    st,
                    "daily backup copy",
                    &leader.region,
                    None,
                    &to,
                    None,
                    1,
                    per_gb,
                ));
            }
            _ => {}
        }
        let monthly = lines.iter().map(|l| l.monthly_usd).sum::<Decimal>()
            + transfer.iter().map(|t| t.monthly_usd).sum::<Decimal>();
        let paid: Decimal = placement
            .counts()
            .iter()
            .zip(&regions)
            .map(|(c, r)| r.paid(*c))
            .sum();
        let objective = placement::to_f64(monthly - paid);
        costs.insert(*p, monthly);
        cands.push(Candidate {
            pattern: *p,
            monthly,
            paid,
            lines,
            transfer,
            binding: std::mem::take(&mut binding),
            solve: SolveInfo {
                backend: "enumeration".into(),
                status: SolveStatus::Optimal,
                objective,
                best_bound: objective,
                gap: 0.0,
                seconds: 0.0,
                milps: 0,
                variables: n,
                constraints: 0,
            },
        });
    }
    let dr = DrChoice {
        order: &order,
        costs: &costs,
        notes: &notes,
        residency: (resident.len() < t.regions.len()).then_some(resident.as_slice()),
    };
    let what = if quorum { "quorum" } else { "store" };
    let (chosen, report, binding) = dr.conclude(name, spec, cands, errors, tier, what)?;
    Ok((quorum, tier, chosen, report, binding))
}

#[allow(clippy::too_many_arguments)]
fn transfer_line(
    pricing: &Pricing<'_>,
    st: &Store,
    what: &str,
    from_region: &str,
    from_zone: Option<&String>,
    to_region: &str,
    to_zone: Option<&String>,
    copies: u32,
    per_gb: Decimal,
) -> TransferLine {
    let gb = cost::decimal(st.write_gb_per_day) * cost::days_per_month() * Decimal::from(copies);
    let from = from_zone.map_or(from_region, String::as_str);
    let to = to_zone.map_or(to_region, String::as_str);
    TransferLine {
        what: format!(
            "{what} {from} → {to}{}",
            if copies > 1 {
                format!(" (× {copies})")
            } else {
                String::new()
            }
        ),
        from_region: from_region.to_string(),
        to_region: to_region.to_string(),
        gb_per_month: gb.round_dp(2),
        usd_per_gb: per_gb,
        monthly_usd: pricing
            .transfer_monthly(st.write_gb_per_day, per_gb * Decimal::from(copies))
            .round_dp(6),
    }
}

fn placement_lines(
    pricing: &Pricing<'_>,
    regions: &[StoreRegion],
    p: &Placement,
    quorum: bool,
    st: &Store,
) -> (Vec<InstanceLine>, Vec<TransferLine>) {
    let mut lines = Vec::new();
    let mut transfer = Vec::new();
    let leader = &regions[p.leader];
    let leader_zone = leader.zones.get(p.leader_zone);
    for (r, zones) in p.spread.iter().enumerate() {
        let reg = &regions[r];
        let Some(m) = reg.member_for(zones.iter().sum()) else {
            continue;
        };
        for (z, &count) in zones.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let zone = reg.zones.get(z).cloned();
            let line = |count: u32, role: Role| InstanceLine {
                region: reg.region.clone(),
                zone: zone.clone(),
                instance_type: m.name.clone(),
                count,
                purchase: m.always_on,
                role,
                layer: Layer::Base,
                running_fraction: Decimal::ONE,
                usd_per_hour: m.always_on_hourly,
                monthly_usd: placement::member_monthly(m) * Decimal::from(count),
            };
            let is_leader_zone = r == p.leader && z == p.leader_zone;
            if quorum {
                lines.push(line(count, Role::Active));
            } else if is_leader_zone {
                lines.push(line(1, Role::Primary));
                if count > 1 {
                    lines.push(line(count - 1, Role::Replica));
                }
            } else {
                lines.push(line(count, Role::Replica));
            }
            let followers = if is_leader_zone { count - 1 } else { count };
            if followers == 0 {
                continue;
            }
            let per_gb = if is_leader_zone {
                Decimal::ZERO
            } else if r == p.leader {
                pricing.inter_az_usd_per_gb()
            } else {
                pricing
                    .inter_region_usd_per_gb(&leader.region, &reg.region)
                    .unwrap_or_default()
            };
            if per_gb > Decimal::ZERO {
                transfer.push(transfer_line(
                    pricing,
                    st,
                    "replication",
                    &leader.region,
                    leader_zone,
                    &reg.region,
                    zone.as_ref(),
                    followers,
                    per_gb,
                ));
            }
        }
    }
    (lines, transfer)
}

fn placement_binding(
    regions: &[StoreRegion],
    p: &Placement,
    rules: &Rules,
    st: &Store,
) -> Vec<Binding> {
    let mut out = Vec::new();
    for (reg, c) in regions.iter().zip(p.counts()) {
        if let Some((o, n)) = reg.owned_for(c) {
            out.push(Binding {
                constraint: Constraint::Owned,
                detail: format!(
                    "#{} covers {n} of {c} members in {} on {}, priced at what it leaves to pay",
                    o.entry, reg.region, o.cand.name
                ),
            });
        }
    }
    let remain = rules.must_remain();
    out.push(Binding {
        constraint: Constraint::AntiAffinity,
        detail: if rules.distinct_zones && rules.survive_region {
            format!(
                "members in distinct zones and at most {} of {} in one region (anti_affinity = \"zone\")",
                (rules.majority() - 1).min(rules.n - remain),
                rules.n
            )
        } else if rules.distinct_zones {
            format!("{} members in distinct zones (anti_affinity = \"zone\")", rules.n)
        } else {
            "members may share a zone (anti_affinity = \"none\")".to_string()
        },
    });
    let what = if rules.quorum {
        format!("a majority of {remain}")
    } else {
        format!("{remain} member(s) to promote")
    };
    if rules.survive_zone {
        out.push(Binding {
            constraint: if rules.quorum {
                Constraint::QuorumMajority
            } else {
                Constraint::ZoneLoss
            },
            detail: format!(
                "at most {} of {} members per zone so a zone loss leaves {what}",
                rules.n - remain,
                rules.n
            ),
        });
    }
    if rules.survive_region {
        out.push(Binding {
            constraint: if rules.quorum {
                Constraint::QuorumMajority
            } else {
                Constraint::RegionLoss
            },
            detail: format!(
                "at most {} of {} members per region so a region loss leaves {what}",
                rules.n - remain,
                rules.n
            ),
        });
    }
    if let (Some(b), Some(worst)) = (st.commit_latency_budget, p.worst_commit_ms) {
        let counts: Vec<String> = p
            .counts()
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(r, c)| format!("{c} × {}", regions[r].region))
            .collect();
        out.push(Binding {
            constraint: Constraint::CommitLatency,
            detail: format!(
                "{} worst commit latency (normal {}) within the {} budget, placed {}",
                ms(worst),
                ms(p.commit_ms.unwrap_or(worst)),
                ms(b.as_secs_f64() * 1000.0),
                counts.join(" + ")
            ),
        });
    }
    out
}

type EnumerateFn<'a> = dyn Fn(&Rules, Goal) -> placement::Enumerated + 'a;

fn placement_conflict(
    name: &str,
    st: &Store,
    regions: &[StoreRegion],
    rules: &Rules,
    enumerate: &EnumerateFn<'_>,
    quorum: bool,
) -> Conflict {
    let n = rules.n;
    let what = match (rules.survive_zone, rules.survive_region) {
        (_, true) => "survive a region loss",
        (true, false) => "survive a zone loss",
        _ => "be placed",
    };
    if quorum && rules.budget_ms.is_some() {
        let loose = enumerate(rules, Goal::Latency);
        if let Some(best) = loose.best {
            let need = best.worst_commit_ms.unwrap_or(f64::INFINITY);
            let counts: Vec<String> = best
                .counts()
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(r, c)| format!("{c} × {}", regions[r].region))
                .collect();
            let budget = st
                .commit_latency_budget
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0);
            let mut c = Conflict::new(
                name,
                format!(
                    "{n} replicas within a {} commit budget cannot {what}: the lowest-latency quorum that can ({}) needs {}",
                    ms(budget),
                    counts.join(" + "),
                    ms(need)
                ),
            ).code(Code::QuorumImpossible)
            .key(format!("services.{name}.commit_latency_budget"))
            .help(format!(
                "raise commit_latency_budget to at least {}, or drop `{}` from slo.survive",
                ms(need.ceil()),
                if rules.survive_region { "region" } else { "zone" }
            ));
            c.keys.push(format!("services.{name}.slo.survive"));
            return c;
        }
    }
    // Not a latency problem: count the zones and regions the loss rules need.
    let remain = rules.must_remain();
    let mut zone_cap = if rules.survive_zone { n - remain } else { n };
    let mut region_cap = n - remain;
    let mut because = format!("so a loss leaves {remain}");
    if rules.distinct_zones {
        zone_cap = zone_cap.min(1);
        region_cap = region_cap.min(rules.majority() - 1);
        because = format!("{because}, and anti_affinity = \"zone\"");
    }
    let usable: Vec<&StoreRegion> = regions.iter().filter(|r| r.member.is_some()).collect();
    let why = if rules.survive_region {
        let need = if region_cap == 0 {
            u32::MAX
        } else {
            n.div_ceil(region_cap)
        };
        format!(
            "with at most {region_cap} of {n} members per region ({because}), they need {} regions; the service may use {} ({})",
            if need == u32::MAX { "infinitely many".to_string() } else { need.to_string() },
            usable.len(),
            usable.iter().map(|r| r.region.as_str()).collect::<Vec<_>>().join(", ")
        )
    } else {
        let zones: usize = usable.iter().map(|r| r.zones.len()).max().unwrap_or(0);
        let need = if zone_cap == 0 {
            u32::MAX
        } else {
            n.div_ceil(zone_cap)
        };
        format!(
            "with at most {zone_cap} of {n} members per zone ({because}), they need {} zones in one region; the most any allowed region offers is {zones}",
            if need == u32::MAX { "infinitely many".to_string() } else { need.to_string() },
        )
    };
    if rules.distinct_zones {
        return Conflict::new(name, format!("{n} replicas cannot {what}: {why}"))
            .code(Code::QuorumImpossible)
            .key(format!("services.{name}.replicas"))
            .key(format!("services.{name}.slo.survive"))
            .key(format!("services.{name}.anti_affinity"))
            .key(format!("constraints.allowed_regions.{name}"))
            .help("allow more zones or regions, lower replicas, or set anti_affinity = \"none\" to let members share a zone");
    }
    Conflict::new(name, format!("{n} replicas cannot {what}: {why}"))
        .code(Code::QuorumImpossible)
        .key(format!("services.{name}.replicas"))
        .key(format!("services.{name}.slo.survive"))
        .key(format!("constraints.allowed_regions.{name}"))
}

/// The members an owned reservation offered to `name` covers in `region`: of the
/// allowed types it matches that hold a replica and are offered in every zone members
/// may use, the one that saves most against `plain` (the region's member at its
/// monthly price) over the members it covers; on a tie the first by name.
fn owned_member(
    ctx: &Ctx<'_>,
    name: &str,
    region: &str,
    priced: &[Cand],
    st: &Store,
    zones: &[String],
    plain: Decimal,
) -> Option<OwnedMember> {
    let offers = ctx.owned.get(name)?;
    let mut best: Option<(Decimal, OwnedMember)> = None;
    // A zonal reservation is left to billing: a store's members are spread over zones
    // after the regions are chosen.
    for o in offers
        .iter()
        .filter(|o| o.region == region && o.zone.is_none())
    {
        for c in priced {
            if !c.holds(st.replica_vcpu, st.replica_memory_gib)
                || !zones.iter().all(|z| c.zones.contains(z))
            {
                continue;
            }
            let Some(measure) = o.scope.measure(&c.name).filter(|m| *m > Decimal::ZERO) else {
                continue;
            };
            let covered = (o.units / measure)
                .floor()
                .to_u32()
                .unwrap_or(0)
                .min(st.replicas);
            if covered == 0 {
                continue;
            }
            let monthly = placement::member_monthly(c);
            let m = OwnedMember {
                entry: o.entry + 1,
                cand: c.clone(),
                covered,
                monthly,
                paid: monthly * o.paid,
            };
            let saves = plain * Decimal::from(covered) - m.cost(covered);
            if best.as_ref().is_none_or(|(b, _)| saves > *b) {
                best = Some((saves, m));
            }
        }
    }
    best.map(|(_, m)| m)
        .filter(|m| m.cost(m.covered) < plain * Decimal::from(m.covered))
}
