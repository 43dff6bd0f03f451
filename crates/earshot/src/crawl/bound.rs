//! After a pass: each source's crawl state is kept under
//! `crawl.max_urls_per_source` and URLs its passes no longer reach are
//! forgotten after `crawl.forget_after_passes` (see `store/crawled.rs`).
//! A pass on one machine and a pass through the fleet end the same way
//! ([`end_pass`]), watch fingerprints included.

use super::{CrawlSetup, CrawlSummary, PipelineError, SourceResult};
use crate::fetch::CrawlConfig;
use crate::store::{CrawlBound, Store};

/// How one source's pass ended, as the bounds read it.
#[derive(Debug, Clone, Default)]
pub struct SourceEnd {
    pub name: String,
    /// The number of this pass of the source (`Store::source_pass` + 1).
    pub pass: u64,
    /// URLs the pass reached (fetched, unchanged or not due).
    pub reached: u64,
    /// The pass reached `crawl.max_urls_per_source` URLs.
    pub capped: bool,
}

pub(super) fn after_pass(
    store: &Store,
    setup: &CrawlSetup,
    ended: Vec<SourceResult>,
    had_posts: bool,
    summary: &mut CrawlSummary,
) -> Result<(), PipelineError> {
    let mut ends = Vec::with_capacity(ended.len());
    for s in ended {
        if let Some(e) = s.store_error {
            return Err(e.into());
        }
        ends.push(SourceEnd {
            name: s.name,
            pass: s.pass,
            reached: s.reached,
            capped: s.capped,
        });
    }
    end_pass(store, setup, ends, had_posts, summary)
}

/// Ends a pass: bounds each source's crawl state ([`bound_sources`]) and,
/// when the store held no post before it (`had_posts` false) and the pass
/// completed, records every watch's fingerprint: each stored post was
/// matched with these watches (what `rematch` and `run` go by).
pub fn end_pass(
    store: &Store,
    setup: &CrawlSetup,
    ends: Vec<SourceEnd>,
    had_posts: bool,
    summary: &mut CrawlSummary,
) -> Result<(), PipelineError> {
    bound_sources(store, &setup.crawl, ends, summary)?;
    if !had_posts && !summary.interrupted {
        super::rematch::record_fingerprints(store, &setup.watches)?;
    }
    Ok(())
}

/// Ends each source's pass in the store: records it (when it completed),
/// forgets what it no longer reaches and evicts beyond the cap; the
/// capped sources and the URLs dropped go into `summary`, whose
/// `interrupted` must be set.
pub fn bound_sources(
    store: &Store,
    crawl: &CrawlConfig,
    ends: Vec<SourceEnd>,
    summary: &mut CrawlSummary,
) -> Result<(), PipelineError> {
    let bound = CrawlBound {
        max_urls: crawl.max_urls_per_source.max(1),
        forget_after: crawl.forget_after_passes,
    };
    for s in ends {
        if s.capped {
            summary.capped.push(s.name.clone());
        }
        // A pass that reached nothing (the site down) forgets nothing.
        let completed = !summary.interrupted && s.reached > 0;
        let b = store.bound_crawl_state(&s.name, s.pass, completed, bound)?;
        if b.evicted + b.forgotten > 0 {
            tracing::info!(
                source = %s.name,
                kept = b.kept,
                evicted = b.evicted,
                forgotten = b.forgotten,
                "crawl state bounded"
            );
        }
        summary.urls_dropped += b.evicted + b.forgotten;
    }
    Ok(())
}
