//! Faultline's shell: the command-line interface, the renderers and file output around
//! the pure models in `faultline-models`.

pub mod cli;
mod commands;
pub mod exit;
mod input;
mod output;
pub mod render;

pub use exit::ExitStatus;

/// Runs one parsed command line to completion and says how it ended.
pub fn run(cli: cli::Cli) -> ExitStatus {
    commands::run(cli)
}
