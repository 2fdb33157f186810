//! The architecture-review gate behind `faultline check`: a policy's rules evaluated
//! over a topology, its plan and the failure model's assessment (and, for the rules
//! that compare, a baseline) into findings — [`Diagnostic`]s pointing at the topology
//! line that causes each — then inline suppressions and accepted baseline findings
//! applied, and a verdict at the failing severity. Pure: every input, the date for
//! suppression expiry included, is an argument, so the same inputs give the same
//! findings in the same order.

pub mod baseline;
mod rules;
pub mod snapshot;
pub mod suppress;

use faultline_models::catalog::Catalog;
use faultline_models::deployment::Words;
use faultline_models::diag::{Diagnostic, FileKind, Severity, Span};
use faultline_models::failure::Assessment;
use faultline_models::plan::{sha256_hex, Plan};
use faultline_models::policy::{Date, Level, Policy, Rule};
use faultline_models::topology::Topology;
use serde::Serialize;

pub use baseline::BaselineFile;
pub use snapshot::Snapshot;
pub use suppress::Suppression;

/// Everything one gate run reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub topology: &'a Topology,
    pub catalog: &'a Catalog,
    pub plan: &'a Plan,
    pub assessment: &'a Assessment,
    pub policy: &'a Policy,
    /// The figures to compare against (`--baseline`).
    pub baseline: Option<&'a Snapshot>,
    /// Findings accepted earlier (`--baseline-findings`).
    pub accepted: Option<&'a BaselineFile>,
    /// The topology's text, where inline suppressions live.
    pub topology_text: &'a str,
    /// The topology's and the policy's paths as given on the command line: findings,
    /// fingerprints and baseline entries name them.
    pub topology_path: &'a str,
    pub policy_path: &'a str,
    /// The day suppressions expire against.
    pub today: Date,
    /// `--fail-on`; `None`: the policy's `fail_on`, else `error`.
    pub fail_on: Option<Severity>,
}

/// Whether a finding counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Not accepted anywhere: fails the check at or above the failing severity.
    New,
    /// In the baseline findings file.
    Accepted,
    /// Accepted by an inline suppression.
    Suppressed {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<Date>,
        /// Where the suppression is (in the topology).
        #[serde(skip)]
        span: Span,
    },
}

/// One rule broken by one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    /// What the finding is about: `system`, `service:<name>`, `journey:<name>`, with a
    /// qualifier where the rule has one (`service:ledger:region`, `service:api:tag:owner`).
    pub subject: String,
    /// Path of the file the diagnostic points into.
    pub file: String,
    pub diagnostic: Diagnostic,
    /// The policy setting that was broken, and where it is in the policy file.
    pub policy_key: Option<String>,
    #[serde(skip)]
    pub policy_span: Option<Span>,
    /// Stable across runs and across edits that move lines: a digest of file, rule and
    /// subject.
    pub fingerprint: String,
    #[serde(flatten)]
    pub status: Status,
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.diagnostic.severity
    }

    /// Whether this finding fails the check at `fail_on`.
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.status == Status::New && self.severity() >= fail_on
    }
}

/// One rule applied to one subject, passed or not (JUnit's test cases).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Case {
    pub rule: Rule,
    pub subject: String,
}

/// What a gate run found.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub system: String,
    pub plan_id: String,
    pub topology: String,
    pub policy: String,
    pub fail_on: Severity,
    pub today: Date,
    /// Every finding, sorted by file, position, code and subject.
    pub findings: Vec<Finding>,
    /// Every rule × subject evaluated, sorted.
    pub cases: Vec<Case>,
    /// Problems with the run that are not findings (a rule needing a baseline that
    /// was not given).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
    pub head: Snapshot,
    pub baseline: Option<Snapshot>,
    /// Whether accepted findings came from a baseline findings file.
    pub baseline_findings: bool,
    /// Every rule with the level the policy runs it at (SARIF's rule table).
    #[serde(skip)]
    pub levels: Vec<(Rule, Level)>,
}

impl GateResult {
    pub fn failing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.fails(self.fail_on))
    }

    pub fn passed(&self) -> bool {
        self.failing().next().is_none()
    }

    /// The findings about one case.
    pub fn findings_for<'a>(&'a self, case: &'a Case) -> impl Iterator<Item = &'a Finding> {
        self.findings
            .iter()
            .filter(move |f| f.rule == case.rule && f.subject == case.subject)
    }

    /// Counts of new errors, new warnings, accepted and suppressed findings.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.findings {
            match (&f.status, f.severity()) {
                (Status::New, Severity::Error) => c.errors += 1,
                (Status::New, Severity::Warning) => c.warnings += 1,
                (Status::Accepted, _) => c.accepted += 1,
                (Status::Suppressed { .. }, _) => c.suppressed += 1,
            }
        }
        c.failing = self.failing().count();
        c
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub accepted: usize,
    pub suppressed: usize,
    pub failing: usize,
}

