//! Units of time shared by every model: one definition of a year and a month, so the
//! cost model, the failure model and every rendered figure agree. A month is AWS's
//! billing month of 730 hours (docs/cost-model.md), a year twelve of them.

/// Hours in a year: 365 days (AWS prices a month as 730 hours = 8,760 / 12).
pub const HOURS_PER_YEAR: f64 = 8760.0;
/// Hours in a billing month.
pub const HOURS_PER_MONTH: f64 = HOURS_PER_YEAR / 12.0;
pub const MINUTES_PER_YEAR: f64 = HOURS_PER_YEAR * 60.0;
/// 43,800 minutes.
pub const MINUTES_PER_MONTH: f64 = MINUTES_PER_YEAR / 12.0;
pub const SECONDS_PER_HOUR: f64 = 3600.0;
/// 31,536,000 seconds: the basis of every per-year count of requests.
pub const SECONDS_PER_YEAR: f64 = HOURS_PER_YEAR * SECONDS_PER_HOUR;

/// A count a year (stranded sagas, requests) as every output writes it: whole numbers
/// from 10 up, two decimals down to 0.01, two significant digits below.
pub fn count(n: f64) -> String {
    if n == 0.0 {
        "0".into()
    } else if n >= 10.0 {
        format!("{n:.0}")
    } else if n >= 0.01 {
        format!("{n:.2}")
    } else {
        format!("{n:.1e}")
    }
}
