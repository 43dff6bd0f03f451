//! Discovering what a crawl of a site needs from one of its pages (`earshot
//! source add`): what robots.txt says, which site profile reads the page (or
//! what the generic extractor makes of it), its feeds and sitemaps, which
//! links to follow, and the timezone its dates are written in, proposed as
//! a `[[source]]` entry.
//!
//! Everything is fetched with the crawl's own [`Fetcher`]: the configured
//! user agent, robots.txt, and the per-host rate.

mod page;
mod shape;

use serde::Serialize;
use url::Url;

use super::SourceConfig;
use crate::extract::{self, PageKind, Profile};
use crate::fetch::{CrawlConfig, FetchError, Fetched, Fetcher, Request};

pub use page::{guess_timezone, TimezoneGuess};
pub use shape::{propose as propose_follow, shape_of, FollowGroup};

/// What `source add` was asked.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// The source's name (default: from the host and first path segment).
    pub name: Option<String>,
    /// Whether private and loopback addresses may be fetched (the entry
    /// then says `allow_private = true` unless `[crawl]` does).
    pub allow_private: bool,
}

/// What robots.txt says about the page.
#[derive(Debug, Clone, Serialize)]
pub struct RobotsReport {
    /// The robots.txt URL.
    pub url: String,
    /// The product token matched against its groups (`earshot`).
    pub agent: String,
    /// Whether the page may be crawled.
    pub allowed: bool,
    /// Why not, when it may not.
    pub reason: Option<String>,
    /// The site's `Crawl-delay`, in seconds.
    pub crawl_delay_s: Option<f64>,
}

/// What extraction makes of the page.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// The URL after redirects.
    pub url: String,
    /// Charset the page was decoded with.
    pub charset: String,
    /// Profile that read it (`generic`: the article extractor).
    pub profile: String,
    /// The profile's description; none for the generic extractor.
    pub profile_description: Option<String>,
    /// Kind of page.
    pub kind: PageKind,
    /// Page title.
    pub title: Option<String>,
    /// Language of the text.
    pub lang: Option<String>,
    /// Posts found.
    pub posts: usize,
    /// The first post: author, date and the start of its text.
    pub first_post: Option<FirstPost>,
    /// Links the profile picks on the page (threads of a list, next pages).
    pub profile_links: usize,
    /// `<meta name="generator">`.
    pub generator: Option<String>,
}

/// The first post of a page, shortened.
#[derive(Debug, Clone, Serialize)]
pub struct FirstPost {
    /// Author.
    pub author: Option<String>,
    /// Date, RFC 3339.
    pub date: Option<String>,
    /// The first 80 characters of the text.
    pub text: String,
}

/// A feed or sitemap found, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Its URL.
    pub url: String,
    /// How it was found: `<link rel="alternate">`, `robots.txt`, `common path`.
    pub how: String,
    /// Its title (feeds linked from the page).
    pub title: Option<String>,
    /// A news sitemap (`xmlns:news`).
    pub news: bool,
}

/// What `source add` found, with the proposed `[[source]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    /// The URL asked for.
    pub url: String,
    /// robots.txt's verdict on it.
    pub robots: RobotsReport,
    /// The page, when it could be fetched (not when robots.txt refuses).
    pub page: Option<PageReport>,
    /// RSS and Atom feeds that answered with a feed.
    pub feeds: Vec<Found>,
    /// Sitemaps that answered with a sitemap.
    pub sitemaps: Vec<Found>,
    /// The page's same-host links by shape, most first.
    pub follow: Vec<FollowGroup>,
    /// The timezone the page's dates suggest.
    pub timezone: Option<TimezoneGuess>,
    /// The proposed entry.
    pub source: SourceConfig,
}

/// Why nothing could be proposed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// Only absolute http and https URLs can be sources.
    #[error("`{0}` is not an http or https URL; give the full address, e.g. https://bbs.example.com/forum-2-1.html")]
    Url(String),
    /// The page (or its robots.txt) could not be fetched.
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The page could not be read.
    #[error("{0}")]
    Extract(#[from] extract::ExtractError),
}

/// Feed paths engines serve, tried when the page links no feed: for the
/// profile's engine first, then the common ones.
fn feed_paths(profile: &str) -> &'static [&'static str] {
    match profile {
        p if p.starts_with("discuz") => &["forum.php?mod=rss"],
        "phpbb" => &["feed.php", "app.php/feed"],
        "discourse" => &["latest.rss"],
        "wordpress" => &["feed/"],
        _ => &[
            "feed",
            "rss",
            "rss.xml",
            "atom.xml",
            "feed.xml",
            "index.xml",
        ],
    }
}

