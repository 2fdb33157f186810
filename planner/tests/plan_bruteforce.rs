//! Brute force on tiny instances finds the same optimum as the optimizer: every
//! integer fleet over every allowed instance type (no dominance pruning) against the
//! MILP on the pruned candidates, with spot pools of several sizes (one of them too
//! big to fit a small spot share), and every assignment of store members to zones and
//! leaders against the placement enumeration.

use std::collections::BTreeSet;

use faultline::optimizer::backend::{self, Backend, MilpModel};
use faultline::optimizer::fleet::{self, FleetDemand, FleetProblem, FleetShape, RegionSpec};
use faultline::optimizer::store::{self, Enumerator, Goal, RttMatrix, Rules, StoreRegion};
use faultline::optimizer::{candidates, owned, SolveOptions, DEFAULT_NODES};
use faultline_models::catalog::{Catalog, InstanceType, SpotPool};
use faultline_models::cost::Pricing;
use faultline_models::deployment::Arch;
use faultline_models::topology::{self, Disruption, Topology};
use rust_decimal::Decimal;

/// The embedded catalog cut down to us-east-1 and five made-up types:
/// `xa.small` 2 vCPU / 4 GiB, `xa.big` 4 / 8 at exactly twice the price (dominated
/// on demand), `xb.mem` 2 / 16 (memory-rich), `xc.odd` 3 / 6 at a slightly better
/// vCPU price, and `xd.huge` 16 / 32; spot pools as given.
fn tiny_catalog(spot_pools: &[(&str, u8)]) -> Catalog {
    let mut c = Catalog::embedded().clone();
    c.regions.retain(|r, _| r == "us-east-1");
    c.on_demand.retain(|r, _| r == "us-east-1");
    c.spot.retain(|r, _| r == "us-east-1");
    c.instance_types.clear();
    let types = [
        ("xa.small", "xa", 2, 4.0, "0.10"),
        ("xa.big", "xa", 4, 8.0, "0.20"),
        ("xb.mem", "xb", 2, 16.0, "0.16"),
        ("xc.odd", "xc", 3, 6.0, "0.14"),
        ("xd.huge", "xd", 16, 32.0, "0.80"),
    ];
    let prices = &mut c.on_demand.get_mut("us-east-1").unwrap().usd_per_hour;
    prices.clear();
    for (name, family, vcpus, mem, price) in types {
        c.instance_types.insert(
            name.to_string(),
            InstanceType {
                family: family.to_string(),
                vcpus,
                memory_gib: mem,
                arch: Arch::X86_64,
                burstable: false,
                source: "aws-ec2-instance-types".into(),
            },
        );
        prices.insert(name.to_string(), price.parse().unwrap());
    }
    let pools = &mut c.spot.get_mut("us-east-1").unwrap().pools;
    let bucket = pools.values().next().unwrap().interruption;
    pools.clear();
    for (name, savings_pct) in spot_pools.iter().copied() {
        pools.insert(
            name.into(),
            SpotPool {
                interruption: bucket,
                savings_pct,
            },
        );
    }
    c
}

fn tiny_topology(c: &Catalog, service: &str) -> Topology {
    let text = format!(
        "version = 1\n[system]\nname = \"tiny\"\nregions = [\"us-east-1\"]\nhorizon_months = 12\nstart = \"2026-12\"\n[system.zones]\nus-east-1 = [\"us-east-1a\", \"us-east-1b\"]\n{service}"
    );
    topology::parse(&text, c).unwrap().topology
}

/// The fleet problem of the topology's only service, with `cands` candidates.
fn problem(t: &Topology, pricing: &Pricing<'_>, prune: bool) -> FleetProblem {
    let svc = t.services.values().next().unwrap();
    let f = svc.fleet().unwrap();
    let policy = t.purchase_for(&svc.name);
    let priced = candidates::priced(svc, pricing, "us-east-1", &t.zones["us-east-1"], &policy);
    let survive: BTreeSet<Disruption> = svc
        .slo
        .survive
        .iter()
        .copied()
        .filter(|d| *d != Disruption::Instance)
        .collect();
    let (non_spot, spot) = if prune {
        (
            candidates::non_spot_front(&priced),
            candidates::spot_candidates(&priced, &survive, f.max_spot_share),
        )
    } else {
        (
            priced.clone(),
            priced
                .iter()
                .filter(|c| c.spot.is_some())
                .cloned()
                .collect(),
        )
    };
    let shape = FleetShape::of(&f.profile);
    let offers = owned::allot(t, pricing)
        .remove(&svc.name)
        .unwrap_or_default();
    FleetProblem {
        regions: vec![RegionSpec {
            region: "us-east-1".into(),
            zones: t.zones["us-east-1"].clone(),
            non_spot,
            spot,
            owned: owned::cands(&offers, "us-east-1", &priced),
        }],
        shape,
        demand: FleetDemand::of(f, &shape),
        survive,
        region_loss: false,
        base_on_spot: f.base_on_spot,
        located: None,
        offers,
    }
}

