//! An independent check of a plan against the topology, the catalog and what the plan
//! claims. It imports nothing from the optimizer: it derives each service's
//! requirements from the topology itself (its SLO, the journeys it serves, the zone
//! survival its recovery targets imply, or a frontier level) and adds what the plan
//! says it survives, then recomputes demand, the profile's base and running share,
//! every failure scenario, spot share, quorum and latency rules, residency, recovery
//! targets and every price, and reports each violation in words.
//!
//! What it shares with the formulations is the documented model in
//! `faultline_models`: the catalog and [`Pricing`], the recovery figures of
//! `cost::local_recovery`/`cost::region_recovery` and the constants beside them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use faultline_models::cost::{self, Pricing, Tier, HOURS_PER_MONTH, WARM_STANDBY_SHARE};
use faultline_models::deployment::{DrPattern, Purchase, Role};
use faultline_models::plan::{InstanceLine, Layer, Plan, ServicePlan};
use faultline_models::topology::{
    Consistency, Demand, Disruption, Fleet, Service, Store, Strength, Topology,
};
use rust_decimal::Decimal;

/// Requirements the caller chose rather than the topology: a frontier level replaces
/// the service's own, and pricing what a requirement adds solves without it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Basis {
    pub level: Option<BTreeSet<Disruption>>,
    pub waived_survive: BTreeSet<Disruption>,
    /// `rto.region` and `rpo.region` are waived.
    pub waived_region_targets: bool,
}

/// What a service must meet, derived here from the topology and the plan's claims.
#[derive(Debug, Clone, Default)]
struct Required {
    survive: BTreeSet<Disruption>,
    rto: BTreeMap<Disruption, Duration>,
    rpo: BTreeMap<Disruption, Duration>,
}

fn required(
    t: &Topology,
    name: &str,
    svc: &Service,
    basis: &Basis,
    sp: &ServicePlan,
) -> (Required, Vec<String>) {
    let mut req = Required {
        survive: sp.survive.clone(),
        ..Required::default()
    };
    let mut v = Vec::new();
    if let Some(level) = &basis.level {
        // A level asks for every disruption the service can be made to survive.
        let replicas = svc.store().map_or(u32::MAX, |s| s.replicas);
        for d in level {
            let possible = match d {
                Disruption::Instance => false,
                Disruption::Spot => svc.fleet().is_some_and(|f| f.max_spot_share > 0.0),
                Disruption::Region => t.regions_for(name).len() >= 2 && replicas >= 2,
                Disruption::Zone => replicas >= 2,
            };
            if possible && !sp.survive.contains(d) {
                v.push(format!(
                    "the level asks to survive a {d} loss; the plan does not claim to"
                ));
            }
        }
        return (req, v);
    }
    req.survive.extend(
        svc.slo
            .survive
            .iter()
            .filter(|d| **d != Disruption::Instance),
    );
    req.rto = svc.slo.rto.clone();
    req.rpo = svc.slo.rpo.clone();
    for j in t.journeys.values() {
        if !serves(t, &j.steps, name) {
            continue;
        }
        for (mine, theirs) in [(&mut req.rto, &j.slo.rto), (&mut req.rpo, &j.slo.rpo)] {
            for (d, limit) in theirs {
                let e = mine.entry(*d).or_insert(*limit);
                *e = (*e).min(*limit);
            }
        }
    }
    match &svc.demand {
        Demand::Stateless(_) => {
            if req
                .rto
                .get(&Disruption::Zone)
                .is_some_and(|r| *r < cost::RELAUNCH)
            {
                req.survive.insert(Disruption::Zone);
            }
        }
        Demand::Store(s) => {
            let zone_target =
                req.rto.contains_key(&Disruption::Zone) || req.rpo.contains_key(&Disruption::Zone);
            if zone_target && s.replicas >= 2 {
                req.survive.insert(Disruption::Zone);
            }
        }
    }
    for d in &basis.waived_survive {
        if !sp.survive.contains(d) {
            req.survive.remove(d);
        }
    }
    if basis.waived_region_targets {
        req.rto.remove(&Disruption::Region);
        req.rpo.remove(&Disruption::Region);
    }
    (req, v)
}

