//! One file per command: read input, run the pipeline, render, write, and say how it
//! went. [`dispatch`] is the only place that chooses the command.

mod analyze;
mod catalog;
mod check;
mod diff;
mod init;
mod plan;
mod report;
mod schema;
pub(crate) mod terraform;
mod validate;

use super::args::{CatalogCommand, Cli, Command, Format};
use super::outcome::Outcome;

pub fn dispatch(cli: &Cli) -> Outcome {
    let catalog = cli.catalog.as_deref();
    let (result, format) = match &cli.command {
        Command::Validate(a) => (validate::run(a, catalog), a.format),
        Command::Catalog(CatalogCommand::Show(a)) => (catalog::show(a, catalog), a.format),
        Command::Catalog(CatalogCommand::Diff(a)) => (catalog::diff(a), a.format),
        Command::Catalog(CatalogCommand::Refresh(a)) => {
            (catalog::refresh(a, catalog), Format::Text)
        }
        Command::Init(a) => (init::run(a), Format::Text),
        Command::Schema(a) => (schema::run(a), Format::Text),
        Command::Plan(a) => (plan::run(a, catalog), a.format),
        Command::Analyze(a) => (analyze::run(a, catalog), a.format),
        Command::Check(a) => (check::run(a, catalog), a.format),
        Command::Diff(a) => (diff::run(a, catalog), a.format),
        Command::Report(a) => (report::run(a, catalog), a.format),
        Command::Terraform(a) => (terraform::run(a, catalog), Format::Text),
    };
    result.unwrap_or_else(|e| Outcome::failure(&e, format))
}
