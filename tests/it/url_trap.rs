//! URL traps (#27 item 7): a site with an endless calendar (every day
//! links to the next day and the next month, forever, and the home page's
//! "today" moves on at every pass) cannot grow a source's crawl state past
//! `crawl.max_urls_per_source`, and the site's articles are still crawled,
//! a new one included.

use std::sync::Arc;

use earshot::crawl::{Crawler, SourceConfig};
use earshot::fetch::CrawlConfig;
use earshot::store::Store;
use earshot_test_utils::server::start;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_calendar_stays_under_the_cap_and_articles_are_still_crawled() {
    // A fourth article from the third visit (pass) on.
    let srv = start(crate::util::endless_calendar(Some(2))).await;
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
