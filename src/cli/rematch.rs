//! `earshot rematch`: the current watches applied to the stored posts, so a
//! new watch or an edited query reaches pages already crawled.

use anyhow::Result;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{load_config, output, runtime, signal, store_path, Cli, Exit};
use earshot::crawl::{self, RematchSummary};
use earshot::store::Store;

#[derive(Debug, Args)]
pub struct RematchArgs {
    /// Only this watch (repeatable) [default: every watch]
    #[arg(long)]
    pub watch: Vec<String>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(cli: &Cli, args: &RematchArgs, shutdown: &CancellationToken) -> Result<Exit> {
    let config = load_config(cli)?;
    let store = Store::open_existing(&store_path(cli, &config))?;
    for w in &args.watch {
        super::check_watch(&config, None, w)?;
    }
    let score = earshot::sentiment::shared_scorer(&config.sentiment)?;
    let only = (!args.watch.is_empty()).then_some(args.watch.as_slice());
    let rt = runtime()?;
    let summary = rt.block_on(async {
        let _signals = signal::cancel_on_signal(shutdown, Some(signal::STOPPING));
        let progress = output::progress(cli.quiet || args.json);
        let callback = progress.callback();
        let stop = shutdown.clone();
        let result = tokio::task::block_in_place(|| {
            crawl::rematch(
                &store,
                &config.watches,
                only,
                score.as_ref(),
                &stop,
                &*callback,
            )
        });
        progress.finish();
        result
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(Exit::Ok)
}

/// What `rematch` (and `run`, when it rematches on start) prints.
pub fn print_summary(s: &RematchSummary) {
    println!(
        "Rematched {} stored posts with {} watches in {:.1} s: {} new mentions, {} removed, {} updated, {} unchanged.",
        s.posts,
        s.watches.len(),
        s.elapsed_ms as f64 / 1000.0,
        s.mentions_new,
        s.mentions_removed,
        s.mentions_updated,
        s.mentions_unchanged
    );
    for w in &s.watches {
        let new = s.new_per_watch.get(w).copied().unwrap_or(0);
        let removed = s.removed_per_watch.get(w).copied().unwrap_or(0);
        if new + removed > 0 {
            println!("  {w}: {new} new, {removed} removed");
        }
    }
    if s.pages_without_posts > 0 {
        println!(
            "{} crawled pages have no stored posts (crawled before this store kept posts): the next crawl reads them again and stores them; rematch after it.",
            s.pages_without_posts
        );
    }
    if s.interrupted {
        println!("Interrupted: run `earshot rematch` again to finish.");
    }
}
