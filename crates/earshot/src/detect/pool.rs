//! The pooled day baseline of the cold start: what a window is expected to
//! hold, from the same hours of earlier days and the hours beside them.
//!
//! A watch of 20–50 mentions an hour has two to eight negatives in an hour:
//! with only the same hour of earlier days as its baseline, its first days
//! are a handful of counts and the test has to stay wide. The windows just
//! before and just after it on each earlier day (as long as the tested
//! window, so that they share no bucket with it) hold as much again, so
//! they join the baseline, each scaled by how much busier the tested hours
//! of the day are than that neighbour (the totals of all mentions over the
//! days seen: a daily shape that far more mentions pin down than the
//! negatives alone). A neighbour counts for `NEIGHBOUR_WEIGHT` of a sample
//! of the same hour: its shape ratio is itself estimated. It is left out
//! where the shape is too steep (`SHAPE_RANGE`) or rests on too few
//! mentions (`SHAPE_MIN_MENTIONS`), and pooling stops where the same hours
//! expect `POOL_MAX_EXPECTED` negatives or more (a busy watch's baseline is
//! wide by its day-to-day swings, not by its counts) and for windows longer
//! than `MAX_POOLED_WINDOW`.
//!
//! Nothing switches on a given day: each earlier day adds its hours and
//! their neighbours as soon as it is there, so the baseline sharpens day by
//! day, and a watch whose history was crawled at once has all of it at its
//! first evaluation.

use super::{sum, Point};

/// What a neighbour's sample weighs against a sample of the same hours.
pub(super) const NEIGHBOUR_WEIGHT: f64 = 0.5;

/// Pooling stops where the same-hour samples expect this many negatives.
pub(super) const POOL_MAX_EXPECTED: f64 = 30.0;

/// Longest window pooled: the neighbours of a 3-hour window lie 3 hours
/// away, where the daily shape has moved on (pooling it cost the benchmark
/// a false alert); the long windows of a quiet watch pool hours by their
/// length already.
const MAX_POOLED_WINDOW: usize = 2;

/// Least mentions (totals over the days) on either side of a shape ratio.
const SHAPE_MIN_MENTIONS: f64 = 200.0;

/// Least and most a neighbour's shape ratio may be.
const SHAPE_RANGE: (f64, f64) = (0.5, 2.0);

/// A day baseline: samples (negatives of a window, scaled) and how much
/// they weigh together against as many samples of the same hours (1 with
/// no neighbours).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DaySamples {
    pub samples: Vec<f64>,
    pub weight: f64,
}

/// Baseline samples of the window of `w` buckets ending at bucket `i`: on
/// each of the `days` earlier days (of `day` buckets) whose window lies in
/// the history (from bucket `first`), its negatives times that day's
/// `scale`; and, where they allow it (see the module), the windows of the
/// same length just before and just after, times the shape ratio.
pub(super) fn day_samples(
    s: &[Point],
    i: usize,
    w: usize,
    first: usize,
    day: usize,
    scale: &[f64],
) -> DaySamples {
    // The end (exclusive) of day `d`'s window moved by `o` buckets, if it
    // lies in the history and before the tested window.
    let at = |d: usize, o: isize| -> Option<usize> {
        let end = (i + 1) as isize - (d * day) as isize + o;
        let lo = end - w as isize;
        (lo >= first as isize && end + w as isize <= (i + 1) as isize).then_some(end as usize)
    };
    let neg = |end: usize| sum(s, end - w, end, |p| p.negative) as f64;
    let tot = |end: usize| sum(s, end - w, end, |p| p.total) as f64;
    let days = scale.len();
    let mut samples: Vec<f64> = (1..=days)
        .map_while(|d| at(d, 0).map(|e| neg(e) * scale[d - 1]))
        .collect();
    let same = samples.len();
    let mean = samples.iter().sum::<f64>() / same.max(1) as f64;
    if same == 0 || mean >= POOL_MAX_EXPECTED || w > MAX_POOLED_WINDOW {
        return DaySamples {
            samples,
            weight: 1.0,
        };
    }
    for o in [-(w as isize), w as isize] {
        let (mut t0, mut to) = (0.0, 0.0);
        let mut more = Vec::new();
        for d in 1..=days {
            if let (Some(e0), Some(eo)) = (at(d, 0), at(d, o)) {
                t0 += tot(e0);
                to += tot(eo);
                more.push(neg(eo) * scale[d - 1]);
            }
        }
        let shape = (t0 + 1.0) / (to + 1.0);
        if t0.min(to) >= SHAPE_MIN_MENTIONS && (SHAPE_RANGE.0..=SHAPE_RANGE.1).contains(&shape) {
            samples.extend(more.iter().map(|x| x * shape));
        }
    }
    let n = samples.len() as f64;
    let weight = (same as f64 + NEIGHBOUR_WEIGHT * (n - same as f64)) / n;
    DaySamples { samples, weight }
}

