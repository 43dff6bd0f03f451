//! Fetching over real HTTP on 127.0.0.1, checked from the server's side:
//! rate limits, robots.txt, Retry-After, backoff, size limits, bombs, slow
//! servers, redirects, private addresses and charsets.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use earshot::fetch::CrawlConfig;
use earshot::fetch::{FetchError, Fetched, Fetcher, Request, Validators};

use earshot_test_utils::server::{html, not_found, resp, start, Reply};

fn crawl() -> CrawlConfig {
    CrawlConfig {
        rate_per_host: 1000.0,
        request_timeout: Duration::from_secs(5),
        first_byte_timeout: Duration::from_secs(5),
        max_body_bytes: 64 * 1024,
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        ..Default::default()
    }
}

fn req(url: &str, rate: f64) -> Request {
    Request {
        url: url.parse().unwrap(),
        rate,
        allow_private: true,
        validators: Validators::default(),
    }
}

fn page(f: Result<Fetched, FetchError>) -> Box<earshot::fetch::Page> {
    match f {
        Ok(Fetched::Page(p)) => p,
        other => panic!("expected a page, got {other:?}"),
    }
}

/// Gaps between consecutive hits, in seconds.
fn gaps(hits: &[earshot_test_utils::server::Hit]) -> Vec<f64> {
    hits.windows(2)
        .map(|w| (w[1].at - w[0].at).as_secs_f64())
        .collect()
}

#[tokio::test]
async fn configured_rate_is_held_and_never_exceeded() {
    let srv = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            not_found()
        } else {
            html("<p>ok</p>")
        }
    }))
    .await;
    let cfg = CrawlConfig {
        per_host_concurrency: 4,
        concurrency: 8,
        ..crawl()
    };
    let f = Arc::new(Fetcher::new(&cfg).unwrap());
    let rate = 10.0;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let f = f.clone();
        let u = format!("{}/p/{i}", srv.base);
        tasks.push(tokio::spawn(async move { f.fetch(&req(&u, rate)).await }));
    }
    for t in tasks {
        page(t.await.unwrap());
    }
    let hits = srv.hits();
    assert_eq!(hits.len(), 31, "30 pages and robots.txt");
    assert!(
        hits[1]
            .head
            .to_ascii_lowercase()
            .contains("user-agent: earshot/"),
        "{}",
        hits[1].head
    );
    let g = gaps(&hits);
    let mean = (hits[hits.len() - 1].at - hits[0].at).as_secs_f64() / (hits.len() - 1) as f64;
    // Server-side arrival times carry scheduling jitter: on a loaded
    // machine one arrival recorded late makes its gap long and the next
    // one short (0.139 s then 0.064 s was seen), so single gaps are checked
    // in pairs: two requests sent back to back still show (a pair near
    // 0.1 s). Over any 10 requests the rate holds.
    for (i, pair) in g.windows(2).enumerate() {
        let two = pair[0] + pair[1];
        assert!(
            two >= 2.0 * 0.1 * 0.95,
            "gaps {i} and {} ({two:.4}s) are over 5% faster than {rate}/s: {g:?}",
            i + 1
        );
    }
    for w in hits.windows(11) {
        let span = (w[10].at - w[0].at).as_secs_f64();
        assert!(
            span >= 1.0 - 0.005,
            "10 requests in {span:.4}s: faster than {rate}/s"
        );
    }
    assert!(
        (mean - 0.1).abs() <= 0.005,
        "mean gap {mean:.4}s is not within 5% of 0.1s"
    );
    let stats = f.stats();
    let s = stats.values().next().unwrap();
    assert_eq!(s.requests, 31);
    assert_eq!(s.status.get("2xx"), Some(&30));
}

