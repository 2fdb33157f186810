//! Reading the user's files — the catalog, the topology, a plan — and turning every
//! problem into diagnostics that name the file. What was read is kept in [`Sources`]
//! so every renderer can turn spans into lines.

use std::borrow::Cow;
use std::path::Path;

use faultline_models::catalog::Catalog;
use faultline_models::diag::{Code, Diagnostic, FileKind};
use faultline_models::plan::Plan;
use faultline_models::topology::{self, Topology};

use crate::render::{Source, Sources};

/// Why a command could not read its input: diagnostics about the files in `sources`.
#[derive(Debug, Default)]
pub struct InputError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl InputError {
    pub fn new(diagnostics: Vec<Diagnostic>, sources: Sources) -> Self {
        InputError {
            diagnostics,
            sources,
        }
    }

    /// One error about the command line itself (a flag's value).
    pub fn flag(flag: &str, message: impl std::fmt::Display) -> Self {
        InputError::new(
            vec![
                Diagnostic::error(Code::InvalidArgument, format!("{flag}: {message}"))
                    .in_file(FileKind::Command),
            ],
            Sources::default(),
        )
    }
}

/// Reads a text file, or says why not in words a user acts on.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            std::io::ErrorKind::InvalidData => "file is not UTF-8 text".to_string(),
            std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        InputError::new(
            vec![Diagnostic::error(
                Code::UnreadableInput,
                format!("cannot read {}: {why}", path.display()),
            )
            .in_file(FileKind::Command)],
            Sources::default(),
        )
    })
}

fn read_source(path: &Path, kind: FileKind, sources: &mut Sources) -> Result<String, InputError> {
    let text = read_text(path)?;
    sources.insert(
        kind,
        Source {
            path: path.display().to_string(),
            text: text.clone(),
        },
    );
    Ok(text)
}

/// The catalog: the embedded one, or the file `--catalog` names.
pub fn catalog(
    path: Option<&Path>,
    sources: &mut Sources,
) -> Result<Cow<'static, Catalog>, InputError> {
    let Some(path) = path else {
        return Ok(Cow::Borrowed(Catalog::embedded()));
    };
    let text = read_source(path, FileKind::Catalog, sources)?;
    Catalog::parse(&text)
        .map(Cow::Owned)
        .map_err(|diags| InputError::new(diags, std::mem::take(sources)))
}

/// A topology that passed validation, with the warnings found on the way.
#[derive(Debug)]
pub struct LoadedTopology {
    pub topology: Topology,
    pub warnings: Vec<Diagnostic>,
}

pub fn topology(
    path: &Path,
    catalog: &Catalog,
    sources: &mut Sources,
) -> Result<LoadedTopology, InputError> {
    let text = read_source(path, FileKind::Topology, sources)?;
    match topology::parse(&text, catalog) {
        Ok(checked) => Ok(LoadedTopology {
            topology: checked.topology,
            warnings: checked.warnings,
        }),
        Err(diags) => Err(InputError::new(diags, std::mem::take(sources))),
    }
}

/// Everything a command that reads a topology starts from.
#[derive(Debug)]
pub struct Inputs {
    pub catalog: Cow<'static, Catalog>,
    pub topology: Topology,
    /// Validation warnings: they do not stop the command.
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
}

/// The catalog (embedded, or `--catalog`), then the topology checked against it: the
/// first two steps of every command that reads a topology.
pub fn catalog_and_topology(
    topology_path: &Path,
    catalog_path: Option<&Path>,
) -> Result<Inputs, InputError> {
    let mut sources = Sources::default();
    let catalog = self::catalog(catalog_path, &mut sources)?;
    let loaded = self::topology(topology_path, &catalog, &mut sources)?;
    Ok(Inputs {
        catalog,
        topology: loaded.topology,
        warnings: loaded.warnings,
        sources,
    })
}

/// Reads a plan document (version checked); its text joins `sources`.
pub fn plan(path: &Path, sources: &mut Sources) -> Result<Plan, InputError> {
    plan_file(path, FileKind::Plan, sources)
}

/// Reads a plan document as the file `kind` (a `--baseline` is a plan too), so its
/// problems point into the right file.
pub fn plan_file(path: &Path, kind: FileKind, sources: &mut Sources) -> Result<Plan, InputError> {
    let text = read_source(path, kind, sources)?;
    Plan::from_json(&text).map_err(|diags| {
        let diags = diags.into_iter().map(|d| d.in_file(kind)).collect();
        InputError::new(diags, std::mem::take(sources))
    })
}
