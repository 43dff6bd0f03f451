//! Bounds on the crawl state: which URLs each source's crawl reached, in
//! which of its passes, so that the state of a source stays under a cap
//! (least recently reached dropped first) and URLs no pass reaches any
//! more are forgotten. An endless URL space (a calendar linking to the next
//! day forever) would otherwise grow the store with every pass.
//!
//! `v` keys: the source (u16 BE length, UTF-8), then the canonical URL;
//! the value is the number of the source's pass that last reached it (u64
//! BE). `M/source_pass/<source>` holds the number of the source's last
//! completed pass. URLs crawled before these records existed carry none
//! and are left alone.

use super::*;

/// How much crawl state a source keeps ([`Store::bound_crawl_state`]).
#[derive(Debug, Clone, Copy)]
pub struct CrawlBound {
    /// At most this many URLs per source.
    pub max_urls: u64,
    /// URLs not reached for this many completed passes are forgotten
    /// (0: never).
    pub forget_after: u64,
}

/// What [`Store::bound_crawl_state`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Bounded {
    /// URLs of the source with crawl state afterwards.
    pub kept: u64,
    /// Dropped, least recently reached first, to stay under the cap.
    pub evicted: u64,
    /// Dropped as not reached for `forget_after` passes.
    pub forgotten: u64,
}

impl Store {
    /// The number of `source`'s last completed pass (0: none yet).
    pub fn source_pass(&self, source: &str) -> Result<u64, StoreError> {
        let v = self
            .tree()?
            .get(keys::meta(&format!("source_pass/{source}")))
            .map_err(|e| self.engine(e))?;
        Ok(
            v.and_then(|b| b.as_ref().try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(0),
        )
    }

    /// Records that pass `pass` of `source` reached `url`.
    pub fn mark_reached(&self, source: &str, url: &str, pass: u64) -> Result<(), StoreError> {
        self.tree()?
            .insert(keys::reached(source, url), &pass.to_be_bytes())
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// URLs `source`'s crawl reached that are still kept.
    pub fn reached_count(&self, source: &str) -> Result<u64, StoreError> {
        Ok(self
            .tree()?
            .scan_prefix(keys::reached_prefix(source))
            .count() as u64)
    }

    /// Ends pass `pass` of `source`: when it `completed` (not interrupted,
    /// not failed throughout), records it as the source's last pass and
    /// forgets the URLs not reached in the last `forget_after` passes;
    /// always drops the least recently reached URLs beyond `max_urls`,
    /// with their crawl state. One atomic batch.
    pub fn bound_crawl_state(
        &self,
        source: &str,
        pass: u64,
        completed: bool,
        bound: CrawlBound,
    ) -> Result<Bounded, StoreError> {
        let tree = self.tree()?;
        let prefix = keys::reached_prefix(source);
        let mut reached: Vec<(u64, sled::IVec)> = Vec::new();
        for item in tree.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let last =
                v.as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        key: keys::hex(&k),
                        reason: format!("{} bytes, expected a u64 pass number", v.len()),
                    })?;
            reached.push((last, k));
        }
        let mut batch = sled::Batch::default();
        let mut out = Bounded::default();
        let forget_url = |k: &[u8], batch: &mut sled::Batch| {
            batch.remove(k);
            batch.remove(keys::crawl(&String::from_utf8_lossy(&k[prefix.len()..])));
        };
        if completed && bound.forget_after > 0 {
            reached.retain(|(last, k)| {
                let keep = last.saturating_add(bound.forget_after) >= pass;
                if !keep {
                    forget_url(k, &mut batch);
                    out.forgotten += 1;
                }
                keep
            });
        }
        let surplus = (reached.len() as u64).saturating_sub(bound.max_urls) as usize;
        if surplus > 0 {
            // Least recently reached first; among equals, in key order.
            reached.sort_by_key(|(last, _)| *last);
            for (_, k) in reached.drain(..surplus) {
                forget_url(&k, &mut batch);
                out.evicted += 1;
            }
        }
        out.kept = reached.len() as u64;
        if completed {
            batch.insert(
                keys::meta(&format!("source_pass/{source}")),
                &pass.to_be_bytes(),
            );
        }
        tree.apply_batch(batch).map_err(|e| self.engine(e))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> CrawlState {
        CrawlState {
            etag: None,
            last_modified: None,
            content_hash: Some("h".into()),
            charset: None,
            status: 200,
            last_fetch: None,
            next_due: None,
            links: Vec::new(),
        }
    }

    #[test]
    fn the_least_recently_reached_urls_go_first_and_unreached_ones_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        let url = |i: u32| format!("https://example.com/cal/{i}");
        // Pass 1 reaches 0..4, pass 2 reaches 3..6, pass 3 reaches 5..6.
        for (pass, urls) in [(1u64, 0..4u32), (2, 3..6), (3, 5..6)] {
            for i in urls {
                s.put_crawl_state(&url(i), &state()).unwrap();
                s.mark_reached("cal", &url(i), pass).unwrap();
            }
        }
        // Another source's URLs are not counted nor touched.
        s.put_crawl_state("https://other.example/", &state())
            .unwrap();
        s.mark_reached("other", "https://other.example/", 1)
            .unwrap();
        let bound = CrawlBound {
            max_urls: 3,
            forget_after: 1,
        };
        // Interrupted: nothing forgotten, only the cap; the pass is not
        // recorded.
        let b = s.bound_crawl_state("cal", 3, false, bound).unwrap();
        assert_eq!(
            b,
            Bounded {
                kept: 3,
                evicted: 3,
                forgotten: 0
            }
        );
        assert_eq!(s.source_pass("cal").unwrap(), 0);
        for i in 0..3 {
            assert!(s.crawl_state(&url(i)).unwrap().is_none(), "{i} evicted");
        }
        for i in 3..6 {
            assert!(s.crawl_state(&url(i)).unwrap().is_some(), "{i} kept");
        }
        // Pass 4 completed, having reached only 5: 3 and 4 (last reached
        // in pass 2) are more than one pass old.
        s.mark_reached("cal", &url(5), 4).unwrap();
        let b = s.bound_crawl_state("cal", 4, true, bound).unwrap();
        assert_eq!(
            b,
            Bounded {
                kept: 1,
                evicted: 0,
                forgotten: 2
            }
        );
        assert!(s.crawl_state(&url(3)).unwrap().is_none());
        assert!(s.crawl_state(&url(4)).unwrap().is_none());
        assert!(s.crawl_state(&url(5)).unwrap().is_some());
        assert_eq!(s.reached_count("cal").unwrap(), 1);
        assert_eq!(s.source_pass("cal").unwrap(), 4);
        assert!(s.crawl_state("https://other.example/").unwrap().is_some());
        assert_eq!(s.reached_count("other").unwrap(), 1);
    }
}
