//! `earshot worker --score-only`: a worker that only scores, for a machine
//! with a GPU (`[sentiment] device = "cuda"`). Fetch workers started with
//! `--no-score` publish each page that has mentions, unscored, to
//! `EARSHOT_SCORE`; a score-only worker pulls up to `batch_pages` of them
//! at once from the one durable consumer `score` that all score-only
//! workers share, scores all their mentions in one call to the scorer,
//! publishes each page to `EARSHOT_RESULTS` under its job id and only then
//! acknowledges it. A large page comes in self-contained parts
//! (`parts.rs`), each scored here alone like a page and sent on under its
//! own id; only a single post too large for one message comes and goes in
//! byte pieces (`wire.rs`), kept here until whole. A score-only worker
//! killed mid-batch never acks: after
//! `ack_wait` JetStream gives the pages to another one, and a result
//! published twice is dropped by the stream (same message id) or by the
//! coordinator (job already answered).

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::PullConsumer, AckKind};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{check_versions, nats, wire, FleetConfig, FleetError, ResultMessage, RESULT_SUBJECT};
use crate::crawl::remote::PageOutcome;
use crate::sentiment::ScoreFn;

/// What a score-only worker is started with.
pub struct ScorerOptions {
    /// `[fleet]`, with the URL to use.
    pub fleet: FleetConfig,
    pub url: String,
    /// This worker's model version (see [`super::model_version`]); pages
    /// of another model are refused.
    pub model: String,
    /// The name results carry (host and process id).
    pub name: String,
    /// Pages scored together at most (their mentions in one scorer call).
    pub batch_pages: usize,
}

/// What a score-only worker did before it stopped.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ScorerSummary {
    /// Pages scored and sent on to the coordinator.
    pub pages: u64,
    /// Mentions scored.
    pub mentions: u64,
    /// Calls to the scorer.
    pub batches: u64,
    /// Seconds spent in the scorer.
    pub scoring_seconds: f64,
}

/// Scores pages until `stop` is cancelled, or until a page of another
/// protocol or model version arrives, or the scorer fails (errors: the
/// pages go back to the queue for another score-only worker).
pub async fn run_scorer(
    opts: ScorerOptions,
    scorer: ScoreFn,
    stop: CancellationToken,
) -> Result<ScorerSummary, FleetError> {
    let js = nats::connect(&opts.fleet, &opts.url).await?;
    nats::declare(&js, &opts.fleet).await?;
    let consumer = nats::score_consumer(&js, &opts.fleet).await?;
    tracing::info!(
        worker = %opts.name,
        model = %opts.model,
        batch_pages = opts.batch_pages,
        "fleet score-only worker ready at {}",
        opts.url
    );
    let mut summary = ScorerSummary::default();
    // Pieces of pages too large for one message, until each is whole.
    let mut pieces = wire::Pieces::default();
    while !stop.is_cancelled() {
        let msgs = tokio::select! {
            () = stop.cancelled() => break,
            m = next_batch(&consumer, opts.batch_pages.max(1)) => m,
        };
        if msgs.is_empty() {
            continue;
        }
        score_batch(&js, &opts, &scorer, msgs, &mut pieces, &mut summary).await?;
        // Pieces whose siblings went to another score-only worker: left
        // unacked, JetStream delivers them again until one has them all.
        let stale = pieces.drop_older(opts.fleet.ack_wait * 2);
        if !stale.is_empty() {
            tracing::debug!(
                pieces = stale.len(),
                "fleet: pieces of a page not whole after twice ack_wait, left for redelivery"
            );
        }
    }
    Ok(summary)
}

/// Waits (up to 10 s) for one page, then takes what else is waiting, up
/// to `max` in all.
async fn next_batch(consumer: &PullConsumer, max: usize) -> Vec<jetstream::Message> {
    let mut out = Vec::new();
    let first = consumer
        .batch()
        .max_messages(1)
        .expires(Duration::from_secs(10))
        .messages()
        .await;
    let mut first = match first {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("fleet: pulling pages to score: {e}; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            return out;
        }
    };
    while let Some(m) = first.next().await {
        match m {
            Ok(m) => out.push(m),
            Err(e) => {
                tracing::debug!("fleet: score pull ended: {e}");
                break;
            }
        }
    }
    if out.is_empty() || max == 1 {
        return out;
    }
    if let Ok(mut rest) = consumer.fetch().max_messages(max - 1).messages().await {
        while let Some(Ok(m)) = rest.next().await {
            out.push(m);
        }
    }
    out
}

