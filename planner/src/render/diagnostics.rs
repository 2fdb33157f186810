//! Diagnostics — validation errors, unreadable plans, infeasibility, bad flags — as
//! rustc-style text (via `codespan-reporting`) or as JSON objects with 1-based lines,
//! each naming the file it is about.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use faultline_models::diag::{line_col, Diagnostic, FileKind, Severity};
use serde::Serialize;

use super::Sources;

/// Renders diagnostics as text, each file's followed by a one-line summary.
pub fn render(sources: &Sources, diags: &[Diagnostic]) -> String {
    if diags.is_empty() {
        return String::new();
    }
    let mut files = SimpleFiles::new();
    let mut ids = std::collections::BTreeMap::new();
    let mut shown = std::collections::BTreeMap::new();
    for d in diags {
        if let (Some(src), None) = (sources.get(d.file), ids.get(&d.file)) {
            let clipped = Clipped::new(&src.text);
            ids.insert(d.file, files.add(src.path.clone(), clipped.text.clone()));
            shown.insert(d.file, clipped);
        }
    }
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
        let id = ids.get(&d.file).copied();
        let mut notes = Vec::new();
        if let (Some(id), Some(c)) = (id, shown.get(&d.file)) {
            let mut labels = Vec::new();
            if let Some(span) = &d.span {
                labels.push(Label::primary(id, c.map(span)).with_message(d.code.summary()));
            }
            for l in &d.labels {
                labels.push(Label::secondary(id, c.map(&l.span)).with_message(l.message.clone()));
            }
            cs = cs.with_labels(labels);
        }
        if d.span.is_none() || id.is_none() {
            let path = sources.path(d.file);
            if !path.is_empty() && d.file != FileKind::Command {
                notes.push(format!("in {path}"));
            }
        }
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        cs = cs.with_notes(notes);
        match term::emit_into_string(&config, &files, &cs) {
            Ok(s) => out.push_str(&s),
            Err(_) => out.push_str(&format!("{}: {message}\n", sources.path(d.file))),
        }
    }
    let mut kinds: Vec<FileKind> = diags.iter().map(|d| d.file).collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        if kind == FileKind::Command {
            continue;
        }
        let errors = diags
            .iter()
            .filter(|d| d.file == kind && d.is_error())
            .count();
        let warnings = diags.iter().filter(|d| d.file == kind).count() - errors;
        out.push_str(&summary(sources.path(kind), errors, warnings));
    }
    out
}

/// A file's text as a snippet shows it: lines longer than [`MAX_LINE`] bytes are cut
/// (a 50 MB line is not echoed), with spans moved to match.
struct Clipped {
    text: String,
    /// Per line: its start in the original, its start in `text`, the bytes kept.
    lines: Vec<(usize, usize, usize)>,
}

const MAX_LINE: usize = 240;

impl Clipped {
    fn new(original: &str) -> Clipped {
        let mut text = String::new();
        let mut lines = Vec::new();
        let mut start = 0;
        for line in original.split_inclusive('\n') {
            let body = line.strip_suffix('\n').unwrap_or(line);
            let new_start = text.len();
            if body.len() > MAX_LINE {
                let mut cut = MAX_LINE;
                while !body.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.push_str(&body[..cut]);
                text.push_str(&format!("… ({} more bytes)", body.len() - cut));
                if line.ends_with('\n') {
                    text.push('\n');
                }
                lines.push((start, new_start, cut));
            } else {
                text.push_str(line);
                lines.push((start, new_start, line.len()));
            }
            start += line.len();
        }
        Clipped { text, lines }
    }

    fn offset(&self, o: usize) -> usize {
        let i = self.lines.partition_point(|l| l.0 <= o).saturating_sub(1);
        match self.lines.get(i) {
            Some((old, new, kept)) => new + (o - old).min(*kept),
            None => o.min(self.text.len()),
        }
    }

    fn map(&self, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        let start = self.offset(span.start);
        start..self.offset(span.end).max(start)
    }
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
    /// The path of the file it is about (`null` for the command line).
    pub file: Option<&'a str>,
    pub file_kind: FileKind,
    pub key: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// Diagnostics as JSON objects with 1-based line and column numbers.
pub fn to_json<'a>(sources: &'a Sources, diags: &'a [Diagnostic]) -> Vec<JsonDiagnostic<'a>> {
    diags
        .iter()
        .map(|d| {
            let src = sources.get(d.file);
            let pos = |o: usize| src.map(|s| line_col(&s.text, o));
            let start = d.span.as_ref().and_then(|s| pos(s.start));
            let end = d.span.as_ref().and_then(|s| pos(s.end));
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                file: match d.file {
                    FileKind::Command => None,
                    k => Some(sources.path(k)),
                },
                file_kind: d.file,
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
