//! When something recurring is due: a source's crawl passes, a scheduled
//! report. `every <duration>` or a cron expression.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// When a source is crawled by `earshot run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A fixed interval.
    Every(Duration),
    /// A cron expression with seconds (`sec min hour day month weekday`).
    Cron(String),
}

impl Schedule {
    /// Parses `every 30m` or a six-field cron expression.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        if let Some(d) = s.strip_prefix("every ") {
            let d = humantime::parse_duration(d.trim())
                .map_err(|e| format!("`{s}`: cannot read the interval ({e})"))?;
            if d < Duration::from_secs(60) {
                return Err(format!(
                    "`{s}`: crawling a source more often than once a minute is impolite"
                ));
            }
            return Ok(Schedule::Every(d));
        }
        let fields = s.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            return Err(format!(
                "`{s}` is neither \"every <duration>\" nor a cron expression with 6 fields (sec min hour day month weekday); it has {fields}"
            ));
        }
        <cron::Schedule as std::str::FromStr>::from_str(s)
            .map_err(|e| format!("`{s}` is not a valid cron expression: {e}"))?;
        Ok(Schedule::Cron(s.to_string()))
    }
}

/// When something with `schedule`, last finished at `last`, is due.
pub fn next_due(
    schedule: &Schedule,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match schedule {
        Schedule::Every(d) => match last {
            Some(l) => l + chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::hours(1)),
            None => now,
        },
        Schedule::Cron(expr) => cron::Schedule::from_str(expr)
            .ok()
            .and_then(|c| c.after(&last.unwrap_or(now)).next())
            .unwrap_or(now + chrono::Duration::hours(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn schedules() {
        assert_eq!(
            Schedule::parse("every 30m").unwrap(),
            Schedule::Every(Duration::from_secs(1800))
        );
        assert!(Schedule::parse("every 1s").is_err());
        assert!(Schedule::parse("0 */30 * * * *").is_ok());
        assert!(Schedule::parse("*/5 * * * *").is_err());
    }

    #[test]
    fn due_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 7, 0).unwrap();
        let every = Schedule::parse("every 30m").unwrap();
        assert_eq!(next_due(&every, None, now), now);
        let last = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        assert_eq!(
            next_due(&every, Some(last), now),
            last + chrono::Duration::minutes(30)
        );
        let cron = Schedule::parse("0 */15 * * * *").unwrap();
        assert_eq!(
            next_due(&cron, Some(last), now),
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap()
        );
        assert_eq!(
            next_due(&cron, None, now),
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap()
        );
    }
}
