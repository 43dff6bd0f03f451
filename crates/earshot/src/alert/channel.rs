//! Notification channels: message rendering (English and Chinese), each
//! platform's signature scheme, and delivery of the outbox with backoff.
//!
//! Signatures, exactly as the platforms specify:
//! * generic webhook: `X-Earshot-Signature: sha256=<hex HMAC-SHA256(secret,
//!   timestamp + "." + body)>` with `X-Earshot-Timestamp` (Unix seconds,
//!   the same `timestamp`), and `Idempotency-Key`: a receiver recomputes
//!   the signature over the timestamp it got and refuses timestamps more
//!   than [`REPLAY_WINDOW_S`] off its clock, so a captured request cannot
//!   be replayed later or with a new timestamp;
//! * DingTalk robot: `sign = urlencode(base64(HMAC-SHA256(secret,
//!   timestamp_ms + "\n" + secret)))` in the `timestamp` and `sign` query
//!   parameters;
//! * Feishu/Lark bot: `sign = base64(HMAC-SHA256(key = timestamp + "\n" +
//!   secret, msg = ""))` with `timestamp` (seconds, a string) in the body;
//! * WeCom and Slack: no signature (the URL is the secret).
//!
//! Crawled text is escaped per platform ([`super::escape`]), and errors
//! are stored and logged without the URL, which for Slack, WeCom, Feishu
//! and DingTalk is the credential.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::escape::Markup;
pub use super::message::{detector_name, markdown, summary_in, test_notice, window, Lang, Notice};
use super::Severity;
use crate::store::{OutboxItem, Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

/// Which platform a channel talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Generic JSON webhook, HMAC-signed.
    Webhook,
    /// Slack incoming webhook.
    Slack,
    /// DingTalk group robot.
    Dingtalk,
    /// Feishu/Lark custom bot.
    Feishu,
    /// WeCom (企业微信) group robot.
    Wecom,
    /// Email over SMTP (`url` = `smtp://` or `smtps://user:pass@host:port`).
    Email,
}

/// `[[channel]]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Unique name, used in the outbox and the logs.
    pub name: String,
    /// `webhook`, `slack`, `dingtalk`, `feishu` or `wecom`.
    pub kind: ChannelKind,
    /// Endpoint URL (`${VAR}` is expanded).
    pub url: String,
    /// Signing secret (`${VAR}` is expanded); required for `webhook`.
    #[serde(default)]
    pub secret: Option<String>,
    /// Message language.
    #[serde(default)]
    pub language: Lang,
    /// IANA time zone the messages' times are written in (default UTC),
    /// e.g. "Asia/Shanghai".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Watches it notifies about; empty means all.
    #[serde(default)]
    pub watches: Vec<String>,
    /// Least severity notified.
    #[serde(default = "low")]
    pub min_severity: Severity,
    /// Email: sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// Email: recipients.
    #[serde(default)]
    pub to: Vec<String>,
}

fn low() -> Severity {
    Severity::Low
}

impl ChannelConfig {
    /// The time zone of its messages; a name that is not an IANA zone
    /// (refused by `config check`) falls back to UTC.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    }
    /// Whether this channel wants alerts on `watch` at `severity`.
    pub fn wants(&self, watch: &str, severity: Severity) -> bool {
        (self.watches.is_empty() || self.watches.iter().any(|w| w == watch))
            && severity >= self.min_severity
    }
    /// The URL, `${VAR}` expanded; an unset variable is an error, never
    /// the placeholder text.
    fn url(&self) -> Result<String, DeliveryError> {
        crate::util::expand_env(&self.url)
            .map_err(|e| DeliveryError::Env(format!("{}: url: {e}", self.name)))
    }
    /// The secret, `${VAR}` expanded, as [`ChannelConfig::url`].
    fn secret(&self) -> Result<Option<String>, DeliveryError> {
        match &self.secret {
            None => Ok(None),
            Some(s) => crate::util::expand_env(s)
                .map(|s| Some(s).filter(|s| !s.is_empty()))
                .map_err(|e| DeliveryError::Env(format!("{}: secret: {e}", self.name))),
        }
    }
}

/// How far (seconds) a webhook's `X-Earshot-Timestamp` may be from the
/// receiver's clock before the request is refused as a replay.
pub const REPLAY_WINDOW_S: i64 = 300;

