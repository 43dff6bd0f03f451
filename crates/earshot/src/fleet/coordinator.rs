//! The coordinator's side: a crawl pass whose pages are fetched and read
//! by workers. It keeps what a pass on one machine keeps (the seen set,
//! depth, caps, revisit by activity from the store), publishes one job per
//! URL to its host's shard, and stores each result in one batch, acking it
//! once the store is flushed. Results reach the pass that asked through one
//! durable consumer; results of an earlier coordinator (killed) are acked
//! and left: their URLs, not stored, are asked again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_nats::jetstream;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::parts::{Gathered, PageParts};
use super::pass::Passes;
use super::{
    nats, shard_of, wire, FleetConfig, FleetError, JobMessage, ResultMessage, FETCH_SUBJECT,
    PROTOCOL,
};
use crate::crawl::remote::{self, JobKind, PageJob};
use crate::crawl::{CrawlSetup, CrawlSummary, PassFuture, PipelineError, Progress, RemotePass};
use crate::store::Store;

/// A result and the messages it came in (one, or its pieces): acked once
/// it is stored.
type Routed = (ResultMessage, Vec<jetstream::Message>);
type Routes = Arc<Mutex<HashMap<String, mpsc::Sender<Routed>>>>;

/// The fleet's coordinator: set on a [`crate::crawl::Crawler`] with
/// `with_remote`, it runs every pass through the workers.
pub struct Coordinator {
    js: jetstream::Context,
    cfg: FleetConfig,
    model: String,
    routes: Routes,
    stats: Arc<Stats>,
}

/// What `/metrics` shows of the fleet.
#[derive(Default)]
struct Stats {
    /// Jobs published and not yet answered, all passes.
    in_flight: AtomicI64,
    /// Messages waiting in the job and result streams (read every 5 s).
    fetch_queue: AtomicU64,
    result_queue: AtomicU64,
    /// Pages waiting in EARSHOT_SCORE for a score-only worker.
    score_queue: AtomicU64,
    /// Pages each score-only worker scored (and the coordinator stored).
    scorers: Mutex<BTreeMap<String, u64>>,
    /// Results stored, and results of redelivered jobs, per worker.
    workers: Mutex<BTreeMap<String, (u64, u64)>>,
    /// Second results of one job (dropped).
    duplicates: AtomicU64,
}

