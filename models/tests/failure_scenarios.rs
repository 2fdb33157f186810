//! The scenario matrix: one row per single failure, in the order of
//! `scenario::single_failures`, and what each failure does to each kind of service.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, example, example_deployment, parse, EXAMPLES};
use faultline_models::failure::{self, Assessment, Cell, Deployment, Impact, Options};
use faultline_models::scenario::{self, Scenario};

fn assess(t: &faultline_models::topology::Topology, d: &Deployment) -> Assessment {
    failure::assess(t, catalog(), d, &Options::default(), &mut |_, _| {}).unwrap()
}

fn cell<'a>(a: &'a Assessment, s: &Scenario, name: &str) -> &'a Cell {
    let row = a.scenarios.iter().find(|r| &r.scenario == s).unwrap();
    row.services
        .get(name)
        .or_else(|| row.journeys.get(name))
        .unwrap()
}

#[test]
fn rows_are_every_single_failure_in_order() {
    for name in EXAMPLES {
        let t = example(name);
        let d = example_deployment(&t);
        let a = assess(&t, &d);
        let rows: Vec<Scenario> = a.scenarios.iter().map(|r| r.scenario.clone()).collect();
        assert_eq!(rows, scenario::single_failures(&t, &d.services), "{name}");
        for r in &a.scenarios {
            assert_eq!(r.services.len(), t.services.len());
            assert_eq!(r.journeys.len(), t.journeys.len());
        }
    }
}

#[test]
fn legacy_zone_loss_takes_the_cache_and_fails_the_database_over() {
    let t = example("legacy-placement");
    let a = assess(&t, &Deployment::from_placement(&t));
    let zone_a = Scenario::ZoneLoss {
        region: "us-east-2".into(),
        zone: "us-east-2a".into(),
    };
    // The single cache node lives in zone a: down until the zone is repaired.
    let cache = cell(&a, &zone_a, "cache");
    assert_eq!(
        (cache.status.as_str(), cache.after_recovery.as_str()),
        ("down", "down")
    );
    assert_eq!(cache.outage.impact, Impact::Repair);
    // The database's primary is in zone a: down for its 5-minute failover, losing up
    // to its 2 s of replication lag.
    let db = cell(&a, &zone_a, "db");
    assert_eq!(
        (db.status.as_str(), db.after_recovery.as_str()),
        ("down", "ok")
    );
    assert_eq!(db.outage.impact, Impact::Recovers);
    assert!((db.outage.seconds - 300.0).abs() < 1e-9);
    assert!((db.data_lost_seconds - 2.0).abs() < 1e-9);
    // The web fleet keeps 6 of its 12 instances (24 of 40 vCPU needed): down until
    // scaled up, then degraded only by its soft dependency on the cache.
    let web = cell(&a, &zone_a, "web");
    assert_eq!(web.status, "down");
    assert_eq!(web.after_recovery, "degraded");
    assert!((web.capacity_left.unwrap() - 24.0 / 40.0).abs() < 1e-9);
    assert!(web.capacity_after.unwrap() >= 1.0);
    // Zone b holds only the replica and half the web fleet.
    let zone_b = Scenario::ZoneLoss {
        region: "us-east-2".into(),
        zone: "us-east-2b".into(),
    };
    assert_eq!(cell(&a, &zone_b, "db").status, "ok");
    assert_eq!(cell(&a, &zone_b, "cache").status, "ok");
    // A control-plane outage leaves running capacity alone.
    let cp = Scenario::ControlPlane {
        region: "us-east-2".into(),
    };
    for s in ["web", "db", "cache"] {
        assert_eq!(cell(&a, &cp, s).status, "ok", "{s}");
    }
    // Region loss: everything waits for the region.
    let region = Scenario::RegionLoss {
        region: "us-east-2".into(),
    };
    for s in ["web", "db", "cache"] {
        let c = cell(&a, &region, s);
        assert_eq!(c.after_recovery, "down", "{s}");
        assert_eq!(c.outage.impact, Impact::Repair, "{s}");
    }
    // RTO per class follows from the matrix and is checked against the SLO.
    let db = &a.services["db"];
    assert_eq!(db.rto["zone"].impact, Impact::Recovers);
    assert!(db.slo.rto["zone"].met);
    assert!(db.slo.rpo["zone"].met);
}

/// Three regions: a 2 + 2 + 1 quorum, an asynchronous store across two regions, and a
/// fleet without spare capacity in its zones.
const MULTI: &str = r#"
version = 1
[system]
name = "multi"
regions = ["us-east-1", "us-east-2", "us-west-2"]
home_region = "us-east-1"

