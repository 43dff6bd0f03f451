//! Alerting against hostile input and careless logs: webhook replays,
//! crawled text that tries to mention everyone or add links, credentials in
//! channel URLs, and unset `${VAR}`s.

use std::time::Duration;

use earshot::alert::channel::{self, ChannelConfig, DeliveryError};
use earshot::store::Store;

use crate::alert::{
    burst_mentions, config, dingtalk_app, feishu_app, now, serve, slack_app, webhook_app,
    wecom_app, Shared,
};
use crate::util::{earshot, text};

fn webhook(port: u16, secret: &str) -> ChannelConfig {
    config(&format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/earshot\"\nsecret = \"{secret}\"\n"
    ))
    .channels
    .remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_signatures_cover_the_timestamp_and_replays_are_refused() {
    let seen = Shared::default();
    let port = serve(webhook_app("wh-secret", seen.clone()), 0).await;
    let ch = webhook(port, "wh-secret");
    let client = reqwest::Client::new();
    let body = r#"{"event":"open"}"#;
    // earshot's own request is accepted.
    let t = chrono::Utc::now();
    channel::send(&client, &ch, "k1", body, t).await.unwrap();
    assert_eq!(seen.lock().unwrap().ok.len(), 1);
    // The same request captured and sent again with a new timestamp: the
    // signature no longer matches.
    let captured_sig = channel::webhook_signature("wh-secret", t.timestamp(), body.as_bytes());
    let replay = |ts: i64, key: &'static str| {
        client
            .post(format!("http://127.0.0.1:{port}/earshot"))
            .header("X-Earshot-Timestamp", ts.to_string())
            .header("X-Earshot-Signature", captured_sig.clone())
            .header("Idempotency-Key", key)
            .body(body)
            .send()
    };
    let r = replay(t.timestamp() + 120, "k2").await.unwrap();
    assert_eq!(r.status(), 401);
    // A request signed more than the window ago (captured, replayed later).
    let old = t - chrono::Duration::seconds(channel::REPLAY_WINDOW_S + 60);
    let e = channel::send(&client, &ch, "k3", body, old)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("401"), "{e}");
    // The old scheme (body alone) is refused too.
    let body_only = {
        use hmac::Mac;
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"wh-secret").unwrap();
        m.update(body.as_bytes());
        let b: String = m
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256={b}")
    };
    let r = client
        .post(format!("http://127.0.0.1:{port}/earshot"))
        .header("X-Earshot-Timestamp", t.timestamp().to_string())
        .header("X-Earshot-Signature", body_only)
        .header("Idempotency-Key", "k4")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let s = seen.lock().unwrap();
    assert_eq!((s.ok.len(), s.refused.len()), (1, 3));
}

const HOSTILE_TITLE: &str = "<!channel> <at id=all></at> [win](https://evil.example/) @all";
const HOSTILE_TEXT: &str = "售后拒保 [点我](https://evil.example/x) <@U0123> <at user_id=\"all\">所有人</at> @all\n### 标题";

/// Markup Slack acts on (it does not read Markdown links or `@all`).
const FORBIDDEN_SLACK: [&str; 5] = [
    "<!channel>",
    "<!here>",
    "<@U0123>",
    "<https://evil",
    "\n### 标题",
];

