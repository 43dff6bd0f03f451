//! `follow` patterns from a page's links: same-host links grouped by the
//! shape of their path and query (`/bbs/thread-*-*-*.html`, `/t/*/*`,
//! `/viewtopic.php?t=*`), counted, and the groups that look like content
//! proposed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use url::Url;

/// Links of one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowGroup {
    /// The shape, variable parts as `*`: `/bbs/thread-*-*-*.html`.
    pub shape: String,
    /// The `follow` regular expression that matches the shape (over the
    /// path and query, as the crawl matches it).
    pub pattern: String,
    /// Distinct links of this shape on the page.
    pub count: usize,
    /// Up to three of them (path and query).
    pub examples: Vec<String>,
    /// Whether the proposal follows them.
    pub proposed: bool,
}

/// Words of site chrome: links whose fixed parts hold one are never
/// proposed (accounts, search, tags, sharing, feeds).
const CHROME: &[&str] = &[
    "login",
    "logout",
    "register",
    "signup",
    "signin",
    "member",
    "space",
    "profile",
    "user",
    "users",
    "uid",
    "search",
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "share",
    "print",
    "feed",
    "rss",
    "atom",
    "wp-admin",
    "wp-login",
    "wp-content",
    "wp-json",
    "static",
    "assets",
    "misc",
    "plugin",
    "home",
    "about",
    "contact",
    "privacy",
    "terms",
    "help",
    "lang",
    "go",
    "redirect",
    "out",
    "write",
    "ask",
    "login.php",
    "cart",
    "mobile",
];

/// `regex::escape` without escaping `-` (which needs none outside a
/// class): `^/news-a/` reads better than `^/news\-a/`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// File types that are no pages.
const ASSETS: &[&str] = &[
    "css", "js", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "woff", "woff2", "ttf", "pdf",
    "zip", "mp4", "mp3", "xml", "json", "txt",
];

/// The shape of one link: `(shape with *, regular expression)`.
pub fn shape_of(path: &str, query: Option<&str>) -> (String, String) {
    let mut shape = String::new();
    let mut re = String::from("^");
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let last_at = path.trim_end_matches('/').matches('/').count();
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            shape.push('/');
            re.push('/');
        }
        let (s, r) = segment(seg, i == last_at && seg == last);
        shape.push_str(&s);
        re.push_str(&r);
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        shape.push('?');
        re.push_str("\\?");
        for (i, pair) in q.split('&').enumerate() {
            if i > 0 {
                shape.push('&');
                re.push('&');
            }
            match pair.split_once('=') {
                Some((k, v)) => {
                    shape.push_str(k);
                    shape.push('=');
                    re.push_str(&escape(k));
                    re.push('=');
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                        shape.push('*');
                        re.push_str("\\d+");
                    } else if k == "mod" || k == "action" || k == "do" || k == "a" {
                        // The page type of a script (Discuz `mod=viewthread`).
                        shape.push_str(v);
                        re.push_str(&escape(v));
                    } else {
                        shape.push('*');
                        re.push_str("[^&]*");
                    }
                }
                None => {
                    shape.push_str(pair);
                    re.push_str(&escape(pair));
                }
            }
        }
    }
    re.push('$');
    (shape, re)
}

/// One path segment: ids become `\d+`, slugs `[^/]+` (two words or more
/// in the `last` segment, three in a directory: `/news-c/` is a section).
fn segment(seg: &str, last: bool) -> (String, String) {
    if seg.is_empty() {
        return (String::new(), String::new());
    }
    if seg.bytes().all(|b| b.is_ascii_digit()) {
        let r = if seg.len() == 4 { "\\d{4}" } else { "\\d+" };
        return ("*".into(), r.into());
    }
    let (stem, ext) = match seg.rsplit_once('.') {
        Some((s, e))
            if !s.is_empty()
                && !e.is_empty()
                && e.len() <= 5
                && e.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (s, Some(e))
        }
        _ => (seg, None),
    };
    let tokens: Vec<&str> = stem.split(['-', '_', '+']).collect();
    let words = tokens
        .iter()
        .filter(|t| t.chars().any(|c| c.is_alphabetic()))
        .count();
    let ids = tokens
        .iter()
        .any(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
    // A slug: words of a title (`lumio-aura-review`, `best-desk-lamps-2026`),
    // not a name with ids (`space-uid-3`, `thread-1001-1-1`).
    let slug = words >= 3 || (last && words == 2 && !ids);
    let ext_re = ext.map(|e| format!("\\.{}", escape(e))).unwrap_or_default();
    let ext_shape = ext.map(|e| format!(".{e}")).unwrap_or_default();
    if slug || stem.contains('%') || !stem.is_ascii() {
        return (format!("*{ext_shape}"), format!("[^/]+{ext_re}"));
    }
    // Digit runs become `\d+`; the rest stays.
    let (mut s, mut r) = (String::new(), String::new());
    let mut lit = String::new();
    let mut in_digits = false;
    for c in stem.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                r.push_str(&escape(&lit));
                s.push_str(&lit);
                lit.clear();
                s.push('*');
                r.push_str("\\d+");
                in_digits = true;
            }
        } else {
            in_digits = false;
            lit.push(c);
        }
    }
    r.push_str(&escape(&lit));
    s.push_str(&lit);
    (s + &ext_shape, r + &ext_re)
}

