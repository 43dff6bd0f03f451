//! `office`: a family for the first-month table (issue #25), written held
//! out on 2026-12-07 before the pooled cold-start baseline (the
//! neighbouring hours of the same day) and run once before and once after
//! it, never tuned on; its false alerts were looked at after that run, so
//! it is labelled seen (see README). Its shapes are unlike the other five
//! families on purpose. Each watch is one of two kinds (by seed):
//!
//! * **B2B brand** (a software vendor, a bank's business desk): office
//!   hours on weekdays — next to nothing at night (×0.08), a ramp from
//!   7 h, peaks at 10 h and 15 h, a lunchtime dip at 12–13 h — weekends at
//!   ×0.15, four to six public holidays in the run at weekend level (one of
//!   them a two-day bridge), a trade-fair week of three days at ×1.6, a
//!   negative share of 8–18 %; storms mostly in office hours (four in five
//!   start between 8 h and 18 h, where the baseline is highest);
//! * **news-driven brand** (a utility, an airline): a flat day with a
//!   morning and an evening bump, no weekly shape, and a heavy-tailed daily
//!   volume: each day's level is log-normal (±25 %), and on one day in
//!   eight a story lifts every kind of mention (negatives included) by
//!   ×1.5–×3.5 (Pareto-distributed), fading over the two days after; a
//!   negative share of 10–22 %.
//!
//! Common to both: growth of +20–40 % over the 12 weeks, hourly Gamma noise
//! (shape 30, ±18 %), Poisson counts.
//!
//! Bursts (the truth): from day 2 on, one every 4–9 days, ×3 to ×10 the
//! watch's average hourly negatives, lasting 2 to 8 hours, at full size
//! from their first hour.

use chrono::{Duration, TimeZone, Utc};

use super::{Point, Rng, Timeline};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    B2b,
    News,
}

/// The B2B profile's mean over a week (weekends at ×0.15): its hours are
/// divided by it, so that `rate` is the watch's average hour.
const B2B_WEEK_MEAN: f64 = 0.73;

fn profile(kind: Kind, hod: usize) -> f64 {
    // Each has a mean of about 1 (B2B over a week, see `B2B_WEEK_MEAN`).
    const B2B: [f64; 24] = [
        0.08, 0.08, 0.08, 0.08, 0.08, 0.1, 0.2, 0.6, 1.4, 2.2, 2.6, 2.3, 1.4, 1.3, 2.1, 2.5, 2.2,
        1.6, 0.9, 0.5, 0.35, 0.25, 0.15, 0.1,
    ];
    const NEWS: [f64; 24] = [
        0.6, 0.5, 0.45, 0.45, 0.5, 0.7, 1.0, 1.3, 1.35, 1.2, 1.1, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05,
        1.1, 1.2, 1.3, 1.3, 1.2, 1.0, 0.8,
    ];
    match kind {
        Kind::B2b => B2B[hod % 24] / B2B_WEEK_MEAN,
        Kind::News => NEWS[hod % 24],
    }
}

/// An `office` watch of about `rate` mentions an hour, `weeks` long.
pub fn generate(seed: u64, rate: f64, weeks: usize) -> Timeline {
    let mut r = Rng(seed ^ 0x0FF1_CE00_B2B0_0FF1);
    let hours = weeks * 168;
    let days = hours / 24;
    let kind = if r.next() % 2 == 0 {
        Kind::B2b
    } else {
        Kind::News
    };
    let base = rate * (0.85 + 0.3 * r.f());
    let share0 = match kind {
        Kind::B2b => 0.08 + 0.10 * r.f(),
        Kind::News => 0.10 + 0.12 * r.f(),
    };
    let growth_total = 0.2 + 0.2 * r.f();
    // B2B: public holidays (one a two-day bridge) and a trade-fair week.
    let mut holidays: Vec<usize> = (0..4 + (r.next() % 3) as usize)
        .map(|_| 2 + (r.next() % (days as u64 - 2)) as usize)
        .collect();
    if let Some(&first) = holidays.first() {
        holidays.push(first + 1);
    }
    let fair = 7 + (r.next() % (days as u64 - 14)) as usize;
    // News: the story days and their size.
    let stories: Vec<(usize, f64)> = (0..days)
        .filter_map(|d| {
            let hit = r.next() % 8 == 0;
            // Pareto(α = 2) from 1.5, capped at 3.5.
            let lift = (1.5 / r.f().max(1e-9).sqrt()).min(3.5);
            (hit && kind == Kind::News).then_some((d, lift))
        })
        .collect();
    let t0 = Utc
        .with_ymd_and_hms(2026, 10, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::hours((seed % 167) as i64);
    let hod_at = |h: usize| chrono::Timelike::hour(&(t0 + Duration::hours(h as i64))) as usize;
    let mut bursts = Vec::new();
    let mut sizes = Vec::new();
    let mut h = 24 + (r.next() % 48) as usize;
    loop {
        let d = 2 + (r.next() % 7) as usize;
        if kind == Kind::B2b && r.next() % 5 != 0 {
            // Into office hours: the next start between 8 h and 18 h.
            while !(8..18).contains(&hod_at(h)) {
                h += 1;
            }
            h += (r.next() % 3) as usize;
        }
        if h + d >= hours - 24 {
            break;
        }
        bursts.push((h, d));
        sizes.push(3.0 + 7.0 * r.f());
        h += 24 * 4 + (r.next() % (24 * 5)) as usize;
    }
    if std::env::var("ALERT_BENCH_DEBUG").is_ok() {
        let kind = if kind == Kind::B2b { "b2b" } else { "news" };
        eprintln!("office kind {kind}; story days {stories:?}");
    }
    let mut day_level = 1.0;
    let mut points = Vec::with_capacity(hours);
    let mut rate = Vec::with_capacity(hours);
    for h in 0..hours {
        let t = t0 + Duration::hours(h as i64);
        let hod = chrono::Timelike::hour(&t) as usize;
        let dow = chrono::Datelike::weekday(&t).num_days_from_monday() as usize;
        let day = h / 24;
        if h == 0 || hod == 0 {
            day_level = match kind {
                Kind::B2b => (0.08 * r.normal()).exp(),
                Kind::News => (0.25 * r.normal()).exp(),
            };
        }
        let growth = 1.0 + growth_total * h as f64 / hours as f64;
        let calendar = match kind {
            Kind::B2b => {
                if dow >= 5 || holidays.contains(&day) {
                    0.15
                } else if (fair..fair + 3).contains(&day) {
                    1.6
                } else {
                    1.0
                }
            }
            Kind::News => stories
                .iter()
                .filter(|&&(d, _)| day >= d && day < d + 3)
                .map(|&(d, lift)| 1.0 + (lift - 1.0) * [1.0, 0.5, 0.2][day - d])
                .fold(1.0, f64::max),
        };
        let noise = r.gamma_unit(30);
        let lam = base * profile(kind, hod) * calendar * growth * day_level * noise;
        rate.push(lam * share0);
        let mut neg = r.poisson(lam * share0);
        let other = r.poisson(lam * (1.0 - share0));
        if let Some(k) = bursts.iter().position(|&(s, d)| h >= s && h < s + d) {
            neg += r.poisson((sizes[k] - 1.0) * base * share0);
        }
        points.push(Point {
            time: t,
            total: neg + other,
            negative: neg,
        });
    }
    Timeline {
        points,
        bursts,
        sizes,
        rate,
    }
}
