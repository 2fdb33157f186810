//! Faultline's pure domain core: topology schema and validation, the cloud catalog,
//! diagnostics, and the plan types shared by the optimizer and the failure model.
//!
//! Nothing in this crate performs I/O or prints; callers hand it text and get values
//! and [`diag::Diagnostic`]s back.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod catalog_diff;
pub mod cost;
pub mod deployment;
pub mod diag;
mod did_you_mean;
pub mod duration;
pub mod failure;
mod load;
pub mod plan;
pub mod scenario;
pub mod spanned_doc;
pub mod topology;
