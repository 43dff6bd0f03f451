//! `earshot rematch`: a watch added or a query edited after a crawl reaches
//! the pages already crawled (new mentions scored and counted, mentions the
//! narrowed query no longer matches removed from counts and listings); a
//! post naming two watches is one mention per watch, each with its own
//! sentence and sentiment, and every view counts them alike.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use earshot::store::Store;
use earshot_cli::config::Config;
use earshot_test_utils::server::{html, not_found, start};
use serde_json::Value;

use crate::util::{cli, earshot};

/// Three posts: one about the Lumio lamp, a roundup praising Lumio and
/// panning Northwind (each sentence too long for the other's context
/// window), and one about neither.
fn site(path: &str) -> earshot_test_utils::server::Reply {
    let page = |title: &str, body: &str| {
        html(&format!(
            "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
        ))
    };
    match path {
        "/" => html(
            "<html><body><nav><a href=\"/p/0\">0</a> <a href=\"/p/1\">1</a> <a href=\"/p/2\">2</a></nav></body></html>",
        ),
        "/p/0" => page(
            "Desk lamp diary",
            "<p>Day three with the Lumio Aura: the warm light is pleasant in the evening and the dimmer is smooth and quiet.</p>\
             <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly over the day.</p>",
        ),
        "/p/1" => page(
            "Two lamps compared",
            "<p>The Lumio Aura is wonderful: bright, beautifully made and a real joy to use every single evening, I love it and recommend it to everyone.</p>\
             <p>I tested both of them for a month in the same room, on the same table, with the same bulbs and the same daily routine of reading and work.</p>\
             <p>The Northwind Beam is awful: it flickered constantly, the switch broke after two days and support never answered, a complete waste of money.</p>",
        ),
        "/p/2" => page(
            "Garden notes",
            "<p>The tomatoes are finally ripe and the basil is growing faster than we can eat it this summer.</p>\
             <p>Next year the beans go along the south fence, where the afternoon sun reaches them until the evening.</p>",
        ),
        _ => not_found(),
    }
}

