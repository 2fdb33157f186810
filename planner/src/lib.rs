//! Faultline's shell: the command-line interface, the renderers and file output around
//! the pure models in `faultline-models`.

mod analyze;
mod catalog_cmd;
pub mod cli;
mod commands;
pub mod exit;
mod input;
pub mod optimizer;
mod output;
mod plan_cmd;
#[cfg(feature = "aws")]
mod refresh;
pub mod render;

pub use exit::ExitStatus;

/// Runs one parsed command line to completion and says how it ended.
pub fn run(cli: cli::Cli) -> ExitStatus {
    commands::run(cli)
}
