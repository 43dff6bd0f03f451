//! `earshot crawl`: one pass over the configured sources.

use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, output, runtime, signal, store_path, Cli, Exit};
use crate::config::Config;
use earshot::crawl::{self, CrawlSummary, PipelineError};
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Only this [[source]]
    #[arg(long)]
    pub source: Option<String>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    /// Crawl through the fleet at this NATS server (nats://HOST:4222):
    /// workers (`earshot worker`) fetch, this process stores
    #[arg(long, value_name = "URL")]
    pub fleet: Option<String>,
}

pub(super) fn run(cli: &Cli, args: &CrawlArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Arc::new(Store::open_with_cache(
        &store_path(cli, &config),
        config.store.cache_mb,
    )?);
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        if args.fleet.is_some() || config.fleet.as_ref().is_some_and(|f| f.url.is_some()) {
            let crawler = super::worker::fleet_crawler(&config, args.fleet.as_deref()).await?;
            let progress = output::progress(cli.quiet || args.json);
            let result = crawler
                .pass(
                    &config.crawl_setup(),
                    store.clone(),
                    args.source.as_deref(),
                    shutdown.clone(),
                    progress.callback(),
                )
                .await;
            progress.finish();
            return anyhow::Ok(result?);
        }
        anyhow::Ok(
            crawl_with_progress(
                &config,
                store.clone(),
                args.source.as_deref(),
                cli.quiet || args.json,
                shutdown,
            )
            .await?,
        )
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        output::print_summary(&summary);
        let stale = crawl::stale_watches(&store, &config.watches)?;
        if !stale.is_empty() {
            println!(
                "The watches {} changed since the stored posts were matched: pages crawled before reach them with `earshot rematch` (`earshot run` does it on start).",
                stale.join(", ")
            );
        }
    }
    Ok(if summary.pages_failed > 0 {
        Exit::Partial
    } else {
        Exit::Ok
    })
}

/// One crawl pass with the progress display (none when `quiet`); `stop`
/// ends fetching.
pub(super) async fn crawl_with_progress(
    config: &Config,
    store: Arc<Store>,
    only: Option<&str>,
    quiet: bool,
    stop: &CancellationToken,
) -> Result<CrawlSummary, PipelineError> {
    let progress = output::progress(quiet);
    let result = crawl::crawl(
        &config.crawl_setup(),
        store,
        only,
        stop.clone(),
        progress.callback(),
    )
    .await;
    progress.finish();
    result
}
