//! The JSON API under `/api/`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::Role;
use earshot::report::{self, Format, ReportRequest};
use earshot::store::{
    Alert, AlertState, Granularity, Label, Mention, MentionCursor, MentionQuery, Rating, Store,
};

use super::{auth, parse_time, Identity, Shared};

/// A JSON error body `{"error": ...}` with `status`.
pub use super::error;

pub(super) fn bad(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, &message.into())
}

/// A 500 answer: the reason goes to the log only (store and I/O errors name
/// files, and an error body shows no paths). The body and the log line
/// share a reference to find one from the other.
pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    let reference = super::hex(&rand::random::<[u8; 4]>());
    tracing::error!(reference = %reference, "request failed: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("the server could not answer; its log has the reason (reference {reference})"),
    )
}

pub(super) fn admin_only(id: &Identity) -> Result<(), Response> {
    if id.role == Role::Admin {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "this needs an admin token; yours is a viewer token",
        ))
    }
}

/// Runs store work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Response> + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(internal)
        .and_then(|r| r)
}

/// A mention as the API shows it (ids as strings: JavaScript numbers
/// cannot hold 64-bit ids).
#[derive(Debug, Serialize)]
pub struct MentionView {
    id: String,
    url: String,
    site: String,
    source: String,
    author: Option<String>,
    published_at: Option<String>,
    time: DateTime<Utc>,
    title: Option<String>,
    excerpt: String,
    text: String,
    lang: Option<String>,
    watches: Vec<String>,
    sentiment: Option<Label>,
    score: Option<f32>,
    cluster_id: Option<String>,
    spam: Option<String>,
    /// A review's star rating (`{"value": 4.0, "best": 5.0}`), else null.
    rating: Option<Rating>,
}

impl From<Mention> for MentionView {
    fn from(m: Mention) -> Self {
        MentionView {
            id: m.id.to_string(),
            time: m.bucket_time(),
            published_at: m.published_at.map(|t| t.to_rfc3339()),
            sentiment: m.sentiment.as_ref().map(|s| s.label),
            score: m.sentiment.as_ref().map(|s| s.score),
            cluster_id: m.cluster_id.map(|c| c.to_string()),
            excerpt: report::excerpt(&m.context, 280),
            url: m.url,
            site: m.site,
            source: m.source,
            author: m.author,
            title: m.title,
            text: m.text,
            lang: m.lang,
            watches: m.watches,
            spam: m.spam,
            rating: m.rating,
        }
    }
}

/// Filters of `/api/mentions` (and the dashboard's table).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MentionFilter {
    /// Watch name.
    pub watch: Option<String>,
    /// Period start.
    pub from: Option<String>,
    /// Period end.
    pub to: Option<String>,
    /// negative, neutral, positive or unscored.
    pub sentiment: Option<String>,
    /// Site name, exact.
    pub site: Option<String>,
    /// Text that must appear in the title, text or author (any case).
    pub q: Option<String>,
    /// Where the page starts (`next_cursor` of the previous page).
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<usize>,
    /// Include spam (default: no).
    pub spam: Option<bool>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The mention filters of a request (sentiment, site, text), which the
/// list, the chart, the cards and the reports all apply.
pub fn filter_of(
    sentiment: &Option<String>,
    site: &Option<String>,
    q: &Option<String>,
) -> Result<report::Filter, Response> {
    Ok(report::Filter {
        sentiment: nonempty(sentiment)
            .map(str::parse::<report::SentimentFilter>)
            .transpose()
            .map_err(bad)?,
        site: nonempty(site).map(str::to_string),
        text: nonempty(q).map(str::to_string),
    })
}

/// Stored mentions one request examines at most: a filter that matches
/// little returns a short page and a cursor rather than a slow answer.
pub const SCAN_BUDGET: usize = 10_000;