impl Coordinator {
    /// Connects, declares the streams, shard consumers and bucket, and
    /// starts routing results.
    pub async fn connect(
        cfg: FleetConfig,
        url: &str,
        model: String,
    ) -> Result<Coordinator, FleetError> {
        let js = nats::connect(&cfg, url).await?;
        nats::declare(&js, &cfg).await?;
        for shard in 0..cfg.shards {
            nats::shard_consumer(&js, &cfg, shard).await?;
        }
        let results = nats::results_consumer(&js).await?;
        let routes: Routes = Arc::default();
        let r = routes.clone();
        let model_here = model.clone();
        // Pulls results for as long as the process lives; a lost connection
        // (nats-server restarting) ends a pull, and the next one starts.
        tokio::spawn(async move {
            let mut pieces = wire::Pieces::default();
            loop {
                let mut messages = match results.messages().await {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!("fleet: pulling results: {e}; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                while let Some(m) = messages.next().await {
                    match m {
                        Ok(msg) => route(&r, &mut pieces, &model_here, msg).await,
                        Err(e) => tracing::debug!("fleet: results pull: {e}"),
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        });
        let stats = Arc::new(Stats::default());
        let (st, js2) = (stats.clone(), js.clone());
        // Queue depths for /metrics.
        tokio::spawn(async move {
            loop {
                for (name, gauge) in [
                    (super::FETCH_STREAM, &st.fetch_queue),
                    (super::RESULT_STREAM, &st.result_queue),
                    (super::SCORE_STREAM, &st.score_queue),
                ] {
                    if let Ok(mut stream) = js2.get_stream(name).await {
                        if let Ok(info) = stream.info().await {
                            gauge.store(info.state.messages, Ordering::Relaxed);
                        }
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        });
        tracing::info!(shards = cfg.shards, "fleet coordinator connected to {url}");
        Ok(Coordinator {
            js,
            cfg,
            model,
            routes,
            stats,
        })
    }

    async fn run(
        &self,
        config: &CrawlSetup,
        store: Arc<Store>,
        only: Option<&str>,
        stop: CancellationToken,
        progress: Progress,
    ) -> Result<CrawlSummary, PipelineError> {
        let started = std::time::Instant::now();
        let stamp = format!("{:?}{only:?}", std::time::SystemTime::now());
        let pass = format!(
            "{:x}-{}",
            std::process::id(),
            &blake3::hash(stamp.as_bytes()).to_hex()[..12]
        );
        let sources: Vec<_> = config
            .sources
            .iter()
            .filter(|s| only.is_none_or(|o| s.name == o))
            .collect();
        if let (Some(o), true) = (only, sources.is_empty()) {
            return Err(PipelineError::NoSuchSource(o.to_string(), String::new()));
        }
        let (tx, mut rx) = mpsc::channel(256);
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(pass.clone(), tx);
        let mut summary = CrawlSummary {
            sources: sources.len(),
            ..Default::default()
        };
        let mut passes = Passes::start(config, &store, &sources, &mut summary, progress.clone())?;
        // Jobs published and not answered (their depth), and the parts
        // received of answers that come in parts (a long sitemap).
        let mut jobs: HashMap<String, u32> = HashMap::new();
        let mut parts: HashMap<String, HashSet<u32>> = HashMap::new();
        // The parts of large pages, until each page is whole.
        let mut page_parts: PageParts<jetstream::Message> = PageParts::default();
        let mut clusters = remote::clusters(&store)?;
        let mut to_ack: Vec<jetstream::Message> = Vec::new();
        let result: Result<(), PipelineError> = loop {
            // Publish what is queued; pages not due are followed at once.
            while let Some(q) = passes.queue.pop_front() {
                if stop.is_cancelled() {
                    break;
                }
                let Some(source) = config.sources.iter().find(|s| s.name == q.source) else {
                    continue;
                };
                let job = if q.kind == JobKind::Page {
                    if !passes.publish_page(&q.source, config.crawl.max_pages_per_source) {
                        continue;
                    }
                    match remote::job_for(&store, config, source, &q.url, q.depth, q.start)? {
                        Err(links) => {
                            summary.pages_fresh += 1;
                            progress(&format!("fresh  {}", q.url));
                            passes.reached(&store, &q.source, &q.url)?;
                            passes.follow(config, &q.source, &links, q.depth);
                            continue;
                        }
                        Ok(job) => job,
                    }
                } else {
                    PageJob::sitemap(&q.source, &q.url, q.kind)
                };
                let key = format!("{pass} {} {:?} {}", q.source, q.kind, q.url);
                let id = blake3::hash(key.as_bytes()).to_hex()[..24].to_string();
                self.publish(&pass, &id, job).await?;
                jobs.insert(id, q.depth);
                self.stats.in_flight.fetch_add(1, Ordering::Relaxed);
            }
            if jobs.is_empty() || stop.is_cancelled() {
                break Ok(());
            }
            let got = tokio::select! {
                () = stop.cancelled() => None,
                r = rx.recv() => r,
            };
            let Some((res, msgs)) = got else { break Ok(()) };
            let Some(&depth) = jobs.get(&res.id) else {
                // A second result of one job: already stored.
                self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                to_ack.extend(msgs);
                continue;
            };
            // A large page's parts are stored together, once all are here.
            let (res, msgs) = match page_parts.take(res, msgs) {
                Gathered::Whole(res, msgs) => (*res, msgs),
                Gathered::Kept => {
                    if rx.is_empty() {
                        ack_all(&store, &mut to_ack).await?;
                    }
                    continue;
                }
                Gathered::Again(msgs) => {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    to_ack.extend(msgs);
                    continue;
                }
            };
            let mut answered = true;
            if let Some((i, n)) = res.part {
                let got = parts.entry(res.id.clone()).or_default();
                if !got.insert(i) {
                    self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                    to_ack.extend(msgs);
                    continue;
                }
                answered = got.len() as u32 >= n;
            }
            if answered {
                jobs.remove(&res.id);
                parts.remove(&res.id);
                // Parts of another fetch of the page (a job redone on a
                // changed page): not stored.
                to_ack.extend(page_parts.forget(&res.id));
                self.count(&res);
            }
            match res.outcome {
                remote::PageOutcome::Sitemap(found) => {
                    let first = res.part.is_none_or(|(i, _)| i == 0);
                    passes.sitemap(config, &store, &res.job, *found, first, &mut summary)?;
                    to_ack.extend(msgs);
                }
                mut outcome => {
                    if let remote::PageOutcome::Page(p) = &mut outcome {
                        passes.keep_links(&res.job.source, &mut p.links);
                    }
                    let failed = match &outcome {
                        remote::PageOutcome::Failed(e) => Some(e.clone()),
                        _ => None,
                    };
                    let stored =
                        remote::store_outcome(&store, config, &res.job, outcome, &mut clusters)?;
                    if stored.fetched || stored.not_modified {
                        passes.reached(&store, &res.job.source, &res.job.url)?;
                    }
                    to_ack.extend(msgs);
                    if let Some(e) = failed {
                        summary.pages_failed += 1;
                        progress(&format!("error  [{}] {e}", res.job.source));
                        summary.errors.push(format!("[{}] {e}", res.job.source));
                    } else {
                        progress(&format!("page   {} (worker {})", res.job.url, res.worker));
                    }
                    summary.pages_fetched += u64::from(stored.fetched);
                    summary.pages_unchanged += u64::from(stored.not_modified || stored.unchanged);
                    summary.posts += stored.posts;
                    summary.mentions_new += stored.report.inserted as u64;
                    summary.mentions_updated += stored.report.updated as u64;
                    summary.mentions_unchanged += stored.report.unchanged as u64;
                    for (w, n) in stored.new_per_watch {
                        *summary.new_per_watch.entry(w).or_default() += n;
                    }
                    passes.follow(config, &res.job.source, &stored.links, depth);
                }
            }
            if answered && res.job.kind != JobKind::Page {
                passes.map_answered(&res.job.source);
            }
            // Acks go out once what they carried is durable: one flush per
            // burst of results, not per page.
            if rx.is_empty() || to_ack.len() >= 64 {
                ack_all(&store, &mut to_ack).await?;
            }
        };
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&pass);
        // Parts of pages not whole when the pass ended: not stored.
        to_ack.extend(page_parts.drain());
        store.flush()?;
        for m in to_ack.drain(..) {
            let _ = m.ack().await;
        }
        // An ack is a publish the client only queues: without a flush, the
        // last burst's acks die with a process that exits after its pass
        // (`earshot crawl --fleet`), and their results stay in
        // EARSHOT_RESULTS until an ack_wait later.
        if let Err(e) = self.js.client().flush().await {
            tracing::warn!(
                "fleet: sending the last acks: {e} (their results come back as duplicates)"
            );
        }
        result?;
        summary.interrupted = stop.is_cancelled();
        // The crawl state is bounded as after a pass on one machine.
        passes.end(config, &store, &mut summary)?;
        store.flush()?;
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(summary)
    }

    /// Counts an answered job for `/metrics`.
    fn count(&self, res: &ResultMessage) {
        self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
        {
            let mut w = self.stats.workers.lock().unwrap_or_else(|p| p.into_inner());
            let e = w.entry(res.worker.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(res.delivered > 1);
        }
        if let Some(scorer) = &res.scored_by {
            let mut s = self.stats.scorers.lock().unwrap_or_else(|p| p.into_inner());
            *s.entry(scorer.clone()).or_default() += 1;
        }
    }

    async fn publish(&self, pass: &str, id: &str, job: PageJob) -> Result<(), PipelineError> {
        let url = Url::parse(&job.url)
            .map_err(|e| PipelineError::Url(job.source.clone(), e.to_string()))?;
        let subject = format!(
            "{FETCH_SUBJECT}.{}",
            shard_of(&url, self.cfg.shards, self.cfg.shard_by)
        );
        let msg = JobMessage {
            protocol: PROTOCOL,
            model: self.model.clone(),
            id: id.to_string(),
            pass: pass.to_string(),
            job,
        };
        let payload = serde_json::to_vec(&msg).map_err(|e| PipelineError::Writer(e.to_string()))?;
        // NATS away (a restart): retry for two minutes, then fail the pass.
        let (mut wait, started) = (
            std::time::Duration::from_millis(200),
            std::time::Instant::now(),
        );
        loop {
            match nats::publish(&self.js, subject.clone(), id, payload.clone(), None).await {
                Ok(()) => return Ok(()),
                Err(e) if started.elapsed() > std::time::Duration::from_secs(120) => {
                    return Err(PipelineError::Writer(format!(
                        "publishing a fetch job: {e}"
                    )))
                }
                Err(e) => {
                    tracing::warn!("fleet: publishing a fetch job: {e}; retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
    }
}

/// Flushes the store, then acknowledges the messages whose results it
/// now holds.
async fn ack_all(store: &Store, to_ack: &mut Vec<jetstream::Message>) -> Result<(), PipelineError> {
    store.flush()?;
    for m in to_ack.drain(..) {
        let _ = m.ack().await;
    }
    Ok(())
}

/// Hands one result to the pass that asked for it; a piece of a result
/// waits in `pieces` for the others (`wire.rs`), and the whole goes on
/// with every piece's message.
async fn route(
    routes: &Routes,
    pieces: &mut wire::Pieces<jetstream::Message>,
    model: &str,
    msg: jetstream::Message,
) {
    let live = |pass: &str| {
        routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(pass)
    };
    let (payload, msgs) = match nats::piece_of(&msg) {
        None => (msg.payload.to_vec(), vec![msg]),
        Some(Err(e)) => {
            tracing::error!("fleet: a result {e}; dropped");
            let _ = msg.ack_with(jetstream::AckKind::Term).await;
            return;
        }
        Some(Ok(head)) => {
            // Pieces of an earlier pass's results (or of a pass that
            // ended) are not stored: acked and left.
            for m in pieces.drop_dead(live) {
                let _ = m.ack().await;
            }
            if !live(&head.pass) {
                let _ = msg.ack().await;
                return;
            }
            let data = msg.payload.clone();
            match pieces.take(head, &data, msg) {
                Ok(None) => return,
                Ok(Some(whole)) => whole,
                Err((e, msg)) => {
                    tracing::error!("fleet: a result {e}; dropped");
                    let _ = msg.ack_with(jetstream::AckKind::Term).await;
                    return;
                }
            }
        }
    };
    let parsed = super::check_versions(&payload, Some(model))
        .map_err(|e| e.to_string())
        .and_then(|()| {
            serde_json::from_slice::<ResultMessage>(&payload)
                .map_err(|e| format!("that does not parse ({e})"))
        });
    let res = match parsed {
        Ok(r) => r,
        Err(why) => {
            tracing::error!("fleet: a result {why}; dropped");
            for m in msgs {
                let _ = m.ack_with(jetstream::AckKind::Term).await;
            }
            return;
        }
    };
    let tx = routes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&res.pass)
        .cloned();
    match tx {
        Some(tx) => {
            if let Err(mpsc::error::SendError((_, msgs))) = tx.send((res, msgs)).await {
                for m in msgs {
                    let _ = m.ack().await;
                }
            }
        }
        None => {
            tracing::debug!(url = %res.job.url, "fleet: a result of an earlier pass; its URL is asked again");
            for m in msgs {
                let _ = m.ack().await;
            }
        }
    }
}

impl RemotePass for Coordinator {
    fn pass<'a>(
        &'a self,
        config: &'a CrawlSetup,
        store: Arc<Store>,
        only: Option<&'a str>,
        stop: CancellationToken,
        progress: Progress,
    ) -> PassFuture<'a> {
        Box::pin(self.run(config, store, only, stop, progress))
    }

    fn metrics(&self) -> Vec<(String, &'static str, &'static str, f64)> {
        let st = &self.stats;
        let mut out = vec![
            (
                "earshot_fleet_jobs_in_flight".to_string(),
                "gauge",
                "Fetch jobs published and not yet answered by a worker.",
                st.in_flight.load(Ordering::Relaxed).max(0) as f64,
            ),
            (
                "earshot_fleet_fetch_queue_jobs".to_string(),
                "gauge",
                "Jobs in the EARSHOT_FETCH stream (waiting or in flight).",
                st.fetch_queue.load(Ordering::Relaxed) as f64,
            ),
            (
                "earshot_fleet_result_queue_pages".to_string(),
                "gauge",
                "Results waiting in EARSHOT_RESULTS for the coordinator's store (a queue that grows means the store is the bound).",
                st.result_queue.load(Ordering::Relaxed) as f64,
            ),
            (
                "earshot_fleet_score_queue_pages".to_string(),
                "gauge",
                "Pages in EARSHOT_SCORE: read by --no-score workers, waiting for a --score-only worker (a queue that grows means scoring is the bound).",
                st.score_queue.load(Ordering::Relaxed) as f64,
            ),
            (
                "earshot_fleet_duplicate_results_total".to_string(),
                "counter",
                "Second results of one job, dropped.",
                st.duplicates.load(Ordering::Relaxed) as f64,
            ),
        ];
        let workers = st.workers.lock().unwrap_or_else(|p| p.into_inner());
        for (w, (n, redone)) in workers.iter() {
            let w = w.replace(['\\', '"'], "_");
            out.push((
                format!("earshot_fleet_results_total{{worker=\"{w}\"}}"),
                "counter",
                "Pages each worker returned and the coordinator stored.",
                *n as f64,
            ));
            out.push((
                format!("earshot_fleet_redelivered_total{{worker=\"{w}\"}}"),
                "counter",
                "Of those, jobs the worker got after another worker died or went silent.",
                *redone as f64,
            ));
        }
        drop(workers);
        let scorers = st.scorers.lock().unwrap_or_else(|p| p.into_inner());
        for (w, n) in scorers.iter() {
            let w = w.replace(['\\', '"'], "_");
            out.push((
                format!("earshot_fleet_scored_pages_total{{scorer=\"{w}\"}}"),
                "counter",
                "Pages each score-only worker scored that the coordinator stored.",
                *n as f64,
            ));
        }
        out
    }
}
