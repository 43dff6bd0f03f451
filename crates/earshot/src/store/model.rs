//! Records the store keeps.

use chrono::{DateTime, Duration, DurationRound, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// One watch's mention in one post (or article). A post that names
/// several watches is one mention per watch, each with its own context
/// window and sentiment, and counted once in each watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// Stable id: [`Mention::watch_id`] of the post and the watch.
    pub id: u64,
    /// URL the post was fetched from.
    pub url: String,
    /// Canonical URL of the page.
    pub canonical_url: String,
    /// `[[source]]` name.
    pub source: String,
    /// Site name (the source's `site`, or the host).
    pub site: String,
    /// Post author, when the page names one.
    pub author: Option<String>,
    /// When the post was published, with the site's UTC offset.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// When earshot fetched the page.
    pub fetched_at: DateTime<Utc>,
    /// Page or thread title.
    pub title: Option<String>,
    /// Post text, paragraphs separated by blank lines.
    pub text: String,
    /// The sentences around the mention, what sentiment is scored on.
    pub context: String,
    /// Language code (`zh`, `en`), when detected.
    pub lang: Option<String>,
    /// The watch this mention is of: one name (a list for the record
    /// layout's sake; a post naming two watches is two mentions).
    pub watches: Vec<String>,
    /// Sentiment, once scored.
    pub sentiment: Option<Sentiment>,
    /// Syndication cluster, once clustered.
    pub cluster_id: Option<u64>,
    /// Why this mention was flagged as spam or noise, if it was.
    pub spam: Option<String>,
    /// What cleaning removed from the post and why (ad lines, ...).
    pub flags: Vec<String>,
    /// blake3 of the normalised text, first 16 bytes as hex.
    pub content_hash: String,
    /// Floor (position) of the post in its thread.
    pub floor: Option<u32>,
    /// The post's id ([`Mention::make_id`]): the same for every watch's
    /// mention in that post, and the key of its stored [`Post`].
    pub post_id: u64,
    /// The post's star rating, for reviews that give one.
    pub rating: Option<Rating>,
}

/// A review's star rating: `value` out of `best` (4 of 5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// The rating given.
    pub value: f64,
    /// The best possible rating (usually 5).
    pub best: f64,
}

impl std::fmt::Display for Rating {
    /// `4/5`, `4.5/5`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.value, self.best)
    }
}

impl Mention {
    /// The id of `watch`'s mention in post `post_id`.
    pub fn watch_id(post_id: u64, watch: &str) -> u64 {
        let mut h = blake3::Hasher::new();
        h.update(&post_id.to_be_bytes());
        h.update(b"#");
        h.update(watch.as_bytes());
        let bytes = h.finalize();
        u64::from_be_bytes(bytes.as_bytes()[..8].try_into().unwrap_or([0; 8]))
    }

    /// The watch this mention is of.
    pub fn watch(&self) -> &str {
        self.watches.first().map(String::as_str).unwrap_or("")
    }

    /// A stable post id from the page's canonical URL and the post's
    /// position: the same post crawled twice gets the same id.
    pub fn make_id(canonical_url: &str, position: u32) -> u64 {
        let mut h = blake3::Hasher::new();
        h.update(canonical_url.as_bytes());
        h.update(b"#");
        h.update(&position.to_be_bytes());
        let bytes = h.finalize();
        u64::from_be_bytes(bytes.as_bytes()[..8].try_into().unwrap_or([0; 8]))
    }

