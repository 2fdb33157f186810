//! Why no plan exists: each conflict names the service, the requirements that conflict
//! and the numbers behind it, and the topology keys to point at. Conflicts become
//! [`Diagnostic`]s like any other problem, so they render through the same terminal,
//! JSON and SARIF renderers as validation errors.

use std::fmt;

use crate::diag::{Code, Diagnostic};
use crate::topology::Topology;

/// One reason a topology has no plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conflict {
    pub code: Code,
    /// The service it is about; `None` for system-wide problems (the budget cap).
    pub service: Option<String>,
    pub message: String,
    /// Dotted topology keys of the conflicting requirements, most relevant first.
    pub keys: Vec<String>,
    pub help: Option<String>,
}

impl Conflict {
    pub fn new(service: &str, message: impl Into<String>) -> Self {
        Conflict {
            code: Code::NoPlan,
            service: Some(service.to_string()),
            message: message.into(),
            keys: Vec::new(),
            help: None,
        }
    }

    pub fn system(message: impl Into<String>) -> Self {
        Conflict {
            code: Code::NoPlan,
            service: None,
            message: message.into(),
            keys: Vec::new(),
            help: None,
        }
    }

    pub fn code(mut self, code: Code) -> Self {
        self.code = code;
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.keys.push(key.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The conflict as a diagnostic about the topology: the primary span is the first
    /// key written in the file (or its nearest enclosing key), the others are labels.
    pub fn to_diagnostic(&self, t: &Topology) -> Diagnostic {
        let message = match &self.service {
            Some(s) => format!("service `{s}`: {}", self.message),
            None => self.message.clone(),
        };
        let mut d = Diagnostic::error(self.code, message);
        let mut located = self.keys.iter().filter_map(|k| nearest_span(t, k));
        if let Some((key, span)) = located.next() {
            d = d.key(key).at(span);
        }
        for (key, span) in located {
            d = d.label(span, format!("`{key}`"));
        }
        if let Some(h) = &self.help {
            d = d.help(h.clone());
        }
        d
    }
}

/// The span of `key`, or of the nearest enclosing key written in the file.
fn nearest_span(t: &Topology, key: &str) -> Option<(String, crate::diag::Span)> {
    let mut k = key;
    loop {
        if let Some(sp) = t.span(k) {
            return Some((k.to_string(), sp));
        }
        k = k.rsplit_once('.')?.0;
    }
}

/// Every reason the topology has no plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infeasible {
    pub conflicts: Vec<Conflict>,
}

impl Infeasible {
    /// The conflicts as diagnostics about the topology, in file order.
    pub fn to_diagnostics(&self, t: &Topology) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.conflicts.iter().map(|c| c.to_diagnostic(t)).collect();
        crate::diag::sort(&mut out);
        out
    }
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.conflicts {
            match &c.service {
                Some(s) => writeln!(f, "service `{s}`: {}", c.message)?,
                None => writeln!(f, "{}", c.message)?,
            }
        }
        Ok(())
    }
}
