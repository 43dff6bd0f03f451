//! Turning pages into posts with site profiles from `crawlers/`.
//!
//! A [`Profile`] is data: CSS selectors for posts, authors, dates and
//! content, URL patterns and generator names that choose it. Pages no
//! profile claims go to the generic article extractor; RSS and Atom feeds
//! are read with feed-rs.

pub mod date;
mod generic;
mod text;

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Utc};
use include_dir::{include_dir, Dir};
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

static CRAWLERS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/crawlers");

/// What kind of page a profile reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// A forum thread: many posts.
    Thread,
    /// A list of threads: links only.
    ThreadList,
    /// A news or blog article, maybe with comments.
    Article,
    /// A review page.
    Review,
    /// An RSS or Atom feed.
    Feed,
}

/// A site profile, loaded from `crawlers/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name (the file name).
    pub name: String,
    /// What sites it reads.
    pub description: String,
    /// Kind of page.
    pub kind: PageKind,
    /// Regular expressions over the URL that choose this profile.
    #[serde(default)]
    pub url_patterns: Vec<String>,
    /// `url_patterns`, compiled when the profile is loaded.
    #[serde(skip)]
    url_regex: Vec<regex::Regex>,
    /// Substrings of `<meta name="generator">` that choose this profile.
    #[serde(default)]
    pub generator: Vec<String>,
    /// Selectors for the title, first match wins (`sel` or `sel@attr`).
    #[serde(default)]
    pub title: Vec<String>,
    /// Post rules; none means the generic article extractor.
    #[serde(default)]
    pub posts: Vec<PostRule>,
    /// Elements dropped from post text (signatures, edit notices, controls).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Quoted replies, kept apart from a reply's own text.
    #[serde(default)]
    pub quote: Option<String>,
    /// Links to the next page of the same thread or list.
    #[serde(default)]
    pub next_page: Vec<String>,
    /// Other links worth following (threads in a list).
    #[serde(default)]
    pub links: Vec<String>,
}

/// How to find posts of one kind on a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostRule {
    /// Each match is one post.
    pub item: String,
    /// Author, first match wins.
    #[serde(default)]
    pub author: Vec<String>,
    /// Date, first match wins (`sel@attr` reads an attribute).
    #[serde(default)]
    pub date: Vec<String>,
    /// The post's text.
    pub content: String,
    /// Floor number.
    #[serde(default)]
    pub floor: Option<String>,
}

/// One post on a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

/// What a page yields.
#[derive(Debug, Clone, Serialize)]
pub struct Extracted {
    /// Page URL.
    pub url: String,
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
    /// Every link on the page, for the source's `follow` rules.
    #[serde(skip)]
    pub anchors: Vec<String>,
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
    /// A feed could not be parsed.
    #[error("{url}: not a readable RSS/Atom feed: {message}")]
    Feed {
        /// The URL.
        url: String,
        /// Parser message.
        message: String,
    },
}

/// A compiled CSS selector, cached: profiles use the same few selectors on
/// every page.
pub(crate) fn css(s: &str) -> Option<Selector> {
    static CACHE: OnceLock<std::sync::RwLock<std::collections::HashMap<String, Option<Selector>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.read().unwrap_or_else(|p| p.into_inner()).get(s) {
        return hit.clone();
    }
    let sel = Selector::parse(s).ok();
    cache
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(s.to_string(), sel.clone());
    sel
}

fn profiles() -> &'static Result<Vec<Profile>, String> {
    static P: OnceLock<Result<Vec<Profile>, String>> = OnceLock::new();
    P.get_or_init(|| {
        let mut out = Vec::new();
        let mut files: Vec<_> = CRAWLERS
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort_by_key(|f| f.path().to_path_buf());
        for f in files {
            let name = f.path().display().to_string();
            let text = f
                .contents_utf8()
                .ok_or_else(|| format!("crawlers/{name} is not UTF-8"))?;
            let mut p: Profile =
                toml::from_str(text).map_err(|e| format!("crawlers/{name}: {e}"))?;
            p.check().map_err(|e| format!("crawlers/{name}: {e}"))?;
            p.url_regex = p
                .url_patterns
                .iter()
                .filter_map(|r| regex::Regex::new(r).ok())
                .collect();
            out.push(p);
        }
        Ok(out)
    })
}

