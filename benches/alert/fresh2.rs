//! `fresh2`: a second held-out family for the first-month table (issue
//! #25), written before the detector changes of 2026-12-06 and run once
//! after them, never tuned on (see README: any later change has seen it). Its shapes are unlike the other four
//! families on purpose. Each watch is one of three kinds (by seed):
//!
//! * **consumer brand**: an evening-and-late-night day, weekends heavy
//!   (Friday ×1.2, Saturday ×1.6, Sunday ×1.5), two sale days in the run at
//!   ×1.8 of all mentions (negatives included), a negative share of 15–25 %;
//! * **night shift** (a service whose users are awake at night, or an
//!   audience in another time zone): the peak from 1 h to 5 h, a midday
//!   trough, a flat week, a daylight-saving jump of the daily shape by one
//!   hour in week 5–8, a negative share of 10–20 %;
//! * **news watch**: mostly neutral mentions (a negative share of 4–8 %),
//!   a weekday shape, and news surges every 3–7 days: ×3 of the
//!   non-negative mentions for 6–12 hours, with negatives ×1.1 only.
//!
//! Common to all: compound growth of +50 % over the 12 weeks; a day level
//! that persists (AR(1) in log, ±10 % a day, 0.7 carried over), hourly
//! Gamma noise (shape 40, ±16 %); a lasting step of the negative share
//! (×0.8 to ×1.3, from a day in weeks 3–10: a product change); one crawler
//! outage of 4–10 hours (zero counts) in a third of the watches.
//!
//! Bursts (the truth): from day 3 on, one every 4–9 days, ×3 to ×10 the
//! watch's average hourly negatives, lasting 2 to 8 hours; half of them
//! start at full size, half ramp up over 3 hours (1/3, 2/3, then full).
//! The burst starts (for scoring) at its first hour, ramp included.

use chrono::{Duration, TimeZone, Utc};

use super::{Point, Rng, Timeline};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Consumer,
    Night,
    News,
}

fn profile(kind: Kind, hod: usize) -> f64 {
    // Each has a mean of about 1.
    const CONSUMER: [f64; 24] = [
        1.2, 0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.2,
        1.5, 1.8, 2.0, 2.1, 1.9, 1.6,
    ];
    const NIGHT: [f64; 24] = [
        1.5, 1.9, 2.1, 2.2, 2.0, 1.7, 1.2, 0.8, 0.6, 0.5, 0.45, 0.4, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8,
        0.9, 1.0, 1.1, 1.2, 1.3, 1.4,
    ];
    const NEWS: [f64; 24] = [
        0.4, 0.3, 0.25, 0.25, 0.3, 0.5, 0.9, 1.4, 1.7, 1.6, 1.4, 1.3, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2,
        1.2, 1.1, 1.0, 0.9, 0.7, 0.5,
    ];
    match kind {
        Kind::Consumer => CONSUMER[hod % 24],
        Kind::Night => NIGHT[hod % 24],
        Kind::News => NEWS[hod % 24],
    }
}

fn weekly(kind: Kind, dow: usize) -> f64 {
    const CONSUMER: [f64; 7] = [0.85, 0.85, 0.9, 0.95, 1.2, 1.6, 1.5];
    const NEWS: [f64; 7] = [1.1, 1.1, 1.1, 1.1, 1.0, 0.6, 0.6];
    match kind {
        Kind::Consumer => CONSUMER[dow % 7],
        Kind::Night => 1.0,
        Kind::News => NEWS[dow % 7],
    }
}