/// Whether a journey with these steps depends on `name`: it is a step, or a hard
/// dependency (transitively) of one.
fn serves(t: &Topology, steps: &[String], name: &str) -> bool {
    let mut stack: Vec<&str> = steps.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    while let Some(s) = stack.pop() {
        if s == name {
            return true;
        }
        if seen.insert(s) {
            if let Some(svc) = t.services.get(s) {
                stack.extend(
                    svc.depends_on
                        .iter()
                        .filter(|(_, k)| **k == Strength::Hard)
                        .map(|(d, _)| d.as_str()),
                );
            }
        }
    }
    false
}

const TOL: f64 = 1e-6;

/// Violations of the whole plan: every service, and the budget cap.
pub fn plan(
    t: &Topology,
    pricing: &Pricing<'_>,
    plan: &Plan,
    level: Option<&BTreeSet<Disruption>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, svc) in &t.services {
        let Some(sp) = plan.services.get(name) else {
            out.push(format!("`{name}` has no plan"));
            continue;
        };
        let basis = Basis {
            level: level.cloned(),
            ..Basis::default()
        };
        for v in service(t, pricing, name, svc, &basis, sp) {
            out.push(format!("`{name}`: {v}"));
        }
    }
    let total: Decimal = plan.services.values().map(|s| s.monthly_usd).sum();
    if total != plan.monthly_usd {
        out.push(format!(
            "total {} is not the sum of services {total}",
            plan.monthly_usd
        ));
    }
    if let Some(cap) = t.constraints.max_monthly_usd {
        if total > cap {
            out.push(format!("total {total} exceeds the cap {cap}"));
        }
    }
    out
}

