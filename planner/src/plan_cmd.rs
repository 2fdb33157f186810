//! `faultline plan`: solve a topology for its cheapest plan, report it, and with
//! `--frontier` what each level of resilience costs.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use crate::cli::{Format, PlanArgs};
use crate::commands::{pretty, Outcome};
use crate::exit::ExitStatus;
use crate::input;
use crate::optimizer::{self, frontier, Backend, Options};
use crate::output;
use crate::render;

pub(crate) fn run(args: &PlanArgs, catalog_path: Option<&Path>) -> Outcome {
    let options = match options(args) {
        Ok(o) => o,
        Err(msg) => return Outcome::input_error(format!("error: {msg}\n")),
    };
    let (catalog, loaded) = match input::catalog_and_topology(&args.topology, catalog_path) {
        Ok(both) => both,
        Err(e) => return Outcome::from(e),
    };
    let topology = &loaded.checked.topology;
    let file = args.topology.display().to_string();
    let mut stderr = loaded.warnings.clone();
    let progress = args.frontier && std::io::stderr().is_terminal();
    let mut plan = match optimizer::plan(topology, &catalog, &options) {
        Ok(p) => p,
        Err(inf) => {
            let text = std::fs::read_to_string(&args.topology).unwrap_or_default();
            stderr.push_str(&render::plan::infeasible(&file, &text, topology, &inf));
            return Outcome {
                stdout: String::new(),
                stderr,
                status: Some(ExitStatus::InputError),
            };
        }
    };
    if args.frontier {
        let mut report = |msg: &str| {
            if progress {
                let _ = output::emit(std::io::stderr().lock(), &format!("\r\x1b[2K{msg}"));
            }
        };
        plan.frontier = Some(frontier::run(
            topology,
            &catalog,
            &options,
            &plan,
            &mut report,
        ));
        report("");
    }
    let json = pretty(&serde_json::to_value(&plan).unwrap_or_default());
    if let Some(path) = &args.output {
        if let Err(e) = output::write_atomic(path, json.as_bytes()) {
            stderr.push_str(&format!("error: cannot write {}: {e}\n", path.display()));
            return Outcome {
                stdout: String::new(),
                stderr,
                status: Some(ExitStatus::InputError),
            };
        }
    }
    let stdout = match args.format {
        Format::Text => render::plan::text(&plan),
        Format::Json => json,
    };
    Outcome {
        stdout,
        stderr,
        status: None,
    }
}

fn options(args: &PlanArgs) -> Result<Options, String> {
    let available = Backend::available();
    let backend = match &args.solver {
        None => *available.first().ok_or(
            "this build has no MILP backend; build with `--features microlp` or `--features highs`",
        )?,
        Some(name) => {
            let Some(b) = Backend::from_name(name) else {
                return Err(format!(
                    "--solver: unknown solver `{name}`; known solvers: {}",
                    Backend::all_names().join(", ")
                ));
            };
            if !available.contains(&b) {
                return Err(format!(
                    "--solver: this build has no `{name}` backend; rebuild with `cargo build --release --features {name}` (built in: {})",
                    available.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")
                ));
            }
            b
        }
    };
    if !(args.time_limit > 0.0 && args.time_limit.is_finite()) {
        return Err(format!(
            "--time-limit: a positive number of seconds, got {}",
            args.time_limit
        ));
    }
    if !(0.0..1.0).contains(&args.gap) {
        return Err(format!("--gap: a fraction in [0, 1), got {}", args.gap));
    }
    Ok(Options {
        backend,
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        gap: args.gap,
        level: None,
    })
}
