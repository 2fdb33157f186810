//! `faultline terraform`: write the Terraform root module that builds a plan (also
//! `faultline plan … --terraform DIR`), or with `--diff` say in words what a re-plan
//! changes. The plan must be current: checked against the catalog, and against the
//! topology when one is given; a plan that is stale or cannot be built exactly stops
//! the command before anything is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use faultline_models::catalog::Catalog;
use faultline_models::diag::{Code, Diagnostic, FileKind, Severity};
use faultline_models::plan::Plan;

use crate::cli::args::TerraformArgs;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::Outcome;
use crate::cli::output;
use crate::render::{Source, Sources};
use crate::terraform::{self, TreeOptions};

pub fn run(args: &TerraformArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let mut sources = Sources::default();
    let catalog = input::catalog(catalog, &mut sources)?;
    if args.diff {
        return diff(args, &catalog, sources);
    }
    let Some(dir) = &args.output else {
        return Err(InputError::flag(
            "--output",
            "give the directory to write the Terraform to (`-o DIR`), or `--diff OLD NEW`",
        ));
    };
    if args.new_plan.is_some() {
        return Err(InputError::flag(
            "PLAN",
            "one plan writes one tree; compare two plans with `--diff OLD NEW`",
        ));
    }
    let (topology, warnings) = match &args.topology {
        Some(path) => {
            let loaded = input::topology(path, &catalog, &mut sources)?;
            (Some(loaded.topology), loaded.warnings)
        }
        None => (None, Vec::new()),
    };
    let plan = input::plan(&args.plan, &mut sources)?;
    let mut problems = plan.check_against(&catalog);
    problems.extend(stale(&plan, &catalog, topology.as_ref()));
    if !problems.is_empty() {
        return Err(InputError::new(problems, sources));
    }
    let depends_on = topology.as_ref().map(terraform::depends_on);
    let written = write(dir, &plan, &catalog, depends_on, args.force, &sources)?;
    Ok(Outcome::ok(written).with_warnings(&sources, &warnings))
}

/// Staleness is an error here: Terraform from a plan that no longer fits its inputs
/// would build the wrong thing. Without a topology, only the catalog is compared.
fn stale(
    plan: &Plan,
    catalog: &Catalog,
    topology: Option<&faultline_models::topology::Topology>,
) -> Vec<Diagnostic> {
    let found = match topology {
        Some(t) => plan.staleness(t, catalog),
        None => {
            // Compare the catalog alone: the topology's digest is only known with it.
            let digest = faultline_models::plan::catalog_digest(catalog);
            if digest == plan.inputs.catalog_digest {
                Vec::new()
            } else {
                vec![Diagnostic::warning(
                    Code::PlanStaleCatalog,
                    format!(
                        "plan {} was priced with a different catalog ({}); prices, spot data or failure priors may have changed",
                        plan.id, plan.catalog
                    ),
                )
                .in_file(FileKind::Plan)
                .key("inputs.catalog_digest")]
            }
        }
    };
    found
        .into_iter()
        .map(|mut d| {
            d.severity = Severity::Error;
            d.help = Some(
                match d.code {
                    Code::PlanStaleCatalog => "re-run `faultline plan` with this catalog and generate the Terraform from the new plan, or pass the catalog the plan was made with (`--catalog`)",
                    Code::PlanOtherSystem => "pass the topology this plan was made from",
                    _ => "re-run `faultline plan` on this topology and generate the Terraform from the new plan",
                }
                .into(),
            );
            d
        })
        .collect()
}

