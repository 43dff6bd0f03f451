//! Series as users give them to `earshot backtest --series`: a
//! `time,total,negative` CSV, and gaps filled with empty buckets.

use chrono::{DateTime, Utc};

use super::Point;

/// Reads a `time,total,negative` CSV (RFC 3339 times, one bucket a line).
pub fn read_csv(text: &str) -> Result<Vec<Point>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if n == 0 {
            let head: Vec<&str> = line.split(',').map(str::trim).collect();
            if head != ["time", "total", "negative"] {
                return Err(format!(
                    "line 1: the header is `{line}`; it must be `time,total,negative`"
                ));
            }
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 3 {
            return Err(format!(
                "line {}: {} fields; write time,total,negative",
                n + 1,
                f.len()
            ));
        }
        let time = DateTime::parse_from_rfc3339(f[0])
            .map_err(|e| format!("line {}: `{}` is not an RFC 3339 time: {e}", n + 1, f[0]))?
            .with_timezone(&Utc);
        let num = |s: &str, what: &str| {
            s.parse::<u64>()
                .map_err(|_| format!("line {}: {what} `{s}` is not a whole number", n + 1))
        };
        let total = num(f[1], "total")?;
        let negative = num(f[2], "negative")?;
        if let Some(prev) = out.last().map(|p: &Point| p.time) {
            if time <= prev {
                return Err(format!(
                    "line {}: {} is not after the line before ({prev}); sort the file by time",
                    n + 1,
                    f[0]
                ));
            }
        }
        out.push(Point {
            time,
            total,
            negative,
        });
    }
    if out.is_empty() {
        return Err("no data lines after the header".into());
    }
    Ok(fill_gaps(&out, chrono::Duration::hours(1)))
}

/// Inserts zero buckets where the series skips buckets.
pub fn fill_gaps(s: &[Point], bucket: chrono::Duration) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(s.len());
    for p in s {
        if let Some(last) = out.last().map(|x| x.time) {
            let mut t = last + bucket;
            while t < p.time {
                out.push(Point {
                    time: t,
                    total: 0,
                    negative: 0,
                });
                t += bucket;
            }
        }
        out.push(*p);
    }
    out
}