fn is_chrome(shape: &str) -> bool {
    let lower = shape.to_ascii_lowercase();
    let script = lower.rsplit('/').next().unwrap_or("");
    lower
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .flat_map(|w| std::iter::once(w).chain(w.split('-')))
        .any(|w| CHROME.contains(&w))
        || (script.contains(".php?")
            && !["thread", "topic", "?t=", "?p=", "article", "news", "view"]
                .iter()
                .any(|w| script.contains(w)))
}

/// How much a shape looks like stories rather than lists: 2 for a title
/// slug, an id page (`thread-*.html`, `*.html`) or an id in the query
/// (`viewtopic.php?t=*`); 1 for other variable shapes (date archives,
/// pagers); 0 for fixed ones.
fn leaf_score(g: &FollowGroup) -> u8 {
    if !g.shape.contains('*') {
        return 0;
    }
    let last = g.pattern.trim_end_matches('$').trim_end_matches('/');
    let last = last.rsplit('/').next().unwrap_or("");
    let slug = g.pattern.contains("[^/]+");
    let id_page = last.contains("\\d+") && last.contains("\\.");
    let id_query = last.contains("\\?") && last.contains("=\\d+");
    if slug || id_page || id_query {
        2
    } else {
        1
    }
}

fn is_asset(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, e)| ASSETS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Groups `links` (absolute URLs) on `page`'s host by shape, most first;
/// `chosen` are the links the site profile picked (threads of a list),
/// `allowed` says whether robots.txt lets the crawl fetch a link. Proposed:
/// the groups holding a link the profile picked, else the content-looking
/// groups (not chrome, not assets, some part variable) of the most
/// story-like kind with at least half the links of the largest.
/// `own_only` (a page that is itself a story: a thread, a review, a
/// question): only links of the page's own shape, other stories like it.
pub fn propose(
    page: &Url,
    links: &[String],
    chosen: &[String],
    own_only: bool,
    allowed: impl Fn(&Url) -> bool,
) -> Vec<FollowGroup> {
    let mut groups: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    let mut picked: BTreeSet<String> = BTreeSet::new();
    let own = path_q(page);
    for (link, by_profile) in links
        .iter()
        .map(|l| (l, false))
        .chain(chosen.iter().map(|l| (l, true)))
    {
        let Ok(u) = Url::parse(link) else { continue };
        if u.host_str() != page.host_str()
            || u.port_or_known_default() != page.port_or_known_default()
        {
            continue;
        }
        let pq = path_q(&u);
        if pq == own || is_asset(u.path()) || !allowed(&u) {
            continue;
        }
        let (shape, re) = shape_of(u.path(), u.query());
        if by_profile {
            picked.insert(re.clone());
        }
        groups
            .entry(re)
            .or_insert_with(|| (shape, BTreeSet::new()))
            .1
            .insert(pq);
    }
    let mut out: Vec<FollowGroup> = groups
        .into_iter()
        .map(|(pattern, (shape, urls))| FollowGroup {
            count: urls.len(),
            examples: urls.iter().take(3).cloned().collect(),
            shape,
            pattern,
            proposed: false,
        })
        .collect();
    // Most links first; among equals the deeper shape (articles sit below
    // their archives), then the one with more variable parts.
    let depth = |g: &FollowGroup| g.shape.matches('/').count();
    let vars = |g: &FollowGroup| g.shape.matches('*').count();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(depth(b).cmp(&depth(a)))
            .then(vars(b).cmp(&vars(a)))
            .then(a.shape.cmp(&b.shape))
    });
    let content = |g: &FollowGroup| g.shape.contains('*') && !is_chrome(&g.shape);
    if own_only {
        let own_pattern = shape_of(page.path(), page.query()).1;
        for g in &mut out {
            g.proposed = g.pattern == own_pattern || (picked.contains(&g.pattern) && content(g));
        }
        return out;
    }
    if !picked.is_empty() {
        let best = out
            .iter()
            .filter(|g| picked.contains(&g.pattern))
            .map(|g| g.count)
            .max()
            .unwrap_or(0);
        for g in &mut out {
            g.proposed = picked.contains(&g.pattern) && content(g) && g.count * 2 >= best;
        }
    }
    if !out.iter().any(|g| g.proposed) {
        let top = out
            .iter()
            .filter(|g| content(g))
            .map(leaf_score)
            .max()
            .unwrap_or(0);
        let content = |g: &FollowGroup| content(g) && leaf_score(g) == top;
        let best = out.iter().filter(|g| content(g)).map(|g| g.count).max();
        if let Some(best) = best {
            let mut n = 0;
            for g in &mut out {
                if content(g) && g.count * 2 >= best.max(2) && n < 3 {
                    g.proposed = true;
                    n += 1;
                }
            }
            // A single link of its kind (an index page linking its one
            // story): the first content group.
            if n == 0 {
                if let Some(g) = out.iter_mut().find(|g| content(g)) {
                    g.proposed = true;
                }
            }
        }
    }
    out
}

