//! Operations: `earshot run` stops on SIGTERM and SIGINT within its
//! deadline (exit 0, abandoned URLs still due), reloads its config on
//! SIGHUP (a bad file keeps the running one), runs sources side by side,
//! shares one fetcher (robots.txt cache, per-host rate across sources),
//! and tells the truth in `/health` and `/metrics` about a failing source.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot::crawl::{CrawlSetup, Crawler, SourceConfig};
use earshot::fetch::CrawlConfig;
use earshot::store::Store;
use tokio_util::sync::CancellationToken;

use earshot_test_utils::server::{html, not_found, resp, start, Handler, Reply, TestServer};

/// A healthy site: `/{prefix}` links to `/{prefix}/0..n`.
pub(crate) fn site(prefix: &'static str, n: usize) -> Handler {
    Arc::new(move |path, _, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        if path == format!("/{prefix}") {
            let links: String = (0..n)
                .map(|i| format!("<a href=\"/{prefix}/{i}\">{i}</a> "))
                .collect();
            return html(&format!("<html><body><nav>{links}</nav></body></html>"));
        }
        if path.starts_with(&format!("/{prefix}/")) {
            return html(&format!(
                "<html><head><title>{path}</title></head><body><article><h1>{path}</h1>\
                 <p>Day {path} with the Lumio Aura desk lamp: the warm light is pleasant in the evening and the dimmer is smooth.</p>\
                 <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly over the day.</p>\
                 </article></body></html>"
            ));
        }
        not_found()
    })
}

/// A site whose every page answers its headers at once and then one body
/// byte a second: a pass over it lasts as long as the test.
fn slow_site() -> Handler {
    Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        Reply::Drip {
            head: b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 600\r\n\r\n"
                .to_vec(),
            every: Duration::from_secs(1),
            total: 600,
        }
    })
}

/// A `[[source]]` entry.
pub(crate) fn source(name: &str, start: &str, follow: &str, schedule: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nstart_urls = [\"{start}\"]\nfollow = ['{follow}']\nschedule = \"{schedule}\"\nallow_private = true\ntimezone = \"UTC\"\n\n"
    )
}

