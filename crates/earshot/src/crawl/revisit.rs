//! Revisit by activity: when a page already crawled is fetched again.
//!
//! A page that is new or whose body changed since its last fetch is due
//! again after the source's `revisit_min`; one found unchanged (a 304 or
//! the same body) waits twice as long as it waited last time, up to
//! `revisit`. The wait is kept in the page's crawl state as `next_due`
//! (the last wait is `next_due - last_fetch`), so it outlives the process.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::CrawlState;

/// The shortest and the longest wait of one source.
#[derive(Debug, Clone, Copy)]
pub(super) struct Revisit {
    pub min: Duration,
    pub max: Duration,
}

impl Revisit {
    /// When a page fetched at `fetched` is due again: soon when it is new
    /// or `changed`, else twice its last wait (bounded by `min` and `max`).
    pub fn next_due(
        self,
        previous: Option<&CrawlState>,
        changed: bool,
        fetched: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let min = self.min.min(self.max);
        let wait = match previous {
            Some(p) if !changed => {
                let last = match (p.last_fetch, p.next_due) {
                    (Some(f), Some(d)) => (d - f).to_std().unwrap_or(Duration::ZERO),
                    // Stored before revisit by activity: it waited `max`.
                    _ => self.max,
                };
                (last * 2).clamp(min, self.max)
            }
            _ => min,
        };
        fetched + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
    }

    /// Whether a page with crawl state `p` is not due yet at `now`.
    pub fn fresh(self, p: &CrawlState, now: DateTime<Utc>) -> bool {
        let Some(last) = p.last_fetch else {
            return false;
        };
        let longest = last + chrono::Duration::from_std(self.max).unwrap_or(chrono::Duration::MAX);
        let due = p.next_due.map_or(longest, |d| d.min(longest));
        now < due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn a_changed_page_comes_back_soon_and_an_unchanged_one_backs_off() {
        let r = Revisit {
            min: Duration::from_secs(20 * 60),
            max: Duration::from_secs(6 * 3600),
        };
        let first = r.next_due(None, true, at(0));
        assert_eq!(first, at(20), "a new page is due after revisit_min");
        let mut state = CrawlState {
            last_fetch: Some(at(0)),
            next_due: Some(first),
            status: 200,
            ..Default::default()
        };
        assert!(r.fresh(&state, at(19)));
        assert!(!r.fresh(&state, at(20)));
        let mut waits = Vec::new();
        let mut now = at(20);
        for _ in 0..6 {
            let due = r.next_due(Some(&state), false, now);
            waits.push((due - now).num_minutes());
            state.last_fetch = Some(now);
            state.next_due = Some(due);
            now = due;
        }
        assert_eq!(
            waits,
            [40, 80, 160, 320, 360, 360],
            "doubling up to revisit"
        );
        let due = r.next_due(Some(&state), true, now);
        assert_eq!((due - now).num_minutes(), 20, "a change resets the wait");
    }

    #[test]
    fn state_from_before_keeps_revisit_and_a_shorter_revisit_applies_at_once() {
        let r = Revisit {
            min: Duration::from_secs(600),
            max: Duration::from_secs(3600),
        };
        let old = CrawlState {
            last_fetch: Some(at(0)),
            status: 200,
            ..Default::default()
        };
        assert!(r.fresh(&old, at(59)));
        assert!(!r.fresh(&old, at(60)));
        assert_eq!(r.next_due(Some(&old), false, at(60)), at(120));
        let long = CrawlState {
            next_due: Some(at(600)),
            ..old
        };
        assert!(!r.fresh(&long, at(60)), "revisit bounds a stored wait");
    }
}
