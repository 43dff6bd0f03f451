//! Where a fleet pass used to differ from a pass on one machine, against a
//! real `nats-server -js -m`: a page a sitemap lists follows links to any
//! host the source's sitemaps list; a page whose result is larger than
//! one NATS message arrives whole and is stored once; a fleet pass into an
//! empty store records the watch fingerprints `rematch` goes by; and a
//! worker sends no more of a sitemap than `max_sitemap_urls`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use earshot::store::Store;
use earshot_test_utils::server::{html, not_found, start, Handler};

use crate::fleet::{worker, Proc};
use crate::fleet_sources::{
    article, counts, fleet_pass, mentions, nats, one_machine_pass, pages_asked, robots,
    stream_state, write_config, xml,
};

fn lamp(title: &str, who: &str, extra: &str) -> earshot_test_utils::server::Reply {
    article(
        title,
        who,
        "2026-12-03T08:00:00+00:00",
        &format!(
            "<p>{title}: the Lumio Aura lamp on my desk, its warm light in the evening and the smooth dimmer.</p>\
             <p>Week after week it holds up and the arm keeps its position. {extra}</p>"
        ),
    )
}

/// The other host's pages (reached as `localhost`).
fn other_site() -> Handler {
    Arc::new(|path, _, _| match path {
        "/robots.txt" => robots(""),
        "/y/1" => lamp("Listed elsewhere", "Bo", ""),
        "/y/2" => lamp("Linked from the listing host", "Cy", ""),
        _ => not_found(),
    })
}

/// A sitemap (on 127.0.0.1) listing a page of its own host and one of the
/// other host; its own page links to a page of the other host that no
/// sitemap lists.
fn listing_site(base: Arc<OnceLock<String>>, other: u16) -> Handler {
    Arc::new(move |path, _, _| {
        let base = base.get().cloned().unwrap_or_default();
        let y = format!("http://localhost:{other}");
        match path {
            "/robots.txt" => robots(""),
            "/map.xml" => xml(&format!(
                "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                 <url><loc>{base}/x/1</loc></url><url><loc>{y}/y/1</loc></url></urlset>"
            )),
            "/x/1" => lamp(
                "Listed here",
                "Ann",
                &format!("More in <a href=\"{y}/y/2\">a second review</a>."),
            ),
            _ => not_found(),
        }
    })
}

fn map_source(map: &str) -> String {
    format!(
        "[[source]]\nname = \"maps\"\nkind = \"sitemap\"\nurl = \"{map}/map.xml\"\nmax_depth = 1\nfollow = ['^/y/']\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_page_follows_links_to_every_host_the_sitemaps_list_as_on_one_machine() {
    // The fleet's two sites, and twins for one machine.
    let mut sites = Vec::new();
    for _ in 0..2 {
        let other = start(other_site()).await;
        let base = Arc::new(OnceLock::new());
        let map = start(listing_site(base.clone(), other.port)).await;
        base.set(map.base.clone()).unwrap();
        sites.push((map, other));
    }
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let crawl = "rate_per_host = 50.0";
    let fleet_cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        crawl,
        &map_source(&sites[0].0.base),
    );
    let one_cfg = write_config(
        dir.path(),
        ("one.toml", "store1"),
        false,
        crawl,
        &map_source(&sites[1].0.base),
    );
    let workers: Vec<Proc> = (0..2).map(|_| worker(&fleet_cfg, &n.url)).collect();
    let d = dir.path().to_path_buf();
    let sites = tokio::task::spawn_blocking(move || {
        let one = one_machine_pass(&one_cfg);
        assert_eq!(one["mentions_new"], 3, "{one:#}");
        let fleet = fleet_pass(&fleet_cfg, &n);
        assert_eq!(fleet["pages_failed"], 0, "{fleet:#}");
        assert_eq!(fleet["mentions_new"], 3, "{fleet:#}");
        assert_eq!(
            mentions(&d.join("store")),
            mentions(&d.join("store1")),
            "the fleet stored what one machine stores"
        );
        for (map, other) in &sites {
            assert_eq!(
                pages_asked(map),
                counts(&[("/map.xml", 1), ("/x/1", 1)]),
                "{}",
                map.base
            );
            assert_eq!(
                pages_asked(other),
                counts(&[("/y/1", 1), ("/y/2", 1)]),
                "the link to the other listed host is followed ({})",
                other.base
            );
        }
        sites
    })
    .await
    .unwrap();
    drop(workers);
    drop(sites);
}

