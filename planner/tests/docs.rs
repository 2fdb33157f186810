//! Checked-in documentation that is derived from code stays in step with it: the JSON
//! Schemas editors use, and the finding-code reference. `FAULTLINE_BLESS=1` rewrites
//! the schemas after an intended format change.

use std::path::Path;
use std::process::Command;

use faultline_models::diag::Code;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn check_schema(target: &str, file: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["schema", "--for", target])
        .output()
        .unwrap();
    assert!(out.status.success());
    let fresh = String::from_utf8(out.stdout).unwrap();
    let path = repo().join("docs").join(file);
    if std::env::var_os("FAULTLINE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "docs/{file} is stale: run `FAULTLINE_BLESS=1 cargo test -p faultline --test docs` and commit it"
    );
}

#[test]
fn topology_schema_is_current() {
    check_schema("topology", "topology.schema.json");
}

#[test]
fn catalog_schema_is_current() {
    check_schema("catalog", "catalog.schema.json");
}

#[test]
fn every_code_is_documented() {
    let findings = std::fs::read_to_string(repo().join("docs/findings.md")).unwrap();
    for code in Code::ALL {
        let heading = format!("## {}", code.as_str());
        assert!(
            findings.contains(&heading),
            "docs/findings.md has no section `{heading}`"
        );
    }
}
