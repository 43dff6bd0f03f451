//! The dashboard page: server-rendered HTML (maud escapes every value),
//! one small script from `/static/app.js`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::config::Role;
use earshot::report::{self, Bucket};
use earshot::store::{AlertState, Counts, Evidence};

use super::api::{self, MentionFilter};
use super::{Identity, Shared};

const APP_CSS_EXTRA: &str = r#"
nav.bar{display:flex;gap:16px;align-items:center;justify-content:space-between}
nav.bar form{display:inline}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,button{font:inherit;padding:5px 8px;border:1px solid #cbd2d9;border-radius:4px;background:#fff}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
a.button{display:inline-block;padding:5px 10px;border:1px solid var(--accent);border-radius:4px;margin-right:6px}
.exports{margin-top:10px}
body.login main{max-width:380px;margin:12vh auto}
body.login form{display:flex;flex-direction:column;gap:10px}
p.error{color:var(--neg);font-weight:600}
.pager{margin-top:10px;display:flex;justify-content:space-between}
details summary{cursor:pointer;color:var(--accent)}
header.top a{color:#fff}
p.notice{background:#eef6ff;border:1px solid #cfe3fb;border-radius:4px;padding:8px 12px}
"#;

const APP_JS: &str = r#"// earshot dashboard: small progressive enhancements, no data handling.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('form.filters select').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });
});
"#;

pub use super::html_response;

pub(super) async fn css() -> Response {
    let mut r = format!("{}{}", report::html_css(), APP_CSS_EXTRA).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

pub(super) async fn js() -> Response {
    let mut r = APP_JS.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

fn query_string(f: &MentionFilter, cursor: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("watch", &f.watch),
        ("from", &f.from),
        ("to", &f.to),
        ("sentiment", &f.sentiment),
        ("site", &f.site),
        ("q", &f.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(c) = cursor {
        s.append_pair("cursor", c);
    }
    s.finish()
}

fn export_link(f: &MentionFilter, watches: &[String], format: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let watch = f
        .watch
        .clone()
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| watches.join(","));
    s.append_pair("watch", &watch);
    s.append_pair(
        "from",
        f.from.as_deref().filter(|v| !v.is_empty()).unwrap_or("30d"),
    );
    s.append_pair(
        "to",
        f.to.as_deref().filter(|v| !v.is_empty()).unwrap_or("now"),
    );
    s.append_pair("format", format);
    for (k, v) in [("sentiment", &f.sentiment), ("site", &f.site), ("q", &f.q)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    format!("/api/report?{}", s.finish())
}

/// What `POST /crawl` redirects with: `started`, or `busy` when a crawl
/// was running already.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct CrawlNotice {
    crawl: Option<String>,
}

pub(super) async fn dashboard(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Query(mut f): Query<MentionFilter>,
    Query(notice): Query<CrawlNotice>,
) -> Response {
    let (crawling, crawl_line) = api::crawl_status(&state);
    let busy = notice.crawl.as_deref() == Some("busy");
    if f.from.as_deref().is_none_or(str::is_empty) {
        f.from = Some("30d".into());
    }
    f.limit = Some(f.limit.unwrap_or(50).min(200));
    let watches: Vec<String> = state
        .config
        .watches
        .iter()
        .map(|w| w.name.clone())
        .collect();
    let store = state.store.clone();
    let filter = f.clone();
    let chart_watches: Vec<String> = match f.watch.as_deref().filter(|w| !w.is_empty()) {
        Some(w) => vec![w.to_string()],
        None => watches.clone(),
    };
    let from_text = f.from.clone().unwrap_or_default();
    let to_text = f.to.clone().unwrap_or_default();
    let result = tokio::task::spawn_blocking(move || {
        let mention_filter = api::filter_of(&filter.sentiment, &filter.site, &filter.q)?;
        let (from, to, g) = api::timeline_period(
            Some(from_text.as_str()).filter(|s| !s.is_empty()),
            Some(to_text.as_str()).filter(|s| !s.is_empty()),
            None,
        )?;
        let mut combined: std::collections::BTreeMap<_, Counts> = Default::default();
        for w in &chart_watches {
            let points = report::timeline_filtered(&store, w, g, from, to, &mention_filter)
                .map_err(internal)?;
            for (t, c) in points {
                combined.entry(t).or_default().merge(&c);
            }
        }
        let buckets: Vec<Bucket> = combined
            .into_iter()
            .map(|(start, counts)| Bucket { start, counts })
            .collect();
        let alerts = report::alerts_for(&store, &chart_watches, from, to).map_err(internal)?;
        let svg = report::timeline_svg(&buckets, g, &alerts, (1060, 300));
        let total: u64 = buckets.iter().map(|b| b.counts.total).sum();
        let negative: u64 = buckets.iter().map(|b| b.counts.negative).sum();
        let (mentions, next, partial) = api::find_mentions(&store, &filter)?;
        Ok::<_, Response>((svg, alerts, mentions, next, partial, total, negative))
    })
    .await;
    let (svg, alerts, mentions, next, partial, total, negative) = match result {
        Ok(Ok(v)) => v,
        Ok(Err(r)) => return r,
        Err(e) => return internal(e),
    };
    let admin = who.role == Role::Admin;
    let sentiment = f.sentiment.clone().unwrap_or_default();
    let body = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "earshot dashboard" }
                @if crawling { meta http-equiv="refresh" content="5"; }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    nav.bar {
                        div { h1 { "earshot" } p { "Mentions, timelines and alerts" } }
                        div {
                            span #who { "Signed in as " (who.name) " (" (who.role) ")" } " "
                            @if admin {
                                form method="post" action="/crawl" { button.secondary type="submit" { "Crawl now" } } " "
                            }
                            form method="post" action="/logout" { button.secondary type="submit" { "Sign out" } }
                        }
                    }
                }
                main {
                    @if let Some(line) = &crawl_line {
                        p #crawl-status .notice {
                            @if busy { "A crawl was already running, so no second one was started. " }
                            (line)
                        }
                    }
                    section #filters {
                        form.filters method="get" action="/" {
                            label { "Watch"
                                select name="watch" {
                                    option value="" { "All watches" }
                                    @for w in &watches {
                                        option value=(w) selected[f.watch.as_deref() == Some(w.as_str())] { (w) }
                                    }
                                }
                            }
                            label { "From" input type="text" name="from" value=(f.from.as_deref().unwrap_or("30d")) size="12"; }
                            label { "To" input type="text" name="to" value=(f.to.as_deref().unwrap_or("")) placeholder="now" size="12"; }
                            label { "Sentiment"
                                select name="sentiment" {
                                    option value="" { "Any" }
                                    @for s in ["negative", "neutral", "positive", "unscored"] {
                                        option value=(s) selected[sentiment == s] { (s) }
                                    }
                                }
                            }
                            label { "Site" input type="text" name="site" value=(f.site.as_deref().unwrap_or("")) size="14"; }
                            label { "Text" input type="search" name="q" value=(f.q.as_deref().unwrap_or("")) size="18"; }
                            button type="submit" { "Apply" }
                        }
                        div.exports {
                            "Export: "
                            @for fmt in ["xlsx", "html", "pdf", "csv", "json"] {
                                a.button href=(export_link(&f, &watches, fmt)) { (fmt.to_uppercase()) }
                            }
                        }
                    }
                    div.cards {
                        div.card { div.k { "Mentions in period" } div.v #total { (total) } }
                        div.card.neg { div.k { "Negative" } div.v #negative { (negative) } }
                        div.card { div.k { "Alerts" } div.v { (alerts.len()) } }
                    }
                    section #timeline {
                        h2 { "Timeline by sentiment" }
                        (PreEscaped(svg))
                    }
                    section #alerts {
                        h2 { "Alerts" }
                        @if alerts.is_empty() { p.muted { "No alerts in this period." } }
                        @else {
                            table {
                                thead { tr { th { "Opened" } th { "Watch" } th { "Severity" } th { "State" } th { "Summary and evidence" } @if admin { th {} } } }
                                tbody {
                                    @for a in &alerts {
                                        tr {
                                            td.muted { (a.opened_at.format("%Y-%m-%d %H:%M")) }
                                            td { (a.watch) }
                                            td { span class={"pill sev-" (a.severity.as_str())} { (a.severity.as_str()) } }
                                            td { (a.state.as_str()) }
                                            td {
                                                (a.summary)
                                                @if let Some(e) = &a.evidence {
                                                    details { summary { "Evidence" } pre.evidence { (pretty(e)) } }
                                                }
                                            }
                                            @if admin {
                                                td {
                                                    @if a.state == AlertState::Open {
                                                        form method="post" action={"/alerts/" (a.id) "/silence"} data-confirm="Silence this alert?" {
                                                            button.secondary type="submit" { "Silence" }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #mentions {
                        h2 { "Mentions" }
                        @if mentions.is_empty() { p.muted { "No mentions match these filters." } }
                        @else { (mention_table(&mentions)) }
                        div.pager {
                            span.muted {
                                (mentions.len()) " shown"
                                @if partial { " · searched part of the store so far" }
                            }
                            @if let Some(c) = &next {
                                a href={"/?" (query_string(&f, Some(c)))} {
                                    @if partial { "Search older mentions →" } @else { "Older mentions →" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    html_response(body.into_string())
}

/// Evidence as indented JSON, keys sorted (through a `Value`, as the
/// dashboard always showed it).
fn pretty(evidence: &Evidence) -> String {
    serde_json::to_value(evidence)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default()
}

fn mention_table(mentions: &[earshot::store::Mention]) -> Markup {
    html! {
        table.mentions {
            thead { tr { th { "Time (UTC)" } th { "Watch" } th { "Site" } th { "Author" } th { "Mention" } th { "Sentiment" } } }
            tbody {
                @for m in mentions {
                    @let label = m.sentiment.as_ref().map(|s| s.label.to_string()).unwrap_or_else(|| "unscored".into());
                    tr {
                        td.muted { (m.bucket_time().format("%Y-%m-%d %H:%M")) }
                        td { (m.watches.join(", ")) }
                        td { (m.site) }
                        td { (m.author.as_deref().unwrap_or("–")) }
                        td {
                            (report::link(&m.url, m.title.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or("(untitled)")))
                            div.excerpt { (report::excerpt(&m.context, 260)) }
                        }
                        td { (report::pill(&label)) (report::stars(m.rating.as_ref())) }
                    }
                }
            }
        }
    }
}

/// 500 with no detail in the body (store errors name files); the log has
/// the reason under the reference the body shows.
fn internal(e: impl std::fmt::Display) -> Response {
    let reference = super::hex(&rand::random::<[u8; 4]>());
    tracing::error!(reference = %reference, "dashboard failed: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the dashboard could not be drawn; the server's log has the reason (reference {reference})"),
    )
        .into_response()
}

pub(super) async fn silence(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Path(id): Path<String>,
) -> Response {
    if who.role != Role::Admin {
        return api::error(
            StatusCode::FORBIDDEN,
            "silencing alerts needs an admin token",
        );
    }
    let Ok(id) = id.parse::<u64>() else {
        return api::error(StatusCode::BAD_REQUEST, "alert ids are numbers");
    };
    let store = state.store.clone();
    let name = who.name.clone();
    match tokio::task::spawn_blocking(move || api::silence_alert(&store, id, &name)).await {
        Ok(Ok(_)) => Redirect::to("/").into_response(),
        Ok(Err(r)) => r,
        Err(e) => internal(e),
    }
}

pub(super) async fn crawl(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
) -> Response {
    if who.role != Role::Admin {
        return api::error(
            StatusCode::FORBIDDEN,
            "starting a crawl needs an admin token",
        );
    }
    if api::start_crawl(&state) {
        Redirect::to("/?crawl=started").into_response()
    } else {
        Redirect::to("/?crawl=busy").into_response()
    }
}
