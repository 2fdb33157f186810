//! Human-written durations (`"90s"`, `"15m"`, `"1h 30m"`, `"20ms"`) used for RTO, RPO,
//! replication lag, failover time and latency budgets.

use std::time::Duration;

/// Parses a duration written as a number followed by a unit. Negative durations are
/// rejected with a message saying so, since "-5m" is a likely typo rather than a
/// different format.
pub fn parse(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!(
            "`{trimmed}` is negative; durations must be zero or more"
        ));
    }
    // `M` is months to the parser and minutes to most readers: ask which.
    if let Some(i) = trimmed.find('M') {
        let before = trimmed[..i].trim_end();
        if before.ends_with(|c: char| c.is_ascii_digit()) && !trimmed[i..].starts_with("Mi") {
            return Err(format!(
                "`{trimmed}` uses `M`, which means months; write `m` for minutes, or days (`60d`) for months"
            ));
        }
    }
    let d = humantime::parse_duration(trimmed).map_err(|e| {
        format!("`{trimmed}` is not a duration ({e}); write a number and a unit, such as \"30s\", \"15m\" or \"2h\"")
    })?;
    if d > MAX {
        return Err(format!(
            "`{trimmed}` is more than a year; recovery times, lags and budgets are at most 365 days"
        ));
    }
    Ok(d)
}

/// The longest duration a topology may state.
pub const MAX: Duration = Duration::from_secs(365 * 24 * 3600);

/// Formats a duration compactly for reports.
pub fn format(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("20ms").unwrap(), Duration::from_millis(20));
        assert_eq!(parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_negative_and_unitless() {
        assert!(parse("-5m").unwrap_err().contains("negative"));
        assert!(parse("15").is_err());
        assert!(parse("soon").is_err());
    }

    #[test]
    fn rejects_months_and_more_than_a_year() {
        let e = parse("2M").unwrap_err();
        assert!(e.contains("months") && e.contains("`m` for minutes"), "{e}");
        assert!(parse("400d").unwrap_err().contains("more than a year"));
        assert_eq!(parse("365d").unwrap(), MAX);
    }
}
