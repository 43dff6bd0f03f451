//! URL traps (#27 item 7): a site with an endless calendar (every day
//! links to the next day and the next month, forever, and the home page's
//! "today" moves on at every pass) cannot grow a source's crawl state past
//! `crawl.max_urls_per_source`, and the site's articles are still crawled,
//! a new one included.

use std::sync::Arc;

use earshot::crawl::{Crawler, SourceConfig};
use earshot::fetch::CrawlConfig;
use earshot::store::Store;
use earshot_test_utils::server::{html, not_found, start, Handler};
use tokio_util::sync::CancellationToken;

/// The home page links to the articles (a fourth one from the third visit
/// on) and to the calendar at "today", 100 days later at every visit.
fn calendar_site() -> Handler {
    Arc::new(|path, _, nth| {
        if path == "/robots.txt" {
            return not_found();
        }
        if path == "/" {
            let articles = if nth >= 2 { 4 } else { 3 };
            let links: String = (1..=articles)
                .map(|i| format!("<a href=\"/article/{i}\">article {i}</a> "))
                .collect();
            let today = 1000 + 100 * nth;
            return html(&format!(
                "<html><body><nav>{links}<a href=\"/cal/{today}\">calendar</a></nav></body></html>"
            ));
        }
        if let Some(day) = path
            .strip_prefix("/cal/")
            .and_then(|d| d.parse::<u64>().ok())
        {
            return html(&format!(
                "<html><body><nav><a href=\"/cal/{}\">next day</a> <a href=\"/cal/{}\">next month</a></nav><p>No events on day {day}.</p></body></html>",
                day + 1,
                day + 30
            ));
        }
        if path.starts_with("/article/") {
            return html(&format!(
                "<html><head><title>{path}</title></head><body><article><h1>{path}</h1>\
                 <p>Review {path}: the Lumio Aura desk lamp gives a warm, even light and the dimmer is smooth.</p>\
                 <p>The base is heavy enough and the arm holds its position through the evening.</p>\
                 </article></body></html>"
            ));
        }
        not_found()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_calendar_stays_under_the_cap_and_articles_are_still_crawled() {
    let srv = start(calendar_site()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("store")).unwrap());
    let cap = 20;
    let crawl = CrawlConfig {
        rate_per_host: 500.0,
        burst: 10,
        max_depth: 60,
        max_urls_per_source: cap,
        forget_after_passes: 2,
        ..Default::default()
    };
    let setup = crate::util::unscored_setup(
        &crawl,
        SourceConfig {
            name: "cal".into(),
            start_urls: vec![format!("{}/", srv.base)],
            follow: vec![r"^/(article|cal)/\d+$".into()],
            ..Default::default()
        },
        "Lumio",
    );
    let crawler = Crawler::new(&crawl).unwrap();
    let article = |i: u32| format!("{}/article/{i}", srv.base);
    let mut fetched = 0;
    for pass in 1..=5 {
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
        fetched += s.pages_fetched;
        assert_eq!(s.capped, ["cal"], "pass {pass} hit the cap");
        let stats = store.stats().unwrap();
        assert!(
            stats.crawled_urls <= cap,
            "pass {pass}: {} URLs with crawl state, over the cap of {cap}",
            stats.crawled_urls
        );
        assert_eq!(store.reached_count("cal").unwrap(), stats.crawled_urls);
        let articles = if pass >= 3 { 4 } else { 3 };
        for i in 1..=articles {
            assert!(
                store.crawl_state(&article(i)).unwrap().is_some(),
                "pass {pass}: article {i} crawled"
            );
        }
        assert_eq!(
            store.mention_count().unwrap(),
            articles as u64,
            "pass {pass}: one mention per article"
        );
    }
    // The calendar kept the crawl busy (new days every pass)…
    assert!(fetched > 5 * 10, "{fetched} pages fetched");
    // …and the first pass's days, reached by no later pass, are gone.
    assert!(store
        .crawl_state(&format!("{}/cal/1000", srv.base))
        .unwrap()
        .is_none());
    assert_eq!(store.source_pass("cal").unwrap(), 5);
}
