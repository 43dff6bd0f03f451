//! Scheduled reports: each `[[report]]` entry is written by `earshot run`
//! on its schedule, covering the `period` up to the time it runs. The time
//! of the last report is kept in the store (like a source's last pass), so
//! a restart neither repeats nor skips one. With a `channel`, a message
//! rendered for that channel's kind ([`super::message`]: email with the
//! files attached, chat platforms with a summary and the file names) is
//! queued in the store's outbox for the notifier.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::alert::ChannelConfig;
use crate::store::{OutboxItem, Store};
use crate::util::{next_due, Schedule};

use super::message::{self, ReportMessage};
use super::{gather, write_with, Format, ReportConfig, ReportError, ReportRequest, ReportSettings};

/// The key a report's last run is kept under.
fn run_key(name: &str) -> String {
    format!("report:{name}")
}

/// Writes one `[[report]]` entry now: the files written. With a
/// `channel` (one of `channels`), the message is queued for it.
pub fn produce(
    store: &Store,
    r: &ReportConfig,
    settings: &ReportSettings,
    channels: &[ChannelConfig],
    now: DateTime<Utc>,
) -> Result<Vec<PathBuf>, ReportError> {
    let period = chrono::Duration::from_std(r.period()).unwrap_or(chrono::Duration::days(7));
    let req = ReportRequest {
        watches: r.watches.clone(),
        from: now - period,
        to: now,
        language: r.language,
    };
    let data = gather(store, &req)?;
    let dir = r
        .out_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports"));
    let mut files = Vec::new();
    for f in &r.format {
        let Ok(format) = f.parse::<Format>() else {
            continue;
        };
        let path = dir.join(req.file_name(format));
        write_with(&data, format, settings, &path)?;
        files.push(path);
    }
    let Some(name) = &r.channel else {
        return Ok(files);
    };
    let Some(ch) = channels.iter().find(|c| &c.name == name) else {
        tracing::error!(report = %r.name, "the report names channel `{name}`, which is not in the config: no message sent");
        return Ok(files);
    };
    // Absolute paths: the files are read (email) or named from elsewhere.
    let files_abs: Vec<PathBuf> = files
        .iter()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()))
        .collect();
    let msg = ReportMessage {
        name: r.name.clone(),
        watches: r.watches.clone(),
        from: req.from,
        to: req.to,
        mentions: data.total.total,
        negative: data.total.negative,
        negative_share: super::ReportData::negative_share(&data.total),
        alerts: data.alerts.len(),
        files: files_abs,
    };
    let key = format!("report:{}:{}", r.name, now.timestamp());
    store.enqueue(&OutboxItem {
        payload: message::render(ch, &msg, &key),
        key,
        channel: ch.name.clone(),
        attempts: 0,
        next_attempt: now,
        delivered_at: None,
        last_error: None,
    })?;
    Ok(files)
}

/// Writes every `[[report]]` when due until `stop` is cancelled; looks
/// every 10 seconds.
pub async fn run(
    reports: &[ReportConfig],
    settings: &ReportSettings,
    channels: &[ChannelConfig],
    store: Arc<Store>,
    stop: CancellationToken,
) {
    let entries: Vec<(ReportConfig, Schedule)> = reports
        .iter()
        .filter_map(|r| Schedule::parse(&r.schedule).ok().map(|s| (r.clone(), s)))
        .collect();
    if entries.is_empty() {
        return;
    }
    while !stop.is_cancelled() {
        let now = Utc::now();
        for (r, sched) in &entries {
            let last = match store.source_last_run(&run_key(&r.name)) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(report = %r.name, "cannot read the report schedule: {e}");
                    continue;
                }
            };
            // A report never written is due at its first scheduled time
            // (interval schedules: now).
            if next_due(sched, last, now) > now {
                continue;
            }
            let s = store.clone();
            let entry = r.clone();
            let chans = channels.to_vec();
            let settings = settings.clone();
            let result =
                tokio::task::spawn_blocking(move || produce(&s, &entry, &settings, &chans, now))
                    .await;
            match result {
                Ok(Ok(files)) => {
                    for f in &files {
                        println!("report {}: wrote {}", r.name, f.display());
                    }
                }
                Ok(Err(e)) => tracing::error!(report = %r.name, "report failed: {e}"),
                Err(e) => tracing::error!(report = %r.name, "report task failed: {e}"),
            }
            if let Err(e) = store.set_source_last_run(&run_key(&r.name), now) {
                tracing::error!(report = %r.name, "cannot record the report run: {e}");
            }
        }
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
        }
    }
}
