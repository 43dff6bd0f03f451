//! Sign-in hardening (#27.3), each over real HTTP against a running
//! `earshot serve` (or `run --serve`): throttled failures logged with the
//! client address, weak tokens refused, Origin checks, bounded sessions and
//! one-time links, no sign-in link in logs, the public-bind warning, and
//! error bodies without file paths.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use reqwest::header;
use reqwest::StatusCode;
use serde_json::Value;

use crate::dashboard::{client, rt};
use crate::util::{earshot, fixture_config, fixture_store, text};

/// A running `earshot serve --json` with its log (stderr) in a file.
struct Running {
    dir: tempfile::TempDir,
    child: Child,
    base: String,
    viewer: String,
    admin: String,
}

impl Running {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves the fixture store with the fixture tokens; `edit` may change the
/// config text (and the store) first.
fn serve_with(edit: impl FnOnce(&str, &Path) -> String) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    fixture_store(&store);
    let (cfg, viewer, admin) = fixture_config();
    let cfg = edit(&cfg, &store);
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    let mut child = earshot()
        .arg("--config")
        .arg(&cfg_path)
        .arg("--store")
        .arg(&store)
        .args(["serve", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
        panic!(
            "earshot serve did not start: {}",
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        )
    });
    let base = v["url"].as_str().unwrap().to_string();
    Running {
        dir,
        child,
        base,
        viewer,
        admin,
    }
}

fn serve() -> Running {
    serve_with(|c, _| c.to_string())
}

