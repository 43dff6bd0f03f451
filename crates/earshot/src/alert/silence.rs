//! Silences: time ranges in which a watch's alerts (or every watch's) are
//! stored, marked silenced, but not notified; and one alert silenced from
//! the dashboard or the API, which stays silenced (stored, updated, never
//! notified: not on escalate, not on resolve) for the rest of its life.

use chrono::{DateTime, Utc};

use crate::store::{Alert, AlertEvent, AlertState, HistoryEntry, Silence, Store, StoreError};

/// Silences one alert for the rest of its life: [`super::evaluate`] keeps
/// updating it but queues no notification for it any more. The write goes
/// through the store's write lock; the history records who and when.
/// `None` when there is no such alert.
pub fn silence_alert(
    store: &Store,
    id: u64,
    now: DateTime<Utc>,
) -> Result<Option<Alert>, StoreError> {
    store.update_alert(id, |a| {
        if a.state == AlertState::Silenced {
            return;
        }
        a.state = AlertState::Silenced;
        a.updated_at = now;
        let severity = a.severity;
        if let Some(e) = a.evidence.as_mut() {
            e.history.push(HistoryEntry {
                at: now,
                event: AlertEvent::Silenced,
                severity,
            });
        }
    })
}

/// Why a silence cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    /// The range is empty or backwards.
    #[error("the silence ends ({until}) before it starts ({from})")]
    EndsBeforeStart {
        /// Start asked for.
        from: DateTime<Utc>,
        /// End asked for.
        until: DateTime<Utc>,
    },
    /// The watch is not one of the configured watches.
    #[error("no [[watch]] named `{0}` in the config")]
    NoSuchWatch(String),
}

/// A new silence with a random id, checked: it ends after it starts, and
/// `watch` is one of `watches` (the configured ones) or `None` for every
/// watch. Store it with [`crate::store::Store::put_silence`].
pub fn new_silence(
    watches: &[&str],
    watch: Option<String>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    reason: String,
    now: DateTime<Utc>,
) -> Result<Silence, SilenceError> {
    if until <= from {
        return Err(SilenceError::EndsBeforeStart { from, until });
    }
    if let Some(w) = &watch {
        if !watches.contains(&w.as_str()) {
            return Err(SilenceError::NoSuchWatch(w.clone()));
        }
    }
    Ok(Silence {
        id: rand::random::<u64>(),
        watch,
        from,
        until,
        reason,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_silence_must_end_after_it_starts_and_name_a_configured_watch() {
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
        let later = t + chrono::Duration::hours(3);
        let watches = ["云雀", "Lumio"];
        let s = new_silence(&watches, Some("云雀".into()), t, later, "launch".into(), t).unwrap();
        assert_eq!((s.from, s.until, s.reason.as_str()), (t, later, "launch"));
        assert!(new_silence(&watches, None, t, later, String::new(), t).is_ok());
        let e = new_silence(&watches, None, later, t, String::new(), t).unwrap_err();
        assert!(matches!(e, SilenceError::EndsBeforeStart { .. }), "{e}");
        assert!(new_silence(&watches, None, t, t, String::new(), t).is_err());
        let e = new_silence(&watches, Some("Nope".into()), t, later, String::new(), t).unwrap_err();
        assert_eq!(e.to_string(), "no [[watch]] named `Nope` in the config");
    }
}
