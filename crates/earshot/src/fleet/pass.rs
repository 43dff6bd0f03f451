//! What the coordinator keeps of one pass, per source, with the rules of a
//! pass on one machine (`crawl/mod.rs`, `crawl/sitemap.rs`): the seen set
//! as URL hashes, capped at `crawl.max_urls_per_source`; the URLs the pass
//! reached, which bound the crawl state after it (`crawl/bound.rs`); and a
//! sitemap source's files and listed pages, whose due ones become start
//! pages. It ends as a pass on one machine ends (`crawl::end_pass`).

use std::collections::{HashSet, VecDeque};

use url::Url;

use crate::crawl::remote::{self, JobKind, PageJob, SitemapFound};
use crate::crawl::{
    canonicalize, end_pass, links, search, sitemap, url_hash, CrawlSetup, CrawlSummary,
    PipelineError, Progress, SourceConfig, SourceEnd, SourceKind,
};
use crate::store::{Store, StoreError};

/// A URL waiting to be published as a job.
pub(super) struct Queued {
    pub source: String,
    pub url: String,
    pub depth: u32,
    /// One of the source's start pages (always fetched).
    pub start: bool,
    pub kind: JobKind,
}

/// One source's pass.
struct SourcePass {
    name: String,
    /// The number of this pass of the source (`Store::source_pass` + 1).
    pass: u64,
    /// Hashes of the canonical URLs queued this pass.
    seen: HashSet<u64>,
    capped: bool,
    /// URLs reached: fetched, unchanged, not due, or listed and not due.
    reached: u64,
    /// Page jobs published (`crawl.max_pages_per_source`).
    published: u32,
    /// Sitemap files asked for, and how many.
    files: HashSet<String>,
    files_asked: usize,
    /// Entries read from its sitemaps, and those past the limit.
    entries: usize,
    listed: HashSet<u64>,
    over: bool,
    /// A sitemap source: the hosts of the listed pages it fetches, where
    /// its links may lead (`crawl::links`); its sitemap jobs not answered
    /// yet, and the listed pages held until they are (as on one machine,
    /// every sitemap is read before the first page).
    hosts: Option<HashSet<String>>,
    maps_pending: usize,
    held: Vec<Queued>,
}

/// Every source's pass, and the URLs waiting to be published.
pub(super) struct Passes {
    sources: Vec<SourcePass>,
    /// The store held posts before the pass (else the watch fingerprints
    /// are recorded after it, as on one machine).
    had_posts: bool,
    pub queue: VecDeque<Queued>,
    progress: Progress,
}

impl Passes {
    /// The passes of `sources`, their start pages queued: a site's start
    /// URLs, a search's results pages (one per watch term), a sitemap
    /// source's root (its robots.txt) or sitemap file.
    pub fn start(
        config: &CrawlSetup,
        store: &Store,
        sources: &[&SourceConfig],
        summary: &mut CrawlSummary,
        progress: Progress,
    ) -> Result<Passes, PipelineError> {
        let strip = &config.crawl.strip_params;
        let mut out = Passes {
            sources: Vec::new(),
            had_posts: store.has_posts()?,
            queue: VecDeque::new(),
            progress,
        };
        for s in sources {
            let mut sp = SourcePass {
                name: s.name.clone(),
                pass: store.source_pass(&s.name)? + 1,
                seen: HashSet::new(),
                capped: false,
                reached: 0,
                published: 0,
                files: HashSet::new(),
                files_asked: 0,
                entries: 0,
                listed: HashSet::new(),
                over: false,
                hosts: None,
                maps_pending: 0,
                held: Vec::new(),
            };
            let starts = match s.kind {
                SourceKind::Site => s.expanded_start_urls(),
                SourceKind::Search => search::search_urls(s, &config.watches)
                    .map(|v| v.into_iter().map(|(u, _)| u).collect()),
                SourceKind::Sitemap => {
                    match sitemap_url(s) {
                        Ok(u) => {
                            let kind = if sitemap::is_site_root(&u) {
                                JobKind::SitemapRoot
                            } else {
                                sp.files_asked += 1;
                                JobKind::Sitemap { level: 0 }
                            };
                            sp.files.insert(u.to_string());
                            sp.hosts = Some(HashSet::new());
                            sp.maps_pending = 1;
                            out.queue.push_back(Queued {
                                source: s.name.clone(),
                                url: u.to_string(),
                                depth: 0,
                                start: false,
                                kind,
                            });
                        }
                        Err(e) => {
                            summary.pages_failed += 1;
                            summary.errors.push(format!("[{}] {e}", s.name));
                        }
                    }
                    Ok(Vec::new())
                }
            }
            .map_err(|e| PipelineError::Url(s.name.clone(), e))?;
            for u in starts {
                let c = canonicalize(&u, strip);
                if sp.seen.insert(url_hash(&c)) {
                    out.queue.push_back(Queued {
                        source: s.name.clone(),
                        url: c.to_string(),
                        depth: 0,
                        start: true,
                        kind: JobKind::Page,
                    });
                }
            }
            out.sources.push(sp);
        }
        Ok(out)
    }

