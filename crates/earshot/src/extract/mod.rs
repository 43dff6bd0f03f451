//! Turning pages into posts with site profiles from `crawlers/`.
//!
//! A [`Profile`] is data: CSS selectors for posts, authors, dates and
//! content (or JSON pointers for JSON APIs, or schema.org types for
//! JSON-LD), URL patterns, generator names and markup signatures that
//! choose it. Pages no profile claims go to the generic article extractor;
//! RSS and Atom feeds are read with feed-rs, one post per entry.
//!
//! Nothing is dropped silently: signatures, edit notices, emoticon codes,
//! smileys, controls and injected ad lines are cut from post text and
//! recorded with the reason in [`Post::removed`].

mod byline;
mod config;
pub mod date;
mod flat_comments;
mod generic;
mod index_page;
mod lang;
mod main_post;
mod meta_line;
mod profile;
mod readable;
mod repeated;
mod structured;
mod tail_section;
mod text;
mod title;

pub use crate::util::is_cjk;
pub use config::ExtractConfig;
pub use lang::{detect_lang, normalize_lang_tag};
pub(crate) use profile::css;
use profile::profiles;
pub use profile::{Format, JsonLinks, JsonNext, JsonRule, PostRule, Profile};
pub use text::cut_ad_lines;

use chrono::{DateTime, FixedOffset, Utc};
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

/// What kind of page a profile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// A forum thread: many posts.
    Thread,
    /// A list of threads: links only.
    ThreadList,
    /// A news or blog article, maybe with comments.
    #[default]
    Article,
    /// A review page: one post per review, with its rating.
    Review,
    /// An RSS or Atom feed: one post per feed item.
    Feed,
    /// A Q&A page: the question, then one post per answer.
    Question,
}

/// Something cut from a post's text, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// The text cut (shortened to 200 characters).
    pub text: String,
    /// Why: `signature`, `edit notice`, `emoticon code`, `smiley image`,
    /// `reply/quote control`, `profile remove `SEL``, `ad line (cues), …`.
    pub reason: String,
}

/// A review's rating.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rating {
    /// The rating given.
    pub value: f64,
    /// The best possible rating (usually 5).
    pub best: f64,
}

/// One post on a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Post {
    /// Author, when named.
    pub author: Option<String>,
    /// Publication time, timezone-aware.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// Text; paragraphs separated by blank lines.
    pub text: String,
    /// Quoted text of another post, kept apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Floor or position, 1-based.
    pub floor: Option<u32>,
    /// The post's own title (feed items, reviews).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The post's own address (feed items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Rating, for reviews.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// What was cut from the text, with reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<Removed>,
}

/// What a page yields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Extracted {
    /// Page URL.
    pub url: String,
    /// Host of the page URL (none for files without `--url`).
    pub site: Option<String>,
    /// Profile used.
    pub profile: String,
    /// Kind of page.
    pub kind: PageKind,
    /// Title.
    pub title: Option<String>,
    /// `zh` or `en`, from the text.
    pub lang: Option<String>,
    /// Charset the page was decoded with, when the caller knows it.
    pub charset: Option<String>,
    /// Posts in page order.
    pub posts: Vec<Post>,
    /// Links the profile picked (next page, threads, feed items).
    pub links: Vec<String>,
    /// What the extractor could not use (invalid JSON-LD, …), best effort.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every link on the page, for the source's `follow` rules.
    #[serde(skip)]
    pub anchors: Vec<String>,
    /// The links among `links` that the profile's `next_page` picked: the
    /// rest of a thread, which the crawl follows without counting a hop.
    #[serde(skip)]
    pub next_pages: Vec<String>,
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// A profile in `crawlers/` is broken.
    #[error("site profile crawlers/{file}: {message}")]
    Profile {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The page is empty or not text.
    #[error("{0}: the page is empty or binary, nothing to extract")]
    NotText(String),
    /// A JSON document no profile reads, or one that is not valid JSON.
    #[error("{url}: {message}")]
    Json {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// Elements nest deeper than any real page (a hostile or broken page;
    /// HTML parsers slow down quadratically on such nesting).
    #[error("{url}: elements nest {depth} deep (more than {MAX_DEPTH}), not a page earshot reads")]
    TooDeep {
        /// The URL.
        url: String,
        /// How deep.
        depth: usize,
    },
    /// A feed could not be parsed.
    #[error("{url}: not a readable RSS/Atom feed: {message}")]
    Feed {
        /// The URL.
        url: String,
        /// Parser message.
        message: String,
    },
}

/// Deepest element nesting read. Browsers stop nesting at 512; real pages
/// stay far below. Deeper pages are refused before parsing: html5ever and
/// the article scorer slow down faster than quadratically with depth
/// (4,900 nested blocks took 37 s in a debug build, 990 took 0.6 s).
pub const MAX_DEPTH: usize = 1_000;

/// What extraction needs besides the page.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// Force this profile.
    pub profile: Option<&'a str>,
    /// The site's timezone, for dates written without one.
    pub tz: chrono_tz::Tz,
    /// The fetch time, for relative dates.
    pub fetched_at: DateTime<Utc>,
    /// Extra ad-line patterns (regular expressions, from the config).
    pub drop_lines: &'a [(String, regex::Regex)],
}

