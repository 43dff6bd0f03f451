//! Which windows the count detectors test, and at what level.

use super::DetectorConfig;

pub(super) const WINDOWS: [usize; 3] = [1, 2, 3];

/// Longer windows, tested after [`WINDOWS`] where the 3-bucket window
/// expects fewer than `LONG_MAX_EXPECTED` negatives: on a quiet watch a
/// storm of a few mentions an hour shows only over several hours (the
/// oracle bound of the alert bench), while a busy watch's storms show
/// within three, where longer windows would only add false alerts from a
/// level that drifts over the day.
const LONG_WINDOWS: [usize; 3] = [4, 6, 8];

/// See [`LONG_WINDOWS`].
const LONG_MAX_EXPECTED: f64 = 15.0;

/// The windows to test once the 3-bucket window expects `expected3`.
pub(super) fn long_windows(expected3: f64) -> &'static [usize] {
    if expected3 < LONG_MAX_EXPECTED {
        &LONG_WINDOWS
    } else {
        &[]
    }
}

/// Windows expecting `MID_EXPECTED` negatives are tested at `MID_BOOST`
/// times the level. There a storm is a handful of posts, the counts are
/// small and discrete and the `min_count` floor bites, so the false alerts
/// the level allows are far fewer than it says (about 0.1 per watch per 30
/// days at 5–20 mentions an hour in the alert bench, against a budget of
/// 1), while it is there that storms were missed: the higher level spends
/// part of that budget where the recall is short. Busier windows keep the
/// plain level: their false alerts come from days that differ, not from
/// counting noise, and their storms are caught already.
const MID_BOOST: f64 = 10.0;

/// See [`MID_BOOST`].
const MID_EXPECTED: (f64, f64) = (1.0, 10.0);

/// The significance level of one window expecting `expected` negatives:
/// `alpha` split over the three short windows (a one-bucket window at
/// `alpha × single_bucket`), and the long windows sharing the same again;
/// times [`MID_BOOST`] at mid counts.
pub(super) fn window_alpha(cfg: &DetectorConfig, w: usize, expected: f64) -> f64 {
    let boost = if (MID_EXPECTED.0..=MID_EXPECTED.1).contains(&expected) {
        MID_BOOST
    } else {
        1.0
    };
    boost
        * if w == 1 {
            cfg.alpha * cfg.single_bucket / WINDOWS.len() as f64
        } else if w <= WINDOWS.len() {
            cfg.alpha / WINDOWS.len() as f64
        } else {
            cfg.alpha / LONG_WINDOWS.len() as f64
        }
}

#[cfg(test)]
mod tests {
    use super::super::{decide, Detector};
    use super::*;

    /// A watch of about 20 mentions an hour (3 negatives): windows that
    /// expect 1–10 negatives are tested at ten times the level, so the
    /// smallest two-hour storm the count test fires on at week 6 (the day
    /// baseline, on a watch this quiet: `cold::quiet`) is one the plain
    /// level would have let pass.
    #[test]
    fn mid_count_windows_spend_more_of_the_false_alert_budget() {
        // The count detector alone (the share detector has its own level).
        let cfg = DetectorConfig {
            detectors: vec![Detector::Seasonal],
            ..Default::default()
        };
        let plain = window_alpha(&cfg, 2, 50.0);
        assert_eq!(window_alpha(&cfg, 2, 5.0), 10.0 * plain);
        assert_eq!(window_alpha(&cfg, 2, 0.5), plain);
        // 20 h: about 10 mentions and 2–3 negatives an hour.
        let at = 24 * (7 * 5 + 2) + 20;
        let first = (1..40)
            .find_map(|extra| {
                let mut s = super::super::cold::tests::watch(20.0, at + 2);
                for p in &mut s[at..at + 2] {
                    p.negative += extra;
                    p.total += extra;
                }
                let d = decide(&s, at + 1, &cfg, chrono::Duration::hours(1));
                d.fire.then_some(d)
            })
            .expect("a storm fires");
        let boosted = window_alpha(&cfg, first.window, first.expected);
        assert_eq!(boosted, 10.0 * window_alpha(&cfg, first.window, 50.0));
        assert!(first.p_value > boosted / 10.0, "{first:?}");
    }
}
