//! The analytic method against closed forms computed here from first principles:
//! k-of-n fleets and 2-of-3 / 3-of-5 quorums under independent instance failures and
//! under zone outages, and a replicated store's failover window.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, parse, unavail};
use faultline_models::failure::{check, Assumptions, Deployment};
use statrs::distribution::{ContinuousCDF, Normal};

/// C(n, k) as a float, multiplied out.
fn binom(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// Overrides that switch every failure mode off except the ones given, with zones
/// failing independently (no followers, launches always work) and failovers never
/// failing.
fn overrides(instance: Option<(f64, f64, f64)>, zone: Option<(f64, f64, f64)>) -> String {
    overrides_failing(instance, zone, 0.0)
}

/// [`overrides`], with each failover failing with probability `fails`.
fn overrides_failing(
    instance: Option<(f64, f64, f64)>,
    zone: Option<(f64, f64, f64)>,
    fails: f64,
) -> String {
    let mut s = String::from(
        "\n[overrides.failure.correlation]\nsecond_zone = 0\nthird_zone = 0\ncontrol_plane_impaired = 0\nrelaunch_contention = 0\n",
    );
    s.push_str(&format!(
        "\n[overrides.failure.failover]\nfails = {fails}\n\n[overrides.failure.zone_impairment]\nrate_per_year = 0\n"
    ));
    for (mode, v) in [
        ("instance", instance),
        ("zone", zone),
        ("zone_isolation", None),
        ("region", None),
        ("region_control_plane", None),
        ("region_partition", None),
    ] {
        let (r, med, mean) = v.unwrap_or((0.0, 1.0, 1.0));
        s.push_str(&format!(
            "\n[overrides.failure.{mode}]\nrate_per_year = {r}\nmedian_hours = {med}\nmean_hours = {mean}\n"
        ));
    }
    s
}

fn raw(text: &str, assumptions: Option<Assumptions>) -> check::Raw {
    let t = parse(text);
    let d = Deployment::from_placement(&t);
    check::analytic(&t, catalog(), &d, 4, 100_000, assumptions).unwrap()
}

fn find(r: &check::Raw, name: &str) -> usize {
    r.names.iter().position(|n| n == name).unwrap()
}

fn fleet(n: u32, need: u32, floor: f64, instance: (f64, f64, f64)) -> String {
    // m6i.xlarge: 4 vCPU, 16 GiB. Demand of `need` instances' vCPU, little memory.
    format!(
        r#"version = 1
[system]
name = "fleet"
regions = ["us-east-2"]
[services.web]
kind = "stateless"
peak_vcpu = {}
peak_memory_gib = 1
degraded_floor = {floor}
[placement.web]
[[placement.web.groups]]
region = "us-east-2"
zone = "us-east-2a"
instance_type = "m6i.xlarge"
count = {n}
{}"#,
        4 * need,
        overrides(Some(instance), None)
    )
}

#[test]
fn k_of_n_fleet_matches_the_binomial_closed_form() {
    let (rate, median, mean) = (3.0, 2.0, 5.0);
    let q = unavail(rate, mean);
    for (n, k) in [(3, 2), (5, 3), (10, 7), (40, 36)] {
        let r = raw(&fleet(n, k, 1.0, (rate, median, mean)), None);
        // Not up when more than n − k instances are down.
        let notup: f64 = (n - k + 1..=n)
            .map(|j| binom(n, j) * q.powi(j as i32) * (1.0 - q).powi((n - j) as i32))
            .sum();
        let got = r.notup[find(&r, "web")];
        assert!(
            (notup - got).abs() <= 1e-9 * notup + r.error_bound,
            "{k}-of-{n}: {got} vs {notup}"
        );
    }
}

#[test]
fn degradation_floor_splits_degraded_from_down() {
    let (rate, median, mean) = (20.0, 2.0, 5.0);
    let q = unavail(rate, mean);
    // 10 instances, demand of 8, floor 0.5: up with ≥ 8, degraded with 4–7, down below.
    let r = raw(&fleet(10, 8, 0.5, (rate, median, mean)), None);
    let p = |j: u32| binom(10, j) * q.powi(j as i32) * (1.0 - q).powi((10 - j) as i32);
    let down: f64 = (7..=10).map(p).sum();
    let notup: f64 = (3..=10).map(p).sum();
    let i = find(&r, "web");
    assert!(
        (r.down[i] - down).abs() <= 1e-9 * down,
        "{} vs {down}",
        r.down[i]
    );
    assert!(
        (r.notup[i] - notup).abs() <= 1e-9 * notup,
        "{} vs {notup}",
        r.notup[i]
    );
}

fn quorum(
    zones: &[&str],
    instance: Option<(f64, f64, f64)>,
    zone: Option<(f64, f64, f64)>,
) -> String {
    let mut s = format!(
        r#"version = 1
[system]
name = "quorum"
regions = ["us-east-1"]
[services.q]
kind = "quorum"
replicas = {}
replica_vcpu = 2
replica_memory_gib = 8
[placement.q]
"#,
        zones.len()
    );
    for z in zones {
        s.push_str(&format!(
            "[[placement.q.groups]]\nregion = \"us-east-1\"\nzone = \"{z}\"\ninstance_type = \"m6i.large\"\ncount = 1\n"
        ));
    }
    s + &overrides(instance, zone)
}

/// P(fewer than `maj` of `n` independent members up), each down with `u`.
fn no_majority(n: u32, maj: u32, u: f64) -> f64 {
    (0..maj)
        .map(|j| binom(n, j) * (1.0 - u).powi(j as i32) * u.powi((n - j) as i32))
        .sum()
}

fn no_election(t: &str) -> Assumptions {
    let t = parse(t);
    Assumptions {
        election_seconds: 0.0,
        ..Assumptions::defaults(&t, catalog())
    }
}

#[test]
fn quorums_match_the_majority_closed_form() {
    let zones = [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
        "us-east-1d",
        "us-east-1f",
    ];
    for n in [3usize, 5] {
        let maj = (n / 2 + 1) as u32;
        // Independent instance failures.
        let (rate, med, mean) = (8.0, 3.0, 6.0);
        let text = quorum(&zones[..n], Some((rate, med, mean)), None);
        let r = raw(&text, Some(no_election(&text)));
        let want = no_majority(n as u32, maj, unavail(rate, mean));
        let got = r.notup[find(&r, "q")];
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{maj}-of-{n} instances: {got} vs {want}"
        );
        // Zone outages, one member per zone.
        let (rate, med, mean) = (4.0, 5.0, 12.0);
        let text = quorum(&zones[..n], None, Some((rate, med, mean)));
        let r = raw(&text, Some(no_election(&text)));
        let want = no_majority(n as u32, maj, unavail(rate, mean));
        let got = r.notup[find(&r, "q")];
        assert!(
            (got - want).abs() <= 1e-9 * want + r.error_bound,
            "{maj}-of-{n} zones: {got} vs {want}"
        );
    }
}