/// Writes the config with `watches` (TOML `[[watch]]` tables).
fn write_config(dir: &Path, base: &str, watches: &str) -> PathBuf {
    let path = dir.join("earshot.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[store]
path = "{store}"

[crawl]
user_agent = "earshot-test (+https://github.com/earshot-dev/earshot)"
rate_per_host = 20.0

[[source]]
name = "lamps"
start_urls = ["{base}/"]
follow = ['^/p/\d+$']
allow_private = true
timezone = "UTC"
{watches}"#,
            store = dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

fn mentions(cfg: &Path, watch: &str) -> Vec<Value> {
    cli(cfg, &["mentions", "--watch", watch, "--json", "-n", "500"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn label(m: &Value) -> &str {
    m["sentiment"]["label"].as_str().unwrap_or("unscored")
}

/// Every view counts `watch` alike: `mentions`, `stats`, the report (its
/// totals and its rows, JSON and CSV); returns the count.
fn views_agree(dir: &Path, cfg: &Path, watch: &str) -> usize {
    let listed = mentions(cfg, watch);
    let stats: Value = serde_json::from_str(&cli(cfg, &["stats", "--json"])).unwrap();
    let stats_total = stats["watches"][watch]["total"].as_u64().unwrap_or(0) as usize;
    let json = dir.join(format!("{watch}.json"));
    let csv = dir.join(format!("{watch}.csv"));
    for (f, out) in [("json", &json), ("csv", &csv)] {
        cli(
            cfg,
            &[
                "report",
                "--watch",
                watch,
                "--from",
                "30d",
                "--format",
                f,
                "--out",
                out.to_str().unwrap(),
            ],
        );
    }
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let card = report["totals"][watch]["total"].as_u64().unwrap() as usize;
    let rows = report["rows"].as_array().unwrap();
    let bytes = std::fs::read(&csv).unwrap();
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let csv_rows = csv::Reader::from_reader(body).records().count();
    assert_eq!(
        (stats_total, card, rows.len(), csv_rows),
        (listed.len(), listed.len(), listed.len(), listed.len()),
        "{watch}: mentions, stats, report card, report rows and CSV rows disagree"
    );
    listed.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_and_edited_watches_reach_pages_already_crawled() {
    let srv = start(Arc::new(|path, _, _| site(path))).await;
    let base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let lumio = "\n[[watch]]\nname = \"Lumio\"\n";
        let cfg = write_config(dir, &base, lumio);
        let out = cli(&cfg, &["crawl"]);
        assert!(out.contains("Lumio: 2 new"), "{out}");

        // A new watch: crawling again finds nothing new (the pages did
        // not change), and says so; rematch reaches them.
        let northwind = "\n[[watch]]\nname = \"Northwind\"\n";
        let cfg = write_config(dir, &base, &format!("{lumio}{northwind}"));
        let out = cli(&cfg, &["crawl"]);
        assert!(out.contains("Mentions: 0 new"), "{out}");
        assert!(out.contains("earshot rematch"), "{out}");
        let config = Config::load(&cfg).unwrap();
        {
            let store = Store::open_existing(&dir.join("store")).unwrap();
            assert_eq!(
                earshot::crawl::stale_watches(&store, &config.watches).unwrap(),
                vec!["Northwind".to_string()]
            );
        }
        assert!(mentions(&cfg, "Northwind").is_empty());
        let out = cli(&cfg, &["rematch"]);
        assert!(out.contains("1 new mentions, 0 removed"), "{out}");
        let store = Store::open_existing(&dir.join("store")).unwrap();
        assert!(earshot::crawl::stale_watches(&store, &config.watches)
            .unwrap()
            .is_empty());
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        drop(store);

        // The roundup is one mention per watch, each with its own sentence
        // and sentiment.
        let n = mentions(&cfg, "Northwind");
        assert_eq!(n.len(), 1);
        let l: Vec<Value> = mentions(&cfg, "Lumio")
            .into_iter()
            .filter(|m| m["url"] == n[0]["url"])
            .collect();
        assert_eq!(l.len(), 1);
        assert_ne!(l[0]["id"], n[0]["id"]);
        assert_eq!(l[0]["post_id"], n[0]["post_id"]);
        assert!(l[0]["context"].as_str().unwrap().contains("Lumio"));
        assert!(!l[0]["context"].as_str().unwrap().contains("Northwind"));
        assert!(n[0]["context"].as_str().unwrap().contains("Northwind"));
        assert!(!n[0]["context"].as_str().unwrap().contains("Lumio"));
        assert_eq!((label(&l[0]), label(&n[0])), ("positive", "negative"));
        assert_eq!(views_agree(dir, &cfg, "Lumio"), 2);
        assert_eq!(views_agree(dir, &cfg, "Northwind"), 1);

        // A narrowed query: the roundup no longer matches Lumio.
        let narrowed = "\n[[watch]]\nname = \"Lumio\"\nquery = \"Lumio AND dimmer\"\n";
        let cfg = write_config(dir, &base, &format!("{narrowed}{northwind}"));
        let out = cli(&cfg, &["rematch", "--watch", "Lumio"]);
        assert!(out.contains("0 new mentions, 1 removed"), "{out}");
        assert_eq!(views_agree(dir, &cfg, "Lumio"), 1);
        assert_eq!(views_agree(dir, &cfg, "Northwind"), 1);
        let store = Store::open_existing(&dir.join("store")).unwrap();
        assert_eq!(store.verify().unwrap(), Vec::<String>::new());
        assert_eq!(store.counters().unwrap(), store.recount().unwrap());
        assert_eq!(store.mention_count().unwrap(), 2);
        // Nothing left to rematch; a second run changes nothing.
        let config = Config::load(&cfg).unwrap();
        assert!(earshot::crawl::stale_watches(&store, &config.watches)
            .unwrap()
            .is_empty());
        drop(store);
        let out = cli(&cfg, &["rematch"]);
        assert!(
            out.contains("0 new mentions, 0 removed, 0 updated"),
            "{out}"
        );
    })
    .await
    .unwrap();
}

/// `earshot run` applies a watch added since the last crawl to the stored
/// posts before it schedules anything, and one added while it runs when it
/// reloads its config: the pages did not change, so only the rematch finds
/// the new watch's mention, which the CLI then lists through the daemon.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_rematches_watches_added_before_start_and_on_reload() {
    let srv = start(Arc::new(|path, _, _| site(path))).await;
    let base = srv.base.clone();
    tokio::task::spawn_blocking(move || {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let lumio = "\n[[watch]]\nname = \"Lumio\"\n";
        let cfg = write_config(dir, &base, lumio);
        cli(&cfg, &["crawl"]);
        let cfg = write_config(
            dir,
            &base,
            &format!("{lumio}\n[[watch]]\nname = \"Northwind\"\n"),
        );
        assert!(mentions(&cfg, "Northwind").is_empty());

        let mut child = earshot()
            .arg("--config")
            .arg(&cfg)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The log, line by line, until the rematch says what it did.
        let (tx, rx) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut log = Vec::new();
        let rematched = loop {
            match rx.recv_timeout(std::time::Duration::from_secs(120)) {
                Ok(line) if line.contains("rematched") => break line,
                Ok(line) => log.push(line),
                Err(e) => panic!("no rematch in the log of `run` ({e}): {log:#?}"),
            }
        };
        assert!(
            rematched.contains("1 new mentions, 0 removed (Northwind)"),
            "{rematched}"
        );
        assert!(
            log.iter()
                .any(|l| l.contains("Northwind") && l.contains("changed")),
            "{log:#?}"
        );
        // The daemon holds the store; the CLI asks it.
        let endpoint = dir.join("store").join("daemon.json");
        for _ in 0..600 {
            if endpoint.exists() {
                break;
            }
            assert!(child.try_wait().unwrap().is_none(), "`run` ended: {log:#?}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let n = mentions(&cfg, "Northwind");
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(n[0]["context"].as_str().unwrap().contains("Northwind"));

        // A watch added while it runs: the reload (SIGHUP) rematches it.
        let cfg = write_config(
            dir,
            &base,
            &format!("{lumio}\n[[watch]]\nname = \"Northwind\"\n\n[[watch]]\nname = \"Basil\"\n"),
        );
        let ok = std::process::Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let rematched = loop {
            match rx.recv_timeout(std::time::Duration::from_secs(120)) {
                Ok(line) if line.contains("rematched") => break line,
                Ok(line) => log.push(line),
                Err(e) => panic!("no rematch after the reload ({e}): {log:#?}"),
            }
        };
        assert!(
            rematched.contains("1 new mentions, 0 removed (Basil)"),
            "{rematched}"
        );
        assert_eq!(mentions(&cfg, "Basil").len(), 1);
        assert_eq!(mentions(&cfg, "Northwind").len(), 1);
        let ok = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        assert!(child.wait().unwrap().success());
    })
    .await
    .unwrap();
}
