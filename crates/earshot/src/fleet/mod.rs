//! The fleet: one coordinator and any number of stateless workers on other
//! machines, through NATS JetStream (`docs/fleet.md`).
//!
//! * Fetch jobs go to the stream `EARSHOT_FETCH` on subjects
//!   `earshot.fetch.<shard>`, shard = a stable hash of the URL's
//!   registrable domain (or host, `[fleet] shard_by`) modulo
//!   `[fleet] shards`. Each shard has one durable consumer with
//!   `max_ack_pending = 1`: at most one job per shard is in flight anywhere,
//!   so per-host politeness needs no lock. The host's next allowed request
//!   time (rate, Crawl-delay, Retry-After) is kept in the key-value bucket
//!   `earshot_hosts`, written by the worker holding that shard's job.
//! * Workers publish each page's result to `EARSHOT_RESULTS`
//!   (`earshot.result`, deduplicated by job id); the coordinator writes it
//!   in one store batch and acks after the write is durable.
//! * Workers started with `--no-score` publish a page with mentions to
//!   `EARSHOT_SCORE` (`earshot.score`) instead, unscored; score-only
//!   workers (`scorer.rs`) score batches of such pages and publish them as
//!   results, under the same job id.
//! * Every message carries [`PROTOCOL`] and the sentiment model version; a
//!   worker refuses a job from another version.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crawl::remote::{PageJob, PageOutcome};
use crate::util::Problem;

mod coordinator;
mod nats;
mod parts;
mod pass;
mod scorer;
mod wire;
mod worker;

pub use coordinator::Coordinator;
pub use scorer::{run_scorer, ScorerOptions, ScorerSummary};
pub use worker::{run_worker, WorkerOptions, WorkerSummary};

/// The version of the fleet's messages; a worker and a coordinator of
/// different versions refuse each other. 2: sitemap jobs, search results
/// pages, results in parts. 3: results over one message in pieces
/// (`wire.rs`), a sitemap's entries past `max_sitemap_urls` left out by
/// the worker, a sitemap source's links on any host (kept by the
/// coordinator). 4: a page result over [`PAGE_PART_BYTES`] goes in
/// self-contained parts (`RemotePage::split`, `parts.rs`), each scored
/// alone by any score-only worker and gathered by the coordinator; byte
/// pieces only for a single post larger than one message. 5: a mention
/// that owns its post's headline is scored on its text under the headline
/// and on the headline alone (`crawl::score_mentions`), so a worker of
/// protocol 4 would score such mentions differently.
pub const PROTOCOL: u32 = 5;

/// The most JSON (scores included) one part of a page's result carries
/// (`crate::crawl::remote::RemotePage::split`); under [`wire::PIECE_BYTES`],
/// so a part goes in one message unless one post alone is larger.
pub const PAGE_PART_BYTES: usize = 224 * 1024;

/// The most JSON one result message carries of a sitemap's entries (the
/// rest go in further parts), under NATS's default 1 MB message limit.
pub const SITEMAP_PART_BYTES: usize = 256 * 1024;

/// Subject prefix of fetch jobs (`earshot.fetch.<shard>`).
pub const FETCH_SUBJECT: &str = "earshot.fetch";
/// Subject of page results.
pub const RESULT_SUBJECT: &str = "earshot.result";
/// The stream of fetch jobs.
pub const FETCH_STREAM: &str = "EARSHOT_FETCH";
/// The stream of results.
pub const RESULT_STREAM: &str = "EARSHOT_RESULTS";
/// Subject of pages waiting for a score-only worker.
pub const SCORE_SUBJECT: &str = "earshot.score";
/// The stream of pages waiting for a score-only worker.
pub const SCORE_STREAM: &str = "EARSHOT_SCORE";
/// The key-value bucket of per-host politeness state.
pub const HOSTS_BUCKET: &str = "earshot_hosts";

