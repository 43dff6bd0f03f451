//! The fleet through a real `nats-server -js` that the test starts: a
//! coordinator (`earshot crawl --fleet`) and worker processes (`earshot
//! worker --fleet`) crawl two recording test sites. Every page is stored
//! exactly once, no host sees two requests closer than its Crawl-delay
//! across all workers (server-side timestamps), a worker killed with -9
//! mid-crawl loses nothing, and a worker with another model is refused.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{html, not_found, resp, start, Reply, TestServer};

pub(crate) const PAGES: usize = 8;
/// The sites' Crawl-delay, in seconds.
const DELAY: f64 = 0.25;

/// A child process killed when the test ends, however it ends.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `nats-server -js` on a free port with its store in `dir`.
pub(crate) fn nats_server(dir: &Path, port: u16) -> Proc {
    nats_server_with(dir, port, &[])
}

/// `nats-server -js` with more arguments (`-c FILE`).
pub(crate) fn nats_server_with(dir: &Path, port: u16, extra: &[&str]) -> Proc {
    // Debian puts it in /usr/sbin, which a user's PATH may lack.
    let exe = if Path::new("/usr/sbin/nats-server").exists() {
        "/usr/sbin/nats-server"
    } else {
        "nats-server"
    };
    let child = Command::new(exe)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start nats-server ({e}): the fleet tests need it; `make test` installs it (Debian package nats-server)")
        });
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nats-server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Proc(child)
}

/// The page the killed worker is reading when it dies: its first answer
/// is slow (a byte every 100 ms), the next ones whole.
const SLOW: &str = "/p/3";

pub(crate) fn site(name: &'static str, slow: bool) -> earshot_test_utils::server::Handler {
    std::sync::Arc::new(move |path: &str, _: &str, nth| {
        match path {
        // Once: come back in a second (the whole host waits).
        "/p/2" if nth == 0 => resp("429 Too Many Requests", "Retry-After: 1\r\n", b""),
        p if slow && p == SLOW && nth == 0 => Reply::Drip {
            head: b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 60\r\nConnection: close\r\n\r\n".to_vec(),
            every: Duration::from_millis(100),
            total: 60,
        },
        "/robots.txt" => resp(
            "200 OK",
            "Content-Type: text/plain\r\n",
            format!("User-agent: *\nCrawl-delay: {DELAY}\n").as_bytes(),
        ),
        "/" => {
            let links: String = (0..PAGES)
                .map(|i| format!("<a href=\"/p/{i}\">{i}</a> "))
                .collect();
            html(&format!("<html><body><nav>{links}</nav></body></html>"))
        }
        p if p.starts_with("/p/") => {
            let n = &p[3..];
            html(&format!(
                "<html><head><title>{name} {n}</title></head><body><article><h1>{name} page {n}</h1>\
                 <p>Day {n} on {name} with the Lumio Aura desk lamp: the warm light is pleasant in the evening and the dimmer is smooth.</p>\
                 <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly.</p>\
                 </article></body></html>"
            ))
        }
        _ => not_found(),
    }
    })
}

pub(crate) fn config(dir: &Path, sites: &[&TestServer], extra: &str) -> PathBuf {
    let sources: String = sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "[[source]]\nname = \"site{i}\"\nstart_urls = [\"{}/\"]\nfollow = ['^/p/\\d+$']\nschedule = \"every 1h\"\nallow_private = true\ntimezone = \"UTC\"\n\n",
                s.base
            )
        })
        .collect();
    let path = dir.join("fleet.toml");
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 20.0\n\n[sentiment]\nenabled = false\n\n[fleet]\nshards = 8\nack_wait = \"2s\"\n{extra}\n[[watch]]\nname = \"Lumio\"\n\n{sources}",
            dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

