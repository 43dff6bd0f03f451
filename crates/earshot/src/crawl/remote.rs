//! The crawl cut in two for the fleet (`crate::fleet`): [`PageWorker`] is
//! what a worker machine does with one URL (fetch, decode, extract, match,
//! score, pick the links to follow), without a store; [`store_outcome`] is
//! what the coordinator does with the result (crawl state, copy-paste
//! flags, clusters, one store batch), with the same rules as a pass on one
//! machine. Both halves exchange [`PageJob`] and [`PageOutcome`], which the
//! fleet carries as JSON. A sitemap source's files are jobs too
//! ([`JobKind::Sitemap`]): the worker fetches and reads one, the
//! coordinator decides which of the pages it lists are due.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{
    canonicalize, links, matching, search, sitemap, url_hash, CrawlSetup, PipelineError,
    SourceConfig, SourceKind, Work, NEXT_PAGE,
};
use crate::fetch::{Fetched, Fetcher, Request, Validators};
use crate::sentiment::ScoreFn;
use crate::store::{CrawlState, IngestReport, Mention, Post, Store, StoreError};
use crate::watch::Matcher;

/// One URL to fetch, as the coordinator hands it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageJob {
    /// The `[[source]]` it belongs to.
    pub source: String,
    /// The canonical URL.
    pub url: String,
    /// Hops from a start URL.
    pub depth: u32,
    /// The validators of the last 200 answer (conditional GET).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The hash of the body stored last time: a worker that finds the same
    /// body skips matching and scoring.
    pub previous_hash: Option<String>,
    /// A page (the default) or a sitemap file.
    #[serde(default)]
    pub kind: JobKind,
    /// One of the source's start pages this pass (a search's results page
    /// keeps only posts with their own address).
    #[serde(default)]
    pub start: bool,
}

/// What a job fetches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// A page: read, matched and scored.
    #[default]
    Page,
    /// A sitemap source's site root: the sitemaps its robots.txt lists,
    /// else `/sitemap.xml` (no page is fetched).
    SitemapRoot,
    /// A sitemap file, `level` sitemap indexes below the first.
    Sitemap { level: u32 },
}

impl PageJob {
    /// A job for a sitemap source's `url`, of `kind`.
    pub fn sitemap(source: &str, url: &str, kind: JobKind) -> PageJob {
        PageJob {
            source: source.to_string(),
            url: url.to_string(),
            depth: 0,
            etag: None,
            last_modified: None,
            previous_hash: None,
            kind,
            start: false,
        }
    }
}

/// What became of one [`PageJob`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PageOutcome {
    /// Fetched (2xx) and read.
    Page(Box<RemotePage>),
    /// 304: unchanged since the validators.
    NotModified,
    /// Failed (robots, status, network, extraction); the crawl goes on.
    Failed(String),
    /// A sitemap job's answer.
    Sitemap(Box<SitemapFound>),
}

/// What a sitemap file (or a site root's robots.txt) lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SitemapFound {
    /// Sitemaps to read next (an index's children, a root's sitemaps).
    pub sitemaps: Vec<String>,
    /// Pages, at most the source's `max_sitemap_urls`.
    pub entries: Vec<SitemapEntry>,
    /// Pages past `max_sitemap_urls` the worker left out (the coordinator
    /// reports the limit).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub left_out: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One page a sitemap lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitemapEntry {
    pub url: String,
    /// `lastmod` (or a news sitemap's publication date).
    pub changed: Option<DateTime<Utc>>,
    /// A news sitemap's title.
    pub title: Option<String>,
}

impl SitemapFound {
    /// Cut into parts of about `max_bytes` of JSON each, the child
    /// sitemaps in the first: a 50,000-URL sitemap is several MB, above
    /// a NATS server's message limit (1 MB by default).
    pub fn split(self, max_bytes: usize) -> Vec<SitemapFound> {
        let mut parts = vec![SitemapFound {
            sitemaps: self.sitemaps,
            entries: Vec::new(),
            left_out: self.left_out,
        }];
        let mut size = parts[0].sitemaps.iter().map(|s| s.len() + 8).sum::<usize>();
        for e in self.entries {
            // The URL, the title and the field names around them.
            let n = e.url.len() + e.title.as_ref().map_or(0, |t| 2 * t.len()) + 100;
            if size + n > max_bytes && !parts.last().is_some_and(|p| p.entries.is_empty()) {
                parts.push(SitemapFound::default());
                size = 0;
            }
            size += n;
            if let Some(p) = parts.last_mut() {
                p.entries.push(e);
            }
        }
        parts
    }
}

