//! Every example under `examples/` is runnable and its outputs are checked in:
//! `examples/<name>/expected/<command>.txt`. `FAULTLINE_BLESS=1` rewrites them; otherwise
//! a difference fails with both texts shown.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("topology.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Runs `faultline <args> examples/<name>/topology.toml <extra>` from the repository
/// root and compares stdout with the checked-in expectation.
fn golden(dir: &Path, name: &str, args: &[&str]) {
    golden_with(dir, name, args, &[], |s| s)
}

fn golden_with(
    dir: &Path,
    name: &str,
    args: &[&str],
    extra: &[&str],
    redact: impl Fn(String) -> String,
) {
    let rel = dir.strip_prefix(repo()).unwrap().join("topology.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .current_dir(repo())
        .args(args)
        .arg(&rel)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}: {stderr}", rel.display());
    let got = redact(String::from_utf8(out.stdout).unwrap());
    let path = dir.join("expected").join(name);
    if std::env::var_os("FAULTLINE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with FAULTLINE_BLESS=1", path.display()));
    assert!(
        got == want,
        "{} changed.\n--- expected\n{want}\n--- got\n{got}\nRun with FAULTLINE_BLESS=1 if intended.",
        path.display()
    );
}

#[test]
fn examples_validate_without_warnings() {
    let dirs = examples();
    assert!(dirs.len() >= 3);
    for dir in &dirs {
        golden(dir, "validate.txt", &["validate"]);
        assert!(
            dir.join("README.md").is_file(),
            "{} has no README",
            dir.display()
        );
    }
}

#[test]
fn init_writes_each_example_and_the_starter() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in examples() {
        let name = dir.file_name().unwrap().to_str().unwrap();
        let target = tmp.path().join(format!("{name}.toml"));
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["init", "--example", name])
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let written = std::fs::read_to_string(&target).unwrap();
        assert_eq!(
            written,
            std::fs::read_to_string(dir.join("topology.toml")).unwrap()
        );
    }
    let starter = tmp.path().join("topology.toml");
    let run = |force: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
        cmd.arg("init").arg(&starter);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap().status.code()
    };
    assert_eq!(run(false), Some(0));
    assert_eq!(run(false), Some(2), "must refuse to overwrite");
    assert_eq!(run(true), Some(0));
    let check = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("validate")
        .arg(&starter)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0));
}

fn same_plan_under_load(dir: &Path) {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let got = std::thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| {
                let mut x = 1u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            });
        }
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .current_dir(repo())
            .args(["plan", "--format", "json"])
            .arg(dir.strip_prefix(repo()).unwrap().join("topology.toml"))
            .output()
            .unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    });
    assert_eq!(got.status.code(), Some(0), "{}", dir.display());
    let want = std::fs::read(dir.join("expected/plan.json")).unwrap();
    assert!(
        got.stdout == want,
        "{}: the plan differs when planned under load",
        dir.display()
    );
}

/// Examples whose every MILP ends on the optimality gap, not on the clock, so their
/// plans are the same on any machine: the plan and its assessment are checked in.
#[test]
fn plans_and_assessments_match_the_checked_in_ones() {
    for name in [
        "legacy-placement",
        "order-saga",
        "payments",
        "realtime-chat",
        "web-shop",
    ] {
        let dir = repo().join("examples").join(name);
        golden_with(&dir, "plan.json", &["plan", "--format", "json"], &[], |s| s);
        // Planned again while every core is busy: the same bytes (solves stop on the
        // gap or a count of nodes, never on the clock).
        same_plan_under_load(&dir);
        let plan = dir.join("expected/plan.json");
        golden_with(
            &dir,
            "analyze-plan.txt",
            &["analyze", "--simulate", "500", "--seed", "7"],
            &["--plan", plan.to_str().unwrap()],
            |s| s,
        );
    }
    // What the legacy team runs today, from its own placement.
    let dir = repo().join("examples/legacy-placement");
    golden(&dir, "analyze-placement.txt", &["analyze"]);
}
