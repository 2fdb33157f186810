//! Gate results and diffs as Markdown, for a pull-request or merge-request comment and
//! the job summary: the verdict, the cost delta, the availability delta per journey,
//! and the findings table. It starts with a hidden marker so CI can find and update
//! its previous comment, and it stays within GitHub's 65,536-character comment limit
//! (GitLab's notes are larger; one cap serves both): rows that do not fit are counted
//! in an "… and N more" line.

use std::fmt::Write;

use crate::gate::snapshot::{diff, Diff};
use crate::gate::{Finding, GateResult};
use crate::render::gate::{
    availability_change, money_change, pct, position, severity_word, status_word, verdict,
};
use crate::render::text::plan::usd;
use crate::render::Sources;

/// GitHub refuses longer comment bodies ("Body is too long").
pub const MAX_CHARS: usize = 65_536;

/// The hidden marker of a system's comment.
pub fn marker(system: &str) -> String {
    format!("<!-- faultline-check: {} -->", cell(system))
}

/// A table cell: pipes and line breaks would end the cell or the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn delta_sections(out: &mut String, d: &Diff) {
    let _ = writeln!(out, "### Cost\n");
    let _ = writeln!(
        out,
        "| | baseline | this change | change |\n|---|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| **monthly total** | {} | {} | {} |",
        d.monthly_usd.base.map(usd).unwrap_or_default(),
        d.monthly_usd.head.map(usd).unwrap_or_default(),
        money_change(&d.monthly_usd)
    );
    for r in &d.services {
        let Some(m) = &r.monthly_usd else { continue };
        if m.delta.is_some_and(|x| x.is_zero()) {
            continue;
        }
        let name = match r.presence {
            "kept" => format!("`{}`", cell(&r.name)),
            p => format!("`{}` ({p})", cell(&r.name)),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            m.base.map(usd).unwrap_or_else(|| "–".into()),
            m.head.map(usd).unwrap_or_else(|| "–".into()),
            money_change(m)
        );
    }
    if !d.journeys.is_empty() {
        let _ = writeln!(out, "\n### Availability per journey\n");
        let _ = writeln!(
            out,
            "| journey | baseline | this change | change |\n|---|---:|---:|---:|"
        );
        for r in &d.journeys {
            let _ = writeln!(
                out,
                "| `{}`{} | {} | {} | {} |",
                cell(&r.name),
                if r.presence == "kept" {
                    String::new()
                } else {
                    format!(" ({})", r.presence)
                },
                r.availability.base.map(pct).unwrap_or_else(|| "–".into()),
                r.availability.head.map(pct).unwrap_or_else(|| "–".into()),
                availability_change(&r.availability, &r.unavailable_minutes)
            );
        }
    }
    out.push('\n');
}

fn finding_row(f: &Finding, g: &GateResult, sources: &Sources) -> String {
    let icon = if f.fails(g.fail_on) {
        "❌"
    } else if f.status == crate::gate::Status::New {
        "⚠️"
    } else {
        "➖"
    };
    let at = match position(f, sources) {
        Some(p) => format!("`{}:{}`", cell(&f.file), p.line),
        None => format!("`{}`", cell(&f.file)),
    };
    let mut msg = cell(&f.diagnostic.message);
    if let crate::gate::Status::Suppressed { reason, .. } = &f.status {
        msg.push_str(&format!(" — *suppressed: {}*", cell(reason)));
    }
    format!(
        "| {icon} {} | [{}]({}) | {at} | {} | {msg} |\n",
        severity_word(f.severity()),
        f.rule.code(),
        format_args!(
            "{}/blob/main/docs/findings.md#{}",
            env!("CARGO_PKG_REPOSITORY"),
            f.rule.code().as_str().to_ascii_lowercase()
        ),
        status_word(&f.status)
    )
}

/// The pull-request comment for a gate run, at most `max_chars` characters.
pub fn check(g: &GateResult, sources: &Sources, max_chars: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", marker(&g.system));
    let icon = if g.passed() { "✅" } else { "❌" };
    let word = if g.passed() { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "## {icon} Faultline check {word}: `{}`\n\n{}\n",
        cell(&g.system),
        cell(&verdict(g))
    );
    match &g.baseline {
        Some(b) => delta_sections(&mut out, &diff(b, &g.head)),
        None => {
            let _ = writeln!(
                out,
                "Monthly cost: **{}** (no baseline given, so no deltas).\n",
                usd(g.head.monthly_usd)
            );
            if !g.head.journeys.is_empty() {
                let _ = writeln!(out, "| journey | availability |\n|---|---:|");
                for (name, f) in &g.head.journeys {
                    let _ = writeln!(
                        out,
                        "| `{}` | {} |",
                        cell(name),
                        f.availability.map(pct).unwrap_or_else(|| "–".into())
                    );
                }
                out.push('\n');
            }
        }
    }
    let footer = format!(
        "\n<sub>plan `{}` · policy `{}` · suppressions checked against {}</sub>\n",
        cell(&g.plan_id),
        cell(&g.policy),
        g.today
    );
    if g.findings.is_empty() {
        out.push_str("No findings.\n");
        out.push_str(&footer);
        return out;
    }
    let _ = writeln!(
        out,
        "### Findings\n\n| | rule | where | status | finding |\n|---|---|---|---|---|"
    );
    // Failing findings first, so a cut drops the ones that matter least.
    let mut order: Vec<&Finding> = g.findings.iter().collect();
    order.sort_by_key(|f| !f.fails(g.fail_on));
    let more_line = |n: usize| {
        format!("\n… and {n} more (`faultline check --format json` lists every finding)\n")
    };
    let chars = |s: &str| s.chars().count();
    let mut used = chars(&out) + chars(&footer);
    for (i, f) in order.iter().enumerate() {
        let row = finding_row(f, g, sources);
        let left = order.len() - i - 1;
        let reserve = if left > 0 { chars(&more_line(left)) } else { 0 };
        if used + chars(&row) + reserve > max_chars {
            out.push_str(&more_line(order.len() - i));
            break;
        }
        used += chars(&row);
        out.push_str(&row);
    }
    out.push_str(&footer);
    out
}

/// `faultline diff --format markdown`.
pub fn diff_doc(d: &Diff, base: &str, head: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", marker(&format!("diff {}", d.head.system)));
    let _ = writeln!(
        out,
        "## Faultline diff: `{}` → `{}`\n\nbase plan `{}`, head plan `{}`\n",
        cell(base),
        cell(head),
        cell(&d.base.plan_id),
        cell(&d.head.plan_id)
    );
    delta_sections(&mut out, d);
    let _ = writeln!(out, "### Availability per service\n");
    let _ = writeln!(
        out,
        "| service | baseline | this change | change |\n|---|---:|---:|---:|"
    );
    for r in &d.services {
        let _ = writeln!(
            out,
            "| `{}`{} | {} | {} | {} |",
            cell(&r.name),
            if r.presence == "kept" {
                String::new()
            } else {
                format!(" ({})", r.presence)
            },
            r.availability.base.map(pct).unwrap_or_else(|| "–".into()),
            r.availability.head.map(pct).unwrap_or_else(|| "–".into()),
            availability_change(&r.availability, &r.unavailable_minutes)
        );
    }
    out
}
