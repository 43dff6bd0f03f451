//! Dates as forums and blogs write them, Chinese and English.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;

/// What relative and zone-less dates are read against.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The site's timezone.
    pub tz: chrono_tz::Tz,
    /// The fetch time.
    pub now: DateTime<Utc>,
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
    parse_absolute(s, ctx).or_else(|| relative(s, ctx))
}

/// The first absolute date (`2013-6-14 13:56`, `2013年6月14日`) in `s`.
pub fn parse_absolute(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    static ABS: OnceLock<Regex> = OnceLock::new();
    let abs = re(
        &ABS,
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T ]?\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?",
    );
    if let Some(c) = abs.captures(s) {
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = NaiveDate::from_ymd_opt(n(1)? as i32, n(2)?, n(3)?)?;
        let time =
            NaiveTime::from_hms_opt(n(4).unwrap_or(0), n(5).unwrap_or(0), n(6).unwrap_or(0))?;
        return local(ctx, date.and_time(time));
    }
    None
}

fn relative(s: &str, ctx: &Context) -> Option<DateTime<FixedOffset>> {
    let now = ctx.now.with_timezone(&ctx.tz);
    if s.starts_with("刚刚") || s.starts_with("剛剛") || s.eq_ignore_ascii_case("just now") {
        return Some(now.fixed_offset());
    }
    if s.starts_with("半小时前") || s.starts_with("半小時前") {
        return Some((now - Duration::minutes(30)).fixed_offset());
    }
    static AGO: OnceLock<Regex> = OnceLock::new();
    let ago = re(
        &AGO,
        r"^(\d+)\s*(秒|分钟|分鐘|小时|小時|天|seconds?|minutes?|mins?|hours?|days?)\s*(前|ago)",
    );
    if let Some(c) = ago.captures(s) {
        let n: i64 = c[1].parse().ok()?;
        let d = match &c[2] {
            "秒" => Duration::seconds(n),
            "分钟" | "分鐘" => Duration::minutes(n),
            "小时" | "小時" => Duration::hours(n),
            "天" => Duration::days(n),
            u if u.starts_with("sec") => Duration::seconds(n),
            u if u.starts_with("min") => Duration::minutes(n),
            u if u.starts_with("hour") => Duration::hours(n),
            _ => Duration::days(n),
        };
        return Some((now - d).fixed_offset());
    }
    static DAYREL: OnceLock<Regex> = OnceLock::new();
    let dayrel = re(
        &DAYREL,
        r"^(今天|昨天|前天|Today|Yesterday)(?:\s*at)?\s*(\d{1,2}):(\d{2})\s*([AaPp][Mm])?",
    );
    if let Some(c) = dayrel.captures(s) {
        let back = match &c[1] {
            "今天" | "Today" => 0,
            "昨天" | "Yesterday" => 1,
            _ => 2,
        };
        let mut h: u32 = c[2].parse().ok()?;
        let m: u32 = c[3].parse().ok()?;
        if let Some(ampm) = c.get(4) {
            let pm = ampm.as_str().eq_ignore_ascii_case("pm");
            h = h % 12 + if pm { 12 } else { 0 };
        }
        let day = now.date_naive() - Duration::days(back);
        return local(ctx, day.and_time(NaiveTime::from_hms_opt(h, m, 0)?));
    }
    match s {
        "昨天" => Some((now - Duration::days(1)).fixed_offset()),
        "前天" => Some((now - Duration::days(2)).fixed_offset()),
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
            ("no date here", None),
            ("2026-13-45", None),
        ];
        for (input, want) in cases {
            let got = parse(input, &ctx).map(|d| d.to_rfc3339());
            assert_eq!(got.as_deref(), *want, "input {input:?}");
        }
    }
}