#[test]
fn quorum_leader_loss_costs_the_election_window() {
    // With the default election time, losing the leader's instance costs the first
    // `election` seconds of its outage even when a majority remains.
    let (rate, med, mean) = (8.0, 3.0, 6.0);
    let text = quorum(
        &["us-east-1a", "us-east-1b", "us-east-1c"],
        Some((rate, med, mean)),
        None,
    );
    let t = parse(&text);
    let a = Assumptions::defaults(&t, catalog());
    let r = raw(&text, None);
    let q = unavail(rate, mean);
    let w = mean_min(a.election_seconds / 3600.0, med, mean) / mean;
    // Leader up: it needs one of the other two. Leader down: down during the window,
    // then a majority of 2 needs both others up.
    let want = (1.0 - q) * q * q + q * (w + (1.0 - w) * (1.0 - (1.0 - q) * (1.0 - q)));
    let got = r.notup[find(&r, "q")];
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
}

/// E[min(t, D)] for a log-normal D with this median and mean, by integrating its
/// survival function numerically.
fn mean_min(t: f64, median: f64, mean: f64) -> f64 {
    let mu = median.ln();
    let sigma = (2.0 * (mean / median).ln()).sqrt();
    let n = Normal::new(mu, sigma).unwrap();
    let steps = 200_000;
    let h = t / steps as f64;
    (0..steps)
        .map(|i| {
            let x: f64 = (i as f64 + 0.5) * h;
            (1.0 - n.cdf(x.ln())) * h
        })
        .sum()
}

#[test]
fn replicated_store_is_down_for_the_failover_window() {
    // Primary in zone a, replica in zone b; only zone outages. Down while zone a's
    // outage is younger than the failover time, and whenever both zones are down.
    let (rate, med, mean) = (3.0, 2.0, 6.0);
    let text = format!(
        r#"version = 1
[system]
name = "store"
regions = ["us-east-2"]
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
failover = "20m"
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
{}"#,
        overrides(None, Some((rate, med, mean)))
    );
    let r = raw(&text, None);
    let u = unavail(rate, mean);
    let w = mean_min(20.0 / 60.0, med, mean) / mean;
    let want = u * (1.0 - u) * w + u * u;
    let got = r.down[find(&r, "db")];
    // The exponential approximation of a two-event state's sojourn does not matter
    // here: both zones down is down throughout.
    assert!(
        (got - want).abs() <= 1e-8 * want + r.error_bound,
        "{got} vs {want}"
    );
}

/// A primary in zone a and a replica in zone b, with the given failure overrides.
fn store(extra: &str) -> String {
    format!(
        r#"version = 1
[system]
name = "store"
regions = ["us-east-2"]
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
failover = "20m"
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
{extra}"#
    )
}

