//! `[store]`: where the mention timeline lives and how long it is kept.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::util::Problem;

/// The shortest `keep` accepted: under a day would drop today's mentions.
pub const MIN_KEEP: Duration = Duration::from_secs(24 * 3600);

/// `cache_mb` when unset: sled's page cache, in MiB.
pub const DEFAULT_CACHE_MB: u64 = 128;

/// The smallest and largest `cache_mb` accepted.
pub const CACHE_MB_RANGE: std::ops::RangeInclusive<u64> = 8..=65_536;

/// `[store]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Directory of the sled store, relative to the working directory.
    pub path: PathBuf,
    /// Retention: mentions (and their posts, index entries and counters)
    /// whose time is older than this are removed while `earshot run` runs
    /// and by `earshot store prune`. `None` (the default): kept forever.
    #[serde(with = "humantime_serde", skip_serializing_if = "Option::is_none")]
    pub keep: Option<Duration>,
    /// sled's page cache in MiB: how much of the store the process keeps
    /// in memory (the most of its RSS on a big store). More makes reads of
    /// a large store faster; the default keeps a million URLs of crawl
    /// state under 300 MB RSS.
    pub cache_mb: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/earshot.db"),
            keep: None,
            cache_mb: DEFAULT_CACHE_MB,
        }
    }
}

impl StoreConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push(Problem::new(
                "store.path",
                "is empty",
                "write a directory for the store, e.g. path = \"data/earshot.db\"",
            ));
        }
        if let Some(keep) = self.keep {
            out.extend(keep_problem(keep));
        }
        if !CACHE_MB_RANGE.contains(&self.cache_mb) {
            out.push(Problem::new(
                "store.cache_mb",
                format!(
                    "is {}: sled's page cache must be {} to {} MiB",
                    self.cache_mb,
                    CACHE_MB_RANGE.start(),
                    CACHE_MB_RANGE.end()
                ),
                format!(
                    "give a size in MiB such as cache_mb = {DEFAULT_CACHE_MB} (the default), or remove the line"
                ),
            ));
        }
        out
    }
}

/// What is wrong with a retention span (`store.keep`, `store prune --keep`).
pub fn keep_problem(keep: Duration) -> Option<Problem> {
    if keep < MIN_KEEP {
        return Some(Problem::new(
            "store.keep",
            format!(
                "is {}: retention under a day would remove today's mentions",
                humantime::format_duration(keep)
            ),
            "give a span of a day or more, e.g. keep = \"400d\", or remove the line to keep mentions forever",
        ));
    }
    if chrono::Duration::from_std(keep).is_err() || keep > Duration::from_secs(100 * 366 * 86400) {
        return Some(Problem::new(
            "store.keep",
            format!(
                "is {}: longer than a century",
                humantime::format_duration(keep)
            ),
            "give a span such as keep = \"400d\", or remove the line to keep mentions forever",
        ));
    }
    None
}
