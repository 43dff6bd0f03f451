//! Fetching pages over HTTP and decoding them as browsers do.
//!
//! [`Fetcher`] sends identifiable, size-limited, timed-out requests and
//! keeps a minimum interval between requests to one host. Bodies are
//! decoded by [`decode`]: BOM, then the HTTP charset, then `<meta>`, then
//! a detector (chardetng).

pub mod charset;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use url::Url;

pub use charset::decode;

use crate::config::CrawlConfig;

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

/// Why a page could not be fetched. Each message says what to check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Only http and https are fetched.
    #[error("{0}: only http and https URLs are fetched")]
    Scheme(String),
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body is not HTML, XML or JSON.
    #[error("{url}: content type `{content_type}` is not HTML, XML/RSS/Atom or JSON; skipped")]
    ContentType {
        /// The URL.
        url: String,
        /// What the server sent.
        content_type: String,
    },
    /// The body exceeded `crawl.max_body_bytes`.
    #[error("{url}: body larger than {limit} bytes (crawl.max_body_bytes); stopped reading")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
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

/// An HTTP client with per-host spacing of requests.
pub struct Fetcher {
    client: reqwest::Client,
    max_body: u64,
    last_request: Mutex<HashMap<String, Instant>>,
}

impl Fetcher {
    /// Builds a client from the crawl settings.
    pub fn new(crawl: &CrawlConfig) -> Result<Fetcher, FetchError> {
        let mut builder = reqwest::Client::builder();
        for (host, addr) in &crawl.resolve {
            let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
                FetchError::Client(format!(
                    "crawl.resolve: `{addr}` for {host} is not an address with a port"
                ))
            })?;
            builder = builder.resolve(host, addr);
        }
        let client = builder
            .user_agent(crawl.user_agent.clone())
            .connect_timeout(crawl.connect_timeout)
            .timeout(crawl.request_timeout)
            .redirect(reqwest::redirect::Policy::limited(
                crawl.max_redirects as usize,
            ))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            max_body: crawl.max_body_bytes,
            last_request: Mutex::new(HashMap::new()),
        })
    }

    /// Waits until a request to `url`'s host keeps `rate` requests/s.
    async fn space(&self, url: &Url, rate: f64) {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let interval = Duration::from_secs_f64(1.0 / rate.max(1e-6));
        let wait = {
            let mut map = self.last_request.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let next = map
                .get(&host)
                .map(|t| *t + interval)
                .unwrap_or(now)
                .max(now);
            map.insert(host, next);
            next - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Fetches `url`, spacing requests to its host at `rate` per second.
    pub async fn fetch(&self, url: &Url, rate: f64) -> Result<Page, FetchError> {
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::Scheme(url.to_string()));
        }
        self.space(url, rate).await;
        let transport = |e: reqwest::Error| FetchError::Transport {
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
            message: error_chain(&e),
        };
        let resp = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: final_url.to_string(),
                status,
            });
        }
        if let Some(ct) = &content_type {
            if !acceptable_content_type(ct) {
                return Err(FetchError::ContentType {
                    url: final_url.to_string(),
                    content_type: ct.clone(),
                });
            }
        }
        if resp.content_length().is_some_and(|n| n > self.max_body) {
            return Err(FetchError::TooLarge {
                url: final_url.to_string(),
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(transport)?;
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge {
                    url: final_url.to_string(),
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        let (text, charset) = decode(&body, content_type.as_deref());
        Ok(Page {
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
        })
    }
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

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