/// `[fleet]`: how the coordinator and the workers reach NATS. Without the
/// section (and without `--fleet`), earshot crawls on one machine.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetConfig {
    /// NATS server URL(s), comma-separated (`nats://host:4222`); `${VAR}`
    /// is expanded. `--fleet URL` on the command line overrides it.
    pub url: Option<String>,
    /// A NATS credentials file (JWT and nkey seed), e.g.
    /// `"${EARSHOT_NATS_CREDS}"`.
    pub creds: Option<String>,
    /// An nkey seed (`SU…`), normally `"${EARSHOT_NATS_NKEY}"`.
    pub nkey: Option<String>,
    /// Require TLS to the server.
    pub tls: bool,
    /// A CA certificate (PEM) the server's certificate is checked against.
    pub ca: Option<String>,
    /// Shards of the fetch queue: hosts are spread over them, and one job
    /// per shard is in flight at a time across the fleet.
    pub shards: u32,
    /// How long a job may go unacknowledged (no progress from its worker)
    /// before JetStream gives it to another worker.
    #[serde(with = "humantime_serde")]
    pub ack_wait: Duration,
    /// Copies of each stream and bucket in a NATS cluster (1, 3 or 5).
    pub replicas: usize,
    /// What a URL's shard is a hash of: `domain`, its registrable domain
    /// (`a.example.com` and `b.example.com` share one shard, so one request
    /// at a time goes to the two), or `host`, its host and port.
    pub shard_by: ShardBy,
}

/// What the fetch queue's shards go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardBy {
    /// The registrable domain (public suffix list, compiled in); hosts
    /// without one (IP addresses, `localhost`) go by host.
    #[default]
    Domain,
    /// The host with its port.
    Host,
}

impl Default for FleetConfig {
    fn default() -> FleetConfig {
        FleetConfig {
            url: None,
            creds: None,
            nkey: None,
            tls: false,
            ca: None,
            shards: 256,
            ack_wait: Duration::from_secs(60),
            replicas: 1,
            shard_by: ShardBy::Domain,
        }
    }
}

impl FleetConfig {
    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.shards == 0 || self.shards > 4096 {
            out.push(Problem::new(
                "fleet.shards",
                format!("must be between 1 and 4096, got {}", self.shards),
                "e.g. shards = 256 (more shards than hosts crawled at once)",
            ));
        }
        if self.ack_wait < Duration::from_secs(1) {
            out.push(Problem::new(
                "fleet.ack_wait",
                format!(
                    "{} is too short: a job would be given to a second worker while the first still works on it",
                    humantime::format_duration(self.ack_wait)
                ),
                "e.g. ack_wait = \"60s\"",
            ));
        }
        if ![1, 3, 5].contains(&self.replicas) {
            out.push(Problem::new(
                "fleet.replicas",
                format!("must be 1, 3 or 5, got {}", self.replicas),
                "replicas = 3 in a three-node NATS cluster, else 1",
            ));
        }
        if self.creds.is_some() && self.nkey.is_some() {
            out.push(Problem::new(
                "fleet.nkey",
                "both `creds` and `nkey` are set; NATS takes one",
                "keep `creds` (a .creds file holds its own nkey) or `nkey`",
            ));
        }
        for (key, v) in [
            ("fleet.url", &self.url),
            ("fleet.creds", &self.creds),
            ("fleet.nkey", &self.nkey),
            ("fleet.ca", &self.ca),
        ] {
            if let Some(v) = v {
                if let Err(e) = crate::util::expand_env(v) {
                    out.push(Problem::new(key, e, "set the variable, or write the value"));
                }
            }
        }
        if let Some(Ok(url)) = self.url.as_deref().map(crate::util::expand_env) {
            for u in url.split(',') {
                let u = u.trim();
                let ok = ["nats://", "tls://", "ws://", "wss://"]
                    .iter()
                    .any(|p| u.starts_with(p))
                    && u.len() > 7;
                if !ok {
                    out.push(Problem::new(
                        "fleet.url",
                        format!("`{u}` is not a NATS server URL"),
                        "e.g. url = \"nats://10.0.0.5:4222\"",
                    ));
                }
            }
        }
        out
    }
}