/// Posts on the big topic page: its result (posts, scored-less mentions,
/// links) is about 2 MB of JSON, twice what one NATS message may carry.
const POSTS: usize = 1200;

/// A phpBB topic of `POSTS` posts, each naming the lamp and linking to a
/// topic of its own.
fn big_topic() -> Handler {
    topic(POSTS, 0)
}

/// A phpBB topic at /viewtopic.php?t=1 of `posts` posts, each naming the
/// lamp, linking to a topic of its own and to `more` pages of its notes.
fn topic(posts: usize, more: usize) -> Handler {
    phpbb_topic(posts, move |i| {
        format!(
            "Reply {i}: my Lumio Aura number {i} sits on desk {} and its dimmer has turned {} times without a flicker; \
             the warm setting at {}% is what I read by, and the arm has kept its angle for {} weeks now. \
             See <a href=\"/t/{i}\">my notes on lamp {i}</a>.{}",
            i * 7 + 3,
            i * 13 + 11,
            (i * 17) % 100,
            i % 52 + 1,
            (0..more)
                .map(|k| format!(" <a href=\"/t/{i}/notes/{k:03}-the-lamp-the-dimmer-and-the-warm-light-setting-through-the-evenings\">{k}</a>"))
                .collect::<String>(),
        )
    })
}

/// A phpBB topic at /viewtopic.php?t=1 ("Lumio Aura owners") of `posts`
/// posts by user0, user1, …, post `i` saying `content(i)` (HTML).
/// A fleet config in `dir` for the one-topic phpBB forum at `base`: one
/// page per pass, the store in `dir/store`, `sentiment` as the section's
/// body, NATS's `ack_wait` in seconds.
pub(crate) fn forum_config(
    dir: &Path,
    name: &str,
    base: &str,
    sentiment: &str,
    ack_wait_s: u64,
) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 50.0\nmax_retries = 0\nmax_pages_per_source = 1\n\n[sentiment]\n{sentiment}\n\n[fleet]\nshards = 8\nack_wait = \"{ack_wait_s}s\"\n\n\
             [[source]]\nname = \"forum\"\nstart_urls = [\"{base}/viewtopic.php?t=1\"]\nfollow = ['^/t/']\nmax_depth = 1\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n",
            dir.join("store").display(),
        ),
    )
    .expect("write the fleet config");
    path
}

pub(crate) fn phpbb_topic(
    posts: usize,
    content: impl Fn(usize) -> String + Send + Sync + 'static,
) -> Handler {
    Arc::new(move |path, _, _| {
        if path != "/viewtopic.php?t=1" {
            return not_found();
        }
        let posts: String = (0..posts)
            .map(|i| {
                format!(
                    "<div class=\"post\"><div class=\"postprofile\"><span class=\"username\">user{i}</span></div>\
                     <div class=\"postbody\"><p class=\"author\"><time datetime=\"2026-12-01T10:{:02}:00+00:00\">1 Dec</time></p>\
                     <div class=\"content\">{}</div></div></div>",
                    i % 60,
                    content(i),
                )
            })
            .collect();
        html(&format!(
            "<html><head><title>Lumio Aura owners</title></head><body id=\"phpbb\">\
             <h2 class=\"topic-title\">Lumio Aura owners</h2>{posts}</body></html>"
        ))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_result_over_the_message_limit_arrives_whole_and_is_stored_once() {
    let srv = start(big_topic()).await;
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        "rate_per_host = 50.0\nmax_pages_per_source = 1",
        &format!(
            "[[source]]\nname = \"forum\"\nstart_urls = [\"{}/viewtopic.php?t=1\"]\nfollow = ['^/t/']\nmax_depth = 1\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n",
            srv.base
        ),
    );
    let w = worker(&cfg, &n.url);
    let (d, base) = (dir.path().to_path_buf(), srv.base.clone());
    tokio::task::spawn_blocking(move || {
        let s = fleet_pass(&cfg, &n);
        assert_eq!(s["pages_failed"], 0, "{s:#}");
        assert_eq!(s["posts"], POSTS as u64, "{s:#}");
        assert_eq!(s["mentions_new"], POSTS as u64, "{s:#}");
        // The result came in pieces, each under the limit.
        let messages = stream_state(n.monitor, "EARSHOT_RESULTS", "last_seq");
        eprintln!(
            "the page's result in {messages} messages; pass {} ms",
            s["elapsed_ms"]
        );
        assert!(messages > 4, "{messages} result messages");
        let store = Store::open_existing(&d.join("store")).unwrap();
        assert_eq!(store.mention_count().unwrap(), POSTS as u64);
        let state = store
            .crawl_state(&format!("{base}/viewtopic.php?t=1"))
            .unwrap()
            .expect("the page's crawl state");
        assert_eq!(state.links.len(), POSTS, "every link arrived");
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        assert_eq!(store.counters().unwrap(), store.recount().unwrap());
    })
    .await
    .unwrap();
    drop(w);
}

/// Three pages, one of which also names Northwind.
fn small_site() -> Handler {
    Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(
            "<html><body><nav><a href=\"/p/1\">1</a> <a href=\"/p/2\">2</a></nav></body></html>",
        ),
        "/p/1" => lamp(
            "Desk lamps compared",
            "Ann",
            "The Northwind Beam is dimmer.",
        ),
        "/p/2" => lamp("A month in", "Bo", ""),
        _ => not_found(),
    })
}