/// A page a worker fetched and read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemotePage {
    /// The URL after redirects.
    pub url: String,
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub charset: String,
    pub fetched_at: DateTime<Utc>,
    /// Hash of the decoded body.
    pub content_hash: String,
    /// Whether the worker matched and scored it (the body differed from
    /// the job's `previous_hash`).
    pub read: bool,
    /// The extractor's profile (for the progress line).
    pub profile: String,
    /// Posts of the page (when `read`).
    pub posts: Vec<Post>,
    /// Mentions, scored on the worker (when `read`).
    pub mentions: Vec<Mention>,
    /// Links to follow (a thread's next page prefixed `next `).
    pub links: Vec<String>,
}

impl RemotePage {
    /// Cut into self-contained parts of about `max_bytes` of JSON each:
    /// every part carries the page's own fields (URL, status, validators,
    /// hash), some of its posts with all their mentions, and some of its
    /// links, so each can be scored on its own (by any score-only worker).
    /// [`RemotePage::join`] puts them back together. A post with its
    /// mentions is never cut: one larger than `max_bytes` is a part alone.
    pub fn split(mut self, max_bytes: usize) -> Vec<RemotePage> {
        let posts = std::mem::take(&mut self.posts);
        let mut mentions = std::mem::take(&mut self.mentions);
        let links = std::mem::take(&mut self.links);
        let base = json_len(&self);
        // Each post with its mentions, in order; mentions of no post here
        // (none are) go alone at the end.
        let mut groups: Vec<(Option<Post>, Vec<Mention>)> = Vec::new();
        for post in posts {
            let (mine, rest) = mentions.into_iter().partition(|m| m.post_id == post.id);
            mentions = rest;
            groups.push((Some(post), mine));
        }
        if !mentions.is_empty() {
            groups.push((None, mentions));
        }
        let mut parts: Vec<RemotePage> = vec![self.clone()];
        let mut size = base;
        // Whether `n` more bytes go in the last part (an empty part takes
        // anything).
        let mut room = |parts: &mut Vec<RemotePage>, n: usize| {
            let empty = parts
                .last()
                .is_none_or(|p| p.posts.is_empty() && p.mentions.is_empty() && p.links.is_empty());
            if size + n > max_bytes && !empty {
                parts.push(self.clone());
                size = base;
            }
            size += n;
        };
        for (post, ms) in groups {
            // A score-only worker adds a score to each mention: room for it.
            let n = post.as_ref().map_or(0, json_len)
                + ms.iter().map(|m| json_len(m) + SCORE_BYTES).sum::<usize>();
            room(&mut parts, n);
            if let Some(p) = parts.last_mut() {
                p.posts.extend(post);
                p.mentions.extend(ms);
            }
        }
        for link in links {
            room(&mut parts, link.len() + 4);
            if let Some(p) = parts.last_mut() {
                p.links.push(link);
            }
        }
        parts
    }

    /// The page whose parts these are ([`RemotePage::split`]), in order:
    /// the first part's own fields, every part's posts, mentions and links.
    pub fn join(parts: Vec<RemotePage>) -> Option<RemotePage> {
        let mut parts = parts.into_iter();
        let mut page = parts.next()?;
        for p in parts {
            page.posts.extend(p.posts);
            page.mentions.extend(p.mentions);
            page.links.extend(p.links);
        }
        Some(page)
    }
}

/// Room left in a page's part for each mention's score (added by a
/// score-only worker after the split).
const SCORE_BYTES: usize = 256;

/// The length of a value's JSON.
fn json_len<T: Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map_or(0, |v| v.len())
}

