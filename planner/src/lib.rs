//! Faultline's shell around the pure models in `faultline-models`, laid out in the
//! order data flows: the [`optimizer`] turns a topology into a plan, the [`pipeline`]
//! takes every command from topology to report document, the [`render`]ers turn the
//! document into each output format, and the [`cli`] — the only part that touches
//! files, the terminal or the clock — reads arguments and input and writes output.
//! [`aws`] refreshes the catalog from the live EC2 API (feature `aws`).

pub mod optimizer;
pub mod pipeline;

pub mod gate;
pub mod render;
pub mod terraform;

pub mod cli;

#[cfg(feature = "aws")]
pub mod aws;

pub use cli::{run, ExitStatus};
