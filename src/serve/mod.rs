//! `earshot serve`: the dashboard for people and the JSON API for scripts.
//!
//! * Binds to 127.0.0.1 unless `serve.bind` says otherwise (and a public
//!   address needs tokens).
//! * Every route but `/health`, `/live`, the sign-in page and the static CSS/JS
//!   needs a token: `Authorization: Bearer TOKEN`, or a session cookie
//!   (HttpOnly, SameSite=Strict) that the sign-in form or a one-time
//!   sign-in link sets. Tokens are configured as SHA-256 hashes with a
//!   role: `viewer` reads, `admin` also silences alerts and starts crawls.
//! * Crawled text is untrusted: pages are maud templates (every value
//!   escaped), links only http(s), and a Content-Security-Policy allows
//!   scripts from this server's `/static/app.js` only.
//! * `/metrics` in Prometheus text format (crawl, delivery and disk
//!   figures from [`Ops`]); `/health` says ok, degraded or failing with
//!   reasons (503 when failing), `/live` only that the process answers;
//!   `/api/openapi.json` describes the API.

// Helpers return a ready error response as `Err` (the axum idiom); it is
// the cold path, so its size does not matter.
#[allow(clippy::result_large_err)]
mod api;
#[allow(clippy::result_large_err)]
mod auth;
#[allow(clippy::result_large_err)]
pub mod cli_api;
pub mod endpoint;
mod lang;
#[allow(clippy::result_large_err)]
mod page;
mod throttle;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Role};
use crate::daemon::Ops;
use earshot::store::{AlertState, Store};

pub use auth::Identity;

/// The Content-Security-Policy of every response: no inline script at
/// all, scripts and styles only from this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The HTTP client for crawls started from the dashboard failed.
    #[error("cannot build the crawler: {0}")]
    Crawler(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {reason}\n  help: is another earshot serve running? pick another port with --bind 127.0.0.1:PORT or serve.bind")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        reason: String,
    },
}

