//! `faultline report`: the trade-off report a platform lead decides from — one
//! self-contained HTML page (default), a Markdown summary for a pull-request comment,
//! or the report document as JSON — for a plan read from a file or solved here, with
//! an optional baseline plan to compare against.

use std::io::IsTerminal;
use std::path::Path;

use faultline_models::diag::FileKind;
use faultline_models::failure;
use faultline_models::report::Report;

use crate::cli::args::ReportArgs;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::cli::output;
use crate::optimizer;
use crate::pipeline::{self, Deploy, Progress, Request};
use crate::render::{Doc, Format, Sources, View};

pub fn run(args: &ReportArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let mut inputs = input::catalog_and_topology(&args.topology, catalog)?;
    let deploy = match &args.plan {
        Some(path) => Deploy::Plan(Box::new(input::plan(path, &mut inputs.sources)?)),
        None => Deploy::Optimize {
            options: optimizer::SolveOptions::default(),
            frontier: !args.no_frontier,
        },
    };
    let baseline = match &args.baseline {
        Some(path) => Some(input::plan_file(
            path,
            FileKind::Baseline,
            &mut inputs.sources,
        )?),
        None => None,
    };
    let request = Request {
        deploy,
        assess: Some(failure::Options::default()),
    };
    let show = args.plan.is_none() && !args.no_frontier && std::io::stderr().is_terminal();
    let mut progress = |p: Progress| {
        if let (true, Progress::Frontier(msg)) = (show, p) {
            let _ = output::emit(
                std::io::stderr().lock(),
                format!("\r\x1b[2K{msg}").as_bytes(),
            );
        }
    };
    let result = pipeline::run(&inputs.topology, &inputs.catalog, &request, &mut progress);
    if show {
        let _ = output::emit(std::io::stderr().lock(), b"\r\x1b[2K");
    }
    let mut report = result.map_err(|d| InputError::new(d, inputs.sources.clone()))?;
    if let Some(b) = baseline {
        pipeline::compare(
            &inputs.topology,
            &inputs.catalog,
            &mut report,
            b,
            &failure::Options::default(),
        );
    }
    let text = outcome::render(
        &Doc::Report(&report, View::Report),
        args.format,
        &inputs.sources,
    )?;
    let mut warnings = inputs.warnings.clone();
    warnings.extend(report.findings.iter().cloned());
    let stdout = match &args.output {
        Some(path) if !output::is_stdout(path) => {
            output::write_file(path, text.as_bytes())?;
            String::new()
        }
        _ => text,
    };
    Ok(Outcome::ok(stdout).with_warnings(&inputs.sources, &warnings))
}

/// Writes the report to `path` for `plan --report`: the format follows the name
/// (`.md` Markdown, `.json` the report document, anything else HTML).
pub fn write(path: &Path, report: &Report, sources: &Sources) -> Result<(), InputError> {
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("md") => Format::Markdown,
        Some("json") => Format::Json,
        _ => Format::Html,
    };
    let text = outcome::render(&Doc::Report(report, View::Report), format, sources)?;
    output::write_file(path, text.as_bytes())?;
    Ok(())
}
