//! `earshot backtest`: the alerts the detectors would have raised over
//! stored history or a CSV series.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Args;

use super::{check_watch, load_config, parse_when, store_path, Cli, Exit, UsageError};
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// A CSV with the header `time,total,negative`, hourly buckets
    #[arg(long, conflicts_with = "watch", required_unless_present = "watch")]
    pub series: Option<PathBuf>,
    /// A watch's stored timeline
    #[arg(long)]
    pub watch: Option<String>,
    /// Start (with --watch): RFC 3339, a date, or a duration back from now
    #[arg(long, requires = "watch")]
    pub from: Option<String>,
    /// End (with --watch) [default: now]
    #[arg(long, requires = "watch")]
    pub to: Option<String>,
    /// One JSON object per alert and line
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, a: &BacktestArgs) -> Result<Exit> {
    use earshot::alert::detect;
    let config = load_config(cli)?;
    let now = Utc::now();
    let (series, from, cfg) = match (&a.series, &a.watch) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the series {}", file.display()))?;
            let s = detect::read_csv(&text).map_err(|e| {
                anyhow::anyhow!("{}: {e}\n  help: the CSV needs the header time,total,negative and one hourly bucket a line, e.g. 2026-11-20T09:00:00+08:00,120,14", file.display())
            })?;
            (s, None, config.alert.detect.clone())
        }
        (None, Some(w)) => {
            check_watch(&config, None, w)?;
            let Some(wc) = config.watches.iter().find(|x| &x.name == w) else {
                return Err(
                    UsageError::new(format!("no [[watch]] named `{w}` in the config")).into(),
                );
            };
            let cfg = wc
                .alert
                .as_ref()
                .map(|x| x.apply(&config.alert.detect))
                .unwrap_or_else(|| config.alert.detect.clone());
            let to =
                a.to.as_deref()
                    .map(|t| parse_when(t, now))
                    .transpose()?
                    .unwrap_or(now);
            let from = a
                .from
                .as_deref()
                .map(|t| parse_when(t, now))
                .transpose()?
                .unwrap_or(to - chrono::Duration::days(30));
            let max = earshot::report::MAX_PERIOD_DAYS;
            if to - from > chrono::Duration::days(max) {
                return Err(
                    UsageError::new(format!("--from to --to covers more than {max} days"))
                        .help("backtest at most about five years of stored history at a time")
                        .into(),
                );
            }
            let store = Store::open_existing(&store_path(cli, &config))?;
            let base = from - chrono::Duration::weeks(cfg.weeks as i64 + 1);
            let (s, n, scored) =
                earshot::alert::hourly_series(&store, w, base, to, config.alert.collapse_clusters)?;
            if scored == 0 {
                eprintln!("note: none of the {n} stored mentions of {w} in the range is scored for sentiment; no negative spike can show");
            }
            (s, Some(from), cfg)
        }
        (None, None) => {
            return Err(UsageError::new("give --series FILE.csv or --watch NAME").into());
        }
    };
    let eps = detect::run(&series, &cfg, chrono::Duration::hours(1), from);
    for e in &eps {
        let line = serde_json::json!({
            "start": e.start,
            "end": e.end + chrono::Duration::hours(1),
            "opened": e.opened + chrono::Duration::hours(1),
            "peak": e.peak,
            "peak_observed": e.peak_observed,
            "observed": e.observed,
            "expected": (e.expected * 10.0).round() / 10.0,
            "severity": e.severity,
            "detector": e.detector,
            "p_value": e.p_value.is_finite().then_some(e.p_value),
            "resolved": e.resolved.map(|r| r + chrono::Duration::hours(1)),
            "ratio": (e.observed as f64 / e.expected.max(0.5) * 100.0).round() / 100.0,
            "baseline_days": (e.baseline_days * 10.0).round() / 10.0,
            "baseline": detect::cold::describe_baseline(e, &cfg),
        });
        if a.json {
            println!("{line}");
        } else {
            // What decided it, to tune by: the baseline, its age, the
            // ratio and the p-value.
            println!(
                "{} – {}  {:<6} {:<9} observed {:>5}, expected {:>7.1} ({:.1}×; {}), peak {} ({})",
                e.start.format("%Y-%m-%d %H:%M"),
                (e.end + chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M"),
                e.severity,
                e.detector,
                e.observed,
                e.expected,
                e.observed as f64 / e.expected.max(0.5),
                detect::cold::describe_baseline(e, &cfg),
                e.peak.format("%Y-%m-%d %H:%M"),
                e.peak_observed
            );
        }
    }
    if !a.json {
        println!("{} alerts over {} buckets", eps.len(), series.len());
    }
    Ok(Exit::Ok)
}
