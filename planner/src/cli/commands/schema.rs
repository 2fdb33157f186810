//! `faultline schema`: the JSON Schema of the topology or catalog format.

use faultline_models::catalog::Catalog;
use faultline_models::topology;

use crate::cli::args::{SchemaArgs, SchemaTarget};
use crate::cli::input::InputError;
use crate::cli::outcome::Outcome;
use crate::cli::output;
use crate::render::json::pretty;

pub fn run(args: &SchemaArgs) -> Result<Outcome, InputError> {
    let value = match args.target {
        SchemaTarget::Topology => topology::json_schema(),
        SchemaTarget::Catalog => Catalog::json_schema(),
        SchemaTarget::Policy => faultline_models::policy::json_schema(),
    };
    let text = pretty(&value);
    match &args.output {
        Some(path) if !output::is_stdout(path) => {
            output::write_file(path, text.as_bytes())?;
            Ok(Outcome::ok(String::new()))
        }
        _ => Ok(Outcome::ok(text)),
    }
}
