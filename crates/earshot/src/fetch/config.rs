//! `[crawl]`: politeness and limits of every request, and the crawl-wide
//! defaults each `[[source]]` inherits. The fetcher reads most of it; the
//! crawl ([`crate::crawl`]) reads the rest (depth, revisit, pages per
//! source, timezone).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::util::Problem;

/// `[crawl]`: defaults that every `[[source]]` inherits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlConfig {
    /// User-Agent header; must carry a contact URL or address.
    pub user_agent: String,
    /// Requests per second to one host.
    pub rate_per_host: f64,
    /// Requests allowed back to back before the rate applies.
    pub burst: u32,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: u32,
    /// Requests in flight overall.
    pub concurrency: u32,
    /// Time to establish a connection.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Time for a whole request, body included.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Time until the response headers arrive.
    #[serde(with = "humantime_serde")]
    pub first_byte_timeout: Duration,
    /// Retries after 5xx, 429, timeouts and connection errors.
    pub max_retries: u32,
    /// First backoff wait (doubles per retry, with full jitter).
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    /// Longest backoff wait.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// A Retry-After longer than this skips the URL for this pass.
    #[serde(with = "humantime_serde")]
    pub max_retry_after: Duration,
    /// How long robots.txt rules are kept.
    #[serde(with = "humantime_serde")]
    pub robots_ttl: Duration,
    /// How long a site whose robots.txt fails (5xx, unreachable) is left alone.
    #[serde(with = "humantime_serde")]
    pub robots_error_wait: Duration,
    /// When `earshot run` is stopped (SIGTERM, SIGINT), how long requests
    /// in flight may take to finish; those still running then are
    /// abandoned and their URLs stay due for the next pass.
    #[serde(with = "humantime_serde")]
    pub stop_timeout: Duration,
    /// Revisit by activity: the longest a page (other than start URLs and
    /// feeds) waits before it is fetched again. A page found unchanged
    /// waits twice as long as last time, up to this; until it is due its
    /// stored links are still followed.
    #[serde(with = "humantime_serde")]
    pub revisit: Duration,
    /// The shortest wait before a page is fetched again: a page that is new
    /// or changed since its last fetch (a thread that gained replies) is
    /// due again after this long.
    #[serde(with = "humantime_serde")]
    pub revisit_min: Duration,
    /// Query parameters removed from URLs before they are compared
    /// (`*` at the end matches a prefix).
    pub strip_params: Vec<String>,
    /// Largest response body accepted, in bytes (after decompression).
    pub max_body_bytes: u64,
    /// Redirects followed before a request fails.
    pub max_redirects: u32,
    /// Link hops followed from a start URL.
    pub max_depth: u32,
    /// Pages fetched from one source in one pass.
    pub max_pages_per_source: u32,
    /// URLs whose crawl state one source keeps: a pass follows no more new
    /// links once it has reached this many URLs, and after the pass the
    /// least recently reached beyond it are dropped (an endless URL space,
    /// such as a calendar, cannot grow the store without bound).
    pub max_urls_per_source: u64,
    /// A URL no completed pass of its source reached for this many passes
    /// loses its crawl state (0: kept until the cap drops it).
    pub forget_after_passes: u64,
    /// Allow loopback and private addresses (tests and the demo only).
    pub allow_private: bool,
    /// Timezone of dates written without one (IANA name).
    pub timezone: String,
    /// Fixed addresses for host names, like curl's `--resolve`:
    /// `{ "bbs.example.test" = "127.0.0.1:8080" }`. The port is used when
    /// the URL names none.
    pub resolve: std::collections::BTreeMap<String, String>,
    /// A proxy for every request, `http://host:port` (`${VAR}` and
    /// `${VAR:-default}` are read from the environment). Off by default;
    /// `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are never read. A proxy
    /// on a private or loopback address needs `allow_private = true`.
    /// Through a proxy, target names are resolved by the proxy: earshot
    /// still refuses private IP literals and `localhost`, but cannot see
    /// what other names resolve to, so the proxy must refuse private
    /// destinations itself.
    pub proxy: Option<String>,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            user_agent: concat!(
                "earshot/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/earshot-dev/earshot)"
            )
            .to_string(),
            rate_per_host: 1.0,
            burst: 1,
            per_host_concurrency: 1,
            concurrency: 8,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            first_byte_timeout: Duration::from_secs(20),
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
            robots_ttl: Duration::from_secs(24 * 3600),
            robots_error_wait: Duration::from_secs(600),
            stop_timeout: Duration::from_secs(10),
            revisit: Duration::from_secs(6 * 3600),
            revisit_min: Duration::from_secs(20 * 60),
            strip_params: ["utm_*", "spm", "fbclid", "gclid", "from"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            max_depth: 3,
            max_pages_per_source: 500,
            max_urls_per_source: 100_000,
            forget_after_passes: 30,
            allow_private: false,
            timezone: "Asia/Shanghai".to_string(),
            resolve: Default::default(),
            proxy: None,
        }
    }
}

