//! Renderers: one module per output format, each a pure function from the models'
//! types to text.

pub mod assessment;
pub mod catalog;
pub mod diagnostics;
pub mod plan;
