//! Alerting end to end over loopback: real HTTP receivers that verify each
//! platform's signature scheme as the platform does, retries while a channel
//! is down, delivery after `kill -9`, the backtest CLI and silences.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use chrono::{TimeZone, Utc};
use earshot::alert::channel;
use earshot::store::{Label, Mention, Sentiment, Store};
use earshot_cli::config::Config;
use earshot_test_utils::synthetic_mention;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::util::{earshot, text};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

#[derive(Default)]
pub(crate) struct Seen {
    /// Accepted (verified) bodies with their idempotency key if any.
    pub(crate) ok: Vec<(String, String)>,
    pub(crate) refused: Vec<String>,
}

pub(crate) type Shared = Arc<Mutex<Seen>>;

/// Starts an axum app on 127.0.0.1 (at `port` when given).
pub(crate) async fn serve(app: axum::Router, port: u16) -> u16 {
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let p = l.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    p
}

fn now_s() -> i64 {
    Utc::now().timestamp()
}

/// The generic webhook: HMAC-SHA256 of timestamp.body, fresh timestamp,
/// idempotency key; duplicates by key are acknowledged and not kept.
pub(crate) fn webhook_app(secret: &'static str, seen: Shared) -> axum::Router {
    axum::Router::new().fallback(move |h: HeaderMap, body: Bytes| {
        let seen = seen.clone();
        async move {
            let get = |n: &str| {
                h.get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            // What a receiver must do: the signature covers
            // "{timestamp}.{body}", and the timestamp must be within the
            // replay window of this clock.
            let ts_text = get("x-earshot-timestamp");
            let ts: i64 = ts_text.parse().unwrap_or(0);
            let mut signed = format!("{ts_text}.").into_bytes();
            signed.extend_from_slice(&body);
            let want = format!(
                "sha256={}",
                hmac(secret.as_bytes(), &signed)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            );
            let key = get("idempotency-key");
            let mut s = seen.lock().unwrap();
            if get("x-earshot-signature") != want
                || (now_s() - ts).abs() > channel::REPLAY_WINDOW_S
                || key.is_empty()
            {
                s.refused.push(String::from_utf8_lossy(&body).into_owned());
                return StatusCode::UNAUTHORIZED;
            }
            if !s.ok.iter().any(|(k, _)| k == &key) {
                s.ok.push((key, String::from_utf8_lossy(&body).into_owned()));
            }
            StatusCode::OK
        }
    })
}

/// DingTalk: `timestamp` (ms) and `sign` query parameters; sign =
/// base64(HMAC-SHA256(secret, ts + "\n" + secret)); an hour of skew at most.
pub(crate) fn dingtalk_app(secret: &'static str, seen: Shared) -> axum::Router {
    axum::Router::new().fallback(
        move |Query(q): Query<std::collections::HashMap<String, String>>, body: Bytes| {
            let seen = seen.clone();
            async move {
                let ts: i64 = q.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
                let want = base64::engine::general_purpose::STANDARD.encode(hmac(
                    secret.as_bytes(),
                    format!("{ts}\n{secret}").as_bytes(),
                ));
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let mut s = seen.lock().unwrap();
                let fresh = (Utc::now().timestamp_millis() - ts).abs() <= 3_600_000;
                if q.get("sign") != Some(&want) || !fresh {
                    s.refused.push(String::from_utf8_lossy(&body).into_owned());
                    return r#"{"errcode":310000,"errmsg":"sign not match"}"#.to_string();
                }
                assert_eq!(v["msgtype"], "markdown");
                assert!(v["markdown"]["title"].is_string() && v["markdown"]["text"].is_string());
                s.ok.push((String::new(), String::from_utf8_lossy(&body).into_owned()));
                r#"{"errcode":0,"errmsg":"ok"}"#.to_string()
            }
        },
    )
}

/// Feishu/Lark: body `timestamp` (s, string) and `sign` = base64(HMAC-
/// SHA256(key = ts + "\n" + secret, msg = "")); an hour of skew at most.
pub(crate) fn feishu_app(secret: &'static str, seen: Shared) -> axum::Router {
    axum::Router::new().fallback(move |body: Bytes| {
        let seen = seen.clone();
        async move {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let ts = v["timestamp"].as_str().unwrap_or("0").to_string();
            let want = base64::engine::general_purpose::STANDARD
                .encode(hmac(format!("{ts}\n{secret}").as_bytes(), b""));
            let fresh = (now_s() - ts.parse::<i64>().unwrap_or(0)).abs() <= 3600;
            let mut s = seen.lock().unwrap();
            if v["sign"].as_str() != Some(want.as_str()) || !fresh {
                s.refused.push(String::from_utf8_lossy(&body).into_owned());
                return r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#.to_string();
            }
            assert_eq!(v["msg_type"], "interactive");
            s.ok.push((String::new(), String::from_utf8_lossy(&body).into_owned()));
            r#"{"code":0,"msg":"success"}"#.to_string()
        }
    })
}

/// WeCom: markdown body, no signature.
pub(crate) fn wecom_app(seen: Shared) -> axum::Router {
    axum::Router::new().fallback(move |body: Bytes| {
        let seen = seen.clone();
        async move {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let mut s = seen.lock().unwrap();
            if v["msgtype"] != "markdown" || !v["markdown"]["content"].is_string() {
                s.refused.push(String::from_utf8_lossy(&body).into_owned());
                return r#"{"errcode":40008,"errmsg":"invalid message type"}"#.to_string();
            }
            s.ok.push((String::new(), String::from_utf8_lossy(&body).into_owned()));
            r#"{"errcode":0,"errmsg":"ok"}"#.to_string()
        }
    })
}

/// Slack: `text` and `blocks`, answers `ok`.
pub(crate) fn slack_app(seen: Shared) -> axum::Router {
    axum::Router::new().fallback(move |body: Bytes| {
        let seen = seen.clone();
        async move {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let mut s = seen.lock().unwrap();
            if !v["text"].is_string() || !v["blocks"].is_array() {
                s.refused.push(String::from_utf8_lossy(&body).into_owned());
                return (StatusCode::BAD_REQUEST, "invalid_payload");
            }
            s.ok.push((String::new(), String::from_utf8_lossy(&body).into_owned()));
            (StatusCode::OK, "ok")
        }
    })
}

/// Mentions of 云雀 over a day: one negative an hour, then a burst of 12
/// negative posts (three syndicated copies among them) at 09:00 UTC.
pub(crate) fn burst_mentions() -> Vec<Mention> {
    let day = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
    let mut out = Vec::new();
    for i in 0..40u64 {
        let mut m = synthetic_mention(i, &["云雀"], day);
        let (t, label) = if i < 24 {
            (
                day + chrono::Duration::minutes(60 * i as i64 + 5),
                if i % 3 == 0 {
                    Label::Negative
                } else {
                    Label::Positive
                },
            )
        } else {
            (
                day + chrono::Duration::minutes(9 * 60 + 3 * (i as i64 - 24)),
                Label::Negative,
            )
        };
        m.published_at = Some(t.fixed_offset());
        m.spam = None;
        m.site = if i % 2 == 0 {
            "bbs.example.com".into()
        } else {
            "news.example.com".into()
        };
        m.context = if label == Label::Negative && i >= 24 {
            format!("云雀 X5 充电发烫，电池鼓包，售后拒保。帖子 {i}")
        } else {
            format!("云雀 X5 用着还行，拍照不错。帖子 {i}")
        };
        m.cluster_id = (i >= 37).then_some(4242);
        m.sentiment = Some(Sentiment {
            label,
            score: if label == Label::Negative { -0.9 } else { 0.8 },
            probs: [0.9, 0.05, 0.05],
            model: "test".into(),
        });
        out.push(m);
    }
    out
}

pub(crate) fn config(channels: &str) -> Config {
    let text = format!(
        r#"
[alert]
retry_base = "50ms"
retry_max = "200ms"
max_age = "3650d"
[alert.detect]
threshold = 5

[[watch]]
name = "云雀"
{channels}
"#
    );
    Config::parse(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 23, 0, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_receives_a_message_it_can_verify() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&burst_mentions(), None).unwrap();
    let seen: Vec<Shared> = (0..6).map(|_| Shared::default()).collect();
    let ports = [
        serve(webhook_app("wh-secret", seen[0].clone()), 0).await,
        serve(dingtalk_app("SECdingtalk", seen[1].clone()), 0).await,
        serve(feishu_app("feishu-secret", seen[2].clone()), 0).await,
        serve(wecom_app(seen[3].clone()), 0).await,
        serve(slack_app(seen[4].clone()), 0).await,
        serve(webhook_app("the-right-secret", seen[5].clone()), 0).await,
    ];
    let cfg = config(&format!(
        r#"
[[channel]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:{}/earshot"
secret = "wh-secret"
[[channel]]
name = "ding"
kind = "dingtalk"
url = "http://127.0.0.1:{}/robot/send?access_token=abc"
secret = "SECdingtalk"
language = "zh"
[[channel]]
name = "lark"
kind = "feishu"
url = "http://127.0.0.1:{}/open-apis/bot/v2/hook/xyz"
secret = "feishu-secret"
language = "zh"
[[channel]]
name = "wecom"
kind = "wecom"
url = "http://127.0.0.1:{}/cgi-bin/webhook/send?key=k"
[[channel]]
name = "slack"
kind = "slack"
url = "http://127.0.0.1:{}/services/T/B/X"
[[channel]]
name = "wrong-secret"
kind = "webhook"
url = "http://127.0.0.1:{}/earshot"
secret = "not-the-secret"
"#,
        ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
    ));
    let evals =
        earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
    assert_eq!(evals[0].queued, 6, "{evals:?}");
    let r = channel::drain(
        &store,
        &cfg.channels,
        Duration::from_millis(50),
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert_eq!(r.delivered, 5, "{r:?}");
    for (i, s) in seen.iter().take(5).enumerate() {
        let s = s.lock().unwrap();
        assert_eq!(s.ok.len(), 1, "channel {i}: {:?}", s.refused);
        assert!(s.refused.is_empty(), "channel {i}");
    }
    // The wrong secret is refused, and the item stays queued with the error.
    assert_eq!(seen[5].lock().unwrap().refused.len(), 1);
    let pending = store.outbox_pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("401"),
        "{pending:?}"
    );
    // The evidence made it into the message: numbers, the link, the phrase.
    let (key, body) = seen[0].lock().unwrap().ok[0].clone();
    assert!(key.ends_with("-hook"), "{key}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let e = &v["evidence"];
    assert_eq!(v["event"], "open");
    assert!(e["observed"].as_u64().unwrap() >= 10, "{e}");
    let top = e["top_mentions"].as_array().unwrap();
    assert!(
        !top.is_empty() && top[0]["copies"] == 3,
        "clusters collapsed: {top:?}"
    );
    assert!(top[0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://bbs.example.com/"));
    assert!(e["top_sites"].as_array().unwrap().len() == 2);
    let phrases: Vec<&str> = e["phrases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        phrases.contains(&"鼓包") || phrases.contains(&"发烫"),
        "{phrases:?}"
    );
    let ding = &seen[1].lock().unwrap().ok[0].1;
    assert!(ding.contains("负面"), "Chinese template: {ding}");
    // Evaluating again queues nothing twice.
    let again =
        earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
    assert_eq!(again[0].queued, 0, "{again:?}");
    assert_eq!(store.alerts().unwrap().len(), 1);
}

/// Retries while a channel is down lead to one request once it is back,
/// when nothing crashes. Delivery is at least once: a crash between the
/// send and marking it delivered sends it again, with the same
/// idempotency key (`alert_crash.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_down_then_back_gets_one_request_when_nothing_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&burst_mentions(), None).unwrap();
    // A port nothing listens on yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = config(&format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/x\"\nsecret = \"s\"\n"
    ));
    earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
    let (b, m) = (Duration::from_millis(50), Duration::from_millis(200));
    for _ in 0..3 {
        let r = channel::drain(&store, &cfg.channels, b, m).await.unwrap();
        assert_eq!(r.delivered, 0);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let item = &store.outbox_pending().unwrap()[0];
    assert!(item.attempts >= 3 && item.last_error.is_some(), "{item:?}");
    // Back up, counting every request that reaches it.
    let seen = Shared::default();
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h2 = hits.clone();
    let inner = webhook_app("s", seen.clone());
    let app = inner.layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let h2 = h2.clone();
            async move {
                h2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                next.run(req).await
            }
        },
    ));
    serve(app, port).await;
    let mut delivered = 0;
    for _ in 0..20 {
        delivered += channel::drain(&store, &cfg.channels, b, m)
            .await
            .unwrap()
            .delivered;
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // More drains and evaluations change nothing.
    for _ in 0..3 {
        earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
        channel::drain(&store, &cfg.channels, b, m).await.unwrap();
    }
    assert_eq!(delivered, 1);
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one request reached it"
    );
    assert_eq!(seen.lock().unwrap().ok.len(), 1);
    assert!(store.outbox_pending().unwrap().is_empty());
}

