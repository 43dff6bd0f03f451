//! `earshot run`, the daemon: killed with -9 mid-crawl and restarted, it
//! goes on without fetching again what it stored, and stores nothing twice;
//! Ctrl-C (SIGINT) stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot::store::Store;

use crate::server::{html, not_found, start};

const PAGES: usize = 12;

fn site(path: &str) -> crate::server::Reply {
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

fn spawn(cfg: &std::path::Path) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = crate::util::earshot()
        .arg("--config")
        .arg(cfg)
        .arg("run")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_resumes_after_kill_9_without_refetching_or_duplicating() {
    let srv = start(Arc::new(|path, _, _| site(path))).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &srv.base);
    let page_hits = || {
        srv.hits()
            .into_iter()
            .filter(|h| h.path.starts_with("/p/"))
            .count()
    };

    // First run: kill -9 once about half the pages were served.
    let (mut child, _rx) = spawn(&cfg);
    let deadline = Instant::now() + Duration::from_secs(60);
    while page_hits() < PAGES / 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
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
    let hits_at_kill: Vec<usize> = (0..PAGES)
        .map(|i| srv.hits_for(&format!("/p/{i}")).len())
        .collect();
    let stored = stored_at_kill.iter().filter(|s| **s).count();
    assert!(stored >= 1, "nothing was stored before the kill");

    // Second run: finishes the pass, then Ctrl-C.
    let (mut child, rx) = spawn(&cfg);
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