/// `X-Earshot-Signature` value for a body sent with `X-Earshot-Timestamp:
/// timestamp_s`: HMAC-SHA256 over `"{timestamp_s}.{body}"`.
pub fn webhook_signature(secret: &str, timestamp_s: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_s}.").as_bytes());
    mac.update(body);
    let out = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        out.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// What a receiver checks: `signature` (the `X-Earshot-Signature` header)
/// is the HMAC of `"{timestamp}.{body}"` for the `X-Earshot-Timestamp`
/// header's `timestamp`, compared in constant time, and that timestamp is
/// within [`REPLAY_WINDOW_S`] of `now_s`.
pub fn verify_webhook(
    secret: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now_s: i64,
) -> bool {
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now_s - ts).abs() > REPLAY_WINDOW_S {
        return false;
    }
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let Some(bytes) = bytes else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// DingTalk `sign` before URL encoding.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Feishu/Lark `sign`.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    let key = format!("{timestamp_s}\n{secret}");
    let mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The body queued for a channel (before any signature).
pub fn render(ch: &ChannelConfig, n: &Notice, key: &str) -> String {
    let (title, md) = markdown(n, ch.language, ch.tz(), markup_of(ch.kind));
    let v = match ch.kind {
        ChannelKind::Webhook => serde_json::json!({
            "idempotency_key": key,
            "event": n.event,
            "alert_id": n.alert_id,
            "watch": n.watch,
            "severity": n.severity,
            "summary": summary_in(&n.watch, &n.summary, Some(&n.evidence), ch.language, ch.tz()),
            "evidence": n.evidence,
            "text": md,
        }),
        kind => envelope(kind, &title, &md),
    };
    v.to_string()
}

/// The markup a channel kind's messages are written in.
pub fn markup_of(kind: ChannelKind) -> Markup {
    match kind {
        ChannelKind::Slack => Markup::Slack,
        _ => Markup::Markdown,
    }
}

/// A titled message (`md` in [`markup_of`] the kind) in the shape each
/// platform takes: Slack blocks, DingTalk/WeCom markdown, a Feishu card,
/// an email's subject and text. A generic webhook gets `{title, text}`
/// here; its callers send their own JSON.
pub fn envelope(kind: ChannelKind, title: &str, md: &str) -> serde_json::Value {
    match kind {
        ChannelKind::Webhook => serde_json::json!({"title": title, "text": md}),
        ChannelKind::Slack => serde_json::json!({
            "text": title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": title}},
                {"type": "section", "text": {"type": "mrkdwn", "text": md}},
            ],
        }),
        ChannelKind::Dingtalk => serde_json::json!({
            "msgtype": "markdown",
            "markdown": {"title": title, "text": md},
        }),
        ChannelKind::Feishu => serde_json::json!({
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}},
                "elements": [{"tag": "markdown", "content": md}],
            },
        }),
        ChannelKind::Wecom => serde_json::json!({
            "msgtype": "markdown",
            "markdown": {"content": md},
        }),
        ChannelKind::Email => serde_json::json!({
            "subject": title,
            "text": md,
        }),
    }
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No such channel in the config.
    #[error("channel `{0}` is not in the config (it was removed?)\n  help: add the [[channel]] back, or the item stays queued")]
    NoChannel(String),
    /// HTTP or network failure.
    #[error("{0}")]
    Http(String),
    /// The platform answered with an error.
    #[error("{0}")]
    Rejected(String),
    /// The URL or secret names an environment variable that is not set.
    #[error("{0}\n  help: set the variable in earshot's environment, or write ${{VAR:-default}}")]
    Env(String),
}

/// Sends [`test_notice`] to `ch` at once, as a real notification would go
/// (same body, signature and headers), without the outbox.
pub async fn send_test(ch: &ChannelConfig, now: DateTime<Utc>) -> Result<(), DeliveryError> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| DeliveryError::Rejected(format!("cannot build the HTTP client: {e}")))?;
    let key = format!("test-{}", now.timestamp_millis());
    let body = render(ch, &test_notice(now, ch.language), &key);
    send(&client, ch, &key, &body, now).await
}

