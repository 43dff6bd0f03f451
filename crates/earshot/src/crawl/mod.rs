//! One crawl pass: fetch → extract → match → store.
//!
//! Each source is crawled breadth-first by its own task, pages are
//! extracted on the blocking pool, and extracted pages go through a bounded
//! channel to a single store writer, so a slow store slows the crawl
//! instead of filling memory. Cancelling the shutdown token (Ctrl-C) ends
//! fetching; what was fetched is still written and the store flushed.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use url::Url;

mod bound;
mod config;
mod crawler;
pub mod discover;
pub mod links;
mod matching;
mod rematch;
pub mod remote;
mod revisit;
mod scoring;
pub mod search;
pub mod sitemap;

use crate::extract::{self, Extracted};
use crate::fetch::{Fetched, Fetcher, Page, Request, Validators};
use crate::store::{CrawlState, Mention, Store, StoreError};
use crate::watch::Matcher;
pub use bound::{bound_sources, end_pass, SourceEnd};
pub use config::{CrawlSetup, SourceConfig, SourceKind};
pub use crawler::{succeeded, CrawlMetrics, Crawler, PassFuture, RemotePass, SourceMetrics};
pub use matching::mentions_in;
pub use rematch::{fingerprint, rematch, stale_watches, RematchSummary};
pub use scoring::{
    headline_and_context, owned_headline, score_mentions, scored_text, scoring_texts, with_headline,
};

/// What is wrong with the `[[source]]` list, each entry on its own, the
/// names together, and the `search` sources against the watches.
pub fn source_problems(
    sources: &[SourceConfig],
    watches: &[crate::watch::WatchConfig],
) -> Vec<crate::util::Problem> {
    let mut out = config::problems(sources);
    for (i, s) in sources.iter().enumerate() {
        if s.kind != SourceKind::Site {
            out.extend(search::problems(i, s, watches));
        }
    }
    out
}

/// Pages waiting for the store writer.
const CHANNEL_CAPACITY: usize = 16;

/// What a crawl pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlSummary {
    /// Sources crawled.
    pub sources: usize,
    /// Pages fetched with a 2xx answer.
    pub pages_fetched: u64,
    /// Pages unchanged since the last crawl: a 304 answer, or the same
    /// body hash (no extraction stored).
    pub pages_unchanged: u64,
    /// Pages that failed (see `errors`).
    pub pages_failed: u64,
    /// Posts extracted from changed pages.
    pub posts: u64,
    /// Mentions stored for the first time.
    pub mentions_new: u64,
    /// Mentions stored before whose record changed.
    pub mentions_updated: u64,
    /// Mentions found again unchanged.
    pub mentions_unchanged: u64,
    /// New mentions per watch.
    pub new_per_watch: BTreeMap<String, u64>,
    /// Pages not fetched because they were not due (revisit by activity).
    pub pages_fresh: u64,
    /// One line per failed page.
    pub errors: Vec<String>,
    /// Per-host request counters.
    pub hosts: BTreeMap<String, crate::fetch::HostStats>,
    /// Whether the pass was stopped early (Ctrl-C).
    pub interrupted: bool,
    /// Sources whose pass reached `crawl.max_urls_per_source` URLs and
    /// followed no more new links.
    pub capped: Vec<String>,
    /// URLs whose crawl state was dropped after the pass (over the cap, or
    /// not reached for `crawl.forget_after_passes` passes).
    pub urls_dropped: u64,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// Why a crawl could not run at all (per-page failures are in the summary).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// `--source` named no configured source.
    #[error("no [[source]] named `{0}` in the config{1}")]
    NoSuchSource(String, String),
    /// A watch query failed to compile.
    #[error("watch `{0}`: {1}")]
    Watch(String, String),
    /// The HTTP client failed to build.
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    /// The store failed; the crawl stops so nothing is lost silently.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A configured URL is wrong.
    #[error("source `{0}`: {1}")]
    Url(String, String),
    /// The sentiment model failed to load or run.
    #[error(transparent)]
    Sentiment(#[from] crate::sentiment::SentimentError),
    /// The store writer thread panicked or was cancelled: a bug, not the
    /// config's fault.
    #[error("the store writer stopped: {0}")]
    Writer(String),
}

