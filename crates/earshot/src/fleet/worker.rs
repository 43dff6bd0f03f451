//! `earshot worker`: a stateless fleet worker. One task per shard pulls
//! that shard's next job (JetStream gives each shard's jobs one at a time
//! across the fleet), waits for the host's next allowed time from the
//! politeness bucket, fetches and reads the page ([`PageWorker`]), writes
//! the host's next allowed time back, publishes the result (a long
//! sitemap's in parts, a large page's in self-contained parts:
//! `parts.rs`; a single post over one message in pieces: `wire.rs`) and
//! only then acknowledges the job. A worker killed mid-job never acks: after
//! `ack_wait` JetStream gives the job to another worker. A worker that
//! does not score (`--no-score`) sends a page with mentions to
//! `EARSHOT_SCORE` for a score-only worker instead (`scorer.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, kv, AckKind};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{
    check_versions, host_key, nats, FleetConfig, FleetError, JobMessage, ResultMessage,
    PAGE_PART_BYTES, PROTOCOL, RESULT_SUBJECT, SCORE_SUBJECT, SITEMAP_PART_BYTES,
};
use crate::crawl::remote::{PageOutcome, PageWorker};

/// What a worker is started with.
pub struct WorkerOptions {
    /// `[fleet]`, with the URL to use.
    pub fleet: FleetConfig,
    pub url: String,
    /// This worker's model version (see [`super::model_version`]).
    pub model: String,
    /// Whether it scores the mentions it finds. When not (`--no-score`),
    /// its `PageWorker` has no scorer, it takes jobs of any model, and
    /// pages with mentions wait in `EARSHOT_SCORE` for a score-only worker
    /// (unless the coordinator does not score: model `none`).
    pub score: bool,
    /// The name results carry (host and process id).
    pub name: String,
}

/// What a worker did before it stopped.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct WorkerSummary {
    /// Jobs done (results published and jobs acknowledged).
    pub jobs: u64,
    /// Of which the page failed.
    pub failed: u64,
    /// Pages handed to score-only workers.
    pub to_score: u64,
}

struct Shared {
    js: jetstream::Context,
    hosts: kv::Store,
    worker: PageWorker,
    opts: WorkerOptions,
    jobs: AtomicU64,
    failed: AtomicU64,
    to_score: AtomicU64,
}

