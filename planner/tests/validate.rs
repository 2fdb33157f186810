//! `faultline validate` as a user runs it: every broken topology under
//! `tests/fixtures/broken/` must fail with exit code 2 and the code, key and location
//! its first line announces (`# expect: FL-T013 services.web.slo.availability`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use faultline_models::diag::{Code, Severity};
use serde_json::Value;

fn faultline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

struct Expect {
    code: String,
    key: Option<String>,
}

fn expectation(text: &str) -> Expect {
    let header = text.lines().next().unwrap();
    let rest = header.strip_prefix("# expect: ").expect("fixture header");
    let mut parts = rest.split_whitespace();
    Expect {
        code: parts.next().unwrap().to_string(),
        key: parts.next().map(str::to_string),
    }
}

#[test]
fn every_broken_topology_is_rejected_with_its_code_and_location() {
    let files = fixtures();
    assert!(files.len() >= 25, "only {} broken topologies", files.len());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = expectation(&text);
        let out = faultline()
            .args(["validate", "--format", "json"])
            .arg(path)
            .output()
            .unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(out.status.code(), Some(2), "{name}: exit code");
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: JSON output: {e}"));
        assert_eq!(doc["ok"], false, "{name}");
        let diags = doc["diagnostics"].as_array().unwrap();
        let hit = diags
            .iter()
            .find(|d| d["code"] == want.code.as_str())
            .unwrap_or_else(|| panic!("{name}: no {} among {diags:?}", want.code));
        assert_eq!(hit["severity"], "error", "{name}");
        assert_eq!(hit["file"], path.display().to_string(), "{name}");
        if let Some(key) = &want.key {
            assert_eq!(hit["key"], key.as_str(), "{name}: key");
            let line = hit["line"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: no line")) as usize;
            let source_line = text.lines().nth(line - 1).unwrap();
            // The location is the line that writes the key (or its table header).
            // A missing key is reported at the table that lacks it.
            let segs: Vec<&str> = key
                .split('.')
                .map(|s| s.split('[').next().unwrap().trim_matches('"'))
                .collect();
            let last = segs[segs.len() - 1];
            let parent = segs.len().checked_sub(2).map(|i| segs[i]);
            assert!(
                source_line.contains(last)
                    || (want.code == "FL-T023" && parent.is_some_and(|p| source_line.contains(p))),
                "{name}: line {line} `{source_line}` does not mention `{last}`"
            );
        }
    }
}

#[test]
fn every_topology_error_code_has_a_broken_fixture() {
    let covered: BTreeSet<String> = fixtures()
        .iter()
        .map(|p| expectation(&std::fs::read_to_string(p).unwrap()).code)
        .collect();
    // Warnings and placement-coverage notes are exercised in models' unit tests (and
    // the minimum-footprint warning in sre_placement.rs).
    let exempt = ["FL-T016", "FL-T043", "FL-T045"];
    for code in Code::ALL {
        let c = code.as_str();
        if c.starts_with("FL-T") && !exempt.contains(&c) {
            assert!(covered.contains(c), "no broken topology exercises {c}");
        }
    }
}