/// Hex SHA-256 of a token, as `[[serve.tokens]]` keeps it.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new random token (`es_` and 32 random bytes in hex).
pub fn new_token() -> String {
    format!("es_{}", hex(&rand::random::<[u8; 32]>()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Request counters for `/metrics`.
#[derive(Default)]
struct Metrics {
    requests: Mutex<HashMap<(String, u16), u64>>,
    seconds: Mutex<HashMap<String, f64>>,
    crawls: AtomicU64,
}

/// What the handlers share.
pub(crate) struct AppState {
    config: Config,
    store: Arc<Store>,
    /// (sha256 hex, name, role)
    tokens: Vec<(String, String, Role)>,
    once: Mutex<HashMap<String, auth::Session>>,
    /// Failed sign-ins per client address.
    throttle: throttle::Throttle,
    metrics: Metrics,
    crawling: Arc<AtomicBool>,
    /// How the last crawl started from the dashboard ended, for its
    /// status line.
    last_crawl: Arc<Mutex<Option<api::CrawlEnded>>>,
    /// The crawl started from the dashboard, waited for on stop.
    crawl_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Cancelled when the server stops (or the process shuts down): ends
    /// the server and a crawl started from the dashboard.
    shutdown: CancellationToken,
    started: Instant,
    /// The process's crawler, health and crawl metrics.
    ops: Arc<Ops>,
}

type Shared = Arc<AppState>;

/// A running server.
pub struct Server {
    addr: SocketAddr,
    state: Shared,
    generated: Option<String>,
    task: tokio::task::JoinHandle<()>,
    /// `<store>/daemon.json`, removed when the server stops.
    endpoint: Option<endpoint::EndpointFile>,
}

impl Server {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A one-time sign-in link (valid 10 minutes) with `role`.
    pub fn login_link(&self, role: Role) -> String {
        let nonce = auth::one_time_link(&self.state, auth::CONSOLE, role);
        format!("{}/login/once/{nonce}", self.base_url())
    }

    /// The admin token made for this run when the config has none.
    pub fn generated_token(&self) -> Option<&str> {
        self.generated.as_deref()
    }

    /// Stops the server and waits for it, and for a crawl started from the
    /// dashboard to finish what it has in flight.
    pub async fn stop(mut self) {
        drop(self.endpoint.take());
        self.state.shutdown.cancel();
        let _ = self.task.await;
        let crawl = self
            .state
            .crawl_task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(crawl) = crawl {
            let _ = crawl.await;
        }
    }
}

/// Starts the server on `addr`. It stops when `shutdown` is cancelled or
/// on [`Server::stop`] (which cancels only the server's own child token).
pub async fn start(
    config: Config,
    store: Arc<Store>,
    addr: SocketAddr,
    shutdown: &CancellationToken,
) -> Result<Server, ServeError> {
    let crawler = earshot::crawl::Crawler::new(&config.crawl)
        .map_err(|e| ServeError::Crawler(e.to_string()))?;
    let ops = Ops::new(Arc::new(crawler), store.clone(), config.clone());
    start_with(config, store, addr, shutdown, ops).await
}

/// [`start`] in a process that has its [`Ops`] already (`earshot run
/// --serve`): crawls from the dashboard share the daemon's crawler.
pub async fn start_with(
    config: Config,
    store: Arc<Store>,
    addr: SocketAddr,
    shutdown: &CancellationToken,
    ops: Arc<Ops>,
) -> Result<Server, ServeError> {
    let mut tokens: Vec<(String, String, Role)> = config
        .serve
        .tokens
        .iter()
        .map(|t| (t.sha256.to_ascii_lowercase(), t.name.clone(), t.role))
        .collect();
    let generated = tokens.is_empty().then(new_token);
    if let Some(t) = &generated {
        tokens.push((hash_token(t), "admin (this run)".into(), Role::Admin));
    }
    // The local admin credential of the endpoint file: commands run on
    // this machine while this process holds the store ask it with this.
    let local = new_token();
    tokens.push((hash_token(&local), "local CLI".into(), Role::Admin));
    // Sessions survive restarts in the store; the expired ones go here.
    if let Err(e) = store.prune_sessions(chrono::Utc::now()) {
        tracing::warn!("removing expired dashboard sessions failed: {e}");
    }
    let state: Shared = Arc::new(AppState {
        config,
        store,
        tokens,
        once: Mutex::new(HashMap::new()),
        throttle: throttle::Throttle::default(),
        metrics: Metrics::default(),
        crawling: Arc::new(AtomicBool::new(false)),
        last_crawl: Arc::default(),
        crawl_task: Mutex::new(None),
        shutdown: shutdown.child_token(),
        started: Instant::now(),
        ops,
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Bind {
            addr,
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServeError::Bind {
        addr,
        reason: e.to_string(),
    })?;
    for w in state.config.warnings() {
        tracing::warn!(
            "{}: {}{}",
            w.key,
            w.message,
            w.hint
                .as_deref()
                .map(|h| format!("\n  help: {h}"))
                .unwrap_or_default()
        );
    }
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let stop = state.shutdown.clone();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            stop.cancelled().await;
        });
        if let Err(e) = server.await {
            tracing::error!("earshot serve stopped: {e}");
        }
    });
    tracing::info!("earshot serve listening on http://{addr}");
    let endpoint = match endpoint::write(state.store.path(), addr, &local) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(
                "cannot write {} into the store: {e}; other earshot commands cannot read the store while this runs",
                endpoint::FILE_NAME
            );
            None
        }
    };
    Ok(Server {
        addr,
        state,
        generated,
        task,
        endpoint,
    })
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page::dashboard))
        .route("/health", get(health))
        .route("/live", get(live))
        .route("/metrics", get(metrics))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/once/{nonce}", get(auth::login_once))
        .route("/logout", post(auth::logout))
        .route("/static/app.css", get(page::css))
        .route("/static/app.js", get(page::js))
        .route("/alerts/{id}/silence", post(page::silence))
        .route("/crawl", post(page::crawl))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/watches", get(api::watches))
        .route("/api/mentions", get(api::mentions))
        .route("/api/timeline", get(api::timeline))
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}/silence", post(api::silence))
        .route("/api/crawl", post(api::crawl))
        .route("/api/report", get(api::report))
        .route("/api/login-link", post(api::login_link))
        .route("/api/cli/stats", get(cli_api::stats))
        .route("/api/cli/watches", get(cli_api::watch_names))
        .route("/api/cli/mentions", get(cli_api::mentions))
        .route("/api/cli/alerts", get(cli_api::alerts))
        .route("/api/cli/alerts/check", post(cli_api::check))
        .route("/api/cli/timeline", get(cli_api::timeline))
        .route("/api/cli/backup", post(cli_api::backup))
        .route(
            "/api/cli/silences",
            get(cli_api::silences).post(cli_api::add_silence),
        )
        .route(
            "/api/cli/silences/{id}",
            axum::routing::delete(cli_api::remove_silence),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Paths served without a token.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/live" | "/login" | "/static/app.css" | "/static/app.js"
    ) || path.starts_with("/login/once/")
}

