//! Criterion benches for the failure model on synthetic topologies: the analytic
//! assessment of up to 200 services over 6 regions (target: under a second), and the
//! simulation's throughput in simulated service-years per second, each as services and
//! zones grow.
#![allow(clippy::unwrap_used, missing_debug_implementations)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faultline_models::catalog::Catalog;
use faultline_models::failure::{self, check, Deployment, Options};
use faultline_models::topology::{self, Topology};

const REGIONS: [&str; 6] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
];

/// A topology of `n` services over `r` regions with `z` zones each: three in five
/// stateless fleets (each across its home and the next region, every third partly on
/// spot), one in five an asynchronous store, one in five a quorum of three. Fleets
/// depend hard on the next store and softly on the one after; every tenth fleet starts
/// a journey through its store.
pub fn synthetic(n: usize, r: usize, z: usize) -> Topology {
    let c = Catalog::embedded();
    let regions = &REGIONS[..r];
    let mut s = String::new();
    let _ = writeln!(s, "version = 1\n[system]\nname = \"synthetic\"");
    let _ = writeln!(
        s,
        "regions = {:?}\nhome_region = \"{}\"",
        regions, regions[0]
    );
    let _ = writeln!(s, "[system.zones]");
    for reg in regions {
        let zones: Vec<&String> = c.regions[*reg].zones.iter().take(z).collect();
        let _ = writeln!(s, "{reg} = {zones:?}");
    }
    let zone = |reg: &str, k: usize| c.regions[reg].zones[k % z].clone();
    let is_store = |i: usize| i % 5 >= 3;
    let next_store = |i: usize, skip: usize| (i + 1..n).filter(|j| is_store(*j)).nth(skip);
    let mut journeys = Vec::new();
    for i in 0..n {
        let home = regions[i % r];
        let other = regions[(i + 1) % r];
        let name = format!("s{i:03}");
        match i % 5 {
            0..=2 => {
                let per_zone = 2;
                let peak = 4 * per_zone * (z.max(2) - 1);
                let _ = writeln!(s, "[services.{name}]\nkind = \"stateless\"\npeak_vcpu = {peak}\npeak_memory_gib = {peak}\nmax_spot_share = 0.5\ndegraded_floor = 0.5");
                if let Some(d) = next_store(i, 0) {
                    let _ = writeln!(s, "[services.{name}.depends_on]\ns{d:03} = \"hard\"");
                    if let Some(e) = next_store(i, 1) {
                        let _ = writeln!(s, "s{e:03} = \"soft\"");
                    }
                    if i % 10 == 0 {
                        journeys.push((name.clone(), format!("s{d:03}")));
                    }
                }
                let dr = if r > 1 { "active-active" } else { "none" };
                let _ = writeln!(s, "[placement.{name}]\ndr = \"{dr}\"");
                let regs: Vec<&str> = if r > 1 { vec![home, other] } else { vec![home] };
                for reg in regs {
                    for k in 0..z {
                        let _ = writeln!(s, "[[placement.{name}.groups]]\nregion = \"{reg}\"\nzone = \"{}\"\ninstance_type = \"m6i.xlarge\"\ncount = {per_zone}", zone(reg, k));
                    }
                }
                if i % 3 == 0 {
                    let _ = writeln!(s, "[[placement.{name}.groups]]\nregion = \"{home}\"\ninstance_type = \"m6i.xlarge\"\ncount = 2\npurchase = \"spot\"");
                }
            }
            3 => {
                let _ = writeln!(s, "[services.{name}]\nkind = \"replicated\"\nreplicas = 3\nreplica_vcpu = 4\nreplica_memory_gib = 16\nwrite_gb_per_day = 10\nreplication_lag = \"1s\"\nfailover = \"30s\"");
                let _ = writeln!(s, "[placement.{name}]\ndr = \"warm-standby\"");
                let members = [
                    (home, 0, "primary"),
                    (home, 1, "replica"),
                    (other, 0, "replica"),
                ];
                for (reg, k, role) in members {
                    let _ = writeln!(s, "[[placement.{name}.groups]]\nregion = \"{reg}\"\nzone = \"{}\"\ninstance_type = \"r6i.xlarge\"\ncount = 1\nrole = \"{role}\"", zone(reg, k));
                }
            }
            _ => {
                let _ = writeln!(s, "[services.{name}]\nkind = \"quorum\"\nreplicas = 3\nreplica_vcpu = 4\nreplica_memory_gib = 16\ncommit_latency_budget = \"300ms\"");
                let _ = writeln!(s, "[placement.{name}]\ndr = \"active-active\"");
                let members = [(home, 0), (home, 1), (other, 2)];
                for (reg, k) in members {
                    let _ = writeln!(s, "[[placement.{name}.groups]]\nregion = \"{reg}\"\nzone = \"{}\"\ninstance_type = \"m6i.xlarge\"\ncount = 1", zone(reg, k));
                }
            }
        }
    }
    for (k, (a, b)) in journeys.iter().enumerate() {
        let _ = writeln!(s, "[journeys.j{k:02}]\nsteps = [\"{a}\", \"{b}\"]");
    }
    match topology::parse(&s, c) {
        Ok(t) => t.topology,
        Err(d) => panic!("synthetic topology does not validate: {:?}", d.first()),
    }
}

