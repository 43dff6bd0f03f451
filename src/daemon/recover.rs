//! Store errors in `earshot run`: only corruption (and a store that is not
//! this format) stops the daemon. A full disk pauses crawling until space
//! is freed; other errors pause it while the store is reopened with a
//! growing wait. The dashboard, `/health` (degraded, with the reason) and
//! the server stay up meanwhile; alert evaluation and delivery wait (a
//! delivery that cannot be marked done would be sent again and again).

use std::time::Duration;

use earshot::store::{ErrorClass, StoreError};
use tokio_util::sync::CancellationToken;

use super::Ops;

/// Free bytes on the store's filesystem from which a store paused by a
/// full disk is tried again (with less, every [`MAX_WAIT`]).
const ENOUGH_FREE: u64 = 1 << 20;
/// The longest wait between two tries.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Handles `e`, which a task met after `recoveries` recoveries
/// ([`Ops::store_recoveries`]): returns once the store takes writes again
/// (or `stop` is cancelled), or with the error when it is fatal. One task
/// recovers; the others wait for it and go on.
pub(super) async fn recover(
    ops: &Ops,
    e: StoreError,
    recoveries: u64,
    stop: &CancellationToken,
) -> Result<(), StoreError> {
    if e.class() == ErrorClass::Fatal {
        return Err(e);
    }
    let _one = tokio::select! {
        g = ops.recovering.lock() => g,
        () = stop.cancelled() => return Ok(()),
    };
    if ops.store_recoveries() != recoveries {
        return Ok(());
    }
    let path = ops.store().path().display().to_string();
    let mut class = e.class();
    let why = |class: ErrorClass, e: &StoreError| match class {
        ErrorClass::DiskFull => {
            format!("store: disk full at {path}, crawling paused; free space and it resumes")
        }
        _ => format!(
            "store: writes to {path} fail, crawling paused and retried: {}",
            e.to_string().lines().next().unwrap_or("")
        ),
    };
    let reason = why(class, &e);
    // Paused (and /health degraded) before the log says so.
    ops.set_store_paused(Some(reason.clone()));
    tracing::error!("{reason}");
    tracing::debug!("the store error: {e}");
    let mut wait = Duration::from_secs(1);
    let mut waited = Duration::ZERO;
    loop {
        let step = match class {
            // Checking the free space is cheap: every second.
            ErrorClass::DiskFull => Duration::from_secs(1),
            _ => wait,
        };
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(step) => {}
        }
        waited += step;
        if class == ErrorClass::DiskFull {
            let free = fs2::available_space(ops.store().path()).unwrap_or(0);
            // A tiny write may still fit on a full disk: without free
            // space, the store is tried again only every MAX_WAIT.
            if free < ENOUGH_FREE && waited < MAX_WAIT {
                continue;
            }
        }
        waited = Duration::ZERO;
        let store = ops.store().clone();
        let tried = tokio::task::spawn_blocking(move || store.reopen()).await;
        match tried {
            Ok(Ok(())) => {
                ops.store_recovered();
                tracing::info!("store: {path} takes writes again, crawling resumes");
                return Ok(());
            }
            Ok(Err(e)) if e.class() == ErrorClass::Fatal => return Err(e),
            Ok(Err(e)) => {
                if e.class() != class {
                    class = e.class();
                    let reason = why(class, &e);
                    ops.set_store_paused(Some(reason.clone()));
                    tracing::error!("{reason}");
                }
                tracing::debug!("the store is still not writable: {e}");
                wait = (wait * 2).min(MAX_WAIT);
            }
            Err(e) => {
                tracing::error!("reopening the store stopped: {e}");
                wait = (wait * 2).min(MAX_WAIT);
            }
        }
    }
}

/// Waits while crawling is paused (another task is recovering the store).
pub(super) async fn while_paused(ops: &Ops, stop: &CancellationToken) {
    while ops.store_paused().is_some() && !stop.is_cancelled() {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}
