//! `earshot run`, the daemon: killed with -9 mid-crawl and restarted, it
//! goes on without fetching again what it stored, and stores nothing twice;
//! Ctrl-C (SIGINT) stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot::store::Store;

use earshot_test_utils::server::{html, not_found, start, Reply};

const PAGES: usize = 12;

fn site(path: &str) -> earshot_test_utils::server::Reply {
    match path {
        "/robots.txt" => not_found(),
        "/" => {
            let links: String = (0..PAGES)
                .map(|i| format!("<a href=\"/p/{i}\">{i}</a> "))
                .collect();
            html(&format!("<html><body><nav>{links}</nav></body></html>"))
        }
        p if p.starts_with("/p/") => {
            let n = &p[3..];
            html(&format!(
                "<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>\
                 <p>Day {n} with the Lumio Aura desk lamp: the warm light is pleasant in the evening and the dimmer is smooth.</p>\
                 <p>The base is heavy enough, the arm holds its position, and the circadian mode changes colour slowly over the day.</p>\
                 </article></body></html>"
            ))
        }
        _ => not_found(),
    }
}

fn config(dir: &std::path::Path, base: &str) -> std::path::PathBuf {
    let path = dir.join("run.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[store]
path = "{store}"

[crawl]
user_agent = "earshot-test (+https://github.com/earshot-dev/earshot)"
rate_per_host = 4.0

[[source]]
name = "lamps"
start_urls = ["{base}/"]
follow = ['^/p/\d+$']
schedule = "every 1h"
allow_private = true
timezone = "UTC"

[[watch]]
name = "Lumio"
"#,
            store = dir.join("store").display()
        ),
    )
    .unwrap();
    path
}

/// Starts `earshot -vv run`; stdout and stderr lines arrive on channels.
fn spawn(
    cfg: &std::path::Path,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    std::sync::mpsc::Receiver<String>,
) {
    let mut child = crate::util::earshot()
        // Per-page lines are debug lines.
        .arg("-vv")
        .arg("--config")
        .arg(cfg)
        .arg("run")
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
    (child, out, err)
}

/// The page number of a writer's `page <url> ...` progress line.
fn stored_page(line: &str, base: &str) -> Option<usize> {
    let at = line.find(&format!(" {base}/p/"))?;
    let rest = &line[at + base.len() + 4..];
    let (n, tail) = rest.split_once(' ')?;
    if !line[..at].trim_end().ends_with("page") || !tail.contains("mentions") {
        return None;
    }
    n.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_resumes_after_kill_9_without_refetching_or_duplicating() {
    // The first PAGES/2 pages are served at once; the first request for
    // any later page is held (its body trickles) until the test lets go,
    // so the kill lands mid-crawl however slow the machine is.
    let served = Arc::new(AtomicUsize::new(0));
    let released = Arc::new(AtomicBool::new(false));
    let (s2, r2) = (served.clone(), released.clone());
    let srv = start(Arc::new(move |path, _, nth| {
        if path.starts_with("/p/")
            && nth == 0
            && !r2.load(Ordering::SeqCst)
            && s2.fetch_add(1, Ordering::SeqCst) >= PAGES / 2
        {
            return Reply::Drip {
                head:
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"
                        .to_vec(),
                every: Duration::from_millis(200),
                total: 100_000,
            };
        }
        site(path)
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &srv.base);
    let page_hits = || {
        srv.hits()
            .into_iter()
            .filter(|h| h.path.starts_with("/p/"))
            .count()
    };

    // First run: kill -9 once the writer has logged every page served so
    // far as stored (the rest are held), i.e. mid-crawl.
    let (mut child, _out, err) = spawn(&cfg);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut logged = vec![false; PAGES];
    while logged.iter().filter(|l| **l).count() < PAGES / 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match err.recv_timeout(left) {
            Ok(line) => {
                if let Some(n) = stored_page(&line, &srv.base) {
                    logged[n] = true;
                }
            }
            Err(e) => panic!("the writer logged {logged:?} as stored, then {e}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    released.store(true, Ordering::SeqCst);
    let first_run = page_hits();
    assert!(
        (PAGES / 2..PAGES).contains(&first_run),
        "killed too late: {first_run} pages"
    );
    // What the kill left: pages whose crawl state (written in the same batch
    // as their mentions) is stored, and pages fetched but not yet stored.
    let stored_at_kill: Vec<bool> = {
        let store = Store::open_existing(&dir.path().join("store")).unwrap();
        (0..PAGES)
            .map(|i| {
                store
                    .crawl_state(&format!("{}/p/{i}", srv.base))
                    .unwrap()
                    .is_some()
            })
            .collect()
    };
    // The writer stored the last page served with nothing queued behind it
    // (the rest are held), so it flushed before logging it: every page it
    // logged as stored survived the kill -9.
    for i in 0..PAGES {
        assert!(
            !logged[i] || stored_at_kill[i],
            "/p/{i} was logged as stored but the kill lost it"
        );
    }
    let hits_at_kill: Vec<usize> = (0..PAGES)
        .map(|i| srv.hits_for(&format!("/p/{i}")).len())
        .collect();

    // Second run: finishes the pass, then Ctrl-C.
    let (mut child, rx, _err) = spawn(&cfg);
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a pass finishes");
    assert!(line.starts_with("pass done: source lamps"), "{line}");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(0), "Ctrl-C stops cleanly");

    // Every page was served once more only if the kill lost it: a page
    // stored before the kill is not fetched again; one fetched but still in
    // the pipeline (extract, score, store) at the kill is.
    for i in 0..PAGES {
        let n = srv.hits_for(&format!("/p/{i}")).len();
        let want = if stored_at_kill[i] {
            hits_at_kill[i]
        } else {
            hits_at_kill[i] + 1
        };
        assert_eq!(
            n, want,
            "/p/{i}: fetched {n} times in all ({} before the kill, stored then: {})",
            hits_at_kill[i], stored_at_kill[i]
        );
    }
    let store = Store::open_existing(&dir.path().join("store")).unwrap();
    assert_eq!(
        store.mention_count().unwrap(),
        PAGES as u64,
        "one mention per page, none twice"
    );
    assert!(store.verify().unwrap().is_empty());
    assert!(store.source_last_run("lamps").unwrap().is_some());
}