/// One page of mentions matching `f`.
pub fn find_mentions(
    store: &Store,
    f: &MentionFilter,
) -> Result<(Vec<Mention>, Option<String>, bool), Response> {
    let now = Utc::now();
    let since = nonempty(&f.from)
        .map(|s| parse_time(s, now))
        .transpose()
        .map_err(bad)?;
    let until = nonempty(&f.to)
        .map(|s| parse_time(s, now))
        .transpose()
        .map_err(bad)?;
    let filter = filter_of(&f.sentiment, &f.site, &f.q)?;
    let sentiment = match filter.sentiment {
        Some(report::SentimentFilter::Label(l)) => Some(l),
        _ => None,
    };
    let cursor = match nonempty(&f.cursor) {
        None => None,
        Some(c) => Some(MentionCursor::parse(c).ok_or_else(|| {
            bad("`cursor` is not one this server gave out; use next_cursor of the previous page")
        })?),
    };
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let q = MentionQuery {
        watch: nonempty(&f.watch).map(str::to_string),
        since,
        until,
        sentiment,
        limit: Some(limit),
    };
    let spam = f.spam.unwrap_or(false);
    let keep = move |m: &Mention| (spam || m.spam.is_none()) && filter.keeps(m);
    let page = store
        .mentions_page(&q, cursor, &keep, SCAN_BUDGET)
        .map_err(internal)?;
    Ok((page.mentions, page.next.map(|c| c.encode()), page.partial))
}

pub(super) async fn mentions(
    State(state): State<Shared>,
    Query(f): Query<MentionFilter>,
) -> Response {
    let store = state.store.clone();
    match blocking(move || find_mentions(&store, &f)).await {
        Ok((ms, next, partial)) => {
            let views: Vec<MentionView> = ms.into_iter().map(MentionView::from).collect();
            Json(json!({"mentions": views, "next_cursor": next, "partial": partial}))
                .into_response()
        }
        Err(r) => r,
    }
}

pub(super) async fn watches(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    let names: Vec<String> = state
        .config
        .watches
        .iter()
        .map(|w| w.name.clone())
        .collect();
    let result = blocking(move || {
        let stats = store.stats().map_err(internal)?;
        let mut all = names.clone();
        for w in stats.watches.keys() {
            if !all.contains(w) {
                all.push(w.clone());
            }
        }
        Ok(all
            .into_iter()
            .map(|w| {
                let c = stats.watches.get(&w).copied().unwrap_or_default();
                json!({"name": w, "configured": names.contains(&w), "mentions": c})
            })
            .collect::<Vec<_>>())
    })
    .await;
    match result {
        Ok(v) => Json(json!({ "watches": v })).into_response(),
        Err(r) => r,
    }
}

/// Query of `/api/timeline`.
#[derive(Debug, Default, Deserialize)]
pub struct TimelineQuery {
    /// Watch names, comma-separated (default: every configured watch).
    pub watch: Option<String>,
    /// Period start (default 30d).
    pub from: Option<String>,
    /// Period end (default now).
    pub to: Option<String>,
    /// hour or day (default: hour up to 3 days, else day).
    pub granularity: Option<String>,
    /// negative, neutral, positive or unscored.
    pub sentiment: Option<String>,
    /// Site name, exact.
    pub site: Option<String>,
    /// Text in the title, text or author (any case).
    pub q: Option<String>,
}

/// The period and bucket size a timeline query asks for.
pub fn timeline_period(
    from: Option<&str>,
    to: Option<&str>,
    granularity: Option<&str>,
) -> Result<(DateTime<Utc>, DateTime<Utc>, Granularity), Response> {
    let now = Utc::now();
    let from = parse_time(from.unwrap_or("30d"), now).map_err(bad)?;
    let to = parse_time(to.unwrap_or("now"), now).map_err(bad)?;
    if from >= to {
        return Err(bad("`from` must be before `to`"));
    }
    let g = match granularity {
        Some("hour") => Granularity::Hour,
        Some("day") => Granularity::Day,
        None | Some("") => {
            if to - from <= chrono::Duration::days(3) {
                Granularity::Hour
            } else {
                Granularity::Day
            }
        }
        Some(other) => return Err(bad(format!("granularity `{other}`: use hour or day"))),
    };
    if g == Granularity::Hour && to - from > chrono::Duration::days(400) {
        return Err(bad(
            "hourly timelines cover at most 400 days; use granularity=day",
        ));
    }
    if to - from > chrono::Duration::days(report::MAX_PERIOD_DAYS) {
        return Err(bad(format!(
            "a period covers at most {} days (about five years); give a later `from` or an earlier `to`",
            report::MAX_PERIOD_DAYS
        )));
    }
    Ok((from, to, g))
}

/// Watches one timeline or report request names at most (each is a
/// series the server computes).
pub const MAX_WATCHES: usize = 100;

