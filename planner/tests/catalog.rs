//! A user's catalog is checked like a topology, and `catalog diff` sees every figure:
//! failure priors, commitment discounts, RTTs, transfer prices, spot pools, prices,
//! zones, types and sources, as one list of changes in text and JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use faultline_models::catalog::EMBEDDED_TOML;
use serde_json::Value;

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("run faultline")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

/// The embedded catalog with `from` replaced by `to` once (which must be there).
fn edited(edits: &[(&str, &str)]) -> String {
    let mut t = EMBEDDED_TOML.to_string();
    for (from, to) in edits {
        assert!(t.contains(from), "the embedded catalog has `{from}`");
        t = t.replacen(from, to, 1);
    }
    t
}

const EDITS: &[(&str, &str)] = &[
    (
        "[failure.zone]\nrate_per_year = 0.03",
        "[failure.zone]\nrate_per_year = 0.3",
    ),
    ("reserved_3y = \"0.57\"", "reserved_3y = \"0.10\""),
    (
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = 147",
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = 150",
    ),
    (
        "inter_az_usd_per_gb = \"0.01\"",
        "inter_az_usd_per_gb = \"0.02\"",
    ),
    (
        "\"m5.large\" = { interruption = \">20%\", savings_pct = 66 }",
        "\"m5.large\" = { interruption = \"<5%\", savings_pct = 70 }",
    ),
    ("notice_seconds = 120", "notice_seconds = 90"),
];