[system.zones]
us-east-1 = ["us-east-1a", "us-east-1b"]
us-east-2 = ["us-east-2a", "us-east-2b"]
us-west-2 = ["us-west-2a", "us-west-2b"]

[services.ledger]
kind = "quorum"
replicas = 5
replica_vcpu = 2
replica_memory_gib = 8
commit_latency_budget = "80ms"

[services.profiles]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
write_gb_per_day = 10
replication_lag = "3s"
failover = "1m"

[services.api]
kind = "stateless"
peak_vcpu = 16
peak_memory_gib = 16
[services.api.depends_on]
ledger = "hard"
[services.api.slo]
survive = ["zone"]

[services.ledger.slo]
survive = ["zone", "region"]

[placement.ledger]
dr = "active-active"
[[placement.ledger.groups]]
region = "us-east-1"
instance_type = "m6i.large"
count = 2
[[placement.ledger.groups]]
region = "us-east-2"
instance_type = "m6i.large"
count = 2
[[placement.ledger.groups]]
region = "us-west-2"
zone = "us-west-2a"
instance_type = "m6i.large"
count = 1

[placement.profiles]
dr = "warm-standby"
[[placement.profiles.groups]]
region = "us-east-1"
zone = "us-east-1a"
instance_type = "r6i.large"
count = 1
role = "primary"
[[placement.profiles.groups]]
region = "us-east-2"
zone = "us-east-2a"
instance_type = "r6i.large"
count = 1
role = "replica"

[placement.api]
[[placement.api.groups]]
region = "us-east-1"
instance_type = "m6i.xlarge"
count = 4
"#;

#[test]
fn partitions_and_region_losses() {
    let t = parse(MULTI);
    let a = assess(&t, &Deployment::from_placement(&t));
    // us-east-1 ⟷ us-east-2 cut: us-east-1's two members still reach us-west-2's one,
    // a majority of 3; the asynchronous store keeps serving on both sides and diverges.
    let p = Scenario::RegionPartition {
        a: "us-east-1".into(),
        b: "us-east-2".into(),
    };
    assert_eq!(cell(&a, &p, "ledger").status, "ok");
    let prof = cell(&a, &p, "profiles");
    assert_eq!(prof.status, "ok");
    assert!(prof.diverges);
    assert_eq!(prof.data_lost_seconds, 0.0);
    // Writes at risk of divergence, by hand: each partition that splits the store
    // lasts its long-run share of the year, u = λE[D]/(1 + λE[D]), and the store takes
    // 10 GB a day on both sides meanwhile.
    let by_hand: f64 = a
        .scenarios
        .iter()
        .filter(|r| r.services["profiles"].diverges)
        .map(|r| {
            let ld = r.rate_per_year * r.mean_hours / 8760.0;
            ld / (1.0 + ld) * 8760.0 * 3600.0 * (10.0 / 86_400.0)
        })
        .sum();
    let got = a.services["profiles"].divergent_writes_gb_per_year.unwrap();
    assert!(
        by_hand > 0.0 && (got - by_hand).abs() < 1e-9 * by_hand,
        "{got} vs {by_hand}"
    );
    assert_eq!(a.services["ledger"].divergent_writes_gb_per_year, None);
    // Losing us-east-1 (where the leader sits, nearest its peers) costs an election,
    // after which the us-east-2 and us-west-2 members commit over the longer RTT.
    let r = Scenario::RegionLoss {
        region: "us-east-1".into(),
    };
    let ledger = cell(&a, &r, "ledger");
    assert_eq!(
        (ledger.status.as_str(), ledger.after_recovery.as_str()),
        ("down", "ok")
    );
    let east2_west2 = catalog().rtt_ms("us-east-2", "us-west-2").unwrap();
    assert_eq!(ledger.commit_latency_ms, Some(east2_west2));
    assert!((ledger.capacity_after.unwrap() - 3.0 / 5.0).abs() < 1e-12);
    // The store fails over to us-east-2, losing its replication lag.
    let prof = cell(&a, &r, "profiles");
    assert_eq!(
        (prof.status.as_str(), prof.after_recovery.as_str()),
        ("down", "ok")
    );
    assert!((prof.data_lost_seconds - 3.0).abs() < 1e-9);
    // The fleet lives only in us-east-1: down until the region returns, whatever the
    // ledger does.
    let api = cell(&a, &r, "api");
    assert_eq!(api.outage.impact, Impact::Repair);
    // Losing us-west-2 costs the ledger nothing: four of five members remain.
    let w = Scenario::RegionLoss {
        region: "us-west-2".into(),
    };
    assert_eq!(cell(&a, &w, "ledger").outage.impact, Impact::None);
    // A zone of us-east-1 takes half the fleet: down until scaled up in the other zone.
    let z = Scenario::ZoneLoss {
        region: "us-east-1".into(),
        zone: "us-east-1a".into(),
    };
    let api = cell(&a, &z, "api");
    assert_eq!(
        (api.status.as_str(), api.after_recovery.as_str()),
        ("down", "ok")
    );
    let scale = a.parameters.assumptions.scale_up_seconds;
    assert!((api.outage.seconds - scale).abs() < 1e-9);
    // Needing a scale-up is not surviving a zone loss, which the SLO asks for.
    assert!(!a.services["api"].slo.survive["zone"]);
    assert!(!a.services["api"].slo.met);
    // The ledger survives a region loss: after the election a majority serves.
    assert!(a.services["ledger"].slo.survive["region"]);
}