/// Generates the tree for a plan and writes it as `dir`, whole or not at all. Returns
/// what to print on stdout.
pub fn write(
    dir: &Path,
    plan: &Plan,
    catalog: &Catalog,
    depends_on: Option<BTreeMap<String, BTreeSet<String>>>,
    force: bool,
    sources: &Sources,
) -> Result<String, InputError> {
    let tree = terraform::generate(
        plan,
        &TreeOptions {
            catalog,
            depends_on,
        },
    )
    .map_err(|d| InputError::new(d, sources.clone()))?;
    let files: output::Tree = tree
        .iter()
        .map(|(path, text)| (PathBuf::from(path), text.as_bytes().to_vec()))
        .collect();
    // A re-generated tree keeps what the team added beside it (terraform.tfvars, a
    // backend, state, the lock file, .terraform): carried into the new tree before the
    // swap, so the old directory is never left without them.
    let old = dir.to_path_buf();
    output::write_dir(dir, &files, force, &mut |staging| carry_over(&old, staging))?;
    let purchases = terraform::purchases::list(plan);
    let mut out = format!(
        "wrote {}: Terraform for plan {} (${}/month), {} files\n",
        dir.display(),
        plan.id,
        terraform::money(plan.monthly_usd),
        files.len()
    );
    out.push_str(&format!(
        "review {} before the first apply; set the inputs from terraform.tfvars.example\n",
        dir.join("README.md").display()
    ));
    if !purchases.buy.is_empty() {
        out.push_str(&format!(
            "the plan's prices assume the commitments in {} (${}/month): buy them, Terraform cannot\n",
            dir.join("purchases.md").display(),
            terraform::money(purchases.totals.monthly_usd)
        ));
    }
    Ok(out)
}

/// Top-level names a generated tree may hold: these are replaced, everything else in
/// a directory faultline wrote is the team's and is kept.
const GENERATED: &[&str] = &[
    "README.md",
    "dns.tf",
    "locals.tf",
    "main.tf",
    "modules",
    "outputs.tf",
    "providers.tf",
    "purchases.json",
    "purchases.md",
    "terraform.tfvars.example",
    "variables.tf",
    "versions.tf",
    output::MARKER,
];

/// Links (or, across file systems, copies) the team's files of the old tree into the
/// staging directory, keeping their modes. Only a tree faultline wrote is carried
/// over; a foreign directory replaced with `--force` is replaced whole.
fn carry_over(old: &Path, staging: &Path) -> std::io::Result<()> {
    if !old.join(output::MARKER).is_file() {
        return Ok(());
    }
    for entry in std::fs::read_dir(old)? {
        let entry = entry?;
        let name = entry.file_name();
        if GENERATED.iter().any(|g| name == std::ffi::OsStr::new(g)) {
            continue;
        }
        keep(&entry.path(), &staging.join(&name))?;
    }
    Ok(())
}

fn keep(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        #[cfg(unix)]
        {
            return std::os::unix::fs::symlink(std::fs::read_link(from)?, to);
        }
        #[cfg(not(unix))]
        {
            std::fs::copy(from, to)?;
            return Ok(());
        }
    }
    if meta.is_dir() {
        std::fs::create_dir(to)?;
        std::fs::set_permissions(to, meta.permissions())?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            keep(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    // A hard link shares the file, mode included; the old tree is removed after the
    // swap, so nothing else holds it.
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
}

fn diff(
    args: &TerraformArgs,
    catalog: &Catalog,
    mut sources: Sources,
) -> Result<Outcome, InputError> {
    let Some(new_path) = &args.new_plan else {
        return Err(InputError::flag(
            "--diff",
            "give the old and the new plan: `faultline terraform --diff OLD.json NEW.json`",
        ));
    };
    // The old plan is the baseline; each side's problems point into its own file.
    let old_text = input::read_text(&args.plan)?;
    sources.insert(
        FileKind::Baseline,
        Source {
            path: args.plan.display().to_string(),
            text: old_text.clone(),
        },
    );
    let old = Plan::from_json(&old_text).map_err(|d| {
        InputError::new(
            d.into_iter()
                .map(|d| d.in_file(FileKind::Baseline))
                .collect(),
            sources.clone(),
        )
    })?;
    let new = input::plan(new_path, &mut sources)?;
    let mut problems: Vec<Diagnostic> = old
        .check_against(catalog)
        .into_iter()
        .map(|d| d.in_file(FileKind::Baseline))
        .collect();
    problems.extend(new.check_against(catalog));
    if !problems.is_empty() {
        return Err(InputError::new(problems, sources));
    }
    match terraform::diff(&old, &new, catalog) {
        Ok(text) => Ok(Outcome::ok(text)),
        Err(e) => {
            let mut all: Vec<Diagnostic> = e
                .old
                .into_iter()
                .map(|d| d.in_file(FileKind::Baseline))
                .collect();
            all.extend(e.new);
            Err(InputError::new(all, sources))
        }
    }
}