    fn get(&mut self, source: &str) -> Option<&mut SourcePass> {
        self.sources.iter_mut().find(|s| s.name == source)
    }

    /// Counts a page job of `source` against `crawl.max_pages_per_source`:
    /// false when the source has had its pages this pass.
    pub fn publish_page(&mut self, source: &str, max_pages: u32) -> bool {
        match self.get(source) {
            Some(sp) if sp.published < max_pages => {
                sp.published += 1;
                true
            }
            _ => false,
        }
    }

    /// Records that this pass of `source` reached `url` (its crawl state is
    /// kept by the bounds).
    pub fn reached(&mut self, store: &Store, source: &str, url: &str) -> Result<(), StoreError> {
        let Some(sp) = self.get(source) else {
            return Ok(());
        };
        store.mark_reached(source, url, sp.pass)?;
        sp.reached += 1;
        Ok(())
    }

    /// Queues the links of a page at `depth` not seen yet this pass, up to
    /// `crawl.max_urls_per_source` URLs for the source.
    pub fn follow(&mut self, config: &CrawlSetup, source: &str, links: &[String], depth: u32) {
        let Some(src) = config.sources.iter().find(|s| s.name == source) else {
            return;
        };
        let cap = config.crawl.max_urls_per_source.max(1) as usize;
        let max_depth = src.max_depth(&config.crawl);
        let Some(sp) = self.sources.iter_mut().find(|s| s.name == source) else {
            return;
        };
        for (link, d) in remote::next_hops(links, depth, max_depth) {
            let Ok(u) = Url::parse(&link) else { continue };
            let c = canonicalize(&u, &config.crawl.strip_params);
            let h = url_hash(&c);
            if sp.seen.contains(&h) {
                continue;
            }
            if sp.seen.len() >= cap {
                if !sp.capped {
                    sp.capped = true;
                    tracing::warn!(
                        source = %source,
                        "the pass reached {cap} URLs (crawl.max_urls_per_source): no more new links are followed this pass; if the site has an endless URL space (a calendar, session ids in URLs), narrow the source's `follow` rules, else raise the cap"
                    );
                }
                break;
            }
            sp.seen.insert(h);
            self.queue.push_back(Queued {
                source: source.to_string(),
                url: c.to_string(),
                depth: d,
                start: false,
                kind: JobKind::Page,
            });
        }
    }

