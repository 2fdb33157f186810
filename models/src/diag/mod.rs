//! Diagnostics: one shape for every problem Faultline reports — validation errors,
//! unreadable plans, infeasibility explanations, deployments that do not fit, and
//! (later) gate findings — each with a stable code, a severity, the kind of file it
//! is about, and the span in that file, so every renderer (terminal, JSON, SARIF) can
//! point at the line.

mod codes;

pub use codes::Code;

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// A byte range in the source text a diagnostic points at.
pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Which of the user's files a diagnostic is about. The models never see paths; the
/// shell maps each kind to the file it read (and its text, for line numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Topology,
    Catalog,
    /// A plan document read back (`--plan`).
    Plan,
    /// A gate policy file.
    Policy,
    /// The baseline a comparison is made against.
    Baseline,
    /// The command line itself (a flag's value), or a file named in the message.
    Command,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A secondary location that helps explain a diagnostic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in a user's file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// The file the span points into.
    pub file: FileKind,
    /// Dotted path of the key the problem is about, e.g. `services.web.slo.availability`.
    pub key: Option<String>,
    pub message: String,
    /// Where the problem is; `None` for whole-file problems.
    pub span: Option<Span>,
    /// Other places that explain it.
    pub labels: Vec<Label>,
    /// What to do about it (a did-you-mean, the expected form).
    pub help: Option<String>,
}

/// Words of a message longer than this are shortened: a message quotes the user's
/// names and values, and a 50 MB name must not be echoed whole.
const MAX_WORD: usize = 120;

/// The message with every over-long word shortened to its start and its length.
pub fn clip(message: String) -> String {
    if message.len() <= MAX_WORD
        || !message
            .split_whitespace()
            .any(|w| w.chars().count() > MAX_WORD)
    {
        return message;
    }
    let mut out = String::with_capacity(MAX_WORD * 4);
    let mut rest = message.as_str();
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..ws]);
        rest = &rest[ws..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let n = word.chars().count();
        if n > MAX_WORD {
            out.extend(word.chars().take(MAX_WORD / 2));
            out.push_str(&format!("… ({n} characters)"));
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    out
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            file: code.file(),
            key: None,
            message: clip(message.into()),
            span: None,
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Points the diagnostic into another file than its code's default.
    pub fn in_file(mut self, file: FileKind) -> Self {
        self.file = file;
        self
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(clip(key.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(clip(help.into()));
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: clip(message.into()),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by position so output follows the file top to bottom.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let pos = |d: &Diagnostic| d.span.as_ref().map_or(0, |s| s.start);
        pos(a).cmp(&pos(b)).then(a.code.cmp(&b.code))
    });
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            let s = code.as_str();
            assert!(s.len() == 7 && s.starts_with("FL-"), "bad code {s}");
            assert!(!code.summary().is_empty());
        }
    }

    #[test]
    fn line_col_is_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
