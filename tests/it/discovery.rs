//! Search- and feed-driven discovery: `kind = "search"` sources built from
//! the watches' terms (an RSS news search, a GBK forum search page, a
//! JSON search API), `kind = "sitemap"` sources (robots.txt `Sitemap:`, an
//! index, a gzipped child, a news sitemap, `lastmod`), and Reddit- and
//! Hacker News-shaped JSON listings read into posts directly. Local
//! servers play each role and count what they are asked; `earshot crawl`
//! runs with a config as a user would.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use earshot_test_utils::server::{html, not_found, resp, start, Reply, TestServer};
use serde_json::Value;

use crate::util::{cli, earshot, text};

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("earshot.toml");
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 50.0\nmax_retries = 0\n\n[sentiment]\nenabled = false\n\n{body}",
            dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

/// `earshot crawl --json [--source S]`: the exit status and the summary.
fn crawl(cfg: &Path, source: Option<&str>) -> (Output, Value) {
    let mut c = earshot();
    c.arg("--config").arg(cfg).args(["crawl", "--json"]);
    if let Some(s) = source {
        c.args(["--source", s]);
    }
    let out = c.output().unwrap();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "crawl printed no summary ({e}): {}{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    (out, summary)
}

fn mentions(cfg: &Path, watch: &str) -> Vec<Value> {
    let mut v: Vec<Value> = cli(cfg, &["mentions", "--watch", watch, "--json", "-n", "500"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    v.sort_by_key(|m| m["url"].as_str().unwrap_or("").to_string());
    v
}

/// (url path, author, published_at) of each mention.
fn rows(ms: &[Value]) -> Vec<(String, String, String)> {
    ms.iter()
        .map(|m| {
            let url = m["url"].as_str().unwrap_or("");
            let path = url::Url::parse(url)
                .map(|u| match u.query() {
                    Some(q) => format!("{}?{q}", u.path()),
                    None => u.path().to_string(),
                })
                .unwrap_or_default();
            (
                path,
                m["author"].as_str().unwrap_or("").to_string(),
                date(m),
            )
        })
        .collect()
}

/// A mention's date, RFC 3339 with its offset written out (`+00:00`).
fn date(m: &Value) -> String {
    let d = m["published_at"].as_str().unwrap_or("");
    chrono::DateTime::parse_from_rfc3339(d)
        .map(|d| d.to_rfc3339())
        .unwrap_or_else(|_| d.to_string())
}

fn hits(srv: &TestServer, prefix: &str) -> usize {
    srv.hits()
        .iter()
        .filter(|h| h.path.starts_with(prefix))
        .count()
}

fn article(title: &str, author: &str, date: &str, body: &str) -> Reply {
    html(&format!(
        "<html><head><title>{title}</title><meta name=\"author\" content=\"{author}\">\
         <meta property=\"article:published_time\" content=\"{date}\"></head>\
         <body><article><h1>{title}</h1>{body}</article></body></html>"
    ))
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// A Discuz! thread page (GBK) with one post.
fn gbk_thread(id: u32, author: &str, time: &str, post: &str) -> Reply {
    let page = format!(
        "<html><head><meta charset=\"gbk\"><title>帖子 {id}</title></head><body><span id=\"thread_subject\">帖子 {id}</span>\
         <div id=\"post_{id}\"><table class=\"plhin\"><tr><td class=\"pls\"><div class=\"authi\">\
         <a class=\"xw1\" href=\"space-uid-{id}.html\">{author}</a></div></td><td class=\"plc\">\
         <em id=\"authorposton{id}\">发表于 {time}</em><a id=\"postnum{id}\">1#</a>\
         <table><tr><td class=\"t_f\" id=\"postmessage_{id}\">{post}</td></tr></table></td></tr></table></div></body></html>"
    );
    resp(
        "200 OK",
        "Content-Type: text/html; charset=gbk\r\n",
        &gbk(&page),
    )
}

fn rss(base: &str, items: &[(&str, &str)]) -> Reply {
    let items: String = items
        .iter()
        .map(|(path, title)| {
            format!("<item><title>{title}</title><link>{base}{path}</link><description>{title}</description></item>")
        })
        .collect();
    resp(
        "200 OK",
        "Content-Type: application/rss+xml; charset=utf-8\r\n",
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Search</title><link>{base}/</link>{items}</channel></rss>").as_bytes(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_sources_follow_results_to_articles_politely_and_in_the_sites_charset() {
    // After the first pass the news search lists one more article.
    let stage = Arc::new(AtomicUsize::new(0));
    let st = stage.clone();
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let b = base.clone();
    let srv = start(Arc::new(move |path, _, _| {
        let base = b.get().cloned().unwrap_or_default();
        match path {
            "/robots.txt" => resp(
                "200 OK",
                "Content-Type: text/plain\r\n",
                b"User-agent: *\nDisallow: /members/search\n",
            ),
            // The news site's RSS search, for the term "Lumio" only.
            p if p.starts_with("/rss/search?q=") => {
                if !p.eq_ignore_ascii_case("/rss/search?q=lumio") {
                    return rss(&base, &[]);
                }
                let mut items = vec![("/news/1", "Lumio Aura review"), ("/news/2", "Lumio recall?")];
                if st.load(Ordering::SeqCst) > 0 {
                    items.push(("/news/3", "Lumio answers"));
                }
                rss(&base, &items)
            }
            "/news/1" => article(
                "Lumio Aura review",
                "Mei Chen",
                "2026-12-01T09:00:00+08:00",
                "<p>The Lumio Aura desk lamp is bright, well made and pleasant to read by in the evening.</p>\
                 <p>Its dimmer is smooth and the arm holds its position through a month of daily use.</p>",
            ),
            "/news/2" => article(
                "Lumio recall?",
                "Tom Ward",
                "2026-12-02T15:30:00+00:00",
                "<p>Readers ask whether the Lumio Aura base that came loose is part of a wider fault.</p>\
                 <p>The company says it has had a handful of reports and replaces the bases at no cost.</p>",
            ),
            "/news/3" => article(
                "Lumio answers",
                "Ana Ruiz",
                "2026-12-03T08:00:00+00:00",
                "<p>Lumio published a statement about the loose bases and a replacement programme for owners.</p>\
                 <p>Owners can ask for a new base from the support page with their order number.</p>",
            ),
            // The forum's search page, in GBK: results only for 云雀 sent
            // as GBK bytes (D4C6 C8B8).
            p if p.starts_with("/search.php?") => {
                let results = if p.contains("srchtxt=%D4%C6%C8%B8") {
                    "<ul><li><a href=\"thread-11-1-1.html\">云雀 X5 续航</a></li>\
                     <li><a href=\"thread-12-1-1.html\">云雀 电池</a></li></ul>"
                } else {
                    "<p>没有找到相关内容</p>"
                };
                resp(
                    "200 OK",
                    "Content-Type: text/html; charset=gbk\r\n",
                    &gbk(&format!(
                        "<html><head><meta charset=\"gbk\"><title>搜索结果</title></head><body>\
                         <div id=\"nv\"><a href=\"forum.php\">论坛</a></div>{results}</body></html>"
                    )),
                )
            }
            "/thread-11-1-1.html" => gbk_thread(
                11,
                "老张",
                "2026-12-01 10:00:00",
                "云雀 X5 的续航比上一代好很多，一天重度使用还剩三成电。",
            ),
            "/thread-12-1-1.html" => gbk_thread(
                12,
                "小李",
                "2026-12-02 21:15:00",
                "我的云雀手机电池鼓包了，售后说要寄回去检测。",
            ),
            p if p.starts_with("/members/search") => html("<html><body>must not be asked</body></html>"),
            _ => not_found(),
        }
    }))
    .await;
    base.set(srv.base.clone()).unwrap();
    let srv = Arc::new(srv);
    let s2 = srv.clone();
    let url_base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let srv = s2;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = write_config(
            tmp.path(),
            &format!(
                r#"
[[source]]
name = "news-search"
kind = "search"
url = "{url_base}/rss/search?q={{query}}"
watches = ["Lumio"]
allow_private = true
timezone = "UTC"

[[source]]
name = "forum-search"
kind = "search"
url = "{url_base}/search.php?mod=forum&srchtxt={{query}}"
query_charset = "gbk"
watches = ["云雀"]
follow = ['^/thread-\d+-1-1\.html$']
allow_private = true
timezone = "Asia/Shanghai"

[[source]]
name = "members-search"
kind = "search"
url = "{url_base}/members/search?q={{query}}"
allow_private = true

[[watch]]
name = "Lumio"

[[watch]]
name = "云雀"
"#
            ),
        );
        cli(&cfg, &["config", "check"]);

        let (out, first) = crawl(&cfg, None);
        // robots.txt disallows the members' search: refused, never asked.
        assert_eq!(hits(&srv, "/members/search"), 0, "{:?}", srv.hits());
        assert!(
            !out.status.success(),
            "a refused source makes the pass partial"
        );
        let errors = first["errors"].to_string();
        assert!(
            errors.contains("members/search") && errors.contains("robots"),
            "{errors}"
        );

        let lumio = mentions(&cfg, "Lumio");
        assert_eq!(
            rows(&lumio),
            [
                (
                    "/news/1".into(),
                    "Mei Chen".into(),
                    "2026-12-01T09:00:00+08:00".into()
                ),
                (
                    "/news/2".into(),
                    "Tom Ward".into(),
                    "2026-12-02T15:30:00+00:00".into()
                ),
            ],
            "{lumio:#?}"
        );
        let yunque = mentions(&cfg, "云雀");
        assert_eq!(
            rows(&yunque),
            [
                (
                    "/thread-11-1-1.html".into(),
                    "老张".into(),
                    "2026-12-01T10:00:00+08:00".into()
                ),
                (
                    "/thread-12-1-1.html".into(),
                    "小李".into(),
                    "2026-12-02T21:15:00+08:00".into()
                ),
            ],
            "{yunque:#?} {:?} {first:#}",
            srv.hits().iter().map(|h| &h.path).collect::<Vec<_>>()
        );
        assert!(yunque[1]["text"].as_str().unwrap().contains("电池鼓包"));
        // The forum's nav link was not followed (the source's `follow`).
        assert_eq!(hits(&srv, "/forum.php"), 0);
        // A search's results are links, not mentions.
        assert!(lumio
            .iter()
            .chain(&yunque)
            .all(|m| !m["url"].as_str().unwrap().contains("search")));

        // Second pass: the results pages again, only the new article.
        stage.store(1, Ordering::SeqCst);
        let before: Vec<usize> = ["/news/1", "/news/2", "/thread-11", "/thread-12"]
            .iter()
            .map(|p| hits(&srv, p))
            .collect();
        assert_eq!(before, [1, 1, 1, 1]);
        let (_, second) = crawl(&cfg, None);
        assert_eq!(
            hits(&srv, "/rss/search?q=Lumio"),
            2,
            "results pages are revisited every pass"
        );
        assert_eq!(hits(&srv, "/search.php?"), 2);
        let after: Vec<usize> = ["/news/1", "/news/2", "/thread-11", "/thread-12", "/news/3"]
            .iter()
            .map(|p| hits(&srv, p))
            .collect();
        assert_eq!(
            after,
            [1, 1, 1, 1, 1],
            "only the new article is fetched: {:?}",
            srv.hits()
        );
        assert_eq!(second["new_per_watch"]["Lumio"], 1, "{second:#}");
        assert_eq!(mentions(&cfg, "Lumio").len(), 3);
    })
    .await
    .unwrap();
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn xml(body: &str) -> Reply {
    resp(
        "200 OK",
        "Content-Type: application/xml; charset=utf-8\r\n",
        body.as_bytes(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_sources_read_indexes_gzip_and_news_and_fetch_only_new_or_changed_pages() {
    let stage = Arc::new(AtomicUsize::new(0));
    let st = stage.clone();
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let b = base.clone();
    // Later than the first pass's fetch: /a/2 changed since.
    let changed = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let srv = start(Arc::new(move |path, _, _| {
        let base = b.get().cloned().unwrap_or_default();
        let second = st.load(Ordering::SeqCst) > 0;
        let page = |n: &str, who: &str, date: &str| {
            article(
                &format!("Lamp notes {n}"),
                who,
                date,
                &format!("<p>Notes {n}: the Lumio Aura lamp on my desk, its light in the evening and the smooth dimmer.</p>\
                          <p>Week after week it holds up; {}.</p>", if second { "still fine, and the base was replaced" } else { "still fine" }),
            )
        };
        match path {
            "/robots.txt" => resp(
                "200 OK",
                "Content-Type: text/plain\r\n",
                format!("User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n").as_bytes(),
            ),
            "/sitemap_index.xml" => xml(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                 <sitemap><loc>{base}/sitemaps/articles.xml.gz</loc></sitemap>\
                 <sitemap><loc>{base}/sitemaps/news.xml</loc></sitemap></sitemapindex>"
            )),
            "/sitemaps/articles.xml.gz" => {
                let a2 = if second { changed.clone() } else { "2026-12-02".into() };
                resp(
                    "200 OK",
                    "Content-Type: application/x-gzip\r\n",
                    &gzip(format!(
                        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                         <url><loc>{base}/a/1</loc><lastmod>2026-12-01</lastmod></url>\
                         <url><loc>{base}/a/2</loc><lastmod>{a2}</lastmod></url></urlset>"
                    ).as_bytes()),
                )
            }
            "/sitemaps/news.xml" => {
                let n2 = if second {
                    format!("<url><loc>{base}/n/2</loc><news:news><news:publication><news:name>Lamp News</news:name><news:language>en</news:language></news:publication>\
                             <news:publication_date>2026-12-05T10:00:00+00:00</news:publication_date><news:title>Second story</news:title></news:news></url>")
                } else {
                    String::new()
                };
                xml(&format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\
                     <url><loc>{base}/n/1</loc><news:news><news:publication><news:name>Lamp News</news:name><news:language>en</news:language></news:publication>\
                     <news:publication_date>2026-12-04T10:00:00+00:00</news:publication_date><news:title>First story</news:title></news:news></url>{n2}</urlset>"
                ))
            }
            "/sitemaps/big.xml" => xml(&format!(
                "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{}</urlset>",
                (1..=5).map(|i| format!("<url><loc>{base}/b/{i}</loc></url>")).collect::<String>()
            )),
            "/a/1" => page("a1", "Ivy", "2026-12-01T08:00:00+00:00"),
            "/a/2" => page("a2", "Jon", "2026-12-02T08:00:00+00:00"),
            "/n/1" => page("n1", "Kim", "2026-12-04T10:00:00+00:00"),
            "/n/2" => page("n2", "Lee", "2026-12-05T10:00:00+00:00"),
            p if p.starts_with("/b/") => page("b", "Max", "2026-12-06T10:00:00+00:00"),
            _ => not_found(),
        }
    }))
    .await;
    base.set(srv.base.clone()).unwrap();
    let srv = Arc::new(srv);
    let s2 = srv.clone();
    let url_base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let srv = s2;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = write_config(
            tmp.path(),
            &format!(
                r#"
[[source]]
name = "lamp-news"
kind = "sitemap"
# The site's root: its sitemaps are the ones robots.txt lists.
url = "{url_base}/"
allow_private = true
timezone = "UTC"

[[source]]
name = "big"
kind = "sitemap"
url = "{url_base}/sitemaps/big.xml"
max_sitemap_urls = 2
allow_private = true
timezone = "UTC"

[[watch]]
name = "Lumio"
"#
            ),
        );
        cli(&cfg, &["config", "check"]);
        let (out, first) = crawl(&cfg, Some("lamp-news"));
        assert!(out.status.success(), "{first:#}");
        let fetched = |p: &str| hits(&srv, p);
        assert_eq!(
            [
                fetched("/a/1"),
                fetched("/a/2"),
                fetched("/n/1"),
                fetched("/n/2")
            ],
            [1, 1, 1, 0],
            "{:?}",
            srv.hits()
        );
        assert_eq!(
            rows(&mentions(&cfg, "Lumio")),
            [
                (
                    "/a/1".into(),
                    "Ivy".into(),
                    "2026-12-01T08:00:00+00:00".into()
                ),
                (
                    "/a/2".into(),
                    "Jon".into(),
                    "2026-12-02T08:00:00+00:00".into()
                ),
                (
                    "/n/1".into(),
                    "Kim".into(),
                    "2026-12-04T10:00:00+00:00".into()
                ),
            ]
        );

        // Second pass: /a/2's lastmod moved past its fetch and /n/2 is new;
        // /a/1 and /n/1 are not asked again.
        stage.store(1, Ordering::SeqCst);
        let (out, second) = crawl(&cfg, Some("lamp-news"));
        assert!(out.status.success(), "{second:#}");
        assert_eq!(
            fetched("/sitemap_index.xml"),
            2,
            "sitemaps are read every pass"
        );
        assert_eq!(fetched("/sitemaps/articles.xml.gz"), 2);
        assert_eq!(
            [
                fetched("/a/1"),
                fetched("/a/2"),
                fetched("/n/1"),
                fetched("/n/2")
            ],
            [1, 2, 1, 1],
            "only new and changed pages are fetched: {:?}",
            srv.hits()
        );
        assert_eq!(second["new_per_watch"]["Lumio"], 1, "{second:#}");
        assert_eq!(second["mentions_updated"], 1, "{second:#}");

        // A sitemap longer than the source's limit: the first URLs, and a
        // warning that says which setting to raise.
        let (_, big) = crawl(&cfg, Some("big"));
        assert_eq!(hits(&srv, "/b/"), 2, "{:?}", srv.hits());
        assert!(
            big["errors"].to_string().contains("max_sitemap_urls"),
            "{big:#}"
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reddit_and_hacker_news_listings_are_read_into_posts_without_fetching_pages() {
    let child = |id: &str, title: &str, selftext: &str, author: &str, t: i64| {
        serde_json::json!({"kind": "t3", "data": {
            "id": id, "title": title, "selftext": selftext, "author": author,
            "created_utc": t as f64, "permalink": format!("/r/lamps/comments/{id}/post/"),
            "url": format!("https://example.org/{id}"), "num_comments": 3
        }})
    };
    let page1 = serde_json::json!({"kind": "Listing", "data": {"after": "t3_b", "children": [
        child("a", "Lumio Aura after a month", "The Lumio Aura dimmer is smooth and the light warm; very happy with it.", "lampfan", 1_764_583_200),
        child("b", "Lumio Aura base came loose", "", "desk_dweller", 1_764_590_400),
    ]}})
    .to_string();
    let page2 = serde_json::json!({"kind": "Listing", "data": {"after": "t3_c", "children": [
        child("c", "Which lamp?", "Thinking of the Lumio Aura or a cheaper one for my desk.", "newbie", 1_764_500_000),
    ]}})
    .to_string();
    let hit = |id: u64,
               title: Option<&str>,
               story: Option<&str>,
               comment: Option<&str>,
               author: &str,
               t: i64| {
        serde_json::json!({"objectID": id.to_string(), "title": title, "url": null, "author": author,
            "created_at_i": t, "created_at": "2000-01-01T00:00:00Z", "story_text": story, "comment_text": comment})
    };
    let hn0 = serde_json::json!({"page": 0, "nbPages": 2, "hitsPerPage": 2, "hits": [
        hit(101, Some("Ask HN: Is the Lumio Aura worth it?"), Some("<p>Looking at the <i>Lumio Aura</i> lamp for my office.</p>"), None, "pg_fan", 1_764_600_000),
        hit(102, None, None, Some("<p>My Lumio Aura has been on my desk for a year, no complaints.</p>"), "old_timer", 1_764_603_600),
    ]})
    .to_string();
    let hn1 = serde_json::json!({"page": 1, "nbPages": 2, "hitsPerPage": 2, "hits": [
        hit(103, Some("Show HN: I rebuilt a Lumio lamp arm"), None, None, "maker", 1_764_400_000),
    ]})
    .to_string();
    let json = |b: &str| {
        resp(
            "200 OK",
            "Content-Type: application/json; charset=utf-8\r\n",
            b.as_bytes(),
        )
    };
    let srv = start(Arc::new(move |path, _, _| match path {
        "/robots.txt" => not_found(),
        "/r/lamps/new.json" => json(&page1),
        "/r/lamps/new.json?after=t3_b" => json(&page2),
        "/api/v1/search_by_date?query=Lumio&tags=story" => json(&hn0),
        "/api/v1/search_by_date?query=Lumio&tags=story&page=1" => json(&hn1),
        _ => not_found(),
    }))
    .await;
    let srv = Arc::new(srv);
    let s2 = srv.clone();
    let url_base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let srv = s2;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = write_config(
            tmp.path(),
            &format!(
                r#"
[[source]]
name = "r-lamps"
start_urls = ["{url_base}/r/lamps/new.json"]
# The listing and one more page (each `after` page is a hop).
max_depth = 1
allow_private = true
timezone = "UTC"

[[source]]
name = "hn"
kind = "search"
url = "{url_base}/api/v1/search_by_date?query={{query}}&tags=story"
allow_private = true
timezone = "UTC"

[[watch]]
name = "Lumio"
"#
            ),
        );
        let (out, summary) = crawl(&cfg, None);
        assert!(out.status.success(), "{summary:#}");
        // Only the listings were asked for: pages past max_depth and the
        // posts' own pages were not.
        let mut asked: Vec<String> = srv
            .hits()
            .into_iter()
            .map(|h| h.path)
            .filter(|p| p != "/robots.txt")
            .collect();
        asked.sort();
        assert_eq!(
            asked,
            [
                "/api/v1/search_by_date?query=Lumio&tags=story",
                "/api/v1/search_by_date?query=Lumio&tags=story&page=1",
                "/r/lamps/new.json",
                "/r/lamps/new.json?after=t3_b",
            ]
        );
        let ms = mentions(&cfg, "Lumio");
        let got: Vec<(String, String, String)> = ms
            .iter()
            .map(|m| {
                (
                    m["url"].as_str().unwrap().replace(&url_base, ""),
                    m["author"].as_str().unwrap_or("").to_string(),
                    date(m),
                )
            })
            .collect();
        let at = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap()
                .fixed_offset()
                .to_rfc3339()
        };
        assert_eq!(
            got,
            [
                (
                    "/r/lamps/comments/a/post/".into(),
                    "lampfan".into(),
                    at(1_764_583_200)
                ),
                (
                    "/r/lamps/comments/b/post/".into(),
                    "desk_dweller".into(),
                    at(1_764_590_400)
                ),
                (
                    "/r/lamps/comments/c/post/".into(),
                    "newbie".into(),
                    at(1_764_500_000)
                ),
                (
                    "https://news.ycombinator.com/item?id=101".into(),
                    "pg_fan".into(),
                    at(1_764_600_000)
                ),
                (
                    "https://news.ycombinator.com/item?id=102".into(),
                    "old_timer".into(),
                    at(1_764_603_600)
                ),
                (
                    "https://news.ycombinator.com/item?id=103".into(),
                    "maker".into(),
                    at(1_764_400_000)
                ),
            ],
            "{ms:#?}"
        );
        // A link post is its title; a self post keeps its own text.
        assert_eq!(ms[1]["text"], "Lumio Aura base came loose");
        assert!(ms[3]["text"]
            .as_str()
            .unwrap()
            .contains("Looking at the Lumio Aura lamp"));
        assert_eq!(ms[0]["title"], "Lumio Aura after a month");

        // Again: the listings are read again, the same posts found again
        // (stored under their own addresses), none new.
        let (_, again) = crawl(&cfg, None);
        assert_eq!(
            again["new_per_watch"]["Lumio"].as_u64().unwrap_or(0),
            0,
            "{again:#}"
        );
        assert_eq!(mentions(&cfg, "Lumio").len(), 6);
    })
    .await
    .unwrap();
}

#[test]
fn bad_search_and_sitemap_sources_are_refused_with_where_and_how() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(
        tmp.path(),
        r#"
[[source]]
name = "no-query"
kind = "search"
url = "https://news.example/rss/search?q=lumio"

[[source]]
name = "typo"
kind = "search"
url = "https://bbs.example/search.php?srchtxt={qeury}"
query_charset = "gbkk"
watches = ["Lumoi"]

[[source]]
name = "no-url"
kind = "sitemap"

[[source]]
name = "odd-kind"
kind = "serch"
url = "https://news.example/?q={query}"

[[watch]]
name = "Lumio"
"#,
    );
    let out = earshot()
        .arg("--config")
        .arg(&cfg)
        .args(["config", "check"])
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{all}");
    // serde refuses the unknown kind first, naming the choices.
    assert!(all.contains("serch") && all.contains("search"), "{all}");

    // Without the unknown kind, every other problem is reported at once.
    let body = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("kind = \"serch\"", "kind = \"search\"");
    std::fs::write(&cfg, body).unwrap();
    let out = earshot()
        .arg("--config")
        .arg(&cfg)
        .args(["config", "check"])
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success(), "{all}");
    for want in [
        "source[0].url",
        "has no {query}",
        "put {query} where the search terms go",
        "source[1].url",
        "unknown placeholder {qeury}",
        "did you mean {query}?",
        "source[1].query_charset",
        "`gbkk` is not a charset",
        "source[1].watches[0]",
        "did you mean `Lumio`?",
        "source[2].kind",
        "needs the sitemap's address",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
    // Each problem is located in the file.
    assert!(all.contains("earshot.toml:"), "{all}");
}