#[cfg(test)]
impl Options<'_> {
    /// No forced profile, UTC, fetched now, no extra ad lines.
    pub(crate) fn for_tests() -> Options<'static> {
        Options {
            profile: None,
            tz: chrono_tz::UTC,
            fetched_at: Utc::now(),
            drop_lines: &[],
        }
    }
}

/// Reads `text` (already decoded) fetched from `url`.
///
/// `profile` forces a profile by name; `tz` is the site's timezone for
/// dates written without one; `fetched_at` anchors relative dates.
pub fn extract(
    url: &Url,
    text: &str,
    profile: Option<&str>,
    tz: chrono_tz::Tz,
    fetched_at: DateTime<Utc>,
) -> Result<Extracted, ExtractError> {
    extract_with(
        url,
        text,
        &Options {
            profile,
            tz,
            fetched_at,
            drop_lines: &[],
        },
    )
}

/// [`extract`] with every option.
pub fn extract_with(url: &Url, text: &str, o: &Options<'_>) -> Result<Extracted, ExtractError> {
    if let Err(e) = profiles() {
        return Err(ExtractError::Profile {
            file: String::new(),
            message: e.clone(),
        });
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() || looks_binary(trimmed) {
        return Err(ExtractError::NotText(url.to_string()));
    }
    let forced = match o.profile {
        Some(name) => Some(Profile::by_name(name).ok_or_else(|| ExtractError::Profile {
            file: format!("{name}.toml"),
            message: format!("no such profile; known: {}", Profile::names().join(", ")),
        })?),
        None => None,
    };
    let ctx = date::Context {
        tz: o.tz,
        now: o.fetched_at,
    };
    let mut out = if forced.map_or(looks_like_feed(trimmed), |p| p.format == Format::Feed) {
        let p = forced.or_else(Profile::feed);
        structured::read_feed(url, trimmed, p, &ctx)?
    } else if forced.map_or(looks_like_json(trimmed), |p| p.format == Format::Json) {
        let v: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| ExtractError::Json {
                url: url.to_string(),
                message: format!("not valid JSON: {e}"),
            })?;
        let p = forced
            .or_else(|| Profile::choose_json(url, &v))
            .ok_or_else(|| ExtractError::Json {
                url: url.to_string(),
                message: "a JSON document that no profile reads (give --profile)".into(),
            })?;
        structured::read_json(url, &v, p, &ctx)
    } else {
        let depth = text::nesting_depth(text);
        if depth > MAX_DEPTH {
            return Err(ExtractError::TooDeep {
                url: url.to_string(),
                depth,
            });
        }
        read_html(url, text, forced, &ctx)
    };
    out.site = url.host_str().map(str::to_string);
    // Ad lines, by the heuristic and the profile's and config's patterns.
    let mut patterns: Vec<(String, regex::Regex)> = o.drop_lines.to_vec();
    if let Some(p) = Profile::by_name(&out.profile) {
        patterns.extend(p.drop_regex.iter().cloned());
    }
    for post in &mut out.posts {
        post.text = text::cut_ad_lines(&post.text, &patterns, &mut post.removed);
    }
    out.posts.retain(|p| !p.text.is_empty());
    let mut seen = std::collections::HashSet::new();
    out.links.retain(|l| seen.insert(l.clone()));
    let mut seen = std::collections::HashSet::new();
    out.anchors.retain(|l| seen.insert(l.clone()));
    if out.lang.is_none() {
        let all_text: String = out
            .posts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out.lang = detect_lang(&format!(
            "{} {}",
            out.title.as_deref().unwrap_or(""),
            all_text
        ));
    }
    Ok(out)
}

