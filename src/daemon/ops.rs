//! The process's operational state, shared by the daemon and the server:
//! the one [`Crawler`], the configuration in force (replaced on SIGHUP),
//! and what `/health` and `/metrics` report.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use earshot::crawl::Crawler;
use earshot::store::Store;
use earshot::util::{next_due, Schedule};

use crate::config::Config;

/// Free disk under which `/health` says degraded.
pub const LOW_DISK_BYTES: u64 = 1 << 30;
/// Free disk under which `/health` says failing (the store cannot grow).
pub const FULL_DISK_BYTES: u64 = 100 << 20;
/// An undelivered notification older than this makes a backlog.
pub const BACKLOG_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// Shared by the daemon's tasks and the server's handlers.
pub struct Ops {
    crawler: Arc<Crawler>,
    store: Arc<Store>,
    config: tokio::sync::watch::Sender<Arc<Config>>,
    /// Whether this process crawls on schedules (`earshot run`).
    scheduling: std::sync::atomic::AtomicBool,
    started: Instant,
    started_at: DateTime<Utc>,
    /// The last store write that failed, cleared by the next that works.
    store_error: Mutex<Option<String>>,
    /// Why crawling is paused (a full disk, failing writes), while it is.
    store_pause: Mutex<Option<String>>,
    /// Held while one task brings the store back (see `daemon::recover`).
    pub(super) recovering: tokio::sync::Mutex<()>,
    /// Counts the store's recoveries: a task whose error predates the last
    /// one just tries again.
    store_recoveries: std::sync::atomic::AtomicU64,
    /// The last reload that failed, cleared by the next that works.
    reload_error: Mutex<Option<String>>,
    reloads: std::sync::atomic::AtomicU64,
}

/// `/health`'s answer.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// `ok`, `degraded` or `failing`.
    pub status: &'static str,
    /// One line per problem found (empty when ok).
    pub reasons: Vec<String>,
    /// Bytes free on the store's filesystem, when known.
    pub disk_free_bytes: Option<u64>,
}

impl Ops {
    /// State for a process serving `store` with `config`.
    pub fn new(crawler: Arc<Crawler>, store: Arc<Store>, config: Config) -> Arc<Ops> {
        Arc::new(Ops {
            crawler,
            store,
            config: tokio::sync::watch::Sender::new(Arc::new(config)),
            scheduling: Default::default(),
            started: Instant::now(),
            started_at: Utc::now(),
            store_error: Mutex::new(None),
            store_pause: Mutex::new(None),
            recovering: tokio::sync::Mutex::new(()),
            store_recoveries: Default::default(),
            reload_error: Mutex::new(None),
            reloads: Default::default(),
        })
    }

    /// The crawler every pass of this process goes through.
    pub fn crawler(&self) -> &Arc<Crawler> {
        &self.crawler
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }

