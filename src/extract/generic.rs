//! The article extractor used when no profile claims a page: finds the
//! element a reader would call the article (most paragraph text, least
//! link text) and keeps its paragraphs.

use scraper::{ElementRef, Html};
use url::Url;

use super::{date, select_first, text, Extracted, PageKind, Post};

const NOISE: &str = "nav, header, footer, aside, form, .comments, #comments, .comment-list, .share, .sharedaddy, .related, .related-posts, .sidebar, #sidebar, .widget, .breadcrumb, .copyright, .advert, .ad, script, style";

/// Characters of non-link text below which a page has no article.
const MIN_ARTICLE_CHARS: usize = 120;

/// Page title: og:title, then the first h1, then `<title>`.
pub fn title(doc: &Html) -> Option<String> {
    select_first(
        doc.root_element(),
        &[
            "meta[property='og:title']@content".into(),
            "h1".into(),
            "title".into(),
        ],
    )
}

fn published(doc: &Html, ctx: &date::Context) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    select_first(
        doc.root_element(),
        &[
            "meta[property='article:published_time']@content".into(),
            "meta[itemprop=datePublished]@content".into(),
            "[itemprop=datePublished]@datetime".into(),
            "time[datetime]@datetime".into(),
            ".date".into(),
            ".time".into(),
        ],
    )
    .and_then(|d| date::parse(&d, ctx))
    .or_else(|| date_after_title(doc, ctx))
}

/// News templates often print the date in a line under (or inside) the headline
/// (`2026-11-21 09:47 来源：…`): the first absolute date in the text that
/// follows the `<h1>`.
fn date_after_title(
    doc: &Html,
    ctx: &date::Context,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let h1 = super::css("h1").expect("static selector");
    let heading = doc.select(&h1).next()?;
    let title: String = heading.text().collect();
    let body = super::css("body").expect("static selector");
    let all: String = doc.select(&body).next()?.text().collect();
    // From the headline on: some templates put the date line inside <h1>.
    let at = all.find(title.trim()).unwrap_or(0);
    let window: String = all[at..]
        .chars()
        .take(title.chars().count() + 300)
        .collect();
    date::parse_absolute(&window, ctx)
}

fn author(doc: &Html) -> Option<String> {
    select_first(
        doc.root_element(),
        &[
            "meta[name=author]@content".into(),
            "[rel=author]".into(),
            "[itemprop=author] [itemprop=name]".into(),
            ".author".into(),
            ".byline".into(),
        ],
    )
}

/// Text length of `el` without link text.
fn scores(el: ElementRef<'_>) -> (usize, usize) {
    let total: usize = el.text().map(|t| t.trim().chars().count()).sum();
    let a = super::css("a").expect("static selector");
    let links: usize = el
        .select(&a)
        .flat_map(|x| x.text())
        .map(|t| t.trim().chars().count())
        .sum();
    (total, links)
}

/// Extracts the main text of an article page.
pub fn extract(url: &Url, doc: &Html, ctx: &date::Context) -> Extracted {
    let noise = super::css(NOISE).expect("static selector");
    let p = super::css("p, pre, blockquote").expect("static selector");
    // Score each element by the text of the paragraphs directly inside it.
    let mut best: Option<(f64, ElementRef<'_>)> = None;
    let mut seen = std::collections::HashSet::new();
    for para in doc.select(&p) {
        let Some(parent) = para.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        if !seen.insert(parent.id())
            || parent
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| noise.matches(&a))
            || noise.matches(&parent)
        {
            continue;
        }
        let mut score = 0.0;
        for child in parent.children().filter_map(ElementRef::wrap) {
            if p.matches(&child) {
                let (t, l) = scores(child);
                if t > 0 {
                    let own = t.saturating_sub(l) as f64;
                    score += own * (1.0 - l as f64 / t as f64);
                }
            }
        }
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, parent));
        }
    }
    let remove = vec![noise];
    // A list or index page has no article: too little text outside links.
    let body = best
        .filter(|(_, el)| {
            let (t, l) = scores(*el);
            t.saturating_sub(l) >= MIN_ARTICLE_CHARS
        })
        .map(|(_, el)| text::clean(&text::element_text(el, &remove, None)))
        .unwrap_or_default();
    let posts = if body.is_empty() {
        Vec::new()
    } else {
        vec![Post {
            author: author(doc),
            published_at: published(doc, ctx),
            text: body,
            quote: None,
            floor: Some(1),
            ..Default::default()
        }]
    };
    Extracted {
        url: url.to_string(),
        profile: "generic".into(),
        kind: PageKind::Article,
        title: title(doc),
        lang: None,
        charset: None,
        posts,
        links: Vec::new(),
        anchors: Vec::new(),
        ..Default::default()
    }
}