#[test]
fn a_failed_failover_after_a_zone_outage_waits_for_the_primary() {
    // Only zone outages; each failover fails with probability f. Zone a alone down:
    // down during the window, then down with probability f for the rest of the
    // outage (the store waits for its primary). Zone b alone: the primary serves.
    // Both: down.
    let (rate, med, mean) = (3.0, 2.0, 6.0);
    for f in [0.0, 0.1, 0.5] {
        let r = raw(
            &store(&overrides_failing(None, Some((rate, med, mean)), f)),
            None,
        );
        let u = unavail(rate, mean);
        let w = mean_min(20.0 / 60.0, med, mean) / mean;
        let want = u * (1.0 - u) * (w + (1.0 - w) * f) + u * u;
        let got = r.down[find(&r, "db")];
        assert!(
            (got - want).abs() <= 1e-8 * want + r.error_bound,
            "f = {f}: {got} vs {want}"
        );
    }
}

#[test]
fn a_failed_failover_after_an_instance_failure_waits_for_the_primary() {
    // Only instance failures (independent): the primary's instance down for longer
    // than the window is a failover, which fails with probability f; otherwise the
    // store is down only while the replica is down too.
    let (rate, med, mean) = (20.0, 0.5, 1.0);
    let f = 0.25;
    let r = raw(
        &store(&overrides_failing(Some((rate, med, mean)), None, f)),
        None,
    );
    let q = unavail(rate, mean);
    let w = mean_min(20.0 / 60.0, med, mean) / mean;
    let want = q * w + q * (1.0 - w) * (f + (1.0 - f) * q);
    let got = r.down[find(&r, "db")];
    assert!(
        (got - want).abs() <= 1e-6 * want + r.error_bound,
        "{got} vs {want}"
    );
}

/// Overrides with every mode off but instance failures (when given) and zone
/// impairments at `rate` a zone-year, lasting `med`/`mean` hours, each taking an
/// instance of the zone with probability `share`.
fn impaired(
    instance: Option<(f64, f64, f64)>,
    (rate, med, mean, share): (f64, f64, f64, f64),
) -> String {
    let base = overrides(instance, None);
    // The later table replaces the switched-off one.
    let base = base.replace(
        "[overrides.failure.zone_impairment]\nrate_per_year = 0\n",
        &format!(
            "[overrides.failure.zone_impairment]\nrate_per_year = {rate}\nmedian_hours = {med}\nmean_hours = {mean}\nshare = {share}\n"
        ),
    );
    assert!(base.contains("share ="));
    base
}

/// A zone impairment takes each instance of its zone with probability s for as long
/// as it lasts, on top of the instances' own failures: given the impairment, an
/// instance is down with q' = 1 − (1 − q)(1 − s), so a k-of-n fleet in one zone is
/// not up with (1 − u)·B(q) + u·B(q'), B(p) the binomial tail of more than n − k down.
#[test]
fn an_impaired_zone_takes_its_share_of_a_fleet() {
    let inst = (3.0, 2.0, 5.0);
    let g = (4.0, 3.0, 8.0, 0.25);
    let q = unavail(inst.0, inst.2);
    let u = unavail(g.0, g.2);
    let q2 = 1.0 - (1.0 - q) * (1.0 - g.3);
    for (n, k) in [(1, 1), (4, 3), (10, 7)] {
        let text =
            fleet(n, k, 1.0, inst).replace(&overrides(Some(inst), None), &impaired(Some(inst), g));
        let r = raw(&text, None);
        let tail = |p: f64| -> f64 {
            (n - k + 1..=n)
                .map(|j| binom(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32))
                .sum()
        };
        let want = (1.0 - u) * tail(q) + u * tail(q2);
        let got = r.notup[find(&r, "web")];
        assert!(
            (got - want).abs() <= 1e-9 * want + r.error_bound,
            "{k}-of-{n}: {got} vs {want}"
        );
    }
}

/// A primary in an impaired zone is taken with probability s when the impairment
/// begins, so the store is down for the failover window then; after it, only while
/// the replica's zone is impaired and has taken the replica too. Primary in zone a,
/// replica in zone b, nothing else failing:
/// u·s·[w + (1 − w)·u·s], w the impairment's window fraction E[min(t, D)]/E[D].
#[test]
fn an_impaired_primary_costs_the_failover_window() {
    let (rate, med, mean, share) = (4.0, 3.0, 8.0, 0.25);
    let text = store(&impaired(None, (rate, med, mean, share)));
    let r = raw(&text, None);
    let u = unavail(rate, mean);
    let w = mean_min(20.0 / 60.0, med, mean) / mean;
    let want = u * share * (w + (1.0 - w) * u * share);
    let got = r.down[find(&r, "db")];
    assert!(
        (got - want).abs() <= 1e-6 * want + r.error_bound,
        "{got} vs {want}"
    );
}
