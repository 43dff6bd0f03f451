//! The PDF's charts, drawn as vector shapes and text (not images): the
//! timeline stacked by sentiment with alerts marked, and horizontal bars.

use chrono::{DateTime, Utc};

use crate::store::{Alert, Granularity};

use super::layout::{tint, Layout, Op, Rgb, INK, LINE, MUTED};
use crate::report::{Bucket, Language};

pub const NEGATIVE: Rgb = (0xd6, 0x45, 0x45);
pub const NEUTRAL: Rgb = (0x9a, 0xa5, 0xb1);
pub const POSITIVE: Rgb = (0x3c, 0x9d, 0x5d);
pub const UNSCORED: Rgb = (0xc3, 0xcf, 0xe2);
const ALERT: Rgb = (0xb4, 0x23, 0x18);

/// A round step for about `ticks` ticks up to `max`: 1, 2 or 5 × 10^k.
fn step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// The timeline in the box `(x, y, w, h)`: a legend row, then the plot.
#[allow(clippy::too_many_arguments)]
pub fn timeline(
    l: &mut Layout,
    lang: Language,
    buckets: &[Bucket],
    granularity: Granularity,
    alerts: &[Alert],
    (x, y, w, h): (f32, f32, f32, f32),
) {
    let s = lang.strings();
    // Legend.
    let mut lx = x + 34.0;
    let mut entries: Vec<(Rgb, &str)> = vec![
        (NEGATIVE, s.negative),
        (NEUTRAL, s.neutral),
        (POSITIVE, s.positive),
        (UNSCORED, s.unscored),
    ];
    let starts: Vec<DateTime<Utc>> = buckets.iter().map(|b| b.start).collect();
    let bucket_of = |t: DateTime<Utc>| {
        starts
            .iter()
            .position(|s| *s == granularity.bucket_start(t))
    };
    let mut marked: Vec<usize> = alerts
        .iter()
        .filter_map(|a| bucket_of(a.opened_at))
        .collect();
    marked.sort_unstable();
    marked.dedup();
    if !marked.is_empty() {
        entries.push((ALERT, s.alert));
    }
    for (color, name) in entries {
        if color == ALERT {
            l.line((lx, y + 5.0), (lx + 9.0, y + 5.0), 1.6, ALERT);
        } else {
            l.rect(lx, y + 1.0, 8.0, 8.0, color);
        }
        l.text(lx + 12.0, y + 8.5, 8.0, false, INK, name);
        lx += 12.0 + l.width(name, 8.0, false) + 14.0;
    }
    // Plot area.
    let (px, py) = (x + 34.0, y + 18.0);
    let (pw, ph) = (w - 34.0, h - 18.0 - 16.0);
    let max = buckets
        .iter()
        .map(|b| b.counts.total)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let st = step(max * 1.1, 5.0);
    let y_max = ((max * 1.1) / st).ceil() * st;
    let y_of = |v: f64| py + ph - (v / y_max) as f32 * ph;
    let mut t = 0.0;
    while t <= y_max + 1e-9 {
        let gy = y_of(t);
        l.line(
            (px, gy),
            (px + pw, gy),
            0.5,
            if t == 0.0 { MUTED } else { LINE },
        );
        l.text_right(px - 4.0, gy + 3.0, 7.5, MUTED, &lang.count(t as u64));
        t += st;
    }
    let n = buckets.len().max(1);
    let bw = pw / n as f32;
    for (i, b) in buckets.iter().enumerate() {
        let c = &b.counts;
        let mut below = 0u64;
        for (v, color) in [
            (c.negative, NEGATIVE),
            (c.neutral, NEUTRAL),
            (c.positive, POSITIVE),
            (c.unscored, UNSCORED),
        ] {
            if v == 0 {
                continue;
            }
            let top = y_of((below + v) as f64);
            let bottom = y_of(below as f64);
            l.rect(
                px + i as f32 * bw + bw * 0.12,
                top,
                bw * 0.76,
                bottom - top,
                color,
            );
            below += v;
        }
    }
    // Bucket labels: as many as fit, evenly spaced.
    let hourly = granularity == Granularity::Hour;
    let label_w = l.width(
        &lang.bucket(starts.first().copied().unwrap_or_default(), hourly),
        7.5,
        false,
    ) + 10.0;
    let every = ((label_w / bw).ceil() as usize).max(1);
    for (i, t) in starts.iter().enumerate().step_by(every) {
        let text = lang.bucket(*t, hourly);
        let tw = l.width(&text, 7.5, false);
        let cx = px + (i as f32 + 0.5) * bw;
        l.text(cx - tw / 2.0, py + ph + 11.0, 7.5, false, MUTED, &text);
    }
    for i in marked {
        let cx = px + (i as f32 + 0.5) * bw;
        l.line((cx, py + ph), (cx, py + 6.0), 1.4, ALERT);
        l.push(Op::Poly {
            points: vec![(cx - 4.0, py + 6.0), (cx + 4.0, py + 6.0), (cx, py - 1.0)],
            color: ALERT,
        });
    }
}

/// Horizontal bars, one per `(label, value)` in the order given, with
/// the label and the value on each bar; the height used.
pub fn bars(
    l: &mut Layout,
    lang: Language,
    items: &[(String, u64)],
    color: Rgb,
    x: f32,
    y: f32,
    w: f32,
) -> f32 {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f32;
    let row = 17.0;
    for (i, (label, v)) in items.iter().enumerate() {
        let ry = y + i as f32 * row;
        l.rect(
            x,
            ry + 2.0,
            (w * *v as f32 / max).max(2.0),
            row - 4.0,
            tint(color, 0.35),
        );
        let value = lang.count(*v);
        let vw = l.width(&value, 8.0, true);
        let room = w - vw - 16.0;
        let shown = l.wrap(label, 8.0, false, room, 1).concat();
        l.text(x + 4.0, ry + 11.5, 8.0, false, INK, &shown);
        l.text(
            x + 4.0 + l.width(&shown, 8.0, false) + 6.0,
            ry + 11.5,
            8.0,
            true,
            INK,
            &value,
        );
    }
    items.len() as f32 * row
}