/// One source as a worker reads it.
struct SourceRules {
    source: Arc<SourceConfig>,
    hosts: HashSet<String>,
    follow: Vec<regex::Regex>,
    /// A search source's results pages (canonical URL hashes).
    starts: HashSet<u64>,
}

/// A worker's half of the crawl: the configuration it reads pages with,
/// its fetcher and scorer. Holds no store.
pub struct PageWorker {
    setup: CrawlSetup,
    sources: HashMap<String, SourceRules>,
    matcher: Matcher,
    scorer: Option<ScoreFn>,
    fetcher: Arc<Fetcher>,
}

impl PageWorker {
    /// A worker reading pages with `setup` (sources, watches, model).
    pub fn new(
        setup: CrawlSetup,
        fetcher: Arc<Fetcher>,
        scorer: Option<ScoreFn>,
    ) -> Result<PageWorker, PipelineError> {
        let matcher = Matcher::new(&setup.watches)
            .map_err(|e| PipelineError::Watch("(all)".into(), e.to_string()))?;
        let mut sources = HashMap::new();
        for s in &setup.sources {
            // The hosts its links may lead to: those of its start pages or
            // a search's results pages (a sitemap source's are the
            // coordinator's to check).
            let starts = match s.kind {
                SourceKind::Site => s.expanded_start_urls(),
                SourceKind::Search => search::search_urls(s, &setup.watches)
                    .map(|v| v.into_iter().map(|(u, _)| u).collect()),
                SourceKind::Sitemap => Ok(Vec::new()),
            }
            .map_err(|e| PipelineError::Url(s.name.clone(), e))?;
            let strip = &setup.crawl.strip_params;
            sources.insert(
                s.name.clone(),
                SourceRules {
                    source: Arc::new(s.clone()),
                    hosts: links::hosts_of(&starts),
                    follow: s
                        .follow
                        .iter()
                        .filter_map(|f| regex::Regex::new(f).ok())
                        .collect(),
                    starts: match s.kind {
                        SourceKind::Search => starts
                            .iter()
                            .map(|u| url_hash(&canonicalize(u, strip)))
                            .collect(),
                        _ => HashSet::new(),
                    },
                },
            );
        }
        Ok(PageWorker {
            setup,
            sources,
            matcher,
            scorer,
            fetcher,
        })
    }

    /// The fetcher (its per-host state is what the fleet shares).
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The request a job makes, or why it cannot be made.
    pub fn request(&self, job: &PageJob) -> Result<Request, String> {
        let rules = self.sources.get(&job.source).ok_or_else(|| {
            format!(
                "no [[source]] named `{}` in this worker's config: give workers the coordinator's config file",
                job.source
            )
        })?;
        let url = Url::parse(&job.url).map_err(|e| format!("{}: {e}", job.url))?;
        Ok(Request {
            url,
            rate: rules.source.rate_per_host(&self.setup.crawl),
            allow_private: rules.source.allow_private(&self.setup.crawl),
            validators: Validators {
                etag: job.etag.clone(),
                last_modified: job.last_modified.clone(),
            },
        })
    }

