//! Connecting to NATS and declaring what the fleet uses there: the two
//! streams, one durable consumer per shard, the results consumer and the
//! politeness bucket. Declaring is idempotent: the coordinator and every
//! worker do it on start, whichever comes first.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, kv, stream};

use super::wire::{self, PieceHead};
use super::{
    FleetConfig, FleetError, ResultMessage, FETCH_STREAM, FETCH_SUBJECT, HOSTS_BUCKET,
    RESULT_STREAM, RESULT_SUBJECT, SCORE_STREAM, SCORE_SUBJECT,
};

/// The header of a piece of a result (`wire.rs`): `i/n pass id`.
pub(super) const PIECE_HEADER: &str = "Earshot-Piece";

/// A JetStream context on a connection made with `[fleet]`'s credentials.
pub(super) async fn connect(
    cfg: &FleetConfig,
    url: &str,
) -> Result<jetstream::Context, FleetError> {
    let expand = |v: &str| crate::util::expand_env(v).map_err(FleetError::Config);
    let url = expand(url)?;
    let failed = |message: String| FleetError::Connect {
        url: url.clone(),
        message,
    };
    let tls = |message: String| FleetError::Tls {
        url: url.clone(),
        message,
    };
    let mut opts = async_nats::ConnectOptions::new()
        .name(format!("earshot {}", std::process::id()))
        .connection_timeout(Duration::from_secs(5))
        .require_tls(cfg.tls);
    if let Some(creds) = &cfg.creds {
        let path = expand(creds)?;
        opts = opts
            .credentials_file(&path)
            .await
            .map_err(|e| FleetError::Config(format!("creds `{path}`: {e}")))?;
    }
    // Who we are to the server, for the message when it refuses us.
    let mut user = "without credentials".to_string();
    if let Some(creds) = &cfg.creds {
        user = format!("with the credentials file `{}`", expand(creds)?);
    }
    if let Some(seed) = &cfg.nkey {
        let seed = expand(seed)?;
        let pair = nkeys::KeyPair::from_seed(seed.trim()).map_err(|e| {
            FleetError::Config(format!(
                "nkey is not an nkey seed ({e}); a user seed is 58 characters starting with `SU` (`nk -gen user`, or the seed printed by `nsc`), set in [fleet] nkey or the variable it names"
            ))
        })?;
        user = format!("as nkey user {}", pair.public_key());
        opts = opts.nkey(seed.trim().to_string());
    }
    if let Some(ca) = &cfg.ca {
        opts = opts.add_root_certificates(expand(ca)?.into());
    }
    let client = opts.connect(url.as_str()).await.map_err(|e| {
        use async_nats::ConnectErrorKind as K;
        match e.kind() {
            K::AuthorizationViolation | K::Authentication => FleetError::Auth {
                url: url.clone(),
                user: user.clone(),
                message: e.to_string(),
            },
            // A certificate rustls refused comes back as an I/O error.
            K::Tls => tls(e.to_string()),
            K::Io if is_certificate(&e) => tls(e.to_string()),
            _ => failed(e.to_string()),
        }
    })?;
    Ok(jetstream::new(client))
}

/// Whether a connect error is rustls refusing the server's certificate.
fn is_certificate(e: &async_nats::ConnectError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if text.contains("certificate") || text.contains("UnknownIssuer") {
            return true;
        }
        source = err.source();
    }
    false
}

fn js(what: &str, e: impl std::fmt::Display) -> FleetError {
    FleetError::JetStream(format!("{what}: {e}"))
}

