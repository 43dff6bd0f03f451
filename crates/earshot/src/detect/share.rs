//! The negative-share detector: the share of negatives in the last 1–3
//! buckets against the watch's share so far (up to a week), a
//! beta-binomial test whose baseline share is as uncertain as the watch's
//! share swings between blocks of a few hours over up to four weeks (at
//! least an assumed day-to-day swing while the watch is a few days old).

use super::stats::beta_binomial_sf;
use super::{
    best_window, floor, history, median, sum, Decision, Detector, DetectorConfig, Point, WINDOWS,
};

/// Scored mentions the share detector needs before it has a baseline.
const SHARE_MIN_BASE: f64 = 30.0;

/// The most mentions the baseline share counts as (its Beta weight): the
/// share of a watch drifts from day to day, so a week of 20,000 mentions
/// does not pin it down to a hair.
const SHARE_MAX_WEIGHT: f64 = 1000.0;

/// The watch's baseline share: `(p0, a, b)`, its mean and the Beta it is
/// tested with (see `baseline`).
pub type ShareBase = (f64, f64, f64);

/// The negative-share detector at bucket `i` against `base` (`baseline`);
/// `None` without one.
pub fn share(
    s: &[Point],
    i: usize,
    cfg: &DetectorConfig,
    week: usize,
    base: Option<ShareBase>,
) -> Option<Decision> {
    let hist = history(s, i);
    let (p0, a, b) = base?;
    let min = floor(s, i, cfg, week);
    let mut windows: Vec<(usize, Decision)> = Vec::new();
    for w in WINDOWS {
        let neg = sum(s, i + 1 - w, i + 1, |p| p.negative);
        let tot = sum(s, i + 1 - w, i + 1, |p| p.total).max(neg);
        let pv = beta_binomial_sf(neg, tot, a, b);
        let share = if tot > 0 {
            neg as f64 / tot as f64
        } else {
            0.0
        };
        let d = Decision {
            detector: Detector::Share,
            fire: pv < cfg.alpha / WINDOWS.len() as f64
                && neg >= min
                && share >= cfg.share_ratio * p0,
            elevated: false,
            observed: neg,
            expected: tot as f64 * p0,
            window: w,
            p_value: pv,
            days: hist.min(SHARE_DRIFT_WEEKS * week) as f64 * 7.0 / week as f64,
            pooled: false,
            volume: 1.0,
            lift: 1.0,
        };
        windows.push((w, d));
    }
    best_window(&windows)
}

/// The watch's share so far (up to a week, the tested buckets left out) as
/// `(p0, a, b)`: its mean and the Beta it is tested with. From the first
/// hours of a watch, once 30 scored mentions make a share; `None` before.
/// Computed once per bucket (`decide`): the share detector and the share
/// support of the count detectors use the same one.
pub(super) fn baseline(s: &[Point], i: usize, week: usize) -> Option<ShareBase> {
    let hist = history(s, i);
    if hist < 4 {
        return None;
    }
    let lo = (i + 1 - hist.min(week)).max(i - hist);
    let base_neg = sum(s, lo, i + 1 - 3, |p| p.negative) as f64;
    let base_tot = sum(s, lo, i + 1 - 3, |p| p.total) as f64;
    if base_tot < SHARE_MIN_BASE {
        return None;
    }
    let p0 = (base_neg + 1.0) / (base_tot + 2.0);
    // The baseline share is itself uncertain (few mentions so far) and
    // drifts from day to day: a Beta of at most SHARE_MAX_WEIGHT mentions.
    let drift_from = (i + 1 - hist.min(SHARE_DRIFT_WEEKS * week)).max(i - hist);
    let rate = base_tot / (i + 1 - 3 - lo).max(1) as f64;
    // A watch of a few days cannot show how far its share swings from one
    // day to the next: assume `EARLY_SHARE_DRIFT` / days at least.
    let days = hist as f64 / (week / 7).max(1) as f64;
    let early = EARLY_SHARE_DRIFT / days.max(1.0);
    let weight = (base_tot + 2.0)
        .min(SHARE_MAX_WEIGHT)
        .min(share_drift_weight(
            s,
            drift_from,
            i + 1 - 3,
            week / 7,
            rate,
            p0,
        ))
        .min(((1.0 - p0) / (p0 * early)).max(SHARE_MIN_BASE));
    Some((p0, p0 * weight, (1.0 - p0) * weight))
}

/// Whether the count detectors may fire on `obs` negatives (`expected`
/// expected) in the last `w` buckets: only where the negative share rose
/// with the count (the share of the window against the watch's share so
/// far, p < `SHARE_SUPPORT`), or where the negatives are `STORM_RATIO`
/// times what is expected whatever the share. When every kind of mention
/// doubles at once (a campaign that works, a busy day the level has not
/// caught up with yet), the count of negatives is up but it is no storm;
/// when all of them quadruple, it is news worth an alert. Without a share
/// yet (under 30 scored mentions) the count alone decides.
pub(super) fn supports(
    s: &[Point],
    i: usize,
    w: usize,
    base: Option<ShareBase>,
    obs: u64,
    expected: f64,
) -> bool {
    if obs as f64 >= STORM_RATIO * expected {
        return true;
    }
    let Some((_, a, b)) = base else {
        return true;
    };
    let neg = sum(s, (i + 1).saturating_sub(w), i + 1, |p| p.negative);
    let tot = sum(s, (i + 1).saturating_sub(w), i + 1, |p| p.total).max(neg);
    beta_binomial_sf(neg, tot, a, b) < SHARE_SUPPORT
}

/// The share's p-value under which it supports a count alert.
const SHARE_SUPPORT: f64 = 0.05;