#[test]
fn spot_reclaims_hit_their_pool_only() {
    let t = example("legacy-placement");
    let a = assess(&t, &Deployment::from_placement(&t));
    // Four spot instances spread over the two zones: two per pool.
    let pools: Vec<&Cell> = a
        .scenarios
        .iter()
        .filter(|r| matches!(r.scenario, Scenario::SpotReclaim { .. }))
        .map(|r| &r.services["web"])
        .collect();
    assert_eq!(pools.len(), 2);
    for c in pools {
        // 10 of 12 instances left: 40 vCPU, exactly the demand.
        assert_eq!(c.status, "ok");
        assert!((c.capacity_left.unwrap() - 1.0).abs() < 1e-9);
    }
}

/// The SLO's `survive` verdict is read off the same cells the matrix shows: a class is
/// survived exactly when every one of its single failures leaves the service's own
/// capacity serving, and a survived failure that still costs time down says why — its
/// own failover or election (then it recovers, never waits for repair) or a dependency
/// it cannot run without (named in `waits_on`).
#[test]
fn survive_verdicts_agree_with_the_matrix() {
    for name in EXAMPLES {
        let t = example(name);
        let d = example_deployment(&t);
        let a = assess(&t, &d);
        for (svc, f) in &a.services {
            for (class, survived) in &f.slo.survive {
                if class == "instance" {
                    continue;
                }
                let cells: Vec<&Cell> = a
                    .scenarios
                    .iter()
                    .filter(|r| &r.class == class)
                    .map(|r| &r.services[svc])
                    .collect();
                assert_eq!(
                    *survived,
                    cells.iter().all(|c| c.survives),
                    "{name}: `{svc}` survive {class}"
                );
            }
        }
        for row in &a.scenarios {
            for (svc, c) in &row.services {
                for w in &c.waits_on {
                    assert_eq!(
                        row.services[w].status, "down",
                        "{name}: {} `{svc}` waits on `{w}`",
                        row.label
                    );
                    assert_ne!(w, svc);
                }
                if c.status == "down" && c.survives && c.waits_on.is_empty() {
                    assert_eq!(
                        c.outage.impact,
                        Impact::Recovers,
                        "{name}: {} `{svc}` survives yet waits for repair",
                        row.label
                    );
                }
            }
            for (j, c) in &row.journeys {
                assert!(c.survives);
                if c.status == "down" {
                    assert!(
                        !c.waits_on.is_empty(),
                        "{name}: {} journey `{j}` is down with no step down",
                        row.label
                    );
                }
            }
        }
    }
}

/// One definition of downtime: minutes down and degraded together are what the
/// availability leaves out, per year and (a twelfth) per month, for every service and
/// journey.
#[test]
fn down_and_degraded_minutes_are_what_availability_leaves_out() {
    for name in EXAMPLES {
        let t = example(name);
        let d = example_deployment(&t);
        let a = assess(&t, &d);
        for (who, f) in a.services.iter().chain(a.journeys.iter()) {
            let left_out = (1.0 - f.availability) * 525_600.0;
            let shown = f.downtime_minutes_per_year + f.degraded_minutes_per_year;
            assert!(
                (left_out - shown).abs() <= 1e-9 * 525_600.0,
                "{name}: `{who}` leaves out {left_out} min/yr, shows {shown}"
            );
            assert!(f.degraded_minutes_per_year >= 0.0);
            assert!(
                (f.downtime_minutes_per_month * 12.0 - f.downtime_minutes_per_year).abs() < 1e-9
            );
            assert!(
                (f.degraded_minutes_per_month * 12.0 - f.degraded_minutes_per_year).abs() < 1e-9
            );
        }
    }
}
