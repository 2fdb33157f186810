//! The correlated processes against independent computation: zone outages that take
//! more zones with them (brute-force enumeration of every set of outages and every
//! choice of followers), zone outages that stop launches (closed form), and failed
//! instances waiting out an impaired control plane (numerical integration over the
//! impairment's age), plus the correlation study of docs/failure-model.md.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, parse, unavail};
use faultline_models::failure::{self, check, Deployment, Options};
use statrs::distribution::{ContinuousCDF, Normal};

fn raw(text: &str) -> check::Raw {
    let t = parse(text);
    let d = Deployment::from_placement(&t);
    check::analytic(&t, catalog(), &d, 4, 100_000, None).unwrap()
}

fn find(r: &check::Raw, name: &str) -> usize {
    r.names.iter().position(|n| n == name).unwrap()
}

/// Every mode off, then the given ones; correlation as given; failovers never fail.
fn modes(on: &[(&str, f64, f64, f64)], corr: (f64, f64, f64, f64)) -> String {
    let mut s = format!(
        "\n[overrides.failure.failover]\nfails = 0\n[overrides.failure.zone_impairment]\nrate_per_year = 0\n[overrides.failure.correlation]\nsecond_zone = {}\nthird_zone = {}\ncontrol_plane_impaired = {}\nrelaunch_contention = {}\n",
        corr.0, corr.1, corr.2, corr.3
    );
    for mode in [
        "instance",
        "zone",
        "zone_isolation",
        "region",
        "region_control_plane",
        "region_partition",
    ] {
        let (r, med, mean) = on
            .iter()
            .find(|x| x.0 == mode)
            .map_or((0.0, 1.0, 1.0), |x| (x.1, x.2, x.3));
        s.push_str(&format!(
            "\n[overrides.failure.{mode}]\nrate_per_year = {r}\nmedian_hours = {med}\nmean_hours = {mean}\n"
        ));
    }
    s
}

fn quorum3(extra: &str) -> String {
    let mut s = String::from(
        "version = 1\n[system]\nname = \"q\"\nregions = [\"us-east-2\"]\n[services.q]\nkind = \"quorum\"\nreplicas = 3\nreplica_vcpu = 2\nreplica_memory_gib = 8\n[placement.q]\n",
    );
    for z in ["us-east-2a", "us-east-2b", "us-east-2c"] {
        s.push_str(&format!(
            "[[placement.q.groups]]\nregion = \"us-east-2\"\nzone = \"{z}\"\ninstance_type = \"m6i.large\"\ncount = 1\n"
        ));
    }
    s + extra
}

#[test]
fn followers_match_brute_force_enumeration() {
    // Three zones, one quorum member each, only zone outages: every set of outages,
    // and for each outage every choice of followers, enumerated independently.
    let (rate, med, mean) = (3.0, 4.0, 9.0);
    let (p2, p3) = (0.2, 0.4);
    let r = raw(&quorum3(&modes(
        &[("zone", rate, med, mean)],
        (p2, p3, 0.0, 0.0),
    )));
    let u = unavail(rate, mean);
    // Followers of an outage of zone i: none, one of the other two, or both.
    let follow = |i: usize| -> Vec<(u32, f64)> {
        let others: Vec<usize> = (0..3).filter(|j| *j != i).collect();
        vec![
            (0, 1.0 - p2),
            (1 << others[0], p2 * (1.0 - p3) / 2.0),
            (1 << others[1], p2 * (1.0 - p3) / 2.0),
            ((1 << others[0]) | (1 << others[1]), p2 * p3),
        ]
    };
    let mut want = 0.0;
    for set in 0u32..8 {
        let mut p = 1.0;
        for i in 0..3 {
            p *= if set & (1 << i) != 0 { u } else { 1.0 - u };
        }
        // Every combination of followers of the outages in the set.
        let members: Vec<usize> = (0..3).filter(|i| set & (1 << i) != 0).collect();
        let mut combos: Vec<(u32, f64)> = vec![(set, 1.0)];
        for i in members {
            combos = combos
                .iter()
                .flat_map(|(m, w)| follow(i).into_iter().map(move |(f, pf)| (m | f, w * pf)))
                .collect();
        }
        for (down, w) in combos {
            if down.count_ones() >= 2 {
                want += p * w;
            }
        }
    }
    let got = r.notup[find(&r, "q")];
    assert!(
        (got - want).abs() <= 1e-9 * want + r.error_bound,
        "{got} vs {want} (bound {})",
        r.error_bound
    );
    // The single-zone term alone: correlation is most of the unavailability.
    let independent = 3.0 * u * u * (1.0 - u) + u * u * u;
    assert!(want > 5.0 * independent, "{want} vs {independent}");
}

