//! `earshot demo`: serves the bundled demo site, crawls it and prints what
//! was found. The steps after the crawl live in [`crate::demo::steps`];
//! this file prints them.

use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::crawl::crawl_with_progress;
use super::{config_source, output, runtime, signal, store_path, Cli, Exit};
use crate::config::Config;
use earshot::store::{Label, MentionQuery, Store};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep serving the demo site after the crawl (until Ctrl-C)
    #[arg(long)]
    pub serve: bool,
}

pub(super) fn run(cli: &Cli, args: &DemoArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let rt = runtime()?;
    rt.block_on(async {
        let site = crate::demo::start().await.context("cannot start the demo site on 127.0.0.1")?;
        let base = site.base_url();
        // The demo runs on the example compiled in, unless a file is named
        // (--config or EARSHOT_CONFIG): not on ./config/earshot.toml.
        let source = match config_source(cli) {
            s @ crate::config::ConfigSource::File { how: "--config" | "EARSHOT_CONFIG", .. } => s,
            _ => crate::config::ConfigSource::BuiltIn,
        };
        tracing::info!("config: {source}");
        let mut config = source.load()?;
        site.route(&mut config);
        let path = store_path(cli, &config);
        println!("earshot demo: the bundled demo site is at {base}/ (crawled as http://{}/)", crate::demo::DEMO_HOST);
        let model_dir = config.sentiment.resolve_model_dir()?;
        let scorer = earshot::sentiment::find_scorer(&config.sentiment)?;
        println!(
            "sentiment: model {} in its own process ({}, started on the first batch, {} threads); each mention is scored on its context window",
            model_dir.display(),
            scorer.display(),
            config.sentiment.threads
        );
        println!("config: {source}");
        println!("store:  {}\n", path.display());
        let store = Arc::new(Store::open(&path)?);
        let signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        let summary = crawl_with_progress(&config, store.clone(), None, cli.quiet, shutdown).await?;
        drop(signals);
        output::print_summary(&summary);
        print_found(&config, &store)?;
        println!("\n== Extraction: the post model of one page of each kind (earshot extract URL) ==");
        for (label, result) in crate::demo::steps::extract_samples(&config).await? {
            match result {
                Ok(e) => output::print_extracted_brief(&label, &e),
                Err(e) => println!("  {label}: {e}"),
            }
        }
        let forum = format!("http://{}/bbs/forum-2-1.html", crate::demo::DEMO_HOST);
        println!("\n== Adding a source: what `earshot source add {forum}` proposes ==");
        match super::source_add::proposal_text(&config, &forum).await {
            Ok(t) => print!("{t}"),
            Err(e) => println!("  {e:#}"),
        }
        let negative = store.mentions(&MentionQuery {
            sentiment: Some(Label::Negative),
            limit: Some(5),
            ..Default::default()
        })?;
        if !negative.is_empty() {
            println!("\n== Newest negative mentions ==");
            output::print_mentions(&negative);
        }
        let clusters = store.clusters(2)?;
        if !clusters.is_empty() {
            println!("\n== Syndication: stories found on several sites ==");
            for c in &clusters {
                println!("  {} copies on {}: {}", c.members.len(), c.sites.join(", "), c.title.as_deref().unwrap_or("(untitled)"));
            }
        }
        print_alerts(&config, &store, shutdown).await?;
        // Reports of the demo watches over the period the demo's posts cover.
        let (from, written, pdf_skipped) = crate::demo::steps::write_reports(&config, &store, Utc::now())?;
        if !written.is_empty() {
            println!("\n== Reports ==");
            for p in &written {
                println!("  wrote {}", p.display());
            }
        }
        if let Some(why) = pdf_skipped {
            println!("  PDF report (zh-CN) skipped: {why}");
        }
        println!("\nNext:");
        let exe = "./target/release/earshot";
        let store_arg = cli.store.as_ref().map(|p| format!(" --store {}", p.display())).unwrap_or_default();
        println!("  {exe}{store_arg} serve    # the dashboard: open the sign-in link it prints (from: {})", from.format("%Y-%m-%d"));
        if let Some(p) = written.first() {
            println!("  open {}    # the HTML report in a browser (xdg-open / open)", p.display());
        }
        if let Some(w) = config.watches.first() {
            println!("  {exe} mentions --watch {} --since 30d    # list mentions", w.name);
        }
        println!("  {exe} stats                               # what the store holds");
        println!("  {exe} config check config/earshot.toml    # validate your own config");
        println!("  {exe} source add https://bbs.example.com/forum-2-1.html --write   # add a site of your own (then crawl)");
        println!("  {exe} rematch                             # after adding or editing a watch: apply it to the pages already crawled");
        println!("  {exe} run --serve                         # the daemon: each source on its schedule, alerts delivered, /health and /metrics;");
        println!("                                                  mentions, stats, report and alerts keep working beside it");
        println!("  {exe} store backup backups/earshot-$(date +%F)   # a consistent copy of the store (store restore puts one back)");
        println!("  make install PREFIX=/opt/earshot                  # a directory to copy to a server (deploy/earshot.service)");
        if args.serve {
            println!("\nServing the demo site at {base}/ until Ctrl-C");
            let _signals = signal::cancel_on_signal(shutdown, None);
            shutdown.cancelled().await;
        }
        site.stop().await;
        store.flush()?;
        Ok(if summary.pages_failed > 0 { Exit::Partial } else { Exit::Ok })
    })
}

