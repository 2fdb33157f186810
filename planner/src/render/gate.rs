//! Gate results (`faultline check`) and snapshot diffs (`faultline diff`) as text for
//! people and as JSON documents, and what the CI formats (Markdown, JUnit, SARIF,
//! GitHub, GitLab) share: where a finding is, in lines, and how it is named.

use std::fmt::Write;

use faultline_models::diag::{line_col, Severity};
use rust_decimal::Decimal;
use serde::Serialize;

use super::diagnostics;
use super::text::plan::usd;
use super::Sources;
use crate::gate::snapshot::{Change, Diff, Row};
use crate::gate::{Finding, GateResult, Status};

/// Version of the `check --format json` document.
pub const CHECK_FORMAT_VERSION: u32 = 1;
/// Version of the `diff --format json` document.
pub const DIFF_FORMAT_VERSION: u32 = 1;

/// 1-based start and end lines and columns of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Where a finding points, in lines of the file it is about.
pub fn position(f: &Finding, sources: &Sources) -> Option<Position> {
    let span = f.diagnostic.span.as_ref()?;
    let text = &sources.get(f.diagnostic.file)?.text;
    let (line, column) = line_col(text, span.start);
    let (end_line, end_column) = line_col(text, span.end.max(span.start));
    Some(Position {
        line,
        column,
        end_line,
        end_column,
    })
}

/// The policy line a finding's limit was set on.
pub fn policy_line(f: &Finding, sources: &Sources) -> Option<usize> {
    let span = f.policy_span.as_ref()?;
    let text = &sources.get(faultline_models::diag::FileKind::Policy)?.text;
    Some(line_col(text, span.start).0)
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `new`, `accepted` (baseline findings) or `suppressed`.
pub fn status_word(s: &Status) -> &'static str {
    match s {
        Status::New => "new",
        Status::Accepted => "accepted",
        Status::Suppressed { .. } => "suppressed",
    }
}

/// The verdict in words.
pub fn verdict(g: &GateResult) -> String {
    let c = g.counts();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut extra = Vec::new();
    if c.accepted > 0 {
        extra.push(format!("{} accepted in the baseline", c.accepted));
    }
    if c.suppressed > 0 {
        extra.push(format!("{} suppressed", c.suppressed));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("; {}", extra.join(", "))
    };
    let head = if g.passed() { "passed" } else { "failed" };
    format!(
        "{head}: {}, {}{extra} (failing at {} and above)",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        severity_word(g.fail_on)
    )
}

/// `faultline check` as text: every finding the way validation errors read, then the
/// verdict. Accepted and suppressed findings are listed in one line each.
pub fn text(g: &GateResult, sources: &Sources) -> String {
    let new: Vec<_> = g
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .map(|f| f.diagnostic.clone())
        .collect();
    let mut out = String::new();
    if !new.is_empty() {
        out.push_str(&diagnostics::render(sources, &new));
    }
    for f in g.findings.iter().filter(|f| f.status != Status::New) {
        let at = position(f, sources)
            .map(|p| format!("{}:{}", f.file, p.line))
            .unwrap_or_else(|| f.file.clone());
        let why = match &f.status {
            Status::Suppressed { reason, until, .. } => match until {
                Some(u) => format!("suppressed until {u}: {reason}"),
                None => format!("suppressed: {reason}"),
            },
            _ => "accepted in the baseline".into(),
        };
        let _ = writeln!(
            out,
            "{}[{}] {at}: {} ({why})",
            severity_word(f.severity()),
            f.rule.code(),
            f.diagnostic.message
        );
    }
    let _ = writeln!(
        out,
        "{}: check {} ({} rule × subject cases)",
        g.system,
        verdict(g),
        g.cases.len()
    );
    out
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    rule: &'a str,
    severity: &'static str,
    status: &'static str,
    /// Whether it fails the check.
    failing: bool,
    subject: &'a str,
    file: &'a str,
    key: Option<&'a str>,
    #[serde(flatten)]
    position: Option<Position>,
    message: &'a str,
    help: Option<&'a str>,
    policy_key: Option<&'a str>,
    policy_line: Option<usize>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
    until: Option<String>,
}