    /// Wakes when the configuration is replaced.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Arc<Config>> {
        self.config.subscribe()
    }

    /// Puts a reloaded (already validated) configuration in force.
    pub fn replace_config(&self, config: Config) {
        self.reloads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *lock(&self.reload_error) = None;
        self.config.send_replace(Arc::new(config));
    }

    /// Records a reload that failed (the running config stays).
    pub fn reload_failed(&self, why: String) {
        *lock(&self.reload_error) = Some(why);
    }

    /// Marks this process as the one crawling on schedules.
    pub fn set_scheduling(&self) {
        self.scheduling
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Records the outcome of a store write.
    pub fn store_result<T>(&self, r: &Result<T, earshot::store::StoreError>) {
        self.set_store_error(r.as_ref().err().map(|e| e.to_string()));
    }

    /// Records a failed store write (`None`: one that worked).
    pub fn set_store_error(&self, e: Option<String>) {
        *lock(&self.store_error) = e;
    }

    /// Why crawling is paused, while the store cannot be written.
    pub fn store_paused(&self) -> Option<String> {
        lock(&self.store_pause).clone()
    }

    /// Pauses crawling for `why`, or resumes it (`None`).
    pub fn set_store_paused(&self, why: Option<String>) {
        *lock(&self.store_pause) = why;
    }

    /// How many times the store was brought back since the start.
    pub fn store_recoveries(&self) -> u64 {
        self.store_recoveries
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Records that the store was brought back.
    pub(super) fn store_recovered(&self) {
        self.store_recoveries
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *lock(&self.store_pause) = None;
        *lock(&self.store_error) = None;
    }

    /// What is wrong now, worst first decides the status. Reads the store
    /// (outbox, last runs): call it off the async threads.
    pub fn health(&self) -> Health {
        let now = Utc::now();
        let config = self.config();
        let mut failing = Vec::new();
        let mut degraded = Vec::new();
        if let Some(e) = lock(&self.store_error).clone() {
            failing.push(format!("store: the last write failed: {e}"));
        }
        // Paused, the process still serves and delivers what it can: it is
        // degraded, and says why (a full disk among others).
        let paused = self.store_paused();
        if let Some(why) = &paused {
            degraded.push(why.clone());
        }
        let disk = fs2::available_space(self.store.path()).ok();
        match disk {
            Some(b) if b < FULL_DISK_BYTES => if paused.is_some() {
                &mut degraded
            } else {
                &mut failing
            }
            .push(format!(
                "disk: {} MiB free on the store's filesystem",
                b >> 20
            )),
            Some(b) if b < LOW_DISK_BYTES => degraded.push(format!(
                "disk: {} MiB free on the store's filesystem",
                b >> 20
            )),
            _ => {}
        }
        if let Some(e) = lock(&self.reload_error).clone() {
            degraded.push(format!(
                "config: the last reload failed, the previous config is in force: {e}"
            ));
        }
        if self.scheduling.load(std::sync::atomic::Ordering::Relaxed) {
            let metrics = self.crawler.metrics().snapshot();
            let mut down = 0;
            let mut scheduled = 0;
            for s in &config.sources {
                let Some(sched) = s.schedule.as_deref().and_then(|x| Schedule::parse(x).ok())
                else {
                    continue;
                };
                scheduled += 1;
                let m = metrics.get(&s.name);
                let stored = self.store.source_last_run(&s.name).ok().flatten();
                let last_ok = m.and_then(|m| m.last_success);
                // A pass stored before this process started counts until
                // one of this process's passes says otherwise.
                let last = match (last_ok, m.and_then(|m| m.last_pass_end)) {
                    (Some(t), _) => Some(t),
                    (None, None) => stored,
                    (None, Some(_)) => None,
                };
                let since = last.unwrap_or(self.started_at);
                let interval = next_due(&sched, Some(since), since) - since;
                let failed = m.and_then(|m| m.last_error.clone());
                if now - since <= interval * 2 {
                    if let Some(e) = failed {
                        down += 1;
                        degraded.push(format!("source {}: the last pass failed: {e}", s.name));
                    }
                } else {
                    down += 1;
                    let why = m
                        .and_then(|m| m.last_error.clone())
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default();
                    degraded.push(match last {
                        Some(t) => format!(
                            "source {}: last successful pass {} ago, more than twice its schedule{why}",
                            s.name,
                            ago(now - t)
                        ),
                        None => format!(
                            "source {}: no successful pass since the start {} ago{why}",
                            s.name,
                            ago(now - since)
                        ),
                    });
                }
            }
            if scheduled > 0 && down == scheduled {
                // While paused, that follows from the pause (said above).
                if paused.is_some() {
                    &mut degraded
                } else {
                    &mut failing
                }
                .push(format!(
                    "crawling: none of the {scheduled} scheduled sources has a recent successful pass"
                ));
            }
        }
        match self.outbox() {
            Ok(per) => {
                for (ch, o) in per {
                    if let Some(e) = &o.last_error {
                        degraded.push(format!(
                            "channel {ch}: {} undelivered, last attempt failed: {e}",
                            o.pending
                        ));
                    } else if o.oldest_pending.is_some_and(|t| now - t > BACKLOG_AFTER) {
                        degraded.push(format!(
                            "channel {ch}: {} undelivered, the oldest queued {} ago",
                            o.pending,
                            ago(now - o.oldest_pending.unwrap_or(now))
                        ));
                    }
                }
            }
            // sled answers every call with its flusher's error until the
            // store is reopened: while paused for a full disk, a read that
            // fails on it is part of the pause (said above), not a new fault.
            Err(e) if paused.is_some() && e.class() == earshot::store::ErrorClass::DiskFull => {
                degraded.push(format!("store: cannot read the outbox: {e}"))
            }
            Err(e) => failing.push(format!("store: cannot read the outbox: {e}")),
        }
        let status = if !failing.is_empty() {
            "failing"
        } else if !degraded.is_empty() {
            "degraded"
        } else {
            "ok"
        };
        failing.extend(degraded);
        Health {
            status,
            reasons: failing,
            disk_free_bytes: disk,
        }
    }

    /// Outbox figures per channel.
    pub fn outbox(&self) -> Result<BTreeMap<String, Outbox>, earshot::store::StoreError> {
        let mut out: BTreeMap<String, Outbox> = BTreeMap::new();
        for ch in &self.config().channels {
            out.entry(ch.name.clone()).or_default();
        }
        for item in self.store.outbox_all()? {
            let o = out.entry(item.channel.clone()).or_default();
            if item.delivered_at.is_some() {
                o.delivered += 1;
                continue;
            }
            o.pending += 1;
            // Queued at its first attempt time (next_attempt moves on with
            // each failure, so the oldest is a lower bound).
            if item.attempts == 0 {
                o.oldest_pending = Some(
                    o.oldest_pending
                        .map_or(item.next_attempt, |t| t.min(item.next_attempt)),
                );
            }
            if let Some(e) = &item.last_error {
                o.failing += 1;
                o.last_error = Some(e.clone());
            }
        }
        Ok(out)
    }

    /// The crawl, delivery and disk metrics in Prometheus text format.
    /// Reads the store: call it off the async threads.
    pub fn metrics(&self, out: &mut String) {
        let m = self.crawler.metrics().snapshot();
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            out,
            "earshot_pages_fetched_total",
            "counter",
            "Pages fetched by source and status class (3xx: unchanged, 304).",
        );
        for (src, s) in &m {
            for (class, n) in &s.pages {
                let _ = writeln!(
                    out,
                    "earshot_pages_fetched_total{{source=\"{}\",class=\"{class}\"}} {n}",
                    esc(src)
                );
            }
        }
        head(
            out,
            "earshot_fetch_errors_total",
            "counter",
            "Failed fetches by source and kind (status, timeout, connect, robots…).",
        );
        for (src, s) in &m {
            for (kind, n) in &s.errors {
                let _ = writeln!(
                    out,
                    "earshot_fetch_errors_total{{source=\"{}\",kind=\"{kind}\"}} {n}",
                    esc(src)
                );
            }
        }
        head(
            out,
            "earshot_crawl_passes_total",
            "counter",
            "Crawl passes finished by source and result.",
        );
        for (src, s) in &m {
            let _ = writeln!(out, "earshot_crawl_passes_total{{source=\"{0}\",result=\"ok\"}} {1}\nearshot_crawl_passes_total{{source=\"{0}\",result=\"failed\"}} {2}", esc(src), s.passes - s.passes_failed, s.passes_failed);
        }
        head(
            out,
            "earshot_crawl_pass_duration_seconds",
            "gauge",
            "How long the last pass of a source took.",
        );
        for (src, s) in &m {
            let _ = writeln!(
                out,
                "earshot_crawl_pass_duration_seconds{{source=\"{}\"}} {:.3}",
                esc(src),
                s.last_pass_seconds
            );
        }
        head(
            out,
            "earshot_crawl_last_success_timestamp_seconds",
            "gauge",
            "Unix time of the last successful pass of a source (0: none since the start).",
        );
        for (src, s) in &m {
            let t = s.last_success.map_or(0, |t| t.timestamp());
            let _ = writeln!(
                out,
                "earshot_crawl_last_success_timestamp_seconds{{source=\"{}\"}} {t}",
                esc(src)
            );
        }
        head(
            out,
            "earshot_crawl_running",
            "gauge",
            "1 while a pass of the source runs.",
        );
        for (src, s) in &m {
            let _ = writeln!(
                out,
                "earshot_crawl_running{{source=\"{}\"}} {}",
                esc(src),
                u8::from(s.running)
            );
        }
        let metrics = self.crawler.metrics();
        head(
            out,
            "earshot_crawl_writer_queue_pages",
            "gauge",
            "Pages fetched and waiting for the store writer (a queue that stays full means the store is the bound).",
        );
        let _ = writeln!(
            out,
            "earshot_crawl_writer_queue_pages {}",
            metrics.writer_queue()
        );
        let mut named = std::collections::BTreeSet::new();
        for (name, kind, help, value) in self.crawler.remote_metrics() {
            let base = name.split('{').next().unwrap_or(&name).to_string();
            if named.insert(base.clone()) {
                head(out, &base, kind, help);
            }
            let _ = writeln!(out, "{name} {value}");
        }
        let (scored, seconds) = metrics.scored();
        head(
            out,
            "earshot_sentiment_scored_texts_total",
            "counter",
            "Texts the sentiment model scored during crawls.",
        );
        let _ = writeln!(out, "earshot_sentiment_scored_texts_total {scored}");
        head(
            out,
            "earshot_sentiment_scoring_seconds_total",
            "counter",
            "Seconds spent scoring them (throughput: the rate of the first over the rate of this).",
        );
        let _ = writeln!(out, "earshot_sentiment_scoring_seconds_total {seconds:.6}");
        let fetcher = self.crawler.fetcher();
        head(
            out,
            "earshot_fetch_in_flight",
            "gauge",
            "Requests in flight now (waits for the host's rate included).",
        );
        let _ = writeln!(out, "earshot_fetch_in_flight {}", fetcher.in_flight());
        let hosts = fetcher.stats();
        head(
            out,
            "earshot_fetch_requests_total",
            "counter",
            "HTTP requests sent by host (robots.txt and retries included).",
        );
        for (h, s) in &hosts {
            let _ = writeln!(
                out,
                "earshot_fetch_requests_total{{host=\"{}\"}} {}",
                esc(&h.0),
                s.requests
            );
        }
        head(
            out,
            "earshot_fetch_retries_total",
            "counter",
            "Retries by host.",
        );
        for (h, s) in &hosts {
            let _ = writeln!(
                out,
                "earshot_fetch_retries_total{{host=\"{}\"}} {}",
                esc(&h.0),
                s.retries
            );
        }
        if let Ok(per) = self.outbox() {
            head(
                out,
                "earshot_outbox_notifications",
                "gauge",
                "Notifications in the outbox by channel and state (pending includes failing).",
            );
            for (ch, o) in &per {
                let ch = esc(ch);
                let _ = writeln!(out, "earshot_outbox_notifications{{channel=\"{ch}\",state=\"pending\"}} {}\nearshot_outbox_notifications{{channel=\"{ch}\",state=\"delivered\"}} {}\nearshot_outbox_notifications{{channel=\"{ch}\",state=\"failing\"}} {}", o.pending, o.delivered, o.failing);
            }
        }
        if let Ok(b) = fs2::available_space(self.store.path()) {
            head(
                out,
                "earshot_disk_free_bytes",
                "gauge",
                "Bytes free on the store's filesystem.",
            );
            let _ = writeln!(out, "earshot_disk_free_bytes {b}");
        }
        head(
            out,
            "earshot_config_reloads_total",
            "counter",
            "Configurations reloaded (SIGHUP) and put in force.",
        );
        let _ = writeln!(
            out,
            "earshot_config_reloads_total {}",
            self.reloads.load(std::sync::atomic::Ordering::Relaxed)
        );
        head(
            out,
            "earshot_process_uptime_seconds",
            "gauge",
            "Seconds since the process started.",
        );
        let _ = writeln!(
            out,
            "earshot_process_uptime_seconds {:.0}",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Outbox figures for one channel.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    /// Not delivered yet.
    pub pending: u64,
    /// Delivered.
    pub delivered: u64,
    /// Pending whose last attempt failed.
    pub failing: u64,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When the oldest never-attempted item became due.
    pub oldest_pending: Option<DateTime<Utc>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn ago(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}
