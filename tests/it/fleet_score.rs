//! Scoring on its own machines: a fetch worker started with `--no-score`
//! (with no model, and a scorer path that does not exist, so that any
//! scoring it tried would fail) and score-only workers (`earshot worker
//! --score-only`, the real model through `earshot-score`) crawl a test site
//! through a real `nats-server -js`. Every mention is stored once, with the
//! score the single-machine crawl gives it; a score-only worker killed with
//! -9 in the middle of a batch loses nothing: its pages go to another.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{html, not_found, start, TestServer};

use crate::fleet::{finish, free_port, nats_server, Proc};

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/sentiment");

/// What the pages say about the lamp: praise, complaints, plain facts and
/// mixed feelings, so that the scores differ from page to page.
const SAYS: [&str; 6] = [
    "The Lumio Aura lamp is wonderful, the warm light is lovely and I am very happy with it.",
    "My Lumio Aura broke after two days and support never answered. Awful, a waste of money.",
    "The Lumio Aura lamp ships in a white box with a USB-C cable and a manual.",
    "The Lumio Aura looks great, but the dimmer flickers and the arm wobbles.",
    "Honestly the Lumio Aura is the best desk lamp I have owned, bright and easy on the eyes.",
    "Returned the Lumio Aura: it buzzes at low brightness and the app keeps crashing.",
];
const PAGES: usize = 12;

fn site() -> earshot_test_utils::server::Handler {
    std::sync::Arc::new(|path: &str, _: &str, _| match path {
        "/" => {
            let links: String = (0..PAGES)
                .map(|i| format!("<a href=\"/p/{i}\">{i}</a> "))
                .collect();
            html(&format!("<html><body><nav>{links}</nav></body></html>"))
        }
        p if p.starts_with("/p/") => {
            let n: usize = p[3..].parse().unwrap_or(0);
            html(&format!(
                "<html><head><title>Review {n}</title></head><body><article><h1>Review {n}</h1>\
                 <p>{}</p><p>Written on day {n} of the test, after using the lamp every evening at my desk for reading, writing and a little drawing.</p></article></body></html>",
                SAYS[n % SAYS.len()]
            ))
        }
        _ => not_found(),
    })
}

/// A config for `site` with its store in `store`; `scoring` false: no
/// model at all (a fetch-only machine).
fn config(dir: &Path, name: &str, site: &TestServer, store: &Path, scoring: bool) -> PathBuf {
    // fp32: the same score whatever a text is batched with. int8 (what
    // `auto` runs where it is the faster path) quantises activations with
    // one scale per batch, so a fleet, which batches other texts together,
    // scores up to a few hundredths apart from one machine.
    let sentiment = if scoring {
        format!("model = \"{MODEL}\"\nprecision = \"fp32\"")
    } else {
        "enabled = false".into()
    };
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[store]\npath = \"{}\"\n\n[crawl]\nuser_agent = \"earshot-test (+https://github.com/earshot-dev/earshot)\"\nrate_per_host = 20.0\n\n[sentiment]\n{sentiment}\n\n[fleet]\nshards = 8\nack_wait = \"2s\"\n\n[[watch]]\nname = \"Lumio\"\n\n[[source]]\nname = \"reviews\"\nstart_urls = [\"{}/\"]\nfollow = ['^/p/\\d+$']\nschedule = \"every 1h\"\nallow_private = true\ntimezone = \"UTC\"\n",
            store.display(),
            site.base
        ),
    )
    .unwrap();
    path
}

/// `earshot worker` with `args`; `scorer`: EARSHOT_SCORER for it.
fn worker(cfg: &Path, url: &str, args: &[&str], scorer: Option<&Path>) -> Proc {
    let mut cmd = crate::util::earshot();
    cmd.arg("--config")
        .arg(cfg)
        .args(["worker", "--fleet", url])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(s) = scorer {
        cmd.env("EARSHOT_SCORER", s);
    }
    Proc(cmd.spawn().unwrap())
}

fn coordinator(cfg: &Path, url: &str) -> Child {
    crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .args(["crawl", "--json", "--fleet", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each stored mention's (label, score, model) by page URL.
type Scores = BTreeMap<String, (String, f32, String)>;

fn scores(store: &Path) -> Scores {
    let store = Store::open_existing(store).unwrap();
    let mut out = BTreeMap::new();
    for m in store.mentions(&MentionQuery::default()).unwrap() {
        let s = m
            .sentiment
            .unwrap_or_else(|| panic!("{} stored without a score", m.canonical_url));
        let label = format!("{:?}", s.label);
        let old = out.insert(m.canonical_url.clone(), (label, s.score, s.model));
        assert!(old.is_none(), "{} stored twice", m.canonical_url);
    }
    out
}

/// The single-machine crawl of `site` (`earshot crawl`, no fleet): the
/// scores the fleet must reproduce.
fn single_machine(dir: &Path, site: &TestServer) -> Scores {
    let store = dir.join("single");
    let cfg = config(dir, "single.toml", site, &store, true);
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&cfg)
        .args(["crawl", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::util::text(&out.stderr));
    let s = scores(&store);
    assert_eq!(s.len(), PAGES, "{s:?} {}", crate::util::text(&out.stdout));
    let labels: std::collections::BTreeSet<&str> = s.values().map(|v| v.0.as_str()).collect();
    assert!(labels.len() >= 2, "the pages score differently: {s:?}");
    s
}

/// The fleet's scores against the single machine's: the same model and
/// label for every page, the same score (the model runs on other batches,
/// padded to other lengths, so float noise is allowed; on these pages the
/// largest difference printed has been 0).
fn same_scores(fleet: &Scores, single: &Scores) {
    assert_eq!(
        fleet.keys().collect::<Vec<_>>(),
        single.keys().collect::<Vec<_>>(),
        "every page's mention stored once"
    );
    let mut worst = 0f32;
    for (url, (label, score, model)) in fleet {
        let (l, s, m) = &single[url];
        assert_eq!((label, model), (l, m), "{url}");
        assert!(
            (score - s).abs() < 1e-4,
            "{url}: the fleet scored {score}, one machine {s}"
        );
        worst = worst.max((score - s).abs());
    }
    eprintln!("largest score difference, fleet against one machine: {worst:e}");
}

/// Stops a worker with SIGTERM and returns what it printed.
pub(crate) fn stop(mut p: Proc) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &p.0.id().to_string()])
        .status();
    let _ = p.0.wait();
    let mut err = String::new();
    if let Some(e) = p.0.stderr.as_mut() {
        let _ = std::io::Read::read_to_string(e, &mut err);
    }
    err
}