    /// Hash of a text, for exact-duplicate detection.
    pub fn hash_text(text: &str) -> String {
        let h = blake3::hash(text.trim().as_bytes());
        h.as_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The time the mention is counted at: published, else fetched.
    pub fn bucket_time(&self) -> DateTime<Utc> {
        self.published_at
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(self.fetched_at)
    }
}

/// An extracted post as the crawl stored it, whether or not a watch
/// matched it: what `earshot rematch` applies changed watches to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// [`Mention::make_id`] of the page and the post's position.
    pub id: u64,
    /// URL the page was fetched from.
    pub url: String,
    /// Canonical URL of the page.
    pub canonical_url: String,
    /// `[[source]]` name.
    pub source: String,
    /// Site name (the source's `site`, or the host).
    pub site: String,
    /// Author, when the page names one.
    pub author: Option<String>,
    /// Published, with the site's UTC offset.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// When earshot fetched the page.
    pub fetched_at: DateTime<Utc>,
    /// Page or thread title.
    pub title: Option<String>,
    /// Whether the title is matched with this post (the first of a thread).
    pub has_title: bool,
    /// Post text as extracted (ad lines still in: matching cuts them).
    pub text: String,
    /// Language code, when detected.
    pub lang: Option<String>,
    /// What the extractor cut from the post (ad lines, patterns).
    pub flags: Vec<String>,
    /// Floor (position) in its thread.
    pub floor: Option<u32>,
    /// Star rating, for reviews that give one.
    pub rating: Option<Rating>,
}

/// Sentiment class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Negative.
    Negative,
    /// Neutral.
    Neutral,
    /// Positive.
    Positive,
}

impl std::str::FromStr for Label {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "negative" | "neg" => Ok(Label::Negative),
            "neutral" | "neu" => Ok(Label::Neutral),
            "positive" | "pos" => Ok(Label::Positive),
            _ => Err(format!(
                "`{s}` is not a sentiment; use negative, neutral or positive"
            )),
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        })
    }
}

/// A sentiment score and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// The most likely class.
    pub label: Label,
    /// p(positive) − p(negative), in [-1, 1].
    pub score: f32,
    /// Probabilities of negative, neutral, positive.
    pub probs: [f32; 3],
    /// Model version that scored it.
    pub model: String,
}

/// Mention counts for one watch and bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Mentions not flagged as spam.
    pub total: u64,
    /// Of those, scored negative.
    pub negative: u64,
    /// Scored neutral.
    pub neutral: u64,
    /// Scored positive.
    pub positive: u64,
    /// Not scored yet.
    pub unscored: u64,
    /// Flagged as spam or noise (not in `total`).
    pub spam: u64,
}

impl Counts {
    /// Adds another bucket's counts.
    pub fn merge(&mut self, o: &Counts) {
        self.total += o.total;
        self.negative += o.negative;
        self.neutral += o.neutral;
        self.positive += o.positive;
        self.unscored += o.unscored;
        self.spam += o.spam;
    }
}

/// Signed change to [`Counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CountsDelta([i64; 6]);

impl CountsDelta {
    fn slots(m: &Mention) -> [i64; 6] {
        if m.spam.is_some() {
            return [0, 0, 0, 0, 0, 1];
        }
        let mut d = [1, 0, 0, 0, 0, 0];
        match m.sentiment.as_ref().map(|s| s.label) {
            Some(Label::Negative) => d[1] = 1,
            Some(Label::Neutral) => d[2] = 1,
            Some(Label::Positive) => d[3] = 1,
            None => d[4] = 1,
        }
        d
    }
    pub(crate) fn add(&mut self, m: &Mention) {
        for (a, b) in self.0.iter_mut().zip(Self::slots(m)) {
            *a += b;
        }
    }
    pub(crate) fn sub(&mut self, m: &Mention) {
        for (a, b) in self.0.iter_mut().zip(Self::slots(m)) {
            *a -= b;
        }
    }
    pub(crate) fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
    pub(crate) fn apply(&self, c: &mut Counts) {
        let f = |v: &mut u64, d: i64| *v = (*v as i64 + d).max(0) as u64;
        f(&mut c.total, self.0[0]);
        f(&mut c.negative, self.0[1]);
        f(&mut c.neutral, self.0[2]);
        f(&mut c.positive, self.0[3]);
        f(&mut c.unscored, self.0[4]);
        f(&mut c.spam, self.0[5]);
    }
}

/// Bucket size of a counter series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One hour (UTC).
    Hour,
    /// One day (UTC).
    Day,
}

impl Granularity {
    /// Granularities kept as counters.
    pub const STORED: &'static [Granularity] = &[Granularity::Hour, Granularity::Day];

