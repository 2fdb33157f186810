//! `faultline check`: the architecture-review gate. Reads the topology, the policy, a
//! plan (or solves one) and optionally a baseline and accepted findings; runs the
//! pipeline and the gate; renders the findings in one format on stdout and in others
//! to files (`--report sarif=out.sarif`); exits 0 when the check passes, 1 when a new
//! finding is at or above the failing severity, 2 on bad input.

use std::path::Path;

use faultline_models::catalog::Catalog;
use faultline_models::diag::{Code, Diagnostic, FileKind, Severity};
use faultline_models::failure::Options as AssessOptions;
use faultline_models::plan::Plan;
use faultline_models::policy::{self, Date, Policy};
use faultline_models::topology;

use crate::cli::args::{CheckArgs, FailOn, Format};
use crate::cli::exit::ExitStatus;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::cli::output;
use crate::gate::{self, BaselineFile, Snapshot};
use crate::optimizer::SolveOptions;
use crate::pipeline::{self, Deploy, Request};
use crate::render::{Doc, Source, Sources};

pub fn run(args: &CheckArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let today = today(args.today.as_deref())?;
    let reports = reports(&args.reports)?;
    let options = optimizer_options(args.time_limit)?;
    let mut inputs = input::catalog_and_topology(&args.topology, catalog)?;
    let policy = read_policy(&args.policy, &mut inputs.sources)?;
    let mut warnings = inputs.warnings.clone();
    warnings.extend(policy.1);
    let policy = policy.0;
    let names = policy.check_names(&inputs.topology, &inputs.catalog);
    if names.iter().any(Diagnostic::is_error) {
        return Err(InputError::new(names, inputs.sources));
    }
    let deploy = match &args.plan {
        Some(path) => Deploy::Plan(Box::new(input::plan(path, &mut inputs.sources)?)),
        None => Deploy::Optimize {
            options: options.clone(),
            frontier: false,
        },
    };
    let request = Request {
        deploy,
        assess: Some(AssessOptions::default()),
    };
    let report = pipeline::run(&inputs.topology, &inputs.catalog, &request, &mut |_| {})
        .map_err(|d| InputError::new(d, inputs.sources.clone()))?;
    warnings.extend(report.findings.iter().cloned());
    let (Some(plan), Some(assessment)) = (&report.plan, &report.assessment) else {
        return Err(InputError::new(
            vec![Diagnostic::error(
                Code::UnreadableInput,
                "the pipeline produced no plan or no assessment to check",
            )
            .in_file(FileKind::Command)],
            inputs.sources,
        ));
    };
    let baseline = match &args.baseline {
        Some(path) => Some(snapshot(
            path,
            FileKind::Baseline,
            &inputs.catalog,
            &options,
            &mut inputs.sources,
        )?),
        None => None,
    };
    let accepted = match &args.baseline_findings {
        Some(path) => Some(read_baseline_findings(path)?),
        None => None,
    };
    let topology_path = gate::normalise_path(&args.topology.display().to_string());
    let policy_path = gate::normalise_path(&args.policy.display().to_string());
    let topology_text = inputs
        .sources
        .get(FileKind::Topology)
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let mut result = gate::evaluate(&gate::Input {
        topology: &inputs.topology,
        catalog: &inputs.catalog,
        plan,
        assessment,
        policy: &policy,
        baseline: baseline.as_ref(),
        accepted: accepted.as_ref(),
        topology_text: &topology_text,
        topology_path: &topology_path,
        policy_path: &policy_path,
        today,
        fail_on: args.fail_on.map(|f| match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        }),
    })
    .map_err(|d| InputError::new(d, inputs.sources.clone()))?;
    warnings.extend(result.warnings.iter().cloned());

    if let Some(path) = &args.write_baseline {
        let file = BaselineFile::accepting(&result.findings);
        output::write_file(path, crate::render::json::pretty(&file).as_bytes())?;
        // Everything found is now accepted: this run passes, as the next one will.
        file.apply(&mut result.findings);
        result.baseline_findings = true;
    }

    let sources = &inputs.sources;
    for (format, path) in &reports {
        let text = outcome::render(&Doc::Gate(&result), *format, sources)?;
        output::write_file(Path::new(path), text.as_bytes())?;
    }
    let stdout = outcome::render(&Doc::Gate(&result), args.format, sources)?;
    let mut out = Outcome::ok(stdout).with_warnings(sources, &warnings);
    if !result.passed() {
        out.status = ExitStatus::Violations;
    }
    Ok(out)
}

