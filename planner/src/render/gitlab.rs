//! Gate results as a GitLab Code Quality report: a JSON array of issues with
//! `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
//! `location.lines.begin`. The merge request widget shows only findings new or
//! resolved against the target branch, matched by fingerprint, so the fingerprint is
//! the gate's: it does not change when unrelated lines move. Suppressed findings are
//! left out; findings accepted in the baseline stay (the target branch has them too).

use faultline_models::diag::Severity;
use serde::Serialize;

use super::gate::position;
use super::json::pretty;
use super::Sources;
use crate::gate::{GateResult, Status};

#[derive(Debug, Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    categories: [&'static str; 1],
    location: IssueLocation<'a>,
}

#[derive(Debug, Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's severities are `info`, `minor`, `major`, `critical`, `blocker`: an error
/// that fails the check is `critical`, one that does not (below `--fail-on`, or
/// accepted) `major`, a warning `minor`.
fn severity(g: &GateResult, fails: bool, s: Severity) -> &'static str {
    match (s, fails) {
        (Severity::Error, true) => "critical",
        (Severity::Error, false) => "major",
        (Severity::Warning, true) if g.fail_on == Severity::Warning => "major",
        (Severity::Warning, _) => "minor",
    }
}

pub fn render(g: &GateResult, sources: &Sources) -> String {
    let issues: Vec<Issue<'_>> = g
        .findings
        .iter()
        .filter(|f| !matches!(f.status, Status::Suppressed { .. }))
        .map(|f| {
            let p = position(f, sources);
            Issue {
                kind: "issue",
                description: format!("{}: {}", f.rule.code(), f.diagnostic.message),
                check_name: f.rule.code().as_str(),
                fingerprint: &f.fingerprint,
                severity: severity(g, f.fails(g.fail_on), f.severity()),
                categories: ["Bug Risk"],
                location: IssueLocation {
                    path: &f.file,
                    lines: Lines {
                        begin: p.map_or(1, |p| p.line),
                        end: p.map_or(1, |p| p.end_line),
                    },
                },
            }
        })
        .collect();
    pretty(&issues)
}