    pub(crate) fn tag(self) -> u8 {
        match self {
            Granularity::Hour => b'h',
            Granularity::Day => b'd',
        }
    }
    pub(crate) fn from_tag(t: u8) -> Option<Self> {
        match t {
            b'h' => Some(Granularity::Hour),
            b'd' => Some(Granularity::Day),
            _ => None,
        }
    }
    /// Length of one bucket.
    pub fn duration(self) -> Duration {
        match self {
            Granularity::Hour => Duration::hours(1),
            Granularity::Day => Duration::days(1),
        }
    }
    /// Start of the bucket holding `t`.
    pub fn bucket_start(self, t: DateTime<Utc>) -> DateTime<Utc> {
        t.duration_trunc(self.duration()).unwrap_or(t)
    }
}

/// What earshot remembers about a URL between crawls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrawlState {
    /// `ETag` of the last 200 response.
    pub etag: Option<String>,
    /// `Last-Modified` of the last 200 response.
    pub last_modified: Option<String>,
    /// Hash of the last body.
    pub content_hash: Option<String>,
    /// Charset the body was decoded with.
    pub charset: Option<String>,
    /// Last HTTP status.
    pub status: u16,
    /// When it was last fetched.
    pub last_fetch: Option<DateTime<Utc>>,
    /// When it is due again.
    pub next_due: Option<DateTime<Utc>>,
    /// Links the crawler followed from it, kept so that a 304 or a page
    /// not yet due still leads the crawl onwards.
    pub links: Vec<String>,
}

/// Where an alert stands. The names are what `earshot alerts`, the API,
/// the dashboard and reports show. Stored by variant index: append new
/// states at the end, never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Firing: notifications were queued.
    Open,
    /// Opened under a silence, or silenced by an admin: nothing is sent.
    Silenced,
    /// Back under the baseline.
    Resolved,
}

impl AlertState {
    /// The name as shown and serialised: `open`, `silenced`, `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Silenced => "silenced",
            AlertState::Resolved => "resolved",
        }
    }
}

impl std::fmt::Display for AlertState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so `{:<8}` lines up as it did for the string.
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for AlertState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(AlertState::Open),
            "silenced" => Ok(AlertState::Silenced),
            "resolved" => Ok(AlertState::Resolved),
            _ => Err(format!(
                "`{s}` is not an alert state; use open, silenced or resolved"
            )),
        }
    }
}

/// Alert severity (see `alert::detect` for how it is judged). Ordered
/// low < medium < high. Stored by variant index: never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Significant, under 3× expected.
    Low,
    /// 3× to 5× expected.
    Medium,
    /// 5× expected or more.
    High,
}

impl Severity {
    /// The name as shown and serialised: `low`, `medium`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(format!("`{s}` is not a severity; use low, medium or high")),
        }
    }
}

/// Which spike detector (see `alert::detect`). Stored by variant index:
/// never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detector {
    /// Same-hour-of-week baseline, negative-binomial test.
    Seasonal,
    /// Negative share against the past week, binomial test.
    Share,
    /// Plain count threshold (cold start).
    Threshold,
}

impl std::fmt::Display for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Detector::Seasonal => "seasonal",
            Detector::Share => "share",
            Detector::Threshold => "threshold",
        })
    }
}

impl std::str::FromStr for Detector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "seasonal" => Ok(Detector::Seasonal),
            "share" => Ok(Detector::Share),
            "threshold" => Ok(Detector::Threshold),
            _ => Err(format!(
                "`{s}` is not a detector; use seasonal, share or threshold"
            )),
        }
    }
}

/// A change in an alert's life: a history entry, and the event a
/// notification announces. Stored by variant index: never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertEvent {
    /// The alert opened.
    Open,
    /// Its severity rose.
    Escalate,
    /// It went back under the baseline.
    Resolve,
    /// It was silenced (named by the history format; nothing records it
    /// yet).
    Silenced,
}

impl AlertEvent {
    /// The name as shown and serialised: `open`, `escalate`, `resolve`,
    /// `silenced`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::Open => "open",
            AlertEvent::Escalate => "escalate",
            AlertEvent::Resolve => "resolve",
            AlertEvent::Silenced => "silenced",
        }
    }
}