/// Markup the Markdown platforms act on, none of which crawled text may
/// carry into a message.
const FORBIDDEN: [&str; 8] = [
    "<!channel>",
    "<at ",
    "<@U0123>",
    "](https://evil",
    "@all",
    "[win]",
    "[点我]",
    "\n### 标题",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawled_text_cannot_mention_everyone_or_add_links_on_any_platform() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let mut ms = burst_mentions();
    for m in ms.iter_mut().skip(24) {
        m.title = Some(HOSTILE_TITLE.into());
        m.author = Some("<!here> @all".into());
        m.context = format!("{HOSTILE_TEXT} {}", m.context);
        m.url = format!("{})[x](https://evil.example/", m.url);
    }
    store.put_mentions(&ms, None).unwrap();
    let seen: Vec<Shared> = (0..5).map(|_| Shared::default()).collect();
    let ports = [
        serve(webhook_app("wh", seen[0].clone()), 0).await,
        serve(dingtalk_app("SECd", seen[1].clone()), 0).await,
        serve(feishu_app("fs", seen[2].clone()), 0).await,
        serve(wecom_app(seen[3].clone()), 0).await,
        serve(slack_app(seen[4].clone()), 0).await,
    ];
    let cfg = config(&format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{}/h\"\nsecret = \"wh\"\n\
         [[channel]]\nname = \"ding\"\nkind = \"dingtalk\"\nurl = \"http://127.0.0.1:{}/robot/send?access_token=a\"\nsecret = \"SECd\"\n\
         [[channel]]\nname = \"lark\"\nkind = \"feishu\"\nurl = \"http://127.0.0.1:{}/hook/x\"\nsecret = \"fs\"\n\
         [[channel]]\nname = \"wecom\"\nkind = \"wecom\"\nurl = \"http://127.0.0.1:{}/send?key=k\"\n\
         [[channel]]\nname = \"slack\"\nkind = \"slack\"\nurl = \"http://127.0.0.1:{}/services/T/B/X\"\n",
        ports[0], ports[1], ports[2], ports[3], ports[4]
    ));
    earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
    let r = channel::drain(
        &store,
        &cfg.channels,
        Duration::from_millis(50),
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert_eq!(r.delivered, 5, "{r:?}");
    let body = |i: usize| -> serde_json::Value {
        serde_json::from_str(&seen[i].lock().unwrap().ok[0].1).unwrap()
    };
    // The rendered message text of each platform.
    let texts = [
        ("webhook", body(0)["text"].as_str().unwrap().to_string()),
        (
            "dingtalk",
            body(1)["markdown"]["text"].as_str().unwrap().to_string(),
        ),
        (
            "feishu",
            body(2)["card"]["elements"][0]["content"]
                .as_str()
                .unwrap()
                .to_string(),
        ),
        (
            "wecom",
            body(3)["markdown"]["content"].as_str().unwrap().to_string(),
        ),
        (
            "slack",
            body(4)["blocks"][1]["text"]["text"]
                .as_str()
                .unwrap()
                .to_string(),
        ),
    ];
    for (kind, t) in &texts {
        let forbidden: &[&str] = if *kind == "slack" {
            &FORBIDDEN_SLACK
        } else {
            &FORBIDDEN
        };
        for bad in forbidden {
            assert!(!t.contains(bad), "{kind}: `{bad}` in\n{t}");
        }
        // Our own link to the mention is still a link, its URL defused.
        assert!(
            t.contains("%29%5Bx%5D%28https://evil.example/"),
            "{kind}: {t}"
        );
    }
    // The text is there, escaped the platform's way.
    for (kind, t) in &texts[..4] {
        assert!(
            t.contains("＜at id=all＞＜/at＞ ［win］（https://evil.example/） ＠all"),
            "{kind}: {t}"
        );
        assert!(t.contains("[＜!channel＞"), "{kind}: a link label: {t}");
    }
    let slack = &texts[4].1;
    assert!(slack.contains("&lt;!channel&gt;"), "{slack}");
    assert!(slack.contains("&lt;!here&gt;"), "{slack}");
    assert!(
        slack.contains("|&lt;!channel&gt; &lt;at id=all&gt;"),
        "{slack}"
    );
}

