//! `kind = "sitemap"` sources: sitemaps (`<urlset>`), sitemap indexes
//! (`<sitemapindex>`, followed a bounded number of levels), Google news
//! sitemaps (`news:publication_date`, `news:title`) and gzip-compressed
//! ones; a site root's sitemaps come from its robots.txt `Sitemap:` lines.
//!
//! Sitemaps are machine-written and flat, so they are read with a few
//! regular expressions over the `<url>`/`<sitemap>` blocks rather than a
//! full XML parser; entities and CDATA are undone.

use std::collections::{HashSet, VecDeque};
use std::io::Read;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use super::{canonicalize, url_hash, SourceCrawl, SourceResult};
use crate::fetch::{Fetched, Request, Validators};

/// Levels of sitemap indexes followed below the first sitemap.
pub const MAX_INDEX_DEPTH: u32 = 2;
/// Sitemap files read per pass.
pub const MAX_SITEMAP_FILES: usize = 50;

/// One page a sitemap lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The page.
    pub url: Url,
    /// When it last changed: `lastmod`, else the news sitemap's
    /// `publication_date`.
    pub changed: Option<DateTime<Utc>>,
    /// A news sitemap's `news:title`.
    pub title: Option<String>,
}

/// What one sitemap file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Child sitemaps (a sitemap index).
    pub sitemaps: Vec<Url>,
    /// Pages.
    pub entries: Vec<Entry>,
    /// Whether the file is a sitemap at all (`<urlset>` or
    /// `<sitemapindex>`).
    pub is_sitemap: bool,
}

