//! Baseline findings (`--baseline-findings`, written by `--write-baseline`): findings
//! accepted earlier, keyed by file + subject + rule, so that only new findings fail.
//! The key names no line, so moving lines keeps a finding accepted; changing what it
//! is about (another service, another disruption class) makes it new.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Finding, Status};

/// Version of the baseline findings document.
pub const BASELINE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub format_version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file the finding is about, as given on the command line.
    pub file: String,
    /// What it is about: `system`, `service:<name>`, `journey:<name>`, with a
    /// qualifier for the rule's detail (`service:ledger:region`).
    pub subject: String,
    pub rule: String,
    /// The finding's fingerprint when it was accepted (for reference; matching uses
    /// file, subject and rule).
    pub fingerprint: String,
    /// What the finding said, for the reviewer of the baseline file.
    pub message: String,
}

impl Entry {
    fn key(&self) -> (&str, &str, &str) {
        (&self.file, &self.subject, &self.rule)
    }
}

impl BaselineFile {
    /// Reads a baseline findings document; `Err` says what is wrong, with the line.
    pub fn parse(text: &str) -> Result<BaselineFile, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("not a baseline findings document: {e}"))?;
        match value.get("format_version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(BASELINE_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "baseline findings format version {v} is not supported; this build reads version {BASELINE_FORMAT_VERSION}"
                ))
            }
            None => return Err("not a baseline findings document: no `format_version`".into()),
        }
        serde_json::from_str(text).map_err(|e| format!("not a baseline findings document: {e}"))
    }

    /// The document accepting every finding that is not suppressed, sorted.
    pub fn accepting(findings: &[Finding]) -> BaselineFile {
        let mut entries: Vec<Entry> = findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Suppressed { .. }))
            .map(|f| Entry {
                file: f.file.clone(),
                subject: f.subject.clone(),
                rule: f.rule.code().as_str().to_string(),
                fingerprint: f.fingerprint.clone(),
                message: f.diagnostic.message.clone(),
            })
            .collect();
        entries.sort();
        entries.dedup_by(|a, b| a.key() == b.key());
        BaselineFile {
            format_version: BASELINE_FORMAT_VERSION,
            findings: entries,
        }
    }

    /// Marks the findings this baseline accepts.
    pub fn apply(&self, findings: &mut [Finding]) {
        let keys: BTreeSet<(&str, &str, &str)> = self.findings.iter().map(Entry::key).collect();
        for f in findings.iter_mut() {
            if f.status == Status::New
                && keys.contains(&(f.file.as_str(), f.subject.as_str(), f.rule.code().as_str()))
            {
                f.status = Status::Accepted;
            }
        }
    }
}
