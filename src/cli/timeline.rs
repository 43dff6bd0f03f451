//! `earshot timeline` and `earshot timeline rebuild`.

use anyhow::Result;
use chrono::Utc;
use clap::{Args, Subcommand};

use super::remote::{self, Access};
use super::{load_config, parse_when, store_path, Cli, Exit, UsageError};
use crate::serve::cli_api::TimelineQuery;
use earshot::store::Store;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TimelineArgs {
    #[command(subcommand)]
    pub cmd: Option<TimelineCmd>,
    /// The watch
    #[arg(long)]
    pub watch: Option<String>,
    /// Bucket: 5m, hour or day
    #[arg(long, default_value = "hour")]
    pub bucket: String,
    /// Since: a duration back from now, a date or RFC 3339
    #[arg(long, default_value = "2d")]
    pub since: String,
    /// Until [default: now]
    #[arg(long)]
    pub until: Option<String>,
    /// One JSON object per bucket and line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TimelineCmd {
    /// Recompute every stored hourly and daily counter from the stored
    /// mentions (after a crash of an old version, or to check them)
    Rebuild {
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(cli: &Cli, a: &TimelineArgs) -> Result<Exit> {
    use earshot::alert::timeline::{timeline, Bucket};
    if let Some(TimelineCmd::Rebuild { json }) = &a.cmd {
        let config = load_config(cli)?;
        let store = Store::open_existing(&store_path(cli, &config))?;
        let (buckets, differed) = store.rebuild_counters()?;
        if *json {
            println!(
                "{}",
                serde_json::json!({"buckets": buckets, "differed": differed})
            );
        } else {
            println!("rebuilt {buckets} hourly and daily buckets from the stored mentions; {differed} differed from what was stored");
        }
        return Ok(Exit::Ok);
    }
    let Some(watch) = a.watch.as_deref() else {
        return Err(UsageError::new(
            "`earshot timeline` needs --watch NAME (or `earshot timeline rebuild`)",
        )
        .into());
    };
    let bucket = match a.bucket.as_str() {
        "5m" => Bucket::Min5,
        "hour" | "1h" => Bucket::Hour,
        "day" | "1d" => Bucket::Day,
        other => {
            return Err(UsageError::new(format!("`{other}` is not a bucket"))
                .help("--bucket 5m, hour or day")
                .into());
        }
    };
    let config = load_config(cli)?;
    let access = remote::open(&store_path(cli, &config), false)?;
    super::check_watch_at(&config, &access, watch)?;
    let now = Utc::now();
    let since = parse_when(&a.since, now)?;
    let until = a
        .until
        .as_deref()
        .map(|u| parse_when(u, now))
        .transpose()?
        .unwrap_or(now);
    if until - since > chrono::Duration::days(earshot::report::MAX_PERIOD_DAYS) {
        return Err(UsageError::new(format!(
            "--since {} to --until {} is longer than {} days",
            a.since,
            a.until.as_deref().unwrap_or("now"),
            earshot::report::MAX_PERIOD_DAYS
        ))
        .help("a timeline covers at most about five years; give a later --since")
        .into());
    }
    let rows: Vec<earshot::alert::timeline::Row> = match &access {
        Access::Local(store) => timeline(store, watch, bucket, since, until)?,
        Access::Daemon(d) => d.get(
            "/api/cli/timeline",
            &TimelineQuery {
                watch: watch.to_string(),
                bucket,
                since,
                until,
            },
        )?,
    };
    if a.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        println!(
            "{:<17} {:>6} {:>5} {:>5} {:>5} {:>6} {:>8} {:>6} {:>6}",
            "bucket (UTC)", "total", "neg", "neu", "pos", "unscrd", "copies", "authors", "sites"
        );
        // Each syndication cluster once, spam out: the counts the
        // detectors, reports and dashboard use; `copies` counts every copy.
        for r in rows.iter().filter(|r| r.mentions.total > 0) {
            let m = &r.clusters;
            println!(
                "{:<17} {:>6} {:>5} {:>5} {:>5} {:>6} {:>8} {:>6} {:>6}",
                r.start.format("%Y-%m-%d %H:%M"),
                m.total,
                m.negative,
                m.neutral,
                m.positive,
                m.unscored,
                r.mentions.total,
                r.authors,
                r.sites
            );
        }
    }
    Ok(Exit::Ok)
}
