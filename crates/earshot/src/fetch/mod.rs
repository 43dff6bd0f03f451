//! Fetching pages politely over HTTP and decoding them as browsers do.
//!
//! * [`polite`]: per-host governor limiters, concurrency and backoff,
//! * [`robots`]: robots.txt per RFC 9309, cached,
//! * [`retry`]: Retry-After and exponential backoff with jitter,
//! * [`guard`]: refusing private addresses after DNS resolution,
//! * [`charset`]: BOM, HTTP charset, `<meta>`, then chardetng.
//!
//! [`Fetcher::fetch`] ties them together: robots first, then a slot from
//! the host (permit, backoff, rate), a conditional GET, a size-limited
//! streamed body, retries where they help, and per-host counters.

pub mod charset;
mod config;
pub mod guard;
pub mod polite;
pub mod retry;
pub mod robots;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use url::Url;

pub use charset::decode;
pub use config::CrawlConfig;
pub use polite::HostKey;

/// A fetched and decoded page.
#[derive(Debug, Clone)]
pub struct Page {
    /// URL asked for.
    pub requested: Url,
    /// URL after redirects.
    pub url: Url,
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// `ETag` header.
    pub etag: Option<String>,
    /// `Last-Modified` header.
    pub last_modified: Option<String>,
    /// Raw body.
    pub body: Vec<u8>,
    /// Decoded body.
    pub text: String,
    /// Charset used to decode (WHATWG name).
    pub charset: &'static str,
    /// When the response arrived.
    pub fetched_at: DateTime<Utc>,
}

/// What a fetch produced.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// A new or changed page.
    Page(Box<Page>),
    /// 304: unchanged since the validators we sent.
    NotModified,
}

/// Validators from the last fetch, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// `ETag` to send as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` to send as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The URL.
    pub url: Url,
    /// Requests per second allowed to its host.
    pub rate: f64,
    /// Whether private addresses may be reached.
    pub allow_private: bool,
    /// Validators for a conditional GET.
    pub validators: Validators,
}

/// Why a page could not be fetched. Each message says what to check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Only http and https are fetched.
    #[error("{0}: only http and https URLs are fetched")]
    Scheme(String),
    /// robots.txt disallows the URL (or robots.txt was unreachable).
    #[error("{url}: {reason}")]
    Robots {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The host is private and the source does not allow that.
    #[error("{url}: {message}")]
    Private {
        /// The URL.
        url: String,
        /// Details.
        message: String,
    },
    /// The server answered with an error status (after any retries).
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The server asked us to wait longer than `crawl.max_retry_after`.
    #[error("{url}: the server asked to wait {wait:?} (Retry-After), more than crawl.max_retry_after; skipped for this pass")]
    RetryAfterTooLong {
        /// The URL.
        url: String,
        /// The wait asked for.
        wait: Duration,
    },
    /// The body is not HTML, XML or JSON.
    #[error("{url}: content type `{content_type}` is not HTML, XML/RSS/Atom or JSON; skipped")]
    ContentType {
        /// The URL.
        url: String,
        /// What the server sent.
        content_type: String,
    },
    /// The body exceeded `crawl.max_body_bytes` (after decompression).
    #[error("{url}: body larger than {limit} bytes (crawl.max_body_bytes, counted after decompression); stopped reading")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The host could not be reached for its robots.txt (connection
    /// refused, DNS, timeout): its pages are skipped for
    /// `crawl.robots_error_wait`. The message names the host, not the
    /// page, so a pass reports it once.
    #[error("{0}")]
    Unreachable(String),
    /// Timeout, connection, TLS or redirect failure.
    #[error("{url}: {kind}: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// `timeout`, `connect`, `redirect` or `request`.
        kind: &'static str,
        /// Details.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// A short name for counters.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Scheme(_) => "scheme",
            FetchError::Robots { .. } => "robots",
            FetchError::Unreachable(_) => "connect",
            FetchError::Private { .. } => "private_address",
            FetchError::Status { .. } => "status",
            FetchError::RetryAfterTooLong { .. } => "retry_after",
            FetchError::ContentType { .. } => "content_type",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Transport { kind, .. } => kind,
            FetchError::Client(_) => "client",
        }
    }
}

