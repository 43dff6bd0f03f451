//! Retention (`[store] keep`): mentions older than the kept span go, with
//! their index entries (id, content hash, cluster member), the
//! counters they moved and their stored posts, in bounded batches: each
//! batch is one atomic write of at most `batch` mentions (or posts) under
//! the writer lock, so crawling goes on between batches and a huge
//! backlog never becomes one giant transaction.
//!
//! A mention and its post share their bucket time (published, else
//! fetched), so a post older than the cutoff is referenced only by
//! mentions older than it: posts before the cutoff are removed too,
//! matched or not. Crawl state (`u`, the seen set) and cluster signatures
//! are kept: they stop old pages being fetched and matched again.

use chrono::{DateTime, Utc};

use super::*;

/// What a retention run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PruneReport {
    /// Mentions removed (with their index entries and counters).
    pub mentions: u64,
    /// Stored posts removed.
    pub posts: u64,
    /// Atomic batches written.
    pub batches: u64,
    /// False when `keep_going` stopped it before everything older than
    /// the cutoff was gone.
    pub complete: bool,
}

impl Store {
    /// Removes up to `limit` of the oldest mentions with a bucket time
    /// before `cutoff` (and their posts), in one atomic batch. Returns how
    /// many mentions and posts went; `(0, 0)` once none is left.
    pub fn prune_mentions_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<(usize, usize), StoreError> {
        let mut ids = Vec::new();
        let mut post_ids = std::collections::BTreeSet::new();
        for item in self.merged_records(None, Some(cutoff), None, false)? {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let m: Mention = unpack(&k, &v)?;
            ids.push(m.id);
            post_ids.insert(m.post_id);
            if ids.len() >= limit.max(1) {
                break;
            }
        }
        if ids.is_empty() {
            return Ok((0, 0));
        }
        // Only posts that are themselves older than the cutoff.
        let mut posts = Vec::new();
        for p in post_ids {
            if let Some(post) = self.get_post(p)? {
                if post_bucket_time(&post) < cutoff {
                    posts.push(p);
                }
            }
        }
        let report = self.write_removing_posts(&[], &ids, &posts)?;
        Ok((report.removed, posts.len()))
    }