#[tokio::test]
async fn robots_disallow_and_crawl_delay_are_honoured() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => resp(
            "200 OK",
            "Content-Type: text/plain\r\n",
            b"User-agent: *\nDisallow: /private\nCrawl-delay: 0.4\n",
        ),
        _ => html("<p>ok</p>"),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&req(&format!("{}/private/1", srv.base), 100.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Robots { .. }), "{e}");
    for i in 0..4 {
        page(f.fetch(&req(&format!("{}/ok/{i}", srv.base), 100.0)).await);
    }
    assert!(
        srv.hits_for("/private/1").is_empty(),
        "a disallowed URL reached the server"
    );
    let pages: Vec<_> = srv
        .hits()
        .into_iter()
        .filter(|h| h.path.starts_with("/ok/"))
        .collect();
    for g in gaps(&pages) {
        assert!(
            g >= 0.4 * 0.95,
            "Crawl-delay 0.4 s not honoured: gap {g:.3}"
        );
    }
    assert_eq!(srv.hits_for("/robots.txt").len(), 1, "robots.txt is cached");
    assert_eq!(f.stats().values().next().unwrap().robots_refusals, 1);
}

#[tokio::test]
async fn robots_500_disallows_and_404_allows() {
    let s500 = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            resp("500 Internal Server Error", "", b"oops")
        } else {
            html("x")
        }
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&req(&format!("{}/a", s500.base), 100.0))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("robots.txt answered HTTP 500"),
        "{e}"
    );
    assert!(s500.hits_for("/a").is_empty());
    let s404 = start(Arc::new(|path, _, _| {
        if path == "/robots.txt" {
            not_found()
        } else {
            html("<p>fine</p>")
        }
    }))
    .await;
    page(f.fetch(&req(&format!("{}/a", s404.base), 100.0)).await);
}

#[tokio::test]
async fn retry_after_in_seconds_and_http_date_is_honoured() {
    let srv = start(Arc::new(|path, _, nth| match (path, nth) {
        ("/robots.txt", _) => not_found(),
        ("/secs", 0) => resp("429 Too Many Requests", "Retry-After: 1\r\n", b""),
        ("/date", 0) => {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            resp(
                "503 Service Unavailable",
                &format!("Retry-After: {when}\r\n"),
                b"",
            )
        }
        _ => html("<p>ok</p>"),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    page(f.fetch(&req(&format!("{}/secs", srv.base), 100.0)).await);
    let h = srv.hits_for("/secs");
    assert_eq!(h.len(), 2);
    assert!(
        h[1].at - h[0].at >= Duration::from_millis(990),
        "{:?}",
        h[1].at - h[0].at
    );
    page(f.fetch(&req(&format!("{}/date", srv.base), 100.0)).await);
    let h = srv.hits_for("/date");
    assert_eq!(h.len(), 2);
    // An HTTP-date has whole seconds: at least one second later.
    assert!(
        h[1].at - h[0].at >= Duration::from_millis(990),
        "{:?}",
        h[1].at - h[0].at
    );
}

#[tokio::test]
async fn retry_after_longer_than_the_cap_skips_the_url() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        _ => resp("429 Too Many Requests", "Retry-After: 86400\r\n", b""),
    }))
    .await;
    let f = Fetcher::new(&CrawlConfig {
        max_retry_after: Duration::from_secs(5),
        ..crawl()
    })
    .unwrap();
    let e = f
        .fetch(&req(&format!("{}/x", srv.base), 100.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::RetryAfterTooLong { .. }), "{e}");
    assert_eq!(srv.hits_for("/x").len(), 1);
}

#[tokio::test]
async fn a_503_storm_backs_off_and_gives_up_at_the_retry_cap() {
    let srv = start(Arc::new(|path, _, nth| match (path, nth) {
        ("/robots.txt", _) => not_found(),
        ("/recovers", n) if n < 2 => resp("503 Service Unavailable", "", b""),
        ("/recovers", _) => html("<p>back</p>"),
        _ => resp("502 Bad Gateway", "", b""),
    }))
    .await;
    let f = Fetcher::new(&CrawlConfig {
        max_retries: 3,
        ..crawl()
    })
    .unwrap();
    page(
        f.fetch(&req(&format!("{}/recovers", srv.base), 1000.0))
            .await,
    );
    let h = srv.hits_for("/recovers");
    assert_eq!(h.len(), 3);
    for g in gaps(&h) {
        assert!(
            g >= 0.025,
            "backoff (base 50 ms, at least half) not applied: {g}"
        );
    }
    let e = f
        .fetch(&req(&format!("{}/down", srv.base), 1000.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Status { status: 502, .. }), "{e}");
    assert_eq!(srv.hits_for("/down").len(), 4, "1 try + 3 retries");
    assert_eq!(f.stats().values().next().unwrap().retries, 5);
}