/// A run config with `sources`, a store in `dir`, sentiment off (speed).
pub(crate) fn write_config(dir: &Path, sources: &str, extra_crawl: &str) -> PathBuf {
    let path = dir.join("run.toml");
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 20.0\nrequest_timeout = \"600s\"\nfirst_byte_timeout = \"60s\"\nmax_retries = 0\n{extra_crawl}\n[sentiment]\nenabled = false\n\n[serve]\nbind = \"127.0.0.1:0\"\n\n[[watch]]\nname = \"Lumio\"\n\n{sources}",
            dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

pub(crate) struct Daemon {
    pub(crate) child: Child,
    out: Receiver<String>,
    err: Receiver<String>,
    /// Every stderr line read so far.
    pub(crate) log: Vec<String>,
}

impl Daemon {
    pub(crate) fn spawn(cfg: &Path, args: &[&str]) -> Daemon {
        Daemon::spawn_with(cfg, args, &[], &[])
    }

    /// `earshot ARGS --config CFG run RUN_ARGS`, with `env` set.
    pub(crate) fn spawn_with(
        cfg: &Path,
        args: &[&str],
        run_args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Daemon {
        let mut child = crate::util::earshot()
            .args(args)
            .arg("--config")
            .arg(cfg)
            .arg("run")
            .args(run_args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = |r: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(r).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            rx
        };
        let out = lines(Box::new(child.stdout.take().unwrap()));
        let err = lines(Box::new(child.stderr.take().unwrap()));
        Daemon {
            child,
            out,
            err,
            log: Vec::new(),
        }
    }

    /// The next stdout line matching `want` (others are kept in order).
    pub(crate) fn stdout_until(&mut self, want: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            self.drain_err();
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) if want(&line) => return line,
                Ok(_) => {}
                Err(_) if Instant::now() < deadline => {}
                Err(e) => panic!("waiting for {what}: {e}; log:\n{}", self.log.join("\n")),
            }
        }
    }

    /// Waits for a stderr line containing `needle`.
    pub(crate) fn stderr_until(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(l) = self.log.iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.err.recv_timeout(left) {
                Ok(line) => self.log.push(line),
                Err(e) => panic!("waiting for `{needle}`: {e}; log:\n{}", self.log.join("\n")),
            }
        }
    }

    fn drain_err(&mut self) {
        while let Ok(l) = self.err.try_recv() {
            self.log.push(l);
        }
    }

    pub(crate) fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Waits for the exit (2 minutes at most) and reads the rest of stderr.
    pub(crate) fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not exit; log:\n{}", self.log.join("\n"));
            }
            self.drain_err();
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(l) = self.err.recv_timeout(Duration::from_secs(5)) {
            self.log.push(l);
        }
        status
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A slow source ("a-slow", first by name, so the old one-loop daemon ran
/// it first) and a healthy one: the healthy pass finishes while the slow
/// one's first page is still arriving; then `sig` stops the daemon, which
/// abandons the slow request after `crawl.stop_timeout`, flushes and exits
/// 0; the slow URL stays due and the healthy source's pass is recorded.
async fn stops_cleanly_on(sig: &str, log_format: &str) {
    let slow = start(slow_site()).await;
    let fast = start(site("f", 3)).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "a-slow",
        &format!("{}/s", slow.base),
        r"^/s/\d+$",
        "every 1h",
    ) + &source(
        "b-fast",
        &format!("{}/f", fast.base),
        r"^/f/\d+$",
        "every 1h",
    );
    let cfg = write_config(dir.path(), &sources, "stop_timeout = \"1s\"\n");
    let mut d = Daemon::spawn(&cfg, &["--log-format", log_format]);
    d.stdout_until(
        |l| l.starts_with("pass done: source b-fast"),
        "the healthy pass",
    );
    assert!(
        slow.hits_for("/s").len() == 1,
        "the slow page was asked for while the healthy pass ran"
    );
    d.signal(sig);
    let status = d.wait();
    let log = d.log.join("\n");
    assert_eq!(
        status.code(),
        Some(0),
        "{sig} stops cleanly: {status:?}\n{log}"
    );
    assert!(log.contains("abandoning the requests in flight"), "{log}");
    assert!(log.contains("stopped in"), "{log}");
    assert!(!log.contains('\u{1b}'), "no ANSI codes into a pipe:\n{log}");
    let store = Store::open_existing(&dir.path().join("store")).unwrap();
    assert!(
        store
            .crawl_state(&format!("{}/s", slow.base))
            .unwrap()
            .is_none(),
        "the abandoned URL has no state: it stays due"
    );
    assert!(store.source_last_run("a-slow").unwrap().is_none());
    assert!(store.source_last_run("b-fast").unwrap().is_some());
    assert_eq!(store.mention_count().unwrap(), 3);
    if log_format == "json" {
        // The per-pass info line, as one JSON object with its fields.
        let pass = d
            .log
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["message"] == "pass done" && v["source"] == "b-fast")
            .unwrap_or_else(|| panic!("no JSON pass line:\n{log}"));
        assert_eq!(pass["pages"], 4, "{pass}");
        assert_eq!(pass["new_mentions"], 3, "{pass}");
        assert_eq!(pass["errors"], 0, "{pass}");
        assert!(pass["duration_s"].as_f64().is_some(), "{pass}");
        assert_eq!(pass["level"], "INFO", "{pass}");
        assert!(pass["timestamp"].is_string(), "{pass}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_within_the_deadline_with_exit_0() {
    stops_cleanly_on("TERM", "json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_the_same_way_as_sigterm() {
    stops_cleanly_on("INT", "text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_a_good_config_and_keeps_the_running_one_on_a_bad_file() {
    let srv = start(site("f", 2)).await;
    let other = start(site("g", 2)).await;
    let dir = tempfile::tempdir().unwrap();
    let first = source("one", &format!("{}/f", srv.base), r"^/f/\d+$", "every 1h");
    let cfg = write_config(dir.path(), &first, "");
    let mut d = Daemon::spawn(&cfg, &[]);
    d.stdout_until(|l| l.starts_with("pass done: source one"), "the first pass");

    // A file with a mistake: logged, the daemon goes on with the old one.
    let good = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, good.replace("[[watch]]", "[[wacht]]")).unwrap();
    d.signal("HUP");
    let line = d.stderr_until("config reload failed");
    assert!(line.contains("running config is kept"), "{line}");
    assert!(
        d.child.try_wait().unwrap().is_none(),
        "a bad reload does not stop it"
    );

    // A good file with a new source: crawled without a restart.
    let second = source("two", &format!("{}/g", other.base), r"^/g/\d+$", "every 1h");
    std::fs::write(&cfg, format!("{good}{second}")).unwrap();
    d.signal("HUP");
    d.stderr_until("config reloaded");
    d.stdout_until(
        |l| l.starts_with("pass done: source two"),
        "the new source's pass",
    );
    assert_eq!(
        srv.hits_for("/f").len(),
        1,
        "the first source is not crawled again"
    );

    d.signal("TERM");
    assert_eq!(d.wait().code(), Some(0));
    let store = Store::open_existing(&dir.path().join("store")).unwrap();
    assert_eq!(store.mention_count().unwrap(), 4);
}

/// The healthy source on a one-minute schedule passes twice while the
/// other source's first pass (pages taking 10 s each) is still running.
/// Takes a little over a minute: the schedule's minimum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_source_does_not_delay_a_healthy_one() {
    let slow = start(slow_site()).await;
    let fast = start(site("f", 2)).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "a-slow",
        &format!("{}/s", slow.base),
        r"^/s/\d+$",
        "every 1m",
    ) + &source(
        "b-fast",
        &format!("{}/f", fast.base),
        r"^/f/\d+$",
        "every 1m",
    );
    let cfg = write_config(dir.path(), &sources, "stop_timeout = \"1s\"\n");
    let mut d = Daemon::spawn(&cfg, &[]);
    let mut passes = Vec::new();
    while passes
        .iter()
        .filter(|p: &&String| p.contains("b-fast"))
        .count()
        < 2
    {
        passes.push(d.stdout_until(|l| l.starts_with("pass done:"), "passes"));
    }
    assert!(
        passes.iter().all(|p| p.contains("b-fast")),
        "the healthy source passed twice before the slow one's first pass ended: {passes:?}"
    );
    assert_eq!(fast.hits_for("/f").len(), 2);
    assert_eq!(
        slow.hits_for("/s").len(),
        1,
        "the slow pass is still on its page"
    );
    d.signal("TERM");
    assert_eq!(d.wait().code(), Some(0));
}

