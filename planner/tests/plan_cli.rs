//! `faultline plan` from the command line: outputs, exit codes, and explanations of
//! infeasible topologies that name the conflicting requirements.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .join("topology.toml")
}

fn plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("plan")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn plans_an_example_and_writes_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let o = plan(&[
        example("legacy-placement").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("plan for `booking-legacy`"), "{stdout}");
    assert!(stdout.contains("cost by purchase option"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["format_version"], 2);
    assert!(!doc["services"]["web"]["deployment"]["groups"]
        .as_array()
        .unwrap()
        .is_empty());
    for key in ["objective", "best_bound", "gap", "status", "backend"] {
        assert!(!doc["solve"][key].is_null(), "solve.{key}");
    }
    // Wall-clock time differs run to run: it is in the text summary, never the plan.
    assert!(doc["solve"].get("seconds").is_none());
    // --format json prints the same document.
    let o = plan(&[
        example("legacy-placement").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed["id"], doc["id"]);
}

#[test]
fn frontier_reports_levels_targets_and_requirements() {
    let o = plan(&[
        example("legacy-placement").to_str().unwrap(),
        "--frontier",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &doc["frontier"];
    let levels = f["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 4);
    assert_eq!(levels[0]["name"], "nothing");
    // More resilience never costs less.
    let cost = |l: &serde_json::Value| l["monthly_usd"].as_str().map(|s| s.parse::<f64>().unwrap());
    assert!(cost(&levels[1]).unwrap() >= cost(&levels[0]).unwrap());
    assert!(!f["targets"].as_array().unwrap().is_empty());
    assert!(f["marginal"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["requirement"] == "survive zone"));
    let o = plan(&[example("legacy-placement").to_str().unwrap(), "--frontier"]);
    assert!(text(&o.stdout).contains("resilience frontier"));
}

#[test]
fn a_quorum_that_cannot_meet_its_budget_across_regions_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "t.toml",
        r#"version = 1
[system]
name = "ledger"
regions = ["us-east-1", "us-east-2", "us-west-2"]
[services.ledger]
kind = "quorum"
replicas = 5
replica_vcpu = 4
replica_memory_gib = 16
commit_latency_budget = "20ms"
[services.ledger.slo]
survive = ["zone", "region"]
"#,
    );
    let o = plan(&[t.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("5 replicas within a 20 ms commit budget cannot survive a region loss"),
        "{err}"
    );
    // Losing us-east-2 leaves us-east-1 and us-west-2, 79 ms apart, to form a majority.
    assert!(err.contains("needs 79 ms"), "{err}");
    assert!(err.contains("commit_latency_budget"), "{err}");
    assert!(err.contains("t.toml:"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_budget_cap_below_the_cheapest_plan_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(example("legacy-placement")).unwrap();
    let t = write(
        dir.path(),
        "t.toml",
        &format!("{src}\n[constraints]\nmax_monthly_usd = 100\n"),
    );
    let out = dir.path().join("plan.json");
    let o = plan(&[t.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("max_monthly_usd"), "{err}");
    assert!(err.contains("`web`"), "{err}");
    assert!(!out.exists(), "nothing is written on failure");
}

#[test]
fn recovery_targets_no_design_meets_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "t.toml",
        r#"version = 1
[system]
name = "x"
regions = ["us-east-1"]
[services.db]
kind = "replicated"
consistency = "eventual"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
replication_lag = "2s"
[services.db.slo]
rpo = { zone = "0s" }
"#,
    );
    let o = plan(&[t.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("rpo.zone"), "{err}");
    assert!(err.contains("replication lag"), "{err}");
}

#[test]
fn bad_options_exit_2() {
    let t = example("legacy-placement");
    let o = plan(&[t.to_str().unwrap(), "--solver", "cplex"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown solver `cplex`"));
    let o = plan(&[t.to_str().unwrap(), "--gap", "2"]);
    assert_eq!(o.status.code(), Some(2));
    let o = plan(&[t.to_str().unwrap(), "--time-limit", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = plan(&["does-not-exist.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("file not found"));
}