/// A stable fingerprint: the first 128 bits of SHA-256 over the file, the rule's code
/// and the subject — nothing that moves when unrelated lines do.
pub fn fingerprint(file: &str, rule: Rule, subject: &str) -> String {
    let mut h =
        sha256_hex(format!("faultline-finding/v1\n{file}\n{}\n{subject}", rule.code()).as_bytes());
    h.truncate(32);
    h
}

/// A path as findings and baselines name it: forward slashes, no leading `./`.
pub fn normalise_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut s = p.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// Runs the gate. `Err`: the topology's suppression comments are malformed (exit 2).
pub fn evaluate(input: &Input<'_>) -> Result<GateResult, Vec<Diagnostic>> {
    let suppressions = suppress::parse(input.topology_text)?;
    let (mut findings, mut cases, warnings) = rules::evaluate(input);
    apply_suppressions(input, &suppressions, &mut findings, &mut cases);
    if let Some(accepted) = input.accepted {
        accepted.apply(&mut findings);
    }
    findings.sort_by(|a, b| {
        let pos = |f: &Finding| f.diagnostic.span.as_ref().map_or(0, |s| s.start);
        (a.diagnostic.file, pos(a), a.diagnostic.code, &a.subject).cmp(&(
            b.diagnostic.file,
            pos(b),
            b.diagnostic.code,
            &b.subject,
        ))
    });
    cases.sort();
    cases.dedup();
    let fail_on = input
        .fail_on
        .or(input.policy.fail_on)
        .unwrap_or(Severity::Error);
    Ok(GateResult {
        system: input.topology.name.clone(),
        plan_id: input.plan.id.clone(),
        topology: input.topology_path.to_string(),
        policy: input.policy_path.to_string(),
        fail_on,
        today: input.today,
        findings,
        cases,
        warnings,
        head: Snapshot::of(input.plan, Some(input.assessment)),
        baseline: input.baseline.cloned(),
        baseline_findings: input.accepted.is_some(),
        levels: Rule::ALL
            .iter()
            .map(|r| (*r, input.policy.level(*r)))
            .collect(),
    })
}

fn apply_suppressions(
    input: &Input<'_>,
    suppressions: &[Suppression],
    findings: &mut Vec<Finding>,
    cases: &mut Vec<Case>,
) {
    let mut used = vec![false; suppressions.len()];
    for f in findings.iter_mut() {
        let hit = suppressions.iter().enumerate().find(|(_, s)| {
            !s.expired(input.today) && s.rules.contains(&f.rule) && s.scope.covers(&f.subject)
        });
        if let Some((i, s)) = hit {
            used[i] = true;
            f.status = Status::Suppressed {
                reason: s.reason.clone(),
                until: s.until,
                span: s.span.clone(),
            };
        }
    }
    for (s, used) in suppressions.iter().zip(used) {
        let subject = format!("{}:allow:{}", s.scope.subject(), s.codes());
        let (rule, message, help) = if s.expired(input.today) {
            (
                Rule::SuppressionExpired,
                format!(
                    "the suppression of {} expired on {} (today is {}); what it accepted is reported again",
                    s.codes(),
                    s.until.map(|d| d.to_string()).unwrap_or_default(),
                    input.today
                ),
                "fix what it accepted, or renew it with a new `until` date and a reason that still holds",
            )
        } else if !used {
            (
                Rule::SuppressionUnused,
                format!("the suppression of {} matches no finding", s.codes()),
                "remove it: what it accepted no longer happens (or its rule is off)",
            )
        } else {
            continue;
        };
        let Some(severity) = input.policy.level(rule).severity() else {
            continue;
        };
        cases.push(Case {
            rule,
            subject: subject.clone(),
        });
        let diagnostic = Diagnostic {
            severity,
            ..Diagnostic::error(rule.code(), message)
                .in_file(FileKind::Topology)
                .at(s.span.clone())
                .help(help)
        };
        findings.push(Finding {
            rule,
            fingerprint: fingerprint(input.topology_path, rule, &subject),
            subject,
            file: input.topology_path.to_string(),
            diagnostic,
            policy_key: None,
            policy_span: None,
            status: Status::New,
        });
    }
}
