//! One crawl pass: fetch → extract → match → store.
//!
//! Each source is crawled breadth-first by its own task, pages are
//! extracted on the blocking pool, and extracted pages go through a bounded
//! channel to a single store writer, so a slow store slows the crawl
//! instead of filling memory. A stop flag (Ctrl-C) ends fetching; what was
//! fetched is still written and the store flushed.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use url::Url;

use crate::config::{Config, SourceConfig};
use crate::extract::{self, Extracted};
use crate::fetch::{Fetcher, Page};
use crate::store::{CrawlState, Mention, Store, StoreError};
use crate::watch::Watch;

/// Pages waiting for the store writer.
const CHANNEL_CAPACITY: usize = 16;

/// What a crawl pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlSummary {
    /// Sources crawled.
    pub sources: usize,
    /// Pages fetched with a 2xx answer.
    pub pages_fetched: u64,
    /// Of those, unchanged since the last crawl (no extraction stored).
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
    /// One line per failed page.
    pub errors: Vec<String>,
    /// Whether the pass was stopped early (Ctrl-C).
    pub interrupted: bool,
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
}

/// A page ready for the store writer.
struct Work {
    source: Arc<SourceConfig>,
    page: Page,
    canonical: String,
    extracted: Extracted,
}

/// Progress callback: called with a line per page.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// Removes what does not change a page: the fragment and tracking
/// parameters (`utm_*`, `spm`, `from`, `fbclid`, `gclid`).
pub fn canonicalize(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| {
            !(k.starts_with("utm_") || matches!(k.as_ref(), "spm" | "fbclid" | "gclid" | "from"))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    u
}

/// Runs one crawl pass over the configured sources (or the one named).
pub async fn crawl(
    config: &Config,
    store: Arc<Store>,
    only: Option<&str>,
    stop: Arc<AtomicBool>,
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
            let hint =
                crate::config::did_you_mean(o, config.sources.iter().map(|s| s.name.as_str()))
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
            return Err(PipelineError::NoSuchSource(o.to_string(), hint));
        }
    }
    let watches: Vec<Watch> = config
        .watches
        .iter()
        .map(|w| Watch::new(w).map_err(|e| PipelineError::Watch(w.name.clone(), e.to_string())))
        .collect::<Result<_, _>>()?;
    let fetcher = Arc::new(Fetcher::new(&config.crawl)?);

    let (tx, rx) = tokio::sync::mpsc::channel::<Work>(CHANNEL_CAPACITY);
    let writer_store = store.clone();
    let writer_progress = progress.clone();
    let writer = tokio::task::spawn_blocking(move || {
        write_pages(rx, &writer_store, &watches, &*writer_progress)
    });

    let fetched = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for source in &sources {
        let starts = source
            .expanded_start_urls()
            .map_err(|e| PipelineError::Url(source.name.clone(), e))?;
        let ctx = SourceCrawl {
            source: source.clone(),
            config: config.clone(),
            fetcher: fetcher.clone(),
            tx: tx.clone(),
            stop: stop.clone(),
            progress: progress.clone(),
            fetched: fetched.clone(),
        };
        tasks.spawn(ctx.run(starts));
    }
    drop(tx);
    let mut summary = CrawlSummary {
        sources: sources.len(),
        ..Default::default()
    };
    while let Some(res) = tasks.join_next().await {
        match res {
            Ok(s) => {
                summary.pages_failed += s.failed;
                summary.errors.extend(s.errors);
            }
            Err(e) => summary.errors.push(format!("a source task failed: {e}")),
        }
    }
    summary.pages_fetched = fetched.load(Ordering::Relaxed);
    let w = writer
        .await
        .map_err(|e| PipelineError::Url("store writer".into(), e.to_string()))??;
    summary.pages_unchanged = w.unchanged_pages;
    summary.posts = w.posts;
    summary.mentions_new = w.report.inserted as u64;
    summary.mentions_updated = w.report.updated as u64;
    summary.mentions_unchanged = w.report.unchanged as u64;
    summary.new_per_watch = w.new_per_watch;
    store.flush()?;
    summary.interrupted = stop.load(Ordering::Relaxed);
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

