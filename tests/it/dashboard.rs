//! `earshot serve`: the real binary on 127.0.0.1 over a fixture store,
//! spoken to over HTTP: auth and roles, the JSON API, the dashboard page,
//! escaping, CSP, metrics. The browser test drives Debian's chromium.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use reqwest::header;
use reqwest::StatusCode;
use serde_json::Value;

use crate::util::{
    earshot, fixture_config, fixture_store, text, ALERT_SUMMARY, CHINESE_TITLE, XSS_TITLE,
};

pub struct Served {
    _dir: tempfile::TempDir,
    child: Child,
    pub base: String,
    pub login: String,
    pub viewer: String,
    pub admin: String,
    pub mentions: usize,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `earshot serve` over a fixture store.
pub fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mentions = fixture_store(&store);
    let (cfg, viewer, admin) = fixture_config();
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    start(dir, &cfg_path, &store, viewer, admin, mentions)
}

pub(crate) fn start(
    dir: tempfile::TempDir,
    cfg: &Path,
    store: &Path,
    viewer: String,
    admin: String,
    mentions: usize,
) -> Served {
    let mut cmd = earshot();
    if !cfg.as_os_str().is_empty() {
        cmd.arg("--config").arg(cfg);
    }
    let mut child = cmd
        .arg("--store")
        .arg(store)
        .args(["serve", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.trim().is_empty() {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("earshot serve did not start: {err}");
    }
    let v: Value = serde_json::from_str(&line).unwrap();
    let base = v["url"].as_str().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    Served {
        _dir: dir,
        child,
        login: v["login"].as_str().unwrap().to_string(),
        base,
        viewer,
        admin,
        mentions,
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) async fn get_json(c: &reqwest::Client, url: &str, token: &str) -> Value {
    let r = c.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    let ct = r.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

#[test]
fn unauthenticated_and_viewer_requests_are_refused_where_they_should_be() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let r = c.get(format!("{}/health", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for path in [
            "/api/watches",
            "/api/mentions",
            "/api/timeline",
            "/api/alerts",
            "/api/report",
            "/api/openapi.json",
            "/metrics",
        ] {
            let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
            let r = c
                .get(format!("{}{path}", s.base))
                .bearer_auth("wrong-token")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path} wrong token");
        }
        // The page sends people to the sign-in form.
        let r = c.get(format!("{}/", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/login");
        // Writes without a token, or with a viewer token, are refused.
        for path in [
            "/api/alerts/1/silence",
            "/api/crawl",
            "/crawl",
            "/alerts/1/silence",
        ] {
            let r = c.post(format!("{}{path}", s.base)).send().await.unwrap();
            assert!(
                matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER),
                "{path}: {}",
                r.status()
            );
            let r = c
                .post(format!("{}{path}", s.base))
                .bearer_auth(&s.viewer)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} as viewer");
        }
        let alerts = get_json(&c, &format!("{}/api/alerts", s.base), &s.viewer).await;
        assert_eq!(
            alerts["alerts"][0]["state"], "open",
            "viewer changed nothing"
        );
        // An admin may silence.
        let r = c
            .post(format!("{}/api/alerts/1/silence", s.base))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let alerts = get_json(&c, &format!("{}/api/alerts", s.base), &s.viewer).await;
        assert_eq!(alerts["alerts"][0]["state"], "silenced");
        let r = c
            .post(format!("{}/api/alerts/99/silence", s.base))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    });
}

#[test]
fn api_pages_filters_timeline_alerts_reports_openapi_and_metrics() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let t = &s.viewer;
        let w = get_json(&c, &format!("{b}/api/watches"), t).await;
        let names: Vec<&str> = w["watches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["云雀", "Lumio"]);

        // Cursor pages cover every non-spam mention once, newest first.
        let mut ids = Vec::new();
        let mut times = Vec::new();
        let mut url = format!("{b}/api/mentions?limit=17&from=30d");
        let mut pages = 0;
        loop {
            let v = get_json(&c, &url, t).await;
            pages += 1;
            for m in v["mentions"].as_array().unwrap() {
                ids.push(m["id"].as_str().unwrap().to_string());
                times.push(m["time"].as_str().unwrap().to_string());
            }
            match v["next_cursor"].as_str() {
                Some(cur) => url = format!("{b}/api/mentions?limit=17&from=30d&cursor={cur}"),
                None => break,
            }
        }
        let spam = s.mentions / 50;
        assert_eq!(ids.len(), s.mentions - spam);
        assert!(pages >= 7);
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "a mention on two pages");
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");

        // Filters.
        let v = get_json(
            &c,
            &format!("{b}/api/mentions?sentiment=negative&limit=500"),
            t,
        )
        .await;
        let neg = v["mentions"].as_array().unwrap();
        assert!(!neg.is_empty());
        assert!(neg.iter().all(|m| m["sentiment"] == "negative"));
        let q = url::form_urlencoded::byte_serialize("续航很差".as_bytes()).collect::<String>();
        let v = get_json(&c, &format!("{b}/api/mentions?q={q}"), t).await;
        assert_eq!(v["mentions"].as_array().unwrap().len(), 3);
        let site = url::form_urlencoded::byte_serialize("手机之家".as_bytes()).collect::<String>();
        let v = get_json(&c, &format!("{b}/api/mentions?site={site}"), t).await;
        assert_eq!(v["mentions"][0]["title"], CHINESE_TITLE);
        let watch = url::form_urlencoded::byte_serialize("云雀".as_bytes()).collect::<String>();
        let v = get_json(
            &c,
            &format!("{b}/api/mentions?watch={watch}&from=1d&limit=500"),
            t,
        )
        .await;
        let day = v["mentions"].as_array().unwrap();
        assert!(!day.is_empty() && day.len() < 13, "{}", day.len());
        assert!(day.iter().all(|m| m["watches"]
            .as_array()
            .unwrap()
            .contains(&Value::from("云雀"))));
        let r = c
            .get(format!("{b}/api/mentions?cursor=garbage"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = c
            .get(format!("{b}/api/mentions?from=tomorrowish"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let e: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(e["error"].as_str().unwrap().contains("cannot read"));

        // Timeline: 30 daily buckets per watch adding up to the store's mentions.
        let v = get_json(&c, &format!("{b}/api/timeline?from=30d"), t).await;
        assert_eq!(v["granularity"], "day");
        let series = v["series"].as_array().unwrap();
        assert_eq!(series.len(), 2);
        let mut sum = 0;
        for s in series {
            let buckets = s["buckets"].as_array().unwrap();
            assert!((30..=31).contains(&buckets.len()));
            sum += buckets
                .iter()
                .map(|b| b["total"].as_u64().unwrap() + b["spam"].as_u64().unwrap())
                .sum::<u64>();
        }
        // The story syndicated on three sites counts once (one timeline).
        assert_eq!(sum as usize, s.mentions - 2);
        assert_eq!(v["alerts"].as_array().unwrap().len(), 1);
        let v = get_json(
            &c,
            &format!("{b}/api/timeline?watch={watch}&from=2d&granularity=hour"),
            t,
        )
        .await;
        let n = v["series"][0]["buckets"].as_array().unwrap().len();
        assert!((48..=49).contains(&n), "{n} hourly buckets");

        // Alerts with evidence, parsed.
        let v = get_json(&c, &format!("{b}/api/alerts"), t).await;
        let a = &v["alerts"][0];
        assert_eq!(a["summary"], ALERT_SUMMARY);
        assert_eq!(a["evidence"]["top_mentions"][0]["title"], XSS_TITLE);
        assert_eq!(a["id"], "1");

        // Report download.
        let r = c
            .get(format!(
                "{b}/api/report?watch={watch},Lumio&from=30d&format=xlsx"
            ))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let cd = r.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cd.starts_with("attachment; filename=\"mentions_"), "{cd}");
        assert!(
            cd.contains("filename*=UTF-8''mentions_%E4%BA%91%E9%9B%80+Lumio_"),
            "{cd}"
        );
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"PK");
        // The PDF export, in Chinese.
        let r = c
            .get(format!("{b}/api/report?format=pdf&language=zh-CN"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..5], b"%PDF-");
        for bad in ["format=docx", "language=fr"] {
            let r = c
                .get(format!("{b}/api/report?{bad}"))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        }

        // OpenAPI.
        let v = get_json(&c, &format!("{b}/api/openapi.json"), t).await;
        assert_eq!(v["openapi"], "3.1.0");
        for p in [
            "/api/mentions",
            "/api/timeline",
            "/api/alerts",
            "/api/report",
            "/api/watches",
        ] {
            assert!(v["paths"][p].is_object(), "{p} undocumented");
        }

        // Metrics in Prometheus text format.
        let r = c
            .get(format!("{b}/metrics"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        let m = r.text().await.unwrap();
        assert!(m.contains("# TYPE earshot_http_requests_total counter"));
        assert!(m.contains("earshot_http_requests_total{route=\"/api/mentions\",status=\"200\"}"));
        assert!(m.contains(&format!("earshot_store_mentions {}", s.mentions)));
        assert!(m.contains("earshot_watch_mentions{watch=\"云雀\",sentiment=\"negative\"}"));
        assert!(m.contains("earshot_alerts_open 1"));
    });
}

#[test]
fn unbounded_periods_and_watch_lists_are_refused_and_the_server_stays_up() {
    let s = serve();
    rt().block_on(async {
        // A request that allocated per bucket or panicked would not answer
        // within this timeout (or would drop the connection).
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(1))
            .build()
            .unwrap();
        let b = &s.base;
        let many: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let repeated: Vec<String> = many.iter().map(|w| format!("watch={w}")).collect();
        let paths = [
            "/api/timeline?from=200000y&granularity=day".to_string(),
            "/api/timeline?from=300000y".to_string(),
            "/api/timeline?from=2000-01-01&to=2026-01-01&granularity=day".to_string(),
            "/api/report?from=0001-01-01".to_string(),
            "/api/report?from=300000y&format=csv".to_string(),
            "/api/mentions?from=300000y".to_string(),
            "/?from=200000y".to_string(),
            "/?from=300000y".to_string(),
            format!("/api/timeline?watch={}", many.join(",")),
            format!("/api/report?watch={}", many.join(",")),
            format!("/api/timeline?{}", repeated.join("&")),
        ];
        for p in &paths {
            let r = c.get(format!("{b}{p}")).bearer_auth(&s.viewer).send().await;
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", &p[..p.len().min(80)]));
            assert_eq!(
                r.status(),
                StatusCode::BAD_REQUEST,
                "{}",
                &p[..p.len().min(80)]
            );
            let h = c.get(format!("{b}/health")).send().await.unwrap();
            assert_eq!(h.status(), StatusCode::OK);
        }
        // The limits are not off by a lot: five years of days still work.
        let v = get_json(
            &c,
            &format!("{b}/api/timeline?from=1800d&granularity=day"),
            &s.viewer,
        )
        .await;
        assert!(v["series"][0]["buckets"].as_array().unwrap().len() >= 1800);
    });
}

#[test]
fn sign_in_sets_a_strict_http_only_cookie_and_the_page_escapes_crawled_text() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let r = c
            .post(format!("{b}/login"))
            .form(&[("token", "nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(!r.headers().contains_key(header::SET_COOKIE));
        let r = c
            .post(format!("{b}/login"))
            .form(&[("token", s.viewer.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(
            !cookie.contains(&s.viewer),
            "the token itself is not the cookie"
        );
        let session = cookie.split(';').next().unwrap().to_string();

        let r = c
            .get(format!("{b}/"))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let page = r.text().await.unwrap();
        assert!(page.contains("<svg"), "no timeline chart");
        assert!(page.contains(CHINESE_TITLE), "no mention");
        assert!(page.contains("Signed in as vera (viewer)"));
        // Hostile posts are text: escaped, links only http(s), no inline script.
        assert!(page.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"));
        assert!(!page.contains("<script>alert"));
        assert!(!page.contains("<img src=x"));
        assert!(!page.contains("<svg onload"));
        assert!(!page.contains("href=\"javascript:"));
        assert!(page.contains("evil&lt;b&gt;site&lt;/b&gt;"));
        assert!(page.contains("&lt;b&gt;not bold&lt;/b&gt;"));
        let scripts: Vec<&str> = page
            .match_indices("<script")
            .map(|(i, _)| &page[i..])
            .collect();
        assert_eq!(scripts.len(), 1);
        assert!(scripts[0].starts_with("<script src=\"/static/app.js\""));
        assert!(!page.contains("Crawl now"), "viewers get no admin buttons");
        // The cookie cannot be used cross-site to change things.
        let r = c
            .post(format!("{b}/api/alerts/1/silence"))
            .header(header::COOKIE, &session)
            .header(header::ORIGIN, "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Filters on the page.
        let r = c
            .get(format!(
                "{b}/?sentiment=negative&site=%E6%89%8B%E6%9C%BA%E4%B9%8B%E5%AE%B6"
            ))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert_eq!(
            page.matches("class=\"pill negative\"").count(),
            1,
            "one mention"
        );
        // Sign out ends the session.
        let r = c
            .post(format!("{b}/logout"))
            .header(header::COOKIE, &session)
            .header(header::ORIGIN, b.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = c
            .get(format!("{b}/api/watches"))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        // One-time links work once.
        let link = s.login.clone();
        let r = c.get(&link).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(r.headers().contains_key(header::SET_COOKIE));
        let r = c.get(&link).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    });
}

#[test]
fn a_public_bind_without_tokens_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    fixture_store(&store);
    let out = earshot()
        .arg("--store")
        .arg(&store)
        .args(["serve", "--bind", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("refusing to serve on 0.0.0.0:0 without [[serve.tokens]]"),
        "{}",
        text(&out.stderr)
    );
}

/// Debian's chromium; `None` only when EARSHOT_SKIP_BROWSER says to skip.
fn chromium_or_skip() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        if std::env::var_os("EARSHOT_SKIP_BROWSER").is_some() {
            eprintln!("skipped: EARSHOT_SKIP_BROWSER is set and chromium is not installed");
            return None;
        }
        panic!("chromium is not installed: run `apt-get install -y chromium` (make test does), or set EARSHOT_SKIP_BROWSER=1 to skip this test");
    }
    found
}

fn headless(chrome: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--lang=en-US",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

/// A screenshot of `url` at `size` ("1280,1700") into target/NAME, with the
/// browser profile's session; it must show a real page (over 20 kB).
fn screenshot(chrome: &Path, profile: &Path, name: &str, size: &str, url: &str) -> PathBuf {
    let shot = screenshot_path(name);
    let out = headless(
        chrome,
        profile,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={size}"),
            url,
        ],
    );
    assert!(
        shot.exists() && std::fs::metadata(&shot).unwrap().len() > 20_000,
        "no screenshot: {}",
        text(&out.stderr)
    );
    eprintln!("screenshot: {}", shot.display());
    shot
}

fn screenshot_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join(name);
    let _ = std::fs::remove_file(&shot);
    shot
}

/// `make demo`'s data on the dashboard: the demo crawl, then `earshot
/// serve` with the built-in config (no tokens: a token for this run, a
/// one-time sign-in link), then chromium.
#[test]
fn browser_shows_the_demo_crawl_on_the_dashboard() {
    let Some(chrome) = chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = earshot()
        .current_dir(dir.path())
        .arg("--store")
        .arg(&store)
        .arg("demo")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let work = tempfile::tempdir().unwrap();
    let s = start(work, Path::new(""), &store, String::new(), String::new(), 0);
    let profile = tempfile::tempdir().unwrap();
    let out = headless(&chrome, profile.path(), &["--dump-dom", &s.login]);
    let dom = text(&out.stdout);
    assert!(dom.contains("Signed in as console (admin)"), "{dom}");
    assert!(dom.contains("id=\"timeline\"") && dom.contains("<svg"));
    assert!(
        dom.contains("desk-setup") || dom.contains("Lumio"),
        "no demo mention"
    );
    // Same browser profile: the session cookie from the sign-in link is kept.
    screenshot(
        &chrome,
        profile.path(),
        "dashboard-demo.png",
        "1280,1500",
        &format!("{}/", s.base),
    );
}

#[test]
fn browser_signs_in_and_sees_the_timeline_and_a_mention() {
    let Some(chrome) = chromium_or_skip() else {
        return;
    };
    let s = serve();
    let c = client();
    // Each chromium run is a fresh profile: one one-time sign-in link each.
    let link = |who: &str| -> String {
        rt().block_on(async {
            let r = c
                .post(format!("{}/api/login-link", s.base))
                .bearer_auth(who)
                .send()
                .await
                .unwrap();
            let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
            format!("{}{}", s.base, v["path"].as_str().unwrap())
        })
    };
    let profile = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| headless(&chrome, profile.path(), args);
    // The DOM after the page's script ran: signed in, chart and mentions.
    let out = run(&["--dump-dom", &link(&s.viewer)]);
    let dom = text(&out.stdout);
    assert!(
        dom.contains("Signed in as vera (viewer)"),
        "not signed in:\n{dom}\n{}",
        text(&out.stderr)
    );
    assert!(
        dom.contains("id=\"timeline\"") && dom.contains("<svg"),
        "no timeline"
    );
    assert!(dom.contains(CHINESE_TITLE), "no mention from the fixture");
    // Escaped text stayed text in the live DOM (no element was created).
    assert!(
        dom.contains("&lt;script&gt;alert(\"xss\")&lt;/script&gt;"),
        "{dom}"
    );
    assert!(!dom.contains("<img src=\"x\""));

    screenshot(
        &chrome,
        profile.path(),
        "dashboard.png",
        "1280,1700",
        &link(&s.admin),
    );
    // The same page in Chinese through the EN / 中文 switch (same profile:
    // the admin's session is kept); a CJK font draws real characters.
    let out = run(&["--dump-dom", &format!("{}/?lang=zh-CN", s.base)]);
    let dom = text(&out.stdout);
    assert!(
        dom.contains("lang=\"zh-CN\"") && dom.contains("情感时间线"),
        "{dom}"
    );
    screenshot(
        &chrome,
        profile.path(),
        "dashboard-zh.png",
        "1280,1700",
        &format!("{}/", s.base),
    );

    // The HTML report, as the dashboard's export button downloads it,
    // opened from disk (no network needed: it is self-contained).
    let html = rt().block_on(async {
        c.get(format!("{}/api/report?from=30d&format=html", s.base))
            .bearer_auth(&s.viewer)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let file = profile.path().join("report.html");
    std::fs::write(&file, &html).unwrap();
    let shot = screenshot_path("report.png");
    let out = run(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1200,2600",
        &format!("file://{}", file.display()),
    ]);
    assert!(shot.exists(), "no report screenshot: {}", text(&out.stderr));
    let out = run(&["--dump-dom", &format!("file://{}", file.display())]);
    let dom = text(&out.stdout);
    assert!(dom.contains("Top negative stories") && dom.contains(CHINESE_TITLE));
    assert!(
        !dom.contains("<img src=\"x\""),
        "hostile markup became elements"
    );
}