fn analytic(c: &mut Criterion) {
    let cat = Catalog::embedded();
    let mut g = c.benchmark_group("analytic");
    g.sample_size(10);
    for (n, r, z) in [
        (25, 2, 3),
        (50, 3, 3),
        (100, 6, 3),
        (200, 6, 2),
        (200, 6, 3),
    ] {
        let t = synthetic(n, r, z);
        let d = Deployment::from_placement(&t);
        let a = failure::assess(&t, cat, &d, &Options::default(), &mut |_, _| {}).unwrap();
        let m = &a.method.analytic;
        eprintln!(
            "{n} services, {r} regions, {z} zones: {} components, {} states (≤{} at once), truncation bound {:.1e}",
            m.components, m.states, m.max_simultaneous_events, m.truncation_error_bound
        );
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}svc-{r}reg-{z}az")),
            &(t, d),
            |b, (t, d)| {
                b.iter(|| {
                    failure::assess(black_box(t), cat, d, &Options::default(), &mut |_, _| {})
                        .unwrap()
                })
            },
        );
    }
    // The same 200 services enumerated one level deeper (up to three simultaneous
    // failures), to show what depth costs.
    let t = synthetic(200, 6, 3);
    let d = Deployment::from_placement(&t);
    let deep = Options {
        target_error: Some(1e-15),
        max_states: 100_000,
        ..Options::default()
    };
    let a = failure::assess(&t, cat, &d, &deep, &mut |_, _| {}).unwrap();
    let m = &a.method.analytic;
    eprintln!(
        "200 services, 6 regions, 3 zones, deeper: {} states (≤{} at once), truncation bound {:.1e}",
        m.states, m.max_simultaneous_events, m.truncation_error_bound
    );
    g.bench_function("200svc-6reg-3az-3deep", |b| {
        b.iter(|| failure::assess(black_box(&t), cat, &d, &deep, &mut |_, _| {}).unwrap())
    });
    g.finish();
}

fn simulation(c: &mut Criterion) {
    let cat = Catalog::embedded();
    let mut g = c.benchmark_group("simulation");
    g.sample_size(10);
    let years = 20;
    for (n, r, z) in [
        (25, 2, 3),
        (50, 3, 3),
        (100, 6, 3),
        (200, 6, 2),
        (200, 6, 3),
    ] {
        let t = synthetic(n, r, z);
        let d = Deployment::from_placement(&t);
        // One element = one simulated service-year.
        g.throughput(Throughput::Elements((n as u64) * years));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}svc-{r}reg-{z}az")),
            &(t, d),
            |b, (t, d)| b.iter(|| check::simulate(black_box(t), cat, d, years, 1).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, analytic, simulation);
criterion_main!(benches);
