//! The mention timeline of a watch per bucket (5 minutes, hour, day):
//! counts by sentiment, unique authors and sites, and the same counts with
//! each syndication cluster counted once (at its first copy). Built from
//! the stored mentions on demand.
//!
//! **What is counted** is decided here, once, for the detectors, the
//! reports, the dashboard chart and `earshot timeline` ([`counted`]): each
//! syndication cluster once, at its first stored copy (copies of a cluster
//! first seen up to [`CLUSTER_LOOKBACK`] before the range are not counted
//! again), spam left out (its count kept apart).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{Counts, Granularity, Label, Mention, MentionQuery, Store, StoreError};

/// Bucket length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// Five minutes.
    #[serde(rename = "5m")]
    Min5,
    /// One hour.
    Hour,
    /// One day (UTC).
    Day,
}

impl Bucket {
    /// Length.
    pub fn duration(self) -> Duration {
        match self {
            Bucket::Min5 => Duration::minutes(5),
            Bucket::Hour => Duration::hours(1),
            Bucket::Day => Duration::days(1),
        }
    }
    /// Start of the bucket holding `t`.
    pub fn start(self, t: DateTime<Utc>) -> DateTime<Utc> {
        t.duration_trunc(self.duration()).unwrap_or(t)
    }
}

/// Counts by sentiment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Mentions not flagged as spam.
    pub total: u64,
    /// Negative.
    pub negative: u64,
    /// Neutral.
    pub neutral: u64,
    /// Positive.
    pub positive: u64,
    /// Not scored.
    pub unscored: u64,
}

impl Tally {
    fn add(&mut self, m: &Mention) {
        self.total += 1;
        match m.sentiment.as_ref().map(|s| s.label) {
            Some(Label::Negative) => self.negative += 1,
            Some(Label::Neutral) => self.neutral += 1,
            Some(Label::Positive) => self.positive += 1,
            None => self.unscored += 1,
        }
    }
    /// Scored mentions.
    pub fn scored(&self) -> u64 {
        self.negative + self.neutral + self.positive
    }
}

/// One bucket of a watch's timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Bucket start.
    pub start: DateTime<Utc>,
    /// Every mention.
    pub mentions: Tally,
    /// Each syndication cluster once, at its first copy.
    pub clusters: Tally,
    /// Distinct authors.
    pub authors: u64,
    /// Distinct sites.
    pub sites: u64,
    /// Mentions flagged as spam or noise (in neither tally).
    #[serde(default)]
    pub spam: u64,
}

impl Bucket {
    /// The bucket of a stored counter granularity.
    pub fn of(g: Granularity) -> Bucket {
        match g {
            Granularity::Hour => Bucket::Hour,
            Granularity::Day => Bucket::Day,
        }
    }
}

/// The one timeline every reader shows: per bucket of `[from, to)`, each
/// syndication cluster once, spam out (counted apart). Reports, the
/// dashboard and `earshot timeline` show it; the detectors read the same
/// tally ([`super::hourly_series`]).
pub fn counted(
    store: &Store,
    watch: &str,
    bucket: Bucket,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Counts)>, StoreError> {
    counted_where(store, watch, bucket, from, to, &|_| true)
}

/// [`counted`] over the mentions `keep` keeps (the dashboard's filters):
/// each cluster once among them.
pub fn counted_where(
    store: &Store,
    watch: &str,
    bucket: Bucket,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keep: &dyn Fn(&Mention) -> bool,
) -> Result<Vec<(DateTime<Utc>, Counts)>, StoreError> {
    Ok(timeline_where(store, watch, bucket, from, to, keep)?
        .into_iter()
        .map(|r| {
            let c = &r.clusters;
            (
                r.start,
                Counts {
                    total: c.total,
                    negative: c.negative,
                    neutral: c.neutral,
                    positive: c.positive,
                    unscored: c.unscored,
                    spam: r.spam,
                },
            )
        })
        .collect())
}

/// How far before a range the timeline looks for the first copy of a
/// cluster, so that a copy of a story first seen before the range is not
/// counted as new in it (syndication copies follow within days).
pub const CLUSTER_LOOKBACK: Duration = Duration::days(7);

/// The timeline of `watch` in `[from, to)`, one row per bucket (empty ones
/// included). Spam is left out (counted in [`Row::spam`]).
pub fn timeline(
    store: &Store,
    watch: &str,
    bucket: Bucket,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Row>, StoreError> {
    timeline_where(store, watch, bucket, from, to, &|_| true)
}

/// [`timeline`] over the mentions `keep` keeps.
pub fn timeline_where(
    store: &Store,
    watch: &str,
    bucket: Bucket,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keep: &dyn Fn(&Mention) -> bool,
) -> Result<Vec<Row>, StoreError> {
    let mut found = store.mentions(&MentionQuery {
        watch: Some(watch.to_string()),
        since: Some(from - CLUSTER_LOOKBACK),
        until: Some(to),
        ..Default::default()
    })?;
    found.retain(|m| keep(m));
    found.reverse(); // oldest first: the first copy of a cluster wins
    let start = bucket.start(from);
    let mut rows: BTreeMap<DateTime<Utc>, (Row, HashSet<String>, HashSet<String>)> =
        BTreeMap::new();
    let mut t = start;
    while t < to {
        rows.insert(
            t,
            (
                Row {
                    start: t,
                    ..Default::default()
                },
                HashSet::new(),
                HashSet::new(),
            ),
        );
        t += bucket.duration();
    }
    let mut seen_clusters = HashSet::new();
    for m in &found {
        let first = m.spam.is_none() && seen_clusters.insert(m.cluster_id.unwrap_or(m.id));
        let Some((row, authors, sites)) = rows.get_mut(&bucket.start(m.bucket_time())) else {
            continue; // before the range: only its clusters count
        };
        if m.spam.is_some() {
            row.spam += 1;
            continue;
        }
        row.mentions.add(m);
        if first {
            row.clusters.add(m);
        }
        if let Some(a) = &m.author {
            authors.insert(format!("{}\u{1}{a}", m.site));
        }
        sites.insert(m.site.clone());
    }
    Ok(rows
        .into_values()
        .map(|(mut r, a, s)| {
            r.authors = a.len() as u64;
            r.sites = s.len() as u64;
            r
        })
        .collect())
}