    /// Fetches and reads one page.
    pub async fn work(&self, job: &PageJob) -> PageOutcome {
        let req = match self.request(job) {
            Ok(r) => r,
            Err(e) => return PageOutcome::Failed(e),
        };
        let Some(rules) = self.sources.get(&job.source) else {
            return PageOutcome::Failed(format!("no [[source]] named `{}`", job.source));
        };
        if job.kind != JobKind::Page {
            return self.sitemap(job, &req).await;
        }
        let page = match self.fetcher.fetch(&req).await {
            Ok(Fetched::Page(p)) => p,
            Ok(Fetched::NotModified) => return PageOutcome::NotModified,
            Err(e) => return PageOutcome::Failed(e.to_string()),
        };
        let crawl = &self.setup.crawl;
        let source = rules.source.clone();
        let extracted = super::extract_page(&page, &source, crawl, &self.setup.extract).await;
        let search = source.kind == SourceKind::Search;
        let extracted = match extracted {
            // A search's results page is a list of links, not posts (see
            // `SourceCrawl::visit`).
            Ok(Ok(mut e)) if job.start && search => {
                e.posts.retain(|p| p.url.is_some());
                e
            }
            Ok(Ok(e)) => e,
            Ok(Err(e)) => return PageOutcome::Failed(e.to_string()),
            Err(e) => return PageOutcome::Failed(format!("{}: extraction failed: {e}", job.url)),
        };
        // A sitemap source's links may lead to any host its sitemaps list:
        // only the coordinator knows them all, and keeps those
        // (`links::keep_on_hosts`).
        let hosts = match source.kind {
            SourceKind::Sitemap => links::Hosts::Any,
            _ => links::Hosts::Only(&rules.hosts),
        };
        let links = links::choose(
            &extracted,
            links::Choice {
                hosts,
                follow: &rules.follow,
                every_link: (search && rules.follow.is_empty() && job.depth == 0)
                    .then_some((&rules.starts, crawl.strip_params.as_slice())),
                deeper: job.depth < source.max_depth(crawl),
            },
        );
        let content_hash = Mention::hash_text(&page.text);
        let read = job.previous_hash.as_deref() != Some(content_hash.as_str());
        let work = Work {
            revisit: source.revisit_policy(crawl),
            source,
            canonical: job.url.clone(),
            extracted,
            links: Vec::new(),
            fetched_at: page.fetched_at,
            page: *page,
        };
        let (mut posts, mut mentions) = (Vec::new(), Vec::new());
        if read {
            posts = matching::posts_of(&work);
            for post in &posts {
                mentions.extend(matching::mentions_unchecked(post, &self.matcher));
            }
            if let (Some(scorer), false) = (&self.scorer, mentions.is_empty()) {
                let scorer = scorer.clone();
                let to_score = mentions.clone();
                match tokio::task::spawn_blocking(move || {
                    super::scoring::score_mentions(&scorer, &to_score)
                })
                .await
                {
                    Ok(Ok(scores)) => {
                        for (m, s) in mentions.iter_mut().zip(scores) {
                            m.sentiment = Some(s);
                        }
                    }
                    Ok(Err(e)) => return PageOutcome::Failed(format!("{}: {e}", job.url)),
                    Err(e) => return PageOutcome::Failed(format!("{}: scoring: {e}", job.url)),
                }
            }
        }
        PageOutcome::Page(Box::new(RemotePage {
            url: work.page.url.to_string(),
            status: work.page.status,
            etag: work.page.etag.clone(),
            last_modified: work.page.last_modified.clone(),
            charset: work.page.charset.to_string(),
            fetched_at: work.page.fetched_at,
            content_hash,
            read,
            profile: work.extracted.profile.clone(),
            posts,
            mentions,
            links,
        }))
    }

    /// A sitemap job: the root's sitemaps (robots.txt) or one file read.
    async fn sitemap(&self, job: &PageJob, req: &Request) -> PageOutcome {
        if job.kind == JobKind::SitemapRoot {
            let listed = match self.fetcher.robots(req).await {
                Ok(v) => v.sitemaps,
                Err(_) => Vec::new(),
            };
            let sitemaps = sitemap::root_files(&req.url, &listed)
                .into_iter()
                .map(String::from)
                .collect();
            return PageOutcome::Sitemap(Box::new(SitemapFound {
                sitemaps,
                ..SitemapFound::default()
            }));
        }
        let page = match self.fetcher.fetch(req).await {
            Ok(Fetched::Page(p)) => p,
            Ok(Fetched::NotModified) => return PageOutcome::Sitemap(Box::default()),
            Err(e) => return PageOutcome::Failed(format!("sitemap {e}")),
        };
        // No more entries than the coordinator reads of the source's
        // sitemaps (it checks the limit across them all).
        let max = self
            .sources
            .get(&job.source)
            .map_or(usize::MAX, |r| r.source.max_sitemap_urls() as usize);
        match sitemap::read_body(&page, &req.url, self.setup.crawl.max_body_bytes) {
            Err(e) => PageOutcome::Failed(e),
            Ok(parsed) => PageOutcome::Sitemap(Box::new(SitemapFound {
                sitemaps: parsed.sitemaps.into_iter().map(String::from).collect(),
                left_out: parsed.entries.len().saturating_sub(max),
                entries: parsed
                    .entries
                    .into_iter()
                    .take(max)
                    .map(|e| SitemapEntry {
                        url: e.url.into(),
                        changed: e.changed,
                        title: e.title,
                    })
                    .collect(),
            })),
        }
    }
}

