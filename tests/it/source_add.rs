//! `earshot source add URL`: the real binary looks at the demo site's every
//! kind of page and at local servers over 127.0.0.1, proposes the entry,
//! and `--write` leads to a crawl that stores scored mentions.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use earshot_test_utils::server::{html, not_found, resp, start};
use serde_json::Value;

use crate::util::{earshot, text};

/// `[crawl]` for a local site: quick, private addresses allowed, the demo
/// host name pointed at `addr`.
fn crawl_section(addr: &str) -> String {
    format!(
        "[crawl]\nuser_agent = \"earshot-test/1 (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 50.0\nburst = 10\nmax_retries = 0\nallow_private = true\nresolve = {{ \"demo.earshot.test\" = \"{addr}\" }}\n"
    )
}

async fn earshot_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || earshot().args(&args).output().unwrap())
        .await
        .unwrap()
}

fn args(config: &Path, rest: &[&str]) -> Vec<String> {
    let mut v = vec!["--config".to_string(), config.display().to_string()];
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

fn follows(p: &Value) -> Vec<regex::Regex> {
    p["source"]["follow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| regex::Regex::new(r.as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposes_profile_follow_feed_and_timezone_for_every_demo_kind() {
    let site = earshot_cli::demo::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(&cfg, crawl_section(&site.addr.to_string())).unwrap();
    // (page, profile, a link the follow rules must match, the feed, the timezone)
    type Case<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let cases: &[Case] = &[
        (
            "/bbs/forum-2-1.html",
            "discuz-list",
            Some("/bbs/thread-1002-1-1.html"),
            None,
            None,
        ),
        (
            "/bbs/thread-1001-1-1.html",
            "discuz-thread",
            Some("/bbs/thread-1001-2-1.html"),
            None,
            None,
        ),
        (
            "/blog/",
            "wordpress",
            Some("/blog/2026/11/lumio-aura-review/"),
            Some("/blog/feed/index.xml"),
            Some("UTC"),
        ),
        ("/reviews/lumio-aura.html", "review", None, None, None),
        (
            "/qa/question-88.html",
            "qa",
            None,
            None,
            Some("Asia/Taipei"),
        ),
        (
            "/news-a/",
            "generic",
            Some("/news-a/2026/11/21/yunque-x5-battery.html"),
            None,
            None,
        ),
        (
            "/news-b/",
            "generic",
            Some("/news-b/tech/20261121/4521.html"),
            None,
            None,
        ),
        (
            "/news-c/",
            "generic",
            Some("/news-c/a/8837.html"),
            None,
            None,
        ),
        (
            "/news-d/",
            "generic",
            Some("/news-d/2026/11/21/x5-review-roundup.html"),
            None,
            None,
        ),
    ];
    for (page, profile, link, feed, tz) in cases {
        let url = format!("http://demo.earshot.test{page}");
        let out = earshot_async(args(&cfg, &["source", "add", &url, "--json"])).await;
        assert!(out.status.success(), "{page}: {}", text(&out.stderr));
        let p: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{page}: {e}\n{}", text(&out.stdout)));
        assert_eq!(p["robots"]["allowed"], true, "{page}");
        assert_eq!(p["robots"]["agent"], "earshot-test", "{page}");
        assert_eq!(p["page"]["profile"], *profile, "{page}: {:#}", p["page"]);
        let rules = follows(&p);
        match link {
            Some(l) => {
                assert!(
                    rules.iter().any(|r| r.is_match(l)),
                    "{page}: {l} not matched by {rules:?}\n{:#}",
                    p["follow"]
                );
                // Chrome is not followed: no proposed rule matches a user,
                // a category or a robots-disallowed page.
                for chrome in [
                    "/bbs/space-uid-1.html",
                    "/blog/category/reviews/",
                    "/bbs/home.php?mod=space&uid=1",
                ] {
                    assert!(
                        !rules.iter().any(|r| r.is_match(chrome)),
                        "{page}: {chrome} followed by {rules:?}"
                    );
                }
            }
            None => assert!(rules.is_empty(), "{page}: {rules:?}"),
        }
        let feeds: Vec<&str> = p["source"]["feeds"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        match feed {
            Some(f) => assert_eq!(feeds, [format!("http://demo.earshot.test{f}")], "{page}"),
            None => assert!(feeds.is_empty(), "{page}: {feeds:?}"),
        }
        assert_eq!(
            p["source"]["timezone"].as_str(),
            *tz,
            "{page}: {:#}",
            p["timezone"]
        );
        assert_eq!(p["source"]["start_urls"][0], url.as_str());
        let schedule = match *profile {
            "discuz-list" | "discuz-thread" => "every 30m",
            "review" | "qa" => "every 6h",
            _ => "every 1h",
        };
        assert_eq!(p["source"]["schedule"], schedule, "{page}");
        // The TOML entry parses back to the same source.
        let entry: toml::Value = toml::from_str(p["toml"].as_str().unwrap()).unwrap();
        assert_eq!(
            entry["source"][0]["start_urls"][0].as_str(),
            Some(url.as_str())
        );
    }
    // The generic extractor says what it reads; a profile names itself.
    let out = earshot_async(args(
        &cfg,
        &[
            "source",
            "add",
            "http://demo.earshot.test/news-a/2026/11/21/yunque-x5-battery.html",
        ],
    ))
    .await;
    let shown = text(&out.stdout);
    assert!(shown.contains("generic article extractor"), "{shown}");
    assert!(shown.contains("first post   "), "{shown}");
    assert!(shown.contains("云雀 X5"), "{shown}");
    let out = earshot_async(args(
        &cfg,
        &[
            "source",
            "add",
            "http://demo.earshot.test/bbs/forum-2-1.html",
        ],
    ))
    .await;
    let shown = text(&out.stdout);
    assert!(shown.contains("profile      discuz-list ("), "{shown}");
    assert!(shown.contains("/bbs/thread-*-*-*.html"), "{shown}");
    assert!(
        shown.contains("[[source]]\nname = \"demo-earshot-test-bbs\""),
        "{shown}"
    );
    site.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_engine_feed_news_sitemap_and_sends_the_configured_agent() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => resp(
            "200 OK",
            "Content-Type: text/plain\r\n",
            b"User-agent: *\nDisallow: /forum/memberlist.php\n\nSitemap: /news-sitemap.xml\n",
        ),
        "/forum/viewtopic.php?t=7" => html(
            "<html><head><title>Lumio Aura flicker - Lamp Forum</title></head><body id=\"phpbb\">\
             <h2 class=\"topic-title\">Lumio Aura flicker</h2>\
             <div class=\"post\"><p class=\"author\"><strong>ann</strong> <time datetime=\"2026-11-20T09:00:00+00:00\">Fri Nov 20</time></p>\
             <div class=\"content\">My Lumio Aura flickers since the firmware update, anyone else?</div></div>\
             <div class=\"post\"><p class=\"author\"><strong>bob</strong> <time datetime=\"2026-11-20T10:00:00+00:00\">Fri Nov 20</time></p>\
             <div class=\"content\">Same here, rolled back to 2.3.0.</div></div>\
             <a href=\"./viewtopic.php?t=8\">next topic</a> <a href=\"./viewtopic.php?t=9\">other</a>\
             <a href=\"./memberlist.php?mode=viewprofile&u=2\">ann</a> <a href=\"./memberlist.php?mode=viewprofile&u=3\">bob</a>\
             </body></html>",
        ),
        "/forum/feed.php" => resp(
            "200 OK",
            "Content-Type: application/atom+xml\r\n",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Lamp Forum</title></feed>",
        ),
        "/news-sitemap.xml" => resp(
            "200 OK",
            "Content-Type: application/xml\r\n",
            b"<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"></urlset>",
        ),
        _ => not_found(),
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(&cfg, crawl_section("127.0.0.1:9")).unwrap();
    let url = format!("{}/forum/viewtopic.php?t=7", srv.base);
    let out = earshot_async(args(
        &cfg,
        &["source", "add", &url, "--json", "--name", "lamp-forum"],
    ))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(p["page"]["profile"], "phpbb");
    assert_eq!(p["page"]["posts"], 2);
    assert_eq!(p["page"]["first_post"]["author"], "ann");
    assert_eq!(p["source"]["name"], "lamp-forum");
    let feed = format!("{}/forum/feed.php", srv.base);
    assert_eq!(p["feeds"][0]["url"], feed.as_str());
    assert_eq!(p["feeds"][0]["how"], "common path");
    assert_eq!(p["source"]["feeds"][0], feed.as_str());
    assert_eq!(
        p["sitemaps"][0]["url"],
        format!("{}/news-sitemap.xml", srv.base).as_str()
    );
    assert_eq!(p["sitemaps"][0]["news"], true);
    assert_eq!(p["sitemaps"][0]["how"], "robots.txt");
    let rules = follows(&p);
    assert!(
        rules.iter().any(|r| r.is_match("/forum/viewtopic.php?t=8")),
        "{rules:?}"
    );
    assert!(!rules
        .iter()
        .any(|r| r.is_match("/forum/memberlist.php?mode=viewprofile&u=2")));
    assert_eq!(p["timezone"]["zone"], "UTC");
    // Polite: the configured agent on every request, robots.txt once, and
    // the disallowed member list never fetched.
    let hits = srv.hits();
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(
            h.head.contains("user-agent: earshot-test/1")
                || h.head.contains("User-Agent: earshot-test/1"),
            "{}",
            h.head
        );
    }
    assert_eq!(srv.hits_for("/robots.txt").len(), 1);
    assert!(hits.iter().all(|h| !h.path.contains("memberlist")));
    // For people: the news sitemap comes with the source that crawls it.
    let out = earshot_async(args(&cfg, &["source", "add", &url, "--name", "lamp-forum"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!(
            "kind = \"sitemap\" and url = \"{}/news-sitemap.xml\"",
            srv.base
        )),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_robots_txt_disallows_is_reported_and_not_written() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => resp(
            "200 OK",
            "Content-Type: text/plain\r\n",
            b"User-agent: *\nDisallow: /private/\n",
        ),
        "/private/board.html" => html("<html><body>secret</body></html>"),
        _ => not_found(),
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    let original = format!("# my config\n{}", crawl_section("127.0.0.1:9"));
    std::fs::write(&cfg, &original).unwrap();
    let url = format!("{}/private/board.html", srv.base);
    let out = earshot_async(args(&cfg, &["source", "add", &url])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("DISALLOWS `earshot-test` from fetching"),
        "{shown}"
    );
    assert!(shown.contains("disallowed by http://127.0.0.1:"), "{shown}");
    let out = earshot_async(args(&cfg, &["source", "add", &url, "--write"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("not written:") && err.contains("earshot would not crawl it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), original);
    // The page itself was never fetched.
    assert!(srv.hits_for("/private/board.html").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_keeps_the_file_and_the_source_crawls_to_scored_mentions() {
    let site = earshot_cli::demo::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    let store = dir.path().join("store");
    // Comments, odd spacing and a table after the sources: kept as written.
    let original = format!(
        "# my earshot config  \n\n[store]\npath = \"{}\"   # where\n\n{}\n[[watch]]\nname = \"云雀\"\naliases = [ \"雲雀\",\"Yunque\" ]  # both\n\n[sentiment]\nenabled = true\n# the end, no newline",
        store.display(),
        crawl_section(&site.addr.to_string())
    );
    std::fs::write(&cfg, &original).unwrap();
    let url = "http://demo.earshot.test/bbs/forum-2-1.html";
    let out = earshot_async(args(
        &cfg,
        &["source", "add", url, "--name", "yunque-bbs", "--write"],
    ))
    .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": OK (1 sources, 1 watches"), "{stdout}");
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(written.starts_with(&original), "{written}");
    let added = &written[original.len()..];
    assert!(
        added.starts_with("\n\n# added by earshot source add on 20"),
        "{added:?}"
    );
    assert!(
        added.contains("[[source]]\nname = \"yunque-bbs\"\n"),
        "{added}"
    );
    // A schedule, so that `earshot run` crawls it too.
    assert!(added.contains("schedule = \"every 30m\"\n"), "{added}");
    let out = earshot_async(vec![
        "config".into(),
        "check".into(),
        cfg.display().to_string(),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The same name, or the same URL, again: refused, the file untouched.
    let out = earshot_async(args(
        &cfg,
        &["source", "add", url, "--name", "yunque-bbs", "--write"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already has a [[source]] named `yunque-bbs`"),
        "{}",
        text(&out.stderr)
    );
    let out = earshot_async(args(
        &cfg,
        &["source", "add", url, "--name", "other", "--write"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "already crawls http://demo.earshot.test/bbs/forum-2-1.html (source `yunque-bbs`)"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), written);

    // From the URL to a crawled, scored source.
    let out = earshot_async(args(&cfg, &["crawl", "--source", "yunque-bbs"])).await;
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = earshot_async(args(&cfg, &["mentions", "--json", "--limit", "100"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mentions: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The forum's 15 posts that name 云雀 (demo/site/README.md).
    assert_eq!(mentions.len(), 15, "{}", text(&out.stdout));
    assert!(mentions.iter().all(|m| m["source"] == "yunque-bbs"));
    assert!(
        mentions.iter().all(|m| m["sentiment"].is_object()),
        "{:#}",
        mentions[0]
    );
    site.stop().await;
}
