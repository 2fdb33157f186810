//! How long writing each example's report takes, from its checked-in plan file: the
//! whole of `faultline report --plan` after reading files (plan read back, failure
//! model assessment, HTML rendering) and the HTML and Markdown rendering alone. The
//! target is under a second per example, and the page under 2 MB (checked by the
//! `report` tests).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use faultline::pipeline::{self, Deploy, Request};
use faultline::render::{self, Doc, Format, Sources, View};
use faultline_models::catalog::Catalog;
use faultline_models::failure;
use faultline_models::plan::Plan;
use faultline_models::report::Report;
use faultline_models::topology::{self, Topology};

const EXAMPLES: [&str; 4] = ["legacy-placement", "payments", "realtime-chat", "web-shop"];

fn read(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn inputs(name: &str) -> (Topology, String) {
    let t = topology::parse(
        &read(&format!("examples/{name}/topology.toml")),
        Catalog::embedded(),
    )
    .unwrap()
    .topology;
    (
        t,
        read(&format!("planner/tests/fixtures/report/{name}-plan.json")),
    )
}

fn report(t: &Topology, plan_text: &str) -> Report {
    let plan = Plan::from_json(plan_text).unwrap();
    let request = Request {
        deploy: Deploy::Plan(Box::new(plan)),
        assess: Some(failure::Options::default()),
    };
    pipeline::run(t, Catalog::embedded(), &request, &mut |_| {}).unwrap()
}

fn render(r: &Report, format: Format) -> String {
    render::render(&Doc::Report(r, View::Report), format, &Sources::default()).unwrap()
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("report");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for name in EXAMPLES {
        let (t, plan) = inputs(name);
        g.bench_function(format!("{name}/plan-to-html"), |b| {
            b.iter(|| black_box(render(&report(&t, &plan), Format::Html).len()))
        });
        let r = report(&t, &plan);
        g.bench_function(format!("{name}/html"), |b| {
            b.iter(|| black_box(render(&r, Format::Html).len()))
        });
        g.bench_function(format!("{name}/markdown"), |b| {
            b.iter(|| black_box(render(&r, Format::Markdown).len()))
        });
    }
    g.finish();
}

criterion_group!(report_benches, benches);
criterion_main!(report_benches);