/// Looks at `url` and proposes a `[[source]]` for it (see the module docs).
pub async fn discover(
    fetcher: &Fetcher,
    crawl: &CrawlConfig,
    url: &str,
    o: &DiscoverOptions,
) -> Result<Proposal, DiscoverError> {
    let start = Url::parse(url)
        .ok()
        .filter(|u| u.scheme() == "http" || u.scheme() == "https")
        .ok_or_else(|| DiscoverError::Url(url.to_string()))?;
    let allow_private = o.allow_private || crawl.allow_private;
    let req = |u: &Url| Request {
        url: u.clone(),
        rate: crawl.rate_per_host,
        allow_private,
        validators: Default::default(),
    };
    let verdict = fetcher.robots(&req(&start)).await?;
    let robots = RobotsReport {
        url: start
            .join("/robots.txt")
            .map(|u| u.to_string())
            .unwrap_or_default(),
        agent: crate::fetch::robots::product_token(&crawl.user_agent),
        allowed: verdict.refusal.is_none(),
        reason: verdict.refusal.clone(),
        crawl_delay_s: verdict.crawl_delay.map(|d| d.as_secs_f64()),
    };
    let mut source = SourceConfig {
        name: o.name.clone().unwrap_or_else(|| default_name(&start)),
        start_urls: vec![start.to_string()],
        allow_private: (o.allow_private && !crawl.allow_private).then_some(true),
        ..SourceConfig::default()
    };
    let mut proposal = Proposal {
        url: start.to_string(),
        robots,
        page: None,
        feeds: Vec::new(),
        sitemaps: Vec::new(),
        follow: Vec::new(),
        timezone: None,
        source: source.clone(),
    };
    if verdict.refusal.is_some() {
        return Ok(proposal);
    }
    let fetched = match fetcher.fetch(&req(&start)).await? {
        Fetched::Page(p) => p,
        // No validators were sent, so no 304 is expected: treat it as empty.
        Fetched::NotModified => return Ok(proposal),
    };
    let tz = crawl.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let (page_url, text, fetched_at) = (
        fetched.url.clone(),
        fetched.text.clone(),
        fetched.fetched_at,
    );
    let (extracted, html) = tokio::task::spawn_blocking(move || {
        let e = extract::extract_with(
            &page_url,
            &text,
            &extract::Options {
                profile: None,
                tz,
                fetched_at,
                drop_lines: &[],
            },
        );
        (e, page::read(&page_url, &text))
    })
    .await
    .map_err(|e| DiscoverError::Fetch(FetchError::Client(format!("page reading failed: {e}"))))?;
    let extracted = extracted?;
    let first_post = extracted.posts.first().map(|p| FirstPost {
        author: p.author.clone(),
        date: p.published_at.map(|d| d.to_rfc3339()),
        text: p
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(80)
            .collect(),
    });
    let generic = Profile::by_name(&extracted.profile).is_none();
    proposal.page = Some(PageReport {
        url: fetched.url.to_string(),
        charset: fetched.charset.to_string(),
        profile: extracted.profile.clone(),
        profile_description: (!generic)
            .then(|| Profile::by_name(&extracted.profile).map(|p| p.description.clone()))
            .flatten(),
        kind: extracted.kind,
        title: extracted.title.clone(),
        lang: extracted.lang.clone(),
        posts: extracted.posts.len(),
        first_post,
        profile_links: extracted.links.len(),
        generator: html.generator.clone(),
    });
    source.site = html.site_name.clone();
    // So that `earshot run` crawls it: forums change fastest, single
    // review and question pages slowest (as the shipped config's sources).
    source.schedule = Some(
        match extracted.kind {
            PageKind::Thread | PageKind::ThreadList => "every 30m",
            PageKind::Article | PageKind::Feed => "every 1h",
            PageKind::Review | PageKind::Question => "every 6h",
        }
        .to_string(),
    );

    // Feeds: those the page links, else the engine's usual paths.
    for (href, title) in html.feeds.iter().take(3) {
        let Ok(u) = fetched.url.join(href) else {
            continue;
        };
        if proposal.feeds.iter().any(|f| f.url == u.as_str()) {
            continue;
        }
        if let Some(body) = probe(fetcher, &req(&u)).await {
            if page::is_feed(&body) {
                proposal.feeds.push(Found {
                    url: u.to_string(),
                    how: "<link rel=\"alternate\">".into(),
                    title: title.clone(),
                    news: false,
                });
            }
        }
    }
    if proposal.feeds.is_empty() && extracted.kind != PageKind::Feed {
        'probe: for base in bases(&fetched.url, html.base.as_deref()) {
            for path in feed_paths(&extracted.profile) {
                let Ok(u) = base.join(path) else { continue };
                if let Some(body) = probe(fetcher, &req(&u)).await {
                    if page::is_feed(&body) {
                        proposal.feeds.push(Found {
                            url: u.to_string(),
                            how: "common path".into(),
                            title: None,
                            news: false,
                        });
                        break 'probe;
                    }
                }
            }
        }
    }

    // Sitemaps: robots.txt's, else /sitemap.xml.
    let mut candidates: Vec<(String, &str)> = verdict
        .sitemaps
        .iter()
        .map(|s| (s.clone(), "robots.txt"))
        .collect();
    if candidates.is_empty() {
        if let Ok(u) = fetched.url.join("/sitemap.xml") {
            candidates.push((u.to_string(), "common path"));
        }
    }
    for (s, how) in candidates.into_iter().take(3) {
        let Ok(u) = fetched.url.join(&s) else {
            continue;
        };
        if let Some(body) = probe(fetcher, &req(&u)).await {
            if let Some(news) = page::sitemap_kind(&body) {
                proposal.sitemaps.push(Found {
                    url: u.to_string(),
                    how: how.into(),
                    title: None,
                    news,
                });
            }
        }
    }

    // Links to follow: whatever robots.txt lets the crawl fetch.
    let mut allowed = std::collections::HashMap::new();
    for l in extracted.anchors.iter().chain(extracted.links.iter()) {
        let Ok(u) = Url::parse(l) else { continue };
        if u.host_str() != fetched.url.host_str() || allowed.contains_key(u.as_str()) {
            continue;
        }
        let ok = matches!(fetcher.robots(&req(&u)).await, Ok(v) if v.refusal.is_none());
        allowed.insert(u.to_string(), ok);
    }
    // A page that is itself a story (a thread, a review, a question)
    // proposes only links to more stories like it.
    let story = !extracted.posts.is_empty()
        && matches!(
            extracted.kind,
            PageKind::Thread | PageKind::Review | PageKind::Question
        );
    proposal.follow = shape::propose(
        &fetched.url,
        &extracted.anchors,
        &extracted.links,
        story,
        |u| allowed.get(u.as_str()).copied().unwrap_or(false),
    );
    source.follow = proposal
        .follow
        .iter()
        .filter(|g| g.proposed)
        .map(|g| g.pattern.clone())
        .collect();
    source.feeds = proposal.feeds.iter().map(|f| f.url.clone()).collect();

    proposal.timezone =
        page::guess_timezone(&fetched.text, fetched.charset, extracted.lang.as_deref());
    if let Some(g) = &proposal.timezone {
        if g.zone != crawl.timezone {
            source.timezone = Some(g.zone.clone());
        }
    }
    proposal.source = source;
    Ok(proposal)
}

