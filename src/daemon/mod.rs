//! `earshot run`: crawls each source on its schedule until stopped.
//!
//! Each `[[source]]` with a `schedule` is its own task: due at its last
//! finished pass plus the interval (or the next cron time after it); a
//! source never crawled with an interval is due at once. All passes go
//! through the process's one [`earshot::crawl::Crawler`], so the global
//! and per-host limits and the robots.txt cache hold across sources and
//! passes, and a slow or failing source delays no other. Alert evaluation
//! (after each pass, and every [`EVALUATE_EVERY`]) and outbox delivery run
//! on their own tasks. The time of each finished pass is kept in the
//! store, so after a restart (or `kill -9`) the schedule goes on where it
//! was, and pages not due yet (revisit by activity) are not fetched again.
//!
//! Stopping (the shutdown token: SIGTERM, SIGINT): no new page is
//! fetched; requests in flight get `crawl.stop_timeout` to finish, then
//! are abandoned (their URLs stay due); the store is flushed.
//! A reloaded config ([`Ops::replace_config`], SIGHUP) starts tasks for new
//! sources, stops those of removed ones, and is read by every task at its
//! next step.
//!
//! A store error stops the daemon only when it is fatal (corruption, a
//! store of another format). A full disk or failing writes pause crawling,
//! alert evaluation and delivery while the server keeps answering, until
//! the store takes writes again (`recover.rs`).
//!
//! With `[store] keep` set, a retention task removes mentions older than
//! that (and their posts, index entries and counters) at start and every
//! hour, in batches of 1,000 mentions, each an atomic write.
//!
//! When the watch definitions changed since the stored posts were matched
//! (a watch added, a query edited), `run` applies them to the stored posts
//! (`earshot rematch`) on start and after each config reload.

pub mod ops;
mod recover;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use earshot::crawl::{self, CrawlSummary, PipelineError, Progress};
use earshot::util::{next_due, Schedule};
pub use ops::Ops;

/// Alerts are evaluated after each pass and at least this often.
pub const EVALUATE_EVERY: Duration = Duration::from_secs(300);
/// Retention (`[store] keep`) runs this long after the start, then this
/// often.
pub const RETAIN_FIRST: Duration = Duration::from_secs(10);
/// See [`RETAIN_FIRST`].
pub const RETAIN_EVERY: Duration = Duration::from_secs(3600);
/// Mentions removed per atomic batch by retention.
const RETAIN_BATCH: usize = 1000;
/// A source whose pass could not run (not a store error) is tried again
/// after this long.
const RETRY_FAILED_PASS: Duration = Duration::from_secs(60);

/// Called after each pass with the source's name and what it did.
pub type OnPass = Arc<dyn Fn(&str, &CrawlSummary) + Send + Sync>;