/// Why the fleet could not work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// No NATS server answered, or it refused the credentials.
    #[error("cannot reach NATS at {url}: {message}; check that nats-server runs with JetStream (`nats-server -js`) and [fleet] url, creds and nkey")]
    Connect { url: String, message: String },
    /// The server refused who we said we were.
    #[error("NATS at {url} refused to let earshot in {user} ({message}); the server's config must list that user (`authorization {{ users = [ {{ nkey: \"U…\" }} ] }}` for an nkey), and [fleet] nkey or creds (or the variable they name) must hold that user's seed or credentials file")]
    Auth {
        url: String,
        user: String,
        message: String,
    },
    /// The TLS handshake failed: most often the server's certificate is
    /// signed by a CA this machine does not trust.
    #[error("TLS to NATS at {url} failed ({message}); if the server's certificate comes from your own CA, set [fleet] ca to that CA's certificate (a PEM file), and check that the certificate names the host in the URL")]
    Tls { url: String, message: String },
    /// A JetStream request failed.
    #[error("NATS JetStream: {0}")]
    JetStream(String),
    /// A message from another earshot version or model.
    #[error("refused a fleet message: {0}")]
    Mismatch(String),
    /// A setting is wrong.
    #[error("[fleet] {0}")]
    Config(String),
    /// A score-only worker's scorer failed; its pages went back to the
    /// queue.
    #[error("scoring failed: {0}; the pages went back to the queue for another score-only worker (check [sentiment] model and device on this machine, and `earshot doctor`)")]
    Score(String),
    /// The crawl itself failed (store, config).
    #[error(transparent)]
    Pipeline(#[from] crate::crawl::PipelineError),
}

/// A fetch job on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobMessage {
    pub protocol: u32,
    /// The coordinator's sentiment model version (`none` when off).
    pub model: String,
    /// The job's id: the pass and the URL (also the result's message id,
    /// so a redone job's second result is dropped by JetStream).
    pub id: String,
    /// The coordinator's pass the result goes back to.
    pub pass: String,
    pub job: PageJob,
}

/// A page result on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultMessage {
    pub protocol: u32,
    pub model: String,
    pub id: String,
    pub pass: String,
    /// The worker's name (host and process id).
    pub worker: String,
    /// How many times JetStream had delivered the job (2 and more: it was
    /// redone after a worker died or went silent).
    #[serde(default)]
    pub delivered: i64,
    pub job: PageJob,
    pub outcome: PageOutcome,
    /// The score-only worker that scored the page's mentions, when the
    /// fetching worker left them unscored (`--no-score`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored_by: Option<String>,
    /// Part `.0` of `.1` of the job's answer (a long sitemap's entries, a
    /// large page's posts and links); none: the whole answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<(u32, u32)>,
}

impl ResultMessage {
    /// The message id it is published under: the job's id, with the part
    /// after a dot from the second part on (each part deduplicated alone).
    /// A page's parts also name the count and the body's hash: a job
    /// redone on a changed page is cut anew, and its parts must not be
    /// taken for the first fetch's (`parts.rs` gathers each set alone).
    pub fn message_id(&self) -> String {
        match (&self.outcome, self.part) {
            (PageOutcome::Page(p), Some((i, n))) => {
                let hash = p.content_hash.get(..12).unwrap_or(&p.content_hash);
                format!("{}.p{i}-{n}.{hash}", self.id)
            }
            (_, Some((i, _))) if i > 0 => format!("{}.{i}", self.id),
            _ => self.id.clone(),
        }
    }
}

/// What every message starts with: read before the rest, so another
/// version is refused with a clear reason rather than a parse error.
#[derive(Debug, Deserialize)]
struct Versions {
    protocol: u32,
    model: String,
}

