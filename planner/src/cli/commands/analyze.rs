//! `faultline analyze`: assess a deployment — the topology's own placement, or a plan
//! from `faultline plan` — with the failure model, and render the assessment.

use std::io::IsTerminal;
use std::path::Path;

use faultline_models::diag::{Code, Diagnostic};
use faultline_models::failure::Options;

use crate::cli::args::AnalyzeArgs;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::cli::output;
use crate::pipeline::{self, Deploy, Progress, Request};
use crate::render::{Doc, View};

/// Ten million simulated years resolve a once-a-century event to a fraction of a
/// percent and take minutes; more is never needed.
const MAX_SIMULATED_YEARS: u64 = 10_000_000;

/// Off a terminal, a progress line at most this often (and only once a run is slow).
const QUIET_PROGRESS: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(args: &AnalyzeArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    if let Some(y) = args
        .simulate
        .filter(|y| !(1..=MAX_SIMULATED_YEARS).contains(y))
    {
        return Err(InputError::flag(
            "--simulate",
            format!("a number of simulated years from 1 to {MAX_SIMULATED_YEARS}, got {y}"),
        ));
    }
    let mut inputs = input::catalog_and_topology(&args.topology, catalog)?;
    let deploy = match &args.plan {
        Some(path) => Deploy::Plan(Box::new(input::plan(path, &mut inputs.sources)?)),
        None if inputs.topology.placement.is_empty() => {
            let file = args.topology.display();
            return Err(InputError::new(
                vec![Diagnostic::error(
                    Code::UnreadableInput,
                    format!(
                        "nothing to analyse: {file} has no [placement.*] tables and no --plan was given"
                    ),
                )
                .help(format!(
                    "run `faultline plan {file} -o plan.json` and pass `--plan plan.json`, or describe the running deployment under [placement.<service>]"
                ))],
                inputs.sources,
            ));
        }
        None => Deploy::Placement,
    };
    let request = Request {
        deploy,
        assess: Some(Options {
            simulate_years: args.simulate,
            seed: args.seed,
            ..Options::default()
        }),
    };
    let show = std::io::stderr().is_terminal();
    let mut last_pct = u64::MAX;
    let started = std::time::Instant::now();
    let mut last_line = started;
    let mut progress = |p: Progress| {
        let Progress::Simulation { done, total } = p else {
            return;
        };
        if total == 0 {
            return;
        }
        let pct = done * 100 / total;
        if show {
            if pct != last_pct {
                last_pct = pct;
                let _ = output::emit(
                    std::io::stderr().lock(),
                    format!("\r\x1b[2Ksimulating: {done}/{total} years ({pct}%)").as_bytes(),
                );
            }
        } else if last_line.elapsed() >= QUIET_PROGRESS && done < total {
            // A log (CI) gets a plain line now and then, so a long run is not silent.
            last_line = std::time::Instant::now();
            let _ = output::emit(
                std::io::stderr().lock(),
                format!(
                    "simulating: {done}/{total} years ({pct}%), {:.0} s so far\n",
                    started.elapsed().as_secs_f64()
                )
                .as_bytes(),
            );
        }
    };
    let result = pipeline::run(&inputs.topology, &inputs.catalog, &request, &mut progress);
    if show && args.simulate.is_some() {
        let _ = output::emit(std::io::stderr().lock(), b"\r\x1b[2K");
    }
    let report = result.map_err(|d| InputError::new(d, inputs.sources.clone()))?;
    let stdout = outcome::render(
        &Doc::Report(&report, View::Assessment),
        args.format,
        &inputs.sources,
    )?;
    let mut warnings = inputs.warnings.clone();
    warnings.extend(report.findings.iter().cloned());
    Ok(Outcome::ok(stdout).with_warnings(&inputs.sources, &warnings))
}
