//! Alerting (issue #7): negative word-of-mouth spikes on a watch's
//! timeline are detected ([`detect`]), stored as alerts with their evidence
//! and queued in the store's outbox in the same atomic batch, then
//! delivered to webhooks, Slack, DingTalk, Feishu/Lark, WeCom and email
//! ([`channel`]) with retries until they get through.
//!
//! [`evaluate`] is idempotent: alert ids and outbox keys are derived from
//! the watch, the detector, the spike's first bucket and the event, so
//! running it again (after a restart, or every pass of `earshot run`)
//! queues nothing twice.

pub mod channel;
mod config;
mod email;
pub mod escape;
pub mod message;
pub mod silence;
pub mod timeline;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

pub use crate::detect::{
    self, stats, Decision, Detector, DetectorConfig, Episode, Point, Severity, WatchAlertConfig,
};
pub use channel::{ChannelConfig, ChannelKind, Lang, Notice};
pub use config::{channel_problems, AlertConfig};
// Alerts are stored with their evidence: the types live in the store model.
pub use crate::store::{AlertEvent, AlertState, Evidence, EvidenceMention, HistoryEntry};

use crate::store::{Alert, Label, MentionQuery, Store, StoreError};

/// What [`evaluate`] did for one watch.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct WatchEval {
    /// Watch.
    pub watch: String,
    /// Mentions in the evaluated range.
    pub mentions: u64,
    /// Of those, scored.
    pub scored: u64,
    /// Spikes found in the range.
    pub spikes: usize,
    /// Events stored now (`open 3f2a…`, ...).
    pub events: Vec<String>,
    /// Notifications queued.
    pub queued: usize,
    /// Events stored without a notification because the spike changed
    /// longer than `alert.max_age` ago (`open 3f2a… (last change 30h
    /// ago, max_age 24h)`).
    #[serde(default)]
    pub held_back: Vec<String>,
    /// Why nothing could be found, when so.
    pub note: Option<String>,
}

/// Stable alert id of a spike.
pub fn alert_id(watch: &str, detector: Detector, start: DateTime<Utc>) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(watch.as_bytes());
    h.update(b"\0");
    h.update(detector.to_string().as_bytes());
    h.update(&start.timestamp().to_be_bytes());
    u64::from_be_bytes(h.finalize().as_bytes()[..8].try_into().unwrap_or([0; 8]))
}

/// The hourly series of a watch as the detectors see it: negative and
/// scored mentions, clusters once when `collapse`.
pub fn hourly_series(
    store: &Store,
    watch: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    collapse: bool,
) -> Result<(Vec<Point>, u64, u64), StoreError> {
    let rows = timeline::timeline(store, watch, timeline::Bucket::Hour, from, to)?;
    let (mut n, mut scored) = (0, 0);
    let pts = rows
        .iter()
        .map(|r| {
            n += r.mentions.total;
            scored += r.mentions.scored();
            let t = if collapse { &r.clusters } else { &r.mentions };
            Point {
                time: r.start,
                total: t.scored(),
                negative: t.negative,
            }
        })
        .collect();
    Ok((pts, n, scored))
}

