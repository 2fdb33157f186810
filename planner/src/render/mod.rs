//! Renderers: pure functions from what a command produced — the report document, a
//! catalog, a list of diagnostics — to the bytes of one output format. One module per
//! format; [`render`] is the one place that chooses between them. Renderers never
//! solve, assess or read files: what they need from the user's files (the text behind
//! a span) comes in [`Sources`].

pub mod diagnostics;
pub mod gate;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;

use faultline_models::catalog::diff::CatalogDiff;
use faultline_models::catalog::Catalog;
use faultline_models::diag::{Diagnostic, FileKind};
use faultline_models::report::Report;

/// Every output format. A command accepts the formats that make sense for what it
/// produces; [`render`] says when a pair does not exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people at a terminal.
    #[default]
    Text,
    /// Versioned JSON documents for programs.
    Json,
    /// One self-contained HTML page (`report`).
    Html,
    /// A pull-request comment or job summary (`check`, `diff`, `report`).
    Markdown,
    /// JUnit XML, one test case per rule × subject (`check`).
    Junit,
    /// SARIF 2.1.0 for code scanning (`check`).
    Sarif,
    /// GitHub Actions workflow-command annotations (`check`).
    Github,
    /// GitLab Code Quality report (`check`).
    Gitlab,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
        }
    }

    /// The formats `faultline check` writes.
    pub const CHECK: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Junit,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
    ];
}

/// One of the user's files, as read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The path as the user gave it.
    pub path: String,
    pub text: String,
}

/// The files a command read, by kind, so diagnostics can be shown with their lines.
#[derive(Debug, Clone, Default)]
pub struct Sources(BTreeMap<FileKind, Source>);

impl Sources {
    pub fn insert(&mut self, kind: FileKind, source: Source) {
        self.0.insert(kind, source);
    }

    pub fn get(&self, kind: FileKind) -> Option<&Source> {
        self.0.get(&kind)
    }

    /// The path to name for a file kind: the file's, or a word for the command line.
    pub fn path(&self, kind: FileKind) -> &str {
        match self.0.get(&kind) {
            Some(s) => &s.path,
            None => match kind {
                FileKind::Catalog => "the embedded catalog",
                FileKind::Command => "the command line",
                _ => "",
            },
        }
    }

    pub fn merge(&mut self, other: Sources) {
        self.0.extend(other.0);
    }
}

/// Which part of a report a command is about: what its text leads with and which
/// document its JSON is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `plan`: the plan; its JSON is the plan document (what `--plan` reads back).
    Plan,
    /// `analyze`: the assessment; its JSON is the assessment document.
    Assessment,
    /// The whole report document.
    Report,
}

/// What `catalog show` narrows to.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub region: Option<&'a str>,
    pub family: Option<&'a str>,
}

impl Filter<'_> {
    pub fn region(&self, r: &str) -> bool {
        self.region.is_none_or(|f| f == r)
    }
    pub fn family(&self, f: &str) -> bool {
        self.family.is_none_or(|x| x == f)
    }
}

/// A topology that passed validation, summarised.
#[derive(Debug)]
pub struct Validation<'a> {
    pub system: &'a str,
    pub services: usize,
    pub journeys: usize,
    pub regions: usize,
    pub warnings: &'a [Diagnostic],
}

/// What can be rendered.
#[derive(Debug)]
pub enum Doc<'a> {
    Validation(&'a Validation<'a>),
    Report(&'a Report, View),
    Catalog(&'a Catalog, &'a Filter<'a>),
    /// A diff between the catalogs at two paths.
    CatalogDiff(&'a CatalogDiff, &'a str, &'a str),
    /// The command failed: every diagnostic behind it.
    Failure(&'a [Diagnostic]),
    /// What the architecture-review gate found (`check`).
    Gate(&'a crate::gate::GateResult),
    /// Cost and availability between two deployments, with the two paths (`diff`).
    Diff(&'a crate::gate::snapshot::Diff, &'a str, &'a str),
}

/// A format the document has no rendering in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub format: Format,
}

/// Renders `doc` in `format`.
pub fn render(doc: &Doc<'_>, format: Format, sources: &Sources) -> Result<String, Unsupported> {
    match (doc, format) {
        (_, Format::Text) => Ok(text::render(doc, sources)),
        (_, Format::Json) => Ok(json::render(doc, sources)),
        (Doc::Gate(g), Format::Markdown) => Ok(markdown::check(g, sources, markdown::MAX_CHARS)),
        (Doc::Gate(g), Format::Junit) => Ok(junit::render(g, sources)),
        (Doc::Gate(g), Format::Sarif) => Ok(sarif::render(g, sources)),
        (Doc::Gate(g), Format::Github) => Ok(github::render(g, sources)),
        (Doc::Gate(g), Format::Gitlab) => Ok(gitlab::render(g, sources)),
        (Doc::Diff(d, base, head), Format::Markdown) => Ok(markdown::diff_doc(d, base, head)),
        (Doc::Report(r, View::Report), Format::Html) => Ok(html::report(r)),
        (Doc::Report(r, View::Report), Format::Markdown) => Ok(markdown::report::render(r)),
        (_, format) => Err(Unsupported { format }),
    }
}