struct SourceCrawl {
    source: Arc<SourceConfig>,
    config: Config,
    fetcher: Arc<Fetcher>,
    tx: tokio::sync::mpsc::Sender<Work>,
    stop: Arc<AtomicBool>,
    progress: Progress,
    fetched: Arc<AtomicU64>,
}

#[derive(Default)]
struct SourceResult {
    failed: u64,
    errors: Vec<String>,
}

impl SourceCrawl {
    async fn run(self, starts: Vec<Url>) -> SourceResult {
        let mut out = SourceResult::default();
        let crawl = &self.config.crawl;
        let rate = self.source.rate_per_host(crawl);
        let max_depth = self.source.max_depth(crawl);
        let tz = self.source.timezone(crawl);
        let follow: Vec<regex::Regex> = self
            .source
            .follow
            .iter()
            .filter_map(|f| regex::Regex::new(f).ok())
            .collect();
        let hosts: HashSet<String> = starts
            .iter()
            .filter_map(|u| u.host_str().map(str::to_string))
            .collect();
        let mut queue: VecDeque<(Url, u32)> = starts.into_iter().map(|u| (u, 0)).collect();
        let mut seen: HashSet<String> = queue
            .iter()
            .map(|(u, _)| canonicalize(u).to_string())
            .collect();
        let mut pages = 0u32;
        while let Some((url, depth)) = queue.pop_front() {
            if self.stop.load(Ordering::Relaxed) || pages >= crawl.max_pages_per_source {
                break;
            }
            pages += 1;
            let page = match self.fetcher.fetch(&url, rate).await {
                Ok(p) => p,
                Err(e) => {
                    (self.progress)(&format!("error  {e}"));
                    tracing::warn!(source = %self.source.name, "{e}");
                    out.failed += 1;
                    out.errors.push(format!("[{}] {e}", self.source.name));
                    continue;
                }
            };
            self.fetched.fetch_add(1, Ordering::Relaxed);
            let profile = self.source.profile.clone();
            let (page_url, text, fetched_at) =
                (page.url.clone(), page.text.clone(), page.fetched_at);
            let extracted = tokio::task::spawn_blocking(move || {
                extract::extract(&page_url, &text, profile.as_deref(), tz, fetched_at)
            })
            .await;
            let extracted = match extracted {
                Ok(Ok(e)) => e,
                Ok(Err(e)) => {
                    out.failed += 1;
                    out.errors.push(format!("[{}] {e}", self.source.name));
                    continue;
                }
                Err(e) => {
                    out.failed += 1;
                    out.errors.push(format!(
                        "[{}] {}: extraction failed: {e}",
                        self.source.name, url
                    ));
                    continue;
                }
            };
            if depth < max_depth {
                let by_profile = extracted.links.iter().map(|l| (l, true));
                let by_rule = extracted.anchors.iter().map(|l| (l, false));
                for (link, chosen_by_profile) in by_profile.chain(by_rule) {
                    let Ok(u) = Url::parse(link) else { continue };
                    if !u.host_str().is_some_and(|h| hosts.contains(h)) {
                        continue;
                    }
                    let path_q = match u.query() {
                        Some(q) => format!("{}?{q}", u.path()),
                        None => u.path().to_string(),
                    };
                    if !(chosen_by_profile || follow.iter().any(|r| r.is_match(&path_q))) {
                        continue;
                    }
                    let c = canonicalize(&u);
                    if seen.insert(c.to_string()) {
                        queue.push_back((c, depth + 1));
                    }
                }
            }
            let canonical = canonicalize(&page.url).to_string();
            let work = Work {
                source: self.source.clone(),
                page,
                canonical,
                extracted,
            };
            if self.tx.send(work).await.is_err() {
                // The writer stopped (store error): it reports why.
                break;
            }
        }
        out
    }
}

