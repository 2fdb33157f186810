//! Calendar dates (`2027-03-01`) for suppression expiry. The gate never reads a clock:
//! the date it checks against is an input, so the same inputs give the same verdict.

use std::fmt;

use serde::{Serialize, Serializer};

/// A proleptic Gregorian date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the month and the day of the month.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2027-03-01");
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y) && digits(m) && digits(d)) {
            return Err(bad());
        }
        let (year, month, day): (i32, u8, u8) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        if !(1..=12).contains(&month) {
            return Err(format!("`{text}`: month {month} is not between 01 and 12"));
        }
        let last = days_in_month(year, month);
        if day == 0 || day > last {
            return Err(format!(
                "`{text}`: day {day} is not between 01 and {last:02} for that month"
            ));
        }
        Ok(Date { year, month, day })
    }

    /// The date `days` after 1970-01-01 (negative: before it), for a caller that
    /// turns a clock reading into a date.
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's `civil_from_days`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let a = Date::parse("2027-03-01").unwrap();
        let b = Date::parse("2026-12-31").unwrap();
        assert!(b < a);
        assert_eq!(a.to_string(), "2027-03-01");
    }

    #[test]
    fn checks_the_calendar() {
        assert!(Date::parse("2028-02-29").is_ok());
        assert!(Date::parse("2027-02-29").unwrap_err().contains("day 29"));
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("2027-13-01").unwrap_err().contains("month 13"));
        assert!(Date::parse("2027-3-1").is_err());
        assert!(Date::parse("27-03-01").is_err());
        assert!(Date::parse("2027/03/01").is_err());
        assert!(Date::parse("+027-03-01").is_err());
    }

    #[test]
    fn unix_days_match_known_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        // 2000-03-01 is day 11017; 2026-12-01 is day 20788 (date -d @$((d*86400))).
        assert_eq!(Date::from_unix_days(11_017).to_string(), "2000-03-01");
        assert_eq!(Date::from_unix_days(20_788).to_string(), "2026-12-01");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
    }
}