/// A page ready for the store writer.
struct Work {
    source: Arc<SourceConfig>,
    page: Page,
    canonical: String,
    extracted: Extracted,
    /// Links the crawl followed from this page (stored with its state).
    links: Vec<String>,
    /// The source's revisit waits.
    revisit: revisit::Revisit,
    /// When it was fetched, by the crawler's clock.
    fetched_at: chrono::DateTime<Utc>,
}

/// Marks a stored link that the crawl follows without counting a hop (a
/// thread's next page): `next <url>` (a URL holds no space).
const NEXT_PAGE: &str = "next ";

/// Progress callback: called with a line per page.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// Removes what does not change a page: the fragment and the query
/// parameters in `strip` (`utm_*` matches a prefix). The url crate already
/// lowercases the host and drops default ports.
pub fn canonicalize(url: &Url, strip: &[String]) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query().is_none() {
        return u;
    }
    let stripped = |k: &str| {
        strip.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => k.starts_with(prefix),
            None => k == p,
        })
    };
    // The query's parts as they are written: a query in another charset
    // (a GBK forum search, `srchtxt=%D4%C6%C8%B8`) is not UTF-8, and
    // decoding it would replace its bytes.
    let query = u.query().unwrap_or("").to_string();
    let parts: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    let kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !stripped(p.split('=').next().unwrap_or("")))
        .collect();
    if kept.len() == parts.len() {
        return u;
    }
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.set_query(Some(&kept.join("&")));
    }
    u
}

/// Runs one crawl pass over the configured sources (or the one named).
/// Once `stop` is cancelled no new page is fetched; the pass finishes what
/// is in flight and returns with `interrupted` set. A process that crawls
/// more than once keeps one [`Crawler`] and calls [`Crawler::pass`].
pub async fn crawl(
    config: &CrawlSetup,
    store: Arc<Store>,
    only: Option<&str>,
    stop: CancellationToken,
    progress: Progress,
) -> Result<CrawlSummary, PipelineError> {
    Crawler::new(&config.crawl)?
        .pass(config, store, only, stop, progress)
        .await
}