fn cookie_of(r: &reqwest::Response) -> String {
    r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn failed_sign_ins_are_throttled_per_client_and_logged_with_the_address() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        for i in 0..10 {
            let r = c
                .post(format!("{b}/login"))
                .form(&[("token", format!("wrong-{i}"))])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {i}");
        }
        // The 11th attempt waits, even with the right token, on the form
        // and on the API alike.
        let r = c
            .post(format!("{b}/login"))
            .form(&[("token", s.viewer.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = r.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&wait), "Retry-After {wait}");
        assert!(!r.headers().contains_key(header::SET_COOKIE));
        let r = c
            .get(format!("{b}/api/watches"))
            .bearer_auth(&s.viewer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key(header::RETRY_AFTER));
        // Another client (behind a reverse proxy on this machine) is not
        // affected.
        let r = c
            .post(format!("{b}/login"))
            .header("x-forwarded-for", "203.0.113.9")
            .form(&[("token", s.viewer.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // Bearer failures count too, per address.
        for _ in 0..10 {
            let r = c
                .get(format!("{b}/api/watches"))
                .header("x-forwarded-for", "198.51.100.4")
                .bearer_auth("es_not-a-token")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = c
            .get(format!("{b}/api/watches"))
            .header("x-forwarded-for", "198.51.100.4")
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Health needs no sign-in and is not throttled.
        let r = c.get(format!("{b}/health")).send().await.unwrap();
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    });
    let log = s.log();
    assert_eq!(
        log.matches("failed sign-in from 127.0.0.1").count(),
        10,
        "{log}"
    );
    assert_eq!(
        log.matches("failed sign-in from 198.51.100.4").count(),
        10,
        "{log}"
    );
    assert!(!log.contains(&s.viewer), "a token in the log");
}

#[test]
fn a_weak_token_is_refused_at_sign_in_in_config_check_and_by_token_hash() {
    let weak = "hunter2-hunter2-hunter2";
    let s = serve_with(|c, _| {
        format!(
            "{c}\n[[serve.tokens]]\nname = \"weakling\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
            earshot_cli::serve::hash_token(weak)
        )
    });
    rt().block_on(async {
        let c = client();
        let r = c
            .post(format!("{}/login", s.base))
            .form(&[("token", weak)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(!r.headers().contains_key(header::SET_COOKIE));
        assert!(r.text().await.unwrap().contains("too weak"));
        let r = c
            .get(format!("{}/api/watches", s.base))
            .bearer_auth(weak)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    });
    let log = s.log();
    assert!(
        log.contains("[[serve.tokens]] entry named `weakling`")
            && log.contains("earshot token new"),
        "{log}"
    );

    // A hash of a well-known token is a config problem.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg,
        format!(
            "[serve]\n[[serve.tokens]]\nname = \"a\"\nrole = \"admin\"\nsha256 = \"{}\"\n",
            earshot_cli::serve::hash_token("changeme")
        ),
    )
    .unwrap();
    let out = earshot()
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("serve.tokens[0].sha256")
            && err.contains("well-known token `changeme`")
            && err.contains("openssl rand -hex 32"),
        "{err}"
    );

    // `earshot token hash` refuses a weak token and hashes a strong one.
    let hash = |token: &str| {
        use std::io::Write;
        let mut child = earshot()
            .args(["token", "hash"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = hash("password123");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("128"), "{}", text(&out.stderr));
    let strong = "9f86d081884c7d659a2feaa0c55ad015";
    let out = hash(strong);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        earshot_cli::serve::hash_token(strong)
    );
}

#[test]
fn the_sign_in_form_and_cookie_posts_need_this_sites_origin() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = s.base.as_str();
        let login = |origin: Option<(&'static str, String)>| {
            let mut r = c
                .post(format!("{b}/login"))
                .form(&[("token", s.admin.as_str())]);
            if let Some((h, v)) = origin {
                r = r.header(h, v);
            }
            r.send()
        };
        // Login CSRF: another site, a null origin, a foreign Referer.
        for o in [
            ("origin", "http://evil.example".to_string()),
            ("origin", "null".to_string()),
            ("referer", "http://evil.example/page".to_string()),
        ] {
            let r = login(Some(o.clone())).await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{o:?}");
            assert!(!r.headers().contains_key(header::SET_COOKIE), "{o:?}");
        }
        // Our own page, our Referer, a proxy's host, or no browser at all.
        for o in [
            Some(("origin", b.to_string())),
            Some(("referer", format!("{b}/login"))),
            None,
        ] {
            let r = login(o.clone()).await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{o:?}");
        }
        let r = c
            .post(format!("{b}/login"))
            .header("origin", "https://earshot.example.com")
            .header("x-forwarded-host", "earshot.example.com")
            .form(&[("token", s.admin.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "behind a proxy");
        let session = cookie_of(&r);

        // Cookie POSTs: refused from another site, with a null Origin, or
        // saying nowhere where they come from; the session lives on.
        for (what, h) in [
            ("another site", Some(("origin", "http://evil.example"))),
            ("null", Some(("origin", "null"))),
            ("no Origin or Referer", None),
        ] {
            for path in ["/logout", "/api/alerts/1/silence", "/crawl"] {
                let mut r = c
                    .post(format!("{b}{path}"))
                    .header(header::COOKIE, &session);
                if let Some((k, v)) = h {
                    r = r.header(k, v);
                }
                let r = r.send().await.unwrap();
                assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}: {what}");
            }
        }
        let r = c
            .get(format!("{b}/api/alerts"))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["alerts"][0]["state"], "open", "nothing changed");
        // Bearer calls are not browser calls: no Origin needed, any allowed.
        let r = c
            .post(format!("{b}/api/alerts/1/silence"))
            .header("origin", "http://evil.example")
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // Our own page signs out.
        let r = c
            .post(format!("{b}/logout"))
            .header(header::COOKIE, &session)
            .header("referer", format!("{b}/"))
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
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "signed out");
    });
}