/// Sends one queued body to its channel, signing it as the platform wants.
pub async fn send(
    client: &reqwest::Client,
    ch: &ChannelConfig,
    key: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<(), DeliveryError> {
    let url = ch.url()?;
    let secret = ch.secret()?;
    if ch.kind == ChannelKind::Email {
        use super::email::EmailError;
        return super::email::send(&ch.name, ch.from.as_deref(), &ch.to, &url, key, payload)
            .await
            .map_err(|e| match e {
                EmailError::Rejected(m) => DeliveryError::Rejected(m),
                EmailError::Smtp(m) => DeliveryError::Http(m),
            });
    }
    let req = match ch.kind {
        ChannelKind::Email => unreachable!("handled above"),
        ChannelKind::Webhook => {
            let mut r = client
                .post(&url)
                .header("Content-Type", "application/json")
                .header("X-Earshot-Timestamp", now.timestamp().to_string())
                .header("Idempotency-Key", key);
            if let Some(s) = &secret {
                r = r.header(
                    "X-Earshot-Signature",
                    webhook_signature(s, now.timestamp(), payload.as_bytes()),
                );
            }
            r.body(payload.to_string())
        }
        ChannelKind::Dingtalk => {
            let mut u = url::Url::parse(&url).map_err(|e| {
                DeliveryError::Http(format!("{}: the url is not a URL: {e}", ch.name))
            })?;
            if let Some(s) = &secret {
                let ts = now.timestamp_millis();
                // `append_pair` form-urlencodes the base64 (+, /, =).
                u.query_pairs_mut()
                    .append_pair("timestamp", &ts.to_string())
                    .append_pair("sign", &dingtalk_sign(s, ts));
            }
            client
                .post(u)
                .header("Content-Type", "application/json")
                .body(payload.to_string())
        }
        ChannelKind::Feishu => {
            let mut v: serde_json::Value = serde_json::from_str(payload)
                .map_err(|e| DeliveryError::Rejected(format!("queued body is not JSON: {e}")))?;
            if let (Some(s), Some(obj)) = (&secret, v.as_object_mut()) {
                let ts = now.timestamp();
                obj.insert("timestamp".into(), ts.to_string().into());
                obj.insert("sign".into(), feishu_sign(s, ts).into());
            }
            client
                .post(&url)
                .header("Content-Type", "application/json")
                .body(v.to_string())
        }
        ChannelKind::Slack | ChannelKind::Wecom => client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(payload.to_string()),
    };
    // The URL is the credential of most platforms: never in the error.
    let resp = req
        .send()
        .await
        .map_err(|e| DeliveryError::Http(format!("{}: {}", ch.name, error_text(e))))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(DeliveryError::Http(format!(
            "{}: HTTP {status}: {}",
            ch.name,
            body.chars().take(200).collect::<String>()
        )));
    }
    // DingTalk and WeCom answer 200 with errcode; Feishu with code.
    if matches!(
        ch.kind,
        ChannelKind::Dingtalk | ChannelKind::Wecom | ChannelKind::Feishu
    ) {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let code = v
            .get("errcode")
            .or_else(|| v.get("code"))
            .or_else(|| v.get("StatusCode"))
            .and_then(|c| c.as_i64())
            .unwrap_or(0);
        if code != 0 {
            return Err(DeliveryError::Rejected(format!(
                "{}: the platform refused the message: {}",
                ch.name,
                body.chars().take(200).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// A reqwest error and its causes, without the URL.
fn error_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Outcome of one pass over the outbox.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct DrainReport {
    /// Delivered in this pass.
    pub delivered: usize,
    /// Attempted and failed (will be retried).
    pub failed: usize,
    /// Still queued after the pass (failed or not yet due).
    pub pending: usize,
    /// Errors seen, per key.
    pub errors: Vec<String>,
}

/// Backoff before attempt `attempts + 1`: base × 2^attempts, capped, ±20%.
pub fn backoff(
    attempts: u32,
    base: std::time::Duration,
    max: std::time::Duration,
) -> chrono::Duration {
    let exp = base.saturating_mul(1u32 << attempts.min(20)).min(max);
    let jitter = 0.8 + 0.4 * rand::random::<f64>();
    chrono::Duration::milliseconds((exp.as_millis() as f64 * jitter) as i64)
}

/// Delivers every due outbox item once; failed ones get their next attempt
/// time. Each result is written to the store before the next send.
pub async fn drain(
    store: &Store,
    channels: &[ChannelConfig],
    retry_base: std::time::Duration,
    retry_max: std::time::Duration,
) -> Result<DrainReport, StoreError> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| StoreError::Engine {
            path: store.path().to_path_buf(),
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
    let mut report = DrainReport::default();
    for mut item in store.outbox_pending()? {
        let now = Utc::now();
        if item.next_attempt > now {
            report.pending += 1;
            continue;
        }
        let res = match channels.iter().find(|c| c.name == item.channel) {
            Some(ch) => send(&client, ch, &item.key, &item.payload, now).await,
            None => Err(DeliveryError::NoChannel(item.channel.clone())),
        };
        item.attempts += 1;
        match res {
            Ok(()) => {
                item.delivered_at = Some(Utc::now());
                item.last_error = None;
                report.delivered += 1;
                tracing::info!(key = %item.key, channel = %item.channel, "alert delivered");
            }
            Err(e) => {
                item.next_attempt = Utc::now() + backoff(item.attempts - 1, retry_base, retry_max);
                tracing::warn!(key = %item.key, channel = %item.channel, attempts = item.attempts, "delivery failed, retrying at {}: {e}", item.next_attempt);
                report.errors.push(format!("{}: {e}", item.key));
                item.last_error = Some(e.to_string());
                report.failed += 1;
                report.pending += 1;
            }
        }
        store.update_outbox(&item)?;
        store.flush()?;
    }
    Ok(report)
}

/// When [`drain_until`] stops (besides cancellation).
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// At the deadline, or as soon as nothing is left queued: a command
    /// waiting for its own deliveries (`earshot alerts check --wait`, the
    /// demo). Retries every 100 ms.
    EmptyOr(std::time::Instant),
    /// At the deadline, however empty the outbox: the daemon between two
    /// passes, delivering what scheduled reports queue meanwhile. Retries
    /// every `retry_base`, at most once a second.
    Deadline(std::time::Instant),
}

/// Drains the outbox again and again until `until` says stop or `stop` is
/// cancelled; the report adds up the passes (`pending`: after the last).
/// Waits between passes end at once on cancellation.
pub async fn drain_until(
    store: &Store,
    channels: &[ChannelConfig],
    retry_base: std::time::Duration,
    retry_max: std::time::Duration,
    until: Until,
    stop: &tokio_util::sync::CancellationToken,
) -> Result<DrainReport, StoreError> {
    use std::time::{Duration, Instant};
    let (deadline, until_empty, every) = match until {
        Until::EmptyOr(d) => (d, true, Duration::from_millis(100)),
        Until::Deadline(d) => (d, false, retry_base.max(Duration::from_secs(1))),
    };
    let mut total = DrainReport::default();
    loop {
        let r = drain(store, channels, retry_base, retry_max).await?;
        total.delivered += r.delivered;
        total.failed += r.failed;
        total.errors.extend(r.errors);
        total.pending = r.pending;
        let now = Instant::now();
        if (until_empty && r.pending == 0) || now >= deadline || stop.is_cancelled() {
            return Ok(total);
        }
        let wake = deadline.min(now + every);
        tokio::select! {
            _ = stop.cancelled() => return Ok(total),
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
    }
}

/// A queued item for `channel`.
pub fn outbox_item(ch: &ChannelConfig, n: &Notice, key: String, now: DateTime<Utc>) -> OutboxItem {
    OutboxItem {
        payload: render(ch, n, &key),
        key,
        channel: ch.name.clone(),
        attempts: 0,
        next_attempt: now,
        delivered_at: None,
        last_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_known_values() {
        // HMAC-SHA256 test vector (RFC 4231 case 2).
        // The HMAC covers "timestamp.body", computed independently here.
        let sig = webhook_signature("Jefe", 1_700_000_000, b"{}");
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{}");
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sig, format!("sha256={want}"));
        assert_ne!(sig, webhook_signature("Jefe", 1_700_000_001, b"{}"));
        let now = 1_700_000_000 + REPLAY_WINDOW_S;
        assert!(verify_webhook("Jefe", "1700000000", b"{}", &sig, now));
        assert!(!verify_webhook("Jefe", "1700000000", b"{}", &sig, now + 1));
        assert!(!verify_webhook("Jefe", "1700000001", b"{}", &sig, now));
        assert!(!verify_webhook("Jefe", "1700000000", b"{} ", &sig, now));
        assert!(!verify_webhook("Jeff", "1700000000", b"{}", &sig, now));
        assert!(!verify_webhook(
            "Jefe",
            "1700000000",
            b"{}",
            "sha256=zz",
            now
        ));
        // Same construction as DingTalk's Java/Python samples.
        let a = dingtalk_sign("SEC123", 1_700_000_000_000);
        assert_eq!(a.len(), 44);
        assert_ne!(a, dingtalk_sign("SEC123", 1_700_000_000_001));
        let f = feishu_sign("s3cret", 1_700_000_000);
        assert_eq!(f.len(), 44);
        let b = backoff(
            3,
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(5),
        );
        assert!(b <= chrono::Duration::seconds(6) && b >= chrono::Duration::seconds(4));
    }
}
