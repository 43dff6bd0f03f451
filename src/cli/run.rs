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
    /// With --serve: print a one-time admin sign-in link (valid 10
    /// minutes) even when stdout is not a terminal or tokens are configured
    #[arg(long)]
    pub login_link: bool,
    /// Coordinate a fleet through this NATS server (nats://HOST:4222):
    /// workers (`earshot worker`) fetch and score, this process stores,
    /// schedules, alerts and serves
    #[arg(long, value_name = "URL")]
    pub fleet: Option<String>,
}

pub(super) fn run(cli: &Cli, args: &RunArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Arc::new(Store::open_with_cache(
        &store_path(cli, &config),
        config.store.cache_mb,
    )?);
    let rt = runtime()?;
    rt.block_on(async {
        let signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        // When the stop began (the signal), for the "stopped in" line.
        let stop_began = {
            let token = shutdown.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                std::time::Instant::now()
            })
        };
        let crawler = Arc::new(if args.fleet.is_some() || config.fleet.as_ref().is_some_and(|f| f.url.is_some()) {
            super::worker::fleet_crawler(&config, args.fleet.as_deref()).await?
        } else {
            crawl::Crawler::new(&config.crawl)?
        });
        let ops = crate::daemon::Ops::new(crawler, store.clone(), config.clone());
        let hangups = {
            let (ops, cli_config, store_path) =
                (ops.clone(), cli.config.clone(), store.path().to_path_buf());
            signal::on_hangup(move || reload(&ops, cli_config.as_deref(), &store_path))
        };
        let server = if args.serve {
            let addr: std::net::SocketAddr = config.serve.bind.parse().with_context(|| {
                format!("serve.bind `{}` is not an address with a port", config.serve.bind)
            })?;
            let server = crate::serve::start_with(config.clone(), store.clone(), addr, shutdown, ops.clone()).await?;
            super::serve::print_dashboard(&server, super::serve::show_login_link(&config, args.login_link), "");
            server
        } else {
            // Without --serve, the API still listens on a loopback port of
            // its own, named only in the store's endpoint file: `earshot
            // mentions`, `stats`, `report`, `alerts` and `timeline` ask
            // this process while it holds the store.
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            crate::serve::start_with(config.clone(), store.clone(), addr, shutdown, ops.clone()).await?
        };
        eprintln!("earshot run: {} sources, store {}; Ctrl-C or SIGTERM to stop, SIGHUP to reload the config", config.sources.len(), store.path().display());
        tracing::info!(pid = std::process::id(), sources = config.sources.len(), store = %store.path().display(), "earshot run started");
        // Per-URL lines are for debugging; each pass logs one info line.
        let progress: crawl::Progress = if cli.quiet {
            Arc::new(|_: &str| {})
        } else {
            // Failures (one line per cause) are warnings.
            Arc::new(|line: &str| match line.strip_prefix("error  ") {
                Some(e) => tracing::warn!("{e}"),
                None => tracing::debug!("{line}"),
            })
        };
        let on_pass: crate::daemon::OnPass = Arc::new(|name: &str, s: &crawl::CrawlSummary| {
            println!(
                "pass done: source {name}: {} fetched, {} unchanged, {} fresh, {} failed; {} new mentions",
                s.pages_fetched, s.pages_unchanged, s.pages_fresh, s.pages_failed, s.mentions_new
            );
        });
        let reports = {
            let (config, store, stop) = (config.clone(), store.clone(), shutdown.clone());
            tokio::spawn(async move { earshot::report::scheduled::run(&config.reports, &config.report_settings, &config.channels, store, stop).await })
        };
        // Runs until the shutdown token is cancelled (a signal), or a
        // store error stops it.
        let result = crate::daemon::run(ops.clone(), shutdown.clone(), progress, on_pass).await;
        shutdown.cancel();
        let _ = reports.await;
        server.stop().await;
        drop(hangups);
        drop(signals);
        store.flush()?;
        result?;
        let took = stop_began
            .await
            .map_or(0.0, |began| began.elapsed().as_secs_f64());
        tracing::info!(seconds = took, "stopped; store flushed");
        eprintln!("earshot run: stopped in {took:.1} s; store flushed");
        Ok(Exit::Ok)
    })
}

/// SIGHUP: the config file is read and checked again; a good one is put
/// in force, a bad one is logged and the running config kept.
fn reload(ops: &crate::daemon::Ops, config: Option<&std::path::Path>, store: &std::path::Path) {
    let source = crate::config::find(config);
    match source.load() {
        Ok(new) if new.store.path != ops.config().store.path && new.store.path != store => {
            let why = format!(
                "store.path changed to {}: that takes a restart",
                new.store.path.display()
            );
            tracing::error!("config reload refused, the running config is kept: {why}");
            ops.reload_failed(why);
        }
        Ok(new) => {
            tracing::info!(
                sources = new.sources.len(),
                watches = new.watches.len(),
                "config reloaded from {source}; [serve], [[report]] and the HTTP client settings of [crawl] take effect at the next restart"
            );
            ops.replace_config(new);
        }
        Err(e) => {
            let why = format!("{e}");
            tracing::error!("config reload failed, the running config is kept: {why}");
            ops.reload_failed(why);
        }
    }
}
