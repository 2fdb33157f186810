//! `faultline check` per example, as CI runs it on every pull request: read the plan,
//! assess it with the failure model, evaluate the example's policy and render SARIF.
//! The target is under 2 s per example. Examples without a checked-in plan are
//! planned once, outside the measurement.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use faultline::gate;
use faultline::render::{self, Doc, Format, Source, Sources};
use faultline_models::catalog::Catalog;
use faultline_models::diag::FileKind;
use faultline_models::failure::{self, Deployment};
use faultline_models::plan::Plan;
use faultline_models::policy::{self, Date};
use faultline_models::topology;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for name in ["web-shop", "legacy-placement", "payments", "realtime-chat"] {
        let dir = repo().join("examples").join(name);
        let text = std::fs::read_to_string(dir.join("topology.toml")).unwrap();
        let policy_text = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
        let t = topology::parse(&text, catalog).unwrap().topology;
        let plan = match std::fs::read_to_string(dir.join("expected/plan.json")) {
            Ok(p) => Plan::from_json(&p).unwrap(),
            Err(_) => faultline::optimizer::plan(
                &t,
                catalog,
                &faultline::optimizer::SolveOptions::default(),
            )
            .unwrap(),
        };
        let plan_json = render::json::pretty(&plan);
        let mut sources = Sources::default();
        sources.insert(
            FileKind::Topology,
            Source {
                path: "topology.toml".into(),
                text: text.clone(),
            },
        );
        sources.insert(
            FileKind::Policy,
            Source {
                path: "policy.toml".into(),
                text: policy_text.clone(),
            },
        );
        let today = Date::parse("2026-12-01").unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let t = topology::parse(&text, catalog).unwrap().topology;
                let p = policy::parse(&policy_text).unwrap().policy;
                let plan = Plan::from_json(&plan_json).unwrap();
                let a = failure::assess(
                    &t,
                    catalog,
                    &Deployment::from_plan(&plan),
                    &failure::Options::default(),
                    &mut |_, _| {},
                )
                .unwrap();
                let g = gate::evaluate(&gate::Input {
                    topology: &t,
                    catalog,
                    plan: &plan,
                    assessment: &a,
                    policy: &p,
                    baseline: None,
                    accepted: None,
                    topology_text: &text,
                    topology_path: "topology.toml",
                    policy_path: "policy.toml",
                    today,
                    fail_on: None,
                })
                .unwrap();
                render::render(&Doc::Gate(&g), Format::Sarif, &sources).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
