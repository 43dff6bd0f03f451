//! What outlives one crawl pass in a long-running process: the one
//! [`Fetcher`] (so the robots.txt cache, its disallow-after-error window
//! and the per-host limits hold across passes and across sources sharing a
//! host), the switch that abandons requests in flight at shutdown, and the
//! per-source counters `/metrics` and `/health` read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{CrawlSetup, CrawlSummary, PipelineError, Progress};
use crate::fetch::{CrawlConfig, FetchError, Fetched, Fetcher};
use crate::sentiment::ScoreFn;
use crate::store::Store;

/// One process's crawler: passes run through it share its fetcher.
pub struct Crawler {
    pub(super) fetcher: Arc<Fetcher>,
    pub(super) abandon: CancellationToken,
    pub(super) metrics: Arc<CrawlMetrics>,
    /// Seconds added to the wall clock when deciding which pages are due.
    ahead: Arc<AtomicI64>,
    /// Where passes run instead of here (the fleet's coordinator).
    remote: Option<Arc<dyn RemotePass>>,
}

/// The future a [`RemotePass`] returns.
pub type PassFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<CrawlSummary, PipelineError>> + Send + 'a>,
>;

/// A pass run elsewhere: the fleet's coordinator hands pages to workers on
/// other machines and stores what they send back. [`Crawler::pass`] calls
/// it, with the same arguments, when one is set.
pub trait RemotePass: Send + Sync {
    /// Runs one pass over `config`'s sources (or the one named `only`).
    fn pass<'a>(
        &'a self,
        config: &'a CrawlSetup,
        store: Arc<Store>,
        only: Option<&'a str>,
        stop: CancellationToken,
        progress: Progress,
    ) -> PassFuture<'a>;

    /// Its own figures for `/metrics`: (name with labels, kind, help,
    /// value), e.g. the fleet's queue depths and redeliveries.
    fn metrics(&self) -> Vec<(String, &'static str, &'static str, f64)> {
        Vec::new()
    }
}

impl Crawler {
    /// A crawler with a fetcher built from `[crawl]`.
    pub fn new(crawl: &CrawlConfig) -> Result<Crawler, FetchError> {
        Ok(Crawler::with_fetcher(Fetcher::new(crawl)?))
    }

    /// A crawler around `fetcher` (tests give one with their resolver).
    pub fn with_fetcher(fetcher: Fetcher) -> Crawler {
        Crawler {
            fetcher: Arc::new(fetcher),
            abandon: CancellationToken::new(),
            metrics: Arc::default(),
            ahead: Arc::default(),
            remote: None,
        }
    }

    /// This crawler with its passes run by `remote` (the fleet).
    pub fn with_remote(mut self, remote: Arc<dyn RemotePass>) -> Crawler {
        self.remote = Some(remote);
        self
    }

    /// How far this crawler's clock is ahead of the wall clock.
    pub(super) fn ahead(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.ahead.load(Ordering::Relaxed))
    }

    /// Moves this crawler's clock forward by `by`: pages come due, and
    /// fetch times are stored, as if that much time had passed (tests of
    /// revisit by activity).
    pub fn advance_clock(&self, by: Duration) {
        self.ahead.fetch_add(by.as_secs() as i64, Ordering::Relaxed);
    }

    /// Runs one pass (see [`super::crawl`]) with this crawler's fetcher.
    pub async fn pass(
        &self,
        config: &CrawlSetup,
        store: Arc<Store>,
        only: Option<&str>,
        stop: CancellationToken,
        progress: Progress,
    ) -> Result<CrawlSummary, PipelineError> {
        let names: Vec<String> = config
            .sources
            .iter()
            .filter(|s| only.is_none_or(|o| s.name == o))
            .map(|s| s.name.clone())
            .collect();
        for n in &names {
            self.metrics.pass_started(n);
        }
        let started = std::time::Instant::now();
        let result = match &self.remote {
            Some(r) => r.pass(config, store, only, stop, progress).await,
            None => super::run_pass(self, config, store, only, stop, progress).await,
        };
        let seconds = started.elapsed().as_secs_f64();
        for n in &names {
            self.metrics.pass_ended(n, seconds, &result);
        }
        result
    }

    /// Abandons every request in flight, now and from now on: passes
    /// return at once with what was stored; the URLs not stored stay due.
    /// For shutdown, after the stop deadline.
    pub fn abandon(&self) {
        self.abandon.cancel();
    }

    /// The shared fetcher (its per-host counters, requests in flight).
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The figures of the remote pass runner (the fleet), if any.
    pub fn remote_metrics(&self) -> Vec<(String, &'static str, &'static str, f64)> {
        self.remote
            .as_ref()
            .map(|r| r.metrics())
            .unwrap_or_default()
    }

    /// Per-source counters.
    pub fn metrics(&self) -> &CrawlMetrics {
        &self.metrics
    }
}

/// Counters of one source since the process started.
#[derive(Debug, Clone, Default)]
pub struct SourceMetrics {
    /// Answers by status class (`2xx`, `3xx` for 304s, `4xx`, `5xx`).
    pub pages: BTreeMap<String, u64>,
    /// Failed fetches by kind (`status`, `timeout`, `connect`, `robots`…).
    pub errors: BTreeMap<String, u64>,
    /// Passes finished (interrupted ones included).
    pub passes: u64,
    /// Passes that could not run or whose every fetch failed.
    pub passes_failed: u64,
    /// Seconds the last pass took.
    pub last_pass_seconds: f64,
    /// When the last pass ended.
    pub last_pass_end: Option<DateTime<Utc>>,
    /// When the last successful pass ended (one that fetched something, or
    /// found everything unchanged or fresh, without failing every page).
    pub last_success: Option<DateTime<Utc>>,
    /// Why the last pass failed, when it did.
    pub last_error: Option<String>,
    /// Whether a pass is running now.
    pub running: bool,
}

