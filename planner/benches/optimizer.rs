//! Optimizer speed: every example's `plan` (failure-model assessment included, as the
//! command runs it) and `plan --frontier`, and the headline 100-service × 6-region
//! synthetic topology (`support/synthetic.rs`), each with every backend this build
//! has (`native`, and `highs` with `--features highs`), at the default 0.5% gap and
//! node budget; then how the optimizer alone grows with services, regions and
//! instance families. Run with `cargo bench --bench optimizer` (add
//! `--features highs` for the HiGHS column).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use faultline::optimizer::backend::Backend;
use faultline::optimizer::{self, frontier, SolveOptions};
use faultline_models::catalog::Catalog;
use faultline_models::topology::{self, Topology};

const EXAMPLES: [&str; 5] = [
    "legacy-placement",
    "web-shop",
    "order-saga",
    "payments",
    "realtime-chat",
];

fn options(backend: Backend) -> SolveOptions {
    SolveOptions {
        backend,
        ..SolveOptions::default()
    }
}

fn example(name: &str) -> Topology {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .join("topology.toml");
    let text = std::fs::read_to_string(&path).expect("example topology is readable");
    topology::parse(&text, Catalog::embedded())
        .expect("example topology is valid")
        .topology
}

fn solve(services: usize, regions: usize, families: usize) -> f64 {
    let catalog = Catalog::embedded();
    let t = synthetic::topology(services, regions, families, catalog)
        .expect("synthetic topology is valid");
    let effective = t.effective_catalog(catalog);
    let plan = optimizer::plan_with(&t, &effective, catalog, &options(Backend::Native), None)
        .expect("synthetic topology has a plan");
    plan.solve.gap
}

/// `plan` and `plan --frontier` on every example, per backend.
fn examples(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let mut g = c.benchmark_group("examples");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for backend in Backend::available() {
        if backend == Backend::Microlp {
            continue;
        }
        for name in EXAMPLES {
            let t = example(name);
            let o = options(backend);
            g.bench_with_input(
                BenchmarkId::new(format!("plan/{backend}"), name),
                &t,
                |b, t| {
                    b.iter(|| black_box(optimizer::plan(t, catalog, &o).expect("example plans")))
                },
            );
            let plan = optimizer::plan(&t, catalog, &o).expect("example plans");
            g.bench_with_input(
                BenchmarkId::new(format!("frontier/{backend}"), name),
                &t,
                |b, t| b.iter(|| black_box(frontier::run(t, catalog, &o, &plan, &mut |_| {}))),
            );
        }
    }
    g.finish();
}

/// 100 services over 6 regions: the whole `plan` (assessment included) per backend,
/// and the optimizer alone.
fn headline(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let t = synthetic::topology(100, 6, 4, catalog).expect("synthetic topology is valid");
    let mut g = c.benchmark_group("plan-100-services-6-regions");
    g.sample_size(10).measurement_time(Duration::from_secs(40));
    for backend in Backend::available() {
        if backend == Backend::Microlp {
            continue;
        }
        let o = options(backend);
        g.bench_function(format!("plan/{backend}"), |b| {
            b.iter(|| black_box(optimizer::plan(&t, catalog, &o).expect("synthetic plans")))
        });
    }
    g.bench_function("optimizer-alone/native", |b| {
        b.iter(|| black_box(solve(100, 6, 4)))
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("plan-scaling");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in [10, 30, 100] {
        g.bench_with_input(BenchmarkId::new("services", n), &n, |b, &n| {
            b.iter(|| black_box(solve(n, 6, 4)))
        });
    }
    for r in [1, 2, 4, 6, 8] {
        g.bench_with_input(BenchmarkId::new("regions", r), &r, |b, &r| {
            b.iter(|| black_box(solve(30, r, 4)))
        });
    }
    for f in [1, 2, 4, 8, 13] {
        g.bench_with_input(BenchmarkId::new("families", f), &f, |b, &f| {
            b.iter(|| black_box(solve(30, 6, f)))
        });
    }
    g.finish();
}

criterion_group!(benches, examples, headline, scaling);
criterion_main!(benches);
