//! Sitemap and search sources through the fleet, and what a fleet pass
//! leaves behind, against a real `nats-server -js -m` (its monitoring port
//! gives the streams' depths): a sitemap site (robots.txt `Sitemap:`, an
//! index, a gzipped child, a news sitemap, `lastmod`) and a search site
//! crawled by a coordinator and two workers store every page once, politely,
//! with the same mentions as one machine crawling twin sites, over two
//! passes; an endless calendar stays under `crawl.max_urls_per_source`
//! across fleet passes and its old days are forgotten; and after every
//! coordinator exits, no result is left waiting in `EARSHOT_RESULTS`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{html, not_found, resp, start, Handler, Reply, TestServer};

use crate::fleet::{coordinator, finish, free_port, nats_server_with, worker, Proc};

/// The sites' Crawl-delay, in seconds.
const DELAY: f64 = 0.2;

/// A NATS server with JetStream and its monitoring port.
pub(crate) struct Nats {
    _proc: Proc,
    pub(crate) url: String,
    pub(crate) monitor: u16,
}

pub(crate) fn nats(dir: &Path) -> Nats {
    let (port, monitor) = (free_port(), free_port());
    let proc = nats_server_with(&dir.join("nats"), port, &["-m", &monitor.to_string()]);
    Nats {
        _proc: proc,
        url: format!("nats://127.0.0.1:{port}"),
        monitor,
    }
}

/// Messages waiting in a stream, as the server's `/jsz` reports them.
pub(crate) fn waiting(monitor: u16, stream: &str) -> u64 {
    stream_state(monitor, stream, "messages")
}