fn path_q(u: &Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(path: &str) -> String {
        let (p, q) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        shape_of(p, q).1
    }

    #[test]
    fn shapes_of_forum_blog_and_news_links() {
        assert_eq!(
            shape_of("/bbs/thread-1001-1-1.html", None),
            (
                "/bbs/thread-*-*-*.html".to_string(),
                r"^/bbs/thread-\d+-\d+-\d+\.html$".to_string()
            )
        );
        assert_eq!(re("/t/battery-swelling-on-x5/123"), r"^/t/[^/]+/\d+$");
        assert_eq!(re("/viewtopic.php?t=42"), r"^/viewtopic\.php\?t=\d+$");
        assert_eq!(
            re("/forum.php?mod=viewthread&tid=7"),
            r"^/forum\.php\?mod=viewthread&tid=\d+$"
        );
        assert_eq!(
            re("/blog/2026/11/lumio-aura-review/"),
            r"^/blog/\d{4}/\d+/[^/]+/$"
        );
        assert_eq!(re("/news-c/a/8837.html"), r"^/news-c/a/\d+\.html$");
        assert_eq!(shape_of("/news/2025/x5-launch", None).0, "/news/*/*");
        // Every link matches its own pattern.
        for l in [
            "/bbs/thread-1001-1-1.html",
            "/t/battery-swelling-on-x5/123",
            "/viewtopic.php?t=42",
            "/blog/2026/11/best-desk-lamps-2026/",
        ] {
            assert!(regex::Regex::new(&re(l)).unwrap().is_match(l), "{l}");
        }
    }

    #[test]
    fn proposes_content_links_not_chrome() {
        let page = Url::parse("http://f.test/bbs/forum-2-1.html").unwrap();
        let abs = |p: &str| format!("http://f.test{p}");
        let links: Vec<String> = [
            "/bbs/thread-1001-1-1.html",
            "/bbs/thread-1002-1-1.html",
            "/bbs/thread-1003-1-1.html",
            "/bbs/space-uid-1.html",
            "/bbs/space-uid-2.html",
            "/bbs/space-uid-3.html",
            "/bbs/home.php?mod=space&uid=3",
            "/bbs/forum-2-2.html",
            "/static/style.css",
            "/bbs/forum-2-1.html",
        ]
        .iter()
        .map(|p| abs(p))
        .collect();
        let disallowed = |u: &Url| u.path().ends_with("home.php");
        let groups = propose(&page, &links, &[], false, |u| !disallowed(u));
        let proposed: Vec<&str> = groups
            .iter()
            .filter(|g| g.proposed)
            .map(|g| g.shape.as_str())
            .collect();
        assert_eq!(proposed, ["/bbs/thread-*-*-*.html"], "{groups:#?}");
        let space = groups.iter().find(|g| g.shape.contains("space")).unwrap();
        assert_eq!(space.count, 3);
        assert!(groups.iter().all(|g| !g.shape.contains("home.php")));
        assert!(groups.iter().all(|g| !g.shape.contains(".css")));
        // Another host is never followed.
        let other = propose(
            &page,
            &["http://g.test/bbs/thread-1-1-1.html".into()],
            &[],
            false,
            |_| true,
        );
        assert!(other.is_empty());

        // A blog's posts, not its date archives; a review page alone.
        let blog = Url::parse("http://b.test/blog/").unwrap();
        let links: Vec<String> = [
            "/blog/2026/11/",
            "/blog/2026/10/",
            "/blog/2026/09/",
            "/blog/2026/11/lumio-aura-review/",
            "/blog/2026/11/best-desk-lamps-2026/",
            "/blog/category/reviews/",
        ]
        .iter()
        .map(|p| format!("http://b.test{p}"))
        .collect();
        let groups = propose(&blog, &links, &[], false, |_| true);
        let proposed: Vec<&str> = groups
            .iter()
            .filter(|g| g.proposed)
            .map(|g| g.pattern.as_str())
            .collect();
        assert_eq!(proposed, [r"^/blog/\d{4}/\d+/[^/]+/$"], "{groups:#?}");
        let review = Url::parse("http://r.test/reviews/lumio-aura.html").unwrap();
        let links = vec!["http://r.test/reviews/c/lighting/".to_string()];
        let groups = propose(&review, &links, &[], true, |_| true);
        assert!(groups.iter().all(|g| !g.proposed), "{groups:#?}");
    }
}
