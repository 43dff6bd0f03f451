//! The dashboard page: server-rendered HTML (maud escapes every value),
//! one small script from `/static/app.js`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::config::Role;
use chrono_tz::Tz;
use earshot::report::{self, Bucket, Language};
use earshot::store::{AlertState, Counts, Evidence};

use super::api::{self, MentionFilter};
use super::lang;
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
.lang-switch{margin-right:10px}
td.muted,span.pill{white-space:nowrap}
.lang-switch strong,.lang-switch a{padding:0 3px}
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

/// A report export of what the page shows, in the page's language.
fn export_link(f: &MentionFilter, watches: &[String], format: &str, lang: Language) -> String {
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
    s.append_pair("language", lang.tag());
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
    Query(lq): Query<lang::LangQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, lang_cookie) = lang::pick(&state, &headers, &lq);
    let t = lang.dash();
    let tz = state.config.serve.tz();
    let (crawling, crawl_line) = api::crawl_status(&state, lang, tz);
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
        let svg = report::timeline_svg_in(&buckets, g, &alerts, (1060, 300), lang);
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
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t.page_title) }
                @if crawling { meta http-equiv="refresh" content="5"; }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    nav.bar {
                        div { h1 { "earshot" } p { (t.tagline) } }
                        div {
                            (lang::switch(lang, &query_string(&f, None)))
                            span #who { (t.signed_in_as) " " (who.name) " (" (if admin { t.admin } else { t.viewer }) ")" } " "
                            @if admin {
                                form method="post" action="/crawl" { button.secondary type="submit" { (t.crawl_now) } } " "
                            }
                            form method="post" action="/logout" { button.secondary type="submit" { (t.sign_out) } }
                        }
                    }
                }
                main {
                    @if let Some(line) = &crawl_line {
                        p #crawl-status .notice {
                            @if busy { (t.crawl_busy) }
                            (line)
                        }
                    }
                    section #filters {
                        form.filters method="get" action="/" {
                            label { (t.watch)
                                select name="watch" {
                                    option value="" { (t.all_watches) }
                                    @for w in &watches {
                                        option value=(w) selected[f.watch.as_deref() == Some(w.as_str())] { (w) }
                                    }
                                }
                            }
                            label { (t.from) input type="text" name="from" value=(f.from.as_deref().unwrap_or("30d")) size="12"; }
                            label { (t.to) input type="text" name="to" value=(f.to.as_deref().unwrap_or("")) placeholder=(t.now) size="12"; }
                            label { (t.sentiment)
                                select name="sentiment" {
                                    option value="" { (t.any) }
                                    @for s in ["negative", "neutral", "positive", "unscored"] {
                                        option value=(s) selected[sentiment == s] { (lang.label(s)) }
                                    }
                                }
                            }
                            label { (t.site) input type="text" name="site" value=(f.site.as_deref().unwrap_or("")) size="14"; }
                            label { (t.text) input type="search" name="q" value=(f.q.as_deref().unwrap_or("")) size="18"; }
                            button type="submit" { (t.apply) }
                        }
                        div.exports {
                            (t.export)
                            @for fmt in ["xlsx", "html", "pdf", "csv", "json"] {
                                a.button href=(export_link(&f, &watches, fmt, lang)) { (fmt.to_uppercase()) }
                            }
                        }
                    }
                    div.cards {
                        div.card { div.k { (t.mentions_in_period) } div.v #total { (lang.number(total)) } }
                        div.card.neg { div.k { (t.negative) } div.v #negative { (lang.number(negative)) } }
                        div.card { div.k { (t.alerts) } div.v { (lang.number(alerts.len() as u64)) } }
                    }
                    section #timeline {
                        h2 { (t.timeline) }
                        (PreEscaped(svg))
                    }
                    section #alerts {
                        h2 { (t.alerts) }
                        @if alerts.is_empty() { p.muted { (t.no_alerts) } }
                        @else {
                            table {
                                thead { tr { th { (t.opened) } th { (t.watch) } th { (t.severity) } th { (t.state) } th { (t.summary_evidence) } @if admin { th {} } } }
                                tbody {
                                    @for a in &alerts {
                                        tr {
                                            td.muted { (lang.datetime_in(a.opened_at, tz)) }
                                            td { (a.watch) }
                                            td { span class={"pill sev-" (a.severity.as_str())} { (lang.severity(a.severity)) } }
                                            td { (lang.state(a.state)) }
                                            td {
                                                (lang.alert_summary(a, tz))
                                                @if let Some(e) = &a.evidence {
                                                    details { summary { (t.evidence) } pre.evidence { (pretty(e)) } }
                                                }
                                            }
                                            @if admin {
                                                td {
                                                    @if a.state == AlertState::Open {
                                                        form method="post" action={"/alerts/" (a.id) "/silence"} data-confirm=(t.silence_confirm) {
                                                            button.secondary type="submit" { (t.silence) }
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
                        h2 { (t.mentions) }
                        @if mentions.is_empty() { p.muted { (t.no_mentions) } }
                        @else { (mention_table(&mentions, lang, tz)) }
                        div.pager {
                            span.muted {
                                (lang.number(mentions.len() as u64)) (t.shown)
                                @if partial { (t.partial) }
                            }
                            @if let Some(c) = &next {
                                a href={"/?" (query_string(&f, Some(c)))} {
                                    @if partial { (t.search_older) } @else { (t.older) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut r = html_response(body.into_string());
    if let Some(c) = lang_cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// Evidence as indented JSON, keys sorted (through a `Value`, as the
/// dashboard always showed it).
fn pretty(evidence: &Evidence) -> String {
    serde_json::to_value(evidence)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default()
}

fn mention_table(mentions: &[earshot::store::Mention], lang: Language, tz: Tz) -> Markup {
    let t = lang.dash();
    html! {
        table.mentions {
            thead { tr { th { (t.time) " (" (tz.name()) ")" } th { (t.watch) } th { (t.site) } th { (t.author) } th { (t.mention) } th { (t.sentiment) } } }
            tbody {
                @for m in mentions {
                    @let label = m.sentiment.as_ref().map(|s| s.label.to_string()).unwrap_or_else(|| "unscored".into());
                    tr {
                        td.muted { (lang.datetime_in(m.bucket_time(), tz)) }
                        td { (m.watches.join(", ")) }
                        td { (m.site) }
                        td { (m.author.as_deref().unwrap_or("–")) }
                        td {
                            (report::link(&m.url, m.title.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(t.untitled)))
                            div.excerpt { (report::excerpt(&m.context, 260)) }
                        }
                        td { span class={"pill " (label)} { (lang.label(&label)) } (report::stars(m.rating.as_ref())) }
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