/// Negatives over expected at which a count alert needs no share support.
const STORM_RATIO: f64 = 4.0;

/// Weeks of history (at most) that show how far the share swings.
const SHARE_DRIFT_WEEKS: usize = 4;

/// Mentions a block of the drift estimate holds on average.
const SHARE_BLOCK_MENTIONS: f64 = 100.0;

/// How many mentions the baseline share is worth given how much this
/// watch's share swings: the shares of blocks of a few hours of
/// `[from, to)` (up to four weeks) against `p0`, their robust spread less
/// what counting noise explains, as the weight of a Beta with that spread.
/// The tested windows are 1–3 hours, so the swings that matter are those
/// between blocks of hours (a day whose share is up, an evening that
/// differs from the morning), and weeks of blocks show them steadily where a
/// week of daily shares (seven numbers) often shows too little. A block is
/// at least an eighth of a day, longer on a quiet watch (about
/// `SHARE_BLOCK_MENTIONS` mentions each). The spread solves, over the blocks,
/// median of (deviation² / (counting noise + extra)) = median of χ²₁: robust
/// to earlier storms, and right for blocks of unequal size. Unbounded
/// (`f64::INFINITY`) with under `SHARE_MIN_BLOCKS` blocks.
pub(super) fn share_drift_weight(
    s: &[Point],
    from: usize,
    to: usize,
    day: usize,
    rate: f64,
    p0: f64,
) -> f64 {
    let day = day.max(1);
    let block =
        ((SHARE_BLOCK_MENTIONS / rate.max(1e-9)).ceil() as usize).clamp((day / 8).max(1), day);
    let (mut rel, mut noise) = (Vec::new(), Vec::new());
    let mut end = to;
    while end >= from + block {
        let tot = sum(s, end - block, end, |p| p.total) as f64;
        if tot >= SHARE_BLOCK_MENTIONS / 2.0 {
            let neg = sum(s, end - block, end, |p| p.negative) as f64;
            rel.push((neg / tot - p0) / p0);
            noise.push((1.0 - p0) / (p0 * tot));
        }
        end -= block;
    }
    if rel.len() < SHARE_MIN_BLOCKS {
        return f64::INFINITY;
    }
    let med = median(&rel);
    let dev2: Vec<f64> = rel.iter().map(|r| (r - med).powi(2)).collect();
    // Median of chi-square with one degree of freedom.
    const CHI2_MEDIAN: f64 = 0.454_936;
    let at = |extra: f64| {
        let z: Vec<f64> = dev2
            .iter()
            .zip(&noise)
            .map(|(d, n)| d / (n + extra))
            .collect();
        median(&z)
    };
    if at(0.0) <= CHI2_MEDIAN {
        return f64::INFINITY;
    }
    // `at` falls as `extra` grows: bisect on a log scale.
    let (mut lo, mut hi) = (1e-6f64, 4.0f64);
    if at(hi) > CHI2_MEDIAN {
        lo = hi;
    }
    for _ in 0..30 {
        let mid = (lo * hi).sqrt();
        if at(mid) > CHI2_MEDIAN {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    ((1.0 - p0) / (p0 * hi)).max(SHARE_MIN_BASE)
}

/// The relative variance of a day's share assumed of a watch with one day
/// of history, divided by the days it has (0.03 is a swing of about ±17 %
/// between two days, ±7 % after a week), until its own swings show.
const EARLY_SHARE_DRIFT: f64 = 0.03;

/// Least blocks for a drift estimate.
const SHARE_MIN_BLOCKS: usize = 6;

#[cfg(test)]
mod tests {
    use super::super::{run, DetectorConfig, Point};
    use chrono::{Duration, TimeZone, Utc};

    /// A busy watch (1,000 mentions an hour) whose negative share moves from
    /// day to day (log-normal, ±15 %), seeded: counting noise is nothing
    /// next to those swings.
    fn swinging(seed: u64, hours: usize) -> Vec<Point> {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        let mut x = seed;
        let mut u = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64).max(1e-12)
        };
        let share0 = 0.2;
        let mut share = share0;
        (0..hours)
            .map(|h| {
                if h % 24 == 0 {
                    let z = (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos();
                    share = share0 * (0.15 * z).exp();
                }
                let shape = 1.0 + 0.6 * (std::f64::consts::PI * (h % 24) as f64 / 12.0).sin();
                let total = (1000.0 * shape).round();
                Point {
                    time: t0 + Duration::hours(h as i64),
                    total: total as u64,
                    negative: (total * share).round() as u64,
                }
            })
            .collect()
    }

    /// Days whose share is up by a third are this watch's ordinary days, not
    /// storms: the share's baseline is as wide as its swings between blocks
    /// of hours over the weeks seen (a week of seven daily shares used to
    /// under-read them, and the share detector alerted on ordinary days).
    /// A storm that doubles the share for three hours still shows at once.
    #[test]
    fn a_share_that_swings_from_day_to_day_raises_nothing_but_a_storm_shows() {
        let cfg = DetectorConfig::default();
        for seed in 1..=6u64 {
            let s = swinging(seed, 24 * 7 * 6);
            let eps = run(&s, &cfg, Duration::hours(1), None);
            assert!(eps.is_empty(), "seed {seed}: {eps:#?}");
        }
        let mut s = swinging(3, 24 * 7 * 6);
        let at = 24 * 7 * 5 + 14;
        for p in &mut s[at..at + 3] {
            let more = p.negative * 3 / 2;
            p.negative += more;
            p.total += more;
        }
        let eps = run(&s, &cfg, Duration::hours(1), None);
        assert_eq!(eps.len(), 1, "{eps:#?}");
        assert!(eps[0].opened <= s[at + 1].time, "{eps:#?}");
    }
}
