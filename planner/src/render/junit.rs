//! Gate results as JUnit XML (through `quick-junit`, the writer cargo-nextest uses):
//! one test suite per rule and one test case per rule × subject, so CI dashboards show
//! every check that ran. A case fails when one of its findings fails the check; a
//! finding below the failing severity or accepted in the baseline passes with a note
//! in `system-out`; a suppressed one is skipped with the suppression's reason. No
//! timestamps or durations: the same inputs give the same bytes.

use std::collections::BTreeMap;

use faultline_models::deployment::Words;
use faultline_models::policy::Rule;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::gate::{position, severity_word, verdict};
use super::Sources;
use crate::gate::{Case, Finding, GateResult, Status};

fn located(f: &Finding, sources: &Sources) -> String {
    match position(f, sources) {
        Some(p) => format!("{}:{}:{}", f.file, p.line, p.column),
        None => f.file.clone(),
    }
}

fn case(c: &Case, g: &GateResult, sources: &Sources) -> TestCase {
    let found: Vec<&Finding> = g.findings_for(c).collect();
    let failing: Vec<&&Finding> = found.iter().filter(|f| f.fails(g.fail_on)).collect();
    let status = if let Some(f) = failing.first() {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        s.set_message(f.diagnostic.message.clone());
        s.set_type(f.rule.code().as_str());
        let body: Vec<String> = failing
            .iter()
            .map(|f| {
                let mut b = format!(
                    "{}[{}] {}: {}",
                    severity_word(f.severity()),
                    f.rule.code(),
                    located(f, sources),
                    f.diagnostic.message
                );
                if let Some(h) = &f.diagnostic.help {
                    b.push_str(&format!("\nhelp: {h}"));
                }
                b
            })
            .collect();
        s.set_description(body.join("\n"));
        s
    } else if !found.is_empty()
        && found
            .iter()
            .all(|f| matches!(f.status, Status::Suppressed { .. }))
    {
        let mut s = TestCaseStatus::skipped();
        if let Status::Suppressed { reason, until, .. } = &found[0].status {
            s.set_message(match until {
                Some(u) => format!("suppressed until {u}: {reason}"),
                None => format!("suppressed: {reason}"),
            });
        }
        s
    } else {
        TestCaseStatus::success()
    };
    let mut tc = TestCase::new(c.subject.clone(), status);
    tc.set_classname(format!("{}.{}", c.rule.code(), c.rule.word()));
    let notes: Vec<String> = found
        .iter()
        .filter(|f| !f.fails(g.fail_on) && !matches!(f.status, Status::Suppressed { .. }))
        .map(|f| {
            let why = match f.status {
                Status::Accepted => "accepted in the baseline",
                _ => "below the failing severity",
            };
            format!(
                "{}[{}] {}: {} ({why})",
                severity_word(f.severity()),
                f.rule.code(),
                located(f, sources),
                f.diagnostic.message
            )
        })
        .collect();
    if !notes.is_empty() {
        tc.set_system_out(notes.join("\n"));
    }
    tc
}

/// Renders the JUnit report.
pub fn render(g: &GateResult, sources: &Sources) -> String {
    let mut by_rule: BTreeMap<Rule, Vec<&Case>> = BTreeMap::new();
    for c in &g.cases {
        by_rule.entry(c.rule).or_default().push(c);
    }
    let mut report = Report::new(format!("faultline check {}", g.system));
    for (rule, cases) in by_rule {
        let mut suite = TestSuite::new(format!(
            "{} {}: {}",
            rule.code(),
            rule.word(),
            rule.code().summary()
        ));
        for c in cases {
            suite.add_test_case(case(c, g, sources));
        }
        report.add_test_suite(suite);
    }
    let mut s = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- could not write the JUnit report: {e} -->\n"));
    if !s.ends_with('\n') {
        s.push('\n');
    }
    // A comment carries the verdict for whoever opens the file.
    s.push_str(&format!("<!-- {} -->\n", verdict(g).replace("--", "-")));
    s
}
