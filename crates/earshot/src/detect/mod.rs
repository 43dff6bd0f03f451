//! Spike detectors over an hourly (or any fixed-bucket) series of
//! `total` and `negative` counts, and the alert lifecycle that turns
//! per-bucket decisions into alerts (open, escalate, resolve, cooldown).
//!
//! * **seasonal**: the expected count of a bucket is taken from the same
//!   bucket one, two, … `weeks` weeks back (same hour of week), outlier
//!   weeks (holidays, earlier bursts) dropped, scaled by the level of total
//!   volume over the last week (slow growth) or, when higher, the last day
//!   (`cold::recent_level`). The test is the negative-binomial
//!   predictive distribution of a Poisson count whose rate was estimated
//!   from those weeks (a Gamma posterior), so the uncertainty of the baseline
//!   is part of the test; windows of the last 1, 2 and 3 buckets are tested
//!   at `alpha / 3` each (and on a quiet watch those of 4, 6 and 8 buckets,
//!   see `LONG_WINDOWS`), and the window needs at least `min_count` and a
//!   negative share that rose with the count (`share::supports`). Where the
//!   window's other mentions run above their own baseline (a story that
//!   lifts every kind of mention), what is expected of the negatives is
//!   raised with them (`volume`).
//! * **share**: the negative share of the last 1–3 buckets against the
//!   share of the past week, binomial test at `alpha / 3`, and at least
//!   `share_ratio` times the baseline share.
//! * **threshold**: a plain count per bucket when chosen alone; otherwise
//!   the cold start's count test against the watch's own days (`cold`),
//!   for the first weeks of a watch, and for good in the seasonal
//!   detector's place on a quiet watch (`cold::quiet`).
//!
//! Everything here is a pure function of the series, so `earshot backtest`,
//! the benchmark and the live evaluation share it.

pub mod cold;
mod pool;
mod series;
mod share;
pub mod stats;
mod volume;
mod watch_config;
mod windows;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// The enums live in the store model (alerts are stored with them); their
// paths here still work.
pub use crate::store::{Detector, Severity};
pub use series::{fill_gaps, read_csv};
pub use share::{share, ShareBase};
pub use watch_config::WatchAlertConfig;
use windows::{long_windows, window_alpha, WINDOWS};

/// One bucket of a series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// Bucket start.
    pub time: DateTime<Utc>,
    /// Mentions (scored ones, for the share detector).
    pub total: u64,
    /// Negative mentions.
    pub negative: u64,
}

impl Severity {
    /// From observed / expected.
    pub fn from_ratio(ratio: f64) -> Severity {
        if ratio >= 5.0 {
            Severity::High
        } else if ratio >= 3.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

/// Detector settings (the `[alert]` section and per-watch overrides).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectorConfig {
    /// Detectors to run once the watch has `weeks` of history.
    pub detectors: Vec<Detector>,
    /// Weeks of history for the seasonal baseline.
    pub weeks: usize,
    /// Significance level per bucket (split over the three windows).
    pub alpha: f64,
    /// A one-bucket window fires at `alpha × single_bucket` (longer
    /// windows at `alpha`): lone blips need far stronger evidence.
    pub single_bucket: f64,
    /// Extra-Poisson dispersion of the seasonal test: the variance of a
    /// window is mean + dispersion × mean² (0 is pure Poisson).
    pub dispersion: f64,
    /// Least negative mentions in the tested window.
    pub min_count: u64,
    /// Share detector: the share must be at least this many times the
    /// baseline share.
    pub share_ratio: f64,
    /// Threshold detector (cold start): negative mentions in one bucket.
    pub threshold: u64,
    /// Consecutive buckets back under the baseline that resolve an alert.
    pub resolve_after: usize,
    /// Buckets after a resolve in which a new spike reopens the same alert
    /// instead of a new one.
    pub cooldown: usize,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            detectors: vec![Detector::Seasonal, Detector::Share],
            weeks: 4,
            alpha: 1e-4,
            dispersion: 0.01,
            single_bucket: 0.01,
            min_count: 5,
            share_ratio: 1.5,
            threshold: 10,
            resolve_after: 2,
            cooldown: 6,
        }
    }
}

