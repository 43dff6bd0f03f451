//! `earshot run`: crawls each source on its schedule until stopped.
//!
//! Each `[[source]]` with a `schedule` is due at its last finished pass
//! plus the interval (or the next cron time after it); a source never
//! crawled with an interval is due at once. The time of each finished pass
//! is kept in the store, so after a restart (or `kill -9`) the schedule
//! goes on where it was, and pages stored less than `revisit` ago are not
//! fetched again. When the watch definitions changed since the stored
//! posts were matched (a watch added, a query edited), it first applies them
//! to the stored posts (`earshot rematch`).

use std::sync::Arc;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use earshot::util::{next_due, Schedule};

use crate::config::Config;
use earshot::crawl::{self, CrawlSummary, PipelineError, Progress};
use earshot::store::Store;

/// Runs scheduled passes until `stop` is cancelled; calls `on_pass` after
/// each. Between passes it delivers the alert outbox.
pub async fn run(
    config: &Config,
    store: Arc<Store>,
    stop: CancellationToken,
    progress: Progress,
    on_pass: &(dyn Fn(&str, &CrawlSummary) + Send + Sync),
) -> Result<(), PipelineError> {
    rematch_changed_watches(config, &store, &stop).await?;
    let scheduled: Vec<(String, Schedule)> = config
        .sources
        .iter()
        .filter_map(|s| {
            let sched = s.schedule.as_deref().and_then(|x| Schedule::parse(x).ok());
            if sched.is_none() {
                tracing::warn!(source = %s.name, "no schedule: `earshot run` leaves it alone (crawl it with `earshot crawl --source {}`)", s.name);
            }
            sched.map(|x| (s.name.clone(), x))
        })
        .collect();
    if scheduled.is_empty() {
        tracing::warn!("no [[source]] has a schedule; nothing to run");
        return Ok(());
    }
    while !stop.is_cancelled() {
        let now = Utc::now();
        let mut due = Vec::new();
        for (name, sched) in &scheduled {
            due.push((
                next_due(sched, store.source_last_run(name)?, now),
                name.clone(),
            ));
        }
        due.sort();
        let (when, name) = due.swap_remove(0);
        if when > now {
            tracing::info!(source = %name, at = %when, "next pass");
            // Wait for it (or Ctrl-C), retrying queued alert deliveries
            // meanwhile.
            let left = (when - now).to_std().unwrap_or_default();
            let deadline = std::time::Instant::now() + left;
            if !config.channels.is_empty() {
                let until = earshot::alert::channel::Until::Deadline(deadline);
                log_delivery(
                    earshot::alert::channel::drain_until(
                        &store,
                        &config.channels,
                        config.alert.retry_base,
                        config.alert.retry_max,
                        until,
                        &stop,
                    )
                    .await,
                );
            }
            // What is left of the wait: no channels, or the outbox failed.
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
            continue;
        }
        let summary = crawl::crawl(
            &config.crawl_setup(),
            store.clone(),
            Some(&name),
            stop.clone(),
            progress.clone(),
        )
        .await?;
        if !summary.interrupted {
            store.set_source_last_run(&name, Utc::now())?;
        }
        store.flush()?;
        on_pass(&name, &summary);
        if config.alert.enabled {
            match earshot::alert::evaluate(
                &store,
                &config.alert,
                &config.watches,
                &config.channels,
                Utc::now(),
            ) {
                Ok(evals) => {
                    for e in evals.iter().filter(|e| !e.events.is_empty()) {
                        tracing::warn!(watch = %e.watch, "alerts: {}", e.events.join("; "));
                    }
                }
                Err(e) => tracing::error!("evaluating alerts failed: {e}"),
            }
            deliver_alerts(config, &store).await;
        }
    }
    Ok(())
}

/// Applies the watches whose definition changed since the stored posts were
/// last matched to those posts (`earshot rematch --watch ...`).
async fn rematch_changed_watches(
    config: &Config,
    store: &Arc<Store>,
    stop: &CancellationToken,
) -> Result<(), PipelineError> {
    let stale = crawl::stale_watches(store, &config.watches)?;
    if stale.is_empty() {
        return Ok(());
    }
    tracing::info!(
        "the watches {} changed since the stored posts were matched: rematching them",
        stale.join(", ")
    );
    let (store, stop) = (store.clone(), stop.clone());
    let (watches, sentiment) = (config.watches.clone(), config.sentiment.clone());
    let s = tokio::task::spawn_blocking(move || {
        let score = earshot::sentiment::shared_scorer(&sentiment)?;
        crawl::rematch(
            &store,
            &watches,
            Some(&stale),
            score.as_ref(),
            &stop,
            &|_| {},
        )
    })
    .await
    .map_err(|e| PipelineError::Writer(e.to_string()))??;
    tracing::info!(
        "rematched {} stored posts: {} new mentions, {} removed ({})",
        s.posts,
        s.mentions_new,
        s.mentions_removed,
        s.watches.join(", ")
    );
    Ok(())
}

/// One pass over the alert outbox; failures are logged and retried later.
async fn deliver_alerts(config: &Config, store: &Store) {
    if config.channels.is_empty() {
        return;
    }
    log_delivery(
        earshot::alert::channel::drain(
            store,
            &config.channels,
            config.alert.retry_base,
            config.alert.retry_max,
        )
        .await,
    );
}

fn log_delivery(result: Result<earshot::alert::channel::DrainReport, earshot::store::StoreError>) {
    match result {
        Ok(r) if r.delivered > 0 || r.failed > 0 => {
            tracing::info!(
                delivered = r.delivered,
                failed = r.failed,
                pending = r.pending,
                "alert outbox"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::error!("alert outbox: {e}"),
    }
}