fn small_source(base: &str, watches: &str) -> String {
    format!(
        "[[source]]\nname = \"small\"\nstart_urls = [\"{base}/\"]\nfollow = ['^/p/']\nallow_private = true\ntimezone = \"UTC\"\n\n{watches}"
    )
}

/// `earshot rematch --json` on `cfg`, without the timing.
fn rematch(cfg: &Path) -> serde_json::Value {
    let out = crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .args(["rematch", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::util::text(&out.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["elapsed_ms"] = 0.into();
    v
}

fn stale(store: &Path, cfg: &Path) -> Vec<String> {
    let config = earshot_cli::config::Config::load(cfg).unwrap();
    let store = Store::open_existing(store).unwrap();
    earshot::crawl::stale_watches(&store, &config.watches).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_pass_into_an_empty_store_records_what_rematch_goes_by() {
    let (a, b) = (start(small_site()).await, start(small_site()).await);
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let lumio = "[[watch]]\nname = \"Lumio\"\n";
    let both = format!("{lumio}\n[[watch]]\nname = \"Northwind\"\n");
    let crawl = "rate_per_host = 50.0";
    let d = dir.path().to_path_buf();
    let cfgs = move |watches: &str| {
        (
            write_config(
                &d,
                ("fleet.toml", "store"),
                true,
                crawl,
                &small_source(&a.base, watches),
            ),
            write_config(
                &d,
                ("one.toml", "store1"),
                false,
                crawl,
                &small_source(&b.base, watches),
            ),
        )
    };
    let (fleet_cfg, one_cfg) = cfgs(lumio);
    let w = worker(&fleet_cfg, &n.url);
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let s = fleet_pass(&fleet_cfg, &n);
        assert_eq!(s["mentions_new"], 2, "{s:#}");
        let one = one_machine_pass(&one_cfg);
        assert_eq!(one["mentions_new"], 2, "{one:#}");
        let (fleet_store, one_store) = (d.join("store"), d.join("store1"));
        assert_eq!(stale(&one_store, &one_cfg), Vec::<String>::new());
        assert_eq!(
            stale(&fleet_store, &fleet_cfg),
            Vec::<String>::new(),
            "the fleet pass recorded the watches it matched with"
        );
        // A watch added after the crawl: stale in both, and rematch gives
        // it the same mention in both.
        let (fleet_cfg, one_cfg) = cfgs(&both);
        assert_eq!(stale(&one_store, &one_cfg), vec!["Northwind".to_string()]);
        assert_eq!(
            stale(&fleet_store, &fleet_cfg),
            vec!["Northwind".to_string()]
        );
        let (rf, ro) = (rematch(&fleet_cfg), rematch(&one_cfg));
        assert_eq!(rf, ro, "rematch after a fleet pass as after one machine");
        assert_eq!(ro["new_per_watch"]["Northwind"], 1, "{ro:#}");
        assert_eq!(stale(&fleet_store, &fleet_cfg), Vec::<String>::new());
        assert_eq!(mentions(&fleet_store), mentions(&one_store));
    })
    .await
    .unwrap();
    drop(w);
}

/// Pages a long sitemap lists, all new; the source reads only `MAX`.
const LISTED: usize = 6000;
const MAX: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_sends_no_more_of_a_sitemap_than_max_sitemap_urls() {
    let base = Arc::new(OnceLock::<String>::new());
    let b = base.clone();
    let srv = start(Arc::new(move |path, _, _| {
        let base = b.get().cloned().unwrap_or_default();
        match path {
            "/robots.txt" => robots(""),
            "/big.xml" => {
                let urls: String = (0..LISTED)
                    .map(|i| format!("<url><loc>{base}/story/{i:05}-about-desk-lamps-and-their-dimmers</loc></url>"))
                    .collect();
                xml(&format!(
                    "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
                ))
            }
            p if p.starts_with("/story/") => lamp(p, "Ann", ""),
            _ => not_found(),
        }
    }))
    .await;
    base.set(srv.base.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let cfg = write_config(
        dir.path(),
        ("fleet.toml", "store"),
        true,
        "rate_per_host = 50.0",
        &format!(
            "[[source]]\nname = \"big\"\nkind = \"sitemap\"\nurl = \"{}/big.xml\"\nmax_sitemap_urls = {MAX}\nallow_private = true\ntimezone = \"UTC\"\n\n[[watch]]\nname = \"Lumio\"\n",
            srv.base
        ),
    );
    let w = worker(&cfg, &n.url);
    let (s, results) = tokio::task::spawn_blocking(move || {
        let s = fleet_pass(&cfg, &n);
        (s, stream_state(n.monitor, "EARSHOT_RESULTS", "last_seq"))
    })
    .await
    .unwrap();
    drop(w);
    assert_eq!(s["pages_failed"], 0, "{s:#}");
    assert_eq!(s["mentions_new"], MAX as u64, "{s:#}");
    assert!(
        s["errors"].to_string().contains("max_sitemap_urls"),
        "the limit is reported: {s:#}"
    );
    // One message for the sitemap (its first MAX entries), one per page.
    assert_eq!(results, 1 + MAX as u64, "{results} result messages");
    let asked = pages_asked(&srv);
    assert_eq!(asked.len(), 1 + MAX, "{asked:?}");
}

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/sentiment");

/// Posts of the topic scored on a score-only worker, and the links of
/// each: the page is about 1.3 MB of JSON, mostly links.
const SCORED: usize = 100;
const NOTES: usize = 90;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_over_the_message_limit_goes_to_a_score_only_worker_and_back_whole() {
    let srv = start(topic(SCORED, NOTES)).await;
    let dir = tempfile::tempdir().unwrap();
    let n = nats(dir.path());
    let cfg = |name: &str, sentiment: &str| forum_config(dir.path(), name, &srv.base, sentiment, 2);
    let scoring = cfg("fleet.toml", &format!("model = \"{MODEL}\""));
    let fetching = cfg("fetch.toml", "enabled = false");
    let spawn = |cfg: &Path, arg: &str| {
        let mut cmd = crate::util::earshot();
        cmd.arg("--config")
            .arg(cfg)
            .args(["worker", "--fleet", &n.url, arg])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // The fetch worker cannot score; the score-only worker finds the
        // real scorer beside `earshot`.
        if arg == "--no-score" {
            cmd.env("EARSHOT_SCORER", dir.path().join("no-such-scorer"));
        }
        Proc(cmd.spawn().unwrap())
    };
    let fetcher = spawn(&fetching, "--no-score");
    let scorer = spawn(&scoring, "--score-only");
    let d = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let s = crate::fleet::finish(crate::fleet::coordinator(&scoring, &n.url));
        assert_eq!(s["pages_failed"], 0, "{s:#}");
        assert_eq!(s["mentions_new"], SCORED as u64, "{s:#}");
        // The page came back in parts; only those with mentions went to
        // be scored (here its posts fit in one, its links fill the rest).
        let to_score = stream_state(n.monitor, "EARSHOT_SCORE", "last_seq");
        let results = stream_state(n.monitor, "EARSHOT_RESULTS", "last_seq");
        eprintln!("{to_score} messages to score, {results} results");
        assert!(
            to_score >= 1 && results > 4,
            "{to_score} and {results} messages"
        );
        let store = Store::open_existing(&d.join("store")).unwrap();
        let all = store
            .mentions(&earshot::store::MentionQuery::default())
            .unwrap();
        assert_eq!(all.len(), SCORED);
        assert!(
            all.iter().all(|m| m.sentiment.is_some()),
            "every mention scored"
        );
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
    })
    .await
    .unwrap();
    drop((fetcher, scorer));
}
