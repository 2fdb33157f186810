//! `faultline validate`: check a topology and report every problem with its location.

use std::path::Path;

use crate::cli::args::{Format, ValidateArgs};
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::render::{Doc, Validation};

pub fn run(args: &ValidateArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let inputs = input::catalog_and_topology(&args.topology, catalog)?;
    let t = &inputs.topology;
    let summary = Validation {
        system: &t.name,
        services: t.services.len(),
        journeys: t.journeys.len(),
        regions: t.regions.len(),
        warnings: &inputs.warnings,
    };
    let stdout = outcome::render(&Doc::Validation(&summary), args.format, &inputs.sources)?;
    let out = Outcome::ok(stdout);
    Ok(match args.format {
        Format::Json => out,
        _ => out.with_warnings(&inputs.sources, &inputs.warnings),
    })
}
