//! `earshot worker --fleet nats://HOST:4222`: a fleet worker. It takes
//! fetch jobs from NATS JetStream, fetches politely, extracts, matches and
//! scores, and sends each page back to the coordinator (`earshot run
//! --fleet` or `earshot crawl --fleet`); it holds no store. Give it the
//! coordinator's config file (sources, watches, model). `--no-score`
//! leaves scoring to workers started with `--score-only` (a GPU machine).

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, runtime, signal, Cli, Exit};
use crate::config::Config;
use earshot::crawl::remote::PageWorker;
use earshot::fleet::{self, FleetConfig, ScorerOptions, WorkerOptions};

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The NATS server(s), e.g. nats://10.0.0.5:4222 (else [fleet] url)
    #[arg(long, value_name = "URL")]
    pub fleet: Option<String>,
    /// Fetch and read pages but do not score: pages with mentions wait in
    /// NATS for a worker started with --score-only
    #[arg(long, conflicts_with = "score_only")]
    pub no_score: bool,
    /// Only score, with [sentiment]'s model and device, the pages that
    /// --no-score workers read; fetch nothing
    #[arg(long)]
    pub score_only: bool,
    /// With --score-only: pages whose mentions are scored in one call
    #[arg(long, value_name = "N", default_value_t = 32, requires = "score_only")]
    pub batch_pages: usize,
}

/// `[fleet]` and the URL to use: `--fleet`, else `[fleet] url`.
pub(super) fn fleet_settings(config: &Config, flag: Option<&str>) -> Result<(FleetConfig, String)> {
    let cfg = config.fleet.clone().unwrap_or_default();
    let url = flag
        .map(str::to_string)
        .or_else(|| cfg.url.clone())
        .context("no NATS server: pass --fleet nats://HOST:4222 or set url in [fleet]")?;
    Ok((cfg, url))
}

/// A crawler whose passes run through the fleet at `url`.
pub(super) async fn fleet_crawler(
    config: &Config,
    flag: Option<&str>,
) -> Result<earshot::crawl::Crawler> {
    let (cfg, url) = fleet_settings(config, flag)?;
    let model = fleet::model_version(&config.sentiment)?;
    let coordinator = fleet::Coordinator::connect(cfg, &url, model).await?;
    Ok(earshot::crawl::Crawler::new(&config.crawl)?.with_remote(Arc::new(coordinator)))
}

pub(super) fn run(cli: &Cli, args: &WorkerArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let (fleet_cfg, url) = fleet_settings(&config, args.fleet.as_deref())?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = format!("{}:{}", host.trim(), std::process::id());
    if args.score_only {
        return score_only(&config, args, fleet_cfg, url, name, shutdown);
    }
    // A worker that does not score needs no model: it takes jobs of any.
    let model = if args.no_score {
        "any".to_string()
    } else {
        fleet::model_version(&config.sentiment)?
    };
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        let fetcher = Arc::new(earshot::fetch::Fetcher::new(&config.crawl)?);
        let scorer = if args.no_score {
            None
        } else {
            earshot::sentiment::shared_scorer(&config.sentiment)?
        };
        let worker = PageWorker::new(config.crawl_setup(), fetcher, scorer)?;
        let scoring = if args.no_score {
            "scoring left to --score-only workers".to_string()
        } else {
            format!("model {model}")
        };
        eprintln!(
            "earshot worker {name}: taking jobs from {url} ({} shards, {scoring}); Ctrl-C to stop",
            fleet_cfg.shards
        );
        let opts = WorkerOptions {
            fleet: fleet_cfg,
            url,
            model,
            name,
            score: !args.no_score,
        };
        anyhow::Ok(fleet::run_worker(opts, worker, shutdown.clone()).await?)
    })?;
    eprintln!(
        "earshot worker: {} jobs done, {} pages failed, {} pages sent to score-only workers",
        summary.jobs, summary.failed, summary.to_score
    );
    Ok(Exit::Ok)
}

/// `earshot worker --score-only`.
fn score_only(
    config: &Config,
    args: &WorkerArgs,
    fleet_cfg: FleetConfig,
    url: String,
    name: String,
    shutdown: &CancellationToken,
) -> Result<Exit> {
    let Some(scorer) = earshot::sentiment::shared_scorer(&config.sentiment)? else {
        return Err(super::UsageError::new(
            "--score-only needs a model, but [sentiment] enabled = false in this config",
        )
        .help("give this worker the coordinator's [sentiment] section (enabled = true, model; device = \"cuda\" on a GPU)")
        .into());
    };
    let model = fleet::model_version(&config.sentiment)?;
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        eprintln!(
            "earshot worker {name}: scoring pages from {url} (model {model}, {} pages a batch); Ctrl-C to stop",
            args.batch_pages
        );
        let opts = ScorerOptions {
            fleet: fleet_cfg,
            url,
            model,
            name,
            batch_pages: args.batch_pages,
        };
        anyhow::Ok(fleet::run_scorer(opts, scorer, shutdown.clone()).await?)
    })?;
    eprintln!(
        "earshot worker: {} pages scored ({} mentions in {} batches, {:.1}s in the scorer)",
        summary.pages, summary.mentions, summary.batches, summary.scoring_seconds
    );
    Ok(Exit::Ok)
}