/// A figure of a stream's state in the server's `/jsz` (`messages`,
/// `last_seq`).
pub(crate) fn stream_state(monitor: u16, stream: &str, key: &str) -> u64 {
    use std::io::Read;
    let mut c = std::net::TcpStream::connect(("127.0.0.1", monitor)).unwrap();
    c.write_all(b"GET /jsz?accounts=true&streams=true HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    let json = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let body: serde_json::Value = serde_json::from_str(json).unwrap();
    body["account_details"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["stream_detail"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["name"] == stream)
        .map(|s| s["state"][key].as_u64().unwrap_or(0))
        .sum()
}

/// One `earshot crawl --fleet` pass; then nothing may wait in the result
/// or job streams: the coordinator acked every result it stored before
/// exiting.
pub(crate) fn fleet_pass(cfg: &Path, n: &Nats) -> serde_json::Value {
    let summary = finish(coordinator(cfg, &n.url));
    assert_eq!(
        waiting(n.monitor, "EARSHOT_RESULTS"),
        0,
        "results left in EARSHOT_RESULTS after the coordinator exited: {summary}"
    );
    assert_eq!(waiting(n.monitor, "EARSHOT_FETCH"), 0, "{summary}");
    summary
}

/// `earshot crawl --json` on one machine.
pub(crate) fn one_machine_pass(cfg: &Path) -> serde_json::Value {
    let out = crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .args(["crawl", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        crate::util::text(&out.stdout),
        crate::util::text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A config at `dir/name` storing in `dir/store`, with `[crawl]` keys
/// `crawl` and, when `fleet`, a `[fleet]` section (the URL comes from
/// `--fleet`).
pub(crate) fn write_config(
    dir: &Path,
    (name, store): (&str, &str),
    fleet: bool,
    crawl: &str,
    body: &str,
) -> PathBuf {
    let fleet = if fleet {
        "[fleet]\nshards = 8\nack_wait = \"2s\"\n"
    } else {
        ""
    };
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nmax_retries = 0\n{crawl}\n\n[sentiment]\nenabled = false\n\n{fleet}\n{body}",
            dir.join(store).display()
        ),
    )
    .unwrap();
    path
}

pub(crate) fn article(title: &str, author: &str, date: &str, body: &str) -> Reply {
    html(&format!(
        "<html><head><title>{title}</title><meta name=\"author\" content=\"{author}\">\
         <meta property=\"article:published_time\" content=\"{date}\"></head>\
         <body><article><h1>{title}</h1>{body}</article></body></html>"
    ))
}

pub(crate) fn xml(body: &str) -> Reply {
    resp(
        "200 OK",
        "Content-Type: application/xml; charset=utf-8\r\n",
        body.as_bytes(),
    )
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub(crate) fn robots(extra: &str) -> Reply {
    resp(
        "200 OK",
        "Content-Type: text/plain\r\n",
        format!("User-agent: *\nCrawl-delay: {DELAY}\n{extra}").as_bytes(),
    )
}

/// A news site whose robots.txt lists a sitemap index: a gzipped sitemap
/// (`lastmod`) and a news sitemap. At stage 1, /a/2 changed after the
/// first pass and /n/2 is new.
fn sitemap_site(stage: Arc<AtomicUsize>, changed: String) -> (Handler, Arc<OnceLock<String>>) {
    let base = Arc::new(OnceLock::<String>::new());
    let b = base.clone();
    let handler: Handler = Arc::new(move |path, _, _| {
        let base = b.get().cloned().unwrap_or_default();
        let second = stage.load(Ordering::SeqCst) > 0;
        let page = |n: &str, who: &str, date: &str| {
            let later = if second {
                "still fine, and the base was replaced"
            } else {
                "still fine"
            };
            article(
                &format!("Lamp notes {n}"),
                who,
                date,
                &format!("<p>Notes {n}: the Lumio Aura lamp on my desk, its light in the evening and the smooth dimmer.</p><p>Week after week it holds up; {later}.</p>"),
            )
        };
        match path {
            "/robots.txt" => robots(&format!("Sitemap: {base}/sitemap_index.xml\n")),
            "/sitemap_index.xml" => xml(&format!(
                "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
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
                let item = |n: u32, day: u32| format!(
                    "<url><loc>{base}/n/{n}</loc><news:news><news:publication><news:name>Lamp News</news:name><news:language>en</news:language></news:publication>\
                     <news:publication_date>2026-12-0{day}T10:00:00+00:00</news:publication_date><news:title>Story {n}</news:title></news:news></url>"
                );
                let n2 = if second { item(2, 5) } else { String::new() };
                xml(&format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">{}{n2}</urlset>",
                    item(1, 4)
                ))
            }
            "/a/1" => page("a1", "Ivy", "2026-12-01T08:00:00+00:00"),
            "/a/2" => page("a2", "Jon", "2026-12-02T08:00:00+00:00"),
            "/n/1" => page("n1", "Kim", "2026-12-04T10:00:00+00:00"),
            "/n/2" => page("n2", "Lee", "2026-12-05T10:00:00+00:00"),
            _ => not_found(),
        }
    });
    (handler, base)
}

/// A site whose search page lists two reviews for the term `Lumio`.
fn search_site() -> Handler {
    Arc::new(move |path, _, _| {
        match path {
        "/robots.txt" => robots(""),
        "/search?q=Lumio" => html(
            "<html><body><h1>Results for Lumio</h1><ul>\
             <li><a href=\"/r/1\">Lumio Aura review</a></li>\
             <li><a href=\"/r/2\">Lumio after a month</a></li></ul></body></html>",
        ),
        "/r/1" => article(
            "Lumio Aura review",
            "Ann",
            "2026-11-20T09:00:00+00:00",
            "<p>The Lumio Aura is the best desk lamp I have owned: warm light and a smooth dimmer.</p>\
             <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly.</p>",
        ),
        "/r/2" => article(
            "Lumio after a month",
            "Bo",
            "2026-11-28T09:00:00+00:00",
            "<p>A month with the Lumio Aura: the arm sags a little, the light is still lovely.</p>\
             <p>The dimmer still runs smoothly and the warm setting is pleasant for reading in the evening.</p>",
        ),
        _ => not_found(),
    }
    })
}

fn sources(sitemap: &str, search: &str) -> String {
    format!(
        "[[source]]\nname = \"lamp-news\"\nkind = \"sitemap\"\nurl = \"{sitemap}/\"\nallow_private = true\ntimezone = \"UTC\"\n\n\
         [[source]]\nname = \"lamp-search\"\nkind = \"search\"\nurl = \"{search}/search?q={{query}}\"\nallow_private = true\ntimezone = \"UTC\"\n\n\
         [[watch]]\nname = \"Lumio\"\n"
    )
}

/// (path, author, date, context, watches) of every stored mention, sorted.
pub(crate) fn mentions(store: &Path) -> Vec<(String, String, String, String, String)> {
    let s = Store::open_existing(store).unwrap();
    let mut out: Vec<_> = s
        .mentions(&MentionQuery::default())
        .unwrap()
        .into_iter()
        .map(|m| {
            let path = url::Url::parse(&m.canonical_url)
                .unwrap()
                .path()
                .to_string();
            (
                path,
                m.author.unwrap_or_default(),
                m.published_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
                m.context,
                m.watches.join(","),
            )
        })
        .collect();
    out.sort();
    out
}

/// Page requests per path (robots.txt aside), and no two of them closer
/// than the Crawl-delay, whichever worker sent them.
pub(crate) fn pages_asked(srv: &TestServer) -> Vec<(String, usize)> {
    let hits: Vec<_> = srv
        .hits()
        .into_iter()
        .filter(|h| h.path != "/robots.txt")
        .collect();
    for w in hits.windows(2) {
        let gap = (w[1].at - w[0].at).as_secs_f64();
        assert!(
            gap >= DELAY * 0.9,
            "{}: {} then {} only {gap:.3}s apart (Crawl-delay {DELAY})",
            srv.base,
            w[0].path,
            w[1].path
        );
    }
    let mut n: std::collections::BTreeMap<String, usize> = Default::default();
    for h in hits {
        *n.entry(h.path).or_default() += 1;
    }
    n.into_iter().collect()
}

pub(crate) fn counts(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(p, n)| (p.to_string(), *n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_and_search_sources_through_the_fleet_store_what_one_machine_stores() {
    let stage = Arc::new(AtomicUsize::new(0));
    // Later than the first pass's fetch: /a/2 changed since.
    let changed = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    // The fleet's sites, and twins for one machine.
    let mut maps = Vec::new();
    for _ in 0..2 {
        let (h, base) = sitemap_site(stage.clone(), changed.clone());
        let srv = start(h).await;
        base.set(srv.base.clone()).unwrap();
        maps.push(srv);
    }
    let (search, search1) = (start(search_site()).await, start(search_site()).await);
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let crawl = "rate_per_host = 50.0";
    let fleet_cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        crawl,
        &sources(&maps[0].base, &search.base),
    );
    let one_cfg = write_config(
        dir.path(),
        ("one.toml", "store1"),
        false,
        crawl,
        &sources(&maps[1].base, &search1.base),
    );
    let workers: Vec<Proc> = (0..2).map(|_| worker(&fleet_cfg, &n.url)).collect();
    let (d, st) = (dir.path().to_path_buf(), stage.clone());
    let maps = Arc::new(maps);
    let (m2, s2) = (maps.clone(), Arc::new(search));
    let search = s2.clone();
    tokio::task::spawn_blocking(move || {
        let (maps, search) = (m2, s2);
        let first = fleet_pass(&fleet_cfg, &n);
        assert_eq!(first["pages_failed"], 0, "{first:#}");
        assert_eq!(first["mentions_new"], 5, "{first:#}");
        let one = one_machine_pass(&one_cfg);
        assert_eq!(one["mentions_new"], 5, "{one:#}");
        assert_eq!(
            mentions(&d.join("store")),
            mentions(&d.join("store1")),
            "the fleet stored what one machine stores"
        );
        let pages = counts(&[
            ("/a/1", 1),
            ("/a/2", 1),
            ("/n/1", 1),
            ("/sitemap_index.xml", 1),
            ("/sitemaps/articles.xml.gz", 1),
            ("/sitemaps/news.xml", 1),
        ]);
        assert_eq!(pages_asked(&maps[0]), pages, "each asked once");
        assert_eq!(pages_asked(&maps[1]), pages, "as one machine asks");
        let searched = counts(&[("/r/1", 1), ("/r/2", 1), ("/search?q=Lumio", 1)]);
        assert_eq!(pages_asked(&search), searched);
        assert_eq!(pages_asked(&search1), searched);

        // Second pass: /a/2's lastmod moved past its fetch and /n/2 is
        // new; the search is asked again, its reviews are not due.
        st.store(1, Ordering::SeqCst);
        let second = fleet_pass(&fleet_cfg, &n);
        assert_eq!(second["pages_failed"], 0, "{second:#}");
        assert_eq!(second["new_per_watch"]["Lumio"], 1, "{second:#}");
        assert_eq!(second["mentions_updated"], 1, "{second:#}");
        let one = one_machine_pass(&one_cfg);
        assert_eq!(one["new_per_watch"]["Lumio"], 1, "{one:#}");
        assert_eq!(mentions(&d.join("store")), mentions(&d.join("store1")));
        let pages = counts(&[
            ("/a/1", 1),
            ("/a/2", 2),
            ("/n/1", 1),
            ("/n/2", 1),
            ("/sitemap_index.xml", 2),
            ("/sitemaps/articles.xml.gz", 2),
            ("/sitemaps/news.xml", 2),
        ]);
        assert_eq!(pages_asked(&maps[0]), pages, "only new and changed pages");
        assert_eq!(pages_asked(&maps[1]), pages);
        let searched = counts(&[("/r/1", 1), ("/r/2", 1), ("/search?q=Lumio", 2)]);
        assert_eq!(pages_asked(&search), searched);
        assert_eq!(pages_asked(&search1), searched);
        let store = Store::open_existing(&d.join("store")).unwrap();
        assert_eq!(
            store.mention_count().unwrap(),
            6,
            "every page stored exactly once"
        );
    })
    .await
    .unwrap();
    drop(workers);
    drop(search);
    drop(maps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_passes_keep_an_endless_calendar_under_the_cap_and_forget_old_days() {
    // Three articles on every visit.
    let srv = start(crate::util::endless_calendar(None)).await;
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let cap = 20u64;
    let cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        &format!("rate_per_host = 500.0\nburst = 10\nmax_urls_per_source = {cap}\nforget_after_passes = 2"),
        &format!(
            "[[source]]\nname = \"cal\"\nstart_urls = [\"{}/\"]\nfollow = ['^/(article|cal)/\\d+$']\nmax_depth = 60\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n",
            srv.base
        ),
    );
    let workers: Vec<Proc> = (0..2).map(|_| worker(&cfg, &n.url)).collect();
    let (d, base) = (dir.path().to_path_buf(), srv.base.clone());
    tokio::task::spawn_blocking(move || {
        let mut dropped = 0;
        for pass in 1..=4 {
            let s = fleet_pass(&cfg, &n);
            assert_eq!(s["pages_failed"], 0, "pass {pass}: {s:#}");
            assert_eq!(
                s["capped"],
                serde_json::json!(["cal"]),
                "pass {pass}: {s:#}"
            );
            dropped += s["urls_dropped"].as_u64().unwrap();
            let store = Store::open_existing(&d.join("store")).unwrap();
            let stats = store.stats().unwrap();
            assert!(
                stats.crawled_urls <= cap,
                "pass {pass}: {} URLs with crawl state, over the cap of {cap}",
                stats.crawled_urls
            );
            assert_eq!(store.reached_count("cal").unwrap(), stats.crawled_urls);
            for i in 1..=3 {
                assert!(
                    store
                        .crawl_state(&format!("{base}/article/{i}"))
                        .unwrap()
                        .is_some(),
                    "pass {pass}: article {i} crawled"
                );
            }
            assert_eq!(store.mention_count().unwrap(), 3, "pass {pass}");
        }
        assert!(dropped > 0, "the calendar's old days were dropped");
        let store = Store::open_existing(&d.join("store")).unwrap();
        assert!(
            store
                .crawl_state(&format!("{base}/cal/1000"))
                .unwrap()
                .is_none(),
            "the first pass's day is forgotten"
        );
    })
    .await
    .unwrap();
    drop(workers);
}

/// A home page linking to `PAGES` pages that each name the watched lamp;
/// no robots.txt, no delay: results come back in bursts.
fn fast_site() -> Handler {
    Arc::new(|path, _, _| {
        if path == "/" {
            let links: String = (0..30)
                .map(|i| format!("<a href=\"/p/{i}\">{i}</a> "))
                .collect();
            return html(&format!("<html><body><nav>{links}</nav></body></html>"));
        }
        match path.strip_prefix("/p/") {
            Some(n) => article(
                &format!("Lamp day {n}"),
                "Ann",
                "2026-12-01T08:00:00+00:00",
                &format!("<p>Day {n} with the Lumio Aura desk lamp: the warm light is pleasant in the evening and the dimmer is smooth.</p>\
                          <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly.</p>"),
            ),
            None => not_found(),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_that_exits_after_its_pass_leaves_no_result_behind() {
    let (a, b) = (start(fast_site()).await, start(fast_site()).await);
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let body = format!(
        "[[source]]\nname = \"a\"\nstart_urls = [\"{}/\"]\nfollow = ['^/p/']\nallow_private = true\ntimezone = \"UTC\"\n\n\
         [[source]]\nname = \"b\"\nstart_urls = [\"{}/\"]\nfollow = ['^/p/']\nallow_private = true\ntimezone = \"UTC\"\n\n\
         [[watch]]\nname = \"Lumio\"\n",
        a.base, b.base
    );
    let crawl = "rate_per_host = 1000.0\nburst = 1000";
    // A fresh store each time: every pass fetches and stores all 62 pages,
    // and the coordinator exits right after its last burst of acks.
    let cfgs: Vec<PathBuf> = (0..4)
        .map(|i| {
            let (name, store) = (format!("c{i}.toml"), format!("store{i}"));
            write_config(dir.path(), (&name, &store), true, crawl, &body)
        })
        .collect();
    let workers: Vec<Proc> = (0..2).map(|_| worker(&cfgs[0], &n.url)).collect();
    tokio::task::spawn_blocking(move || {
        for cfg in &cfgs {
            let s = fleet_pass(cfg, &n);
            assert_eq!(s["mentions_new"], 60, "{s:#}");
        }
    })
    .await
    .unwrap();
    drop(workers);
}

/// Pages of the long sitemap: about 1.4 MB of JSON, more than one NATS
/// message may carry (1 MB by default).
const LISTED: usize = 8000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_sitemap_comes_back_in_parts_and_each_page_is_counted_once() {
    let base = Arc::new(OnceLock::<String>::new());
    let b = base.clone();
    let old = |base: &str, i: usize| {
        format!("{base}/archive/2026/01/{i:05}-an-older-story-about-desk-lamps-and-their-dimmers")
    };
    let srv = start(Arc::new(move |path, _, _| {
        let base = b.get().cloned().unwrap_or_default();
        match path {
            "/robots.txt" => robots(""),
            "/big.xml" => {
                let urls: String = (0..LISTED)
                    .map(|i| format!("<url><loc>{}</loc><lastmod>2026-01-02</lastmod></url>", old(&base, i)))
                    .chain((1..=2).map(|i| format!("<url><loc>{base}/new/{i}</loc></url>")))
                    .collect();
                xml(&format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
                ))
            }
            p if p.starts_with("/new/") => article(
                &format!("New lamp story {p}"),
                "Ann",
                "2026-12-06T08:00:00+00:00",
                "<p>The Lumio Aura desk lamp gives a warm, even light and the dimmer is smooth.</p>\
                 <p>The base is heavy enough and the arm holds its position through the evening.</p>",
            ),
            _ => not_found(),
        }
    }))
    .await;
    base.set(srv.base.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The archive was crawled after its lastmod: none of it is due.
    {
        let store = Store::open(&dir.path().join("store")).unwrap();
        let state = earshot::store::CrawlState {
            etag: None,
            last_modified: None,
            content_hash: Some("h".into()),
            charset: None,
            status: 200,
            last_fetch: Some(chrono::Utc::now()),
            next_due: None,
            links: Vec::new(),
        };
        for i in 0..LISTED {
            store.put_crawl_state(&old(&srv.base, i), &state).unwrap();
        }
        store.flush().unwrap();
    }
    let n = nats(dir.path());
    let cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        "rate_per_host = 50.0",
        &format!(
            "[[source]]\nname = \"big\"\nkind = \"sitemap\"\nurl = \"{}/big.xml\"\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n",
            srv.base
        ),
    );
    let w = worker(&cfg, &n.url);
    let d = dir.path().to_path_buf();
    let (s, results) = tokio::task::spawn_blocking(move || {
        let s = fleet_pass(&cfg, &n);
        (s, stream_state(n.monitor, "EARSHOT_RESULTS", "last_seq"))
    })
    .await
    .unwrap();
    // Two pages, and the sitemap's answer in parts.
    assert!(results >= 2 + 4, "{results} result messages");
    drop(w);
    assert_eq!(s["pages_failed"], 0, "{s:#}");
    assert_eq!(s["pages_fresh"], LISTED as u64, "{s:#}");
    assert_eq!(s["mentions_new"], 2, "{s:#}");
    assert_eq!(
        pages_asked(&srv),
        counts(&[("/big.xml", 1), ("/new/1", 1), ("/new/2", 1)])
    );
    let store = Store::open_existing(&d.join("store")).unwrap();
    assert_eq!(
        store.reached_count("big").unwrap(),
        LISTED as u64 + 2,
        "every listed page reached this pass"
    );
}