/// A Slack URL whose path is the credential, at a closed port; a WeCom URL
/// whose `key` is, at a server answering 500.
#[test]
fn channel_url_secrets_never_reach_logs_the_outbox_or_cli_output() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    {
        let store = Store::open(&db).unwrap();
        store.put_mentions(&burst_mentions(), None).unwrap();
    }
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let failing = rt.block_on(earshot_test_utils::server::start(std::sync::Arc::new(
        |_, _, _| earshot_test_utils::server::resp("500 Internal Server Error", "", b"oops"),
    )));
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[alert]\nretry_base = \"100ms\"\nretry_max = \"200ms\"\nmax_age = \"3650d\"\n[alert.detect]\nthreshold = 5\n[[watch]]\nname = \"云雀\"\n\
             [[channel]]\nname = \"slack\"\nkind = \"slack\"\nurl = \"http://127.0.0.1:{closed}/services/T0/B0/SLACKSECRET42\"\n\
             [[channel]]\nname = \"wecom\"\nkind = \"wecom\"\nurl = \"http://127.0.0.1:{}/cgi-bin/webhook/send?key=WECOMSECRET42\"\n\
             [[channel]]\nname = \"ding\"\nkind = \"dingtalk\"\nurl = \"http://127.0.0.1:{closed}/robot/send?access_token=DINGSECRET42\"\nsecret = \"SIGNSECRET42\"\n",
            failing.port
        ),
    )
    .unwrap();
    let out = earshot()
        .arg("-v")
        .arg("--config")
        .arg(&cfg_path)
        .arg("--store")
        .arg(&db)
        .args([
            "alerts",
            "check",
            "--now",
            "2026-11-20T23:00:00Z",
            "--wait",
            "1s",
            "--json",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // The deliveries were tried and failed, and said so.
    assert!(stderr.contains("delivery failed"), "{stderr}");
    assert!(stdout.contains("HTTP 500"), "{stdout}");
    assert!(!failing.hits().is_empty());
    let store = Store::open(&db).unwrap();
    let pending = store.outbox_pending().unwrap();
    assert_eq!(pending.len(), 3, "{pending:?}");
    let errors: Vec<String> = pending
        .iter()
        .map(|p| p.last_error.clone().unwrap_or_default())
        .collect();
    assert!(errors.iter().all(|e| !e.is_empty()), "{errors:?}");
    for secret in [
        "SLACKSECRET42",
        "WECOMSECRET42",
        "DINGSECRET42",
        "SIGNSECRET42",
    ] {
        assert!(!stdout.contains(secret), "{secret} in stdout: {stdout}");
        assert!(!stderr.contains(secret), "{secret} in stderr: {stderr}");
        for e in &errors {
            assert!(!e.contains(secret), "{secret} in last_error: {e}");
        }
    }
    let out = earshot()
        .arg("--config")
        .arg(&cfg_path)
        .arg("--store")
        .arg(&db)
        .args(["alerts", "--json"])
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains("SECRET42"));
}

#[tokio::test]
async fn an_unset_variable_is_an_error_at_delivery_never_the_placeholder() {
    let seen = Shared::default();
    let port = serve(webhook_app("x", seen.clone()), 0).await;
    // Past `config check` (the variable was unset after the config loaded).
    let mut ch = webhook(port, "x");
    ch.secret = Some("${EARSHOT_TEST_SURELY_UNSET_SECRET}".into());
    let e = channel::send(&reqwest::Client::new(), &ch, "k", "{}", chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, DeliveryError::Env(_)), "{e}");
    assert!(
        e.to_string()
            .contains("EARSHOT_TEST_SURELY_UNSET_SECRET is not set"),
        "{e}"
    );
    let s = seen.lock().unwrap();
    assert_eq!(s.ok.len() + s.refused.len(), 0, "a request was sent");
}

#[test]
fn config_check_names_an_unset_variable_in_a_channel_url_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.toml");
    std::fs::write(
        &path,
        "[[watch]]\nname = \"w\"\n\n[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"${EARSHOT_TEST_UNSET_URL_Q}\"\nsecret = \"${EARSHOT_TEST_UNSET_SECRET_Q}\"\n",
    )
    .unwrap();
    let check = |envs: &[(&str, &str)]| {
        let mut c = earshot();
        c.env_remove("EARSHOT_TEST_UNSET_URL_Q")
            .env_remove("EARSHOT_TEST_UNSET_SECRET_Q");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.args(["config", "check"]).arg(&path).output().unwrap()
    };
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("channel[0].url"), "{err}");
    assert!(
        err.contains("environment variable EARSHOT_TEST_UNSET_URL_Q is not set"),
        "{err}"
    );
    assert!(err.contains("channel[0].secret"), "{err}");
    assert!(
        err.contains("environment variable EARSHOT_TEST_UNSET_SECRET_Q is not set"),
        "{err}"
    );
    // Set, it passes; and a default keeps an unset variable allowed.
    let out = check(&[
        ("EARSHOT_TEST_UNSET_URL_Q", "https://hooks.example.com/x"),
        ("EARSHOT_TEST_UNSET_SECRET_Q", "s"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        &path,
        "[[watch]]\nname = \"w\"\n\n[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"${EARSHOT_TEST_UNSET_URL_Q:-https://hooks.example.com/x}\"\nsecret = \"${EARSHOT_TEST_UNSET_SECRET_Q:-s}\"\n",
    )
    .unwrap();
    let out = check(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
