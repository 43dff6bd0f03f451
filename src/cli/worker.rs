//! `earshot worker --fleet nats://HOST:4222`: a fleet worker. It takes
//! fetch jobs from NATS JetStream, fetches politely, extracts, matches and
//! scores, and sends each page back to the coordinator (`earshot run
//! --fleet` or `earshot crawl --fleet`); it holds no store. Give it the
//! coordinator's config file (sources, watches, model).

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, runtime, signal, Cli, Exit};
use crate::config::Config;
use earshot::crawl::remote::PageWorker;
use earshot::fleet::{self, FleetConfig, WorkerOptions};

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The NATS server(s), e.g. nats://10.0.0.5:4222 (else [fleet] url)
    #[arg(long, value_name = "URL")]
    pub fleet: Option<String>,
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
    let model = fleet::model_version(&config.sentiment)?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = format!("{}:{}", host.trim(), std::process::id());
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        let fetcher = Arc::new(earshot::fetch::Fetcher::new(&config.crawl)?);
        let scorer = earshot::sentiment::shared_scorer(&config.sentiment)?;
        let worker = PageWorker::new(config.crawl_setup(), fetcher, scorer)?;
        eprintln!("earshot worker {name}: taking jobs from {url} ({} shards, model {model}); Ctrl-C to stop", fleet_cfg.shards);
        let opts = WorkerOptions {
            fleet: fleet_cfg,
            url,
            model,
            name,
        };
        anyhow::Ok(fleet::run_worker(opts, worker, shutdown.clone()).await?)
    })?;
    eprintln!(
        "earshot worker: {} jobs done, {} pages failed",
        summary.jobs, summary.failed
    );
    Ok(Exit::Ok)
}
