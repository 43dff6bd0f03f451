//! Detector accuracy on synthetic timelines (issue #7).
//!
//! The generator: hourly buckets over 16 weeks per watch; volume with a
//! daily profile (night trough, noon and evening peaks), weekends at 0.8,
//! slow growth (+30% over the run), three holidays at 0.4 of normal volume,
//! a per-day level wobble (8%), Poisson noise, a negative share of 12–20%.
//! Planted negative bursts of size m and duration d add (m − 1) × the
//! watch's average hourly negative count to each burst hour, one burst
//! every ~9 days, none in the first 5 weeks (4 weeks of baseline + 1).
//!
//! Reported per (m, d): recall (bursts overlapped by an alert), precision
//! (alerts overlapping a burst / all alerts), detection delay in buckets
//! (alert opening bucket − burst start), false alerts per watch per 30 days;
//! for earshot's seasonal detector and for mean + 3σ over a trailing
//! 14-day window (Huginn's PeakDetectorAgent with its defaults).
//!
//! A second table (`alert/first_month.rs`) runs new watches from their
//! first hour, counting the first month like any other, per generator
//! family (all seven tuned on or looked at by now; `stream`, the seventh,
//! was held out for its first run: see `alert/stream.rs`), each
//! volume with the oracle bound of `alert/bound.rs` beside it.
//!
//! Run: `cargo bench --bench alert` (or `cargo test --bench alert` for a
//! quick unoptimised run); `ALERT_BENCH_WATCHES=N` changes the watches per
//! cell (default 12).

use chrono::{DateTime, Duration, TimeZone, Utc};
use earshot::alert::detect::{self, DetectorConfig, Point};

#[path = "alert/bound.rs"]
mod bound;
#[path = "alert/first_month.rs"]
mod first_month;
#[path = "alert/fresh2.rs"]
mod fresh2;
#[path = "alert/office.rs"]
mod office;
#[path = "alert/stream.rs"]
mod stream;
use first_month::first_month;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.f().max(1e-300), self.f());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 60.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let l = (-lambda).exp();
        let (mut k, mut p) = (0u64, 1.0);
        loop {
            p *= self.f();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
}

const WEEKS: usize = 16;
const WARMUP_WEEKS: usize = 5;

struct Timeline {
    points: Vec<Point>,
    bursts: Vec<(usize, usize)>,
    /// Each burst's size (× the watch's average hourly negatives).
    sizes: Vec<f64>,
    /// Each hour's expected negatives without a burst: what the oracle of
    /// `bound.rs` knows.
    rate: Vec<f64>,
}

fn daily(h: usize) -> f64 {
    // Trough at 4h, peaks around 12h and 21h; mean ~1.
    const P: [f64; 24] = [
        0.55, 0.4, 0.3, 0.25, 0.25, 0.3, 0.5, 0.8, 1.1, 1.3, 1.4, 1.5, 1.55, 1.4, 1.3, 1.25, 1.2,
        1.2, 1.3, 1.45, 1.55, 1.6, 1.3, 0.9,
    ];
    P[h % 24]
}

fn generate(seed: u64, size: f64, dur: usize, low: bool) -> Timeline {
    let mut r = Rng(seed);
    let hours = WEEKS * 168;
    let base = if low {
        8.0 + 8.0 * r.f()
    } else {
        40.0 + 160.0 * r.f()
    };
    let share = 0.12 + 0.08 * r.f();
    let holidays: Vec<usize> = (0..3)
        .map(|_| (r.next() % (WEEKS as u64 * 7)) as usize)
        .collect();
    let mut bursts = Vec::new();
    if size > 0.0 {
        let mut h = WARMUP_WEEKS * 168 + (r.next() % 72) as usize;
        while h + dur < hours - 24 {
            bursts.push((h, dur));
            h += 24 * 7 + (r.next() % (24 * 4)) as usize;
        }
    }
    let mut day_level = 1.0;
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut points = Vec::with_capacity(hours);
    let mut rate = Vec::with_capacity(hours);
    for h in 0..hours {
        let day = h / 24;
        if h % 24 == 0 {
            day_level = (0.08 * r.normal()).exp();
        }
        let weekly = if day % 7 >= 5 { 0.8 } else { 1.0 };
        let growth = 1.0 + 0.3 * h as f64 / hours as f64;
        let holiday = if holidays.contains(&day) { 0.4 } else { 1.0 };
        let lam = base * daily(h) * weekly * growth * holiday * day_level;
        rate.push(lam * share);
        let mut neg = r.poisson(lam * share);
        let other = r.poisson(lam * (1.0 - share));
        if bursts.iter().any(|&(s, d)| h >= s && h < s + d) {
            neg += r.poisson((size - 1.0) * base * share);
        }
        points.push(Point {
            time: t0 + Duration::hours(h as i64),
            total: neg + other,
            negative: neg,
        });
    }
    let sizes = vec![size; bursts.len()];
    Timeline {
        points,
        bursts,
        sizes,
        rate,
    }
}

