//! The negative-share detector: the share of negatives in the last 1–3
//! buckets against the watch's share so far (up to a week), a
//! beta-binomial test whose baseline share is as uncertain as the watch's
//! share drifts from day to day.

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

/// The negative-share detector at bucket `i`; `None` without a week of
/// history.
pub fn share(s: &[Point], i: usize, cfg: &DetectorConfig, week: usize) -> Option<Decision> {
    let hist = history(s, i);
    let (p0, a, b) = baseline(s, i, week)?;
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
            days: hist.min(week) as f64 * 7.0 / week as f64,
        };
        windows.push((w, d));
    }
    best_window(&windows)
}

/// The watch's share so far (up to a week, the tested buckets left out) as
/// `(p0, a, b)`: its mean and the Beta it is tested with. From the first
/// hours of a watch, once 30 scored mentions make a share; `None` before.
fn baseline(s: &[Point], i: usize, week: usize) -> Option<(f64, f64, f64)> {
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
    let weight = (base_tot + 2.0)
        .min(SHARE_MAX_WEIGHT)
        .min(share_drift_weight(s, lo, i + 1 - 3, week / 7, p0));
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
    week: usize,
    obs: u64,
    expected: f64,
) -> bool {
    if obs as f64 >= STORM_RATIO * expected {
        return true;
    }
    let Some((_, a, b)) = baseline(s, i, week) else {
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

/// How many mentions the baseline share is worth given how much this
/// watch's share drifts from day to day: the daily shares of
/// `[from, to)` against `p0`, their robust spread (median absolute
/// deviation) less what counting noise explains, as the weight of a Beta
/// with that spread. A watch whose share swings ±15 % from one day to the
/// next is tested against those swings, not against a week's exact share.
/// Unbounded (`f64::INFINITY`) with under three days of 50 mentions.
pub(super) fn share_drift_weight(s: &[Point], from: usize, to: usize, day: usize, p0: f64) -> f64 {
    let day = day.max(1);
    let (mut rel, mut noise) = (Vec::new(), Vec::new());
    let mut end = to;
    while end >= from + day {
        let tot = sum(s, end - day, end, |p| p.total) as f64;
        if tot >= 50.0 {
            let neg = sum(s, end - day, end, |p| p.negative) as f64;
            rel.push((neg / tot - p0) / p0);
            noise.push((1.0 - p0) / (p0 * tot));
        }
        end -= day;
    }
    if rel.len() < 3 {
        return f64::INFINITY;
    }
    let med = median(&rel);
    let dev: Vec<f64> = rel.iter().map(|r| (r - med).abs()).collect();
    let sd = 1.4826 * median(&dev);
    let extra = sd * sd - median(&noise);
    if extra <= 0.0 {
        return f64::INFINITY;
    }
    ((1.0 - p0) / (p0 * extra)).max(SHARE_MIN_BASE)
}
