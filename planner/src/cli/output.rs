//! Writing results so that the user's files are never harmed: a regular file is
//! replaced atomically (readers see the old file or the whole new one) keeping its
//! mode, or the umask's for a new file; a read-only file is refused; a symlink is
//! written through to its target; a device, FIFO or `-` is written straight to; a
//! directory is built beside its target and swapped in whole. Messages name the path
//! the user gave, never a temporary one. Streams treat a closed pipe as a normal end.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file Faultline leaves in every directory it writes; a directory without it is
/// not replaced unless the user forces it.
pub const MARKER: &str = ".faultline";

const MARKER_TEXT: &str =
    "This directory was written by faultline and is replaced whole each time it is \
regenerated.\nEdits here are lost; change the plan (or the generator's options) instead.\n";

/// Why an output could not be written, in words naming the user's path.
#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.message)
    }
}

impl From<OutputError> for super::input::InputError {
    fn from(e: OutputError) -> Self {
        super::input::InputError::new(
            vec![faultline_models::diag::Diagnostic::error(
                faultline_models::diag::Code::UnwritableOutput,
                e.to_string(),
            )
            .in_file(faultline_models::diag::FileKind::Command)],
            crate::render::Sources::default(),
        )
    }
}

fn err(path: &Path, message: impl Into<String>) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn io_err(path: &Path, e: &io::Error) -> OutputError {
    let message = match e.kind() {
        io::ErrorKind::NotFound => "its directory does not exist".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::StorageFull => "no space left on the device".to_string(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    };
    err(path, message)
}

/// Whether `path` means standard output: `-`, or `/dev/stdout`.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-") || path == Path::new("/dev/stdout")
}

/// Writes `contents` to the file at `path` (see the module comment for what happens
/// with each kind of target). Standard output is the caller's: see [`is_stdout`].
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    if is_stdout(path) {
        return emit(io::stdout().lock(), contents).map_err(|e| io_err(path, &e));
    }
    // Follow symlinks to the file they name, so the link itself survives.
    let target = resolve_links(path)?;
    match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => Err(err(path, "it is a directory")),
        Ok(meta) if !meta.is_file() => {
            // A device, FIFO or socket: write straight to it, never replace it.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| io_err(path, &e))?;
            f.write_all(contents)
                .and_then(|()| f.flush())
                .map_err(|e| io_err(path, &e))
        }
        Ok(meta) => {
            if meta.permissions().readonly() {
                return Err(err(
                    path,
                    "the file is read-only; make it writable or choose another path",
                ));
            }
            replace(path, &target, contents, Some(meta.permissions()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(path, &target, contents, None),
        Err(e) => Err(io_err(path, &e)),
    }
}

/// The path a chain of symlinks ends at (relative links resolved against their own
/// directory). A dangling link resolves to the path it names, which is then created.
fn resolve_links(path: &Path) -> Result<PathBuf, OutputError> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = fs::read_link(&cur).map_err(|e| io_err(path, &e))?;
                cur = if next.is_absolute() {
                    next
                } else {
                    cur.parent().unwrap_or(Path::new(".")).join(next)
                };
            }
            _ => return Ok(cur),
        }
    }
    Err(err(path, "too many levels of symbolic links"))
}

fn parent_dir(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Replaces the regular file `target` atomically: a temp file in the same directory,
/// synced, given the old file's mode (or the umask's), then renamed over it.
fn replace(
    shown: &Path,
    target: &Path,
    contents: &[u8],
    keep: Option<fs::Permissions>,
) -> Result<(), OutputError> {
    let dir = parent_dir(target);
    let mut tmp = tempfile::Builder::new()
        .prefix(".faultline-")
        .tempfile_in(dir)
        .map_err(|e| io_err(shown, &e))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_err(shown, &e))?;
    if let Some(mode) = keep.or_else(default_permissions) {
        fs::set_permissions(tmp.path(), mode).map_err(|e| io_err(shown, &e))?;
    }
    tmp.persist(target).map_err(|e| io_err(shown, &e.error))?;
    Ok(())
}

/// What a new file gets: 0666 less the umask (the temp file itself starts at 0600).
#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o666 & !umask()))
}

/// Elsewhere a new file keeps what a plain create gives it.
#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

/// The process umask, read without changing it (Linux reports it in
/// `/proc/self/status`); elsewhere the common 022.
#[cfg(unix)]
fn umask() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Files of a directory to write, by path relative to it.
pub type Tree = BTreeMap<PathBuf, Vec<u8>>;