/// Evaluates the detectors of every watch over the stored timeline up to
/// `now`, stores new and changed alerts with their evidence and queues
/// their notifications (one atomic batch per alert). Idempotent.
pub fn evaluate(
    store: &Store,
    a: &AlertConfig,
    watches: &[crate::watch::WatchConfig],
    channels: &[ChannelConfig],
    now: DateTime<Utc>,
) -> Result<Vec<WatchEval>, StoreError> {
    let mut out = Vec::new();
    let silences = store.silences()?;
    let mut stored: HashMap<u64, Alert> = store.alerts()?.into_iter().map(|x| (x.id, x)).collect();
    for w in watches {
        let cfg = w
            .alert
            .as_ref()
            .map(|x| x.apply(&a.detect))
            .unwrap_or_else(|| a.detect.clone());
        let to = timeline::Bucket::Hour.start(now) + Duration::hours(1);
        let from = to - Duration::weeks(cfg.weeks as i64 + 1);
        let (series, n, scored) = hourly_series(store, &w.name, from, to, a.collapse_clusters)?;
        let mut ev = WatchEval {
            watch: w.name.clone(),
            mentions: n,
            scored,
            ..Default::default()
        };
        if scored == 0 {
            ev.note = Some(if n == 0 {
                "no mentions in the range".into()
            } else {
                format!("none of the {n} mentions is scored for sentiment yet: spikes of negative mentions need the sentiment model")
            });
            out.push(ev);
            continue;
        }
        let max_age = Duration::from_std(a.max_age).unwrap_or(Duration::days(1));
        // An event happens when it is seen: at the end of its bucket, or
        // now while that bucket is still running (a live spike opens now,
        // not up to an hour ahead).
        let seen = |bucket: DateTime<Utc>| (bucket + Duration::hours(1)).min(now);
        let episodes = detect::run(&series, &cfg, Duration::hours(1), None);
        ev.spikes = episodes.len();
        for ep in episodes {
            let last_change = ep.resolved.unwrap_or(ep.end) + Duration::hours(1);
            let mut id = alert_id(&w.name, ep.detector, ep.start);
            if !stored.contains_key(&id) {
                // The same spike already alerted on (found by another
                // detector, or from another first hour, say by an earlier
                // release's cold start): it is that alert, not a new one.
                let hour = Duration::hours(1);
                if let Some(a) = stored.values().find(|a| {
                    a.watch == w.name
                        && a.evidence
                            .as_ref()
                            .is_some_and(|e| e.start <= ep.end + hour && ep.start <= e.end + hour)
                }) {
                    id = a.id;
                }
            }
            let prev = stored.get(&id).cloned();
            let prev_ev: Option<&Evidence> = prev.as_ref().and_then(|p| p.evidence.as_ref());
            let prev_sev = prev_ev.map(|e| {
                e.history
                    .iter()
                    .map(|h| h.severity)
                    .max()
                    .unwrap_or(Severity::Low)
            });
            // Resolved already (a silenced alert stays silenced, so its
            // state does not say it): the last event besides silencing.
            let resolved_before = prev_ev.is_some_and(|e| {
                e.history
                    .iter()
                    .rev()
                    .find(|h| h.event != AlertEvent::Silenced)
                    .is_some_and(|h| h.event == AlertEvent::Resolve)
            });
            let event = match (&prev, prev_sev) {
                (None, _) => Some(AlertEvent::Open),
                // A spike that is over does not grow (a stored one re-graded
                // by newer rules is not news).
                (Some(_), Some(s)) if ep.severity > s && ep.resolved.is_none() => {
                    Some(AlertEvent::Escalate)
                }
                (Some(p), _)
                    if p.state != AlertState::Resolved
                        && !resolved_before
                        && ep.resolved.is_some() =>
                {
                    Some(AlertEvent::Resolve)
                }
                _ => None,
            };
            let Some(event) = event else { continue };
            // Silenced on the dashboard or the API (for the alert's life),
            // or by a silence of the watch covering its opening.
            let silenced = prev
                .as_ref()
                .is_some_and(|p| p.state == AlertState::Silenced)
                || silences.iter().any(|s| s.covers(&w.name, ep.opened));
            let mut history = prev_ev.map(|e| e.history.clone()).unwrap_or_default();
            let at = seen(match event {
                AlertEvent::Resolve => ep.resolved.unwrap_or(ep.end),
                AlertEvent::Escalate => ep.escalations.last().map(|x| x.0).unwrap_or(ep.end),
                _ => ep.opened,
            });
            if event == AlertEvent::Open && ep.resolved.is_some() {
                // Found after the fact (backfill): open and resolve at once.
                history.push(HistoryEntry {
                    at: seen(ep.opened),
                    event: AlertEvent::Open,
                    severity: ep.severity,
                });
                history.push(HistoryEntry {
                    at: seen(ep.resolved.unwrap_or(ep.end)),
                    event: AlertEvent::Resolve,
                    severity: ep.severity,
                });
            } else {
                history.push(HistoryEntry {
                    at,
                    event,
                    severity: ep.severity,
                });
            }
            let baseline = detect::cold::describe_baseline(&ep, &cfg);
            let evidence =
                build_evidence(store, &w.name, &ep, &baseline, a.evidence_mentions, history)?;
            let state = if silenced {
                AlertState::Silenced
            } else if ep.resolved.is_some() {
                AlertState::Resolved
            } else {
                AlertState::Open
            };
            // The summary explains the decision: the detector, the
            // baseline it used and how much history that had, the test.
            let summary = format!(
                "{}: {} negative mentions {} – {} UTC, {}, {}: {}",
                w.name,
                ep.observed,
                ep.start.format("%Y-%m-%d %H:%M"),
                (ep.end + Duration::hours(1)).format("%H:%M"),
                detect::expected_text(ep.observed, ep.expected),
                ep.detector,
                baseline
            );
            let alert = Alert {
                id,
                watch: w.name.clone(),
                state,
                severity: ep.severity,
                // Opened once: later passes keep the first time it was seen.
                opened_at: prev.as_ref().map_or(seen(ep.opened), |p| p.opened_at),
                updated_at: now,
                summary: summary.clone(),
                evidence: Some(evidence.clone()),
            };
            let notify = !silenced && now - last_change <= max_age;
            if !silenced && !notify {
                let ago = (now - last_change).to_std().unwrap_or_default();
                let ago = std::time::Duration::from_secs(ago.as_secs() / 60 * 60);
                ev.held_back.push(format!(
                    "{event} {id:016x}: last change {} ago, more than alert.max_age ({}): not notified",
                    humantime::format_duration(ago),
                    humantime::format_duration(a.max_age)
                ));
            }
            let notice = Notice {
                event,
                alert_id: format!("{id:016x}"),
                watch: w.name.clone(),
                severity: ep.severity,
                summary,
                evidence,
            };
            let items: Vec<_> = if notify {
                channels
                    .iter()
                    .filter(|c| c.wants(&w.name, ep.severity))
                    .map(|c| {
                        let key = format!("{id:016x}-{event}-{}-{}", ep.severity, c.name);
                        channel::outbox_item(c, &notice, key, now)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            ev.queued += store.put_alert_with_outbox(&alert, &items)?;
            ev.events
                .push(format!("{event} {id:016x} ({state}, {})", ep.severity));
            stored.insert(id, alert);
        }
        out.push(ev);
    }
    store.flush()?;
    Ok(out)
}

fn excerpt(s: &str, n: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= n {
        s
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Words of a text for phrase statistics: CJK character bigrams, Latin
/// words of 3+ letters (lowercased) and their bigrams.
pub fn phrase_tokens(text: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "that", "this", "was", "are", "but", "not", "you", "have",
        "has", "its", "from",
    ];
    let mut out = Vec::new();
    let mut prev_word: Option<String> = None;
    let chars: Vec<char> = text.chars().collect();
    let is_cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            if i + 1 < chars.len() && is_cjk(chars[i + 1]) {
                out.push(format!("{c}{}", chars[i + 1]));
            }
            prev_word = None;
            i += 1;
        } else if c.is_alphanumeric() {
            let st = i;
            while i < chars.len() && chars[i].is_alphanumeric() && !is_cjk(chars[i]) {
                i += 1;
            }
            let w: String = chars[st..i].iter().collect::<String>().to_lowercase();
            if w.chars().count() >= 3 && !STOP.contains(&w.as_str()) {
                if let Some(p) = &prev_word {
                    out.push(format!("{p} {w}"));
                }
                out.push(w.clone());
                prev_word = Some(w);
            } else {
                prev_word = None;
            }
        } else {
            if !c.is_whitespace() {
                prev_word = None;
            }
            i += 1;
        }
    }
    out
}

fn build_evidence(
    store: &Store,
    watch: &str,
    ep: &Episode,
    baseline: &str,
    n_mentions: usize,
    history: Vec<HistoryEntry>,
) -> Result<Evidence, StoreError> {
    let until = ep.end + Duration::hours(1);
    let window = store.mentions(&MentionQuery {
        watch: Some(watch.to_string()),
        since: Some(ep.start),
        until: Some(until),
        sentiment: Some(Label::Negative),
        ..Default::default()
    })?;
    let window: Vec<_> = window.into_iter().filter(|m| m.spam.is_none()).collect();
    // Collapse clusters: one entry per cluster, copies and sites counted.
    let mut groups: Vec<(u64, Vec<&crate::store::Mention>)> = Vec::new();
    for m in window.iter().rev() {
        let key = m.cluster_id.unwrap_or(m.id);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(m),
            None => groups.push((key, vec![m])),
        }
    }
    groups.sort_by(|a, b| {
        b.1.len().cmp(&a.1.len()).then_with(|| {
            let s = |g: &Vec<&crate::store::Mention>| {
                g[0].sentiment.as_ref().map(|x| x.score).unwrap_or(0.0)
            };
            s(&a.1).total_cmp(&s(&b.1))
        })
    });
    let top_mentions = groups
        .iter()
        .take(n_mentions)
        .map(|(_, ms)| {
            let m = ms[0];
            let mut sites: Vec<String> = ms.iter().map(|x| x.site.clone()).collect();
            sites.sort();
            sites.dedup();
            EvidenceMention {
                title: m.title.clone(),
                url: m.url.clone(),
                site: m.site.clone(),
                author: m.author.clone(),
                excerpt: excerpt(&m.context, 120),
                published_at: m.published_at.map(|t| t.with_timezone(&Utc)),
                copies: ms.len() as u64,
                sites,
            }
        })
        .collect();
    let mut by_site: HashMap<String, u64> = HashMap::new();
    for m in &window {
        *by_site.entry(m.site.clone()).or_default() += 1;
    }
    let mut top_sites: Vec<(String, u64)> = by_site.into_iter().collect();
    top_sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_sites.truncate(5);
    // Phrases: log-odds of the window's negative mentions against every
    // mention of the week before.
    let base = store.mentions(&MentionQuery {
        watch: Some(watch.to_string()),
        since: Some(ep.start - Duration::days(7)),
        until: Some(ep.start),
        ..Default::default()
    })?;
    let count = |ms: &mut dyn Iterator<Item = &crate::store::Mention>| {
        let mut c: HashMap<String, u64> = HashMap::new();
        let mut n = 0u64;
        for m in ms {
            let mut toks = phrase_tokens(&m.context);
            toks.sort();
            toks.dedup();
            for t in toks {
                *c.entry(t).or_default() += 1;
                n += 1;
            }
        }
        (c, n)
    };
    let (wc, wn) = count(&mut window.iter());
    let (bc, bn) = count(&mut base.iter());
    let mut scored: Vec<(f64, String)> = wc
        .iter()
        .filter(|(t, c)| **c >= 2 && !t.to_lowercase().contains(&watch.to_lowercase()))
        .map(|(t, c)| {
            let b = *bc.get(t).unwrap_or(&0) as f64;
            let s =
                ((*c as f64 + 0.5) / (wn as f64 + 1.0)).ln() - ((b + 0.5) / (bn as f64 + 1.0)).ln();
            (s, t.clone())
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let phrases = scored.into_iter().take(8).map(|x| x.1).collect();
    Ok(Evidence {
        detector: ep.detector,
        start: ep.start,
        end: ep.end,
        opened: ep.opened,
        peak: ep.peak,
        peak_observed: ep.peak_observed,
        observed: ep.observed,
        expected: ep.expected,
        p_value: ep.p_value.is_finite().then_some(ep.p_value),
        baseline: Some(baseline.to_string()),
        baseline_days: Some((ep.baseline_days * 10.0).round() / 10.0),
        resolved: ep.resolved,
        top_mentions,
        top_sites,
        phrases,
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_tokenise_chinese_and_english() {
        let t = phrase_tokens("电池鼓包了！Battery swelling, the battery");
        assert!(t.contains(&"电池".to_string()));
        assert!(t.contains(&"鼓包".to_string()));
        assert!(t.contains(&"battery swelling".to_string()));
        assert!(!t.contains(&"the".to_string()));
    }
}
