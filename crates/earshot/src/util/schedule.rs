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
    /// A cron expression as the `cron` crate reads it (seconds first,
    /// weekdays by name), translated from what the user wrote, and the time
    /// zone it is read in (`CRON_TZ=Asia/Shanghai ...`; UTC without one).
    Cron(String, Option<chrono_tz::Tz>),
}

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One weekday of a crontab field: 0–7 (0 and 7 are Sunday) or a name.
fn weekday(s: &str) -> Option<usize> {
    match s.parse::<usize>() {
        Ok(n) if n <= 7 => Some(n % 7),
        Ok(_) => None,
        Err(_) => DAYS.iter().position(|d| d.eq_ignore_ascii_case(s)),
    }
}

/// A crontab weekday field (`1-5`, `0,6`, `MON-FRI`, `*/2`; 0 and 7 are
/// Sunday, 1 is Monday) as day names, which the `cron` crate (Sunday = 1)
/// cannot misread.
fn weekdays(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok(field.to_string());
    }
    let mut set = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("`{item}`: the step after `/` must be a number from 1")
                })?,
            ),
            None => (item, 1),
        };
        let bad = || {
            format!("`{item}`: expected a weekday 0–7 (0 and 7 are Sunday) or SUN–SAT, a range such as 1-5, or *")
        };
        let (a, b) = if range == "*" {
            (0, 6)
        } else if let Some((a, b)) = range.split_once('-') {
            let a = weekday(a).ok_or_else(bad)?;
            // `5-7` ends on Sunday: 7, not 0.
            let b = match b.parse::<usize>() {
                Ok(7) => 7,
                _ => weekday(b).ok_or_else(bad)?,
            };
            if b < a {
                return Err(format!(
                    "`{item}`: the range runs backwards; write it as two, e.g. 5-6,0"
                ));
            }
            (a, b)
        } else {
            let a = weekday(range).ok_or_else(bad)?;
            (a, if step > 1 { 6 } else { a })
        };
        for d in (a..=b).step_by(step) {
            set[d % 7] = true;
        }
    }
    Ok(DAYS
        .iter()
        .zip(set)
        .filter(|(_, on)| *on)
        .map(|(d, _)| *d)
        .collect::<Vec<_>>()
        .join(","))
}

impl Schedule {
    /// Parses `every 30m` or a cron expression: a crontab line (`min hour
    /// day month weekday`) or one with seconds first (6 fields, or 7 with
    /// a year). Weekdays as crontab numbers them: 0 and 7 are Sunday, 1 is
    /// Monday (`1-5` is Monday to Friday). Nothing may run more often than
    /// once a minute.
    ///
    /// A cron expression may start with `CRON_TZ=<IANA zone>` (or `TZ=`),
    /// as crontab allows: its hours and days are then that zone's.
    pub fn parse(s: &str) -> Result<Schedule, String> {
        let s = s.trim();
        let (tz, s) = match s.split_once(char::is_whitespace) {
            Some((head, rest)) if head.starts_with("CRON_TZ=") || head.starts_with("TZ=") => {
                let name = head.split_once('=').map_or("", |(_, n)| n);
                let tz = name.parse::<chrono_tz::Tz>().map_err(|_| {
                    format!("`{s}`: `{name}` is not a time zone; use an IANA name such as Asia/Shanghai")
                })?;
                (Some(tz), rest.trim())
            }
            _ => (None, s),
        };
        if tz.is_some() && s.starts_with("every ") {
            return Err(format!(
                "`{s}`: a time zone applies to cron expressions, not to `every <duration>`"
            ));
        }
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
        let mut fields: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        match fields.len() {
            5 => fields.insert(0, "0".into()),
            6 | 7 => {}
            n => {
                return Err(format!(
                    "`{s}` is neither \"every <duration>\" nor a cron expression: expected 5 fields (min hour day month weekday), or 6 with seconds first; it has {n}"
                ))
            }
        }
        if fields[0].parse::<u8>().map_or(true, |n| n > 59) {
            return Err(format!(
                "`{s}`: the seconds field `{}` fires more than once a minute (or is not a second 0–59); crawling more often than once a minute is impolite: use one second, e.g. `0 */5 * * * *`, or a 5-field crontab line",
                fields[0]
            ));
        }
        fields[5] = weekdays(&fields[5]).map_err(|e| format!("`{s}`: weekday field {e}"))?;
        let expr = fields.join(" ");
        <cron::Schedule as std::str::FromStr>::from_str(&expr)
            .map_err(|e| format!("`{s}` is not a valid cron expression: {e}"))?;
        Ok(Schedule::Cron(expr, tz))
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
        Schedule::Cron(expr, tz) => {
            let from = last.unwrap_or(now);
            cron::Schedule::from_str(expr)
                .ok()
                .and_then(|c| match tz {
                    Some(tz) => c
                        .after(&from.with_timezone(tz))
                        .next()
                        .map(|t| t.with_timezone(&Utc)),
                    None => c.after(&from).next(),
                })
                .unwrap_or(now + chrono::Duration::hours(1))
        }
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
        // A crontab line: five fields, seconds at 0.
        assert_eq!(
            Schedule::parse("*/5 * * * *").unwrap(),
            Schedule::Cron("0 */5 * * * *".into(), None)
        );
        // One rule with `every 10s`: nothing more often than once a minute.
        for s in [
            "*/5 * * * * *",
            "0,30 * * * * *",
            "* * * * * *",
            "61 * * * * *",
        ] {
            let e = Schedule::parse(s).unwrap_err();
            assert!(e.contains("more than once a minute"), "{s}: {e}");
        }
        for s in [
            "0 9 * * 8",
            "0 9 * * 5-1",
            "0 9 * * FRX",
            "0 9 * * 1-",
            "0 9 * * */0",
        ] {
            assert!(Schedule::parse(s).is_err(), "{s}");
        }
    }

