//! `/api/cli/`: the store's records as the library returns them, for the
//! `earshot` commands run on this machine while this process holds the
//! store (they find it through the endpoint file, `endpoint.rs`). Each
//! route answers what the command would have read from the store itself,
//! so its output is the same with or without a running daemon.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use earshot::alert::timeline::Bucket;
use earshot::store::{Label, MentionQuery, Silence};

use super::api::{admin_only, blocking, error, internal};
use super::{Identity, Shared};

/// Query of `/api/cli/mentions`: [`MentionQuery`] with absolute times.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct MentionsQuery {
    /// Only this watch.
    pub watch: Option<String>,
    /// Bucket time at or after.
    pub since: Option<DateTime<Utc>>,
    /// Bucket time before.
    pub until: Option<DateTime<Utc>>,
    /// Only this sentiment.
    pub sentiment: Option<Label>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// Query of `/api/cli/timeline`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimelineQuery {
    /// The watch.
    pub watch: String,
    /// Bucket length.
    pub bucket: Bucket,
    /// Start.
    pub since: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
}

/// Body of `POST /api/cli/alerts/check`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRequest {
    /// Evaluate as if it were this time.
    pub now: DateTime<Utc>,
    /// Overrides `alert.max_age`, in seconds.
    pub max_age_s: Option<u64>,
    /// Keep retrying failed deliveries this long, in seconds.
    pub wait_s: u64,
}

fn json_or<T: Serialize>(r: Result<T, Response>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

pub(super) async fn stats(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    json_or(blocking(move || store.stats().map_err(internal)).await)
}

/// Names of the watches the store holds counts for.
pub(super) async fn watch_names(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    json_or(
        blocking(move || {
            let mut names: Vec<String> = store
                .counters()
                .map_err(internal)?
                .into_keys()
                .map(|(_, w, _)| w)
                .collect();
            names.sort();
            names.dedup();
            Ok(names)
        })
        .await,
    )
}

pub(super) async fn mentions(
    State(state): State<Shared>,
    Query(q): Query<MentionsQuery>,
) -> Response {
    let store = state.store.clone();
    json_or(
        blocking(move || {
            let q = MentionQuery {
                watch: q.watch,
                since: q.since,
                until: q.until,
                sentiment: q.sentiment,
                limit: q.limit,
            };
            store.mentions(&q).map_err(internal)
        })
        .await,
    )
}

pub(super) async fn alerts(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    json_or(blocking(move || store.alerts().map_err(internal)).await)
}

pub(super) async fn timeline(
    State(state): State<Shared>,
    Query(q): Query<TimelineQuery>,
) -> Response {
    let store = state.store.clone();
    json_or(
        blocking(move || {
            earshot::alert::timeline::timeline(&store, &q.watch, q.bucket, q.since, q.until)
                .map_err(internal)
        })
        .await,
    )
}

pub(super) async fn silences(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    json_or(blocking(move || store.silences().map_err(internal)).await)
}

pub(super) async fn add_silence(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Json(s): Json<Silence>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    let store = state.store.clone();
    json_or(
        blocking(move || {
            store.put_silence(&s).map_err(internal)?;
            store.flush().map_err(internal)?;
            tracing::info!(silence = s.id, by = %who.name, "silence added");
            Ok(s)
        })
        .await,
    )
}

pub(super) async fn remove_silence(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    let Ok(id) = u64::from_str_radix(&id, 16) else {
        return error(StatusCode::BAD_REQUEST, "silence ids are 16 hex digits");
    };
    let store = state.store.clone();
    json_or(
        blocking(move || {
            let removed = store.remove_silence(id).map_err(internal)?;
            store.flush().map_err(internal)?;
            Ok(json!({ "removed": removed }))
        })
        .await,
    )
}

/// What `earshot store backup` asks for.
#[derive(Debug, Serialize, Deserialize)]
pub struct BackupRequest {
    /// Absolute path of the new backup directory.
    pub path: std::path::PathBuf,
}

/// `earshot store backup` while this process holds the store: the copy is
/// taken here, under the store's write lock, into a directory on this
/// machine (admin only: the process writes where it is told).
pub(super) async fn backup(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Json(b): Json<BackupRequest>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    if !b.path.is_absolute() {
        return error(StatusCode::BAD_REQUEST, "the backup path must be absolute");
    }
    let store = state.store.clone();
    json_or(
        blocking(move || match store.backup_to(&b.path) {
            Ok(m) => {
                tracing::info!(path = %b.path.display(), keys = m.keys, by = %who.name, "store backed up");
                Ok(m)
            }
            Err(e @ earshot::store::backup::BackupError::Target { .. }) => {
                Err(error(StatusCode::BAD_REQUEST, &e.to_string()))
            }
            Err(e) => Err(internal(e)),
        })
        .await,
    )
}

/// `earshot alerts check` in this process: evaluates the detectors with
/// this process's config, then delivers the outbox.
pub(super) async fn check(
    State(state): State<Shared>,
    Extension(who): Extension<Identity>,
    Json(c): Json<CheckRequest>,
) -> Response {
    if let Err(r) = admin_only(&who) {
        return r;
    }
    let mut config = state.config.clone();
    if let Some(s) = c.max_age_s {
        config.alert.max_age = std::time::Duration::from_secs(s);
    }
    let store = state.store.clone();
    let evals = {
        let config = config.clone();
        blocking(move || {
            earshot::alert::evaluate(
                &store,
                &config.alert,
                &config.watches,
                &config.channels,
                c.now,
            )
            .map_err(internal)
        })
        .await
    };
    let evals = match evals {
        Ok(e) => e,
        Err(r) => return r,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(c.wait_s);
    let report = earshot::alert::channel::drain_until(
        &state.store,
        &config.channels,
        config.alert.retry_base,
        config.alert.retry_max,
        earshot::alert::channel::Until::EmptyOr(deadline),
        &state.shutdown,
    )
    .await;
    match report {
        Ok(r) => Json(json!({"watches": evals, "delivery": r})).into_response(),
        Err(e) => internal(e),
    }
}
