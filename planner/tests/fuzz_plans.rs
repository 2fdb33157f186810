//! Mutated plan documents never panic: read back and assessed (as `analyze --plan`,
//! `terraform` and `report` do) each either works or yields diagnostics; and through
//! the binary each exits 0 or 2 with a message, never a crash.

use std::path::Path;
use std::process::Command;

use faultline::pipeline::{self, Deploy, Request};
use faultline_models::catalog::Catalog;
use faultline_models::failure;
use faultline_models::plan::Plan;
use faultline_models::topology::{self, Topology};
use proptest::prelude::*;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn seed() -> String {
    std::fs::read_to_string(repo().join("planner/tests/fixtures/render/legacy-plan.json")).unwrap()
}

fn legacy() -> Topology {
    let text =
        std::fs::read_to_string(repo().join("examples/legacy-placement/topology.toml")).unwrap();
    topology::parse(&text, Catalog::embedded())
        .unwrap()
        .topology
}

/// Values a careless edit (or a bug elsewhere) might leave in a plan.
fn junk() -> Vec<Value> {
    serde_json::from_str(
        r#"[-1, 0, 1e300, 4294967295, 4294967296, "", "x", "eu-west-9", "us-east-2z",
            "m9.huge", "spot", "standby", "primary", null, [], {}, true, "1e400", "-0.5",
            "NaN", 1.5]"#,
    )
    .unwrap()
}

/// Every leaf path of a JSON value.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                leaves(x, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn set(v: &mut Value, path: &[String], new: Value) {
    let mut cur = v;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg).unwrap(),
            Value::Array(a) => &mut a[seg.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *cur = new;
}

fn check(t: &Topology, text: &str) {
    let Ok(plan) = Plan::from_json(text) else {
        return;
    };
    let request = Request {
        deploy: Deploy::Plan(Box::new(plan)),
        assess: Some(failure::Options::default()),
    };
    if let Err(diags) = pipeline::run(t, Catalog::embedded(), &request, &mut |_| {}) {
        assert!(diags.iter().any(|d| d.is_error()), "{diags:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 150,
        // The same cases on every run and machine: a verdict never depends on the seed.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..ProptestConfig::default()
    })]

    #[test]
    fn replacing_a_value_never_panics(pick in 0usize..10_000, j in 0usize..21) {
        let t = legacy();
        let mut v: Value = serde_json::from_str(&seed()).unwrap();
        let mut all = Vec::new();
        leaves(&v, &mut Vec::new(), &mut all);
        let path = &all[pick % all.len()];
        let junk = junk();
        set(&mut v, path, junk[j % junk.len()].clone());
        check(&t, &serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn cutting_the_text_never_panics(at in 0usize..100_000) {
        let t = legacy();
        let s = seed();
        // The plan text has non-ASCII characters (`→`): cut on a character boundary,
        // as a truncated file read as UTF-8 would be.
        let mut cut = at.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        check(&t, &s[..cut]);
    }
}

#[test]
fn through_the_binary_a_mutated_plan_exits_0_or_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let topology = repo().join("examples/legacy-placement/topology.toml");
    let mut v: Value = serde_json::from_str(&seed()).unwrap();
    let mut all = Vec::new();
    leaves(&v, &mut Vec::new(), &mut all);
    let junk = junk();
    // A fixed, spread-out sample: the same cases every run.
    for (i, path) in all.iter().enumerate().step_by(all.len() / 12 + 1) {
        let original = v.clone();
        set(&mut v, path, junk[i % junk.len()].clone());
        let file = dir.path().join("plan.json");
        std::fs::write(&file, serde_json::to_string(&v).unwrap()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .arg("analyze")
            .arg(&topology)
            .arg("--plan")
            .arg(&file)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(matches!(code, Some(0 | 2)), "{path:?}: exit {code:?}");
        if code == Some(2) {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("error["), "{path:?}: {err}");
        }
        v = original;
    }
}