    /// Weekdays as crontab numbers them: `1-5` is Monday to Friday, 0 and 7
    /// are Sunday (the cron crate alone would read 1 as Sunday).
    #[test]
    fn weekdays_as_crontab_means_them() {
        // 2026-11-23 is a Monday.
        let days = |expr: &str| -> Vec<String> {
            let s = Schedule::parse(expr).unwrap();
            let mut t = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
            (0..7)
                .map(|_| {
                    t = next_due(&s, Some(t), t);
                    t.format("%a %H:%M").to_string()
                })
                .collect()
        };
        let weekdays =
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"].map(|d| format!("{d} 09:00"));
        assert_eq!(days("0 9 * * 1-5"), weekdays);
        assert_eq!(days("0 0 9 * * 1-5"), weekdays);
        assert_eq!(days("0 9 * * MON-FRI"), weekdays);
        assert_eq!(days("0 9 * * mon-fri"), weekdays);
        let weekend =
            ["Sat", "Sun", "Sat", "Sun", "Sat", "Sun", "Sat"].map(|d| format!("{d} 09:00"));
        assert_eq!(days("0 9 * * 0,6"), weekend);
        assert_eq!(days("0 9 * * 6-7"), weekend);
        assert_eq!(days("0 9 * * 6,7"), weekend);
        assert_eq!(days("0 9 * * sat,sun"), weekend);
        let odd = ["Mon", "Wed", "Fri", "Mon", "Wed", "Fri", "Mon"].map(|d| format!("{d} 09:00"));
        assert_eq!(days("0 9 * * 1-5/2"), odd);
        assert_eq!(days("0 9 * * 1,3,5"), odd);
        assert_eq!(days("0 9 * * 0")[0], "Sun 09:00");
        assert_eq!(days("0 9 * * 7")[0], "Sun 09:00");
        assert_eq!(days("30 8 * * *")[0], "Mon 08:30");
    }

    /// `CRON_TZ=` reads the hours and weekdays in that zone, as crontab
    /// does: 09:00 Monday to Friday in Shanghai is 01:00 UTC.
    #[test]
    fn a_cron_time_zone_is_read_as_crontab_reads_it() {
        let s = Schedule::parse("CRON_TZ=Asia/Shanghai 0 9 * * 1-5").unwrap();
        // Friday 2026-11-20 10:00 in Shanghai (02:00 UTC): next is Monday.
        let fri = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        assert_eq!(
            next_due(&s, Some(fri), fri),
            Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
        );
        // Thursday 08:00 in Shanghai: the same day, 09:00 there.
        let thu = Utc.with_ymd_and_hms(2026, 11, 19, 0, 0, 0).unwrap();
        assert_eq!(
            next_due(&s, Some(thu), thu),
            Utc.with_ymd_and_hms(2026, 11, 19, 1, 0, 0).unwrap()
        );
        assert_eq!(
            Schedule::parse("TZ=Europe/Berlin 30 8 * * *").unwrap(),
            Schedule::Cron("0 30 8 * * *".into(), Some(chrono_tz::Tz::Europe__Berlin))
        );
        let e = Schedule::parse("CRON_TZ=Mars/Olympus 0 9 * * *").unwrap_err();
        assert!(e.contains("not a time zone"), "{e}");
        assert!(Schedule::parse("CRON_TZ=UTC every 1h").is_err());
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
