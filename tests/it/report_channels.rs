//! Scheduled reports through every channel kind (#27.8): each platform's
//! receiver (the ones the alert tests use, checking the shape and the
//! signature the platform requires) accepts the message, and the email
//! arrives through a real SMTP exchange with the report files attached.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use earshot::alert::channel;
use earshot::report::scheduled;
use earshot::store::Store;
use serde_json::Value;

use crate::alert::{
    burst_mentions, config, dingtalk_app, feishu_app, now, serve, slack_app, smtp_sink,
    webhook_app, wecom_app, Shared,
};

/// The parts of a multipart mail as (headers, decoded body).
fn mime_parts(mail: &str) -> Vec<(String, Vec<u8>)> {
    let boundary = mail
        .split("boundary=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("not multipart: {mail}"));
    mail.split(&format!("--{boundary}"))
        .skip(1)
        .filter_map(|part| part.trim_start_matches('\n').split_once("\n\n"))
        .map(|(head, body)| {
            let bytes = if head.contains("Content-Transfer-Encoding: base64") {
                let b: String = body.split_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .unwrap_or_default()
            } else {
                body.as_bytes().to_vec()
            };
            (head.to_string(), bytes)
        })
        .collect()
}

/// An attachment's file name from its part headers: `filename="…"`, or
/// RFC 2231 pieces (`filename*0*=utf-8''…; filename*1*=…`) joined and
/// percent-decoded.
fn attachment_name(head: &str) -> Option<String> {
    let head = head.replace("\n ", " ");
    if let Some(v) = head.split("filename=\"").nth(1) {
        return v.split('"').next().map(str::to_string);
    }
    let mut enc = String::new();
    for piece in head.split("filename*").skip(1) {
        let v = piece.split_once('=')?.1.split([';', '\n']).next()?.trim();
        enc.push_str(v.strip_prefix("utf-8''").unwrap_or(v));
    }
    let b = enc.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&enc[i + 1..i + 3], 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_report_reaches_every_channel_kind_in_the_shape_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store.put_mentions(&burst_mentions(), None).unwrap();
    let seen: Vec<Shared> = (0..5).map(|_| Shared::default()).collect();
    let ports = [
        serve(webhook_app("wh-secret", seen[0].clone()), 0).await,
        serve(dingtalk_app("SECdingtalk", seen[1].clone()), 0).await,
        serve(feishu_app("feishu-secret", seen[2].clone()), 0).await,
        serve(wecom_app(seen[3].clone()), 0).await,
        serve(slack_app(seen[4].clone()), 0).await,
    ];
    let (smtp, mails) = smtp_sink().await;
    let out = dir.path().join("out");
    let mut text = format!(
        r#"
[[channel]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:{}/hook"
secret = "wh-secret"
[[channel]]
name = "ding"
kind = "dingtalk"
url = "http://127.0.0.1:{}/robot/send?access_token=t"
secret = "SECdingtalk"
[[channel]]
name = "feishu"
kind = "feishu"
url = "http://127.0.0.1:{}/open-apis/bot/v2/hook/x"
secret = "feishu-secret"
language = "zh-CN"
timezone = "Asia/Shanghai"
[[channel]]
name = "wecom"
kind = "wecom"
url = "http://127.0.0.1:{}/cgi-bin/webhook/send?key=k"
[[channel]]
name = "slack"
kind = "slack"
url = "http://127.0.0.1:{}/services/T/B/X"
[[channel]]
name = "mail"
kind = "email"
url = "smtp://127.0.0.1:{smtp}"
from = "earshot <reports@example.com>"
to = ["pr@example.com"]
"#,
        ports[0], ports[1], ports[2], ports[3], ports[4]
    );
    for ch in ["hook", "ding", "feishu", "wecom", "slack", "mail"] {
        text.push_str(&format!(
            "[[report]]\nname = \"weekly-{ch}\"\nwatches = [\"云雀\"]\nperiod = \"7d\"\nformat = [\"html\", \"xlsx\"]\nschedule = \"every 7d\"\nout_dir = {:?}\nchannel = \"{ch}\"\n",
            out.join(ch).display().to_string()
        ));
    }
    let cfg = config(&text);
    let mut files: Vec<Vec<PathBuf>> = Vec::new();
    for r in &cfg.reports {
        files.push(
            scheduled::produce(&store, r, &cfg.report_settings, &cfg.channels, now()).unwrap(),
        );
    }
    let r = channel::drain(
        &store,
        &cfg.channels,
        Duration::from_millis(50),
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert_eq!(r.delivered, 6, "{r:?}");

    let names: Vec<String> = files[0]
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2);
    let body = |i: usize| -> Value {
        let s = seen[i].lock().unwrap();
        assert!(s.refused.is_empty(), "refused: {:?}", s.refused);
        assert_eq!(s.ok.len(), 1);
        serde_json::from_str(&s.ok[0].1).unwrap()
    };
    // Webhook: the figures as JSON, signed.
    let v = body(0);
    assert_eq!(v["kind"], "report");
    assert_eq!(v["report"], "weekly-hook");
    assert!(v["mentions"].as_u64().unwrap() > 0);
    assert!(v["negative_share"].as_f64().is_some());
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
    assert!(v["files"][0].as_str().unwrap().starts_with('/'), "absolute");
    // Chat platforms: a summary with the figures and the files' names.
    let summary = |md: &str, lang_negative: &str| {
        assert!(md.contains(lang_negative) && md.contains('%'), "{md}");
        for n in &names {
            assert!(md.contains(n.as_str()), "{n} missing in {md}");
        }
    };
    let v = body(1);
    assert_eq!(v["msgtype"], "markdown");
    assert!(v["markdown"]["title"]
        .as_str()
        .unwrap()
        .contains("weekly-ding"));
    summary(v["markdown"]["text"].as_str().unwrap(), "Negative");
    let v = body(2);
    let zh = v["card"]["elements"][0]["content"].as_str().unwrap();
    summary(zh, "负面");
    // In the channel's own zone, named; the others stay in UTC.
    assert!(zh.contains("Asia/Shanghai (+08:00)"), "{zh}");
    assert!(!zh.contains("UTC"), "{zh}");
    let v = body(3);
    summary(v["markdown"]["content"].as_str().unwrap(), "Negative");
    let v = body(4);
    assert!(v["text"].as_str().unwrap().contains("weekly-slack"));
    assert_eq!(v["blocks"][1]["text"]["type"], "mrkdwn");
    summary(v["blocks"][1]["text"]["text"].as_str().unwrap(), "Negative");

    // Email: the files attached, byte for byte.
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let parts = mime_parts(&mails[0]);
    let mail_files = &files[5];
    for f in mail_files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let (_, bytes) = parts
            .iter()
            .find(|(h, _)| {
                h.contains("attachment") && attachment_name(h).as_deref() == Some(name.as_str())
            })
            .unwrap_or_else(|| panic!("{name} not attached: {}", mails[0]));
        if name.ends_with(".xlsx") {
            assert_eq!(bytes, &std::fs::read(f).unwrap(), "{name} as written");
        } else {
            assert!(!bytes.is_empty());
        }
    }
    assert!(
        parts.iter().any(|(h, _)| h.contains("text/plain")),
        "a text part: {}",
        mails[0]
    );
}