fn setup(sources: Vec<SourceConfig>, crawl: CrawlConfig) -> CrawlSetup {
    let mut s = CrawlSetup {
        crawl,
        sources,
        ..Default::default()
    };
    s.sentiment.enabled = false;
    s
}

fn lib_source(name: &str, start: String, follow: &str) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        start_urls: vec![start],
        follow: vec![follow.into()],
        allow_private: Some(true),
        timezone: Some("UTC".into()),
        ..Default::default()
    }
}

fn quiet() -> earshot::crawl::Progress {
    Arc::new(|_: &str| {})
}

/// Two sources on one host, crawled at the same time through the
/// process's crawler (a scheduled pass and a dashboard crawl do the same):
/// the server sees the host's rate, not twice it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sources_on_one_host_share_its_rate() {
    let srv: TestServer = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            return not_found();
        }
        let (a, b) = (site("a", 6), site("b", 6));
        if path.starts_with("/a") {
            a(path, "", 0)
        } else {
            b(path, "", 0)
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let rate = 5.0;
    let crawl = CrawlConfig {
        rate_per_host: rate,
        per_host_concurrency: 2,
        burst: 1,
        ..Default::default()
    };
    let cfg = setup(
        vec![
            lib_source("a", format!("{}/a", srv.base), r"^/a/\d+$"),
            lib_source("b", format!("{}/b", srv.base), r"^/b/\d+$"),
        ],
        crawl.clone(),
    );
    let crawler = Crawler::new(&crawl).unwrap();
    let stop = CancellationToken::new();
    let (ra, rb) = tokio::join!(
        crawler.pass(&cfg, store.clone(), Some("a"), stop.clone(), quiet()),
        crawler.pass(&cfg, store.clone(), Some("b"), stop.clone(), quiet()),
    );
    assert_eq!(ra.unwrap().pages_fetched + rb.unwrap().pages_fetched, 14);
    let hits = srv.hits();
    assert_eq!(
        hits.len(),
        15,
        "14 pages and one robots.txt for both sources"
    );
    // Over any 6 requests the host's rate holds (server-side arrival
    // times; 5% for scheduling jitter).
    for w in hits.windows(6) {
        let span = (w[5].at - w[0].at).as_secs_f64();
        assert!(
            span >= 5.0 / rate * 0.95,
            "6 requests in {span:.3}s: faster than {rate}/s"
        );
    }
}