fn read_html(
    url: &Url,
    text: &str,
    forced: Option<&'static Profile>,
    ctx: &date::Context,
) -> Extracted {
    let doc = Html::parse_document(text);
    // Links resolve against <base href> when the page has one.
    let base = css("base[href]").and_then(|sel| {
        doc.select(&sel)
            .next()
            .and_then(|b| b.value().attr("href"))
            .and_then(|h| url.join(h.trim()).ok())
    });
    let link_base = base.as_ref().unwrap_or(url);
    let chosen = forced.or_else(|| Profile::choose(url, &doc));
    let mut out = match chosen {
        Some(p)
            if !p.posts.is_empty() || !p.jsonld.is_empty() || p.kind == PageKind::ThreadList =>
        {
            let e = read_with_profile(url, link_base, &doc, p, ctx);
            // Several main-post items, all without content, are a listing
            // of excerpts (a WordPress front page): nothing to read there.
            let listing = || {
                p.posts
                    .first()
                    .and_then(|r| css(&r.item))
                    .is_some_and(|sel| doc.select(&sel).nth(1).is_some())
            };
            if p.kind != PageKind::ThreadList
                && e.posts.iter().all(|p| p.text.trim().is_empty())
                && !listing()
            {
                // The profile claimed the page (a WordPress generator meta on a
                // theme its selectors do not know) but found no post: the
                // generic extractor reads it, keeping the profile's links.
                let mut g = generic_page(url, &doc, ctx);
                g.notes = e.notes;
                g.notes.push(format!(
                    "profile `{}` found no post on this page; the generic article extractor read it",
                    p.name
                ));
                g.links = e.links;
                if g.title.is_none() {
                    g.title = e.title;
                }
                g
            } else if main_post::missing(p, &doc, &e) {
                main_post::with_article(e, generic_page(url, &doc, ctx))
            } else if main_post::summary_only(p, &doc, &e) {
                main_post::with_article_text(e, generic_page(url, &doc, ctx))
            } else {
                e
            }
        }
        Some(p) => {
            let mut e = generic_page(url, &doc, ctx);
            e.profile = p.name.clone();
            e.kind = p.kind;
            e
        }
        None => generic_page(url, &doc, ctx),
    };
    // Every link on the page, resolved, for the crawler's follow rules.
    if let Some(a) = css("a[href]") {
        for el in doc.select(&a) {
            if let Some(u) = el
                .value()
                .attr("href")
                .and_then(|h| link_base.join(h.trim()).ok())
            {
                if u.scheme() == "http" || u.scheme() == "https" {
                    let mut u = u;
                    u.set_fragment(None);
                    out.anchors.push(u.to_string());
                }
            }
        }
    }
    out
}

/// The generic article extractor, then repeated answer or comment blocks
/// as posts of their own.
fn generic_page(url: &Url, doc: &Html, ctx: &date::Context) -> Extracted {
    let mut e = generic::extract(url, doc, ctx);
    repeated::split(doc, &mut e, ctx);
    e
}

/// Compiled `remove` selectors of a profile, named for the record.
fn drops(p: &Profile) -> Vec<text::Drop> {
    p.remove
        .iter()
        .filter_map(|s| {
            css(s).map(|sel| text::Drop {
                name: s.clone(),
                sel,
            })
        })
        .collect()
}

/// A post's own text and its quote from `body`, cleaned, with removals
/// recorded.
fn body_text(
    body: ElementRef<'_>,
    drops: &[text::Drop],
    quote: Option<&Selector>,
    removed: &mut Vec<Removed>,
) -> (String, Option<String>) {
    let quoted = quote
        .and_then(|q| body.select(q).next())
        .map(|q| {
            text::clean(&text::element_text_recorded(
                q,
                drops,
                None,
                &mut Vec::new(),
            ))
        })
        .filter(|q| !q.is_empty());
    let raw = text::element_text_recorded(body, drops, quote, removed);
    (text::clean_recorded(&raw, removed), quoted)
}

