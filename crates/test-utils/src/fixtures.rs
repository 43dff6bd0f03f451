//! The fixture store the dashboard, report and CLI tests share: two
//! watches, a syndicated negative story, hostile text (script tags,
//! `javascript:` links, spreadsheet formulas) that must come out as text
//! everywhere, Chinese text and one open alert.

use std::path::Path;

/// Watches of the fixture store.
pub const FIXTURE_WATCHES: [&str; 2] = ["云雀", "Lumio"];

/// Titles and texts of the hostile fixture mentions: they must come out as
/// text everywhere.
pub const XSS_TITLE: &str = "<script>alert(\"xss\")</script>云雀 review";
pub const XSS_TEXT: &str =
    "云雀 \"><img src=x onerror=alert(1)> and '><svg onload=alert(2)> quote breaking";
pub const JS_URL: &str = "javascript:alert(document.cookie)";
pub const FORMULA_TITLE: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
pub const CHINESE_TITLE: &str = "云雀手机续航很差，电池发热严重";
pub const ALERT_SUMMARY: &str = "Negative spike on 云雀 <b>not bold</b>";

/// The fixture store: 120 mentions of the two watches over the last 10
/// days (sentiment cycling, every 50th spam), a negative story syndicated
/// on three sites, hostile posts (script tags, javascript: links, quote
/// breaking, spreadsheet formulas), Chinese text, and one open alert.
/// Returns the number of mentions and the time the newest is at.
pub fn fixture_store(path: &Path) -> usize {
    use crate::synthetic_mention;
    use chrono::{Duration, Utc};
    use earshot::store::{
        Alert, AlertEvent, AlertState, Detector, Evidence, EvidenceMention, HistoryEntry, Label,
        Sentiment, Severity, Store,
    };
    let now = Utc::now();
    let base = now - Duration::days(10);
    let neg = |score: f32| {
        Some(Sentiment {
            label: Label::Negative,
            score,
            probs: [0.9, 0.05, 0.05],
            model: "fixture".into(),
        })
    };
    let mut ms: Vec<_> = (0..120u64)
        .map(|i| {
            let mut m = synthetic_mention(i, &FIXTURE_WATCHES, base);
            let t = now - Duration::hours(2 * i as i64 + 1);
            m.published_at = Some(t.fixed_offset());
            m.fetched_at = t + Duration::minutes(5);
            m
        })
        .collect();
    // A story copied on three sites.
    for (k, m) in ms.iter_mut().skip(3).take(3).enumerate() {
        m.watches = vec!["云雀".into()];
        m.cluster_id = Some(777);
        m.site = ["数码周刊", "今日数码", "手机之家"][k].into();
        m.title = Some(CHINESE_TITLE.into());
        m.context = format!("{CHINESE_TITLE}，用户投诉增多。");
        m.text = m.context.clone();
        m.spam = None;
        m.sentiment = neg(-0.9);
    }
    let hostile = &mut ms[10];
    hostile.watches = vec!["云雀".into()];
    hostile.title = Some(XSS_TITLE.into());
    hostile.text = XSS_TEXT.into();
    hostile.context = XSS_TEXT.into();
    hostile.url = JS_URL.into();
    hostile.author = Some("Robert\"'); DROP TABLE".into());
    hostile.site = "evil<b>site</b>".into();
    hostile.spam = None;
    hostile.sentiment = neg(-0.99);
    let formula = &mut ms[11];
    formula.watches = vec!["Lumio".into()];
    formula.title = Some(FORMULA_TITLE.into());
    formula.author = Some("@SUM(A1:A9)".into());
    formula.context = "+1 555 0100 call now, -2 is the score".into();
    formula.text = formula.context.clone();
    formula.spam = None;
    let n = ms.len();
    let store = Store::open(path).unwrap();
    store.put_mentions(&ms, None).unwrap();
    store
        .put_alert(&Alert {
            id: 1,
            watch: "云雀".into(),
            state: AlertState::Open,
            severity: Severity::High,
            opened_at: now - Duration::hours(7),
            updated_at: now - Duration::hours(6),
            summary: ALERT_SUMMARY.into(),
            // The hostile post is the evidence: it must come out as text.
            evidence: Some(Evidence {
                detector: Detector::Threshold,
                start: now - Duration::hours(9),
                end: now - Duration::hours(8),
                opened: now - Duration::hours(8),
                peak: now - Duration::hours(8),
                peak_observed: 6,
                observed: 9,
                expected: 1.5,
                p_value: None,
                baseline: None,
                baseline_days: None,
                resolved: None,
                top_mentions: vec![EvidenceMention {
                    title: Some(XSS_TITLE.into()),
                    url: JS_URL.into(),
                    site: "evil<b>site</b>".into(),
                    author: Some("Robert\"'); DROP TABLE".into()),
                    excerpt: XSS_TEXT.into(),
                    published_at: Some(now - Duration::hours(8)),
                    copies: 1,
                    sites: vec!["evil<b>site</b>".into()],
                }],
                top_sites: vec![("evil<b>site</b>".into(), 1)],
                phrases: vec!["<svg onload".into()],
                history: vec![HistoryEntry {
                    at: now - Duration::hours(7),
                    event: AlertEvent::Open,
                    severity: Severity::High,
                }],
            }),
        })
        .unwrap();
    store.flush().unwrap();
    n
}