#[test]
fn zone_outages_that_stop_launches_keep_a_fleet_short() {
    // Three instances, one per zone, all needed: losing a zone leaves the fleet short
    // until the relaunch (the scale-up delay), or for the whole outage when launches
    // fail. Instances never fail by themselves.
    let (rate, med, mean) = (2.0, 3.0, 8.0);
    let pb = 0.3;
    let mut text = String::from(
        "version = 1\n[system]\nname = \"f\"\nregions = [\"us-east-2\"]\n[services.web]\nkind = \"stateless\"\npeak_vcpu = 12\npeak_memory_gib = 8\ndegraded_floor = 0.5\n[placement.web]\n",
    );
    for z in ["us-east-2a", "us-east-2b", "us-east-2c"] {
        text.push_str(&format!(
            "[[placement.web.groups]]\nregion = \"us-east-2\"\nzone = \"{z}\"\ninstance_type = \"m6i.xlarge\"\ncount = 1\n"
        ));
    }
    text += &modes(&[("zone", rate, med, mean)], (0.0, 0.0, pb, 0.0));
    let r = raw(&text);
    let t = parse(&text);
    let scale_h = failure::Assumptions::defaults(&t, catalog()).scale_up_seconds / 3600.0;
    // Share of an outage spent before the relaunch: E[min(T, D)] / E[D].
    let mu = med.ln();
    let sigma = (2.0 * (mean / med).ln()).sqrt();
    let n = Normal::new(mu, sigma).unwrap();
    let steps = 100_000;
    let h = scale_h / steps as f64;
    let mean_min: f64 = (0..steps)
        .map(|i| (1.0 - n.cdf(((i as f64 + 0.5) * h).ln())) * h)
        .sum();
    let w = mean_min / mean;
    let u = unavail(rate, mean);
    // One zone down: short for the window, or throughout when launches fail. Two or
    // more down (allowed for whole below): short for part of it.
    let one = 3.0 * u * (1.0 - u) * (1.0 - u);
    let many = 1.0 - (1.0 - u).powi(3) - one;
    let want = one * ((1.0 - pb) * w + pb);
    let got = r.notup[find(&r, "web")];
    assert!(
        (got - want).abs() <= 1e-6 * want + r.error_bound + many,
        "{got} vs {want} (bound {})",
        r.error_bound
    );
}

/// Age density of an outage seen from inside it, P(D > a)/E[D], on a fine grid:
/// (age, weight) pairs.
fn ages(med: f64, mean: f64) -> Vec<(f64, f64)> {
    let mu = med.ln();
    let sigma = (2.0 * (mean / med).ln()).sqrt();
    let n = Normal::new(mu, sigma).unwrap();
    // Logarithmic grid: a = e^y.
    // Far enough that failed instances have long saturated (λa ≫ 1).
    let (lo, hi, steps) = (-12.0_f64, 11.0_f64, 30_000);
    let h = (hi - lo) / steps as f64;
    (0..steps)
        .map(|i| {
            let a = (lo + (i as f64 + 0.5) * h).exp();
            (a, (1.0 - n.cdf(a.ln())) / mean * a * h)
        })
        .collect()
}