/// An alert as (opened bucket, start bucket, end bucket).
type Found = Vec<(usize, usize, usize)>;

fn idx(points: &[Point], t: DateTime<Utc>) -> usize {
    ((t - points[0].time).num_hours()).max(0) as usize
}

fn earshot(tl: &Timeline, cfg: &DetectorConfig) -> Found {
    let from = tl.points[WARMUP_WEEKS * 168 - 24].time;
    detect::run(&tl.points, cfg, Duration::hours(1), Some(from))
        .into_iter()
        .map(|e| {
            if std::env::var("ALERT_BENCH_DEBUG").is_ok() {
                eprintln!(
                    "episode {:?} opened {} obs {} exp {:.1} p {:.2e} peak {}",
                    e.detector,
                    idx(&tl.points, e.opened),
                    e.observed,
                    e.expected,
                    e.p_value,
                    e.peak_observed
                );
            }
            (
                idx(&tl.points, e.opened),
                idx(&tl.points, e.start),
                idx(&tl.points, e.end),
            )
        })
        .collect()
}

/// mean + 3σ of the trailing 14 days (Huginn's PeakDetectorAgent); firing
/// buckets less than 6 apart are one alert.
fn mean3sigma(tl: &Timeline) -> Found {
    mean3sigma_from(tl, WARMUP_WEEKS * 168 - 24)
}

/// [`mean3sigma`] evaluated from bucket `first` on, over the trailing 14
/// days or what there is of them (a new watch: from its second day on,
/// over the hours it has).
fn mean3sigma_from(tl: &Timeline, first: usize) -> Found {
    let mut out: Found = Vec::new();
    for i in first.max(24)..tl.points.len() {
        let w = i.min(14 * 24);
        let win: Vec<f64> = tl.points[i - w..i]
            .iter()
            .map(|p| p.negative as f64)
            .collect();
        let mean = win.iter().sum::<f64>() / w as f64;
        let var = win.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / w as f64;
        if tl.points[i].negative as f64 > mean + 3.0 * var.sqrt() {
            match out.last_mut() {
                Some(last) if i <= last.2 + 6 => last.2 = i,
                _ => out.push((i, i, i)),
            }
        }
    }
    out
}

#[derive(Default, Clone)]
struct Score {
    bursts: usize,
    found: usize,
    alerts: usize,
    true_alerts: usize,
    delays: Vec<i64>,
    days: f64,
}

fn score(s: &mut Score, tl: &Timeline, found: &Found) {
    score_days(s, tl, found, ((WEEKS - WARMUP_WEEKS) * 7) as f64)
}

fn score_days(s: &mut Score, tl: &Timeline, found: &Found, days: f64) {
    s.days += days;
    s.alerts += found.len();
    for &(o, st, en) in found {
        if std::env::var("ALERT_BENCH_DEBUG").is_ok()
            && !tl.points.is_empty()
            && !tl
                .bursts
                .iter()
                .any(|&(bs, d)| st <= bs + d + 1 && en + 1 >= bs && o + 1 >= bs)
        {
            let near = tl
                .bursts
                .iter()
                .map(|&(bs, _)| st as i64 - bs as i64)
                .min_by_key(|x| x.abs());
            eprintln!(
                "false alert: opened {o} start {st} end {en}; nearest burst start offset {near:?}"
            );
            for i in st.saturating_sub(1)..=o {
                let wk: Vec<u64> = (0..=4)
                    .filter(|j| i >= j * 168)
                    .map(|j| tl.points[i - j * 168].negative)
                    .collect();
                let tot: Vec<u64> = (0..=4)
                    .filter(|j| i >= j * 168)
                    .map(|j| tl.points[i - j * 168].total)
                    .collect();
                eprintln!("   bucket {i}: negative now and 1-4 weeks back {wk:?}, total {tot:?}");
            }
        }
        if tl
            .bursts
            .iter()
            .any(|&(bs, d)| st <= bs + d + 1 && en + 1 >= bs && o + 1 >= bs)
        {
            s.true_alerts += 1;
        }
    }
    for &(bs, d) in &tl.bursts {
        s.bursts += 1;
        if let Some(&(o, _, _)) = found
            .iter()
            .filter(|&&(o, st, en)| st <= bs + d + 1 && en + 1 >= bs && o + 1 >= bs)
            .min_by_key(|x| x.0)
        {
            s.found += 1;
            s.delays.push(o as i64 - bs as i64);
        }
    }
}

impl Score {
    /// Adds another cell's counts (pooling the rates of a family).
    fn absorb(&mut self, other: &Score) {
        self.bursts += other.bursts;
        self.found += other.found;
        self.alerts += other.alerts;
        self.true_alerts += other.true_alerts;
        self.delays.extend_from_slice(&other.delays);
        self.days += other.days;
    }