/// Counters for one host.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct HostStats {
    /// Requests sent (robots.txt and retries included).
    pub requests: u64,
    /// Responses by status class: `2xx`, `3xx`, `4xx`, `5xx`.
    pub status: BTreeMap<String, u64>,
    /// 304 answers to conditional GETs.
    pub not_modified: u64,
    /// Body bytes read (after decompression).
    pub bytes: u64,
    /// Retries made.
    pub retries: u64,
    /// URLs robots.txt kept us from.
    pub robots_refusals: u64,
    /// Failures by kind.
    pub errors: BTreeMap<String, u64>,
}

/// Limits and timings a [`Fetcher`] works with (from `[crawl]`).
#[derive(Debug, Clone)]
struct Settings {
    max_body: u64,
    first_byte_timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_retry_after: Duration,
}

/// The polite HTTP client.
pub struct Fetcher {
    guarded: reqwest::Client,
    open: reqwest::Client,
    pool: polite::HostPool,
    robots: robots::RobotsCache,
    settings: Settings,
    stats: Mutex<BTreeMap<HostKey, HostStats>>,
    /// Requests being fetched now (robots.txt, waits and retries included).
    in_flight: std::sync::atomic::AtomicU64,
}

/// Counts a request in flight while it lives.
struct InFlight<'a>(&'a std::sync::atomic::AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Why the redirect policy stopped.
#[derive(Debug, thiserror::Error)]
enum RedirectError {
    #[error("redirect loop: {0} was already visited")]
    Loop(String),
    #[error("more than {0} redirects")]
    TooMany(usize),
    #[error("redirect to {0}, which is not http or https")]
    Scheme(String),
    #[error("redirect to {0}, a private address; refused (set allow_private = true on the source if intended)")]
    Private(String),
}

fn redirect_policy(max: usize, allow_private: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let url = attempt.url().clone();
        if attempt.previous().iter().any(|u| u == &url) {
            return attempt.error(RedirectError::Loop(url.to_string()));
        }
        if attempt.previous().len() > max {
            return attempt.error(RedirectError::TooMany(max));
        }
        if url.scheme() != "http" && url.scheme() != "https" {
            return attempt.error(RedirectError::Scheme(url.to_string()));
        }
        if !allow_private && literal_private(&url) {
            return attempt.error(RedirectError::Private(url.to_string()));
        }
        attempt.follow()
    })
}

/// True when the URL's host is an IP literal in a private range.
fn literal_private(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => guard::is_private(ip.into()),
        Some(url::Host::Ipv6(ip)) => guard::is_private(ip.into()),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")
        }
        None => false,
    }
}

impl Fetcher {
    /// Builds the client from the crawl settings.
    pub fn new(crawl: &CrawlConfig) -> Result<Fetcher, FetchError> {
        Fetcher::build(crawl, None)
    }