    /// What a sitemap job found (one part of it): child sitemaps are
    /// queued (at most `MAX_INDEX_DEPTH` levels of indexes and
    /// `MAX_SITEMAP_FILES` files a pass), and each listed page not
    /// crawled or changed since its fetch becomes a start page; the
    /// others are reached, not fetched.
    pub fn sitemap(
        &mut self,
        config: &CrawlSetup,
        store: &Store,
        job: &PageJob,
        found: SitemapFound,
        first_part: bool,
        summary: &mut CrawlSummary,
    ) -> Result<(), PipelineError> {
        let progress = &self.progress;
        let Some(source) = config.sources.iter().find(|s| s.name == job.source) else {
            return Ok(());
        };
        let Some(sp) = self.sources.iter_mut().find(|s| s.name == job.source) else {
            return Ok(());
        };
        let name = &source.name;
        let level = match job.kind {
            JobKind::Sitemap { level } => {
                if first_part {
                    sp.reached += 1;
                }
                progress(&format!(
                    "sitemap {}: {} pages, {} sitemaps",
                    job.url,
                    found.entries.len(),
                    found.sitemaps.len()
                ));
                level + 1
            }
            _ => 0,
        };
        if !found.sitemaps.is_empty() && level > sitemap::MAX_INDEX_DEPTH {
            tracing::warn!(source = %name, file = %job.url, "sitemap indexes nest deeper than {} levels; the deeper ones are not read", sitemap::MAX_INDEX_DEPTH);
        } else {
            for file in found.sitemaps {
                if !sp.files.insert(file.clone()) {
                    continue;
                }
                if sp.files_asked >= sitemap::MAX_SITEMAP_FILES {
                    tracing::warn!(source = %name, "more than {} sitemap files; the rest are read on a later pass", sitemap::MAX_SITEMAP_FILES);
                    break;
                }
                sp.files_asked += 1;
                sp.maps_pending += 1;
                self.queue.push_back(Queued {
                    source: name.clone(),
                    url: file,
                    depth: 0,
                    start: false,
                    kind: JobKind::Sitemap { level },
                });
            }
        }
        let max = source.max_sitemap_urls() as usize;
        // The worker sent at most `max` of a file's entries.
        sp.over |= found.left_out > 0;
        for e in found.entries {
            if sp.entries >= max {
                sp.over = true;
                break;
            }
            sp.entries += 1;
            let Ok(u) = Url::parse(&e.url) else { continue };
            let c = canonicalize(&u, &config.crawl.strip_params);
            let h = url_hash(&c);
            if !sp.listed.insert(h) {
                continue;
            }
            let canonical = c.to_string();
            if sitemap::entry_due(store, &canonical, e.changed)? {
                if let Some(t) = &e.title {
                    progress(&format!("new    {canonical} ({t})"));
                }
                if sp.seen.insert(h) {
                    if let Some(hosts) = &mut sp.hosts {
                        hosts.extend(links::hosts_of([&c]));
                    }
                    sp.held.push(Queued {
                        source: name.clone(),
                        url: canonical,
                        depth: 0,
                        start: true,
                        kind: JobKind::Page,
                    });
                }
            } else {
                store.mark_reached(name, &canonical, sp.pass)?;
                sp.reached += 1;
                summary.pages_fresh += 1;
            }
        }
        Ok(())
    }

    /// A sitemap job of `source` is answered (all its parts, or failed):
    /// once none is left, the listed pages it held are queued.
    pub fn map_answered(&mut self, source: &str) {
        let Some(sp) = self.get(source) else { return };
        sp.maps_pending = sp.maps_pending.saturating_sub(1);
        if sp.maps_pending == 0 {
            let held = std::mem::take(&mut sp.held);
            self.queue.extend(held);
        }
    }

    /// Keeps the links of a page of `source` that its pass may follow: a
    /// sitemap source's workers pick links on any host, and those on the
    /// hosts of its listed pages are kept, as on one machine.
    pub fn keep_links(&mut self, source: &str, found: &mut Vec<String>) {
        if let Some(hosts) = self.get(source).and_then(|sp| sp.hosts.as_ref()) {
            links::keep_on_hosts(found, hosts);
        }
    }

    /// Ends every source's pass: a sitemap longer than its limit is
    /// reported, and the crawl state is bounded as after a pass on one
    /// machine. `summary.interrupted` must be set.
    pub fn end(
        self,
        config: &CrawlSetup,
        store: &Store,
        summary: &mut CrawlSummary,
    ) -> Result<(), PipelineError> {
        let mut ends = Vec::with_capacity(self.sources.len());
        for sp in self.sources {
            if sp.over {
                let max = config
                    .sources
                    .iter()
                    .find(|s| s.name == sp.name)
                    .map_or(0, |s| s.max_sitemap_urls());
                tracing::warn!(
                    source = %sp.name,
                    "the sitemaps list more than {max} pages; the first {max} were read (raise max_sitemap_urls on the source to read more)"
                );
                summary.errors.push(format!(
                    "[{}] the sitemaps list more than {max} pages (max_sitemap_urls); the rest were not read",
                    sp.name
                ));
            }
            ends.push(SourceEnd {
                name: sp.name,
                pass: sp.pass,
                reached: sp.reached,
                capped: sp.capped,
            });
        }
        end_pass(store, config, ends, self.had_posts, summary)
    }
}

/// A sitemap source's `url`, or what is wrong with it.
fn sitemap_url(s: &SourceConfig) -> Result<Url, String> {
    s.url
        .as_deref()
        .ok_or_else(|| "kind = \"sitemap\" needs url".to_string())
        .and_then(crate::util::expand_env)
        .and_then(|u| Url::parse(&u).map_err(|e| format!("`{u}` is not a URL: {e}")))
}