/// A detector's verdict on one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Decision {
    /// Detector that fired (or was tested).
    pub detector: Detector,
    /// Significant at alpha in some window.
    pub fire: bool,
    /// The bucket alone is above its baseline (p < 0.05): keeps an alert open.
    pub elevated: bool,
    /// Observed in the firing (or last) window.
    pub observed: u64,
    /// Expected in that window.
    pub expected: f64,
    /// Buckets in that window.
    pub window: usize,
    /// p-value of that window.
    pub p_value: f64,
    /// Days of history the baseline had.
    pub days: f64,
    /// The cold start's day baseline pooled the windows just before and
    /// after the tested one on earlier days (`pool`).
    pub pooled: bool,
    /// The watch's other (non-negative) mentions in the window against
    /// their own baseline (1 where not measured).
    pub volume: f64,
    /// What the expectation of negatives was raised by for that volume
    /// (1 where it was not; see `volume`).
    pub lift: f64,
}

/// Buckets per week at this bucket length.
fn per_week(bucket: chrono::Duration) -> usize {
    (chrono::Duration::weeks(1).num_seconds() / bucket.num_seconds().max(1)).max(1) as usize
}

fn sum(s: &[Point], from: usize, to: usize, f: impl Fn(&Point) -> u64) -> u64 {
    s[from..to].iter().map(f).sum()
}

fn median(v: &[f64]) -> f64 {
    let mut x = v.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => x[n / 2],
        _ => (x[n / 2 - 1] + x[n / 2]) / 2.0,
    }
}

/// Buckets of history before bucket `i` (since the first active one).
pub fn history(s: &[Point], i: usize) -> usize {
    first_active(s).map_or(0, |f| i.saturating_sub(f))
}

/// The least negative mentions a window needs at bucket `i`: `threshold`
/// on the first day, sliding linearly to `min_count` when the seasonal
/// baseline has its `weeks`.
pub fn floor(s: &[Point], i: usize, cfg: &DetectorConfig, week: usize) -> u64 {
    let full = (cfg.weeks.max(1) * week) as f64;
    let f = (history(s, i) as f64 / full).clamp(0.0, 1.0);
    let (hi, lo) = (cfg.threshold as f64, cfg.min_count as f64);
    (hi + (lo - hi) * f).round().max(1.0) as u64
}

/// First bucket with any mention.
fn first_active(s: &[Point]) -> Option<usize> {
    s.iter().position(|p| p.total > 0 || p.negative > 0)
}