/// `faultline check --format json`: the verdict, every finding with its position and
/// fingerprint, every case, and the figures compared.
pub fn json(g: &GateResult, sources: &Sources) -> serde_json::Value {
    let findings: Vec<JsonFinding<'_>> = g
        .findings
        .iter()
        .map(|f| JsonFinding {
            code: f.rule.code().as_str(),
            rule: faultline_models::deployment::Words::word(f.rule),
            severity: severity_word(f.severity()),
            status: status_word(&f.status),
            failing: f.fails(g.fail_on),
            subject: &f.subject,
            file: &f.file,
            key: f.diagnostic.key.as_deref(),
            position: position(f, sources),
            message: &f.diagnostic.message,
            help: f.diagnostic.help.as_deref(),
            policy_key: f.policy_key.as_deref(),
            policy_line: policy_line(f, sources),
            fingerprint: &f.fingerprint,
            suppression: match &f.status {
                Status::Suppressed { reason, until, .. } => Some(JsonSuppression {
                    reason,
                    until: until.map(|d| d.to_string()),
                }),
                _ => None,
            },
        })
        .collect();
    let cases: Vec<serde_json::Value> = g
        .cases
        .iter()
        .map(|c| {
            let failing = g.findings_for(c).any(|f| f.fails(g.fail_on));
            serde_json::json!({
                "code": c.rule.code().as_str(),
                "subject": c.subject,
                "passed": !failing,
            })
        })
        .collect();
    serde_json::json!({
        "format_version": CHECK_FORMAT_VERSION,
        "system": g.system,
        "plan_id": g.plan_id,
        "topology": g.topology,
        "policy": g.policy,
        "today": g.today,
        "fail_on": severity_word(g.fail_on),
        "passed": g.passed(),
        "counts": g.counts(),
        "verdict": verdict(g),
        "findings": findings,
        "warnings": diagnostics::to_json(sources, &g.warnings),
        "cases": cases,
        "head": g.head,
        "baseline": g.baseline,
    })
}

/// A signed amount of money: `+$1,234.00`, `−$5.00`.
pub fn signed_usd(d: Decimal) -> String {
    if d < Decimal::ZERO {
        format!("−{}", usd(-d))
    } else {
        format!("+{}", usd(d))
    }
}

pub fn pct(a: f64) -> String {
    format!("{:.4}%", a * 100.0)
}

/// A change of availability in percentage points, with the change in minutes a year
/// not fully up.
pub fn availability_change(a: &Change<f64>, m: &Change<f64>) -> String {
    match (a.delta, m.delta) {
        (Some(d), Some(mins)) => format!(
            "{}{:.4} pp ({}{:.1} min/yr)",
            if d >= 0.0 { "+" } else { "−" },
            (d * 100.0).abs(),
            if mins >= 0.0 { "+" } else { "−" },
            mins.abs()
        ),
        _ => "–".into(),
    }
}

pub fn money_change(c: &Change<Decimal>) -> String {
    match (c.delta, c.percent) {
        (Some(d), Some(p)) => format!(
            "{} ({}{}%)",
            signed_usd(d),
            if p >= Decimal::ZERO { "+" } else { "" },
            p.round_dp(1)
        ),
        (Some(d), None) => signed_usd(d),
        _ => "–".into(),
    }
}

fn opt_usd(d: Option<Decimal>) -> String {
    d.map(usd).unwrap_or_else(|| "–".into())
}

fn opt_pct(a: Option<f64>) -> String {
    a.map(pct).unwrap_or_else(|| "–".into())
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = w[i] - c.chars().count();
            if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r.clone()));
    }
}

fn row_cells(r: &Row, money: bool) -> Vec<String> {
    let mut cells = vec![match r.presence {
        "kept" => r.name.clone(),
        p => format!("{} ({p})", r.name),
    }];
    if let Some(m) = &r.monthly_usd {
        if money {
            cells.push(opt_usd(m.base));
            cells.push(opt_usd(m.head));
            cells.push(money_change(m));
        }
    }
    cells.push(opt_pct(r.availability.base));
    cells.push(opt_pct(r.availability.head));
    cells.push(availability_change(&r.availability, &r.unavailable_minutes));
    cells
}

/// `faultline diff` as text.
pub fn diff_text(d: &Diff, base: &str, head: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "base: {base} (plan {})", d.base.plan_id);
    let _ = writeln!(out, "head: {head} (plan {})", d.head.plan_id);
    let _ = writeln!(
        out,
        "monthly cost: {} → {}  {}\n",
        opt_usd(d.monthly_usd.base),
        opt_usd(d.monthly_usd.head),
        money_change(&d.monthly_usd)
    );
    let rows: Vec<Vec<String>> = d.services.iter().map(|r| row_cells(r, true)).collect();
    table(
        &mut out,
        &[
            "service",
            "base $/mo",
            "head $/mo",
            "change",
            "base avail",
            "head avail",
            "change",
        ],
        &rows,
    );
    if !d.journeys.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = d.journeys.iter().map(|r| row_cells(r, false)).collect();
        table(
            &mut out,
            &["journey", "base avail", "head avail", "change"],
            &rows,
        );
    }
    out
}

/// `faultline diff --format json`.
pub fn diff_json(d: &Diff, base: &str, head: &str) -> serde_json::Value {
    serde_json::json!({
        "format_version": DIFF_FORMAT_VERSION,
        "base_file": base,
        "head_file": head,
        "diff": d,
    })
}
