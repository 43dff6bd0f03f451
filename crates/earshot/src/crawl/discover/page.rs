//! What `source add` reads from a page's markup beside extraction: feed
//! links, site name, generator, `<base>`, and the zone of its dates.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

/// Markup facts of a page.
#[derive(Debug, Clone, Default)]
pub(super) struct HtmlInfo {
    /// `<meta name="generator">`.
    pub generator: Option<String>,
    /// `og:site_name` or `application-name`.
    pub site_name: Option<String>,
    /// `<base href>`.
    pub base: Option<String>,
    /// `<link rel="alternate" type="application/rss+xml|atom+xml">`: href
    /// and title.
    pub feeds: Vec<(String, Option<String>)>,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s)
        .unwrap_or_else(|_| Selector::parse("never-matches").expect("a valid selector"))
}

/// Reads the markup facts of an HTML page (none for feeds and JSON).
pub(super) fn read(_url: &Url, text: &str) -> HtmlInfo {
    static SELS: OnceLock<[Selector; 5]> = OnceLock::new();
    let [generator, site, app, base, alt] = SELS.get_or_init(|| {
        [
            sel("meta[name=generator]"),
            sel("meta[property=\"og:site_name\"]"),
            sel("meta[name=application-name]"),
            sel("base[href]"),
            sel("link[rel~=alternate][href]"),
        ]
    });
    let head = text.trim_start();
    if head.starts_with('{') || head.starts_with('[') || is_feed(text) {
        return HtmlInfo::default();
    }
    let doc = Html::parse_document(text);
    let attr = |s: &Selector, a: &str| {
        doc.select(s)
            .find_map(|e| e.value().attr(a))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let feeds = doc
        .select(alt)
        .filter(|e| {
            let t = e.value().attr("type").unwrap_or("").to_ascii_lowercase();
            t.contains("rss+xml") || t.contains("atom+xml")
        })
        .filter_map(|e| {
            let href = e.value().attr("href")?.trim().to_string();
            let title = e.value().attr("title").map(|t| t.trim().to_string());
            Some((href, title))
        })
        .collect();
    HtmlInfo {
        generator: attr(generator, "content"),
        site_name: attr(site, "content").or_else(|| attr(app, "content")),
        base: attr(base, "href"),
        feeds,
    }
}

/// Whether a body is RSS, RDF or Atom.
pub(super) fn is_feed(body: &str) -> bool {
    let head: String = body
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(600)
        .collect::<String>()
        .to_ascii_lowercase();
    (head.starts_with("<?xml")
        || head.starts_with("<rss")
        || head.starts_with("<feed")
        || head.starts_with("<rdf"))
        && (head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf"))
}

/// `Some(news)` when a body is a sitemap or sitemap index (`news`: it
/// declares the Google News namespace).
pub(super) fn sitemap_kind(body: &str) -> Option<bool> {
    let head: String = body
        .chars()
        .take(2000)
        .collect::<String>()
        .to_ascii_lowercase();
    (head.contains("<urlset") || head.contains("<sitemapindex"))
        .then(|| head.contains("schemas/sitemap-news") || head.contains("xmlns:news"))
}

/// The timezone a page's dates suggest, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimezoneGuess {
    /// An IANA name (`Asia/Shanghai`, `UTC`, `Etc/GMT-3`).
    pub zone: String,
    /// What it rests on: `9 dates on the page carry +08:00`.
    pub evidence: String,
}

/// Guesses the site's timezone from the UTC offsets its dates carry (ISO
/// 8601 dates in attributes, meta tags and JSON-LD; a Discuz footer's
/// `GMT+8`): the most common offset, named as a zone. UTC+8 is Taipei for
/// a Big5 or traditional-Chinese page, else Shanghai. None when no date
/// carries an offset (dates are then read in `crawl.timezone`).
pub fn guess_timezone(text: &str, charset: &str, lang: Option<&str>) -> Option<TimezoneGuess> {
    static ISO: OnceLock<regex::Regex> = OnceLock::new();
    static GMT: OnceLock<regex::Regex> = OnceLock::new();
    let iso = ISO.get_or_init(|| {
        regex::Regex::new(
            r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})",
        )
        .expect("a valid regex")
    });
    let gmt = GMT.get_or_init(|| {
        regex::Regex::new(r"\b(?:GMT|UTC)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?\b")
            .expect("a valid regex")
    });
    let mut offsets: BTreeMap<i32, usize> = BTreeMap::new();
    for c in iso.captures_iter(text) {
        let z = &c[1];
        let minutes = if z == "Z" {
            0
        } else {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let h: i32 = digits[..2].parse().unwrap_or(0);
            let m: i32 = digits[2..].parse().unwrap_or(0);
            sign * (h * 60 + m)
        };
        *offsets.entry(minutes).or_default() += 1;
    }
    for c in gmt.captures_iter(text) {
        let sign = if &c[1] == "-" { -1 } else { 1 };
        let h: i32 = c[2].parse().unwrap_or(0);
        let m: i32 = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
        if h <= 14 {
            *offsets.entry(sign * (h * 60 + m)).or_default() += 1;
        }
    }
    let (&minutes, &count) = offsets.iter().max_by_key(|(m, n)| (**n, -(m.abs())))?;
    let traditional = charset.eq_ignore_ascii_case("big5")
        || lang
            .is_some_and(|l| l.eq_ignore_ascii_case("zh-hant") || l.eq_ignore_ascii_case("zh-tw"));
    let zone = match minutes {
        0 => "UTC".to_string(),
        480 if traditional => "Asia/Taipei".to_string(),
        480 => "Asia/Shanghai".to_string(),
        540 => "Asia/Tokyo".to_string(),
        330 => "Asia/Kolkata".to_string(),
        m if m % 60 == 0 => {
            // IANA's Etc zones count the other way: UTC+3 is Etc/GMT-3.
            let h = m / 60;
            if h > 0 {
                format!("Etc/GMT-{h}")
            } else {
                format!("Etc/GMT+{}", -h)
            }
        }
        _ => return None,
    };
    let sign = if minutes < 0 { '-' } else { '+' };
    let off = format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60);
    let evidence = if count == 1 {
        format!("1 date on the page carries {off}")
    } else {
        format!("{count} dates on the page carry {off}")
    };
    Some(TimezoneGuess { zone, evidence })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_from_offsets() {
        let g = guess_timezone(
            r#"<time datetime="2026-11-21T10:05:00+08:00">…</time><time datetime="2026-11-21T14:30:00+08:00">"#,
            "Big5",
            Some("zh"),
        )
        .unwrap();
        assert_eq!(g.zone, "Asia/Taipei");
        assert_eq!(g.evidence, "2 dates on the page carry +08:00");
        let g = guess_timezone("<p>GMT+8, 2026-11-23 21:05</p>", "GBK", Some("zh")).unwrap();
        assert_eq!(g.zone, "Asia/Shanghai");
        let g = guess_timezone(
            r#"content="2026-11-18T08:30:00+00:00" x="2026-11-19T14:12:40Z""#,
            "UTF-8",
            None,
        )
        .unwrap();
        assert_eq!(g.zone, "UTC");
        let g = guess_timezone("2026-11-18T08:30:00+03:00", "UTF-8", None).unwrap();
        assert_eq!(g.zone, "Etc/GMT-3");
        assert!(g.zone.parse::<chrono_tz::Tz>().is_ok());
        assert!(guess_timezone("发表于 2026-11-20 09:12:33", "GBK", Some("zh")).is_none());
    }

    #[test]
    fn feeds_sitemaps_and_markup() {
        let u = Url::parse("http://a.test/blog/").unwrap();
        let info = read(
            &u,
            r#"<html><head><meta name="generator" content="WordPress 6.4.2"><meta property="og:site_name" content="Desk">
            <link rel="alternate" type="application/rss+xml" title="Feed" href="/blog/feed/index.xml">
            <link rel="alternate" hreflang="de" href="/de/"></head><body></body></html>"#,
        );
        assert_eq!(info.generator.as_deref(), Some("WordPress 6.4.2"));
        assert_eq!(info.site_name.as_deref(), Some("Desk"));
        assert_eq!(
            info.feeds,
            [("/blog/feed/index.xml".to_string(), Some("Feed".to_string()))]
        );
        assert!(is_feed(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"
        ));
        assert!(is_feed("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(!is_feed("<!DOCTYPE html><html>"));
        assert_eq!(sitemap_kind("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"), Some(false));
        assert_eq!(
            sitemap_kind("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">"),
            Some(true)
        );
        assert_eq!(sitemap_kind("<html>"), None);
    }
}
