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
    // More resilience never costs less: each level keeps the looser level's
    // requirements, so the priced levels' costs never fall.
    let cost = |l: &serde_json::Value| l["monthly_usd"].as_str().map(|s| s.parse::<f64>().unwrap());
    let priced: Vec<f64> = levels.iter().filter_map(cost).collect();
    assert!(priced.len() >= 3, "{levels:?}");
    assert!(
        priced.windows(2).all(|w| w[1] >= w[0]),
        "costs fall as requirements are added: {priced:?}"
    );
    for w in levels.windows(2) {
        let survive = |l: &serde_json::Value| -> Vec<String> {
            l["survive"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect()
        };
        assert!(survive(&w[0]).iter().all(|d| survive(&w[1]).contains(d)));
    }
    // The example runs in one region: the region level is impossible, says why, and
    // carries no price or availability.
    let region = levels.last().unwrap();
    assert!(region["survive"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "region"));
    assert!(region["monthly_usd"].is_null() && region["availability"].is_null());
    let notes = region["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(
            |n| n.as_str().unwrap().contains("impossible for this topology")
                && n.as_str().unwrap().contains("one region")
        ),
        "{notes:?}"
    );
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

/// A cap inside the solve's gap: at `--gap 0.05` the uncapped plan stops above the
/// optimum, so a cap at the optimum itself needs the zero-gap re-solve to be met, and a
/// cap one cent below it is proven out of reach rather than merely not found.
#[test]
fn a_budget_cap_within_the_gap_is_met_or_proven_out_of_reach() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = example("legacy-placement");
    let cost_of = |o: &Output| -> rust_decimal::Decimal {
        assert!(o.status.success(), "{}", text(&o.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["monthly_usd"].as_str().unwrap().parse().unwrap()
    };
    let legacy = legacy.to_str().unwrap();
    let optimum = cost_of(&plan(&[legacy, "--gap", "0", "--format", "json"]));
    let loose = cost_of(&plan(&[legacy, "--gap", "0.05", "--format", "json"]));
    assert!(
        loose > optimum,
        "the case needs a loose solve that stops above the optimum ({loose} vs {optimum})"
    );
    let src = std::fs::read_to_string(legacy).unwrap();
    let capped = |cap: rust_decimal::Decimal| {
        let t = write(
            dir.path(),
            "t.toml",
            &format!("{src}\n[constraints]\nmax_monthly_usd = {cap}\n"),
        );
        plan(&[t.to_str().unwrap(), "--gap", "0.05", "--format", "json"])
    };
    assert_eq!(cost_of(&capped(optimum)), optimum);
    let o = capped(optimum - rust_decimal::Decimal::new(1, 2));
    assert_eq!(o.status.code(), Some(2));
    // With `--format json` the error is a JSON document on standard output.
    let err = text(&o.stdout);
    assert!(
        err.contains("FL-O002") && err.contains("a proven bound"),
        "{err}"
    );
}

/// Escalation that cannot reach the target ends with the conflict, the best
/// availability reached and the key that states the target, and writes nothing.
#[test]
fn an_availability_target_escalation_cannot_reach_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "t.toml",
        r#"version = 1
[system]
name = "x"
regions = ["us-east-1", "us-west-2"]
[services.api]
kind = "stateless"
peak_vcpu = 8
peak_memory_gib = 16
[services.api.slo]
availability = 0.99999999
"#,
    );
    let out = dir.path().join("plan.json");
    let o = plan(&[t.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("FL-O003"), "{err}");
    assert!(err.contains("services.api.slo.availability"), "{err}");
    assert!(
        err.contains("t.toml:10"),
        "points at the target's line: {err}"
    );
    // The best availability reached is stated, and it is short of the target.
    let reached: f64 = err
        .split("reaches availability ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no availability reached in: {err}"));
    assert!(reached > 0.999 && reached < 0.99999999, "{err}");
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