/// The count before `what` in a worker's last line (`… 12 pages scored`).
pub(crate) fn count(stderr: &str, what: &str) -> u64 {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no `{what}` in: {stderr}"));
    let before = &line[..line.find(what).unwrap()];
    before
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_worker_without_scoring_and_a_score_only_worker_score_as_one_machine() {
    let site = start(site()).await;
    let dir = tempfile::tempdir().unwrap();
    let single = single_machine(dir.path(), &site);
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let store = dir.path().join("fleet");
    let cfg = config(dir.path(), "fleet.toml", &site, &store, true);
    let fetch_cfg = config(dir.path(), "fetch.toml", &site, &store, false);
    let nowhere = dir.path().join("no-such-scorer");
    let fetcher = worker(&fetch_cfg, &url, &["--no-score"], Some(&nowhere));
    let scorer = worker(&cfg, &url, &["--score-only"], None);
    let (cfg2, url2) = (cfg.clone(), url.clone());
    let summary = tokio::task::spawn_blocking(move || finish(coordinator(&cfg2, &url2)))
        .await
        .unwrap();
    assert_eq!(summary["mentions_new"], PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    let (fetched, scored) = (stop(fetcher), stop(scorer));
    assert_eq!(
        count(&fetched, "pages sent to score-only workers"),
        PAGES as u64,
        "{fetched}"
    );
    assert_eq!(count(&scored, "pages scored"), PAGES as u64, "{scored}");
    same_scores(&scores(&store), &single);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_score_only_worker_killed_mid_batch_loses_nothing() {
    let site = start(site()).await;
    let dir = tempfile::tempdir().unwrap();
    let single = single_machine(dir.path(), &site);
    let port = free_port();
    let _nats = nats_server(&dir.path().join("nats"), port);
    let url = format!("nats://127.0.0.1:{port}");
    let store = dir.path().join("fleet");
    let cfg = config(dir.path(), "fleet.toml", &site, &store, true);
    let fetch_cfg = config(dir.path(), "fetch.toml", &site, &store, false);
    // The first score-only worker's scorer: the real one, started late, so
    // that the worker holds its first batch unscored when it is killed.
    let real = Path::new(env!("CARGO_BIN_EXE_earshot")).with_file_name("earshot-score");
    assert!(real.is_file(), "build earshot-score: {}", real.display());
    let mark = dir.path().join("scoring");
    let slow = dir.path().join("slow-scorer");
    std::fs::write(
        &slow,
        format!(
            "#!/bin/sh\necho $$ > '{}.tmp' && mv '{0}.tmp' '{0}'\nsleep 20\nexec '{}' \"$@\"\n",
            mark.display(),
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let nowhere = dir.path().join("no-such-scorer");
    let fetcher = worker(&fetch_cfg, &url, &["--no-score"], Some(&nowhere));
    let mut first = worker(&cfg, &url, &["--score-only"], Some(&slow));
    let coord = coordinator(&cfg, &url);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !mark.exists() {
        assert!(
            Instant::now() < deadline,
            "the first score-only worker never got a batch"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // kill -9 (std's `Child::kill` sends SIGKILL), and its stalled scorer.
    let _ = first.0.kill();
    let _ = first.0.wait();
    let pid = std::fs::read_to_string(&mark).unwrap();
    let _ = Command::new("kill").args(["-9", pid.trim()]).status();
    let second = worker(&cfg, &url, &["--score-only"], None);
    let summary = tokio::task::spawn_blocking(move || finish(coord))
        .await
        .unwrap();
    assert_eq!(summary["mentions_new"], PAGES as u64, "{summary}");
    assert_eq!(summary["pages_failed"], 0, "{summary}");
    let (fetched, scored) = (stop(fetcher), stop(second));
    assert_eq!(
        count(&fetched, "pages sent to score-only workers"),
        PAGES as u64,
        "{fetched}"
    );
    // Every page, those the first held when it died included.
    assert!(
        count(&scored, "pages scored") >= PAGES as u64,
        "the second score-only worker scored every page: {scored}"
    );
    same_scores(&scores(&store), &single);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_score_only_worker_without_a_model_says_so() {
    let site = start(site()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "fetch.toml",
        &site,
        &dir.path().join("s"),
        false,
    );
    let out = crate::util::earshot()
        .arg("--config")
        .arg(&cfg)
        .args(["worker", "--score-only", "--fleet", "nats://127.0.0.1:1"])
        .output()
        .unwrap();
    let err = crate::util::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--score-only needs a model") && err.contains("enabled = true, model"),
        "{err}"
    );
}
