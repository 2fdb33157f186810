//! Diagnostics as rustc-style text (via `codespan-reporting`) or as JSON.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};
use faultline_models::diag::{line_col, Diagnostic, Severity};
use serde::Serialize;

/// Renders diagnostics about `file` as text, followed by a one-line summary.
pub fn render(file: &str, text: &str, diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return String::new();
    }
    let files = SimpleFile::new(file, text);
    let config = Config::default();
    let mut out = String::new();
    for d in diags {
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        };
        let message = match &d.key {
            Some(k) => format!("{k}: {}", d.message),
            None => d.message.clone(),
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.code.as_str())
            .with_message(message.clone());
        let mut labels = Vec::new();
        if let Some(span) = &d.span {
            labels.push(Label::primary((), span.clone()).with_message(d.code.summary()));
        }
        for l in &d.labels {
            labels.push(Label::secondary((), l.span.clone()).with_message(l.message.clone()));
        }
        cs = cs.with_labels(labels);
        let mut notes = Vec::new();
        if d.span.is_none() {
            notes.push(format!("in {file}"));
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        cs = cs.with_notes(notes);
        match term::emit_into_string(&config, &files, &cs) {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str(&format!("{file}: {message}\n")),
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    out.push_str(&summary(file, errors, warnings));
    out
}

fn summary(file: &str, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => format!("warning: {file}: {}\n", plural(w, "warning")),
        (e, 0) => format!("error: {file}: {}\n", plural(e, "error")),
        (e, w) => format!(
            "error: {file}: {} and {}\n",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub severity: Severity,
    pub file: &'a str,
    pub key: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// Diagnostics as JSON objects with 1-based line and column numbers.
pub fn to_json<'a>(file: &'a str, text: &str, diags: &'a [Diagnostic]) -> Vec<JsonDiagnostic<'a>> {
    diags
        .iter()
        .map(|d| {
            let start = d.span.as_ref().map(|s| line_col(text, s.start));
            let end = d.span.as_ref().map(|s| line_col(text, s.end));
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                file,
                key: d.key.as_deref(),
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                message: &d.message,
                help: d.help.as_deref(),
            }
        })
        .collect()
}