/// Violations of one service's plan.
pub fn service(
    t: &Topology,
    pricing: &Pricing<'_>,
    name: &str,
    svc: &Service,
    basis: &Basis,
    sp: &ServicePlan,
) -> Vec<String> {
    let (spec, mut v) = required(t, name, svc, basis, sp);
    let spec = &spec;
    let allowed = t.regions_for(name);
    let catalog = pricing.catalog();
    let policy = t.purchase_for(name);
    for l in &sp.instances {
        if !policy.allows(l.purchase) {
            v.push(format!(
                "{} bought as {}, which the purchase policy does not allow",
                l.instance_type, l.purchase
            ));
        }
        if !allowed.contains(&l.region.as_str()) {
            v.push(format!("{} is outside the allowed regions", l.region));
        }
        if let Some(z) = &l.zone {
            if !t.zones.get(&l.region).is_some_and(|zs| zs.contains(z)) {
                v.push(format!("zone {z} is not a usable zone of {}", l.region));
            }
            if !catalog
                .offered_zones(&l.region, &l.instance_type)
                .contains(&z.as_str())
            {
                v.push(format!("zone {z} does not offer {}", l.instance_type));
            }
        }
        match catalog.instance_types.get(&l.instance_type) {
            None => v.push(format!("unknown type {}", l.instance_type)),
            Some(it) => {
                let fam_ok = svc.families.is_empty() || svc.families.contains(&it.family);
                let arch_ok = svc.arch.is_empty() || svc.arch.contains(&it.arch);
                if !fam_ok || !arch_ok || it.burstable {
                    v.push(format!(
                        "type {} is not allowed for the service",
                        l.instance_type
                    ));
                }
            }
        }
        // Price, recomputed.
        let fraction = if cost::term_months(l.purchase).is_some() {
            Decimal::ONE
        } else {
            l.running_fraction
        };
        match pricing.hourly(&l.region, &l.instance_type, l.purchase) {
            None => v.push(format!(
                "no {} price for {} in {}",
                l.purchase, l.instance_type, l.region
            )),
            Some(h) => {
                let want = h * Decimal::from(l.count) * Decimal::from(HOURS_PER_MONTH) * fraction;
                // Lines are rounded to the cent (so they add up to the total): each
                // may move by less than a cent from its exact price.
                if (want - l.monthly_usd).abs() >= Decimal::new(1, 2) {
                    v.push(format!(
                        "{} × {} costs {want}, the plan says {}",
                        l.count, l.instance_type, l.monthly_usd
                    ));
                }
            }
        }
        // Commitments are the cheapest always-on option only when they beat on-demand.
        if cost::term_months(l.purchase).is_some() && l.layer == Layer::Peak {
            v.push("a commitment in the scaled layer".into());
        }
    }
    for tl in &sp.transfer {
        let gb_day = match &svc.demand {
            Demand::Store(s) => s.write_gb_per_day,
            Demand::Stateless(_) => 0.0,
        };
        let want = pricing.transfer_monthly(gb_day, tl.usd_per_gb) * copies(&tl.what);
        if (want - tl.monthly_usd).abs() >= Decimal::new(1, 2) {
            v.push(format!(
                "transfer `{}` costs {want}, the plan says {}",
                tl.what, tl.monthly_usd
            ));
        }
        let per_gb = if tl.from_region == tl.to_region {
            Some(pricing.inter_az_usd_per_gb())
        } else {
            pricing.inter_region_usd_per_gb(&tl.from_region, &tl.to_region)
        };
        if per_gb != Some(tl.usd_per_gb) {
            v.push(format!(
                "transfer `{}` is priced {} per GB, the catalog says {per_gb:?}",
                tl.what, tl.usd_per_gb
            ));
        }
    }
    let total: Decimal = sp.instances.iter().map(|l| l.monthly_usd).sum::<Decimal>()
        + sp.transfer.iter().map(|t| t.monthly_usd).sum::<Decimal>();
    if total != sp.monthly_usd {
        v.push(format!(
            "lines add up to {total}, the plan says {}",
            sp.monthly_usd
        ));
    }
    // Recovery targets against the DR pattern.
    let tier = tier_of(svc, sp);
    let region_rec = cost::region_recovery(sp.deployment.dr, tier);
    for (word, targets) in [("rto", &spec.rto), ("rpo", &spec.rpo)] {
        if let Some(target) = targets.get(&Disruption::Region) {
            match region_rec {
                None => v.push(format!("{word}.region set but no DR pattern")),
                Some(r) => {
                    let got = if word == "rto" { r.rto } else { r.rpo };
                    if got > *target {
                        v.push(format!("{word}.region {got:?} > target {target:?}"));
                    }
                }
            }
        }
    }
    if spec.survive.contains(&Disruption::Region) && sp.deployment.dr != DrPattern::ActiveActive {
        v.push("must survive a region loss but is not active-active".into());
    }
    match &svc.demand {
        Demand::Stateless(f) => fleet(t, pricing, name, svc, f, spec, sp, &mut v),
        Demand::Store(s) => store(pricing, svc, s, spec, sp, &mut v),
    }
    v
}

fn copies(what: &str) -> Decimal {
    what.rsplit_once("(× ")
        .and_then(|(_, n)| n.trim_end_matches(')').parse::<u32>().ok())
        .map_or(Decimal::ONE, Decimal::from)
}

fn tier_of(svc: &Service, sp: &ServicePlan) -> Tier {
    match &svc.demand {
        Demand::Stateless(_) => Tier::Fleet,
        Demand::Store(s) => {
            let lag = s.replication_lag.unwrap_or(Duration::from_secs(1));
            if sp.consistency == Consistency::Strong {
                Tier::Quorum { standby_lag: lag }
            } else {
                Tier::Async {
                    replication_lag: lag,
                    failover: s.failover.unwrap_or(Duration::from_secs(60)),
                }
            }
        }
    }
}

/// Whether a failure takes an instance line down.
type Down = Box<dyn Fn(&InstanceLine) -> bool>;

struct Cap {
    vcpu: f64,
    mem: f64,
}

