//! Rematch: the current watches applied to the stored posts, so that a new
//! watch or an edited query reaches pages already crawled (which a crawl
//! does not read again while they are unchanged).
//!
//! For each stored post and each watch rematched: a match not stored yet
//! is stored (clustered and scored on its context window), one whose
//! context changed is scored again, and a stored mention the watch no
//! longer matches is removed, from the counters too. Mentions of watches
//! no longer in the config are left as they are.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{matching, PipelineError};
use crate::store::{Mention, Store, StoreError};
use crate::watch::{Matcher, WatchConfig};

/// Posts read and written per batch.
const CHUNK: usize = 256;

/// What a rematch did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RematchSummary {
    /// Watches rematched.
    pub watches: Vec<String>,
    /// Stored posts read.
    pub posts: u64,
    /// Mentions stored for the first time.
    pub mentions_new: u64,
    /// Mentions whose record changed (a new context window, a spam flag).
    pub mentions_updated: u64,
    /// Mentions removed: the watch no longer matches the post.
    pub mentions_removed: u64,
    /// Mentions found again as they were.
    pub mentions_unchanged: u64,
    /// New mentions per watch.
    pub new_per_watch: BTreeMap<String, u64>,
    /// Removed mentions per watch.
    pub removed_per_watch: BTreeMap<String, u64>,
    /// Crawled pages whose posts are not stored (crawled before the store
    /// kept posts): the next crawl reads them again and stores them.
    pub pages_without_posts: u64,
    /// Whether it was stopped early (Ctrl-C); the fingerprints of the
    /// watches are then left as they were, so it runs again.
    pub interrupted: bool,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// A fingerprint of what in a watch's definition decides what it matches
/// (name, query, aliases, languages, sources; not its alert settings).
pub fn fingerprint(w: &WatchConfig) -> String {
    let what = serde_json::json!([w.name, w.query, w.aliases, w.languages, w.sources]);
    blake3::hash(what.to_string().as_bytes()).to_hex()[..16].to_string()
}

/// The watches whose definition changed (or that are new) since the stored
/// posts were last matched: what `earshot run` rematches on start. None
/// while no post is stored.
pub fn stale_watches(store: &Store, watches: &[WatchConfig]) -> Result<Vec<String>, StoreError> {
    if !store.has_posts()? {
        return Ok(Vec::new());
    }
    let stored = store.watch_fingerprints()?;
    Ok(watches
        .iter()
        .filter(|w| stored.get(&w.name) != Some(&fingerprint(w)))
        .map(|w| w.name.clone())
        .collect())
}

/// Records every watch's fingerprint (after a crawl into a store that held
/// no posts: they were all matched with these watches).
pub(super) fn record_fingerprints(
    store: &Store,
    watches: &[WatchConfig],
) -> Result<(), StoreError> {
    for w in watches {
        store.set_watch_fingerprint(&w.name, &fingerprint(w))?;
    }
    Ok(())
}

/// Applies `watches` (those named in `only`, or all) to every stored post.
/// `score` scores new and changed mentions (none: they stay unscored).
/// Once `stop` is cancelled it ends after the batch in hand.
pub fn rematch(
    store: &Store,
    watches: &[WatchConfig],
    only: Option<&[String]>,
    score: Option<&crate::sentiment::ScoreFn>,
    stop: &CancellationToken,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<RematchSummary, PipelineError> {
    let started = Instant::now();
    let chosen: Vec<WatchConfig> = match only {
        Some(names) => {
            for n in names {
                if !watches.iter().any(|w| &w.name == n) {
                    let hint =
                        crate::util::did_you_mean(n, watches.iter().map(|w| w.name.as_str()))
                            .map(|m| format!("; did you mean `{m}`?"))
                            .unwrap_or_default();
                    return Err(PipelineError::Watch(
                        n.clone(),
                        format!("no [[watch]] of that name in the config{hint}"),
                    ));
                }
            }
            watches
                .iter()
                .filter(|w| names.contains(&w.name))
                .cloned()
                .collect()
        }
        None => watches.to_vec(),
    };
    let matcher =
        Matcher::new(&chosen).map_err(|e| PipelineError::Watch("(all)".into(), e.to_string()))?;
    let mut clusters = matching::cluster_index(store)?;
    let mut out = RematchSummary {
        watches: chosen.iter().map(|w| w.name.clone()).collect(),
        pages_without_posts: store.pages_without_posts()?,
        ..Default::default()
    };
    let mut after = None;
    loop {
        if stop.is_cancelled() {
            out.interrupted = true;
            break;
        }
        let posts = store.posts_after(after, CHUNK)?;
        let Some(last) = posts.last() else { break };
        after = Some(last.id);
        let mut put: Vec<Mention> = Vec::new();
        let mut remove = Vec::new();
        for post in &posts {
            let found = matching::mentions_in(post, &matcher, store)?;
            let matched: HashSet<&str> = found.iter().map(Mention::watch).collect();
            for w in &chosen {
                if !matched.contains(w.name.as_str()) {
                    remove.push(Mention::watch_id(post.id, &w.name));
                }
            }
            put.extend(found);
        }
        matching::settle(&mut put, store, &mut clusters, score)?;
        let r = store.replace_mentions(&put, &remove)?;
        out.posts += posts.len() as u64;
        out.mentions_new += r.inserted as u64;
        out.mentions_updated += r.updated as u64;
        out.mentions_unchanged += r.unchanged as u64;
        out.mentions_removed += r.removed as u64;
        for (w, n) in r.new_per_watch {
            *out.new_per_watch.entry(w).or_default() += n as u64;
        }
        for (w, n) in r.removed_per_watch {
            *out.removed_per_watch.entry(w).or_default() += n as u64;
        }
        progress(&format!(
            "posts  {} read, {} new, {} removed",
            out.posts, out.mentions_new, out.mentions_removed
        ));
    }
    if !out.interrupted {
        record_fingerprints(store, &chosen)?;
    }
    store.flush()?;
    out.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(out)
}
