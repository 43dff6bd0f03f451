//! Dates as forums and blogs write them, Chinese and English.

use std::sync::OnceLock;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use regex::Regex;

/// What relative and zone-less dates are read against.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The site's timezone.
    pub tz: chrono_tz::Tz,
    /// The fetch time.
    pub now: DateTime<Utc>,
}

/// The context the extractor's unit tests read dates in: Shanghai,
/// fetched 2026-11-23 00:00 UTC.
#[cfg(test)]
pub(crate) fn test_context() -> Context {
    Context {
        tz: chrono_tz::Asia::Shanghai,
        now: Utc
            .with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
            .single()
            .unwrap_or_default(),
    }
}

fn local(ctx: &Context, dt: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    ctx.tz
        .from_local_datetime(&dt)
        .earliest()
        .map(|d| d.fixed_offset())
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("static date regex"))
}

/// Parses a date; `None` when the text holds none.
pub fn parse(raw: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    let s = raw.replace('\u{a0}', " ");
    let s = s.trim();
    let s = [
        "发表于",
        "發表於",
        "发布于",
        "發佈於",
        "发表时间：",
        "Posted on",
        "posted on",
        "Published",
    ]
    .iter()
    .fold(s, |acc, p| acc.strip_prefix(p).unwrap_or(acc))
    .trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    // ISO 8601 with an offset written without a colon, or after a space.
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d);
        }
    }
    parse_absolute(s, ctx)
        .or_else(|| english(s, ctx))
        .or_else(|| relative(s, ctx))
        .or_else(|| month_day(s, ctx))
}

/// Hour on a 24-hour clock from a 12-hour one: `pm`/`下午`/`晚上` add 12.
fn hour24(h: u32, marker: Option<&str>) -> u32 {
    match marker.map(str::to_ascii_lowercase).as_deref() {
        Some("pm") | Some("下午") | Some("晚上") | Some("中午") if h < 12 => h + 12,
        Some("am") | Some("凌晨") | Some("上午") if h == 12 => 0,
        _ => h,
    }
}

fn month_number(name: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let n = name.to_ascii_lowercase();
    M.iter()
        .position(|m| n.starts_with(m))
        .map(|i| i as u32 + 1)
}

/// English dates with month names: `Nov 19, 2026`, `November 18, 2026 at
/// 10:02 am`, `19 Nov 2026 14:00`.
fn english(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    static MDY: OnceLock<Regex> = OnceLock::new();
    static DMY: OnceLock<Regex> = OnceLock::new();
    let time = r"(?:,?\s*(?:at\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?";
    let mdy = re(
        &MDY,
        &format!(r"(?i)\b([A-Za-z]{{3,9}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){time}"),
    );
    let dmy = re(
        &DMY,
        &format!(r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+([A-Za-z]{{3,9}})\.?,?\s+(\d{{4}}){time}"),
    );
    let (month, day, year, c) = if let Some(c) = mdy.captures(s) {
        (
            month_number(&c[1])?,
            c[2].parse().ok()?,
            c[3].parse().ok()?,
            c,
        )
    } else if let Some(c) = dmy.captures(s) {
        (
            month_number(&c[2])?,
            c[1].parse().ok()?,
            c[3].parse().ok()?,
            c,
        )
    } else {
        return None;
    };
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let h = hour24(n(4).unwrap_or(0), c.get(7).map(|m| m.as_str()));
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let time = NaiveTime::from_hms_opt(h, n(5).unwrap_or(0), n(6).unwrap_or(0))?;
    local(ctx, date.and_time(time))
}

/// `11-20 09:12` or `11月20日 09:12`: this year in the site's timezone, or
/// last year when that would lie more than a day ahead of the fetch.
fn month_day(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    static MD: OnceLock<Regex> = OnceLock::new();
    let md = re(
        &MD,
        r"^(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$",
    );
    let c = md.captures(s)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let now = ctx.now.with_timezone(&ctx.tz);
    let time = NaiveTime::from_hms_opt(n(3)?, n(4)?, n(5).unwrap_or(0))?;
    let this = NaiveDate::from_ymd_opt(now.year(), n(1)?, n(2)?)?;
    let d = local(ctx, this.and_time(time))?;
    if d > (now + Duration::days(1)).fixed_offset() {
        let last = NaiveDate::from_ymd_opt(now.year() - 1, n(1)?, n(2)?)?;
        return local(ctx, last.and_time(time));
    }
    Some(d)
}

/// The first absolute date (`2013-6-14 13:56`, `2013年6月14日`) in `s`.
pub fn parse_absolute(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    static ABS: OnceLock<Regex> = OnceLock::new();
    let abs = re(
        &ABS,
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T ]?\s*(上午|下午|晚上|凌晨|中午)?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?",
    );
    if let Some(c) = abs.captures(s) {
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = NaiveDate::from_ymd_opt(n(1)? as i32, n(2)?, n(3)?)?;
        let marker = c.get(4).or(c.get(8)).map(|m| m.as_str());
        let h = hour24(n(5).unwrap_or(0), marker);
        let time = NaiveTime::from_hms_opt(h, n(6).unwrap_or(0), n(7).unwrap_or(0))?;
        return local(ctx, date.and_time(time));
    }
    None
}

