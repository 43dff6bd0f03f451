//! The mention store: the only module that touches sled.
//!
//! Everything lives in one sled tree under key prefixes, so one page's
//! mentions, their index entries, the counters they move and the page's
//! crawl state land in a single atomic `Batch`:
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `M` | meta name: `schema_version`, `mention_count`, `source_run/<source>`, `source_pass/<source>`, `watch/<watch>`, `probe` | u32 BE, u64 BE, i64 BE (Unix seconds of the last crawl pass), u64 BE (number of the source's last completed pass), the fingerprint of the watch definition the posts were last matched with (UTF-8), i64 BE (when a reopen last checked writes) |
//! | `m` | watch (the mention's first; u16 BE length, UTF-8), bucket time, mention id | [`Mention`], packed (`codec.rs`: zstd); empty under a mention's other watches (a pointer, rare: format 2 stores) |
//! | `i` | mention id | where its `m` record is: bucket time, then the watch (UTF-8) |
//! | `h` | first 8 bytes of the content hash, mention id | empty (duplicate index) |
//! | `k` | cluster id, mention id | the member's post id (u64 BE), then its site (UTF-8) |
//! | `g` | cluster id | MinHash signature of its canonical member |
//! | `c` | granularity (`h`, `d`), watch, bucket start | [`Counts`] |
//! | `u` | canonical URL | [`CrawlState`] |
//! | `v` | source (u16 BE length, UTF-8), canonical URL | the number of the source's pass that last reached it (u64 BE); see `crawled.rs` |
//! | `a` | alert id | [`Alert`] |
//! | `o` | outbox key | [`OutboxItem`] |
//! | `s` | silence id | [`Silence`] |
//! | `S` | SHA-256 of a dashboard session id | [`StoredSession`] |
//! | `p` | post id | [`Post`], packed: every extracted post, matched or not (for `rematch`) |
//!
//! Ids are u64 big-endian; times are Unix seconds as u64 big-endian with
//! the sign bit flipped (so keys sort in time order); a watch is its UTF-8
//! name after its length (u16 BE). See `keys.rs`.
//!
//! Each key costs sled a log entry and a share of the node rewrites, so a
//! mention costs three (format 7): its record, keyed so that a watch's
//! records are its timeline (formats 3 to 6 had a separate per-watch time
//! index), the id index and the content-hash index (plus a cluster member
//! in a cluster). A scan of every watch in time order merges the watches'
//! ranges (`scan.rs`).
//!
//! Values use postcard, a compact serde encoding with a stable, documented
//! wire format: a record's layout is its struct's field order, and an enum
//! is stored by variant index. Changing either changes the format.
//! Mention and post records, the large ones, are packed: a tag byte, then
//! their postcard bytes compressed with zstd (see `codec.rs`). The
//! schema version in `M/schema_version` ([`SCHEMA_VERSION`]) is checked on
//! open: a newer store is refused, an older one written by a release
//! (format 1 or later) migrated (in `migrate.rs`, one atomic batch per
//! version step) before anything reads it, and any other version refused
//! untouched. (The `v` records came without a version step: older builds
//! ignore them.)
//!
//! Writers are serialised by a mutex (counters are read-modify-write);
//! readers never block. sled 0.34 is beta: nothing outside this module
//! sees its types, so the engine can be replaced behind this API.

mod alerts;
pub mod backup;
mod clusters;
mod codec;
pub mod compact;
mod config;
mod counters;
mod crawled;
mod engine;
mod error;
mod keys;
mod migrate;
mod model;
mod posts;
mod retention;
mod scan;
mod sessions;
#[cfg(any(test, feature = "test-utils"))]
mod testing;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, Utc};

use codec::{pack, unpack};
pub use config::{keep_problem, StoreConfig, CACHE_MB_RANGE, DEFAULT_CACHE_MB};
pub use crawled::{Bounded, CrawlBound};
use engine::Engine;
use error::{map_io, map_sled};
pub use error::{ErrorClass, StoreError};
pub use model::*;
pub use retention::PruneReport;
pub use sessions::StoredSession;
#[cfg(any(test, feature = "test-utils"))]
pub use testing::{open_raw_sled, synthetic_mention};