#[cfg(test)]
mod tests {
    use super::super::cold::cold_start;
    use super::super::cold::tests::watch;
    use super::super::{run, DetectorConfig};
    use super::*;
    use chrono::Duration;

    /// The count detector's p-value and days of history for a ×3 storm of
    /// two hours at 15 h on day `days + 1` of a 30-an-hour watch (about
    /// 3.5 negatives an hour at that time), at its second hour.
    fn storm_p(days: usize) -> (f64, f64) {
        let at = 24 * days + 15;
        let mut s = watch(30.0, at + 2);
        for p in &mut s[at..at + 2] {
            p.negative += 7;
            p.total += 7;
        }
        let cfg = DetectorConfig::default();
        let d = cold_start(&s, at + 1, &cfg, 168, None).expect("a baseline");
        (d.p_value, d.days)
    }

    #[test]
    fn the_hours_beside_join_a_moderate_watch_s_baseline() {
        // Day 9, 10 h (about 65 mentions and 11 negatives an hour).
        let s = watch(50.0, 24 * 8 + 11);
        let i = 24 * 8 + 10;
        let scale = [1.0; 8];
        for w in [1, 2] {
            let b = day_samples(&s, i, w, 0, 24, &scale);
            assert_eq!(b.samples.len(), 24, "w {w}: {b:?}");
            assert!((b.weight - 2.0 / 3.0).abs() < 1e-9, "{b:?}");
            // Shape-corrected: the neighbours expect what the same hours do.
            let same = b.samples[..8].iter().sum::<f64>() / 8.0;
            let all = b.samples.iter().sum::<f64>() / 24.0;
            assert!((all - same).abs() < 0.1 * same, "w {w}: {same} {all}");
        }
        // A 3-hour window, a busy watch's hours: the same hours alone.
        assert_eq!(day_samples(&s, i, 3, 0, 24, &scale).samples.len(), 8);
        let busy = watch(1000.0, 24 * 8 + 11);
        let b = day_samples(&busy, i, 1, 0, 24, &scale);
        assert_eq!((b.samples.len(), b.weight), (8, 1.0));
        // Day 2: too few mentions yet to read the shape by.
        let s = watch(30.0, 24 + 11);
        assert_eq!(day_samples(&s, 24 + 10, 1, 0, 24, &[1.0]).samples.len(), 1);
    }

    /// Day by day, the same storm is judged against a sharper baseline:
    /// its p-value falls from day 1 to week 4, by small steps, with no day
    /// that changes the verdict overnight.
    #[test]
    fn the_baseline_sharpens_smoothly_from_day_one_to_week_four() {
        let ps: Vec<(f64, f64)> = (1..28).map(storm_p).collect();
        for (k, pair) in ps.windows(2).enumerate() {
            let (a, b) = (pair[0].0.log10(), pair[1].0.log10());
            assert!(
                b - a < 0.3 && a - b < 1.0,
                "day {} → {}: p {:.1e} → {:.1e}",
                k + 1,
                k + 2,
                pair[0].0,
                pair[1].0
            );
        }
        assert!(ps[26].0 < ps[0].0 / 100.0, "{ps:?}");
        assert!(ps[26].1 > 27.0 && ps[0].1 < 2.0, "{ps:?}");
    }

    /// A watch added with three weeks of history crawled at once: its first
    /// evaluated hours use all of it (a storm on its first day is judged
    /// against 21 days), where a watch that is one day old has one day.
    #[test]
    fn a_backfilled_watch_uses_its_history_at_once() {
        let cfg = DetectorConfig::default();
        let at = 24 * 21 + 15;
        let mut s = watch(30.0, at + 6);
        for p in &mut s[at..at + 2] {
            p.negative += 8;
            p.total += 8;
        }
        // Evaluated from the day it was added: the history is baseline only.
        let eps = run(&s, &cfg, Duration::hours(1), Some(s[24 * 21].time));
        assert_eq!(eps.len(), 1, "{eps:#?}");
        assert!(eps[0].baseline_days > 21.0, "{eps:#?}");
        assert!(eps[0].opened <= s[at + 1].time, "{eps:#?}");
        // The count detector on the same storm, with 21 days and with one.
        let old = cold_start(&s, at + 1, &cfg, 168, None).expect("a baseline");
        let young = &s[24 * 20..];
        let new = cold_start(young, at + 1 - 24 * 20, &cfg, 168, None).expect("a baseline");
        assert!(old.days > 21.0 && new.days < 2.0, "{old:?} {new:?}");
        assert!(old.p_value < new.p_value / 100.0, "{old:?} {new:?}");
    }
}