async fn run_pass(
    crawler: &Crawler,
    config: &CrawlSetup,
    store: Arc<Store>,
    only: Option<&str>,
    stop: CancellationToken,
    progress: Progress,
) -> Result<CrawlSummary, PipelineError> {
    let started = Instant::now();
    let sources: Vec<Arc<SourceConfig>> = config
        .sources
        .iter()
        .filter(|s| only.is_none_or(|o| s.name == o))
        .cloned()
        .map(Arc::new)
        .collect();
    if let Some(o) = only {
        if sources.is_empty() {
            let hint = crate::util::did_you_mean(o, config.sources.iter().map(|s| s.name.as_str()))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            return Err(PipelineError::NoSuchSource(o.to_string(), hint));
        }
    }
    let matcher = Matcher::new(&config.watches)
        .map_err(|e| PipelineError::Watch("(all)".into(), e.to_string()))?;
    let fetcher = crawler.fetcher.clone();
    let scorer =
        crate::sentiment::shared_scorer(&config.sentiment)?.map(|s| crawler.metrics.metered(s));
    // Into a store without posts, every post is matched with these watches.
    let had_posts = store.has_posts()?;

    let (tx, rx) = tokio::sync::mpsc::channel::<Work>(CHANNEL_CAPACITY);
    let writer_store = store.clone();
    let writer_progress = progress.clone();
    let writer_metrics = crawler.metrics.clone();
    let writer = tokio::task::spawn_blocking(move || {
        write_pages(
            rx,
            &writer_store,
            &matcher,
            scorer.as_ref(),
            &writer_metrics,
            &*writer_progress,
        )
    });

    let fetched = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for source in &sources {
        let starts = match source.kind {
            SourceKind::Site => source.expanded_start_urls(),
            SourceKind::Search => search::search_urls(source, &config.watches)
                .map(|v| v.into_iter().map(|(u, _)| u).collect()),
            // Read from the sitemaps when the source's task starts.
            SourceKind::Sitemap => Ok(Vec::new()),
        }
        .map_err(|e| PipelineError::Url(source.name.clone(), e))?;
        let ctx = SourceCrawl {
            pass: store.source_pass(&source.name)? + 1,
            source: source.clone(),
            store: store.clone(),
            config: config.clone(),
            fetcher: fetcher.clone(),
            abandon: crawler.abandon.clone(),
            metrics: crawler.metrics.clone(),
            tx: tx.clone(),
            stop: stop.clone(),
            progress: progress.clone(),
            fetched: fetched.clone(),
            ahead: crawler.ahead(),
        };
        tasks.spawn(ctx.run(starts));
    }
    drop(tx);
    let mut summary = CrawlSummary {
        sources: sources.len(),
        ..Default::default()
    };
    let mut ended = Vec::new();
    while let Some(res) = tasks.join_next().await {
        match res {
            Ok(mut s) => {
                summary.pages_failed += s.failed;
                summary.pages_fresh += s.fresh;
                summary.pages_unchanged += s.not_modified;
                summary.errors.append(&mut s.errors);
                ended.push(s);
            }
            Err(e) => summary.errors.push(format!("a source task failed: {e}")),
        }
    }
    summary.pages_fetched = fetched.load(Ordering::Relaxed);
    let w = writer
        .await
        .map_err(|e| PipelineError::Writer(e.to_string()))??;
    summary.pages_unchanged += w.unchanged_pages;
    summary.hosts = fetcher.stats().into_iter().map(|(k, v)| (k.0, v)).collect();
    summary.posts = w.posts;
    summary.mentions_new = w.report.inserted as u64;
    summary.mentions_updated = w.report.updated as u64;
    summary.mentions_unchanged = w.report.unchanged as u64;
    summary.new_per_watch = w.new_per_watch;
    summary.interrupted = stop.is_cancelled();
    bound::after_pass(&store, config, ended, had_posts, &mut summary)?;
    store.flush()?;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

struct SourceCrawl {
    /// The number of this pass of the source (see `store/crawled.rs`).
    pass: u64,
    source: Arc<SourceConfig>,
    store: Arc<Store>,
    config: CrawlSetup,
    fetcher: Arc<Fetcher>,
    /// Cancelled after the stop deadline: requests in flight are dropped.
    abandon: CancellationToken,
    metrics: Arc<CrawlMetrics>,
    tx: tokio::sync::mpsc::Sender<Work>,
    stop: CancellationToken,
    progress: Progress,
    fetched: Arc<AtomicU64>,
    /// How far the crawler's clock is ahead of the wall clock.
    ahead: chrono::Duration,
}

#[derive(Default)]
struct SourceResult {
    name: String,
    pass: u64,
    /// Pages fetched, unchanged or fresh (reached).
    reached: u64,
    failed: u64,
    fresh: u64,
    not_modified: u64,
    errors: Vec<String>,
    /// The pass reached `crawl.max_urls_per_source` URLs.
    capped: bool,
    /// Recording what the pass reached failed: the pass fails with it.
    store_error: Option<StoreError>,
}

/// What became of one URL of the frontier.
enum Visit {
    /// Fetched and extracted: links to follow, work for the writer.
    Page(Box<Work>),
    /// Unchanged (304) or not due: the links stored last time.
    Known {
        /// The canonical URL.
        url: String,
        links: Vec<String>,
        not_modified: bool,
    },
    /// Failed; the crawl goes on.
    Failed(String),
}

impl SourceCrawl {
    async fn run(self, mut starts: Vec<Url>) -> SourceResult {
        let this = Arc::new(self);
        let mut out = SourceResult {
            name: this.source.name.clone(),
            pass: this.pass,
            ..Default::default()
        };
        if this.source.kind == SourceKind::Sitemap {
            starts = this.sitemap_pages(&mut out).await;
            if out.store_error.is_some() {
                return out;
            }
        }

        let crawl = &this.config.crawl;
        let cap = crawl.max_urls_per_source.max(1) as usize;
        let max_depth = this.source.max_depth(crawl);
        let follow: Vec<regex::Regex> = this
            .source
            .follow
            .iter()
            .filter_map(|f| regex::Regex::new(f).ok())
            .collect();
        let hosts = links::hosts_of(&starts);
        let strip = &crawl.strip_params;
        let mut queue: VecDeque<(Url, u32)> =
            starts.iter().map(|u| (canonicalize(u, strip), 0)).collect();
        // Seen URLs as 64-bit hashes: a million cost ~16 MB, not the URLs.
        let mut seen: HashSet<u64> = queue.iter().map(|(u, _)| url_hash(u)).collect();
        let start_set: HashSet<u64> = seen.clone();
        let in_flight_max = (crawl.per_host_concurrency as usize).max(1) * hosts.len().max(1);
        let mut in_flight = tokio::task::JoinSet::new();
        let mut pages = 0u32;
        let mut failures: Vec<(String, u64)> = Vec::new();
        loop {
            while in_flight.len() < in_flight_max
                && !this.stop.is_cancelled()
                && pages < crawl.max_pages_per_source
            {
                let Some((url, depth)) = queue.pop_front() else {
                    break;
                };
                pages += 1;
                let is_start = start_set.contains(&url_hash(&url));
                let me = this.clone();
                in_flight.spawn(async move { (depth, me.visit(url, is_start).await) });
            }
            let Some(done) = in_flight.join_next().await else {
                break;
            };
            let (depth, visit) = match done {
                Ok(v) => v,
                Err(e) => {
                    out.failed += 1;
                    out.errors
                        .push(format!("[{}] a fetch task failed: {e}", this.source.name));
                    continue;
                }
            };
            if let Visit::Page(w) = &visit {
                if let Err(e) = this
                    .store
                    .mark_reached(&this.source.name, &w.canonical, this.pass)
                {
                    out.store_error = Some(e);
                    break;
                }
            }
            if let Visit::Known { url, .. } = &visit {
                if let Err(e) = this.store.mark_reached(&this.source.name, url, this.pass) {
                    out.store_error = Some(e);
                    break;
                }
            }
            let (links, profile_links): (Vec<String>, bool) = match visit {
                Visit::Failed(e) => {
                    out.failed += 1;
                    // One line per cause: an unreachable host is one
                    // error, however many of its pages were skipped.
                    match failures.iter_mut().find(|(m, _)| *m == e) {
                        Some((_, n)) => *n += 1,
                        None => {
                            (this.progress)(&format!("error  [{}] {e}", this.source.name));
                            failures.push((e, 1));
                        }
                    }
                    continue;
                }
                Visit::Known {
                    links,
                    not_modified,
                    ..
                } => {
                    out.reached += 1;
                    if not_modified {
                        out.not_modified += 1;
                    } else {
                        out.fresh += 1;
                    }
                    (links, true)
                }
                Visit::Page(work) => {
                    out.reached += 1;
                    let chosen = links::choose(
                        &work.extracted,
                        links::Choice {
                            hosts: links::Hosts::Only(&hosts),
                            follow: &follow,
                            every_link: (this.source.kind == SourceKind::Search
                                && follow.is_empty()
                                && depth == 0)
                                .then_some((&start_set, strip.as_slice())),
                            deeper: depth < max_depth,
                        },
                    );
                    let mut work = *work;
                    work.links = chosen.clone();
                    this.metrics.queued(1);
                    if this.tx.send(work).await.is_err() {
                        this.metrics.queued(-1);
                        // The writer stopped (store error): it reports why.
                        break;
                    }
                    (chosen, true)
                }
            };
            if !profile_links {
                continue;
            }
            for link in links {
                let (link, hop) = match link.strip_prefix(NEXT_PAGE) {
                    Some(next) => (next, 0),
                    None if depth < max_depth => (link.as_str(), 1),
                    None => continue,
                };
                let Ok(u) = Url::parse(link) else { continue };
                let c = canonicalize(&u, strip);
                let h = url_hash(&c);
                if seen.contains(&h) {
                    continue;
                }
                if seen.len() >= cap {
                    if !out.capped {
                        out.capped = true;
                        tracing::warn!(
                            source = %this.source.name,
                            "the pass reached {cap} URLs (crawl.max_urls_per_source): no more new links are followed this pass; if the site has an endless URL space (a calendar, session ids in URLs), narrow the source's `follow` rules, else raise the cap"
                        );
                    }
                    break;
                }
                seen.insert(h);
                queue.push_back((c, depth + hop));
            }
        }
        for (e, n) in failures {
            let pages = if n > 1 {
                format!(" ({n} pages)")
            } else {
                String::new()
            };
            out.errors
                .push(format!("[{}] {e}{pages}", this.source.name));
        }
        out
    }

    async fn visit(&self, url: Url, is_start: bool) -> Visit {
        let crawl = &self.config.crawl;
        let canonical = url.to_string();
        let previous = match self.store.crawl_state(&canonical) {
            Ok(p) => p,
            Err(e) => return Visit::Failed(format!("{url}: reading crawl state: {e}")),
        };
        let revisit = self.source.revisit_policy(crawl);
        // Not due yet: follow what it linked to last time.
        if let Some(p) = &previous {
            if !is_start && p.status < 300 && revisit.fresh(p, Utc::now() + self.ahead) {
                (self.progress)(&format!("fresh  {url}"));
                return Visit::Known {
                    url: canonical,
                    links: p.links.clone(),
                    not_modified: false,
                };
            }
        }
        let req = Request {
            url: url.clone(),
            rate: self.source.rate_per_host(crawl),
            allow_private: self.source.allow_private(crawl),
            validators: previous
                .as_ref()
                .map(|p| Validators {
                    etag: p.etag.clone(),
                    last_modified: p.last_modified.clone(),
                })
                .unwrap_or_default(),
        };
        let fetched = tokio::select! {
            r = self.fetcher.fetch(&req) => r,
            // Abandoned at shutdown: no state is written, the URL stays due.
            () = self.abandon.cancelled() => return Visit::Failed(format!("{url}: abandoned at shutdown")),
        };
        self.metrics.fetch(&self.source.name, &fetched);
        let page = match fetched {
            Ok(Fetched::Page(p)) => p,
            Ok(Fetched::NotModified) => {
                (self.progress)(&format!("304    {url}"));
                if let Some(mut p) = previous {
                    let now = Utc::now() + self.ahead;
                    p.next_due = Some(revisit.next_due(Some(&p), false, now));
                    p.last_fetch = Some(now);
                    if let Err(e) = self.store.put_crawl_state(&canonical, &p) {
                        return Visit::Failed(format!("{url}: {e}"));
                    }
                    return Visit::Known {
                        url: canonical,
                        links: p.links,
                        not_modified: true,
                    };
                }
                return Visit::Known {
                    url: canonical,
                    links: Vec::new(),
                    not_modified: true,
                };
            }
            Err(e) => return Visit::Failed(e.to_string()),
        };
        self.fetched.fetch_add(1, Ordering::Relaxed);
        let extracted = extract_page(&page, &self.source, crawl, &self.config.extract).await;
        let extracted = match extracted {
            // A search's results page is a list of links, not posts;
            // only a listing's posts with their own address (a JSON
            // search API's hits) are posts.
            Ok(Ok(mut e)) if is_start && self.source.kind == SourceKind::Search => {
                e.posts.retain(|p| p.url.is_some());
                e
            }
            Ok(Ok(e)) => e,
            Ok(Err(e)) => return Visit::Failed(e.to_string()),
            Err(e) => return Visit::Failed(format!("{url}: extraction failed: {e}")),
        };
        Visit::Page(Box::new(Work {
            source: self.source.clone(),
            fetched_at: page.fetched_at + self.ahead,
            page: *page,
            canonical,
            extracted,
            links: Vec::new(),
            revisit,
        }))
    }
}

/// Extracts a fetched page on the blocking pool, as `source` reads it: its
/// profile and timezone, and the `[extract]` lines to drop.
async fn extract_page(
    page: &Page,
    source: &SourceConfig,
    crawl: &crate::fetch::CrawlConfig,
    cleaning: &crate::extract::ExtractConfig,
) -> Result<Result<Extracted, extract::ExtractError>, tokio::task::JoinError> {
    let profile = source.profile.clone();
    let tz = source.timezone(crawl);
    let (page_url, text, fetched_at) = (page.url.clone(), page.text.clone(), page.fetched_at);
    let drop_lines = cleaning.patterns();
    tokio::task::spawn_blocking(move || {
        extract::extract_with(
            &page_url,
            &text,
            &extract::Options {
                profile: profile.as_deref(),
                tz,
                fetched_at,
                drop_lines: &drop_lines,
            },
        )
    })
    .await
}

/// A URL's 64-bit hash: what a pass's seen set holds (a million URLs
/// cost ~16 MB, not the URLs).
pub fn url_hash(u: &Url) -> u64 {
    let h = blake3::hash(u.as_str().as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

#[derive(Default)]
struct WriterResult {
    unchanged_pages: u64,
    posts: u64,
    report: crate::store::IngestReport,
    new_per_watch: BTreeMap<String, u64>,
}

/// Group commit: the writer makes its writes durable whenever it has
/// caught up with the fetchers (nothing queued), so a page it logs while
/// idle survives a kill -9. While busy, sled's own flusher (every 500 ms)
/// covers it, and a fast crawl pays for one fsync per burst, not per page.
fn flush_when_idle(
    rx: &tokio::sync::mpsc::Receiver<Work>,
    store: &Store,
) -> Result<(), StoreError> {
    if rx.is_empty() {
        store.flush()?;
    }
    Ok(())
}

fn write_pages(
    mut rx: tokio::sync::mpsc::Receiver<Work>,
    store: &Store,
    matcher: &Matcher,
    scorer: Option<&crate::sentiment::ScoreFn>,
    metrics: &CrawlMetrics,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<WriterResult, PipelineError> {
    let result = write_queued(&mut rx, store, matcher, scorer, metrics, progress);
    // Pages left when a store error stopped the writer leave the queue.
    rx.close();
    while rx.try_recv().is_ok() {
        metrics.queued(-1);
    }
    result
}

fn write_queued(
    rx: &mut tokio::sync::mpsc::Receiver<Work>,
    store: &Store,
    matcher: &Matcher,
    scorer: Option<&crate::sentiment::ScoreFn>,
    metrics: &CrawlMetrics,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<WriterResult, PipelineError> {
    let mut out = WriterResult::default();
    let mut clusters = matching::cluster_index(store)?;
    while let Some(w) = rx.blocking_recv() {
        metrics.queued(-1);
        let hash = Mention::hash_text(&w.page.text);
        let previous = store.crawl_state(&w.canonical)?;
        let changed = previous.as_ref().and_then(|p| p.content_hash.as_deref()) != Some(&hash);
        let state = CrawlState {
            etag: w.page.etag.clone(),
            last_modified: w.page.last_modified.clone(),
            content_hash: Some(hash.clone()),
            charset: Some(w.page.charset.to_string()),
            status: w.page.status,
            last_fetch: Some(w.fetched_at),
            next_due: Some(w.revisit.next_due(previous.as_ref(), changed, w.fetched_at)),
            links: w.links.clone(),
        };
        if !changed {
            out.unchanged_pages += 1;
            store.put_crawl_state(&w.canonical, &state)?;
            flush_when_idle(rx, store)?;
            progress(&format!("same   {}", w.page.url));
            continue;
        }
        let posts = matching::posts_of(&w);
        let mut mentions = Vec::new();
        for post in &posts {
            mentions.extend(matching::mentions_in(post, matcher, store)?);
        }
        matching::settle(&mut mentions, store, &mut clusters, scorer)?;
        out.posts += w.extracted.posts.len() as u64;
        let r = store.put_page(&mentions, &posts, Some((&w.canonical, &state)))?;
        for (watch, n) in &r.new_per_watch {
            *out.new_per_watch.entry(watch.clone()).or_default() += *n as u64;
        }
        out.report.inserted += r.inserted;
        out.report.updated += r.updated;
        out.report.unchanged += r.unchanged;
        flush_when_idle(rx, store)?;
        progress(&format!(
            "{:<6} {} [{}] {} posts, {} mentions",
            "page",
            w.page.url,
            w.extracted.profile,
            w.extracted.posts.len(),
            mentions.len()
        ));
    }
    Ok(out)
}
