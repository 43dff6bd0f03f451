//! Store format migrations. Each step rewrites the records whose layout
//! changed and writes the new `M/schema_version` in the same sled batch:
//! a crash leaves the store either at the old version, untouched (and the
//! next open migrates it again), or at the new one, complete.
//!
//! | from | to | what changed |
//! |---|---|---|
//! | 1 | 2 | [`Alert`]: `state`, `severity` and the evidence JSON text became [`AlertState`], [`Severity`] and [`Evidence`] |
//! | 2 | 3 | [`Mention`]: one per (post, watch), with `post_id`; cluster members name their post; [`Post`] records (none yet: every page's validators and body hash are cleared, so the next crawl reads each page again and stores its posts) |
//! | 3 | 4 | [`Evidence`]: `baseline` (in words) and `baseline_days`, recovered from the alert's summary where it says them |
//! | 4 | 5 | [`Mention`] and [`Post`]: `rating` (a review's stars); `None` for every record written before |
//! | 5 | 6 | [`Mention`] and [`Post`] records packed (`codec.rs`: a tag byte, zstd); the same fields, keys, index entries and counters |
//! | 6 | 7 | [`Mention`] records keyed by (first watch, bucket time, id) instead of (bucket time, id), with an empty pointer under each other watch; the per-watch time index (`t`) removed; the id index points to the watch and time; records, counters and other keys unchanged |

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::{
    decode, encode, keys, pack, unpack, Alert, AlertState, CrawlState, Detector, Evidence,
    EvidenceMention, HistoryEntry, Mention, Post, Sentiment, Severity, Store, StoreError,
    SCHEMA_VERSION,
};

/// The oldest format a migration step starts from: every format an
/// earshot release wrote (format 1 was the first).
pub(super) const OLDEST_MIGRATED: u32 = 1;

/// Brings a store written by an older earshot (format `from`) up to
/// [`SCHEMA_VERSION`], one step (one atomic batch) at a time, then makes it
/// durable. A format no step starts from is refused, untouched.
pub(super) fn migrate(store: &Store, from: u32) -> Result<(), StoreError> {
    let unknown = || StoreError::UnknownVersion {
        path: store.path.clone(),
        found: from,
        supported: SCHEMA_VERSION,
        oldest: OLDEST_MIGRATED,
        newest_old: SCHEMA_VERSION - 1,
    };
    if from < OLDEST_MIGRATED {
        return Err(unknown());
    }
    let mut version = from;
    while version < SCHEMA_VERSION {
        let mut batch = sled::Batch::default();
        let rewritten = match version {
            1 => alerts_v1_to_v2(store, &mut batch)?,
            2 => mentions_v2_to_v3(store, &mut batch)?,
            3 => alerts_v3_to_v4(store, &mut batch)?,
            4 => ratings_v4_to_v5(store, &mut batch)?,
            5 => packed_v5_to_v6(store, &mut batch)?,
            6 => keyed_by_watch_v6_to_v7(store, &mut batch)?,
            // A step missing here is a bug of this build: refuse, untouched.
            _ => return Err(unknown()),
        };
        version += 1;
        batch.insert(keys::meta("schema_version"), &version.to_be_bytes());
        store
            .tree()?
            .apply_batch(batch)
            .map_err(|e| store.engine(e))?;
        tracing::info!(
            path = %store.path.display(),
            "store migrated to format {version} ({rewritten} records rewritten)"
        );
    }
    store.flush()
}

/// An alert record as format 1 stored it (postcard, fields in this order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct AlertV1 {
    pub id: u64,
    pub watch: String,
    /// `open`, `silenced` or `resolved`.
    pub state: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub summary: String,
    /// [`Evidence`] as JSON text.
    pub evidence_json: String,
}