/// Counters keyed by (granularity, watch, bucket start).
pub type CounterMap = BTreeMap<(Granularity, String, DateTime<Utc>), Counts>;

/// The on-disk format this build writes (the migrations from older ones
/// are listed in `migrate.rs`). 2: alerts with typed state, severity and
/// evidence. 3: one mention per (post, watch), stored posts. 4: alert
/// evidence with its baseline. 5: mentions and posts with a review's rating.
/// 6: mention and post records compressed (`codec.rs`). 7: mention records
/// keyed by watch and time, no separate time index.
pub const SCHEMA_VERSION: u32 = 7;

/// Result of writing a batch of mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Mentions not stored before.
    pub inserted: usize,
    /// Mentions stored before whose record changed.
    pub updated: usize,
    /// Mentions stored before, identical.
    pub unchanged: usize,
    /// Newly stored mentions per watch.
    pub new_per_watch: BTreeMap<String, usize>,
    /// Mentions removed (a watch that no longer matches the post).
    pub removed: usize,
    /// Removed mentions per watch.
    pub removed_per_watch: BTreeMap<String, usize>,
}

/// Summary figures for `earshot stats`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StoreStats {
    /// Store directory.
    pub path: PathBuf,
    /// On-disk format version.
    pub schema_version: u32,
    /// Stored mentions (one per post and watch).
    pub mentions: u64,
    /// Stored posts (every post extracted, matched or not).
    pub posts: u64,
    /// Per watch: all-time counts.
    pub watches: BTreeMap<String, Counts>,
    /// URLs with crawl state.
    pub crawled_urls: u64,
    /// Stored alerts.
    pub alerts: u64,
    /// Outbox items not yet delivered.
    pub outbox_pending: u64,
    /// Bytes on disk.
    pub size_on_disk: u64,
}

/// A syndication cluster as stored.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ClusterSummary {
    /// Cluster id (the canonical mention's id).
    pub id: u64,
    /// Member mention ids.
    pub members: Vec<u64>,
    /// Sites the members are on.
    pub sites: Vec<String>,
    /// Title of the canonical mention.
    pub title: Option<String>,
}

/// A filter over stored mentions.
#[derive(Debug, Clone, Default)]
pub struct MentionQuery {
    /// Only mentions of this watch (one range of its records).
    pub watch: Option<String>,
    /// Bucket time at or after.
    pub since: Option<DateTime<Utc>>,
    /// Bucket time before.
    pub until: Option<DateTime<Utc>>,
    /// Only this sentiment label.
    pub sentiment: Option<Label>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// A position in the newest-first order of mentions (see
/// [`Store::mentions_page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentionCursor {
    /// Bucket time of the last mention returned.
    pub time: DateTime<Utc>,
    /// Its id.
    pub id: u64,
}

impl MentionCursor {
    /// An opaque text form for URLs: `SECONDS.ID` (both hex).
    pub fn encode(&self) -> String {
        format!("{:x}.{:x}", self.time.timestamp(), self.id)
    }

    /// Reads [`MentionCursor::encode`]; `None` when malformed.
    pub fn parse(s: &str) -> Option<MentionCursor> {
        let (t, id) = s.split_once('.')?;
        let t = i64::from_str_radix(t, 16).ok()?;
        Some(MentionCursor {
            time: DateTime::from_timestamp(t, 0)?,
            id: u64::from_str_radix(id, 16).ok()?,
        })
    }
}

/// One page of [`Store::mentions_page`].
#[derive(Debug, Clone, Default)]
pub struct MentionPage {
    /// The mentions, newest first.
    pub mentions: Vec<Mention>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<MentionCursor>,
    /// The scan budget ran out before the page was full: more may follow
    /// from `next`.
    pub partial: bool,
}