#[test]
fn diff_sees_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.toml", EMBEDDED_TOML);
    let new = write(dir.path(), "new.toml", &edited(EDITS));
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());

    let out = faultline(&["catalog", "diff", o, n]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    for needle in [
        "failure (2 changes):",
        "~ zone.rate_per_year: 0.03 → 0.3 (+900.0%)",
        "~ spot.notice_seconds: 120.0 → 90.0 (-25.0%)",
        "commitments (1 change):",
        "~ reserved_3y: 0.57 → 0.10 (-82.5%)",
        "rtt (1 change):",
        "~ ms.ap-northeast-1.ap-south-1: 147.0 → 150.0 (+2.0%)",
        "transfer (1 change):",
        "~ inter_az_usd_per_gb: 0.01 → 0.02 (+100.0%)",
        "spot (2 changes):",
        "7 changes in all",
    ] {
        assert!(t.contains(needle), "missing `{needle}` in:\n{t}");
    }
    assert!(!t.contains("no differences"));

    // JSON: one array of changes, every entry the same shape.
    let out = faultline(&["catalog", "diff", o, n, "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 7, "{doc:#}");
    for c in changes {
        let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        for k in ["section", "key", "kind", "old", "new"] {
            assert!(keys.contains(&k), "{c}");
        }
    }
    let rtt = changes.iter().find(|c| c["section"] == "rtt").unwrap();
    assert_eq!(rtt["kind"], "changed");
    assert_eq!(rtt["old"], 147.0);
    assert_eq!(rtt["new"], 150.0);

    let same = faultline(&["catalog", "diff", o, o]);
    assert!(text(&same.stdout).contains("no differences"));
}

#[test]
fn diff_lists_added_and_removed_regions_types_and_prices() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.toml", EMBEDDED_TOML);
    let new = write(
        dir.path(),
        "new.toml",
        &edited(&[
            ("\"m5.large\" = \"0.096\"", "\"m5.large\" = \"0.1056\""),
            ("\"m5.xlarge\" = \"0.192\"", "\"m5.xlarge\" = \"0.1728\""),
        ]),
    );
    let out = faultline(&[
        "catalog",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    let t = text(&out.stdout);
    assert!(t.contains("on_demand (2 changes):"), "{t}");
    assert!(
        t.contains("usd_per_hour.m5.large: 0.096 → 0.1056 (+10.0%)"),
        "{t}"
    );
    assert!(t.contains("(-10.0%)"), "{t}");
}

/// Runs `faultline --catalog <edited> catalog show` and returns the diagnostics.
fn catalog_errors(edits: &[(&str, &str)]) -> (String, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "catalog.toml", &edited(edits));
    let out = faultline(&[
        "--catalog",
        c.to_str().unwrap(),
        "catalog",
        "show",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], false);
    let text_out = faultline(&["--catalog", c.to_str().unwrap(), "catalog", "show"]);
    (
        text(&text_out.stderr),
        doc["diagnostics"].as_array().unwrap().clone(),
    )
}

fn has(diags: &[Value], code: &str, key: &str, words: &str) -> bool {
    diags.iter().any(|d| {
        d["code"] == code
            && d["key"] == key
            && d["line"].as_u64().is_some()
            && d["message"].as_str().unwrap().contains(words)
    })
}

#[test]
fn catalog_figures_are_range_checked_with_file_line_and_key() {
    let (rendered, d) = catalog_errors(&[(
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = 147",
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = -5",
    )]);
    assert!(
        has(
            &d,
            "FL-C006",
            "rtt.ms.ap-northeast-1.ap-south-1",
            "positive number of milliseconds"
        ),
        "{d:#?}"
    );
    assert!(
        rendered.contains("catalog.toml:"),
        "names file and line: {rendered}"
    );

    let (_, d) = catalog_errors(&[(
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = 147",
        "[rtt.ms.ap-northeast-1]\nap-northeast-1 = 6\nap-south-1 = 999",
    )]);
    assert!(
        has(
            &d,
            "FL-C006",
            "rtt.ms.ap-northeast-1.ap-south-1",
            "the same both ways"
        ),
        "{d:#?}"
    );

    let (_, d) = catalog_errors(&[(
        "inter_az_usd_per_gb = \"0.01\"",
        "inter_az_usd_per_gb = \"-0.01\"",
    )]);
    assert!(
        has(
            &d,
            "FL-C006",
            "transfer.inter_az_usd_per_gb",
            "zero or more"
        ),
        "{d:#?}"
    );

    let (_, d) = catalog_errors(&[("reserved_3y = \"0.57\"", "reserved_3y = \"1.57\"")]);
    assert!(
        has(&d, "FL-C006", "commitments.reserved_3y", "[0, 1)"),
        "{d:#?}"
    );

    let (_, d) = catalog_errors(&[(
        "[failure.zone]\nrate_per_year = 0.03",
        "[failure.zone]\nrate_per_year = -0.03",
    )]);
    assert!(
        has(
            &d,
            "FL-C006",
            "failure.zone.rate_per_year",
            "from 0 to 1000"
        ),
        "{d:#?}"
    );
    let (_, d) = catalog_errors(&[(
        "[failure.zone]\nrate_per_year = 0.03",
        "[failure.zone]\nrate_per_year = 8760",
    )]);
    assert!(
        has(&d, "FL-C006", "failure.zone.rate_per_year", "got 8760"),
        "{d:#?}"
    );

    let (_, d) = catalog_errors(&[(
        "replacement_median_hours = 0.083",
        "replacement_median_hours = 0",
    )]);
    assert!(
        has(
            &d,
            "FL-C006",
            "failure.spot.replacement_median_hours",
            "positive"
        ),
        "{d:#?}"
    );

    let (_, d) = catalog_errors(&[("\"m5.large\" = \"0.096\"", "\"m5.large\" = \"-0.096\"")]);
    assert!(
        has(
            &d,
            "FL-C006",
            "on_demand.us-east-1.usd_per_hour.\"m5.large\"",
            "positive"
        ),
        "{d:#?}"
    );
}

#[test]
fn a_topology_passed_as_the_catalog_is_named_as_such() {
    let topology = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/web-shop/topology.toml");
    let t = topology.to_str().unwrap();
    let out = faultline(&["--catalog", t, "validate", t]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("this looks like a topology, not a catalog"),
        "{err}"
    );
    assert!(err.contains("--catalog"), "{err}");
    assert!(!err.contains("missing field"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "catalog.toml", EMBEDDED_TOML);
    let out = faultline(&["validate", c.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("this looks like a catalog, not a topology"),
        "{err}"
    );
}
