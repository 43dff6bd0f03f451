//! Store format migrations. Each step rewrites the records whose layout
//! changed and writes the new `M/schema_version` in the same sled batch:
//! a crash leaves the store either at the old version, untouched (and the
//! next open migrates it again), or at the new one, complete.
//!
//! | from | to | what changed |
//! |---|---|---|
//! | 1 | 2 | [`Alert`]: `state`, `severity` and the evidence JSON text became [`AlertState`], [`Severity`] and [`Evidence`] |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    decode, encode, keys, Alert, AlertState, Evidence, Severity, Store, StoreError, SCHEMA_VERSION,
};

/// Brings a store written by an older earshot (format `from`) up to
/// [`SCHEMA_VERSION`], one step (one atomic batch) at a time, then makes it
/// durable.
pub(super) fn migrate(store: &Store, from: u32) -> Result<(), StoreError> {
    let mut version = from;
    while version < SCHEMA_VERSION {
        let mut batch = sled::Batch::default();
        let rewritten = match version {
            1 => alerts_v1_to_v2(store, &mut batch)?,
            // 0: no format 0 was ever written; nothing to rewrite.
            _ => 0,
        };
        version += 1;
        batch.insert(keys::meta("schema_version"), &version.to_be_bytes());
        store.tree.apply_batch(batch).map_err(|e| store.engine(e))?;
        tracing::info!(
            path = %store.path.display(),
            "store migrated to format {version} ({rewritten} records rewritten)"
        );
    }
    store.flush()
}

/// An alert record as format 1 stored it (postcard, fields in this order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct AlertV1 {
    pub id: u64,
    pub watch: String,
    /// `open`, `silenced` or `resolved`.
    pub state: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub summary: String,
    /// [`Evidence`] as JSON text.
    pub evidence_json: String,
}

/// Format 1 → 2: every alert record rewritten with typed state, severity
/// and evidence. A state or severity earshot never wrote is corruption (the
/// store is not opened, and stays at format 1); evidence text that is not
/// evidence JSON (earshot always wrote evidence, but `Store::put_alert`
/// took any text) becomes `None`, with a warning.
fn alerts_v1_to_v2(store: &Store, batch: &mut sled::Batch) -> Result<usize, StoreError> {
    let mut n = 0;
    for item in store.tree.scan_prefix([keys::ALERT]) {
        let (k, v) = item.map_err(|e| store.engine(e))?;
        let old: AlertV1 = decode(&k, &v)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            key: keys::hex(&k),
            reason,
        };
        let state: AlertState = old.state.parse().map_err(&corrupt)?;
        let severity: Severity = old.severity.parse().map_err(&corrupt)?;
        let evidence = match serde_json::from_str::<Evidence>(&old.evidence_json) {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!(
                    alert = old.id,
                    "alert evidence is not evidence JSON ({e}); the migrated alert has none"
                );
                None
            }
        };
        let new = Alert {
            id: old.id,
            watch: old.watch,
            state,
            severity,
            opened_at: old.opened_at,
            updated_at: old.updated_at,
            summary: old.summary,
            evidence,
        };
        batch.insert(&k, encode(&new));
        n += 1;
    }
    Ok(n)
}
