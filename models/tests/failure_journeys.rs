//! Journeys and dependencies are computed jointly over the shared failure states: with
//! services sharing zones, the journey's availability equals a brute-force enumeration
//! of every failure state, and differs from the product of its steps' figures.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, parse, unavail};
use faultline_models::failure::{check, Assumptions, Deployment};

/// `a` runs in zone a only; `b` needs its instances in zones a and b; `c` runs in zone
/// c and depends hard on `b`; `d` runs in zone b and depends softly on `a`. Instances
/// never fail; zones, their isolation, the region and its control plane do.
const TOPOLOGY: &str = r#"
version = 1
[system]
name = "shared"
regions = ["us-east-2"]

[services.a]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1

[services.b]
kind = "stateless"
peak_vcpu = 8
peak_memory_gib = 1

[services.c]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1
[services.c.depends_on]
b = "hard"

[services.d]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 1
[services.d.depends_on]
a = "soft"

[journeys.ab]
steps = ["a", "b"]

[journeys.cd]
steps = ["c", "d"]

[placement.a]
[[placement.a.groups]]
region = "us-east-2"
zone = "us-east-2a"
instance_type = "m6i.xlarge"
count = 1

[placement.b]
[[placement.b.groups]]
region = "us-east-2"
zone = "us-east-2a"
instance_type = "m6i.xlarge"
count = 1
[[placement.b.groups]]
region = "us-east-2"
zone = "us-east-2b"
instance_type = "m6i.xlarge"
count = 1

[placement.c]
[[placement.c.groups]]
region = "us-east-2"
zone = "us-east-2c"
instance_type = "m6i.xlarge"
count = 1

[placement.d]
[[placement.d.groups]]
region = "us-east-2"
zone = "us-east-2b"
instance_type = "m6i.xlarge"
count = 1

[overrides.failure.instance]
rate_per_year = 0.0
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
# Zones fail independently here: correlated zone outages have their own test.
[overrides.failure.correlation]
second_zone = 0
third_zone = 0
control_plane_impaired = 0
relaunch_contention = 0
"#;

#[test]
fn journeys_equal_brute_force_and_differ_from_the_product() {
    let t = parse(TOPOLOGY);
    let d = Deployment::from_placement(&t);
    // Lost capacity is never relaunched, so each state's status is plain to enumerate.
    let a = Assumptions {
        scale_up_seconds: 1e15,
        ..Assumptions::defaults(&t, catalog())
    };
    let r = check::analytic(&t, catalog(), &d, 4, 100_000, Some(a)).unwrap();

    // Components: zones a, b, c; their isolation; the region; its control plane.
    let uz = unavail(4.0, 9.0);
    let ui = unavail(2.0, 2.0);
    let ur = unavail(1.0, 8.0);
    let uc = unavail(3.0, 8.0);
    let us = [uz, uz, uz, ui, ui, ui, ur, uc];
    let mut want = std::collections::BTreeMap::<&str, (f64, f64)>::new();
    for mask in 0u32..(1 << us.len()) {
        let on = |i: usize| mask & (1 << i) != 0;
        let p: f64 = (0..us.len())
            .map(|i| if on(i) { us[i] } else { 1.0 - us[i] })
            .product();
        // A zone serves when it, its isolation and the region are all fine.
        let zone_ok = |z: usize| !on(z) && !on(3 + z) && !on(6);
        let a = zone_ok(0);
        let b = zone_ok(0) && zone_ok(1);
        let c_own = zone_ok(2);
        let d_own = zone_ok(1);
        // c: hard on b. d: soft on a (down a makes d degraded, not down).
        let c_up = c_own && b;
        let d_up = d_own && a;
        let d_ge = d_own;
        let add = |want: &mut std::collections::BTreeMap<&str, (f64, f64)>,
                   k: &'static str,
                   up: bool,
                   ge: bool| {
            let e = want.entry(k).or_insert((0.0, 0.0));
            if !up {
                e.0 += p;
            }
            if !ge {
                e.1 += p;
            }
        };
        add(&mut want, "a", a, a);
        add(&mut want, "b", b, b);
        add(&mut want, "c", c_up, c_up);
        add(&mut want, "d", d_up, d_ge);
        add(&mut want, "ab", a && b, a && b);
        add(&mut want, "cd", c_up && d_up, c_up && d_ge);
    }
    for (name, (notup, down)) in &want {
        let i = r.names.iter().position(|n| n == name).unwrap();
        assert!(
            (r.notup[i] - notup).abs() <= 1e-12 + r.error_bound,
            "{name}: not up {} vs brute force {notup}",
            r.notup[i]
        );
        assert!(
            (r.down[i] - down).abs() <= 1e-12 + r.error_bound,
            "{name}: down {} vs brute force {down}",
            r.down[i]
        );
    }
    // The naive product of the steps' availabilities counts zone a and the region
    // twice.
    let avail = |n: &str| 1.0 - r.notup[r.names.iter().position(|x| x == n).unwrap()];
    let joint = avail("ab");
    let naive = avail("a") * avail("b");
    assert!(
        (joint - naive) > 1e-5,
        "joint {joint} should be clearly above the naive product {naive}"
    );
    // b's availability is the journey's (a's failures are a subset of b's).
    assert!((joint - avail("b")).abs() < 1e-15);
}