/// Writes `files` as the directory `path`, whole or not at all: the tree is built in a
/// temporary sibling directory, then swapped with the old one in one step (an atomic
/// exchange where the system has one). An existing directory that Faultline did not
/// write (no [`MARKER`]) is refused unless `force`. `before_swap` runs after every
/// file is written, before anything at `path` changes, with the staging directory: it
/// may add to it (files to carry over from the old tree), and an error from it leaves
/// `path` as it was.
pub fn write_dir(
    path: &Path,
    files: &Tree,
    force: bool,
    before_swap: &mut dyn FnMut(&Path) -> io::Result<()>,
) -> Result<(), OutputError> {
    for rel in files.keys() {
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(err(
                path,
                format!("internal error: {} is not a relative path", rel.display()),
            ));
        }
    }
    let target = resolve_links(path)?;
    let existing = match fs::metadata(&target) {
        Ok(m) if m.is_dir() => {
            let ours = target.join(MARKER).is_file();
            let empty = fs::read_dir(&target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !ours && !empty && !force {
                return Err(err(
                    path,
                    format!(
                        "the directory exists and was not written by faultline (it has no {MARKER} file); \
                         pass --force to replace it, or choose another directory"
                    ),
                ));
            }
            true
        }
        Ok(_) => return Err(err(path, "it exists and is not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err(path, &e)),
    };
    let parent = parent_dir(&target);
    let staging = tempfile::Builder::new()
        .prefix(".faultline-")
        .tempdir_in(parent)
        .map_err(|e| io_err(path, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o777 & !umask()))
            .map_err(|e| io_err(path, &e))?;
    }
    let mut all = files.clone();
    all.insert(PathBuf::from(MARKER), MARKER_TEXT.as_bytes().to_vec());
    for (rel, contents) in &all {
        let file = staging.path().join(rel);
        if let Some(dir) = file.parent() {
            fs::create_dir_all(dir).map_err(|e| io_err(path, &e))?;
        }
        let mut f = fs::File::create(&file).map_err(|e| io_err(path, &e))?;
        f.write_all(contents)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_err(path, &e))?;
        if let Some(mode) = default_permissions() {
            fs::set_permissions(&file, mode).map_err(|e| io_err(path, &e))?;
        }
    }
    before_swap(staging.path()).map_err(|e| io_err(path, &e))?;
    if existing {
        swap(staging.path(), &target).map_err(|e| io_err(path, &e))?;
        // `staging` now holds the old tree; dropping it removes it.
    } else {
        let staged = staging.keep();
        if let Err(e) = fs::rename(&staged, &target) {
            let _ = fs::remove_dir_all(&staged);
            return Err(io_err(path, &e));
        }
    }
    Ok(())
}

/// Exchanges two directories in one step.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

/// Exchanges two directories: the old one is moved aside first, so a crash between
/// the two renames leaves it under its temporary name, never half-overwritten.
#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    let aside = a.with_extension("old");
    fs::rename(b, &aside)?;
    fs::rename(a, b)?;
    fs::rename(&aside, a)
}

/// Writes to a stream, treating a closed pipe (`faultline … | head`) as success.
pub fn emit(mut stream: impl Write, bytes: &[u8]) -> io::Result<()> {
    match stream.write_all(bytes).and_then(|()| stream.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_file(&path, b"first").unwrap();
        write_file(&path, b"second").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second");
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn directory_is_swapped_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("tf");
        let tree = |names: &[&str]| -> Tree {
            names
                .iter()
                .map(|n| (PathBuf::from(n), n.as_bytes().to_vec()))
                .collect()
        };
        write_dir(&out, &tree(&["a.tf", "sub/b.tf"]), false, &mut |_| Ok(())).unwrap();
        assert!(out.join("sub/b.tf").is_file());
        write_dir(&out, &tree(&["c.tf"]), false, &mut |_| Ok(())).unwrap();
        assert!(out.join("c.tf").is_file());
        assert!(!out.join("a.tf").exists(), "the old tree is gone whole");
        assert!(out.join(MARKER).is_file());
        // Only the target is left beside it: no staging directories.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn foreign_directory_is_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mine");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.txt"), "keep me").unwrap();
        let tree: Tree = [(PathBuf::from("main.tf"), b"x".to_vec())].into();
        let e = write_dir(&out, &tree, false, &mut |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert!(e.to_string().contains(&out.display().to_string()), "{e}");
        assert_eq!(
            fs::read_to_string(out.join("notes.txt")).unwrap(),
            "keep me"
        );
        write_dir(&out, &tree, true, &mut |_| Ok(())).unwrap();
        assert!(!out.join("notes.txt").exists());
    }
}
