//! Stranded sagas: a journey with compensations and a request rate, against the closed
//! form when its services share nothing, against a brute-force enumeration of every
//! failure state when the failing step and the compensator share a zone, and the
//! simulation against the analytic figure and the closed-form time inconsistent.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, parse, unavail};
use faultline_models::failure::{self, check, Assumptions, Deployment, Options};
use faultline_models::topology::Topology;

const SECONDS_PER_YEAR: f64 = 8760.0 * 3600.0;

/// `first` → `second`, `first` undone by `undo`; one 4-vCPU instance each, in the
/// zones given. Instances never fail; the other processes as `rates` says.
fn topology(zones: [&str; 3], rates: &str, rps: f64, bound: Option<f64>) -> Topology {
    let mut t = format!(
        r#"
version = 1
[system]
name = "sagas"
regions = ["us-east-2"]

[services.first]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1

[services.second]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1

[services.undo]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1

[journeys.pay]
steps = ["first", "second"]
compensations = {{ first = "undo" }}
requests_per_second = {rps}
"#
    );
    if let Some(b) = bound {
        t.push_str(&format!(
            "[journeys.pay.slo]\nmax_stranded_per_year = {b}\n"
        ));
    }
    for (svc, zone) in ["first", "second", "undo"].iter().zip(zones) {
        t.push_str(&format!(
            r#"
[placement.{svc}]
[[placement.{svc}.groups]]
region = "us-east-2"
zone = "us-east-2{zone}"
instance_type = "m6i.xlarge"
count = 1
"#
        ));
    }
    t.push_str(rates);
    t.push_str(
        r#"
[overrides.failure.instance]
rate_per_year = 0.0
# Zones fail independently here: correlated zone outages have their own tests.
[overrides.failure.correlation]
second_zone = 0
third_zone = 0
control_plane_impaired = 0
relaunch_contention = 0
"#,
    );
    parse(&t)
}

const ZONES_ONLY: &str = r#"
[overrides.failure.zone]
rate_per_year = 4.0
median_hours = 5.0
mean_hours = 9.0
[overrides.failure.zone_impairment]
rate_per_year = 0.0
[overrides.failure.zone_isolation]
rate_per_year = 0.0
[overrides.failure.region]
rate_per_year = 0.0
[overrides.failure.region_control_plane]
rate_per_year = 0.0
"#;

const EVERYTHING: &str = r#"
[overrides.failure.zone]
rate_per_year = 4.0
median_hours = 5.0
mean_hours = 9.0
[overrides.failure.zone_impairment]
rate_per_year = 0.0
[overrides.failure.zone_isolation]
rate_per_year = 2.0
median_hours = 1.0
mean_hours = 2.0
[overrides.failure.region]
rate_per_year = 1.0
median_hours = 6.0
mean_hours = 8.0
[overrides.failure.region_control_plane]
rate_per_year = 3.0
median_hours = 6.0
mean_hours = 8.0
"#;

/// Lost capacity is never relaunched, so each state's status is plain.
fn no_relaunch(t: &Topology) -> Assumptions {
    Assumptions {
        scale_up_seconds: 1e15,
        ..Assumptions::defaults(t, catalog())
    }
}

fn stranded(t: &Topology) -> f64 {
    let d = Deployment::from_placement(t);
    let r = check::analytic(t, catalog(), &d, 4, 100_000, Some(no_relaunch(t))).unwrap();
    r.stranded["pay"]
}

#[test]
fn independent_services_strand_by_the_product() {
    let t = topology(["a", "b", "c"], ZONES_ONLY, 10.0, None);
    let u = unavail(4.0, 9.0);
    // The first step up, the second down, the compensator down.
    let want = (1.0 - u) * u * u;
    let got = stranded(&t);
    assert!(
        (got - want).abs() <= 1e-12 + 1e-9 * want,
        "got {got:e}, want {want:e}"
    );
}

