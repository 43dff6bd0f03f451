//! Volume-aware expectation of the count detectors: when the whole watch
//! is lifted, negatives are tested against what that volume predicts.
//!
//! A story that doubles every kind of mention of a brand (news, a launch,
//! a match day) doubles its negatives too: more negatives, but no more of
//! a storm than any other day, and a PR team woken for it learns to mute
//! the watch. A storm is negatives rising *against* the rest: the other
//! mentions stay where they were, or rise far less. So the count detectors
//! measure the watch's other (non-negative) mentions in the tested window
//! against their own baseline (the same hours of the same earlier weeks or
//! days, scaled and levelled exactly as the negatives' baseline is), and
//! where they run above it, the negatives' expectation is raised by as
//! much as that rise is certain: the observed ratio brought down by one
//! standard error of it (counting noise of the others' baseline plus the
//! watch's own day-to-day dispersion), never below 1. The others, not
//! all mentions: a storm's own negatives are part of the total and would
//! otherwise raise their own expectation.
//!
//! A negative storm on a news day still shows where its negatives rise
//! beyond what the day's volume predicts; negatives `STORM_RATIO` times
//! their plain expectation alert whatever the volume (`share::supports`):
//! news that quadruples a watch is worth an alert, and then no lift
//! applies. Each alert's evidence says by how much the volume raised what
//! was expected.

use super::{median, sum, Point};

/// Standard errors the others' ratio is brought down by before it lifts
/// the negatives' expectation: a storm's window, whose others are at their
/// baseline, is lifted only where they happen to run one error high, and
/// then little.
const LIFT_Z: f64 = 1.0;

/// What the volume of a window says about its negatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Volume {
    /// Other mentions observed over expected (smoothed by one mention).
    pub ratio: f64,
    /// What the negatives' expectation is multiplied by (at least 1).
    pub lift: f64,
}

/// The lift of a window whose other mentions are `observed` against
/// `expected` of them, with the watch's extra-Poisson `dispersion` (the
/// relative variance of a window's count beyond counting noise).
pub(super) fn lift(observed: u64, expected: f64, dispersion: f64) -> Volume {
    let expected = expected.max(0.0);
    let ratio = (observed as f64 + 1.0) / (expected + 1.0);
    let se = (1.0 / (expected + 1.0) + dispersion.max(0.0)).sqrt();
    let lift = (ratio * (-LIFT_Z * se).exp()).max(1.0);
    Volume { ratio, lift }
}

/// The lift of the window of `w` buckets ending at bucket `i`: its other
/// mentions against the same window `offset` buckets back, times `scale`,
/// for each `(offset, scale)` of `back` that lies in the series (the
/// periods and day scales the negatives' baseline uses), read as the
/// negatives' baseline is read (outliers dropped, at `level`).
pub(super) fn window(
    s: &[Point],
    i: usize,
    w: usize,
    back: &[(usize, f64)],
    level: f64,
    dispersion: f64,
) -> Volume {
    let other = |p: &Point| p.total.saturating_sub(p.negative);
    let samples: Vec<f64> = back
        .iter()
        .filter(|(off, _)| i + 1 >= w + off)
        .map(|&(off, scale)| sum(s, i + 1 - w - off, i + 1 - off, other) as f64 * scale)
        .collect();
    if samples.is_empty() || i + 1 < w {
        return Volume {
            ratio: 1.0,
            lift: 1.0,
        };
    }
    let samples = trimmed(samples);
    let expected = (samples.iter().sum::<f64>() + 0.5) * level / samples.len() as f64;
    lift(sum(s, i + 1 - w, i + 1, other), expected, dispersion)
}

/// Baseline samples with the outliers dropped around their median (earlier
/// bursts, odd days); where that would drop half of them, the lower half.
/// The count detectors' predictive test reads its samples the same way.
pub(super) fn trimmed(mut samples: Vec<f64>) -> Vec<f64> {
    let k = samples.len();
    let med = median(&samples);
    let band = 3.0 * med.sqrt() + 2.0 + 0.2 * med;
    let all = samples.clone();
    samples.retain(|b| (b - med).abs() <= band);
    if samples.len() * 2 < k {
        samples = all;
        samples.sort_by(f64::total_cmp);
        samples.truncate(k.div_ceil(2));
    }
    samples
}

/// `volume ×2.1 its baseline: 1.8× more negatives expected`, or nothing
/// where the volume raised nothing (for an alert's evidence).
pub(super) fn describe(ratio: f64, lift: f64) -> Option<String> {
    (lift > 1.005).then(|| {
        format!(
            "other mentions at {ratio:.1}× their baseline, so {lift:.1}× the negatives expected"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lift_is_what_is_certain_of_the_rise_and_never_lowers() {
        // Others at their baseline, or under it: nothing.
        for (o, e) in [(100, 100.0), (60, 100.0), (0, 0.0), (3, 2.0)] {
            assert_eq!(lift(o, e, 0.03).lift, 1.0, "{o} of {e}");
        }
        // Doubled on a busy watch: most of the doubling.
        let v = lift(2000, 1000.0, 0.03);
        assert!((v.ratio - 2.0).abs() < 0.01, "{v:?}");
        assert!(v.lift > 1.6 && v.lift < 2.0, "{v:?}");
        // Doubled on a quiet watch (8 expected): counting noise keeps it
        // smaller.
        let q = lift(16, 8.0, 0.03);
        assert!(q.lift > 1.0 && q.lift < v.lift, "{q:?}");
        assert_eq!(describe(1.0, 1.0), None);
        assert_eq!(
            describe(2.04, 1.75).as_deref(),
            Some("other mentions at 2.0× their baseline, so 1.8× the negatives expected")
        );
    }
}
