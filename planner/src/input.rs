//! Reading the user's files: the catalog and the topology, turning every problem into
//! rendered diagnostics that name the file.

use std::borrow::Cow;
use std::path::Path;

use faultline_models::catalog::Catalog;
use faultline_models::diag::Diagnostic;
use faultline_models::topology::{self, Checked};

use crate::render::diagnostics;

/// A failure to read input, already rendered for the terminal.
#[derive(Debug)]
pub(crate) struct InputError {
    pub rendered: String,
    /// The diagnostics behind it, with the file they are about (for JSON output).
    pub file: String,
    /// The file's text, for line numbers; empty when it could not be read.
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            std::io::ErrorKind::InvalidData => "file is not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        InputError {
            rendered: format!("error: cannot read {}: {message}\n", path.display()),
            file: path.display().to_string(),
            text: String::new(),
            diagnostics: Vec::new(),
        }
    })
}

pub(crate) fn catalog(path: Option<&Path>) -> Result<Cow<'static, Catalog>, InputError> {
    let Some(path) = path else {
        return Ok(Cow::Borrowed(Catalog::embedded()));
    };
    let text = read_text(path)?;
    Catalog::parse(&text).map(Cow::Owned).map_err(|diags| {
        let file = path.display().to_string();
        InputError {
            rendered: diagnostics::render(&file, &text, &diags),
            file,
            text,
            diagnostics: diags,
        }
    })
}

/// A topology that passed validation, with its text and rendered warnings.
#[derive(Debug)]
pub(crate) struct LoadedTopology {
    pub checked: Checked,
    pub warnings: String,
}

pub(crate) fn topology(path: &Path, catalog: &Catalog) -> Result<LoadedTopology, InputError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    match topology::parse(&text, catalog) {
        Ok(checked) => {
            let warnings = diagnostics::render(&file, &text, &checked.warnings);
            Ok(LoadedTopology { checked, warnings })
        }
        Err(diags) => Err(InputError {
            rendered: diagnostics::render(&file, &text, &diags),
            file,
            text,
            diagnostics: diags,
        }),
    }
}

/// The catalog (embedded, or `--catalog`), then the topology checked against it: the
/// first two steps of every command that reads a topology.
pub(crate) fn catalog_and_topology(
    topology_path: &Path,
    catalog_path: Option<&Path>,
) -> Result<(Cow<'static, Catalog>, LoadedTopology), InputError> {
    let catalog = self::catalog(catalog_path)?;
    let loaded = self::topology(topology_path, &catalog)?;
    Ok((catalog, loaded))
}