impl Profile {
    /// Names of all bundled profiles.
    pub fn names() -> Vec<String> {
        profiles()
            .as_ref()
            .map(|p| p.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The profile called `name`.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        profiles().as_ref().ok()?.iter().find(|p| p.name == name)
    }

    /// Checks every selector and pattern compiles.
    fn check(&self) -> Result<(), String> {
        let sels = self
            .title
            .iter()
            .chain(&self.remove)
            .chain(&self.next_page)
            .chain(&self.links)
            .chain(self.quote.iter())
            .chain(self.posts.iter().flat_map(|r| {
                std::iter::once(&r.item)
                    .chain(&r.author)
                    .chain(&r.date)
                    .chain(std::iter::once(&r.content))
                    .chain(r.floor.iter())
            }));
        for s in sels {
            let css = s.split_once('@').map(|(c, _)| c).unwrap_or(s);
            Selector::parse(css).map_err(|e| format!("selector `{s}` does not parse: {e}"))?;
        }
        for p in &self.url_patterns {
            regex::Regex::new(p).map_err(|e| format!("url pattern `{p}`: {e}"))?;
        }
        Ok(())
    }

    /// Chooses a profile for a page: by URL pattern, then by generator.
    pub fn choose(url: &Url, doc: &Html) -> Option<&'static Profile> {
        let all = profiles().as_ref().ok()?;
        let by_url = all
            .iter()
            .find(|p| p.url_regex.iter().any(|r| r.is_match(url.as_str())));
        if by_url.is_some() {
            return by_url;
        }
        let generator = select_first(
            doc.root_element(),
            &["meta[name=generator]@content".to_string()],
        )?;
        all.iter()
            .find(|p| p.generator.iter().any(|g| generator.contains(g.as_str())))
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
    if let Err(e) = profiles() {
        return Err(ExtractError::Profile {
            file: String::new(),
            message: e.clone(),
        });
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() || trimmed.contains('\0') {
        return Err(ExtractError::NotText(url.to_string()));
    }
    if looks_like_feed(trimmed) && profile.is_none_or(|p| p == "feed") {
        return read_feed(url, trimmed, tz);
    }
    let doc = Html::parse_document(text);
    // Links resolve against <base href> when the page has one.
    let base = css("base[href]").and_then(|sel| {
        doc.select(&sel)
            .next()
            .and_then(|b| b.value().attr("href"))
            .and_then(|h| url.join(h.trim()).ok())
    });
    let link_base = base.as_ref().unwrap_or(url);
    let chosen = match profile {
        Some(name) => Some(Profile::by_name(name).ok_or_else(|| ExtractError::Profile {
            file: format!("{name}.toml"),
            message: format!("no such profile; known: {}", Profile::names().join(", ")),
        })?),
        None => Profile::choose(url, &doc),
    };
    let ctx = date::Context {
        tz,
        now: fetched_at,
    };
    let mut out = match chosen {
        Some(p) if !p.posts.is_empty() || p.kind == PageKind::ThreadList => {
            read_with_profile(url, link_base, &doc, p, &ctx)
        }
        Some(p) => {
            let mut e = generic::extract(url, &doc, &ctx);
            e.profile = p.name.clone();
            e.kind = p.kind;
            e
        }
        None => generic::extract(url, &doc, &ctx),
    };
    // Every link on the page, resolved, for the crawler's follow rules.
    let a = css("a[href]").expect("static selector");
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
    let mut seen = std::collections::HashSet::new();
    out.links.retain(|l| seen.insert(l.clone()));
    let mut seen = std::collections::HashSet::new();
    out.anchors.retain(|l| seen.insert(l.clone()));
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
    Ok(out)
}

fn read_with_profile(
    url: &Url,
    link_base: &Url,
    doc: &Html,
    p: &Profile,
    ctx: &date::Context,
) -> Extracted {
    let remove: Vec<Selector> = p.remove.iter().filter_map(|s| css(s)).collect();
    let quote = p.quote.as_deref().and_then(css);
    let mut posts = Vec::new();
    for rule in &p.posts {
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
            let quoted = quote
                .as_ref()
                .and_then(|q| body.select(q).next())
                .map(|q| text::clean(&text::element_text(q, &remove, None)))
                .filter(|q| !q.is_empty());
            let own = text::clean(&text::element_text(body, &remove, quote.as_ref()));
            if own.is_empty() {
                continue;
            }
            let floor = rule
                .floor
                .as_ref()
                .and_then(|f| select_first(el, std::slice::from_ref(f)))
                .and_then(|f| f.trim().trim_end_matches('#').parse().ok())
                .or(Some(posts.len() as u32 + 1));
            posts.push(Post {
                author: select_first(el, &rule.author).filter(|a| !a.is_empty()),
                published_at: select_first(el, &rule.date).and_then(|d| date::parse(&d, ctx)),
                text: own,
                quote: quoted,
                floor,
            });
        }
    }
    let mut links = Vec::new();
    for s in p.next_page.iter().chain(&p.links) {
        if let Some(sel) = css(s) {
            for el in doc.select(&sel) {
                if let Some(u) = el
                    .value()
                    .attr("href")
                    .and_then(|h| link_base.join(h.trim()).ok())
                {
                    links.push(u.to_string());
                }
            }
        }
    }
    Extracted {
        url: url.to_string(),
        profile: p.name.clone(),
        kind: p.kind,
        title: select_first(doc.root_element(), &p.title).or_else(|| generic::title(doc)),
        lang: None,
        charset: None,
        posts,
        links,
        anchors: Vec::new(),
    }
}

/// Text (or `@attr`) of the first element matching one of `selectors`.
fn select_first(root: ElementRef<'_>, selectors: &[String]) -> Option<String> {
    for s in selectors {
        let (css_text, attr) = match s.rsplit_once('@') {
            Some((c, a)) if !a.contains([']', ' ']) => (c, Some(a)),
            _ => (s.as_str(), None),
        };
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

fn looks_like_feed(t: &str) -> bool {
    let head: String = t.chars().take(400).collect::<String>().to_ascii_lowercase();
    head.starts_with("<?xml")
        && (head.contains("<rss") || head.contains("<feed") || head.contains("<rdf"))
        || head.starts_with("<rss")
        || head.starts_with("<feed")
}

fn read_feed(url: &Url, text: &str, _tz: chrono_tz::Tz) -> Result<Extracted, ExtractError> {
    let feed = feed_rs::parser::parse(text.as_bytes()).map_err(|e| ExtractError::Feed {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let mut links = Vec::new();
    for entry in &feed.entries {
        if let Some(l) = entry.links.first() {
            if let Ok(u) = url.join(l.href.trim()) {
                links.push(u.to_string());
            }
        }
    }
    Ok(Extracted {
        url: url.to_string(),
        profile: "feed".into(),
        kind: PageKind::Feed,
        title: feed.title.map(|t| t.content),
        lang: feed.language,
        charset: None,
        posts: Vec::new(),
        links,
        anchors: Vec::new(),
    })
}

/// `zh` when a fifth or more of the letters are CJK, else `en`.
pub fn detect_lang(text: &str) -> Option<String> {
    let (mut cjk, mut letters) = (0usize, 0usize);
    for c in text.chars() {
        if is_cjk(c) {
            cjk += 1;
            letters += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    }
    if letters == 0 {
        return None;
    }
    Some(if cjk * 5 >= letters { "zh" } else { "en" }.to_string())
}

/// True for CJK ideographs.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF)
}