/// The watches a request names (comma-separated), at most
/// [`MAX_WATCHES`]; every configured watch when it names none.
fn watch_list(state: &Shared, watch: &Option<String>) -> Result<Vec<String>, Response> {
    let Some(w) = nonempty(watch) else {
        return Ok(state
            .config
            .watches
            .iter()
            .map(|w| w.name.clone())
            .collect());
    };
    let watches: Vec<String> = w
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .take(MAX_WATCHES + 1)
        .collect();
    if watches.len() > MAX_WATCHES {
        return Err(bad(format!(
            "`watch` names more than {MAX_WATCHES} watches; ask for fewer at a time"
        )));
    }
    Ok(watches)
}

pub(super) async fn timeline(
    State(state): State<Shared>,
    Query(q): Query<TimelineQuery>,
) -> Response {
    let (from, to, g) =
        match timeline_period(nonempty(&q.from), nonempty(&q.to), nonempty(&q.granularity)) {
            Ok(p) => p,
            Err(r) => return r,
        };
    let watches = match watch_list(&state, &q.watch) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let filter = match filter_of(&q.sentiment, &q.site, &q.q) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let store = state.store.clone();
    let result = blocking(move || {
        let mut series = Vec::new();
        for w in &watches {
            let points =
                report::timeline_filtered(&store, w, g, from, to, &filter).map_err(internal)?;
            let buckets: Vec<_> = points
                .into_iter()
                .map(|(t, c)| {
                    json!({"start": t, "total": c.total, "negative": c.negative, "neutral": c.neutral,
                           "positive": c.positive, "unscored": c.unscored, "spam": c.spam})
                })
                .collect();
            series.push(json!({"watch": w, "buckets": buckets}));
        }
        let alerts: Vec<_> = report::alerts_for(&store, &watches, from, to)
            .map_err(internal)?
            .into_iter()
            .map(|a| json!({"id": a.id.to_string(), "watch": a.watch, "opened_at": a.opened_at, "severity": a.severity}))
            .collect();
        Ok(json!({"from": from, "to": to, "granularity": g, "series": series, "alerts": alerts}))
    })
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

/// An alert as the API shows it, evidence as an object (`null` when none).
pub fn alert_view(a: &Alert) -> serde_json::Value {
    json!({
        "id": a.id.to_string(), "watch": a.watch, "state": a.state, "severity": a.severity,
        "opened_at": a.opened_at, "updated_at": a.updated_at, "summary": a.summary,
        "evidence": a.evidence,
    })
}

/// Query of `/api/alerts`.
#[derive(Debug, Default, Deserialize)]
pub struct AlertQuery {
    /// Only this watch.
    pub watch: Option<String>,
    /// Only this state (open, silenced or resolved; any other matches none).
    pub state: Option<String>,
}

pub(super) async fn alerts(State(state): State<Shared>, Query(q): Query<AlertQuery>) -> Response {
    let store = state.store.clone();
    let result = blocking(move || {
        let mut all = store.alerts().map_err(internal)?;
        all.retain(|a| {
            nonempty(&q.watch).is_none_or(|w| a.watch == w)
                && nonempty(&q.state)
                    .is_none_or(|s| s.parse::<AlertState>().is_ok_and(|s| s == a.state))
        });
        all.sort_by_key(|a| std::cmp::Reverse(a.opened_at));
        Ok(all.iter().map(alert_view).collect::<Vec<_>>())
    })
    .await;
    match result {
        Ok(v) => Json(json!({ "alerts": v })).into_response(),
        Err(r) => r,
    }
}

/// Silences an alert for the rest of its life (no notification on
/// escalate or resolve either); `None` when there is no such alert.
pub fn silence_alert(store: &Store, id: u64, by: &str) -> Result<Option<Alert>, Response> {
    let a = earshot::alert::silence::silence_alert(store, id, Utc::now()).map_err(internal)?;
    if a.is_some() {
        tracing::info!(alert = id, by, "alert silenced");
    }
    Ok(a)
}

pub(super) async fn silence(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    let Ok(id) = id.parse::<u64>() else {
        return bad("alert ids are numbers");
    };
    let store = state.store.clone();
    match blocking(move || silence_alert(&store, id, &who.name)).await {
        Ok(Some(a)) => Json(alert_view(&a)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such alert"),
        Err(r) => r,
    }
}

/// How the dashboard's last crawl ended: when, and its page and mention
/// counts (fetched, unchanged, failed, new) or its error.
#[derive(Debug, Clone)]
pub struct CrawlEnded {
    at: DateTime<Utc>,
    outcome: Result<[u64; 4], String>,
}

/// The dashboard's line about its crawl, in `lang` with times in `tz`:
/// running, or how the last one ended; `None` before the first.
pub fn crawl_status(
    state: &Shared,
    lang: earshot::report::Language,
    tz: chrono_tz::Tz,
) -> (bool, Option<String>) {
    if state.crawling.load(Ordering::SeqCst) {
        return (true, Some(lang.dash().crawl_running.into()));
    }
    let last = state.last_crawl.lock().unwrap_or_else(|p| p.into_inner());
    let line = last.as_ref().map(|c| {
        lang.crawl_ended(
            c.at,
            tz,
            c.outcome.as_ref().map(|n| *n).map_err(|e| e.as_str()),
        )
    });
    (false, line)
}

/// Starts a crawl of every source in the background; false when one runs.
pub fn start_crawl(state: &Shared) -> bool {
    if state.crawling.swap(true, Ordering::SeqCst) {
        return false;
    }
    state.metrics.crawls.fetch_add(1, Ordering::Relaxed);
    let config = state.config.clone();
    let store = state.store.clone();
    let flag = state.crawling.clone();
    let last = state.last_crawl.clone();
    // The process's crawler: per-host limits hold with the daemon's passes.
    let ops = state.ops.clone();
    // Stops with the server: fetching ends, what is in flight is stored.
    let stop = state.shutdown.clone();
    // Held while spawning, so a crawl that ends at once cannot be followed
    // by the next one's handle before its own is stored.
    let mut slot = state.crawl_task.lock().unwrap_or_else(|p| p.into_inner());
    *slot = Some(tokio::spawn(async move {
        let progress: earshot::crawl::Progress =
            Arc::new(|line: &str| match line.strip_prefix("error  ") {
                Some(e) => tracing::warn!("{e}"),
                None => tracing::info!("{line}"),
            });
        let setup = config.crawl_setup();
        let ended = match ops
            .crawler()
            .pass(&setup, store, None, stop, progress)
            .await
        {
            Ok(s) => {
                tracing::info!(new = s.mentions_new, "crawl from the dashboard done");
                CrawlEnded {
                    at: Utc::now(),
                    outcome: Ok([
                        s.pages_fetched,
                        s.pages_unchanged + s.pages_fresh,
                        s.pages_failed,
                        s.mentions_new,
                    ]),
                }
            }
            Err(e) => {
                tracing::error!("crawl from the dashboard failed: {e}");
                CrawlEnded {
                    at: Utc::now(),
                    outcome: Err(e.to_string()),
                }
            }
        };
        *last.lock().unwrap_or_else(|p| p.into_inner()) = Some(ended);
        flag.store(false, Ordering::SeqCst);
    }));
    true
}

pub(super) async fn crawl(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    if start_crawl(&state) {
        tracing::info!(by = %who.name, "crawl started");
        (StatusCode::ACCEPTED, Json(json!({"started": true}))).into_response()
    } else {
        error(StatusCode::CONFLICT, "a crawl is already running")
    }
}

/// Query of `/api/report`.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    /// Watch names, comma-separated (default: every configured watch).
    pub watch: Option<String>,
    /// Period start (default 30d).
    pub from: Option<String>,
    /// Period end (default now).
    pub to: Option<String>,
    /// csv, xlsx, html, pdf or json (default html).
    pub format: Option<String>,
    /// en or zh-CN (default en).
    pub language: Option<String>,
    /// negative, neutral, positive or unscored.
    pub sentiment: Option<String>,
    /// Site name, exact.
    pub site: Option<String>,
    /// Text in the title, text or author (any case).
    pub q: Option<String>,
}

pub(super) async fn report(State(state): State<Shared>, Query(q): Query<ReportQuery>) -> Response {
    let now = Utc::now();
    let format: Format = match nonempty(&q.format).unwrap_or("html").parse() {
        Ok(f) => f,
        Err(e) => return bad(e),
    };
    let from = match parse_time(nonempty(&q.from).unwrap_or("30d"), now) {
        Ok(t) => t,
        Err(e) => return bad(e),
    };
    let to = match parse_time(nonempty(&q.to).unwrap_or("now"), now) {
        Ok(t) => t,
        Err(e) => return bad(e),
    };
    let watches = match watch_list(&state, &q.watch) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let language = match nonempty(&q.language).unwrap_or("en").parse() {
        Ok(l) => l,
        Err(e) => return bad(e),
    };
    let req = ReportRequest {
        watches,
        from,
        to,
        language,
    };
    if let Err(e) = req.validate() {
        return bad(e.to_string());
    }
    let filter = match filter_of(&q.sentiment, &q.site, &q.q) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let store = state.store.clone();
    let settings = state.config.report_settings.clone();
    let name = req.file_name(format);
    let result = blocking(move || {
        let data = report::gather_filtered(&store, &req, &filter).map_err(internal)?;
        let counts = (data.rows.len(), data.alerts.len());
        Ok((
            // No font for a PDF is the operator's to fix: say how.
            report::render_with(&data, format, &settings).map_err(|e| match e {
                report::ReportError::Pdf(e) => {
                    error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
                }
                e => internal(e),
            })?,
            counts,
        ))
    })
    .await;
    match result {
        Ok((bytes, (mentions, alerts))) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            // What `earshot report` prints ("N mentions, M alerts").
            h.insert("x-earshot-mentions", HeaderValue::from(mentions));
            h.insert("x-earshot-alerts", HeaderValue::from(alerts));
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            // RFC 6266: an ASCII fallback and the UTF-8 name.
            let ascii: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_+".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let encoded: String = name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(r) => r,
    }
}

pub(super) async fn login_link(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
) -> Response {
    let nonce = auth::one_time_link(&state, &who.name, who.role);
    Json(json!({"path": format!("/login/once/{nonce}"), "expires_in_s": 600})).into_response()
}

pub(super) async fn openapi() -> Response {
    Json(openapi_doc()).into_response()
}

fn param(name: &str, description: &str) -> serde_json::Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
}

