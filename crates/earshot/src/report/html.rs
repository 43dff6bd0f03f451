//! The HTML report: one self-contained, printable file (inline CSS and
//! SVG, no script, no network). Every crawled string goes through maud,
//! which escapes it; links are kept only when they are http(s).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::store::Rating;

use super::chart;
use super::{excerpt, Language, ReportData, Row};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `url` when it is safe as a link target (http or https), else `None`:
/// `javascript:`, `data:` and the like from crawled pages never become links.
pub fn safe_href(url: &str) -> Option<&str> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then_some(url)
}

/// A link when the URL is safe, the text alone otherwise.
pub fn link(url: &str, text: &str) -> Markup {
    match safe_href(url) {
        Some(href) => html! { a href=(href) rel="noopener noreferrer nofollow" { (text) } },
        None => html! { span.nolink title=(url) { (text) } },
    }
}

/// The CSS shared by the report and the dashboard.
pub const CSS: &str = r#"
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--neg:#d64545;--neu:#9aa5b1;--pos:#3c9d5d;--uns:#c3cfe2;--accent:#2366d1}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:#102a43;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#bcccdc}
main{max-width:1120px;margin:0 auto;padding:20px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 18px;break-inside:avoid}
h2{font-size:16px;margin:0 0 12px;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:18px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card .v{font-size:24px;font-weight:600}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.neg .v{color:var(--neg)}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;background:var(--uns)}
.pill.negative{background:var(--neg)}.pill.neutral{background:var(--neu)}.pill.positive{background:var(--pos)}.pill.unscored{background:var(--uns);color:var(--ink)}
.pill.sev-high{background:var(--neg)}.pill.sev-medium{background:#de911d}.pill.sev-low{background:var(--neu)}
.muted{color:var(--muted)}
.excerpt{color:#3e4c59;max-width:640px}
.rating{color:#b44d12;font-size:12px;white-space:nowrap;margin-top:2px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:18px;margin-bottom:18px}
.two section{margin:0}
svg{max-width:100%;height:auto}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
pre.evidence{white-space:pre-wrap;word-break:break-word;background:var(--bg);padding:8px;border-radius:4px;font-size:12px;max-height:220px;overflow:auto}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px}
@media (max-width:800px){.two{grid-template-columns:1fr}}
@media print{body{background:#fff;font-size:11px}header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:8px 0}header.top p{color:#333}main{max-width:none;padding:8px 0}section,.card{border:none;padding:6px 0}.two{grid-template-columns:1fr 1fr}a{color:#000}nav,form,.noprint{display:none}}
"#;

/// The sentiment pill of a row.
pub fn pill(label: &str) -> Markup {
    html! { span class={"pill " (label)} { (label) } }
}

/// A review's stars under its sentiment (`★ 4/5`); nothing for a post
/// without a rating.
pub fn stars(rating: Option<&Rating>) -> Markup {
    html! {
        @if let Some(r) = rating {
            div.rating title={"rated " (r.value) " of " (r.best)} { "★ " (r) }
        }
    }
}

fn mention_rows(rows: &[&Row], lang: Language) -> Markup {
    let s = lang.strings();
    html! {
        table {
            thead { tr { th { (s.time) } th { (s.site) } th { (s.author) } th { (s.mention) } th { (s.sentiment) } } }
            tbody {
                @for r in rows {
                    @let m = &r.mention;
                    tr {
                        td.muted { (lang.datetime(m.bucket_time())) }
                        td { (m.site) }
                        td { (m.author.as_deref().unwrap_or("–")) }
                        td {
                            (link(&m.url, m.title.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(s.untitled)))
                            div.excerpt { (excerpt(&m.context, 220)) }
                        }
                        td { span class={"pill " (r.label())} { (lang.label(r.label())) } (stars(m.rating.as_ref())) }
                    }
                }
            }
        }
    }
}

pub(super) fn render(d: &ReportData) -> String {
    let lang = d.request.language;
    let s = lang.strings();
    let pct = |x: Option<f64>| lang.percent(x);
    let watches = d.request.watches.join(", ");
    let period = lang.period(d.request.from, d.request.to);
    let spam: u64 = d.total.spam;
    let timeline = chart::timeline_svg_in(&d.timeline, d.granularity, &d.alerts, (1060, 320), lang);
    let sov: Vec<(String, u64)> = d.totals.iter().map(|(w, c)| (w.clone(), c.total)).collect();
    let sov_total: u64 = sov.iter().map(|s| s.1).sum();
    let sov_svg = chart::bars_svg(&sov, chart::POSITIVE, 520);
    let sites_svg = chart::bars_svg(&d.top_sites, RGB_ACCENT, 520);
    let examples = d.examples();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (s.title) (watches) " · " (period) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    h1 { (s.title) (watches) }
                    p { (period) " · " (lang.generated(d.generated_at)) }
                    @if let Some(f) = d.filter.describe() { p.filter { (s.only_with) (f) } }
                }
                main {
                    div.cards {
                        div.card { div.k { (s.mentions) } div.v id="total-mentions" { (d.total.total) } }
                        div.card.neg { div.k { (s.negative_share) } div.v { (pct(ReportData::negative_share(&d.total))) } }
                        div.card { div.k { (s.negative) } div.v { (d.total.negative) } }
                        div.card { div.k { (s.positive) } div.v { (d.total.positive) } }
                        div.card { div.k { (s.alerts) } div.v { (d.alerts.len()) } }
                        div.card { div.k { (s.spam_filtered) } div.v { (spam) } }
                    }
                    section #timeline {
                        h2 { (s.timeline) @if !d.alerts.is_empty() { span.muted { (s.alert_lines) } } }
                        (PreEscaped(timeline))
                    }
                    div.two {
                        section #share-of-voice {
                            h2 { (s.share_of_voice) }
                            (PreEscaped(sov_svg))
                            table {
                                thead { tr { th { (s.watch) } th.num { (s.mentions) } th.num { (s.share) } th.num { (s.negative_share) } } }
                                tbody {
                                    @for (w, c) in &d.totals {
                                        tr {
                                            td { (w) }
                                            td.num { (c.total) }
                                            td.num { (pct((sov_total > 0).then(|| c.total as f64 / sov_total as f64))) }
                                            td.num { (pct(ReportData::negative_share(c))) }
                                        }
                                    }
                                }
                            }
                        }
                        section #top-sites {
                            h2 { (s.top_sites) }
                            @if d.top_sites.is_empty() { p.muted { (s.no_mentions) } }
                            @else { (PreEscaped(sites_svg)) }
                        }
                    }
                    section #top-negative {
                        h2 { (s.top_negative) span.muted { (s.copies_once) } }
                        @if d.top_negative.is_empty() { p.muted { (s.no_negative) } }
                        @else {
                            table {
                                thead { tr { th { (s.story) } th { (s.sites) } th.num { (s.mentions) } th.num { (s.score) } } }
                                tbody {
                                    @for s in &d.top_negative {
                                        tr {
                                            td { (link(&s.url, &s.title)) div.excerpt { (s.excerpt) } }
                                            td { (s.sites.join(", ")) }
                                            td.num { (s.mentions) }
                                            td.num { (format!("{:.2}", s.score)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #alerts {
                        h2 { (s.alerts) }
                        @if d.alerts.is_empty() { p.muted { (s.no_alerts) } }
                        @else {
                            table {
                                thead { tr { th { (s.opened) } th { (s.watch) } th { (s.severity) } th { (s.state) } th { (s.summary) } } }
                                tbody {
                                    @for a in &d.alerts {
                                        tr {
                                            td.muted { (lang.datetime(a.opened_at)) }
                                            td { (a.watch) }
                                            td { span class={"pill sev-" (a.severity.as_str())} { (lang.severity(a.severity)) } }
                                            td { (lang.state(a.state)) }
                                            td { (lang.alert_summary(a, chrono_tz::UTC)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #examples {
                        h2 { (s.examples) }
                        @if examples.is_empty() { p.muted { (s.no_mentions) } }
                        @else { (mention_rows(&examples, lang)) }
                    }
                }
                footer { (lang.mentions_in_period(d.rows.len())) }
            }
        }
    };
    markup.into_string()
}

const RGB_ACCENT: plotters::style::RGBColor = plotters::style::RGBColor(0x23, 0x66, 0xd1);
