//! Revisit by activity: a thread that gains replies is fetched again on the
//! next pass, long before `revisit`; a page unchanged pass after pass backs
//! off; the new last page of an active thread is found even past
//! `max_depth`. The crawler's clock moves forward between passes, the
//! server records what was asked and the store what was found.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use earshot::crawl::{Crawler, SourceConfig};
use earshot::fetch::CrawlConfig;
use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{html, not_found, resp, start};
use tokio_util::sync::CancellationToken;

/// A Discuz! thread page with `posts` and, when given, a link to the next
/// page.
fn thread(id: u32, page: u32, posts: &[&str], next: Option<&str>) -> String {
    let posts: String = posts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let n = page * 100 + i as u32;
            format!(
                "<div id=\"post_{n}\"><table class=\"plhin\"><tr><td class=\"pls\"><div class=\"authi\">\
                 <a class=\"xw1\" href=\"space-uid-{n}.html\">user{n}</a></div></td><td class=\"plc\">\
                 <em id=\"authorposton{n}\">发表于 2026-12-01 10:{i:02}:00</em><a id=\"postnum{n}\">{}#</a>\
                 <table><tr><td class=\"t_f\" id=\"postmessage_{n}\">{text}</td></tr></table></td></tr></table></div>",
                i + 1
            )
        })
        .collect();
    let next = next
        .map(|n| format!("<div class=\"pg\"><a href=\"{n}\" class=\"nxt\">下一页</a></div>"))
        .unwrap_or_default();
    format!(
        "<html><head><title>Thread {id}</title></head><body><span id=\"thread_subject\">Thread {id}</span>{posts}{next}</body></html>"
    )
}

const FIRST: &str =
    "The Lumio Aura desk lamp arrived today and the warm light is lovely in the evening.";
const REPLY: &str =
    "Mine too: the Lumio Aura dimmer is smooth and the arm holds its position well.";
const PAGE_TWO: &str = "Lumio support answered within the hour when my Aura base came loose.";
const QUIET: &str = "An old Lumio Aura thread nobody has answered for weeks, still a fine lamp.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_thread_is_revisited_soon_and_a_dormant_page_backs_off() {
    // 0: the thread has one post; 1: a reply; 2: page 1 is full and a
    // reply opens page 2.
    let stage = Arc::new(AtomicUsize::new(0));
    let s = stage.clone();
    let srv = start(Arc::new(move |path, head, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(
            "<html><body><h1>Lamps forum</h1><p>Threads about desk lamps, their light and their arms.</p>\
             <a href=\"/thread-7-1-1.html\">active</a> <a href=\"/thread-8-1-1.html\">quiet</a></body></html>",
        ),
        "/thread-7-1-1.html" => match s.load(Ordering::SeqCst) {
            0 => html(&thread(7, 1, &[FIRST], None)),
            1 => html(&thread(7, 1, &[FIRST, REPLY], None)),
            _ => html(&thread(7, 1, &[FIRST, REPLY], Some("/thread-7-2-1.html"))),
        },
        "/thread-7-2-1.html" => html(&thread(7, 2, &[PAGE_TWO], None)),
        // Unchanged, and answering a conditional GET with 304.
        "/thread-8-1-1.html" => {
            if head.to_ascii_lowercase().contains("if-none-match: \"q1\"") {
                resp("304 Not Modified", "ETag: \"q1\"\r\n", b"")
            } else {
                resp(
                    "200 OK",
                    "Content-Type: text/html; charset=utf-8\r\nETag: \"q1\"\r\n",
                    thread(8, 1, &[QUIET], None).as_bytes(),
                )
            }
        }
        _ => not_found(),
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let crawl = CrawlConfig {
        rate_per_host: 100.0,
        max_retries: 0,
        revisit: Duration::from_secs(6 * 3600),
        revisit_min: Duration::from_secs(20 * 60),
        ..Default::default()
    };
    let setup = crate::util::unscored_setup(
        &crawl,
        SourceConfig {
            name: "forum".into(),
            start_urls: vec![format!("{}/", srv.base)],
            follow: vec![r"^/thread-\d+-1-1\.html$".into()],
            // Page 2 of a thread is one hop further than this.
            max_depth: Some(1),
            ..Default::default()
        },
        "Lumio",
    );
    let crawler = Crawler::new(&crawl).unwrap();
    let texts = || {
        let mut t: Vec<String> = store
            .mentions(&MentionQuery::default())
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect();
        t.sort();
        t
    };
    let mut fetched = Vec::new();
    for pass in 0..6 {
        match pass {
            1 => stage.store(1, Ordering::SeqCst),
            2 => stage.store(2, Ordering::SeqCst),
            _ => {}
        }
        let before = srv.hits();
        let s = crawler
            .pass(
                &setup,
                store.clone(),
                None,
                CancellationToken::new(),
                Arc::new(|_: &str| {}),
            )
            .await
            .unwrap();
        assert!(s.errors.is_empty(), "pass {pass}: {:?}", s.errors);
        let mut paths: Vec<String> = srv.hits()[before.len()..]
            .iter()
            .map(|h| h.path.clone())
            .filter(|p| p.starts_with("/thread-"))
            .collect();
        paths.sort();
        fetched.push(paths);
        if pass == 1 {
            assert!(
                texts().iter().any(|t| t.contains("dimmer is smooth")),
                "the reply is stored on the pass after it was written: {:?}",
                texts()
            );
        }
        // Half an hour between passes: more than revisit_min (20m), far
        // less than revisit (6h).
        crawler.advance_clock(Duration::from_secs(30 * 60));
    }
    let t7 = "/thread-7-1-1.html".to_string();
    let t7p2 = "/thread-7-2-1.html".to_string();
    let t8 = "/thread-8-1-1.html".to_string();
    assert_eq!(
        fetched,
        [
            // New pages: both.
            vec![t7.clone(), t8.clone()],
            // Both were new, so due after 20m; the quiet one is unchanged.
            vec![t7.clone(), t8.clone()],
            // The active thread changed again: fetched, and its new page 2
            // found past max_depth. The quiet one waits 40m now.
            vec![t7.clone(), t7p2.clone()],
            // Page 1 and page 2 were changed/new: due after 20m; the quiet
            // one's 40m are up (a 304), it now waits 80m.
            vec![t7.clone(), t7p2.clone(), t8.clone()],
            // Page 1 unchanged once (40m), page 2 unchanged once (40m),
            // the quiet one 80m: nothing is due.
            vec![],
            // 60m after pass 3: page 1 and page 2 are due (40m); the quiet
            // one is not (80m).
            vec![t7.clone(), t7p2.clone()],
        ]
    );
    let stored = texts();
    for want in [FIRST, REPLY, PAGE_TWO, QUIET] {
        assert!(
            stored.iter().any(|t| t == want),
            "`{want}` stored: {stored:?}"
        );
    }
    assert_eq!(stored.len(), 4, "each post once: {stored:?}");
    let quiet304 = srv
        .hits_for(&t8)
        .iter()
        .filter(|h| h.head.to_ascii_lowercase().contains("if-none-match"))
        .count();
    assert_eq!(
        quiet304, 2,
        "the quiet page's later fetches are conditional"
    );
}