impl CrawlConfig {
    /// The proxy URL, `${VAR}` expanded and vetted: http or https, and on a
    /// private or loopback address only with `allow_private`. `Ok(None)`
    /// when no proxy is configured; `Err` says what is wrong.
    pub fn proxy_url(&self) -> Result<Option<url::Url>, String> {
        let Some(raw) = self
            .proxy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        else {
            return Ok(None);
        };
        let expanded = crate::util::expand_env(raw)?;
        let url = url::Url::parse(&expanded).map_err(|e| {
            format!("`{expanded}` is not a URL ({e}); write e.g. \"http://proxy.example.com:3128\"")
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!(
                "`{}` proxies are not supported; use an http:// or https:// proxy",
                url.scheme()
            ));
        }
        let private = match url.host() {
            Some(url::Host::Ipv4(ip)) => super::guard::is_private(ip.into()),
            Some(url::Host::Ipv6(ip)) => super::guard::is_private(ip.into()),
            Some(url::Host::Domain(d)) => {
                d.eq_ignore_ascii_case("localhost")
                    || d.to_ascii_lowercase().ends_with(".localhost")
            }
            None => return Err(format!("`{expanded}` names no host")),
        };
        if private && !self.allow_private {
            return Err(format!(
                "the proxy {} is on a private or loopback address; set crawl.allow_private = true if that is intended",
                url.host_str().unwrap_or_default()
            ));
        }
        Ok(Some(url))
    }

    /// What is wrong with this section.
    pub fn problems(&self) -> Vec<Problem> {
        let c = self;
        let mut out = Vec::new();
        if !(c.rate_per_host.is_finite() && c.rate_per_host > 0.0) {
            out.push(Problem::new(
                "crawl.rate_per_host",
                format!(
                    "must be a positive number of requests per second, got {}",
                    c.rate_per_host
                ),
                "e.g. rate_per_host = 1.0 (one request per second per host)",
            ));
        }
        for (key, v) in [
            ("crawl.burst", c.burst),
            ("crawl.per_host_concurrency", c.per_host_concurrency),
            ("crawl.concurrency", c.concurrency),
            ("crawl.max_pages_per_source", c.max_pages_per_source),
        ] {
            if v == 0 {
                out.push(Problem::new(
                    key,
                    "must be at least 1",
                    format!("e.g. {} = 1", key.rsplit('.').next().unwrap_or(key)),
                ));
            }
        }
        if c.max_urls_per_source == 0 {
            out.push(Problem::new(
                "crawl.max_urls_per_source",
                "must be at least 1",
                "e.g. max_urls_per_source = 100000",
            ));
        }
        if c.max_redirects > 20 {
            out.push(Problem::new(
                "crawl.max_redirects",
                format!(
                    "{} redirects is more than browsers follow (20)",
                    c.max_redirects
                ),
                "use 10, the default",
            ));
        }
        if c.max_body_bytes < 1024 {
            out.push(Problem::new(
                "crawl.max_body_bytes",
                format!("{} bytes is too small for any web page", c.max_body_bytes),
                "use 10485760 (10 MB), the default",
            ));
        }
        for (key, d) in [
            ("crawl.connect_timeout", c.connect_timeout),
            ("crawl.request_timeout", c.request_timeout),
        ] {
            if d.is_zero() {
                out.push(Problem::new(
                    key,
                    "must be longer than zero",
                    "write a duration such as \"10s\"",
                ));
            }
        }
        if c.revisit_min > c.revisit {
            out.push(Problem::new(
                "crawl.revisit_min",
                format!(
                    "{} is longer than crawl.revisit ({}): an active page would wait longer than a dormant one",
                    humantime::format_duration(c.revisit_min),
                    humantime::format_duration(c.revisit)
                ),
                "keep revisit_min at most revisit, e.g. revisit_min = \"20m\", revisit = \"6h\"",
            ));
        }
        if !has_contact(&c.user_agent) {
            out.push(Problem::new(
                "crawl.user_agent",
                format!("`{}` carries no contact URL or e-mail address", c.user_agent),
                "site owners must be able to reach you: e.g. \"earshot/0.1 (+https://example.com/bot; ops@example.com)\"",
            ));
        }
        if c.timezone.parse::<chrono_tz::Tz>().is_err() {
            out.push(Problem::new(
                "crawl.timezone",
                format!("`{}` is not an IANA timezone", c.timezone),
                "e.g. \"Asia/Shanghai\", \"Asia/Taipei\", \"UTC\"",
            ));
        }
        if let Err(e) = c.proxy_url() {
            out.push(Problem::new(
                "crawl.proxy",
                e,
                "e.g. proxy = \"http://proxy.example.com:3128\" or proxy = \"${HTTPS_PROXY}\"",
            ));
        }
        for (host, addr) in &c.resolve {
            if addr.parse::<std::net::SocketAddr>().is_err() {
                out.push(Problem::new(
                    format!("crawl.resolve.{host}"),
                    format!("`{addr}` is not an IP address with a port"),
                    "write e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"",
                ));
            }
        }
        out
    }
}

/// True when a User-Agent carries something a site owner can reach.
fn has_contact(ua: &str) -> bool {
    ua.contains("http://") || ua.contains("https://") || (ua.contains('@') && ua.contains('.'))
}