/// The streams and the bucket (created when missing).
pub(super) async fn declare(
    js_ctx: &jetstream::Context,
    cfg: &FleetConfig,
) -> Result<kv::Store, FleetError> {
    // Fetch jobs: no size limit (the coordinator only queues what its
    // schedule holds); results and score work: back-pressure, a fleet faster
    // than the coordinator's writes (or its scorers) is stopped here:
    // publishes fail and workers retry.
    let queues = [
        (FETCH_STREAM, format!("{FETCH_SUBJECT}.*"), 120, None),
        (
            RESULT_STREAM,
            RESULT_SUBJECT.to_string(),
            600,
            Some(100_000),
        ),
        (SCORE_STREAM, SCORE_SUBJECT.to_string(), 600, Some(100_000)),
    ];
    for (name, subject, dedup_s, max_messages) in queues {
        let mut config = stream::Config {
            name: name.into(),
            subjects: vec![subject],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            num_replicas: cfg.replicas,
            duplicate_window: Duration::from_secs(dedup_s),
            ..Default::default()
        };
        if let Some(max) = max_messages {
            config.max_messages = max;
            config.discard = stream::DiscardPolicy::New;
        }
        js_ctx
            .get_or_create_stream(config)
            .await
            .map_err(|e| js(&format!("creating the stream {name}"), e))?;
    }
    // The bucket's stream as async-nats's `create_key_value` makes it,
    // declared directly: that call first asks for the account's info, whose
    // answer from a 2.9 server (Debian's) this client does not parse.
    js_ctx
        .get_or_create_stream(stream::Config {
            name: format!("KV_{HOSTS_BUCKET}"),
            subjects: vec![format!("$KV.{HOSTS_BUCKET}.>")],
            max_messages_per_subject: 1,
            storage: stream::StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            num_replicas: cfg.replicas,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| js("creating the bucket earshot_hosts", e))?;
    js_ctx
        .get_key_value(HOSTS_BUCKET)
        .await
        .map_err(|e| js("opening the bucket earshot_hosts", e))
}

/// The durable consumer of one shard's jobs: one job in flight at a time.
pub(super) async fn shard_consumer(
    js_ctx: &jetstream::Context,
    cfg: &FleetConfig,
    shard: u32,
) -> Result<consumer::PullConsumer, FleetError> {
    let stream = js_ctx
        .get_stream(FETCH_STREAM)
        .await
        .map_err(|e| js("reading the stream EARSHOT_FETCH", e))?;
    let name = format!("fetch-{shard}");
    stream
        .get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: format!("{FETCH_SUBJECT}.{shard}"),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_ack_pending: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| js("creating a shard consumer", e))
}

/// The coordinator's durable consumer of results.
pub(super) async fn results_consumer(
    js_ctx: &jetstream::Context,
) -> Result<consumer::PullConsumer, FleetError> {
    let stream = js_ctx
        .get_stream(RESULT_STREAM)
        .await
        .map_err(|e| js("reading the stream EARSHOT_RESULTS", e))?;
    stream
        .get_or_create_consumer(
            "coordinator",
            consumer::pull::Config {
                durable_name: Some("coordinator".into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(60),
                max_ack_pending: 1_000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| js("creating the consumer coordinator", e))
}

/// The durable consumer every score-only worker pulls from: pages go to
/// whichever asks first, up to `max_ack_pending` unscored at once.
pub(super) async fn score_consumer(
    js_ctx: &jetstream::Context,
    cfg: &FleetConfig,
) -> Result<consumer::PullConsumer, FleetError> {
    let stream = js_ctx
        .get_stream(SCORE_STREAM)
        .await
        .map_err(|e| js("reading the stream EARSHOT_SCORE", e))?;
    stream
        .get_or_create_consumer(
            "score",
            consumer::pull::Config {
                durable_name: Some("score".into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_ack_pending: 1_000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| js("creating the consumer score", e))
}

/// Publishes `payload` on `subject` with message id `id` (and the header
/// of a piece of a result, `wire.rs`) and waits for the stream's
/// acknowledgement (a second publish with the same id within the
/// duplicate window is dropped by the stream).
pub(super) async fn publish(
    js_ctx: &jetstream::Context,
    subject: String,
    id: &str,
    payload: Vec<u8>,
    piece: Option<String>,
) -> Result<(), FleetError> {
    let mut msg = jetstream::message::PublishMessage::build()
        .payload(payload.into())
        .message_id(id);
    if let Some(head) = piece {
        msg = msg.header(PIECE_HEADER, head.as_str());
    }
    js_ctx
        .send_publish(subject, msg)
        .await
        .map_err(|e| js("publishing", e))?
        .await
        .map_err(|e| js("waiting for the stream's acknowledgement", e))?;
    Ok(())
}

/// Publishes a result on `subject`, whole or in pieces (`wire.rs`),
/// retrying while NATS is away and telling JetStream meanwhile that the
/// messages it answers (`answering`) are still being worked on.
pub(super) async fn publish_result(
    js_ctx: &jetstream::Context,
    subject: &str,
    res: &ResultMessage,
    answering: &[jetstream::Message],
) -> Result<(), FleetError> {
    for out in wire::encode(res)? {
        let mut wait = Duration::from_millis(200);
        let head = out.piece.as_ref().map(PieceHead::header);
        // A redone job's second result (or piece) is dropped by the stream:
        // same message id.
        while let Err(e) = publish(
            js_ctx,
            subject.to_string(),
            &out.id,
            out.payload.clone(),
            head.clone(),
        )
        .await
        {
            tracing::warn!("fleet: publishing a result: {e}; retrying in {wait:?}");
            for m in answering {
                let _ = m.ack_with(jetstream::AckKind::Progress).await;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
    }
    Ok(())
}

/// The piece header of a received message: none for a whole result.
pub(super) fn piece_of(msg: &jetstream::Message) -> Option<Result<PieceHead, FleetError>> {
    let v = msg.headers.as_ref()?.get(PIECE_HEADER)?;
    Some(PieceHead::parse(v.as_str()))
}