/// Format 1 → 2: every alert record rewritten with typed state, severity
/// and evidence (in the format 2 layout, [`AlertV3`]). A state or severity earshot never wrote is corruption (the
/// store is not opened, and stays at format 1); evidence text that is not
/// evidence JSON (earshot always wrote evidence, but `Store::put_alert`
/// took any text) becomes `None`, with a warning.
fn alerts_v1_to_v2(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree()?.scan_prefix([keys::ALERT]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let old: AlertV1 = decode(&k, &v)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            key: keys::hex(&k),
            reason,
        };
        let state: AlertState = old.state.parse().map_err(&corrupt)?;
        let severity: Severity = old.severity.parse().map_err(&corrupt)?;
        let evidence = match serde_json::from_str::<EvidenceV3>(&old.evidence_json) {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!(
                    alert = old.id,
                    "alert evidence is not evidence JSON ({e}); the migrated alert has none"
                );
                None
            }
        };
        let new = AlertV3 {
            id: old.id,
            watch: old.watch,
            state,
            severity,
            opened_at: old.opened_at,
            updated_at: old.updated_at,
            summary: old.summary,
            evidence,
        };
        batch.insert(&k, encode(&new));
        n += 1;
    }
    Ok(n)
}

/// A mention record as formats 1 and 2 stored it: one per post, for every
/// watch it matched, with one context and one sentiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct MentionV2 {
    pub id: u64,
    pub url: String,
    pub canonical_url: String,
    pub source: String,
    pub site: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub fetched_at: DateTime<Utc>,
    pub title: Option<String>,
    pub text: String,
    pub context: String,
    pub lang: Option<String>,
    pub watches: Vec<String>,
    pub sentiment: Option<Sentiment>,
    pub cluster_id: Option<u64>,
    pub spam: Option<String>,
    pub flags: Vec<String>,
    pub content_hash: String,
    pub floor: Option<u32>,
}

impl MentionV2 {
    /// The format 3 mention of `watch` in this post: the post's context and
    /// sentiment (until the next crawl or `earshot rematch` gives each
    /// watch its own).
    fn split(&self, watch: Option<&str>) -> MentionV4 {
        MentionV4 {
            id: match watch {
                Some(w) => Mention::watch_id(self.id, w),
                None => self.id,
            },
            url: self.url.clone(),
            canonical_url: self.canonical_url.clone(),
            source: self.source.clone(),
            site: self.site.clone(),
            author: self.author.clone(),
            published_at: self.published_at,
            fetched_at: self.fetched_at,
            title: self.title.clone(),
            text: self.text.clone(),
            context: self.context.clone(),
            lang: self.lang.clone(),
            watches: watch.map(|w| vec![w.to_string()]).unwrap_or_default(),
            sentiment: self.sentiment.clone(),
            cluster_id: self.cluster_id,
            spam: self.spam.clone(),
            flags: self.flags.clone(),
            content_hash: self.content_hash.clone(),
            floor: self.floor,
            post_id: self.id,
        }
    }
}

/// Format 2 → 3: each mention becomes one mention per watch it matched
/// (same counters: each watch counted it once), under a new id with its
/// index entries; cluster members name their post. Crawl states lose their
/// validators, body hash and fetch time, so the next crawl reads every page
/// again, stores its posts and gives each watch its own context window
/// (and score, where it differs).
fn mentions_v2_to_v3(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    let mut count = 0u64;
    for item in store.tree()?.scan_prefix([keys::MENTION]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let old: MentionV2 = decode(&k, &v)?;
        let t = old
            .published_at
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(old.fetched_at);
        batch.remove(&k);
        batch.remove(&keys::id_index(old.id)[..]);
        batch.remove(keys::hash_index(&old.content_hash, old.id));
        if let Some(c) = old.cluster_id {
            batch.remove(&keys::cluster_member(c, old.id)[..]);
        }
        for w in &old.watches {
            batch.remove(keys::time_index(w, t, old.id));
        }
        let new: Vec<MentionV4> = if old.watches.is_empty() {
            vec![old.split(None)]
        } else {
            old.watches.iter().map(|w| old.split(Some(w))).collect()
        };
        for m in &new {
            for w in &m.watches {
                batch.insert(keys::time_index(w, t, m.id), &[][..]);
            }
            batch.insert(keys::hash_index(&m.content_hash, m.id), &[][..]);
            if let Some(c) = m.cluster_id {
                batch.insert(
                    &keys::cluster_member(c, m.id)[..],
                    keys::member_value(m.post_id, &m.site),
                );
            }
            batch.insert(&keys::mention_v6(t, m.id)[..], encode(m));
            batch.insert(&keys::id_index(m.id)[..], &keys::ts_value(t)[..]);
            count += 1;
        }
        n += 1;
    }
    batch.insert(keys::meta("mention_count"), &count.to_be_bytes());
    for item in store.tree()?.scan_prefix([keys::CRAWL]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let mut s: CrawlState = decode(&k, &v)?;
        s.etag = None;
        s.last_modified = None;
        s.content_hash = None;
        s.last_fetch = None;
        batch.insert(&k, encode(&s));
        n += 1;
    }
    Ok(n)
}