/// The cheapest integer point of the model's labelled rows (demand, failures, spot
/// share; no symmetry rows) with every count in `0..=k`, by exhaustive search.
fn brute(model: &MilpModel, rows: &[usize], k: u32) -> f64 {
    let n = model.cols.len();
    let mut x = vec![0.0; n];
    let mut best = f64::INFINITY;
    fn rec(
        i: usize,
        x: &mut Vec<f64>,
        cost: f64,
        model: &MilpModel,
        rows: &[usize],
        k: u32,
        best: &mut f64,
    ) {
        if cost >= *best - 1e-9 {
            return;
        }
        if i == x.len() {
            let ok = rows.iter().all(|r| {
                let row = &model.rows[*r];
                let lhs: f64 = row.coefs.iter().map(|(j, c)| c * x[*j]).sum();
                lhs >= row.rhs - 1e-9
            });
            if ok {
                *best = cost;
            }
            return;
        }
        for v in 0..=k {
            x[i] = f64::from(v);
            rec(
                i + 1,
                x,
                cost + model.cols[i].cost * f64::from(v),
                model,
                rows,
                k,
                best,
            );
        }
        x[i] = 0.0;
    }
    rec(0, &mut x, 0.0, model, rows, k, &mut best);
    best
}

/// Spot pools of four sizes: `xa.big` cheaper per vCPU than `xa.small`, and
/// `xd.huge` the cheapest spot vCPU of all.
const POOLS: [(&str, u8); 4] = [
    ("xa.small", 60),
    ("xa.big", 66),
    ("xc.odd", 55),
    ("xd.huge", 75),
];
/// One small pool (brute force over both layers of a fleet stays quick).
const ONE_POOL: [(&str, u8); 1] = [("xa.small", 60)];

fn check_fleet(service: &str, k: u32, pools: &[(&str, u8)]) {
    let c = tiny_catalog(pools);
    // Every type and spot in both layers, so the search covers all of them (the
    // blast-radius cap and the base-layer spot rule have tests of their own).
    let service = service.replace(
        "kind = \"stateless\"\n",
        "kind = \"stateless\"\nmax_instance_share = 1.0\nbase_on_spot = true\n",
    );
    let service = service.as_str();
    let t = tiny_topology(&c, service);
    let eff = t.effective_catalog(&c);
    let pricing = Pricing::new(&t, &eff);
    let full = problem(&t, &pricing, false).build();
    let rows: Vec<usize> = full
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.constraint.is_some())
        .map(|(i, _)| i)
        .collect();
    let want = brute(&full.model, &rows, k);
    assert!(want.is_finite(), "brute force found no plan");
    for b in Backend::available() {
        let settings = backend::SolveSettings {
            backend: b,
            gap: 0.0,
            nodes: DEFAULT_NODES,
            deadline: None,
            floor: f64::NEG_INFINITY,
        };
        let pruned = problem(&t, &pricing, true);
        let got = fleet::solve(&pruned, &pricing, &settings, None).unwrap();
        assert!(
            got.best_bound <= want + 1e-6 * want.max(1.0),
            "{b}: bound {} above the brute-force optimum {want}",
            got.best_bound
        );
        assert!(
            (got.objective - want).abs() < 1e-6 * want.max(1.0),
            "{b}: optimizer {} vs brute force {want} for\n{service}",
            got.objective
        );
        // The whole pipeline prices the same plan.
        let opts = SolveOptions {
            backend: b,
            gap: 0.0,
            ..SolveOptions::default()
        };
        let plan = faultline::optimizer::plan_with(&t, &eff, &c, &opts, None).unwrap();
        // What the plan leaves to pay, as billing applies owned reservations to it.
        let mut plan = plan;
        plan.owned = faultline_models::owned::apply(&t, &pricing, &plan);
        let new_spend = plan
            .owned
            .as_ref()
            .map_or(plan.monthly_usd, |o| o.new_spend_monthly_usd);
        if let Some(o) = &plan.owned {
            assert!(
                o.entries[0].used > Decimal::ZERO,
                "{b}: the owned instances go unused"
            );
        }
        let total: f64 = new_spend.to_string().parse().unwrap();
        assert!(
            (total - want).abs() < 0.01,
            "{b}: plan {total} vs brute force {want}"
        );
    }
}