#[test]
fn instances_waiting_out_a_control_plane_outage_match_integration() {
    // A 3-member quorum in one region with frequent instance failures and
    // control-plane outages; nothing else fails, and elections are instant. During an
    // outage of age a every member is down with d(a) = 1 − (1 − q)e^(−λa)
    // independently given a, so P(no majority) = ∫ P(≥ 2 of 3 down | a) f(a) da.
    let (irate, imed, imean) = (6.0, 0.2, 0.5);
    let (crate_, cmed, cmean) = (4.0, 6.0, 12.0);
    let text = quorum3(&modes(
        &[
            ("instance", irate, imed, imean),
            ("region_control_plane", crate_, cmed, cmean),
        ],
        (0.0, 0.0, 0.0, 0.0),
    ));
    let t = parse(&text);
    let d = Deployment::from_placement(&t);
    let a = failure::Assumptions {
        election_seconds: 0.0,
        ..failure::Assumptions::defaults(&t, catalog())
    };
    let r = check::analytic(&t, catalog(), &d, 4, 100_000, Some(a)).unwrap();
    let q = unavail(irate, imean);
    let lam = irate / 8760.0;
    let two_of_three = |x: f64| 3.0 * x * x * (1.0 - x) + x * x * x;
    let held: f64 = ages(cmed, cmean)
        .iter()
        .map(|(age, w)| w * two_of_three(1.0 - (1.0 - q) * (-lam * age).exp()))
        .sum();
    let u = unavail(crate_, cmean);
    let want = (1.0 - u) * two_of_three(q) + u * held;
    let got = r.notup[find(&r, "q")];
    assert!(
        (got - want).abs() <= 2e-3 * want,
        "{got} vs {want}; independent-age estimate {}",
        (1.0 - u) * two_of_three(q) + u * two_of_three(1.0 - (1.0 - q) * (-lam * cmean).exp())
    );
}

#[test]
fn failover_window_during_a_control_plane_outage_matches_integration() {
    // Primary and replica in one region, instance failures and control-plane outages
    // only. At impairment age a the primary is down and inside its failover window
    // with (1 − q)(e^(−λ(a−T)+) − e^(−λa)) (+ q·P(outage age < T − a) when a < T);
    // past the window the store is down only if the replica is down too.
    let (irate, imed, imean) = (6.0, 0.2, 0.5);
    let (crate_, cmed, cmean) = (4.0, 6.0, 12.0);
    let fo_h = 300.0 / 3600.0;
    let mut text = String::from(
        "version = 1\n[system]\nname = \"s\"\nregions = [\"us-east-2\"]\n[services.db]\nkind = \"replicated\"\nreplicas = 2\nreplica_vcpu = 2\nreplica_memory_gib = 8\nfailover = \"5m\"\n[placement.db]\n[[placement.db.groups]]\nregion = \"us-east-2\"\nzone = \"us-east-2a\"\ninstance_type = \"r6i.large\"\ncount = 1\nrole = \"primary\"\n[[placement.db.groups]]\nregion = \"us-east-2\"\nzone = \"us-east-2b\"\ninstance_type = \"r6i.large\"\ncount = 1\nrole = \"replica\"\n",
    );
    text += &modes(
        &[
            ("instance", irate, imed, imean),
            ("region_control_plane", crate_, cmed, cmean),
        ],
        (0.0, 0.0, 0.0, 0.0),
    );
    let r = raw(&text);
    let q = unavail(irate, imean);
    let lam = irate / 8760.0;
    // Share of an instance outage younger than t: E[min(t, D)]/E[D], by integration.
    let mu = imed.ln();
    let sigma = (2.0 * (imean / imed).ln()).sqrt();
    let n = Normal::new(mu, sigma).unwrap();
    let wf = |t: f64| -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let steps = 200;
        let h = t / steps as f64;
        (0..steps)
            .map(|i| (1.0 - n.cdf(((i as f64 + 0.5) * h).ln())) * h)
            .sum::<f64>()
            / imean
    };
    let normal = q * wf(fo_h) + q * (1.0 - wf(fo_h)) * q;
    let held: f64 = ages(cmed, cmean)
        .iter()
        .map(|(a, w)| {
            let d = 1.0 - (1.0 - q) * (-lam * a).exp();
            let fresh = (1.0 - q) * ((-lam * (a - fo_h).max(0.0)).exp() - (-lam * a).exp());
            let old = if *a < fo_h { q * wf(fo_h - a) } else { 0.0 };
            let within = fresh + old;
            w * (within + (d - within) * d)
        })
        .sum();
    let u = unavail(crate_, cmean);
    let want = (1.0 - u) * normal + u * held;
    let got = r.down[find(&r, "db")];
    assert!((got - want).abs() <= 2e-3 * want, "{got} vs {want}");
}