/// Per-source counters, shared by the passes of one [`Crawler`].
#[derive(Debug, Default)]
pub struct CrawlMetrics {
    sources: Mutex<BTreeMap<String, SourceMetrics>>,
    /// Pages fetched and waiting for a pass's store writer, all passes.
    writer_queue: AtomicI64,
    /// Texts the sentiment model scored, and the time it took.
    scored: AtomicU64,
    scoring_micros: AtomicU64,
}

impl CrawlMetrics {
    fn with(&self, source: &str, f: impl FnOnce(&mut SourceMetrics)) {
        let mut m = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        f(m.entry(source.to_string()).or_default());
    }

    /// Counts one fetch of `source`.
    pub(super) fn fetch(&self, source: &str, result: &Result<Fetched, FetchError>) {
        self.with(source, |m| match result {
            Ok(Fetched::Page(p)) => *m.pages.entry(class(p.status)).or_default() += 1,
            Ok(Fetched::NotModified) => *m.pages.entry("3xx".into()).or_default() += 1,
            Err(e) => {
                if let FetchError::Status { status, .. } = e {
                    *m.pages.entry(class(*status)).or_default() += 1;
                }
                *m.errors.entry(e.kind().to_string()).or_default() += 1;
            }
        });
    }

    /// A pass of `source` starts.
    pub(super) fn pass_started(&self, source: &str) {
        self.with(source, |m| m.running = true);
    }

    /// A pass of `source` ended after `seconds` with `result`.
    pub(super) fn pass_ended(
        &self,
        source: &str,
        seconds: f64,
        result: &Result<CrawlSummary, PipelineError>,
    ) {
        let now = Utc::now();
        self.with(source, |m| {
            m.running = false;
            m.passes += 1;
            m.last_pass_seconds = seconds;
            m.last_pass_end = Some(now);
            match result {
                Ok(s) if s.interrupted => {}
                Ok(s) if succeeded(s) => {
                    m.last_success = Some(now);
                    m.last_error = None;
                }
                Ok(s) => {
                    m.passes_failed += 1;
                    m.last_error = Some(format!(
                        "every page failed ({}): {}",
                        s.pages_failed,
                        s.errors.first().map(String::as_str).unwrap_or("")
                    ));
                }
                Err(e) => {
                    m.passes_failed += 1;
                    m.last_error = Some(e.to_string());
                }
            }
        });
    }

    /// A page handed to (`+1`) or taken by (`-1`) a store writer.
    pub(super) fn queued(&self, delta: i64) {
        self.writer_queue.fetch_add(delta, Ordering::Relaxed);
    }

    /// Pages fetched and waiting for the store writer now (the crawl's
    /// bounded queue: when it stays full, the store is the bound).
    pub fn writer_queue(&self) -> u64 {
        self.writer_queue.load(Ordering::Relaxed).max(0) as u64
    }

    /// `scorer`, counting what it scores and how long it takes.
    pub(super) fn metered(self: &Arc<Self>, scorer: ScoreFn) -> ScoreFn {
        let metrics = self.clone();
        let version = scorer.version().to_owned();
        ScoreFn::new(&version, move |texts| {
            let n = texts.len() as u64;
            let started = std::time::Instant::now();
            let out = scorer.score(texts);
            if out.is_ok() {
                metrics.scored.fetch_add(n, Ordering::Relaxed);
                metrics
                    .scoring_micros
                    .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            }
            out
        })
    }

    /// Texts scored and the seconds spent scoring them, since the start.
    pub fn scored(&self) -> (u64, f64) {
        (
            self.scored.load(Ordering::Relaxed),
            self.scoring_micros.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }

    /// A copy of every source's counters.
    pub fn snapshot(&self) -> BTreeMap<String, SourceMetrics> {
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A pass succeeded when some page was fetched, unchanged or still fresh,
/// or when nothing failed.
pub fn succeeded(s: &CrawlSummary) -> bool {
    s.pages_failed == 0 || s.pages_fetched + s.pages_unchanged + s.pages_fresh > 0
}

fn class(status: u16) -> String {
    format!("{}xx", status / 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Label, Sentiment};

    #[test]
    fn a_metered_scorer_counts_texts_and_time_and_the_queue_drains() {
        let metrics = Arc::new(CrawlMetrics::default());
        let inner = ScoreFn::new("m1", |texts: Vec<String>| {
            Ok(texts
                .iter()
                .map(|t| Sentiment {
                    label: Label::Neutral,
                    score: 0.0,
                    probs: [0.2, 0.6, 0.2],
                    model: format!("m1:{}", t.len()),
                })
                .collect())
        });
        let scorer = metrics.metered(inner);
        assert_eq!(scorer.version(), "m1");
        let out = scorer
            .score(vec!["a".into(), "bb".into(), "ccc".into()])
            .unwrap();
        assert_eq!(out[2].model, "m1:3", "results pass through in order");
        scorer.score(vec!["d".into()]).unwrap();
        let (n, secs) = metrics.scored();
        assert_eq!(n, 4);
        assert!(secs >= 0.0);

        metrics.queued(1);
        metrics.queued(1);
        assert_eq!(metrics.writer_queue(), 2);
        metrics.queued(-1);
        metrics.queued(-1);
        assert_eq!(metrics.writer_queue(), 0);
    }
}