fn read_with_profile(
    url: &Url,
    link_base: &Url,
    doc: &Html,
    p: &Profile,
    ctx: &date::Context,
) -> Extracted {
    let drops = drops(p);
    let quote = p.quote.as_deref().and_then(css);
    let mut notes = Vec::new();
    let mut posts = if p.jsonld.is_empty() {
        Vec::new()
    } else {
        structured::jsonld_posts(doc, &p.jsonld, ctx, &mut notes)
    };
    // JSON-LD, when the page has it, is the whole truth; the markup rules
    // are the fallback (the same reviews are usually in both).
    let use_rules = posts.is_empty();
    for rule in p.posts.iter().filter(|_| use_rules) {
        let Some(item) = css(&rule.item) else {
            continue;
        };
        let Some(content) = css(&rule.content) else {
            continue;
        };
        for el in doc.select(&item) {
            let Some(body) = el.select(&content).next() else {
                continue;
            };
            let mut removed = Vec::new();
            let (own, quoted) = body_text(body, &drops, quote.as_ref(), &mut removed);
            if own.is_empty() {
                continue;
            }
            let floor = rule
                .floor
                .as_ref()
                .and_then(|f| select_first(el, std::slice::from_ref(f)))
                .and_then(|f| floor_number(&f, &rule.floor_names))
                .or(Some(posts.len() as u32 + 1));
            let rating = select_first(el, &rule.rating)
                .and_then(|r| structured::number(&r))
                .map(|value| Rating {
                    value,
                    best: select_first(el, &rule.best_rating)
                        .and_then(|b| structured::number(&b))
                        .unwrap_or(5.0),
                });
            posts.push(Post {
                author: select_first(el, &rule.author).filter(|a| !a.is_empty()),
                published_at: select_first(el, &rule.date).and_then(|d| date::parse(&d, ctx)),
                text: own,
                quote: quoted,
                floor,
                title: select_first(el, &rule.title),
                url: None,
                rating,
                removed,
            });
        }
    }
    let mut links = Vec::new();
    let mut next_pages = Vec::new();
    for (i, s) in p.next_page.iter().chain(&p.links).enumerate() {
        if let Some(sel) = css(s) {
            for el in doc.select(&sel) {
                if let Some(u) = el
                    .value()
                    .attr("href")
                    .and_then(|h| link_base.join(h.trim()).ok())
                {
                    if i < p.next_page.len() {
                        next_pages.push(u.to_string());
                    }
                    links.push(u.to_string());
                }
            }
        }
    }
    Extracted {
        url: url.to_string(),
        site: None,
        profile: p.name.clone(),
        kind: p.kind,
        title: select_first(doc.root_element(), &p.title).or_else(|| title::title(doc)),
        lang: None,
        charset: None,
        posts,
        links,
        notes,
        anchors: Vec::new(),
        next_pages,
    }
}

/// The first number in `s`, or the position of a floor name.
fn floor_number(s: &str, names: &[String]) -> Option<u32> {
    let digits: String = s
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if let Ok(n) = digits.parse() {
        return Some(n);
    }
    let t = s.trim();
    names.iter().position(|n| n == t).map(|i| i as u32 + 1)
}

/// `sel@attr` split into the selector and the attribute.
fn split_attr(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once('@') {
        Some((c, a)) if !a.contains([']', ' ', '\'', '"']) && !a.is_empty() => (c, Some(a)),
        _ => (s, None),
    }
}

/// Text (or `@attr`) of the first element matching one of `selectors`.
fn select_first(root: ElementRef<'_>, selectors: &[String]) -> Option<String> {
    for s in selectors {
        let (css_text, attr) = split_attr(s);
        let Some(sel) = css(css_text) else {
            continue;
        };
        for el in root.select(&sel) {
            let v = match attr {
                Some(a) => el.value().attr(a).map(str::to_string),
                None => Some(text::collapse(&el.text().collect::<String>())),
            };
            if let Some(v) = v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
                return Some(v);
            }
        }
    }
    None
}

/// Binary, not text: more than 1 % of the first 8,192 characters are NUL or
/// other control characters (an image, an archive, UTF-16 read as bytes).
/// A stray NUL inside a real page does not make it binary.
fn looks_binary(t: &str) -> bool {
    let (mut n, mut bad) = (0usize, 0usize);
    for c in t.chars().take(8192) {
        n += 1;
        if c == '\0' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) {
            bad += 1;
        }
    }
    bad * 100 > n
}

fn looks_like_feed(t: &str) -> bool {
    let head: String = t.chars().take(400).collect::<String>().to_ascii_lowercase();
    head.starts_with("<?xml")
        && (head.contains("<rss") || head.contains("<feed") || head.contains("<rdf"))
        || head.starts_with("<rss")
        || head.starts_with("<feed")
}