#[test]
fn a_shared_zone_strands_jointly_as_enumeration_says() {
    // The second step and the compensator share zone b: one outage strands.
    let t = topology(["a", "b", "b"], EVERYTHING, 10.0, None);
    let uz = unavail(4.0, 9.0);
    let ui = unavail(2.0, 2.0);
    let ur = unavail(1.0, 8.0);
    let uc = unavail(3.0, 8.0);
    // Zones a, b, c; their isolations; the region; its control plane.
    let us = [uz, uz, uz, ui, ui, ui, ur, uc];
    let mut want = 0.0;
    for mask in 0u32..(1 << us.len()) {
        let on = |i: usize| mask & (1 << i) != 0;
        let p: f64 = (0..us.len())
            .map(|i| if on(i) { us[i] } else { 1.0 - us[i] })
            .product();
        let zone_ok = |z: usize| !on(z) && !on(3 + z) && !on(6);
        let (first, second, undo) = (zone_ok(0), zone_ok(1), zone_ok(1));
        if first && !second && !undo {
            want += p;
        }
    }
    let got = stranded(&t);
    assert!(
        (got - want).abs() <= 1e-12 + 1e-9 * want,
        "got {got:e}, want {want:e}"
    );
    // The product of the marginals counts the shared zone twice.
    let up_a = (1.0 - uz) * (1.0 - ui) * (1.0 - ur);
    let down_b = 1.0 - (1.0 - uz) * (1.0 - ui) * (1.0 - ur);
    let naive = up_a * down_b * down_b;
    assert!(got > 10.0 * naive, "joint {got:e} vs product {naive:e}");
}

#[test]
fn a_first_step_down_strands_nothing() {
    // Only the first step and the compensator share a zone: when both are down the
    // first step never committed, so nothing is left to undo.
    let t = topology(["a", "b", "a"], ZONES_ONLY, 10.0, None);
    let got = stranded(&t);
    assert!(got.abs() <= 1e-15, "got {got:e}, want 0");
}

#[test]
fn simulation_agrees_and_the_bound_is_checked() {
    let t = topology(["a", "b", "b"], ZONES_ONLY, 2.0, Some(1e5));
    let years = 20_000;
    let a = failure::assess(
        &t,
        catalog(),
        &Deployment::from_placement(&t),
        &Options {
            simulate_years: Some(years),
            seed: 7,
            assumptions: Some(no_relaunch(&t)),
            ..Options::default()
        },
        &mut |_, _| {},
    )
    .unwrap();
    let j = &a.journeys["pay"];
    let u = unavail(4.0, 9.0);
    let want = 2.0 * SECONDS_PER_YEAR * (1.0 - u) * u;
    let got = j.stranded_sagas_per_year.unwrap();
    assert!((got - want).abs() <= 1e-9 * want, "got {got}, want {want}");
    let check = j.slo.stranded.as_ref().unwrap();
    assert_eq!(check.limit_per_year, 1e5);
    assert_eq!(check.met, got <= 1e5);
    assert_eq!(j.slo.met, check.met);

    let sim = j.simulation.as_ref().unwrap();
    let est = sim.stranded_sagas_per_year.unwrap();
    // The 95% interval is ±1.96 se; allow 99% (2.576 se).
    let se = (est.high - est.value) / 1.96;
    assert!(
        (est.value - got).abs() <= 2.576 * se,
        "simulated {est:?}, analytic {got}"
    );
    // A request stranded in an outage of zone b waits for the rest of it; arrivals
    // are uniform over the outage (zone a is independent), so the wait is the
    // outage's residual life E[D²]/(2E[D]) = e^(μ + 1.5σ²)/2 for a log-normal.
    let sigma2 = 2.0 * (9.0f64 / 5.0).ln();
    let residual = (5.0f64.ln() + 1.5 * sigma2).exp() / 2.0;
    let hours = sim.stranded_mean_hours.unwrap();
    assert!(
        (hours - residual).abs() <= 0.1 * residual,
        "simulated {hours} h, residual life {residual} h"
    );
}

#[test]
fn journeys_without_a_rate_have_no_figure() {
    let t = parse(
        r#"
version = 1
[system]
name = "plain"
regions = ["us-east-2"]
[services.a]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1
[services.b]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1
[journeys.j]
steps = ["a", "b"]
compensations = { a = "b" }
[placement.a]
[[placement.a.groups]]
region = "us-east-2"
instance_type = "m6i.xlarge"
count = 1
[placement.b]
[[placement.b.groups]]
region = "us-east-2"
instance_type = "m6i.xlarge"
count = 1
"#,
    );
    let a = failure::assess(
        &t,
        catalog(),
        &Deployment::from_placement(&t),
        &Options::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert!(a.journeys["j"].stranded_sagas_per_year.is_none());
    assert!(a.journeys["j"].slo.stranded.is_none());
}