/// The route label for metrics: known prefixes, never raw ids.
fn route_label(path: &str) -> &'static str {
    const KNOWN: [&str; 17] = [
        "/api/openapi.json",
        "/api/cli",
        "/api/watches",
        "/api/mentions",
        "/api/timeline",
        "/api/alerts",
        "/api/crawl",
        "/api/report",
        "/api/login-link",
        "/health",
        "/live",
        "/metrics",
        "/login",
        "/logout",
        "/static",
        "/alerts",
        "/crawl",
    ];
    if path == "/" {
        return "/";
    }
    KNOWN
        .iter()
        .find(|k| path == **k || path.starts_with(&format!("{k}/")))
        .copied()
        .unwrap_or("other")
}

/// Authentication, security headers and request metrics around every route.
async fn guard(
    axum::extract::State(state): axum::extract::State<Shared>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_string();
    let label = route_label(&path);
    let client = auth::client_addr(&req);
    req.extensions_mut().insert(client);
    let has_token = req.headers().contains_key(header::AUTHORIZATION);
    // A sign-in attempt: the form, a one-time link, or a request with a
    // token. Past the failure limit, the client waits, right token or not.
    let signing_in = (path == "/login" && req.method() == axum::http::Method::POST)
        || path.starts_with("/login/once/")
        || has_token;
    let blocked = if signing_in {
        state.throttle.blocked(client.0, Instant::now())
    } else {
        None
    };
    let mut resp = if let Some(wait) = blocked {
        tracing::warn!(client = %client.0, "sign-in refused: too many failures from {}", client.0);
        auth::too_many(wait, !has_token, lang::from_headers(&state, req.headers()))
    } else if is_public(&path) {
        next.run(req).await
    } else {
        match auth::identify(&state, &req) {
            Some(id) => {
                if !id.by_cookie {
                    state.throttle.succeeded(client.0);
                }
                if let Err(r) = auth::check_origin(&req, &id) {
                    tracing::warn!(client = %client.0, user = %id.name, path = %path, "cross-site request refused");
                    r
                } else {
                    req.extensions_mut().insert(id);
                    next.run(req).await
                }
            }
            None if has_token => {
                auth::failed(&state, client, "a token that is not accepted");
                unauthorized()
            }
            None if path.starts_with("/api/") || path == "/metrics" => unauthorized(),
            None => axum::response::Redirect::to("/login").into_response(),
        }
    };
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let status = resp.status().as_u16();
    if let Ok(mut m) = state.metrics.requests.lock() {
        *m.entry((label.to_string(), status)).or_default() += 1;
    }
    if let Ok(mut m) = state.metrics.seconds.lock() {
        *m.entry(label.to_string()).or_default() += started.elapsed().as_secs_f64();
    }
    resp
}

/// 401 with `WWW-Authenticate`, for the API.
fn unauthorized() -> Response {
    let mut r = api::error(
        StatusCode::UNAUTHORIZED,
        "a token is required: send `Authorization: Bearer TOKEN` or sign in at /login",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"earshot\""),
    );
    r
}

/// ok, degraded or failing with reasons; 503 when failing.
async fn health(axum::extract::State(state): axum::extract::State<Shared>) -> Response {
    let ops = state.ops.clone();
    match tokio::task::spawn_blocking(move || ops.health()).await {
        Ok(h) => {
            let code = if h.status == "failing" {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            (code, axum::Json(h)).into_response()
        }
        Err(e) => {
            tracing::error!("health check failed: {e}");
            api::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "health check failed (the server's log says why)",
            )
        }
    }
}

/// Liveness: the process answers (for a supervisor's restart decision).
async fn live() -> Response {
    axum::Json(serde_json::json!({"status": "alive"})).into_response()
}

async fn not_found() -> Response {
    api::error(StatusCode::NOT_FOUND, "no such page")
}

