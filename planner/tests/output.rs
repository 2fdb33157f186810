//! Output never harms the user's files: a regular file is replaced atomically with its
//! mode kept (or the umask's), a read-only file is refused, a symlink is written
//! through, `/dev/null` and `-` are written to and not replaced, messages name the
//! path the user gave, and a directory is swapped in whole or not at all — even when
//! the writing process is killed mid-write.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use faultline::cli::output::{write_dir, Tree, MARKER};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .expect("run faultline")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `faultline schema -o <path>`: the simplest command that writes a file.
fn schema_to(path: &Path) -> Output {
    faultline(&["schema", "-o", path.to_str().unwrap()])
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn new_file_gets_the_umask_mode_and_a_replaced_file_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("schema.json");
    // Run under a known umask through the shell.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027 && exec '{}' schema -o '{}'",
            env!("CARGO_BIN_EXE_faultline"),
            new.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&new), 0o640, "0666 less umask 027");

    let kept = dir.path().join("kept.json");
    fs::write(&kept, "old").unwrap();
    fs::set_permissions(&kept, fs::Permissions::from_mode(0o604)).unwrap();
    assert!(schema_to(&kept).status.success());
    assert_eq!(mode(&kept), 0o604, "the old file's mode is kept");
    assert!(fs::read_to_string(&kept).unwrap().contains("\"$schema\""));
    // Nothing left beside the targets.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["kept.json", "schema.json"]);
}

#[test]
fn read_only_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro.json");
    fs::write(&ro, "precious").unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
    let out = schema_to(&ro);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&ro.display().to_string()), "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(fs::read_to_string(&ro).unwrap(), "precious");
    assert_eq!(mode(&ro), 0o444);
}

#[test]
fn symlink_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    symlink("real.json", &link).unwrap();
    assert!(schema_to(&link).status.success());
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&real).unwrap().contains("\"$schema\""));
}

#[test]
fn devices_and_stdout_are_written_to_not_replaced() {
    let out = schema_to(Path::new("/dev/null"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let meta = fs::metadata("/dev/null").unwrap();
    use std::os::unix::fs::FileTypeExt;
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is still a device"
    );

    for target in ["-", "/dev/stdout"] {
        let out = faultline(&["schema", "-o", target]);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("\"$schema\""), "{target}");
    }
}

#[test]
fn messages_name_the_path_given_not_a_temporary_one() {
    let out = schema_to(Path::new("/nonexistent-dir/schema.json"));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("/nonexistent-dir/schema.json"), "{err}");
    assert!(
        !err.contains(".tmp") && !err.contains(".faultline-"),
        "{err}"
    );
}

fn tree(tag: &str, n: usize) -> Tree {
    (0..n)
        .map(|i| {
            (
                PathBuf::from(format!("mod{}/f{i}.tf", i % 3)),
                format!("{tag} {i}\n").into_bytes(),
            )
        })
        .collect()
}

/// The directory holds exactly the tree tagged `tag`.
fn holds(dir: &Path, tag: &str, n: usize) -> bool {
    tree(tag, n)
        .iter()
        .all(|(rel, body)| fs::read(dir.join(rel)).is_ok_and(|b| &b == body))
        && dir.join(MARKER).is_file()
}

/// Child half of the kill test: writes the new tree slowly (it blocks before the swap
/// until killed), announcing its staging directory on stdout.
#[test]
fn child_writes_slowly() {
    let Some(target) = std::env::var_os("FAULTLINE_TEST_SLOW_TARGET") else {
        return;
    };
    write_dir(
        Path::new(&target),
        &tree("new", 30),
        false,
        &mut |staging| {
            println!("staged {}", staging.display());
            use std::io::Write;
            let _ = std::io::stdout().flush();
            std::thread::sleep(std::time::Duration::from_secs(60));
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn directory_swap_survives_a_kill_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    write_dir(&target, &tree("old", 30), false, &mut |_| Ok(())).unwrap();
    assert!(holds(&target, "old", 30));

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_writes_slowly",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("FAULTLINE_TEST_SLOW_TARGET", &target)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the child has written everything but not swapped.
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !seen.contains("staged ") && std::time::Instant::now() < deadline {
        use std::io::Read;
        let mut buf = [0u8; 256];
        let n = stdout.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(seen.contains("staged "), "child never staged: {seen}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(holds(&target, "old", 30), "the old directory is intact");

    // The next run replaces it whole (and cleans nothing it did not make).
    write_dir(&target, &tree("new", 12), false, &mut |_| Ok(())).unwrap();
    assert!(holds(&target, "new", 12));
    assert!(
        !target.join("mod2/f29.tf").exists(),
        "no file of the old tree is left"
    );
}
