//! Faultline's pure domain core, in the order data flows through it: reading users'
//! files ([`input`], [`diag`]), the [`catalog`] and the validated [`topology`], the
//! [`cost`] model and the optimizer's [`plan`] (or why there is none: [`infeasible`]),
//! the [`failure`] model's assessment of a deployment, and the [`report`] document
//! every renderer reads; the gate [`policy`] that `faultline check` applies to them.
//!
//! Nothing in this crate performs I/O, prints or reads a clock; callers hand it text
//! and get values and [`diag::Diagnostic`]s back. Work that splits into independent
//! items may run on several cores ([`parallel`]), with the same result on one.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod diag;
pub mod input;

pub mod catalog;
pub mod deployment;
pub mod duration;
pub mod scenario;
pub mod topology;
pub mod units;

pub mod parallel;

pub mod cost;
pub mod infeasible;
pub mod owned;
pub mod plan;

pub mod locality;

pub mod failure;

pub mod report;

pub mod policy;