/// Gives every page of a batch back to the queue at once.
async fn give_back(msgs: &[jetstream::Message]) {
    for m in msgs {
        let _ = m.ack_with(AckKind::Nak(Some(Duration::from_secs(2)))).await;
    }
}

async fn score_batch(
    js: &jetstream::Context,
    opts: &ScorerOptions,
    scorer: &ScoreFn,
    msgs: Vec<jetstream::Message>,
    pieces: &mut wire::Pieces<jetstream::Message>,
    summary: &mut ScorerSummary,
) -> Result<(), FleetError> {
    // Each page with the messages it came in (one, or its pieces).
    let mut pages: Vec<(Vec<jetstream::Message>, ResultMessage)> = Vec::new();
    let mut msgs = msgs.into_iter();
    while let Some(msg) = msgs.next() {
        let (payload, got) = match nats::piece_of(&msg) {
            None => (msg.payload.to_vec(), vec![msg]),
            Some(Ok(head)) => {
                let data = msg.payload.clone();
                match pieces.take(head, &data, msg) {
                    Ok(None) => continue,
                    Ok(Some(whole)) => whole,
                    Err((e, msg)) => {
                        tracing::error!("fleet: a page to score: {e}; dropped");
                        let _ = msg.ack_with(AckKind::Term).await;
                        continue;
                    }
                }
            }
            Some(Err(e)) => {
                tracing::error!("fleet: a page to score: {e}; dropped");
                let _ = msg.ack_with(AckKind::Term).await;
                continue;
            }
        };
        if let Err(e) = check_versions(&payload, Some(&opts.model)) {
            // Back to the queue for a worker of the right version.
            let rest: Vec<jetstream::Message> = got.into_iter().chain(msgs).collect();
            give_back(&rest).await;
            for (m, _) in &pages {
                give_back(m).await;
            }
            tracing::error!(worker = %opts.name, "{e}");
            return Err(e);
        }
        match serde_json::from_slice::<ResultMessage>(&payload) {
            Ok(r) => pages.push((got, r)),
            Err(e) => {
                tracing::error!("fleet: a page to score that does not parse ({e}); dropped");
                for m in got {
                    let _ = m.ack_with(AckKind::Term).await;
                }
            }
        }
    }
    let to_score: Vec<crate::store::Mention> = pages
        .iter()
        .filter_map(|(_, r)| match &r.outcome {
            PageOutcome::Page(p) => Some(p.mentions.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    let n = to_score.len();
    let started = Instant::now();
    let work = {
        let scorer = scorer.clone();
        tokio::task::spawn_blocking(move || crate::crawl::score_mentions(&scorer, &to_score))
    };
    tokio::pin!(work);
    // Keep the pages ours while the model works.
    let mut beat = tokio::time::interval((opts.fleet.ack_wait / 3).max(Duration::from_millis(200)));
    beat.tick().await;
    let scored = loop {
        tokio::select! {
            s = &mut work => break s,
            _ = beat.tick() => {
                for m in pages.iter().flat_map(|(m, _)| m) {
                    let _ = m.ack_with(AckKind::Progress).await;
                }
            }
        }
    };
    let scores = match scored {
        Ok(Ok(s)) if s.len() == n => s,
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("the scoring task failed: {e}"),
                Ok(Ok(s)) => format!("{} scores for {n} texts", s.len()),
            };
            for (m, _) in &pages {
                give_back(m).await;
            }
            return Err(FleetError::Score(why));
        }
    };
    summary.batches += 1;
    summary.mentions += n as u64;
    summary.scoring_seconds += started.elapsed().as_secs_f64();
    tracing::debug!(
        pages = pages.len(),
        mentions = n,
        ms = started.elapsed().as_millis() as u64,
        "fleet: scored a batch"
    );
    let mut scores = scores.into_iter();
    for (got, mut res) in pages {
        if let PageOutcome::Page(p) = &mut res.outcome {
            for m in p.mentions.iter_mut() {
                m.sentiment = scores.next();
            }
        }
        res.model = opts.model.clone();
        res.scored_by = Some(opts.name.clone());
        // The result first, then the ack: a crash between them scores the
        // page again, and the second result is dropped (same message ids).
        nats::publish_result(js, RESULT_SUBJECT, &res, &got).await?;
        for m in got {
            if let Err(e) = m.double_ack().await {
                tracing::warn!("fleet: acknowledging a scored page: {e} (it will be scored again; its result is deduplicated)");
            }
        }
        summary.pages += 1;
    }
    Ok(())
}