    fn row(&self, name: &str, label: &str) -> String {
        let mut d = self.delays.clone();
        d.sort();
        let q = |f: f64| {
            d.get(((d.len() as f64 - 1.0) * f).round() as usize)
                .map(|x| x.to_string())
                .unwrap_or_else(|| "-".into())
        };
        let fa = (self.alerts - self.true_alerts) as f64;
        format!(
            "{label:<18} {name:<12} {:>7} {:>7.3} {:>7.3} {:>9.3} {:>6} {:>6} {:>6} {:>13.2}",
            self.bursts,
            self.found as f64 / self.bursts.max(1) as f64,
            d.iter().filter(|&&x| x <= 1).count() as f64 / self.bursts.max(1) as f64,
            if self.alerts == 0 {
                1.0
            } else {
                self.true_alerts as f64 / self.alerts as f64
            },
            q(0.5),
            q(0.95),
            d.last()
                .map(|x| x.to_string())
                .unwrap_or_else(|| "-".into()),
            fa / self.days * 30.0,
        )
    }
}

fn main() {
    // `cargo test --benches` passes flags; `--bench` is ours to ignore.
    let watches: u64 = std::env::var("ALERT_BENCH_WATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    // The shipped default (seasonal + share); ALERT_BENCH_DETECTORS=seasonal
    // compares another selection.
    let detectors: Vec<detect::Detector> = std::env::var("ALERT_BENCH_DETECTORS")
        .unwrap_or_else(|_| "seasonal,share".into())
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    let cfg = DetectorConfig {
        detectors,
        ..Default::default()
    };
    // ALERT_BENCH_DUMP=FAMILY,RATE,WATCH prints one first-month timeline
    // as CSV (`earshot backtest --series` reads it) and runs no detector.
    if let Ok(spec) = std::env::var("ALERT_BENCH_DUMP") {
        first_month::dump(&spec);
        return;
    }
    let started = std::time::Instant::now();
    println!(
        "earshot alert benchmark: {watches} synthetic watches per row, {} weeks each ({} evaluated), hourly buckets",
        WEEKS,
        WEEKS - WARMUP_WEEKS
    );
    println!(
        "detectors {:?}: weeks={} alpha={} dispersion={} min_count={} resolve_after={} cooldown={}",
        cfg.detectors,
        cfg.weeks,
        cfg.alpha,
        cfg.dispersion,
        cfg.min_count,
        cfg.resolve_after,
        cfg.cooldown
    );
    println!(
        "volume: normal = 40-200 mentions/h on average (5-40 negative), low = 8-16/h (1-3 negative)\n"
    );
    println!(
        "{:<18} {:<12} {:>7} {:>7} {:>7} {:>9} {:>6} {:>6} {:>6} {:>13}",
        "burst",
        "detector",
        "bursts",
        "recall",
        "rec≤1",
        "precision",
        "d50",
        "d95",
        "dmax",
        "false/30d"
    );
    let cells: Vec<(f64, usize, bool)> = vec![
        (0.0, 0, false),
        (2.0, 1, false),
        (2.0, 2, false),
        (3.0, 1, false),
        (3.0, 2, false),
        (3.0, 4, false),
        (5.0, 2, false),
        (5.0, 4, false),
        (8.0, 2, false),
        (0.0, 0, true),
        (3.0, 2, true),
        (5.0, 2, true),
        (8.0, 2, true),
    ];
    // ALERT_BENCH_FAMILY=rough,shifted runs those first-month families alone.
    let only = std::env::var("ALERT_BENCH_FAMILY").is_ok();
    for (size, dur, low) in cells.into_iter().filter(|_| !only) {
        let (mut a, mut b) = (Score::default(), Score::default());
        for w in 0..watches {
            let tl = generate(
                0xEA25_0000 + w * 7919 + (size as u64) * 131 + dur as u64,
                size,
                dur,
                low,
            );
            score(&mut a, &tl, &earshot(&tl, &cfg));
            score(&mut b, &tl, &mean3sigma(&tl));
        }
        let label = if size == 0.0 {
            "none".to_string()
        } else {
            format!("{size}x {dur}h")
        } + if low { " low" } else { "" };
        println!("{}", a.row("earshot", &label));
        println!("{}", b.row("mean+3sd", &label));
    }
    first_month(&cfg, watches);
    println!(
        "\nburst m×: each burst hour gets (m-1) × the watch's average hourly negatives on top; \
         delay in buckets from the burst's first bucket to the alert's opening bucket; \
         rec≤1 = recall within one bucket (the alert opens at most one bucket after the burst starts); \
         false/30d = alerts overlapping no burst, per watch per 30 days. ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
}