/// Checks a message's versions against ours; `model` `None`: any model
/// (a worker that does not score).
fn check_versions(payload: &[u8], model: Option<&str>) -> Result<(), FleetError> {
    let v: Versions = serde_json::from_slice(payload).map_err(|e| {
        FleetError::Mismatch(format!(
            "not an earshot fleet message ({e}); is another program publishing on earshot.*?"
        ))
    })?;
    if v.protocol != PROTOCOL {
        return Err(FleetError::Mismatch(format!(
            "message protocol {} but this earshot speaks {PROTOCOL}: run the same earshot release on the coordinator and every worker",
            v.protocol
        )));
    }
    let Some(model) = model else { return Ok(()) };
    if v.model != model {
        return Err(FleetError::Mismatch(format!(
            "the coordinator scores with sentiment model `{}` but this worker has `{model}`: give every worker the coordinator's model ([sentiment] model) and `enabled` setting",
            v.model
        )));
    }
    Ok(())
}

/// The model version messages carry: `none` when scoring is off, else the
/// version in the model directory's config.json.
pub fn model_version(cfg: &crate::sentiment::SentimentConfig) -> Result<String, FleetError> {
    if !cfg.enabled {
        return Ok("none".into());
    }
    let dir = cfg
        .resolve_model_dir()
        .map_err(|e| FleetError::Config(e.to_string()))?;
    crate::sentiment::model_version(&dir).map_err(|e| FleetError::Config(e.to_string()))
}

/// The shard of a URL: a stable hash of its registrable domain (or of
/// its host with port, by `by` or when it has none) modulo `shards`, the
/// same on every machine and release.
pub fn shard_of(url: &url::Url, shards: u32, by: ShardBy) -> u32 {
    let key = shard_key(url, by);
    let h = blake3::hash(key.as_bytes());
    let n = u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]));
    (n % u64::from(shards.max(1))) as u32
}

/// What a URL's shard is a hash of: its registrable domain (`example.co.uk`
/// for `forum.example.co.uk`) under [`ShardBy::Domain`], else (and for IP
/// addresses, `localhost` and names under no known suffix) its host with
/// port, as the fetcher's politeness keys it.
pub fn shard_key(url: &url::Url, by: ShardBy) -> String {
    if by == ShardBy::Domain {
        if let Some(url::Host::Domain(host)) = url.host() {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if let Some(d) = psl::domain(host.as_bytes()) {
                // Only a listed suffix: psl's fallback takes any last
                // label as a suffix (`localhost`, `intranet`).
                if d.suffix().is_known() {
                    if let Ok(d) = std::str::from_utf8(d.as_bytes()) {
                        return d.to_string();
                    }
                }
            }
        }
    }
    crate::fetch::HostKey::of(url).0
}