/// The OpenAPI 3.1 description of the API.
pub fn openapi_doc() -> serde_json::Value {
    let time = "a time: 7d or 12h back from now, now, 2026-11-20, or RFC 3339";
    let ok = |d: &str| json!({"200": {"description": d}, "400": {"description": "bad parameter"}, "401": {"description": "no or wrong token"}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "earshot API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Mentions, timelines, alerts and reports of an earshot store. Every path but /health needs `Authorization: Bearer TOKEN` (or the dashboard's session cookie)."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "ok"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (text format)", "responses": ok("metrics")}},
            "/api/watches": {"get": {"summary": "Watches with their all-time counts", "responses": ok("watches")}},
            "/api/mentions": {"get": {"summary": "Mentions, newest first, one page at a time",
                "parameters": [param("watch", "watch name"), param("from", time), param("to", time),
                    param("sentiment", "negative, neutral, positive or unscored"), param("site", "site name"),
                    param("q", "text in the title, text or author (any case)"),
                    param("cursor", "next_cursor of the previous page"), param("limit", "page size, 1-500 (50)"),
                    param("spam", "true to include mentions flagged as spam")],
                "responses": ok("{mentions: [...], next_cursor: string|null, partial: bool}; partial: the scan budget (10,000 stored mentions) ran out before the page filled: follow next_cursor for more")}},
            "/api/timeline": {"get": {"summary": "Volume per hour or day by sentiment, per watch, with alerts",
                "parameters": [param("watch", "watch names, comma-separated (default all)"), param("from", time),
                    param("to", time), param("granularity", "hour or day"),
                    param("sentiment", "negative, neutral, positive or unscored"), param("site", "site name"),
                    param("q", "text in the title, text or author (any case)")],
                "responses": ok("{series: [{watch, buckets: [{start,total,negative,neutral,positive,unscored,spam}]}], alerts}")}},
            "/api/alerts": {"get": {"summary": "Alerts with their evidence, newest first",
                "parameters": [param("watch", "watch name"), param("state", "open, silenced, resolved")],
                "responses": ok("{alerts: [...]}")}},
            "/api/alerts/{id}/silence": {"post": {"summary": "Silence an alert (admin)",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the alert"}, "403": {"description": "viewer token"}, "404": {"description": "no such alert"}}}},
            "/api/crawl": {"post": {"summary": "Start a crawl of every source (admin)",
                "responses": {"202": {"description": "started"}, "403": {"description": "viewer token"}, "409": {"description": "a crawl is running"}}}},
            "/api/report": {"get": {"summary": "Download a report",
                "parameters": [param("watch", "watch names, comma-separated (default all)"), param("from", time),
                    param("to", time), param("format", "csv, xlsx, html, pdf or json"),
                    param("language", "en or zh-CN (headings, columns, dates)"),
                    param("sentiment", "negative, neutral, positive or unscored"), param("site", "site name"),
                    param("q", "text in the title, text or author (any case)")],
                "responses": ok("the report file")}},
            "/api/login-link": {"post": {"summary": "A one-time sign-in link for a browser, with the caller's role",
                "responses": ok("{path, expires_in_s}")}},
        }
    })
}
