//! One function per command: read input, call the models, render, and say how it went.

use std::path::Path;

use faultline_models::catalog::Catalog;
use faultline_models::diag::Severity;
use faultline_models::topology;
use serde_json::json;

use crate::cli::{
    CatalogCommand, CatalogShowArgs, Cli, Command, Format, InitArgs, SchemaArgs, SchemaTarget,
    ValidateArgs,
};
use crate::exit::ExitStatus;
use crate::input::{self, InputError};
use crate::output;
use crate::render;

/// The commented starter written by `faultline init`.
const STARTER: &str = include_str!("../../templates/starter.toml");

/// Examples `faultline init --example NAME` can start from.
pub(crate) const EXAMPLES: &[(&str, &str)] = &[
    (
        "legacy-placement",
        include_str!("../../examples/legacy-placement/topology.toml"),
    ),
    (
        "payments",
        include_str!("../../examples/payments/topology.toml"),
    ),
    (
        "realtime-chat",
        include_str!("../../examples/realtime-chat/topology.toml"),
    ),
    (
        "web-shop",
        include_str!("../../examples/web-shop/topology.toml"),
    ),
];

/// What a command produced: text for stdout and stderr, and the exit status.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub status: Option<ExitStatus>,
}

impl Outcome {
    pub(crate) fn ok(stdout: String) -> Self {
        Self {
            stdout,
            ..Self::default()
        }
    }

    pub(crate) fn input_error(stderr: String) -> Self {
        Self {
            stderr,
            status: Some(ExitStatus::InputError),
            ..Self::default()
        }
    }
}

impl From<InputError> for Outcome {
    fn from(e: InputError) -> Self {
        Outcome::input_error(e.rendered)
    }
}

pub(crate) fn run(cli: Cli) -> ExitStatus {
    let outcome = dispatch(&cli);
    let status = outcome.status.unwrap_or(ExitStatus::Success);
    let io = output::emit(std::io::stderr().lock(), &outcome.stderr)
        .and_then(|()| output::emit(std::io::stdout().lock(), &outcome.stdout));
    match io {
        Ok(()) => status,
        Err(_) => ExitStatus::InputError,
    }
}

fn dispatch(cli: &Cli) -> Outcome {
    let catalog_path = cli.catalog.as_deref();
    match &cli.command {
        Command::Validate(args) => validate(args, catalog_path),
        Command::Catalog(CatalogCommand::Show(args)) => catalog_show(args, catalog_path),
        Command::Catalog(CatalogCommand::Diff(args)) => crate::catalog_cmd::diff(args),
        Command::Catalog(CatalogCommand::Refresh(args)) => {
            crate::catalog_cmd::refresh(args, catalog_path)
        }
        Command::Init(args) => init(args),
        Command::Schema(args) => schema(args),
        Command::Plan(args) => crate::plan_cmd::run(args, catalog_path),
        Command::Analyze(args) => crate::analyze::run(args, catalog_path),
    }
}

fn load_catalog(path: Option<&Path>) -> Result<std::borrow::Cow<'static, Catalog>, Outcome> {
    input::catalog(path).map_err(Outcome::from)
}

fn validate(args: &ValidateArgs, catalog_path: Option<&Path>) -> Outcome {
    match input::catalog_and_topology(&args.topology, catalog_path) {
        Ok((_, loaded)) => {
            let t = &loaded.checked.topology;
            match args.format {
                Format::Text => Outcome {
                    stdout: format!(
                        "ok: {} is valid: system `{}`, {} service{}, {} journey{}, {} region{}{}\n",
                        args.topology.display(),
                        t.name,
                        t.services.len(),
                        plural(t.services.len()),
                        t.journeys.len(),
                        plural(t.journeys.len()),
                        t.regions.len(),
                        plural(t.regions.len()),
                        warnings_note(loaded.checked.warnings.len()),
                    ),
                    stderr: loaded.warnings,
                    status: None,
                },
                Format::Json => {
                    let file = args.topology.display().to_string();
                    let text = std::fs::read_to_string(&args.topology).unwrap_or_default();
                    let diags =
                        render::diagnostics::to_json(&file, &text, &loaded.checked.warnings);
                    Outcome::ok(pretty(&json!({
                        "file": file,
                        "valid": true,
                        "services": t.services.len(),
                        "journeys": t.journeys.len(),
                        "diagnostics": diags,
                    })))
                }
            }
        }
        Err(e) => validate_failure(args.format, e),
    }
}