#[tokio::test]
async fn conditional_get_gets_304() {
    let srv = start(Arc::new(|path, head, _| match path {
        "/robots.txt" => not_found(),
        _ if head.to_ascii_lowercase().contains("if-none-match: \"v1\"") => {
            resp("304 Not Modified", "ETag: \"v1\"\r\n", b"")
        }
        _ => resp(
            "200 OK",
            "Content-Type: text/html\r\nETag: \"v1\"\r\n",
            b"<p>hi</p>",
        ),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let p = page(f.fetch(&req(&format!("{}/t", srv.base), 100.0)).await);
    assert_eq!(p.etag.as_deref(), Some("\"v1\""));
    let mut r = req(&format!("{}/t", srv.base), 100.0);
    r.validators.etag = p.etag.clone();
    assert!(matches!(f.fetch(&r).await, Ok(Fetched::NotModified)));
    assert_eq!(f.stats().values().next().unwrap().not_modified, 1);
}

#[tokio::test]
async fn endless_bodies_and_gzip_bombs_stop_at_the_size_limit() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/endless" => Reply::Endless {
            head: b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
                .to_vec(),
        },
        _ => {
            // 64 MB of zeros, about 64 KB compressed.
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..64 {
                gz.write_all(&zeros).unwrap();
            }
            let body = gz.finish().unwrap();
            resp(
                "200 OK",
                "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
                &body,
            )
        }
    }))
    .await;
    let f = Fetcher::new(&CrawlConfig {
        max_body_bytes: 1 << 20,
        ..crawl()
    })
    .unwrap();
    let e = f
        .fetch(&req(&format!("{}/endless", srv.base), 100.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
    let e = f
        .fetch(&req(&format!("{}/bomb", srv.base), 100.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("after decompression"));
}

#[tokio::test]
async fn a_server_dripping_a_byte_a_second_times_out() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        _ => Reply::Drip {
            head: b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n".to_vec(),
            every: Duration::from_secs(1),
            total: 1000,
        },
    }))
    .await;
    let f = Fetcher::new(&CrawlConfig {
        request_timeout: Duration::from_secs(2),
        ..crawl()
    })
    .unwrap();
    let started = Instant::now();
    let e = f
        .fetch(&req(&format!("{}/slow", srv.base), 100.0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Transport {
                kind: "timeout",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        srv.hits_for("/slow").len(),
        1,
        "a slow server is not retried"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn redirect_loops_end_with_an_error() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/a" => resp("302 Found", "Location: /b\r\n", b""),
        _ => resp("302 Found", "Location: /a\r\n", b""),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&req(&format!("{}/a", srv.base), 1000.0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Transport {
                kind: "redirect",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("redirect loop"), "{e}");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/jump" => resp("302 Found", "Location: http://127.0.0.1:9/admin\r\n", b""),
        _ => html("<p>ok</p>"),
    }))
    .await;
    // A public-looking name pinned to the test server: its redirect to a
    // loopback address must be refused.
    let mut cfg = crawl();
    cfg.resolve
        .insert("public.test".into(), format!("127.0.0.1:{}", srv.port));
    let f = Fetcher::new(&cfg).unwrap();
    let mut r = req(&format!("http://public.test:{}/jump", srv.port), 100.0);
    r.allow_private = false;
    let e = f.fetch(&r).await.unwrap_err();
    assert!(matches!(e, FetchError::Private { .. }), "{e}");
    assert!(e.to_string().contains("127.0.0.1:9"), "{e}");
    // A loopback URL itself, and a name that resolves to loopback.
    let mut r = req(&format!("{}/x", srv.base), 100.0);
    r.allow_private = false;
    assert!(matches!(
        f.fetch(&r).await.unwrap_err(),
        FetchError::Private { .. }
    ));
    let mut r = req(&format!("http://localhost:{}/x", srv.port), 100.0);
    r.allow_private = false;
    assert!(matches!(
        f.fetch(&r).await.unwrap_err(),
        FetchError::Private { .. }
    ));
    assert!(srv.hits_for("/x").is_empty());
    // Allowed: it goes through.
    page(f.fetch(&req(&format!("{}/x", srv.base), 100.0)).await);
}