fn prom_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(axum::extract::State(state): axum::extract::State<Shared>) -> Response {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP earshot_http_requests_total HTTP requests by route and status.\n# TYPE earshot_http_requests_total counter"
    );
    if let Ok(m) = state.metrics.requests.lock() {
        let mut rows: Vec<_> = m.iter().collect();
        rows.sort();
        for ((route, status), n) in rows {
            let _ = writeln!(
                out,
                "earshot_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP earshot_http_request_seconds_total Time spent answering, by route.\n# TYPE earshot_http_request_seconds_total counter"
    );
    if let Ok(m) = state.metrics.seconds.lock() {
        let mut rows: Vec<_> = m.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (route, s) in rows {
            let _ = writeln!(
                out,
                "earshot_http_request_seconds_total{{route=\"{route}\"}} {s:.6}"
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP earshot_crawls_started_total Crawls started from the dashboard or API.\n# TYPE earshot_crawls_started_total counter\nearshot_crawls_started_total {}",
        state.metrics.crawls.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP earshot_uptime_seconds Seconds since the server started.\n# TYPE earshot_uptime_seconds gauge\nearshot_uptime_seconds {:.0}",
        state.started.elapsed().as_secs_f64()
    );
    let ops = state.ops.clone();
    if let Ok(more) = tokio::task::spawn_blocking(move || {
        let mut out = String::new();
        ops.metrics(&mut out);
        out
    })
    .await
    {
        out.push_str(&more);
    }
    let store = state.store.clone();
    let stats = tokio::task::spawn_blocking(move || {
        let stats = store.stats()?;
        let open = store
            .alerts()?
            .iter()
            .filter(|a| a.state == AlertState::Open)
            .count();
        Ok::<_, earshot::store::StoreError>((stats, open))
    })
    .await;
    match stats {
        Ok(Ok((s, open))) => {
            let _ = writeln!(out, "# HELP earshot_store_mentions Mentions in the store.\n# TYPE earshot_store_mentions gauge\nearshot_store_mentions {}", s.mentions);
            let _ = writeln!(out, "# HELP earshot_watch_mentions Mentions per watch and sentiment (spam apart).\n# TYPE earshot_watch_mentions gauge");
            for (w, c) in &s.watches {
                let w = prom_escape(w);
                for (label, v) in [
                    ("negative", c.negative),
                    ("neutral", c.neutral),
                    ("positive", c.positive),
                    ("unscored", c.unscored),
                    ("spam", c.spam),
                ] {
                    let _ = writeln!(
                        out,
                        "earshot_watch_mentions{{watch=\"{w}\",sentiment=\"{label}\"}} {v}"
                    );
                }
            }
            let _ = writeln!(out, "# HELP earshot_alerts_open Open alerts.\n# TYPE earshot_alerts_open gauge\nearshot_alerts_open {open}");
            let _ = writeln!(out, "# HELP earshot_store_bytes Store size on disk.\n# TYPE earshot_store_bytes gauge\nearshot_store_bytes {}", s.size_on_disk);
        }
        _ => {
            let _ = writeln!(out, "# store figures unavailable");
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// Reads `7d`, `12h` (back from `now`), `now`, RFC 3339 or `YYYY-MM-DD`.
pub fn parse_time(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s == "now" {
        return Ok(now);
    }
    if let Ok(d) = humantime::parse_duration(s) {
        // A duration past what a date can hold is an error, not a panic.
        return chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| {
                format!("`{s}` reaches back further than a date can hold: write e.g. 30d or 365d")
            });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(format!(
        "cannot read `{s}` as a time: write 7d, 12h, now, 2026-11-20 or RFC 3339"
    ))
}

/// An HTML response.
pub fn html_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A JSON error body, `{"error": message}`, with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({"error": message}))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = new_token();
        assert!(t.starts_with("es_") && t.len() == 67);
        assert_ne!(t, new_token());
    }

    #[test]
    fn public_paths_and_route_labels() {
        assert!(is_public("/health"));
        assert!(is_public("/login/once/abc"));
        assert!(!is_public("/"));
        assert!(!is_public("/metrics"));
        assert!(!is_public("/api/watches"));
        assert_eq!(route_label("/api/alerts/77/silence"), "/api/alerts");
        assert_eq!(route_label("/api/alertsx"), "other");
        assert_eq!(route_label("/"), "/");
    }

    #[test]
    fn times_parse() {
        let now = Utc::now();
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(parse_time("1d", now), Ok(now - chrono::Duration::days(1)));
        assert!(parse_time("2026-11-01", now).is_ok());
        assert!(parse_time("yesterday-ish", now).is_err());
        // Far past what chrono holds: an error, not an overflow panic.
        assert!(parse_time("300000y", now).is_err());
        assert!(parse_time("200000y", now).is_ok());
    }
}