fn validate_failure(format: Format, e: InputError) -> Outcome {
    match format {
        Format::Text => Outcome::from(e),
        Format::Json => {
            let diags = render::diagnostics::to_json(&e.file, &e.text, &e.diagnostics);
            let errors = e
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            Outcome {
                stdout: pretty(&json!({
                    "file": e.file,
                    "valid": false,
                    "errors": errors,
                    "diagnostics": diags,
                    "message": if e.diagnostics.is_empty() { Some(e.rendered.trim().to_string()) } else { None },
                })),
                stderr: String::new(),
                status: Some(ExitStatus::InputError),
            }
        }
    }
}

fn catalog_show(args: &CatalogShowArgs, catalog_path: Option<&Path>) -> Outcome {
    let catalog = match load_catalog(catalog_path) {
        Ok(c) => c,
        Err(o) => return o,
    };
    if let Some(r) = &args.region {
        if !catalog.regions.contains_key(r) {
            let known: Vec<&str> = catalog.regions.keys().map(String::as_str).collect();
            return Outcome::input_error(format!(
                "error: --region: `{r}` is not in the catalog; known regions: {}\n",
                known.join(", ")
            ));
        }
    }
    if let Some(f) = &args.family {
        let families = catalog.families();
        if !families.contains(&f.as_str()) {
            return Outcome::input_error(format!(
                "error: --family: `{f}` is not in the catalog; known families: {}\n",
                families.join(", ")
            ));
        }
    }
    let filter = render::catalog::Filter {
        region: args.region.as_deref(),
        family: args.family.as_deref(),
    };
    match args.format {
        Format::Text => Outcome::ok(render::catalog::text(&catalog, &filter)),
        Format::Json => Outcome::ok(pretty(&render::catalog::json(&catalog, &filter))),
    }
}

fn init(args: &InitArgs) -> Outcome {
    let text = match &args.example {
        None => STARTER,
        Some(name) => match EXAMPLES.iter().find(|(n, _)| n == name) {
            Some((_, text)) => *text,
            None => {
                let names: Vec<&str> = EXAMPLES.iter().map(|(n, _)| *n).collect();
                return Outcome::input_error(format!(
                    "error: --example: no example named `{name}`; available: {}\n",
                    names.join(", ")
                ));
            }
        },
    };
    if args.path.exists() && !args.force {
        return Outcome::input_error(format!(
            "error: {} already exists; pass --force to overwrite it\n",
            args.path.display()
        ));
    }
    match output::write_atomic(&args.path, text.as_bytes()) {
        Ok(()) => Outcome::ok(format!(
            "wrote {}; next: faultline validate {}\n",
            args.path.display(),
            args.path.display()
        )),
        Err(e) => Outcome::input_error(format!(
            "error: cannot write {}: {e}\n",
            args.path.display()
        )),
    }
}

fn schema(args: &SchemaArgs) -> Outcome {
    let value = match args.target {
        SchemaTarget::Topology => topology::json_schema(),
        SchemaTarget::Catalog => Catalog::json_schema(),
    };
    let text = pretty(&value);
    match &args.output {
        None => Outcome::ok(text),
        Some(path) => match output::write_atomic(path, text.as_bytes()) {
            Ok(()) => Outcome::ok(String::new()),
            Err(e) => {
                Outcome::input_error(format!("error: cannot write {}: {e}\n", path.display()))
            }
        },
    }
}

pub(crate) fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn warnings_note(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (1 warning)".into(),
        n => format!(" ({n} warnings)"),
    }
}