#[tokio::test]
async fn the_dns_guard_refuses_names_that_resolve_to_private_addresses() {
    use reqwest::dns::Resolve;
    let r = earshot::fetch::guard::GuardedResolver::new();
    let err = match r.resolve("localhost".parse().unwrap()).await {
        Ok(_) => panic!("localhost resolved through the guard"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("refused"), "{err}");
}

/// A resolver that answers every name with one address, as a hostile or
/// misconfigured DNS server would.
struct AllTo(std::net::IpAddr);

impl reqwest::dns::Resolve for AllTo {
    fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let addr = std::net::SocketAddr::new(self.0, 0);
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs) })
    }
}

fn any_page() -> earshot_test_utils::server::Handler {
    Arc::new(|path, _, _| {
        if path.ends_with("/robots.txt") {
            not_found()
        } else {
            html("<p>ok</p>")
        }
    })
}

#[tokio::test]
async fn an_ordinary_name_resolving_to_loopback_is_refused_through_the_fetcher() {
    let srv = start(any_page()).await;
    let url = format!("http://news.example.com:{}/x", srv.port);
    for ip in ["127.0.0.1", "::ffff:127.0.0.1", "64:ff9b::7f00:1"] {
        let f = Fetcher::with_resolver(&crawl(), Arc::new(AllTo(ip.parse().unwrap()))).unwrap();
        let mut r = req(&url, 100.0);
        r.allow_private = false;
        let e = f.fetch(&r).await.unwrap_err();
        assert!(matches!(e, FetchError::Private { .. }), "{ip}: {e}");
        assert!(e.to_string().contains("news.example.com"), "{e}");
    }
    assert!(srv.hits().is_empty(), "{:?}", srv.hits());
    // The same resolver, private addresses allowed: the name does reach
    // the server, so the refusal above was the guard's.
    let f =
        Fetcher::with_resolver(&crawl(), Arc::new(AllTo("127.0.0.1".parse().unwrap()))).unwrap();
    page(f.fetch(&req(&url, 100.0)).await);
    assert_eq!(srv.hits_for("/x").len(), 1);
}

