//! The HTML report: one self-contained, printable file (inline CSS and
//! SVG, no script, no network). Every crawled string goes through maud,
//! which escapes it; links are kept only when they are http(s).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::store::{Label, Rating};

use super::chart;
use super::{excerpt, ReportData, Row};

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

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.0}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

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

fn mention_rows(rows: &[&Row]) -> Markup {
    html! {
        table {
            thead { tr { th { "Time" } th { "Site" } th { "Author" } th { "Mention" } th { "Sentiment" } } }
            tbody {
                @for r in rows {
                    @let m = &r.mention;
                    tr {
                        td.muted { (m.bucket_time().format("%Y-%m-%d %H:%M")) }
                        td { (m.site) }
                        td { (m.author.as_deref().unwrap_or("–")) }
                        td {
                            (link(&m.url, m.title.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or("(untitled)")))
                            div.excerpt { (excerpt(&m.context, 220)) }
                        }
                        td { (pill(r.label())) (stars(m.rating.as_ref())) }
                    }
                }
            }
        }
    }
}

pub(super) fn render(d: &ReportData) -> String {
    let watches = d.request.watches.join(", ");
    let last = d.request.to - chrono::Duration::seconds(1);
    let period = format!(
        "{} – {} (UTC)",
        d.request.from.format("%Y-%m-%d %H:%M"),
        last.max(d.request.from).format("%Y-%m-%d %H:%M")
    );
    let spam: u64 = d.total.spam;
    let timeline = chart::timeline_svg(&d.timeline, d.granularity, &d.alerts, (1060, 320));
    let sov: Vec<(String, u64)> = d.totals.iter().map(|(w, c)| (w.clone(), c.total)).collect();
    let sov_total: u64 = sov.iter().map(|s| s.1).sum();
    let sov_svg = chart::bars_svg(&sov, chart::POSITIVE, 520);
    let sites_svg = chart::bars_svg(&d.top_sites, RGB_ACCENT, 520);
    let mut examples: Vec<&Row> = Vec::new();
    for label in [
        Some(Label::Negative),
        Some(Label::Positive),
        Some(Label::Neutral),
        None,
    ] {
        examples.extend(
            d.rows
                .iter()
                .filter(|r| {
                    r.mention.spam.is_none()
                        && r.mention.sentiment.as_ref().map(|s| s.label) == label
                })
                .take(4),
        );
    }
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Mentions report: " (watches) " · " (period) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    h1 { "Mentions report: " (watches) }
                    p { (period) " · generated " (d.generated_at.format("%Y-%m-%d %H:%M UTC")) " by earshot" }
                    @if let Some(f) = d.filter.describe() { p.filter { "Only mentions with " (f) } }
                }
                main {
                    div.cards {
                        div.card { div.k { "Mentions" } div.v id="total-mentions" { (d.total.total) } }
                        div.card.neg { div.k { "Negative share" } div.v { (pct(ReportData::negative_share(&d.total))) } }
                        div.card { div.k { "Negative" } div.v { (d.total.negative) } }
                        div.card { div.k { "Positive" } div.v { (d.total.positive) } }
                        div.card { div.k { "Alerts" } div.v { (d.alerts.len()) } }
                        div.card { div.k { "Spam filtered" } div.v { (spam) } }
                    }
                    section #timeline {
                        h2 { "Timeline by sentiment" @if !d.alerts.is_empty() { span.muted { " · red lines mark alerts" } } }
                        (PreEscaped(timeline))
                    }
                    div.two {
                        section #share-of-voice {
                            h2 { "Share of voice" }
                            (PreEscaped(sov_svg))
                            table {
                                thead { tr { th { "Watch" } th.num { "Mentions" } th.num { "Share" } th.num { "Negative share" } } }
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
                            h2 { "Top sites" }
                            @if d.top_sites.is_empty() { p.muted { "No mentions in this period." } }
                            @else { (PreEscaped(sites_svg)) }
                        }
                    }
                    section #top-negative {
                        h2 { "Top negative stories" span.muted { " · copies of one story on several sites are counted once" } }
                        @if d.top_negative.is_empty() { p.muted { "No negative mentions in this period." } }
                        @else {
                            table {
                                thead { tr { th { "Story" } th { "Sites" } th.num { "Mentions" } th.num { "Score" } } }
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
                        h2 { "Alerts" }
                        @if d.alerts.is_empty() { p.muted { "No alerts in this period." } }
                        @else {
                            table {
                                thead { tr { th { "Opened" } th { "Watch" } th { "Severity" } th { "State" } th { "Summary" } } }
                                tbody {
                                    @for a in &d.alerts {
                                        tr {
                                            td.muted { (a.opened_at.format("%Y-%m-%d %H:%M")) }
                                            td { (a.watch) }
                                            td { span class={"pill sev-" (a.severity.as_str())} { (a.severity.as_str()) } }
                                            td { (a.state.as_str()) }
                                            td { (a.summary) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section #examples {
                        h2 { "Example mentions" }
                        @if examples.is_empty() { p.muted { "No mentions in this period." } }
                        @else { (mention_rows(&examples)) }
                    }
                }
                footer { (d.rows.len()) " mentions in the period, spam included · earshot" }
            }
        }
    };
    markup.into_string()
}

const RGB_ACCENT: plotters::style::RGBColor = plotters::style::RGBColor(0x23, 0x66, 0xd1);
