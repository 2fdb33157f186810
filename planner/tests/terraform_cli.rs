//! `faultline terraform` and `faultline plan --terraform` as a user runs them: the tree
//! written whole with its marker and equal to the library's, files the team added kept
//! when it is written again, foreign directories refused, malformed, stale and
//! unbuildable plans refused with exit code 2 and nothing written, and `--diff`.

mod terraform_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use terraform_support::{case, generate, repo};

fn faultline(args: &[&std::ffi::OsStr], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn fixture(rel: &str) -> PathBuf {
    repo().join(rel)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

const WEB_SHOP_PLAN: &str = "examples/web-shop/expected/plan.json";
const WEB_SHOP: &str = "examples/web-shop/topology.toml";

#[test]
fn writes_the_tree_of_the_plan_with_its_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let out = faultline(
        &[
            os("terraform"),
            fixture(WEB_SHOP_PLAN).as_os_str(),
            os("-o"),
            os("tf"),
            os("--topology"),
            fixture(WEB_SHOP).as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("wrote tf: Terraform for plan web-shop-"),
        "{stdout}"
    );
    assert!(stdout.contains("purchases.md"), "{stdout}");
    let mut got = files(&tmp.path().join("tf"));
    assert!(got.remove(".faultline").is_some(), "no marker");
    let want: std::collections::BTreeMap<String, Vec<u8>> = generate(&case("web-shop"))
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect();
    assert_eq!(got, want, "the written tree is the library's");
}

#[test]
fn writing_again_keeps_what_the_team_added_and_drops_what_is_no_longer_generated() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = fixture(WEB_SHOP_PLAN);
    let run = |plan: &Path| {
        let out = faultline(
            &[os("terraform"), plan.as_os_str(), os("-o"), os("tf")],
            tmp.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    run(&plan);
    let tf = tmp.path().join("tf");
    std::fs::write(
        tf.join("terraform.tfvars"),
        "instance_profile_name = \"x\"\n",
    )
    .unwrap();
    std::fs::write(tf.join("backend.tf"), "terraform {}\n").unwrap();
    std::fs::create_dir_all(tf.join(".terraform/providers")).unwrap();
    std::fs::write(tf.join(".terraform/providers/note"), "cached").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            tf.join("terraform.tfvars"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    assert!(tf.join("dns.tf").is_file());

    // A plan of the stores alone: no fleet, so no dns.tf and no fleet module.
    let mut stores_only: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let services = stores_only["services"].as_object_mut().unwrap();
    services.remove("api");
    services.remove("storefront");
    let smaller = tmp.path().join("stores.json");
    std::fs::write(
        &smaller,
        serde_json::to_string_pretty(&stores_only).unwrap(),
    )
    .unwrap();
    run(&smaller);

    assert_eq!(
        std::fs::read_to_string(tf.join("backend.tf")).unwrap(),
        "terraform {}\n"
    );
    assert_eq!(
        std::fs::read_to_string(tf.join(".terraform/providers/note")).unwrap(),
        "cached"
    );
    assert!(tf.join("terraform.tfvars").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tf.join("terraform.tfvars"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the team's file keeps its mode");
    }
    assert!(!tf.join("dns.tf").exists(), "dns.tf is no longer generated");
    assert!(!tf.join("modules/fleet").exists());
    assert!(tf.join("modules/member/main.tf").is_file());
    // Nothing is left beside the directory.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

#[test]
fn a_directory_faultline_did_not_write_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let tf = tmp.path().join("tf");
    std::fs::create_dir(&tf).unwrap();
    std::fs::write(tf.join("mine.tf"), "# someone's\n").unwrap();
    let plan = fixture(WEB_SHOP_PLAN);
    let out = faultline(
        &[os("terraform"), plan.as_os_str(), os("-o"), os("tf")],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("tf: the directory exists and was not written by faultline"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(tf.join("mine.tf")).unwrap(),
        "# someone's\n"
    );
    assert_eq!(std::fs::read_dir(&tf).unwrap().count(), 1);

    let out = faultline(
        &[
            os("terraform"),
            plan.as_os_str(),
            os("-o"),
            os("tf"),
            os("--force"),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !tf.join("mine.tf").exists(),
        "a forced foreign directory is replaced whole"
    );
    assert!(tf.join("main.tf").is_file());
}

/// Runs `faultline terraform` on a plan text; the command must fail with exit code 2,
/// name the plan file and the code, and write nothing.
fn refused(plan_text: &str, extra: &[&str], code: &str, key: &str) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("plan.json"), plan_text).unwrap();
    let mut args = vec![os("terraform"), os("plan.json"), os("-o"), os("tf")];
    args.extend(extra.iter().map(|s| os(s)));
    let out = faultline(&args, tmp.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("error[{code}]")), "{err}");
    assert!(err.contains(key), "{err}");
    assert!(err.contains("plan.json"), "{err}");
    assert!(
        !tmp.path().join("tf").exists(),
        "something was written: {err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn malformed_stale_and_unbuildable_plans_write_nothing() {
    let good = std::fs::read_to_string(fixture(WEB_SHOP_PLAN)).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
        f(&mut v);
        serde_json::to_string_pretty(&v).unwrap()
    };
    refused("{ not json", &[], "FL-D001", "not a plan document");
    refused(
        &edit(&|v| v["format_version"] = 1.into()),
        &[],
        "FL-D002",
        "format version 1",
    );
    refused(
        &edit(&|v| {
            v["services"]["api"]
                .as_object_mut()
                .unwrap()
                .remove("deployment");
        }),
        &[],
        "FL-D001",
        "deployment",
    );
    refused(
        &edit(&|v| v["services"]["api"]["instances"][0]["region"] = "mars-east-1".into()),
        &[],
        "FL-D006",
        "services.api.instances.0.region",
    );
    refused(
        &edit(&|v| v["services"]["cache"]["instances"][1]["purchase"] = "spot".into()),
        &[],
        "FL-D001",
        "services.cache.instances.1.purchase",
    );
    refused(
        &edit(&|v| v["inputs"]["catalog_digest"] = "0".repeat(64).into()),
        &[],
        "FL-D004",
        "different catalog",
    );
    // The plan is current for the example, not for a topology whose API needs 10×.
    let tmp = tempfile::tempdir().unwrap();
    let grown = std::fs::read_to_string(fixture(WEB_SHOP))
        .unwrap()
        .replace("peak_vcpu = 64", "peak_vcpu = 640");
    let topo = tmp.path().join("grown.toml");
    std::fs::write(&topo, grown).unwrap();
    refused(
        &good,
        &["--topology", topo.to_str().unwrap()],
        "FL-D003",
        "`api` demand 10× higher",
    );
}

#[test]
fn plan_with_terraform_writes_the_tree_of_the_plan_it_made() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = fixture("planner/tests/fixtures/terraform/standby.toml");
    let out = faultline(
        &[
            os("plan"),
            topology.as_os_str(),
            os("-o"),
            os("plan.json"),
            os("--terraform"),
            os("tf"),
            os("--format"),
            os("json"),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // stdout stays the plan document; the Terraform is reported on stderr.
    let stdout: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(stdout["id"].as_str().unwrap().starts_with("standby-shop-"));
    assert!(stderr(&out).contains("wrote tf: Terraform for plan standby-shop-"));
    let again = faultline(
        &[
            os("terraform"),
            os("plan.json"),
            os("-o"),
            os("tf2"),
            os("--topology"),
            topology.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(
        files(&tmp.path().join("tf")),
        files(&tmp.path().join("tf2")),
        "plan --terraform and terraform on its plan give the same tree"
    );
}

#[test]
fn diff_says_what_a_replan_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let old = fixture("planner/tests/fixtures/terraform/standby.plan.json");
    let new = fixture("planner/tests/fixtures/terraform/standby-grown.plan.json");
    let out = faultline(
        &[
            os("terraform"),
            os("--diff"),
            old.as_os_str(),
            new.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        faultline::terraform::diff(
            &case("standby").plan,
            &{
                let t = std::fs::read_to_string(&new).unwrap();
                faultline_models::plan::Plan::from_json(&t).unwrap()
            },
            faultline_models::catalog::Catalog::embedded()
        )
        .unwrap()
    );
    assert!(
        text.contains("r7i.xlarge active → r7i.2xlarge active"),
        "{text}"
    );

    // A broken old plan is reported as the baseline, by its own path.
    std::fs::write(tmp.path().join("old.json"), "[]").unwrap();
    let out = faultline(
        &[
            os("terraform"),
            os("--diff"),
            os("old.json"),
            new.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("old.json"), "{}", stderr(&out));

    // --diff writes nothing and takes no output directory.
    let out = faultline(
        &[
            os("terraform"),
            os("--diff"),
            old.as_os_str(),
            new.as_os_str(),
            os("-o"),
            os("tf"),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.path().join("tf").exists());
}