#[derive(Default)]
struct WriterResult {
    unchanged_pages: u64,
    posts: u64,
    report: crate::store::IngestReport,
    new_per_watch: BTreeMap<String, u64>,
}

fn write_pages(
    mut rx: tokio::sync::mpsc::Receiver<Work>,
    store: &Store,
    watches: &[Watch],
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<WriterResult, StoreError> {
    let mut out = WriterResult::default();
    while let Some(w) = rx.blocking_recv() {
        let hash = Mention::hash_text(&w.page.text);
        let previous = store.crawl_state(&w.canonical)?;
        let state = CrawlState {
            etag: w.page.etag.clone(),
            last_modified: w.page.last_modified.clone(),
            content_hash: Some(hash.clone()),
            charset: Some(w.page.charset.to_string()),
            status: w.page.status,
            last_fetch: Some(w.page.fetched_at),
            next_due: None,
        };
        if previous.as_ref().and_then(|p| p.content_hash.as_deref()) == Some(hash.as_str()) {
            out.unchanged_pages += 1;
            store.put_crawl_state(&w.canonical, &state)?;
            progress(&format!("same   {}", w.page.url));
            continue;
        }
        let mut mentions = mentions_of(&w, watches);
        for m in &mut mentions {
            // A re-crawl keeps what earlier stages learnt about a post and
            // when it was first seen, so unchanged posts stay unchanged.
            if let Some(old) = store.get_mention(m.id)? {
                m.fetched_at = old.fetched_at;
                if m.sentiment.is_none() {
                    m.sentiment = old.sentiment;
                }
                if m.cluster_id.is_none() {
                    m.cluster_id = old.cluster_id;
                }
            }
        }
        out.posts += w.extracted.posts.len() as u64;
        let r = store.put_mentions(&mentions, Some((&w.canonical, &state)))?;
        for (watch, n) in &r.new_per_watch {
            *out.new_per_watch.entry(watch.clone()).or_default() += *n as u64;
        }
        out.report.inserted += r.inserted;
        out.report.updated += r.updated;
        out.report.unchanged += r.unchanged;
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

/// Mentions on one extracted page: one per post that some watch matches.
fn mentions_of(w: &Work, watches: &[Watch]) -> Vec<Mention> {
    let title = w.extracted.title.clone().unwrap_or_default();
    let site = w
        .source
        .site
        .clone()
        .unwrap_or_else(|| w.page.url.host_str().unwrap_or("").to_string());
    let mut out = Vec::new();
    for (i, post) in w.extracted.posts.iter().enumerate() {
        // The thread title belongs to the first post only.
        let t = if i == 0 { title.as_str() } else { "" };
        let lang = extract::detect_lang(&post.text).or_else(|| w.extracted.lang.clone());
        let matches: Vec<_> = watches
            .iter()
            .filter(|watch| watch.applies(&w.source.name, lang.as_deref()))
            .filter_map(|watch| watch.find(t, &post.text))
            .collect();
        let Some(first) = matches.first() else {
            continue;
        };
        let position = post.floor.unwrap_or(i as u32 + 1);
        out.push(Mention {
            id: Mention::make_id(&w.canonical, position),
            url: w.page.url.to_string(),
            canonical_url: w.canonical.clone(),
            source: w.source.name.clone(),
            site: site.clone(),
            author: post.author.clone(),
            published_at: post.published_at,
            fetched_at: w.page.fetched_at,
            title: w.extracted.title.clone(),
            text: post.text.clone(),
            context: first.context.clone(),
            lang,
            watches: matches.iter().map(|m| m.watch.clone()).collect(),
            sentiment: None,
            cluster_id: None,
            spam: None,
            content_hash: Mention::hash_text(&post.text),
            floor: post.floor,
        });
    }
    out
}
