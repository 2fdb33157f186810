//! The analytic method and the Monte Carlo simulation compute the same model two ways;
//! on every bundled example and on a deployment under frequent failures their annual
//! downtime, degraded time and writes lost must agree within the simulation's
//! confidence interval.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, example, example_deployment, parse, EXAMPLES};
use faultline_models::failure::{self, check, Assessment, Figures, Options, MINUTES_PER_YEAR};
use faultline_models::topology::Topology;

/// Four standard errors: a correct implementation fails one comparison with
/// probability 6e-5, so the few dozen comparisons here fail by chance well under 1% of
/// seeds, while a real discrepancy of that size is caught.
const Z: f64 = 4.0;

struct Outcome {
    compared: usize,
    nonzero: usize,
}

fn compare(
    t: &Topology,
    d: &failure::Deployment,
    years: u64,
    seed: u64,
    coincident_slack: bool,
) -> Outcome {
    let o = Options {
        simulate_years: Some(years),
        seed,
        ..Options::default()
    };
    let a: Assessment = failure::assess(t, catalog(), d, &o, &mut |_, _| {}).unwrap();
    let raw = check::analytic(
        t,
        catalog(),
        d,
        a.method.analytic.max_simultaneous_events,
        o.max_states,
        None,
    )
    .unwrap();
    let eps = a.method.analytic.truncation_error_bound * MINUTES_PER_YEAR;
    let mut out = Outcome {
        compared: 0,
        nonzero: 0,
    };
    let entities: Vec<(&String, &Figures)> = a.services.iter().chain(a.journeys.iter()).collect();
    for (name, f) in entities {
        let s = f.simulation.as_ref().unwrap();
        let i = raw.names.iter().position(|n| n == name).unwrap();
        // Coincident failures happen a few times in 10⁴–10⁵ years: a simulation of a
        // few thousand years mostly does not see them, so on the examples their share
        // of the analytic figure is allowed for. The stress test below has them often
        // and allows nothing.
        let coincident = if coincident_slack {
            raw.down_multi[i].abs() * MINUTES_PER_YEAR
        } else {
            0.0
        };
        let d = &s.downtime_minutes_per_year;
        let se = (d.high - d.value) / 1.96;
        let tol = Z * se + eps + coincident + 1e-6;
        assert!(
            (f.downtime_minutes_per_year - d.value).abs() <= tol,
            "{name}: analytic downtime {} min/yr, simulation {} ± {se} (tolerance {tol})",
            f.downtime_minutes_per_year,
            d.value
        );
        let g = &s.degraded_minutes_per_year;
        let se_g = (g.high - g.value) / 1.96;
        let tol_g = Z * se_g + eps + coincident + 1e-6;
        assert!(
            (f.degraded_minutes_per_year - g.value).abs() <= tol_g,
            "{name}: analytic degraded {} min/yr, simulation {} ± {se_g}",
            f.degraded_minutes_per_year,
            g.value
        );
        if let (Some(aw), Some(sw)) = (f.writes_lost_gb_per_year, &s.writes_lost_gb_per_year) {
            let se_w = (sw.high - sw.value) / 1.96;
            let tol_w = Z * se_w + 1e-3 * aw.abs() + 1e-12;
            assert!(
                (aw - sw.value).abs() <= tol_w,
                "{name}: analytic writes lost {aw} GB/yr, simulation {} ± {se_w}",
                sw.value
            );
        }
        out.compared += 1;
        if d.value > 0.0 {
            out.nonzero += 1;
        }
    }
    out
}

#[test]
fn analytic_and_simulation_agree_on_every_example() {
    // Years per example, sized to keep the debug-build test quick. realtime-chat's
    // soft dependencies on replicated stores make a failed failover (one in fifty,
    // lasting as long as a zone or region outage) part of its degraded time: rare,
    // long events, so it needs a few thousand years for its interval to hold them;
    // web-shop's soft dependency on its cache likewise.
    for (name, years) in EXAMPLES.iter().zip([8000, 1500, 4000, 8000]) {
        let t = example(name);
        let d = example_deployment(&t);
        let o = compare(&t, &d, years, 20_240_611, true);
        assert!(o.compared >= t.services.len(), "{name}");
        // Something went down in the simulation, so the comparison could have failed.
        assert!(o.nonzero > 0, "{name}: nothing went down in {years} years");
    }
}

/// Rates far above the catalog's: zones fail twice a year, regions every other year,
/// instances six times a year, partitions and control-plane outages often. Coincident
/// failures are common, exercising the multi-event states and every recovery path.
pub const STRESS: &str = include_str!("failure_support/stress.toml");

#[test]
fn analytic_and_simulation_agree_under_frequent_failures() {
    let t = parse(STRESS);
    let d = failure::Deployment::from_placement(&t);
    let o = compare(&t, &d, 2500, 7, false);
    assert_eq!(o.nonzero, o.compared);
}

/// The same under failovers that fail often: every store's failover fails with
/// probability 0.3, so the waits for a primary are a large share of the downtime.
#[test]
fn analytic_and_simulation_agree_when_failovers_fail_often() {
    let t = parse(&format!(
        "{STRESS}\n[overrides.failure.failover]\nfails = 0.3\n"
    ));
    let d = failure::Deployment::from_placement(&t);
    let o = compare(&t, &d, 2500, 13, false);
    assert_eq!(o.nonzero, o.compared);
}

/// The control-plane-heavy case: two control-plane outages a year in the region of a
/// replicated store and of a 3-member quorum, so failed instances regularly wait out
/// an impaired control plane and the waits of one outage are correlated through its
/// age. Nothing is allowed for coincident failures.
#[test]
fn analytic_and_simulation_agree_under_frequent_control_plane_outages() {
    let mut text = String::from(
        r#"version = 1
[system]
name = "cp-heavy"
regions = ["us-east-2"]
[system.zones]
us-east-2 = ["us-east-2a", "us-east-2b", "us-east-2c"]
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
failover = "5m"
[services.q]
kind = "quorum"
replicas = 3
replica_vcpu = 2
replica_memory_gib = 8
[placement.db]
[[placement.db.groups]]
region = "us-east-2"
zone = "us-east-2a"
instance_type = "r6i.large"
count = 1
role = "primary"
[[placement.db.groups]]
region = "us-east-2"
zone = "us-east-2b"
instance_type = "r6i.large"
count = 1
role = "replica"
[placement.q]
"#,
    );
    for z in ["us-east-2a", "us-east-2b", "us-east-2c"] {
        text.push_str(&format!(
            "[[placement.q.groups]]\nregion = \"us-east-2\"\nzone = \"{z}\"\ninstance_type = \"m6i.large\"\ncount = 1\n"
        ));
    }
    text.push_str(
        "[overrides.failure.instance]\nrate_per_year = 6\nmedian_hours = 0.2\nmean_hours = 0.5\n[overrides.failure.region_control_plane]\nrate_per_year = 2\n",
    );
    let t = parse(&text);
    let d = failure::Deployment::from_placement(&t);
    let o = compare(&t, &d, 3000, 11, false);
    assert_eq!(o.nonzero, o.compared);
}