/// Passes through one crawler fetch robots.txt once (crawl.robots_ttl),
/// and a robots.txt answering 500 keeps the site disallowed for
/// crawl.robots_error_wait across passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_and_its_error_window_outlive_a_pass() {
    let ok = start(site("a", 1)).await;
    let broken = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            resp("500 Internal Server Error", "", b"oops")
        } else {
            html("<p>never asked for</p>")
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let crawl = CrawlConfig {
        rate_per_host: 100.0,
        revisit: Duration::ZERO,
        ..Default::default()
    };
    let cfg = setup(
        vec![
            lib_source("ok", format!("{}/a", ok.base), r"^/a/\d+$"),
            lib_source("broken", format!("{}/x", broken.base), r"^/x$"),
        ],
        crawl.clone(),
    );
    let crawler = Crawler::new(&crawl).unwrap();
    for _ in 0..3 {
        let s = crawler
            .pass(&cfg, store.clone(), None, CancellationToken::new(), quiet())
            .await
            .unwrap();
        assert_eq!(
            s.pages_failed, 1,
            "the broken site is refused: {:?}",
            s.errors
        );
    }
    assert_eq!(
        ok.hits_for("/robots.txt").len(),
        1,
        "robots.txt once in 3 passes"
    );
    assert_eq!(ok.hits_for("/a").len(), 3, "the start page every pass");
    assert_eq!(
        broken.hits_for("/robots.txt").len(),
        1,
        "the 500 is remembered"
    );
    assert_eq!(broken.hits_for("/x").len(), 0);
    let m = crawler.metrics().snapshot();
    assert_eq!(m["broken"].errors.get("robots"), Some(&3));
    assert_eq!(m["ok"].pages.get("2xx"), Some(&6));
}

/// A source whose server answers 500: `/health` says so with the reason
/// (503), `/live` still answers, and `/metrics` counts the 5xx pages,
/// errors and retries and shows no successful pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_tell_a_failing_source() {
    let bad = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            not_found()
        } else {
            resp(
                "500 Internal Server Error",
                "Content-Type: text/html\r\n",
                b"down",
            )
        }
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "broken",
        &format!("{}/b", bad.base),
        r"^/b/\d+$",
        "every 1h",
    );
    let cfg = write_config(
        dir.path(),
        &sources,
        "backoff_base = \"10ms\"\nbackoff_max = \"20ms\"\n",
    );
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("max_retries = 0", "max_retries = 2")).unwrap();
    let mut child = crate::util::earshot()
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "run",
            "--serve",
            "--login-link",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut d = Daemon {
        child,
        out: {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(l);
                }
            });
            rx
        },
        err: std::sync::mpsc::channel().1,
        log: Vec::new(),
    };
    let dash = d.stdout_until(|l| l.starts_with("dashboard at "), "the dashboard");
    let base = dash["dashboard at ".len()..]
        .trim_end_matches('/')
        .to_string();
    let token_line = d.stdout_until(|l| l.contains("admin token is"), "the token");
    let token = token_line.rsplit(' ').next().unwrap().to_string();
    d.stdout_until(|l| l.starts_with("pass done: source broken"), "the pass");

    let http = reqwest::Client::new();
    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503);
    let h: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(h["status"], "failing", "{h}");
    let reasons = h["reasons"].to_string();
    assert!(reasons.contains("source broken"), "{h}");
    assert!(reasons.contains("HTTP 500"), "{h}");
    let live = http.get(format!("{base}/live")).send().await.unwrap();
    assert_eq!(live.status().as_u16(), 200);

    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |prefix: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{metrics}"))
    };
    assert_eq!(
        value("earshot_pages_fetched_total{source=\"broken\",class=\"5xx\"}"),
        1.0
    );
    assert_eq!(
        value("earshot_fetch_errors_total{source=\"broken\",kind=\"status\"}"),
        1.0
    );
    assert_eq!(value("earshot_fetch_retries_total{host="), 2.0);
    assert_eq!(
        value("earshot_crawl_last_success_timestamp_seconds{source=\"broken\"}"),
        0.0
    );
    assert_eq!(
        value("earshot_crawl_passes_total{source=\"broken\",result=\"failed\"}"),
        1.0
    );
    assert_eq!(value("earshot_fetch_in_flight"), 0.0);
    assert_eq!(value("earshot_crawl_writer_queue_pages"), 0.0);
    assert_eq!(
        value("earshot_sentiment_scored_texts_total"),
        0.0,
        "nothing fetched, nothing scored"
    );
    assert!(value("earshot_disk_free_bytes") > 0.0);
    assert_eq!(bad.hits_for("/b").len(), 3, "one request and two retries");
    d.signal("TERM");
    assert_eq!(d.wait().code(), Some(0));
}

/// `doctor` exits non-zero when the store cannot be opened (here a file
/// stands where the store should be) and reports the disk under it.
#[test]
fn doctor_fails_when_the_store_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::write(&store, b"not a store").unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[sentiment]\nenabled = false\n").unwrap();
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&cfg)
        .arg("--store")
        .arg(&store)
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = crate::util::text(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("store:    cannot be opened"), "{stdout}");
    assert!(stdout.contains("disk:     ok"), "{stdout}");
}