/// The job for `url` of `source`, or `None` with the links to follow when
/// the page is not due yet (revisit by activity); start URLs are always
/// fetched.
pub fn job_for(
    store: &Store,
    setup: &CrawlSetup,
    source: &SourceConfig,
    url: &str,
    depth: u32,
    is_start: bool,
) -> Result<Result<PageJob, Vec<String>>, StoreError> {
    let previous = store.crawl_state(url)?;
    if let Some(p) = &previous {
        if !is_start && p.status < 300 && source.revisit_policy(&setup.crawl).fresh(p, Utc::now()) {
            return Ok(Err(p.links.clone()));
        }
    }
    Ok(Ok(PageJob {
        source: source.name.clone(),
        url: url.to_string(),
        depth,
        etag: previous.as_ref().and_then(|p| p.etag.clone()),
        last_modified: previous.as_ref().and_then(|p| p.last_modified.clone()),
        previous_hash: previous.and_then(|p| p.content_hash),
        kind: JobKind::Page,
        start: is_start,
    }))
}

/// The links of a page to queue, each with its depth: a thread's next page
/// at the same depth, other links one hop further while under the
/// source's `max_depth`.
pub fn next_hops(links: &[String], depth: u32, max_depth: u32) -> Vec<(String, u32)> {
    links
        .iter()
        .filter_map(|l| match l.strip_prefix(NEXT_PAGE) {
            Some(next) => Some((next.to_string(), depth)),
            None if depth < max_depth => Some((l.clone(), depth + 1)),
            None => None,
        })
        .collect()
}

/// What storing one outcome did.
#[derive(Debug, Default)]
pub struct Stored {
    /// The links to follow.
    pub links: Vec<String>,
    /// Mentions inserted, updated, unchanged.
    pub report: IngestReport,
    /// A 2xx page, a 304, or a failure.
    pub fetched: bool,
    pub not_modified: bool,
    /// The body was the same as last time.
    pub unchanged: bool,
    /// Posts stored.
    pub posts: u64,
    /// New mentions per watch.
    pub new_per_watch: BTreeMap<String, u64>,
}

/// Stores a worker's outcome for `job` in one store batch, as a pass on
/// one machine stores a page: crawl state with its next due time, posts,
/// mentions with copy-paste flags and clusters (scores come from the
/// worker, or are kept from the store when the context is the same).
/// Storing the same outcome twice changes nothing (stable mention ids).
pub fn store_outcome(
    store: &Store,
    setup: &CrawlSetup,
    job: &PageJob,
    outcome: PageOutcome,
    clusters: &mut crate::cluster::ClusterIndex,
) -> Result<Stored, PipelineError> {
    let mut out = Stored::default();
    let Some(source) = setup.sources.iter().find(|s| s.name == job.source) else {
        return Ok(out);
    };
    let revisit = source.revisit_policy(&setup.crawl);
    let previous = store.crawl_state(&job.url)?;
    match outcome {
        // Sitemaps are read by the coordinator's pass, not stored.
        PageOutcome::Failed(_) | PageOutcome::Sitemap(_) => {}
        PageOutcome::NotModified => {
            out.not_modified = true;
            if let Some(mut p) = previous {
                let now = Utc::now();
                p.next_due = Some(revisit.next_due(Some(&p), false, now));
                p.last_fetch = Some(now);
                store.put_crawl_state(&job.url, &p)?;
                out.links = p.links;
            }
        }
        PageOutcome::Page(page) => {
            out.fetched = true;
            let page = *page;
            let changed = previous.as_ref().and_then(|p| p.content_hash.as_deref())
                != Some(&page.content_hash);
            let mut state = CrawlState {
                etag: page.etag.clone(),
                last_modified: page.last_modified.clone(),
                content_hash: Some(page.content_hash.clone()),
                charset: Some(page.charset.clone()),
                status: page.status,
                last_fetch: Some(page.fetched_at),
                next_due: Some(revisit.next_due(previous.as_ref(), changed, page.fetched_at)),
                links: page.links.clone(),
            };
            out.links = page.links;
            if !changed {
                out.unchanged = true;
                store.put_crawl_state(&job.url, &state)?;
            } else if !page.read {
                // The store changed since the job was made: the worker did
                // not read a body it thought known. Without a hash the next
                // pass reads it again.
                state.content_hash = None;
                store.put_crawl_state(&job.url, &state)?;
            } else {
                let mut mentions = page.mentions;
                matching::flag_copies(&mut mentions, store)?;
                matching::settle(&mut mentions, store, clusters, None)?;
                out.posts = page.posts.len() as u64;
                let r = store.put_page(&mentions, &page.posts, Some((&job.url, &state)))?;
                for (watch, n) in &r.new_per_watch {
                    *out.new_per_watch.entry(watch.clone()).or_default() += *n as u64;
                }
                out.report = r;
            }
        }
    }
    Ok(out)
}

