//! Stored posts (every post the crawl extracted, matched or not) and the
//! fingerprints of the watch definitions they were last matched with: what
//! `earshot rematch` needs to apply new or changed watches to pages
//! already crawled.

use super::*;

impl Store {
    /// One stored post.
    pub fn get_post(&self, id: u64) -> Result<Option<Post>, StoreError> {
        let key = keys::post(id);
        match self.tree()?.get(key).map_err(|e| self.engine(e))? {
            Some(b) => Ok(Some(unpack(&key, &b)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` stored posts with ids after `after` (all from the
    /// first when `None`), in id order: a scan in pages.
    pub fn posts_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Post>, StoreError> {
        let lo = match after {
            Some(id) => match id.checked_add(1) {
                Some(next) => keys::post(next).to_vec(),
                None => return Ok(Vec::new()),
            },
            None => vec![keys::POST],
        };
        let mut out = Vec::new();
        for item in self.tree()?.range(lo..vec![keys::POST + 1]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            out.push(unpack(&k, &v)?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Number of stored posts.
    pub fn post_count(&self) -> u64 {
        self.tree()
            .map(|t| t.scan_prefix([keys::POST]).count() as u64)
            .unwrap_or(0)
    }

    /// Whether any post is stored.
    pub fn has_posts(&self) -> Result<bool, StoreError> {
        Ok(self
            .tree()?
            .scan_prefix([keys::POST])
            .next()
            .transpose()
            .map_err(|e| self.engine(e))?
            .is_some())
    }

    /// Crawled pages whose posts are not stored: pages read before the
    /// store kept posts (format 2 and older), which the next crawl reads
    /// again.
    pub fn pages_without_posts(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for item in self.tree()?.scan_prefix([keys::CRAWL]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let s: CrawlState = decode(&k, &v)?;
            if (200..300).contains(&s.status) && s.content_hash.is_none() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The fingerprint of each watch definition the stored posts were last
    /// matched with, by watch name.
    pub fn watch_fingerprints(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let prefix = keys::meta("watch/");
        let mut out = BTreeMap::new();
        for item in self.tree()?.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let name = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            out.insert(name, String::from_utf8_lossy(&v).into_owned());
        }
        Ok(out)
    }

    /// Records that the stored posts are matched with `watch` as defined
    /// by `fingerprint`.
    pub fn set_watch_fingerprint(&self, watch: &str, fingerprint: &str) -> Result<(), StoreError> {
        self.tree()?
            .insert(
                keys::meta(&format!("watch/{watch}")),
                fingerprint.as_bytes(),
            )
            .map_err(|e| self.engine(e))?;
        Ok(())
    }
}
