//! What any detector could reach on the first-month timelines (issue #25),
//! and where earshot's recall goes missing.
//!
//! **The oracle bound.** An oracle that knows each hour's exact expected
//! count of negative mentions (the generator's rate, every shape, level,
//! growth and hourly noise included, bursts left out), so that only the
//! Poisson draw is left to chance. Each hour it takes the smallest Poisson
//! tail p-value of the windows ending there (1 to `SCAN` hours for the
//! recall, 1 to 2 hours for the recall within one bucket: a longer window
//! only dilutes a burst's first two hours) and fires under a cutoff. The
//! cutoff is chosen with the truth (oracle threshold), per row: the largest
//! one whose false alerts stay within the budget over that row's watches.
//! Firing hours less than 6 apart are one alert, as for the baselines.
//! Rows: `bound 1/30d` (at most one false alert per watch per 30 days, the
//! issue's budget) and `bound p.95` (the same, and precision ≥ 0.95, which
//! is the tighter budget once bursts are rarer than one every 4 days). A
//! detector that has to learn the rate from the watch's own past should
//! not beat it; it is a bound for this kind of test (windowed counts
//! against a rate), not a proof over every possible test.
//!
//! **The breakdown.** Recall and recall within one bucket per burst size
//! (×3–5, ×5–10) and length (2–3 h, 4–8 h).

use super::{detect::stats::poisson_sf, Found, Score, Timeline};

/// Longest window the recall oracle scans (the longest burst).
const SCAN: usize = 8;

/// Firing hours this close are one alert (as `mean3sigma_from`).
const MERGE: usize = 6;

/// Per hour: the smallest Poisson p-value over the windows of 1..=`max_w`
/// hours ending there, against the generator's rate.
pub fn oracle_scores(tl: &Timeline, max_w: usize) -> Vec<f64> {
    let n = tl.points.len();
    (0..n)
        .map(|i| {
            let (mut obs, mut lam, mut best) = (0u64, 0.0f64, 1.0f64);
            for w in 1..=max_w.min(i + 1) {
                obs += tl.points[i + 1 - w].negative;
                lam += tl.rate[i + 1 - w];
                if lam > 0.0 {
                    best = best.min(poisson_sf(obs, lam));
                }
            }
            best
        })
        .collect()
}

/// Each firing hour as an alert of its own (for the breakdown: a burst is
/// caught by its first firing hour).
fn firing(scores: &[f64], cutoff: f64) -> Found {
    (0..scores.len())
        .filter(|&i| scores[i] < cutoff)
        .map(|i| (i, i, i))
        .collect()
}

fn oracle_alerts(scores: &[f64], cutoff: f64) -> Found {
    let mut out: Found = Vec::new();
    for (i, &p) in scores.iter().enumerate() {
        if p < cutoff {
            match out.last_mut() {
                Some(last) if i <= last.2 + MERGE => last.2 = i,
                _ => out.push((i, i, i)),
            }
        }
    }
    out
}

/// The oracle scored by its firing hours, not by its alerts' openings: a
/// burst is caught at the first hour in it (or the hour after it) under
/// the cutoff, so that a chance firing just before a burst, merged with
/// it, does not hide it; an alert is false when it overlaps no burst.
fn score_at(tls: &[Timeline], scores: &[Vec<f64>], cutoff: f64, days: f64) -> Score {
    let mut s = Score::default();
    for (tl, sc) in tls.iter().zip(scores) {
        s.days += days;
        for (o, _, en) in oracle_alerts(sc, cutoff) {
            s.alerts += 1;
            if tl
                .bursts
                .iter()
                .any(|&(bs, d)| o <= bs + d + 1 && en + 1 >= bs)
            {
                s.true_alerts += 1;
            }
        }
        for &(bs, d) in &tl.bursts {
            s.bursts += 1;
            let end = (bs + d + 2).min(sc.len());
            if let Some(t) = (bs..end).find(|&t| sc[t] < cutoff) {
                s.found += 1;
                s.delays.push((t - bs) as i64);
            }
        }
    }
    s
}