fn re(cell: &'static OnceLock<regex::Regex>, pattern: &str) -> &'static regex::Regex {
    cell.get_or_init(|| regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")))
}

/// The text of the first `<name>` element in `block` (any namespace
/// prefix), entities and CDATA undone.
fn field(block: &str, name: &str) -> Option<String> {
    let open = format!("<{name}");
    let mut rest = block;
    loop {
        let at = rest.find(&open)?;
        let after = &rest[at + open.len()..];
        // `<loc>` or `<loc attr>`, not `<locale>`.
        if after.starts_with('>') || after.starts_with(char::is_whitespace) {
            let start = after.find('>')? + 1;
            let body = &after[start..];
            let end = body.find(&format!("</{name}"))?;
            let raw = body[..end].trim();
            let raw = raw
                .strip_prefix("<![CDATA[")
                .and_then(|r| r.strip_suffix("]]>"))
                .map(str::to_string)
                .unwrap_or_else(|| unescape(raw));
            let t = raw.trim().to_string();
            return (!t.is_empty()).then_some(t);
        }
        rest = after;
    }
}

fn unescape(s: &str) -> String {
    static ENT: OnceLock<regex::Regex> = OnceLock::new();
    re(&ENT, r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
        .replace_all(s, |c: &regex::Captures<'_>| {
            let e = &c[1];
            let ch = match e {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => e
                    .strip_prefix("#x")
                    .map(|h| u32::from_str_radix(h, 16))
                    .unwrap_or_else(|| e[1..].parse())
                    .ok()
                    .and_then(char::from_u32),
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// A W3C datetime (`2026-12-01`, `2026-12-01T10:00:00+08:00`,
/// `2026-12-01T10:00Z`); a bare date is midnight UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&s.replace('Z', "+00:00"), f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Reads one sitemap file's text; `base` resolves relative addresses.
pub fn parse(text: &str, base: &Url) -> Parsed {
    static URL: OnceLock<regex::Regex> = OnceLock::new();
    static MAP: OnceLock<regex::Regex> = OnceLock::new();
    let head: String = text
        .chars()
        .take(4000)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut out = Parsed {
        is_sitemap: head.contains("<urlset") || head.contains("<sitemapindex"),
        ..Default::default()
    };
    for c in re(&MAP, r"(?s)<sitemap\b[^>]*>(.*?)</sitemap>").captures_iter(text) {
        if let Some(u) = field(&c[1], "loc").and_then(|l| base.join(&l).ok()) {
            out.sitemaps.push(u);
        }
    }
    for c in re(&URL, r"(?s)<url\b[^>]*>(.*?)</url>").captures_iter(text) {
        let block = &c[1];
        let Some(url) = field(block, "loc").and_then(|l| base.join(&l).ok()) else {
            continue;
        };
        let changed = field(block, "lastmod")
            .or_else(|| field(block, "news:publication_date"))
            .and_then(|d| parse_date(&d));
        out.entries.push(Entry {
            url,
            changed,
            title: field(block, "news:title"),
        });
    }
    out
}

impl SourceCrawl {
    /// A sitemap source's pages for this pass: those never crawled, and
    /// those whose `lastmod` is later than their last fetch. The others are
    /// marked reached (their state is kept) and left to revisit by
    /// activity. Failures are counted in `out`.
    pub(super) async fn sitemap_pages(&self, out: &mut SourceResult) -> Vec<Url> {
        let crawl = &self.config.crawl;
        let name = &self.source.name;
        let root = match self
            .source
            .url
            .as_deref()
            .ok_or_else(|| "kind = \"sitemap\" needs url".to_string())
            .and_then(crate::util::expand_env)
            .and_then(|u| Url::parse(&u).map_err(|e| format!("`{u}` is not a URL: {e}")))
        {
            Ok(u) => u,
            Err(e) => {
                out.failed += 1;
                out.errors.push(format!("[{name}] {e}"));
                return Vec::new();
            }
        };
        let request = |url: Url| Request {
            url,
            rate: self.source.rate_per_host(crawl),
            allow_private: self.source.allow_private(crawl),
            validators: Validators::default(),
        };
        // A site root: the sitemaps its robots.txt lists, else /sitemap.xml.
        let mut files: VecDeque<(Url, u32)> = VecDeque::new();
        if is_site_root(&root) {
            let listed = match self.fetcher.robots(&request(root.clone())).await {
                Ok(v) => v.sitemaps,
                Err(_) => Vec::new(),
            };
            files.extend(root_files(&root, &listed).into_iter().map(|u| (u, 0)));
        } else {
            files.push_back((root, 0));
        }
        let max_urls = self.source.max_sitemap_urls() as usize;
        let mut entries: Vec<Entry> = Vec::new();
        let mut read = 0usize;
        let mut over = false;
        let mut seen_files = HashSet::new();
        while let Some((file, level)) = files.pop_front() {
            if !seen_files.insert(file.to_string()) {
                continue;
            }
            if read >= MAX_SITEMAP_FILES {
                tracing::warn!(source = %name, "more than {} sitemap files; the rest are read on a later pass", MAX_SITEMAP_FILES);
                break;
            }
            if self.stop.is_cancelled() {
                break;
            }
            read += 1;
            let req = request(file.clone());
            let fetched = tokio::select! {
                r = self.fetcher.fetch(&req) => r,
                () = self.abandon.cancelled() => break,
            };
            self.metrics.fetch(name, &fetched);
            let page = match fetched {
                Ok(Fetched::Page(p)) => p,
                Ok(Fetched::NotModified) => continue,
                Err(e) => {
                    out.failed += 1;
                    (self.progress)(&format!("error  [{name}] {e}"));
                    out.errors.push(format!("[{name}] sitemap {e}"));
                    continue;
                }
            };
            let parsed = match read_body(&page, &file, crawl.max_body_bytes) {
                Ok(p) => p,
                Err(e) => {
                    out.failed += 1;
                    out.errors.push(format!("[{name}] {e}"));
                    continue;
                }
            };
            out.reached += 1;
            (self.progress)(&format!(
                "sitemap {file}: {} pages, {} sitemaps",
                parsed.entries.len(),
                parsed.sitemaps.len()
            ));
            if !parsed.sitemaps.is_empty() && level >= MAX_INDEX_DEPTH {
                tracing::warn!(source = %name, %file, "sitemap indexes nest deeper than {} levels; the deeper ones are not read", MAX_INDEX_DEPTH);
            } else {
                files.extend(parsed.sitemaps.into_iter().map(|u| (u, level + 1)));
            }
            for e in parsed.entries {
                if entries.len() >= max_urls {
                    over = true;
                    break;
                }
                entries.push(e);
            }
        }
        if over {
            tracing::warn!(
                source = %name,
                "the sitemaps list more than {max_urls} pages; the first {max_urls} were read (raise max_sitemap_urls on the source to read more)"
            );
            out.errors.push(format!(
                "[{name}] the sitemaps list more than {max_urls} pages (max_sitemap_urls); the rest were not read"
            ));
        }
        let mut pages = Vec::new();
        let mut once = HashSet::new();
        for e in entries {
            let c = canonicalize(&e.url, &crawl.strip_params);
            if !once.insert(url_hash(&c)) {
                continue;
            }
            let canonical = c.to_string();
            let due = match entry_due(&self.store, &canonical, e.changed) {
                Ok(d) => d,
                Err(err) => {
                    out.store_error = Some(err);
                    return Vec::new();
                }
            };
            if due {
                if let Some(t) = &e.title {
                    (self.progress)(&format!("new    {canonical} ({t})"));
                }
                pages.push(c);
            } else {
                if let Err(err) = self.store.mark_reached(name, &canonical, self.pass) {
                    out.store_error = Some(err);
                    return Vec::new();
                }
                out.reached += 1;
                out.fresh += 1;
            }
        }
        pages
    }
}

/// Whether a sitemap source's `url` is a site's root, whose sitemaps are
/// the ones its robots.txt lists.
pub fn is_site_root(url: &Url) -> bool {
    matches!(url.path(), "" | "/") && url.query().is_none()
}

/// The sitemap files of a site root: those its robots.txt lists
/// (`listed`), else `/sitemap.xml`.
pub fn root_files(root: &Url, listed: &[String]) -> Vec<Url> {
    let files: Vec<Url> = listed.iter().filter_map(|s| root.join(s).ok()).collect();
    if files.is_empty() {
        return root.join("/sitemap.xml").into_iter().collect();
    }
    files
}

/// Reads a fetched sitemap file (gzip or not); the error is the line the
/// pass reports, after the source's name.
pub fn read_body(page: &crate::fetch::Page, file: &Url, max_body: u64) -> Result<Parsed, String> {
    let text = if is_gzip(&page.body) {
        match gunzip(&page.body, max_body) {
            Ok(b) => std::borrow::Cow::Owned(crate::fetch::decode(&b, Some("application/xml")).0),
            Err(e) => return Err(format!("sitemap {file}: {e}")),
        }
    } else {
        std::borrow::Cow::Borrowed(page.text.as_str())
    };
    let parsed = parse(&text, &page.url);
    if !parsed.is_sitemap {
        return Err(format!(
            "{file}: not a sitemap (no <urlset> or <sitemapindex>); check the source's url"
        ));
    }
    Ok(parsed)
}

/// Whether a page a sitemap lists (`canonical`, which last `changed` then)
/// is fetched this pass: never crawled, changed since its last fetch, or
/// failed last time. The others are left to revisit by activity.
pub fn entry_due(
    store: &crate::store::Store,
    canonical: &str,
    changed: Option<DateTime<Utc>>,
) -> Result<bool, crate::store::StoreError> {
    Ok(match store.crawl_state(canonical)? {
        None => true,
        Some(s) => match (changed, s.last_fetch) {
            (Some(changed), Some(fetched)) => changed > fetched,
            _ => s.status >= 300,
        },
    })
}

/// Whether `body` is gzip (its magic bytes).
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// Why a compressed sitemap could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GunzipError {
    /// More than the limit once decompressed.
    #[error("more than {0} bytes once decompressed (crawl.max_body_bytes); read as far as the limit allows")]
    TooLarge(u64),
    /// Not valid gzip.
    #[error("not valid gzip: {0}")]
    Corrupt(String),
}

/// Decompresses a gzip body, stopping at `limit` bytes (a gzip bomb stops
/// there too).
pub fn gunzip(body: &[u8], limit: u64) -> Result<Vec<u8>, GunzipError> {
    let mut out = Vec::new();
    let mut d = flate2::read::GzDecoder::new(body).take(limit + 1);
    d.read_to_end(&mut out)
        .map_err(|e| GunzipError::Corrupt(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(GunzipError::TooLarge(limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlsets_indexes_and_news_sitemaps() {
        let base = Url::parse("http://a.test/sitemap.xml").unwrap();
        let idx = parse(
            "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <sitemap><loc>http://a.test/s1.xml.gz</loc><lastmod>2026-12-01</lastmod></sitemap>\
             <sitemap><loc>/news.xml</loc></sitemap></sitemapindex>",
            &base,
        );
        assert!(idx.is_sitemap);
        assert_eq!(
            idx.sitemaps.iter().map(Url::as_str).collect::<Vec<_>>(),
            ["http://a.test/s1.xml.gz", "http://a.test/news.xml"]
        );
        let news = parse(
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\
             <url><loc>http://a.test/a?id=1&amp;p=2</loc><news:news><news:publication>\
             <news:name>A</news:name><news:language>zh</news:language></news:publication>\
             <news:publication_date>2026-12-05T08:30:00+08:00</news:publication_date>\
             <news:title><![CDATA[云雀 X5 电池 & 召回]]></news:title></news:news></url>\
             <url><loc> http://a.test/b </loc><lastmod>2026-12-04T10:00Z</lastmod></url></urlset>",
            &base,
        );
        assert_eq!(news.entries.len(), 2);
        assert_eq!(news.entries[0].url.as_str(), "http://a.test/a?id=1&p=2");
        assert_eq!(
            news.entries[0].title.as_deref(),
            Some("云雀 X5 电池 & 召回")
        );
        assert_eq!(
            news.entries[0].changed.unwrap().to_rfc3339(),
            "2026-12-05T00:30:00+00:00"
        );
        assert_eq!(
            news.entries[1].changed.unwrap().to_rfc3339(),
            "2026-12-04T10:00:00+00:00"
        );
        assert!(!parse("<html><body>no</body></html>", &base).is_sitemap);
    }

    #[test]
    fn gzip_is_bounded() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&vec![b'a'; 10_000]).unwrap();
        let gz = e.finish().unwrap();
        assert!(is_gzip(&gz));
        assert_eq!(gunzip(&gz, 20_000).unwrap().len(), 10_000);
        assert!(matches!(
            gunzip(&gz, 1_000),
            Err(GunzipError::TooLarge(1_000))
        ));
        assert!(gunzip(b"\x1f\x8bnot gzip", 100).is_err());
    }
}

#[cfg(test)]
mod canonical_tests {
    use crate::crawl::canonicalize;
    use url::Url;

    #[test]
    fn tracking_parameters_go_and_other_charsets_stay_as_written() {
        let strip = ["utm_*".to_string(), "sid".to_string()];
        let c = |u: &str| canonicalize(&Url::parse(u).unwrap(), &strip).to_string();
        assert_eq!(
            c("http://a.test/p?id=3&utm_source=x&sid=9#top"),
            "http://a.test/p?id=3"
        );
        assert_eq!(c("http://a.test/p?utm_medium=y"), "http://a.test/p");
        // A GBK query (云雀) is not UTF-8: its bytes are kept.
        assert_eq!(
            c("http://a.test/search.php?srchtxt=%D4%C6%C8%B8&sid=1"),
            "http://a.test/search.php?srchtxt=%D4%C6%C8%B8"
        );
    }
}