/// The key of a host in the politeness bucket (keys allow letters,
/// digits, `-`, `_`, `=` and `.`).
fn host_key(url: &url::Url) -> String {
    let key = crate::fetch::HostKey::of(url);
    key.0
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_bad_values_are_named() {
        assert!(FleetConfig::default().problems().is_empty());
        let bad = FleetConfig {
            url: Some("http://x:4222".into()),
            shards: 0,
            ack_wait: Duration::from_millis(10),
            replicas: 2,
            creds: Some("a.creds".into()),
            nkey: Some("SUA".into()),
            ..Default::default()
        };
        let keys: Vec<String> = bad.problems().into_iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            [
                "fleet.shards",
                "fleet.ack_wait",
                "fleet.replicas",
                "fleet.nkey",
                "fleet.url"
            ]
        );
        let unset = FleetConfig {
            nkey: Some("${EARSHOT_TEST_FLEET_UNSET_NKEY}".into()),
            ..Default::default()
        };
        assert_eq!(unset.problems()[0].key, "fleet.nkey");
    }

    #[test]
    fn shards_are_stable_per_host_and_spread() {
        let a = url::Url::parse("https://forum.example.com/t/1").unwrap();
        let b = url::Url::parse("https://forum.example.com/t/2?x=1").unwrap();
        assert_eq!(
            shard_of(&a, 256, ShardBy::Host),
            shard_of(&b, 256, ShardBy::Host)
        );
        let shards: std::collections::HashSet<u32> = (0..200)
            .map(|i| {
                shard_of(
                    &url::Url::parse(&format!("https://h{i}.example.com/")).unwrap(),
                    16,
                    ShardBy::Host,
                )
            })
            .collect();
        assert_eq!(shards.len(), 16, "200 hosts reach every one of 16 shards");
        assert_eq!(
            host_key(&url::Url::parse("http://127.0.0.1:8080/").unwrap()),
            "127.0.0.1_8080"
        );
    }

    #[test]
    fn shards_go_by_registrable_domain_unless_by_host() {
        let key = |u: &str, by| shard_key(&url::Url::parse(u).unwrap(), by);
        let d = ShardBy::Domain;
        assert_eq!(key("https://a.example.com/x", d), "example.com");
        assert_eq!(key("https://B.Example.COM:8443/", d), "example.com");
        assert_eq!(key("https://forum.example.co.uk/t/1", d), "example.co.uk");
        assert_eq!(key("https://news.bbc.co.uk/", d), "bbc.co.uk");
        // A private suffix of the list: each user's site its own domain.
        assert_eq!(key("https://alice.github.io/", d), "alice.github.io");
        // No registrable domain: the host with its port.
        assert_eq!(key("http://127.0.0.1:8080/", d), "127.0.0.1:8080");
        assert_eq!(key("http://localhost:3000/", d), "localhost:3000");
        assert_eq!(
            key("http://[::1]:80/", d),
            key("http://[::1]:80/", ShardBy::Host)
        );
        assert_eq!(
            key("https://a.example.com/", ShardBy::Host),
            "a.example.com"
        );
        // Hosts of one domain share a shard (and so one job at a time).
        let shard = |u: &str, by| shard_of(&url::Url::parse(u).unwrap(), 256, by);
        let same = (0..50).all(|i| {
            shard(&format!("https://h{i}.example.com/"), d) == shard("https://example.com/", d)
        });
        assert!(same, "every subdomain of example.com is in its shard");
        let spread: std::collections::HashSet<u32> = (0..50)
            .map(|i| shard(&format!("https://h{i}.example.com/"), ShardBy::Host))
            .collect();
        assert!(spread.len() > 30, "by host they spread: {}", spread.len());
        let cfg: FleetConfig = toml::from_str("shard_by = \"host\"").unwrap();
        assert_eq!(cfg.shard_by, ShardBy::Host);
        assert_eq!(FleetConfig::default().shard_by, ShardBy::Domain);
        assert!(toml::from_str::<FleetConfig>("shard_by = \"path\"").is_err());
    }

    #[test]
    fn another_protocol_or_model_is_refused_with_the_reason() {
        let ok = br#"{"protocol":5,"model":"m1","id":"x"}"#;
        assert!(check_versions(ok, Some("m1")).is_ok());
        assert!(
            check_versions(ok, None).is_ok(),
            "a worker that does not score takes any model"
        );
        // Protocol 4 scored a headline's mention without the headline's own reading.
        let old = br#"{"protocol":4,"model":"m1"}"#;
        assert!(check_versions(old, None).is_err());
        let e = check_versions(old, Some("m1")).unwrap_err();
        assert!(e.to_string().contains("protocol 4"), "{e}");
        let e = check_versions(ok, Some("m2")).unwrap_err();
        assert!(
            e.to_string().contains("model `m1`") && e.to_string().contains("`m2`"),
            "{e}"
        );
        assert!(check_versions(b"junk", Some("m1")).is_err());
    }
}