/// `drain_until`: retries while the channel is down, returns once the
/// outbox is empty (well before the deadline), and stops waiting at once
/// when cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_until_retries_until_delivered_or_cancelled() {
    use channel::Until;
    use std::time::Instant;
    use tokio_util::sync::CancellationToken;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&burst_mentions(), None).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = config(&format!(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/x\"\nsecret = \"s\"\n"
    ));
    earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now()).unwrap();
    let (b, m) = (Duration::from_millis(50), Duration::from_millis(200));

    // Cancelled: one pass, no waiting for the deadline.
    let stop = CancellationToken::new();
    stop.cancel();
    let started = Instant::now();
    let far = Until::EmptyOr(started + Duration::from_secs(60));
    let r = channel::drain_until(&store, &cfg.channels, b, m, far, &stop)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "did not wait");
    assert_eq!((r.delivered, r.failed, r.pending), (0, 1, 1), "{r:?}");

    // Down, then back after a while: delivered by the retries, and the
    // call returns as soon as nothing is queued.
    let seen = Shared::default();
    let app = webhook_app("s", seen.clone());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        serve(app, port).await;
    });
    let stop = CancellationToken::new();
    let started = Instant::now();
    let r = channel::drain_until(&store, &cfg.channels, b, m, far, &stop)
        .await
        .unwrap();
    assert_eq!((r.delivered, r.pending), (1, 0), "{r:?}");
    assert!(r.failed >= 1 && r.errors.len() == r.failed, "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "returned when empty"
    );
    assert_eq!(seen.lock().unwrap().ok.len(), 1);

    // `Deadline` keeps going on an empty outbox until the deadline, and a
    // cancellation ends its wait.
    let started = Instant::now();
    let soon = Until::Deadline(started + Duration::from_millis(300));
    let r = channel::drain_until(&store, &cfg.channels, b, m, soon, &stop)
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!((r.delivered, r.pending), (0, 0), "{r:?}");
    let canceller = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        canceller.cancel();
    });
    let started = Instant::now();
    let late = Until::Deadline(started + Duration::from_secs(60));
    channel::drain_until(&store, &cfg.channels, b, m, late, &stop)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "cancelled");
}