    /// Removes up to `limit` stored posts older than `cutoff` among those
    /// with ids after `after`, in one atomic batch; returns how many went
    /// and where the next call goes on (`None`: the scan is done). For
    /// posts no mention was made of (matched by no watch).
    pub fn prune_posts_before(
        &self,
        cutoff: DateTime<Utc>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<(usize, Option<u64>), StoreError> {
        let page = self.posts_after(after, limit.max(1))?;
        let next = if page.len() >= limit.max(1) {
            page.last().map(|p| p.id)
        } else {
            None
        };
        let old: Vec<u64> = page
            .iter()
            .filter(|p| post_bucket_time(p) < cutoff)
            .map(|p| p.id)
            .collect();
        if !old.is_empty() {
            self.write_removing_posts(&[], &[], &old)?;
        }
        Ok((old.len(), next))
    }

    /// Removes everything older than `cutoff` in batches of `batch`,
    /// calling `keep_going` between batches (false stops it: the daemon's
    /// shutdown) and flushing at the end. The mentions first, then a scan
    /// of the posts for those no mention referenced.
    pub fn prune_before(
        &self,
        cutoff: DateTime<Utc>,
        batch: usize,
        keep_going: &mut dyn FnMut(&PruneReport) -> bool,
    ) -> Result<PruneReport, StoreError> {
        let mut report = PruneReport::default();
        loop {
            if !keep_going(&report) {
                self.flush()?;
                return Ok(report);
            }
            let (m, p) = self.prune_mentions_before(cutoff, batch)?;
            if m == 0 {
                break;
            }
            report.mentions += m as u64;
            report.posts += p as u64;
            report.batches += 1;
        }
        let mut after = None;
        loop {
            if !keep_going(&report) {
                self.flush()?;
                return Ok(report);
            }
            let (p, next) = self.prune_posts_before(cutoff, after, batch)?;
            if p > 0 {
                report.posts += p as u64;
                report.batches += 1;
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        self.flush()?;
        report.complete = true;
        Ok(report)
    }
}

/// The time a post's mentions are bucketed by.
fn post_bucket_time(p: &Post) -> DateTime<Utc> {
    p.published_at
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(p.fetched_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn post_of(m: &Mention) -> Post {
        Post {
            id: m.post_id,
            url: m.url.clone(),
            canonical_url: m.canonical_url.clone(),
            source: m.source.clone(),
            site: m.site.clone(),
            author: m.author.clone(),
            published_at: m.published_at,
            fetched_at: m.fetched_at,
            title: m.title.clone(),
            has_title: false,
            text: m.text.clone(),
            lang: m.lang.clone(),
            flags: Vec::new(),
            floor: m.floor,
            rating: None,
        }
    }

    #[test]
    fn retention_removes_every_old_mention_keeps_every_new_one_and_counters_equal_a_recount() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        let watches = ["华为", "Lumio"];
        // 3,000 mentions 7 s apart from `start`: about 5.8 hours, cut in
        // the middle of an hour and of a day.
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 21, 0, 0).unwrap();
        let all: Vec<Mention> = (0..3000)
            .map(|i| {
                let mut m = crate::store::synthetic_mention(i, &watches, start);
                // Every 10th in a syndication cluster.
                if i % 10 == 0 {
                    m.cluster_id = Some(7 + i % 3);
                }
                m
            })
            .collect();
        let posts: Vec<Post> = all.iter().map(post_of).collect();
        // Posts no watch matched, old and new.
        let unmatched: Vec<Post> = (0..40u64)
            .map(|i| {
                let mut p = post_of(&all[(i * 70) as usize]);
                p.id = 1_000_000 + i;
                p
            })
            .collect();
        for chunk in all.chunks(500) {
            let ps: Vec<Post> = chunk.iter().map(post_of).collect();
            s.put_page(chunk, &ps, None).unwrap();
        }
        s.put_page(&[], &unmatched, None).unwrap();
        let cutoff = start + Duration::seconds(7 * 1234 + 3);
        let mut rounds = 0;
        let report = s
            .prune_before(cutoff, 100, &mut |_| {
                rounds += 1;
                true
            })
            .unwrap();
        assert!(report.complete);
        assert_eq!(report.mentions, 1235);
        assert!(report.batches >= 13, "{report:?}");
        assert!(rounds >= 13);
        for m in &all {
            let got = s.get_mention(m.id).unwrap();
            if m.bucket_time() < cutoff {
                assert_eq!(got, None, "old mention {} kept", m.id);
            } else {
                assert_eq!(got.as_ref(), Some(m), "new mention {} lost", m.id);
            }
        }
        for p in posts.iter().chain(&unmatched) {
            let kept = s.get_post(p.id).unwrap().is_some();
            assert_eq!(kept, post_bucket_time(p) >= cutoff, "post {}", p.id);
        }
        assert_eq!(s.mention_count().unwrap(), 3000 - 1235);
        assert!(s.verify().unwrap().is_empty(), "{:?}", s.verify().unwrap());
        assert_eq!(s.counters().unwrap(), s.recount().unwrap());
        // No hourly counter left before the cutoff's hour.
        let first_hour = Granularity::Hour.bucket_start(cutoff);
        assert!(s
            .counters()
            .unwrap()
            .keys()
            .all(|(g, _, t)| *g != Granularity::Hour || *t >= first_hour));
        // Cluster members and hash index entries of removed mentions: gone.
        let members: usize = s.clusters(1).unwrap().iter().map(|c| c.members.len()).sum();
        let kept_in_clusters = all
            .iter()
            .filter(|m| m.cluster_id.is_some() && m.bucket_time() >= cutoff)
            .count();
        assert_eq!(members, kept_in_clusters);
        let old = &all[0];
        assert!(!s
            .ids_with_hash(&old.content_hash)
            .unwrap()
            .contains(&old.id));

        // Stopped by `keep_going`: incomplete, and what it did is whole.
        let later = cutoff + Duration::hours(1);
        let mut n = 0;
        let partial = s
            .prune_before(later, 50, &mut |_| {
                n += 1;
                n <= 2
            })
            .unwrap();
        assert!(!partial.complete);
        assert_eq!(partial.mentions, 100);
        assert!(s.verify().unwrap().is_empty());
        // Again: nothing left to do at the first cutoff.
        let again = s.prune_before(cutoff, 100, &mut |_| true).unwrap();
        assert_eq!((again.mentions, again.posts), (0, 0));
    }
}
