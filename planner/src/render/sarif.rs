//! Gate results as SARIF 2.1.0 (through `serde-sarif`) for GitHub code scanning and
//! other SARIF readers: the gate's rules from the code registry with `helpUri` into
//! `docs/findings.md` and a `security-severity` per level, each finding with its
//! physical location (start and end lines), the policy line as a related location,
//! `partialFingerprints`, `inSource` suppressions with their justification, and
//! baseline states when a baseline findings file was used. Within GitHub's upload
//! limits: at most 25,000 results per run, 1,000 locations per result, 10 MB.

use std::collections::BTreeMap;

use faultline_models::deployment::Words;
use faultline_models::diag::{FileKind, Severity};
use faultline_models::policy::{Level, Rule};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use super::gate::{position, severity_word};
use super::json::pretty;
use super::Sources;
use crate::gate::{Finding, GateResult, Status};

/// GitHub code scanning's limits on one upload (docs: "SARIF support for code
/// scanning", upload limits, checked 2026-11).
pub const MAX_RESULTS: usize = 25_000;
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The key of the fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "faultlineFinding/v1";

fn docs_uri(code: &str) -> String {
    format!(
        "{}/blob/main/docs/findings.md#{}",
        env!("CARGO_PKG_REPOSITORY"),
        code.to_ascii_lowercase()
    )
}

fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

/// GitHub reads `security-severity` as a CVSS-like score: 7.0–8.9 shows as high,
/// 4.0–6.9 as medium.
fn security_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "7.5",
        Level::Warning => "5.0",
        Level::Off => "0.0",
    }
}

fn rule_descriptor(rule: Rule, level: Level) -> ReportingDescriptor {
    let code = rule.code();
    let sarif_level = match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Off => "none",
    };
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(security_severity(level)),
    );
    ReportingDescriptor::builder()
        .id(code.as_str())
        .name(rule.word().replace('.', "_"))
        .short_description(
            MultiformatMessageString::builder()
                .text(code.summary())
                .build(),
        )
        .help_uri(docs_uri(code.as_str()))
        .help(
            MultiformatMessageString::builder()
                .text(format!(
                    "{}. What it checks, why it matters and how to fix it: {}",
                    code.summary(),
                    docs_uri(code.as_str())
                ))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .enabled(level != Level::Off)
                .level(json!(sarif_level))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["architecture".to_string(), rule_tag(rule).to_string()])
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn rule_tag(rule: Rule) -> &'static str {
    match rule {
        Rule::MaxMonthlyCost | Rule::CostChange | Rule::MaxCommitment => "cost",
        Rule::Residency | Rule::RequiredTags => "governance",
        Rule::SuppressionExpired | Rule::SuppressionUnused => "suppression",
        _ => "reliability",
    }
}

fn location(f: &Finding, sources: &Sources) -> Location {
    let mut region = Region::default();
    if let Some(p) = position(f, sources) {
        region.start_line = Some(p.line as i64);
        region.start_column = Some(p.column as i64);
        region.end_line = Some(p.end_line as i64);
        region.end_column = Some(p.end_column as i64);
    }
    Location {
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(ArtifactLocation {
                uri: Some(f.file.clone()),
                uri_base_id: Some("%SRCROOT%".into()),
                ..ArtifactLocation::default()
            }),
            region: region.start_line.map(|_| region),
            ..PhysicalLocation::default()
        }),
        ..Location::default()
    }
}

fn policy_location(f: &Finding, g: &GateResult, sources: &Sources) -> Option<Location> {
    let span = f.policy_span.as_ref()?;
    if f.diagnostic.file == FileKind::Policy {
        return None;
    }
    let text = &sources.get(FileKind::Policy)?.text;
    let (line, column) = faultline_models::diag::line_col(text, span.start);
    let (end_line, end_column) = faultline_models::diag::line_col(text, span.end);
    Some(Location {
        id: Some(1),
        message: Some(text_message(format!(
            "the policy's `{}`",
            f.policy_key.clone().unwrap_or_default()
        ))),
        physical_location: Some(PhysicalLocation {
            artifact_location: Some(ArtifactLocation {
                uri: Some(g.policy.clone()),
                uri_base_id: Some("%SRCROOT%".into()),
                ..ArtifactLocation::default()
            }),
            region: Some(Region {
                start_line: Some(line as i64),
                start_column: Some(column as i64),
                end_line: Some(end_line as i64),
                end_column: Some(end_column as i64),
                ..Region::default()
            }),
            ..PhysicalLocation::default()
        }),
        ..Location::default()
    })
}