#[test]
fn a_killed_process_delivers_the_outbox_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    {
        let store = Store::open(&db).unwrap();
        store.put_mentions(&burst_mentions(), None).unwrap();
        store.flush().unwrap();
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg_path = dir.path().join("earshot.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[alert]\nretry_base = \"100ms\"\nretry_max = \"300ms\"\nmax_age = \"3650d\"\n[alert.detect]\nthreshold = 5\n[[watch]]\nname = \"云雀\"\n[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{port}/x\"\nsecret = \"s\"\n"
        ),
    )
    .unwrap();
    // Channel down: the process queues the alert, retries, and is killed.
    let mut child = earshot()
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
            "60s",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Channel back; a new process delivers what the killed one queued.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seen = Shared::default();
    rt.block_on(serve(webhook_app("s", seen.clone()), port));
    let out = earshot()
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
            "10s",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["watches"][0]["queued"], 0,
        "queued by the killed process: {v}"
    );
    assert_eq!(v["delivery"]["delivered"], 1, "{v}");
    assert_eq!(seen.lock().unwrap().ok.len(), 1);
    // `earshot alerts --json` lists it.
    let out = earshot()
        .arg("--config")
        .arg(&cfg_path)
        .arg("--store")
        .arg(&db)
        .args(["alerts", "--json"])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["watch"], "云雀");
    assert!(lines[0]["evidence"]["observed"].as_u64().unwrap() >= 10);
}

/// A small SMTP sink on a tokio TcpListener: enough of RFC 5321 for a
/// client to hand over a message; keeps each DATA.
pub(crate) async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else {
                return;
            };
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if cmd.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        g.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_a_real_smtp_server() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&burst_mentions(), None).unwrap();
    let (port, got) = smtp_sink().await;
    let cfg = config(&format!(
        "[[channel]]\nname = \"mail\"\nkind = \"email\"\nurl = \"smtp://127.0.0.1:{port}\"\nfrom = \"earshot <alerts@example.com>\"\nto = [\"pr@example.com\"]\nlanguage = \"zh\"\n"
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
    assert_eq!(r.delivered, 1, "{r:?}");
    let mails = got.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(
        m.contains("@earshot>"),
        "Message-ID from the outbox key: {m}"
    );
    assert!(m.contains("To: pr@example.com"), "{m}");
    // The body as the mail client would decode it.
    let (head, body) = m.split_once("\n\n").unwrap();
    let text = if head.contains("Content-Transfer-Encoding: base64") {
        let b: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap()).unwrap()
    } else {
        // quoted-printable
        let joined = body.replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    assert!(text.contains("鼓包") && text.contains("负面提及"), "{text}");
}
