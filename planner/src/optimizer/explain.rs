//! Why no plan exists: each problem names the service, the requirements that conflict
//! and the numbers behind the conflict, and the topology keys to point at.

use std::fmt;

/// One reason a topology has no plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Conflict {
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
            service: Some(service.to_string()),
            message: message.into(),
            keys: Vec::new(),
            help: None,
        }
    }

    pub fn system(message: impl Into<String>) -> Self {
        Conflict {
            service: None,
            message: message.into(),
            keys: Vec::new(),
            help: None,
        }
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.keys.push(key.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every reason the topology has no plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infeasible {
    pub conflicts: Vec<Conflict>,
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

/// Milliseconds, compactly.
pub fn ms(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0} ms", x.round())
    } else {
        "an unmeasured link".to_string()
    }
}