/// [`Evidence`] as formats 2 and 3 stored it (postcard, fields in this
/// order), and as format 1 wrote it in JSON: without the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct EvidenceV3 {
    pub detector: Detector,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub opened: DateTime<Utc>,
    pub peak: DateTime<Utc>,
    pub peak_observed: u64,
    pub observed: u64,
    pub expected: f64,
    pub p_value: Option<f64>,
    pub resolved: Option<DateTime<Utc>>,
    pub top_mentions: Vec<EvidenceMention>,
    pub top_sites: Vec<(String, u64)>,
    pub phrases: Vec<String>,
    pub history: Vec<HistoryEntry>,
}

impl EvidenceV3 {
    /// With the baseline the alert's summary gives ("…, seasonal: same hour
    /// of the week, 4 week(s) back, 28.0 days of history, p = 3.2e-7"), if
    /// it gives one.
    fn upgrade(self, summary: &str) -> Evidence {
        let marker = format!("{}: ", self.detector);
        let baseline = summary
            .rfind(&marker)
            .map(|at| summary[at + marker.len()..].to_string())
            .filter(|b| b.contains(" days of history"));
        let baseline_days = baseline.as_deref().and_then(|b| {
            let head = &b[..b.find(" days of history")?];
            head.rsplit(", ").next()?.trim().parse::<f64>().ok()
        });
        Evidence {
            detector: self.detector,
            start: self.start,
            end: self.end,
            opened: self.opened,
            peak: self.peak,
            peak_observed: self.peak_observed,
            observed: self.observed,
            expected: self.expected,
            p_value: self.p_value,
            baseline,
            baseline_days,
            resolved: self.resolved,
            top_mentions: self.top_mentions,
            top_sites: self.top_sites,
            phrases: self.phrases,
            history: self.history,
        }
    }
}

/// An alert record as formats 2 and 3 stored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct AlertV3 {
    pub id: u64,
    pub watch: String,
    pub state: AlertState,
    pub severity: Severity,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub summary: String,
    pub evidence: Option<EvidenceV3>,
}

/// Format 3 → 4: every alert's evidence gains its baseline, read back from
/// its summary (which has said it since the cold start learnt to explain
/// itself); `None` where the summary does not say.
fn alerts_v3_to_v4(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree()?.scan_prefix([keys::ALERT]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let old: AlertV3 = decode(&k, &v)?;
        let new = Alert {
            id: old.id,
            watch: old.watch,
            state: old.state,
            severity: old.severity,
            opened_at: old.opened_at,
            updated_at: old.updated_at,
            evidence: old.evidence.map(|e| e.upgrade(&old.summary)),
            summary: old.summary,
        };
        batch.insert(&k, encode(&new));
        n += 1;
    }
    Ok(n)
}

/// A mention record as formats 3 and 4 stored it: without the rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct MentionV4 {
    pub id: u64,
    pub url: String,
    pub canonical_url: String,
    pub source: String,
    pub site: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub fetched_at: DateTime<Utc>,
    pub title: Option<String>,
    pub text: String,
    pub context: String,
    pub lang: Option<String>,
    pub watches: Vec<String>,
    pub sentiment: Option<Sentiment>,
    pub cluster_id: Option<u64>,
    pub spam: Option<String>,
    pub flags: Vec<String>,
    pub content_hash: String,
    pub floor: Option<u32>,
    pub post_id: u64,
}

/// A stored post as formats 3 and 4 stored it: without the rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PostV4 {
    pub id: u64,
    pub url: String,
    pub canonical_url: String,
    pub source: String,
    pub site: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub fetched_at: DateTime<Utc>,
    pub title: Option<String>,
    pub has_title: bool,
    pub text: String,
    pub lang: Option<String>,
    pub flags: Vec<String>,
    pub floor: Option<u32>,
}