pub(crate) fn worker(cfg: &Path, url: &str) -> Proc {
    Proc(
        crate::util::earshot()
            .arg("--config")
            .arg(cfg)
            .args(["worker", "--fleet", url])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

pub(crate) fn coordinator(cfg: &Path, url: &str) -> Child {
    crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .args(["crawl", "--json", "--fleet", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the coordinator's pass (at most two minutes) and returns its
/// summary.
pub(crate) fn finish(child: Child) -> serde_json::Value {
    let id = child.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(120));
        let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
    });
    let out = child.wait_with_output().unwrap();
    drop(killer);
    assert!(
        out.status.success(),
        "the coordinator failed: {}{}",
        crate::util::text(&out.stdout),
        crate::util::text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every page of every site stored exactly once; no two page requests to
/// one host closer than the Crawl-delay, and none within the second its
/// 429 asked for, whichever workers sent them.
pub(crate) fn check(dir: &Path, sites: &[&TestServer]) {
    let store = Store::open_existing(&dir.join("store")).unwrap();
    let mentions = store.mentions(&MentionQuery::default()).unwrap();
    let mut urls: Vec<String> = mentions.iter().map(|m| m.canonical_url.clone()).collect();
    urls.sort();
    let mut want: Vec<String> = sites
        .iter()
        .flat_map(|s| (0..PAGES).map(move |i| format!("{}/p/{i}", s.base)))
        .collect();
    want.sort();
    assert_eq!(urls, want, "every page stored, each exactly once");
    assert_eq!(store.post_count(), (PAGES * sites.len()) as u64);
    for s in sites {
        // As in the single-machine politeness tests (`fetch.rs`), the gaps
        // are between pages: robots.txt is what teaches the Crawl-delay.
        let hits: Vec<_> = s
            .hits()
            .into_iter()
            .filter(|h| h.path != "/robots.txt")
            .collect();
        for p in (0..PAGES).map(|i| format!("/p/{i}")) {
            assert!(!s.hits_for(&p).is_empty(), "{p} was never fetched");
        }
        let held = hits.iter().position(|h| h.path == "/p/2");
        if let Some(i) = held.filter(|&i| i + 1 < hits.len()) {
            let gap = (hits[i + 1].at - hits[i].at).as_secs_f64();
            assert!(
                gap >= 0.95,
                "{}: a request {gap:.3}s after a 429 with Retry-After: 1",
                s.base
            );
        }
        for w in hits.windows(2) {
            let gap = (w[1].at - w[0].at).as_secs_f64();
            assert!(
                gap >= DELAY * 0.9,
                "{}: {} then {} only {gap:.3}s apart (Crawl-delay {DELAY})",
                s.base,
                w[0].path,
                w[1].path
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_coordinator_and_three_workers_store_every_page_once_politely() {
    let (a, b) = (
        start(site("alpha", false)).await,
        start(site("beta", false)).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a, &b], "");
    let workers: Vec<Proc> = (0..3).map(|_| worker(&cfg, &url)).collect();
    let (cfg2, url2) = (cfg.clone(), url.clone());
    let summary = tokio::task::spawn_blocking(move || finish(coordinator(&cfg2, &url2)))
        .await
        .unwrap();
    drop(workers);
    assert_eq!(
        summary["pages_fetched"],
        2 * (PAGES as u64 + 1),
        "{summary}"
    );
    assert_eq!(summary["mentions_new"], 2 * PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    check(dir.path(), &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_crawl_loses_nothing_and_stores_nothing_twice() {
    let (a, b) = (
        start(site("alpha", true)).await,
        start(site("beta", false)).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a, &b], "");
    // One worker alone: it is reading the slow page when it is killed.
    let mut first = worker(&cfg, &url);
    let coord = coordinator(&cfg, &url);
    let deadline = Instant::now() + Duration::from_secs(60);
    while a.hits_for(SLOW).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the first worker never reached {SLOW}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // kill -9 (std's `Child::kill` sends SIGKILL).
    let _ = first.0.kill();
    let _ = first.0.wait();
    let fetched_before = a.hits().len() + b.hits().len();
    let others: Vec<Proc> = (0..2).map(|_| worker(&cfg, &url)).collect();
    let summary = tokio::task::spawn_blocking(move || finish(coord))
        .await
        .unwrap();
    drop(others);
    assert!(
        fetched_before < 2 * (PAGES + 2),
        "the kill came after the crawl"
    );
    assert_eq!(
        a.hits_for(SLOW).len(),
        2,
        "the killed worker's job was redone by another worker, once"
    );
    assert_eq!(summary["mentions_new"], 2 * PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    check(dir.path(), &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_with_another_model_is_refused_with_the_reason() {
    let a = start(site("alpha", false)).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a], "");
    // The worker scores with the shipped model; the coordinator does not.
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "enabled = false",
        &format!(
            "model = \"{}/models/sentiment\"",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    let wcfg = dir.path().join("worker.toml");
    std::fs::write(&wcfg, text).unwrap();
    let w = worker(&wcfg, &url);
    let coord = coordinator(&cfg, &url);
    let mut w = w;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = w.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the worker took a job of another model"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(w.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(!status.success(), "{err}");
    assert!(
        err.contains("sentiment model `none`")
            && err.contains("give every worker the coordinator's model"),
        "{err}"
    );
    assert!(
        a.hits_for("/").is_empty(),
        "a refused worker fetched nothing"
    );
    let mut coord = Proc(coord);
    let _ = coord.0.kill();
}

/// Waits until the two sites saw `n` page requests together.
async fn until_pages(a: &TestServer, b: &TestServer, n: usize) {
    let pages = || {
        a.hits()
            .iter()
            .chain(b.hits().iter())
            .filter(|h| h.path.starts_with("/p/"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while pages() < n {
        assert!(
            Instant::now() < deadline,
            "the fleet fetched {} pages, not {n}",
            pages()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_restart_mid_crawl_loses_nothing() {
    let (a, b) = (
        start(site("alpha", false)).await,
        start(site("beta", false)).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a, &b], "");
    let workers: Vec<Proc> = (0..2).map(|_| worker(&cfg, &url)).collect();
    let coord = coordinator(&cfg, &url);
    until_pages(&a, &b, 4).await;
    // kill -9 (std's `Child::kill` sends SIGKILL).
    let _ = nats.0.kill();
    let _ = nats.0.wait();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The same port and store directory: the streams come back from disk.
    let _nats = nats_server(&dir.path().join("nats"), port);
    let summary = tokio::task::spawn_blocking(move || finish(coord))
        .await
        .unwrap();
    drop(workers);
    assert_eq!(summary["mentions_new"], 2 * PAGES as u64, "{summary}");
    check(dir.path(), &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_killed_mid_crawl_resumes_where_it_was() {
    let (a, b) = (
        start(site("alpha", false)).await,
        start(site("beta", false)).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a, &b], "");
    let workers: Vec<Proc> = (0..2).map(|_| worker(&cfg, &url)).collect();
    let mut first = Proc(coordinator(&cfg, &url));
    until_pages(&a, &b, 6).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // kill -9 (std's `Child::kill` sends SIGKILL).
    let _ = first.0.kill();
    let _ = first.0.wait();
    let (cfg2, url2) = (cfg.clone(), url.clone());
    let summary = tokio::task::spawn_blocking(move || finish(coordinator(&cfg2, &url2)))
        .await
        .unwrap();
    drop(workers);
    assert!(
        summary["pages_fresh"].as_u64().unwrap() >= 1,
        "pages stored before the kill are not fetched again: {summary}"
    );
    check(dir.path(), &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_coordinates_the_fleet_on_its_schedule() {
    use std::io::BufRead;
    let (a, b) = (
        start(site("alpha", false)).await,
        start(site("beta", false)).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let cfg = config(dir.path(), &[&a, &b], "\n[serve]\nbind = \"127.0.0.1:0\"\n");
    let workers: Vec<Proc> = (0..2).map(|_| worker(&cfg, &url)).collect();
    let mut daemon = Proc(
        crate::util::earshot()
            .arg("--config")
            .arg(&cfg)
            .args(["run", "--serve", "--login-link", "--fleet", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = daemon.0.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut done = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.starts_with("dashboard at ") || line.contains("admin token is") {
                done.insert(0, line);
            } else if line.starts_with("pass done") {
                done.push(line);
                if done.iter().filter(|l| l.starts_with("pass done")).count() == 2 {
                    break;
                }
            }
        }
        done
    });
    let lines = tokio::time::timeout(Duration::from_secs(120), lines)
        .await
        .expect("the daemon finished no pass in two minutes")
        .unwrap();
    let passes: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("pass done"))
        .collect();
    for p in &passes {
        assert!(p.contains(&format!("{PAGES} new mentions")), "{lines:?}");
    }
    let line = |p: &str| {
        lines
            .iter()
            .find(|l| l.contains(p))
            .cloned()
            .unwrap_or_default()
    };
    let base = line("dashboard at ")["dashboard at ".len()..]
        .trim_end_matches('/')
        .to_string();
    let token = line("admin token is")
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let metrics = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sum = |prefix: &str| -> f64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert_eq!(
        sum("earshot_fleet_results_total{worker="),
        2.0 * (PAGES as f64 + 1.0),
        "{metrics} {lines:?}"
    );
    assert_eq!(sum("earshot_fleet_jobs_in_flight "), 0.0, "{metrics}");
    assert_eq!(sum("earshot_fleet_redelivered_total{"), 0.0, "{metrics}");
    // No --no-score worker here: nothing waits for a score-only worker.
    assert!(
        metrics.contains("\nearshot_fleet_score_queue_pages 0\n"),
        "{metrics}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.0.id().to_string()])
        .status();
    assert!(daemon.0.wait().unwrap().success());
    drop(workers);
    check(dir.path(), &[&a, &b]);
}