/// Two memory-rich `xb.mem` already reserved for half the horizon: at half price they
/// are the cheapest vCPU, but only two of them are owned.
#[test]
fn fleet_with_owned_instances_surviving_a_zone() {
    check_fleet(
        "[[purchase.owned]]\ntype = \"xb.mem\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"1y\"\nends = \"2027-06\"\n[services.web]\nkind = \"stateless\"\npeak_vcpu = 5\npeak_memory_gib = 14\n[services.web.slo]\nsurvive = [\"zone\"]\n",
        4,
        &POOLS,
    );
}

#[test]
fn flat_fleet_surviving_a_zone() {
    check_fleet(
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 5\npeak_memory_gib = 14\n[services.web.slo]\nsurvive = [\"zone\"]\n",
        4,
        &POOLS,
    );
}

#[test]
fn layered_fleet_with_flash_crowd_and_spot() {
    check_fleet(
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 6\npeak_memory_gib = 10\nprofile = \"diurnal\"\nflash_crowd = 1.5\nmax_spot_share = 0.5\n",
        4,
        &ONE_POOL,
    );
}

#[test]
fn fleet_surviving_zone_and_spot_with_a_floor() {
    check_fleet(
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 4\npeak_memory_gib = 8\nmax_spot_share = 0.5\ndegraded_floor = 0.75\n[services.web.slo]\nsurvive = [\"zone\", \"spot\"]\n",
        3,
        &POOLS,
    );
}

#[test]
fn small_spot_share_over_pools_of_several_sizes() {
    // 30% spot: the cheapest spot vCPU (16-vCPU `xd.huge`) cannot fit under the cap
    // of an 8-vCPU fleet, so the plan needs the small pools.
    check_fleet(
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\nmax_spot_share = 0.3\n",
        4,
        &POOLS,
    );
}

#[test]
fn fleet_surviving_spot_pool_losses_over_several_pools() {
    // Pool losses without zone losses: every pool is kept, and spreading spot over
    // pools of different sizes is what a pool loss rewards.
    check_fleet(
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 6\npeak_memory_gib = 12\nmax_spot_share = 0.5\n[services.web.slo]\nsurvive = [\"spot\"]\n",
        3,
        &POOLS,
    );
}

// ---------------------------------------------------------------------------------
// Stores: every assignment of members to (region, zone) slots, every leader.
// ---------------------------------------------------------------------------------

struct Slot {
    region: usize,
    zone: usize,
}

#[allow(clippy::too_many_arguments)]
fn brute_store(
    pricing: &Pricing<'_>,
    regions: &[StoreRegion],
    rules: &Rules,
    rtt: &RttMatrix,
) -> Option<Decimal> {
    let slots: Vec<Slot> = regions
        .iter()
        .enumerate()
        .filter(|(_, r)| r.member.is_some())
        .flat_map(|(ri, r)| {
            (0..r.zones.len()).map(move |z| Slot {
                region: ri,
                zone: z,
            })
        })
        .collect();
    let n = rules.n as usize;
    let maj = rules.majority();
    let remain = rules.must_remain();
    let budget = rules.budget_ms.unwrap_or(f64::INFINITY);
    let mut best: Option<Decimal> = None;
    // Multisets of slots: non-decreasing slot indices.
    let mut pick = vec![0usize; n];
    loop {
        let mut counts = vec![0u32; regions.len()];
        let mut zone_counts = std::collections::BTreeMap::new();
        for s in &pick {
            counts[slots[*s].region] += 1;
            *zone_counts
                .entry((slots[*s].region, slots[*s].zone))
                .or_insert(0u32) += 1;
        }
        let ok_after = |rem: &[u32]| {
            let total: u32 = rem.iter().sum();
            total >= remain && (!rules.quorum || store::best_latency(rtt, rem, maj) <= budget)
        };
        let mut ok = true;
        if rules.distinct_zones {
            ok &= zone_counts.values().all(|c| *c <= 1);
            if rules.survive_region {
                ok &= counts.iter().all(|c| *c < maj);
            }
        }
        if rules.one_region {
            ok &= counts.iter().filter(|c| **c > 0).count() <= 1;
        }
        if rules.survive_zone {
            for ((r, _), c) in &zone_counts {
                let mut rem = counts.clone();
                rem[*r] -= c;
                ok &= ok_after(&rem);
            }
        }
        if rules.survive_region {
            for r in 0..counts.len() {
                if counts[r] > 0 {
                    let mut rem = counts.clone();
                    rem[r] = 0;
                    ok &= ok_after(&rem);
                }
            }
        }
        if ok {
            for leader in &pick {
                let l = &slots[*leader];
                if rules.quorum && store::commit_latency(rtt, &counts, l.region, maj) > budget {
                    continue;
                }
                let mut cost = Decimal::ZERO;
                let mut per_gb = Decimal::ZERO;
                let mut leader_seen = false;
                for s in &pick {
                    let m = &slots[*s];
                    cost += regions[m.region].member_monthly;
                    if m.region == l.region && m.zone == l.zone && !leader_seen {
                        leader_seen = true;
                        continue;
                    }
                    per_gb += if m.region != l.region {
                        pricing
                            .inter_region_usd_per_gb(
                                &regions[l.region].region,
                                &regions[m.region].region,
                            )
                            .unwrap()
                    } else if m.zone != l.zone {
                        pricing.inter_az_usd_per_gb()
                    } else {
                        Decimal::ZERO
                    };
                }
                cost += pricing.transfer_monthly(rules.write_gb_per_day, per_gb);
                if best.is_none_or(|b| cost < b) {
                    best = Some(cost);
                }
            }
        }
        // Next multiset.
        let mut i = n;
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            if pick[i] + 1 < slots.len() {
                pick[i] += 1;
                for j in i + 1..n {
                    pick[j] = pick[i];
                }
                break;
            }
        }
    }
}

fn store_case(
    n: u32,
    quorum: bool,
    budget_ms: Option<f64>,
    survive_zone: bool,
    survive_region: bool,
    distinct_zones: bool,
    one_region: bool,
) {
    let c = Catalog::embedded();
    let text = "version = 1\n[system]\nname = \"s\"\nregions = [\"us-east-1\", \"us-east-2\", \"us-west-2\"]\n[system.zones]\nus-east-1 = [\"us-east-1a\", \"us-east-1b\"]\nus-east-2 = [\"us-east-2a\", \"us-east-2b\"]\nus-west-2 = [\"us-west-2a\", \"us-west-2b\"]\n[services.db]\nkind = \"quorum\"\nreplicas = 3\nreplica_vcpu = 4\nreplica_memory_gib = 16\nfamilies = [\"m7i\"]\n";
    let t = topology::parse(text, c).unwrap().topology;
    let eff = t.effective_catalog(c);
    let pricing = Pricing::new(&t, &eff);
    let svc = &t.services["db"];
    let regions: Vec<StoreRegion> = t
        .regions
        .iter()
        .map(|r| {
            let priced = candidates::priced(svc, &pricing, r, &t.zones[r], &t.purchase_for("db"));
            let member = candidates::member(&priced, 4.0, 16.0, 3);
            StoreRegion {
                region: r.clone(),
                zones: t.zones[r].clone(),
                member_monthly: member
                    .as_ref()
                    .map(store::member_monthly)
                    .unwrap_or_default(),
                member,
                owned: None,
            }
        })
        .collect();
    let rtt = RttMatrix::of(&pricing, &regions);
    let rules = Rules {
        n,
        quorum,
        budget_ms,
        survive_zone,
        survive_region,
        write_gb_per_day: 50.0,
        distinct_zones,
        one_region,
    };
    let got = Enumerator {
        pricing: &pricing,
        regions: &regions,
        rules: &rules,
        rtt: &rtt,
        goal: Goal::Cost,
    }
    .run()
    .best
    .map(|p| p.monthly());
    let want = brute_store(&pricing, &regions, &rules, &rtt);
    assert_eq!(
        got, want,
        "n={n} quorum={quorum} budget={budget_ms:?} zone={survive_zone} region={survive_region} distinct={distinct_zones} one={one_region}"
    );
}

#[test]
fn store_placements_match_brute_force() {
    for (n, quorum, budget, zone, region) in [
        (3, true, None, true, false),
        (3, true, Some(20.0), true, true),
        (3, true, Some(80.0), true, true),
        (5, true, Some(80.0), true, true),
        (5, true, Some(20.0), false, false),
        (3, false, None, true, false),
        (3, false, None, true, true),
        (2, false, None, false, true),
        (4, false, None, true, true),
    ] {
        // Without anti-affinity, and with it as the optimizer applies it (one region
        // unless a region loss is survived).
        store_case(n, quorum, budget, zone, region, false, false);
        store_case(n, quorum, budget, zone, region, true, !region);
    }
}

#[test]
fn lp_relaxation_bounds_the_integer_optimum() {
    let c = tiny_catalog(&POOLS);
    let t = tiny_topology(
        &c,
        "[services.web]\nkind = \"stateless\"\npeak_vcpu = 7\npeak_memory_gib = 20\nprofile = \"business-hours\"\n[services.web.slo]\nsurvive = [\"zone\"]\n",
    );
    let eff = t.effective_catalog(&c);
    let pricing = Pricing::new(&t, &eff);
    let p = problem(&t, &pricing, true);
    let built = p.build();
    let lp = backend::lp_bound(&built.model).unwrap();
    for b in Backend::available() {
        let settings = backend::SolveSettings {
            backend: b,
            gap: 0.0,
            nodes: DEFAULT_NODES,
            deadline: None,
            floor: f64::NEG_INFINITY,
        };
        let ip = backend::solve(&built.model, &settings, None, None).unwrap();
        assert!(
            lp <= ip.objective + 1e-9,
            "{b}: LP {lp} above {}",
            ip.objective
        );
        assert!(lp > 0.0);
        assert!(built.model.feasible(&ip.x, 1e-9));
    }
}

// ---------------------------------------------------------------------------------
// Pruned against unpruned: the same optimum on random small fleets.
// ---------------------------------------------------------------------------------

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 6,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..Default::default()
    })]

    /// Dominance pruning never loses the optimum: the MILP over the pruned candidates
    /// and the MILP over every candidate, both solved to a zero gap, cost the same.
    #[test]
    fn pruning_keeps_the_optimum(
        vcpu in 1u32..=12,
        memory_per_vcpu in 1u32..=6,
        share in proptest::sample::select(vec![0.0, 0.2, 0.3, 0.5]),
        survive in proptest::sample::select(vec!["", "\"zone\"", "\"spot\"", "\"zone\", \"spot\""]),
        layered in proptest::bool::ANY,
        floor in proptest::sample::select(vec![1.0, 0.75]),
    ) {
        let profile = if layered { "profile = \"business-hours\"\n" } else { "" };
        let service = format!(
            "[services.web]\nkind = \"stateless\"\npeak_vcpu = {vcpu}\npeak_memory_gib = {}\nmax_spot_share = {share}\ndegraded_floor = {floor}\n{profile}[services.web.slo]\nsurvive = [{survive}]\n",
            vcpu * memory_per_vcpu
        );
        let c = tiny_catalog(&POOLS);
        let t = tiny_topology(&c, &service);
        let eff = t.effective_catalog(&c);
        let pricing = Pricing::new(&t, &eff);
        let settings = backend::SolveSettings {
            backend: Backend::Native,
            gap: 0.0,
            nodes: DEFAULT_NODES,
            deadline: None,
            floor: f64::NEG_INFINITY,
        };
        let pruned = fleet::solve(&problem(&t, &pricing, true), &pricing, &settings, None).unwrap();
        let full = fleet::solve(&problem(&t, &pricing, false), &pricing, &settings, None).unwrap();
        proptest::prop_assert!(
            (pruned.objective - full.objective).abs() <= 1e-6 * full.objective.max(1.0),
            "pruned {} vs unpruned {} for\n{service}", pruned.objective, full.objective
        );
        // Each bound holds for the other's optimum too.
        proptest::prop_assert!(pruned.best_bound <= full.objective + 1e-6 * full.objective.max(1.0));
        proptest::prop_assert!(full.best_bound <= pruned.objective + 1e-6 * full.objective.max(1.0));
    }
}
