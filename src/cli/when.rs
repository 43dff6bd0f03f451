//! Times and durations as the flags write them.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};

/// Reads `7d`, `12h`, `30m` (back from `now`), RFC 3339 or `YYYY-MM-DD`.
pub fn parse_when(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Ok(d) = humantime::parse_duration(s) {
        return chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .with_context(|| {
                format!("`{s}` reaches back further than a date can hold: write e.g. 30d or 365d")
            });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now));
    }
    anyhow::bail!("cannot read `{s}` as a time: write a duration back from now (7d, 12h), a date (2026-11-20) or RFC 3339 (2026-11-20T08:00:00+08:00)")
}

/// Reads a duration (`30s`, `2h`, `3d`) given as flag `what`.
pub fn parse_duration(s: &str, what: &str) -> Result<chrono::Duration> {
    let d = humantime::parse_duration(s)
        .with_context(|| format!("{what} `{s}` is not a duration: write e.g. 30s, 2h, 3d"))?;
    chrono::Duration::from_std(d).context("duration too large")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_past_what_a_date_holds_are_errors_not_panics() {
        let now = Utc::now();
        assert!(parse_when("300000y", now).is_err());
        assert!(parse_when("99999999999999999y", now).is_err());
        assert!(parse_when("7d", now).is_ok());
        assert!(parse_duration("99999999999999999y", "--for").is_err());
    }
}