/// The seasonal detector at bucket `i`; `None` without `weeks` of history.
pub fn seasonal(
    s: &[Point],
    i: usize,
    cfg: &DetectorConfig,
    week: usize,
    base: Option<ShareBase>,
) -> Option<Decision> {
    // The weeks it has, up to `weeks`: one week of history is a (wide)
    // baseline already, and each further week sharpens it.
    let hist = cold::history(s, i);
    let k = cfg.weeks.max(1).min(hist.saturating_sub(3) / week);
    if k == 0 || i < k * week + 3 {
        return None;
    }
    let min = cold::floor(s, i, cfg, week);
    // Level: total volume of the past week against the same weeks back.
    let recent = sum(s, i + 1 - week, i + 1, |p| p.total) as f64;
    let past: f64 = (1..=k)
        .map(|j| {
            sum(
                s,
                i + 1 - week * (j + 1).min(i / week),
                i + 1 - week * j,
                |p| p.total,
            ) as f64
        })
        .sum::<f64>()
        / k as f64;
    let level = ((recent + 10.0) / (past + 10.0)).clamp(0.67, 1.5);
    // Each baseline week is scaled by how busy its day was (24 buckets-of-
    // an-hour around the same time) against the median of those days: a
    // holiday week counts as a normal week at its own volume.
    let span = (week / 14).max(1);
    let day_totals: Vec<f64> = (1..=k)
        .map(|j| {
            let c = i - j * week;
            sum(s, c.saturating_sub(span), (c + span).min(i), |p| p.total) as f64
        })
        .collect();
    let med_day = median(&day_totals);
    let scale: Vec<f64> = day_totals
        .iter()
        .map(|d| ((med_day + 1.0) / (d + 1.0)).clamp(0.5, 3.0))
        .collect();
    // Today's level against those weeks (see `cold::recent_level`), the
    // week's level as its prior.
    let periods: Vec<(usize, f64)> = (1..=k).map(|j| (j * week, scale[j - 1])).collect();
    let level = cold::recent_level(s, i, &periods, level);
    let dispersion = cfg.dispersion.max(cold::pooled_dispersion(s, i, week, k));
    let mut windows: Vec<(usize, Decision)> = Vec::new();
    let mut ws = WINDOWS.to_vec();
    let mut n = 0;
    while n < ws.len() {
        let w = ws[n];
        n += 1;
        if i + 1 < w + k * week {
            continue;
        }
        let obs = sum(s, i + 1 - w, i + 1, |p| p.negative);
        let weeks: Vec<f64> = (1..=k)
            .map(|j| {
                sum(s, i + 1 - w - j * week, i + 1 - j * week, |p| p.negative) as f64 * scale[j - 1]
            })
            .collect();
        // Outlier weeks (earlier bursts, odd days) dropped around the
        // median; rate ~ Gamma(total + 0.5, n) scaled by level, predictive
        // negative binomial with extra-Poisson dispersion (day-to-day swings
        // of the level: variance + dispersion × mean²).
        let (plain, plain_pv) = cold::predictive(obs, weeks.clone(), level, dispersion, 1.0);
        if w == WINDOWS.len() {
            ws.extend_from_slice(long_windows(plain));
        }
        // The other mentions against their own baseline (`volume`): a day
        // that lifts every kind of mention raises what is expected.
        let vol = volume::window(s, i, w, &periods, level, dispersion);
        let (expected, pv) = if vol.lift > 1.0 {
            cold::predictive(obs, weeks, level * vol.lift, dispersion, 1.0)
        } else {
            (plain, plain_pv)
        };
        // A single bucket must be far more extreme than a longer window:
        // one-bucket blips are what wakes people for nothing.
        let d = Decision {
            detector: Detector::Seasonal,
            fire: pv < window_alpha(cfg, w, expected)
                && obs >= min
                && share::supports(s, i, w, base, obs, expected),
            elevated: false,
            observed: obs,
            expected,
            window: w,
            p_value: pv,
            days: hist as f64 * 7.0 / week as f64,
            pooled: false,
            volume: vol.ratio,
            lift: vol.lift,
        };
        windows.push((w, d));
    }
    best_window(&windows)
}

/// The threshold detector at bucket `i`. Its `expected` is the mean of
/// the buckets before (up to a week), for the message.
pub fn threshold(s: &[Point], i: usize, cfg: &DetectorConfig) -> Decision {
    let obs = s[i].negative;
    let first = first_active(s).unwrap_or(i).min(i);
    let from = first.max(i.saturating_sub(168));
    let expected = if i > from {
        sum(s, from, i, |p| p.negative) as f64 / (i - from) as f64
    } else {
        0.0
    };
    Decision {
        detector: Detector::Threshold,
        fire: obs >= cfg.threshold.max(1),
        elevated: obs * 2 >= cfg.threshold.max(1),
        observed: obs,
        expected,
        window: 1,
        p_value: f64::NAN,
        days: cold::history(s, i) as f64 / 24.0,
        pooled: false,
        volume: 1.0,
        lift: 1.0,
    }
}