/// The newest mentions of each watch, and the sentiment counts.
fn print_found(config: &Config, store: &Store) -> Result<()> {
    for w in &config.watches {
        let q = MentionQuery {
            watch: Some(w.name.clone()),
            limit: Some(8),
            ..Default::default()
        };
        let found = store.mentions(&q)?;
        let total = store
            .stats()?
            .watches
            .get(&w.name)
            .map(|c| c.total + c.spam)
            .unwrap_or(0);
        println!(
            "\n== {} ({} mentions stored; newest {}) ==",
            w.name,
            total,
            found.len()
        );
        output::print_mentions(&found);
    }
    println!("\n== Sentiment (mentions stored, spam left out) ==");
    let asked = config.sentiment.effective_precision();
    // what the scorer chose (auto: measured or cached), else the CPU's prior
    let running = earshot::sentiment::shared_client(&config.sentiment)
        .ok()
        .and_then(|c| c.info())
        .map(|i| i.loaded.precision)
        .unwrap_or_else(|| asked.on_cpu());
    println!(
        "  scored on CPU in {} (precision = \"{}\"; native bfloat16 on this CPU: {})",
        running.name(),
        asked.name(),
        if earshot::sentiment::native_bf16() {
            "yes"
        } else {
            "no"
        }
    );
    let stats = store.stats()?;
    for w in &config.watches {
        if let Some(c) = stats.watches.get(&w.name) {
            println!(
                "  {:<10} {:>3} negative  {:>3} neutral  {:>3} positive  {:>3} unscored",
                w.name, c.negative, c.neutral, c.positive, c.unscored
            );
        }
    }
    Ok(())
}

/// The alert step: each watch's evaluation, the alerts with their
/// evidence, and what the demo's webhook receiver verified.
async fn print_alerts(config: &Config, store: &Store, shutdown: &CancellationToken) -> Result<()> {
    println!("\n== Alerts: negative spikes on the demo timeline ==");
    let shown = crate::demo::steps::deliver_alerts(config, store, shutdown).await?;
    for e in &shown.evals {
        match &e.note {
            Some(n) => println!("{}: {n}", e.watch),
            None => println!(
                "{}: {} mentions ({} scored), {} spikes found",
                e.watch, e.mentions, e.scored, e.spikes
            ),
        }
    }
    for a in &shown.alerts {
        output::print_alert(a);
    }
    println!(
        "webhook receiver at {}: {} deliveries verified (HMAC-SHA256 signature, fresh timestamp), {} refused",
        shown.receiver_url,
        shown.received.len(),
        shown.refused
    );
    for (key, body) in &shown.received {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        println!("  {key}: {}", v["summary"].as_str().unwrap_or(""));
    }
    if shown.received.is_empty() && !shown.alerts.is_empty() {
        // an alert is notified once: a second demo run on the same store
        // finds it already sent
        println!(
            "  (the alerts above were delivered when this store first found them; \
             run the demo with --store on a new path to see a delivery again)"
        );
    }
    Ok(())
}
