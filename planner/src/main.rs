//! The `faultline` binary: parse arguments, run the command, map the outcome to an
//! exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = faultline::cli::Cli::parse();
    faultline::run(cli).into()
}