/// A `fresh2` watch of about `rate` mentions an hour, `weeks` long.
pub fn generate(seed: u64, rate: f64, weeks: usize) -> Timeline {
    let mut r = Rng(seed ^ 0xF2E5_4F2E_5F2E_5F2E);
    let hours = weeks * 168;
    let days = hours / 24;
    let kind = match r.next() % 3 {
        0 => Kind::Consumer,
        1 => Kind::Night,
        _ => Kind::News,
    };
    let base = rate * (0.85 + 0.3 * r.f());
    let share0 = match kind {
        Kind::Consumer => 0.15 + 0.10 * r.f(),
        Kind::Night => 0.10 + 0.10 * r.f(),
        Kind::News => 0.04 + 0.04 * r.f(),
    };
    let step_day = 14 + (r.next() % 56) as usize;
    let step = 0.8 + 0.5 * r.f();
    let dst_day = 28 + (r.next() % 28) as usize;
    let sales: Vec<usize> = (0..2)
        .map(|_| 3 + (r.next() % (days as u64 - 3)) as usize)
        .collect();
    let outage = if r.next() % 3 == 0 {
        let s = 24 * 3 + (r.next() % (hours as u64 - 24 * 4)) as usize;
        Some((s, 4 + (r.next() % 7) as usize))
    } else {
        None
    };
    let mut news = Vec::new();
    let mut nh = 24 + (r.next() % 72) as usize;
    while kind == Kind::News && nh < hours {
        news.push((nh, 6 + (r.next() % 7) as usize));
        nh += 24 * 3 + (r.next() % (24 * 4)) as usize;
    }
    let mut bursts = Vec::new();
    let mut sizes = Vec::new();
    let mut ramps = Vec::new();
    let mut h = 48 + (r.next() % 48) as usize;
    loop {
        let d = 2 + (r.next() % 7) as usize;
        if h + d >= hours - 24 {
            break;
        }
        bursts.push((h, d));
        sizes.push(3.0 + 7.0 * r.f());
        ramps.push(r.next() % 2 == 0);
        h += 24 * 4 + (r.next() % (24 * 5)) as usize;
    }
    // An outage over a burst would hide it: none there.
    let outage = outage.filter(|&(s, d)| {
        !bursts
            .iter()
            .any(|&(bs, bd)| bs < s + d + 2 && s < bs + bd + 2)
    });
    let t0 = Utc
        .with_ymd_and_hms(2026, 9, 7, 0, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::hours((seed % 167) as i64);
    let mut level_ln: f64 = 0.0;
    let mut points = Vec::with_capacity(hours);
    let mut rate = Vec::with_capacity(hours);
    for h in 0..hours {
        let t = t0 + Duration::hours(h as i64);
        let hod = chrono::Timelike::hour(&t) as usize;
        let dow = chrono::Datelike::weekday(&t).num_days_from_monday() as usize;
        let day = h / 24;
        if h == 0 || hod == 0 {
            level_ln = 0.7 * level_ln + 0.07 * r.normal();
        }
        let shape_hod = if kind == Kind::Night && day >= dst_day {
            (hod + 1) % 24
        } else {
            hod
        };
        let growth = 1.5f64.powf(h as f64 / hours as f64);
        let sale = if kind == Kind::Consumer && sales.contains(&day) {
            1.8
        } else {
            1.0
        };
        let noise = r.gamma_unit(40);
        let lam = base
            * profile(kind, shape_hod)
            * weekly(kind, dow)
            * growth
            * sale
            * level_ln.exp()
            * noise;
        let share = if day >= step_day {
            (share0 * step).min(0.6)
        } else {
            share0
        };
        let surge = news.iter().any(|&(s, d)| h >= s && h < s + d);
        let out = outage.is_some_and(|(s, d)| h >= s && h < s + d);
        rate.push(if out {
            0.0
        } else {
            lam * share * if surge { 1.1 } else { 1.0 }
        });
        let mut neg = r.poisson(lam * share * if surge { 1.1 } else { 1.0 });
        let other = r.poisson(lam * (1.0 - share) * if surge { 3.0 } else { 1.0 });
        if let Some(k) = bursts.iter().position(|&(s, d)| h >= s && h < s + d) {
            let into = h - bursts[k].0;
            let ramp = if ramps[k] {
                ((into + 1) as f64 / 3.0).min(1.0)
            } else {
                1.0
            };
            neg += r.poisson((sizes[k] - 1.0) * ramp * base * share0);
        }
        points.push(Point {
            time: t,
            total: if out { 0 } else { neg + other },
            negative: if out { 0 } else { neg },
        });
    }
    Timeline {
        points,
        bursts,
        sizes,
        rate,
    }
}