#[test]
fn correlation_study_independence_overstates_availability() {
    // The study of docs/failure-model.md: the catalog's defaults, a 3-member quorum
    // and a fleet over three zones of us-east-2, rated with correlation off and on.
    let fleet = "version = 1\n[system]\nname = \"study\"\nregions = [\"us-east-2\"]\n[system.zones]\nus-east-2 = [\"us-east-2a\", \"us-east-2b\", \"us-east-2c\"]\n[services.web]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\ndegraded_floor = 0.5\n[placement.web]\n[[placement.web.groups]]\nregion = \"us-east-2\"\ninstance_type = \"m6i.xlarge\"\ncount = 3\n";
    let q =
        quorum3("\n[system.zones]\nus-east-2 = [\"us-east-2a\", \"us-east-2b\", \"us-east-2c\"]\n");
    let off = "\n[overrides.failure.correlation]\nsecond_zone = 0\nthird_zone = 0\ncontrol_plane_impaired = 0\nrelaunch_contention = 0\n";
    let rate = |text: &str, name: &str| {
        let t = parse(text);
        let d = Deployment::from_placement(&t);
        let a = failure::assess(&t, catalog(), &d, &Options::default(), &mut |_, _| {}).unwrap();
        let f = a
            .services
            .get(name)
            .or_else(|| a.journeys.get(name))
            .unwrap()
            .clone();
        (
            1.0 - f.availability,
            a.method.analytic.truncation_error_bound,
        )
    };
    let (q_on, q_bound) = rate(&q, "q");
    let (q_off, _) = rate(&format!("{q}{off}"), "q");
    let (f_on, _) = rate(fleet, "web");
    let (f_off, _) = rate(&format!("{fleet}{off}"), "web");
    // The zone-level part alone: the region-wide processes switched off.
    let no_region = "\n[overrides.failure.region]\nrate_per_year = 0\n[overrides.failure.region_control_plane]\nrate_per_year = 0\n";
    let (qz_on, _) = rate(&format!("{q}{no_region}"), "q");
    let (qz_off, _) = rate(&format!("{q}{off}{no_region}"), "q");
    eprintln!(
        "quorum: {q_off:.3e} independent, {q_on:.3e} correlated ({:.2}x; zone-level {qz_off:.3e} vs {qz_on:.3e}, {:.0}x); fleet: {f_off:.3e} vs {f_on:.3e} ({:.2}x)",
        q_on / q_off,
        qz_on / qz_off,
        f_on / f_off
    );
    // Independence overstates the zone-level unavailability of a zone-spread quorum
    // more than tenfold (Ford et al. found two orders of magnitude for node bursts);
    // the region outage prior, correlated by construction, dominates the whole figure.
    assert!(qz_on / qz_off > 10.0, "{qz_on} vs {qz_off}");
    assert!(q_on > q_off + 3e-6, "{q_on} vs {q_off} (bound {q_bound})");
    assert!(f_on > f_off, "{f_on} vs {f_off}");
}