/// Runs scheduled passes until `stop` is cancelled, then stops within
/// `crawl.stop_timeout` (see the module docs). A fatal store error
/// (corruption) stops it; others pause crawling (see `recover`).
pub async fn run(
    ops: Arc<Ops>,
    stop: CancellationToken,
    progress: Progress,
    on_pass: OnPass,
) -> Result<(), PipelineError> {
    rematch_changed_watches(&ops, &stop).await?;
    ops.set_scheduling();
    let (errors_tx, mut errors_rx) = tokio::sync::mpsc::channel::<PipelineError>(4);
    let passed = Arc::new(tokio::sync::Notify::new());
    // Passes stop on `stop`; the alert and outbox tasks on `tasks_stop`,
    // after the passes, so a pass's last mentions are still evaluated.
    let tasks_stop = CancellationToken::new();
    let deliver = Arc::new(tokio::sync::Notify::new());
    let alerts = tokio::spawn(alert_task(
        ops.clone(),
        passed.clone(),
        deliver.clone(),
        tasks_stop.clone(),
    ));
    let outbox = tokio::spawn(outbox_task(ops.clone(), deliver, tasks_stop.clone()));
    let retention = tokio::spawn(retention_task(ops.clone(), tasks_stop.clone()));
    let mut sources: HashMap<String, (CancellationToken, tokio::task::JoinHandle<()>)> =
        HashMap::new();
    let mut reloads = ops.subscribe();
    let mut failure = None;
    loop {
        // Start a task per scheduled source; stop those no longer there.
        let config = ops.config();
        let wanted: Vec<String> = config
            .sources
            .iter()
            .filter(|s| {
                s.schedule
                    .as_deref()
                    .is_some_and(|x| Schedule::parse(x).is_ok())
            })
            .map(|s| s.name.clone())
            .collect();
        for s in config.sources.iter().filter(|s| !wanted.contains(&s.name)) {
            tracing::warn!(source = %s.name, "no schedule: `earshot run` leaves it alone (crawl it with `earshot crawl --source {}`)", s.name);
        }
        sources.retain(|name, (token, _)| {
            let keep = wanted.contains(name);
            if !keep {
                tracing::info!(source = %name, "source removed from the config: its task stops");
                token.cancel();
            }
            keep
        });
        for name in wanted {
            if sources.get(&name).is_some_and(|(_, h)| !h.is_finished()) {
                continue;
            }
            let token = stop.child_token();
            let task = SourceTask {
                ops: ops.clone(),
                name: name.clone(),
                stop: token.clone(),
                progress: progress.clone(),
                on_pass: on_pass.clone(),
                errors: errors_tx.clone(),
                passed: passed.clone(),
            };
            sources.insert(name, (token, tokio::spawn(task.run())));
        }
        if sources.is_empty() {
            tracing::warn!(
                "no [[source]] has a schedule; nothing to crawl until the config changes"
            );
        }
        tokio::select! {
            () = stop.cancelled() => break,
            e = errors_rx.recv() => {
                failure = e;
                stop.cancel();
                break;
            }
            r = reloads.changed() => {
                if r.is_err() {
                    break;
                }
                // Watches added or edited in the reloaded config reach the
                // stored posts now, not at the next restart.
                if let Err(e) = rematch_changed_watches(&ops, &stop).await {
                    tracing::error!("rematch after the config reload failed: {e}; `earshot rematch` retries it");
                }
            }
        }
    }
    // Stopping: passes finish what is in flight within the deadline, then
    // what is still running is abandoned.
    let deadline = ops.config().crawl.stop_timeout;
    let mut handles: Vec<_> = sources.into_values().map(|(_, h)| h).collect();
    let all = futures_util::future::join_all(handles.iter_mut());
    if tokio::time::timeout(deadline, all).await.is_err() {
        let n = ops.crawler().fetcher().in_flight();
        tracing::warn!(
            in_flight = n,
            "stop deadline ({deadline:?}, crawl.stop_timeout) reached: abandoning the requests in flight; their URLs stay due"
        );
        ops.crawler().abandon();
        // The ones the first wait saw finish were polled to completion.
        for h in handles.into_iter().filter(|h| !h.is_finished()) {
            let _ = h.await;
        }
    }
    tasks_stop.cancel();
    let _ = alerts.await;
    let _ = outbox.await;
    let _ = retention.await;
    let flushed = ops.store().flush();
    ops.store_result(&flushed);
    flushed?;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One source's schedule.
struct SourceTask {
    ops: Arc<Ops>,
    name: String,
    stop: CancellationToken,
    progress: Progress,
    on_pass: OnPass,
    errors: tokio::sync::mpsc::Sender<PipelineError>,
    passed: Arc<tokio::sync::Notify>,
}

impl SourceTask {
    async fn run(self) {
        let mut reloads = self.ops.subscribe();
        let mut retry_at: Option<chrono::DateTime<Utc>> = None;
        while !self.stop.is_cancelled() {
            let config = self.ops.config();
            let Some(sched) = config
                .sources
                .iter()
                .find(|s| s.name == self.name)
                .and_then(|s| s.schedule.as_deref())
                .and_then(|x| Schedule::parse(x).ok())
            else {
                return;
            };
            recover::while_paused(&self.ops, &self.stop).await;
            let recoveries = self.ops.store_recoveries();
            let last = match self.ops.store().source_last_run(&self.name) {
                Ok(l) => l,
                Err(e) => {
                    if self.store_failed(e, recoveries).await {
                        continue;
                    }
                    return;
                }
            };
            let now = Utc::now();
            let when = next_due(&sched, last, now).max(retry_at.unwrap_or(now));
            if when > now {
                tracing::debug!(source = %self.name, at = %when, "next pass");
                let left = (when - now).to_std().unwrap_or_default();
                tokio::select! {
                    () = self.stop.cancelled() => return,
                    () = tokio::time::sleep(left) => {}
                    // A reload may change the schedule: recompute.
                    _ = reloads.changed() => {}
                }
                continue;
            }
            retry_at = None;
            let started = Instant::now();
            let result = self
                .ops
                .crawler()
                .pass(
                    &config.crawl_setup(),
                    self.ops.store().clone(),
                    Some(&self.name),
                    self.stop.clone(),
                    self.progress.clone(),
                )
                .await;
            match result {
                Ok(summary) => {
                    let stored = if summary.interrupted {
                        Ok(())
                    } else {
                        self.ops
                            .store()
                            .set_source_last_run(&self.name, Utc::now())
                            .and_then(|()| self.ops.store().flush())
                    };
                    log_pass(&self.name, &summary, started.elapsed());
                    (self.on_pass)(&self.name, &summary);
                    self.passed.notify_one();
                    if let Err(e) = stored {
                        if !self.store_failed(e, recoveries).await {
                            return;
                        }
                    }
                }
                Err(PipelineError::Store(e)) => {
                    // The pass is due again once the store takes writes.
                    if !self.store_failed(e, recoveries).await {
                        return;
                    }
                }
                Err(e) => {
                    tracing::error!(source = %self.name, "pass failed: {e}; trying again in {RETRY_FAILED_PASS:?}");
                    retry_at = Some(Utc::now() + RETRY_FAILED_PASS);
                }
            }
        }
    }
}

impl SourceTask {
    /// Waits out a store error (see `recover`); false when the task
    /// ends: the error is fatal (the daemon stops) or the task was stopped.
    async fn store_failed(&self, e: earshot::store::StoreError, recoveries: u64) -> bool {
        match recover::recover(&self.ops, e, recoveries, &self.stop).await {
            Ok(()) => !self.stop.is_cancelled(),
            Err(e) => {
                self.ops.set_store_error(Some(e.to_string()));
                let _ = self.errors.send(PipelineError::Store(e)).await;
                false
            }
        }
    }
}

/// Applies the watches whose definition changed since the stored posts were
/// last matched to those posts (`earshot rematch --watch ...`).
async fn rematch_changed_watches(ops: &Ops, stop: &CancellationToken) -> Result<(), PipelineError> {
    let config = ops.config();
    let store = ops.store().clone();
    let stale = crawl::stale_watches(&store, &config.watches)?;
    if stale.is_empty() {
        return Ok(());
    }
    tracing::info!(
        "the watches {} changed since the stored posts were matched: rematching them",
        stale.join(", ")
    );
    let stop = stop.clone();
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

/// The info line of one pass.
fn log_pass(name: &str, s: &CrawlSummary, took: Duration) {
    let ok = s.interrupted || crawl::succeeded(s);
    let f = |msg: &str| {
        if ok {
            tracing::info!(
                source = %name,
                pages = s.pages_fetched,
                unchanged = s.pages_unchanged,
                fresh = s.pages_fresh,
                errors = s.pages_failed,
                new_mentions = s.mentions_new,
                duration_s = took.as_secs_f64(),
                interrupted = s.interrupted,
                "{msg}"
            );
        } else {
            tracing::warn!(
                source = %name,
                pages = s.pages_fetched,
                errors = s.pages_failed,
                first_error = s.errors.first().map(String::as_str).unwrap_or(""),
                duration_s = took.as_secs_f64(),
                "{msg}"
            );
        }
    };
    f(if s.interrupted {
        "pass interrupted (stopping); what was not stored stays due"
    } else if ok {
        "pass done"
    } else {
        "pass failed: every page failed"
    });
}

/// Evaluates alerts after each pass (and every [`EVALUATE_EVERY`]).
async fn alert_task(
    ops: Arc<Ops>,
    passed: Arc<tokio::sync::Notify>,
    deliver: Arc<tokio::sync::Notify>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = passed.notified() => {}
            () = tokio::time::sleep(EVALUATE_EVERY) => {}
        }
        let config = ops.config();
        if !config.alert.enabled || ops.store_paused().is_some() {
            continue;
        }
        let store = ops.store().clone();
        let evals = tokio::task::spawn_blocking(move || {
            earshot::alert::evaluate(
                &store,
                &config.alert,
                &config.watches,
                &config.channels,
                Utc::now(),
            )
        })
        .await;
        match evals {
            Ok(Ok(evals)) => {
                for e in evals.iter().filter(|e| !e.events.is_empty()) {
                    tracing::warn!(watch = %e.watch, "alerts: {}", e.events.join("; "));
                }
            }
            Ok(Err(e)) => tracing::error!("evaluating alerts failed: {e}"),
            Err(e) => tracing::error!("evaluating alerts stopped: {e}"),
        }
        deliver.notify_one();
    }
}