/// The body of `req` when it answers 2xx, else none (a probe).
async fn probe(fetcher: &Fetcher, req: &Request) -> Option<String> {
    match fetcher.fetch(req).await {
        Ok(Fetched::Page(p)) => Some(p.text),
        Ok(Fetched::NotModified) => None,
        Err(e) => {
            tracing::debug!("probe {}: {e}", req.url);
            None
        }
    }
}

/// Where an engine's feed paths are tried: the page's `<base>`, its first
/// directory (`/bbs/`, `/blog/`), then the site root.
fn bases(page: &Url, base: Option<&str>) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let mut push = |u: Url| {
        if !out.contains(&u) {
            out.push(u);
        }
    };
    if let Some(b) = base.and_then(|b| page.join(b).ok()) {
        push(b);
    }
    if let Some(first) = page.path_segments().and_then(|mut s| {
        let first = s.next()?;
        // Only a directory, not the page itself.
        s.next().map(|_| first.to_string())
    }) {
        if let Ok(u) = page.join(&format!("/{first}/")) {
            push(u);
        }
    }
    if let Ok(u) = page.join("/") {
        push(u);
    }
    out
}

/// `bbs-example-com`, `example-com-blog`: the host without `www.`, and the
/// first directory when the page sits in one.
pub fn default_name(url: &Url) -> String {
    let host = url.host_str().unwrap_or("source");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let dir = url.path_segments().and_then(|mut s| {
        let first = s.next()?;
        s.next().map(|_| first.to_string())
    });
    if let Some(d) = dir.filter(|d| {
        !d.is_empty()
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        name.push('-');
        name.push_str(&d.to_ascii_lowercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_bases() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(default_name(&u("https://www.example.com/")), "example-com");
        assert_eq!(
            default_name(&u("http://demo.earshot.test/bbs/forum-2-1.html")),
            "demo-earshot-test-bbs"
        );
        assert_eq!(
            default_name(&u("http://127.0.0.1:8080/news-a/")),
            "127-0-0-1-news-a"
        );
        let b: Vec<String> = bases(&u("http://a.test/bbs/forum-2-1.html"), Some("/bbs/"))
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(b, ["http://a.test/bbs/", "http://a.test/"]);
        let b = bases(&u("http://a.test/index.html"), None);
        assert_eq!(b, [u("http://a.test/")]);
    }
}