fn relative(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    let now = ctx.now.with_timezone(&ctx.tz);
    let lower = s.to_lowercase();
    let s = lower.as_str();
    if s.starts_with("刚刚") || s.starts_with("剛剛") || s == "just now" || s == "now" {
        return Some(now.fixed_offset());
    }
    if s.starts_with("半小时前") || s.starts_with("半小時前") || s == "half an hour ago" {
        return Some((now - Duration::minutes(30)).fixed_offset());
    }
    static AGO: OnceLock<Regex> = OnceLock::new();
    let ago = re(
        &AGO,
        r"^(\d+|an?|one)\s*(秒钟?|秒鐘|分钟|分鐘|小时|小時|个小时|個小時|天|日|周|週|星期|个月|個月|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s*(前|之前|ago)$",
    );
    if let Some(c) = ago.captures(s) {
        let n: i64 = match &c[1] {
            "a" | "an" | "one" => 1,
            d => d.parse().ok()?,
        };
        let unit = &c[2];
        // Checked: "99999999999 days ago" is not a date, and must not panic.
        let d = match unit {
            u if u.starts_with('秒') || u.starts_with("sec") => Duration::try_seconds(n),
            u if u.starts_with('分') || u.starts_with("min") => Duration::try_minutes(n),
            u if u.contains('时') || u.contains('時') || u.starts_with('h') => {
                Duration::try_hours(n)
            }
            "周" | "週" | "星期" => Duration::try_weeks(n),
            u if u.starts_with("week") => Duration::try_weeks(n),
            u if u.contains('月') || u.starts_with("month") => {
                n.checked_mul(30).and_then(Duration::try_days)
            }
            _ => Duration::try_days(n),
        }?;
        return now.checked_sub_signed(d).map(|t| t.fixed_offset());
    }
    static DAYREL: OnceLock<Regex> = OnceLock::new();
    let dayrel = re(
        &DAYREL,
        r"^(今天|昨天|前天|today|yesterday)\s*(?:at\s*)?(上午|下午|晚上|凌晨|中午)?\s*(\d{1,2})[:：](\d{2})\s*([ap]m)?",
    );
    let back = |w: &str| match w {
        "今天" | "today" => 0,
        "昨天" | "yesterday" => 1,
        _ => 2,
    };
    if let Some(c) = dayrel.captures(s) {
        let h: u32 = c[3].parse().ok()?;
        let m: u32 = c[4].parse().ok()?;
        let h = hour24(h, c.get(2).or(c.get(5)).map(|m| m.as_str()));
        let day = now.date_naive() - Duration::days(back(&c[1]));
        return local(ctx, day.and_time(NaiveTime::from_hms_opt(h, m, 0)?));
    }
    match s {
        "今天" | "today" | "昨天" | "yesterday" | "前天" => {
            Some((now - Duration::days(back(s))).fixed_offset())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ctx = Context {
            tz: chrono_tz::Asia::Shanghai,
            now: Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap(), // 14:00 in Shanghai
        };
        let cases: &[(&str, Option<&str>)] = &[
            (
                "发表于 2013-6-14 13:56:07",
                Some("2013-06-14T13:56:07+08:00"),
            ),
            ("发表于 2013-6-14 13:56", Some("2013-06-14T13:56:00+08:00")),
            ("發表於 2013-06-14 13:56", Some("2013-06-14T13:56:00+08:00")),
            ("2013年6月14日 13:56", Some("2013-06-14T13:56:00+08:00")),
            (
                "2026-11-18T10:02:11+00:00",
                Some("2026-11-18T10:02:11+00:00"),
            ),
            (
                "Wed, 18 Nov 2026 08:30:00 +0000",
                Some("2026-11-18T08:30:00+00:00"),
            ),
            ("刚刚", Some("2026-11-23T14:00:00+08:00")),
            ("3分钟前", Some("2026-11-23T13:57:00+08:00")),
            ("半小时前", Some("2026-11-23T13:30:00+08:00")),
            ("3小时前", Some("2026-11-23T11:00:00+08:00")),
            ("昨天 13:56", Some("2026-11-22T13:56:00+08:00")),
            ("前天 09:05", Some("2026-11-21T09:05:00+08:00")),
            ("2 hours ago", Some("2026-11-23T12:00:00+08:00")),
            ("Yesterday at 3:04 PM", Some("2026-11-22T15:04:00+08:00")),
            ("發表於 2013-6-14", Some("2013-06-14T00:00:00+08:00")),
            ("发表于 3\u{a0}天前", Some("2026-11-20T14:00:00+08:00")),
            ("2013年6月14日 下午1:56", Some("2013-06-14T13:56:00+08:00")),
            ("2026-11-18 3:04 PM", Some("2026-11-18T15:04:00+08:00")),
            ("2026-11-18T10:02:11", Some("2026-11-18T10:02:11+08:00")),
            ("2026-11-18T10:02:11Z", Some("2026-11-18T10:02:11+00:00")),
            (
                "2026-11-18T10:02:11.250+0800",
                Some("2026-11-18T10:02:11.250+08:00"),
            ),
            (
                "2026-11-18 10:02:11 +0100",
                Some("2026-11-18T10:02:11+01:00"),
            ),
            ("2026-11-14", Some("2026-11-14T00:00:00+08:00")),
            (
                "Wed, 18 Nov 2026 08:30:00 GMT",
                Some("2026-11-18T08:30:00+00:00"),
            ),
            ("Nov 19, 2026", Some("2026-11-19T00:00:00+08:00")),
            (
                "November 18, 2026 at 3:47 pm",
                Some("2026-11-18T15:47:00+08:00"),
            ),
            ("19 Nov 2026 14:00", Some("2026-11-19T14:00:00+08:00")),
            (
                "by alice » Thu Nov 19, 2026 7:48 am",
                Some("2026-11-19T07:48:00+08:00"),
            ),
            ("2026/11/19 下午 3:04", Some("2026-11-19T15:04:00+08:00")),
            ("剛剛", Some("2026-11-23T14:00:00+08:00")),
            ("just now", Some("2026-11-23T14:00:00+08:00")),
            ("30秒前", Some("2026-11-23T13:59:30+08:00")),
            ("5 分鐘前", Some("2026-11-23T13:55:00+08:00")),
            ("半小時前", Some("2026-11-23T13:30:00+08:00")),
            ("1个小时前", Some("2026-11-23T13:00:00+08:00")),
            ("2天前", Some("2026-11-21T14:00:00+08:00")),
            ("1周前", Some("2026-11-16T14:00:00+08:00")),
            ("昨天", Some("2026-11-22T14:00:00+08:00")),
            ("前天", Some("2026-11-21T14:00:00+08:00")),
            ("今天 08:15", Some("2026-11-23T08:15:00+08:00")),
            ("昨天 下午 3:04", Some("2026-11-22T15:04:00+08:00")),
            ("an hour ago", Some("2026-11-23T13:00:00+08:00")),
            ("5 mins ago", Some("2026-11-23T13:55:00+08:00")),
            ("3 days ago", Some("2026-11-20T14:00:00+08:00")),
            ("2 weeks ago", Some("2026-11-09T14:00:00+08:00")),
            ("yesterday at 12:30 AM", Some("2026-11-22T00:30:00+08:00")),
            ("Today at 9:00 am", Some("2026-11-23T09:00:00+08:00")),
            ("11-20 09:12", Some("2026-11-20T09:12:00+08:00")),
            ("12-30 09:12", Some("2025-12-30T09:12:00+08:00")),
            ("no date here", None),
            ("Posted 12 2026", None),
            ("99 hours from now", None),
            ("99999999999999999 days ago", None),
            ("9223372036854775807 months ago", None),
            ("99999999999 weeks ago", None),
            ("", None),
            ("2026-13-45", None),
        ];
        for (input, want) in cases {
            let got = parse(input, &ctx).map(|d| d.to_rfc3339());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }
}