/// The syndication clusters the coordinator assigns new mentions with.
pub fn clusters(store: &Store) -> Result<crate::cluster::ClusterIndex, StoreError> {
    matching::cluster_index(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_hops_keep_a_threads_next_page_at_its_depth_and_stop_at_max_depth() {
        let links = vec!["http://a/x".to_string(), format!("{NEXT_PAGE}http://a/t-2")];
        assert_eq!(
            next_hops(&links, 1, 2),
            vec![("http://a/x".into(), 2), ("http://a/t-2".into(), 1)]
        );
        assert_eq!(next_hops(&links, 2, 2), vec![("http://a/t-2".into(), 2)]);
    }

    #[test]
    fn a_long_sitemap_is_answered_in_parts_under_the_limit() {
        let entry = |i: usize| SitemapEntry {
            url: format!("https://news.example/2026/12/{i:05}-a-long-story-title"),
            changed: Some(Utc::now()),
            title: (i % 2 == 0).then(|| "云雀 X5 召回".to_string()),
        };
        let found = SitemapFound {
            sitemaps: vec!["https://news.example/more.xml".into()],
            entries: (0..50_000).map(entry).collect(),
            left_out: 7,
        };
        let all = found.clone();
        let parts = found.split(256 * 1024);
        assert!(parts.len() > 10, "{} parts", parts.len());
        assert_eq!(parts[0].sitemaps, all.sitemaps);
        assert_eq!(parts[0].left_out, 7);
        assert!(parts[1..]
            .iter()
            .all(|p| p.sitemaps.is_empty() && p.left_out == 0));
        for p in &parts {
            let json = serde_json::to_vec(&PageOutcome::Sitemap(Box::new(p.clone()))).unwrap();
            assert!(json.len() <= 256 * 1024, "{} bytes", json.len());
        }
        let back: Vec<SitemapEntry> = parts.into_iter().flat_map(|p| p.entries).collect();
        assert_eq!(back, all.entries, "every entry once, in order");
        let small = SitemapFound {
            entries: vec![entry(1)],
            ..SitemapFound::default()
        };
        assert_eq!(small.clone().split(256 * 1024), vec![small]);
    }

    #[test]
    fn a_job_without_kind_is_a_page() {
        let job: PageJob =
            serde_json::from_str(r#"{"source":"s","url":"http://a/","depth":0,"etag":null,"last_modified":null,"previous_hash":null}"#)
                .unwrap();
        assert_eq!((job.kind, job.start), (JobKind::Page, false));
        let map = PageJob::sitemap("s", "http://a/s.xml", JobKind::Sitemap { level: 1 });
        let back: PageJob = serde_json::from_str(&serde_json::to_string(&map).unwrap()).unwrap();
        assert_eq!(back, map);
    }

    #[test]
    fn outcomes_round_trip_through_json() {
        let o = PageOutcome::Failed("robots.txt refused".into());
        let back: PageOutcome = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        assert_eq!(back, o);
    }
}
