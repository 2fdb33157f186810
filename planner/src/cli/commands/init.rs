//! `faultline init`: write a commented starter topology, or one of the examples.

use crate::cli::args::InitArgs;
use crate::cli::input::InputError;
use crate::cli::outcome::Outcome;
use crate::cli::output;

/// The commented starter written by `faultline init`.
const STARTER: &str = include_str!("../../../../templates/starter.toml");

/// Examples `faultline init --example NAME` can start from.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "legacy-placement",
        include_str!("../../../../examples/legacy-placement/topology.toml"),
    ),
    (
        "order-saga",
        include_str!("../../../../examples/order-saga/topology.toml"),
    ),
    (
        "payments",
        include_str!("../../../../examples/payments/topology.toml"),
    ),
    (
        "realtime-chat",
        include_str!("../../../../examples/realtime-chat/topology.toml"),
    ),
    (
        "web-shop",
        include_str!("../../../../examples/web-shop/topology.toml"),
    ),
];

pub fn run(args: &InitArgs) -> Result<Outcome, InputError> {
    let text = match &args.example {
        None => STARTER,
        Some(name) => match EXAMPLES.iter().find(|(n, _)| n == name) {
            Some((_, text)) => text,
            None => {
                let names: Vec<&str> = EXAMPLES.iter().map(|(n, _)| *n).collect();
                return Err(InputError::flag(
                    "--example",
                    format!("no example named `{name}`; available: {}", names.join(", ")),
                ));
            }
        },
    };
    if args.path.exists() && !args.force {
        return Err(output::OutputError {
            path: args.path.clone(),
            message: "it already exists; pass --force to overwrite it".into(),
        }
        .into());
    }
    output::write_file(&args.path, text.as_bytes())?;
    Ok(Outcome::ok(format!(
        "wrote {}; next: faultline validate {}\n",
        args.path.display(),
        args.path.display()
    )))
}