#[test]
fn text_output_names_file_line_key_and_help() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/unknown-key.toml");
    let out = faultline().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("error[FL-T003]: services.web.peak_vpcu: unknown key `peak_vpcu`"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown-key.toml:12:1"), "{stderr}");
    assert!(
        stderr.contains("help: did you mean `peak_vcpu`?"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn warnings_print_but_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("even.toml");
    std::fs::write(
        &path,
        "version = 1\n[system]\nname = \"even\"\nregions = [\"us-east-1\"]\n\
         [services.kv]\nkind = \"quorum\"\nreplicas = 4\nreplica_vcpu = 2\nreplica_memory_gib = 8\n",
    )
    .unwrap();
    let out = faultline().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("warning[FL-T016]"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("(1 warning)"), "{stdout}");
}

#[test]
fn missing_file_is_an_input_error() {
    let out = faultline()
        .args(["validate", "no/such/topology.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot read no/such/topology.toml: file not found"),
        "{stderr}"
    );
}

#[test]
fn severity_of_json_diagnostics_is_lowercase() {
    assert_eq!(serde_json::to_value(Severity::Error).unwrap(), "error");
}

#[test]
fn a_user_catalog_replaces_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = faultline_models::catalog::EMBEDDED_TOML;
    let catalog = dir.path().join("catalog.toml");
    // A negotiated price for one instance type.
    let text = embedded.replacen("\"m5.large\" = \"0.096\"", "\"m5.large\" = \"0.0801\"", 1);
    std::fs::write(&catalog, &text).unwrap();
    let out = faultline()
        .arg("--catalog")
        .arg(&catalog)
        .args([
            "catalog",
            "show",
            "--region",
            "us-east-1",
            "--family",
            "m5",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["regions"]["us-east-1"]["instance_types"]["m5.large"]["on_demand_usd_per_hour"],
        "0.0801"
    );
}

#[test]
fn refresh_without_the_aws_feature_explains_how_to_get_it() {
    if cfg!(feature = "aws") {
        return;
    }
    let out = faultline()
        .args([
            "catalog",
            "refresh",
            "--regions",
            "us-east-1",
            "-o",
            "never.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("--features aws"));
    assert!(!Path::new("never.toml").exists());
}

fn legacy() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/legacy-placement/topology.toml"),
    )
    .unwrap()
}

/// Validates `text` and returns (exit code, stderr).
fn validate_text(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("topology.toml");
    std::fs::write(&path, text).unwrap();
    let out = faultline().arg("validate").arg(&path).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_huge_name_is_not_echoed_whole() {
    let name = "x".repeat(5_000_000);
    let text = legacy().replacen(
        "name = \"booking-legacy\"",
        &format!("name = \"{name}\""),
        1,
    );
    let (code, err) = validate_text(&text);
    assert_eq!(code, Some(2));
    assert!(err.contains("FL-T029"), "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 4_000, "stderr is {} bytes", err.len());
    assert!(
        err.contains("(5000002 characters)") || err.contains("more bytes"),
        "{err}"
    );
}

#[test]
fn huge_numbers_are_bounded_and_printed_short() {
    let text = legacy().replacen("peak_vcpu = 40", "peak_vcpu = 1e308", 1);
    let (code, err) = validate_text(&text);
    assert_eq!(code, Some(2));
    assert!(err.contains("FL-T017"), "{err}");
    assert!(err.contains("got 1e308"), "{err}");
    assert!(err.contains("up to 1000000"), "{err}");
    assert!(
        !err.contains("00000000000000000000"),
        "no 309-digit number: {err}"
    );

    // Each value in range, their quotient not: caught before the optimizer sees inf.
    let text = legacy().replacen(
        "peak_vcpu = 40",
        "peak_vcpu = 40\npeak_connections = 1e10\nconnections_per_vcpu = 1e-308",
        1,
    );
    let (code, err) = validate_text(&text);
    assert_eq!(code, Some(2));
    assert!(err.contains("services.web.connections_per_vcpu"), "{err}");
    assert!(
        err.contains("more than the 1000000 a service may need"),
        "{err}"
    );
}

/// Every number in the examples' topologies, set in turn to an absurd value either way,
/// is refused with exit 2 and a short message naming its key: no numeric key is left
/// without a range.
#[test]
fn every_numeric_key_has_a_range() {
    // `key = number` lines, with or without a trailing comment.
    let numeric_key = |line: &str| -> Option<String> {
        let (key, value) = line.split_once(" = ")?;
        let value = value.split('#').next()?.trim();
        (key.chars().all(|c| c.is_ascii_lowercase() || c == '_') && value.parse::<f64>().is_ok())
            .then(|| key.to_string())
    };
    let mut checked = 0;
    for example in [
        "payments",
        "legacy-placement",
        "order-saga",
        "realtime-chat",
        "web-shop",
    ] {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../examples/{example}/topology.toml")),
        )
        .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(key) = numeric_key(line) else {
                continue;
            };
            let key = key.as_str();
            for absurd in ["1e300", "-1e300"] {
                let mut changed = lines.clone();
                let replaced = format!("{key} = {absurd}");
                changed[i] = &replaced;
                let (code, err) = validate_text(&changed.join("\n"));
                assert_eq!(
                    code,
                    Some(2),
                    "{example}:{}: `{key} = {absurd}` was accepted\n{err}",
                    i + 1
                );
                assert!(
                    err.contains(key),
                    "{example}:{}: the message does not name `{key}`: {err}",
                    i + 1
                );
                assert!(
                    err.len() < 4_000 && !err.contains("00000000000000000000"),
                    "{example}:{}: a long message for `{key} = {absurd}`: {err}",
                    i + 1
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} values checked");
}

#[test]
fn a_duration_in_months_is_questioned() {
    let text = legacy().replacen("rto = { zone = \"15m\" }", "rto = { zone = \"2M\" }", 1);
    let (code, err) = validate_text(&text);
    assert_eq!(code, Some(2));
    assert!(err.contains("FL-T014"), "{err}");
    assert!(err.contains("means months"), "{err}");
    assert!(err.contains("`m` for minutes"), "{err}");
}

#[test]
fn simulation_length_is_bounded() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/legacy-placement/topology.toml");
    let out = faultline()
        .args([
            "analyze",
            path.to_str().unwrap(),
            "--simulate",
            "99999999999",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--simulate") && err.contains("10000000"),
        "{err}"
    );
}

#[test]
fn json_commands_print_a_json_error_document() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/legacy-placement/topology.toml");
    let text = legacy().replacen(
        "monthly_budget_usd = 4000",
        "monthly_budget_usd = 4000\n\n[constraints]\nmax_monthly_usd = 10",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let capped = dir.path().join("capped.toml");
    std::fs::write(&capped, text).unwrap();
    for args in [
        vec!["plan", capped.to_str().unwrap(), "--format", "json"],
        vec!["analyze", "missing.toml", "--format", "json"],
        vec![
            "analyze",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--simulate",
            "0",
        ],
        vec!["catalog", "show", "--region", "mars-1", "--format", "json"],
    ] {
        let out = faultline().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON: {e}"));
        assert_eq!(doc["ok"], false, "{args:?}");
        assert!(doc["errors"].as_u64().unwrap() >= 1, "{args:?}");
        assert!(doc["diagnostics"][0]["code"]
            .as_str()
            .unwrap()
            .starts_with("FL-"));
    }
}