#[test]
fn sessions_and_one_time_links_are_bounded_oldest_first() {
    let s = serve();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let watches = |cookie: String| {
            let c = c.clone();
            async move {
                c.get(format!("{b}/api/watches"))
                    .header(header::COOKIE, cookie)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        let mut cookies = Vec::new();
        for _ in 0..101 {
            let r = c
                .post(format!("{b}/login"))
                .form(&[("token", s.viewer.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            cookies.push(cookie_of(&r));
        }
        assert_eq!(
            watches(cookies[0].clone()).await,
            StatusCode::UNAUTHORIZED,
            "the oldest of 101 sessions ended"
        );
        assert_eq!(watches(cookies[1].clone()).await, StatusCode::OK);
        assert_eq!(watches(cookies[100].clone()).await, StatusCode::OK);
        // Another token's sessions are its own.
        let r = c
            .post(format!("{b}/login"))
            .form(&[("token", s.admin.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(watches(cookie_of(&r)).await, StatusCode::OK);
        assert_eq!(watches(cookies[1].clone()).await, StatusCode::OK);

        let mut links = Vec::new();
        for _ in 0..101 {
            let r = c
                .post(format!("{b}/api/login-link"))
                .bearer_auth(&s.admin)
                .send()
                .await
                .unwrap();
            let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
            links.push(format!("{b}{}", v["path"].as_str().unwrap()));
        }
        let r = c.get(&links[0]).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "the oldest of 101 links dropped"
        );
        let r = c.get(&links[100]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = c.get(&links[1]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    });
}

#[test]
fn run_serve_with_tokens_prints_no_sign_in_link() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    fixture_store(&store);
    let (cfg, _, _) = fixture_config();
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = earshot()
        .arg("--config")
        .arg(&cfg_path)
        .arg("--store")
        .arg(&store)
        .args(["run", "--serve"])
        .env("EARSHOT_LOG", "earshot=debug,info")
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .spawn()
        .unwrap();
    // Waits for the dashboard line (the process is up), then stops it.
    for _ in 0..600 {
        let printed = std::fs::read_to_string(&out).unwrap_or_default();
        if printed.contains("dashboard at") || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let printed = std::fs::read_to_string(&out).unwrap();
    let logged = std::fs::read_to_string(&err).unwrap();
    assert!(printed.contains("dashboard at"), "{printed}\n{logged}");
    for (what, t) in [("stdout", &printed), ("log", &logged)] {
        assert!(
            !t.contains("/login/once/"),
            "a sign-in link in the {what}: {t}"
        );
    }
}

#[test]
fn a_public_bind_without_secure_cookie_warns_in_config_check_and_at_start() {
    let s = serve_with(|c, _| c.replace("bind = \"127.0.0.1:0\"", "bind = \"0.0.0.0:0\""));
    let log = s.log();
    assert!(
        log.contains("serve.secure_cookie") && log.contains("clear text"),
        "{log}"
    );
    let check = |cfg: &str| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("earshot.toml");
        std::fs::write(&p, cfg).unwrap();
        earshot()
            .args(["config", "check"])
            .arg(&p)
            .output()
            .unwrap()
    };
    let (cfg, _, _) = fixture_config();
    let public = cfg.replace("bind = \"127.0.0.1:0\"", "bind = \"0.0.0.0:8640\"");
    let out = check(&public);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("warning: `serve.secure_cookie`")
            && text(&out.stdout).contains("secure_cookie = true"),
        "{}",
        text(&out.stdout)
    );
    let secured = public.replace("[serve]\n", "[serve]\nsecure_cookie = true\n");
    let out = check(&secured);
    assert!(out.status.success());
    assert!(
        !text(&out.stdout).contains("warning"),
        "{}",
        text(&out.stdout)
    );
    let out = check(&cfg);
    assert!(
        !text(&out.stdout).contains("warning"),
        "loopback: no warning"
    );
}

#[test]
fn error_bodies_name_no_files() {
    // A store with a corrupt alert record: listing alerts fails inside.
    let s = serve_with(|c, store| {
        let db = earshot::store::open_raw_sled(store).unwrap();
        let t = db.open_tree("earshot").unwrap();
        let keys: Vec<_> = t.scan_prefix(b"a").keys().map(|k| k.unwrap()).collect();
        assert!(!keys.is_empty(), "the fixture store has alerts");
        for k in keys {
            t.insert(k, b"not a record".to_vec()).unwrap();
        }
        db.flush().unwrap();
        c.to_string()
    });
    let dir = s.dir.path().to_string_lossy().into_owned();
    let store = s.store();
    rt().block_on(async {
        let c = client();
        let b = &s.base;
        let bodies = [
            c.get(format!("{b}/api/alerts")).bearer_auth(&s.viewer),
            c.get(format!("{b}/")).bearer_auth(&s.viewer),
            c.get(format!("{b}/no/such/page")).bearer_auth(&s.viewer),
            c.get(format!("{b}/api/timeline?from=garbage"))
                .bearer_auth(&s.viewer),
            c.get(format!("{b}/api/watches")),
            c.post(format!("{b}/api/cli/backup"))
                .bearer_auth(&s.admin)
                .header(header::CONTENT_TYPE, "application/json")
                .body(r#"{"path": "relative/dir"}"#),
        ];
        let mut statuses = Vec::new();
        for req in bodies {
            let r = req.send().await.unwrap();
            statuses.push(r.status().as_u16());
            let body = r.text().await.unwrap();
            assert!(!body.contains(&dir), "a path in an error body: {body}");
            assert!(
                !body.contains(&store.to_string_lossy().into_owned()),
                "{body}"
            );
            assert!(!body.contains("corrupt record"), "internals: {body}");
        }
        assert_eq!(statuses, [500, 500, 404, 400, 401, 400]);
    });
    // The log has the reason, for the operator.
    assert!(s.log().contains("corrupt record"), "{}", s.log());
}
