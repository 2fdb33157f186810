//! `faultline plan`: solve a topology for its cheapest plan, report it, and with
//! `--frontier` what each level of resilience costs.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::args::PlanArgs;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::cli::output;
use crate::optimizer::SolveOptions;
use crate::pipeline::{self, Deploy, Progress, Request};
use crate::render::{json::pretty, Doc, View};

pub fn run(args: &PlanArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let options = options(args)?;
    let inputs = input::catalog_and_topology(&args.topology, catalog)?;
    let request = Request {
        deploy: Deploy::Optimize {
            options,
            frontier: args.frontier,
        },
        // The report needs the failure model's figures; the plan alone does not.
        assess: args
            .report
            .as_ref()
            .map(|_| faultline_models::failure::Options::default()),
    };
    let show = args.frontier && std::io::stderr().is_terminal();
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
    let report = result.map_err(|d| InputError::new(d, inputs.sources.clone()))?;
    // The Terraform goes first: if it cannot be written, no plan file claims it was.
    // What was written is said on stderr, so stdout stays the plan.
    let mut wrote = String::new();
    if let (Some(dir), Some(plan)) = (&args.terraform, &report.plan) {
        wrote = super::terraform::write(
            dir,
            plan,
            &inputs.catalog,
            Some(crate::terraform::depends_on(&inputs.topology)),
            args.force,
            &inputs.sources,
        )?;
    }
    if let Some(path) = &args.report {
        super::report::write(path, &report, &inputs.sources)?;
    }
    if let (Some(path), Some(plan)) = (&args.output, &report.plan) {
        if output::is_stdout(path) {
            // `-o -`: the plan document is what stdout carries.
            let mut out =
                Outcome::ok(pretty(plan)).with_warnings(&inputs.sources, &inputs.warnings);
            out.stderr.push_str(&wrote);
            return Ok(out);
        }
        output::write_file(path, pretty(plan).as_bytes())?;
    }
    let stdout = outcome::render(
        &Doc::Report(&report, View::Plan),
        args.format,
        &inputs.sources,
    )?;
    let mut out = Outcome::ok(stdout).with_warnings(&inputs.sources, &inputs.warnings);
    out.stderr.push_str(&wrote);
    Ok(out)
}

fn options(args: &PlanArgs) -> Result<SolveOptions, InputError> {
    SolveOptions::new(args.solver.as_deref(), args.time_limit, args.gap)
        .map_err(|e| InputError::flag(e.flag, e.message))
}