/// Delivers the alert outbox, retrying failed deliveries, until stopped:
/// at once when `wake` is notified (alerts were evaluated), else every
/// `alert.retry_base` (at least a second).
async fn outbox_task(ops: Arc<Ops>, wake: Arc<tokio::sync::Notify>, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let config = ops.config();
        // Paused, a delivery could not be marked done and would be sent
        // again at every round.
        if !config.channels.is_empty() && ops.store_paused().is_none() {
            log_delivery(
                earshot::alert::channel::drain(
                    ops.store(),
                    &config.channels,
                    config.alert.retry_base,
                    config.alert.retry_max,
                )
                .await,
            );
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(config.alert.retry_base.max(Duration::from_secs(1))) => {}
        }
    }
}

/// `[store] keep`: removes what is older in bounded batches (each one
/// atomic write under the writer lock, with a pause between them so
/// crawl writes go on), at [`RETAIN_FIRST`] and then every
/// [`RETAIN_EVERY`]. Stopping ends it between two batches.
async fn retention_task(ops: Arc<Ops>, stop: CancellationToken) {
    let mut wait = RETAIN_FIRST;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = RETAIN_EVERY;
        let Some(keep) = ops.config().store.keep else {
            continue;
        };
        if ops.store_paused().is_some() {
            continue;
        }
        let Ok(span) = chrono::Duration::from_std(keep) else {
            continue;
        };
        let cutoff = Utc::now() - span;
        let store = ops.store().clone();
        let halt = stop.clone();
        let started = Instant::now();
        let done = tokio::task::spawn_blocking(move || {
            store.prune_before(cutoff, RETAIN_BATCH, &mut |_| {
                // Crawl writers get the lock between two batches.
                std::thread::sleep(Duration::from_millis(2));
                !halt.is_cancelled()
            })
        })
        .await;
        match done {
            Ok(Ok(r)) => {
                if r.mentions > 0 || r.posts > 0 {
                    tracing::info!(
                        mentions = r.mentions,
                        posts = r.posts,
                        batches = r.batches,
                        complete = r.complete,
                        secs = started.elapsed().as_secs_f64(),
                        cutoff = %cutoff,
                        "retention ([store] keep): removed what is older"
                    );
                }
            }
            Ok(Err(e)) => {
                tracing::error!("retention ([store] keep): {e}; tried again in an hour");
                ops.store_result::<()>(&Err(e));
            }
            Err(e) => tracing::error!("retention task: {e}"),
        }
    }
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