/// The sled-backed store. Cheap to share behind an `Arc`.
pub struct Store {
    path: PathBuf,
    /// The open engine; `None` only while [`Store::reopen`] swaps it (or
    /// after a reopen that failed, until the next one works).
    engine: RwLock<Option<Engine>>,
    write_lock: Mutex<()>,
    /// sled's page cache in bytes (kept for [`Store::reopen`]).
    cache_bytes: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the store at `path`, creating it when missing, with the
    /// default page cache ([`DEFAULT_CACHE_MB`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(path, DEFAULT_CACHE_MB)
    }

    /// [`Store::open`] with a page cache of `cache_mb` MiB (`[store]
    /// cache_mb`).
    pub fn open_with_cache(path: &Path, cache_mb: u64) -> Result<Store, StoreError> {
        compact::recover_interrupted_compaction(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| map_io(path, e))?;
        }
        Store::open_inner(path, cache_mb)
    }

    /// Opens an existing store; [`StoreError::Missing`] when there is none.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        Store::open_existing_with_cache(path, DEFAULT_CACHE_MB)
    }

    /// [`Store::open_existing`] with a page cache of `cache_mb` MiB.
    pub fn open_existing_with_cache(path: &Path, cache_mb: u64) -> Result<Store, StoreError> {
        compact::recover_interrupted_compaction(path)?;
        if !path.join("db").exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Store::open_inner(path, cache_mb)
    }

    fn open_inner(path: &Path, cache_mb: u64) -> Result<Store, StoreError> {
        if path.exists() && !path.is_dir() {
            return Err(StoreError::Foreign(path.to_path_buf()));
        }
        if path.is_dir()
            && !path.join("db").exists()
            && std::fs::read_dir(path)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(StoreError::Foreign(path.to_path_buf()));
        }
        let cache_bytes = cache_mb.saturating_mul(1 << 20);
        let engine = Engine::open(path, cache_bytes, std::time::Duration::from_secs(2))?;
        let store = Store {
            path: path.to_path_buf(),
            engine: RwLock::new(Some(engine)),
            write_lock: Mutex::new(()),
            cache_bytes,
        };
        store.check_version()?;
        Ok(store)
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_version(&self) -> Result<(), StoreError> {
        let key = keys::meta("schema_version");
        match self.tree()?.get(&key).map_err(|e| self.engine(e))? {
            None => {
                if self.tree()?.first().map_err(|e| self.engine(e))?.is_some() {
                    return Err(StoreError::Foreign(self.path.clone()));
                }
                self.tree()?
                    .insert(key, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| self.engine(e))?;
                self.flush()?;
                Ok(())
            }
            Some(v) => {
                let found =
                    u32::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                        key: "M/schema_version".into(),
                        reason: format!("{} bytes, expected 4", v.len()),
                    })?);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerVersion {
                        path: self.path.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    migrate::migrate(self, found)?;
                }
                Ok(())
            }
        }
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .tree()?
            .get(keys::meta("schema_version"))
            .map_err(|e| self.engine(e))?
            .and_then(|v| v.as_ref().try_into().ok().map(u32::from_be_bytes))
            .unwrap_or(0))
    }

    /// Number of stored mentions.
    pub fn mention_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .tree()?
            .get(keys::meta("mention_count"))
            .map_err(|e| self.engine(e))?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// One mention by id.
    pub fn get_mention(&self, id: u64) -> Result<Option<Mention>, StoreError> {
        let Some(t) = self
            .tree()?
            .get(keys::id_index(id))
            .map_err(|e| self.engine(e))?
        else {
            return Ok(None);
        };
        let key = keys::mention_from_id_value(&t, id).ok_or_else(|| StoreError::Corrupt {
            key: keys::hex(&keys::id_index(id)),
            reason: "id index value is not a time and a watch".into(),
        })?;
        match self.tree()?.get(&key).map_err(|e| self.engine(e))? {
            Some(b) => Ok(Some(unpack(&key, &b)?)),
            None => Ok(None),
        }
    }

    /// Ids of stored mentions whose text may have this content hash (the
    /// index keys on its first 8 bytes: compare `content_hash` to be sure).
    pub fn ids_with_hash(&self, hash: &str) -> Result<Vec<u64>, StoreError> {
        let prefix = keys::hash_prefix(hash);
        let mut out = Vec::new();
        for item in self.tree()?.scan_prefix(&prefix) {
            let (k, _) = item.map_err(|e| self.engine(e))?;
            if let Some(id) = keys::id_from_time_index(&k) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Mentions matching `q`, newest first.
    pub fn mentions(&self, q: &MentionQuery) -> Result<Vec<Mention>, StoreError> {
        let limit = q.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let keep = |m: &Mention| {
            q.sentiment
                .is_none_or(|s| m.sentiment.as_ref().map(|x| x.label) == Some(s))
                && q.since.is_none_or(|t| m.bucket_time() >= t)
                && q.until.is_none_or(|t| m.bucket_time() < t)
        };
        match &q.watch {
            Some(w) => {
                // A watch's records are keyed by time: a reverse range.
                let (lo, hi) = keys::mention_range(w, q.since, q.until);
                for item in self.tree()?.range(lo..hi).rev() {
                    let (k, v) = item.map_err(|e| self.engine(e))?;
                    if let Some(m) = self.record_at(&k, &v)? {
                        if keep(&m) {
                            out.push(m);
                            if out.len() >= limit {
                                break;
                            }
                        }
                    }
                }
            }
            None => {
                for item in self.merged_records(q.since, q.until, None, true)? {
                    let (k, v) = item.map_err(|e| self.engine(e))?;
                    let m: Mention = unpack(&k, &v)?;
                    if keep(&m) {
                        out.push(m);
                        if out.len() >= limit {
                            break;
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// One page of mentions matching `q` and `keep`, newest first, starting
    /// strictly after (older than) `after`; the cursor of the page's last
    /// mention comes back when more may follow. `q.limit` is the page size
    /// (default 50). Pages stay stable while new mentions arrive: a cursor
    /// is a position in the time order, not an offset.
    ///
    /// At most `max_scan` stored mentions are examined: a filter that
    /// matches little then returns a short (even empty) page with
    /// `partial` set and a cursor to go on from, instead of reading the
    /// whole store in one request.
    pub fn mentions_page(
        &self,
        q: &MentionQuery,
        after: Option<MentionCursor>,
        keep: &dyn Fn(&Mention) -> bool,
        max_scan: usize,
    ) -> Result<MentionPage, StoreError> {
        let limit = q.limit.unwrap_or(50).max(1);
        let mut page = MentionPage::default();
        let wanted = |m: &Mention| {
            q.sentiment
                .is_none_or(|s| m.sentiment.as_ref().map(|x| x.label) == Some(s))
                && q.since.is_none_or(|t| m.bucket_time() >= t)
                && q.until.is_none_or(|t| m.bucket_time() < t)
                && keep(m)
        };
        let mut scanned = 0usize;
        let mut last: Option<MentionCursor> = None;
        let mut full = false;
        // Called per index entry or record; true when the page is done.
        let mut visit = |k: &[u8], m: Option<Mention>, page: &mut MentionPage| -> bool {
            scanned += 1;
            if let Some((time, id)) = keys::position(k) {
                last = Some(MentionCursor { time, id });
            }
            if let Some(m) = m.filter(|m| wanted(m)) {
                page.mentions.push(m);
                if page.mentions.len() >= limit {
                    full = true;
                    return true;
                }
            }
            if scanned >= max_scan.max(1) {
                page.partial = true;
                return true;
            }
            false
        };
        match &q.watch {
            Some(w) => {
                let (lo, mut hi) = keys::mention_range(w, q.since, q.until);
                if let Some(c) = after {
                    hi = hi.min(keys::mention(w, c.time, c.id));
                }
                for item in self.tree()?.range(lo..hi).rev() {
                    let (k, v) = item.map_err(|e| self.engine(e))?;
                    let m = self.record_at(&k, &v)?;
                    if visit(&k, m, &mut page) {
                        break;
                    }
                }
            }
            None => {
                for item in self.merged_records(q.since, q.until, after, true)? {
                    let (k, v) = item.map_err(|e| self.engine(e))?;
                    let m: Mention = unpack(&k, &v)?;
                    if visit(&k, Some(m), &mut page) {
                        break;
                    }
                }
            }
        }
        page.next = if full || page.partial { last } else { None };
        Ok(page)
    }

    /// Every mention whose bucket time is in `[since, until)` and that
    /// `keep` accepts, newest first: one sequential read of each watch's
    /// records, merged, for exports that cover most of a period.
    pub fn mentions_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        keep: &dyn Fn(&Mention) -> bool,
    ) -> Result<Vec<Mention>, StoreError> {
        let mut out = Vec::new();
        for item in self.merged_records(Some(since), Some(until), None, true)? {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let m: Mention = unpack(&k, &v)?;
            if keep(&m) {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Counters of `watch` per bucket in `[from, to)`, one entry per bucket
    /// (empty buckets included, as zero).
    pub fn series(
        &self,
        watch: &str,
        granularity: Granularity,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, Counts)>, StoreError> {
        let start = granularity.bucket_start(from);
        let lo = keys::counter(granularity, watch, start);
        let hi = keys::counter(granularity, watch, to);
        let mut found = BTreeMap::new();
        for item in self.tree()?.range(lo..hi) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            let t = keys::time_from_counter(&k).ok_or_else(|| StoreError::Corrupt {
                key: keys::hex(&k),
                reason: "counter key too short".into(),
            })?;
            found.insert(t, decode::<Counts>(&k, &v)?);
        }
        let mut out = Vec::new();
        let mut t = start;
        while t < to {
            out.push((t, found.get(&t).copied().unwrap_or_default()));
            t += granularity.duration();
        }
        Ok(out)
    }

    /// Crawl state of a canonical URL.
    pub fn crawl_state(&self, url: &str) -> Result<Option<CrawlState>, StoreError> {
        let key = keys::crawl(url);
        match self.tree()?.get(&key).map_err(|e| self.engine(e))? {
            Some(b) => Ok(Some(decode(&key, &b)?)),
            None => Ok(None),
        }
    }

    /// Records crawl state for a page that produced no mentions.
    pub fn put_crawl_state(&self, url: &str, state: &CrawlState) -> Result<(), StoreError> {
        self.injected_failure()?;
        self.tree()?
            .insert(keys::crawl(url), encode(state))
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// When `source` last finished a crawl pass (for `earshot run`).
    pub fn source_last_run(&self, source: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v = self
            .tree()?
            .get(keys::meta(&format!("source_run/{source}")))
            .map_err(|e| self.engine(e))?;
        Ok(
            v.and_then(|b| b.as_ref().try_into().ok().map(i64::from_be_bytes))
                .and_then(|t| DateTime::from_timestamp(t, 0)),
        )
    }

    /// Records that `source` finished a crawl pass at `at`.
    pub fn set_source_last_run(&self, source: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.tree()?
            .insert(
                keys::meta(&format!("source_run/{source}")),
                &at.timestamp().to_be_bytes(),
            )
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    fn scan_values<T: serde::de::DeserializeOwned>(
        &self,
        prefix: u8,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree()?.scan_prefix([prefix]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            out.push(decode(&k, &v)?);
        }
        Ok(out)
    }

    /// Figures for `earshot stats`.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut watches = BTreeMap::new();
        for ((g, w, _), c) in self.counters()? {
            if g == Granularity::Day {
                let e: &mut Counts = watches.entry(w).or_default();
                e.merge(&c);
            }
        }
        let tree = self.tree()?;
        let count = |p: u8| tree.scan_prefix([p]).count() as u64;
        Ok(StoreStats {
            path: self.path.clone(),
            schema_version: self.schema_version()?,
            mentions: self.mention_count()?,
            posts: count(keys::POST),
            watches,
            crawled_urls: count(keys::CRAWL),
            alerts: count(keys::ALERT),
            outbox_pending: self.outbox_pending()?.len() as u64,
            size_on_disk: self.db()?.size_on_disk().unwrap_or(0),
        })
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.injected_failure()?;
        self.db()?.flush().map_err(|e| self.engine(e))?;
        Ok(())
    }

    fn engine(&self, e: sled::Error) -> StoreError {
        map_sled(&self.path, e)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let engine = self.engine.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(Err(e)) = engine.as_ref().map(|e| e.db.flush()) {
            tracing::error!(path = %self.path.display(), "flushing the store on close failed: {e}");
        }
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs into a Vec cannot fail.
    postcard::to_allocvec(value).unwrap_or_default()
}

fn decode<T: serde::de::DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt {
        key: keys::hex(key),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