/// The oracle at the largest cutoff within the budget: false alerts per
/// watch per 30 days at most `per_30d`, precision at least `precision`.
fn calibrated(
    tls: &[Timeline],
    scores: &[Vec<f64>],
    days: f64,
    per_30d: f64,
    precision: f64,
) -> (Score, f64) {
    let ok = |s: &Score| {
        let fa = (s.alerts - s.true_alerts) as f64;
        fa / s.days.max(1.0) * 30.0 <= per_30d
            && (s.alerts == 0 || s.true_alerts as f64 >= precision * s.alerts as f64)
    };
    // Bisection on log10 of the cutoff (the false alerts grow with it).
    let (mut lo, mut hi) = (-30.0f64, 0.0f64);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if ok(&score_at(tls, scores, 10f64.powf(mid), days)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let c = 10f64.powf(lo);
    (score_at(tls, scores, c, days), c)
}

/// The bound rows of one (family, rate) cell: for each budget, the recall
/// oracle's score and the within-one-bucket oracle's score.
pub struct Bound {
    /// (name, recall oracle's score, within-one-bucket oracle's score,
    /// breakdown: recall from the first, rec≤1 from the second).
    pub rows: Vec<(&'static str, Score, Score, Breakdown)>,
}

pub fn bound(tls: &[Timeline], days: f64) -> Bound {
    let long: Vec<Vec<f64>> = tls.iter().map(|t| oracle_scores(t, SCAN)).collect();
    let short: Vec<Vec<f64>> = tls.iter().map(|t| oracle_scores(t, 2)).collect();
    let rows = [("bound 1/30d", 0.0), ("bound p.95", 0.95)]
        .into_iter()
        .map(|(name, prec)| {
            let (l, lc) = calibrated(tls, &long, days, 1.0, prec);
            let (s, sc) = calibrated(tls, &short, days, 1.0, prec);
            let (mut bl, mut bs) = (Breakdown::default(), Breakdown::default());
            for ((tl, a), b) in tls.iter().zip(&long).zip(&short) {
                bl.add(tl, &firing(a, lc));
                bs.add(tl, &firing(b, sc));
            }
            bl.early = bs.early;
            (name, l, s, bl)
        })
        .collect();
    Bound { rows }
}

/// One bound row: recall, precision and false alerts from the recall
/// oracle, rec≤1 from the within-one-bucket oracle.
pub fn bound_row(label: &str, name: &str, long: &Score, short: &Score) -> String {
    let early = short.delays.iter().filter(|&&x| x <= 1).count() as f64;
    let fa = (long.alerts - long.true_alerts) as f64;
    format!(
        "{label:<18} {name:<12} {:>7} {:>7.3} {:>7.3} {:>9.3} {:>6} {:>6} {:>6} {:>13.2}",
        long.bursts,
        long.found as f64 / long.bursts.max(1) as f64,
        early / short.bursts.max(1) as f64,
        if long.alerts == 0 {
            1.0
        } else {
            long.true_alerts as f64 / long.alerts as f64
        },
        "-",
        "-",
        "-",
        fa / long.days.max(1.0) * 30.0,
    )
}

/// Recall and recall within one bucket per burst size and length.
#[derive(Default, Clone)]
pub struct Breakdown {
    n: [usize; 4],
    found: [usize; 4],
    early: [usize; 4],
}

/// (×3–5, 2–3 h), (×3–5, 4–8 h), (×5–10, 2–3 h), (×5–10, 4–8 h).
pub const CLASSES: [&str; 4] = ["x3-5 2-3h", "x3-5 4-8h", "x5-10 2-3h", "x5-10 4-8h"];

impl Breakdown {
    pub fn add(&mut self, tl: &Timeline, found: &Found) {
        for (k, &(bs, d)) in tl.bursts.iter().enumerate() {
            let size = tl.sizes.get(k).copied().unwrap_or(0.0);
            let c = 2 * usize::from(size >= 5.0) + usize::from(d >= 4);
            self.n[c] += 1;
            if let Some(&(o, _, _)) = found
                .iter()
                .filter(|&&(o, st, en)| st <= bs + d + 1 && en + 1 >= bs && o + 1 >= bs)
                .min_by_key(|x| x.0)
            {
                self.found[c] += 1;
                if o <= bs + 1 {
                    self.early[c] += 1;
                }
            }
        }
    }

    /// `recall/rec≤1` per class.
    pub fn cells(&self) -> String {
        (0..4)
            .map(|c| {
                let n = self.n[c].max(1) as f64;
                format!(
                    "{:>4} {:>5.2}/{:<5.2}",
                    self.n[c],
                    self.found[c] as f64 / n,
                    self.early[c] as f64 / n
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}
