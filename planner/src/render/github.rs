//! Gate results as GitHub Actions workflow commands: an `::error` or `::warning`
//! annotation per finding that counts, with file, line, end line and title, so each
//! shows on the pull request's diff. GitHub shows at most 10 error and 10 warning
//! annotations per step (and 50 per job); the findings past those go out as plain
//! lines, and the job summary (`--report markdown=…`) holds them all. Data in
//! workflow commands is escaped as the runner expects (`%`, CR, LF; and `:`, `,` in
//! properties).

use faultline_models::diag::Severity;

use super::gate::{position, verdict};
use super::Sources;
use crate::gate::{Finding, GateResult, Status};

/// Annotations GitHub shows per step, for each of errors and warnings.
pub const PER_STEP: usize = 10;

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(f: &Finding, sources: &Sources, level: &str) -> String {
    let mut props = vec![format!("file={}", property(&f.file))];
    if let Some(p) = position(f, sources) {
        props.push(format!("line={}", p.line));
        props.push(format!("endLine={}", p.end_line));
        if p.line == p.end_line {
            props.push(format!("col={}", p.column));
            props.push(format!("endColumn={}", p.end_column));
        }
    }
    props.push(format!(
        "title={}",
        property(&format!("{} {}", f.rule.code(), f.rule.code().summary()))
    ));
    let mut msg = f.diagnostic.message.clone();
    if let Some(h) = &f.diagnostic.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    format!("::{level} {}::{}\n", props.join(","), data(&msg))
}

pub fn render(g: &GateResult, sources: &Sources) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    let mut rest = Vec::new();
    for f in g.findings.iter().filter(|f| f.status == Status::New) {
        // A finding that fails the check is an error annotation whatever its severity:
        // with `--fail-on warning`, a warning fails the build too.
        let (level, count) = if f.fails(g.fail_on) || f.severity() == Severity::Error {
            ("error", &mut errors)
        } else {
            ("warning", &mut warnings)
        };
        if *count < PER_STEP {
            *count += 1;
            out.push_str(&annotation(f, sources, level));
        } else {
            rest.push(f);
        }
    }
    if !rest.is_empty() {
        out.push_str(&format!(
            "{} more finding{} (GitHub shows {PER_STEP} error and {PER_STEP} warning annotations per step); the job summary lists every finding:\n",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ));
        for f in rest {
            let at = position(f, sources)
                .map(|p| format!("{}:{}", f.file, p.line))
                .unwrap_or_else(|| f.file.clone());
            out.push_str(&format!(
                "  {} {at}: {}\n",
                f.rule.code(),
                f.diagnostic.message
            ));
        }
    }
    out.push_str(&format!("faultline check {}: {}\n", g.system, verdict(g)));
    out
}