/// `--today`, or the current date in UTC: the one place the gate's date comes from
/// the clock.
fn today(flag: Option<&str>) -> Result<Date, InputError> {
    match flag {
        Some(text) => Date::parse(text).map_err(|e| InputError::flag("--today", e)),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok(Date::from_unix_days((secs / 86_400) as i64))
        }
    }
}

/// `--report FORMAT=FILE`, each checked before anything runs.
fn reports(flags: &[String]) -> Result<Vec<(Format, String)>, InputError> {
    flags
        .iter()
        .map(|f| {
            let Some((name, path)) = f.split_once('=') else {
                return Err(InputError::flag(
                    "--report",
                    format!("expected FORMAT=FILE (e.g. sarif=faultline.sarif), got `{f}`"),
                ));
            };
            let format = <Format as clap::ValueEnum>::from_str(name, true).map_err(|_| {
                InputError::flag(
                    "--report",
                    format!(
                        "unknown format `{name}`; one of: {}",
                        Format::CHECK
                            .iter()
                            .map(|f| f.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            if path.is_empty() {
                return Err(InputError::flag(
                    "--report",
                    format!("no file for `{name}`"),
                ));
            }
            Ok((format, path.to_string()))
        })
        .collect()
}

pub(super) fn optimizer_options(time_limit: f64) -> Result<SolveOptions, InputError> {
    SolveOptions::new(None, time_limit, crate::optimizer::DEFAULT_GAP)
        .map_err(|e| InputError::flag(e.flag, e.message))
}

fn read_policy(
    path: &Path,
    sources: &mut Sources,
) -> Result<(Policy, Vec<Diagnostic>), InputError> {
    let text = input::read_text(path)?;
    sources.insert(
        FileKind::Policy,
        Source {
            path: path.display().to_string(),
            text: text.clone(),
        },
    );
    match policy::parse(&text) {
        Ok(c) => Ok((c.policy, c.warnings)),
        Err(d) => Err(InputError::new(d, sources.clone())),
    }
}

fn read_baseline_findings(path: &Path) -> Result<BaselineFile, InputError> {
    let text = input::read_text(path)?;
    BaselineFile::parse(&text).map_err(|why| {
        InputError::new(
            vec![Diagnostic::error(
                Code::BaselineMalformed,
                format!("{}: {why}", path.display()),
            )
            .in_file(FileKind::Command)
            .help("write it with `faultline check … --write-baseline FILE`")],
            Sources::default(),
        )
    })
}

/// Whether a file is a plan document rather than a topology: by its extension, else by
/// its first character.
fn is_plan(path: &Path, text: &str) -> bool {
    path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{')
}

/// The figures of a topology (planned and assessed here) or of a plan file (its own
/// figures), read as file `kind` so problems point into it.
pub(super) fn snapshot(
    path: &Path,
    kind: FileKind,
    catalog: &Catalog,
    options: &SolveOptions,
    sources: &mut Sources,
) -> Result<Snapshot, InputError> {
    let text = input::read_text(path)?;
    sources.insert(
        kind,
        Source {
            path: path.display().to_string(),
            text: text.clone(),
        },
    );
    let retag = |d: Vec<Diagnostic>| -> Vec<Diagnostic> {
        d.into_iter().map(|d| d.in_file(kind)).collect()
    };
    if is_plan(path, &text) {
        let plan =
            Plan::from_json(&text).map_err(|d| InputError::new(retag(d), sources.clone()))?;
        return Ok(Snapshot::of(&plan, None));
    }
    let t = topology::parse(&text, catalog)
        .map_err(|d| InputError::new(retag(d), sources.clone()))?
        .topology;
    let request = Request {
        deploy: Deploy::Optimize {
            options: options.clone(),
            frontier: false,
        },
        assess: Some(AssessOptions::default()),
    };
    let report = pipeline::run(&t, catalog, &request, &mut |_| {})
        .map_err(|d| InputError::new(retag(d), sources.clone()))?;
    match &report.plan {
        Some(p) => Ok(Snapshot::of(p, report.assessment.as_ref())),
        None => Err(InputError::new(
            vec![Diagnostic::error(Code::UnreadableInput, "no plan to compare").in_file(kind)],
            sources.clone(),
        )),
    }
}
