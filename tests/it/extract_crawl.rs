//! Pages with repeated answer or comment blocks and no known engine (#26
//! item 4), crawled: each block is a post of its own, so the store holds one
//! mention per matching answer or comment, with that block's author and
//! date, and none for the blocks that do not match.

use std::sync::Arc;

use earshot::crawl::{Crawler, SourceConfig};
use earshot::fetch::CrawlConfig;
use earshot::store::{MentionQuery, Store};
use earshot_test_utils::server::{html, not_found, resp, start};
use tokio_util::sync::CancellationToken;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/extract")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_stores_one_mention_per_matching_answer_or_comment() {
    let blog = fixture("blog-comments-en.html");
    let qa = fixture("qa-farm-big5.html");
    let srv = start(Arc::new(move |path, _, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(
            "<html><body><h1>Reading list</h1><p>Pages about earbuds on the commute, collected for the week.</p>\
             <a href=\"/2026/11/s3-night-bus/\">blog</a> <a href=\"/ask/20261120/88213.html\">question</a></body></html>",
        ),
        "/2026/11/s3-night-bus/" => resp("200 OK", "Content-Type: text/html; charset=utf-8\r\n", &blog),
        // No charset in the header: the page's <meta> says Big5.
        "/ask/20261120/88213.html" => resp("200 OK", "Content-Type: text/html\r\n", &qa),
        _ => not_found(),
    }))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let crawl = CrawlConfig {
        rate_per_host: 100.0,
        max_retries: 0,
        ..Default::default()
    };
    let setup = crate::util::unscored_setup(
        &crawl,
        SourceConfig {
            name: "pages".into(),
            start_urls: vec![format!("{}/", srv.base)],
            follow: vec![r"^/(2026|ask)/".into()],
            max_depth: Some(1),
            ..Default::default()
        },
        "S3",
    );
    let s = Crawler::new(&crawl)
        .unwrap()
        .pass(
            &setup,
            store.clone(),
            None,
            CancellationToken::new(),
            Arc::new(|_: &str| {}),
        )
        .await
        .unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let mut got: Vec<(String, Option<String>, String, Option<String>)> = store
        .mentions(&MentionQuery::default())
        .unwrap()
        .into_iter()
        .map(|m| {
            let head: String = m.text.chars().take(16).collect();
            (
                head,
                m.author,
                m.published_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
                m.lang,
            )
        })
        .collect();
    got.sort();
    // The blog: the article and Li Wen's comment name the S3, the other
    // three comments do not. The Q&A page: the question only in its title
    // (which goes with the question), and the first answer.
    let want = [
        (
            "Honestly the S3 i",
            Some("Li Wen"),
            "2026-11-22T18:30:00+00:00",
            "en",
        ),
        ("I bought the Xing", None, "2026-11-19T21:30:00+00:00", "en"),
        (
            "買了三個禮拜，在地鐵站裡左耳常常",
            Some("路過的小齊"),
            "2026-11-20T09:12:00+00:00",
            "zh-Hant",
        ),
        (
            "這是左右耳轉發的設計造成的。S3",
            Some("耳機老司機"),
            "2026-11-20T10:05:00+00:00",
            "zh-Hant",
        ),
    ];
    let want: Vec<(String, Option<String>, String, Option<String>)> = want
        .iter()
        .map(|(h, a, d, l)| {
            (
                h.chars().take(16).collect(),
                a.map(str::to_string),
                d.to_string(),
                Some(l.to_string()),
            )
        })
        .collect();
    assert_eq!(got, want);
}