    /// Like [`Fetcher::new`], with names resolved by `resolver` instead of
    /// the system's (still behind the private-address guard): tests use it
    /// to map ordinary names to 127.0.0.1 without `crawl.resolve`.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn with_resolver(
        crawl: &CrawlConfig,
        resolver: Arc<dyn reqwest::dns::Resolve>,
    ) -> Result<Fetcher, FetchError> {
        Fetcher::build(crawl, Some(resolver))
    }

    fn build(
        crawl: &CrawlConfig,
        resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
    ) -> Result<Fetcher, FetchError> {
        let proxy = match crawl.proxy_url() {
            Ok(p) => p,
            Err(problem) => {
                return Err(FetchError::Client(format!("crawl.proxy: {problem}")));
            }
        };
        let build = |allow_private: bool| {
            let mut b = reqwest::Client::builder()
                .user_agent(crawl.user_agent.clone())
                .connect_timeout(crawl.connect_timeout)
                .timeout(crawl.request_timeout)
                .redirect(redirect_policy(crawl.max_redirects as usize, allow_private))
                .gzip(true)
                .brotli(true)
                .pool_max_idle_per_host(crawl.per_host_concurrency as usize)
                // HTTP(S)_PROXY and ALL_PROXY are not read: a proxy resolves
                // names itself, out of the guard's sight. Only `crawl.proxy`.
                .no_proxy();
            if let Some(p) = &proxy {
                let p = reqwest::Proxy::all(p.as_str())
                    .map_err(|e| FetchError::Client(format!("crawl.proxy: {e}")))?;
                b = b.proxy(p);
            }
            match (&resolver, allow_private) {
                (Some(r), false) => {
                    b = b.dns_resolver(Arc::new(guard::GuardedResolver::over(r.clone())))
                }
                (Some(r), true) => b = b.dns_resolver2(r.clone()),
                (None, false) => b = b.dns_resolver(Arc::new(guard::GuardedResolver::new())),
                (None, true) => {}
            }
            for (host, addr) in &crawl.resolve {
                let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
                    FetchError::Client(format!(
                        "crawl.resolve: `{addr}` for {host} is not an address with a port"
                    ))
                })?;
                b = b.resolve(host, addr);
            }
            b.build().map_err(|e| FetchError::Client(e.to_string()))
        };
        Ok(Fetcher {
            guarded: build(false)?,
            open: build(true)?,
            pool: polite::HostPool::new(
                crawl.concurrency as usize,
                crawl.per_host_concurrency as usize,
                crawl.burst,
            ),
            robots: robots::RobotsCache::new(
                &crawl.user_agent,
                crawl.robots_ttl,
                crawl.robots_error_wait,
            ),
            settings: Settings {
                max_body: crawl.max_body_bytes,
                first_byte_timeout: crawl.first_byte_timeout,
                max_retries: crawl.max_retries,
                backoff_base: crawl.backoff_base,
                backoff_max: crawl.backoff_max,
                max_retry_after: crawl.max_retry_after,
            },
            stats: Mutex::new(BTreeMap::new()),
            in_flight: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// A snapshot of the per-host counters.
    pub fn stats(&self) -> BTreeMap<HostKey, HostStats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Fetches under way now (each from its robots.txt check to its last
    /// retry); an abandoned fetch stops counting when it is dropped.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self, host: &HostKey, f: impl FnOnce(&mut HostStats)) {
        let mut s = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(s.entry(host.clone()).or_default());
    }

    /// What the URL's robots.txt says about it for our user agent (fetched
    /// through the host's slot and cached as for [`Fetcher::fetch`]),
    /// with the `Sitemap:` lines; an unreachable host is an error.
    pub async fn robots(&self, req: &Request) -> Result<robots::Verdict, FetchError> {
        let url = &req.url;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::Scheme(url.to_string()));
        }
        if !req.allow_private && literal_private(url) {
            return Err(FetchError::Private {
                url: url.to_string(),
                message: "a private or loopback address; refused (set allow_private = true on the source if intended)".into(),
            });
        }
        let key = HostKey::of(url);
        let host = self.pool.host(&key, req.rate);
        let client = if req.allow_private {
            &self.open
        } else {
            &self.guarded
        };
        self.robots_checked(req, &key, &host, client).await
    }

    /// The robots.txt check of [`Fetcher::fetch`]: a host the guard
    /// refuses is reported as such, not as a robots failure.
    async fn robots_checked(
        &self,
        req: &Request,
        key: &HostKey,
        host: &polite::Host,
        client: &reqwest::Client,
    ) -> Result<robots::Verdict, FetchError> {
        let url = &req.url;
        let refused: Mutex<Option<FetchError>> = Mutex::new(None);
        let verdict = self
            .robots
            .check(url, || async {
                let robots_url = url.join("/robots.txt").map_err(|e| e.to_string())?;
                let _slot = host.acquire(self.pool.global()).await;
                self.count(key, |s| s.requests += 1);
                let resp = client.get(robots_url).send().await.map_err(|e| {
                    if let p @ FetchError::Private { .. } = transport(url, &e) {
                        *refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(p);
                    }
                    root_cause(&e)
                })?;
                let status = resp.status().as_u16();
                self.count(key, |s| *s.status.entry(class(status)).or_default() += 1);
                let body = read_limited(resp, 512 * 1024)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((status, body))
            })
            .await;
        if let Some(delay) = verdict.crawl_delay {
            host.tighten(delay.min(polite::MAX_CRAWL_DELAY), 1);
        }
        if let Some(p) = refused.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(p);
        }
        if let Some(reason) = verdict.unreachable {
            return Err(FetchError::Unreachable(reason));
        }
        Ok(verdict)
    }

    /// Fetches one URL politely; see the module docs.
    #[tracing::instrument(level = "debug", skip_all, fields(url = %req.url))]
    pub async fn fetch(&self, req: &Request) -> Result<Fetched, FetchError> {
        let url = &req.url;
        let key = HostKey::of(url);
        self.in_flight
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _counted = InFlight(&self.in_flight);
        let result = self.fetch_inner(req, &key).await;
        if let Err(e) = &result {
            self.count(&key, |s| {
                *s.errors.entry(e.kind().to_string()).or_default() += 1;
                if matches!(e, FetchError::Robots { .. }) {
                    s.robots_refusals += 1;
                }
            });
        }
        result
    }

    async fn fetch_inner(&self, req: &Request, key: &HostKey) -> Result<Fetched, FetchError> {
        let url = &req.url;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::Scheme(url.to_string()));
        }
        if !req.allow_private && literal_private(url) {
            return Err(FetchError::Private {
                url: url.to_string(),
                message: "a private or loopback address; refused (set allow_private = true on the source if intended)".into(),
            });
        }
        let host = self.pool.host(key, req.rate);
        let client = if req.allow_private {
            &self.open
        } else {
            &self.guarded
        };
        let verdict = self.robots_checked(req, key, &host, client).await?;
        if let Some(reason) = verdict.refusal {
            return Err(FetchError::Robots {
                url: url.to_string(),
                reason,
            });
        }

        let mut attempt = 0u32;
        loop {
            let slot = host.acquire(self.pool.global()).await;
            self.count(key, |s| s.requests += 1);
            let mut get = client.get(url.clone());
            if let Some(etag) = &req.validators.etag {
                get = get.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &req.validators.last_modified {
                get = get.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
            let sent = tokio::time::timeout(self.settings.first_byte_timeout, get.send()).await;
            let outcome = match sent {
                Err(_) => Err(Retry::Backoff(FetchError::Transport {
                    url: url.to_string(),
                    kind: "timeout",
                    message: format!(
                        "no response within {:?} (crawl.first_byte_timeout)",
                        self.settings.first_byte_timeout
                    ),
                })),
                Ok(Err(e)) => Err(Retry::from(transport(url, &e))),
                Ok(Ok(resp)) => self.read(url, resp, key, &host).await,
            };
            drop(slot);
            match outcome {
                Ok(f) => return Ok(f),
                Err(Retry::Wait(wait, e)) if attempt < self.settings.max_retries => {
                    if wait > self.settings.max_retry_after {
                        host.defer_until(Instant::now() + self.settings.max_retry_after);
                        return Err(FetchError::RetryAfterTooLong {
                            url: url.to_string(),
                            wait,
                        });
                    }
                    tracing::debug!(%url, ?wait, "retrying after: {e}");
                    host.defer_until(Instant::now() + wait);
                }
                Err(Retry::Backoff(e)) if attempt < self.settings.max_retries => {
                    let wait = retry::backoff(
                        attempt,
                        self.settings.backoff_base,
                        self.settings.backoff_max,
                    );
                    tracing::debug!(%url, ?wait, "backing off: {e}");
                    host.defer_until(Instant::now() + wait);
                }
                Err(Retry::Wait(_, e) | Retry::Backoff(e) | Retry::No(e)) => return Err(e),
            }
            attempt += 1;
            self.count(key, |s| s.retries += 1);
        }
    }

    async fn read(
        &self,
        url: &Url,
        resp: reqwest::Response,
        key: &HostKey,
        host: &polite::Host,
    ) -> Result<Fetched, Retry> {
        let status = resp.status().as_u16();
        self.count(key, |s| *s.status.entry(class(status)).or_default() += 1);
        let final_url = resp.url().clone();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if status == 304 {
            self.count(key, |s| s.not_modified += 1);
            return Ok(Fetched::NotModified);
        }
        if status == 429 || status == 503 {
            let err = FetchError::Status {
                url: final_url.to_string(),
                status,
            };
            if let Some(wait) = header(reqwest::header::RETRY_AFTER)
                .and_then(|v| retry::parse_retry_after(&v, SystemTime::now()))
            {
                // The server's wait applies to the whole host.
                host.defer_until(Instant::now() + wait.min(self.settings.max_retry_after));
                return Err(Retry::Wait(wait, err));
            }
            return Err(Retry::Backoff(err));
        }
        if !(200..300).contains(&status) {
            let err = FetchError::Status {
                url: final_url.to_string(),
                status,
            };
            return Err(if retry::retryable_status(status) {
                Retry::Backoff(err)
            } else {
                Retry::No(err)
            });
        }
        let content_type = header(reqwest::header::CONTENT_TYPE);
        if let Some(ct) = &content_type {
            if !acceptable_content_type(ct) {
                return Err(Retry::No(FetchError::ContentType {
                    url: final_url.to_string(),
                    content_type: ct.clone(),
                }));
            }
        }
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let body = match read_limited(resp, self.settings.max_body).await {
            Ok(b) => b,
            Err(ReadError::TooLarge) => {
                return Err(Retry::No(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit: self.settings.max_body,
                }))
            }
            Err(ReadError::Transport(e)) => {
                let err = transport(&final_url, &e);
                return Err(if e.is_timeout() {
                    Retry::No(err)
                } else {
                    Retry::Backoff(err)
                });
            }
        };
        self.count(key, |s| s.bytes += body.len() as u64);
        let (text, charset) = decode(&body, content_type.as_deref());
        Ok(Fetched::Page(Box::new(Page {
            requested: url.clone(),
            url: final_url,
            status,
            content_type,
            etag,
            last_modified,
            body,
            text,
            charset: charset.name(),
            fetched_at: Utc::now(),
        })))
    }
}