fn looks_like_json(t: &str) -> bool {
    t.starts_with('{') || t.starts_with('[')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_nul_is_not_binary_but_an_image_is() {
        let page = format!(
            "<html><body><p>{}\0{}</p></body></html>",
            "text ".repeat(200),
            "more"
        );
        assert!(!looks_binary(&page));
        let png = "\u{89}PNG\r\n\u{1a}\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0";
        assert!(looks_binary(png));
        let url = Url::parse("http://example.test/a.html").unwrap();
        let o = Options::for_tests();
        assert!(extract_with(&url, &page, &o).is_ok());
        assert!(matches!(
            extract_with(&url, png, &o),
            Err(ExtractError::NotText(_))
        ));
    }

    #[test]
    fn a_claiming_profile_that_finds_no_post_hands_the_page_to_the_generic_extractor() {
        let o = Options::for_tests();
        let url = Url::parse("http://blog.example.test/2026/11/a-post/").unwrap();
        let prose =
            "The lamp arrived on Monday and the light is warm and even across the desk. ".repeat(8);
        // A WordPress theme the profile's selectors do not know.
        let unknown_theme = format!(
            "<html><head><meta name=\"generator\" content=\"WordPress 6.4\"><title>A post</title></head>\
             <body><div id=\"content\"><h1>A post</h1><div class=\"storycontent\"><p>{prose}</p><p>{prose}</p></div></div></body></html>"
        );
        let e = extract_with(&url, &unknown_theme, &o).unwrap();
        assert_eq!(e.profile, "generic");
        assert_eq!(e.posts.len(), 1);
        assert!(e.posts[0].text.contains("warm and even"));
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("profile `wordpress` found no post")),
            "{:?}",
            e.notes
        );
        // A front page: post items with excerpts only. Nothing to read there.
        // (One item without content is a theme mismatch and goes to generic.)
        let front = format!(
            "<html><head><meta name=\"generator\" content=\"WordPress 6.4\"><title>Blog</title></head><body>\
             <article class=\"post\"><h2><a href=\"/2026/11/a-post/\">A post</a></h2>\
             <div class=\"entry-summary\"><p>{prose}</p></div></article>\
             <article class=\"post\"><h2><a href=\"/2026/11/b-post/\">B post</a></h2>\
             <div class=\"entry-summary\"><p>{prose}</p></div></article></body></html>"
        );
        let e = extract_with(&url, &front, &o).unwrap();
        assert_eq!(e.profile, "wordpress");
        assert!(e.posts.is_empty(), "{:?}", e.posts);
    }

    #[test]
    fn bundled_profiles_load_and_bad_ones_are_explained() {
        let mut names = Profile::names();
        names.sort();
        assert_eq!(
            names,
            [
                "discourse",
                "discuz-list",
                "discuz-thread",
                "feed",
                "hn-algolia",
                "phpbb",
                "qa",
                "reddit",
                "review",
                "wordpress"
            ]
        );
        let bad = |t: &str| Profile::from_toml(t).unwrap_err();
        let head = "name = \"x\"\ndescription = \"x\"\nkind = \"thread\"\n";
        assert!(bad(&format!("{head}title = [\"div[\"]")).contains("does not parse"));
        assert!(bad(&format!("{head}drop_lines = [\"(\"]")).contains("pattern `(`"));
        assert!(bad(&format!("{head}format = \"json\"")).contains("needs a [json] table"));
        assert!(bad(&format!(
            "{head}format = \"json\"\n[json]\nitems = \"posts\"\ntext = \"/t\""
        ))
        .contains("must start with `/`"));
        assert!(bad(&format!("{head}colour = \"red\"")).contains("unknown field"));
    }

    #[test]
    fn json_links_fill_their_templates() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"slug": "a b/c", "id": 7, "n": null}"#).unwrap();
        assert_eq!(
            structured_fill("/t/{slug}/{id}.json", &v).as_deref(),
            Some("/t/a%20b%2Fc/7.json")
        );
        assert_eq!(structured_fill("/t/{missing}", &v), None);
        assert_eq!(structured_fill("/t/{slug", &v), None);
    }

    fn structured_fill(t: &str, v: &serde_json::Value) -> Option<String> {
        structured::fill(t, v)
    }
}
