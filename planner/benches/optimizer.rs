//! Optimizer speed on synthetic topologies (`support/synthetic.rs`): the headline
//! 100-service × 6-region plan at a 1% gap with the default backend, and how time grows
//! with services, regions and instance families. Availability targets are not checked
//! here (that is the failure model's time); every plan is solved and priced.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use faultline::optimizer::{self, SolveOptions};
use faultline_models::catalog::Catalog;

fn options() -> SolveOptions {
    SolveOptions {
        gap: 0.01,
        // The target is a plan within 1% of optimal in under 10 s.
        time_limit: Some(Duration::from_secs(8)),
        ..SolveOptions::default()
    }
}

fn solve(services: usize, regions: usize, families: usize) -> f64 {
    let catalog = Catalog::embedded();
    let t = synthetic::topology(services, regions, families, catalog)
        .expect("synthetic topology is valid");
    let effective = t.effective_catalog(catalog);
    let plan = optimizer::plan_with(&t, &effective, catalog, &options(), None)
        .expect("synthetic topology has a plan");
    plan.solve.gap
}

fn headline(c: &mut Criterion) {
    let mut g = c.benchmark_group("plan-100-services-6-regions");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("microlp-or-default", |b| {
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

criterion_group!(benches, headline, scaling);
criterion_main!(benches);
