//! `earshot run`: the daemon. Crawls each source on its schedule, writes
//! scheduled reports and (with `--serve`) serves the dashboard until
//! Ctrl-C.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, runtime, signal, store_path, Cli, Exit};
use earshot::crawl;
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Also serve the dashboard and API (serve.bind) from this process,
    /// sharing its store. Without it the API still listens on a loopback
    /// port (named in the store's daemon.json) for the read commands
    #[arg(long)]
    pub serve: bool,
}

pub(super) fn run(cli: &Cli, args: &RunArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Arc::new(Store::open(&store_path(cli, &config))?);
    let rt = runtime()?;
    rt.block_on(async {
        let signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        let server = if args.serve {
            let addr: std::net::SocketAddr = config.serve.bind.parse().with_context(|| {
                format!("serve.bind `{}` is not an address with a port", config.serve.bind)
            })?;
            let server = crate::serve::start(config.clone(), store.clone(), addr, shutdown).await?;
            println!("dashboard at {}/ ; sign in once with {}", server.base_url(), server.login_link(crate::config::Role::Admin));
            if let Some(t) = server.generated_token() {
                println!("  no [[serve.tokens]] configured: this run's admin token is {t}");
            }
            server
        } else {
            // Without --serve, the API still listens on a loopback port of
            // its own, named only in the store's endpoint file: `earshot
            // mentions`, `stats`, `report`, `alerts` and `timeline` ask
            // this process while it holds the store.
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            crate::serve::start(config.clone(), store.clone(), addr, shutdown).await?
        };
        eprintln!("earshot run: {} sources, store {}; Ctrl-C to stop", config.sources.len(), store.path().display());
        let progress: crawl::Progress = if cli.quiet {
            Arc::new(|_: &str| {})
        } else {
            Arc::new(|line: &str| tracing::info!("{line}"))
        };
        let on_pass = |name: &str, s: &crawl::CrawlSummary| {
            println!(
                "pass done: source {name}: {} fetched, {} unchanged, {} fresh, {} failed; {} new mentions",
                s.pages_fetched, s.pages_unchanged, s.pages_fresh, s.pages_failed, s.mentions_new
            );
        };
        let reports = {
            let (config, store, stop) = (config.clone(), store.clone(), shutdown.clone());
            tokio::spawn(async move { earshot::report::scheduled::run(&config.reports, store, stop).await })
        };
        let result = crate::daemon::run(&config, store.clone(), shutdown.clone(), progress, &on_pass).await;
        if result.is_ok() && (!config.reports.is_empty() || args.serve) {
            // Sources done (or none scheduled): reports and the dashboard
            // go on until Ctrl-C.
            shutdown.cancelled().await;
        }
        shutdown.cancel();
        let _ = reports.await;
        server.stop().await;
        drop(signals);
        store.flush()?;
        result?;
        eprintln!("earshot run: stopped; store flushed");
        Ok(Exit::Ok)
    })
}
