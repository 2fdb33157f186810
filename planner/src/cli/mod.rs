//! The shell: the only part of Faultline that reads arguments, files, the terminal and
//! the clock. Each command reads its input ([`input`]), runs the [`crate::pipeline`],
//! renders with [`crate::render`] and writes ([`output`]); [`run`] turns what it
//! produced into bytes on stdout and stderr and an [`exit::ExitStatus`].

pub mod args;
mod commands;
pub mod exit;
pub mod input;
mod outcome;
pub mod output;

pub use args::Cli;
pub use exit::ExitStatus;

/// Runs one parsed command line to completion and says how it ended.
pub fn run(cli: Cli) -> ExitStatus {
    let out = commands::dispatch(&cli);
    let io = output::emit(std::io::stderr().lock(), out.stderr.as_bytes())
        .and_then(|()| output::emit(std::io::stdout().lock(), out.stdout.as_bytes()));
    match io {
        Ok(()) => out.status,
        Err(_) => ExitStatus::InputError,
    }
}