fn capacity(pricing: &Pricing<'_>, l: &InstanceLine, counted: bool) -> Cap {
    let c = pricing.catalog();
    let Some(it) = c.instance_types.get(&l.instance_type) else {
        return Cap {
            vcpu: 0.0,
            mem: 0.0,
        };
    };
    let mut share = 1.0;
    if counted && l.purchase == Purchase::Spot {
        let reclaimed = c
            .spot_pool(&l.region, &l.instance_type)
            .and_then(|p| c.failure.spot.interruption_per_month.get(&p.interruption))
            .copied()
            .unwrap_or(1.0);
        share = 1.0 - reclaimed;
    }
    let n = f64::from(l.count);
    Cap {
        vcpu: f64::from(it.vcpus) * n * share,
        mem: it.memory_gib * n * share,
    }
}

#[allow(clippy::too_many_arguments)]
fn fleet(
    t: &Topology,
    pricing: &Pricing<'_>,
    name: &str,
    svc: &Service,
    f: &Fleet,
    spec: &Required,
    sp: &ServicePlan,
    v: &mut Vec<String>,
) {
    let peak = f.profile.iter().copied().fold(0.0, f64::max);
    let base = if peak > 0.0 {
        f.profile.iter().map(|p| p / peak).fold(1.0, f64::min)
    } else {
        1.0
    };
    let avg = if peak > 0.0 {
        f.profile.iter().map(|p| p / peak).sum::<f64>() / 24.0
    } else {
        0.0
    };
    let running = if base < 1.0 {
        (avg - base) / (1.0 - base)
    } else {
        0.0
    };
    let dv = (f.peak_vcpu.max(
        f.peak_connections
            .map_or(0.0, |c| c / f.connections_per_vcpu),
    ) * peak)
        .max(cost::MIN_FLEET_DEMAND);
    let dm = (f.peak_memory_gib * peak).max(cost::MIN_FLEET_DEMAND);
    let serving: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer != Layer::Standby)
        .collect();
    for l in &serving {
        if l.layer == Layer::Peak
            && (cost::decimal(running) - l.running_fraction).abs() > Decimal::new(1, 5)
        {
            v.push(format!(
                "peak line runs {} of the time, the profile says {running:.6}",
                l.running_fraction
            ));
        }
        if l.layer == Layer::Base && l.running_fraction != Decimal::ONE {
            v.push("a base line does not run all the time".into());
        }
    }
    let sum = |keep: &dyn Fn(&InstanceLine) -> bool| {
        let mut c = Cap {
            vcpu: 0.0,
            mem: 0.0,
        };
        for l in serving.iter().filter(|l| keep(l)) {
            let x = capacity(pricing, l, true);
            c.vcpu += x.vcpu;
            c.mem += x.mem;
        }
        c
    };
    let need = |v: &mut Vec<String>, what: &str, c: Cap, factor: f64| {
        if c.vcpu + TOL < dv * factor - TOL * dv {
            v.push(format!("{what}: {:.3} vCPU < {:.3}", c.vcpu, dv * factor));
        }
        if c.mem + TOL < dm * factor - TOL * dm {
            v.push(format!("{what}: {:.3} GiB < {:.3}", c.mem, dm * factor));
        }
    };
    need(v, "peak under flash crowd", sum(&|_| true), f.flash_crowd);
    let layered = base < 1.0;
    if layered {
        need(
            v,
            "always-on base",
            sum(&|l| l.layer == Layer::Base),
            f.flash_crowd * base,
        );
    } else if serving.iter().any(|l| l.layer == Layer::Peak) {
        v.push("a flat profile with a scaled layer".into());
    }
    // The always-on base on spot only where the topology allows it.
    if !f.base_on_spot
        && serving
            .iter()
            .any(|l| l.layer == Layer::Base && l.purchase == Purchase::Spot)
    {
        v.push("a base-layer line on spot without base_on_spot".into());
    }
    let catalog = pricing.catalog();
    let (svc_families, svc_arch) = (&svc.families, &svc.arch);
    // Blast radius: no instance above max_instance_share of the peak capacity, in a
    // dimension where the fleet needs at least 1 / share of its smallest usable type.
    for l in &serving {
        let Some(it) = catalog.instance_types.get(&l.instance_type) else {
            continue;
        };
        let usable = catalog.instance_types.iter().filter(|(n, ty)| {
            !ty.burstable
                && (svc_families.is_empty() || svc_families.contains(&ty.family))
                && (svc_arch.is_empty() || svc_arch.contains(&ty.arch))
                && pricing.on_demand_hourly(&l.region, n).is_some()
                && t.zones.get(&l.region).is_some_and(|zs| {
                    let offered = catalog.offered_zones(&l.region, n);
                    zs.iter().any(|z| offered.contains(&z.as_str()))
                })
        });
        let (sv, sm) = usable.fold((f64::INFINITY, f64::INFINITY), |(a, b), (_, ty)| {
            (a.min(f64::from(ty.vcpus)), b.min(ty.memory_gib))
        });
        let share = f.max_instance_share;
        if share >= 1.0 {
            continue;
        }
        let (cv, cm) = (share * dv * f.flash_crowd, share * dm * f.flash_crowd);
        if sv <= cv + 1e-9 && f64::from(it.vcpus) > cv + 1e-9 {
            v.push(format!(
                "{} has {} vCPU, above {:.0}% of the fleet's {:.1}",
                l.instance_type,
                it.vcpus,
                share * 100.0,
                dv * f.flash_crowd
            ));
        }
        if sm <= cm + 1e-9 && it.memory_gib > cm + 1e-9 {
            v.push(format!(
                "{} has {} GiB, above {:.0}% of the fleet's {:.1}",
                l.instance_type,
                it.memory_gib,
                share * 100.0,
                dm * f.flash_crowd
            ));
        }
    }
    // Every failure the service must survive.
    let regions = t.regions_for(name);
    let mut losses: Vec<(String, Down)> = Vec::new();
    if spec.survive.contains(&Disruption::Zone) {
        for r in &regions {
            for z in t.zones.get(*r).into_iter().flatten() {
                let (r2, z2) = (r.to_string(), z.clone());
                losses.push((
                    format!("zone {z} lost"),
                    Box::new(move |l: &InstanceLine| {
                        l.region == r2 && l.zone.as_deref() == Some(z2.as_str())
                    }),
                ));
            }
        }
    }
    if sp.deployment.dr == DrPattern::ActiveActive {
        for r in &regions {
            let r2 = r.to_string();
            losses.push((
                format!("region {r} lost"),
                Box::new(move |l: &InstanceLine| l.region == r2),
            ));
        }
    }
    if spec.survive.contains(&Disruption::Spot) {
        let pools: BTreeSet<(String, Option<String>, String)> = serving
            .iter()
            .filter(|l| l.purchase == Purchase::Spot)
            .map(|l| (l.region.clone(), l.zone.clone(), l.instance_type.clone()))
            .collect();
        for (r, z, ty) in pools {
            losses.push((
                format!("spot pool {ty} in {z:?} lost"),
                Box::new(move |l: &InstanceLine| {
                    l.purchase == Purchase::Spot
                        && l.region == r
                        && l.zone == z
                        && l.instance_type == ty
                }),
            ));
        }
    }
    for (what, down) in &losses {
        need(v, what, sum(&|l| !down(l)), f.degraded_floor);
        if layered {
            need(
                v,
                &format!("{what}, base layer"),
                sum(&|l| !down(l) && l.layer == Layer::Base),
                f.degraded_floor * base,
            );
        }
    }
    // Where users are located, each serving region carries the share routed to it:
    // in normal operation, after a zone or spot-pool loss in it, and after the loss
    // of another region (active-active); its base layer too.
    if !f.users.is_empty() {
        let at: BTreeSet<String> = serving.iter().map(|l| l.region.clone()).collect();
        let region_loss = sp.deployment.dr == DrPattern::ActiveActive;
        let carry =
            |v: &mut Vec<String>, what: &str, keep: &dyn Fn(&InstanceLine) -> bool, factor: f64| {
                need(v, what, sum(keep), factor);
                if layered {
                    let base_only = |l: &InstanceLine| keep(l) && l.layer == Layer::Base;
                    need(
                        v,
                        &format!("{what}, base layer"),
                        sum(&base_only),
                        factor * base,
                    );
                }
            };
        match faultline_models::locality::route(catalog, f, &at, region_loss) {
            Err(e) => v.push(format!("users: {e}")),
            Ok(routing) => {
                for (r, share) in &routing.normal {
                    let here = |l: &InstanceLine| &l.region == r;
                    let what = format!("users' share in {r}");
                    carry(v, &what, &here, f.flash_crowd * share);
                    for (loss, down) in losses.iter().filter(|(w, _)| !w.starts_with("region ")) {
                        let kept = |l: &InstanceLine| here(l) && !down(l);
                        carry(
                            v,
                            &format!("{what}, {loss}"),
                            &kept,
                            f.degraded_floor * share,
                        );
                    }
                }
                for (lost, load) in &routing.after_loss {
                    for (r, share) in load {
                        let here = |l: &InstanceLine| &l.region == r;
                        let what = format!("users' share in {r} after a loss of {lost}");
                        carry(v, &what, &here, f.degraded_floor * share);
                    }
                }
            }
        }
    }
    // Spot share in nominal vCPU, for the fleet and its base; with users, in each
    // region.
    let scopes: Vec<Option<String>> = if f.users.is_empty() {
        vec![None]
    } else {
        serving
            .iter()
            .map(|l| Some(l.region.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    for ((what, keep), scope) in [
        (
            "fleet",
            &(|_: &InstanceLine| true) as &dyn Fn(&InstanceLine) -> bool,
        ),
        ("base", &|l: &InstanceLine| l.layer == Layer::Base),
    ]
    .into_iter()
    .flat_map(|k| scopes.iter().map(move |s| (k, s)))
    {
        let (mut spot, mut all) = (0.0, 0.0);
        let in_scope = |l: &InstanceLine| scope.as_ref().is_none_or(|r| &l.region == r);
        for l in serving.iter().filter(|l| keep(l) && in_scope(l)) {
            let c = capacity(pricing, l, false);
            all += c.vcpu;
            if l.purchase == Purchase::Spot {
                spot += c.vcpu;
            }
        }
        if spot > f.max_spot_share * all + TOL {
            v.push(format!(
                "{what}: spot {spot} vCPU above {} of {all}",
                f.max_spot_share
            ));
        }
    }
    // Standby capacity only for a warm standby, in a region the fleet does not serve from.
    let standby: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer == Layer::Standby)
        .collect();
    if sp.deployment.dr == DrPattern::WarmStandby {
        let main: BTreeSet<&str> = serving.iter().map(|l| l.region.as_str()).collect();
        let mut c = Cap {
            vcpu: 0.0,
            mem: 0.0,
        };
        for l in &standby {
            if main.contains(l.region.as_str()) {
                v.push("the warm standby shares a region with the fleet".into());
            }
            let x = capacity(pricing, l, false);
            c.vcpu += x.vcpu;
            c.mem += x.mem;
        }
        if c.vcpu + TOL < dv * WARM_STANDBY_SHARE || c.mem + TOL < dm * WARM_STANDBY_SHARE {
            v.push("the warm standby is smaller than its share".into());
        }
    } else if !standby.is_empty() {
        v.push("standby capacity without a warm standby".into());
    }
    if sp.deployment.dr != DrPattern::ActiveActive && f.users.is_empty() {
        let main: BTreeSet<&str> = serving.iter().map(|l| l.region.as_str()).collect();
        if main.len() > 1 {
            v.push("a fleet that is not active-active serves from several regions".into());
        }
    }
}

fn store(
    pricing: &Pricing<'_>,
    svc: &Service,
    s: &Store,
    spec: &Required,
    sp: &ServicePlan,
    v: &mut Vec<String>,
) {
    let quorum = sp.consistency == Consistency::Strong;
    match svc.consistency {
        Consistency::Strong if !quorum => v.push("must be strongly consistent".into()),
        Consistency::Eventual if quorum => v.push("must be eventually consistent".into()),
        _ => {}
    }
    let members: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer != Layer::Standby)
        .collect();
    let n: u32 = members.iter().map(|l| l.count).sum();
    if n != s.replicas {
        v.push(format!("{n} members, {} replicas asked for", s.replicas));
    }
    let catalog = pricing.catalog();
    for l in &members {
        if l.purchase == Purchase::Spot {
            v.push("a store member on spot".into());
        }
        if let Some(it) = catalog.instance_types.get(&l.instance_type) {
            if f64::from(it.vcpus) + 1e-9 < s.replica_vcpu
                || it.memory_gib + 1e-9 < s.replica_memory_gib
            {
                v.push(format!("{} is too small for a replica", l.instance_type));
            }
        }
    }
    if !quorum {
        let primaries: u32 = members
            .iter()
            .filter(|l| l.role == Role::Primary)
            .map(|l| l.count)
            .sum();
        if primaries != 1 {
            v.push(format!("{primaries} primaries"));
        }
    }
    // Members per region and zone.
    let mut by_region: BTreeMap<&str, u32> = BTreeMap::new();
    let mut by_zone: BTreeMap<(&str, Option<&str>), u32> = BTreeMap::new();
    for l in &members {
        *by_region.entry(l.region.as_str()).or_default() += l.count;
        *by_zone
            .entry((l.region.as_str(), l.zone.as_deref()))
            .or_default() += l.count;
    }
    let maj = s.replicas / 2 + 1;
    let remain = if quorum { maj } else { (s.replicas / 2).max(1) };
    // Anti-affinity: one member per zone, no majority in one region when a region loss
    // is survived; and serving members in one region unless active-active.
    if s.anti_affinity {
        for ((r, z), c) in &by_zone {
            if *c > 1 {
                v.push(format!(
                    "{c} members share zone {} of {r} (anti-affinity)",
                    z.unwrap_or("?")
                ));
            }
        }
        if sp.deployment.dr == DrPattern::ActiveActive {
            for (r, c) in &by_region {
                if *c >= maj {
                    v.push(format!("{c} of {} members in {r}, a majority", s.replicas));
                }
            }
        }
    }
    if sp.deployment.dr != DrPattern::ActiveActive && by_region.len() > 1 {
        v.push(format!(
            "members in {} regions under dr = {}",
            by_region.len(),
            sp.deployment.dr
        ));
    }
    let budget = if quorum {
        s.commit_latency_budget.map(|d| d.as_secs_f64() * 1000.0)
    } else {
        None
    };
    let regions: Vec<&str> = by_region.keys().copied().collect();
    let latency = |counts: &BTreeMap<&str, u32>| -> f64 {
        // Best leader: the majority-th closest member, the leader counted at 0.
        let mut best = f64::INFINITY;
        for leader in counts.iter().filter(|(_, c)| **c > 0).map(|(r, _)| *r) {
            let mut d = vec![0.0];
            for (r, c) in counts {
                let here = if *r == leader {
                    c.saturating_sub(1)
                } else {
                    *c
                };
                let rtt = catalog.rtt_ms(leader, r).unwrap_or(f64::INFINITY);
                d.extend(std::iter::repeat_n(rtt, here as usize));
            }
            d.sort_by(f64::total_cmp);
            if d.len() >= maj as usize {
                best = best.min(d[maj as usize - 1]);
            }
        }
        best
    };
    if let Some(b) = budget {
        let l = latency(&by_region);
        if l > b + 1e-9 {
            v.push(format!("commit latency {l} ms above the {b} ms budget"));
        }
    }
    let after = |v: &mut Vec<String>, what: String, lost: &dyn Fn(&str, Option<&str>) -> bool| {
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for ((r, z), c) in &by_zone {
            if !lost(r, *z) {
                *counts.entry(*r).or_default() += c;
            }
        }
        let left: u32 = counts.values().sum();
        if left < remain {
            v.push(format!("{what}: {left} members left, {remain} needed"));
        } else if let Some(b) = budget {
            let l = latency(&counts);
            if l > b + 1e-9 {
                v.push(format!(
                    "{what}: commit latency {l} ms above the {b} ms budget"
                ));
            }
        }
    };
    if spec.survive.contains(&Disruption::Zone) {
        for ((r, z), _) in by_zone.clone() {
            let Some(z) = z else {
                v.push("a member with no zone".into());
                continue;
            };
            after(v, format!("zone {z} lost"), &|r2, z2| {
                r2 == r && z2 == Some(z)
            });
        }
    }
    if sp.deployment.dr == DrPattern::ActiveActive {
        for r in &regions {
            after(v, format!("region {r} lost"), &|r2, _| r2 == *r);
        }
    }
    // Local recovery targets.
    let local = cost::local_recovery(tier_of(svc, sp));
    for d in [Disruption::Instance, Disruption::Zone] {
        if spec.rto.get(&d).is_some_and(|t| local.rto > *t) {
            v.push(format!("rto.{d} not met"));
        }
        if spec.rpo.get(&d).is_some_and(|t| local.rpo > *t) {
            v.push(format!("rpo.{d} not met"));
        }
    }
    // Replication traffic: the leader (quorum) or primary sends every write to every
    // other member. A quorum's leader is not recorded, so one of its members' places
    // must explain the traffic exactly.
    let replication_lines: Vec<Decimal> = sp
        .transfer
        .iter()
        .filter(|t| t.what.starts_with("replication"))
        .map(|t| t.monthly_usd)
        .collect();
    let replication: Decimal = replication_lines.iter().copied().sum();
    // Each line is rounded to the cent, so the sum may be off by under a cent a line.
    let tolerance =
        Decimal::new(1, 3) + Decimal::new(1, 2) * Decimal::from(replication_lines.len());
    let expected = |from_r: &str, from_z: Option<&str>| -> Decimal {
        let mut per_gb = Decimal::ZERO;
        for ((r, z), c) in &by_zone {
            let followers = if *r == from_r && *z == from_z {
                c - 1
            } else {
                *c
            };
            let price = if *r == from_r {
                if *z == from_z {
                    Decimal::ZERO
                } else {
                    pricing.inter_az_usd_per_gb()
                }
            } else {
                pricing
                    .inter_region_usd_per_gb(from_r, r)
                    .unwrap_or_default()
            };
            per_gb += price * Decimal::from(followers);
        }
        pricing.transfer_monthly(s.write_gb_per_day, per_gb)
    };
    let sources: Vec<(&str, Option<&str>)> = if quorum {
        by_zone.keys().copied().collect()
    } else {
        members
            .iter()
            .filter(|l| l.role == Role::Primary)
            .map(|l| (l.region.as_str(), l.zone.as_deref()))
            .collect()
    };
    if !sources
        .iter()
        .any(|(r, z)| (expected(r, *z) - replication).abs() <= tolerance)
    {
        v.push(format!(
            "replication traffic {replication} matches no leader or primary placement"
        ));
    }
    let standby: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer == Layer::Standby)
        .collect();
    let standby_pattern = matches!(
        sp.deployment.dr,
        DrPattern::WarmStandby | DrPattern::PilotLight
    );
    let misplaced = standby
        .iter()
        .any(|l| by_region.len() == 1 && by_region.contains_key(l.region.as_str()));
    if standby_pattern && (standby.len() != 1 || misplaced) {
        v.push("a standby pattern needs one standby replica in another region".into());
    } else if !standby_pattern && !standby.is_empty() {
        v.push("standby replica without a standby pattern".into());
    }
}
