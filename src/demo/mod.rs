//! The bundled demo site behind `earshot demo`: a GBK Discuz! forum, a
//! WordPress blog with its RSS feed, a review page, a Big5 Q&A page and a
//! news story syndicated on several sites, all from `demo/site/` (built
//! into the binary) and served on 127.0.0.1 at an ephemeral port.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, StatusCode, Uri};
use axum::response::Response;
use include_dir::{include_dir, Dir};

pub mod steps;

static SITE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/demo/site");

/// The host name the default config's demo sources use. `.test` never
/// resolves on the Internet; `earshot demo` maps it to its own server
/// with `crawl.resolve`, so URLs (and mention ids) stay the same from one
/// run to the next although the port changes.
pub const DEMO_HOST: &str = "demo.earshot.test";

/// A running demo site.
pub struct DemoSite {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl DemoSite {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Points the demo sources' host name ([`DEMO_HOST`]) at this server.
    pub fn route(&self, config: &mut crate::config::Config) {
        config
            .crawl
            .resolve
            .insert(DEMO_HOST.to_string(), self.addr.to_string());
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Bytes and content type of the file a demo path maps to.
pub fn file_for(path: &str) -> Option<(&'static [u8], &'static str)> {
    let mut rel = path.trim_start_matches('/').to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    if rel.split('/').any(|seg| seg == "..") {
        return None;
    }
    let file = SITE
        .get_file(&rel)
        .or_else(|| SITE.get_file(format!("{rel}/index.html")))?;
    let ct = match file.path().extension().and_then(|e| e.to_str()) {
        // Like many real servers: no charset; pages declare theirs.
        Some("html") => "text/html",
        Some("xml") => "application/rss+xml",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        Some("gif") => "image/gif",
        Some("css") => "text/css",
        _ => "application/octet-stream",
    };
    Some((file.contents(), ct))
}

async fn serve_file(uri: Uri) -> Response {
    match file_for(uri.path()) {
        Some((bytes, ct)) => Response::builder()
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(bytes))
            .unwrap_or_else(|_| Response::new(Body::empty())),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(
                "<html><body><h1>404 Not Found</h1></body></html>",
            ))
            .unwrap_or_else(|_| Response::new(Body::empty())),
    }
}

/// Starts the demo site on 127.0.0.1 at an ephemeral port.
pub async fn start() -> std::io::Result<DemoSite> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(serve_file);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!("demo site stopped: {e}");
        }
    });
    Ok(DemoSite {
        addr,
        shutdown: Some(tx),
        task,
    })
}

/// Serves files under `dir` until `stop` is cancelled (Ctrl-C; benchmarks
/// and manual testing); prints `listening http://ADDR` once bound.
pub async fn serve_dir(
    dir: std::path::PathBuf,
    addr: &str,
    stop: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening http://{}", listener.local_addr()?);
    let root = std::sync::Arc::new(dir);
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let root = root.clone();
        async move {
            let mut rel = uri.path().trim_start_matches('/').to_string();
            if rel.is_empty() || rel.ends_with('/') {
                rel.push_str("index.html");
            }
            if rel.split('/').any(|s| s == "..") {
                return Response::builder()
                    .status(StatusCode::FORBIDDEN)
                    .body(Body::empty())
                    .unwrap_or_default();
            }
            match tokio::fs::read(root.join(&rel)).await {
                Ok(bytes) => Response::builder()
                    .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                    .body(Body::from(bytes))
                    .unwrap_or_default(),
                Err(_) => Response::builder()
                    .status(StatusCode::NOT_FOUND)
                    .body(Body::empty())
                    .unwrap_or_default(),
            }
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
}

/// A webhook receiver for the demo: checks earshot's signature and keeps
/// each delivery once per idempotency key.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Verified deliveries: (idempotency key, body).
    pub received: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    /// Requests refused (bad signature or stale timestamp).
    pub refused: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// The URL to post to.
    pub fn url(&self) -> String {
        format!("http://{}/hooks/earshot", self.addr)
    }
    /// Stops it.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// Starts a webhook receiver on 127.0.0.1 that verifies
/// `X-Earshot-Signature` (HMAC over `"{timestamp}.{body}"`) with `secret`
/// and rejects timestamps more than five minutes off.
pub async fn start_receiver(secret: String) -> std::io::Result<Receiver> {
    use axum::http::HeaderMap;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let refused = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (rec, bad) = (received.clone(), refused.clone());
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: axum::body::Bytes| {
        let (rec, bad, secret) = (rec.clone(), bad.clone(), secret.clone());
        async move {
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            // The signature covers "timestamp.body": a changed timestamp
            // fails it, an old one fails the replay window.
            let good = earshot::alert::channel::verify_webhook(
                &secret,
                &h("x-earshot-timestamp"),
                &body,
                &h("x-earshot-signature"),
                chrono::Utc::now().timestamp(),
            );
            if !good {
                bad.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return StatusCode::UNAUTHORIZED;
            }
            let key = h("idempotency-key");
            let mut r = rec.lock().unwrap_or_else(|p| p.into_inner());
            if !r.iter().any(|(k, _)| k == &key) {
                r.push((key, String::from_utf8_lossy(&body).into_owned()));
            }
            StatusCode::OK
        }
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("demo webhook receiver stopped: {e}");
        }
    });
    Ok(Receiver {
        addr,
        received,
        refused,
        task,
    })
}