impl std::fmt::Display for AlertEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A negative mention quoted in an alert (a cluster collapsed to one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceMention {
    /// Title of the page or thread.
    pub title: Option<String>,
    /// Link.
    pub url: String,
    /// Site.
    pub site: String,
    /// Author.
    pub author: Option<String>,
    /// The sentences around the mention, shortened.
    pub excerpt: String,
    /// Published.
    pub published_at: Option<DateTime<Utc>>,
    /// Copies in its syndication cluster (reach).
    pub copies: u64,
    /// Sites the copies are on.
    pub sites: Vec<String>,
}

/// One change in an alert's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When (bucket end).
    pub at: DateTime<Utc>,
    /// What happened.
    pub event: AlertEvent,
    /// Severity then.
    pub severity: Severity,
}

/// What an alert shows: observed against expected, the mentions behind it,
/// where they are, and what they say more than usual. Its JSON (field
/// order included) is what `earshot alerts --json`, the API, webhooks and
/// reports show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Detector that opened the alert.
    pub detector: Detector,
    /// First bucket of the spike.
    pub start: DateTime<Utc>,
    /// Last bucket above baseline.
    pub end: DateTime<Utc>,
    /// Bucket the alert opened in.
    pub opened: DateTime<Utc>,
    /// Bucket with the most negative mentions.
    pub peak: DateTime<Utc>,
    /// Negative mentions in the peak bucket.
    pub peak_observed: u64,
    /// Negative mentions from start to end (clusters once).
    pub observed: u64,
    /// Expected from start to end.
    pub expected: f64,
    /// Smallest p-value (none for the threshold detector).
    pub p_value: Option<f64>,
    /// The past the detector compared with, in words ("same hour of the
    /// week, 4 week(s) back, 28.0 days of history, p = 3.2e-7"). `None`
    /// for an alert stored before format 4 whose summary did not say.
    pub baseline: Option<String>,
    /// Days of history that baseline had (the watch's age at the opening,
    /// up to the detector's window). `None` as for `baseline`.
    pub baseline_days: Option<f64>,
    /// Resolved at.
    pub resolved: Option<DateTime<Utc>>,
    /// Top negative mentions.
    pub top_mentions: Vec<EvidenceMention>,
    /// Sites with the most negative mentions.
    pub top_sites: Vec<(String, u64)>,
    /// Phrases most over-represented against the week before.
    pub phrases: Vec<String>,
    /// Lifecycle.
    pub history: Vec<HistoryEntry>,
}

/// An alert on a watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Unique id.
    pub id: u64,
    /// Watch it concerns.
    pub watch: String,
    /// Where it stands.
    pub state: AlertState,
    /// Severity (the highest it reached).
    pub severity: Severity,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// One-line summary.
    pub summary: String,
    /// What it is based on. `None` only for an alert migrated from a store
    /// format 1 record whose evidence text was not evidence JSON (earshot
    /// itself always wrote evidence).
    pub evidence: Option<Evidence>,
}

impl Alert {
    /// The evidence as compact JSON text, as format 1 stored it and as the
    /// XLSX and JSON reports show it (empty when there is none).
    pub fn evidence_json(&self) -> String {
        self.evidence
            .as_ref()
            .and_then(|e| serde_json::to_string(e).ok())
            .unwrap_or_default()
    }
}

/// A silence: no notifications for a watch (or every watch) in a time
/// range. Alerts still open and are stored, marked silenced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Unique id.
    pub id: u64,
    /// Watch it applies to; `None` for every watch.
    pub watch: Option<String>,
    /// Start of the range.
    pub from: DateTime<Utc>,
    /// End of the range (exclusive).
    pub until: DateTime<Utc>,
    /// Why, for the people reading `earshot alerts`.
    pub reason: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Silence {
    /// Whether it silences `watch` at `t`.
    pub fn covers(&self, watch: &str, t: DateTime<Utc>) -> bool {
        self.watch.as_deref().is_none_or(|w| w == watch) && t >= self.from && t < self.until
    }
}

/// A notification waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Idempotency key (deduplicates deliveries).
    pub key: String,
    /// Channel name from the config.
    pub channel: String,
    /// Message body.
    pub payload: String,
    /// Attempts made.
    pub attempts: u32,
    /// Not before this time.
    pub next_attempt: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Last error, if any.
    pub last_error: Option<String>,
}