/// What the configured detectors say about bucket `i`: the firing decision
/// with the smallest p-value, else the most elevated one. The threshold
/// detector stands in while the seasonal one lacks its weeks of history.
pub fn decide(s: &[Point], i: usize, cfg: &DetectorConfig, bucket: chrono::Duration) -> Decision {
    let week = per_week(bucket);
    let mut out: Vec<Decision> = Vec::new();
    // The share so far, once: the share detector tests against it and the
    // count detectors ask it whether the share rose with the count.
    let base = share::baseline(s, i, week);
    // Cold start: until the seasonal baseline has its weeks, the watch's
    // own hours and days so far stand in (see `cold`); on a quiet watch the
    // day baseline stays in the seasonal detector's place for good
    // (`cold::quiet`).
    let own = !cfg.detectors.contains(&Detector::Threshold);
    let young = cold::history(s, i) < cfg.weeks.max(1) * week + 3;
    let day_for_seasonal = own && !young && cold::quiet(s, i, week);
    for d in &cfg.detectors {
        match d {
            Detector::Seasonal if day_for_seasonal => {
                out.extend(cold::cold_start(s, i, cfg, week, base))
            }
            Detector::Seasonal => out.extend(seasonal(s, i, cfg, week, base)),
            Detector::Share => out.extend(share(s, i, cfg, week, base)),
            Detector::Threshold => out.push(threshold(s, i, cfg)),
        }
    }
    if young && own {
        out.extend(cold::cold_start(s, i, cfg, week, base));
    }
    let key = |d: &Decision| (d.fire, d.elevated, -d.p_value.min(1.0));
    out.into_iter()
        .max_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0)
                .then(ka.1.cmp(&kb.1))
                .then(ka.2.partial_cmp(&kb.2).unwrap_or(std::cmp::Ordering::Equal))
        })
        .unwrap_or_else(|| {
            // No history at all: nothing to compare with, nothing fires.
            Decision {
                fire: false,
                elevated: false,
                ..threshold(s, i, cfg)
            }
        })
}

/// Less expected than this is no baseline: no ratio is shown, and
/// severity goes by the count over the threshold.
pub const NO_BASELINE: f64 = 0.05;

/// Observed / expected: the one ratio that severity and every message
/// use; `None` with no baseline yet (next to nothing expected).
pub fn ratio(observed: u64, expected: f64) -> Option<f64> {
    (expected >= NO_BASELINE).then(|| observed as f64 / expected)
}

/// `2.0 expected (9.0×)`, or `0 expected (no baseline yet)`.
pub fn expected_text(observed: u64, expected: f64) -> String {
    match ratio(observed, expected) {
        Some(r) => format!("{expected:.1} expected ({r:.1}×)"),
        None => "0 expected (no baseline yet)".to_string(),
    }
}

/// Severity of a firing decision, agreeing with the ratio shown: by
/// observed / expected (5× high, 3× medium); with no baseline yet, by how
/// far over the threshold (3× high, 2× medium).
pub fn severity(d: &Decision, cfg: &DetectorConfig) -> Severity {
    match ratio(d.observed, d.expected) {
        Some(r) => Severity::from_ratio(r),
        None => {
            let r = d.observed as f64 / cfg.threshold.max(1) as f64;
            if r >= 3.0 {
                Severity::High
            } else if r >= 2.0 {
                Severity::Medium
            } else {
                Severity::Low
            }
        }
    }
}

/// Of the decisions over windows of the last 1, 2 and 3 buckets: the firing
/// one with the smallest p-value (else the smallest p-value), which fires
/// only while the newest bucket is still above its expectation; elevated
/// by the newest bucket alone.
pub(crate) fn best_window(windows: &[(usize, Decision)]) -> Option<Decision> {
    let one = windows.iter().find(|(w, _)| *w == 1)?.1;
    let mut d = windows.iter().map(|(_, d)| *d).reduce(|b, d| {
        if (d.fire && !b.fire) || (d.fire == b.fire && d.p_value < b.p_value) {
            d
        } else {
            b
        }
    })?;
    d.fire &= one.observed as f64 > one.expected;
    d.elevated = one.p_value < 0.05 && one.observed >= 2;
    Some(d)
}

