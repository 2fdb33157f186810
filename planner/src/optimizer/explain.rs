//! Wording shared by the optimizer's infeasibility explanations; the conflict types
//! themselves live in `faultline_models::infeasible`.

pub use faultline_models::infeasible::{Conflict, Infeasible};

/// Milliseconds, compactly.
pub fn ms(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0} ms", x.round())
    } else {
        "an unmeasured link".to_string()
    }
}
