//! Silences that hold (issue #25): an alert silenced on the dashboard or
//! the API stays silenced through escalation and resolve, nothing is
//! queued for it, and repeated evaluation records its resolve once.

use chrono::{DateTime, Duration, TimeZone, Utc};
use earshot::alert::{AlertEvent, AlertState};
use earshot::store::{Label, Mention, Sentiment, Store};
use earshot_test_utils::synthetic_mention;

use crate::alert::config;

/// `n` mentions of 云雀 in the hour starting at `hour`, `neg` of them negative.
fn hour_of(first_id: u64, hour: DateTime<Utc>, n: u64, neg: u64) -> Vec<Mention> {
    (0..n)
        .map(|k| {
            let mut m = synthetic_mention(first_id + k, &["云雀"], hour);
            m.published_at = Some((hour + Duration::minutes(2 * k as i64 + 1)).fixed_offset());
            m.spam = None;
            m.cluster_id = None;
            let label = if k < neg {
                Label::Negative
            } else {
                Label::Positive
            };
            m.context = format!("云雀 X5 帖子 {} {label:?}", first_id + k);
            m.sentiment = Some(Sentiment {
                label,
                score: if k < neg { -0.9 } else { 0.8 },
                probs: [0.9, 0.05, 0.05],
                model: "test".into(),
            });
            m
        })
        .collect()
}

#[test]
fn a_silenced_alert_stays_silenced_through_escalate_and_resolve_and_resolves_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    // The plain threshold alone, so severity is by count: 6 negatives is
    // low, 20 is high (an escalation).
    let mut cfg = config(
        "[[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nsecret = \"s\"\n",
    );
    cfg.alert.detect.detectors = vec![earshot::alert::Detector::Threshold];
    let day = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
    let h = |n: i64| day + Duration::hours(n);
    let mut ms = Vec::new();
    for k in 0..9 {
        ms.extend(hour_of(100 * k as u64, h(k), 2, 0));
    }
    ms.extend(hour_of(5000, h(9), 7, 6));
    store.put_mentions(&ms, None).unwrap();
    let eval = |now: DateTime<Utc>| {
        earshot::alert::evaluate(&store, &cfg.alert, &cfg.watches, &cfg.channels, now).unwrap()
    };
    let ev = eval(h(10));
    assert_eq!(ev[0].queued, 1, "{ev:?}");
    let alerts = store.alerts().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].state, AlertState::Open);
    // The summary explains the decision.
    assert!(
        alerts[0]
            .summary
            .contains("plain count, at least 5 an hour"),
        "{}",
        alerts[0].summary
    );
    let id = alerts[0].id;
    let queued_before = store.outbox_all().unwrap().len();

    // Silenced as the dashboard and the API do it.
    let a = earshot::alert::silence::silence_alert(&store, id, h(10))
        .unwrap()
        .unwrap();
    assert_eq!(a.state, AlertState::Silenced);
    assert!(earshot::alert::silence::silence_alert(&store, 42, h(10))
        .unwrap()
        .is_none());

    // The storm grows: an escalation, stored, not notified.
    store
        .put_mentions(&hour_of(6000, h(10), 21, 20), None)
        .unwrap();
    let ev = eval(h(11));
    assert!(
        ev[0].events.iter().any(|e| e.starts_with("escalate")),
        "{ev:?}"
    );
    assert_eq!(ev[0].queued, 0, "{ev:?}");
    let a = store.get_alert(id).unwrap().unwrap();
    assert_eq!(a.state, AlertState::Silenced);
    assert_eq!(a.severity, earshot::alert::Severity::High);

    // Then it resolves: every pass after that changes nothing.
    for _ in 0..3 {
        let ev = eval(h(23));
        assert_eq!(ev[0].queued, 0, "{ev:?}");
    }
    let a = store.get_alert(id).unwrap().unwrap();
    assert_eq!(a.state, AlertState::Silenced);
    let history = &a.evidence.as_ref().unwrap().history;
    let count = |e: AlertEvent| history.iter().filter(|h| h.event == e).count();
    assert_eq!(count(AlertEvent::Resolve), 1, "{history:?}");
    assert_eq!(count(AlertEvent::Escalate), 1, "{history:?}");
    assert_eq!(count(AlertEvent::Silenced), 1, "{history:?}");
    assert_eq!(store.outbox_all().unwrap().len(), queued_before);
}