/// What the ratio an episode's summary shows (its observed over its
/// expected, so far) makes it; `Low` while it has no baseline. An episode
/// is never graded below its own ratio, so "[medium] … (140.0×)" cannot be
/// shown.
fn ratio_severity(ep: &Episode) -> Severity {
    ratio(ep.observed, ep.expected).map_or(Severity::Low, Severity::from_ratio)
}

/// One alert as the lifecycle sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    /// Detector that opened it.
    pub detector: Detector,
    /// First bucket of the spike.
    pub start: DateTime<Utc>,
    /// Last bucket above the baseline (so far).
    pub end: DateTime<Utc>,
    /// Bucket where the alert opened (detection time).
    pub opened: DateTime<Utc>,
    /// Bucket with the largest excess over expected.
    pub peak: DateTime<Utc>,
    /// Negative mentions in the peak bucket.
    pub peak_observed: u64,
    /// Negative mentions from start to end.
    pub observed: u64,
    /// Expected from start to end.
    pub expected: f64,
    /// Smallest p-value seen.
    pub p_value: f64,
    /// Current severity.
    pub severity: Severity,
    /// Severity changes: (bucket, new severity); the first is the opening.
    pub escalations: Vec<(DateTime<Utc>, Severity)>,
    /// When it was resolved (the bucket that resolved it), if it was.
    pub resolved: Option<DateTime<Utc>>,
    /// Days of history the opening decision's baseline had.
    pub baseline_days: f64,
    /// The opening decision's day baseline pooled the neighbouring windows
    /// of earlier days (`pool`).
    pub pooled: bool,
    /// The opening window's other mentions against their baseline, and
    /// what that raised the expected negatives by (see `volume`).
    pub volume: f64,
    /// See `volume`.
    pub lift: f64,
}

/// Runs the lifecycle over a whole series: opens an alert when a detector
/// fires, keeps it open (and escalates it) while buckets stay elevated,
/// resolves it after `resolve_after` buckets back under the baseline, and
/// folds a new spike within `cooldown` buckets of a resolve into the same
/// alert. `from` skips the buckets before it (they are baseline only).
pub fn run(
    s: &[Point],
    cfg: &DetectorConfig,
    bucket: chrono::Duration,
    from: Option<DateTime<Utc>>,
) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    let mut open: Option<Episode> = None;
    let mut quiet = 0usize;
    let mut since_resolve = usize::MAX;
    for i in 0..s.len() {
        if from.is_some_and(|f| s[i].time < f) {
            continue;
        }
        let d = decide(s, i, cfg, bucket);
        let t = s[i].time;
        match open.as_mut() {
            Some(ep) => {
                if d.fire || d.elevated {
                    quiet = 0;
                    ep.end = t;
                    let one = bucket_expected(&d);
                    ep.observed += s[i].negative;
                    ep.expected += one;
                    if s[i].negative > ep.peak_observed {
                        ep.peak = t;
                        ep.peak_observed = s[i].negative;
                    }
                    if d.fire {
                        ep.p_value = ep.p_value.min(d.p_value);
                    }
                    let hour = if d.fire {
                        severity(&d, cfg)
                    } else {
                        Severity::Low
                    };
                    let sev = hour.max(ratio_severity(ep));
                    if sev > ep.severity {
                        ep.severity = sev;
                        ep.escalations.push((t, sev));
                    }
                } else {
                    quiet += 1;
                    if quiet >= cfg.resolve_after.max(1) {
                        let mut ep = open.take().unwrap_or_else(|| unreachable_episode(t));
                        ep.resolved = Some(t);
                        out.push(ep);
                        since_resolve = 0;
                    }
                }
            }
            None => {
                since_resolve = since_resolve.saturating_add(1);
                if d.fire {
                    let sev = severity(&d, cfg);
                    let start_i = i + 1 - d.window;
                    // Within the cooldown: reopen the last alert.
                    if since_resolve <= cfg.cooldown && !out.is_empty() {
                        let mut ep = out.pop().unwrap_or_else(|| unreachable_episode(t));
                        ep.resolved = None;
                        ep.end = t;
                        ep.observed += sum(s, start_i, i + 1, |p| p.negative);
                        ep.expected += d.expected;
                        let sev = sev.max(ratio_severity(&ep));
                        if sev > ep.severity {
                            ep.severity = sev;
                            ep.escalations.push((t, sev));
                        }
                        open = Some(ep);
                    } else {
                        let (pk, pv) = (start_i..=i)
                            .map(|j| (j, s[j].negative))
                            .max_by_key(|x| x.1)
                            .unwrap_or((i, s[i].negative));
                        open = Some(Episode {
                            detector: d.detector,
                            start: s[start_i].time,
                            end: t,
                            opened: t,
                            peak: s[pk].time,
                            peak_observed: pv,
                            observed: d.observed,
                            expected: d.expected,
                            p_value: d.p_value,
                            severity: sev,
                            escalations: vec![(t, sev)],
                            resolved: None,
                            baseline_days: d.days,
                            pooled: d.pooled,
                            volume: d.volume,
                            lift: d.lift,
                        });
                    }
                    quiet = 0;
                }
            }
        }
    }
    if let Some(ep) = open {
        out.push(ep);
    }
    out
}

