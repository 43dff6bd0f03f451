//! What `earshot demo` does after its crawl, without the printing: one
//! page of each kind extracted, the detectors' alerts delivered to a
//! webhook receiver of its own, and reports over the period the demo's
//! posts cover.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use earshot::alert::{channel, ChannelConfig, ChannelKind, Lang, Severity, WatchEval};
use earshot::extract::Extracted;
use earshot::store::{Alert, MentionQuery, Store};

/// One page of each kind the demo site holds.
pub const SAMPLE_PAGES: &[&str] = &[
    "bbs/thread-1001-1-1.html",
    "blog/2026/11/lumio-aura-review/",
    "reviews/lumio-aura.html",
    "qa/question-88.html",
    "blog/feed/index.xml",
    "news-a/2026/11/21/yunque-x5-battery.html",
];

/// The [`SAMPLE_PAGES`] as `earshot extract` sees them, read as the crawl
/// reads them (the timezone and profile of the demo source whose pages
/// live under the same top folder): `/path` and the extraction, or why it
/// failed. A page answering 304 is left out.
pub async fn extract_samples(config: &Config) -> Result<Vec<(String, Result<Extracted, String>)>> {
    let fetcher = earshot::fetch::Fetcher::new(&config.crawl)?;
    let drop_lines = config.extract.patterns();
    let mut out = Vec::new();
    for path in SAMPLE_PAGES {
        let label = format!("/{path}");
        let folder = format!("/{}/", path.split('/').next().unwrap_or_default());
        let source = config.sources.iter().find(|s| {
            s.start_urls
                .iter()
                .chain(&s.feeds)
                .chain(s.url.iter())
                .any(|u| u.contains(&folder))
        });
        let tz = source.map_or_else(
            || {
                config
                    .crawl
                    .timezone
                    .parse()
                    .unwrap_or(chrono_tz::Asia::Shanghai)
            },
            |s| s.timezone(&config.crawl),
        );
        let url = url::Url::parse(&format!("http://{}/{path}", super::DEMO_HOST))?;
        let req = earshot::fetch::Request {
            url,
            rate: config.crawl.rate_per_host,
            allow_private: config.crawl.allow_private,
            validators: Default::default(),
        };
        let page = match fetcher.fetch(&req).await {
            Ok(earshot::fetch::Fetched::Page(p)) => p,
            Ok(earshot::fetch::Fetched::NotModified) => continue,
            Err(e) => {
                out.push((label, Err(e.to_string())));
                continue;
            }
        };
        let opts = earshot::extract::Options {
            profile: source.and_then(|s| s.profile.as_deref()),
            tz,
            fetched_at: page.fetched_at,
            drop_lines: &drop_lines,
        };
        let result = earshot::extract::extract_with(&page.url, &page.text, &opts)
            .map(|mut e| {
                e.charset = Some(page.charset.to_string());
                e
            })
            .map_err(|e| e.to_string());
        out.push((label, result));
    }
    Ok(out)
}

/// What the alert step found and delivered.
#[derive(Debug)]
pub struct DemoAlerts {
    /// What evaluating the detectors did, per watch.
    pub evals: Vec<WatchEval>,
    /// Every stored alert afterwards.
    pub alerts: Vec<Alert>,
    /// Where the webhook receiver listened.
    pub receiver_url: String,
    /// Deliveries it verified: (idempotency key, body).
    pub received: Vec<(String, String)>,
    /// Requests it refused (bad signature or stale timestamp).
    pub refused: usize,
}

/// Evaluates the detectors over the demo watches' stored timeline and
/// delivers what they find to a webhook receiver started on 127.0.0.1
/// (for up to 10 seconds, or until `stop`).
pub async fn deliver_alerts(
    config: &Config,
    store: &Store,
    stop: &CancellationToken,
) -> Result<DemoAlerts> {
    let secret = format!("demo-{:016x}", rand::random::<u64>());
    let receiver = super::start_receiver(secret.clone())
        .await
        .context("cannot start the demo webhook receiver on 127.0.0.1")?;
    let mut config = config.clone();
    config.channels = vec![ChannelConfig {
        name: "demo-webhook".into(),
        kind: ChannelKind::Webhook,
        url: receiver.url(),
        secret: Some(secret),
        language: Lang::En,
        timezone: None,
        watches: Vec::new(),
        min_severity: Severity::Low,
        from: None,
        to: Vec::new(),
    }];
    // The demo posts are from November 2026: evaluate as of a day after the
    // newest one, and notify whatever is found in them.
    let mut newest = None;
    for w in &config.watches {
        let m = store.mentions(&MentionQuery {
            watch: Some(w.name.clone()),
            limit: Some(1),
            ..Default::default()
        })?;
        newest = newest.max(m.first().map(|m| m.bucket_time()));
    }
    let now = newest
        .map(|t| t + chrono::Duration::days(1))
        .unwrap_or_else(Utc::now);
    config.alert.max_age = std::time::Duration::from_secs(3650 * 86400);
    config.alert.retry_base = std::time::Duration::from_millis(200);
    let evals =
        earshot::alert::evaluate(store, &config.alert, &config.watches, &config.channels, now)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    channel::drain_until(
        store,
        &config.channels,
        config.alert.retry_base,
        config.alert.retry_max,
        channel::Until::EmptyOr(deadline),
        stop,
    )
    .await?;
    let alerts = store.alerts()?;
    let received = receiver
        .received
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    let shown = DemoAlerts {
        evals,
        alerts,
        receiver_url: receiver.url(),
        received,
        refused: receiver.refused.load(std::sync::atomic::Ordering::Relaxed),
    };
    receiver.stop();
    Ok(shown)
}

/// HTML and XLSX reports of every demo watch from the day of the earliest
/// stored mention (30 days back when there is none) to `now`, and the same
/// as a PDF in Chinese (the demo brand's), written into `reports/`: the
/// period's start, the files (none when the period cannot be reported)
/// and why the PDF was skipped (no font for Chinese on this machine).
pub fn write_reports(
    config: &Config,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, Vec<PathBuf>, Option<String>)> {
    let watches: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
    let mut earliest: Option<DateTime<Utc>> = None;
    for w in &watches {
        for m in store.mentions(&MentionQuery {
            watch: Some(w.clone()),
            ..Default::default()
        })? {
            let t = m.bucket_time();
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        }
    }
    let from = earshot::store::Granularity::Day
        .bucket_start(earliest.unwrap_or(now - chrono::Duration::days(30)));
    let req = earshot::report::ReportRequest {
        watches,
        from,
        to: now,
        language: earshot::report::Language::En,
    };
    let mut written = Vec::new();
    let mut skipped = None;
    if req.validate().is_ok() {
        use earshot::report::{Format, Language, ReportError};
        let mut data = earshot::report::gather(store, &req)?;
        for f in [Format::Html, Format::Xlsx] {
            let path = PathBuf::from("reports").join(req.file_name(f));
            earshot::report::write(&data, f, &path)?;
            written.push(path);
        }
        data.request.language = Language::ZhCn;
        let path = PathBuf::from("reports").join(req.file_name(Format::Pdf));
        match earshot::report::write_with(&data, Format::Pdf, &config.report_settings, &path) {
            Ok(()) => written.push(path),
            Err(ReportError::Pdf(e)) => skipped = Some(e.to_string()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((from, written, skipped))
}