fn text_message(s: String) -> Message {
    text(s)
}

fn result(f: &Finding, index: usize, g: &GateResult, sources: &Sources) -> SarifResult {
    let mut message = f.diagnostic.message.clone();
    if let Some(h) = &f.diagnostic.help {
        message.push_str(&format!(" (help: {h})"));
    }
    let level = match f.severity() {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("subject".to_string(), json!(f.subject));
    props.insert("severity".to_string(), json!(severity_word(f.severity())));
    let mut r = SarifResult::builder()
        .rule_id(f.rule.code().as_str())
        .rule_index(index as i64)
        .level(level)
        .message(text(message))
        .locations(vec![location(f, sources)])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    if let Some(l) = policy_location(f, g, sources) {
        r.related_locations = Some(vec![l]);
    }
    if let Status::Suppressed { reason, until, .. } = &f.status {
        let mut justification = reason.clone();
        if let Some(u) = until {
            justification.push_str(&format!(" (until {u})"));
        }
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("inSource"))
            .status(json!("accepted"))
            .justification(justification)
            .build()]);
    }
    if g.baseline_findings {
        r.baseline_state = Some(json!(match f.status {
            Status::Accepted => "unchanged",
            _ => "new",
        }));
    }
    r
}

/// Renders the SARIF log. Findings beyond the limits are left out, failing ones
/// kept first, and a notification says how many.
pub fn render(g: &GateResult, sources: &Sources) -> String {
    let policy_levels = &g.levels;
    let index: BTreeMap<Rule, usize> = policy_levels
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (*r, i))
        .collect();
    let rules: Vec<ReportingDescriptor> = policy_levels
        .iter()
        .map(|(r, l)| rule_descriptor(*r, *l))
        .collect();
    // Failing findings first, then new ones, then the rest: what is cut is what
    // matters least.
    let mut order: Vec<&Finding> = g.findings.iter().collect();
    order.sort_by_key(|f| {
        (
            !f.fails(g.fail_on),
            f.status != Status::New,
            f.severity() != Severity::Error,
        )
    });
    let all: Vec<SarifResult> = order
        .iter()
        .map(|f| result(f, index.get(&f.rule).copied().unwrap_or(0), g, sources))
        .collect();
    let mut keep = all.len().min(MAX_RESULTS);
    loop {
        let doc = log(g, rules.clone(), all[..keep].to_vec(), all.len() - keep);
        let out = pretty(&doc);
        if out.len() <= MAX_BYTES || keep == 0 {
            return out;
        }
        // Cut in proportion to the excess, at least one result at a time.
        let ratio = MAX_BYTES as f64 / out.len() as f64;
        keep = ((keep as f64 * ratio * 0.98) as usize).min(keep - 1);
    }
}

fn log(
    g: &GateResult,
    rules: Vec<ReportingDescriptor>,
    results: Vec<SarifResult>,
    left_out: usize,
) -> Sarif {
    let driver = ToolComponent::builder()
        .name("faultline")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    let mut notes = Vec::new();
    if left_out > 0 {
        notes.push(
            Notification::builder()
                .message(text(format!(
                    "{left_out} more findings were left out to stay within the code-scanning upload limits ({MAX_RESULTS} results, {} MB); `faultline check --format json` lists them all",
                    MAX_BYTES / (1024 * 1024)
                )))
                .level(json!("warning"))
                .build(),
        );
    }
    let mut invocation = Invocation::builder().execution_successful(true).build();
    if !notes.is_empty() {
        invocation.tool_execution_notifications = Some(notes);
    }
    let mut props = BTreeMap::new();
    props.insert("system".to_string(), json!(g.system));
    props.insert("plan".to_string(), json!(g.plan_id));
    props.insert("passed".to_string(), json!(g.passed()));
    props.insert("failOn".to_string(), json!(severity_word(g.fail_on)));
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}