/// Expected count of the newest bucket alone.
fn bucket_expected(d: &Decision) -> f64 {
    d.expected / d.window.max(1) as f64
}

fn unreachable_episode(t: DateTime<Utc>) -> Episode {
    Episode {
        detector: Detector::Threshold,
        start: t,
        end: t,
        opened: t,
        peak: t,
        peak_observed: 0,
        observed: 0,
        expected: 0.0,
        p_value: 1.0,
        severity: Severity::Low,
        escalations: Vec::new(),
        resolved: None,
        baseline_days: 0.0,
        pooled: false,
        volume: 1.0,
        lift: 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Deterministic series with daily seasonality and a little jitter.
    fn series(hours: usize, burst: Option<(usize, usize, u64)>) -> Vec<Point> {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let mut x: u64 = 12345;
        (0..hours)
            .map(|h| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let jitter = x >> 60; // 0..15
                let day = (h % 24) as f64;
                let base = 20.0 + 15.0 * (std::f64::consts::PI * day / 12.0).sin();
                let total = base as u64 + jitter;
                let mut neg = total / 6 + (jitter % 3);
                if let Some((s, d, extra)) = burst {
                    if h >= s && h < s + d {
                        neg += extra;
                    }
                }
                Point {
                    time: t0 + chrono::Duration::hours(h as i64),
                    total: total + neg - total / 6,
                    negative: neg,
                }
            })
            .collect()
    }

    #[test]
    fn quiet_series_has_no_alerts_and_a_burst_is_found_in_time() {
        let cfg = DetectorConfig::default();
        let h = chrono::Duration::hours(1);
        let quiet = series(24 * 7 * 6, None);
        let eps = run(&quiet, &cfg, h, None);
        assert!(
            eps.iter()
                .all(|e| e.detector == Detector::Threshold || e.start < quiet[24 * 7 * 4].time),
            "{eps:?}"
        );
        let at = 24 * 7 * 5 + 10;
        let s = series(24 * 7 * 6, Some((at, 3, 25)));
        let from = Some(s[24 * 7 * 4 + 1].time);
        let eps = run(&s, &cfg, h, from);
        assert_eq!(eps.len(), 1, "{eps:?}");
        let e = &eps[0];
        assert!(e.opened <= s[at + 1].time, "late: {e:?}");
        assert!(e.start >= s[at - 1].time && e.start <= s[at].time, "{e:?}");
        assert!(e.resolved.is_some());
        assert!(e.observed as f64 > 2.0 * e.expected);
    }

    #[test]
    fn a_growing_spike_escalates_and_a_relapse_in_the_cooldown_reopens_it() {
        let cfg = DetectorConfig::default();
        let h = chrono::Duration::hours(1);
        let at = 24 * 7 * 5 + 10;
        let mut s = series(24 * 7 * 6, None);
        for (k, extra) in [(0usize, 12u64), (1, 14), (2, 90), (3, 90)] {
            s[at + k].negative += extra;
            s[at + k].total += extra;
        }
        // Back to normal for 3 hours, then a relapse within the cooldown.
        s[at + 7].negative += 40;
        s[at + 7].total += 40;
        s[at + 8].negative += 40;
        s[at + 8].total += 40;
        let eps = run(&s, &cfg, h, Some(s[24 * 7 * 4 + 1].time));
        assert_eq!(eps.len(), 1, "{eps:#?}");
        let e = &eps[0];
        assert!(e.escalations.len() >= 2, "{e:#?}");
        assert_eq!(e.severity, Severity::High);
        assert!(e.end >= s[at + 8].time, "relapse folded in: {e:#?}");
        assert_eq!(e.peak, s[at + 2].time.max(e.peak));
    }

    #[test]
    fn the_threshold_chosen_alone_is_a_plain_count() {
        let cfg = DetectorConfig {
            detectors: vec![Detector::Threshold],
            threshold: 8,
            ..Default::default()
        };
        let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let s: Vec<Point> = (0..24)
            .map(|h| Point {
                time: t0 + chrono::Duration::hours(h),
                total: 10,
                negative: if h == 5 { 9 } else { 1 },
            })
            .collect();
        let eps = run(&s, &cfg, chrono::Duration::hours(1), None);
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].detector, Detector::Threshold);
        assert_eq!(eps[0].start, s[5].time);
    }

    /// An 18× burst is not low, and a zero baseline shows no ratio: the
    /// severity agrees with the ratio every message shows.
    #[test]
    fn severity_agrees_with_the_ratio_shown() {
        // The plain count detector, so the expected value is the simple
        // mean of the hours before (the cold start's own baseline is
        // tested in cold.rs).
        let cfg = DetectorConfig {
            threshold: 5,
            detectors: vec![Detector::Threshold],
            ..Default::default()
        };
        let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let series = |neg: &dyn Fn(i64) -> u64| -> Vec<Point> {
            (0..24)
                .map(|h| Point {
                    time: t0 + chrono::Duration::hours(h),
                    total: 10,
                    negative: neg(h),
                })
                .collect()
        };
        // 0.1 a bucket expected, 9 seen: 90×.
        let s = series(&|h| [0, 1, 9][(h % 10 == 1) as usize + 2 * (h == 20) as usize]);
        let eps = run(&s, &cfg, chrono::Duration::hours(1), None);
        assert_eq!(eps.len(), 1, "{eps:?}");
        let e = &eps[0];
        assert_eq!((e.observed, e.expected), (9, 0.1));
        let shown = expected_text(e.observed, e.expected);
        assert_eq!(shown, "0.1 expected (90.0×)");
        assert_eq!(e.severity, Severity::High, "{e:?}");
        // Nothing expected: no ratio, severity by the count over the
        // threshold (9 of 5: low; 15: high).
        use Severity::{High, Low, Medium};
        for (n, sev) in [(9, Low), (10, Medium), (15, High)] {
            let s = series(&|h| if h == 20 { n } else { 0 });
            let eps = run(&s, &cfg, chrono::Duration::hours(1), None);
            assert_eq!(eps[0].expected, 0.0);
            assert_eq!(eps[0].severity, sev, "{n}");
        }
        assert_eq!(expected_text(1, 0.0), "0 expected (no baseline yet)");
        assert_eq!((ratio(1, 0.0), ratio(6, 2.0)), (None, Some(3.0)));
    }

    #[test]
    fn csv_is_checked() {
        let ok = "time,total,negative\n2026-01-01T00:00:00Z,5,1\n2026-01-01T02:00:00Z,4,0\n";
        let s = read_csv(ok).unwrap();
        assert_eq!(s.len(), 3, "gap filled");
        assert!(read_csv("t,total,negative\n")
            .unwrap_err()
            .contains("header"));
        let e = read_csv("time,total,negative\n2026-01-01T00:00:00Z,x,1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }
}