/// Works jobs until `stop` is cancelled, or until a job from another
/// protocol or model version arrives (an error: the worker must be
/// upgraded or given the coordinator's model).
pub async fn run_worker(
    opts: WorkerOptions,
    worker: PageWorker,
    stop: CancellationToken,
) -> Result<WorkerSummary, FleetError> {
    let js = nats::connect(&opts.fleet, &opts.url).await?;
    let hosts = nats::declare(&js, &opts.fleet).await?;
    let mut consumers = Vec::new();
    for shard in 0..opts.fleet.shards {
        consumers.push(nats::shard_consumer(&js, &opts.fleet, shard).await?);
    }
    tracing::info!(
        worker = %opts.name,
        shards = opts.fleet.shards,
        model = %opts.model,
        scores = opts.score,
        "fleet worker ready at {}",
        opts.url
    );
    let shared = Arc::new(Shared {
        js,
        hosts,
        worker,
        opts,
        jobs: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        to_score: AtomicU64::new(0),
    });
    let inner = stop.child_token();
    let mut tasks = tokio::task::JoinSet::new();
    for consumer in consumers {
        let (shared, stop) = (shared.clone(), inner.clone());
        tasks.spawn(async move { shard_loop(&shared, consumer, &stop).await });
    }
    let mut first_error = None;
    while let Some(done) = tasks.join_next().await {
        let err = match done {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(e) => FleetError::JetStream(format!("a shard task failed: {e}")),
        };
        // One refusal stops every shard: the worker must not go on.
        inner.cancel();
        first_error.get_or_insert(err);
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(WorkerSummary {
        jobs: shared.jobs.load(Ordering::Relaxed),
        failed: shared.failed.load(Ordering::Relaxed),
        to_score: shared.to_score.load(Ordering::Relaxed),
    })
}

async fn shard_loop(
    shared: &Shared,
    consumer: jetstream::consumer::PullConsumer,
    stop: &CancellationToken,
) -> Result<(), FleetError> {
    while !stop.is_cancelled() {
        let batch = consumer
            .batch()
            .max_messages(1)
            .expires(Duration::from_secs(10))
            .messages();
        let mut batch = tokio::select! {
            () = stop.cancelled() => return Ok(()),
            b = batch => match b {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!("fleet: pulling a job: {e}; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        loop {
            let next = tokio::select! {
                () = stop.cancelled() => return Ok(()),
                n = batch.next() => n,
            };
            match next {
                None => break,
                Some(Ok(msg)) => handle(shared, msg).await?,
                Some(Err(e)) => {
                    tracing::debug!("fleet: pull ended: {e}");
                    break;
                }
            }
        }
    }
    Ok(())
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

async fn handle(shared: &Shared, msg: jetstream::Message) -> Result<(), FleetError> {
    let opts = &shared.opts;
    let model = opts.score.then_some(opts.model.as_str());
    if let Err(e) = check_versions(&msg.payload, model) {
        // Back to the queue for a worker of the right version.
        let _ = msg
            .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
            .await;
        tracing::error!(worker = %opts.name, "{e}");
        return Err(e);
    }
    let job: JobMessage = match serde_json::from_slice(&msg.payload) {
        Ok(j) => j,
        Err(e) => {
            tracing::error!("fleet: a job that does not parse ({e}); dropped");
            let _ = msg.ack_with(AckKind::Term).await;
            return Ok(());
        }
    };
    let outcome = match shared.worker.request(&job.job) {
        Err(e) => PageOutcome::Failed(e),
        Ok(req) => {
            let key = host_key(&req.url);
            // Another machine's last request to this host, and its wait.
            if let Ok(Some(v)) = shared.hosts.get(&key).await {
                if let Some(ms) = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    shared
                        .worker
                        .fetcher()
                        .hold_until(&req, UNIX_EPOCH + Duration::from_millis(ms));
                }
            }
            let work = shared.worker.work(&job.job);
            tokio::pin!(work);
            // Tell JetStream the job is alive while politeness waits run.
            let mut beat =
                tokio::time::interval((opts.fleet.ack_wait / 3).max(Duration::from_millis(200)));
            beat.tick().await;
            let outcome = loop {
                tokio::select! {
                    o = &mut work => break o,
                    _ = beat.tick() => { let _ = msg.ack_with(AckKind::Progress).await; }
                }
            };
            let next = unix_ms(shared.worker.fetcher().next_allowed(&req));
            if let Err(e) = shared
                .hosts
                .put(&key, next.to_string().into_bytes().into())
                .await
            {
                tracing::warn!(host = %key, "fleet: recording the host's next allowed time: {e}");
            }
            outcome
        }
    };
    if matches!(outcome, PageOutcome::Failed(_)) {
        shared.failed.fetch_add(1, Ordering::Relaxed);
    }
    // A long sitemap's entries, and a large page's posts and links, go in
    // several messages: a page's parts each stand alone (`parts.rs`).
    let outcomes: Vec<PageOutcome> = match outcome {
        PageOutcome::Sitemap(found) => found
            .split(SITEMAP_PART_BYTES)
            .into_iter()
            .map(|f| PageOutcome::Sitemap(Box::new(f)))
            .collect(),
        PageOutcome::Page(page) => page
            .split(PAGE_PART_BYTES)
            .into_iter()
            .map(|p| PageOutcome::Page(Box::new(p)))
            .collect(),
        o => vec![o],
    };
    let to_score = |o: &PageOutcome| matches!(o, PageOutcome::Page(p) if !opts.score && job.model != "none" && !p.mentions.is_empty());
    if outcomes.iter().any(to_score) {
        shared.to_score.fetch_add(1, Ordering::Relaxed);
    }
    let parts = outcomes.len() as u32;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        // Unscored mentions go to a score-only worker; the rest (a part of
        // a page with none among them) straight back.
        let subject = if to_score(&outcome) {
            SCORE_SUBJECT
        } else {
            RESULT_SUBJECT
        };
        let result = ResultMessage {
            protocol: PROTOCOL,
            // The job's model: checked here when this worker scored, else by
            // the score-only worker.
            model: job.model.clone(),
            id: job.id.clone(),
            pass: job.pass.clone(),
            worker: opts.name.clone(),
            delivered: msg.info().map(|i| i.delivered).unwrap_or(1),
            job: job.job.clone(),
            outcome,
            scored_by: None,
            part: (parts > 1).then_some((i as u32, parts)),
        };
        // The result first, then the ack: a crash between them redoes the
        // job, whose second result the stream drops (same message ids).
        nats::publish_result(&shared.js, subject, &result, std::slice::from_ref(&msg)).await?;
    }
    if let Err(e) = msg.double_ack().await {
        tracing::warn!(
            "fleet: acknowledging a job: {e} (it will be redone; its result is deduplicated)"
        );
    }
    shared.jobs.fetch_add(1, Ordering::Relaxed);
    Ok(())
}
