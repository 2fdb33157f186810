//! Command-line arguments (`clap` derive). `docs/cli.md` documents every command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::render::Format;

#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None)]
pub struct Cli {
    /// Use this catalog file instead of the embedded AWS catalog.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a topology file and report every problem with its location.
    Validate(ValidateArgs),
    /// Inspect the catalog (prices, instance types, spot data, failure priors).
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Write a commented starter topology.
    Init(InitArgs),
    /// Print the JSON Schema of the topology format (for editor completion).
    Schema(SchemaArgs),
    /// Find the cheapest deployment that meets every SLO and constraint.
    Plan(PlanArgs),
    /// Compute what breaks, how often, for how long and what is lost.
    Analyze(AnalyzeArgs),
    /// Review the architecture against a policy: exit 1 on violations (the CI gate).
    Check(CheckArgs),
    /// Show cost and availability changes between two topologies or plans.
    Diff(DiffArgs),
    /// Write the trade-off report: one self-contained HTML page (or Markdown, JSON).
    Report(ReportArgs),
    /// Write a Terraform root module that builds a plan, or say what a re-plan changes.
    Terraform(TerraformArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The topology file.
    pub topology: PathBuf,
    /// Output format: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Print the catalog, optionally narrowed to a region and family.
    Show(CatalogShowArgs),
    /// Show what changed between two catalog files.
    Diff(CatalogDiffArgs),
    /// Build a catalog from the live EC2 API (needs a build with `--features aws`).
    Refresh(CatalogRefreshArgs),
}

#[derive(Debug, Args)]
pub struct CatalogDiffArgs {
    /// The catalog before (e.g. the one plans were made with).
    pub old: PathBuf,
    /// The catalog after (e.g. one written by `catalog refresh`).
    pub new: PathBuf,
    /// `text` lists the changes by section; `json` is one array of changes.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CatalogRefreshArgs {
    /// Regions to include, comma-separated (e.g. us-east-1,eu-west-1).
    #[arg(long, value_delimiter = ',', required = true)]
    pub regions: Vec<String>,
    /// Instance families to include, comma-separated; default: every family of the
    /// base catalog.
    #[arg(long, value_delimiter = ',')]
    pub families: Vec<String>,
    /// Where to write the catalog; written only once complete.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct CatalogShowArgs {
    /// Only this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only this instance family (e.g. m7g).
    #[arg(long)]
    pub family: Option<String>,
    /// Output format: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the topology.
    #[arg(default_value = "topology.toml")]
    pub path: PathBuf,
    /// Start from one of the bundled examples instead of the minimal starter.
    #[arg(long, value_name = "NAME")]
    pub example: Option<String>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the catalog format's schema instead of the topology's.
    #[arg(long = "for", value_enum, default_value_t)]
    pub target: SchemaTarget,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SchemaTarget {
    #[default]
    Topology,
    Catalog,
    /// The gate policy format (`faultline check --policy`).
    Policy,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The topology file.
    pub topology: PathBuf,
    /// Also write the plan as JSON to this file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Solve a ladder of resilience levels and report what each costs.
    #[arg(long)]
    pub frontier: bool,
    /// MILP backend: `native` (built in), `microlp` or `highs` (builds with
    /// `--features microlp` / `--features highs`).
    #[arg(long, value_name = "NAME")]
    pub solver: Option<String>,
    /// Wall-clock safety net for the whole command, frontier included, in seconds.
    /// Solves stop on the gap or a fixed work budget first; a plan the limit stopped
    /// says so.
    #[arg(long, value_name = "S", default_value_t = crate::optimizer::DEFAULT_TIME_LIMIT_SECONDS)]
    pub time_limit: f64,
    /// Relative optimality gap each MILP must prove (0.005 = 0.5%).
    #[arg(long, value_name = "G", default_value_t = crate::optimizer::DEFAULT_GAP)]
    pub gap: f64,
    /// Also write the Terraform root module that builds the plan to this directory
    /// (docs/terraform.md).
    #[arg(long, value_name = "DIR")]
    pub terraform: Option<PathBuf>,
    /// Replace a `--terraform` directory that faultline did not write.
    #[arg(long, requires = "terraform")]
    pub force: bool,
    /// Output format: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also write the trade-off report to this file: HTML, or Markdown for a name
    /// ending in `.md`, or the report document for `.json`.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The topology file.
    pub topology: PathBuf,
    /// Assess this plan (from `faultline plan --format json`) instead of the
    /// topology's own placement.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Also run the Monte Carlo simulation over this many simulated years (1 to
    /// 10,000,000).
    #[arg(long, value_name = "YEARS")]
    pub simulate: Option<u64>,
    /// Seed of the simulation's random stream: the same seed gives the same output.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Output format: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The topology file.
    pub topology: PathBuf,
    /// The gate policy (docs/policy.md).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// Check this plan (from `faultline plan -o`) instead of planning the topology.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// The deployment to compare against (usually the target branch's): a topology,
    /// planned here, or a plan file.
    #[arg(long, value_name = "TOPOLOGY|PLAN")]
    pub baseline: Option<PathBuf>,
    /// Findings accepted earlier; only findings not in it fail the check.
    #[arg(long, value_name = "FILE")]
    pub baseline_findings: Option<PathBuf>,
    /// Write every finding of this run to FILE as accepted findings (then pass).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lowest severity that fails the check; default: the policy's `fail_on`, else error.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// The date inline suppressions expire against (default: today in UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Also write the result in another format to a file; repeatable.
    #[arg(long = "report", value_name = "FORMAT=FILE")]
    pub reports: Vec<String>,
    /// Wall-clock limit for planning (the topology, and a topology baseline), seconds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    pub time_limit: f64,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The base: a topology (planned here) or a plan file.
    pub base: PathBuf,
    /// The head: a topology or a plan file.
    pub head: PathBuf,
    /// Wall-clock limit for planning each topology, seconds.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    pub time_limit: f64,
    /// `text`, `json` or `markdown`.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The topology file.
    pub topology: PathBuf,
    /// Report on this plan (from `faultline plan -o plan.json`) instead of solving one
    /// here with the default solver options.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Compare with this earlier plan: what changed in cost, availability and placement.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Where to write the report (atomically); stdout when absent or `-`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When solving here, skip the cost–resilience frontier (faster; the report then
    /// does not price each level and requirement).
    #[arg(long)]
    pub no_frontier: bool,
    /// `html` (default), `markdown` for a pull-request comment, or `json` (the report
    /// document).
    #[arg(long, value_enum, default_value_t = Format::Html)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct TerraformArgs {
    /// The plan (from `faultline plan -o`); with `--diff`, the old plan.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// With `--diff`: the new plan.
    #[arg(value_name = "NEW_PLAN")]
    pub new_plan: Option<PathBuf>,
    /// The directory to write the root module to: written whole or not at all.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// The topology the plan was made from: the plan must still fit it, and each
    /// fleet may then reach the services it depends on.
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// Replace an existing directory that faultline did not write.
    #[arg(long)]
    pub force: bool,
    /// Say in words what the infrastructure of PLAN becomes with NEW_PLAN instead of
    /// writing Terraform.
    #[arg(long, requires = "new_plan", conflicts_with_all = ["output", "force", "topology"])]
    pub diff: bool,
}