/// Format 4 → 5: every mention and stored post gains its rating, `None`
/// (the extractor read review ratings, but no store kept them; the next
/// crawl of a changed review page, or `rematch` after the page is read
/// again, stores them). Keys, index entries and counters are unchanged.
fn ratings_v4_to_v5(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree()?.scan_prefix([keys::MENTION]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let o: MentionV4 = decode(&k, &v)?;
        let new = Mention {
            id: o.id,
            url: o.url,
            canonical_url: o.canonical_url,
            source: o.source,
            site: o.site,
            author: o.author,
            published_at: o.published_at,
            fetched_at: o.fetched_at,
            title: o.title,
            text: o.text,
            context: o.context,
            lang: o.lang,
            watches: o.watches,
            sentiment: o.sentiment,
            cluster_id: o.cluster_id,
            spam: o.spam,
            flags: o.flags,
            content_hash: o.content_hash,
            floor: o.floor,
            post_id: o.post_id,
            rating: None,
        };
        batch.insert(&k, encode(&new));
        n += 1;
    }
    for item in store.tree()?.scan_prefix([keys::POST]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let o: PostV4 = decode(&k, &v)?;
        let new = Post {
            id: o.id,
            url: o.url,
            canonical_url: o.canonical_url,
            source: o.source,
            site: o.site,
            author: o.author,
            published_at: o.published_at,
            fetched_at: o.fetched_at,
            title: o.title,
            has_title: o.has_title,
            text: o.text,
            lang: o.lang,
            flags: o.flags,
            floor: o.floor,
            rating: None,
        };
        batch.insert(&k, encode(&new));
        n += 1;
    }
    Ok(n)
}

/// Format 5 → 6: every mention and stored post record packed (`codec.rs`),
/// its fields unchanged.
fn packed_v5_to_v6(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree()?.scan_prefix([keys::MENTION]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let m: Mention = decode(&k, &v)?;
        batch.insert(&k, pack(&m));
        n += 1;
    }
    for item in store.tree()?.scan_prefix([keys::POST]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let p: Post = decode(&k, &v)?;
        batch.insert(&k, pack(&p));
        n += 1;
    }
    Ok(n)
}

/// Format 6 → 7: every mention record moves under its first watch (the
/// same packed bytes), with a pointer under each other watch; the id index
/// names the watch; the time index goes (the records are it now).
fn keyed_by_watch_v6_to_v7(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree()?.scan_prefix([keys::MENTION]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        if k.len() != 17 {
            return Err(StoreError::Corrupt {
                key: keys::hex(&k),
                reason: "a format 6 mention key is 17 bytes".into(),
            });
        }
        let m: Mention = unpack(&k, &v)?;
        let t = m.bucket_time();
        let home = keys::home_watch(&m.watches);
        batch.remove(&k);
        batch.insert(keys::mention(home, t, m.id), v);
        for w in m.watches.iter().filter(|w| w.as_str() != home) {
            batch.insert(keys::mention(w, t, m.id), &[][..]);
        }
        batch.insert(&keys::id_index(m.id)[..], keys::id_value(home, t));
        n += 1;
    }
    for item in store.tree()?.scan_prefix([keys::TIME]) {
        let (k, _) = item.map_err(|e| store.engine(e))?;
        batch.remove(k);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_baseline_is_read_back_from_a_summary_that_says_it() {
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let e = EvidenceV3 {
            detector: Detector::Seasonal,
            start: t,
            end: t,
            opened: t,
            peak: t,
            peak_observed: 9,
            observed: 9,
            expected: 1.5,
            p_value: Some(3.2e-7),
            resolved: None,
            top_mentions: vec![],
            top_sites: vec![],
            phrases: vec![],
            history: vec![],
        };
        let s = "云雀: 9 negative mentions 2026-11-20 09:00 – 10:00 UTC, 1.5 expected (6.0×), \
                 seasonal: same hour of the week, 4 week(s) back, 28.0 days of history, p = 3.2e-7";
        let up = e.clone().upgrade(s);
        assert_eq!(
            up.baseline.as_deref(),
            Some("same hour of the week, 4 week(s) back, 28.0 days of history, p = 3.2e-7")
        );
        assert_eq!(up.baseline_days, Some(28.0));
        // A summary of an older release, without the baseline: none.
        let up = e.upgrade("云雀: 9 negative mentions 2026-11-20 09:00 – 10:00 UTC (seasonal)");
        assert_eq!((up.baseline, up.baseline_days), (None, None));
    }
}
