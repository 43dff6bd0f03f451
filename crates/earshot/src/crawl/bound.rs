//! After a pass: each source's crawl state is kept under
//! `crawl.max_urls_per_source` and URLs its passes no longer reach are
//! forgotten after `crawl.forget_after_passes` (see `store/crawled.rs`).

use super::{CrawlSummary, PipelineError, SourceResult};
use crate::fetch::CrawlConfig;
use crate::store::{CrawlBound, Store};

pub(super) fn after_pass(
    store: &Store,
    crawl: &CrawlConfig,
    ended: Vec<SourceResult>,
    summary: &mut CrawlSummary,
) -> Result<(), PipelineError> {
    let bound = CrawlBound {
        max_urls: crawl.max_urls_per_source.max(1),
        forget_after: crawl.forget_after_passes,
    };
    for s in ended {
        if let Some(e) = s.store_error {
            return Err(e.into());
        }
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