/// How a failed attempt may be retried.
enum Retry {
    /// After the server's Retry-After.
    Wait(Duration, FetchError),
    /// After an exponential backoff.
    Backoff(FetchError),
    /// Not at all.
    No(FetchError),
}

fn transport(url: &Url, e: &reqwest::Error) -> FetchError {
    let message = error_chain(e);
    if let Some(p) = find_source::<guard::PrivateAddress>(e) {
        return FetchError::Private {
            url: url.to_string(),
            message: p.to_string(),
        };
    }
    if let Some(r) = find_source::<RedirectError>(e) {
        if let RedirectError::Private(_) = r {
            return FetchError::Private {
                url: url.to_string(),
                message: r.to_string(),
            };
        }
        return FetchError::Transport {
            url: url.to_string(),
            kind: "redirect",
            message: r.to_string(),
        };
    }
    FetchError::Transport {
        url: url.to_string(),
        kind: if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else if e.is_redirect() {
            "redirect"
        } else {
            "request"
        },
        message,
    }
}

impl From<FetchError> for Retry {
    fn from(e: FetchError) -> Self {
        match &e {
            FetchError::Transport {
                kind: "timeout" | "connect",
                ..
            } => Retry::Backoff(e),
            _ => Retry::No(e),
        }
    }
}

fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<T>() {
            return Some(t);
        }
        cur = c.source();
    }
    None
}

enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge => f.write_str("body too large"),
            ReadError::Transport(e) => write!(f, "{}", error_chain(e)),
        }
    }
}

/// Reads a body, stopping once it passes `limit` bytes (after
/// decompression, so a gzip or brotli bomb stops at the limit too).
async fn read_limited(resp: reqwest::Response, limit: u64) -> Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(ReadError::Transport)?;
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn class(status: u16) -> String {
    format!("{}xx", status / 100)
}

/// HTML, XML (RSS, Atom) and JSON are accepted.
pub fn acceptable_content_type(ct: &str) -> bool {
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty()
        || mime == "text/html"
        || mime == "application/xhtml+xml"
        || mime == "text/xml"
        || mime == "application/xml"
        || mime.ends_with("+xml")
        || mime == "application/json"
        || mime.ends_with("+json")
        || mime == "text/plain"
}

/// The innermost cause of `e` ("Connection refused (os error 111)"), with
/// "timed out" when it was a timeout.
fn root_cause(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(s) = inner.source() {
        inner = s;
    }
    let cause = inner.to_string();
    if e.is_timeout() && !cause.contains("timed out") {
        format!("timed out: {cause}")
    } else {
        cause
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}
