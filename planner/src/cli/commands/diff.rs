//! `faultline diff <base> <head>`: what a change does to cost and availability, per
//! service and journey. Each side is a topology (planned and assessed here) or a plan
//! file (its own figures).

use std::path::Path;

use faultline_models::diag::FileKind;

use super::check::{optimizer_options, snapshot};
use crate::cli::args::DiffArgs;
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::gate::snapshot::diff;
use crate::render::{Doc, Sources};

pub fn run(args: &DiffArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let options = optimizer_options(args.time_limit)?;
    let mut sources = Sources::default();
    let catalog = input::catalog(catalog, &mut sources)?;
    let base = snapshot(
        &args.base,
        FileKind::Baseline,
        &catalog,
        &options,
        &mut sources,
    )?;
    let head_kind = if args.head.extension().is_some_and(|e| e == "json") {
        FileKind::Plan
    } else {
        FileKind::Topology
    };
    let head = snapshot(&args.head, head_kind, &catalog, &options, &mut sources)?;
    let d = diff(&base, &head);
    let (b, h) = (
        args.base.display().to_string(),
        args.head.display().to_string(),
    );
    let stdout = outcome::render(&Doc::Diff(&d, &b, &h), args.format, &sources)?;
    Ok(Outcome::ok(stdout))
}
