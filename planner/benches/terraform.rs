//! Terraform generation speed: every example's plan (and the two-region standby
//! fixture's) to its whole tree — translation, HCL printing, purchase list, README —
//! and the re-plan diff. Generation runs inside `faultline plan --terraform`, so it
//! should stay a small fraction of a plan's seconds: the target is under 50 ms a tree.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use faultline::terraform::{self, TreeOptions};
use faultline_models::catalog::Catalog;
use faultline_models::plan::Plan;

fn plan(rel: &str) -> Plan {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(root.join(rel)).expect("plan fixture");
    Plan::from_json(&text).expect("a plan")
}

fn generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("terraform-generate");
    for (name, rel) in [
        ("web-shop", "examples/web-shop/expected/plan.json"),
        ("payments", "examples/payments/expected/plan.json"),
        ("realtime-chat", "examples/realtime-chat/expected/plan.json"),
        (
            "standby",
            "planner/tests/fixtures/terraform/standby.plan.json",
        ),
    ] {
        let p = plan(rel);
        let options = TreeOptions {
            catalog: Catalog::embedded(),
            depends_on: None,
        };
        g.bench_function(name, |b| {
            b.iter(|| black_box(terraform::generate(&p, &options).expect("tree")))
        });
    }
    g.finish();
}

fn diff(c: &mut Criterion) {
    let old = plan("planner/tests/fixtures/terraform/standby.plan.json");
    let new = plan("planner/tests/fixtures/terraform/standby-grown.plan.json");
    c.bench_function("terraform-diff-standby", |b| {
        b.iter(|| black_box(terraform::diff(&old, &new, Catalog::embedded()).expect("diff")))
    });
}

criterion_group!(benches, generate, diff);
criterion_main!(benches);
