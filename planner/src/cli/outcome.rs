//! What a command produced: text for stdout and stderr, and how it ended. A failure
//! renders in the command's format: diagnostics on stderr for text, the JSON error
//! document on stdout for `--format json`.

use faultline_models::diag::Diagnostic;

use super::exit::ExitStatus;
use super::input::InputError;
use crate::render::{self, Doc, Format, Sources};

#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub status: ExitStatus,
}

impl Outcome {
    pub fn ok(stdout: String) -> Self {
        Outcome {
            stdout,
            stderr: String::new(),
            status: ExitStatus::Success,
        }
    }

    /// Adds warnings (rendered as text) on stderr.
    pub fn with_warnings(mut self, sources: &Sources, warnings: &[Diagnostic]) -> Self {
        self.stderr
            .insert_str(0, &render::diagnostics::render(sources, warnings));
        self
    }

    /// The command failed on its input: exit status 2.
    pub fn failure(e: &InputError, format: Format) -> Self {
        let doc = Doc::Failure(&e.diagnostics);
        let rendered = render::render(&doc, format, &e.sources)
            .or_else(|_| render::render(&doc, Format::Text, &e.sources))
            .unwrap_or_default();
        let (stdout, stderr) = match format {
            Format::Json => (rendered, String::new()),
            _ => (String::new(), rendered),
        };
        Outcome {
            stdout,
            stderr,
            status: ExitStatus::InputError,
        }
    }
}

/// Renders a document for stdout, or says the command cannot write that format.
pub fn render(doc: &Doc<'_>, format: Format, sources: &Sources) -> Result<String, InputError> {
    render::render(doc, format, sources).map_err(|u| {
        InputError::flag(
            "--format",
            format!("this command does not write {}", u.format.name()),
        )
    })
}