#[tokio::test]
async fn a_configured_proxy_is_vetted_like_a_target_and_used_when_allowed() {
    let proxy = start(any_page()).await;
    // On a loopback address without allow_private: refused at once.
    let cfg = CrawlConfig {
        proxy: Some(format!("http://127.0.0.1:{}", proxy.port)),
        ..crawl()
    };
    let e = Fetcher::new(&cfg)
        .err()
        .expect("a loopback proxy was accepted");
    assert!(e.to_string().contains("crawl.proxy"), "{e}");
    assert!(e.to_string().contains("allow_private"), "{e}");
    // A name that resolves to loopback: the guard refuses the proxy too.
    let cfg = CrawlConfig {
        proxy: Some(format!("http://proxy.example.com:{}", proxy.port)),
        ..crawl()
    };
    let f = Fetcher::with_resolver(&cfg, Arc::new(AllTo("127.0.0.1".parse().unwrap()))).unwrap();
    let mut r = req("http://news.example.com/x", 100.0);
    r.allow_private = false;
    let e = f.fetch(&r).await.unwrap_err();
    assert!(matches!(e, FetchError::Private { .. }), "{e}");
    assert!(proxy.hits().is_empty(), "{:?}", proxy.hits());
    // Allowed: requests go through the proxy, in absolute form.
    let cfg = CrawlConfig {
        proxy: Some(format!("http://127.0.0.1:{}", proxy.port)),
        allow_private: true,
        ..crawl()
    };
    let f = Fetcher::new(&cfg).unwrap();
    page(f.fetch(&req("http://news.example.com/x", 100.0)).await);
    let paths: Vec<String> = proxy.hits().into_iter().map(|h| h.path).collect();
    assert!(
        paths.contains(&"http://news.example.com/x".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn pages_in_gbk_big5_shift_jis_and_mislabelled_charsets_decode() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/gbk" => resp(
            "200 OK",
            "Content-Type: text/html\r\n",
            &encoding_rs::GBK.encode("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body>云雀手机 发表于 2026-11-20</body></html>").0,
        ),
        "/big5" => resp("200 OK", "Content-Type: text/html\r\n", &encoding_rs::BIG5.encode("<html><head><meta charset=big5></head><body>雲雀手機的電池問題</body></html>").0),
        "/sjis" => resp(
            "200 OK",
            "Content-Type: text/html; charset=Shift_JIS\r\n",
            &encoding_rs::SHIFT_JIS.encode("<html><body>ルミオのデスクライトは明るい</body></html>").0,
        ),
        // The meta tag lies; the server's header is right.
        _ => resp("200 OK", "Content-Type: text/html; charset=GB2312\r\n", &encoding_rs::GBK.encode("<html><head><meta charset=iso-8859-1></head><body>电池鼓包</body></html>").0),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let p = page(f.fetch(&req(&format!("{}/gbk", srv.base), 1000.0)).await);
    assert_eq!(p.charset, "GBK");
    assert!(p.text.contains("云雀手机 发表于 2026-11-20"));
    let p = page(f.fetch(&req(&format!("{}/big5", srv.base), 1000.0)).await);
    assert_eq!(p.charset, "Big5");
    assert!(p.text.contains("雲雀手機的電池問題"));
    let p = page(f.fetch(&req(&format!("{}/sjis", srv.base), 1000.0)).await);
    assert_eq!(p.charset, "Shift_JIS");
    assert!(p.text.contains("ルミオのデスクライトは明るい"));
    let p = page(
        f.fetch(&req(&format!("{}/mislabelled", srv.base), 1000.0))
            .await,
    );
    assert!(p.text.contains("电池鼓包"), "{}", p.text);
}

#[tokio::test]
async fn binary_content_types_are_refused() {
    let srv = start(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        _ => resp("200 OK", "Content-Type: application/zip\r\n", b"PK\x03\x04"),
    }))
    .await;
    let f = Fetcher::new(&crawl()).unwrap();
    let e = f
        .fetch(&req(&format!("{}/z", srv.base), 1000.0))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::ContentType { .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_in_the_environment_are_not_used() {
    let proxy = start(any_page()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[store]
path = "{store}"

[crawl]
user_agent = "earshot-test (+https://github.com/earshot-dev/earshot)"
connect_timeout = "2s"
request_timeout = "3s"
max_retries = 0

[[source]]
name = "news"
start_urls = ["http://news.example.invalid/", "https://news.example.invalid/"]
schedule = "every 1h"

[[watch]]
name = "Lumio"
"#,
            store = dir.path().join("store").display()
        ),
    )
    .unwrap();
    let p = format!("http://127.0.0.1:{}", proxy.port);
    let out = tokio::task::spawn_blocking(move || {
        let mut c = crate::util::earshot();
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            c.env(var, &p);
        }
        c.env_remove("NO_PROXY").env_remove("no_proxy");
        c.arg("--config").arg(&cfg).arg("crawl").output().unwrap()
    })
    .await
    .unwrap();
    let all = format!(
        "{}{}",
        crate::util::text(&out.stdout),
        crate::util::text(&out.stderr)
    );
    assert!(all.contains("news.example.invalid"), "{all}");
    assert!(proxy.hits().is_empty(), "{:?}\n{all}", proxy.hits());
}
